// Whole flows through the public API in Node: assume role → invoke → usage, the credential
// cache (refresh, one AssumeRole for 1,000 concurrent calls), listFoundationModels, retries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BedrockClient, CredentialCache, AwsError } from '../../pkg/node.mjs';
import { setup, fixture, HAIKU, ROLE_ARN } from './env.js';

let env;
before(async () => { env = await setup(); });
after(() => env.sim.close());

test('assume role in the STS region, invoke in the model region, usage from headers', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient, { assumeRole: { sessionName: 'flow-test' } });
  const role = await client.checkRole();
  assert.equal(role.assumedRoleArn, 'arn:aws:sts::123456789012:assumed-role/BedrockAccess/flow-test');
  assert.match(role.accessKeyId, /^ASIA/);
  assert.ok(role.expiration instanceof Date);
  assert.equal(role.expiration.getTime(), Math.floor(env.clock.ms / 1000) * 1000 + 3600_000);
  assert.deepEqual(role.warnings, []);

  const { request, response, inputTokens, outputTokens } = fixture('anthropic');
  const res = await client.invoke({ modelId: HAIKU, body: request });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), response);
  assert.equal(res.text(), JSON.stringify(response));
  assert.ok(res.body instanceof Uint8Array);
  assert.deepEqual(res.usage, { inputTokens, outputTokens, cacheReadInputTokens: null, cacheWriteInputTokens: null });
  assert.equal(res.serverLatencyMs, 250);
  assert.equal(typeof res.latencyMs, 'number');
  assert.equal(res.requestId, res.headers['x-amzn-requestid']);
  assert.equal(res.inferenceProfileUsed, null);

  const sts = env.sim.stats.assumeRole.last;
  assert.deepEqual(sts.scope, { accessKeyId: 'AKIAPLATFORM00000001', date: sts.scope.date, region: 'eu-west-1', service: 'sts' });
  assert.equal(sts.params.ExternalId, 'platform-42');
  assert.equal(sts.params.RoleArn, ROLE_ARN);
  assert.equal(sts.headers['content-type'], 'application/x-www-form-urlencoded; charset=utf-8');
  const inv = env.sim.stats.invoke.last;
  assert.deepEqual(inv.scope, { accessKeyId: role.accessKeyId, date: sts.scope.date, region: 'us-east-1', service: 'bedrock' });
  assert.equal(inv.path, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke');
  assert.equal(inv.headers['x-amz-user-agent'], 'bedrock-connect/0.1.0');
  assert.equal(inv.headers.accept, 'application/json');
  assert.equal(env.sim.stats.assumeRole.count, 1);
});

test('body as string, Uint8Array and ArrayBuffer is sent byte for byte', async () => {
  const client = env.client(BedrockClient);
  const text = JSON.stringify(fixture('titan-text').request);
  const bytes = new TextEncoder().encode(text);
  for (const body of [text, bytes, bytes.buffer]) {
    env.sim.reset();
    const res = await client.invoke({ modelId: 'amazon.titan-text-express-v1', body });
    assert.equal(res.status, 200);
    assert.equal(env.sim.stats.invoke.last.body, text);
  }
});

test('provisioned throughput ARNs are sent whole and percent-encoded', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const arn = 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456';
  const res = await client.invoke({ modelId: arn, body: fixture('anthropic').request });
  assert.equal(res.status, 200);
  assert.equal(env.sim.stats.invoke.last.path,
    '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aprovisioned-model%2Fabcdef123456/invoke');
});

test('credentials are refreshed 5 minutes before they expire (AssumeRole 1 → 2)', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const body = fixture('anthropic').request;
  const first = await client.checkRole();
  await client.invoke({ modelId: HAIKU, body });
  env.clock.ms += 54 * 60_000; // 6 minutes left: still reused
  await client.invoke({ modelId: HAIKU, body });
  assert.equal(env.sim.stats.assumeRole.count, 1);
  env.clock.ms += 60_000 + 1; // 5 minutes left: refreshed
  await client.invoke({ modelId: HAIKU, body });
  assert.equal(env.sim.stats.assumeRole.count, 2);
  const second = await client.checkRole();
  assert.notEqual(second.accessKeyId, first.accessKeyId);
  assert.equal(env.sim.stats.invoke.last.scope.accessKeyId, second.accessKeyId);
});

test('1,000 concurrent invokes cause exactly one AssumeRole', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const body = JSON.stringify(fixture('anthropic').request);
  const results = await Promise.all(Array.from({ length: 1000 }, () => client.invoke({ modelId: HAIKU, body })));
  assert.equal(results.length, 1000);
  assert.ok(results.every((r) => r.status === 200));
  assert.equal(env.sim.stats.assumeRole.count, 1);
  assert.equal(env.sim.stats.invoke.count, 1000);
});

test('a failed AssumeRole is not cached; concurrent callers share its error', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'assumeRole', error: 'accessDenied', times: 1 }] });
  const client = env.client(BedrockClient);
  const body = fixture('anthropic').request;
  const outcomes = await Promise.allSettled([1, 2, 3].map(() => client.invoke({ modelId: HAIKU, body })));
  assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected', 'rejected']);
  assert.ok(outcomes.every((o) => o.reason instanceof AwsError && o.reason.code === 'AccessDenied'));
  assert.equal(env.sim.stats.assumeRole.count, 1);
  const res = await client.invoke({ modelId: HAIKU, body });
  assert.equal(res.status, 200);
  assert.equal(env.sim.stats.assumeRole.count, 2);
});

test('throttling is retried with backoff, then succeeds', async () => {
  env.sim.reset();
  env.sim.configure({ inject: [{ op: 'invoke', error: 'throttle', times: 2 }] });
  const client = env.client(BedrockClient);
  const res = await client.invoke({ modelId: HAIKU, body: fixture('anthropic').request });
  assert.equal(res.status, 200);
  assert.equal(env.sim.stats.invoke.count, 3);
});

test('ExpiredTokenException drops the cached credentials, assumes again and retries once', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  await client.checkRole();
  env.sim.configure({ inject: [{ op: 'invoke', error: 'expiredToken', times: 1 }] });
  const res = await client.invoke({ modelId: HAIKU, body: fixture('anthropic').request });
  assert.equal(res.status, 200);
  assert.equal(env.sim.stats.assumeRole.count, 2);
  assert.equal(env.sim.stats.invoke.count, 2);
});

test('listFoundationModels maps filters to by… query parameters', async () => {
  env.sim.reset();
  const client = env.client(BedrockClient);
  const models = await client.listFoundationModels({ provider: 'Anthropic', outputModality: 'TEXT' });
  assert.ok(models.length > 0);
  assert.ok(models.every((m) => m.providerName === 'Anthropic'));
  assert.ok(models.some((m) => m.modelId === HAIKU));
  const last = env.sim.stats.listFoundationModels.last;
  assert.deepEqual(last.query, { byOutputModality: 'TEXT', byProvider: 'Anthropic' });
  assert.equal(last.scope.service, 'bedrock');
  const all = await client.listFoundationModels();
  assert.ok(all.length > models.length);
});

test('role chaining clamps durationSeconds to 3600 and says so', async () => {
  env.sim.reset();
  const { sim } = env;
  const roles = structuredClone(sim.config.roles);
  roles[0].trust.push(ROLE_ARN);
  sim.configure({ roles });
  const first = env.client(BedrockClient);
  const { accessKeyId } = await first.checkRole();
  const issued = sim.sessions().find((s) => s.accessKeyId === accessKeyId);
  const chained = env.client(BedrockClient, {
    credentials: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken },
    assumeRole: { durationSeconds: 7200, sessionName: 'chained' },
  });
  const role = await chained.checkRole();
  assert.equal(sim.stats.assumeRole.last.params.DurationSeconds, '3600');
  assert.deepEqual(role.warnings, [
    'durationSeconds 7200 was clamped to 3600: the base credentials carry a session token, so this is role chaining, which AWS caps at one hour',
  ]);
});

test('free() and Symbol.dispose release the client', () => {
  const client = env.client(BedrockClient);
  client.free();
  client[Symbol.dispose]();
});

test('a shared CredentialCache: clients with the same role share one AssumeRole; others keep theirs', async () => {
  env.sim.reset();
  const body = fixture('anthropic').request;
  const credentialCache = new CredentialCache();
  const a = env.client(BedrockClient, { credentialCache });
  const b = env.client(BedrockClient, { credentialCache });
  await Promise.all([a.invoke({ modelId: HAIKU, body }), b.invoke({ modelId: HAIKU, body })]);
  assert.equal(env.sim.stats.assumeRole.count, 1);
  assert.equal((await a.checkRole()).accessKeyId, (await b.checkRole()).accessKeyId);
  const otherSession = env.client(BedrockClient, { credentialCache, assumeRole: { sessionName: 'other-session' } });
  await otherSession.invoke({ modelId: HAIKU, body });
  assert.equal(env.sim.stats.assumeRole.count, 2);
  const own = env.client(BedrockClient);
  await own.invoke({ modelId: HAIKU, body });
  assert.equal(env.sim.stats.assumeRole.count, 3);
  assert.throws(() => env.client(BedrockClient, { credentialCache: {} }), (e) => e instanceof TypeError && e.message === 'credentialCache must be a CredentialCache');
  credentialCache.free();
});
