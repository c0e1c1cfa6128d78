// The workerd entry in workerd (miniflare): the .wasm imported as a module, assume role → invoke
// → mapping → streaming against the simulator over loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { startSimulator } from '../../simulator/index.js';
import { fixture } from './env.js';
import { signRequest } from '../../pkg/node.mjs';

let sim, mf;
before(async () => {
  sim = await startSimulator();
  mf = new Miniflare({
    modules: true,
    scriptPath: new URL('../workerd/worker.js', import.meta.url).pathname,
    modulesRoot: new URL('../..', import.meta.url).pathname,
    compatibilityDate: '2025-01-01',
    modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }],
  });
}, { timeout: 60_000 });
after(async () => {
  await mf?.dispose();
  await sim?.close();
});

test('workerd: assume role → invoke → map → stream, with no init call; a fresh instance after a panic', { timeout: 60_000 }, async () => {
  const res = await mf.dispatchFetch(`http://worker.local/?sim=${encodeURIComponent(sim.url)}`);
  const out = await res.json();
  assert.equal(res.status, 200, JSON.stringify(out));
  const { response, inputTokens, outputTokens } = fixture('anthropic');
  assert.equal(out.status, 200);
  assert.deepEqual(out.mapped, { outputText: response.content[0].text, inputTokens, outputTokens, cacheReadInputTokens: null, cacheWriteInputTokens: null, source: { inputTokens: 'body', outputTokens: 'body', cacheReadInputTokens: null, cacheWriteInputTokens: null } });
  const stream = JSON.parse(readFileSync(new URL('../fixtures/streams/anthropic.json', import.meta.url), 'utf8'));
  assert.equal(out.streamedText, stream.text);
  assert.match(out.authorization, /Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31$/);
  // After the deliberate panic the client was rebuilt on a fresh instance: one more AssumeRole.
  assert.deepEqual(out.recovered, { panicCode: 'INTERNAL_PANIC', status: 200, generation: 2, mapped: response.content[0].text });
  assert.equal(sim.stats.assumeRole.count, 2);
});

test('workerd: a 64 KiB invoke awaits one WebCrypto digest; when digest throws, the wasm hash signs it', { timeout: 60_000 }, async () => {
  sim.reset();
  const request = { ...fixture('anthropic').request, messages: [{ role: 'user', content: 'Summarise: lorem ipsum. '.repeat(2731) }] };
  const text = JSON.stringify(request);
  assert.ok(text.length >= 65536);
  const nowMs = Date.now();
  const res = await mf.dispatchFetch(`http://worker.local/?sim=${encodeURIComponent(sim.url)}&now=${nowMs}`, { method: 'POST', body: text });
  const out = await res.json();
  assert.equal(res.status, 200, JSON.stringify(out));
  assert.deepEqual(out.viaDigest, { status: 200, digests: [text.length] });
  assert.deepEqual(out.fallback, { status: 200 });
  assert.equal(sim.stats.invoke.ok, 2); // the simulator verified both signatures (node:crypto)
  const role = sim.sessions().at(-1);
  assert.equal(out.sent.length, 2);
  for (const sent of out.sent) {
    const { authorization, 'x-amz-date': date, ...headers } = sent.headers;
    const signed = signRequest({ method: 'POST', url: sent.url, headers, body: text, region: 'us-east-1', service: 'bedrock',
      credentials: { accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey, sessionToken: role.sessionToken }, signingDate: nowMs });
    assert.equal(authorization, signed.headers.authorization);
  }
});
