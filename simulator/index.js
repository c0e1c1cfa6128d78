// Local AWS simulator (STS AssumeRole, Bedrock InvokeModel / InvokeModelWithResponseStream / Converse / ConverseStream,
// ListFoundationModels, inference profiles) on one loopback HTTP server, with SigV4 verification, error injection
// (HTTP errors and mid-stream event-stream frames), an injectable clock, stats, admin endpoints, CORS and static files.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, defaultStreamConfig, ERROR_PRESETS } from './config.js';
import { headersFromRaw, parseQuery, splitUrl } from './sigv4.js';
import { authenticate, callerAccount, callerArn, isAllowed, scpDenies } from './auth.js';
import { assumeRole, stsErrorXml } from './sts.js';
import * as bedrock from './bedrock.js';
import { serveStatic } from './static.js';
import * as streaming from './streaming.js';

export { defaultConfig } from './config.js';
export { encodeMessage } from './eventstream.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_FIXTURES = join(HERE, '..', 'tests', 'fixtures', 'responses');
const DEFAULT_STREAM_FIXTURES = join(HERE, '..', 'tests', 'fixtures', 'streams');
const DEFAULT_CONVERSE_FIXTURE = join(HERE, '..', 'tests', 'fixtures', 'converse.json');
const OPS = ['assumeRole', 'invoke', 'invokeStream', 'converse', 'converseStream', 'countTokens', 'applyGuardrail', 'listFoundationModels', 'listInferenceProfiles', 'getInferenceProfile', 'other'];
const MAX_BODY = 20 * 1024 * 1024;
const EXPOSE = 'x-amzn-requestid, x-amzn-errortype, x-amzn-bedrock-invocation-latency, x-amzn-bedrock-input-token-count, x-amzn-bedrock-output-token-count, x-amzn-bedrock-cache-read-input-token-count, x-amzn-bedrock-cache-write-input-token-count, content-type';
/** Exposed on event-stream responses (the invoke list is kept as is for compatibility). */
const STREAM_EXPOSE = `${EXPOSE}, x-amzn-bedrock-content-type`;
const CONFIG_KEYS = Object.keys(defaultConfig());

// ---------- state ----------

/** Fresh statistics: per-op counters and the last request seen per op. */
function emptyStats() {
  const stats = { total: 0, injected: 0, regions: {}, errors: {}, streamErrors: {} };
  for (const op of OPS) stats[op] = { count: 0, ok: 0, failed: 0, last: null };
  return stats;
}

/** Clear a stats object in place (so references held by tests stay live). */
function clearStats(stats) {
  for (const key of Object.keys(stats)) delete stats[key];
  Object.assign(stats, emptyStats());
}

/** Normalize an injection entry (expanding `error: 'throttle'` style presets). */
function normalizeInjection(entry) {
  const protocol = entry.op === 'assumeRole' ? 'sts' : 'bedrock';
  const preset = entry.error ? ERROR_PRESETS[protocol][entry.error] : undefined;
  if (entry.error && !preset) throw new Error(`unknown error preset '${entry.error}' for op '${entry.op}'`);
  const times = entry.times === undefined ? 1 : entry.times;
  return { ...preset, ...entry, times: times < 0 ? Infinity : times };
}

/** Apply a configuration patch: `inject` entries are appended, other known keys replaced. */
function applyPatch(state, patch = {}) {
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'inject') state.config.inject.push(...value.map(normalizeInjection));
    else if (key === 'stream') state.config.stream = streaming.mergeStreamConfig(state.config.stream, value);
    else if (CONFIG_KEYS.includes(key)) state.config[key] = value;
    else throw new Error(`unknown simulator config key '${key}'`);
  }
}

/** Build the simulator state from startSimulator options. */
function createState(options) {
  const baseNow = options.now ?? Date.now;
  const state = {
    config: defaultConfig(),
    issued: new Map(),
    stats: emptyStats(),
    fixtures: bedrock.loadFixtures(options.fixturesDir ?? DEFAULT_FIXTURES),
    streamFixtures: streaming.loadStreamFixtures(options.streamFixturesDir ?? DEFAULT_STREAM_FIXTURES),
    converseFixture: streaming.loadConverseFixture(options.converseFixture ?? DEFAULT_CONVERSE_FIXTURE),
    staticMounts: options.static ?? null,
  };
  state.now = () => baseNow() + (state.config.clockOffsetMs ?? 0);
  const patch = Object.fromEntries(Object.entries(options).filter(([k]) => CONFIG_KEYS.includes(k)));
  applyPatch(state, { ...options.config, ...patch });
  return state;
}

/** Take the next matching injection (decrementing its count), or null. */
function takeInjection(state, op, modelId) {
  const list = state.config.inject;
  const index = list.findIndex((e) => (e.op === op || e.op === '*') && (!e.modelId || e.modelId === modelId) && e.times > 0);
  if (index < 0) return null;
  const entry = list[index];
  entry.times -= 1;
  if (entry.times <= 0) list.splice(index, 1);
  return entry;
}

// ---------- HTTP plumbing ----------

/** Read the full request body (bounded). */
function readBody(req) {
  return new Promise((resolvePromise, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** CORS headers for every response. */
function corsHeaders(req) {
  return { 'access-control-allow-origin': req.headers.origin ?? '*', 'access-control-expose-headers': EXPOSE, vary: 'Origin' };
}

/** Write a response with CORS headers. */
function send(req, res, status, headers, body) {
  res.writeHead(status, { ...corsHeaders(req), ...headers });
  res.end(body);
}

/** Answer a CORS preflight. */
function preflight(req, res) {
  send(req, res, 204, {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
    'access-control-max-age': '86400',
  });
}

function sendJson(req, res, status, value, extra = {}) {
  send(req, res, status, { 'content-type': 'application/json', ...extra }, JSON.stringify(value));
}

/** A non-AWS answer injected with `html` (a proxy's error page) or `empty` (no body). */
function rawError(req, res, error) {
  const body = error.html ? `<html><body><h1>${error.status} Bad Gateway</h1></body></html>` : '';
  send(req, res, error.status, { 'content-type': error.html ? 'text/html' : 'text/plain', ...error.headers }, body);
}

/** Bedrock-style (JSON protocol) error. */
function bedrockError(req, res, error, requestId) {
  if (error.html || error.empty) return rawError(req, res, error);
  sendJson(req, res, error.status, { message: error.message }, {
    ...error.headers,
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': `${error.code}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
}

/** STS-style (query protocol) XML error. */
function stsError(req, res, error, requestId) {
  if (error.html || error.empty) return rawError(req, res, error);
  send(req, res, error.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, ...error.headers }, stsErrorXml(error, requestId));
}

// ---------- stats recording ----------

/** Record the start of an AWS request for an op. */
function recordStart(state, op, request) {
  const { rawPath, rawQuery } = splitUrl(request.url);
  const entry = {
    at: state.now(),
    requestId: request.requestId,
    method: request.method,
    url: request.url,
    path: rawPath,
    query: Object.fromEntries(parseQuery(rawQuery)),
    headers: { ...request.headers },
    body: request.body.toString('utf8'),
    scope: null,
    authMode: null,
    signedHeaders: null,
    status: null,
    code: null,
  };
  if (request.modelId !== undefined) entry.modelId = request.modelId;
  state.stats.total += 1;
  state.stats[op].count += 1;
  state.stats[op].last = entry;
  return entry;
}

/** Record the auth scope of a request. */
function recordAuth(state, entry, auth) {
  if (!auth) return;
  entry.authMode = auth.mode;
  if (!auth.accessKeyId) return;
  entry.scope = { accessKeyId: auth.accessKeyId, date: auth.date, region: auth.region, service: auth.service };
  entry.signedHeaders = auth.signedHeaders;
  if (auth.mode === 'bearer') entry.bearer = { amzDate: auth.amzDate, expires: auth.expires };
  state.stats.regions[auth.region] = (state.stats.regions[auth.region] ?? 0) + 1;
}

/** Record the outcome of a request. */
function recordEnd(state, op, entry, status, code = null) {
  entry.status = status;
  entry.code = code;
  if (status < 400) state.stats[op].ok += 1;
  else {
    state.stats[op].failed += 1;
    state.stats.errors[code] = (state.stats.errors[code] ?? 0) + 1;
  }
}

// ---------- operations ----------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Apply an injection for an op: wait its delay; return its error or null. */
async function injected(state, op, modelId) {
  const entry = takeInjection(state, op, modelId);
  if (!entry) return null;
  if (entry.delayMs) await sleep(entry.delayMs);
  if (!entry.status) return null;
  state.stats.injected += 1;
  const headers = entry.retryAfter === undefined ? {} : { 'retry-after': String(entry.retryAfter) };
  return { status: entry.status, code: entry.code, message: entry.message ?? '', html: entry.html, empty: entry.empty, headers };
}

/** STS parameters: form body plus non-signature query parameters. */
function stsParams(request) {
  const query = parseQuery(splitUrl(request.url).rawQuery).filter(([k]) => !k.startsWith('X-Amz-'));
  const form = request.method === 'POST' ? parseQuery(request.body.toString('utf8')) : [];
  return Object.fromEntries([...query, ...form]);
}

async function handleSts(state, req, res, request) {
  const params = stsParams(request);
  const op = params.Action === 'AssumeRole' ? 'assumeRole' : 'other';
  const entry = recordStart(state, op, request);
  entry.params = params;
  const fail = (error) => {
    recordEnd(state, op, entry, error.status, error.code);
    stsError(req, res, error, request.requestId);
  };
  const authn = authenticate(state, request, 'sts');
  recordAuth(state, entry, authn.auth);
  if (!authn.ok) return fail(authn.error);
  if ((state.config.disabledStsRegions ?? []).includes(authn.auth.region)) {
    const message = `STS is not activated in this region for account:${callerAccount(authn.identity)}. Your account administrator can activate STS in this region using the IAM Console.`;
    return fail({ status: 403, code: 'RegionDisabledException', message });
  }
  if (op !== 'assumeRole') {
    return fail({ status: 400, code: 'InvalidAction', message: `Could not find operation ${params.Action} for version ${params.Version ?? '2011-06-15'}` });
  }
  const injectedError = await injected(state, op);
  if (injectedError) return fail(injectedError);
  const result = assumeRole(state, authn.identity, params, request.requestId);
  if (!result.ok) return fail(result.error);
  entry.issuedAccessKeyId = result.session.accessKeyId;
  recordEnd(state, op, entry, 200);
  send(req, res, 200, { 'content-type': 'text/xml', 'x-amzn-requestid': request.requestId }, result.xml);
}

/** AccessDeniedException for an explicit SCP deny. */
function scpDenied(identity, action, resourceArn) {
  const message = `User: ${callerArn(identity)} is not authorized to perform: ${action} on resource: ${resourceArn} with an explicit deny in a service control policy`;
  return { status: 403, code: 'AccessDeniedException', message };
}

/**
 * Common Bedrock prologue: record, authenticate, authorize (bearer keys need bedrock:CallWithBearerToken too;
 * config.scpDeny explicit denies first), inject. Returns the context or null (already answered).
 * `resource(region, identity)` is the text after the action in the implicit-deny message;
 * `resourceArn(region, identity)` the resource named in SCP denies.
 */
async function bedrockPrologue(state, req, res, request, op, action, resource, resourceArn) {
  const entry = recordStart(state, op, request);
  const fail = (error) => {
    recordEnd(state, op, entry, error.status, error.code);
    bedrockError(req, res, error, request.requestId);
    return null;
  };
  const authn = authenticate(state, request, 'bedrock');
  recordAuth(state, entry, authn.auth);
  if (!authn.ok) return fail(authn.error);
  const { identity, auth } = authn;
  if (auth.mode === 'bearer') {
    const bearerAction = 'bedrock:CallWithBearerToken';
    if (scpDenies(state, bearerAction)) return fail(scpDenied(identity, bearerAction, '*'));
    if (!isAllowed(state, identity, bearerAction)) {
      const message = `User: ${callerArn(identity)} is not authorized to perform: ${bearerAction} on resource: * because no identity-based policy allows the ${bearerAction} action`;
      return fail({ status: 403, code: 'AccessDeniedException', message });
    }
  }
  if (scpDenies(state, action)) return fail(scpDenied(identity, action, resourceArn(auth.region, identity)));
  if (!isAllowed(state, identity, action)) {
    const message = `User: ${callerArn(identity)} is not authorized to perform: ${action} ${resource(auth.region, identity)}`;
    return fail({ status: 403, code: 'AccessDeniedException', message });
  }
  const injectedError = await injected(state, op, entry.modelId);
  if (injectedError) return fail(injectedError);
  return { entry, fail, auth: authn.auth, identity: authn.identity };
}

/** The resource ARN InvokeModel is authorized against, for an identifier as sent. */
function invokeResourceArn(state, modelId, region, identity) {
  if (modelId.startsWith('arn:')) return modelId;
  const profile = bedrock.findProfile(state.config, modelId);
  if (profile && profile.type === 'SYSTEM_DEFINED') return `arn:aws:bedrock:${region}:${callerAccount(identity)}:inference-profile/${modelId}`;
  return `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
}

const MARKETPLACE_DENIED = (identity) =>
  `Model access is denied due to User: ${callerArn(identity)} is not authorized to perform: aws-marketplace:ViewSubscriptions on resource: * because no identity-based policy allows the aws-marketplace:ViewSubscriptions action. Your AWS Marketplace subscription for this model cannot be completed at this time. If you recently fixed this issue, try again after 15 minutes.`;

/** Decode a percent-encoded model identifier from the path. */
function decodeModelId(rawModelId) {
  try {
    return decodeURIComponent(rawModelId);
  } catch {
    return rawModelId;
  }
}

/** Prologue of the runtime operations on a model (InvokeModel, the stream, Converse): record, auth, IAM action, inject. */
function modelPrologue(state, req, res, request, rawModelId, op, action) {
  const modelId = decodeModelId(rawModelId);
  request.modelId = modelId;
  const arnOf = (region, identity) => invokeResourceArn(state, modelId, region, identity);
  const resource = (region, identity) => `on resource: ${arnOf(region, identity)}`;
  return bedrockPrologue(state, req, res, request, op, action, resource, arnOf);
}

/** Resolve and check the invoked model (identifier, model access, Marketplace, on-demand support); null when answered. */
function modelTarget(state, ctx, modelId) {
  const target = bedrock.resolveTarget(state.config, modelId);
  if (!target) return ctx.fail({ status: 400, code: 'ValidationException', message: 'The provided model identifier is invalid.' });
  ctx.entry.via = target.via;
  if (target.profile) ctx.entry.inferenceProfileArn = bedrock.profileView(target.profile, ctx.auth.region).inferenceProfileArn;
  const listed = (list) => (list ?? []).some((id) => id === target.modelId || id === modelId || (target.endpointName && id === target.endpointName));
  if (listed(state.config.modelAccessDenied)) {
    return ctx.fail({ status: 403, code: 'AccessDeniedException', message: "You don't have access to the model with the specified model ID." });
  }
  if (listed(state.config.marketplaceSubscriptionRequired) && !isAllowed(state, ctx.identity, 'aws-marketplace:ViewSubscriptions')) {
    return ctx.fail({ status: 403, code: 'AccessDeniedException', message: MARKETPLACE_DENIED(ctx.identity) });
  }
  if (target.via === 'base' && (state.config.onDemandUnsupported ?? []).includes(target.modelId)) {
    const message = `Invocation of model ID ${target.modelId} with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`;
    return ctx.fail({ status: 400, code: 'ValidationException', message });
  }
  ctx.entry.family = target.family;
  ctx.entry.resolvedModelId = target.modelId;
  return target;
}

async function handleInvoke(state, req, res, request, rawModelId) {
  const ctx = await modelPrologue(state, req, res, request, rawModelId, 'invoke', 'bedrock:InvokeModel');
  if (!ctx) return;
  const typeError = bedrock.checkContentTypes(request.headers);
  if (typeError) return ctx.fail({ status: 400, code: 'ValidationException', message: typeError });
  const target = modelTarget(state, ctx, request.modelId);
  if (!target) return;
  const parsed = bedrock.checkBody(state.config, target.family, request.body);
  if (!parsed.ok) return ctx.fail({ status: 400, code: 'ValidationException', message: parsed.message });
  const answer = bedrock.responseFor(state.config, state.fixtures, target);
  const cache = bedrock.cacheUsage(state.config, request.body);
  if (cache && (state.config.promptCacheUnsupported ?? []).includes(target.modelId)) {
    return ctx.fail({ status: 400, code: 'ValidationException', message: bedrock.CACHE_UNSUPPORTED });
  }
  const verdict = bedrock.guardrailVerdict(state.config, request.headers['x-amzn-bedrock-guardrailidentifier'], request.headers['x-amzn-bedrock-guardrailversion'], request.body);
  if (verdict?.error) return ctx.fail({ status: 400, code: 'ValidationException', message: verdict.error });
  const cacheHeaders = cache
    ? { 'x-amzn-bedrock-cache-read-input-token-count': String(cache.read), 'x-amzn-bedrock-cache-write-input-token-count': String(cache.write) }
    : {};
  recordEnd(state, 'invoke', ctx.entry, 200);
  // Embeddings answers have no output tokens: no output-count header.
  const counts = { 'x-amzn-bedrock-input-token-count': String(answer.inputTokens) };
  if (answer.outputTokens !== null && answer.outputTokens !== undefined) counts['x-amzn-bedrock-output-token-count'] = String(answer.outputTokens);
  const body = bedrock.withGuardrail(target.family, bedrock.withCacheUsage(target.family, answer.body, cache), verdict);
  sendJson(req, res, 200, bedrock.withRouterTrace(target, body), {
    'x-amzn-requestid': request.requestId,
    'x-amzn-bedrock-invocation-latency': String(state.config.invocationLatencyMs),
    ...counts,
    ...cacheHeaders,
  });
}

/** Send event frames as a 200 event-stream response under the stream controls; record what was sent. */
async function sendEventStream(state, req, res, request, op, entry, frames, extraHeaders = {}) {
  const controls = state.config.stream;
  const { frames: sent, tail } = streaming.applyStreamInjection(frames, controls);
  recordEnd(state, op, entry, 200);
  entry.stream = { chunking: controls.chunking, frames: sent.length, inject: controls.inject, afterChunks: controls.inject ? controls.afterChunks : null };
  if (controls.inject) {
    state.stats.injected += 1;
    state.stats.streamErrors[controls.inject] = (state.stats.streamErrors[controls.inject] ?? 0) + 1;
  }
  const headers = {
    ...corsHeaders(req),
    'access-control-expose-headers': STREAM_EXPOSE,
    'content-type': streaming.EVENTSTREAM_TYPE,
    'x-amzn-requestid': request.requestId,
    ...extraHeaders,
  };
  const result = await streaming.writeEventStream(res, headers, streaming.pieces(sent, tail, controls), controls);
  Object.assign(entry.stream, result);
}

/** Media type of a header value. */
const mediaTypeOf = (value) => String(value ?? '').split(';')[0].trim().toLowerCase();

async function handleInvokeStream(state, req, res, request, rawModelId) {
  const op = 'invokeStream';
  const ctx = await modelPrologue(state, req, res, request, rawModelId, op, 'bedrock:InvokeModelWithResponseStream');
  if (!ctx) return;
  const accept = request.headers['x-amzn-bedrock-accept'] ?? '*/*';
  if (!accept.split(',').map(mediaTypeOf).some((t) => t === 'application/json' || t === '*/*')) {
    return ctx.fail({ status: 400, code: 'ValidationException', message: 'The provided Accept Type is invalid or not supported for this model' });
  }
  const contentType = request.headers['content-type'];
  if (contentType && mediaTypeOf(contentType) !== 'application/json') {
    return ctx.fail({ status: 400, code: 'ValidationException', message: 'The provided Content-Type is invalid or not supported for this model' });
  }
  const target = modelTarget(state, ctx, request.modelId);
  if (!target) return;
  const parsed = bedrock.checkBody(state.config, target.family, request.body);
  if (!parsed.ok) return ctx.fail({ status: 400, code: 'ValidationException', message: parsed.message });
  const fixture = state.streamFixtures[target.family];
  if (!fixture) return ctx.fail({ status: 400, code: 'ValidationException', message: 'The model is unsupported for streaming.' });
  const random = streaming.seededRandom(state.config.stream.seed);
  const chunks = streaming.streamChunks(state.config, fixture, parsed.body, bedrock.cacheUsage(state.config, request.body));
  // Through a prompt router, the last chunk (beside its invocation metrics) names the model chosen,
  // in the same `amazon-bedrock-trace` envelope as the InvokeModel answer (AWS's reference is silent here).
  chunks[chunks.length - 1] = bedrock.withRouterTrace(target, chunks[chunks.length - 1]);
  const frames = streaming.chunkFrames(chunks, random);
  await sendEventStream(state, req, res, request, op, ctx.entry, frames, { 'x-amzn-bedrock-content-type': 'application/json' });
}

/** ApplyGuardrail: `config.guardrails[id]` (by ID or the ID inside a guardrail ARN), answered by bedrock.applyGuardrail(). */
async function handleApplyGuardrail(state, req, res, request, identifier, version) {
  const id = identifier.replace(/^arn:aws[\w-]*:bedrock:[\w-]+:\d{12}:guardrail\//, '');
  const arnOf = (region, identity) => `arn:aws:bedrock:${region}:${callerAccount(identity)}:guardrail/${id}`;
  const ctx = await bedrockPrologue(state, req, res, request, 'applyGuardrail', 'bedrock:ApplyGuardrail', (r, i) => `on resource: ${arnOf(r, i)}`, arnOf);
  if (!ctx) return;
  const guardrail = state.config.guardrails?.[id];
  if (!guardrail || !(version === 'DRAFT' || (guardrail.versions ?? ['1']).includes(version))) {
    return ctx.fail({ status: 404, code: 'ResourceNotFoundException', message: 'The guardrail identifier or version provided in the request does not exist.' });
  }
  const answer = bedrock.applyGuardrail(guardrail, request.body);
  if (!answer.ok) return ctx.fail({ status: 400, code: 'ValidationException', message: answer.message });
  recordEnd(state, 'applyGuardrail', ctx.entry, 200);
  sendJson(req, res, 200, answer.body, { 'x-amzn-requestid': request.requestId });
}

/** CountTokens: base model IDs only; `config.countTokensModels` support it; the count is bedrock.countTokens(). */
async function handleCountTokens(state, req, res, request, rawModelId) {
  const ctx = await modelPrologue(state, req, res, request, rawModelId, 'countTokens', 'bedrock:CountTokens');
  if (!ctx) return;
  const modelId = request.modelId;
  if (!state.config.models.some((m) => m.modelId === modelId)) {
    return ctx.fail({ status: 400, code: 'ValidationException', message: 'The provided model identifier is invalid.' });
  }
  if (!(state.config.countTokensModels ?? []).includes(modelId)) {
    return ctx.fail({ status: 400, code: 'ValidationException', message: "The provided model doesn't support counting tokens." });
  }
  const counted = bedrock.countTokens(request.body);
  if (!counted.ok) return ctx.fail({ status: 400, code: 'ValidationException', message: counted.message });
  ctx.entry.resolvedModelId = modelId;
  recordEnd(state, 'countTokens', ctx.entry, 200);
  sendJson(req, res, 200, { inputTokens: counted.inputTokens }, { 'x-amzn-requestid': request.requestId });
}

async function handleConverse(state, req, res, request, rawModelId, stream) {
  const op = stream ? 'converseStream' : 'converse';
  const ctx = await modelPrologue(state, req, res, request, rawModelId, op, 'bedrock:InvokeModel');
  if (!ctx) return;
  const contentType = request.headers['content-type'];
  if (contentType && mediaTypeOf(contentType) !== 'application/json') {
    return ctx.fail({ status: 400, code: 'ValidationException', message: 'The provided Content-Type is invalid or not supported for this model' });
  }
  const target = modelTarget(state, ctx, request.modelId);
  if (!target) return;
  const parsed = streaming.checkConverseRequest(request.body);
  if (!parsed.ok) return ctx.fail({ status: 400, code: 'ValidationException', message: parsed.message });
  if (bedrock.cacheUsage(state.config, parsed.body) && (state.config.promptCacheUnsupported ?? []).includes(target.modelId)) {
    return ctx.fail({ status: 400, code: 'ValidationException', message: bedrock.CACHE_UNSUPPORTED });
  }
  if (!stream) {
    if (!state.converseFixture) throw new Error('no converse fixture loaded');
    const g = parsed.body.guardrailConfig;
    const verdict = bedrock.guardrailVerdict(state.config, g?.guardrailIdentifier, g?.guardrailVersion, { messages: parsed.body.messages, system: parsed.body.system });
    if (verdict?.error) return ctx.fail({ status: 400, code: 'ValidationException', message: verdict.error });
    recordEnd(state, op, ctx.entry, 200);
    const answer = streaming.converseAnswer(state.config, state.converseFixture, parsed.body, bedrock.cacheUsage(state.config, parsed.body));
    if (target.invokedModelId) answer.trace = { ...answer.trace, promptRouter: { invokedModelId: target.invokedModelId } };
    if (verdict?.intervened) {
      answer.output.message.content = [{ text: verdict.message }];
      answer.stopReason = 'guardrail_intervened';
    }
    return sendJson(req, res, 200, answer, { 'x-amzn-requestid': request.requestId });
  }
  const fixture = state.streamFixtures.converse;
  if (!fixture) throw new Error('no converse stream fixture loaded');
  const events = streaming.converseStreamEvents(state.config, fixture, parsed.body, bedrock.cacheUsage(state.config, parsed.body));
  const metadata = events.find((e) => e.event === 'metadata');
  if (metadata && target.invokedModelId) metadata.payload.trace = { ...metadata.payload.trace, promptRouter: { invokedModelId: target.invokedModelId } };
  const frames = streaming.converseFrames(events);
  await sendEventStream(state, req, res, request, op, ctx.entry, frames);
}

async function handleList(state, req, res, request) {
  const resource = () => 'because no identity-based policy allows the bedrock:ListFoundationModels action';
  const ctx = await bedrockPrologue(state, req, res, request, 'listFoundationModels', 'bedrock:ListFoundationModels', resource, () => '*');
  if (!ctx) return;
  const query = Object.fromEntries(parseQuery(splitUrl(request.url).rawQuery));
  const filterError = bedrock.checkListFilters(query);
  if (filterError) return ctx.fail({ status: 400, code: 'ValidationException', message: filterError });
  recordEnd(state, 'listFoundationModels', ctx.entry, 200);
  sendJson(req, res, 200, bedrock.listFoundationModels(state.config, ctx.auth.region, query), { 'x-amzn-requestid': request.requestId });
}

async function handleListProfiles(state, req, res, request) {
  const arn = (region, identity) => `arn:aws:bedrock:${region}:${callerAccount(identity)}:inference-profile/*`;
  const resource = (region, identity) => `on resource: ${arn(region, identity)}`;
  const ctx = await bedrockPrologue(state, req, res, request, 'listInferenceProfiles', 'bedrock:ListInferenceProfiles', resource, arn);
  if (!ctx) return;
  const query = Object.fromEntries(parseQuery(splitUrl(request.url).rawQuery));
  const queryError = bedrock.checkProfileListQuery(query);
  if (queryError) return ctx.fail({ status: 400, code: 'ValidationException', message: queryError });
  recordEnd(state, 'listInferenceProfiles', ctx.entry, 200);
  sendJson(req, res, 200, bedrock.listInferenceProfiles(state.config, ctx.auth.region, query), { 'x-amzn-requestid': request.requestId });
}

async function handleGetProfile(state, req, res, request, rawId) {
  let id;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    id = rawId;
  }
  const arn = (region, identity) => (id.startsWith('arn:') ? id : `arn:aws:bedrock:${region}:${callerAccount(identity)}:inference-profile/${id}`);
  const resource = (region, identity) => `on resource: ${arn(region, identity)}`;
  const ctx = await bedrockPrologue(state, req, res, request, 'getInferenceProfile', 'bedrock:GetInferenceProfile', resource, arn);
  if (!ctx) return;
  ctx.entry.inferenceProfileIdentifier = id;
  const profile = bedrock.findProfile(state.config, id);
  if (!profile) return ctx.fail({ status: 404, code: 'ResourceNotFoundException', message: `Inference profile ${id} not found` });
  recordEnd(state, 'getInferenceProfile', ctx.entry, 200);
  sendJson(req, res, 200, bedrock.profileView(profile, ctx.auth.region), { 'x-amzn-requestid': request.requestId });
}

/** AWS's answer when no operation matches (e.g. an unencoded ARN adds '/' segments to the path): 404, body {}. */
function unknownOperation(state, req, res, request) {
  recordEnd(state, 'other', recordStart(state, 'other', request), 404, 'UnknownOperationException');
  sendJson(req, res, 404, {}, {
    'x-amzn-requestid': request.requestId,
    'x-amzn-errortype': 'UnknownOperationException:http://internal.amazon.com/coral/com.amazon.coral.service/',
  });
}

// ---------- admin ----------

async function handleAdmin(state, handle, req, res, request, path) {
  try {
    if (request.method === 'GET' && path === '/__sim/stats') return sendJson(req, res, 200, state.stats);
    if (request.method === 'GET' && path === '/__sim/config') return sendJson(req, res, 200, state.config);
    if (request.method === 'POST' && path === '/__sim/configure') {
      handle.configure(JSON.parse(request.body.toString('utf8') || '{}'));
      return sendJson(req, res, 200, { ok: true });
    }
    if (request.method === 'POST' && path === '/__sim/reset') {
      handle.reset();
      return sendJson(req, res, 200, { ok: true });
    }
    return sendJson(req, res, 404, { message: `No admin route ${request.method} ${path}` });
  } catch (err) {
    return sendJson(req, res, 400, { message: err.message });
  }
}

// ---------- routing ----------

/** Route one request. */
async function route(state, handle, req, res) {
  // AWS's answers carry its clock in `Date` (clients correct their skew with it): the simulator's.
  res.setHeader('date', new Date(state.now()).toUTCString());
  const body = await readBody(req);
  const request = { method: req.method, url: req.url, headers: headersFromRaw(req.rawHeaders), body, requestId: randomUUID() };
  const { rawPath } = splitUrl(req.url);
  if (req.method === 'OPTIONS') return preflight(req, res);
  if (rawPath.startsWith('/__sim/')) return handleAdmin(state, handle, req, res, request, rawPath);
  const file = await serveStatic(state.staticMounts, req.method, rawPath);
  if (file) return send(req, res, file.status, file.headers, file.body);
  if (state.config.latencyMs) await sleep(state.config.latencyMs);
  if (rawPath === '/' && (req.method === 'POST' || req.method === 'GET')) return handleSts(state, req, res, request);
  const runtime = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream|converse|converse-stream)$/.exec(rawPath);
  if (req.method === 'POST' && runtime) {
    const [, rawModelId, action] = runtime;
    if (action === 'invoke') return handleInvoke(state, req, res, request, rawModelId);
    if (action === 'invoke-with-response-stream') return handleInvokeStream(state, req, res, request, rawModelId);
    return handleConverse(state, req, res, request, rawModelId, action === 'converse-stream');
  }
  const guard = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/.exec(rawPath);
  if (req.method === 'POST' && guard) return handleApplyGuardrail(state, req, res, request, decodeModelId(guard[1]), decodeModelId(guard[2]));
  const count = /^\/model\/([^/]+)\/count-tokens$/.exec(rawPath);
  if (req.method === 'POST' && count) return handleCountTokens(state, req, res, request, count[1]);
  if (req.method === 'POST' && /^\/model\/.+\/(invoke|invoke-with-response-stream|converse|converse-stream)$/.test(rawPath)) {
    return unknownOperation(state, req, res, request);
  }
  if (req.method === 'GET' && rawPath === '/foundation-models') return handleList(state, req, res, request);
  if (req.method === 'GET' && rawPath === '/inference-profiles') return handleListProfiles(state, req, res, request);
  const profile = /^\/inference-profiles\/([^/]+)$/.exec(rawPath);
  if (req.method === 'GET' && profile) return handleGetProfile(state, req, res, request, profile[1]);
  recordEnd(state, 'other', recordStart(state, 'other', request), 404, 'UnknownOperationException');
  bedrockError(req, res, { status: 404, code: 'UnknownOperationException', message: `No route for ${req.method} ${rawPath}` }, request.requestId);
}

/**
 * Start the simulator.
 * @param {object} [options]
 * @param {number} [options.port=0] port on 127.0.0.1 (0 = random)
 * @param {() => number} [options.now=Date.now] clock in ms
 * @param {number} [options.clockOffsetMs=0] added to the clock
 * @param {Record<string,string>} [options.static] URL prefix → directory to serve
 * @param {string} [options.fixturesDir] directory of <family>.json response fixtures
 * @param {string} [options.streamFixturesDir] directory of <family>.json stream fixtures (and converse.json for ConverseStream)
 * @param {string} [options.converseFixture] path of the Converse answer fixture
 * @param {object} [options.config] config overrides (any defaultConfig() key; may also be given at top level)
 * @returns {Promise<{url:string, port:number, close:() => Promise<void>, stats:object, reset:() => void,
 *   configure:(patch:object) => void, config:object, now:() => number, advanceClock:(ms:number) => void,
 *   sessions:() => object[]}>}
 */
export async function startSimulator(options = {}) {
  const state = createState(options);
  const handle = {
    stats: state.stats,
    get config() {
      return state.config;
    },
    now: () => state.now(),
    configure: (patch) => applyPatch(state, patch),
    advanceClock: (ms) => {
      state.config.clockOffsetMs += ms;
    },
    reset: () => {
      clearStats(state.stats);
      state.config.inject = [];
      state.config.stream = defaultStreamConfig();
    },
    sessions: () => [...state.issued.values()].map((s) => ({ ...s })),
  };
  const server = createServer((req, res) => {
    route(state, handle, req, res).catch((err) => {
      if (!res.headersSent) sendJson(req, res, 500, { message: `simulator error: ${err.message}` });
      else res.destroy();
    });
  });
  await new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolvePromise);
  });
  const port = server.address().port;
  handle.port = port;
  handle.url = `http://127.0.0.1:${port}`;
  handle.close = () =>
    new Promise((resolvePromise) => {
      server.closeAllConnections?.();
      server.close(() => resolvePromise());
    });
  return handle;
}
