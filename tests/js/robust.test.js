// Nothing a caller passes breaks the package: odd JS values give typed errors and leave the
// instance healthy (each repeated 5,000 times), signRequest refuses input it would sign wrongly,
// and a panic rejects with INTERNAL_PANIC and the next call runs on a fresh instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  Template,
  JsonPath,
  OutputMapping,
  BedrockClient,
  CredentialCache,
  signRequest,
  parseModelId,
  policies,
  ready,
  BedrockConnectError,
  ConfigError,
} from '../../pkg/node.mjs';

const internal = ready[Symbol.for('bedrock-connect.internal')];
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const url = 'https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke';
const sign = (extra) => signRequest({ method: 'POST', url, region: 'us-east-1', service: 'bedrock', credentials: creds, signingDate: 0, ...extra });

const cyclic = {};
cyclic.self = cyclic;
const deep = (n) => {
  let v = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
const veryDeep = deep(100_000);
const selfJson = { toJSON() { return this; } };
const throwing = { get x() { throw new Error('getter boom'); } };
const trap = new Proxy({}, {
  get() { throw new Error('trap get'); },
  ownKeys() { throw new Error('trap ownKeys'); },
  getOwnPropertyDescriptor() { throw new Error('trap descriptor'); },
  getPrototypeOf() { throw new Error('trap proto'); },
});
const revoked = Proxy.revocable({}, {});
revoked.revoke();
const detached = new ArrayBuffer(8);
structuredClone(detached, { transfer: [detached] });
const fakeBytes = Object.create(Uint8Array.prototype);
const fakeDate = Object.create(Date.prototype);
const throwingIterable = { [Symbol.iterator]() { throw new Error('iterator boom'); } };
const badHeaders = { entries() { throw new Error('entries boom'); }, get() {} };

const methodThrows = Object.defineProperty({ url, region: 'us-east-1', service: 'bedrock', credentials: creds }, 'method', {
  get() { throw new Error('method getter'); },
});

const template = new Template('{"a": {{x}}}');
const path = new JsonPath('$.a');
const mapping = new OutputMapping({ outputText: '$.text' });

/** Ordinary calls on objects made before the bad input. */
function healthy() {
  assert.equal(template.render({ x: [1, { b: 'c' }] }), '{"a": [1,{"b":"c"}]}');
  assert.deepEqual(path.query('{"a": 5}'), [5]);
  assert.equal(mapping.apply('{"text": "hi"}').outputText, 'hi');
  assert.equal(sign({ body: '{}' }).method, 'POST');
  assert.equal(parseModelId('amazon.titan-text-express-v1').kind, 'base');
  assert.equal(new Template('{{y}}', { json: false }).render({ y: 'ok' }), 'ok');
}

/** A typed error: a BedrockConnectError (or TypeError) with a string code, a field and a hint. */
function assertTyped(e, label) {
  assert.ok(e instanceof BedrockConnectError || e instanceof TypeError, `${label}: ${e?.constructor?.name} ${e?.message}`);
  assert.equal(typeof e.code, 'string', `${label}: code of ${e.message}`);
  assert.ok(e.code.length > 0, label);
  assert.equal(typeof e.hint, 'string', label);
  assert.ok('field' in e, label);
  return e;
}

const bad = {
  'cyclic template variable': [() => template.render({ x: cyclic }), 'TEMPLATE_VALUE', 'variables.x'],
  'template variable nested 100,000 deep': [() => template.render({ x: veryDeep }), 'TEMPLATE_VALUE', 'variables.x'],
  'toJSON returning itself': [() => template.render({ x: selfJson }), 'TEMPLATE_VALUE', 'variables.x'],
  'throwing getter (variables)': [() => template.render(throwing), 'UNREADABLE_INPUT', 'variables'],
  'throwing getter (nested value)': [() => template.render({ x: throwing }), 'UNREADABLE_INPUT', 'variables.x'],
  'Proxy as variables': [() => template.render(trap), 'UNREADABLE_INPUT', 'variables'],
  'Proxy as a variable value': [() => template.render({ x: trap }), 'UNREADABLE_INPUT', 'variables.x'],
  'revoked Proxy as a value': [() => template.render({ x: revoked.proxy }), 'UNREADABLE_INPUT', 'variables.x'],
  'renderBytes, cyclic': [() => template.renderBytes({ x: cyclic }), 'TEMPLATE_VALUE', 'variables.x'],
  'JsonPath over a cyclic value': [() => path.query(cyclic), 'INVALID_JSON', 'input'],
  'JsonPath over a deep value': [() => path.queryLocated({ a: veryDeep }), 'INVALID_JSON', 'input'],
  'JsonPath over a Proxy': [() => path.query(trap), 'UNREADABLE_INPUT', 'input'],
  'JsonPath over a detached buffer': [() => path.query(detached), 'UNREADABLE_INPUT', 'input'],
  'JsonPath over a fake Uint8Array': [() => path.query(fakeBytes), 'UNREADABLE_INPUT', 'input'],
  'mapping over a cyclic body': [() => mapping.apply(cyclic), 'INVALID_JSON', 'body'],
  'mapping over a Proxy of bytes': [() => mapping.apply(new Proxy(new Uint8Array(4), { get() { throw new Error('trap'); } })), 'UNREADABLE_INPUT', 'body'],
  'mapping over a fake Uint8Array': [() => mapping.apply(fakeBytes), 'UNREADABLE_INPUT', 'body'],
  'mapping over a detached buffer': [() => mapping.apply(detached), 'UNREADABLE_INPUT', 'body'],
  'mapping with null headers of a Proxy': [() => mapping.apply('{}', trap), 'UNREADABLE_INPUT', 'headers'],
  'mapping with throwing entries()': [() => mapping.apply('{}', badHeaders), 'UNREADABLE_INPUT', 'headers'],
  'mapping with headers a number': [() => mapping.apply('{}', 5), 'INVALID_ARGUMENT_TYPE', 'headers'],
  'mapping with [null] headers': [() => mapping.apply('{}', [null]), 'INVALID_ARGUMENT_TYPE', 'headers'],
  'OutputMapping of a Proxy': [() => new OutputMapping(trap), 'UNREADABLE_INPUT', 'mapping'],
  'signRequest, getter on method': [() => signRequest(methodThrows), 'UNREADABLE_INPUT', 'method'],
  'signRequest, Proxy credentials': [() => sign({ credentials: trap }), 'UNREADABLE_INPUT', 'credentials.accessKeyId'],
  'signRequest, null credentials': [() => sign({ credentials: null }), 'INVALID_ARGUMENT_TYPE', 'credentials'],
  'signRequest, Proxy headers': [() => sign({ headers: trap }), 'UNREADABLE_INPUT', 'headers'],
  'signRequest, throwing iterable headers': [() => sign({ headers: [throwingIterable] }), 'UNREADABLE_INPUT', 'headers'],
  'signRequest, fake Date': [() => sign({ signingDate: fakeDate }), 'UNREADABLE_INPUT', 'signingDate'],
  'signRequest, revoked Proxy settings': [() => sign({ settings: revoked.proxy }), 'UNREADABLE_INPUT', 'settings.percentEncoding'],
  'signRequest, fake Uint8Array body': [() => sign({ body: fakeBytes, settings: {} }), 'UNREADABLE_INPUT', 'body'],
  'parseModelId, Proxy context': [() => parseModelId('amazon.titan-text-express-v1', trap), 'UNREADABLE_INPUT', 'region'],
  'policies, Proxy input': [() => policies(trap), 'UNREADABLE_INPUT', 'actions'],
};

for (const [label, [call, code, field]] of Object.entries(bad)) {
  test(`${label}: a typed error, 5,000 times, and the instance stays healthy`, () => {
    const before = internal.generation();
    for (let i = 0; i < 5000; i++) {
      let thrown = null;
      try {
        call();
      } catch (e) {
        thrown = e;
      }
      assert.ok(thrown, `${label}: no error`);
      if (i === 0) {
        assertTyped(thrown, label);
        assert.equal(thrown.code, code, `${label}: ${thrown.message}`);
        assert.equal(thrown.field, field, `${label}: ${thrown.message}`);
      }
    }
    healthy();
    assert.equal(internal.generation(), before, 'no instance was replaced: nothing panicked');
  });
}

test('client.test() with a cyclic variable settles with a typed error', async () => {
  const client = new BedrockClient({ region: 'us-east-1', credentials: creds, fetch: async () => new Response('{}') });
  const prompt = { get prompt() { throw new Error('getter boom'); } };
  for (const variables of [{ prompt: cyclic }, { prompt: veryDeep }, prompt, { prompt: trap }, trap]) {
    const out = await client.test({ modelId: 'amazon.titan-text-express-v1', template: '{"inputText": {{prompt}}}', variables });
    assert.equal(out.ok, false);
    assert.equal(typeof out.error.code, 'string');
    assert.ok(['TEMPLATE_VALUE', 'UNREADABLE_INPUT'].includes(out.error.code), out.error.code);
  }
  healthy();
});

test('signRequest: newlines, CR and empty methods are ConfigErrors naming the field (fast and general paths)', () => {
  const cases = [
    [{ method: 'GET\nX' }, 'method'],
    [{ method: 'GET\r' }, 'method'],
    [{ method: '' }, 'method'],
    [{ method: 'GET X' }, 'method'],
    [{ credentials: { ...creds, accessKeyId: 'AKID\nX' } }, 'credentials.accessKeyId'],
    [{ credentials: { ...creds, accessKeyId: 'AKID\r' } }, 'credentials.accessKeyId'],
    [{ credentials: { ...creds, accessKeyId: '' } }, 'credentials.accessKeyId'],
    [{ credentials: { ...creds, sessionToken: 'tok\r\nx-evil: 1' } }, 'credentials.sessionToken'],
    [{ headers: { 'x-a': 'b\nc' } }, 'headers'],
    [{ headers: { 'x-a': 'b\r' } }, 'headers'],
    [{ headers: { 'x-a\n': 'b' } }, 'headers'],
    [{ headers: [['x-a\r', 'b']] }, 'headers'],
    [{ region: 'us-east-1\n' }, 'region'],
    [{ service: 'bed\rrock' }, 'service'],
  ];
  for (const [input, field] of cases) {
    for (const general of [false, true]) {
      // `settings: {}` takes the general path (the fast path handles plain input only).
      const extra = general ? { ...input, settings: {} } : input;
      assert.throws(() => sign(extra), (e) => {
        assert.ok(e instanceof ConfigError, `${JSON.stringify(input)}: ${e}`);
        assert.equal(e.code, 'SIGNING_FAILED');
        assert.equal(e.field, field, `${JSON.stringify(input)} (general: ${general}): ${e.message}`);
        assert.ok(!e.message.includes('wJalrXUtnFEMI'), 'no secret in the message');
        return true;
      });
    }
  }
  healthy();
});

test('a panic rejects with INTERNAL_PANIC; objects made before it keep working on a fresh instance', async () => {
  const before = internal.generation();
  const t = new Template('{"p": "{{p}}"}');
  const p = new JsonPath('$..x');
  const m = new OutputMapping({ outputText: '$.t', inputTokens: '$.n' });
  assert.throws(() => internal.testPanic(0), (e) => {
    assert.ok(e instanceof BedrockConnectError);
    assert.equal(e.code, 'INTERNAL_PANIC');
    assert.match(e.message, /__testPanic: a deliberate panic/);
    assert.match(e.hint, /report/);
    return true;
  });
  assert.equal(internal.generation(), before, 'the fresh instance starts on the next call');
  assert.equal(t.render({ p: 'hi' }), '{"p": "hi"}');
  assert.equal(internal.generation(), before + 1);
  assert.deepEqual(p.query({ a: { x: 1 } }), [1]);
  assert.deepEqual(m.apply('{"t": "x", "n": 3}').inputTokens, 3);
  healthy();

  await assert.rejects(internal.testPanic(1), (e) => e.code === 'INTERNAL_PANIC');
  assert.equal(t.render({ p: 'again' }), '{"p": "again"}');
  assert.equal(internal.generation(), before + 2);
});

test('a BedrockClient keeps working across a panic; calls in flight on the dead instance reject', async () => {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  let block = false;
  const fetch = async () => {
    if (block) {
      block = false;
      await gate;
    }
    return new Response('{"outputText": "ok"}', { headers: { 'x-amzn-requestid': 'r1' } });
  };
  const cache = new CredentialCache();
  const client = new BedrockClient({ region: 'us-east-1', credentials: creds, fetch, credentialCache: cache });
  const body = { inputText: 'hi' };
  assert.equal((await client.invoke({ modelId: 'amazon.titan-text-express-v1', body: { inputText: 'warm' } }).catch((e) => e)).constructor.name, 'InvokeResult');
  block = true;
  const inFlight = client.invoke({ modelId: 'amazon.titan-text-express-v1', body });
  await new Promise((r) => setTimeout(r, 10));
  assert.throws(() => internal.testPanic(0), (e) => e.code === 'INTERNAL_PANIC');
  await assert.rejects(inFlight, (e) => e instanceof BedrockConnectError && e.code === 'INTERNAL_PANIC');
  release();
  // The dead instance's closures (the fetch's promise callbacks, the timeout timer) and finalizers
  // now run into it: they must neither throw nor call into it.
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = await client.invoke({ modelId: 'amazon.titan-text-express-v1', body });
  assert.equal(res.json().outputText, 'ok');
  const stream = client.invokeStream({ modelId: 'amazon.titan-text-express-v1', body });
  await assert.rejects(
    (async () => {
      for await (const _ of stream);
    })(),
    (e) => e instanceof BedrockConnectError && typeof e.code === 'string' && e.code !== 'INTERNAL_PANIC',
  );
  healthy();
});

test('found by fuzzing and review: unsendable URLs, odd stream pieces, hostile options, many variables', async () => {
  // signRequest signed URLs no request can use (http::Uri takes `host:abc` and other schemes).
  for (const bad of ['https://host:abc/x', 'khttps://a.example.com/', '://a.example.com/x', 'https://a.b:99999/', 'https://bedrock-[untime.example.com]/x']) {
    assert.throws(() => sign({ url: bad }), (e) => e.code === 'SIGNING_FAILED' && e.field === 'url', bad);
  }
  // A custom fetch whose body yields strings, numbers or garbage: a typed StreamError, not a glue TypeError.
  const fetchOf = (read) => async () => ({ status: 200, headers: new Headers(), body: { getReader: () => ({ read, cancel: async () => {} }) } });
  for (const read of [async () => ({ done: false, value: 'abc' }), async () => ({ done: false, value: 42 }), async () => 5]) {
    const client = new BedrockClient({ region: 'us-east-1', credentials: creds, fetch: fetchOf(read) });
    await assert.rejects(
      (async () => {
        for await (const _ of client.invokeStream({ modelId: 'amazon.titan-text-express-v1', body: {} }));
      })(),
      (e) => e instanceof BedrockConnectError && typeof e.code === 'string',
    );
  }
  // A Proxy as the client's options.
  const trapOptions = new Proxy({}, { get() { throw new Error('opt'); } });
  assert.throws(() => new BedrockClient(trapOptions), (e) => e.code === 'UNREADABLE_INPUT');
  // 20,000 distinct variables (parsing was quadratic).
  const src = `[${Array.from({ length: 20000 }, (_, i) => `{{v${i}}}`).join(',')}]`;
  const vars = Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`v${i}`, i]));
  assert.equal(JSON.parse(new Template(src).render(vars))[19999], 19999);
  healthy();
});

test('a dead instance: its finalizers and pending closures neither throw nor call into it', async () => {
  // Objects and closures alive in the instance when it dies: wasm objects, a call waiting on a
  // fetch that never answers (its promise callbacks are Rust closures).
  let objects = Array.from({ length: 200 }, () => new Template('{{a}}', { json: false }));
  let client = new BedrockClient({ region: 'us-east-1', credentials: creds, fetch: () => new Promise(() => {}) });
  let pending = client.invoke({ modelId: 'amazon.titan-text-express-v1', body: {} }).catch((e) => e.code);
  await new Promise((r) => setTimeout(r, 10));
  assert.throws(() => internal.testPanic(0), (e) => e.code === 'INTERNAL_PANIC');
  assert.equal(await pending, 'INTERNAL_PANIC');
  objects = client = pending = null;
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20)); // finalizers run here: a throw would end the process
  }
  healthy();
});

test('found by review: a Converse answer that is not JSON is the endpoint\'s fault (MALFORMED_RESPONSE)', async () => {
  const deep = `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`;
  for (const body of ['<html>502 Bad Gateway</html>', deep]) {
    const client = new BedrockClient({ region: 'us-east-1', credentials: creds, fetch: async () => new Response(body, { headers: { 'x-amzn-requestid': 'r-1' } }) });
    await assert.rejects(client.converse({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [] }), (e) => {
      assert.equal(e.code, 'MALFORMED_RESPONSE');
      assert.equal(e.constructor.name, 'NetworkError');
      assert.equal(e.requestId, 'r-1');
      return true;
    });
  }
});

test('a stream being read when the instance dies rejects with INTERNAL_PANIC and cancels its body', async () => {
  let cancelled = false;
  let push;
  const body = new ReadableStream({
    start(controller) {
      push = (bytes) => controller.enqueue(bytes);
    },
    cancel() {
      cancelled = true;
    },
  });
  const client = new BedrockClient({ region: 'us-east-1', credentials: creds, fetch: async () => new Response(body, { headers: { 'content-type': 'application/vnd.amazon.eventstream' } }) });
  const events = client.invokeStream({ modelId: 'amazon.titan-text-express-v1', body: {} })[Symbol.asyncIterator]();
  const first = events.next();
  await new Promise((r) => setTimeout(r, 10));
  assert.throws(() => internal.testPanic(0), (e) => e.code === 'INTERNAL_PANIC');
  push(new Uint8Array(16));
  await assert.rejects(first, (e) => e.code === 'INTERNAL_PANIC');
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(cancelled, 'the response body was cancelled');
  healthy();
});

test('odd answers from a custom fetch: an AWS error type is read as the SDKs read it; a non-Response says so', async () => {
  const client = (answer) => new BedrockClient({ region: 'us-east-1', credentials: creds, retry: { maxAttempts: 1 }, fetch: async () => answer() });
  const call = (c) => c.invoke({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body: { messages: [] } });
  const weird = () => new Response('{"message":"bad body"}', { status: 503, headers: { 'x-amzn-errortype': 'com.amazon#ValidationException&#' } });
  await assert.rejects(call(client(weird)), (e) => e.code === 'ValidationException' && e.field === 'body');
  await assert.rejects(call(client(() => 42)), (e) => e.code === 'NETWORK' && /not a Response/.test(e.message));
});
