// bench/rows/stream.js — row 7 (Node only): decode an InvokeModelWithResponseStream body (Claude chunks) from bytes to text deltas.
import { EventStreamCodec, getChunkedStream, getMessageUnmarshaller, readableStreamToIterable } from '@smithy/core/event-streams';
import { fromBase64, fromUtf8, toBase64, toUtf8 } from '@smithy/core/serde';
import { seededRandom } from '../../simulator/streaming.js'; // mulberry32, so every run decodes the same bytes

const N = 8; // distinct streams, each ~2,000 frames (~0.5 MB), cycled like every row's inputs
const DELTAS = 2000; // content_block_delta frames per stream; one message_stop frame with the metrics follows
const PIECE = 16 * 1024; // bytes per network read
const REGION = 'us-east-1';
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' };
const PADDING = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// Code points for the deltas: mostly ASCII, plus what must be escaped in JSON and multi-byte UTF-8 (2, 3 and 4 bytes).
const ALPHABET = [...'abcdefghijklmnopqrstuvwxyz     ABCDEFGHIJ0123456789.,;:!?-'.split(''), '"', '"', '\\', '\n', '\t', 'é', 'ü', 'ß', '€', '—', '日', '本', '📈', '😀'];

const HEADERS = {
  ':event-type': { type: 'string', value: 'chunk' },
  ':content-type': { type: 'string', value: 'application/json' },
  ':message-type': { type: 'string', value: 'event' },
};

/**
 * One Bedrock response body as Bedrock sends it: DELTAS chunk frames `{"bytes": base64(model JSON), "p": padding}`, the
 * last one a message_stop carrying amazon-bedrock-invocationMetrics; encoded with the SDK's EventStreamCodec, then cut
 * into PIECE-byte reads (each its own buffer, like network reads). Returns { pieces, bytes, frames, text, frameSizes }.
 */
export function buildStream(i, codec) {
  const random = seededRandom(0x5eed + i);
  const frames = [];
  let text = '';
  const chunk = (model) => {
    const p = PADDING.slice(0, 1 + Math.floor(random() * 16));
    const body = fromUtf8(JSON.stringify({ bytes: toBase64(fromUtf8(JSON.stringify(model))), p }));
    frames.push(codec.encode({ headers: HEADERS, body }));
  };
  for (let k = 0; k < DELTAS; k++) {
    const n = 10 + Math.floor(random() * 51);
    let t = '';
    for (let j = 0; j < n; j++) t += ALPHABET[Math.floor(random() * ALPHABET.length)];
    text += t;
    chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } });
  }
  chunk({
    type: 'message_stop',
    'amazon-bedrock-invocationMetrics': { inputTokenCount: 100 + i, outputTokenCount: DELTAS + i, invocationLatency: 4000 + i, firstByteLatency: 300 + i },
  });
  const total = frames.reduce((s, f) => s + f.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const f of frames) {
    all.set(f, at);
    at += f.length;
  }
  const pieces = [];
  for (let o = 0; o < total; o += PIECE) pieces.push(all.slice(o, Math.min(total, o + PIECE)));
  return { pieces, bytes: total, frames: frames.length, text, frameSizes: frames.map((f) => f.length) };
}

/** A fresh `Response` whose body serves the pieces, one per pull (what `fetch` hands both sides). */
export function responseOf(pieces, init) {
  let k = 0;
  return new Response(new ReadableStream({
    pull(controller) {
      if (k < pieces.length) controller.enqueue(pieces[k++]);
      else controller.close();
    },
  }), init);
}

const EVENTSTREAM = { status: 200, headers: { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'bench-stream' } };

/** The text delta of a chunk's payload bytes (the model JSON), as a user of the SDK writes it. */
const deltaOf = (bytes) => JSON.parse(toUtf8(bytes)).delta?.text;

/** ctx: { ours } → the stream row. */
export function streamRows(ctx) {
  const { ours } = ctx;
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const streams = Array.from({ length: N }, (_, i) => buildStream(i, codec));
  const frames = streams[0].frames;
  for (const s of streams) if (s.frames !== frames) throw new Error('stream: every input must have the same frame count');
  const bytesPerOp = streams.reduce((s, x) => s + x.bytes, 0) / N;
  const sizes = streams.flatMap((s) => s.frameSizes).sort((a, b) => a - b);
  const frameStats = `${sizes[0]}–${sizes[sizes.length - 1]} B, median ${sizes[sizes.length >> 1]} B`;

  // Ours: fetch hands back the pre-built pieces of the input being run (calls are sequential).
  let serving = null;
  const fetch = async () => responseOf(serving, EVENTSTREAM);
  const client = new ours.BedrockClient({ region: REGION, credentials: CREDENTIALS, fetch });
  const oursEvents = async (i) => {
    serving = streams[i].pieces;
    let text = '';
    for await (const ev of client.invokeStream({ modelId: MODEL, body: '{}' })) if (ev.text) text += ev.text;
    return text;
  };
  const oursTextStream = async (i) => {
    serving = streams[i].pieces;
    const reader = client.invokeStream({ modelId: MODEL, body: '{}' }).textStream.getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += value;
    }
  };

  // The SDK's pipeline, from its own exported pieces: ReadableStream → readableStreamToIterable → getChunkedStream (frames)
  // → codec.decode → getMessageUnmarshaller with a deserializer doing what the generated one does for `chunk`
  // (JSON body, base64 `bytes` → Uint8Array); then the user's JSON.parse of the bytes and `delta.text`.
  const deserializer = async (event) => {
    if (!event.chunk) return { $unknown: event };
    return { chunk: { bytes: fromBase64(JSON.parse(toUtf8(event.chunk.body)).bytes) } };
  };
  const unmarshal = getMessageUnmarshaller(deserializer, toUtf8);
  const smithyPipeline = async (i) => {
    const body = responseOf(streams[i].pieces, EVENTSTREAM).body;
    let text = '';
    for await (const frame of getChunkedStream(readableStreamToIterable(body))) {
      const event = await unmarshal(codec.decode(frame));
      if (!event?.chunk) continue;
      const t = deltaOf(event.chunk.bytes);
      if (t) text += t;
    }
    return text;
  };

  // A hand-written synchronous framing loop over the same async iterator of pieces: no Promise per frame, frames
  // decoded in place (subarray) except when one straddles two pieces.
  const codecLoop = async (i) => {
    const body = responseOf(streams[i].pieces, EVENTSTREAM).body;
    let text = '';
    let rest = null;
    for await (let piece of readableStreamToIterable(body)) {
      if (rest) {
        const joined = new Uint8Array(rest.length + piece.length);
        joined.set(rest);
        joined.set(piece, rest.length);
        piece = joined;
        rest = null;
      }
      const view = new DataView(piece.buffer, piece.byteOffset, piece.byteLength);
      let at = 0;
      while (piece.length - at >= 4) {
        const len = view.getUint32(at);
        if (piece.length - at < len) break;
        const msg = codec.decode(piece.subarray(at, at + len));
        at += len;
        const type = msg.headers[':message-type'].value;
        if (type !== 'event') throw new Error(`stream: ${type} ${toUtf8(msg.body)}`);
        if (msg.headers[':event-type'].value !== 'chunk') continue;
        const t = deltaOf(fromBase64(JSON.parse(toUtf8(msg.body)).bytes));
        if (t) text += t;
      }
      if (at < piece.length) rest = piece.slice(at);
    }
    if (rest) throw new Error('stream: truncated frame');
    return text;
  };

  const row = {
    id: 'stream',
    group: 'stream',
    title: `7. InvokeModelWithResponseStream body (Claude chunks, ${frames} frames ≈ ${(bytesPerOp / 1e6).toFixed(2)} MB in ${PIECE / 1024} KiB reads) → text deltas in JS`,
    note: `frames ${frameStats}; every candidate reads a fresh Response(ReadableStream) serving the same pre-built pieces; µs per frame = µs per stream / ${frames}; MB/s = event-stream bytes (10^6) / s; SDK side = @smithy/core/event-streams + @smithy/core/serde toUtf8 / fromBase64 (what client-bedrock-runtime uses)`,
    inputs: N,
    itemsPerOp: frames,
    itemUnit: 'frame',
    bytesPerOp,
    candidates: [
      { name: 'bedrock-connect invokeStream (for await, ev.text)', ours: true, run: oursEvents },
      { name: 'bedrock-connect invokeStream().textStream', run: oursTextStream },
      { name: 'SDK pipeline (getChunkedStream + EventStreamCodec + unmarshaller)', run: smithyPipeline },
      { name: 'EventStreamCodec + sync framing loop', run: codecLoop },
    ],
    targets: [
      { metric: 'MB/s', min: 200, label: '≥ 200 MB/s (ours, event-stream bytes)' },
      { peer: 'SDK pipeline (getChunkedStream + EventStreamCodec + unmarshaller)', min: 2, label: '≥ 2× the smithy pipeline' },
    ],
    // The expected text is known from the generator: check the first candidate against it, and ours' metrics event.
    verify: async () => {
      const got = await oursEvents(1);
      if (got !== streams[1].text) throw new Error('stream: ours does not return the generated text');
      serving = streams[1].pieces;
      let last = null;
      for await (const ev of client.invokeStream({ modelId: MODEL, body: '{}' })) last = ev;
      if (last?.type !== 'metrics' || last.usage?.outputTokens !== DELTAS + 1 || last.usage?.inputTokens !== 101) {
        throw new Error(`stream: ours' last event is not the metrics: ${JSON.stringify(last)}`);
      }
      return { frames, bytes: Math.round(bytesPerOp), text: 'matches the generator', metrics: 'ok' };
    },
  };
  return [row];
}
