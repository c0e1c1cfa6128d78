/** Browser entry (ES module): fetches and instantiates the wasm once, on import; async calls await it. */
import init, * as bindings from './wasm/web/bedrock_connect.js';
import { createApi } from './common.js';

let loaded = null;
let loading = null;
const load = () =>
  (loading ??= init({ module_or_path: new URL('./wasm/web/bedrock_connect_bg.wasm', import.meta.url) }).then(() => {
    loaded = bindings;
    return bindings;
  }));

const api = createApi({ get: () => loaded, ready: load });
load().catch(() => {}); // start early; errors surface on the first call

export const { BedrockClient, CredentialCache, signRequest, parseModelId, policies, JsonPath, OutputMapping, Template, presets, presetFor, ready } = api;
export { BedrockConnectError, ConfigError, AwsError, NetworkError, StreamError } from './common.js';
