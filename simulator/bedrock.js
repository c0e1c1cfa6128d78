// The simulated Bedrock operations: InvokeModel (runtime) and ListFoundationModels (control plane),
// model-ID → family resolution and the family response fixtures.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const FAMILIES = ['anthropic', 'titan-text', 'nova', 'llama', 'mistral', 'cohere-command', 'cohere-command-r', 'jamba', 'titan-embed', 'cohere-embed'];
const PROFILE_PREFIXES = ['us-gov.', 'us.', 'eu.', 'apac.', 'jp.', 'au.', 'global.'];

/** Keys each family's native request body must have (Bedrock rejects bodies without them). */
const REQUIRED_KEYS = {
  anthropic: ['anthropic_version', 'max_tokens', 'messages'],
  'titan-text': ['inputText'],
  nova: ['messages'],
  llama: ['prompt'],
  mistral: ['prompt'],
  'cohere-command': ['prompt'],
  'cohere-command-r': ['message'],
  jamba: ['messages'],
  'titan-embed': ['inputText'],
  'cohere-embed': ['texts', 'input_type'],
};

const ENUMS = {
  byCustomizationType: ['FINE_TUNING', 'CONTINUED_PRE_TRAINING', 'DISTILLATION'],
  byOutputModality: ['TEXT', 'IMAGE', 'EMBEDDING'],
  byInferenceType: ['ON_DEMAND', 'PROVISIONED'],
};

/** Load every tests/fixtures/responses/<family>.json into { family: fixture }. */
export function loadFixtures(dir) {
  const fixtures = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    fixtures[fixture.family] = fixture;
  }
  return fixtures;
}

/** Family of a bare foundation-model ID, or null. */
export function familyOf(modelId) {
  if (modelId.startsWith('amazon.titan-embed-text')) return 'titan-embed';
  if (modelId.startsWith('cohere.embed')) return 'cohere-embed';
  if (modelId.startsWith('anthropic.')) return 'anthropic';
  if (modelId.startsWith('amazon.titan-text')) return 'titan-text';
  if (modelId.startsWith('amazon.nova')) return 'nova';
  if (modelId.startsWith('meta.llama')) return 'llama';
  if (modelId.startsWith('mistral.')) return 'mistral';
  if (modelId.startsWith('cohere.command-r')) return 'cohere-command-r';
  if (modelId.startsWith('cohere.command')) return 'cohere-command';
  if (modelId.startsWith('ai21.jamba')) return 'jamba';
  return null;
}

/** Strip a cross-region inference-profile prefix (us., eu., apac., ...). */
export function stripProfilePrefix(modelId) {
  const prefix = PROFILE_PREFIXES.find((p) => modelId.startsWith(p));
  return prefix ? modelId.slice(prefix.length) : modelId;
}

/** Turn any accepted identifier (ID, profile ID, foundation-model/inference-profile/provisioned ARN) into a base model ID. */
export function baseModelId(config, identifier) {
  const arn = /^arn:aws[\w-]*:bedrock:[\w-]*:\d*:(foundation-model|inference-profile|provisioned-model)\/(.+)$/.exec(identifier);
  if (arn && arn[1] === 'provisioned-model') return config.provisioned?.[arn[2]] ?? null;
  return stripProfilePrefix(arn ? arn[2] : identifier);
}

/** Resolve an identifier to { modelId, family } when the model is in the catalogue, else null. */
export function resolveModel(config, identifier) {
  const modelId = baseModelId(config, identifier);
  if (!modelId || !config.models.some((m) => m.modelId === modelId)) return null;
  const family = familyOf(modelId);
  return family ? { modelId, family } : null;
}

/** The response (body + token counts) for a model: per-model override, per-family override, then fixture. */
export function responseFor(config, fixtures, { modelId, family }) {
  const override = config.responses?.[modelId] ?? config.responses?.[family];
  const fixture = fixtures[family];
  return {
    body: override?.response ?? fixture.response,
    inputTokens: override?.inputTokens ?? fixture.inputTokens,
    outputTokens: override?.outputTokens ?? fixture.outputTokens,
  };
}

/** Bedrock's refusal of a cache point sent to a model without prompt caching. */
export const CACHE_UNSUPPORTED = 'You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information.';

/** The prompt-cache counts `{ read, write }` for a request body that carries a cache point, else null. */
export function cacheUsage(config, rawBody) {
  const text = Buffer.isBuffer(rawBody) ? rawBody.toString('utf8') : JSON.stringify(rawBody ?? null);
  if (!/"(cache_control|cachePoint)"/.test(text)) return null;
  return { read: config.promptCache?.readInputTokens ?? 0, write: config.promptCache?.writeInputTokens ?? 0 };
}

/** An Anthropic Messages answer with the cache counts in `usage` (other families keep their body: headers only). */
export function withCacheUsage(family, body, cache) {
  if (!cache || family !== 'anthropic' || typeof body?.usage !== 'object') return body;
  const out = structuredClone(body);
  out.usage.cache_read_input_tokens = cache.read;
  out.usage.cache_creation_input_tokens = cache.write;
  return out;
}

/**
 * CountTokens' count for a request body `{ input: { invokeModel: { body } } | { converse: { messages, system } } }`:
 * one token per 4 characters (rounded up) of every string in the counted JSON. `{ ok, inputTokens }` or `{ ok:false, message }`.
 */
export function countTokens(raw) {
  let input;
  try {
    input = JSON.parse(raw.toString('utf8')).input;
  } catch {
    return { ok: false, message: 'Malformed input request, please reformat your input and try again.' };
  }
  const kinds = input && typeof input === 'object' ? Object.keys(input) : [];
  if (kinds.length !== 1 || !['invokeModel', 'converse'].includes(kinds[0])) {
    return { ok: false, message: '1 validation error detected: Value at \'input\' failed to satisfy constraint: exactly one of invokeModel, converse must be set' };
  }
  let counted = input.converse;
  if (kinds[0] === 'invokeModel') {
    try {
      counted = JSON.parse(Buffer.from(String(input.invokeModel.body ?? ''), 'base64').toString('utf8'));
    } catch {
      return { ok: false, message: 'The provided request body is not valid JSON for this model.' };
    }
  }
  const chars = (v) => (typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.values(v).reduce((n, x) => n + chars(x), 0) : 0);
  return { ok: true, inputTokens: Math.ceil(chars(counted) / 4) };
}

/** `arn:…:bedrock:REGION:ACCOUNT:default-prompt-router/NAME` or `…:prompt-router/ID` → [, region, 'kind/NAME']. */
const PROMPT_ROUTER_ARN = /^arn:aws[\w-]*:bedrock:([\w-]+):\d{12}:((?:default-)?prompt-router\/.+)$/;

/** An InvokeModel answer through a prompt router names the model it chose in `amazon-bedrock-trace`. */
export function withRouterTrace(target, body) {
  if (!target.invokedModelId || typeof body !== 'object' || body === null) return body;
  return { ...body, 'amazon-bedrock-trace': { promptRouter: { invokedModelId: target.invokedModelId } } };
}

/**
 * ApplyGuardrail's answer for a guardrail `{ blockedWords, blockedMessage }` and a request body `{ source, content, outputScope }`:
 * GUARDRAIL_INTERVENED with the blocked message when a text block contains a blocked word (case-insensitive), else NONE.
 */
export function applyGuardrail(guardrail, raw) {
  let request;
  try {
    request = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, message: 'Malformed input request, please reformat your input and try again.' };
  }
  if (!['INPUT', 'OUTPUT'].includes(request?.source)) {
    return { ok: false, message: "1 validation error detected: Value at 'source' failed to satisfy constraint: Member must satisfy enum value set: [INPUT, OUTPUT]" };
  }
  if (!Array.isArray(request.content) || request.content.length === 0) {
    return { ok: false, message: "1 validation error detected: Value at 'content' failed to satisfy constraint: Member must not be null" };
  }
  const texts = request.content.map((block) => String(block?.text?.text ?? ''));
  const matches = (guardrail.blockedWords ?? []).filter((w) => texts.some((t) => t.toLowerCase().includes(w.toLowerCase())));
  const usage = { topicPolicyUnits: 0, contentPolicyUnits: texts.length, wordPolicyUnits: texts.length, sensitiveInformationPolicyUnits: 0, sensitiveInformationPolicyFreeUnits: 0, contextualGroundingPolicyUnits: 0 };
  if (matches.length === 0) return { ok: true, body: { usage, action: 'NONE', outputs: [], assessments: [{}] } };
  return {
    ok: true,
    body: {
      usage,
      action: 'GUARDRAIL_INTERVENED',
      actionReason: 'Guardrail blocked.',
      outputs: [{ text: guardrail.blockedMessage ?? 'Sorry, the model cannot answer this question.' }],
      assessments: [{ wordPolicy: { customWords: matches.map((match) => ({ match, action: 'BLOCKED', detected: true })) } }],
    },
  };
}

/**
 * A guardrail applied to a model call (InvokeModel headers or Converse `guardrailConfig`): null without one or
 * for a guardrail not in `config.guardrails` (not checked: the option tests send made-up IDs), `{ error }` for a
 * version it does not have, else `{ intervened, message }` (a blocked word in the request's text).
 */
export function guardrailVerdict(config, identifier, version, rawBody) {
  if (!identifier) return null;
  const id = String(identifier).replace(/^arn:aws[\w-]*:bedrock:[\w-]+:\d{12}:guardrail\//, '');
  const guardrail = config.guardrails?.[id];
  if (!guardrail) return null;
  if (!(version === 'DRAFT' || (guardrail.versions ?? ['1']).includes(String(version)))) {
    return { error: 'The guardrail identifier or version provided in the request does not exist.' };
  }
  const text = (Buffer.isBuffer(rawBody) ? rawBody.toString('utf8') : JSON.stringify(rawBody)).toLowerCase();
  const intervened = (guardrail.blockedWords ?? []).some((w) => text.includes(w.toLowerCase()));
  return { intervened, message: guardrail.blockedMessage ?? 'Sorry, the model cannot answer this question.' };
}

/** An InvokeModel answer under a guardrail: `amazon-bedrock-guardrailAction`, and (Anthropic) the blocked message as the answer. */
export function withGuardrail(family, body, verdict) {
  if (!verdict || typeof body !== 'object' || body === null) return body;
  if (!verdict.intervened) return { ...body, 'amazon-bedrock-guardrailAction': 'NONE' };
  const blocked = family === 'anthropic'
    ? { ...body, content: [{ type: 'text', text: verdict.message }], stop_reason: 'end_turn', usage: { ...body.usage, output_tokens: 0 } }
    : body;
  return { ...blocked, 'amazon-bedrock-guardrailAction': 'INTERVENED' };
}

/** Media type of a header value ("application/json; charset=utf-8" → "application/json"). */
function mediaType(value) {
  return String(value ?? '').split(';')[0].trim().toLowerCase();
}

/** Check Accept and Content-Type the way Bedrock does; returns an error message or null. */
export function checkContentTypes(headers) {
  const accept = headers.accept;
  if (accept && !accept.split(',').map(mediaType).some((t) => t === 'application/json' || t === '*/*')) {
    return 'The provided Accept Type is invalid or not supported for this model';
  }
  const contentType = headers['content-type'];
  if (contentType && mediaType(contentType) !== 'application/json') {
    return 'The provided Content-Type is invalid or not supported for this model';
  }
  return null;
}

/** Parse and check the native request body; returns { ok, body } or { ok:false, message }. */
export function checkBody(config, family, raw) {
  let body;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { ok: false, message: `Malformed input request: ${err.message}, please reformat your input and try again.` };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, message: 'Malformed input request: #: expected type: JSONObject, please reformat your input and try again.' };
  }
  const missing = config.validateBodies ? REQUIRED_KEYS[family].filter((k) => !(k in body)) : [];
  if (missing.length > 0) {
    return { ok: false, message: `Malformed input request: #: required key [${missing[0]}] not found, please reformat your input and try again.` };
  }
  return { ok: true, body };
}

/** Validate ListFoundationModels enum filters; returns an error message or null. */
export function checkListFilters(query) {
  const bad = Object.keys(ENUMS).filter((k) => query[k] !== undefined && !ENUMS[k].includes(query[k]));
  if (bad.length === 0) return null;
  const parts = bad.map((k) => `Value '${query[k]}' at '${k}' failed to satisfy constraint: Member must satisfy enum value set: [${ENUMS[k].join(', ')}]`);
  return `${bad.length} validation error${bad.length > 1 ? 's' : ''} detected: ${parts.join('; ')}`;
}

/** ListFoundationModels answer for a region and filter set. */
export function listFoundationModels(config, region, query) {
  const provider = query.byProvider?.toLowerCase();
  const summaries = config.models
    .filter((m) => !provider || m.providerName.toLowerCase() === provider)
    .filter((m) => !query.byCustomizationType || m.customizationsSupported.includes(query.byCustomizationType))
    .filter((m) => !query.byOutputModality || m.outputModalities.includes(query.byOutputModality))
    .filter((m) => !query.byInferenceType || m.inferenceTypesSupported.includes(query.byInferenceType))
    .map((m) => ({ modelArn: `arn:aws:bedrock:${region}::foundation-model/${m.modelId}`, ...m }));
  return { modelSummaries: summaries };
}

// ---------- inference profiles, marketplace endpoints, invoke targets ----------

const PROFILE_ARN = /^arn:aws[\w-]*:bedrock:([\w-]*):(\d*):(inference-profile|application-inference-profile)\/(.+)$/;
const SAGEMAKER_ENDPOINT_ARN = /^arn:aws[\w-]*:sagemaker:([\w-]*):(\d*):endpoint\/(.+)$/;

/** Find a configured inference profile by ID, system profile ARN (any region) or application profile ARN. */
export function findProfile(config, identifier) {
  const profiles = config.inferenceProfiles ?? [];
  const arn = PROFILE_ARN.exec(identifier);
  if (!arn) return profiles.find((p) => p.inferenceProfileId === identifier) ?? null;
  const type = arn[3] === 'inference-profile' ? 'SYSTEM_DEFINED' : 'APPLICATION';
  return profiles.find((p) => p.type === type && p.inferenceProfileId === arn[4]) ?? null;
}

/** A profile as answered in a region: system profile ARNs carry the request's region. */
export function profileView(profile, region) {
  if (profile.type !== 'SYSTEM_DEFINED' || !region) return { ...profile };
  const parts = profile.inferenceProfileArn.split(':');
  parts[3] = region;
  return { ...profile, inferenceProfileArn: parts.join(':') };
}

/** The foundation model ID a profile routes to (from its first model ARN). */
export function profileModelId(profile) {
  const arn = profile.models?.[0]?.modelArn ?? '';
  const i = arn.indexOf('foundation-model/');
  return i < 0 ? null : arn.slice(i + 'foundation-model/'.length);
}

/**
 * Resolve an InvokeModel identifier.
 * @returns {null | {modelId:string, family:string, via:'base'|'profile'|'prefix'|'provisioned'|'marketplace',
 *   profile?:object, endpointName?:string}}
 */
export function resolveTarget(config, identifier) {
  const router = PROMPT_ROUTER_ARN.exec(identifier);
  if (router) {
    const routeTo = config.promptRouters?.[router[2]];
    const model = routeTo ? resolveModel(config, routeTo) : null;
    return model ? { ...model, via: 'router', invokedModelId: `arn:aws:bedrock:${router[1]}::foundation-model/${model.modelId}` } : null;
  }
  const endpoint = SAGEMAKER_ENDPOINT_ARN.exec(identifier);
  if (endpoint) {
    const family = config.marketplaceEndpoints?.[endpoint[3]];
    return family && FAMILIES.includes(family) ? { modelId: identifier, family, via: 'marketplace', endpointName: endpoint[3] } : null;
  }
  const profile = findProfile(config, identifier);
  if (profile) {
    const model = resolveModel(config, profileModelId(profile) ?? '');
    return model ? { ...model, via: 'profile', profile } : null;
  }
  const model = resolveModel(config, identifier);
  if (!model) return null;
  if (/^arn:[^:]*:bedrock:[^:]*:[^:]*:provisioned-model\//.test(identifier)) return { ...model, via: 'provisioned' };
  if (/^arn:[^:]*:bedrock:[^:]*:[^:]*:inference-profile\//.test(identifier) || stripProfilePrefix(identifier) !== identifier) {
    return { ...model, via: 'prefix' };
  }
  return { ...model, via: 'base' };
}

const PROFILE_TYPES = ['SYSTEM_DEFINED', 'APPLICATION'];

/** Validate ListInferenceProfiles parameters; returns an error message or null. */
export function checkProfileListQuery(query) {
  const errors = [];
  if (query.typeEquals !== undefined && !PROFILE_TYPES.includes(query.typeEquals)) {
    errors.push(`Value '${query.typeEquals}' at 'typeEquals' failed to satisfy constraint: Member must satisfy enum value set: [${PROFILE_TYPES.join(', ')}]`);
  }
  if (query.maxResults !== undefined) {
    const n = Number(query.maxResults);
    if (!/^\d+$/.test(query.maxResults) || n < 1) errors.push(`Value '${query.maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1`);
    else if (n > 1000) errors.push(`Value '${query.maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`);
  }
  if (query.nextToken !== undefined && decodeNextToken(query.nextToken) === null) return 'The provided pagination token is invalid.';
  if (errors.length === 0) return null;
  return `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`;
}

function decodeNextToken(token) {
  const text = Buffer.from(String(token), 'base64').toString('utf8');
  const m = /^offset:(\d+)$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** ListInferenceProfiles answer: filter by type (default SYSTEM_DEFINED), paginate with maxResults/nextToken. */
export function listInferenceProfiles(config, region, query) {
  const type = query.typeEquals ?? 'SYSTEM_DEFINED';
  const all = (config.inferenceProfiles ?? []).filter((p) => p.type === type).map((p) => profileView(p, region));
  const start = query.nextToken === undefined ? 0 : decodeNextToken(query.nextToken);
  const size = query.maxResults === undefined ? all.length : Number(query.maxResults);
  const page = all.slice(start, start + size);
  const answer = { inferenceProfileSummaries: page };
  if (start + size < all.length) answer.nextToken = Buffer.from(`offset:${start + size}`).toString('base64');
  return answer;
}
