// Wasm memory stays flat: 100,000 invokes, 100,000 streams (whole, broken off, ending in an
// exception frame) through one client, and 100,000 Templates / JsonPaths left to the GC. An
// in-memory `fetch` answers, so each run takes seconds; memory is read after a warm-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BedrockClient, Template, JsonPath, ready } from '../../pkg/node.mjs';
import { eventMessage, exceptionMessage } from '../../simulator/eventstream.js';

const internal = ready[Symbol.for('bedrock-connect.internal')];
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const N = 100_000;
const WARM = 10_000;

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const MODEL = 'amazon.titan-text-express-v1';
const chunk = (text) => eventMessage('chunk', { bytes: Buffer.from(JSON.stringify({ outputText: text })).toString('base64') });
const whole = Buffer.concat([chunk('Hello'), chunk(' world'), chunk('!')]);
const failing = Buffer.concat([chunk('Hello'), exceptionMessage('modelStreamErrorException', { message: 'model failed' })]);
const streamHeaders = { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-1' };

/** Runs `step(i)` N times; returns the memory after the warm-up and at the end. */
async function measure(step) {
  let warm = 0;
  for (let i = 0; i < N; i++) {
    await step(i);
    if (i === WARM) {
      gc();
      warm = internal.memoryBytes();
    }
  }
  gc();
  await new Promise((r) => setTimeout(r, 10));
  return { warm, end: internal.memoryBytes() };
}

test('100,000 invokes through one client keep wasm memory flat', async () => {
  const client = new BedrockClient({
    region: 'us-east-1',
    credentials: creds,
    fetch: async () => new Response('{"outputText":"hi"}', { headers: { 'x-amzn-requestid': 'r', 'x-amzn-bedrock-input-token-count': '3', 'x-amzn-bedrock-output-token-count': '1' } }),
  });
  const { warm, end } = await measure(async () => {
    const res = await client.invoke({ modelId: MODEL, body: { inputText: 'hi' } });
    assert.equal(res.status, 200);
  });
  assert.equal(end, warm, `grew ${end - warm} bytes`);
});

test('100,000 streams (whole, broken off, ending in an exception frame) keep wasm memory flat', async () => {
  let n = 0;
  const client = new BedrockClient({
    region: 'us-east-1',
    credentials: creds,
    fetch: async () => new Response(n % 3 === 2 ? failing : whole, { headers: streamHeaders }),
  });
  const { warm, end } = await measure(async (i) => {
    n = i;
    const stream = client.invokeStream({ modelId: MODEL, body: { inputText: 'hi' } });
    let text = '';
    try {
      for await (const ev of stream) {
        if (ev.text) text += ev.text;
        if (i % 3 === 1) break;
      }
      assert.equal(text, i % 3 === 1 ? 'Hello' : 'Hello world!');
    } catch (e) {
      assert.equal(i % 3, 2, `${e}`);
      assert.equal(e.code, 'modelStreamErrorException');
    }
  });
  assert.equal(end, warm, `grew ${end - warm} bytes`);
});

test('100,000 Templates and JsonPaths left to the GC keep wasm memory flat', async () => {
  const { warm, end } = await measure(async (i) => {
    const t = new Template('{"prompt": {{prompt}}, "n": {{n}}}');
    const p = new JsonPath('$.results[0].outputText');
    if (i % 1000 === 0) {
      assert.equal(t.render({ prompt: 'x', n: i }), `{"prompt": "x", "n": ${i}}`);
      assert.deepEqual(p.query('{"results":[{"outputText":"y"}]}'), ['y']);
      gc();
      await new Promise((r) => setTimeout(r, 0)); // lets the FinalizationRegistry run
    }
  });
  assert.equal(end, warm, `grew ${end - warm} bytes`);
});
