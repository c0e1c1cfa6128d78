// bench/harness.js — the interleaved, order-rotating timing harness and table formatting, shared by Node (bench/run.js) and the browser page.
//
// A row is { id, group, title, note?, measure?: 'wall' | 'cpu', inputs: N, candidates: [...], targets?: [...], verify?: async () => info,
//   itemsPerOp?, itemUnit?, bytesPerOp? } — with itemsPerOp, times are reported per item (µs/frame: one op decodes a whole stream);
//   with bytesPerOp, every candidate also gets MB/s (10^6 bytes/s) and a target { metric: 'MB/s', min } checks ours' MB/s.
// A candidate is { name, ours?: true, prepare?: async () => void, run: (i) => value | Promise<value>, normalize?: (value) => any }.
// `run(i)` gets an input index in [0, N): the row precomputes N distinct inputs, the same for every candidate.
// Before timing, every candidate's normalized output for several inputs must equal the first candidate's, else it throws.

const hasPerformance = typeof performance !== 'undefined' && typeof performance.now === 'function';
const clock = hasPerformance ? () => performance.now() : () => Date.now();

/** Keeps results alive so no engine can drop the work. */
export let blackhole;

export const DEFAULTS = { rounds: 9, targetMs: 75, warmupMs: 200, checks: 3 };
export const QUICK = { rounds: 3, targetMs: 30, warmupMs: 60, checks: 2 };

const isThenable = (v) => v !== null && typeof v === 'object' && typeof v.then === 'function';

function stableStringify(value) {
  if (value instanceof Uint8Array) return `bytes(${Array.from(value).join(',')})`;
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Runs each candidate on the same inputs and throws unless all normalized outputs agree. Returns which candidates are async. */
export async function checkCandidates(row, checks) {
  const asyncFlags = new Map();
  const picks = [];
  for (let k = 0; k < Math.min(checks, row.inputs); k++) picks.push(Math.floor((k * row.inputs) / Math.max(1, checks)) % row.inputs);
  for (const i of picks) {
    let reference = null;
    for (const c of row.candidates) {
      let out = c.run(i);
      const isAsync = isThenable(out);
      if (isAsync) out = await out;
      if (asyncFlags.has(c.name) && asyncFlags.get(c.name) !== isAsync) throw new Error(`${row.id}: ${c.name} is sometimes async`);
      asyncFlags.set(c.name, isAsync);
      const normalized = stableStringify(c.normalize ? c.normalize(out) : out);
      if (reference === null) reference = { name: c.name, normalized };
      else if (normalized !== reference.normalized) {
        const show = (s) => (s.length > 400 ? `${s.slice(0, 400)}…(${s.length} chars)` : s);
        throw new Error(`${row.id}: ${c.name} disagrees with ${reference.name} on input ${i}:\n  ${reference.name}: ${show(reference.normalized)}\n  ${c.name}: ${show(normalized)}`);
      }
    }
  }
  return asyncFlags;
}

/** One batch of n iterations starting at input `start`; returns elapsed { wall ms, cpu µs | null }. */
async function batch(c, isAsync, start, n, N, cpuNow) {
  const run = c.run;
  const cpu0 = cpuNow ? cpuNow() : 0;
  const t0 = clock();
  let sink;
  if (isAsync) {
    for (let k = 0; k < n; k++) sink = await run((start + k) % N);
  } else {
    for (let k = 0; k < n; k++) sink = run((start + k) % N);
  }
  const wall = clock() - t0;
  const cpu = cpuNow ? cpuNow() - cpu0 : null;
  blackhole = sink;
  return { wall, cpu };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times a row: warm-up and batch sizing per candidate, then `rounds` rounds in which every candidate runs one batch,
 * the order rotating each round. Reports µs/op per candidate (median, min, max over rounds) and ratios peer/ours.
 * options: { rounds, targetMs, warmupMs, checks, cpuNow?: () => µs (required for measure 'cpu'), log?: (line) => void }
 */
export async function runRow(row, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const log = o.log ?? (() => {});
  const N = row.inputs;
  const cpuMode = row.measure === 'cpu';
  if (cpuMode && !o.cpuNow) throw new Error(`${row.id}: measure 'cpu' needs options.cpuNow`);
  for (const c of row.candidates) if (c.prepare) await c.prepare();
  const asyncFlags = await checkCandidates(row, o.checks);
  const verified = row.verify ? await row.verify() : null;
  log(`  ${row.id}: outputs agree (${row.candidates.length} candidates)${verified ? ` ${JSON.stringify(verified)}` : ''}; warming up`);

  // Warm-up and sizing: grow the batch until it takes ≥ warmupMs / 4, then size it to ~targetMs.
  const sizes = new Map();
  const cursors = new Map();
  for (const c of row.candidates) {
    const isAsync = asyncFlags.get(c.name);
    let n = 1;
    let spent = 0;
    let perOp = Infinity;
    let cursor = 0;
    while (spent < o.warmupMs) {
      const { wall } = await batch(c, isAsync, cursor, n, N, null);
      cursor = (cursor + n) % N;
      spent += wall;
      if (wall > 0) perOp = wall / n;
      if (wall < o.warmupMs / 4) n *= 2;
    }
    sizes.set(c.name, Math.max(1, Math.round(o.targetMs / perOp)));
    cursors.set(c.name, cursor);
  }

  const per = row.itemsPerOp ?? 1;
  const samples = new Map(row.candidates.map((c) => [c.name, { wall: [], cpu: [] }]));
  const k = row.candidates.length;
  for (let r = 0; r < o.rounds; r++) {
    const order = row.candidates.map((_, j) => row.candidates[(j + r) % k]);
    for (const c of order) {
      const n = sizes.get(c.name);
      const start = cursors.get(c.name);
      const { wall, cpu } = await batch(c, asyncFlags.get(c.name), start, n, N, cpuMode ? o.cpuNow : null);
      cursors.set(c.name, (start + n) % N);
      const s = samples.get(c.name);
      s.wall.push((wall * 1000) / n / per);
      if (cpuMode) s.cpu.push(cpu / n / per);
    }
  }

  const candidates = row.candidates.map((c) => {
    const s = samples.get(c.name);
    const primary = cpuMode ? s.cpu : s.wall;
    const out = { name: c.name, ours: !!c.ours, async: asyncFlags.get(c.name), batch: sizes.get(c.name), rounds: o.rounds,
      median: median(primary), min: Math.min(...primary), max: Math.max(...primary) };
    if (cpuMode) Object.assign(out, { wallMedian: median(s.wall), wallMin: Math.min(...s.wall), wallMax: Math.max(...s.wall) });
    if (row.bytesPerOp) out.mbps = row.bytesPerOp / (out.median * per);
    return out;
  });
  const ours = candidates.find((c) => c.ours) ?? candidates[0];
  const ratios = {};
  for (const c of candidates) if (c !== ours) ratios[c.name] = c.median / ours.median;
  const targets = (row.targets ?? []).map((t) => {
    if (t.metric === 'MB/s') return { ...t, ratio: ours.mbps, unit: 'MB/s', pass: ours.mbps >= t.min };
    const ratio = ratios[t.peer];
    return { ...t, ratio, pass: ratio !== undefined && ratio >= t.min };
  });
  return { id: row.id, group: row.group, title: row.title, note: row.note ?? null, measure: cpuMode ? 'cpu' : 'wall',
    unit: `${cpuMode ? 'CPU ' : ''}µs/${row.itemUnit ?? 'op'}`, inputs: N, itemsPerOp: per, bytesPerOp: row.bytesPerOp ?? null, baseline: ours.name, verified, candidates, ratios, targets };
}

const fmt = (x) => (x >= 1000 ? x.toFixed(0) : x >= 100 ? x.toFixed(1) : x >= 10 ? x.toFixed(2) : x.toFixed(3));

/** A readable table of one timed row (plain text, also valid inside a Markdown code block). */
export function formatRow(result) {
  const lines = [`${result.title}  [${result.unit}, median of ${result.candidates[0].rounds} rounds; ratio = peer / ${result.baseline}]`];
  if (result.note) lines.push(`  note: ${result.note}`);
  const cpu = result.measure === 'cpu';
  const mbps = result.candidates.some((c) => c.mbps !== undefined);
  const head = ['candidate', 'median', 'min–max', cpu ? 'wall µs/op' : null, mbps ? 'MB/s' : null, 'batch', 'ratio'].filter(Boolean);
  const rows = result.candidates.map((c) => [
    `${c.ours ? '* ' : '  '}${c.name}`,
    fmt(c.median),
    `${fmt(c.min)}–${fmt(c.max)}`,
    cpu ? fmt(c.wallMedian) : null,
    mbps ? fmt(c.mbps) : null,
    String(c.batch),
    c.name === result.baseline ? '1.00×' : `${result.ratios[c.name].toFixed(2)}×`,
  ].filter((v) => v !== null));
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const pad = (cells) => cells.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ');
  lines.push(`  ${pad(head)}`);
  for (const r of rows) lines.push(`  ${pad(r)}`);
  for (const t of result.targets) {
    const value = t.ratio === undefined ? 'n/a' : t.unit ? `${t.ratio.toFixed(2)} ${t.unit}` : `${t.ratio.toFixed(2)}×`;
    lines.push(`  target ${t.label ?? `≥ ${t.min}× ${t.peer}`}: ${value} ${t.pass ? 'PASS' : 'MISS'}`);
  }
  return lines.join('\n');
}
