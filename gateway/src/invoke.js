// Invoke on a stored connection: its template rendered with `variables`, its mapping applied;
// plain JSON, or SSE (`delta` per text delta, then `done` with usage and latency, or `error`).
import { Template, OutputMapping } from '../../pkg/workerd.js';
import { json, readJson, onlyFields, obj, MAX_INVOKE_BYTES } from './http.js';
import { bearer, sha256Hex, sameSecret, unauthorized, forbidden, isAdmin } from './auth.js';
import { clientFor, toGatewayError, publicError } from './aws.js';
import { outputMapping } from './checks.js';
import { loadRow, targetOf } from './routes.js';
import { sseHeaders, sseBytes } from './sse.js';

/** 401 without a token; 403 unless it is the admin token or this connection's key. Nothing reaches AWS before. */
async function authorize(request, env, row) {
  const token = bearer(request);
  if (!token) throw unauthorized();
  if (await isAdmin(token, env)) return 'admin';
  if (await sameSecret(await sha256Hex(token), row.key_hash)) return 'key';
  throw forbidden("this connection's key");
}

/** The stored template rendered with the variables (400/422 with the template's diagnostic). */
function render(row, variables) {
  let template;
  try {
    template = new Template(row.template);
    return template.render(variables);
  } catch (err) {
    const error = toGatewayError(err);
    if (err.code === 'TEMPLATE_MISSING_VARIABLES' && template) {
      error.hint = `This connection's template takes ${template.variables.map((v) => `"${v}"`).join(', ')}: send each in "variables" (a flat "a.b" key or a nested object).`;
    }
    throw error;
  } finally {
    template?.free();
  }
}

export async function invoke(ctx) {
  const { request, env, params, url, log } = ctx;
  log.connection = params.id;
  log.operation = 'invoke';
  if (!bearer(request)) throw unauthorized();
  const row = await loadRow(env, params.id);
  log.auth = await authorize(request, env, row);
  const body = await readJson(request, MAX_INVOKE_BYTES);
  onlyFields(body, ['variables']);
  const variables = obj(body, 'variables') ?? {};
  if (env.LOG_PROMPTS === '1') log.variables = variables;
  const rendered = render(row, variables);
  const wantsSse = url.searchParams.get('stream') === '1' || (request.headers.get('accept') ?? '').includes('text/event-stream');
  return wantsSse ? invokeStream(ctx, row, rendered) : invokePlain(ctx, row, rendered);
}

async function invokePlain({ env, log }, row, rendered) {
  const client = clientFor(env, targetOf(row), { trace: log });
  const mapping = new OutputMapping(outputMapping(JSON.parse(row.mapping)));
  try {
    const res = await client.invoke({ modelId: row.model_id, body: rendered });
    const mapped = mapping.apply(res.body, res.headers);
    const out = {
      outputText: mapped.outputText,
      inputTokens: mapped.inputTokens ?? res.usage?.inputTokens ?? null,
      outputTokens: mapped.outputTokens ?? res.usage?.outputTokens ?? null,
      latencyMs: res.latencyMs,
      requestId: res.requestId,
      modelId: row.model_id,
    };
    // Prompt-cache counts, when the model reported them (the mapping's paths, else the usage headers).
    for (const key of ['cacheReadInputTokens', 'cacheWriteInputTokens']) {
      const n = mapped[key] ?? res.usage?.[key];
      if (typeof n === 'number') out[key] = n;
    }
    if (res.invokedModelId) out.invokedModelId = res.invokedModelId; // a prompt router's choice
    if (env.LOG_PROMPTS === '1') log.outputText = out.outputText;
    return json(200, out);
  } catch (err) {
    throw toGatewayError(err);
  } finally {
    mapping.free();
    client.free();
  }
}

/** Opens the stream first (so a refused request is a plain HTTP error), then pipes events as SSE. */
async function invokeStream(ctx, row, rendered) {
  const { env, log } = ctx;
  const started = Date.now();
  const client = clientFor(env, targetOf(row), { trace: log });
  const mapping = JSON.parse(row.mapping);
  const options = { modelId: row.model_id, body: rendered };
  if (typeof mapping.delta === 'string') options.delta = mapping.delta;
  const events = client.invokeStream(options)[Symbol.asyncIterator]();
  let first;
  try {
    first = await events.next();
  } catch (err) {
    client.free();
    throw toGatewayError(err);
  }
  const { readable, writable } = new TransformStream();
  log.deferred = true;
  const pumping = pump({ events, first, writer: writable.getWriter(), row, started, log, env }).finally(() => {
    client.free();
    ctx.finish(200);
  });
  ctx.waitUntil(pumping);
  return new Response(readable, { status: 200, headers: sseHeaders() });
}

async function pump({ events, first, writer, row, started, log, env }) {
  let text = '';
  let metrics = null;
  let step = first;
  try {
    while (!step.done) {
      const ev = step.value;
      if (ev.type === 'metrics') metrics = ev;
      else if (typeof ev.text === 'string' && ev.text.length > 0) {
        text += ev.text;
        await writer.write(sseBytes('delta', { text: ev.text }));
      }
      step = await events.next();
    }
    const done = {
      outputText: text,
      inputTokens: metrics?.usage?.inputTokens ?? null,
      outputTokens: metrics?.usage?.outputTokens ?? null,
      latencyMs: Date.now() - started,
      serverLatencyMs: metrics?.latencyMs ?? null,
      requestId: log.awsRequestId ?? null,
      modelId: row.model_id,
    };
    for (const key of ['cacheReadInputTokens', 'cacheWriteInputTokens']) {
      if (typeof metrics?.usage?.[key] === 'number') done[key] = metrics.usage[key];
    }
    if (metrics?.invokedModelId) done.invokedModelId = metrics.invokedModelId;
    if (env.LOG_PROMPTS === '1') log.outputText = text;
    await writer.write(sseBytes('done', done));
  } catch (err) {
    log.code = err?.code ?? 'STREAM_FAILED';
    log.outcome = 'error';
    const error = err?.code ? publicError(err) : { code: 'STREAM_FAILED', message: 'the stream stopped', hint: 'Retry the request.', field: null };
    await writer.write(sseBytes('error', { error })).catch(() => {});
    await events.return?.().catch(() => {});
  } finally {
    await writer.close().catch(() => {});
  }
}

