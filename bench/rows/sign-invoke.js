// bench/rows/sign-invoke.js — row 1c: sign a 64 KiB InvokeModel request inside the async call (sign + send to a stub fetch + read the JSON answer); Node and the browser page.
import { AwsClient } from 'aws4fetch';
import { N, REGION, URL_, credentials, makeInputs } from './sign.js';

const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';
// What ours sends on an invoke; aws4fetch gets the same headers (`allHeaders: true` signs them all).
const HEADERS = { 'content-type': 'application/json', accept: 'application/json', 'x-amz-user-agent': 'bedrock-connect/0.1.0' };
// A tiny Claude answer, as Bedrock sends it.
const ANSWER = new TextEncoder().encode(JSON.stringify({
  id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-3-haiku-20240307',
  content: [{ type: 'text', text: 'Hello.' }], stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 3 },
}));
const ANSWER_HEADERS = {
  'content-type': 'application/json', 'x-amzn-requestid': '5b0c4f3e-1f2a-4c6b-9d7e-000000000001',
  'x-amzn-bedrock-input-token-count': '12', 'x-amzn-bedrock-output-token-count': '3', 'x-amzn-bedrock-invocation-latency': '250',
};
/** A fresh canned answer per call (a Response body reads once), resolved at once. */
const answer = () => Promise.resolve(new Response(ANSWER, { status: 200, headers: ANSWER_HEADERS }));

/**
 * ctx: { ours: the bedrock-connect module, env: 'node' | 'browser' }. Ours: `client.invoke({ modelId, body })`
 * with static credentials and a stub `fetch` option, then `.json()`; aws4fetch: `AwsClient.fetch()` of the
 * same URL, headers and body through a stub global `fetch`, then `.json()`. Both sign with the input's date.
 */
export function signInvokeRows(ctx) {
  const { ours, env } = ctx;
  const inputs = makeInputs(65536);
  let ourDate = 0;
  let ourAuthorization = null;
  const client = new ours.BedrockClient({
    region: REGION, credentials, now: () => ourDate,
    fetch: (url, init) => {
      ourAuthorization = init.headers.authorization;
      return answer();
    },
  });
  let theirAuthorization = null;
  const stubFetch = (request) => {
    theirAuthorization = request.headers.get('authorization');
    return answer();
  };
  const aws = new AwsClient({ ...credentials, service: 'bedrock', region: REGION, retries: 0 });
  const normalize = (out) => [out.authorization, out.json.content[0].text];
  const invoke = async (i) => {
    ourDate = inputs[i].date.getTime();
    const res = await client.invoke({ modelId: MODEL_ID, body: inputs[i].body });
    return { authorization: ourAuthorization, json: res.json() };
  };
  // In the page: ours again with crypto.subtle hidden (as in an insecure context), so the body is hashed in wasm.
  const withoutSubtle = env === 'browser' ? [{
    name: 'bedrock-connect invoke(), no crypto.subtle',
    run: async (i) => {
      Object.defineProperty(globalThis.crypto, 'subtle', { get: () => undefined, configurable: true });
      try {
        return await invoke(i);
      } finally {
        delete globalThis.crypto.subtle;
      }
    },
    normalize,
  }] : [];
  return [{
    id: 'sign-invoke-64k',
    group: 'sign-invoke',
    title: '1c. SigV4-sign InvokeModel inside the async call, 64 KiB JSON body (bytes), session token: sign + send (stub fetch) + read the JSON answer',
    note: env === 'node'
      ? 'ours hashes the body with node:crypto (synchronous); aws4fetch with Node\'s WebCrypto'
      : 'ours awaits WebCrypto for the body hash (bodies ≥ 8 KiB; the "no crypto.subtle" line hashes in wasm), aws4fetch for every hash and HMAC',
    inputs: N,
    candidates: [
      {
        name: 'bedrock-connect invoke()',
        ours: true,
        run: invoke,
        normalize,
      },
      ...withoutSubtle,
      {
        name: 'aws4fetch AwsClient.fetch()',
        run: async (i) => {
          const real = globalThis.fetch; // aws4fetch calls the global fetch
          globalThis.fetch = stubFetch;
          try {
            const res = await aws.fetch(URL_, { method: 'POST', headers: HEADERS, body: inputs[i].body, aws: { datetime: inputs[i].amz, allHeaders: true } });
            return { authorization: theirAuthorization, json: await res.json() };
          } finally {
            globalThis.fetch = real;
          }
        },
        normalize,
      },
    ],
    targets: env === 'browser' ? [{ peer: 'aws4fetch AwsClient.fetch()', min: 1 }] : [],
  }];
}
