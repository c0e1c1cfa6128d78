// Every error a user meets on the assume-role → invoke path, through the public API in Node:
// class, code, field and hint, checked before any request where the input is at fault, and
// never a secret in any error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import {
  BedrockClient, BedrockConnectError, ConfigError, AwsError, NetworkError,
} from '../../pkg/node.mjs';
import { setup, fixture, BASE, HAIKU } from './env.js';

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

const body = () => fixture('anthropic').request;
const secrets = [BASE.secretAccessKey];

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

function noSecrets(e, extra = []) {
  const shown = [e.message, e.hint, e.stack, JSON.stringify(e), String(e)].join('\n');
  for (const s of [...secrets, ...extra]) assert.ok(!shown.includes(s), `secret leaked: ${shown}`);
}

test('STS AccessDenied (external ID mismatch) names the external ID and explains the trust policy', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient, { assumeRole: { externalId: 'wrong-id' } });
  const e = await rejects(client.invoke({ modelId: HAIKU, body: body() }));
  assert.ok(e instanceof AwsError && e instanceof BedrockConnectError && e instanceof Error);
  assert.equal(e.name, 'AwsError');
  assert.equal(e.code, 'AccessDenied');
  assert.equal(e.status, 403);
  assert.equal(e.field, 'assumeRole.externalId');
  assert.equal(e.message, 'User: arn:aws:iam::111111111111:user/platform is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/BedrockAccess');
  assert.equal(e.hint, "The role refused AssumeRole: check that assumeRole.externalId equals the sts:ExternalId condition of its trust policy, that the trust policy names the platform's principal, and that roleArn is the role registered with the platform.");
  assert.equal(e.retryable, false);
  assert.match(e.requestId, /\S+/);
  assert.equal(env.sim.stats.invoke.count, 0);
  noSecrets(e);
});

test('STS InvalidClientTokenId: the platform base key is unknown', async () => {
  const client = env.client(BedrockClient, { credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x'.repeat(40) } });
  const e = await rejects(client.checkRole());
  assert.equal(e.code, 'InvalidClientTokenId');
  assert.equal(e.field, 'credentials');
  assert.equal(e.hint, "STS does not know the base access key: check the platform's credentials, and that STS is enabled in assumeRole.stsRegion.");
  noSecrets(e, ['x'.repeat(40)]);
});

test('STS SignatureDoesNotMatch: wrong base secret or STS region', async () => {
  const wrong = 'wrongSecretKey/000000000000000000000000';
  const client = env.client(BedrockClient, { credentials: { ...BASE, secretAccessKey: wrong } });
  const e = await rejects(client.checkRole());
  assert.equal(e.code, 'SignatureDoesNotMatch');
  assert.equal(e.field, 'credentials');
  assert.equal(e.hint, 'The base secret access key does not match the access key ID, or the request was signed for the wrong STS region: check credentials and assumeRole.stsRegion.');
  noSecrets(e, [wrong]);
});

test('Bedrock AccessDeniedException: the role lacks bedrock:InvokeModel', async () => {
  const client = env.client(BedrockClient, { assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/NoInvoke', externalId: undefined } });
  const e = await rejects(client.invoke({ modelId: HAIKU, body: body() }));
  assert.equal(e.code, 'AccessDeniedException');
  assert.equal(e.status, 403);
  assert.equal(e.field, 'assumeRole.roleArn');
  assert.match(e.message, /is not authorized to perform: bedrock:InvokeModel/);
  assert.equal(e.hint, 'The role may not call this: give it bedrock:InvokeModel (and bedrock:ListFoundationModels) on this model, and make sure model access is granted in the Bedrock console of this region.');
});

test('ValidationException: unknown model ID → modelId; malformed body → body', async () => {
  const client = env.client(BedrockClient);
  const unknown = await rejects(client.invoke({ modelId: 'anthropic.claude-0-v1:0', body: body() }));
  assert.equal(unknown.code, 'ValidationException');
  assert.equal(unknown.message, 'The provided model identifier is invalid.');
  assert.equal(unknown.field, 'modelId');
  assert.equal(unknown.hint, 'Bedrock does not know this model ID in this region: check modelId and region (some models need an inference profile such as us.…).');
  const malformed = await rejects(client.invoke({ modelId: HAIKU, body: { prompt: 'hi' } }));
  assert.equal(malformed.code, 'ValidationException');
  assert.equal(malformed.field, 'body');
  assert.equal(malformed.hint, "Bedrock refused the body: anthropic.claude-3-haiku-20240307-v1:0 takes the `anthropic` family's request format; check the body's fields and types against it.");
});

test('ResourceNotFoundException → model ID or region', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'invoke', status: 404, code: 'ResourceNotFoundException', message: 'Model not found.' }] });
  const e = await rejects(env.client(BedrockClient).invoke({ modelId: HAIKU, body: body() }));
  assert.deepEqual([e.code, e.status, e.field, e.message], ['ResourceNotFoundException', 404, 'modelId', 'Model not found.']);
  assert.equal(e.hint, 'No such model or resource in this region: check modelId and region.');
});

test('retries give up after retry.maxAttempts with the last AWS error', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'invoke', error: 'internal', times: 5 }] });
  const e = await rejects(env.client(BedrockClient, { retry: { maxAttempts: 2 } }).invoke({ modelId: HAIKU, body: body() }));
  assert.equal(e.code, 'InternalServerException');
  assert.equal(e.retryable, true);
  assert.equal(env.sim.stats.invoke.count, 2);
});

test('input is validated before any request, naming the option', () => {
  env.sim.reset();
  const cases = [
    [{ assumeRole: { roleArn: 'BedrockAccess' } }, 'INVALID_ROLE_ARN', 'assumeRole.roleArn'],
    [{ assumeRole: { roleArn: 'arn:aws:iam::1234:role/R' } }, 'INVALID_ROLE_ARN', 'assumeRole.roleArn'],
    [{ assumeRole: { sessionName: 'a' } }, 'INVALID_SESSION_NAME', 'assumeRole.sessionName'],
    [{ assumeRole: { durationSeconds: 60 } }, 'INVALID_DURATION', 'assumeRole.durationSeconds'],
    [{ assumeRole: { externalId: 'x' } }, 'INVALID_EXTERNAL_ID', 'assumeRole.externalId'],
    [{ assumeRole: { stsRegion: 'Ireland' } }, 'INVALID_REGION', 'assumeRole.stsRegion'],
    [{ assumeRole: { stsEndpoint: 'sts.example.com' } }, 'INVALID_ENDPOINT', 'assumeRole.stsEndpoint'],
    [{ region: 'us-east' }, 'INVALID_REGION', 'region'],
    [{ bearerToken: 'bedrock-api-key-x' }, 'CONFIG_CONFLICT', 'bearerToken'],
    [{ retry: { maxAttempts: 0 } }, 'INVALID_RETRY', 'retry.maxAttempts'],
  ];
  for (const [options, code, field] of cases) {
    assert.throws(() => env.client(BedrockClient, options), (e) => {
      assert.ok(e instanceof ConfigError, `${code}: ${e}`);
      assert.deepEqual([e.code, e.field], [code, field]);
      assert.ok(e.hint.length > 10);
      return true;
    });
  }
  assert.equal(env.sim.stats.total, 0);
});

test('model IDs are checked before any request', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const bad = await rejects(client.invoke({ modelId: 'Claude 3 Haiku', body: body() }));
  assert.ok(bad instanceof ConfigError);
  assert.deepEqual([bad.code, bad.field], ['INVALID_MODEL_ID', 'modelId']);
  const mismatch = await rejects(client.invoke({ modelId: 'arn:aws:bedrock:eu-west-1:123456789012:provisioned-model/abc', body: body() }));
  assert.deepEqual([mismatch.code, mismatch.field, mismatch.message],
    ['REGION_MISMATCH', 'modelId', 'the model ARN is in eu-west-1 but the client\'s region is us-east-1']);
  assert.equal(env.sim.stats.total, 0);
});

test('wrong argument types throw TypeError naming the option', async () => {
  assert.throws(() => new BedrockClient(), (e) => e instanceof TypeError && e.message === 'options must be an object');
  assert.throws(() => env.client(BedrockClient, { region: 42 }), (e) => e instanceof TypeError && e.message === 'region must be a string');
  assert.throws(() => env.client(BedrockClient, { region: undefined }), (e) => e instanceof TypeError && e.message === 'region is a required option');
  assert.throws(() => env.client(BedrockClient, { assumeRole: { durationSeconds: '3600' } }),
    (e) => e instanceof TypeError && e.message === 'assumeRole.durationSeconds must be a non-negative integer' && e.field === 'assumeRole.durationSeconds');
  assert.throws(() => env.client(BedrockClient, { credentials: { accessKeyId: 'A' } }),
    (e) => e instanceof TypeError && e.message === 'credentials.secretAccessKey is a required option');
  const e = await rejects(env.client(BedrockClient).invoke({ modelId: HAIKU, body: 42 }));
  assert.ok(e instanceof TypeError);
  assert.equal(e.message, 'body must be a string, Uint8Array, ArrayBuffer or plain object');
});

test('checkRole without assumeRole throws NO_ROLE_CONFIGURED', async () => {
  const client = new BedrockClient({ region: 'us-east-1', credentials: BASE, endpoint: env.sim.url });
  const e = await rejects(client.checkRole());
  assert.ok(e instanceof ConfigError);
  assert.deepEqual([e.code, e.field], ['NO_ROLE_CONFIGURED', 'assumeRole']);
});

test('no answer: connection refused, timeout and abort are NetworkErrors', async () => {
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
  const dead = env.client(BedrockClient, { endpoint: `http://127.0.0.1:${port}`, retry: { maxAttempts: 1 } });
  const refused = await rejects(dead.invoke({ modelId: HAIKU, body: body() }));
  assert.ok(refused instanceof NetworkError);
  assert.equal(refused.code, 'NETWORK');
  assert.equal(refused.message, 'fetch failed (ECONNREFUSED)');
  assert.equal(refused.retryable, true);

  env.sim.configure({ latencyMs: 300 });
  try {
    const slow = env.client(BedrockClient, { timeoutMs: 50, retry: { maxAttempts: 1 } });
    const timeout = await rejects(slow.invoke({ modelId: HAIKU, body: body() }));
    assert.ok(timeout instanceof NetworkError);
    assert.deepEqual([timeout.code, timeout.message], ['TIMEOUT', 'no answer within timeoutMs = 50 ms']);

    const controller = new AbortController();
    const pending = env.client(BedrockClient).invoke({ modelId: HAIKU, body: body(), signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const aborted = await rejects(pending);
    assert.deepEqual([aborted.code, aborted.retryable], ['ABORTED', false]);
  } finally {
    env.sim.configure({ latencyMs: 0 });
  }
});

test('session tokens and secrets never appear in errors', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  await client.checkRole();
  const session = env.sim.sessions().at(-1);
  env.sim.configure({ inject: [{ op: 'invoke', error: 'accessDenied' }] });
  const e = await rejects(client.invoke({ modelId: HAIKU, body: body() }));
  noSecrets(e, [session.secretAccessKey, session.sessionToken]);
});
