// The one call path through the public API in Node against the simulator: every per-call option
// on every operation (the bytes on the wire), the inference-profile fallback on every model call,
// strict options, abort and time, clock skew, retries (Retry-After, onAttempt), attribution of
// errors to the setting at fault, the base credentials function, the role cache's edge cases
// and freed clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { getEventListeners } from 'node:events';
import { BedrockClient, ConfigError, AwsError, NetworkError, StreamError } from '../../pkg/node.mjs';
import { setup, fixture, BASE, HAIKU } from './env.js';

const SONNET_V2 = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

const body = () => fixture('anthropic').request;
const messages = [{ role: 'user', content: [{ text: 'Hello' }] }];
const VARS = { prompt: 'hi', system: { prompt: 'Be terse.' } };

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  return assert.fail('expected a rejection');
}

/** A signal aborted after `ms`; `.at` is when it fired (rejections are timed from there). */
function abortAfter(ms) {
  const c = new AbortController();
  const out = { signal: c.signal, at: null };
  setTimeout(() => { out.at = Date.now(); c.abort(); }, ms);
  return out;
}

/** The rejection of `promise` and how long after `abort.at` it came. */
async function abortedIn(promise, abort) {
  const e = await rejects(promise);
  return { e, ms: Date.now() - abort.at };
}

async function drain(stream) {
  const events = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

/** A loopback server that accepts requests and never answers (or answers with `handler`). */
async function server(handler = () => {}) {
  const sockets = new Set();
  const s = createServer(handler);
  s.on('connection', (c) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${s.address().port}`,
    close: () => new Promise((r) => { for (const c of sockets) c.destroy(); s.close(() => r()); }),
  };
}

const FLAT = { guardrailIdentifier: 'gr-abc123', guardrailVersion: '3', trace: 'ENABLED', performanceConfigLatency: 'optimized', serviceTier: 'priority' };
const HEADERS = {
  'x-amzn-bedrock-guardrailidentifier': 'gr-abc123',
  'x-amzn-bedrock-guardrailversion': '3',
  'x-amzn-bedrock-trace': 'ENABLED',
  'x-amzn-bedrock-performanceconfig-latency': 'optimized',
  'x-amzn-bedrock-service-tier': 'priority',
};
const CONVERSE_FIELDS = {
  guardrailConfig: { guardrailIdentifier: 'gr-abc123', guardrailVersion: '3', trace: 'enabled' },
  performanceConfig: { latency: 'optimized' },
  serviceTier: { type: 'priority' },
};
const pick = (headers) => Object.fromEntries(Object.keys(HEADERS).map((k) => [k, headers[k]]));

// ---------- every option on every call: the bytes on the wire ----------

test('invoke, invokeStream and test send every per-call option as its X-Amzn-Bedrock-* header', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  await client.invoke({ modelId: HAIKU, body: body(), ...FLAT });
  assert.deepEqual(pick(env.sim.stats.invoke.last.headers), HEADERS);
  await drain(client.invokeStream({ modelId: HAIKU, body: body(), ...FLAT }));
  assert.deepEqual(pick(env.sim.stats.invokeStream.last.headers), HEADERS);
  const r = await client.test({ modelId: HAIKU, variables: VARS, ...FLAT });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(pick(env.sim.stats.invoke.last.headers), HEADERS);
  assert.equal(r.request.headers['x-amzn-bedrock-service-tier'], 'priority');
  const s = await client.test({ modelId: HAIKU, variables: VARS, stream: true, ...FLAT });
  assert.equal(s.ok, true, JSON.stringify(s.error));
  assert.deepEqual(pick(env.sim.stats.invokeStream.last.headers), HEADERS);
});

test('converse and converseStream send the flat options as top-level Converse fields', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  await client.converse({ modelId: HAIKU, messages, ...FLAT });
  const sent = JSON.parse(env.sim.stats.converse.last.body);
  assert.deepEqual({ guardrailConfig: sent.guardrailConfig, performanceConfig: sent.performanceConfig, serviceTier: sent.serviceTier }, CONVERSE_FIELDS);
  assert.deepEqual(sent.messages, messages);
  assert.equal(env.sim.stats.converse.last.headers['x-amzn-bedrock-service-tier'], undefined);
  await drain(client.converseStream({ modelId: HAIKU, messages, ...FLAT }));
  const streamed = JSON.parse(env.sim.stats.converseStream.last.body);
  assert.deepEqual(streamed.serviceTier, { type: 'priority' });
  assert.deepEqual(streamed.guardrailConfig, CONVERSE_FIELDS.guardrailConfig);
});

test('converse calls also take the AWS-shaped guardrailConfig, performanceConfig and serviceTier', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const shaped = {
    guardrailConfig: { guardrailIdentifier: 'gr-1', guardrailVersion: 'DRAFT', trace: 'enabled_full', streamProcessingMode: 'async' },
    performanceConfig: { latency: 'standard' },
    serviceTier: { type: 'flex' },
  };
  await drain(client.converseStream({ modelId: HAIKU, messages, ...shaped }));
  const sent = JSON.parse(env.sim.stats.converseStream.last.body);
  assert.deepEqual({ guardrailConfig: sent.guardrailConfig, performanceConfig: sent.performanceConfig, serviceTier: sent.serviceTier }, shaped);
  const { streamProcessingMode: _, ...plain } = shaped.guardrailConfig;
  await client.converse({ modelId: HAIKU, messages, ...shaped, guardrailConfig: plain });
  assert.deepEqual(JSON.parse(env.sim.stats.converse.last.body).serviceTier, { type: 'flex' });
  const e = await rejects(client.converse({ modelId: HAIKU, messages, guardrailConfig: shaped.guardrailConfig }));
  assert.deepEqual([e.code, e.field], ['CONFIG_UNKNOWN_OPTION', 'guardrailConfig.streamProcessingMode']);
});

test("inferenceProfile: 'auto' works on converse, converseStream, invokeStream and test", async () => {
  env.sim.reset();
  const client = env.client(BedrockClient, { inferenceProfile: 'auto' });
  const c = await client.converse({ modelId: SONNET_V2, messages });
  assert.equal(c.inferenceProfileUsed, `us.${SONNET_V2}`);
  assert.equal(env.sim.stats.converse.last.modelId, `us.${SONNET_V2}`);
  const events = await drain(client.converseStream({ modelId: SONNET_V2, messages }));
  assert.ok(events.some((e) => e.type === 'messageStop'));
  assert.equal(env.sim.stats.converseStream.last.modelId, `us.${SONNET_V2}`);
  const chunks = await drain(client.invokeStream({ modelId: SONNET_V2, body: body() }));
  assert.ok(chunks.some((e) => typeof e.text === 'string' && e.text.length > 0), 'deltas come through the profile');
  assert.equal(env.sim.stats.invokeStream.last.modelId, `us.${SONNET_V2}`);
  const t = await client.test({ modelId: SONNET_V2, variables: VARS });
  assert.equal(t.ok, true, JSON.stringify(t.error));
  assert.equal(env.sim.stats.invoke.last.modelId, `us.${SONNET_V2}`);
});

test('the chosen inference profile must contain the client region (eu-west-1 never gets a us. profile)', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient, { region: 'eu-west-1', inferenceProfile: 'auto' });
  const e = await rejects(client.invoke({ modelId: SONNET_V2, body: body() }));
  assert.deepEqual([e.code, e.field], ['ValidationException', 'modelId']);
  assert.match(e.hint, /no inference profile serves it from eu-west-1/);
  assert.equal(env.sim.stats.invoke.count, 1, 'no second invoke through a foreign profile');
  const ok = await client.invoke({ modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0', body: body() });
  assert.equal(ok.inferenceProfileUsed, 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0');
});

// ---------- strict options ----------

test('unknown option keys at any level are CONFIG_UNKNOWN_OPTION with the nearest known key', async () => {
  const cases = [
    [() => env.client(BedrockClient, { endpiont: 'http://x' }), 'endpiont', 'endpoint'],
    [() => env.client(BedrockClient, { useFipsEndpiont: true }), 'useFipsEndpiont', 'useFipsEndpoint'],
    [() => env.client(BedrockClient, { assumeRole: { rolearn: 'x' } }), 'assumeRole.rolearn', 'roleArn'],
    [() => env.client(BedrockClient, { retry: { maxAttempt: 2 } }), 'retry.maxAttempt', 'maxAttempts'],
    [() => env.client(BedrockClient, { credentials: { ...BASE, sessiontoken: 'x' } }), 'credentials.sessiontoken', 'sessionToken'],
  ];
  for (const [make, field, near] of cases) {
    const e = (() => { try { make(); } catch (err) { return err; } return assert.fail(field); })();
    assert.ok(e instanceof ConfigError, `${e}`);
    assert.deepEqual([e.code, e.field], ['CONFIG_UNKNOWN_OPTION', field]);
    assert.ok(e.hint.startsWith(`Did you mean \`${near}\`?`), e.hint);
  }
  env.sim.reset();
  const client = env.client(BedrockClient);
  const list = await rejects(client.listFoundationModels({ byProvider: 'Anthropic' }));
  assert.deepEqual([list.code, list.field], ['CONFIG_UNKNOWN_OPTION', 'byProvider']);
  assert.match(list.hint, /`provider`/);
  const inv = await rejects(client.invoke({ modelId: HAIKU, body: body(), guardrailIdentifer: 'g' }));
  assert.deepEqual([inv.code, inv.field], ['CONFIG_UNKNOWN_OPTION', 'guardrailIdentifer']);
  assert.match(inv.hint, /`guardrailIdentifier`/);
  const stream = await rejects(drain(client.invokeStream({ modelId: HAIKU, body: body(), idleTimeout: 5 })));
  assert.deepEqual([stream.code, stream.field], ['CONFIG_UNKNOWN_OPTION', 'idleTimeout']);
  const fromSdk = env.client(BedrockClient, { credentials: { ...BASE, accountId: '111111111111', credentialScope: 'us-east-1', $source: {} } });
  assert.ok(fromSdk instanceof BedrockClient, "an AWS SDK provider's result passes as it is");
  const trap = new Proxy({ region: 'us-east-1' }, { ownKeys() { throw new Error('trap'); } });
  const proxied = (() => { try { new BedrockClient(trap); } catch (err) { return err; } return null; })();
  assert.equal(proxied?.code, 'INVALID_ARGUMENT_TYPE', `${proxied}`);
  assert.equal((await client.invoke({ modelId: HAIKU, body: body(), extra: undefined })).status, 200, 'undefined values are ignored');
  assert.equal(env.sim.stats.invoke.count, 1);
});

test('enum values and secrets are checked before any request, naming the option', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const cases = [
    [client.invoke({ modelId: HAIKU, body: body(), trace: 'bogus' }), 'INVALID_OPTION', 'trace'],
    [drain(client.invokeStream({ modelId: HAIKU, body: body(), serviceTier: 'gold' })), 'INVALID_OPTION', 'serviceTier'],
    [client.converse({ modelId: HAIKU, messages, performanceConfigLatency: 'fast' }), 'INVALID_OPTION', 'performanceConfigLatency'],
    [client.converse({ modelId: HAIKU, messages, serviceTier: { type: 'gold' } }), 'INVALID_OPTION', 'serviceTier.type'],
    [client.listFoundationModels({ inferenceType: 'BOGUS' }), 'INVALID_OPTION', 'inferenceType'],
    [client.invoke({ modelId: HAIKU, body: body(), timeoutMs: 0 }), 'INVALID_OPTION', 'timeoutMs'],
  ];
  for (const [promise, code, field] of cases) {
    const e = await rejects(promise);
    assert.ok(e instanceof ConfigError, `${e}`);
    assert.deepEqual([e.code, e.field], [code, field], e.message);
  }
  const t = await client.test({ modelId: HAIKU, variables: VARS, trace: 'bogus' });
  assert.deepEqual([t.ok, t.error.code, t.error.field], [false, 'INVALID_OPTION', 'trace']);
  for (const secretAccessKey of ['', '   ']) {
    const e = (() => { try { env.client(BedrockClient, { credentials: { ...BASE, secretAccessKey } }); } catch (err) { return err; } return null; })();
    assert.deepEqual([e?.code, e?.field], ['INVALID_CREDENTIALS', 'credentials.secretAccessKey']);
  }
  const fromFunction = await rejects(env.client(BedrockClient, { credentials: async () => ({ ...BASE, secretAccessKey: ' ' }) }).checkRole());
  assert.deepEqual([fromFunction.code, fromFunction.field], ['INVALID_CREDENTIALS', 'credentials.secretAccessKey']);
  assert.equal(env.sim.stats.total, 0, 'nothing was sent');
});

test('useFipsEndpoint picks the FIPS hosts, and is a CONFIG_CONFLICT where AWS has none', async () => {
  const seen = [];
  const fetch = async (url) => { seen.push(new URL(url).host); throw new TypeError('offline'); };
  const client = new BedrockClient({ region: 'us-east-1', credentials: BASE, assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/R', stsRegion: 'us-east-2' }, useFipsEndpoint: true, fetch, retry: { maxAttempts: 1 } });
  await rejects(client.checkRole());
  const direct = new BedrockClient({ region: 'us-west-2', credentials: BASE, useFipsEndpoint: true, fetch, retry: { maxAttempts: 1 } });
  await rejects(direct.invoke({ modelId: HAIKU, body: body() }));
  await rejects(direct.listFoundationModels());
  assert.deepEqual(seen, ['sts-fips.us-east-2.amazonaws.com', 'bedrock-runtime-fips.us-west-2.amazonaws.com', 'bedrock-fips.us-west-2.amazonaws.com']);
  const e = (() => { try { new BedrockClient({ region: 'eu-west-1', credentials: BASE, useFipsEndpoint: true }); } catch (err) { return err; } return null; })();
  assert.deepEqual([e?.code, e?.field], ['CONFIG_CONFLICT', 'useFipsEndpoint']);
});

// ---------- abort and time ----------

test('a signal aborts AssumeRole in flight within 50 ms; a later call assumes again only if it must', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'assumeRole', delayMs: 1500 }] });
  const client = env.client(BedrockClient);
  const abort = abortAfter(200);
  const { e, ms } = await abortedIn(client.invoke({ modelId: HAIKU, body: body(), signal: abort.signal }), abort);
  assert.ok(e instanceof NetworkError && e.code === 'ABORTED', `${e}`);
  assert.ok(ms < 50, `rejected ${ms} ms after the abort`);
  const res = await client.invoke({ modelId: HAIKU, body: body() });
  assert.equal(res.status, 200);
  assert.equal(env.sim.stats.assumeRole.count, 1, 'the AssumeRole in flight was reused, not repeated');
});

test('an already aborted signal: ABORTED before anything is sent (no AssumeRole started)', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  for (const call of [
    () => client.invoke({ modelId: HAIKU, body: body(), signal: AbortSignal.abort() }),
    () => client.checkRole({ signal: AbortSignal.abort() }),
    () => drain(client.converseStream({ modelId: HAIKU, messages, signal: AbortSignal.abort() })),
  ]) {
    const e = await rejects(call());
    assert.equal(e.code, 'ABORTED');
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(env.sim.stats.total, 0);
});

test('a signal leaves no abort listener behind, whether the call succeeds, fails or is aborted', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient, { credentials: async () => BASE });
  const ok = new AbortController();
  await client.invoke({ modelId: HAIKU, body: body(), signal: ok.signal });
  await drain(client.invokeStream({ modelId: HAIKU, body: body(), signal: ok.signal }));
  await client.converse({ modelId: HAIKU, messages, signal: ok.signal });
  await client.listFoundationModels({ signal: ok.signal });
  env.sim.configure({ inject: [{ op: 'invoke', error: 'validation' }] });
  await rejects(client.invoke({ modelId: HAIKU, body: body(), signal: ok.signal }));
  assert.equal(getEventListeners(ok.signal, 'abort').length, 0);
  ok.abort(); // after the calls: nothing listens, nothing throws
  await new Promise((r) => setTimeout(r, 10));
  env.sim.configure({ inject: [{ op: 'invoke', delayMs: 500 }] });
  const abort = abortAfter(50);
  await rejects(client.invoke({ modelId: HAIKU, body: body(), signal: abort.signal }));
  assert.equal(getEventListeners(abort.signal, 'abort').length, 0);
  env.sim.reset();
});

test('a signal aborts the async credentials function, listFoundationModels and the retry wait', async () => {
  env.sim.reset();
  let calls = 0;
  const slow = () => { calls += 1; return new Promise((r) => setTimeout(() => r(BASE), 1000)); };
  const client = env.client(BedrockClient, { credentials: slow });
  let abort = abortAfter(100);
  let { e, ms } = await abortedIn(client.checkRole({ signal: abort.signal }), abort);
  assert.equal(e.code, 'ABORTED');
  assert.ok(ms < 50, `credentials function: ${ms} ms`);
  env.sim.configure({ latencyMs: 1000 });
  const warmList = env.client(BedrockClient);
  await warmList.checkRole();
  abort = abortAfter(100);
  ({ e, ms } = await abortedIn(warmList.listFoundationModels({ signal: abort.signal }), abort));
  assert.equal(e.code, 'ABORTED');
  assert.ok(ms < 50, `listFoundationModels: ${ms} ms`);
  env.sim.configure({ latencyMs: 0 });
  env.sim.configure({ inject: [{ op: 'invoke', error: 'throttle', retryAfter: 5, times: 1 }] });
  const warm = env.client(BedrockClient);
  await warm.checkRole();
  abort = abortAfter(300);
  ({ e, ms } = await abortedIn(warm.invoke({ modelId: HAIKU, body: body(), signal: abort.signal }), abort));
  assert.equal(e.code, 'ABORTED');
  assert.ok(ms < 50, `the 5 s Retry-After wait was cut: ${ms} ms`);
  assert.ok(calls >= 1);
});

test('a server that never answers: TIMEOUT after timeoutMs per attempt, naming the endpoint', async () => {
  const silent = await server();
  try {
    const client = new BedrockClient({ region: 'us-east-1', credentials: BASE, endpoint: silent.url, timeoutMs: 150, retry: { maxAttempts: 2 } });
    const t = Date.now();
    const e = await rejects(client.invoke({ modelId: HAIKU, body: body() }));
    assert.ok(e instanceof NetworkError, `${e}`);
    assert.deepEqual([e.code, e.field, e.retryable], ['TIMEOUT', 'endpoint', true]);
    assert.ok(Date.now() - t >= 300 && Date.now() - t < 2000);
    const perCall = await rejects(new BedrockClient({ region: 'us-east-1', credentials: BASE, controlEndpoint: silent.url, retry: { maxAttempts: 1 } }).listFoundationModels({ timeoutMs: 100 }));
    assert.deepEqual([perCall.code, perCall.field], ['TIMEOUT', 'controlEndpoint']);
  } finally {
    await silent.close();
  }
});

test('a signal aborts a stream being read within 50 ms', async () => {
  env.sim.reset();
  env.sim.configure({ stream: { delayMs: 200 } });
  try {
    const abort = abortAfter(150);
    const stream = env.client(BedrockClient).invokeStream({ modelId: HAIKU, body: body(), signal: abort.signal });
    const { e, ms } = await abortedIn(drain(stream), abort);
    assert.equal(e.code, 'ABORTED');
    assert.ok(ms < 50, `${ms} ms`);
  } finally {
    env.sim.reset();
  }
});

test('idleTimeoutMs: a stream with no byte for that long ends with STREAM_IDLE_TIMEOUT (and its request ID)', async () => {
  const stalled = await server((req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-idle-1' });
    res.flushHeaders();
  });
  try {
    const client = new BedrockClient({ region: 'us-east-1', credentials: BASE, endpoint: stalled.url });
    const t = Date.now();
    const e = await rejects(drain(client.invokeStream({ modelId: HAIKU, body: body(), idleTimeoutMs: 200 })));
    assert.ok(e instanceof StreamError, `${e}`);
    assert.deepEqual([e.code, e.field, e.requestId], ['STREAM_IDLE_TIMEOUT', 'idleTimeoutMs', 'req-idle-1']);
    assert.ok(Date.now() - t < 1000);
    const c = await rejects(client.converse({ modelId: HAIKU, messages, idleTimeoutMs: 200 }));
    assert.deepEqual([c.code, c.requestId], ['STREAM_IDLE_TIMEOUT', 'req-idle-1']);
    const idleClient = new BedrockClient({ region: 'us-east-1', credentials: BASE, endpoint: stalled.url, idleTimeoutMs: 150 });
    const r = await idleClient.test({ modelId: HAIKU, variables: VARS, stream: true });
    assert.deepEqual([r.ok, r.error.code, r.error.field], [false, 'STREAM_IDLE_TIMEOUT', 'idleTimeoutMs']);
  } finally {
    await stalled.close();
  }
});

test('a connection reset mid-stream is a NETWORK StreamError with the request ID, not ABORTED', async () => {
  const resetting = await server((req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-reset-1' });
    res.write(Buffer.alloc(8));
    setTimeout(() => res.socket.destroy(), 20);
  });
  try {
    const client = new BedrockClient({ region: 'us-east-1', credentials: BASE, endpoint: resetting.url });
    const e = await rejects(drain(client.invokeStream({ modelId: HAIKU, body: body() })));
    assert.ok(e instanceof StreamError, `${e}`);
    assert.notEqual(e.code, 'ABORTED');
    assert.equal(e.requestId, 'req-reset-1');
  } finally {
    await resetting.close();
  }
});

test('StreamError carries the request ID of an exception frame', async () => {
  env.sim.reset();
  env.sim.configure({ stream: { inject: 'modelStreamErrorException', afterChunks: 1 } });
  const e = await rejects(drain(env.client(BedrockClient).invokeStream({ modelId: HAIKU, body: body() })));
  assert.ok(e instanceof StreamError);
  assert.equal(e.requestId, env.sim.stats.invokeStream.last.requestId);
  assert.equal(env.sim.stats.invokeStream.count, 1, 'a stream is never retried after its first event');
  env.sim.reset();
});

// ---------- clock skew ----------

for (const minutes of [20, -20]) {
  test(`clock skew of ${minutes} minutes: corrected once, later calls (and AssumeRole) use the offset`, async () => {
    env.sim.reset();
    env.sim.configure({ clockOffsetMs: minutes * 60_000 });
    try {
      const attempts = [];
      const client = env.client(BedrockClient, { onAttempt: (a) => attempts.push(a) });
      const res = await client.invoke({ modelId: HAIKU, body: body() });
      assert.equal(res.status, 200);
      assert.equal(env.sim.stats.assumeRole.count, 2, 'one refused for its time, one signed with the corrected clock');
      assert.equal(env.sim.stats.invoke.count, 1);
      await client.invoke({ modelId: HAIKU, body: body() });
      const c = await client.converse({ modelId: HAIKU, messages });
      assert.equal(typeof c.outputText, 'string');
      assert.equal(env.sim.stats.assumeRole.count, 2);
      assert.equal(env.sim.stats.invoke.count, 2, 'no more refusals');
      assert.equal(attempts[0].operation, 'assumeRole');
      assert.equal(attempts[0].status, 403);
      const role = await client.checkRole();
      assert.ok(role.expiration.getTime() > env.clock.ms + minutes * 60_000 + 50 * 60_000, 'expiration is in AWS time');
    } finally {
      env.sim.configure({ clockOffsetMs: 0 });
    }
  });
}

// ---------- retries ----------

test('Retry-After is honoured and onAttempt reports every attempt', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'invoke', error: 'throttle', retryAfter: 1, times: 1 }] });
  const attempts = [];
  const client = env.client(BedrockClient, { onAttempt: (a) => attempts.push(a) });
  await client.checkRole();
  attempts.length = 0;
  const t = Date.now();
  const res = await client.invoke({ modelId: HAIKU, body: body() });
  assert.equal(res.status, 200);
  assert.ok(Date.now() - t >= 950, `waited ${Date.now() - t} ms`);
  assert.deepEqual(attempts, [
    { operation: 'invoke', attempt: 1, delayMs: 1000, code: 'ThrottlingException', status: 429 },
    { operation: 'invoke', attempt: 2, delayMs: null, code: null, status: 200 },
  ]);
});

// ---------- attribution ----------

test('an unreachable runtime endpoint is NETWORK with field endpoint and the system code in cause and message', async () => {
  const gone = await server();
  const url = gone.url;
  await gone.close();
  const client = env.client(BedrockClient, { endpoint: url, retry: { maxAttempts: 1 } });
  const e = await rejects(client.invoke({ modelId: HAIKU, body: body() }));
  assert.ok(e instanceof NetworkError, `${e}`);
  assert.deepEqual([e.code, e.field, e.cause?.code], ['NETWORK', 'endpoint', 'ECONNREFUSED']);
  assert.match(e.message, /ECONNREFUSED/);
  const r = await client.test({ modelId: HAIKU, variables: VARS });
  assert.deepEqual([r.ok, r.error.code, r.error.field], [false, 'NETWORK', 'endpoint']);
  const sts = await rejects(env.client(BedrockClient, { assumeRole: { stsEndpoint: url }, retry: { maxAttempts: 1 } }).checkRole());
  assert.deepEqual([sts.code, sts.field], ['NETWORK', 'assumeRole.stsEndpoint']);
});

test('non-AWS answers (an HTML 502 from a proxy, an empty 403) keep HTTP_<status> and blame the endpoint', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'invoke', status: 502, html: true, times: 3 }] });
  const e = await rejects(env.client(BedrockClient).invoke({ modelId: HAIKU, body: body() }));
  assert.ok(e instanceof AwsError);
  assert.deepEqual([e.code, e.status, e.field, e.retryable], ['HTTP_502', 502, 'endpoint', true]);
  assert.match(e.message, /not an AWS answer/);
  assert.match(e.hint, /proxy/);
  assert.equal(env.sim.stats.invoke.count, 3, 'retried as any 502');
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'assumeRole', status: 502, html: true, times: 3 }] });
  const s = await rejects(env.client(BedrockClient).checkRole());
  assert.deepEqual([s.code, s.field], ['HTTP_502', 'assumeRole.stsEndpoint']);
  assert.doesNotMatch(s.hint, /role|trust/);
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'listFoundationModels', status: 403, empty: true }] });
  const l = await rejects(env.client(BedrockClient).listFoundationModels());
  assert.deepEqual([l.code, l.field], ['HTTP_403', 'controlEndpoint']);
});

test('STS 503 gets no role hint; a bad bearerToken names bearerToken', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'assumeRole', error: 'unavailable', times: 3 }] });
  const e = await rejects(env.client(BedrockClient).checkRole());
  assert.deepEqual([e.code, e.field, e.retryable], ['ServiceUnavailable', null, true]);
  assert.doesNotMatch(e.hint, /role|trust|external/i);
  const bad = new BedrockClient({ region: 'us-east-1', bearerToken: 'bedrock-api-key-bm90LWEta2V5', endpoint: env.sim.url, retry: { maxAttempts: 1 } });
  const b = await rejects(bad.invoke({ modelId: HAIKU, body: body() }));
  assert.equal(b.field, 'bearerToken');
  assert.doesNotMatch(b.hint, /STS|assumeRole/);
  const blank = (() => { try { new BedrockClient({ region: 'us-east-1', bearerToken: ' ' }); } catch (err) { return err; } return null; })();
  assert.deepEqual([blank?.code, blank?.field], ['INVALID_BEARER_TOKEN', 'bearerToken']);
});

// ---------- credentials ----------

test('the credentials function is called only when needed, and again near its own expiration', async () => {
  env.sim.reset();
  let calls = 0;
  let expiration;
  const client = env.client(BedrockClient, { credentials: async () => { calls += 1; return { ...BASE, expiration }; } });
  const b = JSON.stringify(body());
  for (let i = 0; i < 20; i += 1) await client.invoke({ modelId: HAIKU, body: b });
  assert.equal(calls, 1, '20 invokes, one call');
  assert.equal(env.sim.stats.assumeRole.count, 1);
  calls = 0;
  const fresh = env.client(BedrockClient, { assumeRole: { sessionName: 'concurrent' }, credentials: async () => { calls += 1; return BASE; } });
  await Promise.all(Array.from({ length: 100 }, () => fresh.invoke({ modelId: HAIKU, body: b })));
  assert.equal(calls, 1, '100 concurrent invokes share one call');
  const direct = env.client(BedrockClient, { assumeRole: undefined, credentials: async () => { calls += 1; return { ...BASE, expiration }; } });
  calls = 0;
  expiration = new Date(env.clock.ms + 10 * 60_000);
  await direct.invoke({ modelId: HAIKU, body: b });
  await direct.invoke({ modelId: HAIKU, body: b });
  assert.equal(calls, 1);
  env.clock.ms += 6 * 60_000; // inside the 5 minutes before its expiration
  expiration = new Date(env.clock.ms + 60 * 60_000);
  await direct.invoke({ modelId: HAIKU, body: b });
  assert.equal(calls, 2);
});

test('a rejecting credentials function surfaces with a code', async () => {
  const client = env.client(BedrockClient, { credentials: async () => { throw new Error('vault sealed'); } });
  const e = await rejects(client.checkRole());
  assert.ok(e instanceof ConfigError, `${e}`);
  assert.deepEqual([e.code, e.field], ['CREDENTIALS_PROVIDER_FAILED', 'credentials']);
  assert.match(e.message, /vault sealed/);
});

test('STS Expiration closer than 5 minutes or already past: no AssumeRole loop, at most one per call', async () => {
  env.sim.reset();
  env.sim.configure({ stsSessionSeconds: 120 });
  try {
    const client = env.client(BedrockClient);
    const role = await client.checkRole();
    assert.equal(role.expiration.getTime() - env.clock.ms <= 120_000, true);
    assert.equal((await client.invoke({ modelId: HAIKU, body: body() })).status, 200);
    assert.ok(env.sim.stats.assumeRole.count <= 2, `${env.sim.stats.assumeRole.count} AssumeRoles`);
    env.sim.reset();
    env.sim.configure({ stsSessionSeconds: -60 });
    const past = await rejects(env.client(BedrockClient, { assumeRole: { sessionName: 'past' } }).checkRole());
    assert.deepEqual([past.code, past.field], ['STS_CREDENTIALS_EXPIRED', 'now']);
    assert.equal(env.sim.stats.assumeRole.count, 1);
  } finally {
    env.sim.configure({ stsSessionSeconds: null });
  }
});

test('STS down while cached credentials are valid but inside the refresh window: they are used', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  await client.checkRole();
  env.clock.ms += 57 * 60_000; // 3 minutes left
  env.sim.configure({ inject: [{ op: 'assumeRole', error: 'unavailable', times: 3 }] });
  const res = await client.invoke({ modelId: HAIKU, body: body() });
  assert.equal(res.status, 200);
  assert.equal(env.sim.stats.assumeRole.count, 1 + 3, 'STS was tried again (3 attempts), then the valid credentials were used');
  env.clock.ms += 4 * 60_000; // expired now
  env.sim.configure({ inject: [{ op: 'assumeRole', error: 'unavailable', times: 3 }] });
  const e = await rejects(client.invoke({ modelId: HAIKU, body: body() }));
  assert.equal(e.code, 'ServiceUnavailable');
});

// ---------- freed ----------

test('a freed client throws ConfigError FREED on use', async () => {
  const client = env.client(BedrockClient);
  client.free();
  for (const call of [() => client.invoke({ modelId: HAIKU, body: body() }), () => client.checkRole(), () => drain(client.invokeStream({ modelId: HAIKU, body: body() }))]) {
    const e = await rejects(call());
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, 'FREED');
  }

});
