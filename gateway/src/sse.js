// Server-Sent Events framing for the gateway's streaming answers.
const encoder = new TextEncoder();

export function sseHeaders() {
  return { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' };
}

/** One event: `event: <name>` + one `data:` line of JSON. */
export function sseEvent(name, data) {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function sseBytes(name, data) {
  return encoder.encode(sseEvent(name, data));
}
