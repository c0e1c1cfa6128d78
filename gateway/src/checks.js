// What the gateway checks before it stores or changes a connection: the role (AssumeRole on the
// STS region's endpoint), the model ID (parse + resolve), and one Test call with the variables.
import { Template, presets } from '../../pkg/workerd.js';
import { GatewayError, badRequest, str, obj } from './http.js';
import { clientFor, stsEndpointFor, toGatewayError, publicError, refineAccessDenied } from './aws.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const MAX_TEMPLATE = 32 * 1024;

export const CONNECTION_FIELDS = ['name', 'roleArn', 'externalId', 'stsRegion', 'region', 'modelId', 'template', 'mapping', 'variables'];

/** The role part of a body (draft routes and connections). */
export function roleFields(body) {
  const region = str(body, 'region', { max: 64 });
  return {
    roleArn: str(body, 'roleArn'),
    externalId: str(body, 'externalId', { max: 1224 }),
    region,
    stsRegion: str(body, 'stsRegion', { required: false, max: 64 }) ?? region,
  };
}

export function nameField(body, required = true) {
  const name = str(body, 'name', { required, max: 64 });
  if (name !== undefined && !NAME.test(name)) {
    throw badRequest('INVALID_FIELD', `\`name\` must be 1–64 letters, digits, spaces, '.', '_' or '-' (starting with a letter or digit)`, 'Pick a short name such as "acme-prod".', 'name');
  }
  return name;
}

export function templateField(body) {
  const template = body.template;
  if (template === undefined || template === null) return undefined;
  if (typeof template !== 'string' || template.trim() === '') throw badRequest('INVALID_FIELD', '`template` must be a non-empty string', 'Send the request-body template as a JSON string with {{variable}} placeholders.', 'template');
  if (template.length > MAX_TEMPLATE) throw badRequest('INVALID_FIELD', `\`template\` is longer than ${MAX_TEMPLATE} characters`, 'Shorten the template.', 'template');
  return template;
}

/** `{ outputText, inputTokens, outputTokens, delta?, …extra }`: JSONPath strings (or null). */
export function mappingField(body) {
  const mapping = obj(body, 'mapping');
  if (mapping === undefined) return undefined;
  for (const [key, value] of Object.entries(mapping)) {
    if (value !== null && typeof value !== 'string') {
      throw badRequest('INVALID_FIELD', `\`mapping.${key}\` must be a JSONPath string or null`, "Write paths such as $.content[?@.type=='text'].text.", 'mapping');
    }
  }
  return mapping;
}

/** The mapping without `delta` (the stream path), as OutputMapping and test() take it. */
export function outputMapping(mapping) {
  const { delta, ...rest } = mapping;
  return rest;
}

/** 422 with the diagnostic of a failed check. */
function checkFailed(error) {
  return new GatewayError(422, error.code, error.message, { hint: error.hint, field: error.field });
}

/** AssumeRole now through `client` (a fresh session name: never served from a cache). */
export async function checkRole(env, client, target, { roleKnownGood = false } = {}) {
  try {
    const role = await client.checkRole();
    return { assumedRoleArn: role.assumedRoleArn, expiration: role.expiration.toISOString(), stsRegion: target.stsRegion, stsEndpoint: stsEndpointFor(env, target.stsRegion) };
  } catch (err) {
    throw checkFailed(refineAccessDenied(toGatewayError(err, { check: true }), { roleKnownGood }));
  }
}

/** Parses and resolves the model ID through the customer's role. → `{ kind, family }`. */
export async function checkModel(client, modelId) {
  try {
    const resolved = await client.resolveModel(modelId);
    return { kind: resolved.kind, family: resolved.family ?? null };
  } catch (err) {
    throw checkFailed(toGatewayError(err, { check: true }));
  }
}

/** The template and mapping to store: given ones, else the family's preset (422 when there is none). */
export function templateAndMapping({ template, mapping, family, modelId }) {
  const preset = family ? presets[family] : null;
  if (template === undefined && !preset) {
    throw checkFailed({ code: 'NO_PRESET', message: `there is no preset for \`${modelId}\``, hint: 'Pass `template` (and `mapping`) for this model: its family has no built-in preset.', field: 'template' });
  }
  if (mapping === undefined && !preset) {
    throw checkFailed({ code: 'NO_PRESET', message: `there is no preset mapping for \`${modelId}\``, hint: 'Pass `mapping` ({ outputText, inputTokens, outputTokens } JSONPaths) for this model.', field: 'mapping' });
  }
  return { template: template ?? preset.template, mapping: mapping ?? { ...preset.mapping } };
}

/** Variables for the registration Test when none are given: `prompt` = "Hello", others empty. */
export function sampleVariables(template) {
  let parsed;
  try {
    parsed = new Template(template);
  } catch (err) {
    throw checkFailed(publicError(err));
  }
  try {
    return Object.fromEntries(parsed.variables.map((name) => [name, name === 'prompt' ? 'Hello' : '']));
  } finally {
    parsed.free();
  }
}

/** One Test call; 422 with its diagnostic when it fails. → `{ ok, latencyMs, mapped }`. */
export async function checkTest(client, { modelId, template, mapping, variables }) {
  const result = await client.test({ modelId, template, mapping: outputMapping(mapping), variables: variables ?? sampleVariables(template) });
  if (!result.ok) throw checkFailed(publicError(result.error));
  return { ok: true, latencyMs: result.latencyMs, mapped: result.mapped };
}

/**
 * Every check of a connection draft, through one client: role → model → template/mapping → Test.
 * → `{ role, kind, family, template, mapping, test }`; throws a 422 GatewayError at the first failure.
 */
export async function checkAll(env, draft, { sessionName, shared, roleKnownGood, trace }) {
  const target = { ...draft, sessionName };
  const client = clientFor(env, target, { shared, trace });
  try {
    const role = await checkRole(env, client, target, { roleKnownGood });
    const { kind, family } = await checkModel(client, draft.modelId);
    const chosen = templateAndMapping({ ...draft, family });
    const test = await checkTest(client, { ...draft, ...chosen });
    return { role, kind, family, ...chosen, test };
  } finally {
    client.free();
  }
}
