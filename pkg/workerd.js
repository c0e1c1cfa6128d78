/** Cloudflare Workers entry: the .wasm is imported as a module (Workers refuse to compile bytes) and instantiated synchronously. */
import wasmModule from './wasm/web/bedrock_connect_bg.wasm';
import { createBindings } from './wasm/bindings.js';
import { createApi } from './common.js';

// A fresh instance of the same module after a panic (pkg/instance.js).
const api = createApi({ create: (hooks) => createBindings(wasmModule, hooks), load: async () => {} });

export const { BedrockClient, CredentialCache, signRequest, parseModelId, policies, JsonPath, OutputMapping, Template, presets, presetFor, ready } = api;
export { BedrockConnectError, ConfigError, AwsError, NetworkError, StreamError } from './common.js';
