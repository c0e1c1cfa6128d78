// D1 persistence across a gateway restart, then load on the restarted (cold) gateway: 500 invokes,
// 50 at a time, over 5 connections, with the simulator throttling → every answer right, and one
// AssumeRole per connection (one CredentialCache per isolate).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { OutputMapping, presets } from '../../pkg/node.mjs';
import { fixture } from '../js/env.js';
import { startSimulator, gateway, registration, tempDir, HAIKU, TITAN, NOVA, VARS } from './helpers.js';

/** The text the simulator answers for a family, mapped with the family's preset. */
function expected(family) {
  const mapping = new OutputMapping(presets[family].mapping);
  return mapping.apply(fixture(family).response).outputText;
}

const FAMILIES = [
  ['anthropic-a', HAIKU, expected('anthropic')],
  ['titan-a', TITAN, expected('titan-text')],
  ['nova-a', NOVA, expected('nova')],
  ['anthropic-b', HAIKU, expected('anthropic')],
  ['titan-b', TITAN, expected('titan-text')],
];

let sim, persist, gw;
const conns = [];
before(async () => {
  sim = await startSimulator();
  persist = tempDir();
}, { timeout: 30_000 });
after(async () => {
  await gw?.close();
  await sim?.close();
  if (persist) rmSync(persist, { recursive: true, force: true });
});

test('connections and their keys survive a gateway restart (D1 on disk)', { timeout: 60_000 }, async () => {
  const first = await gateway(sim, { persist });
  try {
    for (const [name, modelId] of FAMILIES) {
      const res = await first.call('POST', '/v1/connections', { body: registration(name, { modelId }) });
      assert.equal(res.status, 201, res.text);
      conns.push({ ...res.json, expect: FAMILIES.find((f) => f[0] === name)[2] });
    }
  } finally {
    await first.close();
  }
  gw = await gateway(sim, { persist, env: { AWS_MAX_ATTEMPTS: '6' } });
  const list = await gw.call('GET', '/v1/connections');
  assert.deepEqual(list.json.connections.map((c) => c.name).sort(), FAMILIES.map((f) => f[0]).sort());
  const again = await gw.call('GET', `/v1/connections/${conns[1].id}`);
  const { key, check, expect, ...stored } = conns[1];
  assert.deepEqual(again.json, stored);
});

test('load: 500 invokes, 50 concurrent, 5 connections, throttled → all right, one AssumeRole per connection', { timeout: 90_000 }, async () => {
  const assumes = sim.stats.assumeRole.count;
  const injectedBefore = sim.stats.injected;
  sim.configure({ inject: [{ op: 'invoke', error: 'throttle', times: 100 }] });
  const results = new Array(500);
  let next = 0;
  const worker = async () => {
    while (next < results.length) {
      const i = next++;
      const c = conns[i % conns.length];
      const res = await gw.call('POST', `/v1/connections/${c.id}/invoke`, { token: c.key, body: { variables: { ...VARS, prompt: `request ${i}` } } });
      results[i] = { res, c };
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 50 }, worker));
  const bad = results.filter(({ res, c }) => res.status !== 200 || res.json.outputText !== c.expect || res.json.modelId !== c.modelId);
  assert.deepEqual(bad.map(({ res }) => res.text).slice(0, 3), [], `${bad.length} wrong answers`);
  assert.equal(sim.stats.injected - injectedBefore, 100, 'the simulator throttled 100 attempts (retried by the package)');
  assert.equal(sim.stats.assumeRole.count - assumes, conns.length, 'one AssumeRole per connection');
  console.log(`# load: 500 invokes in ${Date.now() - started} ms, ${sim.stats.assumeRole.count - assumes} AssumeRole calls`);
});

test('throttling that outlasts the retries → 429 ThrottlingException with Retry-After', async () => {
  sim.configure({ inject: [{ op: 'invoke', error: 'throttle', times: 6 }] });
  const c = conns[0];
  const res = await gw.call('POST', `/v1/connections/${c.id}/invoke`, { token: c.key, body: { variables: VARS } });
  assert.equal(res.status, 429, res.text);
  assert.equal(res.json.error.code, 'ThrottlingException');
  assert.equal(res.headers.get('retry-after'), '1');
});

test('50 concurrent first requests for one connection on a cold gateway → one AssumeRole', { timeout: 60_000 }, async () => {
  await gw.close();
  gw = await gateway(sim, { persist });
  const c = conns[1];
  const assumes = sim.stats.assumeRole.count;
  const answers = await Promise.all(Array.from({ length: 50 }, () => gw.call('POST', `/v1/connections/${c.id}/invoke`, { token: c.key, body: { variables: VARS } })));
  assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
  assert.ok(answers.every((a) => a.json.outputText === c.expect));
  assert.equal(sim.stats.assumeRole.count - assumes, 1);
});
