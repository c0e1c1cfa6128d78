/**
 * The live WebAssembly instance, replaced after a panic: the failed call (and every call still
 * pending on that instance) rejects with `INTERNAL_PANIC`, and the next call runs on a fresh
 * instance of the same compiled module. Shared by every runtime entry.
 */
import { BedrockConnectError } from './errors.js';

/** Test and diagnostics hooks (memory size, a deliberate panic): not part of the public API. */
export const INTERNAL = Symbol.for('bedrock-connect.internal');

const HINT =
  'This is a bug in bedrock-connect, not in your input: please report it with this message and the shape of the input ' +
  '(types, sizes and nesting, never secrets). The call was abandoned; the next call runs on a fresh WebAssembly instance.';

/**
 * @param {{ create(hooks: { fatal(cause: unknown, where: string): Error, track(p: Promise<any>): Promise<any> }): object | null,
 *   load(): Promise<void> }} loader
 *   `create` instantiates the compiled module synchronously with scripts/wasm-factory.js's
 *   `createBindings` (null while the module is still loading); `load` resolves once it is compiled.
 */
export function createInstances(loader) {
  let live = null; // { bindings, pending: Set<reject>, panic: string | null }
  let generation = 0;

  const start = () => {
    const state = { bindings: null, pending: new Set(), panic: null, error: null };
    const fatal = (cause, where) => {
      if (state.error) return state.error;
      const detail = state.panic ?? (cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
      state.error = new BedrockConnectError(`internal error in bedrock-connect's WebAssembly (${where}): ${detail}`, {
        code: 'INTERNAL_PANIC',
        hint: HINT,
      });
      state.error.cause = cause;
      if (live === state) live = null;
      for (const reject of state.pending) reject(state.error);
      state.pending.clear();
      return state.error;
    };
    // A promise from this instance settles as it does, or rejects if the instance dies first
    // (a future that panicked never settles its own promise).
    const track = (promise) =>
      new Promise((resolve, reject) => {
        if (state.error) return reject(state.error);
        state.pending.add(reject);
        promise.then(
          (value) => {
            state.pending.delete(reject);
            resolve(value);
          },
          (error) => {
            state.pending.delete(reject);
            reject(error);
          },
        );
      });
    const bindings = loader.create({ fatal, track });
    if (!bindings) return null;
    state.bindings = bindings;
    bindings.registerPanicSink((message) => {
      state.panic = message;
    });
    generation++;
    live = state;
    return state;
  };

  /** The live bindings (a fresh instance after a panic), or null while the module loads. */
  const get = () => (live ?? start())?.bindings ?? null;

  const internal = {
    /** Bytes of the live instance's memory. */
    memoryBytes: () => get()?.memory().buffer.byteLength ?? 0,
    /** How many instances were started (1 until a panic). */
    generation: () => generation,
    /** Panics inside wasm: mode 0 now, 1 inside a future (its promise rejects). */
    testPanic: (mode = 0) => {
      return get().__testPanic(mode);
    },
  };

  return {
    get,
    ready: async () => {
      await loader.load();
      return get();
    },
    internal,
  };
}
