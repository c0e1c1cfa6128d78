// Owns the fuzz harness's machinery: a seeded PRNG, mutators for strings, bytes and JS values,
// and the loop that runs a target and checks every outcome (typed error, live instance, time).
import { BedrockConnectError, ready } from '../pkg/node.mjs';

export const internal = ready[Symbol.for('bedrock-connect.internal')];

/** mulberry32: a small seeded PRNG (same seed, same inputs). */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
  return r;
}

/** Characters that matter to the parsers under test, plus awkward Unicode. */
const SPECIAL = [
  '{', '}', '{{', '}}', '[', ']', '(', ')', '$', '@', '.', '..', '*', '?', '!', '=', '==', '<', '>', '&&', '||', ',', ':', ';',
  "'", '"', '\\', '\\u', '\\u00', '\\x', '/', '-', '+', 'e', 'E', '0', '1', '9', '-1', '1e999', '9007199254740993', ' ', '\t', '\n', '\r',
  '\u0000', '\u001f', '\u007f', '\u00e9', '\u2028', '\ud800', '\udc00', '\ud83d\ude00', '\uffff', 'true', 'null', 'length(', 'match(', 'search(', 'count(', 'value(',
  '<', '</', '>', '&amp;', '&#', ']]>', '<![CDATA[', 'a', 'Z', '_', '%', '%3A', '#', '::', 'arn:', 'aws', 'us.', ':0',
];

/** One random edit of a string: insert, delete, duplicate, replace or splice with another seed. */
export function mutateString(r, s, corpus) {
  let out = s;
  const edits = 1 + r.int(r.chance(0.2) ? 16 : 4);
  for (let k = 0; k < edits; k++) {
    const at = r.int(out.length + 1);
    switch (r.int(7)) {
      case 0:
      case 1:
        out = out.slice(0, at) + r.pick(SPECIAL) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at + 1 + r.int(8));
        break;
      case 3: {
        const len = r.int(Math.min(32, out.length - at) + 1);
        const piece = out.slice(at, at + len);
        out = out.slice(0, at) + piece.repeat(1 + r.int(r.chance(0.05) ? 64 : 3)) + out.slice(at + len);
        break;
      }
      case 4:
        out = out.slice(0, at) + String.fromCharCode(r.int(r.chance(0.9) ? 128 : 65536)) + out.slice(at + 1);
        break;
      case 5: {
        const other = r.pick(corpus);
        const from = r.int(other.length + 1);
        out = out.slice(0, at) + other.slice(from, from + r.int(40)) + out.slice(at);
        break;
      }
      default:
        out = out.slice(0, at);
    }
    if (out.length > 20000) out = out.slice(0, 20000);
  }
  return out;
}

/** One random edit of bytes: bit flips, byte changes, inserts, deletes, truncation, duplication. */
export function mutateBytes(r, bytes) {
  let out = Uint8Array.from(bytes);
  const edits = 1 + r.int(4);
  for (let k = 0; k < edits; k++) {
    const at = r.int(out.length + 1);
    switch (r.int(6)) {
      case 0:
        if (out.length) out[r.int(out.length)] ^= 1 << r.int(8);
        break;
      case 1:
        if (out.length) out[r.int(out.length)] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]);
        break;
      case 2: {
        const extra = Uint8Array.from({ length: 1 + r.int(8) }, () => r.int(256));
        out = concat(out.subarray(0, at), extra, out.subarray(at));
        break;
      }
      case 3:
        out = concat(out.subarray(0, at), out.subarray(at + 1 + r.int(16)));
        break;
      case 4:
        out = out.slice(0, at);
        break;
      default: {
        const len = r.int(Math.min(64, out.length - at) + 1);
        out = concat(out.subarray(0, at + len), out.subarray(at, at + len), out.subarray(at + len));
      }
    }
  }
  return out;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const cyclic = {};
cyclic.me = cyclic;
const trap = new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } });
const oddities = [
  () => cyclic,
  () => trap,
  () => ({ toJSON() { return this; } }),
  () => ({ get x() { throw new Error('getter'); } }),
  () => 10n ** 30n,
  () => Symbol('s'),
  () => () => 1,
  () => new Date(NaN),
  () => new Map([[1, 2]]),
  () => new Uint8Array([1, 2, 3]),
  () => Object.create(null),
  () => Object.create(Uint8Array.prototype),
];

/** A random JS value: mostly JSON-like, sometimes deep, sometimes hostile. */
export function jsValue(r, depth = 0) {
  const k = r.int(depth > 6 ? 6 : 10);
  switch (k) {
    case 0:
      return r.pick(['', 'hi', 'a"b\\c', '\u2028', '\ud800', '{{x}}', 'x'.repeat(r.int(3000))]);
    case 1:
      return r.pick([0, -0, 1, -1, 0.5, 1e21, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), NaN, Infinity, -Infinity, Number.MIN_VALUE]);
    case 2:
      return r.chance(0.5);
    case 3:
      return null;
    case 4:
      return r.chance(0.95) ? undefined : r.pick(oddities)();
    case 5:
      return r.chance(0.9) ? r.int(1000) : r.pick(oddities)();
    case 6:
    case 7:
      return Array.from({ length: r.int(5) }, () => jsValue(r, depth + 1));
    case 8: {
      if (r.chance(0.02)) {
        let v = 1;
        for (let i = 0, n = r.int(400); i < n; i++) v = r.chance(0.5) ? [v] : { v };
        return v;
      }
      const o = {};
      for (let i = 0, n = r.int(5); i < n; i++) {
        const key = r.pick(['a', 'b', 'x', 'prompt', 'system.prompt', '', '__proto__', 'toJSON']);
        Object.defineProperty(o, key, { value: jsValue(r, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    default:
      return r.pick(oddities)();
  }
}

/** A short description of an input for the findings log (never the whole of a huge one). */
export function describe(v) {
  try {
    const s = JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `bytes:${Buffer.from(x).toString('base64')}` : x));
    return s === undefined ? String(v) : s.slice(0, 2000);
  } catch {
    return `<${typeof v}>`;
  }
}

/** Was this error one a caller can handle (a typed error with a string code)? */
export function typed(e) {
  return (e instanceof BedrockConnectError || e instanceof TypeError) && typeof e.code === 'string' && e.code.length > 0;
}

/**
 * Runs `count` inputs of `target` from `seed`: `{ inputs, seconds, rate, maxMs, findings }`.
 * A finding: `panic` (INTERNAL_PANIC: the instance was replaced), `untyped` (an error without a
 * code), `slow` (one input over `slowMs`), `unhealthy` (an ordinary call failed afterwards).
 */
export async function runTarget(target, { seed, count, seconds = Infinity, slowMs = 1000, log = () => {} }) {
  const r = rng(seed);
  const findings = [];
  const seen = new Set();
  let maxMs = 0;
  let i = 0;
  await target.healthy(); // the instance starts on first use
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const note = (kind, input, detail) => {
    const key = `${kind}:${String(detail).slice(0, 120)}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ kind, index: i, detail: String(detail).slice(0, 500), input: describe(input) });
    log(`[${target.name}] ${kind} at ${i}: ${String(detail).slice(0, 200)}`);
  };
  for (; i < count && (i % 256 !== 0 || performance.now() < deadline); i++) {
    const input = target.input(r);
    const generation = internal.generation();
    let panicked = false;
    const t0 = performance.now();
    try {
      const out = target.run(input);
      if (out && typeof out.then === 'function') await out;
    } catch (e) {
      if (e?.code === 'INTERNAL_PANIC') {
        panicked = true;
        note('panic', input, e.message);
        internal.memoryBytes(); // starts the fresh instance now, so the next input is not blamed
      }
      else if (!typed(e)) note('untyped', input, `${e?.constructor?.name}: ${e?.message}`);
      else if (target.check) target.check(e, input, note);
    }
    const ms = performance.now() - t0;
    if (ms > maxMs) maxMs = ms;
    if (ms > slowMs) note('slow', input, `${ms.toFixed(0)} ms`);
    if (!panicked && internal.generation() !== generation) note('panic', input, 'instance replaced');
    if (i % 50_000 === 0 && i > 0) log(`[${target.name}] ${i} inputs, ${Math.round(i / ((performance.now() - started) / 1000))}/s`);
    if (i % 1000 === 0) {
      try {
        await target.healthy();
      } catch (e) {
        note('unhealthy', input, `${e?.code} ${e?.message}`);
      }
    }
  }
  const secs = (performance.now() - started) / 1000;
  return { target: target.name, seed, inputs: i, seconds: Number(secs.toFixed(1)), rate: Math.round(i / secs), maxMs: Number(maxMs.toFixed(1)), findings };
}
