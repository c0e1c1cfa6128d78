// Simulator tests: inference profiles, on-demand-only models, Bedrock API keys (bearer tokens),
// STS diagnostics (disabled region, region scope, SCP, expired caller token) and Bedrock diagnostics.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startSimulator, defaultConfig } from '../index.js';
import {
  T0, HAIKU, BASE, ROLE_ARN, NO_INVOKE_ARN, sign, send, escape, assume, assumeParams, assumeRequest, invokeRequest, listRequest,
  stsErrorOf, bedrockErrorOf, bearerToken, bearerFetch,
} from './helpers.js';

const fixture = (family) => JSON.parse(readFileSync(new URL(`../../tests/fixtures/responses/${family}.json`, import.meta.url), 'utf8'));
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const V2 = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const APP_ARN = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3';
const NO_INVOKE_SESSION = 'arn:aws:sts::123456789012:assumed-role/NoInvoke/sess';
const DEFAULT_KEYS = [
  'roles', 'inferenceProfiles', 'onDemandUnsupported', 'modelAccessDenied', 'marketplaceEndpoints', 'marketplaceSubscriptionRequired',
  'unrecognizedTokenRegions', 'disabledStsRegions', 'stsRegion', 'scpDeny', 'stsExpiredTokenStatus', 'runtimeRegions',
];

let sim;
let clock = T0;
let temp;
let noInvoke;

before(async () => {
  sim = await startSimulator({ now: () => clock });
  temp = await assume(sim);
  noInvoke = await assume(sim, { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: NO_INVOKE_ARN, RoleSessionName: 'sess' });
});
after(() => sim.close());
beforeEach(() => {
  clock = T0;
  sim.reset();
  const defaults = defaultConfig();
  sim.configure(Object.fromEntries(DEFAULT_KEYS.map((k) => [k, defaults[k]])));
});

const get = (path, credentials, query = {}, options = {}) => sign(sim, { service: 'bedrock', method: 'GET', path, query, credentials, ...options });

async function expectBedrock(res, status, code, message) {
  assert.deepEqual(await bedrockErrorOf(res), { status, code, message });
}

// ---------- inference profiles ----------

test('ListInferenceProfiles: SYSTEM_DEFINED by default, APPLICATION on request, ARNs in the request region', async () => {
  const res = await send(sim, await get('/inference-profiles', temp, {}, { region: 'eu-west-1' }));
  assert.equal(res.status, 200);
  const { inferenceProfileSummaries, nextToken } = await res.json();
  assert.equal(nextToken, undefined);
  assert.equal(inferenceProfileSummaries.length, 21);
  assert.ok(inferenceProfileSummaries.every((p) => p.type === 'SYSTEM_DEFINED' && p.status === 'ACTIVE'));
  const haiku = inferenceProfileSummaries.find((p) => p.inferenceProfileId === `us.${HAIKU}`);
  assert.deepEqual(haiku, {
    inferenceProfileId: `us.${HAIKU}`,
    inferenceProfileName: 'US Anthropic Claude 3 Haiku',
    inferenceProfileArn: `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/us.${HAIKU}`,
    models: ['us-east-1', 'us-east-2', 'us-west-2'].map((r) => ({ modelArn: `arn:aws:bedrock:${r}::foundation-model/${HAIKU}` })),
    status: 'ACTIVE',
    type: 'SYSTEM_DEFINED',
    description: 'Routes requests to Anthropic Claude 3 Haiku in us-east-1, us-east-2 and us-west-2.',
    createdAt: '2024-08-27T00:00:00Z',
    updatedAt: '2024-08-27T00:00:00Z',
  });
  for (const id of [`eu.${HAIKU}`, `apac.${HAIKU}`, `us.${V2}`, 'us.amazon.nova-pro-v1:0', 'us.meta.llama3-1-70b-instruct-v1:0']) {
    assert.ok(inferenceProfileSummaries.some((p) => p.inferenceProfileId === id), id);
  }
  const apps = await (await send(sim, await get('/inference-profiles', temp, { typeEquals: 'APPLICATION' }))).json();
  assert.deepEqual(apps.inferenceProfileSummaries.map((p) => [p.inferenceProfileArn, p.type, p.models]), [
    [APP_ARN, 'APPLICATION', [{ modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}` }]],
  ]);
  assert.equal(sim.stats.listInferenceProfiles.count, 2);
});

test('ListInferenceProfiles paginates with maxResults/nextToken and validates its parameters', async () => {
  const first = await (await send(sim, await get('/inference-profiles', temp, { maxResults: '20' }))).json();
  assert.equal(first.inferenceProfileSummaries.length, 20);
  assert.equal(typeof first.nextToken, 'string');
  const second = await (await send(sim, await get('/inference-profiles', temp, { maxResults: '20', nextToken: first.nextToken }))).json();
  assert.equal(second.inferenceProfileSummaries.length, 1);
  assert.equal(second.nextToken, undefined);
  await expectBedrock(await send(sim, await get('/inference-profiles', temp, { typeEquals: 'CUSTOM' })), 400, 'ValidationException',
    "1 validation error detected: Value 'CUSTOM' at 'typeEquals' failed to satisfy constraint: Member must satisfy enum value set: [SYSTEM_DEFINED, APPLICATION]");
  await expectBedrock(await send(sim, await get('/inference-profiles', temp, { maxResults: '0' })), 400, 'ValidationException',
    "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1");
});

test('ListInferenceProfiles / GetInferenceProfile need their IAM actions', async () => {
  await expectBedrock(await send(sim, await get('/inference-profiles', noInvoke)), 403, 'AccessDeniedException',
    `User: ${NO_INVOKE_SESSION} is not authorized to perform: bedrock:ListInferenceProfiles on resource: arn:aws:bedrock:us-east-1:123456789012:inference-profile/*`);
  await expectBedrock(await send(sim, await get(`/inference-profiles/${escape(`us.${HAIKU}`)}`, noInvoke)), 403, 'AccessDeniedException',
    `User: ${NO_INVOKE_SESSION} is not authorized to perform: bedrock:GetInferenceProfile on resource: arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${HAIKU}`);
});

test('GetInferenceProfile by ID, by percent-encoded ARN and by application ARN; unknown → 404', async () => {
  const byId = await send(sim, await get(`/inference-profiles/${escape(`eu.${HAIKU}`)}`, temp, {}, { region: 'eu-central-1' }));
  assert.equal(byId.status, 200);
  const profile = await byId.json();
  assert.equal(profile.inferenceProfileArn, `arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.${HAIKU}`);
  assert.deepEqual(profile.models.map((m) => m.modelArn.split(':')[3]), ['eu-central-1', 'eu-west-1', 'eu-west-3']);
  const arn = `arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.amazon.nova-pro-v1:0`;
  const byArn = await (await send(sim, await get(`/inference-profiles/${escape(arn)}`, temp))).json();
  assert.equal(byArn.inferenceProfileId, 'us.amazon.nova-pro-v1:0');
  const app = await (await send(sim, await get(`/inference-profiles/${escape(APP_ARN)}`, temp))).json();
  assert.deepEqual([app.inferenceProfileId, app.type, app.inferenceProfileArn], ['app1abc2def3', 'APPLICATION', APP_ARN]);
  await expectBedrock(await send(sim, await get(`/inference-profiles/${escape('us.nope-v1:0')}`, temp)), 404, 'ResourceNotFoundException',
    'Inference profile us.nope-v1:0 not found');
  assert.equal(sim.stats.getInferenceProfile.last.inferenceProfileIdentifier, 'us.nope-v1:0');
});

test('InvokeModel through profile IDs, profile ARNs and application profile ARNs', async () => {
  const nova = fixture('nova');
  const cases = [
    [`us.${HAIKU}`, 'anthropic', undefined],
    [`arn:aws:bedrock:us-east-1:123456789012:inference-profile/apac.${V2}`, 'anthropic', undefined],
    [APP_ARN, 'anthropic', undefined],
    ['eu.amazon.nova-pro-v1:0', 'nova', JSON.stringify(nova.request)],
  ];
  for (const [modelId, family, body] of cases) {
    const res = await send(sim, await invokeRequest(sim, temp, { modelId, body }));
    assert.equal(res.status, 200, modelId);
    assert.deepEqual(await res.json(), fixture(family).response);
    assert.equal(sim.stats.invoke.last.modelId, modelId);
    assert.equal(sim.stats.invoke.last.via, 'profile');
    assert.equal(sim.stats.invoke.last.family, family);
  }
  assert.equal(sim.stats.invoke.last.resolvedModelId, 'amazon.nova-pro-v1:0');
  assert.equal(sim.stats.invoke.last.inferenceProfileArn, 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0');
  const unknownApp = APP_ARN.replace('app1abc2def3', 'zzz');
  await expectBedrock(await send(sim, await invokeRequest(sim, temp, { modelId: unknownApp })), 400, 'ValidationException', 'The provided model identifier is invalid.');
});

test('on-demand-only models: base ID refused with AWS\u2019s message, profile accepted', async () => {
  const message = (id) => `Invocation of model ID ${id} with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`;
  await expectBedrock(await send(sim, await invokeRequest(sim, temp, { modelId: V2 })), 400, 'ValidationException', message(V2));
  const sonnet37 = 'anthropic.claude-3-7-sonnet-20250219-v1:0';
  await expectBedrock(await send(sim, await invokeRequest(sim, temp, { modelId: sonnet37 })), 400, 'ValidationException', message(sonnet37));
  assert.equal((await send(sim, await invokeRequest(sim, temp, { modelId: `us.${V2}` }))).status, 200);
  sim.configure({ onDemandUnsupported: [] });
  assert.equal((await send(sim, await invokeRequest(sim, temp, { modelId: V2 }))).status, 200);
});

// ---------- Bedrock API keys ----------

test('bearer token (as @aws/bedrock-token-generator builds it) is accepted for InvokeModel and recorded', async () => {
  const token = await bearerToken({ region: 'us-west-2' });
  const res = await bearerFetch(sim, token);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), fixture('anthropic').response);
  const last = sim.stats.invoke.last;
  assert.equal(last.authMode, 'bearer');
  assert.deepEqual(last.scope, { accessKeyId: BASE.accessKeyId, date: '20250101', region: 'us-west-2', service: 'bedrock' });
  assert.deepEqual(last.bearer, { amzDate: '20250101T120000Z', expires: 43200 });
  const session = await bearerFetch(sim, await bearerToken({ credentials: temp, expiresIn: 900 }));
  assert.equal(session.status, 200);
  assert.equal(sim.stats.invoke.last.scope.accessKeyId, temp.accessKeyId);
  const list = await bearerFetch(sim, token, { method: 'GET', path: '/inference-profiles' });
  assert.equal(list.status, 200);
  assert.equal(sim.stats.listInferenceProfiles.last.authMode, 'bearer');
});

test('bearer token: tampered, expired, malformed, unknown key and expired session are refused', async () => {
  const token = await bearerToken({ expiresIn: 60 });
  const url = Buffer.from(token.slice('bedrock-api-key-'.length), 'base64').toString();
  const sig = /X-Amz-Signature=([0-9a-f]+)/.exec(url)[1];
  const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
  const tampered = 'bedrock-api-key-' + Buffer.from(url.replace(sig, flipped)).toString('base64');
  await expectBedrock(await bearerFetch(sim, tampered), 403, 'InvalidSignatureException', MISMATCH);
  const longer = 'bedrock-api-key-' + Buffer.from(url.replace('X-Amz-Expires=60', 'X-Amz-Expires=600')).toString('base64');
  await expectBedrock(await bearerFetch(sim, longer), 403, 'InvalidSignatureException', MISMATCH);
  clock = T0 + 61 * 1000;
  await expectBedrock(await bearerFetch(sim, token), 403, 'ExpiredTokenException', 'The security token included in the request is expired');
  clock = T0;
  const malformed = 'Invalid API Key format: Must start with pre-defined prefix';
  await expectBedrock(await bearerFetch(sim, 'abc123'), 403, 'UnrecognizedClientException', malformed);
  await expectBedrock(await bearerFetch(sim, 'bedrock-api-key-%%%'), 403, 'UnrecognizedClientException', malformed);
  await expectBedrock(await bearerFetch(sim, 'bedrock-api-key-' + Buffer.from('hello').toString('base64')), 403, 'UnrecognizedClientException', malformed);
  assert.equal(sim.stats.invoke.last.authMode, 'bearer');
  const unknown = await bearerToken({ credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } });
  await expectBedrock(await bearerFetch(sim, unknown), 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  const sessionToken = await bearerToken({ credentials: temp });
  clock = T0 + 3600 * 1000;
  await expectBedrock(await bearerFetch(sim, sessionToken), 403, 'ExpiredTokenException', 'The security token included in the request is expired');
});

test('bearer token needs bedrock:CallWithBearerToken as well as the action', async () => {
  const token = await bearerToken({ credentials: noInvoke });
  await expectBedrock(await bearerFetch(sim, token, { method: 'GET', path: '/foundation-models' }), 403, 'AccessDeniedException',
    `User: ${NO_INVOKE_SESSION} is not authorized to perform: bedrock:CallWithBearerToken on resource: * because no identity-based policy allows the bedrock:CallWithBearerToken action`);
  const roles = defaultConfig().roles;
  roles[1].actions.push('bedrock:CallWithBearerToken');
  sim.configure({ roles });
  assert.equal((await bearerFetch(sim, token, { method: 'GET', path: '/foundation-models' })).status, 200);
  await expectBedrock(await bearerFetch(sim, token), 403, 'AccessDeniedException',
    `User: ${NO_INVOKE_SESSION} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`);
});

// ---------- STS diagnostics ----------

test('STS: disabled region → RegionDisabledException; stsRegion → SignatureDoesNotMatch for other regions', async () => {
  sim.configure({ disabledStsRegions: ['eu-west-1'] });
  assert.deepEqual(await stsErrorOf(await send(sim, await assumeRequest(sim, assumeParams(), { region: 'eu-west-1' }))), {
    status: 403, type: 'Sender', code: 'RegionDisabledException',
    message: 'STS is not activated in this region for account:111111111111. Your account administrator can activate STS in this region using the IAM Console.',
  });
  assert.equal((await send(sim, await assumeRequest(sim))).status, 200);
  sim.configure({ disabledStsRegions: [], stsRegion: 'eu-west-1' });
  assert.deepEqual(await stsErrorOf(await send(sim, await assumeRequest(sim))), {
    status: 403, type: 'Sender', code: 'SignatureDoesNotMatch', message: "Credential should be scoped to a valid region, not 'us-east-1'. ",
  });
  assert.equal((await send(sim, await assumeRequest(sim, assumeParams(), { region: 'eu-west-1' }))).status, 200);
});

test('STS: an SCP explicit deny → AccessDenied naming the service control policy', async () => {
  sim.configure({ scpDeny: ['sts:AssumeRole'] });
  assert.deepEqual(await stsErrorOf(await send(sim, await assumeRequest(sim))), {
    status: 403, type: 'Sender', code: 'AccessDenied',
    message: `User: arn:aws:iam::111111111111:user/platform is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN} with an explicit deny in a service control policy`,
  });
});

test('STS: role chaining with expired temporary credentials → ExpiredToken (status configurable)', async () => {
  const roles = defaultConfig().roles;
  roles[0].trust.push(ROLE_ARN);
  sim.configure({ roles });
  const short = await assume(sim, assumeParams({ DurationSeconds: '900', RoleSessionName: 'short' }));
  clock = T0 + 901 * 1000;
  const chained = () => assumeRequest(sim, assumeParams({ RoleSessionName: 'chained' }), { credentials: short, signingDate: new Date(clock) });
  const expired = { type: 'Sender', code: 'ExpiredToken', message: 'The security token included in the request is expired' };
  assert.deepEqual(await stsErrorOf(await send(sim, await chained())), { status: 400, ...expired });
  sim.configure({ stsExpiredTokenStatus: 403 });
  assert.deepEqual(await stsErrorOf(await send(sim, await chained())), { status: 403, ...expired });
});

// ---------- Bedrock diagnostics ----------

test('model access not granted → AccessDeniedException (base ID and through a profile)', async () => {
  sim.configure({ modelAccessDenied: [HAIKU] });
  const message = "You don't have access to the model with the specified model ID.";
  await expectBedrock(await send(sim, await invokeRequest(sim, temp)), 403, 'AccessDeniedException', message);
  await expectBedrock(await send(sim, await invokeRequest(sim, temp, { modelId: `eu.${HAIKU}` })), 403, 'AccessDeniedException', message);
  assert.equal((await send(sim, await invokeRequest(sim, temp, { modelId: 'us.anthropic.claude-3-5-sonnet-20240620-v1:0' }))).status, 200);
});

test('Marketplace endpoints: answered by family, unknown endpoint invalid, subscription needs aws-marketplace:ViewSubscriptions', async () => {
  const llama = fixture('llama');
  const endpoint = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint';
  const ok = await send(sim, await invokeRequest(sim, temp, { modelId: endpoint, body: JSON.stringify(llama.request) }));
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), llama.response);
  assert.deepEqual([sim.stats.invoke.last.modelId, sim.stats.invoke.last.via, sim.stats.invoke.last.family], [endpoint, 'marketplace', 'llama']);
  await expectBedrock(await send(sim, await invokeRequest(sim, temp, { modelId: endpoint.replace('my-endpoint', 'other') })), 400, 'ValidationException', 'The provided model identifier is invalid.');
  sim.configure({ marketplaceSubscriptionRequired: ['my-endpoint'] });
  await expectBedrock(await send(sim, await invokeRequest(sim, temp, { modelId: endpoint, body: JSON.stringify(llama.request) })), 403, 'AccessDeniedException',
    'Model access is denied due to User: arn:aws:sts::123456789012:assumed-role/BedrockAccess/sess1 is not authorized to perform: aws-marketplace:ViewSubscriptions on resource: * because no identity-based policy allows the aws-marketplace:ViewSubscriptions action. Your AWS Marketplace subscription for this model cannot be completed at this time. If you recently fixed this issue, try again after 15 minutes.');
  const roles = defaultConfig().roles;
  roles[0].actions.push('aws-marketplace:ViewSubscriptions');
  sim.configure({ roles });
  assert.equal((await send(sim, await invokeRequest(sim, temp, { modelId: endpoint, body: JSON.stringify(llama.request) }))).status, 200);
});

test('temporary credentials in an unrecognizedTokenRegions region → UnrecognizedClientException', async () => {
  sim.configure({ unrecognizedTokenRegions: ['eu-south-2'] });
  await expectBedrock(await send(sim, await invokeRequest(sim, temp, { region: 'eu-south-2' })), 403, 'UnrecognizedClientException',
    'The security token included in the request is invalid.');
  assert.equal(sim.stats.invoke.last.scope.region, 'eu-south-2');
  assert.equal((await send(sim, await invokeRequest(sim, BASE, { region: 'eu-south-2' }))).status, 200);
  assert.equal((await send(sim, await invokeRequest(sim, temp, { region: 'us-east-1' }))).status, 200);
});

test('an unencoded ARN in the InvokeModel path → 404 UnknownOperationException, routed before auth', async () => {
  const res = await fetch(`${sim.url}/model/arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc/invoke`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException:http://internal.amazon.com/coral/com.amazon.coral.service/');
  assert.deepEqual(await res.json(), {});
  assert.equal(sim.stats.other.last.code, 'UnknownOperationException');
  assert.equal(sim.stats.invoke.count, 0);
});

test('SCP deny on a Bedrock action → AccessDeniedException naming the service control policy', async () => {
  sim.configure({ scpDeny: ['bedrock:InvokeModel'] });
  await expectBedrock(await send(sim, await invokeRequest(sim, temp)), 403, 'AccessDeniedException',
    `User: arn:aws:sts::123456789012:assumed-role/BedrockAccess/sess1 is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/${HAIKU} with an explicit deny in a service control policy`);
});

test('injection presets: quota, modelError, notFound, unavailable (also on the profile operations)', async () => {
  sim.configure({
    inject: [
      { op: 'invoke', error: 'quota' }, { op: 'invoke', error: 'modelError' }, { op: 'invoke', error: 'notFound' }, { op: 'invoke', error: 'unavailable' },
      { op: 'getInferenceProfile', error: 'throttle' },
    ],
  });
  const expected = [
    [400, 'ServiceQuotaExceededException', 'Your request exceeds the service quota for your account. You can view your quotas at Viewing service quotas. You can resubmit your request later.'],
    [424, 'ModelErrorException', 'The request failed due to an error while processing the model.'],
    [404, 'ResourceNotFoundException', 'The specified resource ARN was not found. Check the ARN and try your request again.'],
    [503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.'],
  ];
  for (const [status, code, message] of expected) await expectBedrock(await send(sim, await invokeRequest(sim, temp)), status, code, message);
  await expectBedrock(await send(sim, await get(`/inference-profiles/${escape(`us.${HAIKU}`)}`, temp)), 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
  assert.equal((await send(sim, await listRequest(sim, temp))).status, 200);
});
