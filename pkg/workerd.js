/** Cloudflare Workers entry: the .wasm is imported as a module (Workers refuse to compile bytes) and instantiated synchronously. */
import wasmModule from './wasm/web/bedrock_connect_bg.wasm';
import * as bindings from './wasm/web/bedrock_connect.js';
import { createApi } from './common.js';

bindings.initSync({ module: wasmModule });
const api = createApi({ get: () => bindings, ready: async () => bindings });

export const { BedrockClient, CredentialCache, signRequest, parseModelId, policies, JsonPath, OutputMapping, Template, presets, presetFor, ready } = api;
export { BedrockConnectError, ConfigError, AwsError, NetworkError, StreamError } from './common.js';
