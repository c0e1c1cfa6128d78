// AWS event-stream framing (`application/vnd.amazon.eventstream`), written from the wire format:
//   [total length u32][headers length u32][prelude CRC32 u32][headers][payload][message CRC32 u32]   (big-endian)
// The prelude CRC covers the first 8 bytes; the message CRC covers everything before it (prelude CRC included).
// Header: [name length u8][name utf-8][type u8][value]; types 0 bool true, 1 bool false, 2 byte, 3 short,
// 4 integer, 5 long, 6 byte_array (u16 length), 7 string (u16 length), 8 timestamp (i64 ms), 9 uuid (16 bytes).
import zlib from 'node:zlib';

// ---------- CRC32 (IEEE, as zlib) ----------

let TABLE = null;

/** Table-driven CRC32 for Node versions without zlib.crc32 (added in 20.15 / 22.2). */
function tableCrc32(buf, value = 0) {
  if (!TABLE) {
    TABLE = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      TABLE[n] = c;
    }
  }
  let crc = (value ^ -1) >>> 0;
  for (let i = 0; i < buf.length; i++) crc = TABLE[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** CRC32 of a buffer (optionally continuing from a previous value), as an unsigned 32-bit number. */
export const crc32 = typeof zlib.crc32 === 'function' ? (buf, value = 0) => zlib.crc32(buf, value) : tableCrc32;

// ---------- headers ----------

const TYPE_CODES = {
  bool_true: 0,
  bool_false: 1,
  byte: 2,
  short: 3,
  integer: 4,
  long: 5,
  byte_array: 6,
  string: 7,
  timestamp: 8,
  uuid: 9,
};

/** Accepted spellings of each header type (our names, the spec's names, @smithy/eventstream-codec's names). */
const TYPE_ALIASES = {
  boolean: 'boolean',
  bool: 'boolean',
  bool_true: 'bool_true',
  true: 'bool_true',
  bool_false: 'bool_false',
  false: 'bool_false',
  byte: 'byte',
  short: 'short',
  integer: 'integer',
  int: 'integer',
  long: 'long',
  byte_array: 'byte_array',
  bytes: 'byte_array',
  binary: 'byte_array',
  string: 'string',
  timestamp: 'timestamp',
  uuid: 'uuid',
};

/** 8 big-endian bytes of a signed 64-bit value given as number, bigint, Date or { bytes } (smithy Int64). */
function int64Bytes(value) {
  if (value && value.bytes instanceof Uint8Array && value.bytes.length === 8) return Buffer.from(value.bytes);
  const out = Buffer.alloc(8);
  const big = typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value instanceof Date ? value.getTime() : value)));
  out.writeBigInt64BE(big);
  return out;
}

function uuidBytes(value) {
  if (value instanceof Uint8Array) {
    if (value.length !== 16) throw new Error('uuid header value must be 16 bytes');
    return Buffer.from(value);
  }
  const hex = String(value).replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`invalid uuid header value '${value}'`);
  return Buffer.from(hex, 'hex');
}

/** Encode one header value (with its type byte). A bare string/boolean/Buffer is typed automatically. */
function encodeHeaderValue(name, header) {
  let spec = header;
  if (typeof header === 'string') spec = { type: 'string', value: header };
  else if (typeof header === 'boolean') spec = { type: 'boolean', value: header };
  else if (header instanceof Uint8Array) spec = { type: 'byte_array', value: header };
  let type = TYPE_ALIASES[spec?.type];
  if (!type) throw new Error(`header '${name}': unknown type '${spec?.type}'`);
  if (type === 'boolean') type = spec.value ? 'bool_true' : 'bool_false';
  const code = Buffer.from([TYPE_CODES[type]]);
  const { value } = spec;
  switch (type) {
    case 'bool_true':
    case 'bool_false':
      return code;
    case 'byte': {
      const b = Buffer.alloc(1);
      b.writeInt8(value);
      return Buffer.concat([code, b]);
    }
    case 'short': {
      const b = Buffer.alloc(2);
      b.writeInt16BE(value);
      return Buffer.concat([code, b]);
    }
    case 'integer': {
      const b = Buffer.alloc(4);
      b.writeInt32BE(value);
      return Buffer.concat([code, b]);
    }
    case 'long':
    case 'timestamp':
      return Buffer.concat([code, int64Bytes(value)]);
    case 'byte_array':
    case 'string': {
      const bytes = type === 'string' ? Buffer.from(String(value), 'utf8') : Buffer.from(typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
      if (bytes.length > 32767) throw new Error(`header '${name}': value exceeds 32767 bytes`);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(bytes.length);
      return Buffer.concat([code, len, bytes]);
    }
    case 'uuid':
      return Buffer.concat([code, uuidBytes(value)]);
    default:
      throw new Error(`header '${name}': unsupported type '${type}'`);
  }
}

/** Encode a header map `{ name: { type, value } | string }` (insertion order kept). */
export function encodeHeaders(headers = {}) {
  const parts = [];
  for (const [name, header] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length === 0 || nameBytes.length > 255) throw new Error(`header name '${name}' must be 1..255 bytes`);
    parts.push(Buffer.from([nameBytes.length]), nameBytes, encodeHeaderValue(name, header));
  }
  return Buffer.concat(parts);
}

// ---------- messages ----------

const PRELUDE = 12;
const MAX_MESSAGE = 16 * 1024 * 1024;

/**
 * Encode one event-stream message.
 * @param {{headers?: Record<string, {type:string, value?:any}|string>, payload?: Buffer|Uint8Array|string}} message
 * @returns {Buffer}
 */
export function encodeMessage({ headers = {}, payload = Buffer.alloc(0) } = {}) {
  const head = encodeHeaders(headers);
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const total = PRELUDE + head.length + body.length + 4;
  if (total > MAX_MESSAGE) throw new Error(`event-stream message of ${total} bytes exceeds 16 MiB`);
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(head.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  head.copy(out, PRELUDE);
  body.copy(out, PRELUDE + head.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

/** Decode one complete message (verifying both CRCs) into { headers: {name: {type, value}}, payload }. */
export function decodeMessage(buf) {
  const data = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (data.length < 16) throw new Error('event-stream message shorter than 16 bytes');
  const total = data.readUInt32BE(0);
  const headersLength = data.readUInt32BE(4);
  if (total !== data.length) throw new Error(`event-stream length ${total} does not match ${data.length} bytes`);
  if (data.readUInt32BE(8) !== crc32(data.subarray(0, 8))) throw new Error('event-stream prelude CRC mismatch');
  if (data.readUInt32BE(total - 4) !== crc32(data.subarray(0, total - 4))) throw new Error('event-stream message CRC mismatch');
  if (PRELUDE + headersLength + 4 > total) throw new Error('event-stream headers length out of range');
  const names = Object.fromEntries(Object.entries(TYPE_CODES).map(([k, v]) => [v, k]));
  const headers = {};
  let p = PRELUDE;
  const end = PRELUDE + headersLength;
  while (p < end) {
    const nameLength = data[p++];
    const name = data.toString('utf8', p, p + nameLength);
    p += nameLength;
    const type = names[data[p++]];
    let value;
    if (type === 'bool_true' || type === 'bool_false') value = type === 'bool_true';
    else if (type === 'byte') value = data.readInt8(p++);
    else if (type === 'short') (value = data.readInt16BE(p)), (p += 2);
    else if (type === 'integer') (value = data.readInt32BE(p)), (p += 4);
    else if (type === 'long') (value = data.readBigInt64BE(p)), (p += 8);
    else if (type === 'timestamp') (value = new Date(Number(data.readBigInt64BE(p)))), (p += 8);
    else if (type === 'uuid') {
      const hex = data.toString('hex', p, p + 16);
      value = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      p += 16;
    } else if (type === 'byte_array' || type === 'string') {
      const len = data.readUInt16BE(p);
      p += 2;
      value = type === 'string' ? data.toString('utf8', p, p + len) : Buffer.from(data.subarray(p, p + len));
      p += len;
    } else throw new Error(`unknown event-stream header type ${data[p - 1]}`);
    headers[name] = { type: type.startsWith('bool_') ? 'boolean' : type, value };
  }
  return { headers, payload: Buffer.from(data.subarray(end, total - 4)) };
}

/** Split a byte buffer into complete messages; returns { messages: Buffer[], rest: Buffer }. */
export function splitMessages(buf) {
  const messages = [];
  let p = 0;
  while (buf.length - p >= 4) {
    const total = buf.readUInt32BE(p);
    if (total < 16 || buf.length - p < total) break;
    messages.push(buf.subarray(p, p + total));
    p += total;
  }
  return { messages, rest: buf.subarray(p) };
}

// ---------- AWS message kinds ----------

const str = (value) => ({ type: 'string', value });

/** An event frame (`:message-type` event) with a JSON (or other) payload. */
export function eventMessage(eventType, payload, contentType = 'application/json') {
  const body = Buffer.isBuffer(payload) || payload instanceof Uint8Array || typeof payload === 'string' ? payload : JSON.stringify(payload);
  return encodeMessage({
    headers: { ':event-type': str(eventType), ':content-type': str(contentType), ':message-type': str('event') },
    payload: body,
  });
}

/** A modeled exception frame (`:message-type` exception, `:exception-type` NAME, JSON payload). */
export function exceptionMessage(exceptionType, body) {
  return encodeMessage({
    headers: { ':exception-type': str(exceptionType), ':content-type': str('application/json'), ':message-type': str('exception') },
    payload: JSON.stringify(body),
  });
}

/** An unmodeled error frame (`:message-type` error, `:error-code`, `:error-message`, empty payload). */
export function errorMessage(code, message) {
  return encodeMessage({
    headers: { ':error-code': str(code), ':error-message': str(message), ':message-type': str('error') },
  });
}
