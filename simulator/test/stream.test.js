// Simulator tests: InvokeModelWithResponseStream, Converse, ConverseStream, the event-stream encoder and the
// stream controls. Frames are decoded with the AWS SDK's own codec (@smithy EventStreamCodec, CRCs checked).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { startSimulator, defaultConfig, encodeMessage } from '../index.js';
import { crc32, decodeMessage } from '../eventstream.js';
import { T0, HAIKU, BASE, NO_INVOKE_ARN, escape, sign, send, assume, bedrockErrorOf } from './helpers.js';

const { EventStreamCodec, Int64 } = await import('@smithy/eventstream-codec').catch(() => import('@smithy/core/event-streams'));
const { toUtf8, fromUtf8 } = await import('@smithy/util-utf8');
const codec = new EventStreamCodec(toUtf8, fromUtf8);

const load = (path) => JSON.parse(readFileSync(new URL(`../../tests/fixtures/${path}`, import.meta.url), 'utf8'));
const streamFixture = (name) => load(`streams/${name}.json`);
const FAMILIES = ['anthropic', 'titan-text', 'nova', 'llama', 'mistral', 'cohere-command', 'cohere-command-r', 'jamba'];
const NOVA_PROFILE = 'us.amazon.nova-lite-v1:0';
const CONVERSE_BODY = { messages: [{ role: 'user', content: [{ text: 'Hello world' }] }], inferenceConfig: { maxTokens: 64 } };
const TOOLS = { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object', properties: {} } } } }] };

let sim;
let clock = T0;
let creds;

before(async () => {
  sim = await startSimulator({ now: () => clock });
  creds = await assume(sim);
});
after(() => sim.close());
beforeEach(() => {
  clock = T0;
  sim.reset();
  sim.configure({ roles: defaultConfig().roles });
});

// ---------- helpers ----------

/** Signed POST /model/{id}/{action}. */
function modelRequest(action, { modelId = HAIKU, body, headers = {}, credentials = creds } = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body ?? streamFixture('anthropic').request);
  return sign(sim, { service: 'bedrock', credentials, path: `/model/${escape(modelId)}/${action}`, headers: { 'content-type': 'application/json', ...headers }, body: payload });
}

/** Send with node:http, keeping every 'data' event. */
function raw(signed) {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(`${sim.url}${signed.path}`, { method: signed.method, headers: signed.headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode, headers: res.headers, chunks, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(signed.body);
  });
}

/** Split a body into messages by their length prefix; returns { frames: Buffer[], rest: Buffer }. */
function split(body) {
  const frames = [];
  let p = 0;
  while (body.length - p >= 4 && body.readUInt32BE(p) <= body.length - p) {
    const total = body.readUInt32BE(p);
    frames.push(body.subarray(p, p + total));
    p += total;
  }
  return { frames, rest: body.subarray(p) };
}

/** Decode every frame with the SDK codec (throws on a bad CRC); headers flattened to values. */
function decodeAll(body) {
  const { frames, rest } = split(body);
  assert.equal(rest.length, 0, 'no trailing bytes');
  return frames.map((frame) => {
    const { headers, body: payload } = codec.decode(frame);
    return { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.value])), payload: Buffer.from(payload) };
  });
}

const chunkJson = (message) => JSON.parse(Buffer.from(JSON.parse(message.payload.toString('utf8')).bytes, 'base64').toString('utf8'));

/** The text deltas of a family's chunk. */
function textOf(family, c) {
  switch (family) {
    case 'anthropic':
      return c.type === 'content_block_delta' ? c.delta.text : '';
    case 'titan-text':
      return c.outputText;
    case 'nova':
      return c.contentBlockDelta?.delta.text ?? '';
    case 'llama':
      return c.generation;
    case 'mistral':
      return c.outputs[0].text;
    case 'cohere-command':
      return c.is_finished ? '' : c.text;
    case 'cohere-command-r':
      return c.event_type === 'text-generation' ? c.text : '';
    case 'jamba':
      return c.choices[0].delta.content ?? '';
    default:
      throw new Error(family);
  }
}

const withoutMetrics = (c) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'amazon-bedrock-invocationMetrics'));

// ---------- InvokeModelWithResponseStream ----------

test('invoke-with-response-stream: every family streams its fixture chunks; the last chunk carries invocationMetrics', async () => {
  for (const family of FAMILIES) {
    const fx = streamFixture(family);
    assert.match(fx.source, /^https:\/\/docs\.aws\.amazon\.com\//, family);
    const res = await raw(await modelRequest('invoke-with-response-stream', { modelId: fx.modelId, body: fx.request }));
    assert.equal(res.status, 200, family);
    assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
    assert.equal(res.headers['x-amzn-bedrock-content-type'], 'application/json');
    assert.match(res.headers['x-amzn-requestid'], /^[0-9a-f-]{36}$/);
    const messages = decodeAll(res.body);
    assert.equal(messages.length, fx.chunks.length, family);
    for (const m of messages) {
      assert.deepEqual(m.headers, { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' });
      const outer = JSON.parse(m.payload.toString('utf8'));
      assert.deepEqual(Object.keys(outer), ['bytes', 'p']);
      assert.match(outer.p, /^[a-zA-Z]+$/);
    }
    const chunks = messages.map(chunkJson);
    assert.deepEqual(chunks.map(withoutMetrics), fx.chunks, family);
    assert.deepEqual(chunks.at(-1)['amazon-bedrock-invocationMetrics'], { inputTokenCount: fx.inputTokens, outputTokenCount: fx.outputTokens, invocationLatency: 250, firstByteLatency: 100 });
    assert.ok(chunks.slice(0, -1).every((c) => !('amazon-bedrock-invocationMetrics' in c)));
    assert.equal(chunks.map((c) => textOf(family, c)).join(''), fx.text, family);
  }
  assert.equal(sim.stats.invokeStream.ok, FAMILIES.length);
  assert.equal(sim.stats.invokeStream.last.family, 'jamba');
  assert.equal(sim.stats.invokeStream.last.scope.service, 'bedrock');
});

test('invoke-with-response-stream: profiles, Accept/Content-Type checks, IAM action, HTTP injection, unencoded ARN', async () => {
  const viaProfile = await raw(await modelRequest('invoke-with-response-stream', { modelId: NOVA_PROFILE, body: streamFixture('nova').request }));
  assert.equal(viaProfile.status, 200);
  assert.equal(sim.stats.invokeStream.last.via, 'profile');
  assert.equal((await raw(await modelRequest('invoke-with-response-stream', { headers: { 'x-amzn-bedrock-accept': 'application/json' } }))).status, 200);
  const badAccept = await send(sim, await modelRequest('invoke-with-response-stream', { headers: { 'x-amzn-bedrock-accept': 'text/plain' } }));
  assert.deepEqual(await bedrockErrorOf(badAccept), { status: 400, code: 'ValidationException', message: 'The provided Accept Type is invalid or not supported for this model' });
  const badType = await send(sim, await modelRequest('invoke-with-response-stream', { headers: { 'content-type': 'text/plain' } }));
  assert.equal((await bedrockErrorOf(badType)).code, 'ValidationException');
  const missingKey = await send(sim, await modelRequest('invoke-with-response-stream', { body: { messages: [] } }));
  assert.match((await bedrockErrorOf(missingKey)).message, /required key \[anthropic_version\]/);

  // The stream needs bedrock:InvokeModelWithResponseStream; Converse needs bedrock:InvokeModel.
  const roles = defaultConfig().roles;
  roles[0].actions = roles[0].actions.filter((a) => a !== 'bedrock:InvokeModelWithResponseStream');
  sim.configure({ roles });
  const noStream = await send(sim, await modelRequest('invoke-with-response-stream'));
  const denied = await bedrockErrorOf(noStream);
  assert.equal(denied.code, 'AccessDeniedException');
  assert.match(denied.message, /not authorized to perform: bedrock:InvokeModelWithResponseStream on resource: arn:aws:bedrock:us-east-1::foundation-model\/anthropic\.claude-3-haiku/);
  assert.equal((await send(sim, await modelRequest('converse', { body: CONVERSE_BODY }))).status, 200);
  const noInvoke = await assume(sim, { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: NO_INVOKE_ARN, RoleSessionName: 'sess2' });
  for (const action of ['converse', 'converse-stream']) {
    const res = await send(sim, await modelRequest(action, { body: CONVERSE_BODY, credentials: noInvoke }));
    assert.match((await bedrockErrorOf(res)).message, /not authorized to perform: bedrock:InvokeModel on resource/);
  }

  sim.configure({ roles: defaultConfig().roles });
  sim.configure({ inject: [{ op: 'invokeStream', error: 'throttle' }, { op: 'converseStream', error: 'unavailable' }, { op: 'converse', error: 'modelTimeout' }] });
  assert.deepEqual(await bedrockErrorOf(await send(sim, await modelRequest('invoke-with-response-stream'))), { status: 429, code: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
  assert.equal((await send(sim, await modelRequest('converse-stream', { body: CONVERSE_BODY }))).status, 503);
  assert.equal((await send(sim, await modelRequest('converse', { body: CONVERSE_BODY }))).status, 408);

  const unencoded = await send(sim, await sign(sim, { service: 'bedrock', credentials: creds, path: '/model/arn:aws:bedrock:us-east-1::foundation-model/x/invoke-with-response-stream', body: '{}' }));
  assert.deepEqual([unencoded.status, await unencoded.json()], [404, {}]);
  assert.equal(sim.stats.invokeStream.failed, 5);
});

// ---------- Converse ----------

test('converse: fixture answer for any catalogue model and profile; toolConfig adds a toolUse block', async () => {
  const fx = load('converse.json');
  assert.equal(fx.source, 'https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html');
  for (const modelId of [HAIKU, NOVA_PROFILE, 'meta.llama3-8b-instruct-v1:0', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3']) {
    const res = await send(sim, await modelRequest('converse', { modelId, body: fx.request }));
    assert.equal(res.status, 200, modelId);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), fx.response);
  }
  assert.equal(sim.stats.converse.ok, 4);
  assert.equal(sim.stats.converse.last.via, 'profile');
  const tool = await (await send(sim, await modelRequest('converse', { body: { ...CONVERSE_BODY, toolConfig: TOOLS } }))).json();
  assert.deepEqual(tool.output.message.content.at(-1), { toolUse: { toolUseId: 't1', name: 'get_weather', input: {} } });
  assert.equal(tool.stopReason, 'tool_use');
});

test('converse: request validation → 400 ValidationException', async () => {
  const cases = [
    [{}, /Value null at 'messages'/],
    [{ messages: [] }, /must start with a user message/],
    [{ messages: 'hi' }, /must be a list/],
    [{ messages: [{ role: 'bot', content: [{ text: 'x' }] }] }, /messages\.1\.member\.role/],
    [{ messages: [{ role: 'user', content: [] }] }, /content field in the Message object at messages\.0 is empty/],
    [{ messages: [{ role: 'user', content: [{ txt: 'x' }] }] }, /messages\.0\.content\.0/],
    [{ messages: [{ role: 'assistant', content: [{ text: 'x' }] }] }, /must start with a user message/],
    [{ messages: [{ role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [] } }] }] }, /toolConfig field must be defined/],
    ['{not json', /Malformed input request/],
  ];
  for (const action of ['converse', 'converse-stream']) {
    for (const [body, message] of cases) {
      const error = await bedrockErrorOf(await send(sim, await modelRequest(action, { body })));
      assert.equal(error.status, 400, JSON.stringify(body));
      assert.equal(error.code, 'ValidationException');
      assert.match(error.message, message);
    }
  }
  const unknown = await bedrockErrorOf(await send(sim, await modelRequest('converse', { modelId: 'acme.nothing-v1', body: CONVERSE_BODY })));
  assert.deepEqual(unknown, { status: 400, code: 'ValidationException', message: 'The provided model identifier is invalid.' });
});

// ---------- ConverseStream ----------

test('converse-stream: event frames in order, payloads unwrapped, metadata last; toolConfig adds a toolUse block', async () => {
  const fx = streamFixture('converse');
  const res = await raw(await modelRequest('converse-stream', { modelId: NOVA_PROFILE, body: fx.request }));
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
  const messages = decodeAll(res.body);
  assert.deepEqual(messages.map((m) => m.headers[':event-type']), ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
  for (const m of messages) assert.equal(m.headers[':message-type'], 'event');
  const events = messages.map((m) => ({ event: m.headers[':event-type'], payload: JSON.parse(m.payload.toString('utf8')) }));
  assert.deepEqual(events, fx.events);
  assert.equal(events.filter((e) => e.event === 'contentBlockDelta').map((e) => e.payload.delta.text).join(''), fx.text);
  assert.deepEqual(events.at(-1).payload, { usage: { inputTokens: 14, outputTokens: 9, totalTokens: 23 }, metrics: { latencyMs: 250 } });

  const tool = decodeAll((await raw(await modelRequest('converse-stream', { body: { ...CONVERSE_BODY, toolConfig: TOOLS } }))).body);
  const named = tool.map((m) => [m.headers[':event-type'], JSON.parse(m.payload.toString('utf8'))]);
  assert.deepEqual(named.map(([e]) => e), ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'contentBlockStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
  assert.deepEqual(named[5][1], { start: { toolUse: { toolUseId: 't1', name: 'get_weather' } }, contentBlockIndex: 1 });
  assert.deepEqual(named[6][1], { delta: { toolUse: { input: '{}' } }, contentBlockIndex: 1 });
  assert.deepEqual(named[8][1], { stopReason: 'tool_use' });
  assert.equal(sim.stats.converseStream.ok, 2);
});

// ---------- stream controls ----------

test('stream inject: modeled exception frames after N chunks (invoke stream and converse-stream)', async () => {
  const exceptions = ['throttlingException', 'modelStreamErrorException', 'validationException', 'modelTimeoutException', 'internalServerException', 'serviceUnavailableException'];
  for (const name of exceptions) {
    sim.configure({ stream: { inject: name, afterChunks: 2 } });
    const res = await raw(await modelRequest('invoke-with-response-stream'));
    assert.equal(res.status, 200);
    const messages = decodeAll(res.body);
    assert.equal(messages.length, 3, name);
    assert.deepEqual(messages.slice(0, 2).map(chunkJson), streamFixture('anthropic').chunks.slice(0, 2));
    assert.deepEqual(messages[2].headers, { ':exception-type': name, ':content-type': 'application/json', ':message-type': 'exception' });
    const payload = JSON.parse(messages[2].payload.toString('utf8'));
    assert.equal(typeof payload.message, 'string');
    if (name === 'modelStreamErrorException') assert.deepEqual(Object.keys(payload), ['message', 'originalStatusCode', 'originalMessage']);
    else assert.deepEqual(Object.keys(payload), ['message']);
  }
  sim.configure({ stream: { inject: 'throttlingException', afterChunks: 0 } });
  const first = decodeAll((await raw(await modelRequest('converse-stream', { body: CONVERSE_BODY }))).body);
  assert.deepEqual(first.map((m) => m.headers[':message-type']), ['exception']);
  sim.configure({ stream: { afterChunks: 3 } });
  const later = decodeAll((await raw(await modelRequest('converse-stream', { body: CONVERSE_BODY }))).body);
  assert.deepEqual(later.map((m) => m.headers[':event-type'] ?? m.headers[':exception-type']), ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'throttlingException']);
  assert.equal(sim.stats.streamErrors.throttlingException, 3);
  assert.equal(sim.stats.converseStream.last.stream.inject, 'throttlingException');
  sim.reset();
  assert.equal(sim.config.stream.inject, null);
  assert.equal(decodeAll((await raw(await modelRequest('converse-stream', { body: CONVERSE_BODY }))).body).length, 7);
});

test('stream inject: error frame, corrupted CRC, truncated frame', async () => {
  sim.configure({ stream: { inject: 'error', afterChunks: 1 } });
  const error = decodeAll((await raw(await modelRequest('invoke-with-response-stream'))).body);
  assert.equal(error.length, 2);
  assert.deepEqual(error[1].headers, { ':error-code': 'InternalFailure', ':error-message': 'An internal error occurred while streaming the response.', ':message-type': 'error' });
  assert.equal(error[1].payload.length, 0);

  sim.configure({ stream: { inject: 'badCrc', afterChunks: 2 } });
  const bad = split((await raw(await modelRequest('invoke-with-response-stream'))).body);
  assert.equal(bad.frames.length, 3);
  assert.equal(bad.rest.length, 0);
  codec.decode(bad.frames[0]);
  codec.decode(bad.frames[1]);
  assert.throws(() => codec.decode(bad.frames[2]), /message checksum/);
  assert.throws(() => decodeMessage(bad.frames[2]), /message CRC mismatch/);

  sim.configure({ stream: { inject: 'truncate', afterChunks: 2 } });
  const cut = split((await raw(await modelRequest('invoke-with-response-stream'))).body);
  assert.equal(cut.frames.length, 2);
  cut.frames.forEach((f) => codec.decode(f));
  assert.ok(cut.rest.length >= 4 && cut.rest.readUInt32BE(0) > cut.rest.length, 'half a frame remains');
});

test('stream chunking: one byte per write, seeded random split points, delays; same bytes as whole frames', async () => {
  const whole = await raw(await modelRequest('invoke-with-response-stream'));
  const frames = decodeAll(whole.body).length;
  sim.configure({ stream: { chunking: 'bytes' } });
  const bytes = await raw(await modelRequest('invoke-with-response-stream'));
  assert.ok(bytes.chunks.length > whole.body.length / 2, `${bytes.chunks.length} data events for ${whole.body.length} bytes`);
  assert.ok(bytes.body.equals(whole.body));
  assert.equal(sim.stats.invokeStream.last.stream.writes, whole.body.length);

  sim.configure({ stream: { chunking: 'random', seed: 42 } });
  const random = await raw(await modelRequest('converse-stream', { body: CONVERSE_BODY }));
  const again = await raw(await modelRequest('converse-stream', { body: CONVERSE_BODY }));
  assert.ok(random.body.equals(again.body));
  assert.equal(decodeAll(random.body).length, 7);
  assert.ok(random.chunks.length > 7, `${random.chunks.length} data events`);
  assert.ok(sim.stats.converseStream.last.stream.writes > 7);

  sim.configure({ stream: { chunking: 'frames', seed: 1, delayMs: 15 } });
  const started = Date.now();
  const slow = await raw(await modelRequest('invoke-with-response-stream'));
  assert.ok(Date.now() - started >= 15 * frames - 5);
  assert.equal(slow.chunks.length >= frames, true);
  assert.ok(slow.body.equals(whole.body));

  assert.throws(() => sim.configure({ stream: { chunking: 'lines' } }), /stream\.chunking/);
  assert.throws(() => sim.configure({ stream: { inject: 'boom' } }), /stream\.inject/);
  assert.throws(() => sim.configure({ stream: { nope: 1 } }), /unknown stream config key/);
});

test('CORS: stream responses expose the request ID and x-amzn-bedrock-content-type; preflight allows x-amzn-bedrock-accept', async () => {
  const pre = await fetch(`${sim.url}/model/${escape(HAIKU)}/invoke-with-response-stream`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-amz-date,content-type,x-amzn-bedrock-accept' },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-headers'), /x-amzn-bedrock-accept/);
  const signed = await modelRequest('invoke-with-response-stream', { headers: { origin: 'http://localhost:5173' } });
  const res = await raw(signed);
  assert.equal(res.headers['access-control-allow-origin'], 'http://localhost:5173');
  const exposed = res.headers['access-control-expose-headers'].split(',').map((s) => s.trim());
  for (const h of ['x-amzn-requestid', 'x-amzn-errortype', 'content-type', 'x-amzn-bedrock-content-type']) assert.ok(exposed.includes(h), h);
  const conv = await raw(await modelRequest('converse-stream', { body: CONVERSE_BODY }));
  assert.match(conv.headers['access-control-expose-headers'], /x-amzn-requestid/);
});

// ---------- encoder ----------

test('encodeMessage: all ten header types, both CRCs, byte-identical to the SDK encoder', () => {
  const headers = {
    t: { type: 'bool_true' },
    f: { type: 'bool_false' },
    by: { type: 'byte', value: -7 },
    sh: { type: 'short', value: -300 },
    i: { type: 'integer', value: 123456789 },
    l: { type: 'long', value: -5000000000n },
    ba: { type: 'byte_array', value: Buffer.from([1, 2, 3]) },
    s: { type: 'string', value: 'héllo' },
    ts: { type: 'timestamp', value: new Date(1700000000123) },
    u: { type: 'uuid', value: '0123abcd-4567-89ab-cdef-0123456789ab' },
  };
  const message = encodeMessage({ headers, payload: Buffer.from('{"a":1}') });
  assert.equal(message.readUInt32BE(0), message.length);
  assert.equal(message.readUInt32BE(8), crc32(message.subarray(0, 8)));
  assert.equal(message.readUInt32BE(message.length - 4), crc32(message.subarray(0, message.length - 4)));
  const decoded = codec.decode(message);
  assert.equal(toUtf8(decoded.body), '{"a":1}');
  const h = decoded.headers;
  assert.deepEqual([h.t.value, h.f.value, h.by.value, h.sh.value, h.i.value], [true, false, -7, -300, 123456789]);
  assert.equal(h.l.value.valueOf(), -5000000000);
  assert.deepEqual([...h.ba.value], [1, 2, 3]);
  assert.equal(h.s.value, 'héllo');
  assert.equal(h.ts.value.getTime(), 1700000000123);
  assert.equal(h.u.value, '0123abcd-4567-89ab-cdef-0123456789ab');
  const sdk = codec.encode({
    headers: { ':event-type': { type: 'string', value: 'chunk' }, ok: { type: 'boolean', value: false }, n: { type: 'long', value: Int64.fromNumber(-42) } },
    body: fromUtf8('{"bytes":"e30="}'),
  });
  const ours = encodeMessage({ headers: { ':event-type': 'chunk', ok: false, n: { type: 'long', value: -42 } }, payload: '{"bytes":"e30="}' });
  assert.ok(Buffer.from(sdk).equals(ours));
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(decodeMessage(ours).headers.n.value, -42n);
});

// ---------- the AWS SDK against the simulator ----------

test('AWS SDK BedrockRuntimeClient reads the streams, Converse and a mid-stream exception', async (t) => {
  let sdk;
  let NodeHttpHandler;
  try {
    sdk = await import('@aws-sdk/client-bedrock-runtime');
    ({ NodeHttpHandler } = await import('@smithy/node-http-handler'));
  } catch {
    return t.skip('@aws-sdk/client-bedrock-runtime not installed');
  }
  clock = Date.now();
  const client = new sdk.BedrockRuntimeClient({ region: 'us-east-1', endpoint: sim.url, requestHandler: new NodeHttpHandler(), credentials: BASE, maxAttempts: 1 });
  const fx = streamFixture('anthropic');
  sim.configure({ stream: { chunking: 'random', seed: 7 } });
  const out = await client.send(new sdk.InvokeModelWithResponseStreamCommand({ modelId: HAIKU, contentType: 'application/json', body: JSON.stringify(fx.request) }));
  const chunks = [];
  for await (const event of out.body) chunks.push(JSON.parse(Buffer.from(event.chunk.bytes).toString('utf8')));
  assert.deepEqual(chunks.map(withoutMetrics), fx.chunks);
  const conv = await client.send(new sdk.ConverseCommand({ modelId: NOVA_PROFILE, ...CONVERSE_BODY }));
  assert.equal(conv.output.message.content[0].text, load('converse.json').response.output.message.content[0].text);
  const stream = await client.send(new sdk.ConverseStreamCommand({ modelId: NOVA_PROFILE, ...CONVERSE_BODY, toolConfig: TOOLS }));
  const names = [];
  for await (const event of stream.stream) names.push(Object.keys(event)[0]);
  assert.deepEqual(names, ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'contentBlockStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
  sim.configure({ stream: { chunking: 'bytes', inject: 'modelStreamErrorException', afterChunks: 1 } });
  const failing = await client.send(new sdk.InvokeModelWithResponseStreamCommand({ modelId: HAIKU, contentType: 'application/json', body: JSON.stringify(fx.request) }));
  await assert.rejects(
    (async () => {
      for await (const event of failing.body) assert.ok(event.chunk);
    })(),
    (err) => err.name === 'ModelStreamErrorException' && err.originalStatusCode === 500,
  );
});
