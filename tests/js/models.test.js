// Model IDs, policies and API keys through the public API: parseModelId for every kind,
// policies() documents, and mintApiKey byte-equal to npm @aws/bedrock-token-generator.
import { test, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { getToken } from '@aws/bedrock-token-generator';
import { BedrockClient, parseModelId, policies, ConfigError } from '../../pkg/node.mjs';
import { setup } from './env.js';

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

test('parseModelId: every kind', () => {
  const ctx = { region: 'us-east-1', accountId: '123456789012' };
  const cases = [
    ['anthropic.claude-3-haiku-20240307-v1:0', 'base', 'anthropic.claude-3-haiku-20240307-v1:0', null, null],
    ['arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1', 'base', 'amazon.titan-text-express-v1', 'us-east-1', null],
    ['us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'inference-profile', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', null, null],
    ['global.anthropic.claude-sonnet-4-20250514-v1:0', 'inference-profile', 'global.anthropic.claude-sonnet-4-20250514-v1:0', null, null],
    ['us-gov.anthropic.claude-3-haiku-20240307-v1:0', 'inference-profile', 'us-gov.anthropic.claude-3-haiku-20240307-v1:0', null, null],
    ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0', 'inference-profile', null, 'us-east-1', '123456789012'],
    ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/app1abc2def3', 'inference-profile', null, 'us-east-1', '123456789012'],
    ['arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456', 'provisioned', null, 'us-east-1', '123456789012'],
    ['bedrock:provisioned-model-inference/abcdef123456', 'provisioned', 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456', 'us-east-1', '123456789012'],
    ['arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint', 'marketplace', null, 'us-east-1', '123456789012'],
    ['arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123', 'custom', null, 'us-east-1', '123456789012'],
    ['arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc123', 'custom', null, 'us-east-1', '123456789012'],
  ];
  for (const [input, kind, modelId, region, accountId] of cases) {
    assert.deepEqual(parseModelId(input, ctx), { kind, modelId: modelId ?? input, region, accountId }, input);
  }
  assert.throws(() => parseModelId('claude'), (e) => e instanceof ConfigError && e.code === 'INVALID_MODEL_ID' && e.field === 'modelId');
  assert.throws(() => parseModelId('arn:aws:bedrock:eu-west-1:123456789012:provisioned-model/x', ctx), (e) => e.code === 'REGION_MISMATCH');
  assert.throws(() => parseModelId(42), TypeError);
});

test('policies(): permissions and trust as IAM JSON', () => {
  const { permissions, trust } = policies({ platformPrincipal: 'arn:aws:iam::111111111111:role/Platform', externalId: 'platform-42', tags: true });
  assert.deepEqual(JSON.parse(JSON.stringify(permissions)), {
    Version: '2012-10-17',
    Statement: [{ Sid: 'BedrockConnect', Effect: 'Allow', Resource: '*', Action: [
      'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:ListFoundationModels',
      'bedrock:GetInferenceProfile', 'bedrock:CallWithBearerToken', 'bedrock:ListInferenceProfiles', 'bedrock:CountTokens'] }],
  });
  assert.deepEqual(JSON.parse(JSON.stringify(trust)), {
    Version: '2012-10-17',
    Statement: [{ Sid: 'PlatformAssumeRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/Platform' },
      Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': 'platform-42' } } }],
  });
  const plain = policies({ platformPrincipal: '111111111111', actions: ['bedrock:InvokeModel'] });
  assert.deepEqual(plain.trust.Statement[0].Principal, { AWS: 'arn:aws:iam::111111111111:root' });
  assert.deepEqual(plain.trust.Statement[0].Action, ['sts:AssumeRole']);
  assert.equal(plain.trust.Statement[0].Condition, undefined);
  assert.deepEqual(plain.permissions.Statement[0].Action, ['bedrock:InvokeModel']);
  assert.throws(() => policies({ platformPrincipal: 'me' }), (e) => e.code === 'INVALID_PRINCIPAL' && e.field === 'platformPrincipal');
});

test('mintApiKey equals @aws/bedrock-token-generator byte for byte (frozen clock)', async () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'TOKEN/+=1' };
  const frozen = Date.UTC(2026, 10, 25, 7, 0, 0);
  const client = new BedrockClient({ region: 'us-west-2', credentials, now: () => frozen });
  const ours = await client.mintApiKey();
  mock.timers.enable({ apis: ['Date'], now: frozen });
  let theirs;
  try {
    theirs = await getToken({ credentials, region: 'us-west-2', expiresInSeconds: 43200 });
  } finally {
    mock.timers.reset();
  }
  assert.equal(ours.token, theirs);
  assert.equal(ours.region, 'us-west-2');
  assert.equal(ours.expiration.getTime(), frozen + 43_200_000);
  const short = await client.mintApiKey({ expiresIn: 900 });
  assert.match(Buffer.from(short.token.slice('bedrock-api-key-'.length), 'base64').toString(), /&X-Amz-Expires=900&/);
});

test('mintApiKey from an assumed role is clamped to the role credentials\' expiry', async () => {
  env.clock.ms = Math.ceil(env.clock.ms / 1000) * 1000 + 1000; // on a whole second: 3600 s are left
  const client = env.client(BedrockClient);
  const role = await client.checkRole();
  const key = await client.mintApiKey();
  assert.equal(key.expiration.getTime(), role.expiration.getTime());
  const url = Buffer.from(key.token.slice('bedrock-api-key-'.length), 'base64').toString();
  assert.match(url, /^bedrock\.amazonaws\.com\/\?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA[A-Z0-9]+%2F\d{8}%2Fus-east-1%2Fbedrock%2Faws4_request&/);
  assert.match(url, /&X-Amz-Expires=3600&/);
  await assert.rejects(client.mintApiKey({ expiresIn: 0 }), (e) => e.code === 'INVALID_EXPIRES_IN' && e.field === 'expiresIn');
});

/** What IAM accepts: Version 2012-10-17, a Statement array, each with a unique alphanumeric Sid,
 * Effect Allow/Deny, Action service:Name strings, and Resource `*` or well-formed ARNs (or a Principal). */
function assertIamJson(doc) {
  const copy = JSON.parse(JSON.stringify(doc));
  assert.equal(copy.Version, '2012-10-17');
  assert.ok(Array.isArray(copy.Statement) && copy.Statement.length > 0);
  const sids = new Set();
  for (const st of copy.Statement) {
    assert.match(st.Sid, /^[A-Za-z0-9]+$/);
    assert.ok(!sids.has(st.Sid), `duplicate Sid ${st.Sid}`);
    sids.add(st.Sid);
    assert.ok(['Allow', 'Deny'].includes(st.Effect));
    for (const a of [st.Action].flat()) assert.match(a, /^[a-z0-9-]+:[A-Za-z*]+$/);
    if (st.Principal) continue;
    const resources = [st.Resource].flat();
    assert.ok(resources.length > 0);
    for (const r of resources) assert.match(r, /^(\*|arn:aws(-cn|-us-gov)?:(bedrock|sagemaker):([a-z0-9-]*|\*):(\d{12}|\*)?:[a-z-]+\/.+)$/, r);
  }
}

test('policies({ models, regions }): model actions scoped to the models\' ARNs, list actions on *, valid IAM JSON', () => {
  const { permissions, trust } = policies({
    platformPrincipal: 'arn:aws:iam::111111111111:role/Platform', externalId: 'platform-42',
    models: ['anthropic.claude-3-haiku-20240307-v1:0', 'global.anthropic.claude-sonnet-4-20250514-v1:0', 'amazon.nova-lite-v1:0'],
    regions: ['us-east-1'],
  });
  assertIamJson(permissions);
  assertIamJson(trust);
  const [models, list, market] = permissions.Statement;
  assert.deepEqual(models.Action, ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:GetInferenceProfile', 'bedrock:CountTokens']);
  assert.deepEqual(models.Resource, [
    'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
    'arn:aws:bedrock:us-east-1:*:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0',
    'arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0',
    'arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0',
    'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
  ]);
  assert.deepEqual(list, { Sid: 'BedrockConnectList', Effect: 'Allow', Action: ['bedrock:ListFoundationModels', 'bedrock:CallWithBearerToken', 'bedrock:ListInferenceProfiles'], Resource: '*' });
  assert.deepEqual(market, { Sid: 'BedrockConnectMarketplace', Effect: 'Allow', Action: ['aws-marketplace:ViewSubscriptions'], Resource: '*' });
  // Without models: one statement on *; every default document is valid too.
  assertIamJson(policies({ platformPrincipal: '111111111111' }).permissions);
  assert.equal(policies({ platformPrincipal: '111111111111', models: ['amazon.nova-lite-v1:0'] }).permissions.Statement.length, 2);
  assert.throws(() => policies({ platformPrincipal: '111111111111', models: ['nope'] }), (e) => e.code === 'INVALID_MODEL_ID' && e.field === 'models');
  assert.throws(() => policies({ platformPrincipal: '111111111111', models: 'amazon.nova-lite-v1:0' }), (e) => e.field === 'models');
});
