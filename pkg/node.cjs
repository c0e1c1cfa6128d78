/** Node entry (CommonJS; node.mjs re-exports it): loads the wasm synchronously, no init call. */
const wasm = require('./wasm/nodejs/bedrock_connect.js');
const common = require('./common.cjs');

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
const api = common.createApi({ get: () => wasm, ready: async () => wasm, sha256Hex });

module.exports = {
  ...api,
  BedrockConnectError: common.BedrockConnectError,
  ConfigError: common.ConfigError,
  AwsError: common.AwsError,
  NetworkError: common.NetworkError,
  StreamError: common.StreamError,
};
