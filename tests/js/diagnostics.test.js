// Issue-4 flows through the public API against the simulator: inference profiles (hint naming
// the profile, 'auto' retry), resolveModel, Bedrock API keys (mint → bearer client), and one
// test per row of the diagnostics catalogue asserting code, field and hint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockClient, AwsError } from '../../pkg/node.mjs';
import { setup, fixture, HAIKU, ROLE_ARN } from './env.js';

const SONNET_V2 = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const APP_PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3';
let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

const body = () => fixture('anthropic').request;
/** The Anthropic request with a prompt-cache point on its system prompt. */
const cachedBody = () => ({ ...body(), system: [{ type: 'text', text: 'Shared prefix.', cache_control: { type: 'ephemeral' } }] });

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  return assert.fail('expected a rejection');
}

function withConfig(patch, fn) {
  return async () => {
    const saved = structuredClone(env.sim.config);
    env.sim.reset();
    env.sim.configure(patch);
    try {
      await fn();
    } finally {
      const restore = {};
      for (const k of Object.keys(patch)) restore[k] = saved[k];
      env.sim.configure(restore);
    }
  };
}

test('on-demand refusal: the hint names the profile found by ListInferenceProfiles', async () => {
  env.sim.reset();
  const e = await rejects(env.client(BedrockClient).invoke({ modelId: SONNET_V2, body: body() }));
  assert.ok(e instanceof AwsError);
  assert.deepEqual([e.code, e.status, e.field], ['ValidationException', 400, 'modelId']);
  assert.equal(e.message, `Invocation of model ID ${SONNET_V2} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`);
  assert.equal(e.hint, `This model cannot be invoked on demand: use the inference profile \`us.${SONNET_V2}\` as modelId (or pass inferenceProfile: 'auto'), or a provisioned throughput ARN.`);
  assert.equal(env.sim.stats.listInferenceProfiles.count, 1);
});

test("on-demand refusal without ListInferenceProfiles: the dated table's candidate", withConfig({}, async () => {
  const roles = structuredClone(env.sim.config.roles);
  roles[0].actions = roles[0].actions.filter((a) => a !== 'bedrock:ListInferenceProfiles');
  env.sim.configure({ roles });
  const client = env.client(BedrockClient, { region: 'ap-northeast-1' });
  const e = await rejects(client.invoke({ modelId: SONNET_V2, body: body() }));
  assert.equal(e.hint, `This model cannot be invoked on demand: use the inference profile \`jp.${SONNET_V2}\` as modelId (or pass inferenceProfile: 'auto'), or a provisioned throughput ARN.`);
  assert.equal(env.sim.stats.listInferenceProfiles.failed, 1);
  roles[0].actions.push('bedrock:ListInferenceProfiles');
  env.sim.configure({ roles });
}));

test("inferenceProfile: 'auto' retries once through the profile and reports it", async () => {
  env.sim.reset();
  const res = await env.client(BedrockClient).invoke({ modelId: SONNET_V2, body: body(), inferenceProfile: 'auto' });
  assert.equal(res.status, 200);
  assert.equal(res.inferenceProfileUsed, `us.${SONNET_V2}`);
  assert.equal(env.sim.stats.invoke.count, 2);
  assert.equal(env.sim.stats.invoke.last.modelId, `us.${SONNET_V2}`);
  const viaClient = await env.client(BedrockClient, { inferenceProfile: 'auto' }).invoke({ modelId: SONNET_V2, body: body() });
  assert.equal(viaClient.inferenceProfileUsed, `us.${SONNET_V2}`);
  const onDemand = await env.client(BedrockClient, { inferenceProfile: 'auto' }).invoke({ modelId: HAIKU, body: body() });
  assert.equal(onDemand.inferenceProfileUsed, null);
});

test('resolveModel: base, system profile, application profile (GetInferenceProfile), provisioned', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  assert.deepEqual(await client.resolveModel(HAIKU),
    { modelId: HAIKU, kind: 'base', family: 'anthropic', region: 'us-east-1', inferenceProfile: null });
  assert.deepEqual(await client.resolveModel('us.amazon.nova-pro-v1:0'),
    { modelId: 'us.amazon.nova-pro-v1:0', kind: 'inference-profile', family: 'nova', region: 'us-east-1', inferenceProfile: 'us.amazon.nova-pro-v1:0' });
  assert.deepEqual(await client.resolveModel(APP_PROFILE),
    { modelId: APP_PROFILE, kind: 'inference-profile', family: 'anthropic', region: 'us-east-1', inferenceProfile: APP_PROFILE });
  assert.equal(env.sim.stats.getInferenceProfile.count, 1);
  const provisioned = 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456';
  assert.deepEqual(await client.resolveModel(provisioned),
    { modelId: provisioned, kind: 'provisioned', family: null, region: 'us-east-1', inferenceProfile: null });
  const res = await client.invoke({ modelId: APP_PROFILE, body: body() });
  assert.equal(res.status, 200);
});

test('API keys: mintApiKey → a bearer client that signs nothing, accepted by the simulator', async () => {
  env.sim.reset();
  const { token, expiration, region } = await env.client(BedrockClient).mintApiKey({ expiresIn: 900 });
  assert.match(token, /^bedrock-api-key-[A-Za-z0-9+/]+=*$/);
  assert.equal(region, 'us-east-1');
  assert.equal(expiration.getTime(), env.clock.ms + 900_000);
  const bearer = new BedrockClient({ region: 'us-east-1', bearerToken: token, endpoint: env.sim.url, now: () => env.clock.ms });
  const res = await bearer.invoke({ modelId: HAIKU, body: body() });
  assert.equal(res.status, 200);
  const last = env.sim.stats.invoke.last;
  assert.equal(last.authMode, 'bearer');
  assert.equal(last.headers.authorization, `Bearer ${token}`);
  assert.equal(last.headers['x-amz-date'], undefined);
  const tampered = new BedrockClient({ region: 'us-east-1', bearerToken: `${token.slice(0, -4)}AAAA`, endpoint: env.sim.url, retry: { maxAttempts: 1 } });
  const e = await rejects(tampered.invoke({ modelId: HAIKU, body: body() }));
  assert.ok(['InvalidSignatureException', 'UnrecognizedClientException'].includes(e.code), e.code);
  assert.ok(!JSON.stringify(e).includes(token) && !e.message.includes(token));
  env.clock.ms += 901_000;
  const expired = await rejects(bearer.invoke({ modelId: HAIKU, body: body() }));
  assert.deepEqual([expired.code, expired.field], ['ExpiredTokenException', 'bearerToken']);
  assert.match(expired.hint, /mintApiKey/);
});

// Each row: how to provoke it, then code, field and a phrase of the hint.
const rows = [
  ['STS AccessDenied: external ID mismatch', {}, { assumeRole: { externalId: 'other-id' } }, 'AccessDenied', 'assumeRole.externalId', 'sts:ExternalId'],
  ['STS AccessDenied: external ID missing', {}, { assumeRole: { externalId: undefined } }, 'AccessDenied', 'assumeRole.externalId', 'sts:ExternalId'],
  // AWS answers a role that does not trust the platform exactly as a wrong external ID.
  ['STS AccessDenied: role not trusting the platform', {}, { assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/Unknown' } }, 'AccessDenied', 'assumeRole.externalId', 'trust policy'],
  ['STS AccessDenied: sts:TagSession missing when tags are sent', 'noTagSession', { assumeRole: { tags: { team: 'ml' } } }, 'AccessDenied', 'assumeRole.tags', 'sts:TagSession'],
  ['STS AccessDenied: SCP', { scpDeny: ['sts:AssumeRole'] }, {}, 'AccessDenied', 'assumeRole.roleArn', 'service control policy'],
  ['STS InvalidClientTokenId', {}, { credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } }, 'InvalidClientTokenId', 'credentials', 'base access key'],
  ['STS SignatureDoesNotMatch', {}, { credentials: { accessKeyId: 'AKIAPLATFORM00000001', secretAccessKey: 'wrong' } }, 'SignatureDoesNotMatch', 'credentials', 'secret access key'],
  ['STS SignatureDoesNotMatch: scoped to a valid region', { stsRegion: 'eu-west-1' }, { assumeRole: { stsRegion: 'us-east-1' } }, 'SignatureDoesNotMatch', 'assumeRole.stsRegion', 'region of assumeRole.stsEndpoint'],
  ['STS ExpiredToken', { inject: [{ op: 'assumeRole', error: 'expiredToken' }] }, {}, 'ExpiredToken', 'credentials', 'refresh'],
  ['STS RegionDisabledException', { disabledStsRegions: ['eu-west-1'] }, {}, 'RegionDisabledException', 'assumeRole.stsRegion', 'activate'],
  ['STS ValidationError: duration above the role maximum', {}, { assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/NoInvoke', externalId: undefined, durationSeconds: 7200 } }, 'ValidationError', 'assumeRole.durationSeconds', 'MaxSessionDuration'],
  ['STS ValidationError: role chaining above 3600 s', { inject: [{ op: 'assumeRole', status: 400, code: 'ValidationError', message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.' }] }, {}, 'ValidationError', 'assumeRole.durationSeconds', 'role chaining'],
  ['Bedrock InvalidSignatureException: scoped to the wrong service', { inject: [{ op: 'invoke', status: 403, code: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'bedrock'. " }] }, {}, 'InvalidSignatureException', 'endpoint', 'signing name `bedrock`'],
  ['Bedrock AccessDeniedException: missing bedrock:InvokeModel', {}, { assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/NoInvoke', externalId: undefined } }, 'AccessDeniedException', 'assumeRole.roleArn', 'bedrock:InvokeModel'],
  ['Bedrock AccessDeniedException: model access not granted', { modelAccessDenied: [HAIKU] }, {}, 'AccessDeniedException', 'modelId', 'Model access'],
  ['Bedrock AccessDeniedException: Marketplace subscription', { marketplaceSubscriptionRequired: ['my-endpoint'] }, {}, 'AccessDeniedException', 'assumeRole.roleArn', 'aws-marketplace', 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint'],
  ['Bedrock UnrecognizedClientException: region needs a regional token', { unrecognizedTokenRegions: ['us-east-1'] }, {}, 'UnrecognizedClientException', 'credentials', 'regional'],
  ['Bedrock InvalidSignatureException: signature time refused, clock not correctable', { inject: [{ op: 'invoke', status: 403, code: 'InvalidSignatureException', message: 'Signature expired: 20200101T000000Z is now earlier than 20200101T001000Z (20200101T001500Z - 5 min.)' }] }, {}, 'InvalidSignatureException', 'now', 'clock'],
  ['Bedrock ExpiredTokenException (after the one refresh)', { inject: [{ op: 'invoke', error: 'expiredToken', times: 2 }] }, {}, 'ExpiredTokenException', 'credentials', 'assumed again'],
  ['Bedrock ValidationException: model identifier invalid', {}, {}, 'ValidationException', 'modelId', 'model ID', 'anthropic.claude-9-v1:0'],
  ['Bedrock ValidationException: malformed body', {}, {}, 'ValidationException', 'body', '`anthropic` family', HAIKU, { messages: 'hi' }],
  ['Bedrock ResourceNotFoundException', { inject: [{ op: 'invoke', error: 'notFound' }] }, {}, 'ResourceNotFoundException', 'modelId', 'region'],
  ['Bedrock ThrottlingException', { inject: [{ op: 'invoke', error: 'throttle', times: 5 }] }, { retry: { maxAttempts: 1 } }, 'ThrottlingException', null, 'retry later'],
  ['Bedrock ServiceQuotaExceededException', { inject: [{ op: 'invoke', error: 'quota' }] }, {}, 'ServiceQuotaExceededException', null, 'Service Quotas'],
  ['Bedrock ModelNotReadyException', { inject: [{ op: 'invoke', error: 'modelNotReady', times: 5 }] }, { retry: { maxAttempts: 1 } }, 'ModelNotReadyException', null, 'not ready'],
  ['Bedrock ModelTimeoutException', { inject: [{ op: 'invoke', error: 'modelTimeout' }] }, {}, 'ModelTimeoutException', 'body', 'shorter'],
  ['Bedrock ModelErrorException', { inject: [{ op: 'invoke', error: 'modelError' }] }, {}, 'ModelErrorException', 'body', 'family'],
  ['Bedrock ServiceUnavailableException', { inject: [{ op: 'invoke', error: 'unavailable', times: 5 }] }, { retry: { maxAttempts: 1 } }, 'ServiceUnavailableException', null, 'retry later'],
  ['Bedrock InternalServerException', { inject: [{ op: 'invoke', error: 'internal', times: 5 }] }, { retry: { maxAttempts: 1 } }, 'InternalServerException', null, 'retry later'],
  ['Bedrock behind a proxy: an HTML 502 (not an AWS answer)', { inject: [{ op: 'invoke', status: 502, html: true, times: 5 }] }, { retry: { maxAttempts: 1 } }, 'HTTP_502', 'endpoint', 'proxy'],
  ['STS behind a proxy: an empty 403 (not an AWS answer)', { inject: [{ op: 'assumeRole', status: 403, empty: true }] }, {}, 'HTTP_403', 'assumeRole.stsEndpoint', 'proxy'],
  ['STS ServiceUnavailable: no role hint', { inject: [{ op: 'assumeRole', error: 'unavailable', times: 5 }] }, { retry: { maxAttempts: 1 } }, 'ServiceUnavailable', null, 'retry later'],
  ['Bedrock ValidationException: a cache point sent to a model without prompt caching', { promptCacheUnsupported: [HAIKU] }, {}, 'ValidationException', 'body', 'cachePoint', HAIKU, cachedBody()],
  ['Bedrock UnknownOperationException', { inject: [{ op: 'invoke', status: 404, code: 'UnknownOperationException', message: null }] }, {}, 'UnknownOperationException', 'modelId', 'percent-encoded'],
];

for (const [name, simPatch, options, code, field, phrase, modelId = HAIKU, requestBody] of rows) {
  test(`diagnostics: ${name}`, async () => {
    const saved = structuredClone(env.sim.config);
    env.sim.reset();
    if (simPatch === 'noTagSession') {
      const roles = structuredClone(saved.roles);
      roles[0].actions = roles[0].actions.filter((a) => a !== 'sts:TagSession');
      env.sim.configure({ roles });
    } else if (simPatch === 'skew') {
      env.sim.configure({ clockOffsetMs: 0 });
    } else {
      env.sim.configure(simPatch);
    }
    try {
      const client = env.client(BedrockClient, options);
      if (simPatch === 'skew') {
        await client.checkRole();
        env.sim.configure({ clockOffsetMs: 20 * 60_000 });
      }
      const e = await rejects(client.invoke({ modelId, body: requestBody ?? body() }));
      assert.ok(e instanceof AwsError, `${e}`);
      assert.equal(e.code, code, e.message);
      assert.equal(e.field, field, e.hint);
      assert.ok(e.hint.toLowerCase().includes(phrase.toLowerCase()), `${e.hint} ∌ ${phrase}`);
    } finally {
      const restore = {};
      for (const k of ['roles', 'scpDeny', 'stsRegion', 'disabledStsRegions', 'modelAccessDenied', 'marketplaceSubscriptionRequired', 'unrecognizedTokenRegions', 'clockOffsetMs', 'promptCacheUnsupported']) restore[k] = saved[k];
      env.sim.configure(restore);
      env.sim.reset();
    }
  });
}

test('diagnostics: CountTokens on a model without CountTokens support names modelId', async () => {
  env.sim.reset();
  const e = await rejects(env.client(BedrockClient).countTokens({ modelId: 'amazon.nova-lite-v1:0', body: { messages: [] } }));
  assert.ok(e instanceof AwsError);
  assert.deepEqual([e.code, e.status, e.field], ['ValidationException', 400, 'modelId']);
  assert.match(e.hint, /does not support CountTokens/);
});

test('diagnostics: a Converse cachePoint on a model without prompt caching names body', withConfig({ promptCacheUnsupported: [HAIKU] }, async () => {
  const messages = [{ role: 'user', content: [{ text: 'Hello' }, { cachePoint: { type: 'default' } }] }];
  const e = await rejects(env.client(BedrockClient).converse({ modelId: HAIKU, messages }));
  assert.deepEqual([e.code, e.status, e.field], ['ValidationException', 400, 'body']);
  assert.match(e.hint, /prompt caching/);
}));

test('diagnostics: a guardrail that blocks is an answer, not an error: guardrailAction INTERVENED and the blocked message', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const blockedBody = { ...body(), messages: [{ role: 'user', content: 'Tell me something forbidden.' }] };
  const res = await client.invoke({ modelId: HAIKU, body: blockedBody, guardrailIdentifier: 'gr1abc', guardrailVersion: '1' });
  const sent = env.sim.stats.invoke.last.headers;
  assert.equal(sent['x-amzn-bedrock-guardrailidentifier'], 'gr1abc');
  assert.equal(sent['x-amzn-bedrock-guardrailversion'], '1');
  assert.equal(res.status, 200);
  assert.equal(res.guardrailAction, 'INTERVENED');
  assert.equal(res.json().content[0].text, 'Sorry, I cannot help with that.');
  const passed = await client.invoke({ modelId: HAIKU, body: body(), guardrailIdentifier: 'gr1abc', guardrailVersion: '1' });
  assert.equal(passed.guardrailAction, 'NONE');
  assert.equal((await client.invoke({ modelId: HAIKU, body: body() })).guardrailAction, null);
  const messages = [{ role: 'user', content: [{ text: 'Something forbidden' }] }];
  const conv = await client.converse({ modelId: HAIKU, messages, guardrailIdentifier: 'gr1abc', guardrailVersion: '1' });
  assert.deepEqual(JSON.parse(env.sim.stats.converse.last.body).guardrailConfig, { guardrailIdentifier: 'gr1abc', guardrailVersion: '1' });
  assert.equal(conv.stopReason, 'guardrail_intervened');
  assert.equal(conv.guardrailAction, 'INTERVENED');
  assert.equal(conv.outputText, 'Sorry, I cannot help with that.');
  const ok = await client.converse({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'Hello' }] }], guardrailIdentifier: 'gr1abc', guardrailVersion: '1' });
  assert.equal(ok.guardrailAction, null);
});
