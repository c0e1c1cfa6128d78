// Default configuration of the local AWS simulator (identities, roles, model catalogue, error presets).
// Tests and the demo rely on these exact values; change them only together with their users.

/** The account that owns the Bedrock roles. */
export const ROLE_ACCOUNT = '123456789012';

/**
 * Foundation models known to the simulator (ListFoundationModels answers and InvokeModel accepts these IDs).
 * `family` picks the response fixture (tests/fixtures/responses/<family>.json).
 */
export function defaultModels() {
  const text = ['TEXT'];
  const textImage = ['TEXT', 'IMAGE'];
  const onDemand = ['ON_DEMAND'];
  const both = ['ON_DEMAND', 'PROVISIONED'];
  const m = (modelId, modelName, providerName, inputModalities, customizationsSupported, inferenceTypesSupported) => ({
    modelId,
    modelName,
    providerName,
    inputModalities,
    outputModalities: ['TEXT'],
    responseStreamingSupported: true,
    customizationsSupported,
    inferenceTypesSupported,
    modelLifecycle: { status: 'ACTIVE' },
  });
  // Embeddings models answer vectors and do not stream (their fixtures: titan-embed, cohere-embed).
  const embed = (model) => ({ ...model, outputModalities: ['EMBEDDING'], responseStreamingSupported: false });
  return [
    m('anthropic.claude-3-haiku-20240307-v1:0', 'Claude 3 Haiku', 'Anthropic', textImage, [], both),
    m('anthropic.claude-3-5-sonnet-20240620-v1:0', 'Claude 3.5 Sonnet', 'Anthropic', textImage, [], both),
    m('anthropic.claude-3-5-sonnet-20241022-v2:0', 'Claude 3.5 Sonnet v2', 'Anthropic', textImage, [], onDemand),
    m('anthropic.claude-3-7-sonnet-20250219-v1:0', 'Claude 3.7 Sonnet', 'Anthropic', textImage, [], ['INFERENCE_PROFILE']),
    m('amazon.titan-text-express-v1', 'Titan Text G1 - Express', 'Amazon', text, ['FINE_TUNING', 'CONTINUED_PRE_TRAINING'], both),
    m('amazon.titan-text-lite-v1', 'Titan Text G1 - Lite', 'Amazon', text, ['FINE_TUNING', 'CONTINUED_PRE_TRAINING'], both),
    m('amazon.nova-micro-v1:0', 'Nova Micro', 'Amazon', text, ['FINE_TUNING', 'DISTILLATION'], onDemand),
    m('amazon.nova-lite-v1:0', 'Nova Lite', 'Amazon', ['TEXT', 'IMAGE', 'VIDEO'], ['FINE_TUNING', 'DISTILLATION'], onDemand),
    m('amazon.nova-pro-v1:0', 'Nova Pro', 'Amazon', ['TEXT', 'IMAGE', 'VIDEO'], ['DISTILLATION'], onDemand),
    m('meta.llama3-8b-instruct-v1:0', 'Llama 3 8B Instruct', 'Meta', text, [], onDemand),
    m('meta.llama3-1-70b-instruct-v1:0', 'Llama 3.1 70B Instruct', 'Meta', text, ['FINE_TUNING'], onDemand),
    m('mistral.mistral-7b-instruct-v0:2', 'Mistral 7B Instruct', 'Mistral AI', text, [], onDemand),
    m('mistral.mistral-large-2402-v1:0', 'Mistral Large (24.02)', 'Mistral AI', text, [], onDemand),
    m('cohere.command-text-v14', 'Command', 'Cohere', text, ['FINE_TUNING'], onDemand),
    m('cohere.command-r-v1:0', 'Command R', 'Cohere', text, [], onDemand),
    m('cohere.command-r-plus-v1:0', 'Command R+', 'Cohere', text, [], onDemand),
    m('ai21.jamba-1-5-mini-v1:0', 'Jamba 1.5 Mini', 'AI21 Labs', text, [], onDemand),
    m('ai21.jamba-1-5-large-v1:0', 'Jamba 1.5 Large', 'AI21 Labs', text, [], onDemand),
    embed(m('amazon.titan-embed-text-v2:0', 'Titan Text Embeddings V2', 'Amazon', text, [], onDemand)),
    embed(m('cohere.embed-english-v3', 'Embed English', 'Cohere', text, [], onDemand)),
  ];
}

/** Regions of each cross-region inference geography. */
export const GEOGRAPHIES = {
  us: { label: 'US', regions: ['us-east-1', 'us-east-2', 'us-west-2'] },
  eu: { label: 'EU', regions: ['eu-central-1', 'eu-west-1', 'eu-west-3'] },
  apac: { label: 'APAC', regions: ['ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2'] },
};

/** The application inference profile of the defaults (Claude 3 Haiku in us-east-1). */
export const APP_PROFILE_ARN = `arn:aws:bedrock:us-east-1:${ROLE_ACCOUNT}:application-inference-profile/app1abc2def3`;

/**
 * Inference profiles: SYSTEM_DEFINED cross-region profiles for catalogue models plus one APPLICATION profile.
 * System profile ARNs are answered with the request's region in place of the stored one.
 */
export function defaultInferenceProfiles() {
  const created = '2024-08-27T00:00:00Z';
  const system = (geo, modelId, name) => {
    const { label, regions } = GEOGRAPHIES[geo];
    const id = `${geo}.${modelId}`;
    return {
      inferenceProfileId: id,
      inferenceProfileName: `${label} ${name}`,
      inferenceProfileArn: `arn:aws:bedrock:${regions[0]}:${ROLE_ACCOUNT}:inference-profile/${id}`,
      models: regions.map((region) => ({ modelArn: `arn:aws:bedrock:${region}::foundation-model/${modelId}` })),
      status: 'ACTIVE',
      type: 'SYSTEM_DEFINED',
      description: `Routes requests to ${name} in ${regions.slice(0, -1).join(', ')} and ${regions.at(-1)}.`,
      createdAt: created,
      updatedAt: created,
    };
  };
  const catalogue = [
    ['anthropic.claude-3-haiku-20240307-v1:0', 'Anthropic Claude 3 Haiku', ['us', 'eu', 'apac']],
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'Anthropic Claude 3.5 Sonnet', ['us', 'eu', 'apac']],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'Anthropic Claude 3.5 Sonnet v2', ['us', 'apac']],
    ['anthropic.claude-3-7-sonnet-20250219-v1:0', 'Anthropic Claude 3.7 Sonnet', ['us', 'eu', 'apac']],
    ['amazon.nova-micro-v1:0', 'Nova Micro', ['us', 'eu', 'apac']],
    ['amazon.nova-lite-v1:0', 'Nova Lite', ['us', 'eu', 'apac']],
    ['amazon.nova-pro-v1:0', 'Nova Pro', ['us', 'eu', 'apac']],
    ['meta.llama3-1-70b-instruct-v1:0', 'Meta Llama 3.1 70B Instruct', ['us']],
  ];
  const profiles = [];
  for (const [geo] of Object.entries(GEOGRAPHIES)) {
    for (const [modelId, name, geos] of catalogue) if (geos.includes(geo)) profiles.push(system(geo, modelId, name));
  }
  profiles.push({
    inferenceProfileId: 'app1abc2def3',
    inferenceProfileName: 'my-app-haiku',
    inferenceProfileArn: APP_PROFILE_ARN,
    models: [{ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0' }],
    status: 'ACTIVE',
    type: 'APPLICATION',
    description: 'Application profile for Claude 3 Haiku in us-east-1 (cost tracking).',
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
  });
  return profiles;
}

/**
 * The default simulator configuration.
 * - baseCredentials: long-term IAM user keys accepted by STS (and, for convenience, by Bedrock).
 * - roles: assumable roles. `trust` lists principal ARNs allowed to assume (user ARN, role ARN for chained
 *   sessions, assumed-role session ARN, 'arn:aws:iam::ACCOUNT:root' or '*'); `externalId` when required;
 *   `actions` the IAM actions its sessions may perform ('sts:TagSession' allows session tags);
 *   `maxSessionDuration` in seconds.
 * - runtimeRegions: regions Bedrock requests may be scoped to; empty = any valid-looking region.
 * - provisioned: provisioned-throughput model ID (last ARN segment) → foundation model ID.
 * - models: the foundation-model catalogue (see defaultModels()).
 * - maxSkewMs: allowed distance between X-Amz-Date and the simulator clock.
 * - invocationLatencyMs: value of X-Amzn-Bedrock-Invocation-Latency.
 * - latencyMs: artificial delay before every AWS answer.
 * - responses: per family or model ID overrides `{ response, inputTokens, outputTokens }` of the fixtures.
 * - validateBodies: reject invoke bodies missing the family's required keys (as Bedrock does).
 * - inject: queued error injections (see index.js `configure`).
 * - clockOffsetMs: added to the clock (also settable via startSimulator({ clockOffsetMs })).
 * - inferenceProfiles: SYSTEM_DEFINED and APPLICATION inference profiles (see defaultInferenceProfiles()).
 * - onDemandUnsupported: base model IDs that must be invoked through an inference profile.
 * - modelAccessDenied: model IDs (base ID or identifier as sent) whose model access is not granted.
 * - marketplaceEndpoints: SageMaker endpoint name → response family, for `arn:aws:sagemaker:…:endpoint/NAME`.
 * - marketplaceSubscriptionRequired: base model IDs / endpoint names whose invocation needs
 *   `aws-marketplace:ViewSubscriptions` on the caller (first-use Marketplace subscription).
 * - unrecognizedTokenRegions: Bedrock regions where temporary (session) credentials are not recognized.
 * - disabledStsRegions: regions where STS is not activated (AssumeRole scoped there → RegionDisabledException).
 * - stsRegion: the region this STS endpoint serves (null = any); other signing regions → SignatureDoesNotMatch.
 * - scpDeny: IAM actions denied by a service control policy (e.g. 'sts:AssumeRole', 'bedrock:InvokeModel').
 * - stsExpiredTokenStatus: HTTP status of STS ExpiredToken for expired caller credentials (AWS sends 403; 400 kept for compatibility).
 * - stsSessionSeconds: null, or the lifetime (s, may be negative) of every session STS issues, overriding DurationSeconds.
 * - stream: event-stream controls for invoke-with-response-stream and converse-stream (see defaultStreamConfig()).
 * - promptRouters: `default-prompt-router/NAME` or `prompt-router/ID` (the ARN's resource) → the base model it routes to;
 *   answers name it (InvokeModel `amazon-bedrock-trace.promptRouter.invokedModelId`, Converse `trace.promptRouter`).
 * - guardrails: guardrail ID → `{ versions, blockedWords, blockedMessage }` for ApplyGuardrail (DRAFT always exists).
 * - promptCacheUnsupported: base model IDs that refuse a request with a cache point (ValidationException).
 * - countTokensModels: base model IDs CountTokens supports (others: ValidationException).
 * - promptCache: `{ readInputTokens, writeInputTokens }` reported for a request that carries a cache point
 *   (Anthropic `cache_control`, Converse / Nova `cachePoint`): Anthropic bodies in `usage.cache_read_input_tokens` /
 *   `cache_creation_input_tokens`, Converse `usage.cacheReadInputTokens` / `cacheWriteInputTokens`, stream
 *   invocation metrics `cacheReadInputTokenCount` / `cacheWriteInputTokenCount`, and always the
 *   `X-Amzn-Bedrock-Cache-{Read,Write}-Input-Token-Count` headers on InvokeModel.
 */
export function defaultConfig() {
  return {
    baseCredentials: [
      {
        accessKeyId: 'AKIAPLATFORM00000001',
        secretAccessKey: 'platformSecretKey/0000000000000000000000',
        arn: 'arn:aws:iam::111111111111:user/platform',
      },
    ],
    roles: [
      {
        roleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/BedrockAccess`,
        trust: ['arn:aws:iam::111111111111:user/platform'],
        externalId: 'platform-42',
        actions: [
          'bedrock:InvokeModel',
          'bedrock:InvokeModelWithResponseStream',
          'bedrock:ListFoundationModels',
          'bedrock:ListInferenceProfiles',
          'bedrock:GetInferenceProfile',
          'bedrock:CallWithBearerToken',
          'bedrock:CountTokens',
          'bedrock:ApplyGuardrail',
          'sts:TagSession',
        ],
        maxSessionDuration: 43200,
      },
      {
        roleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/NoInvoke`,
        trust: ['arn:aws:iam::111111111111:user/platform'],
        actions: ['bedrock:ListFoundationModels'],
        maxSessionDuration: 3600,
      },
    ],
    runtimeRegions: [],
    provisioned: {
      abcdef123456: 'anthropic.claude-3-haiku-20240307-v1:0',
    },
    models: defaultModels(),
    maxSkewMs: 5 * 60 * 1000,
    invocationLatencyMs: 250,
    latencyMs: 0,
    responses: {},
    validateBodies: true,
    inject: [],
    clockOffsetMs: 0,
    inferenceProfiles: defaultInferenceProfiles(),
    onDemandUnsupported: ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
    modelAccessDenied: [],
    marketplaceEndpoints: { 'my-endpoint': 'llama' },
    marketplaceSubscriptionRequired: [],
    unrecognizedTokenRegions: [],
    disabledStsRegions: [],
    stsRegion: null,
    scpDeny: [],
    stsExpiredTokenStatus: 400,
    stsSessionSeconds: null,
    stream: defaultStreamConfig(),
    promptCache: { readInputTokens: 0, writeInputTokens: 1024 },
    promptCacheUnsupported: [],
    guardrails: { gr1abc: { versions: ['1'], blockedWords: ['forbidden'], blockedMessage: 'Sorry, I cannot help with that.' } },
    promptRouters: { 'default-prompt-router/anthropic.claude:1': 'anthropic.claude-3-haiku-20240307-v1:0', 'prompt-router/abc123def456': 'amazon.nova-lite-v1:0' },
    countTokensModels: defaultModels().map((m) => m.modelId).filter((id) => id.startsWith('anthropic.')),
  };
}

/** Write modes of event streams: whole frames, one byte per write, or seeded random split points. */
export const STREAM_CHUNKING = ['frames', 'bytes', 'random'];

/**
 * What replaces a stream after `afterChunks` frames. Modeled exceptions are sent as AWS does:
 * `:message-type` exception, `:exception-type` NAME, `:content-type` application/json, JSON payload.
 * `error` is an unmodeled error frame, `badCrc` a frame with a corrupted message CRC, `truncate` half a frame.
 */
export const STREAM_EXCEPTIONS = {
  throttlingException: { message: 'Too many requests, please wait before trying again.' },
  modelStreamErrorException: { message: 'The model stream was interrupted by an error.', originalStatusCode: 500, originalMessage: 'Model stream error: upstream connection reset.' },
  validationException: { message: 'Input is too long for requested model.' },
  modelTimeoutException: { message: 'Model has timed out in processing the request.' },
  internalServerException: { message: 'The system encountered an unexpected error during processing. Try your request again.' },
  serviceUnavailableException: { message: 'Bedrock is unable to process your request.' },
};
export const STREAM_INJECTIONS = [...Object.keys(STREAM_EXCEPTIONS), 'error', 'badCrc', 'truncate'];

/**
 * Default stream controls (`configure({ stream: {...} })` merges into the current ones; `reset()` restores these).
 * - chunking: 'frames' | 'bytes' | 'random' (how the encoded frames are cut into res.write calls).
 * - seed: seeds the random split points and the `p` padding of invoke-stream chunks.
 * - delayMs: pause between writes.
 * - inject: null or one of STREAM_INJECTIONS; replaces the rest of every stream after `afterChunks` frames.
 * - afterChunks: event frames sent before the injection.
 * - firstByteLatencyMs: `firstByteLatency` of amazon-bedrock-invocationMetrics (invocationLatency = invocationLatencyMs).
 */
export function defaultStreamConfig() {
  return { chunking: 'frames', seed: 1, delayMs: 0, inject: null, afterChunks: 0, firstByteLatencyMs: 100 };
}

/** Short names usable in `inject: [{ op, error: 'throttle', times }]`, per protocol. */
export const ERROR_PRESETS = {
  bedrock: {
    throttle: { status: 429, code: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
    internal: { status: 500, code: 'InternalServerException', message: 'The system encountered an unexpected error during processing. Try your request again.' },
    unavailable: { status: 503, code: 'ServiceUnavailableException', message: 'Bedrock is unable to process your request.' },
    accessDenied: { status: 403, code: 'AccessDeniedException', message: "You don't have access to the model with the specified model ID." },
    validation: { status: 400, code: 'ValidationException', message: 'The provided model identifier is invalid.' },
    expiredToken: { status: 403, code: 'ExpiredTokenException', message: 'The security token included in the request is expired' },
    modelNotReady: { status: 429, code: 'ModelNotReadyException', message: 'Model is not ready to serve inference requests.' },
    modelTimeout: { status: 408, code: 'ModelTimeoutException', message: 'Model has timed out in processing the request.' },
    quota: { status: 400, code: 'ServiceQuotaExceededException', message: 'Your request exceeds the service quota for your account. You can view your quotas at Viewing service quotas. You can resubmit your request later.' },
    modelError: { status: 424, code: 'ModelErrorException', message: 'The request failed due to an error while processing the model.' },
    notFound: { status: 404, code: 'ResourceNotFoundException', message: 'The specified resource ARN was not found. Check the ARN and try your request again.' },
  },
  sts: {
    throttle: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
    internal: { status: 500, code: 'InternalFailure', message: 'An internal error occurred.' },
    unavailable: { status: 503, code: 'ServiceUnavailable', message: 'Service is unavailable.' },
    accessDenied: { status: 403, code: 'AccessDenied', message: 'Access denied' },
    validation: { status: 400, code: 'ValidationError', message: 'Request failed validation.' },
    expiredToken: { status: 400, code: 'ExpiredToken', message: 'The security token included in the request is expired' },
    regionDisabled: { status: 403, code: 'RegionDisabledException', message: 'STS is not activated in this region for account:111111111111. Your account administrator can activate STS in this region using the IAM Console.' },
  },
};
