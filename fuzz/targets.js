// Owns the fuzz targets: for each public entry point, how to make an input from seeds and how to
// run it through the shipped .wasm (pkg/node.mjs). Network targets answer from an in-memory fetch.
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  Template,
  JsonPath,
  OutputMapping,
  BedrockClient,
  signRequest,
  parseModelId,
  presets,
} from '../pkg/node.mjs';
import { mutateString, mutateBytes, jsValue, concat } from './lib.js';
import { eventMessage, exceptionMessage, errorMessage, encodeMessage } from '../simulator/eventstream.js';

const fixtures = new URL('../tests/fixtures/', import.meta.url);
const json = (dir) => readdirSync(new URL(dir, fixtures)).map((f) => readFileSync(new URL(`${dir}${f}`, fixtures), 'utf8'));
const responses = json('responses/');
const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

const templates = [
  ...Object.values(presets).map((p) => p.template),
  '{"a": {{x}}, "s": "{{x}}", "n": {{ n.m }}}',
  'Human: {{prompt}}\n\nAssistant:',
  '{"list": [{{a}}, {{b}}], "o": {"k": "{{c}} and {{c}}"}}',
];
const paths = [
  ...Object.values(presets).flatMap((p) => Object.values(p.mapping)).filter((p) => typeof p === 'string'),
  '$', '$.a', '$..x', '$[*]', '$[0:3:2]', '$[-1]', "$['a b']", '$.a[?@.b > 2]', "$[?match(@.t, '[a-z]+')]",
  "$[?search(@, 'x')]", '$[?length(@) == 3]', "$[?count(@.*) > 1 && value(@.v) == 'x']", '$.a["\\u00e9"]', '$..*',
];
const docs = [...responses, '{"a": [1, 2, {"b": 3, "x": "y"}], "x": {"x": null}}', '[]', '{}', '"s"', '1e400', '[9007199254740993]'];
const modelIds = [
  MODEL, 'amazon.titan-text-express-v1', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
  'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1',
  'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-1b-instruct-v1:0',
  'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3',
  'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123', 'bedrock:provisioned-model-inference/abc',
  'arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint', 'arn:aws:bedrock:us-east-1:123456789012:imported-model/x1',
  'arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1',
];
const signSeeds = ['GET', 'POST', 'https://bedrock-runtime.us-east-1.amazonaws.com/model/m%3A0/invoke?a=b&c', 'us-east-1', 'bedrock', 'content-type', 'application/json', 'AKIDEXAMPLE', 'tok'];
const stsXml = readFileSync(new URL('./seeds/assume-role.xml', import.meta.url), 'utf8');
const stsSeeds = [stsXml, '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error><RequestId>r</RequestId></ErrorResponse>'];
const errorBodies = [
  '{"message": "Malformed input request"}', '{"Message": "Too many requests"}', '{"__type": "com.amazon#ValidationException", "message": "x"}',
  '<html><body>502 Bad Gateway</body></html>', '', '{"message": null}', '[1]',
];
const errorTypes = ['ValidationException', 'ThrottlingException', 'AccessDeniedException', 'ResourceNotFoundException', 'ExpiredTokenException', '', 'x:y', 'ModelStreamErrorException'];

const chunk = (obj) => eventMessage('chunk', { bytes: Buffer.from(JSON.stringify(obj)).toString('base64') });
const streams = JSON.parse(readFileSync(new URL('streams/anthropic.json', fixtures), 'utf8'));
const streamSeeds = [
  concat(...streams.chunks.map(chunk)),
  concat(chunk({ type: 'content_block_delta', delta: { text: 'Hi' } }), exceptionMessage('modelStreamErrorException', { message: 'x' })),
  concat(chunk({ type: 'content_block_delta', delta: { text: 'Hi' } }), errorMessage('InternalFailure', 'boom')),
  encodeMessage({ headers: { ':message-type': { type: 'string', value: 'event' } }, payload: Buffer.from('{}') }),
].map((b) => Uint8Array.from(b));

/** One client per target whose fetch answers the current input (`shared.answer`). */
function sharedClient() {
  const shared = { answer: null, calls: 0 };
  shared.client = new BedrockClient({
    region: 'us-east-1',
    credentials: creds,
    retry: { maxAttempts: 1 },
    fetch: async (url, init) => {
      if (++shared.calls > 20) throw new Error('more than 20 requests for one input');
      return shared.answer(url, init);
    },
  });
  return shared;
}
const streamClient = sharedClient();
const errorClient = sharedClient();

/** A client whose fetch answers `answer(url, init)`; at most `max` requests per input (a loop is a finding). */
function fakeClient(extra, answer, max = 20) {
  const state = { calls: 0 };
  const client = new BedrockClient({
    region: 'us-east-1',
    credentials: creds,
    retry: { maxAttempts: 1 },
    fetch: async (url, init) => {
      if (++state.calls > max) throw Object.assign(new Error(`more than ${max} requests for one input`), { loop: true });
      return answer(url, init);
    },
    ...extra,
  });
  return { client, state };
}

const noteLoop = (e, input, note) => {
  if (/more than \d+ requests/.test(e.message)) note('loop', input, e.message);
};

/**
 * A mutated JSONPath, with at most 6 filters: deeper filter nesting compiles in exponential time
 * (a known open bug, reported; one such input blocks a run for minutes).
 */
function mutatedPath(r) {
  for (;;) {
    const path = r.chance(0.8) ? mutateString(r, r.pick(paths), paths) : r.pick(paths);
    if ((path.match(/\?/g) ?? []).length <= 6) return path;
  }
}

export const targets = {
  template: {
    input: (r) => ({
      source: r.chance(0.7) ? mutateString(r, r.pick(templates), templates) : r.pick(templates),
      json: r.chance(0.8),
      vars: r.chance(0.5) ? { prompt: jsValue(r), x: jsValue(r), n: { m: jsValue(r) }, a: jsValue(r), b: jsValue(r), c: jsValue(r), system: { prompt: jsValue(r) } } : jsValue(r),
      bytes: r.chance(0.3),
    }),
    run: ({ source, json, vars, bytes }) => {
      const t = new Template(source, { json });
      try {
        const out = bytes ? t.renderBytes(vars) : t.render(vars);
        if (json && !bytes) JSON.parse(out); // a JSON template renders valid JSON, or throws
      } finally {
        t.free();
      }
    },
    healthy: () => new Template('{"a": {{a}}}').render({ a: 1 }),
  },
  jsonpath: {
    input: (r) => {
      const doc = r.chance(0.6) ? mutateString(r, r.pick(docs), docs) : r.pick(docs);
      const form = r.int(4);
      return {
        path: mutatedPath(r),
        doc: form === 0 ? doc : form === 1 ? new TextEncoder().encode(doc) : form === 2 ? jsValue(r) : safeParse(doc),
        located: r.chance(0.3),
      };
    },
    run: ({ path, doc, located }) => {
      const p = new JsonPath(path);
      try {
        return located ? p.queryLocated(doc) : p.query(doc);
      } finally {
        p.free();
      }
    },
    healthy: () => new JsonPath('$.a').query('{"a":1}'),
  },
  mapping: {
    input: (r) => ({
      spec: { outputText: mutatedPath(r), inputTokens: r.chance(0.5) ? r.pick(paths) : undefined, extra: r.chance(0.2) ? r.pick(paths) : undefined },
      body: r.chance(0.5) ? new TextEncoder().encode(mutateString(r, r.pick(docs), docs)) : mutateString(r, r.pick(docs), docs),
      headers: r.chance(0.7) ? { 'x-amzn-bedrock-input-token-count': mutateString(r, '12', signSeeds) } : jsValue(r),
    }),
    run: ({ spec, body, headers }) => {
      const m = new OutputMapping(spec);
      try {
        return m.apply(body, headers);
      } finally {
        m.free();
      }
    },
    healthy: () => new OutputMapping({ outputText: '$.t' }).apply('{"t":"x"}'),
  },
  modelid: {
    input: (r) => ({ id: r.chance(0.9) ? mutateString(r, r.pick(modelIds), modelIds) : jsValue(r), context: r.chance(0.5) ? { region: r.pick(['us-east-1', 'eu-west-1', '', 'x\ny']), accountId: r.pick(['123456789012', undefined, '1']) } : jsValue(r) }),
    run: ({ id, context }) => parseModelId(id, context),
    healthy: () => parseModelId(MODEL),
  },
  sign: {
    input: (r) => {
      const s = () => (r.chance(0.3) ? mutateString(r, r.pick(signSeeds), signSeeds) : r.pick(signSeeds));
      const headers = {};
      for (let i = 0, n = r.int(4); i < n; i++) headers[s()] = s();
      return {
        method: r.chance(0.7) ? r.pick(['GET', 'POST', 'put']) : s(),
        url: r.chance(0.5) ? signSeeds[2] : s(),
        region: r.chance(0.7) ? 'us-east-1' : s(),
        service: r.chance(0.7) ? 'bedrock' : s(),
        credentials: r.chance(0.8) ? { ...creds, accessKeyId: r.chance(0.7) ? creds.accessKeyId : s(), sessionToken: r.chance(0.3) ? s() : undefined } : jsValue(r),
        headers: r.chance(0.8) ? headers : jsValue(r),
        body: r.pick([undefined, '{}', 'x'.repeat(r.int(3000)), new Uint8Array(r.int(2000)), jsValue(r)]),
        signingDate: r.pick([undefined, 0, Date.now(), new Date(), -1, 1e20, NaN, jsValue(r)]),
        settings: r.chance(0.7) ? undefined : { percentEncoding: r.pick(['single', 'double', 'x']), location: r.pick(['query', 'headers', undefined]), expiresIn: r.pick([undefined, 60, -1, 1e12]), excludedHeaders: r.pick([undefined, ['host'], 'x']) },
      };
    },
    run: (input) => {
      const out = signRequest(input);
      // A success is a whole answer: a method token, an absolute URL, header names without newlines.
      if (!/^[A-Z!#$%&'*+.^_`|~0-9-]+$/.test(out.method) || !URL.canParse(out.url)) throw new Error(`garbage returned as success: ${JSON.stringify(out).slice(0, 200)}`);
      for (const [k, v] of Object.entries(out.headers)) if (/[\r\n]/.test(k + v)) throw new Error('a newline in a signed header');
    },
    healthy: () => signRequest({ url: signSeeds[2], region: 'us-east-1', service: 'bedrock', credentials: creds }),
  },
  sts: {
    input: (r) => ({ xml: r.chance(0.9) ? mutateString(r, r.pick(stsSeeds), stsSeeds) : r.pick(stsSeeds), status: r.chance(0.8) ? 200 : r.pick([400, 403, 500, 503]) }),
    run: async ({ xml, status }) => {
      const { client } = fakeClient({ assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/R', externalId: 'e' } }, async () => new Response(xml, { status, headers: { 'content-type': 'text/xml' } }), 10);
      await client.checkRole();
    },
    check: noteLoop,
    healthy: () => parseModelId(MODEL),
  },
  eventstream: {
    input: (r) => ({ body: mutateBytes(r, r.pick(streamSeeds)), pieces: 1 + r.int(6) }),
    run: async ({ body, pieces }) => {
      streamClient.calls = 0;
      streamClient.answer = async () => new Response(split(body, pieces), { headers: { 'content-type': 'application/vnd.amazon.eventstream' } });
      const client = streamClient.client;
      for await (const _ of client.invokeStream({ modelId: MODEL, body: { messages: [] } }));
    },
    check: noteLoop,
    healthy: () => parseModelId(MODEL),
  },
  // The same bodies over a real socket (127.0.0.1), written in pieces with a flush between them.
  'eventstream-server': {
    input: (r) => ({ body: mutateBytes(r, r.pick(streamSeeds)), pieces: 1 + r.int(6) }),
    run: async ({ body, pieces }) => {
      const server = await localServer();
      server.current = { body, pieces };
      for await (const _ of server.client.invokeStream({ modelId: MODEL, body: { messages: [] } }));
    },
    healthy: () => parseModelId(MODEL),
  },
  errors: {
    input: (r) => ({
      status: r.pick([400, 403, 404, 408, 424, 429, 500, 502, 503, 504, 200]),
      body: r.chance(0.8) ? mutateString(r, r.pick(errorBodies), errorBodies) : r.pick(errorBodies),
      type: r.chance(0.7) ? r.pick(errorTypes) : mutateString(r, r.pick(errorTypes), errorTypes),
    }),
    run: async ({ status, body, type }) => {
      const headers = { 'x-amzn-requestid': 'req-1' };
      if (type) headers['x-amzn-errortype'] = type;
      let ok = true;
      try {
        headers['content-type'] = 'application/json';
      } catch {
        ok = false;
      }
      errorClient.calls = 0;
      errorClient.answer = async () => new Response(body, { status, headers: ok ? headers : {} });
      await errorClient.client.invoke({ modelId: MODEL, body: { messages: [] } });
    },
    check: (e, input, note) => {
      noteLoop(e, input, note);
      if (e.code === '') note('empty-code', input, e.message);
    },
    healthy: () => parseModelId(MODEL),
  },
};

let server = null;
/** A loopback server answering each request with `current.body` in `current.pieces` writes. */
async function localServer() {
  if (server) return server;
  const state = { current: null };
  const http = createServer(async (req, res) => {
    req.resume();
    const { body, pieces } = state.current;
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'fuzz' });
    const step = Math.max(1, Math.ceil(body.length / pieces));
    for (let at = 0; at < body.length; at += step) {
      res.write(body.subarray(at, at + step));
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  http.unref();
  const url = `http://127.0.0.1:${http.address().port}`;
  state.client = new BedrockClient({ region: 'us-east-1', credentials: creds, endpoint: url, retry: { maxAttempts: 1 } });
  server = state;
  return server;
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A body as a ReadableStream of `n` pieces (cut anywhere: inside frames, headers, CRCs). */
function split(bytes, n) {
  const cuts = [0];
  for (let i = 1; i < n; i++) cuts.push(Math.floor((bytes.length * i) / n));
  cuts.push(bytes.length);
  let k = 0;
  return new ReadableStream({
    pull(controller) {
      if (k + 1 >= cuts.length) return controller.close();
      controller.enqueue(bytes.slice(cuts[k], cuts[k + 1]));
      k++;
    },
  });
}
