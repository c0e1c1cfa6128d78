// Long request bodies through the public API, against the simulator (which verifies SigV4 with
// node:crypto): Node's entry hashes them with node:crypto; the browser/workerd loader (no
// synchronous hash) awaits crypto.subtle.digest once per call, and falls back to wasm without it.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as node from '../../pkg/node.mjs';
import { createApi } from '../../pkg/common.js';
import { createBindings } from '../../pkg/wasm/bindings.js';
import { setup, fixture, HAIKU } from './env.js';

// The workerd entry's loader (pkg/workerd.js; the browser's differs only in fetching the .wasm):
// no synchronous native SHA-256, so a long body goes to WebCrypto.
const wasm = new WebAssembly.Module(readFileSync(new URL('../../pkg/wasm/web/bedrock_connect_bg.wasm', import.meta.url)));
const web = createApi({ create: (hooks) => createBindings(wasm, hooks), load: async () => {} });

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

/** A Claude request of exactly `size` UTF-8 bytes (the prompt padded). */
function claudeBody(size) {
  const request = { ...fixture('anthropic').request, messages: [{ role: 'user', content: '' }] };
  const fill = size - new TextEncoder().encode(JSON.stringify(request)).length;
  request.messages[0].content = 'Summarise: lorem ipsum dolor sit amet. '.repeat(Math.ceil(fill / 39)).slice(0, fill);
  const bytes = new TextEncoder().encode(JSON.stringify(request));
  assert.equal(bytes.length, size);
  return bytes;
}

const subtle = globalThis.crypto.subtle;
const cryptoGlobal = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
/** Records each crypto.subtle.digest call; `impl` replaces the real one. */
function spyDigest(impl = (alg, data) => SubtleCrypto.prototype.digest.call(subtle, alg, data)) {
  const calls = [];
  subtle.digest = (alg, data) => {
    calls.push({ alg, size: data.byteLength });
    return impl(alg, data);
  };
  return calls;
}
afterEach(() => {
  delete subtle.digest;
  Object.defineProperty(globalThis, 'crypto', cryptoGlobal);
});

/** A client whose fetch records the signed headers of Bedrock requests (then really sends them). */
function recording(api, extra = {}) {
  const sent = [];
  const client = env.client(api.BedrockClient, {
    fetch: (url, init) => {
      if (url.includes('/model/')) sent.push({ url, headers: init.headers });
      return fetch(url, init);
    },
    ...extra,
  });
  return { client, sent };
}

/** What signRequest (synchronous, hashing in wasm or node:crypto) signs for the request `invoke` sent. */
function expected(api, sent, body) {
  const { authorization, 'x-amz-date': date, ...headers } = sent.headers;
  const role = env.sim.sessions().at(-1);
  const signed = api.signRequest({
    method: 'POST', url: sent.url, headers, body, region: 'us-east-1', service: 'bedrock',
    credentials: { accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey, sessionToken: role.sessionToken },
    signingDate: env.clock.ms,
  });
  return { date, authorization: signed.headers.authorization };
}

test('Node: a 64 KiB invoke is signed right (node:crypto hash), without WebCrypto', async () => {
  env.sim.reset();
  const calls = spyDigest();
  const body = claudeBody(65536);
  const { client, sent } = recording(node);
  const res = await client.invoke({ modelId: HAIKU, body });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), fixture('anthropic').response);
  assert.equal(env.sim.stats.invoke.ok, 1);
  assert.deepEqual(calls, []);
  assert.equal(sent[0].headers.authorization, expected(node, sent[0], body).authorization);
});

test('no synchronous hash: a 64 KiB invoke awaits one WebCrypto digest and verifies', async () => {
  env.sim.reset();
  const calls = spyDigest();
  const body = claudeBody(65536);
  const { client, sent } = recording(web);
  const res = await client.invoke({ modelId: HAIKU, body });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), fixture('anthropic').response);
  assert.equal(env.sim.stats.invoke.ok, 1);
  assert.deepEqual(calls, [{ alg: 'SHA-256', size: 65536 }]);
  assert.equal(sent[0].headers.authorization, expected(web, sent[0], body).authorization);
});

test('no synchronous hash: short bodies are hashed in wasm (no digest below 8 KiB)', async () => {
  env.sim.reset();
  const calls = spyDigest();
  const { client } = recording(web);
  assert.equal((await client.invoke({ modelId: HAIKU, body: claudeBody(8191) })).status, 200);
  assert.deepEqual(calls, []);
  assert.equal((await client.invoke({ modelId: HAIKU, body: claudeBody(8192) })).status, 200);
  assert.deepEqual(calls, [{ alg: 'SHA-256', size: 8192 }]);
});

test('no synchronous hash: converse and invokeStream with long bodies digest once each and verify', async () => {
  env.sim.reset();
  const calls = spyDigest();
  const { client } = recording(web);
  const prompt = 'Tell me about the sea. '.repeat(1000); // ≈ 23 KB of JSON
  const conversed = await client.converse({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: prompt }] }] });
  assert.equal(typeof conversed.outputText, 'string');
  let text = '';
  for await (const ev of client.invokeStream({ modelId: HAIKU, body: claudeBody(20000) })) text += ev.text ?? '';
  assert.ok(text.length > 0);
  assert.equal(calls.length, 2);
  assert.equal(env.sim.stats.converse.ok, 1);
  assert.equal(env.sim.stats.invokeStream.ok, 1);
});

test('a retried call reuses its digest: one per call, every attempt verified', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'invoke', error: 'throttle', times: 2 }] });
  const calls = spyDigest();
  const { client, sent } = recording(web);
  const body = claudeBody(65536);
  const res = await client.invoke({ modelId: HAIKU, body });
  assert.equal(res.status, 200);
  assert.equal(env.sim.stats.invoke.count, 3);
  assert.equal(sent.length, 3);
  assert.equal(calls.length, 1);
  assert.equal(sent[2].headers.authorization, expected(web, sent[2], body).authorization);
});

for (const [name, arrange] of [
  ['crypto.subtle.digest throws', () => spyDigest(() => { throw new Error('not here'); })],
  ['crypto.subtle.digest rejects', () => spyDigest(() => Promise.reject(new DOMException('no', 'OperationError')))],
  ['crypto.subtle.digest answers the wrong length', () => spyDigest(() => Promise.resolve(new ArrayBuffer(20)))],
  ['crypto.subtle.digest answers no ArrayBuffer', () => spyDigest(() => Promise.resolve('0'.repeat(64)))],
  ['globalThis.crypto has no subtle (an insecure browser context)', () => {
    Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (a) => a }, configurable: true });
    return [];
  }],
  ['globalThis.crypto is absent', () => {
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
    return [];
  }],
]) {
  test(`fallback to the wasm hash when ${name}`, async () => {
    env.sim.reset();
    const calls = arrange();
    const body = claudeBody(65536);
    const { client, sent } = recording(web);
    const res = await client.invoke({ modelId: HAIKU, body });
    assert.equal(res.status, 200);
    assert.equal(env.sim.stats.invoke.ok, 1);
    assert.ok(calls.length <= 1);
    assert.equal(sent[0].headers.authorization, expected(web, sent[0], body).authorization);
  });
}
