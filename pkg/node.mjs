/** Node entry (ES module): the CommonJS entry re-exported, so `import` and `require` share one instance. */
import { createRequire } from 'node:module';

// Loaded with require rather than `import api from './node.cjs'`: Node's ESM-to-CommonJS bridge
// (export-name analysis of the CommonJS source) costs ~2 ms of a cold start; the instance is
// the same one `require('bedrock-connect')` gets.
const api = createRequire(import.meta.url)('./node.cjs');

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
