// Registration: every check runs before anything is stored (role, STS region, model, Test call);
// each failure answers 422 with the diagnostic's code and the connection's field, and stores nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, gateway, registration, ROLE_ARN, TITAN, VARS } from './helpers.js';

let sim, gw;
before(async () => {
  sim = await startSimulator();
  gw = await gateway(sim);
}, { timeout: 60_000 });
after(async () => {
  await gw?.close();
  await sim?.close();
});

const names = async () => (await gw.call('GET', '/v1/connections')).json.connections.map((c) => c.name).sort();

test('a good registration checks the role, the model and one Test call, then stores the connection', async () => {
  const before = sim.stats.assumeRole.count;
  const res = await gw.call('POST', '/v1/connections', { body: registration('acme') });
  assert.equal(res.status, 201, res.text);
  const c = res.json;
  assert.match(c.id, /^[0-9a-f-]{36}$/);
  assert.equal(c.name, 'acme');
  assert.equal(c.kind, 'base');
  assert.equal(c.family, 'anthropic');
  assert.match(c.template, /\{\{prompt\}\}/, 'the preset template is stored when none is given');
  assert.deepEqual(c.templateVariables, ['system.prompt', 'prompt']);
  assert.equal(c.mapping.outputText, "$.content[?@.type=='text'].text");
  assert.match(c.key, /^bck_[A-Za-z0-9_-]{43}$/);
  assert.equal(c.check.assumedRoleArn, `arn:aws:sts::123456789012:assumed-role/BedrockAccess/bc-${c.id}`);
  assert.ok(Date.parse(c.check.expiration) > Date.now());
  assert.equal(c.check.stsRegion, 'eu-west-1', 'the response says which STS region was used');
  assert.equal(c.check.stsEndpoint, sim.url);
  assert.equal(c.check.test.ok, true);
  assert.equal(c.check.test.mapped.outputText, '👋🌍');
  assert.equal(sim.stats.assumeRole.count - before, 1);
  assert.equal(sim.stats.assumeRole.last.scope.region, 'eu-west-1', 'AssumeRole was signed for stsRegion');
  assert.equal(sim.stats.invoke.last.body.includes('Hello World'), true, 'the Test call used the given variables');
  const got = await gw.call('GET', `/v1/connections/${c.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.json.key, undefined, 'the key is shown only once');
  assert.equal(got.text.includes(c.key), false);
});

test('stsRegion defaults to region', async () => {
  const { stsRegion, ...body } = registration('default-sts', { modelId: TITAN });
  const res = await gw.call('POST', '/v1/connections', { body });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.stsRegion, 'us-east-1');
  assert.equal(res.json.check.stsRegion, 'us-east-1');
  assert.equal(sim.stats.assumeRole.last.scope.region, 'us-east-1');
  assert.equal(res.json.family, 'titan-text');
  assert.equal((await gw.call('DELETE', `/v1/connections/${res.json.id}`)).status, 204);
});

/** Registers a broken body: 422 with `code` and `field`, and the list of connections is unchanged. */
async function refused(name, overrides, { code, field, status = 422 }) {
  const stored = await names();
  const res = await gw.call('POST', '/v1/connections', { body: registration(name, overrides) });
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error.code, code, res.text);
  assert.equal(res.json.error.field, field, res.text);
  assert.ok(res.json.error.message.length > 0 && res.json.error.hint.length > 0, res.text);
  assert.deepEqual(await names(), stored, 'nothing was stored');
  return res.json.error;
}

test('a wrong role → 422 AccessDenied on roleArn', async () => {
  await refused('wrong-role', { roleArn: 'arn:aws:iam::123456789012:role/Nope' }, { code: 'AccessDenied', field: 'roleArn' });
});

test('a wrong external ID for a role that works → 422 AccessDenied on externalId', async () => {
  const err = await refused('wrong-ext', { externalId: 'not-the-right-one' }, { code: 'AccessDenied', field: 'externalId' });
  assert.match(err.hint, /external ID/);
});

test('a malformed role ARN or external ID is refused before any request', async () => {
  const count = sim.stats.total;
  await refused('bad-arn', { roleArn: 'arn:aws:iam::12:role' }, { code: 'INVALID_ROLE_ARN', field: 'roleArn' });
  await refused('bad-ext', { externalId: 'x' }, { code: 'INVALID_EXTERNAL_ID', field: 'externalId' });
  assert.equal(sim.stats.total, count, 'nothing reached AWS');
});

test('a wrong STS region → 422 on stsRegion (not activated, or not a region)', async () => {
  sim.configure({ disabledStsRegions: ['ap-south-1'] });
  try {
    await refused('sts-off', { stsRegion: 'ap-south-1' }, { code: 'RegionDisabledException', field: 'stsRegion' });
  } finally {
    sim.configure({ disabledStsRegions: [] });
  }
  await refused('sts-bad', { stsRegion: 'Frankfurt' }, { code: 'INVALID_REGION', field: 'stsRegion' });
  // An STS endpoint that serves one region, asked to sign for another.
  sim.configure({ stsRegion: 'eu-west-1' });
  try {
    await refused('sts-other', { stsRegion: 'us-west-2' }, { code: 'SignatureDoesNotMatch', field: 'stsRegion' });
  } finally {
    sim.configure({ stsRegion: null });
  }
});

test('an unknown model, or one that needs an inference profile → 422 on modelId', async () => {
  await refused('unknown-model', { modelId: 'anthropic.claude-9-v1:0' }, { code: 'ValidationException', field: 'modelId' });
  const err = await refused('needs-profile', { modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0' }, { code: 'ValidationException', field: 'modelId' });
  assert.match(err.message, /inference profile/);
  await refused('not-a-model', { modelId: '!!' }, { code: 'INVALID_MODEL_ID', field: 'modelId' });
});

test('a template that does not render, or variables it lacks → 422 on template / variables', async () => {
  await refused('broken-template', { modelId: TITAN, template: '{"inputText": {{prompt}' }, { code: 'TEMPLATE_SYNTAX', field: 'template' });
  await refused('missing-vars', { variables: { prompt: 'hi' } }, { code: 'TEMPLATE_MISSING_VARIABLES', field: 'variables' });
  await refused('bad-body', { modelId: TITAN, template: '{"prompt": "{{prompt}}"}', mapping: { outputText: '$.results[*].outputText' } }, { code: 'ValidationException', field: 'template' });
  await refused('bad-path', { mapping: { outputText: '$$$' } }, { code: 'INVALID_JSONPATH', field: 'mapping' });
});

test('a model without a preset needs a template → 422 NO_PRESET on template', async () => {
  await refused('no-preset', { modelId: 'acme.custom-v1' }, { code: 'NO_PRESET', field: 'template' });
});

test('a duplicate name → 409 and nothing stored', async () => {
  await refused('acme', {}, { code: 'DUPLICATE_NAME', field: 'name', status: 409 });
});

test('bad input → 400 with the field at fault, before any AWS call', async () => {
  const count = sim.stats.total;
  await refused('typo', { modelID: 'x' }, { code: 'UNKNOWN_FIELD', field: 'modelID', status: 400 });
  await refused('', {}, { code: 'INVALID_FIELD', field: 'name', status: 400 });
  await refused(undefined, {}, { code: 'MISSING_FIELD', field: 'name', status: 400 });
  await refused('no/slash', {}, { code: 'INVALID_FIELD', field: 'name', status: 400 });
  await refused('num', { region: 42 }, { code: 'INVALID_FIELD', field: 'region', status: 400 });
  assert.equal(sim.stats.total, count);
});

test('PATCH re-checks what changes; a failed check changes nothing', async () => {
  const { json: list } = await gw.call('GET', '/v1/connections');
  const acme = list.connections.find((c) => c.name === 'acme');
  const bad = await gw.call('PATCH', `/v1/connections/${acme.id}`, { body: { externalId: 'wrong-one', variables: VARS } });
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.json.error.field, 'externalId');
  const badModel = await gw.call('PATCH', `/v1/connections/${acme.id}`, { body: { modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0', variables: VARS } });
  assert.equal(badModel.status, 422, badModel.text);
  assert.equal(badModel.json.error.field, 'modelId');
  assert.deepEqual((await gw.call('GET', `/v1/connections/${acme.id}`)).json, acme, 'unchanged after failed checks');

  const assumes = sim.stats.assumeRole.count;
  const renamed = await gw.call('PATCH', `/v1/connections/${acme.id}`, { body: { name: 'acme-prod' } });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.json.name, 'acme-prod');
  assert.equal(sim.stats.assumeRole.count, assumes, 'a rename needs no AWS check');

  const moved = await gw.call('PATCH', `/v1/connections/${acme.id}`, { body: { modelId: TITAN, variables: VARS } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.family, 'titan-text');
  assert.match(moved.json.template, /inputText/, "the old family's preset is replaced by the new one");
  assert.equal(moved.json.check.test.ok, true);
  assert.ok(sim.stats.assumeRole.count > assumes, 'the change was checked against AWS');
  const missing = await gw.call('PATCH', '/v1/connections/nope', { body: { name: 'x' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'CONNECTION_NOT_FOUND');
});
