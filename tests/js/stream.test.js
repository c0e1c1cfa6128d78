// Streaming through the public API in Node against the simulator: invokeStream per family
// (chunks, then exactly one metrics event), textStream into a Response, any chunking, typed
// errors for exception/error frames, bad CRCs and truncation, abort, Converse and ConverseStream,
// and frames encoded by the AWS SDK's own codec.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { toUtf8, fromUtf8 } from '@smithy/util-utf8';
import { BedrockClient, StreamError, NetworkError, AwsError, presets } from '../../pkg/node.mjs';
import { setup, fixture } from './env.js';

const { EventStreamCodec } = await import('@smithy/eventstream-codec').catch(() => import('@smithy/core/event-streams'));
const streamFixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/streams/${name}.json`, import.meta.url), 'utf8'));
// Text families (embeddings presets have no stream: their mapping has no delta).
const families = Object.keys(presets).filter((f) => f !== 'converse' && presets[f].mapping.delta !== null);

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

async function collect(stream) {
  const events = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

function withStream(config, fn) {
  return async () => {
    env.sim.reset();
    env.sim.configure({ stream: config });
    try {
      await fn();
    } finally {
      env.sim.reset();
    }
  };
}

for (const family of families) {
  test(`invokeStream, ${family}: chunks with text deltas, then exactly one metrics event`, async () => {
    env.sim.reset();
    const fx = streamFixture(family);
    const events = await collect(env.client(BedrockClient).invokeStream({ modelId: fx.modelId, body: fx.request }));
    const chunks = events.filter((e) => e.type === 'chunk');
    assert.equal(chunks.length, fx.chunks.length);
    assert.deepEqual(chunks.map((c) => { const { 'amazon-bedrock-invocationMetrics': _, ...rest } = c.json; return rest; }), fx.chunks);
    assert.equal(chunks.map((c) => c.text ?? '').join(''), fx.text);
    assert.equal(events.filter((e) => e.type === 'metrics').length, 1);
    const last = events.at(-1);
    assert.equal(last.type, 'metrics');
    assert.deepEqual(last.usage, { inputTokens: fx.inputTokens, outputTokens: fx.outputTokens, cacheReadInputTokens: null, cacheWriteInputTokens: null });
    assert.equal(typeof last.latencyMs, 'number');
    assert.equal(last.firstByteLatencyMs, 100);
    const sent = env.sim.stats.invokeStream.last;
    assert.equal(sent.headers['x-amzn-bedrock-accept'], 'application/json');
    assert.equal(sent.scope.service, 'bedrock');
  });
}

test('lazy: nothing is sent until the stream is read; textStream pipes into a Response', async () => {
  env.sim.reset();
  const fx = streamFixture('anthropic');
  const stream = env.client(BedrockClient).invokeStream({ modelId: fx.modelId, body: fx.request });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(env.sim.stats.invokeStream.count, 0);
  const response = new Response(stream.textStream.pipeThrough(new TextEncoderStream()));
  assert.equal(await response.text(), fx.text);
  assert.equal(env.sim.stats.invokeStream.count, 1);
  assert.throws(() => stream[Symbol.asyncIterator](), (e) => e instanceof StreamError && e.code === 'STREAM_CONSUMED');
  const again = env.client(BedrockClient).invokeStream({ modelId: fx.modelId, body: fx.request });
  await collect(again);
  assert.throws(() => again.textStream, (e) => e.code === 'STREAM_CONSUMED');
});

for (const chunking of ['bytes', 'random']) {
  test(`chunking '${chunking}' decodes the same as whole frames`, withStream({ chunking, seed: 7 }, async () => {
    const fx = streamFixture('nova');
    const events = await collect(env.client(BedrockClient).invokeStream({ modelId: fx.modelId, body: fx.request }));
    assert.equal(events.filter((e) => e.type === 'chunk').map((c) => c.text ?? '').join(''), fx.text);
    assert.equal(events.at(-1).type, 'metrics');
    if (chunking === 'bytes') assert.ok(env.sim.stats.invokeStream.last.stream.writes > 100);
  }));
}

for (const [inject, code, retryable] of [
  ['throttlingException', 'throttlingException', true],
  ['modelStreamErrorException', 'modelStreamErrorException', false],
  ['validationException', 'validationException', false],
  ['modelTimeoutException', 'modelTimeoutException', false],
  ['internalServerException', 'internalServerException', true],
  ['serviceUnavailableException', 'serviceUnavailableException', true],
  ['error', 'InternalFailure', false],
  ['badCrc', 'STREAM_CRC', false],
  ['truncate', 'STREAM_TRUNCATED', false],
]) {
  test(`a stream broken by ${inject} ends with a StreamError ${code}`, withStream({ inject, afterChunks: 2 }, async () => {
    const fx = streamFixture('anthropic');
    const seen = [];
    await assert.rejects(async () => {
      for await (const ev of env.client(BedrockClient).invokeStream({ modelId: fx.modelId, body: fx.request })) seen.push(ev);
    }, (e) => {
      assert.ok(e instanceof StreamError, `${e}`);
      assert.equal(e.code, code);
      assert.equal(e.retryable, retryable);
      assert.ok(e.message.length > 0 && e.hint.length > 0);
      return true;
    });
    assert.equal(seen.length, 2);
  }));
}

test('an HTTP error before the stream starts is an AwsError', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'invokeStream', error: 'accessDenied' }] });
  const fx = streamFixture('anthropic');
  await assert.rejects(collect(env.client(BedrockClient).invokeStream({ modelId: fx.modelId, body: fx.request })),
    (e) => e instanceof AwsError && e.code === 'AccessDeniedException' && e.status === 403);
  env.sim.reset();
});

test('breaking out of the loop and an AbortSignal abort the fetch', withStream({ chunking: 'bytes', delayMs: 2 }, async () => {
  const fx = streamFixture('anthropic');
  const client = env.client(BedrockClient);
  for await (const ev of client.invokeStream({ modelId: fx.modelId, body: fx.request })) {
    assert.equal(ev.type, 'chunk');
    break;
  }
  const controller = new AbortController();
  const seen = [];
  await assert.rejects(async () => {
    for await (const ev of client.invokeStream({ modelId: fx.modelId, body: fx.request, signal: controller.signal })) {
      seen.push(ev);
      controller.abort();
    }
  }, (e) => e instanceof NetworkError && e.code === 'ABORTED');
  assert.equal(seen.length, 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(env.sim.stats.invokeStream.last.stream.aborted, true);
}));

test('converse: output text, message, stop reason, usage and latencies', async () => {
  env.sim.reset();
  const fx = JSON.parse(readFileSync(new URL('../fixtures/converse.json', import.meta.url), 'utf8'));
  const r = await env.client(BedrockClient).converse({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', ...fx.request });
  const text = fx.response.output.message.content.map((b) => b.text ?? '').join('');
  assert.equal(r.outputText, text);
  assert.deepEqual(r.message, fx.response.output.message);
  assert.equal(r.stopReason, fx.response.stopReason);
  assert.deepEqual(r.usage, { ...fx.response.usage, cacheReadInputTokens: null, cacheWriteInputTokens: null });
  assert.equal(typeof r.latencyMs, 'number');
  assert.equal(typeof r.serverLatencyMs, 'number');
  assert.equal(env.sim.stats.converse.last.path, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
});

test('converseStream: all six event types in order, text deltas, metadata last', async () => {
  env.sim.reset();
  const fx = streamFixture('converse');
  const events = await collect(env.client(BedrockClient).converseStream({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', ...fx.request, toolConfig: fx.toolUse ? { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: {} } } }] } : undefined }));
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'messageStart');
  assert.ok(types.includes('contentBlockStart'), types.join());
  assert.ok(types.includes('contentBlockStop'));
  assert.equal(types.at(-2), 'messageStop');
  assert.equal(types.at(-1), 'metadata');
  assert.equal(events.filter((e) => e.type === 'contentBlockDelta').map((e) => e.text ?? '').join(''), fx.text);
  assert.equal(typeof events.at(-1).usage.inputTokens, 'number');
  assert.equal(typeof events.at(-1).metrics.latencyMs, 'number');
});

test('client.test({ stream: true }) maps the streamed text and metrics', async () => {
  env.sim.reset();
  const fx = streamFixture('llama');
  const r = await env.client(BedrockClient).test({ modelId: fx.modelId, variables: { prompt: 'Hi', system: { prompt: 'Short.' } }, stream: true });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.mapped.outputText, fx.text);
  assert.deepEqual([r.mapped.inputTokens, r.mapped.outputTokens], [fx.inputTokens, fx.outputTokens]);
  assert.equal(JSON.parse(r.response.body).length, fx.chunks.length);
  assert.match(r.request.url, /\/invoke-with-response-stream$/);
});

test('frames encoded by @smithy/eventstream-codec decode identically (custom fetch)', async () => {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const chunks = [{ type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hé' } }, { type: 'content_block_delta', delta: { type: 'text_delta', text: 'llo 👋' } }];
  const frames = chunks.map((c, i) => codec.encode({
    headers: {
      ':event-type': { type: 'string', value: 'chunk' },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
      'x-flag': { type: 'boolean', value: i === 0 },
      'x-n': { type: 'integer', value: 42 + i },
    },
    body: fromUtf8(JSON.stringify({ bytes: Buffer.from(JSON.stringify(c)).toString('base64'), p: 'abcd' })),
  }));
  const bytes = Buffer.concat(frames.map((f) => Buffer.from(f)));
  const fetch = async () => new Response(new ReadableStream({
    start(c) { for (const b of bytes) c.enqueue(new Uint8Array([b])); c.close(); },
  }), { status: 200, headers: { 'content-type': 'application/vnd.amazon.eventstream' } });
  const client = new BedrockClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, fetch });
  const events = await collect(client.invokeStream({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body: {} }));
  assert.deepEqual(events.filter((e) => e.type === 'chunk').map((e) => e.json), chunks);
  assert.equal(events.filter((e) => e.type === 'chunk').map((e) => e.text).join(''), 'Héllo 👋');
  assert.deepEqual(events.at(-1), { type: 'metrics', usage: null, latencyMs: null, firstByteLatencyMs: null, invokedModelId: null });
  assert.ok(fixture('anthropic'));
});

test('invokeStream with Anthropic thinking: ev.reasoning and ev.reasoningSignature beside ev.text; textStream is the answer only', async () => {
  env.sim.reset();
  const fx = streamFixture('anthropic');
  const body = { ...fx.request, thinking: { type: 'enabled', budget_tokens: 1024 } };
  const events = await collect(env.client(BedrockClient).invokeStream({ modelId: fx.modelId, body }));
  assert.deepEqual(JSON.parse(env.sim.stats.invokeStream.last.body).thinking, { type: 'enabled', budget_tokens: 1024 });
  const chunks = events.filter((e) => e.type === 'chunk');
  const thinking = chunks.filter((c) => c.json.delta?.type === 'thinking_delta');
  assert.deepEqual(thinking.map((c) => [c.reasoning, c.text, c.reasoningSignature]), fx.thinking.text.map((t) => [t, null, null]));
  // The signature arrives in a delta with no text at all.
  const signed = chunks.filter((c) => c.reasoningSignature !== null);
  assert.deepEqual(signed.map((c) => [c.json.delta.type, c.reasoningSignature, c.reasoning, c.text]), [['signature_delta', fx.thinking.signature, null, null]]);
  assert.deepEqual(JSON.parse(JSON.stringify(signed[0])).reasoningSignature, fx.thinking.signature);
  assert.equal(chunks.map((c) => c.text ?? '').join(''), fx.text);
  assert.equal(chunks.filter((c) => c.text !== null).every((c) => c.reasoning === null), true);
  const answer = await new Response(env.client(BedrockClient).invokeStream({ modelId: fx.modelId, body }).textStream.pipeThrough(new TextEncoderStream())).text();
  assert.equal(answer, fx.text);
});

test('converseStream with reasoning: reasoningContent deltas as ev.reasoning / ev.reasoningSignature; textStream is the answer only', async () => {
  env.sim.reset();
  const fx = streamFixture('converse');
  const options = { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', ...fx.request, additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } } };
  const events = await collect(env.client(BedrockClient).converseStream(options));
  assert.deepEqual(JSON.parse(env.sim.stats.converseStream.last.body).additionalModelRequestFields, options.additionalModelRequestFields);
  const deltas = events.filter((e) => e.type === 'contentBlockDelta');
  const reasoning = deltas.filter((e) => e.delta.reasoningContent);
  assert.deepEqual(reasoning.map((e) => [e.reasoning, e.reasoningSignature, e.text]), [...fx.reasoning.text.map((t) => [t, undefined, undefined]), [undefined, fx.reasoning.signature, undefined]]);
  assert.equal(deltas.map((e) => e.text ?? '').join(''), fx.text);
  const answer = await new Response(env.client(BedrockClient).converseStream(options).textStream.pipeThrough(new TextEncoderStream())).text();
  assert.equal(answer, fx.text);
});

test('converse with reasoning returns the reasoning block unmodified, so it can be sent back', async () => {
  env.sim.reset();
  const fx = JSON.parse(readFileSync(new URL('../fixtures/converse.json', import.meta.url), 'utf8'));
  const client = env.client(BedrockClient);
  const modelId = 'anthropic.claude-3-haiku-20240307-v1:0';
  const additionalModelRequestFields = { thinking: { type: 'enabled', budget_tokens: 1024 } };
  const r = await client.converse({ modelId, ...fx.request, additionalModelRequestFields });
  const reasoningText = { text: fx.reasoning.text.join(''), signature: fx.reasoning.signature };
  assert.deepEqual(r.message.content[0], { reasoningContent: { reasoningText } });
  assert.equal(r.outputText, fx.response.output.message.content.map((b) => b.text).join(''));
  // The next turn sends the assistant message back as it came.
  const messages = [...fx.request.messages, r.message, { role: 'user', content: [{ text: 'And then?' }] }];
  await client.converse({ modelId, messages, additionalModelRequestFields });
  assert.deepEqual(JSON.parse(env.sim.stats.converse.last.body).messages[1].content[0], { reasoningContent: { reasoningText } });
});
