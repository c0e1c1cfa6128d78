// The platform gateway Worker: routes, admin auth, the error shape and one JSON log line per
// request. Static files (the integration screen, /pkg/…) come from the ASSETS binding.
import { GatewayError, errorResponse, json, discard } from './http.js';
import { requireAdmin } from './auth.js';
import * as routes from './routes.js';
import { invoke } from './invoke.js';

const ID = '([A-Za-z0-9-]{1,64})';

/** [method, path pattern, handler, needs admin token]. */
const TABLE = [
  ['GET', '/healthz', () => json(200, { ok: true }), false],
  ['GET', '/v1/session', routes.session, false],
  ['GET', '/v1/setup', routes.setup, true],
  ['POST', '/v1/check-role', routes.draftCheckRole, true],
  ['POST', '/v1/models', routes.draftModels, true],
  ['POST', '/v1/test', routes.draftTest, true],
  ['POST', '/v1/count-tokens', routes.draftCountTokens, true],
  ['GET', '/v1/connections', routes.listConnections, true],
  ['POST', '/v1/connections', routes.createConnection, true],
  ['GET', `/v1/connections/${ID}`, routes.getConnection, true],
  ['PATCH', `/v1/connections/${ID}`, routes.patchConnection, true],
  ['DELETE', `/v1/connections/${ID}`, routes.deleteConnection, true],
  ['POST', `/v1/connections/${ID}/rotate-key`, routes.rotateKey, true],
  ['GET', `/v1/connections/${ID}/models`, routes.connectionModels, true],
  ['POST', `/v1/connections/${ID}/test`, routes.connectionTest, true],
  ['POST', `/v1/connections/${ID}/count-tokens`, routes.connectionCountTokens, true],
  ['POST', `/v1/connections/${ID}/invoke`, invoke, false],
].map(([method, pattern, handler, admin]) => ({ method, re: new RegExp(`^${pattern}$`), pattern, handler, admin }));

/** The route for a path: `{ route, params }`, `{ allowed }` when only the method is wrong, or null. */
function match(method, path) {
  const allowed = [];
  for (const route of TABLE) {
    const m = route.re.exec(path);
    if (!m) continue;
    if (route.method === method) return { route, params: { id: m[1] } };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : null;
}

const notFound = (path) =>
  new GatewayError(404, 'NOT_FOUND', `no route \`${path}\``, { hint: 'See the README "Gateway" section for the routes (all under /v1/, plus /healthz).' });

async function handle(request, env, ctx, log) {
  const url = new URL(request.url);
  const found = match(request.method, url.pathname);
  if (!found) {
    if (!url.pathname.startsWith('/v1/') && env.ASSETS && (request.method === 'GET' || request.method === 'HEAD')) return env.ASSETS.fetch(request);
    throw notFound(url.pathname);
  }
  if (found.allowed) {
    throw new GatewayError(405, 'METHOD_NOT_ALLOWED', `\`${request.method}\` is not allowed on \`${url.pathname}\``, { hint: `Use ${found.allowed.join(' or ')}.`, headers: { allow: found.allowed.join(', ') } });
  }
  log.route = found.route.pattern.replace(ID, ':id');
  if (found.route.admin) await requireAdmin(request, env);
  return found.route.handler({ request, env, url, params: found.params, log, waitUntil: (p) => ctx.waitUntil(p), finish: ctx.finish });
}

/** The request log line: never secrets; variables/output only with LOG_PROMPTS=1. */
function writeLog(log, status, started) {
  const { deferred, ...fields } = log;
  console.log(JSON.stringify({ t: new Date(started).toISOString(), ...fields, status, latencyMs: Date.now() - started }));
}

/** Reads what is left of an unread request body, so an early 401/403/404 reaches the client. */
async function drain(request) {
  if (!request.body || request.bodyUsed || request.body.locked) return;
  await discard(request.body.getReader());
}

export default {
  async fetch(request, env, ctx) {
    const started = Date.now();
    const log = { method: request.method, route: null, connection: null, operation: null, awsRequestId: null };
    const finish = (status) => writeLog(log, status, started);
    let response;
    try {
      response = await handle(request, env, { waitUntil: (p) => ctx.waitUntil(p), finish }, log);
    } catch (err) {
      if (err instanceof GatewayError) {
        log.code = err.code;
        response = errorResponse(err);
      } else {
        log.code = 'INTERNAL';
        log.error = `${err?.name ?? 'Error'}: ${String(err?.message ?? '').slice(0, 200)}`;
        response = json(500, { error: { code: 'INTERNAL', message: 'the gateway failed to answer this request', hint: 'Retry; if it keeps failing, check the gateway logs.', field: null } });
      }
    }
    await drain(request);
    if (!log.deferred) finish(response.status);
    return response;
  },
};
