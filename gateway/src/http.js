// HTTP plumbing of the gateway: JSON answers, the error shape, bounded JSON bodies with
// field checks. Every failure here is a `GatewayError` that becomes `{ error: {...} }`.

/** Largest management request body (bytes): templates (≤ 32 KiB), mappings and test variables. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Largest invoke body (bytes): `variables` may carry long documents. */
export const MAX_INVOKE_BYTES = 1024 * 1024;
/**
 * How much of a refused body is still read (and dropped) before answering: a client still sending
 * when the answer comes would see its connection reset instead of the 413 / 401 / 403.
 */
const DRAIN_BYTES = 16 * 1024 * 1024;

/** Reads and drops the rest of a body (up to DRAIN_BYTES). */
export async function discard(reader, size = 0) {
  try {
    while (size <= DRAIN_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // the client went away: nothing left to read
  }
}

/** An error the gateway answers with: HTTP status + the public error fields. */
export class GatewayError extends Error {
  constructor(status, code, message, { hint = '', field = null, headers = {} } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
    this.field = field;
    this.headers = headers;
  }
}

export function json(status, value, headers = {}) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** The public error body: `{ error: { code, message, hint, field } }`. */
export function errorBody({ code, message, hint, field }) {
  return { error: { code, message, hint: hint ?? '', field: field ?? null } };
}

export function errorResponse(err) {
  return json(err.status, errorBody(err), err.headers);
}

export const badRequest = (code, message, hint, field = null) => new GatewayError(400, code, message, { hint, field });

/** Reads the body as a JSON object, at most MAX_BODY_BYTES, whatever Content-Length claims. */
export async function readJson(request, limit = MAX_BODY_BYTES) {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) {
    if (request.body) await discard(request.body.getReader());
    throw tooLarge(limit);
  }
  const text = await readText(request, limit);
  if (text.trim() === '') return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw badRequest('INVALID_JSON', `the request body is not valid JSON (${e.message})`, 'Send a JSON object with Content-Type: application/json.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('INVALID_JSON', 'the request body must be a JSON object', 'Send a JSON object such as {"variables": {"prompt": "Hello"}}.');
  }
  return value;
}

async function readText(request, limit) {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await discard(reader, size);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

function tooLarge(limit) {
  return new GatewayError(413, 'BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`, {
    hint: `Keep this route's request bodies under ${limit / 1024} KiB (invoke: 1 MiB; other routes: 64 KiB).`,
  });
}

/** Rejects keys outside `allowed` (a typo must not be silently ignored). */
export function onlyFields(body, allowed) {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw badRequest('UNKNOWN_FIELD', `unknown field \`${key}\``, `Allowed fields: ${allowed.join(', ')}.`, key);
    }
  }
}

/** A required non-empty string field (at most `max` characters). */
export function str(body, key, { required = true, max = 2048 } = {}) {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw badRequest('MISSING_FIELD', `\`${key}\` is required`, `Add \`${key}\` to the request body.`, key);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw badRequest('INVALID_FIELD', `\`${key}\` must be a non-empty string`, `Send \`${key}\` as a JSON string.`, key);
  }
  if (value.length > max) throw badRequest('INVALID_FIELD', `\`${key}\` is longer than ${max} characters`, `Shorten \`${key}\`.`, key);
  return value.trim();
}

/** An optional plain object field. */
export function obj(body, key) {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('INVALID_FIELD', `\`${key}\` must be a JSON object`, `Send \`${key}\` as an object, e.g. {"prompt": "Hello"}.`, key);
  }
  return value;
}

export function bool(body, key) {
  const value = body[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw badRequest('INVALID_FIELD', `\`${key}\` must be true or false`, `Send \`${key}\` as a JSON boolean.`, key);
  return value;
}
