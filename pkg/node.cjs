/** Node entry (CommonJS; node.mjs re-exports it): loads the wasm synchronously, no init call. */
const wasm = require('./wasm/nodejs/bedrock_connect.js');
const common = require('./common.cjs');

// Node's OpenSSL SHA-256 hashes large bodies faster than wasm can (crypto injected per runtime).
// node:crypto is loaded on the first long input, not at start-up (~2 ms of a cold start).
let createHash = null;
const sha256Hex = (data) => (createHash ??= require('node:crypto').createHash)('sha256').update(data).digest('hex');
const api = common.createApi({ get: () => wasm, ready: async () => wasm, sha256Hex });

module.exports = {
  ...api,
  BedrockConnectError: common.BedrockConnectError,
  ConfigError: common.ConfigError,
  AwsError: common.AwsError,
  NetworkError: common.NetworkError,
  StreamError: common.StreamError,
};
