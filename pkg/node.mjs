/** Node entry (ES module): the CommonJS entry re-exported, so `import` and `require` share one instance. */
import api from './node.cjs';

export const {
  BedrockClient,
  CredentialCache,
  signRequest,
  parseModelId,
  policies,
  JsonPath,
  OutputMapping,
  Template,
  presets,
  presetFor,
  ready,
  BedrockConnectError,
  ConfigError,
  AwsError,
  NetworkError,
  StreamError,
} = api;
