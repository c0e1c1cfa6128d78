// Prompt-cache token counts through the public API against the simulator: invoke (body, else
// the cache headers), invokeStream metrics, converse, converseStream metadata, test() and OutputMapping.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockClient, OutputMapping, presets } from '../../pkg/node.mjs';
import { setup, fixture, HAIKU } from './env.js';

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

const NOVA = 'amazon.nova-lite-v1:0';
const CACHE = { readInputTokens: 1500, writeInputTokens: 0 };

/** The Anthropic fixture request with a cache point on its last user block. */
function anthropicCached() {
  const body = structuredClone(fixture('anthropic').request);
  const last = body.messages.at(-1);
  if (typeof last.content === 'string') last.content = [{ type: 'text', text: last.content }];
  last.content.at(-1).cache_control = { type: 'ephemeral' };
  return body;
}

const converseCached = () => ({
  modelId: HAIKU,
  system: [{ text: 'You are terse.' }, { cachePoint: { type: 'default' } }],
  messages: [{ role: 'user', content: [{ text: 'Hello' }] }],
});

async function collect(stream) {
  const out = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

test('invoke: Anthropic cache counts from the body; inputTokens unchanged', async () => {
  env.sim.reset();
  env.sim.configure({ promptCache: CACHE });
  const { inputTokens, outputTokens } = fixture('anthropic');
  const res = await env.client(BedrockClient).invoke({ modelId: HAIKU, body: anthropicCached() });
  const sent = env.sim.stats.invoke.last;
  assert.equal(JSON.parse(sent.body).messages.at(-1).content.at(-1).cache_control.type, 'ephemeral');
  assert.equal(res.json().usage.cache_read_input_tokens, 1500);
  assert.equal(res.headers['x-amzn-bedrock-cache-read-input-token-count'], '1500');
  assert.deepEqual(res.usage, { inputTokens, outputTokens, cacheReadInputTokens: 1500, cacheWriteInputTokens: 0 });
});

test('invoke: the body wins over the headers; no cache point and none in the body → null', async () => {
  env.sim.reset();
  const { response } = fixture('anthropic');
  const body = { ...response, usage: { ...response.usage, cache_read_input_tokens: 7, cache_creation_input_tokens: 9 } };
  env.sim.configure({ responses: { anthropic: { response: body } } });
  const client = env.client(BedrockClient);
  const res = await client.invoke({ modelId: HAIKU, body: fixture('anthropic').request });
  assert.equal(res.headers['x-amzn-bedrock-cache-read-input-token-count'], undefined);
  assert.equal(res.usage.cacheReadInputTokens, 7);
  assert.equal(res.usage.cacheWriteInputTokens, 9);
  env.sim.configure({ responses: {} });
  const plain = await client.invoke({ modelId: HAIKU, body: fixture('anthropic').request });
  assert.equal(plain.usage.cacheReadInputTokens, null);
  assert.equal(plain.usage.cacheWriteInputTokens, null);
});

test('invoke: a family without cache fields in its body reads the X-Amzn-Bedrock-Cache-* headers', async () => {
  env.sim.reset();
  env.sim.configure({ promptCache: { readInputTokens: 0, writeInputTokens: 812 } });
  const body = structuredClone(fixture('nova').request);
  body.system = [...(body.system ?? [{ text: 'Be brief.' }]), { cachePoint: { type: 'default' } }];
  const res = await env.client(BedrockClient).invoke({ modelId: NOVA, body });
  assert.ok(JSON.parse(env.sim.stats.invoke.last.body).system.some((b) => b.cachePoint));
  assert.equal(res.json().usage.cacheWriteInputTokens, undefined);
  assert.equal(res.headers['x-amzn-bedrock-cache-write-input-token-count'], '812');
  assert.equal(res.usage.cacheReadInputTokens, 0);
  assert.equal(res.usage.cacheWriteInputTokens, 812);
});

test('invokeStream: the metrics event carries the invocation metrics cache counts', async () => {
  env.sim.reset();
  env.sim.configure({ promptCache: CACHE });
  const events = await collect(env.client(BedrockClient).invokeStream({ modelId: HAIKU, body: anthropicCached() }));
  const metrics = events.at(-1);
  assert.equal(metrics.type, 'metrics');
  assert.equal(metrics.usage.cacheReadInputTokens, 1500);
  assert.equal(metrics.usage.cacheWriteInputTokens, 0);
  const plain = await collect(env.client(BedrockClient).invokeStream({ modelId: HAIKU, body: fixture('anthropic').request }));
  assert.equal(plain.at(-1).usage.cacheReadInputTokens, null);
});

test('converse and converseStream: usage.cacheReadInputTokens / cacheWriteInputTokens', async () => {
  env.sim.reset();
  env.sim.configure({ promptCache: { readInputTokens: 30, writeInputTokens: 40 } });
  const client = env.client(BedrockClient);
  const r = await client.converse(converseCached());
  assert.deepEqual(JSON.parse(env.sim.stats.converse.last.body).system[1], { cachePoint: { type: 'default' } });
  assert.equal(r.usage.cacheReadInputTokens, 30);
  assert.equal(r.usage.cacheWriteInputTokens, 40);
  assert.equal(typeof r.usage.inputTokens, 'number');
  const events = await collect(client.converseStream(converseCached()));
  const meta = events.find((e) => e.type === 'metadata');
  assert.equal(meta.usage.cacheReadInputTokens, 30);
  assert.equal(meta.usage.cacheWriteInputTokens, 40);
  const plain = await client.converse({ ...converseCached(), system: [{ text: 'x' }] });
  assert.equal(plain.usage.cacheReadInputTokens, null);
  const plainEvents = await collect(client.converseStream({ ...converseCached(), system: [{ text: 'x' }] }));
  assert.equal(plainEvents.find((e) => e.type === 'metadata').usage.cacheWriteInputTokens, null);
});

test('test(): the anthropic preset maps the cache counts from the body; a mapping without them uses the headers', async () => {
  env.sim.reset();
  env.sim.configure({ promptCache: CACHE });
  assert.equal(presets.anthropic.mapping.cacheReadInputTokens, '$.usage.cache_read_input_tokens');
  assert.equal(presets.anthropic.mapping.cacheWriteInputTokens, '$.usage.cache_creation_input_tokens');
  assert.equal(presets.nova.mapping.cacheReadInputTokens, null);
  const template = JSON.stringify(anthropicCached());
  const client = env.client(BedrockClient);
  const r = await client.test({ modelId: HAIKU, template });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.mapped.cacheReadInputTokens, 1500);
  assert.equal(r.mapped.cacheWriteInputTokens, 0);
  assert.deepEqual(r.mapped.source, { inputTokens: 'body', outputTokens: 'body', cacheReadInputTokens: 'body', cacheWriteInputTokens: 'body' });
  const headersOnly = await client.test({ modelId: HAIKU, template, mapping: { outputText: '$.content[0].text' } });
  assert.equal(headersOnly.mapped.cacheReadInputTokens, 1500);
  assert.equal(headersOnly.mapped.source.cacheReadInputTokens, 'headers');
  const streamed = await client.test({ modelId: HAIKU, template, stream: true });
  assert.equal(streamed.mapped.cacheReadInputTokens, 1500);
  assert.equal(streamed.mapped.source.cacheReadInputTokens, 'body');
});

test('OutputMapping: cache paths, the header fallback, and MAPPING_TYPE naming the field', () => {
  const m = new OutputMapping({ outputText: '$.text', cacheReadInputTokens: '$.u.r', cacheWriteInputTokens: '$.u.w' });
  const out = m.apply({ text: 'hi', u: { r: 5 } }, { 'X-Amzn-Bedrock-Cache-Write-Input-Token-Count': '11' });
  assert.equal(out.cacheReadInputTokens, 5);
  assert.equal(out.cacheWriteInputTokens, 11);
  assert.deepEqual(out.source, { inputTokens: null, outputTokens: null, cacheReadInputTokens: 'body', cacheWriteInputTokens: 'headers' });
  assert.equal(Object.hasOwn(out, 'u'), false, 'cache keys are not extra fields');
  assert.throws(() => m.apply({ u: { r: 'x' } }), (e) => e.code === 'MAPPING_TYPE' && e.field === 'cacheReadInputTokens');
  assert.throws(() => new OutputMapping({ cacheWriteInputTokens: '$[' }), (e) => e.code === 'INVALID_JSONPATH' && e.field === 'cacheWriteInputTokens');
  m.free();
});
