/** Node entry (CommonJS; node.mjs re-exports it): loads the wasm synchronously, no init call. */
const wasm = require('./wasm/nodejs/bedrock_connect.js');
const common = require('./common.cjs');

const api = common.createApi({ get: () => wasm, ready: async () => wasm });

module.exports = {
  ...api,
  BedrockConnectError: common.BedrockConnectError,
  ConfigError: common.ConfigError,
  AwsError: common.AwsError,
  NetworkError: common.NetworkError,
  StreamError: common.StreamError,
};
