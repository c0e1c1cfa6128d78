/** Node entry (CommonJS; node.mjs re-exports it): loads the wasm synchronously, no init call. */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { createBindings } = require('./wasm/bindings.cjs');
const common = require('./common.cjs');

// Compiled once; instantiated again only after a panic (pkg/instance.js).
const wasmModule = new WebAssembly.Module(readFileSync(join(__dirname, 'wasm/web/bedrock_connect_bg.wasm')));

// Node's OpenSSL SHA-256 hashes large bodies faster than wasm can (crypto injected per runtime).
// node:crypto is loaded on the first long input, not at start-up (~2 ms of a cold start);
// its one-shot crypto.hash (Node >= 20.12) skips the Hash object (~0.4 us a call).
let sha256 = null;
const nativeSha256 = () => {
  const crypto = require('node:crypto');
  return typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');
};
const sha256Hex = (data) => (sha256 ??= nativeSha256())(data);
// Node 20's UTF-8 decoder is slow outside ASCII; Buffer makes a string from UTF-16 by a copy.
const utf16Text = (utf16le) => Buffer.from(utf16le.buffer, utf16le.byteOffset, utf16le.byteLength).toString('utf16le');
const api = common.createApi({ create: (hooks) => createBindings(wasmModule, hooks), load: async () => {}, sha256Hex, utf16Text });

module.exports = {
  ...api,
  BedrockConnectError: common.BedrockConnectError,
  ConfigError: common.ConfigError,
  AwsError: common.AwsError,
  NetworkError: common.NetworkError,
  StreamError: common.StreamError,
};
