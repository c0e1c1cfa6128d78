/** bedrock-connect's public API over an injected wasm module; shared by every runtime entry. */
import { BedrockConnectError, ConfigError, AwsError, NetworkError, StreamError } from './errors.js';

export { BedrockConnectError, ConfigError, AwsError, NetworkError, StreamError };

const errorClasses = { ConfigError, AwsError, NetworkError, StreamError };
const decoder = new TextDecoder();

/**
 * @param {{ get(): any, ready(): Promise<any> }} loader  the wasm bindings: `get()` once loaded
 *   (or null), `ready()` loads them once.
 */
export function createApi(loader) {
  let registered = false;
  const withClasses = (wasm) => {
    if (!registered) {
      wasm.registerErrorClasses(errorClasses);
      registered = true;
    }
    return wasm;
  };
  const ready = async () => withClasses(await loader.ready());
  const now = () => {
    const wasm = loader.get();
    if (!wasm) {
      throw new ConfigError('the WebAssembly module is still loading', {
        code: 'WASM_NOT_READY',
        hint: 'In the browser, await ready() (or any async call) before the first synchronous call.',
      });
    }
    return withClasses(wasm);
  };

  /** The result of `invoke`: the raw answer plus `text()` / `json()`. */
  class InvokeResult {
    constructor(raw) {
      Object.assign(this, raw);
    }
    text() {
      return decoder.decode(this.body);
    }
    json() {
      return JSON.parse(this.text());
    }
  }

  class BedrockClient {
    #options;
    #inner = null;

    constructor(options) {
      this.#options = options;
      if (loader.get()) this.#inner = new (now().WasmClient)(options);
    }

    async #client() {
      if (!this.#inner) this.#inner = new (await ready()).WasmClient(this.#options);
      return this.#inner;
    }

    async checkRole() {
      return (await this.#client()).checkRole();
    }

    async invoke(options) {
      return new InvokeResult(await (await this.#client()).invoke(options));
    }

    async listFoundationModels(options = {}) {
      return (await this.#client()).listFoundationModels(options);
    }

    async resolveModel(modelId) {
      return (await this.#client()).resolveModel(modelId);
    }

    async mintApiKey(options = {}) {
      return (await this.#client()).mintApiKey(options);
    }

    /** Frees the wasm memory now (it is also freed when the client is garbage-collected). */
    free() {
      this.#inner?.free();
      this.#inner = null;
    }

    [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
      this.free();
    }
  }

  return {
    BedrockClient,
    ready: async () => {
      await ready();
    },
    signRequest: (input) => now().signRequest(input),
    parseModelId: (input, context) => now().parseModelId(input, context),
    policies: (input) => now().policies(input),
  };
}
