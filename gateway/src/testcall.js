// The Test routes (draft and stored connection): the package's test() result with secrets
// redacted, as JSON or as SSE (each delta as it arrives, then `done` with the same object).
import { json } from './http.js';
import { clientFor, gatewayField, platform } from './aws.js';
import { outputMapping } from './checks.js';
import { sseHeaders, sseBytes } from './sse.js';

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
  const wantsSse = call.stream && (request.headers.get('accept') ?? '').includes('text/event-stream');
  if (!wantsSse) return json(200, await runTest({ env, log, target, shared, call }));
  // SSE: each delta is written as the package reads it (test()'s onDelta), then `done` or `error`.
  const { readable, writable } = new TransformStream();
  const writer = writable.getWriter();
  const send = (name, data) => writer.write(sseBytes(name, data)).catch(() => {});
  const onDelta = (text) => send('delta', { text: redact(text, env) });
  (async () => {
    try {
      const result = await runTest({ env, log, target, shared, call, onDelta });
      await (result.ok ? send('done', result) : send('error', { error: result.error }));
    } catch (err) {
      await send('error', { error: { code: 'INTERNAL', message: 'the Test call failed inside the gateway', hint: 'Retry; if it persists, report it.', field: null } });
      log.code = 'INTERNAL';
      console.error(JSON.stringify({ level: 'error', operation: 'test', error: String(err?.name ?? 'Error') }));
    } finally {
      await writer.close().catch(() => {});
    }
  })();
  return new Response(readable, { status: 200, headers: sseHeaders() });
}

/** The package's test() with the gateway's secrets redacted and its field names. */
async function runTest({ env, log, target, shared, call, onDelta }) {
  const client = clientFor(env, target, { shared, trace: log });
  let result;
  try {
    const { modelId, template, mapping, variables, stream } = call;
    const options = { modelId, variables: variables ?? {}, stream };
    if (template !== undefined) options.template = template;
    if (mapping !== undefined) options.mapping = outputMapping(mapping);
    if (stream && onDelta) options.onDelta = onDelta;
    result = redact(await client.test(options), env);
  } finally {
    client.free();
  }
  if (result.error) result.error = { ...result.error, field: gatewayField(result.error.field) };
  if (!result.ok) log.code = result.error?.code;
  return result;
}
