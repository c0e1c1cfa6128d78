// moto (a third-party AWS stand-in, signature checking on) as a peer nobody here wrote:
// AssumeRole → temporary credentials → InvokeModel through the public API, and refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockClient, AwsError } from '../../pkg/node.mjs';
import { startMoto } from '../moto/harness.js';

let moto;
before(async () => { moto = await startMoto(); });
after(() => moto?.close());

function client(overrides = {}) {
  return new BedrockClient({
    region: 'us-east-1',
    credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
    assumeRole: { roleArn: moto.roleArn, externalId: moto.externalId, stsEndpoint: moto.url },
    endpoint: moto.url,
    retry: { maxAttempts: 1 },
    ...overrides,
  });
}

test('the full chain passes moto\'s signature checks', async () => {
  const c = client();
  const role = await c.checkRole();
  assert.match(role.assumedRoleArn, /^arn:aws:sts::123456789012:assumed-role\/BedrockAccess\/bedrock-connect-\d+$/);
  assert.match(role.accessKeyId, /^ASIA/);
  const res = await c.invoke({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body: { messages: [] } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), {});
});

test('a tampered secret key is refused by STS', async () => {
  const c = client({ credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey.slice(0, -1) + (moto.secretAccessKey.endsWith('X') ? 'Y' : 'X') } });
  await assert.rejects(c.checkRole(), (e) => {
    assert.ok(e instanceof AwsError);
    assert.deepEqual([e.code, e.status, e.field], ['SignatureDoesNotMatch', 403, 'credentials']);
    return true;
  });
});

test('an unknown access key is refused by STS', async () => {
  const c = client({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: moto.secretAccessKey } });
  await assert.rejects(c.checkRole(), (e) => e.code === 'InvalidClientTokenId' && e.field === 'credentials');
});

test('a wrong external ID is refused', async () => {
  const c = client({ assumeRole: { roleArn: moto.roleArn, externalId: 'not-the-one', stsEndpoint: moto.url } });
  await assert.rejects(c.checkRole(), (e) => e.code === 'AccessDenied' && e.field === 'assumeRole.externalId');
});
