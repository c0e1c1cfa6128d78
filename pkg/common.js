/** bedrock-connect's public API over an injected wasm module; shared by every runtime entry. */
import { BedrockConnectError, ConfigError, AwsError, NetworkError, StreamError } from './errors.js';
import { presets } from './presets.js';
import { createInstances, INTERNAL } from './instance.js';

export { BedrockConnectError, ConfigError, AwsError, NetworkError, StreamError, presets };

const errorClasses = { ConfigError, AwsError, NetworkError, StreamError };
/**
 * Bodies from this size on are hashed natively where the runtime can (below it, wasm is faster
 * than the call): here, so the body never crosses into wasm. The same bound as the core's
 * `sign::NATIVE_HASH_MIN`, which applies it to what is hashed inside wasm.
 */
const NATIVE_HASH_MIN = 1024;
const decoder = new TextDecoder();

/** `lookupAll`'s kinds (src/wasm/template.rs reads them). */
const STRING = 0, NUMBER = 1, BOOLEAN = 2, NULL = 3, OTHER = 4, MISSING = 5;

/**
 * A template's variable values, the core's rule (`lookup_paths` in src/template.rs): per variable,
 * the first of its key paths (the flat key, then the dotted path) that exists through own
 * properties; an explicit `undefined` exists. Returns `[values, kinds]` for one call into wasm.
 */
function lookupAll(vars, paths) {
  const n = paths.length;
  const values = new Array(n);
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let kind = MISSING;
    for (const path of paths[i]) {
      let node = vars;
      let found = true;
      for (const key of path) {
        if (node !== null && (typeof node === 'object' || typeof node === 'function') && Object.hasOwn(node, key)) node = node[key];
        else {
          found = false;
          break;
        }
      }
      if (!found) continue;
      values[i] = node;
      const type = typeof node;
      kind = type === 'string' ? STRING : type === 'number' ? NUMBER : type === 'boolean' ? BOOLEAN : node === null ? NULL : OTHER;
      break;
    }
    kinds[i] = kind;
  }
  return [values, kinds];
}

/**
 * What a caller's code threw while `field` was read (a getter, a Proxy trap): the same typed
 * error the wasm readers give (src/wasm/convert.rs `unreadable`).
 */
function unreadable(field, thrown) {
  let message = 'a value that is not an Error';
  try {
    message = typeof thrown === 'string' ? thrown : String(thrown?.message ?? message);
  } catch {}
  return new ConfigError(`reading ${field} threw: ${message.slice(0, 200)}`, {
    code: 'UNREADABLE_INPUT',
    field,
    hint: 'Pass plain data: a getter, a Proxy trap, an iterator or toJSON() threw while the value was read.',
  });
}

/** `lookupAll`, with a throwing getter or Proxy trap reported as `UNREADABLE_INPUT`. */
function lookupValues(vars, paths) {
  try {
    return lookupAll(vars, paths);
  } catch (e) {
    throw unreadable('variables', e);
  }
}

/** A string with no newline (the separator of `plainSignFields`). */
const field = (v) => typeof v === 'string' && !v.includes('\n');

/**
 * The usual `signRequest` input — strings, a plain headers object of strings, a Date or epoch ms
 * (or none), no `settings` — joined for `signFields` (src/wasm/mod.rs): one string crosses into
 * wasm instead of one call per field. `null` for anything else, which `signRequest` reads itself
 * (and reports field by field).
 */
function plainSignFields(input) {
  if (typeof input !== 'object' || input === null || input.settings !== undefined) return null;
  const { method = 'GET', url, region, service, credentials: c, headers, signingDate } = input;
  if (typeof c !== 'object' || c === null) return null;
  const token = c.sessionToken;
  const hasToken = token !== undefined && token !== null;
  if (!field(method) || !field(url) || !field(region) || !field(service) || !field(c.accessKeyId) || !field(c.secretAccessKey) || (hasToken && !field(token))) return null;
  const timeMs = signingDate === undefined || signingDate === null ? Date.now() : signingDate instanceof Date ? signingDate.getTime() : signingDate;
  if (typeof timeMs !== 'number' || !(timeMs >= 0) || !Number.isFinite(timeMs)) return null;
  let fields = `${method}\n${url}\n${region}\n${service}\n${c.accessKeyId}\n${c.secretAccessKey}\n${hasToken ? token : ''}`;
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== 'object' || Object.getPrototypeOf(headers) !== Object.prototype) return null;
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (!field(name) || !field(value)) return null;
      fields += `\n${name}\n${value}`;
    }
  }
  return { fields, timeMs, hasToken };
}

const freedError = () => new ConfigError('this object was freed', { code: 'FREED', hint: 'Create a new one; free() releases it for good.' });

/** Thrown by `idle` when no byte came in time (the handle makes the typed error). */
const IDLE = Symbol('idle');

/**
 * `read` (one `reader.read()`), or `IDLE` thrown after the stream's `idleTimeoutMs` (decided in
 * wasm) without an answer; the timer is cleared either way.
 */
function idle(read, handle) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(IDLE), handle.idleTimeoutMs);
  });
  return Promise.race([read, timeout]).finally(() => clearTimeout(timer));
}

const SOURCES = [null, 'body', 'headers'];
const count = (n) => (Number.isNaN(n) ? null : n);

/**
 * The object a mapping answers, from wasm's two parts: `outputText` (or `[outputText, name,
 * value, …]` with extra fields) and `[inputTokens, outputTokens, sources…, cache counts, their sources]`
 * (src/wasm/mapping.rs).
 */
function mapped(text, c) {
  const extra = Array.isArray(text);
  const out = {
    outputText: extra ? text[0] : text,
    inputTokens: count(c[0]),
    outputTokens: count(c[1]),
    cacheReadInputTokens: count(c[4]),
    cacheWriteInputTokens: count(c[5]),
    source: { inputTokens: SOURCES[c[2]], outputTokens: SOURCES[c[3]], cacheReadInputTokens: SOURCES[c[6]], cacheWriteInputTokens: SOURCES[c[7]] },
  };
  // defineProperty: an extra field named `__proto__` is a member, not the object's prototype.
  for (let i = 1; extra && i < text.length; i += 2) Object.defineProperty(out, text[i], { value: text[i + 1], enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * @param {{ create(hooks: object): any, load(): Promise<void>, sha256Hex?: (data: string | Uint8Array) => string,
 *   utf16Text?: (utf16le: Uint8Array) => string }} loader
 *   the wasm bindings: `create(hooks)` instantiates the compiled module (null while it loads),
 *   `load()` compiles it once (pkg/instance.js keeps one live instance, a fresh one after a
 *   panic); `sha256Hex`, a native SHA-256 where the runtime has a synchronous one (Node);
 *   `utf16Text`, a string from UTF-16 where that beats the runtime's UTF-8 decoder (Node).
 */
export function createApi(loader) {
  const instances = createInstances(loader);
  let registered = null;
  const withClasses = (wasm) => {
    if (registered !== wasm) {
      wasm.registerErrorClasses(errorClasses);
      wasm.registerLookup(lookupAll);
      if (loader.sha256Hex) wasm.registerSha256(loader.sha256Hex);
      if (loader.utf16Text) wasm.registerUtf16Text(loader.utf16Text);
      registered = wasm;
    }
    return wasm;
  };
  const ready = async () => withClasses(await instances.ready());
  const now = () => {
    const wasm = instances.get();
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

  /** An InvokeModel `chunk` event; its `json` is decoded and parsed from the batch's bytes on first use. */
  class ChunkEvent {
    #raw;
    #start;
    #end;
    #json;
    constructor(raw, start, end, text) {
      this.type = 'chunk';
      this.text = text;
      this.#raw = raw;
      this.#start = start;
      this.#end = end;
    }
    get json() {
      if (this.#json === undefined) this.#json = JSON.parse(decoder.decode(this.#raw.subarray(this.#start, this.#end)));
      return this.#json;
    }
    toJSON() {
      const out = { type: this.type, json: this.json, text: this.text };
      for (const key of REASONING_KEYS) if (this[key] !== null) out[key] = this[key];
      return out;
    }
  }
  // Reasoning (kind 3 chunks) is set on the event itself; plain chunks keep these defaults.
  const REASONING_KEYS = ['reasoning', 'reasoningSignature', 'reasoningRedactedContent'];
  for (const key of REASONING_KEYS) ChunkEvent.prototype[key] = null;

  /**
   * A lazy event stream: the request starts on the first iteration or when `textStream` is read,
   * and only one of the two may be used (`STREAM_CONSUMED`). Breaking out of the loop, an error or
   * cancelling `textStream` aborts the fetch and frees the decoder.
   */
  class BedrockStream {
    #open;
    #handle = null;
    #reader = null;
    #ended = false;
    #claimed = null;
    #queue = [];
    #head = 0;

    constructor(open) {
      this.#open = open;
    }

    #claim(how) {
      if (this.#claimed) {
        throw new StreamError(`this stream is already being read through ${this.#claimed}`, {
          code: 'STREAM_CONSUMED',
          hint: 'Iterate the stream or read its textStream, not both, and only once; call invokeStream() again for a new request.',
        });
      }
      this.#claimed = how;
    }

    /** The next event: taken from the last batch, or from decoding the next network read. */
    async #next() {
      while (this.#head === this.#queue.length) {
        if (this.#ended) {
          this.#close();
          return undefined;
        }
        if (!this.#handle) {
          this.#handle = await this.#open();
          this.#reader = this.#handle.reader;
        }
        this.#fill(await this.#read());
      }
      return this.#queue[this.#head++];
    }

    /** One network read, decoded in wasm: a batch of events, or undefined. Errors close the stream. */
    async #read() {
      const handle = this.#handle;
      try {
        let step;
        try {
          step = await idle(this.#reader.read(), handle);
        } catch (e) {
          throw e === IDLE ? handle.idleTimedOut() : handle.readFailed(e);
        }
        if (!step.done) return handle.push(step.value);
        this.#ended = true;
        return handle.finish();
      } catch (e) {
        this.#close();
        throw e;
      }
    }

    /** Unpacks a batch `[text, raw, meta, events]` (src/wasm/stream.rs `batch_to_js`) into the queue. */
    #fill(batch) {
      if (batch === undefined) return;
      const [text, raw, meta, events] = batch;
      const queue = [];
      let e = 0;
      for (let i = 0; i < meta.length; i += 5) {
        const kind = meta[i];
        if (kind === 1) queue.push(events[e++]);
        else if (kind === 3) queue.push(Object.assign(new ChunkEvent(raw, meta[i + 1], meta[i + 2], null), events[e++]));
        else queue.push(new ChunkEvent(raw, meta[i + 1], meta[i + 2], kind === 0 ? text.slice(meta[i + 3], meta[i + 4]) : null));
      }
      this.#queue = queue;
      this.#head = 0;
    }

    #close() {
      this.#ended = true;
      const handle = this.#handle;
      const reader = this.#reader;
      if (!handle) return;
      this.#handle = null;
      this.#reader = null;
      try {
        handle.cancel();
      } catch {
        // The instance died (INTERNAL_PANIC): cancel the body here so the connection closes.
        reader?.cancel().catch(() => {});
      } finally {
        handle.free();
      }
    }

    [Symbol.asyncIterator]() {
      this.#claim('its async iterator');
      return {
        next: () => {
          // Events already unpacked need no extra await.
          if (this.#head < this.#queue.length) return Promise.resolve({ done: false, value: this.#queue[this.#head++] });
          return this.#next().then((value) => (value === undefined ? { done: true, value: undefined } : { done: false, value }));
        },
        return: async () => {
          this.#close();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    }

    /** The text deltas as a `ReadableStream<string>` (for a `Response` body or SSE). */
    get textStream() {
      this.#claim('textStream');
      return new ReadableStream({
        pull: async (controller) => {
          // One pull hands over every delta unpacked so far (at least one, unless the stream ended).
          const send = (event) => {
            const ok = typeof event.text === 'string' && event.text.length > 0;
            if (ok) controller.enqueue(event.text);
            return ok;
          };
          for (;;) {
            const event = await this.#next();
            if (event === undefined) return controller.close();
            let sent = send(event);
            while (this.#head < this.#queue.length) sent = send(this.#queue[this.#head++]) || sent;
            if (sent) return;
          }
        },
        cancel: () => this.#close(),
      });
    }
  }

  class BedrockClient {
    #options;
    #inner = null;
    #freed = false;
    /** The instance `#inner` lives in: after a panic the client is rebuilt on the fresh one. */
    #wasm = null;

    constructor(options) {
      this.#options = options;
      if (instances.get()) this.#inner = wasmClient((this.#wasm = now()), options);
    }

    async #client() {
      if (this.#freed) throw freedError();
      const wasm = await ready();
      if (!this.#inner || this.#wasm !== wasm) this.#inner = wasmClient((this.#wasm = wasm), this.#options);
      return this.#inner;
    }

    async checkRole(options = {}) {
      return (await this.#client()).checkRole(options);
    }

    async invoke(options) {
      return new InvokeResult(await (await this.#client()).invoke(options));
    }

    async listFoundationModels(options = {}) {
      return (await this.#client()).listFoundationModels(options);
    }

    async resolveModel(modelId, options = {}) {
      return (await this.#client()).resolveModel(modelId, options);
    }

    async mintApiKey(options = {}) {
      return (await this.#client()).mintApiKey(options);
    }

    /** ApplyGuardrail: AWS's answer (`action`, `outputs`, `assessments`, …). */
    async applyGuardrail(options) {
      return (await this.#client()).applyGuardrail(options);
    }

    /** CountTokens: `{ inputTokens, modelIdUsed }` (a system profile counts against its base model). */
    async countTokens(options) {
      return (await this.#client()).countTokens(options);
    }

    /** InvokeModelWithResponseStream: `chunk` events (`json`, `text`), then one `metrics` event. */
    invokeStream(options) {
      return new BedrockStream(async () => (await this.#client()).invokeStream(options));
    }

    /** Converse: `{ outputText, message, stopReason, usage, latencyMs, serverLatencyMs }`. */
    async converse(options) {
      return (await this.#client()).converse(options);
    }

    /** ConverseStream: messageStart, contentBlockStart, contentBlockDelta (`text`), contentBlockStop, messageStop, metadata. */
    converseStream(options) {
      return new BedrockStream(async () => (await this.#client()).converseStream(options));
    }

    /** The Test button: never throws for a failed call. `template` / `mapping` default to the model's preset. */
    async test({ template, mapping, ...rest } = {}) {
      const client = await this.#client();
      const result = await client.test({
        ...rest,
        template: template instanceof Template ? { source: template.source, json: template.json } : template,
        mapping: mapping instanceof OutputMapping ? mapping.spec : mapping,
      });
      if (Array.isArray(result.mapped)) result.mapped = mapped(result.mapped[0], result.mapped.slice(1));
      return result;
    }

    /** Frees the wasm memory now (it is also freed when the client is garbage-collected); later calls throw `FREED`. */
    free() {
      this.#inner?.free();
      this.#inner = null;
      this.#freed = true;
    }

    [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
      this.free();
    }
  }

  /**
   * Wraps a wasm-bindgen class: the wasm memory is freed by free(), [Symbol.dispose] or the GC.
   * `make(wasm)` builds it; after a panic it is rebuilt from the same inputs on the fresh instance.
   */
  class Owned {
    #inner;
    #make;
    #wasm;
    constructor(make) {
      this.#make = make;
      this.#wasm = now();
      this.#inner = make(this.#wasm);
    }
    get inner() {
      if (!this.#inner) throw freedError();
      if (this.#wasm !== instances.get()) this.#inner = this.#make((this.#wasm = now()));
      return this.#inner;
    }
    free() {
      this.#inner?.free();
      this.#inner = null;
    }
    [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
      this.free();
    }
  }

  /** Assumed-role credentials shared by every client given it as `credentialCache`. */
  class CredentialCache extends Owned {
    constructor() {
      super((wasm) => new wasm.WasmCredentialCache());
    }
  }

  /** A client's wasm half; `credentialCache` becomes a handle on the shared cache. */
  const wasmClient = (wasm, options) => {
    let shared;
    try {
      shared = options?.credentialCache;
    } catch (e) {
      throw unreadable('credentialCache', e);
    }
    if (shared !== undefined && !(shared instanceof CredentialCache)) {
      throw new TypeError('credentialCache must be a CredentialCache');
    }
    return new wasm.WasmClient(options, shared?.inner.handle());
  };

  /** An RFC 9535 JSONPath, compiled once. */
  class JsonPath extends Owned {
    constructor(path) {
      super((wasm) => new wasm.WasmJsonPath(path));
    }
    get source() {
      return this.inner.source;
    }
    query(input) {
      return this.inner.query(input);
    }
    queryLocated(input) {
      return this.inner.queryLocated(input);
    }
  }

  /** `{ outputText, inputTokens, outputTokens, ...extra }` paths, compiled once. */
  class OutputMapping extends Owned {
    #spec;
    #counts = new Float64Array(8);
    constructor(spec) {
      let copy;
      try {
        copy = typeof spec === 'object' && spec !== null ? { ...spec } : spec;
      } catch (e) {
        throw unreadable('mapping', e);
      }
      super((wasm) => new wasm.WasmOutputMapping(copy));
      this.#spec = copy;
    }
    /** The paths it was built from. */
    get spec() {
      return { ...this.#spec };
    }
    apply(body, headers) {
      return mapped(body instanceof Uint8Array ? this.#applyBytes(body, headers) : this.inner.apply(body, headers, this.#counts), this.#counts);
    }
    /** A Uint8Array crosses by the glue's native copy; what a Proxy's trap throws there is the caller's. */
    #applyBytes(body, headers) {
      try {
        return this.inner.applyBytes(body, headers, this.#counts);
      } catch (e) {
        throw e instanceof BedrockConnectError ? e : unreadable('body', e);
      }
    }
  }

  /** A request-body template with `{{variable}}` placeholders, parsed once; renders valid JSON. */
  class Template extends Owned {
    #source;
    #json;
    #paths;
    constructor(source, { json = true } = {}) {
      super((wasm) => new wasm.WasmTemplate(source, { json }));
      this.#source = source;
      this.#json = json;
      this.#paths = this.inner.lookupPaths;
    }
    get source() {
      return this.#source;
    }
    get json() {
      return this.#json;
    }
    /** Variable names in order of first appearance (feeds the prompt-variables form). */
    get variables() {
      return this.inner.variables;
    }
    render(vars) {
      const [values, kinds] = lookupValues(vars, this.#paths);
      return this.inner.renderValues(vars, values, kinds, false);
    }
    renderBytes(vars) {
      const [values, kinds] = lookupValues(vars, this.#paths);
      return this.inner.renderValues(vars, values, kinds, true);
    }
  }

  const presetFor = (modelId) => {
    const family = now().presetFamily(modelId);
    return family ? presets[family] : null;
  };

  return {
    BedrockClient,
    CredentialCache,
    JsonPath,
    OutputMapping,
    Template,
    presets,
    presetFor,
    ready: Object.defineProperty(
      async () => {
        await ready();
      },
      INTERNAL,
      { value: instances.internal },
    ),
    signRequest: (input) => {
      const wasm = now();
      let body, hash, fast;
      try {
        body = input?.body;
        const size = typeof body === 'string' ? body.length : body instanceof Uint8Array ? body.byteLength : 0;
        // A runtime with a native SHA-256 (Node) hashes large bodies itself: the body then never
        // crosses into wasm, and wasm signs with the given payload hash.
        hash = loader.sha256Hex && size >= NATIVE_HASH_MIN ? loader.sha256Hex(body) : undefined;
        fast = hash !== undefined || body == null || body instanceof Uint8Array ? plainSignFields(input) : null;
      } catch {
        // A getter or Proxy trap threw: the general path reads each field again and names it.
        hash = undefined;
        fast = null;
      }
      const signed = fast === null
        ? wasm.signRequest(input, hash)
        : wasm.signFields(fast.fields, fast.timeMs, fast.hasToken, hash === undefined ? body ?? undefined : undefined, hash);
      // `method\nurl\nname\nvalue…` (src/wasm/mod.rs `sign_request`).
      const parts = signed.split('\n');
      const headers = {};
      for (let i = 2; i + 1 < parts.length; i += 2) headers[parts[i]] = parts[i + 1];
      return { method: parts[0], url: parts[1], headers };
    },
    parseModelId: (input, context) => now().parseModelId(input, context),
    policies: (input) => now().policies(input),
  };
}
