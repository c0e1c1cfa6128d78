/** The page's talk with the gateway (same origin): the session's admin token, kept in this module's memory only, JSON calls and the Test's Server-Sent Events. */

let adminToken = null;

/** An error answer of the gateway, with its `{ code, message, hint, field }`. */
export class GatewayError extends Error {
  constructor(status, error) {
    super(error?.message || `The gateway answered HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? `HTTP_${status}`;
    this.hint = error?.hint ?? '';
    this.field = error?.field ?? null;
  }
}

export const hasToken = () => adminToken !== null;
export const setToken = (token) => { adminToken = token || null; };

/** `GET /v1/session`: the local gateway hands its page the admin token; elsewhere 404 (→ the "Admin token" field). */
export async function startSession() {
  const res = await fetch('/v1/session', { cache: 'no-store' });
  if (!res.ok) return false;
  const body = await res.json();
  setToken(body.adminToken);
  return true;
}

function headers(extra = {}) {
  return { 'content-type': 'application/json', ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}), ...extra };
}

async function answer(res) {
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new GatewayError(res.status, { code: `HTTP_${res.status}`, message: `The gateway answered HTTP ${res.status} without JSON.` });
  }
  if (!res.ok) throw new GatewayError(res.status, body?.error);
  return body;
}

/** A JSON call to the gateway with the admin token; throws GatewayError for an error answer. */
export async function call(method, path, body, { signal } = {}) {
  const res = await fetch(path, { method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body), signal });
  return answer(res);
}

/** Splits an SSE text buffer into complete events; returns [events, rest]. */
export function parseSse(buffer) {
  const events = [];
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop();
  for (const block of blocks) {
    let event = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return [events, rest];
}

/**
 * `POST /v1/test` with `stream: true`: calls `onDelta(text)` per delta and resolves with the `done` object
 * (the same as a plain Test's answer); an `error` event or an error answer throws GatewayError.
 */
export async function streamTest(body, { signal, onDelta }) {
  const res = await fetch('/v1/test', { method: 'POST', headers: headers({ accept: 'text/event-stream' }), body: JSON.stringify({ ...body, stream: true }), signal });
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) return answer(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    let events;
    [events, buffer] = parseSse(buffer + value);
    for (const { event, data } of events) {
      const json = JSON.parse(data);
      if (event === 'delta') onDelta(json.text ?? '');
      else if (event === 'done') return json;
      else if (event === 'error') throw new GatewayError(200, json.error);
    }
  }
  throw new GatewayError(200, { code: 'STREAM_TRUNCATED', message: 'The stream ended before its last event.', hint: 'Run the Test again; if it keeps failing, try without streaming.' });
}
