// Simulator tests: AssumeRole → InvokeModel flow, IAM checks, role chaining, error injection,
// ListFoundationModels, admin endpoints, CORS and static files.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, defaultConfig } from '../index.js';
import {
  T0, HAIKU, ROLE_ARN, NO_INVOKE_ARN, send, assume, assumeParams, assumeRequest, invokeRequest, listRequest,
  stsErrorOf, bedrockErrorOf, xmlValue,
} from './helpers.js';

const fixture = (family) => JSON.parse(readFileSync(new URL(`../../tests/fixtures/responses/${family}.json`, import.meta.url), 'utf8'));

let sim;
let clock = T0;
let staticDir;

before(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'sim-static-'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><p>hi</p>');
  await writeFile(join(staticDir, 'mod.wasm'), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  await writeFile(join(staticDir, 'app.js'), 'export const x = 1;');
  sim = await startSimulator({ now: () => clock, static: { '/www': staticDir } });
});
after(() => sim.close());
beforeEach(() => {
  clock = T0;
  sim.reset();
  sim.configure({ roles: defaultConfig().roles });
});

test('default config exposes the agreed identities', () => {
  const config = defaultConfig();
  assert.deepEqual(config.baseCredentials, [
    { accessKeyId: 'AKIAPLATFORM00000001', secretAccessKey: 'platformSecretKey/0000000000000000000000', arn: 'arn:aws:iam::111111111111:user/platform' },
  ]);
  assert.deepEqual(config.roles.map((r) => [r.roleArn, r.externalId, r.maxSessionDuration]), [
    [ROLE_ARN, 'platform-42', 43200],
    [NO_INVOKE_ARN, undefined, 3600],
  ]);
});

test('full flow: AssumeRole with base keys, then InvokeModel with the temporary credentials', async () => {
  const creds = await assume(sim, assumeParams({ SourceIdentity: 'alice', 'Tags.member.1.Key': 'tenant', 'Tags.member.1.Value': 'acme' }));
  assert.equal(xmlValue(creds.xml, 'SourceIdentity'), 'alice');
  assert.match(xmlValue(creds.xml, 'AssumedRoleId'), /^AROA[A-Z2-7]{17}:sess1$/);
  assert.equal(xmlValue(creds.xml, 'PackedPolicySize') !== undefined, true);
  const res = await send(sim, await invokeRequest(sim, creds));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('x-amzn-bedrock-input-token-count'), String(fixture('anthropic').inputTokens));
  assert.equal(res.headers.get('x-amzn-bedrock-output-token-count'), String(fixture('anthropic').outputTokens));
  assert.equal(res.headers.get('x-amzn-bedrock-invocation-latency'), '250');
  assert.match(res.headers.get('x-amzn-requestid'), /^[0-9a-f-]{36}$/);
  assert.deepEqual(await res.json(), fixture('anthropic').response);
  assert.equal(sim.stats.assumeRole.count, 1);
  assert.equal(sim.stats.invoke.ok, 1);
  assert.equal(sim.stats.invoke.last.family, 'anthropic');
});

test('every family answers with its fixture (profile prefix and provisioned ARN resolved)', async () => {
  const creds = await assume(sim);
  const cases = [
    ['us.anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic'],
    ['amazon.titan-text-express-v1', 'titan-text'],
    ['eu.amazon.nova-lite-v1:0', 'nova'],
    ['meta.llama3-8b-instruct-v1:0', 'llama'],
    ['mistral.mistral-7b-instruct-v0:2', 'mistral'],
    ['cohere.command-text-v14', 'cohere-command'],
    ['cohere.command-r-plus-v1:0', 'cohere-command-r'],
    ['ai21.jamba-1-5-mini-v1:0', 'jamba'],
    ['arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456', 'anthropic'],
  ];
  for (const [modelId, family] of cases) {
    const fx = fixture(family);
    const res = await send(sim, await invokeRequest(sim, creds, { modelId, body: JSON.stringify(fx.request) }));
    assert.equal(res.status, 200, modelId);
    assert.deepEqual(await res.json(), fx.response, modelId);
    assert.equal(res.headers.get('x-amzn-bedrock-output-token-count'), String(fx.outputTokens));
  }
});

test('AccessDenied for a wrong external ID, unknown role, untrusted caller, untagged role', async () => {
  const denied = `User: arn:aws:iam::111111111111:user/platform is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`;
  const wrongId = await stsErrorOf(await send(sim, await assumeRequest(sim, assumeParams({ ExternalId: 'platform-43' }))));
  assert.deepEqual(wrongId, { status: 403, type: 'Sender', code: 'AccessDenied', message: denied });
  const noId = assumeParams();
  delete noId.ExternalId;
  assert.equal((await stsErrorOf(await send(sim, await assumeRequest(sim, noId)))).code, 'AccessDenied');
  const unknown = await stsErrorOf(await send(sim, await assumeRequest(sim, assumeParams({ RoleArn: 'arn:aws:iam::123456789012:role/Nope' }))));
  assert.equal(unknown.message, 'User: arn:aws:iam::111111111111:user/platform is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Nope');
  const tagged = await stsErrorOf(await send(sim, await assumeRequest(sim, { ...noId, RoleArn: NO_INVOKE_ARN, 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' })));
  assert.equal(tagged.code, 'AccessDenied');
});

test('DurationSeconds above the role maximum is a ValidationError', async () => {
  const err = await stsErrorOf(await send(sim, await assumeRequest(sim, assumeParams({ DurationSeconds: '43201' }))));
  assert.deepEqual(err, { status: 400, type: 'Sender', code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
  const ok = await assume(sim, assumeParams({ DurationSeconds: '43200' }));
  assert.equal(ok.expiration, '2025-01-02T00:00:00Z');
});

test('role chaining: temporary credentials may assume a trusting role, limited to one hour', async () => {
  const roles = defaultConfig().roles;
  roles[0].trust.push(ROLE_ARN);
  sim.configure({ roles });
  const first = await assume(sim);
  const chained = assumeParams({ RoleSessionName: 'chained', DurationSeconds: '7200' });
  const err = await stsErrorOf(await send(sim, await assumeRequest(sim, chained, { credentials: first })));
  assert.deepEqual(err, { status: 400, type: 'Sender', code: 'ValidationError', message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.' });
  const second = await assume(sim, assumeParams({ RoleSessionName: 'chained' }), { credentials: first });
  assert.equal(xmlValue(second.xml, 'Arn'), 'arn:aws:sts::123456789012:assumed-role/BedrockAccess/chained');
  assert.equal(sim.stats.assumeRole.last.scope.accessKeyId, first.accessKeyId);
});

test('a role without bedrock:InvokeModel gets AccessDeniedException', async () => {
  const creds = await assume(sim, { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: NO_INVOKE_ARN, RoleSessionName: 'sess' });
  const err = await bedrockErrorOf(await send(sim, await invokeRequest(sim, creds)));
  assert.deepEqual(err, {
    status: 403,
    code: 'AccessDeniedException',
    message: `User: arn:aws:sts::123456789012:assumed-role/NoInvoke/sess is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`,
  });
  const list = await send(sim, await listRequest(sim, creds));
  assert.equal(list.status, 200);
});

test('InvokeModel validation: unknown model, malformed body, missing keys, Accept', async () => {
  const creds = await assume(sim);
  const unknown = await bedrockErrorOf(await send(sim, await invokeRequest(sim, creds, { modelId: 'anthropic.claude-9' })));
  assert.deepEqual(unknown, { status: 400, code: 'ValidationException', message: 'The provided model identifier is invalid.' });
  const malformed = await bedrockErrorOf(await send(sim, await invokeRequest(sim, creds, { body: 'not json' })));
  assert.equal(malformed.code, 'ValidationException');
  assert.match(malformed.message, /^Malformed input request: /);
  const missing = await bedrockErrorOf(await send(sim, await invokeRequest(sim, creds, { body: '{"anthropic_version":"bedrock-2023-05-31","max_tokens":5}' })));
  assert.equal(missing.message, 'Malformed input request: #: required key [messages] not found, please reformat your input and try again.');
  const req = await invokeRequest(sim, creds, { headers: { 'content-type': 'application/json', accept: 'text/html' } });
  assert.deepEqual(await bedrockErrorOf(await send(sim, req)), { status: 400, code: 'ValidationException', message: 'The provided Accept Type is invalid or not supported for this model' });
});

test('error injection: throttle twice, then OK; presets and InternalServerException', async () => {
  const creds = await assume(sim);
  sim.configure({ inject: [{ op: 'invoke', status: 429, code: 'ThrottlingException', message: 'Too many requests, please wait before trying again.', times: 2 }] });
  for (let i = 0; i < 2; i++) {
    const res = await send(sim, await invokeRequest(sim, creds));
    assert.equal(res.headers.get('x-amzn-errortype'), 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/');
    assert.deepEqual(await bedrockErrorOf(res), { status: 429, code: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
  }
  assert.equal((await send(sim, await invokeRequest(sim, creds))).status, 200);
  assert.deepEqual([sim.stats.invoke.count, sim.stats.invoke.ok, sim.stats.invoke.failed, sim.stats.injected], [3, 1, 2, 2]);
  sim.configure({ inject: [{ op: 'invoke', error: 'internal' }, { op: 'assumeRole', error: 'expiredToken' }, { op: 'listFoundationModels', error: 'accessDenied' }] });
  assert.deepEqual(await bedrockErrorOf(await send(sim, await invokeRequest(sim, creds))), {
    status: 500, code: 'InternalServerException', message: 'The system encountered an unexpected error during processing. Try your request again.',
  });
  assert.deepEqual(await stsErrorOf(await send(sim, await assumeRequest(sim))), {
    status: 400, type: 'Sender', code: 'ExpiredToken', message: 'The security token included in the request is expired',
  });
  assert.equal((await bedrockErrorOf(await send(sim, await listRequest(sim, creds)))).code, 'AccessDeniedException');
  sim.configure({ inject: [{ op: 'invoke', error: 'throttle', times: 5 }] });
  sim.reset();
  assert.equal((await send(sim, await invokeRequest(sim, creds))).status, 200);
});

test('ListFoundationModels filters by provider case-insensitively and by enums', async () => {
  const creds = await assume(sim);
  const res = await send(sim, await listRequest(sim, creds, { byProvider: 'cohere' }, { region: 'us-west-2' }));
  assert.equal(res.status, 200);
  const { modelSummaries } = await res.json();
  assert.deepEqual(modelSummaries.map((m) => m.modelId), ['cohere.command-text-v14', 'cohere.command-r-v1:0', 'cohere.command-r-plus-v1:0', 'cohere.embed-english-v3']);
  assert.deepEqual(modelSummaries[1], {
    modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/cohere.command-r-v1:0',
    modelId: 'cohere.command-r-v1:0',
    modelName: 'Command R',
    providerName: 'Cohere',
    inputModalities: ['TEXT'],
    outputModalities: ['TEXT'],
    responseStreamingSupported: true,
    customizationsSupported: [],
    inferenceTypesSupported: ['ON_DEMAND'],
    modelLifecycle: { status: 'ACTIVE' },
  });
  const all = await (await send(sim, await listRequest(sim, creds))).json();
  assert.equal(all.modelSummaries.length, 20);
  const provisioned = await (await send(sim, await listRequest(sim, creds, { byProvider: 'ANTHROPIC', byInferenceType: 'PROVISIONED' }))).json();
  assert.deepEqual(provisioned.modelSummaries.map((m) => m.modelId), [HAIKU, 'anthropic.claude-3-5-sonnet-20240620-v1:0']);
  const bad = await bedrockErrorOf(await send(sim, await listRequest(sim, creds, { byOutputModality: 'SOUND' })));
  assert.deepEqual(bad, {
    status: 400,
    code: 'ValidationException',
    message: "1 validation error detected: Value 'SOUND' at 'byOutputModality' failed to satisfy constraint: Member must satisfy enum value set: [TEXT, IMAGE, EMBEDDING]",
  });
  assert.equal(sim.stats.listFoundationModels.count, 4);
});

test('CORS preflight and exposed headers', async () => {
  const res = await fetch(`${sim.url}/model/x/invoke`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-amz-date,x-amz-security-token,content-type' },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
  assert.equal(res.headers.get('access-control-allow-headers'), 'authorization,x-amz-date,x-amz-security-token,content-type');
  assert.equal(res.headers.get('access-control-max-age'), '86400');
  const creds = await assume(sim);
  const ok = await send(sim, await invokeRequest(sim, creds));
  assert.equal(ok.headers.get('access-control-allow-origin'), '*');
  assert.equal(ok.headers.get('access-control-expose-headers'), 'x-amzn-requestid, x-amzn-errortype, x-amzn-bedrock-invocation-latency, x-amzn-bedrock-input-token-count, x-amzn-bedrock-output-token-count, x-amzn-bedrock-cache-read-input-token-count, x-amzn-bedrock-cache-write-input-token-count, content-type');
});

test('admin endpoints: stats, configure, reset over HTTP', async () => {
  await assume(sim);
  const stats = await (await fetch(`${sim.url}/__sim/stats`)).json();
  assert.equal(stats.assumeRole.count, 1);
  assert.deepEqual(stats.assumeRole.last.scope, { accessKeyId: 'AKIAPLATFORM00000001', date: '20250101', region: 'us-east-1', service: 'sts' });
  const configured = await fetch(`${sim.url}/__sim/configure`, { method: 'POST', body: JSON.stringify({ inject: [{ op: 'assumeRole', error: 'throttle' }] }) });
  assert.deepEqual(await configured.json(), { ok: true });
  assert.deepEqual(await stsErrorOf(await send(sim, await assumeRequest(sim))), { status: 400, type: 'Sender', code: 'Throttling', message: 'Rate exceeded' });
  await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
  assert.equal(sim.stats.assumeRole.count, 0);
  const bad = await fetch(`${sim.url}/__sim/configure`, { method: 'POST', body: '{"nope":1}' });
  assert.deepEqual([bad.status, await bad.json()], [400, { message: "unknown simulator config key 'nope'" }]);
});

test('static files: content types, index.html, no traversal', async () => {
  const wasm = await fetch(`${sim.url}/www/mod.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer())], [0, 97, 115, 109, 1, 0, 0, 0]);
  assert.equal((await fetch(`${sim.url}/www/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
  const index = await fetch(`${sim.url}/www/`);
  assert.deepEqual([index.headers.get('content-type'), await index.text()], ['text/html; charset=utf-8', '<!doctype html><p>hi</p>']);
  const traversal = await fetch(`${sim.url}/www/..%2F..%2F..%2F..%2Fetc%2Fpasswd`);
  assert.equal(traversal.status, 404);
  assert.equal(sim.stats.other.last.path, '/www/..%2F..%2F..%2F..%2Fetc%2Fpasswd');
});
