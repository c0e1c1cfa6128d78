// Simulator tests: SigV4 acceptance (smithy header signing and presigning) and rejection of every kind of tampering.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../index.js';
import { canonicalUri, canonicalQuery, parseQuery, parseAuth, verifySignature, computeSignature } from '../sigv4.js';
import {
  T0, HAIKU, BASE, sign, send, assume, assumeParams, assumeRequest, invokeRequest, listRequest,
  stsErrorOf, bedrockErrorOf, xmlValue, form,
} from './helpers.js';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

let sim;
let clock = T0;
let temp;

before(async () => {
  sim = await startSimulator({ now: () => clock });
  temp = await assume(sim);
});
after(() => sim.close());
beforeEach(() => {
  clock = T0;
  sim.reset();
  sim.configure({ runtimeRegions: [] });
});

/** Replace the first occurrence of `from` in a signed header. */
function tamperHeader(req, name, from, to) {
  assert.ok(req.headers[name].includes(from), `${name} contains ${from}`);
  req.headers[name] = req.headers[name].replace(from, to);
  return req;
}

async function expectSts(req, code, message, status = 403) {
  const err = await stsErrorOf(await send(sim, req));
  assert.deepEqual(err, { status, type: 'Sender', code, message });
}

async function expectBedrock(req, code, message, status = 403) {
  const err = await bedrockErrorOf(await send(sim, req));
  assert.deepEqual(err, { status, code, message });
}

test('canonical URI double-encodes each segment and normalizes', () => {
  assert.equal(canonicalUri('/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke'), '/model/anthropic.claude-3-haiku-20240307-v1%253A0/invoke');
  assert.equal(canonicalUri('/a//b/./c/../d/'), '/a/b/d/');
  assert.equal(canonicalUri('/'), '/');
  assert.equal(canonicalQuery(parseQuery('b=2&a=%20x&a=1&X-Amz-Signature=zz'), { dropSignature: true }), 'a=%20x&a=1&b=2');
});

test('matches the AWS documentation example signature (IAM ListUsers)', () => {
  const request = {
    method: 'GET',
    url: '/?Action=ListUsers&Version=2010-05-08',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      host: 'iam.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    },
    body: Buffer.alloc(0),
  };
  const { auth } = parseAuth(request);
  const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  assert.equal(computeSignature(request, auth, secret, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'), auth.signature);
  assert.equal(verifySignature(request, auth, secret), true);
  assert.equal(verifySignature({ ...request, url: '/?Action=ListUsers&Version=2010-05-09' }, auth, secret), false);
});

test('accepts smithy header-signed STS AssumeRole', async () => {
  const res = await send(sim, await assumeRequest(sim));
  const xml = await res.text();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/xml');
  assert.match(xmlValue(xml, 'AccessKeyId'), /^ASIA[A-Z2-7]{16}$/);
  assert.equal(xmlValue(xml, 'Arn'), 'arn:aws:sts::123456789012:assumed-role/BedrockAccess/sess1');
  assert.equal(xmlValue(xml, 'Expiration'), '2025-01-01T13:00:00Z');
  assert.equal(xmlValue(xml, 'RequestId'), res.headers.get('x-amzn-requestid'));
  assert.deepEqual(sim.stats.assumeRole.last.scope, { accessKeyId: BASE.accessKeyId, date: '20250101', region: 'us-east-1', service: 'sts' });
  assert.equal(sim.stats.assumeRole.last.params.RoleSessionName, 'sess1');
});

test('accepts smithy presigned STS AssumeRole (GET with query)', async () => {
  const req = await sign(sim, { method: 'GET', service: 'sts', query: assumeParams({ RoleSessionName: 'presigned' }), presign: true, expiresIn: 300 });
  const res = await send(sim, req);
  const xml = await res.text();
  assert.equal(res.status, 200, xml);
  assert.equal(xmlValue(xml, 'Arn'), 'arn:aws:sts::123456789012:assumed-role/BedrockAccess/presigned');
  assert.equal(sim.stats.assumeRole.last.authMode, 'query');
});

test('accepts smithy header-signed InvokeModel with ":" in the model ID', async () => {
  const req = await invokeRequest(sim, temp);
  assert.equal(req.path, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke');
  const res = await send(sim, req);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).type, 'message');
  assert.equal(sim.stats.invoke.last.modelId, HAIKU);
  assert.deepEqual(sim.stats.invoke.last.scope, { accessKeyId: temp.accessKeyId, date: '20250101', region: 'us-east-1', service: 'bedrock' });
});

test('accepts smithy presigned InvokeModel (session token in the query)', async () => {
  const req = await invokeRequest(sim, temp, { presign: true, expiresIn: 60 });
  assert.equal(req.query['X-Amz-Security-Token'], temp.sessionToken);
  const res = await send(sim, req);
  assert.equal(res.status, 200);
  assert.equal(sim.stats.invoke.last.authMode, 'query');
});

test('rejects a one-byte change to the method', async () => {
  const req = await assumeRequest(sim, assumeParams(), { method: 'PUT' });
  req.method = 'POST';
  await expectSts(req, 'SignatureDoesNotMatch', MISMATCH);
});

test('rejects a one-byte change to the path', async () => {
  const req = await invokeRequest(sim, temp);
  req.path = req.path.replace('haiku', 'haikv');
  await expectBedrock(req, 'InvalidSignatureException', MISMATCH);
});

test('rejects a one-byte change to the query', async () => {
  const req = await listRequest(sim, temp, { byProvider: 'Meta' });
  req.query.byProvider = 'Metb';
  await expectBedrock(req, 'InvalidSignatureException', MISMATCH);
});

test('rejects a one-byte change to a signed header value', async () => {
  const req = tamperHeader(await assumeRequest(sim), 'x-amz-user-agent', 'test/1.0', 'test/1.1');
  await expectSts(req, 'SignatureDoesNotMatch', MISMATCH);
});

test('rejects a one-byte change to the body (STS and Bedrock)', async () => {
  const sts = await assumeRequest(sim);
  sts.body = sts.body.replace('sess1', 'sess2');
  await expectSts(sts, 'SignatureDoesNotMatch', MISMATCH);
  const inv = await invokeRequest(sim, temp);
  inv.body = inv.body.replace('Hello', 'Jello');
  await expectBedrock(inv, 'InvalidSignatureException', MISMATCH);
});

test('rejects a one-byte change to the date', async () => {
  const req = tamperHeader(await invokeRequest(sim, temp), 'x-amz-date', '20250101T120000Z', '20250101T120001Z');
  await expectBedrock(req, 'InvalidSignatureException', MISMATCH);
});

test('rejects a stale date with "Signature expired"', async () => {
  const req = await invokeRequest(sim, temp, { signingDate: new Date(T0 - 10 * 60 * 1000) });
  await expectBedrock(req, 'InvalidSignatureException', 'Signature expired: 20250101T115000Z is now earlier than 20250101T115500Z (20250101T120000Z - 5 min.)');
  const sts = await assumeRequest(sim, assumeParams(), { signingDate: new Date(T0 - 6 * 60 * 1000) });
  await expectSts(sts, 'SignatureDoesNotMatch', 'Signature expired: 20250101T115400Z is now earlier than 20250101T115500Z (20250101T120000Z - 5 min.)');
});

test('rejects an expired presigned URL', async () => {
  const req = await invokeRequest(sim, temp, { presign: true, expiresIn: 60 });
  clock = T0 + 61 * 1000;
  await expectBedrock(req, 'InvalidSignatureException', 'Signature expired: 20250101T120000Z is now earlier than 20250101T120001Z (20250101T120101Z - 60 sec.)');
});

test('rejects a tampered signing region (STS and Bedrock)', async () => {
  const sts = tamperHeader(await assumeRequest(sim), 'authorization', '/us-east-1/', '/us-east-2/');
  await expectSts(sts, 'SignatureDoesNotMatch', MISMATCH);
  const inv = tamperHeader(await invokeRequest(sim, temp), 'authorization', '/us-east-1/', '/us-east-2/');
  await expectBedrock(inv, 'InvalidSignatureException', MISMATCH);
});

test('rejects a Bedrock region outside runtimeRegions, records the region otherwise', async () => {
  sim.configure({ runtimeRegions: ['us-east-1'] });
  const req = await invokeRequest(sim, temp, { region: 'eu-west-1' });
  await expectBedrock(req, 'InvalidSignatureException', 'Credential should be scoped to a valid region. ');
  const ok = await send(sim, await invokeRequest(sim, temp, { region: 'us-east-1' }));
  assert.equal(ok.status, 200);
  assert.deepEqual(sim.stats.regions, { 'eu-west-1': 1, 'us-east-1': 1 });
});

test('rejects the wrong signing service', async () => {
  const sts = await assumeRequest(sim, assumeParams(), { service: 'bedrock' });
  await expectSts(sts, 'SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'. ");
  const inv = await invokeRequest(sim, temp, { service: 'sts' });
  await expectBedrock(inv, 'InvalidSignatureException', "Credential should be scoped to correct service: 'bedrock'. ");
});

test('rejects a wrong secret key', async () => {
  const req = await assumeRequest(sim, assumeParams(), { credentials: { ...BASE, secretAccessKey: 'wrong' } });
  await expectSts(req, 'SignatureDoesNotMatch', MISMATCH);
});

test('rejects an unknown access key', async () => {
  const creds = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' };
  await expectSts(await assumeRequest(sim, assumeParams(), { credentials: creds }), 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  await expectBedrock(await invokeRequest(sim, creds), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
});

test('rejects an expired session token', async () => {
  const short = await assume(sim, assumeParams({ DurationSeconds: '900', RoleSessionName: 'short' }));
  assert.equal(short.expiration, '2025-01-01T12:15:00Z');
  clock = T0 + 900 * 1000;
  const req = await invokeRequest(sim, short, { signingDate: new Date(clock) });
  await expectBedrock(req, 'ExpiredTokenException', 'The security token included in the request is expired');
  const sts = await assumeRequest(sim, assumeParams(), { credentials: short, signingDate: new Date(clock) });
  await expectSts(sts, 'ExpiredToken', 'The security token included in the request is expired', 400);
});

test('rejects a session token the simulator did not issue', async () => {
  const forged = { ...temp, sessionToken: temp.sessionToken.slice(0, -4) + 'AAAA' };
  await expectBedrock(await invokeRequest(sim, forged), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  const missing = { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey };
  await expectBedrock(await invokeRequest(sim, missing), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  const unknown = { ...temp, accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' };
  await expectBedrock(await invokeRequest(sim, unknown), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
});

test('requires host among the signed headers', async () => {
  const req = await invokeRequest(sim, temp);
  req.headers.authorization = req.headers.authorization.replace('host;', '');
  await expectBedrock(req, 'InvalidSignatureException', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
});

test('rejects a request with no authentication', async () => {
  const res = await fetch(`${sim.url}/model/${encodeURIComponent(HAIKU)}/invoke`, { method: 'POST', body: '{}' });
  assert.deepEqual(await bedrockErrorOf(res), { status: 403, code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  const sts = await fetch(sim.url + '/', { method: 'POST', body: form(assumeParams()), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.deepEqual(await stsErrorOf(sts), { status: 403, type: 'Sender', code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' });
});

test('base credentials may call Bedrock directly', async () => {
  const res = await send(sim, await invokeRequest(sim, BASE));
  assert.equal(res.status, 200);
  assert.equal(sim.stats.invoke.last.scope.accessKeyId, BASE.accessKeyId);
});
