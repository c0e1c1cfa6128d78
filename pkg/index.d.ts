// Types of bedrock-connect's public API (every runtime entry exports the same names).
// index.d.cts is the same file for `require` (scripts/check-readme.js checks they match).

declare global {
  // `[Symbol.dispose]` below type-checks without the `esnext.disposable` lib (TS2550 otherwise);
  // the same declaration as that lib's, so the two merge.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** `{ accessKeyId, secretAccessKey, sessionToken? }`: the platform's own AWS credentials. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials expire: a credentials function is called again 5 minutes before. */
  expiration?: Date;
  /** Accepted (and ignored) so that the AWS SDK's credential providers' results pass as they are. */
  credentialScope?: string;
  accountId?: string;
}

/** Static credentials, or a function returning them: called only when credentials are needed, its result reused until 5 minutes before its `expiration` (for ever without one). */
export type CredentialsSource = AwsCredentials | (() => AwsCredentials | Promise<AwsCredentials>);

/** A session tag: `{ key, value }` (or AWS's `{ Key, Value }`). */
export type SessionTag = { key: string; value: string } | { Key: string; Value: string };

/** The customer's role to assume with STS AssumeRole. */
export interface AssumeRoleOptions {
  /** `arn:aws:iam::123456789012:role/BedrockAccess`. */
  roleArn: string;
  /** Must equal the role's trust-policy condition `sts:ExternalId`; 2–1224 characters. */
  externalId?: string;
  /** 2–64 of `[\w+=,.@-]`; default `bedrock-connect-<epoch ms>`. */
  sessionName?: string;
  /** 900–43200; clamped to 3600 when the base credentials carry a session token (role chaining). */
  durationSeconds?: number;
  /** Session tags (needs `sts:TagSession` in the trust policy). */
  tags?: Record<string, string> | SessionTag[];
  transitiveTagKeys?: string[];
  sourceIdentity?: string;
  /** Region of the STS endpoint to call; default: the client's `region`. */
  stsRegion?: string;
  /** Base URL of STS for private/on-prem deployments (wins over `stsRegion` for the host). */
  stsEndpoint?: string;
}

export interface BedrockClientOptions {
  /** The model's region, e.g. `us-east-1`. */
  region: string;
  credentials?: CredentialsSource;
  assumeRole?: AssumeRoleOptions;
  /** A Bedrock API key; cannot be combined with `credentials` / `assumeRole` (`CONFIG_CONFLICT`). */
  bearerToken?: string;
  /** Base URL of the Bedrock runtime (InvokeModel). */
  endpoint?: string;
  /** Base URL of the Bedrock control plane (ListFoundationModels). */
  controlEndpoint?: string;
  /** Default `'never'`. */
  inferenceProfile?: 'auto' | 'never';
  /** Standard mode: `maxAttempts` includes the first attempt (default 3, 1–10); full jitter, `Retry-After` honoured up to 20 s. */
  retry?: { maxAttempts?: number };
  /** Per-attempt timeout in ms until the answer's headers: default 60,000 for STS and the control plane, 300,000 for model calls. */
  timeoutMs?: number;
  /** Streams: no byte for this long ends them with `STREAM_IDLE_TIMEOUT` (default 120,000 ms). */
  idleTimeoutMs?: number;
  /** FIPS hosts for STS, the runtime and the control plane (`CONFIG_CONFLICT` where AWS has none). */
  useFipsEndpoint?: boolean;
  /** Called after every attempt of every request (AssumeRole included). */
  onAttempt?: (attempt: AttemptInfo) => void;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Clock in epoch milliseconds (default `Date.now`), for tests. */
  now?: () => number;
  /** Share assumed credentials between clients (default: one cache per client). */
  credentialCache?: CredentialCache;
}

export interface AttemptInfo {
  /** `invoke`, `invokeStream`, `converse`, `converseStream`, `test`, `listFoundationModels`, `assumeRole`, `listInferenceProfiles`, `resolveModel`. */
  operation: string;
  /** 1-based. */
  attempt: number;
  /** The wait before the next attempt; null when none follows. */
  delayMs: number | null;
  /** The error code of a failed attempt; null on success. */
  code: string | null;
  status: number | null;
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Per attempt, overrides the client's. */
  timeoutMs?: number;
}

/** An InvokeModel body, or Converse `messages` (and `system`): one of the two. */
export type CountTokensOptions = CallOptions & { modelId: string } & (
  | { body: string | Uint8Array | ArrayBuffer | Record<string, unknown> | unknown[]; messages?: never; system?: never }
  | { messages: JsonValue[]; system?: JsonValue[]; body?: never }
);

export interface CountTokensResult {
  inputTokens: number;
  /** The base model counted against (a system profile's base model, or the model an application profile's GetInferenceProfile names). */
  modelIdUsed: string;
}

export interface ApplyGuardrailOptions extends CallOptions {
  /** The guardrail's ID or ARN. */
  guardrailIdentifier: string;
  /** A version number or `'DRAFT'`. */
  guardrailVersion: string;
  source: 'INPUT' | 'OUTPUT';
  /** Guardrail content blocks, e.g. `[{ text: { text: '…', qualifiers: ['guard_content'] } }]`. */
  content: JsonValue[];
  outputScope?: 'INTERVENTIONS' | 'FULL';
}

/** AWS's ApplyGuardrail answer. */
export interface ApplyGuardrailResult {
  action: 'NONE' | 'GUARDRAIL_INTERVENED' | (string & {});
  actionReason?: string;
  /** The replacement text when the guardrail intervened. */
  outputs: { text?: string }[];
  assessments: JsonValue[];
  usage?: Record<string, number>;
  guardrailCoverage?: JsonValue;
  [field: string]: JsonValue | undefined;
}

/** Per-call Bedrock options of model calls: headers on InvokeModel-style calls, top-level fields on Converse. */
export interface ModelCallOptions extends CallOptions {
  /** Default: the client's (`'never'`). */
  inferenceProfile?: 'auto' | 'never';
  guardrailIdentifier?: string;
  guardrailVersion?: string;
  trace?: 'ENABLED' | 'DISABLED' | 'ENABLED_FULL';
  performanceConfigLatency?: 'standard' | 'optimized';
  serviceTier?: ServiceTierType;
}

export type ServiceTierType = 'priority' | 'default' | 'flex' | 'reserved';

/** Assumed-role credentials shared by the clients given it as `credentialCache`; their default session names match so they share. */
export declare class CredentialCache {
  constructor();
  free(): void;
  [Symbol.dispose](): void;
}

export interface CheckRoleResult {
  assumedRoleArn: string;
  accessKeyId: string;
  expiration: Date;
  /** Notes such as the role-chaining clamp of `durationSeconds`. */
  warnings: string[];
}

export interface InvokeOptions extends ModelCallOptions {
  modelId: string;
  /** A plain object is sent as JSON. */
  body: string | Uint8Array | ArrayBuffer | Record<string, unknown> | unknown[];
  /** Default `application/json`. */
  contentType?: string;
  /** Default `application/json`. */
  accept?: string;
}

/** Token counts. `inputTokens` is as the model reports it: prompt-cache reads and writes are counted apart (not in it). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the prompt cache; null when the model reported none. */
  cacheReadInputTokens: number | null;
  /** Input tokens written to the prompt cache; null when the model reported none. */
  cacheWriteInputTokens: number | null;
}

export interface InvokeResult {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Uint8Array;
  text(): string;
  json<T = any>(): T;
  requestId: string | null;
  /** From `X-Amzn-Bedrock-Input-Token-Count` / `-Output-Token-Count`. */
  usage: Usage | null;
  /** Client wall time to the last byte. */
  latencyMs: number;
  /** `X-Amzn-Bedrock-Invocation-Latency`. */
  serverLatencyMs: number | null;
  inferenceProfileUsed: string | null;
  /** The model a prompt router chose, when Bedrock reports it; else null. */
  invokedModelId: string | null;
  /** `amazon-bedrock-guardrailAction` of a call with a guardrail: `'INTERVENED'` (the body is the guardrail's message) or `'NONE'`; null without one. */
  guardrailAction: 'INTERVENED' | 'NONE' | null;
}

export interface ListFoundationModelsOptions extends CallOptions {
  /** → `byProvider`, e.g. `'Anthropic'`. */
  provider?: string;
  /** → `byCustomizationType`: `'FINE_TUNING' | 'CONTINUED_PRE_TRAINING' | 'DISTILLATION'`. */
  customizationType?: string;
  /** → `byOutputModality`: `'TEXT' | 'IMAGE' | 'EMBEDDING'`. */
  outputModality?: string;
  /** → `byInferenceType`: `'ON_DEMAND' | 'PROVISIONED'`. */
  inferenceType?: string;
}

/** One entry of ListFoundationModels' `modelSummaries`, as AWS returns it. */
export interface FoundationModelSummary {
  modelArn: string;
  modelId: string;
  modelName?: string;
  providerName?: string;
  inputModalities?: string[];
  outputModalities?: string[];
  responseStreamingSupported?: boolean;
  customizationsSupported?: string[];
  inferenceTypesSupported?: string[];
  modelLifecycle?: { status: string };
  [key: string]: unknown;
}

export interface ResolvedModel {
  /** What goes into the path (ARNs whole). */
  modelId: string;
  kind: ModelIdKind;
  /** The preset family (`anthropic`, `titan-text`, `nova`, `llama`, `mistral`, `cohere-command`, `cohere-command-r`, `jamba`), or null when unknown. */
  family: string | null;
  region: string;
  /** The inference profile the ID names (system or application), else null. */
  inferenceProfile: string | null;
}

export interface ApiKey {
  /** `bedrock-api-key-…`: a secret, send it as `Authorization: Bearer …` (or `new BedrockClient({ region, bearerToken })`). */
  token: string;
  expiration: Date;
  region: string;
}

/** A JSON value, as templates take and mappings return. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Template variables: flat keys (`{ 'system.prompt': … }`) or nested objects (`{ system: { prompt: … } }`); the flat key wins. */
export type TemplateVariables = Record<string, unknown>;

/** `{{variable}}` body template, parsed once; in JSON mode every render is valid JSON. */
export declare class Template {
  constructor(source: string, options?: { json?: boolean });
  readonly source: string;
  readonly json: boolean;
  /** Variable names in order of first appearance, no duplicates. */
  readonly variables: string[];
  /** Throws `TEMPLATE_MISSING_VARIABLES` (all of them) or `TEMPLATE_VALUE` (NaN, ±Infinity, BigInt, undefined, functions). */
  render(vars: TemplateVariables): string;
  /** UTF-8 bytes: what `invoke` sends. */
  renderBytes(vars: TemplateVariables): Uint8Array;
  free(): void;
  [Symbol.dispose](): void;
}

/** JSON text (string / UTF-8 bytes / ArrayBuffer) or a plain JS value. */
export type JsonInput = string | Uint8Array | ArrayBuffer | JsonValue;

/** An RFC 9535 JSONPath, compiled once. */
export declare class JsonPath {
  constructor(path: string);
  readonly source: string;
  query(input: JsonInput): JsonValue[];
  /** With normalized paths such as `$['content'][0]['text']`. */
  queryLocated(input: JsonInput): { path: string; value: JsonValue }[];
  free(): void;
  [Symbol.dispose](): void;
}

/** JSONPaths of an output mapping; extra named fields take the first value found. */
export interface OutputMappingSpec {
  outputText?: string | null;
  inputTokens?: string | null;
  outputTokens?: string | null;
  /** Falls back to `X-Amzn-Bedrock-Cache-Read-Input-Token-Count`. */
  cacheReadInputTokens?: string | null;
  /** Falls back to `X-Amzn-Bedrock-Cache-Write-Input-Token-Count`. */
  cacheWriteInputTokens?: string | null;
  [extra: string]: string | null | undefined;
}

export type TokenSource = 'body' | 'headers' | null;

export interface MappedOutput {
  /** All string nodes joined with `''`; null when the path finds nothing. */
  outputText: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadInputTokens: number | null;
  cacheWriteInputTokens: number | null;
  source: TokenSources;
  [extra: string]: JsonValue | undefined | TokenSources;
}

export interface TokenSources {
  inputTokens: TokenSource;
  outputTokens: TokenSource;
  cacheReadInputTokens: TokenSource;
  cacheWriteInputTokens: TokenSource;
}

export declare class OutputMapping {
  constructor(spec: OutputMappingSpec);
  readonly spec: OutputMappingSpec;
  /** Token fields fall back to `X-Amzn-Bedrock-Input-Token-Count` / `-Output-Token-Count`; a wrong type throws `MAPPING_TYPE`. */
  apply(body: string | Uint8Array | ArrayBuffer | JsonValue, headers?: Record<string, string> | [string, string][]): MappedOutput;
  free(): void;
  [Symbol.dispose](): void;
}

export type PresetFamily = 'anthropic' | 'titan-text' | 'nova' | 'llama' | 'mistral' | 'cohere-command' | 'cohere-command-r' | 'jamba' | 'converse' | 'titan-embed' | 'cohere-embed';

export interface Preset {
  family: PresetFamily;
  template: string;
  variables: string[];
  /**
   * `delta`: the JSONPath of a streamed chunk's text. Embeddings presets (`titan-embed`,
   * `cohere-embed`) have `outputText`, `outputTokens` and `delta` null and one extra path: the
   * vector (`embedding` for Titan, `embeddings` for Cohere). `cacheReadInputTokens` /
   * `cacheWriteInputTokens` are set where the family reports them in its body (anthropic); else
   * the cache headers are used.
   */
  mapping: {
    outputText: string | null;
    inputTokens: string | null;
    outputTokens: string | null;
    cacheReadInputTokens: string | null;
    cacheWriteInputTokens: string | null;
    delta: string | null;
    embedding?: string;
    embeddings?: string;
  };
}

export declare const presets: Readonly<Record<PresetFamily, Preset>>;
/** The preset of a model ID whose family shows in it (base IDs, foundation-model ARNs, system profiles), else null (image/video models such as `amazon.nova-canvas-v1:0`, `amazon.titan-image-generator-*`, `stability.*` included). */
export declare function presetFor(modelId: string): Preset | null;

export interface TestOptions extends ModelCallOptions {
  modelId: string;
  /**
   * `'invoke'`: InvokeModel(-WithResponseStream); `'converse'`: `/converse` (`/converse-stream` with `stream`).
   * Default `'invoke'`, except `'converse'` when `template` is `presets.converse.template`.
   */
  api?: 'invoke' | 'converse';
  /** Default: the model family's preset (`presets.converse` with `api: 'converse'`). */
  template?: string | Template;
  variables?: TemplateVariables;
  /** Default: the model family's preset. */
  mapping?: OutputMappingSpec | OutputMapping;
  /** Call InvokeModelWithResponseStream (ConverseStream with `api: 'converse'`): the text is the joined deltas, tokens from the invocation metrics (the `metadata` event). */
  stream?: boolean;
  /** With `stream: true`: called with each text delta as it arrives (what it throws is ignored). */
  onDelta?: (text: string) => void;
  idleTimeoutMs?: number;
}

export interface TestResult {
  ok: boolean;
  /** What was sent last (secrets redacted); null when nothing was sent. */
  request: { url: string; headers: Record<string, string>; body: string } | null;
  /** What came back last (the STS answer when AssumeRole failed). */
  response: { status: number; headers: Record<string, string>; body: string } | null;
  mapped: MappedOutput | null;
  /** The model a prompt router chose, when Bedrock reports it; else null. */
  invokedModelId: string | null;
  latencyMs: number;
  error: { code: string; message: string; hint: string; field: string } | null;
}

export interface InvokeStreamOptions extends InvokeOptions {
  /** JSONPath of a chunk's text delta; default: the model family's preset `delta`. */
  delta?: string;
  /** No byte for this long: `STREAM_IDLE_TIMEOUT`; overrides the client's. */
  idleTimeoutMs?: number;
}

/**
 * Reasoning beside the answer text, on the event that carried it (never in `text` or `textStream`):
 * Anthropic `thinking_delta` → `reasoning`, `signature_delta` → `reasoningSignature` (a delta with
 * no text), `redacted_thinking` → `reasoningRedactedContent`; Converse `delta.reasoningContent`
 * `text` / `signature` / `redactedContent` (base64) likewise.
 */
export interface ReasoningFields {
  reasoning: string | null;
  reasoningSignature: string | null;
  reasoningRedactedContent: string | null;
}

export type InvokeStreamEvent =
  | ({ type: 'chunk'; json: JsonValue; text: string | null } & ReasoningFields)
  | { type: 'metrics'; usage: Usage | null; latencyMs: number | null; firstByteLatencyMs: number | null; invokedModelId: string | null };

/** A lazy stream: the request starts on first iteration or when `textStream` is read; use one of the two (`STREAM_CONSUMED`). */
export interface BedrockStream<E> extends AsyncIterable<E> {
  /** The text deltas, for a `Response` body or SSE. */
  readonly textStream: ReadableStream<string>;
}

/** Converse's own option shapes; the flat `ModelCallOptions` become these same fields. */
export interface ConverseOptions extends Omit<ModelCallOptions, 'serviceTier'> {
  modelId: string;
  messages: JsonValue[];
  system?: JsonValue[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: JsonValue;
  /** `streamProcessingMode` on converseStream only. */
  guardrailConfig?: { guardrailIdentifier: string; guardrailVersion: string; trace?: 'enabled' | 'disabled' | 'enabled_full'; streamProcessingMode?: 'sync' | 'async' };
  performanceConfig?: { latency: 'standard' | 'optimized' };
  /** `'priority'` or AWS's `{ type: 'priority' }`. */
  serviceTier?: ServiceTierType | { type: ServiceTierType };
  additionalModelRequestFields?: JsonValue;
  additionalModelResponseFieldPaths?: string[];
  promptVariables?: JsonValue;
  requestMetadata?: Record<string, string>;
  /** No byte of the answer for this long: `STREAM_IDLE_TIMEOUT`; overrides the client's. */
  idleTimeoutMs?: number;
}

export type ConverseStreamOptions = ConverseOptions;

export interface ConverseResult {
  /** The `text` blocks joined (reasoning excluded). */
  outputText: string;
  /** AWS's `output.message` unmodified (its `reasoningContent` blocks too): send it back as the next turn's assistant message. */
  message: JsonValue;
  stopReason: string | null;
  usage: {
    inputTokens: number | null;
    outputTokens: number | null;
    totalTokens: number | null;
    cacheReadInputTokens: number | null;
    cacheWriteInputTokens: number | null;
  };
  latencyMs: number;
  serverLatencyMs: number | null;
  inferenceProfileUsed: string | null;
  /** The model a prompt router chose, when Bedrock reports it; else null. */
  invokedModelId: string | null;
  /** `'INTERVENED'` when a guardrail blocked (`stopReason` `guardrail_intervened`); else null. */
  guardrailAction: 'INTERVENED' | null;
}

/**
 * `text` / `reasoning*` only on a `contentBlockDelta` that carries them (see `ReasoningFields`).
 * The `metadata` event also has `invokedModelId` (a prompt router's choice, else null) and
 * `usage.cacheRead/WriteInputTokens`.
 */
export type ConverseStreamEvent = {
  type: 'messageStart' | 'contentBlockStart' | 'contentBlockDelta' | 'contentBlockStop' | 'messageStop' | 'metadata';
  text?: string;
  reasoning?: string;
  reasoningSignature?: string;
  reasoningRedactedContent?: string;
  [field: string]: JsonValue | undefined;
};

export declare class BedrockClient {
  constructor(options: BedrockClientOptions);
  /** Assumes the role (or reuses cached credentials); throws `NO_ROLE_CONFIGURED` without `assumeRole`. */
  checkRole(options?: CallOptions): Promise<CheckRoleResult>;
  /** InvokeModel; a non-2xx answer throws `AwsError`. */
  invoke(options: InvokeOptions): Promise<InvokeResult>;
  listFoundationModels(options?: ListFoundationModelsOptions): Promise<FoundationModelSummary[]>;
  /** Parses the ID in the client's context; application inference profiles are resolved with GetInferenceProfile. */
  resolveModel(modelId: string, options?: CallOptions): Promise<ResolvedModel>;
  /** A short-term Bedrock API key from the client's (assumed) credentials; `expiresIn` 1–43200 s (default 43200), clamped to the credentials' expiry. */
  mintApiKey(options?: CallOptions & { expiresIn?: number }): Promise<ApiKey>;
  /** CountTokens (`POST /model/{id}/count-tokens`) against a base model; a system profile counts against its base model. */
  countTokens(options: CountTokensOptions): Promise<CountTokensResult>;
  /** ApplyGuardrail (`POST /guardrail/{id}/version/{version}/apply`): AWS's answer as it is. */
  applyGuardrail(options: ApplyGuardrailOptions): Promise<ApplyGuardrailResult>;
  /** InvokeModelWithResponseStream, decoded in wasm: `chunk` events, then one `metrics` event. */
  invokeStream(options: InvokeStreamOptions): BedrockStream<InvokeStreamEvent>;
  converse(options: ConverseOptions): Promise<ConverseResult>;
  converseStream(options: ConverseStreamOptions): BedrockStream<ConverseStreamEvent>;
  /** The Test button: render, invoke, show the raw exchange and the mapped output; never throws for a failed call. */
  test(options: TestOptions): Promise<TestResult>;
  /** Frees the wasm memory now (otherwise freed when garbage-collected); later calls throw `FREED`. */
  free(): void;
  [Symbol.dispose](): void;
}

export interface SigningSettings {
  /** Default `'double'` (the AWS SDKs' choice for every service but S3). */
  percentEncoding?: 'double' | 'single';
  /** Default true. */
  normalizePath?: boolean;
  /** Adds `x-amz-content-sha256`. */
  payloadChecksumHeader?: boolean;
  /** `'exclude'` = sent but not signed. Default `'include'`. */
  sessionToken?: 'include' | 'exclude';
  /** Default `'headers'`; `'query'` presigns the URL. */
  location?: 'headers' | 'query';
  /** Seconds, for query signing. */
  expiresIn?: number;
  excludedHeaders?: string[];
}

export interface SignRequestInput {
  /** Default `GET`. */
  method?: string;
  url: string;
  headers?: Record<string, string> | [string, string][];
  body?: string | Uint8Array;
  region: string;
  service: string;
  credentials: AwsCredentials;
  /** Default: now. */
  signingDate?: Date | number;
  settings?: SigningSettings;
}

export interface SignedRequest {
  method: string;
  /** With the `X-Amz-*` parameters when `location: 'query'`. */
  url: string;
  /** Lower-case names, everything to send, without `host`. */
  headers: Record<string, string>;
}

/** Signs a request with SigV4 (synchronous). */
export declare function signRequest(input: SignRequestInput): SignedRequest;

/** `prompt-router`: `…:default-prompt-router/…` and `…:prompt-router/…` ARNs, kept whole. */
export type ModelIdKind = 'base' | 'inference-profile' | 'provisioned' | 'marketplace' | 'custom' | 'prompt-router';

export interface ParsedModelId {
  kind: ModelIdKind;
  /** Exactly what goes (percent-encoded) into `/model/{modelId}/…`. */
  modelId: string;
  region: string | null;
  accountId: string | null;
}

/** Parses a model ID or ARN (synchronous). `context` expands short forms and catches region mismatches. */
export declare function parseModelId(input: string, context?: { region?: string; accountId?: string }): ParsedModelId;

export interface PoliciesInput {
  /** The platform's 12-digit account ID, or its IAM user/role ARN. */
  platformPrincipal: string;
  /** Adds the `sts:ExternalId` condition. */
  externalId?: string;
  /** Default: the seven bedrock actions bedrock-connect uses. */
  actions?: string[];
  /** Truthy when the platform sends session tags: adds `sts:TagSession`. */
  tags?: boolean | Record<string, string> | SessionTag[];
  /** Model IDs / ARNs: the model actions are scoped to their foundation-model, inference-profile and provisioned ARNs. */
  models?: string[];
  /** Regions the models are called in (default: any, `*`). */
  regions?: string[];
}

export interface IamPolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{
    Sid: string;
    Effect: 'Allow';
    Action: string[];
    /** `*`, or the models' ARNs in a scoped `BedrockConnectModels` statement. */
    Resource?: string | string[];
    Principal?: { AWS: string };
    Condition?: { StringEquals: { 'sts:ExternalId': string } };
  }>;
}

/** The role's permissions policy and trust policy, as IAM JSON (synchronous). */
export declare function policies(input: PoliciesInput): { permissions: IamPolicyDocument; trust: IamPolicyDocument };

/** Resolves once the WebAssembly module is loaded (only needed in browsers before a synchronous call). */
export declare function ready(): Promise<void>;

export interface ErrorFields {
  code: string;
  hint?: string;
  field?: string | null;
  status?: number | null;
  requestId?: string | null;
  retryable?: boolean;
}

export declare class BedrockConnectError extends Error {
  constructor(message: string, fields: ErrorFields);
  /** AWS's code verbatim (`AccessDenied`, `ValidationException`) or ours (`INVALID_ROLE_ARN`). */
  readonly code: string;
  /** One sentence saying what to fix. */
  readonly hint: string;
  /** The JS option path at fault, e.g. `assumeRole.roleArn`. */
  readonly field: string | null;
  /** HTTP status, when there was a response. */
  readonly status: number | null;
  readonly requestId: string | null;
  readonly retryable: boolean;
  toJSON(): { name: string; code: string; message: string; hint: string; field: string | null; status: number | null; requestId: string | null; retryable: boolean };
}
/** Bad input, found before any request was sent. */
export declare class ConfigError extends BedrockConnectError {}
/** AWS answered with an error. */
export declare class AwsError extends BedrockConnectError {}
/** No answer: connection failed, aborted or timed out. */
export declare class NetworkError extends BedrockConnectError {}
/** A stream broke mid-way. */
export declare class StreamError extends BedrockConnectError {}
