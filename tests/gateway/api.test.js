// The management API, the page's routes, invoke (plain and SSE, two families), tenant isolation,
// bad input, and the secret grep over every response, every log line and the D1 files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { presets } from '../../pkg/node.mjs';
import { startSimulator, gateway, registration, tempDir, readTree, parseSse, ADMIN, BASE, HAIKU, TITAN, NOVA, VARS } from './helpers.js';

let sim, gw, persist;
const conns = {};
before(async () => {
  sim = await startSimulator();
  persist = tempDir();
  gw = await gateway(sim, { persist, assets: true });
  for (const [name, modelId] of [['anthropic', undefined], ['titan', TITAN], ['nova', NOVA]]) {
    const res = await gw.call('POST', '/v1/connections', { body: registration(name, modelId ? { modelId } : {}) });
    assert.equal(res.status, 201, res.text);
    conns[name] = res.json;
  }
}, { timeout: 60_000 });
after(async () => {
  await gw?.close();
  await sim?.close();
  if (persist) rmSync(persist, { recursive: true, force: true });
});

const invoke = (c, { token = c.key, variables = VARS, query = '', headers } = {}) =>
  gw.call('POST', `/v1/connections/${c.id}/invoke${query}`, { token, body: { variables }, headers });

test('GET /healthz, the page at /, the package files at /pkg/', async () => {
  assert.equal((await gw.call('GET', '/healthz', { token: null })).status, 200);
  // (The page's own files are www/'s business: fetched directly, left out of the secret grep.)
  const page = await fetch(`${gw.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /text\/html/);
  const wasm = await fetch(`${gw.url}/pkg/wasm/web/bedrock_connect_bg.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal((await fetch(`${gw.url}/pkg/browser.js`)).status, 200);
});

test('admin routes: 401 without a token, 403 with a wrong one (a connection key is not an admin token)', async () => {
  for (const [method, path] of [['GET', '/v1/connections'], ['GET', '/v1/setup'], ['POST', '/v1/check-role'], ['GET', `/v1/connections/${conns.titan.id}`], ['DELETE', `/v1/connections/${conns.titan.id}`]]) {
    const none = await gw.call(method, path, { token: null });
    assert.equal(none.status, 401, `${method} ${path}`);
    assert.equal(none.json.error.code, 'UNAUTHORIZED');
    const wrong = await gw.call(method, path, { token: 'nope' });
    assert.equal(wrong.status, 403, `${method} ${path}`);
    assert.equal(wrong.json.error.code, 'FORBIDDEN');
    assert.equal((await gw.call(method, path, { token: conns.titan.key })).status, 403);
  }
  assert.equal((await gw.call('GET', `/v1/connections/${conns.titan.id}`)).status, 200, 'still there');
});

test('GET /v1/session hands the admin token to the local page only', async () => {
  const res = await gw.call('GET', '/v1/session', { token: null });
  assert.deepEqual(res.json, { adminToken: ADMIN, local: true });
});

test('GET /v1/setup: the policies to paste, with a fresh external ID unless one is given', async () => {
  const res = await gw.call('GET', '/v1/setup');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.platformPrincipal, BASE.arn);
  assert.ok(res.json.externalId.length >= 32);
  assert.notEqual((await gw.call('GET', '/v1/setup')).json.externalId, res.json.externalId);
  assert.equal(res.json.trust.Statement[0].Principal.AWS, BASE.arn);
  assert.equal(res.json.trust.Statement[0].Condition.StringEquals['sts:ExternalId'], res.json.externalId);
  assert.ok(res.json.permissions.Statement[0].Action.includes('bedrock:InvokeModel'));
  assert.equal(res.json.stsEndpoints['eu-west-1'], 'https://sts.eu-west-1.amazonaws.com/');
  const given = await gw.call('GET', '/v1/setup?externalId=customer-7');
  assert.equal(given.json.externalId, 'customer-7');
  assert.equal(given.json.trust.Statement[0].Condition.StringEquals['sts:ExternalId'], 'customer-7');
  assert.equal(res.json.permissions.Statement[0].Resource, '*');
});

test('GET /v1/setup?models=…&regions=…: the permissions policy scoped to those models', async () => {
  const res = await gw.call('GET', `/v1/setup?externalId=customer-7&models=${encodeURIComponent('amazon.nova-lite-v1:0, us.anthropic.claude-3-5-sonnet-20241022-v2:0')}&regions=us-east-1,us-west-2`);
  assert.equal(res.status, 200, res.text);
  const [models, list] = res.json.permissions.Statement;
  assert.deepEqual(models.Resource, [
    'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
    'arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0',
    'arn:aws:bedrock:us-east-1:*:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0',
    'arn:aws:bedrock:us-west-2:*:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0',
    'arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0',
  ]);
  assert.equal(list.Resource, '*');
  assert.ok(list.Action.includes('bedrock:ListInferenceProfiles'));
  const bad = await gw.call('GET', '/v1/setup?models=not%20a%20model');
  assert.equal(bad.status, 400);
  assert.deepEqual([bad.json.error.code, bad.json.error.field], ['INVALID_MODEL_ID', 'models']);
});

test('draft routes: check-role, models and test store nothing', async () => {
  const role = { roleArn: conns.titan.roleArn, externalId: 'platform-42', stsRegion: 'eu-west-1', region: 'us-east-1' };
  const count = (await gw.call('GET', '/v1/connections')).json.connections.length;
  const ok = await gw.call('POST', '/v1/check-role', { body: role });
  assert.equal(ok.status, 200, ok.text);
  assert.match(ok.json.assumedRoleArn, /assumed-role\/BedrockAccess\//);
  assert.equal(ok.json.stsRegion, 'eu-west-1');
  assert.equal(ok.json.stsEndpoint, sim.url);
  assert.ok(!Number.isNaN(Date.parse(ok.json.expiration)));
  const bad = await gw.call('POST', '/v1/check-role', { body: { ...role, externalId: 'wrong-one' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'externalId');
  const models = await gw.call('POST', '/v1/models', { body: role });
  assert.equal(models.status, 200, models.text);
  assert.ok(models.json.models.some((m) => m.modelId === TITAN));
  const tried = await gw.call('POST', '/v1/test', { body: { ...role, modelId: NOVA, variables: VARS } });
  assert.equal(tried.status, 200, tried.text);
  assert.equal(tried.json.ok, true);
  assert.equal(tried.json.request.headers.authorization, '[redacted]');
  const failed = await gw.call('POST', '/v1/test', { body: { ...role, modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0', variables: VARS } });
  assert.equal(failed.status, 200, 'a failed AWS call is a result, not a 5xx');
  assert.equal(failed.json.ok, false);
  assert.equal(failed.json.error.field, 'modelId');
  const sse = await gw.call('POST', '/v1/test', { body: { ...role, modelId: NOVA, variables: VARS, stream: true }, headers: { accept: 'text/event-stream' } });
  assert.match(sse.headers.get('content-type'), /text\/event-stream/);
  const events = parseSse(sse.text);
  const done = events.at(-1);
  assert.equal(done.event, 'done');
  assert.equal(done.data.ok, true);
  assert.equal(events.filter((e) => e.event === 'delta').map((e) => e.data.text).join(''), done.data.mapped.outputText);
  assert.equal((await gw.call('GET', '/v1/connections')).json.connections.length, count);
});

test('streamed Test: each delta is sent as the model writes it, before done', async () => {
  // 400 ms between the simulator's writes: a gateway that waited for the end would send the
  // deltas and done in one burst; a live one has sent the first delta long before done.
  const role = { roleArn: conns.titan.roleArn, externalId: 'platform-42', stsRegion: 'eu-west-1', region: 'us-east-1' };
  sim.configure({ stream: { delayMs: 400 } });
  try {
    const res = await fetch(`${gw.url}/v1/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ ...role, modelId: NOVA, variables: VARS, stream: true }),
    });
    assert.equal(res.status, 200);
    const reads = [];
    const decoder = new TextDecoder();
    for await (const piece of res.body) reads.push(decoder.decode(piece, { stream: true }));
    const firstDelta = reads.findIndex((r) => r.includes('event: delta'));
    const done = reads.findIndex((r) => r.includes('event: done'));
    assert.ok(firstDelta >= 0 && done > firstDelta, `first delta in read ${firstDelta}, done in read ${done} of ${reads.length}`);
    const events = parseSse(reads.join(''));
    assert.equal(events.filter((e) => e.event === 'delta').map((e) => e.data.text).join(''), events.at(-1).data.mapped.outputText);
  } finally {
    sim.reset();
  }
});

const ROLE = { roleArn: 'arn:aws:iam::123456789012:role/BedrockAccess', externalId: 'platform-42', stsRegion: 'eu-west-1', region: 'us-east-1' };
const CACHED_TEMPLATE = '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "system": "{{system.prompt}}", "messages": [{"role": "user", "content": [{"type": "text", "text": "{{prompt}}", "cache_control": {"type": "ephemeral"}}]}]}';
const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const APP_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3';
const ROUTER = 'arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1';

test('Test answers carry the prompt-cache counts (value, or null when the model reported none), plain and SSE', async () => {
  sim.configure({ promptCache: { readInputTokens: 2048, writeInputTokens: 16 } });
  try {
    const cached = await gw.call('POST', '/v1/test', { body: { ...ROLE, modelId: HAIKU, template: CACHED_TEMPLATE, variables: VARS } });
    assert.equal(cached.json.ok, true, cached.text);
    assert.equal(cached.json.mapped.cacheReadInputTokens, 2048);
    assert.equal(cached.json.mapped.cacheWriteInputTokens, 16);
    const sse = parseSse((await gw.call('POST', '/v1/test', { body: { ...ROLE, modelId: HAIKU, template: CACHED_TEMPLATE, variables: VARS, stream: true }, headers: { accept: 'text/event-stream' } })).text).at(-1);
    assert.equal(sse.event, 'done');
    assert.deepEqual([sse.data.mapped.cacheReadInputTokens, sse.data.mapped.cacheWriteInputTokens], [2048, 16]);
    const stored = await gw.call('POST', `/v1/connections/${conns.anthropic.id}/test`, { body: { variables: VARS, template: CACHED_TEMPLATE } });
    assert.equal(stored.json.mapped.cacheReadInputTokens, 2048, stored.text);
    const none = await gw.call('POST', `/v1/connections/${conns.titan.id}/test`, { body: { variables: VARS } });
    assert.equal(none.json.ok, true);
    assert.deepEqual([none.json.mapped.cacheReadInputTokens, none.json.mapped.cacheWriteInputTokens], [null, null], 'null: not reported');
  } finally {
    sim.configure({ promptCache: { readInputTokens: 0, writeInputTokens: 1024 } });
  }
});

test('POST /v1/count-tokens: the rendered body counted (InvokeModel or Converse), the base model used, typed errors', async () => {
  const count = (extra) => gw.call('POST', '/v1/count-tokens', { body: { ...ROLE, variables: VARS, ...extra } });
  const before = (await gw.call('GET', '/v1/connections')).json.connections.length;
  const plain = await count({ modelId: SONNET, template: CACHED_TEMPLATE });
  assert.equal(plain.status, 200, plain.text);
  const sent = sim.stats.countTokens.last;
  assert.equal(sent.path, `/model/${encodeURIComponent(SONNET)}/count-tokens`);
  const rendered = JSON.parse(Buffer.from(JSON.parse(sent.body).input.invokeModel.body, 'base64').toString('utf8'));
  assert.equal(rendered.messages[0].content[0].text, VARS.prompt, 'the template rendered with the variables');
  assert.equal(rendered.system, VARS['system.prompt']);
  assert.equal(plain.json.inputTokens > 0, true);
  assert.deepEqual([plain.json.modelIdUsed, plain.json.api], [SONNET, 'invoke']);
  // No template: the family's preset. A system profile and an application profile count against their base model.
  const profile = await count({ modelId: `us.${SONNET}` });
  assert.deepEqual([profile.status, profile.json.modelIdUsed], [200, SONNET], profile.text);
  const noPreset = await count({ modelId: APP_PROFILE });
  assert.deepEqual([noPreset.status, noPreset.json.error.code, noPreset.json.error.field], [422, 'NO_PRESET', 'template'], 'its ID names no family');
  const app = await count({ modelId: APP_PROFILE, template: CACHED_TEMPLATE });
  assert.deepEqual([app.status, app.json.modelIdUsed], [200, HAIKU], app.text);
  // The Converse preset, however indented: input.converse on the wire.
  const converse = await count({ modelId: SONNET, template: JSON.stringify(JSON.parse(presets.converse.template), null, 2) });
  assert.equal(converse.status, 200, converse.text);
  assert.equal(converse.json.api, 'converse');
  const wire = JSON.parse(sim.stats.countTokens.last.body).input.converse;
  assert.deepEqual(wire.messages, [{ role: 'user', content: [{ text: VARS.prompt }] }]);
  assert.deepEqual(wire.system, [{ text: VARS['system.prompt'] }]);
  // A model without CountTokens, a router, a broken template: 422 naming the field.
  const unsupported = await count({ modelId: NOVA });
  assert.equal(unsupported.status, 422);
  assert.deepEqual([unsupported.json.error.code, unsupported.json.error.field], ['ValidationException', 'modelId']);
  assert.match(unsupported.json.error.hint, /CountTokens/);
  const router = await count({ modelId: ROUTER });
  assert.deepEqual([router.status, router.json.error.code, router.json.error.field], [422, 'COUNT_TOKENS_BASE_MODEL', 'modelId']);
  const broken = await count({ modelId: SONNET, template: '{"a": {{b}' });
  assert.deepEqual([broken.status, broken.json.error.code, broken.json.error.field], [422, 'TEMPLATE_SYNTAX', 'template']);
  const missing = await gw.call('POST', '/v1/count-tokens', { body: { ...ROLE, template: CACHED_TEMPLATE } });
  assert.deepEqual([missing.status, missing.json.error.field], [400, 'modelId']);
  const unknown = await count({ modelId: SONNET, stream: true });
  assert.deepEqual([unknown.status, unknown.json.error.code], [400, 'UNKNOWN_FIELD']);
  assert.equal((await gw.call('POST', '/v1/count-tokens', { token: null, body: { ...ROLE, modelId: SONNET } })).status, 401);
  assert.equal((await gw.call('GET', '/v1/connections')).json.connections.length, before, 'nothing stored');
});

test('POST /v1/connections/:id/count-tokens counts the stored template with the variables', async () => {
  const res = await gw.call('POST', `/v1/connections/${conns.anthropic.id}/count-tokens`, { body: { variables: VARS } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.modelIdUsed, HAIKU);
  const body = JSON.parse(Buffer.from(JSON.parse(sim.stats.countTokens.last.body).input.invokeModel.body, 'base64').toString('utf8'));
  assert.equal(body.anthropic_version, 'bedrock-2023-05-31', "the anthropic preset stored at registration");
  const titan = await gw.call('POST', `/v1/connections/${conns.titan.id}/count-tokens`, { body: { variables: VARS } });
  assert.deepEqual([titan.status, titan.json.error.field], [422, 'modelId']);
  assert.equal((await gw.call('POST', '/v1/connections/nope/count-tokens', { body: {} })).status, 404);
});

test('a Converse template sent re-indented (as the page does) runs the Test on Converse', async () => {
  const template = JSON.stringify(JSON.parse(presets.converse.template), null, 2);
  const converses = sim.stats.converse.count;
  const res = await gw.call('POST', '/v1/test', { body: { ...ROLE, modelId: HAIKU, template, mapping: presets.converse.mapping, variables: VARS } });
  assert.equal(res.json.ok, true, res.text);
  assert.equal(sim.stats.converse.count, converses + 1);
  assert.ok(res.json.mapped.outputText.length > 0);
});

test('invoke through a prompt router: the answer names the model it chose (plain and SSE)', async () => {
  const created = await gw.call('POST', '/v1/connections', { body: registration('routed', { modelId: ROUTER }) });
  assert.equal(created.status, 201, created.text);
  const chosen = `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`;
  assert.equal((await invoke(created.json)).json.invokedModelId, chosen);
  const done = parseSse((await invoke(created.json, { query: '?stream=1' })).text).at(-1);
  assert.equal(done.data.invokedModelId, chosen);
  assert.equal('invokedModelId' in (await invoke(conns.anthropic)).json, false, 'absent without a router');
  assert.equal((await gw.call('DELETE', `/v1/connections/${created.json.id}`)).status, 204);
});

test('list, get, models and test of a stored connection', async () => {
  const list = await gw.call('GET', '/v1/connections');
  assert.deepEqual(list.json.connections.map((c) => c.name).sort(), ['anthropic', 'nova', 'titan']);
  assert.ok(list.json.connections.every((c) => c.key === undefined && c.keyHash === undefined));
  const one = await gw.call('GET', `/v1/connections/${conns.nova.id}`);
  assert.equal(one.json.family, 'nova');
  const models = await gw.call('GET', `/v1/connections/${conns.nova.id}/models`);
  assert.equal(models.status, 200, models.text);
  assert.ok(models.json.models.length > 5);
  const tried = await gw.call('POST', `/v1/connections/${conns.titan.id}/test`, { body: { variables: VARS } });
  assert.equal(tried.json.ok, true, tried.text);
  assert.ok(tried.json.mapped.outputText.length > 0);
  const broken = await gw.call('POST', `/v1/connections/${conns.titan.id}/test`, { body: { variables: VARS, template: '{"a": {{b}' } });
  assert.equal(broken.json.ok, false);
  assert.equal(broken.json.error.code, 'TEMPLATE_SYNTAX');
  assert.equal(broken.json.error.field, 'template');
  assert.equal((await gw.call('GET', '/v1/connections/nope')).status, 404);
});

test('invoke, plain: stored template + variables, stored mapping → the mapped answer (two families)', async () => {
  for (const [name, text] of [['anthropic', '👋🌍'], ['titan', 'Here are the action items']]) {
    const res = await invoke(conns[name]);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.json.outputText.includes(text), res.text);
    assert.equal(typeof res.json.inputTokens, 'number');
    assert.equal(typeof res.json.outputTokens, 'number');
    assert.equal(typeof res.json.latencyMs, 'number');
    assert.match(res.json.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(res.json.modelId, conns[name].modelId);
    assert.ok(sim.stats.invoke.last.body.includes('Hello World'));
  }
  assert.equal((await invoke(conns.titan, { token: ADMIN })).status, 200, 'the admin token may invoke too');
});

test('invoke: prompt-cache counts in the answer when the model reports them (plain and SSE)', async () => {
  sim.configure({ promptCache: { readInputTokens: 2048, writeInputTokens: 0 } });
  const template = '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "system": "{{system.prompt}}", "messages": [{"role": "user", "content": [{"type": "text", "text": "{{prompt}}", "cache_control": {"type": "ephemeral"}}]}]}';
  const created = await gw.call('POST', '/v1/connections', { body: registration('cached', { template }) });
  assert.equal(created.status, 201, created.text);
  const res = await invoke(created.json);
  assert.equal(res.status, 200, res.text);
  assert.ok(sim.stats.invoke.last.body.includes('"cache_control"'));
  assert.equal(res.json.cacheReadInputTokens, 2048);
  assert.equal(res.json.cacheWriteInputTokens, 0);
  const done = parseSse((await invoke(created.json, { query: '?stream=1' })).text).at(-1);
  assert.equal(done.event, 'done');
  assert.equal(done.data.cacheReadInputTokens, 2048);
  assert.equal(done.data.cacheWriteInputTokens, 0);
  const plain = await invoke(conns.titan);
  assert.equal('cacheReadInputTokens' in plain.json, false, 'absent when not reported');
  assert.equal((await gw.call('DELETE', `/v1/connections/${created.json.id}`)).status < 300, true);
});

test('invoke, SSE (Accept or ?stream=1): delta events, then done with usage and latency (two families)', async () => {
  for (const [name, how] of [['anthropic', { headers: { accept: 'text/event-stream' } }], ['nova', { query: '?stream=1' }]]) {
    const res = await invoke(conns[name], how);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const events = parseSse(res.text);
    const deltas = events.filter((e) => e.event === 'delta');
    assert.ok(deltas.length >= 2, res.text);
    const done = events.at(-1);
    assert.equal(done.event, 'done');
    assert.equal(done.data.outputText, deltas.map((e) => e.data.text).join(''));
    assert.equal(typeof done.data.inputTokens, 'number');
    assert.equal(typeof done.data.outputTokens, 'number');
    assert.equal(typeof done.data.latencyMs, 'number');
    assert.equal(done.data.modelId, conns[name].modelId);
  }
});

test('invoke, SSE: a stream that breaks mid-way ends with an error event carrying the typed error', async () => {
  sim.configure({ stream: { inject: 'modelStreamErrorException', afterChunks: 2 } });
  try {
    const events = parseSse((await invoke(conns.nova, { query: '?stream=1' })).text);
    const last = events.at(-1);
    assert.equal(last.event, 'error');
    assert.equal(last.data.error.code, 'modelStreamErrorException');
    assert.ok(last.data.error.hint.length > 0);
    assert.ok(events.some((e) => e.event === 'delta'));
  } finally {
    sim.reset();
  }
});

test("tenant isolation: another connection's key → 403 and nothing reaches AWS", async () => {
  const total = sim.stats.total;
  for (const [target, other] of [['titan', 'nova'], ['nova', 'anthropic'], ['anthropic', 'titan']]) {
    const res = await invoke(conns[target], { token: conns[other].key });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.error.code, 'FORBIDDEN');
    const sse = await invoke(conns[target], { token: conns[other].key, query: '?stream=1' });
    assert.equal(sse.status, 403);
  }
  assert.equal((await invoke(conns.titan, { token: null })).status, 401);
  assert.equal(sim.stats.total, total, 'no request reached the simulator');
});

test('bad input: invalid JSON, unknown fields, oversized bodies, missing variables, unknown routes', async () => {
  const c = conns.titan;
  const badJson = await gw.call('POST', `/v1/connections/${c.id}/invoke`, { token: c.key, raw: '{"variables": {' });
  assert.equal(badJson.status, 400);
  assert.equal(badJson.json.error.code, 'INVALID_JSON');
  const arr = await gw.call('POST', '/v1/connections', { raw: '[1]' });
  assert.equal(arr.json.error.code, 'INVALID_JSON');
  const unknown = await gw.call('POST', `/v1/connections/${c.id}/invoke`, { token: c.key, body: { variables: VARS, prompt: 'x' } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.error.code, 'UNKNOWN_FIELD');
  assert.equal(unknown.json.error.field, 'prompt');
  const big = await gw.call('POST', `/v1/connections/${c.id}/invoke`, { token: c.key, body: { variables: { prompt: 'x'.repeat(1_100_000) } } });
  assert.equal(big.status, 413);
  assert.equal(big.json.error.code, 'BODY_TOO_LARGE');
  const bigTemplate = await gw.call('POST', `/v1/connections/${c.id}/test`, { body: { variables: VARS, template: `{"inputText": "${'x'.repeat(70_000)}"}` } });
  assert.equal(bigTemplate.status, 413);
  const long = await invoke(c, { variables: { ...VARS, prompt: 'y'.repeat(200_000) } });
  assert.equal(long.status, 200, 'a 200 KB prompt is within the invoke limit');
  assert.equal(sim.stats.invoke.last.body.includes('y'.repeat(200_000)), true);
  const badSetup = await gw.call('GET', '/v1/setup?externalId=x');
  assert.equal(badSetup.status, 400);
  assert.equal(badSetup.json.error.code, 'INVALID_EXTERNAL_ID');
  assert.equal(badSetup.json.error.field, 'externalId');
  const missing = await invoke(c, { variables: { prompt: 'only this' } });
  assert.equal(missing.status, 400, missing.text);
  assert.equal(missing.json.error.code, 'TEMPLATE_MISSING_VARIABLES');
  assert.equal(missing.json.error.field, 'variables');
  assert.match(missing.json.error.hint, /"system.prompt", "prompt"/, 'the hint names what the template takes');
  const notValue = await invoke(c, { variables: 'hello' });
  assert.equal(notValue.status, 400);
  assert.equal(notValue.json.error.field, 'variables');
  assert.equal((await gw.call('GET', '/v1/nothing')).status, 404);
  const method = await gw.call('PUT', `/v1/connections/${c.id}`, { body: {} });
  assert.equal(method.status, 405);
  assert.equal((await gw.call('POST', '/v1/connections/does-not-exist/invoke', { body: { variables: VARS } })).status, 404);
  for (const text of gw.seen) assert.doesNotMatch(text, /"code":"INTERNAL"|\n\s+at /, 'never a 500 with a stack');
});

test('rotate-key: the old key stops working, the new one works', async () => {
  const c = conns.anthropic;
  const rotated = await gw.call('POST', `/v1/connections/${c.id}/rotate-key`);
  assert.equal(rotated.status, 200);
  assert.match(rotated.json.key, /^bck_/);
  assert.equal((await invoke(c)).status, 403);
  assert.equal((await invoke(c, { token: rotated.json.key })).status, 200);
  conns.anthropic = { ...c, key: rotated.json.key };
});

test('one JSON log line per request: connection, operation, status, latency, AWS request ID; no prompts', async () => {
  const before = gw.logs.length;
  const res = await invoke(conns.titan);
  await new Promise((r) => setTimeout(r, 100));
  const lines = gw.logs.slice(before).map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line.connection, conns.titan.id);
  assert.equal(line.operation, 'invoke');
  assert.equal(line.status, 200);
  assert.equal(typeof line.latencyMs, 'number');
  assert.equal(line.awsRequestId, res.json.requestId);
  for (const l of gw.logs) {
    assert.doesNotMatch(l, /Hello World|action items|👋/, 'no prompts or outputs without LOG_PROMPTS=1');
  }
});

test('LOG_PROMPTS=1 adds the variables and the output text to the log line', async () => {
  const loud = await gateway(sim, { env: { LOG_PROMPTS: '1' } });
  try {
    const c = (await loud.call('POST', '/v1/connections', { body: registration('loud', { modelId: TITAN }) })).json;
    await loud.call('POST', `/v1/connections/${c.id}/invoke`, { token: c.key, body: { variables: VARS } });
    await new Promise((r) => setTimeout(r, 100));
    const line = JSON.parse(loud.logs.at(-1));
    assert.equal(line.variables.prompt, 'Hello World');
    assert.match(line.outputText, /action items/);
  } finally {
    await loud.close();
  }
});

test('delete: 204, then 404, and its key stops working at once', async () => {
  const c = conns.nova;
  assert.equal((await gw.call('DELETE', `/v1/connections/${c.id}`)).status, 204);
  const after = await invoke(c);
  assert.equal(after.status, 404);
  assert.equal((await gw.call('GET', `/v1/connections/${c.id}`)).status, 404);
  assert.equal((await gw.call('DELETE', `/v1/connections/${c.id}`)).status, 404);
});

test('secrets never appear in a response, a log line or the D1 files', async () => {
  const issued = sim.sessions();
  assert.ok(issued.length > 0);
  const secrets = [BASE.secretAccessKey, BASE.accessKeyId, ...issued.flatMap((s) => [s.secretAccessKey, s.sessionToken, s.accessKeyId]), ...Object.values(conns).map((c) => c.key)];
  const responses = gw.seen.join('\n');
  const logs = gw.logs.join('\n');
  const d1 = readTree(persist);
  assert.ok(d1.includes(conns.titan.roleArn), 'the D1 files were read');
  for (const secret of secrets) {
    assert.equal(logs.includes(secret), false, 'a secret is in the logs');
    assert.equal(d1.includes(secret), false, 'a secret is in D1');
  }
  // Connection keys appear in exactly the responses that hand them out (201 / rotate-key).
  for (const secret of secrets.slice(0, 2 + issued.length * 3)) {
    const at = responses.indexOf(secret);
    assert.equal(at, -1, `a secret is in a response: …${responses.slice(Math.max(0, at - 300), at + 50)}`);
  }
  for (const c of Object.values(conns)) assert.equal(responses.split(c.key).length - 1, 1, 'a key is shown only once');
});

test("the platform's own bad credentials are reported as a platform-side problem (field null)", async () => {
  const broken = await gateway(sim, { env: { AWS_SECRET_ACCESS_KEY: 'not-the-platform-secret-000000000000000' } });
  const missing = await gateway(sim, { env: { AWS_ACCESS_KEY_ID: '' } });
  try {
    const role = { roleArn: conns.titan.roleArn, externalId: 'platform-42', region: 'us-east-1' };
    const res = await broken.call('POST', '/v1/check-role', { body: role });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json.error.field, null);
    assert.match(res.json.error.message, /platform side/);
    assert.equal(res.text.includes('not-the-platform-secret'), false);
    const none = await missing.call('POST', '/v1/check-role', { body: role });
    assert.equal(none.status, 503);
    assert.equal(none.json.error.code, 'PLATFORM_NOT_CONFIGURED');
  } finally {
    await broken.close();
    await missing.close();
  }
});
