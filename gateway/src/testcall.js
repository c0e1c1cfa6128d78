// The Test routes (draft and stored connection): the package's test() result with secrets
// redacted, as JSON or as SSE (the stream's deltas, then `done` with the same object).
import { JsonPath, presetFor } from '../../pkg/workerd.js';
import { json } from './http.js';
import { clientFor, gatewayField, platform } from './aws.js';
import { outputMapping } from './checks.js';
import { sseHeaders, sseEvent } from './sse.js';

/** Replaces every occurrence of the gateway's secrets in a JSON-able value. */
export function redact(value, env) {
  const secrets = [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.AWS_ACCESS_KEY_ID, env.ADMIN_TOKEN].filter((s) => typeof s === 'string' && s.length >= 8);
  let text = JSON.stringify(value);
  for (const s of secrets) text = text.split(JSON.stringify(s).slice(1, -1)).join('[redacted]');
  return JSON.parse(text);
}

/** Runs test() and answers it (200 even when the call failed: `ok: false` with the diagnostic). */
export async function testAnswer({ request, env, log, target, shared, call }) {
  log.operation = 'test';
  platform(env);
  const client = clientFor(env, target, { shared, trace: log });
  let result;
  try {
    const { modelId, template, mapping, variables, stream } = call;
    const options = { modelId, variables: variables ?? {}, stream };
    if (template !== undefined) options.template = template;
    if (mapping !== undefined) options.mapping = outputMapping(mapping);
    result = redact(await client.test(options), env);
  } finally {
    client.free();
  }
  if (result.error) result.error = { ...result.error, field: gatewayField(result.error.field) };
  if (!result.ok) log.code = result.error?.code;
  const wantsSse = call.stream && (request.headers.get('accept') ?? '').includes('text/event-stream');
  if (!wantsSse) return json(200, result);
  return new Response(sseBody(result, call), { status: 200, headers: sseHeaders() });
}

/** `delta` per streamed chunk's text, then `done` (or `error`). */
function sseBody(result, call) {
  if (!result.ok) return sseEvent('error', { error: result.error });
  let text = '';
  for (const delta of deltas(result, call)) text += sseEvent('delta', { text: delta });
  return text + sseEvent('done', result);
}

/** The text deltas of the chunks test() received (its response body is the array of chunk JSONs). */
function deltas(result, call) {
  const path = call.mapping?.delta ?? presetDelta(call.modelId);
  if (!path || !result.response?.body) return [];
  let chunks;
  try {
    chunks = JSON.parse(result.response.body);
  } catch {
    return [];
  }
  if (!Array.isArray(chunks)) return [];
  const query = new JsonPath(path);
  try {
    return chunks.map((chunk) => query.query(chunk).filter((v) => typeof v === 'string').join('')).filter((t) => t.length > 0);
  } finally {
    query.free();
  }
}

function presetDelta(modelId) {
  return presetFor(modelId)?.mapping.delta ?? null;
}

