/** Browser entry (ES module): fetches and compiles the wasm once, on import; async calls await it. */
import { createBindings } from './wasm/bindings.js';
import { createApi } from './common.js';

let compiled = null;
let loading = null;
const url = new URL('./wasm/web/bedrock_connect_bg.wasm', import.meta.url);
/** Compiles the module once (streaming where the server sends `application/wasm`). */
const compile = async () => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`failed to fetch ${url}: ${response.status}`);
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type') === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
};
const load = () =>
  (loading ??= compile().then(
    (module) => {
      compiled = module;
    },
    (e) => {
      loading = null; // a later call tries again
      throw e;
    },
  ));

// Instances are made from the compiled module (a fresh one after a panic: pkg/instance.js).
const api = createApi({ create: (hooks) => (compiled ? createBindings(compiled, hooks) : null), load });
load().catch(() => {}); // start early; errors surface on the first call

export const { BedrockClient, CredentialCache, signRequest, parseModelId, policies, JsonPath, OutputMapping, Template, presets, presetFor, ready } = api;
export { BedrockConnectError, ConfigError, AwsError, NetworkError, StreamError } from './common.js';
