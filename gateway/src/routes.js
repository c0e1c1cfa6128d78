// The management routes: setup, the page's session, draft checks, and connection CRUD. Every
// change is checked against AWS first; a failed check stores and changes nothing.
import { policies, presets } from '../../pkg/workerd.js';
import { GatewayError, json, readJson, onlyFields, obj, bool } from './http.js';
import { newKey, newExternalId, sha256Hex } from './auth.js';
import { clientFor, toGatewayError } from './aws.js';
import { CONNECTION_FIELDS, roleFields, nameField, templateField, mappingField, checkAll, checkRole } from './checks.js';
import * as store from './store.js';
import { testAnswer } from './testcall.js';
import { countAnswer } from './counttokens.js';

/** The IAM role hints of step 1: STS endpoints by region. */
const STS_REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'sa-east-1'];

export function setup({ env, url }) {
  const given = url.searchParams.get('externalId');
  const externalId = given === null || given.trim() === '' ? newExternalId() : given.trim();
  const platformPrincipal = env.PLATFORM_PRINCIPAL_ARN;
  if (!platformPrincipal) {
    throw new GatewayError(503, 'PLATFORM_NOT_CONFIGURED', 'the gateway does not know its own principal ARN', { hint: 'Set PLATFORM_PRINCIPAL_ARN (wrangler.toml [vars]) to the IAM user or role ARN the gateway signs as.' });
  }
  // Optional scope: comma-separated model IDs / ARNs and regions, passed through to policies().
  const list = (name) => (url.searchParams.get(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let policy;
  try {
    policy = policies({ platformPrincipal, externalId, models: list('models'), regions: list('regions') });
  } catch (err) {
    if (err.field === 'platformPrincipal') {
      throw new GatewayError(503, err.code, `PLATFORM_PRINCIPAL_ARN: ${err.message}`, { hint: `${err.hint} (This is the gateway's own setting, not the customer's.)` });
    }
    if (err.field === 'models' || err.field === 'regions') {
      throw new GatewayError(400, err.code, err.message, { hint: err.hint, field: err.field });
    }
    const error = toGatewayError(err, { check: true });
    error.status = 400;
    throw error;
  }
  const stsEndpoints = Object.fromEntries(STS_REGIONS.map((r) => [r, `https://sts.${r}.amazonaws.com/`]));
  return json(200, { platformPrincipal, externalId, stsEndpoints, permissions: policy.permissions, trust: policy.trust });
}

export function session({ env }) {
  if (env.LOCAL_SESSION !== '1') {
    throw new GatewayError(404, 'NOT_FOUND', 'there is no local session on this gateway', { hint: 'Enter the admin token; it is only handed out by a local `npm start`.' });
  }
  return json(200, { adminToken: env.ADMIN_TOKEN, local: true });
}

// ---------- draft routes (nothing stored) ----------

const DRAFT_ROLE_FIELDS = ['roleArn', 'externalId', 'stsRegion', 'region'];

export async function draftCheckRole({ request, env, log }) {
  const body = await readJson(request);
  onlyFields(body, DRAFT_ROLE_FIELDS);
  const target = { ...roleFields(body), sessionName: 'bc-check' };
  log.operation = 'check-role';
  const client = clientFor(env, target, { shared: false, trace: log });
  try {
    return json(200, await checkRole(env, client, target, { roleKnownGood: await store.roleInUse(env.DB, target.roleArn) }));
  } finally {
    client.free();
  }
}

export async function draftModels({ request, env, log }) {
  const body = await readJson(request);
  onlyFields(body, DRAFT_ROLE_FIELDS);
  return listModels(env, { ...roleFields(body), sessionName: 'bc-check' }, log, false);
}

export async function draftTest({ request, env, log }) {
  const body = await readJson(request);
  onlyFields(body, [...DRAFT_ROLE_FIELDS, 'modelId', 'template', 'mapping', 'variables', 'stream']);
  const target = { ...roleFields(body), sessionName: 'bc-check' };
  const call = { modelId: body.modelId, template: templateField(body), mapping: mappingField(body), variables: obj(body, 'variables'), stream: bool(body, 'stream') };
  if (typeof call.modelId !== 'string' || call.modelId.trim() === '') {
    throw new GatewayError(400, 'MISSING_FIELD', '`modelId` is required', { hint: 'Add `modelId` to the request body.', field: 'modelId' });
  }
  return testAnswer({ request, env, log, target, shared: false, call });
}

export async function draftCountTokens({ request, env, log }) {
  const body = await readJson(request);
  onlyFields(body, [...DRAFT_ROLE_FIELDS, 'modelId', 'template', 'variables', 'api']);
  const target = { ...roleFields(body), sessionName: 'bc-check' };
  const call = { modelId: modelIdField(body), template: templateField(body), variables: obj(body, 'variables'), api: body.api };
  return countAnswer({ env, log, target, shared: false, call });
}

async function listModels(env, target, log, shared) {
  log.operation = 'models';
  const client = clientFor(env, target, { shared, trace: log });
  try {
    return json(200, { models: await client.listFoundationModels() });
  } catch (err) {
    throw toGatewayError(err, { check: !shared });
  } finally {
    client.free();
  }
}

// ---------- connections ----------

/** A stored connection, or 404. */
export async function loadRow(env, id) {
  const row = await store.getRow(env.DB, id);
  if (!row) throw new GatewayError(404, 'CONNECTION_NOT_FOUND', `there is no connection \`${id}\``, { hint: 'List connections with GET /v1/connections; a deleted connection is gone for good.' });
  return row;
}

export const targetOf = (row) => ({ roleArn: row.role_arn, externalId: row.external_id, stsRegion: row.sts_region, region: row.region, sessionName: `bc-${row.id}` });

function duplicate(name) {
  return new GatewayError(409, 'DUPLICATE_NAME', `a connection named \`${name}\` already exists`, { hint: 'Pick another name, or PATCH the existing connection.', field: 'name' });
}

function checkSummary(result) {
  return { ...result.role, test: result.test };
}

export async function createConnection({ request, env, log }) {
  const body = await readJson(request);
  onlyFields(body, CONNECTION_FIELDS);
  const name = nameField(body);
  const draft = { ...roleFields(body), modelId: modelIdField(body), template: templateField(body), mapping: mappingField(body), variables: obj(body, 'variables') };
  if (await store.nameTaken(env.DB, name)) throw duplicate(name);
  const id = crypto.randomUUID();
  log.connection = id;
  log.operation = 'register';
  const roleKnownGood = await store.roleInUse(env.DB, draft.roleArn);
  // The shared cache, under this new connection's own session name: the check warms it for invoke.
  const result = await checkAll(env, draft, { sessionName: `bc-${id}`, shared: true, roleKnownGood, trace: log });
  const key = newKey();
  const now = new Date().toISOString();
  const row = { id, name, ...draft, kind: result.kind, family: result.family, template: result.template, mapping: result.mapping, keyHash: await sha256Hex(key), createdAt: now, updatedAt: now };
  if (!(await store.insertRow(env.DB, row))) throw duplicate(name);
  const stored = await loadRow(env, id);
  return json(201, { ...store.publicConnection(stored), key, check: checkSummary(result) });
}

function modelIdField(body, required = true) {
  const value = body.modelId;
  if (value === undefined || value === null) {
    if (!required) return undefined;
    throw new GatewayError(400, 'MISSING_FIELD', '`modelId` is required', { hint: 'Add `modelId`, e.g. anthropic.claude-3-haiku-20240307-v1:0.', field: 'modelId' });
  }
  if (typeof value !== 'string' || value.trim() === '') throw new GatewayError(400, 'INVALID_FIELD', '`modelId` must be a non-empty string', { hint: 'Send the model ID or ARN as a JSON string.', field: 'modelId' });
  return value.trim();
}

export async function listConnections({ env }) {
  const rows = await store.listRows(env.DB);
  return json(200, { connections: rows.map(store.publicConnection) });
}

export async function getConnection({ env, params, log }) {
  log.connection = params.id;
  return json(200, store.publicConnection(await loadRow(env, params.id)));
}

export async function patchConnection({ request, env, params, log }) {
  log.connection = params.id;
  log.operation = 'update';
  const row = await loadRow(env, params.id);
  const body = await readJson(request);
  onlyFields(body, CONNECTION_FIELDS);
  const current = store.publicConnection(row);
  const name = nameField(body, false) ?? current.name;
  if (name !== current.name && (await store.nameTaken(env.DB, name, row.id))) throw duplicate(name);
  const merged = {
    ...roleFields({ ...pick(current, ['roleArn', 'externalId', 'stsRegion', 'region']), ...pick(body, ['roleArn', 'externalId', 'stsRegion', 'region']) }),
    modelId: modelIdField(body, false) ?? current.modelId,
    template: templateField(body),
    mapping: mappingField(body),
    variables: obj(body, 'variables'),
  };
  const awsChange = ['roleArn', 'externalId', 'stsRegion', 'region', 'modelId', 'template', 'mapping'].some((k) => body[k] !== undefined && body[k] !== current[k]);
  const now = new Date().toISOString();
  if (!awsChange) {
    if (!(await store.updateRow(env.DB, { ...current, name, updatedAt: now }))) throw duplicate(name);
    return json(200, store.publicConnection(await loadRow(env, row.id)));
  }
  keepTemplate(merged, current, body);
  const roleKnownGood = merged.roleArn === current.roleArn || (await store.roleInUse(env.DB, merged.roleArn, row.id));
  const result = await checkAll(env, merged, { sessionName: `bc-${row.id}`, shared: false, roleKnownGood, trace: log });
  const next = { ...merged, id: row.id, name, kind: result.kind, family: result.family, template: result.template, mapping: result.mapping, updatedAt: now };
  if (!(await store.updateRow(env.DB, next))) throw duplicate(name);
  return json(200, { ...store.publicConnection(await loadRow(env, row.id)), check: checkSummary(result) });
}

const pick = (o, keys) => Object.fromEntries(keys.filter((k) => o[k] !== undefined && o[k] !== null).map((k) => [k, o[k]]));

/**
 * Keeps the stored template/mapping unless the body sets them; when only the model changes and the
 * stored ones are the old family's preset, the new model's preset is taken instead.
 */
function keepTemplate(merged, current, body) {
  const oldPreset = current.family ? presets[current.family] : null;
  const modelChanged = merged.modelId !== current.modelId;
  if (merged.template === undefined && !(modelChanged && oldPreset && current.template === oldPreset.template)) merged.template = current.template;
  if (merged.mapping === undefined && !(modelChanged && oldPreset && sameMapping(current.mapping, oldPreset.mapping))) merged.mapping = current.mapping;
}

const sameMapping = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export async function deleteConnection({ env, params, log }) {
  log.connection = params.id;
  log.operation = 'delete';
  if (!(await store.deleteRow(env.DB, params.id))) await loadRow(env, params.id);
  return new Response(null, { status: 204 });
}

export async function rotateKey({ env, params, log }) {
  log.connection = params.id;
  log.operation = 'rotate-key';
  await loadRow(env, params.id);
  const key = newKey();
  if (!(await store.setKeyHash(env.DB, params.id, await sha256Hex(key), new Date().toISOString()))) await loadRow(env, params.id);
  return json(200, { key });
}

export async function connectionModels({ env, params, log }) {
  log.connection = params.id;
  const row = await loadRow(env, params.id);
  return listModels(env, targetOf(row), log, true);
}

export async function connectionTest({ request, env, params, log }) {
  log.connection = params.id;
  const row = await loadRow(env, params.id);
  const body = await readJson(request);
  onlyFields(body, ['variables', 'template', 'mapping', 'stream']);
  const template = templateField(body) ?? row.template;
  const call = { modelId: row.model_id, template, mapping: mappingField(body) ?? JSON.parse(row.mapping), variables: obj(body, 'variables'), stream: bool(body, 'stream') };
  return testAnswer({ request, env, log, target: targetOf(row), shared: true, call });
}

export async function connectionCountTokens({ request, env, params, log }) {
  log.connection = params.id;
  const row = await loadRow(env, params.id);
  const body = await readJson(request);
  onlyFields(body, ['variables', 'template', 'api']);
  const call = { modelId: row.model_id, template: templateField(body) ?? row.template, variables: obj(body, 'variables'), api: body.api };
  return countAnswer({ env, log, target: targetOf(row), shared: true, call });
}
