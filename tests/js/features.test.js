// Issue 16's calls through the public API against the simulator: countTokens (InvokeModel body or
// Converse messages, base models and profiles, through the call plan); prompt routers (parseModelId,
// presetFor, invokedModelId on the results and the stream's metrics).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockClient, ConfigError, AwsError, NetworkError, parseModelId, presetFor } from '../../pkg/node.mjs';
import { setup, fixture, HAIKU } from './env.js';

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const rejects = async (p) => { try { await p; } catch (e) { return e; } assert.fail('expected a rejection'); };
/** The simulator's count: one token per 4 characters of every string in the counted JSON. */
const chars = (v) => (typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.values(v).reduce((n, x) => n + chars(x), 0) : 0);

test('countTokens with an InvokeModel body: input.invokeModel.body base64 on the wire, the count back', async () => {
  env.sim.reset();
  const body = fixture('anthropic').request;
  const r = await env.client(BedrockClient).countTokens({ modelId: SONNET, body });
  const sent = env.sim.stats.countTokens.last;
  assert.equal(sent.method, 'POST');
  assert.equal(sent.path, `/model/${encodeURIComponent(SONNET)}/count-tokens`);
  const wire = JSON.parse(sent.body);
  assert.deepEqual(Object.keys(wire.input), ['invokeModel']);
  assert.deepEqual(JSON.parse(Buffer.from(wire.input.invokeModel.body, 'base64').toString('utf8')), body);
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.equal(sent.scope.service, 'bedrock');
  assert.deepEqual(r, { inputTokens: Math.ceil(chars(body) / 4), modelIdUsed: SONNET });
});

test('countTokens with Converse messages and system; a system profile counts against its base model', async () => {
  env.sim.reset();
  const messages = [{ role: 'user', content: [{ text: 'How many tokens is this sentence?' }] }];
  const system = [{ text: 'You are terse.' }];
  const r = await env.client(BedrockClient).countTokens({ modelId: `us.${SONNET}`, messages, system });
  const sent = env.sim.stats.countTokens.last;
  assert.equal(sent.modelId, SONNET, 'sent to the base model');
  assert.deepEqual(JSON.parse(sent.body), { input: { converse: { messages, system } } });
  assert.deepEqual(r, { inputTokens: Math.ceil(chars({ messages, system }) / 4), modelIdUsed: SONNET });
});

test('countTokens refuses what it cannot map to a base model, and bad input, before any request', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const router = await rejects(client.countTokens({ modelId: 'arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1', body: {} }));
  assert.ok(router instanceof ConfigError);
  assert.deepEqual([router.code, router.field], ['COUNT_TOKENS_BASE_MODEL', 'modelId']);
  assert.match(router.message, /default-prompt-router\/anthropic\.claude:1/);
  const both = await rejects(client.countTokens({ modelId: SONNET, body: {}, messages: [] }));
  assert.deepEqual([both.code, both.field], ['CONFIG_CONFLICT', 'body']);
  const none = await rejects(client.countTokens({ modelId: SONNET }));
  assert.ok(none instanceof TypeError);
  assert.equal(none.field, 'body');
  const unknown = await rejects(client.countTokens({ modelId: SONNET, body: {}, inferenceProfile: 'auto' }));
  assert.deepEqual([unknown.code, unknown.field], ['CONFIG_UNKNOWN_OPTION', 'inferenceProfile']);
  assert.equal(env.sim.stats.countTokens.count, 0);
});

const APP = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3';

test('countTokens with an application profile: GetInferenceProfile names its model, counted against that base model', async () => {
  env.sim.reset();
  const attempts = [];
  const body = fixture('anthropic').request;
  const r = await env.client(BedrockClient, { onAttempt: (a) => attempts.push(a.operation) }).countTokens({ modelId: APP, body });
  const get = env.sim.stats.getInferenceProfile.last;
  assert.equal(get.method, 'GET');
  assert.equal(get.path, `/inference-profiles/${encodeURIComponent(APP)}`, 'the profile ARN, encoded, on the control plane');
  assert.equal(get.scope.service, 'bedrock');
  const sent = env.sim.stats.countTokens.last;
  assert.equal(sent.path, `/model/${encodeURIComponent(HAIKU)}/count-tokens`, 'counted against the base model');
  assert.deepEqual(JSON.parse(Buffer.from(JSON.parse(sent.body).input.invokeModel.body, 'base64').toString('utf8')), body);
  assert.deepEqual(r, { inputTokens: Math.ceil(chars(body) / 4), modelIdUsed: HAIKU });
  assert.deepEqual(attempts.filter((o) => o !== 'assumeRole'), ['countTokens', 'countTokens'], 'both calls went through the call plan');
});

test('countTokens with an application profile that names no foundation model, or that does not exist', async () => {
  env.sim.reset();
  const saved = env.sim.config.inferenceProfiles;
  const odd = { ...saved.find((p) => p.inferenceProfileArn === APP), models: [{ modelArn: 'arn:aws:bedrock:us-east-1:123456789012:custom-model/my-model' }] };
  env.sim.configure({ inferenceProfiles: [...saved.filter((p) => p !== saved.find((q) => q.inferenceProfileArn === APP)), odd] });
  try {
    const e = await rejects(env.client(BedrockClient).countTokens({ modelId: APP, body: {} }));
    assert.ok(e instanceof ConfigError);
    assert.deepEqual([e.code, e.field], ['COUNT_TOKENS_BASE_MODEL', 'modelId']);
    assert.match(e.message, /application-inference-profile\/app1abc2def3/);
    assert.equal(env.sim.stats.getInferenceProfile.count, 1);
    assert.equal(env.sim.stats.countTokens.count, 0, 'nothing counted');
  } finally {
    env.sim.configure({ inferenceProfiles: saved });
  }
  const missing = await rejects(env.client(BedrockClient).countTokens({ modelId: APP.replace('app1abc2def3', 'nope0000'), body: {} }));
  assert.ok(missing instanceof AwsError);
  assert.equal(missing.code, 'ResourceNotFoundException');
  assert.equal(env.sim.stats.countTokens.count, 0);
});

test('countTokens goes through the call plan: timeoutMs per attempt, retries, signal', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient, { retry: { maxAttempts: 1 } });
  env.sim.configure({ inject: [{ op: 'countTokens', delayMs: 400 }] });
  const slow = await rejects(client.countTokens({ modelId: SONNET, body: { a: 'b' }, timeoutMs: 50 }));
  assert.ok(slow instanceof NetworkError);
  assert.equal(slow.code, 'TIMEOUT');
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'countTokens', error: 'throttle' }] });
  const attempts = [];
  const retried = await env.client(BedrockClient, { onAttempt: (a) => attempts.push(a) }).countTokens({ modelId: SONNET, body: { a: 'bcdefgh' } });
  assert.equal(retried.inputTokens, 2);
  assert.equal(env.sim.stats.countTokens.count, 2);
  assert.deepEqual(attempts.filter((a) => a.operation === 'countTokens').map((a) => [a.attempt, a.code]), [[1, 'ThrottlingException'], [2, null]]);
  const aborted = await rejects(client.countTokens({ modelId: SONNET, body: {}, signal: AbortSignal.abort() }));
  assert.ok(aborted instanceof NetworkError);
});

test('countTokens on a model without CountTokens support: the AWS ValidationException names modelId', async () => {
  env.sim.reset();
  const e = await rejects(env.client(BedrockClient).countTokens({ modelId: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }));
  assert.ok(e instanceof AwsError);
  assert.equal(e.code, 'ValidationException');
  assert.equal(e.status, 400);
  assert.equal(e.field, 'modelId');
  assert.match(e.hint, /CountTokens/);
});

const ROUTER = 'arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1';
const OWN_ROUTER = 'arn:aws:bedrock:us-east-1:123456789012:prompt-router/abc123def456';
const CHOSEN = `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`;

test('parseModelId and presetFor know prompt routers', () => {
  assert.deepEqual(parseModelId(ROUTER), { kind: 'prompt-router', modelId: ROUTER, region: 'us-east-1', accountId: '123456789012' });
  assert.equal(parseModelId(OWN_ROUTER).kind, 'prompt-router');
  assert.equal(presetFor(ROUTER)?.family, 'anthropic');
  assert.equal(presetFor('arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/meta.llama:1')?.family, 'llama');
  assert.equal(presetFor(OWN_ROUTER), null, 'a router whose name says nothing: no preset');
});

test('invoke, converse, converseStream and test() through a prompt router report invokedModelId', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const res = await client.invoke({ modelId: ROUTER, body: fixture('anthropic').request });
  assert.equal(env.sim.stats.invoke.last.path, `/model/${encodeURIComponent(ROUTER)}/invoke`, 'the router ARN is sent whole');
  assert.equal(res.invokedModelId, CHOSEN);
  const direct = await client.invoke({ modelId: HAIKU, body: fixture('anthropic').request });
  assert.equal(direct.invokedModelId, null);
  const messages = [{ role: 'user', content: [{ text: 'Hello' }] }];
  const conv = await client.converse({ modelId: ROUTER, messages });
  assert.equal(env.sim.stats.converse.last.path, `/model/${encodeURIComponent(ROUTER)}/converse`);
  assert.equal(conv.invokedModelId, CHOSEN);
  assert.equal((await client.converse({ modelId: HAIKU, messages })).invokedModelId, null);
  const events = [];
  for await (const ev of client.converseStream({ modelId: ROUTER, messages })) events.push(ev);
  const meta = events.find((e) => e.type === 'metadata');
  assert.equal(meta.invokedModelId, CHOSEN);
  assert.equal(meta.trace.promptRouter.invokedModelId, CHOSEN);
  const streamed = [];
  for await (const ev of client.invokeStream({ modelId: ROUTER, body: fixture('anthropic').request })) streamed.push(ev);
  assert.equal(env.sim.stats.invokeStream.last.path, `/model/${encodeURIComponent(ROUTER)}/invoke-with-response-stream`);
  const metrics = streamed.at(-1);
  assert.equal(metrics.type, 'metrics');
  assert.equal(metrics.invokedModelId, CHOSEN, 'from the last chunk\'s amazon-bedrock-trace');
  assert.ok(metrics.usage.inputTokens > 0);
  const plainStream = [];
  for await (const ev of client.invokeStream({ modelId: HAIKU, body: fixture('anthropic').request })) plainStream.push(ev);
  assert.equal(plainStream.at(-1).invokedModelId, null);
  const t = await client.test({ modelId: ROUTER, variables: { prompt: 'Hi', system: { prompt: 'Be brief.' } } });
  assert.equal(t.ok, true, JSON.stringify(t.error));
  assert.equal(t.invokedModelId, CHOSEN);
  assert.ok(t.mapped.outputText.length > 0, 'the router\'s family preset was used');
  // A streamed Test (the chunks' / events' trace) and a Converse Test (`trace`) name it too.
  for (const options of [{ stream: true }, { api: 'converse' }, { api: 'converse', stream: true }]) {
    const shown = await client.test({ modelId: ROUTER, variables: { prompt: 'Hi', system: { prompt: 'Be brief.' } }, ...options });
    assert.equal(shown.ok, true, JSON.stringify(shown.error));
    assert.equal(shown.invokedModelId, CHOSEN, JSON.stringify(options));
  }
  assert.equal((await client.test({ modelId: HAIKU, variables: { prompt: 'Hi', system: { prompt: 'B' } }, stream: true })).invokedModelId, null);
  const own = await client.test({ modelId: OWN_ROUTER, variables: { prompt: 'Hi' } });
  assert.equal(own.ok, false);
  assert.deepEqual([own.error.code, own.error.field], ['NO_PRESET', 'template']);
});

test('applyGuardrail: POST /guardrail/{id}/version/{v}/apply on the runtime endpoint, AWS\'s answer back', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const content = [{ text: { text: 'Tell me something forbidden.', qualifiers: ['guard_content'] } }];
  const blocked = await client.applyGuardrail({ guardrailIdentifier: 'gr1abc', guardrailVersion: '1', source: 'INPUT', content });
  const sent = env.sim.stats.applyGuardrail.last;
  assert.equal(sent.method, 'POST');
  assert.equal(sent.path, '/guardrail/gr1abc/version/1/apply');
  assert.equal(sent.scope.service, 'bedrock');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(sent.body), { source: 'INPUT', content });
  assert.equal(blocked.action, 'GUARDRAIL_INTERVENED');
  assert.deepEqual(blocked.outputs, [{ text: 'Sorry, I cannot help with that.' }]);
  assert.equal(blocked.assessments[0].wordPolicy.customWords[0].match, 'forbidden');
  const arn = 'arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1abc';
  const fine = await client.applyGuardrail({ guardrailIdentifier: arn, guardrailVersion: 'DRAFT', source: 'OUTPUT', content: [{ text: { text: 'Hello' } }], outputScope: 'FULL' });
  assert.equal(env.sim.stats.applyGuardrail.last.path, `/guardrail/${encodeURIComponent(arn)}/version/DRAFT/apply`);
  assert.equal(JSON.parse(env.sim.stats.applyGuardrail.last.body).outputScope, 'FULL');
  assert.equal(fine.action, 'NONE');
  assert.deepEqual(fine.outputs, []);
});

test('applyGuardrail: options checked before any request; an unknown guardrail is AWS\'s 404; the call plan applies', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const base = { guardrailIdentifier: 'gr1abc', guardrailVersion: '1', source: 'INPUT', content: [{ text: { text: 'x' } }] };
  const cases = [
    [{ source: 'INPTU' }, 'INVALID_OPTION', 'source'],
    [{ guardrailVersion: 'v1' }, 'INVALID_OPTION', 'guardrailVersion'],
    [{ guardrailIdentifier: 'My Guardrail' }, 'INVALID_OPTION', 'guardrailIdentifier'],
    [{ outputScope: 'ALL' }, 'INVALID_OPTION', 'outputScope'],
    [{ content: [] }, 'INVALID_ARGUMENT_TYPE', 'content'],
    [{ contents: [] }, 'CONFIG_UNKNOWN_OPTION', 'contents'],
  ];
  for (const [patch, code, field] of cases) {
    const e = await rejects(client.applyGuardrail({ ...base, ...patch }));
    assert.deepEqual([e.code, e.field], [code, field], JSON.stringify(patch));
  }
  const source = await rejects(client.applyGuardrail({ ...base, source: 'INPTU' }));
  assert.match(source.hint, /INPUT/);
  assert.equal(env.sim.stats.applyGuardrail.count, 0);
  const missing = await rejects(client.applyGuardrail({ ...base, guardrailIdentifier: 'nope1' }));
  assert.ok(missing instanceof AwsError);
  assert.deepEqual([missing.code, missing.status, missing.field], ['ResourceNotFoundException', 404, 'guardrailIdentifier']);
  assert.match(missing.hint, /guardrailIdentifier/);
  const aborted = await rejects(client.applyGuardrail({ ...base, signal: AbortSignal.abort() }));
  assert.ok(aborted instanceof NetworkError);
});
