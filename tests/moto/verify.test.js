// Owns the proof that the moto peer (signature checking on) behaves as bedrock-connect's tests rely on:
// AssumeRole -> temporary credentials -> InvokeModel, and the exact 403 shapes; also pins moto's known quirks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { startMoto } from './harness.js';

const REGION = 'us-east-1';
const MODEL_PATH = '/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke'; // already percent-encoded
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

let moto;

before(async () => {
  moto = await startMoto();
});
after(async () => {
  await moto?.close();
  await moto?.close(); // close() is idempotent
});

/** Sign with @smithy/signature-v4 (as the AWS SDK does) and send with fetch. */
async function signedFetch({ service, credentials, method = 'POST', path = '/', headers = {}, body, signer = {}, signingDate, sendBody }) {
  const { host } = new URL(moto.url);
  const sig = new SignatureV4({ service, region: REGION, credentials, sha256: Hash.bind(null, 'sha256'), ...signer });
  const signed = await sig.sign(
    { method, protocol: 'http:', hostname: '127.0.0.1', port: moto.port, path, headers: { host, ...headers }, body },
    signingDate ? { signingDate } : undefined,
  );
  const res = await fetch(moto.url + path, { method, headers: signed.headers, body: sendBody ?? body });
  return { status: res.status, headers: res.headers, text: await res.text(), sent: signed.headers };
}

const baseCreds = () => ({ accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey });

function assumeRoleBody({ externalId = moto.externalId, sessionName = 'bedrock-connect' } = {}) {
  const p = { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: moto.roleArn, RoleSessionName: sessionName, DurationSeconds: '900' };
  if (externalId !== null) p.ExternalId = externalId;
  return new URLSearchParams(p).toString();
}

function assumeRole(credentials = baseCreds(), opts = {}) {
  return signedFetch({ service: 'sts', credentials, headers: { 'content-type': FORM }, body: assumeRoleBody(opts), ...opts.fetch });
}

const xmlTag = (xml, tag) => xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`))?.[1];

async function tempCreds() {
  const r = await assumeRole();
  assert.equal(r.status, 200, r.text);
  return {
    accessKeyId: xmlTag(r.text, 'AccessKeyId'),
    secretAccessKey: xmlTag(r.text, 'SecretAccessKey'),
    sessionToken: xmlTag(r.text, 'SessionToken'),
  };
}

const INVOKE_BODY = JSON.stringify({
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hello' }],
});

function invoke(credentials, { headers = { 'content-type': 'application/json', accept: 'application/json' }, path = MODEL_PATH, ...rest } = {}) {
  // smithy adds x-amz-security-token itself when credentials carry a sessionToken.
  return signedFetch({ service: 'bedrock', credentials, path, headers, body: INVOKE_BODY, ...rest });
}

/** The secret with its last character changed (never to itself). */
function flipLast(secret) {
  return secret.slice(0, -1) + (secret.endsWith('x') ? 'y' : 'x');
}

/** moto's error shape for sts AND bedrock: IAM-style XML, served as text/html, plus a stray `status` header. */
function assertMotoError(r, code, message) {
  assert.equal(r.status, 403, r.text);
  assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(r.headers.get('status'), '403');
  assert.match(r.headers.get('x-amzn-requestid') ?? '', /^[A-Za-z0-9]{52}$/);
  assert.equal(
    r.text,
    '<?xml version="1.0" encoding="utf-8"?>\n' +
      `<ErrorResponse><Errors><Error><Code>${code}</Code><Message>${message}</Message>` +
      '<Type>Sender</Type></Error></Errors></ErrorResponse>',
  );
}

describe('moto peer: behaviour bedrock-connect relies on', () => {
  test('harness returns seeded credentials', () => {
    assert.match(moto.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(moto.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.equal(moto.secretAccessKey.length, 40);
    assert.equal(moto.userArn, 'arn:aws:iam::123456789012:user/platform');
    assert.equal(moto.roleArn, 'arn:aws:iam::123456789012:role/BedrockAccess');
    assert.equal(moto.externalId, 'platform-42');
  });

  test('(a) AssumeRole signed with the base keys -> 200 XML with Credentials', async () => {
    const r = await assumeRole();
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'text/xml');
    assert.match(r.text, /^<AssumeRoleResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><AssumeRoleResult><Credentials>/);
    assert.match(xmlTag(r.text, 'AccessKeyId'), /^ASIA[A-Z0-9]{16}$/);
    assert.equal(xmlTag(r.text, 'SecretAccessKey').length, 40);
    assert.ok(xmlTag(r.text, 'SessionToken').length > 100);
    assert.match(xmlTag(r.text, 'Expiration'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/); // microseconds, 'Z'
    const exp = Date.parse(xmlTag(r.text, 'Expiration'));
    assert.ok(Math.abs(exp - (Date.now() + 900_000)) < 60_000, 'DurationSeconds=900 honoured');
    assert.equal(xmlTag(r.text, 'Arn'), 'arn:aws:sts::123456789012:assumed-role/BedrockAccess/bedrock-connect');
    assert.match(xmlTag(r.text, 'AssumedRoleId'), /^AROA[A-Z0-9]{17}:bedrock-connect$/);
  });

  test('(b) InvokeModel on the %3A path with temporary credentials -> 200 {}', async () => {
    const creds = await tempCreds();
    const r = await invoke(creds);
    assert.ok(r.sent['x-amz-security-token'], 'session token sent');
    assert.match(r.sent.authorization, /SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('x-amzn-bedrock-performanceconfig-latency'), 'standard');
    assert.equal(r.headers.get('x-amzn-bedrock-service-tier'), 'default');
  });

  test('(b2) moto checks the double-encoded canonical URI: single-encoded signing of %3A -> 403', async () => {
    const creds = await tempCreds();
    const r = await invoke(creds, { signer: { uriEscapePath: false } });
    assertMotoError(r, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  });

  test('(b3) a literal ":" in the path also passes (both sides canonicalise it to %3A)', async () => {
    const creds = await tempCreds();
    const r = await invoke(creds, { path: '/model/anthropic.claude-3-haiku-20240307-v1:0/invoke' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
  });

  test('(c) AssumeRole with a tampered secret -> 403 SignatureDoesNotMatch', async () => {
    const r = await assumeRole({ ...baseCreds(), secretAccessKey: flipLast(moto.secretAccessKey) });
    assertMotoError(r, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  });

  test('(d) unknown access key -> 403 InvalidClientTokenId', async () => {
    const r = await assumeRole({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) });
    assertMotoError(r, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  });

  test('(e) InvokeModel with a tampered temporary secret -> 403 SignatureDoesNotMatch (XML, not JSON)', async () => {
    const creds = await tempCreds();
    const r = await invoke({ ...creds, secretAccessKey: flipLast(creds.secretAccessKey) });
    assertMotoError(r, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  });

  test('InvokeModel with temp key but no session token -> 403 InvalidClientTokenId', async () => {
    const creds = await tempCreds();
    const r = await invoke({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey });
    assertMotoError(r, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  });

  test('InvokeModel with a tampered session token -> 403 InvalidClientTokenId', async () => {
    const creds = await tempCreds();
    const r = await invoke({ ...creds, sessionToken: creds.sessionToken.slice(0, -4) + 'AAAA' });
    assertMotoError(r, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  });

  test('AssumeRole with a wrong ExternalId -> 403 AccessDenied', async () => {
    const r = await assumeRole(baseCreds(), { externalId: 'platform-41' });
    assertMotoError(r, 'AccessDenied', 'User: arn:aws:iam::123456789012:user/platform is not authorized to perform: sts:AssumeRole');
  });

  test('temp credentials are limited to the role policy: InvokeModelWithResponseStream -> 403 AccessDenied', async () => {
    const creds = await tempCreds();
    const r = await invoke(creds, { path: MODEL_PATH.replace(/invoke$/, 'invoke-with-response-stream') });
    assertMotoError(
      r,
      'AccessDenied',
      'User: arn:aws:sts::123456789012:assumed-role/BedrockAccess/bedrock-connect is not authorized to perform: bedrock:InvokeModelWithResponseStream',
    );
  });
});

// These document where moto 5.2.5 is laxer or different than AWS. If one starts failing after a moto
// upgrade, moto changed: re-check what our tests can rely on.
describe('moto 5.2.5 quirks (pinned, not AWS behaviour)', () => {
  test('missing ExternalId is NOT rejected although the trust policy requires it', async () => {
    const r = await assumeRole(baseCreds(), { externalId: null });
    assert.equal(r.status, 200, r.text);
  });

  test('body is not verified when x-amz-content-sha256 is sent (moto trusts the header)', async () => {
    const creds = await tempCreds();
    const r = await invoke(creds, { sendBody: INVOKE_BODY.replace('16', '17') });
    assert.equal(r.status, 200, r.text);
  });

  test('body IS verified when x-amz-content-sha256 is not sent', async () => {
    const creds = await tempCreds();
    const r = await invoke(creds, { signer: { applyChecksum: false }, sendBody: INVOKE_BODY.replace('16', '17') });
    assertMotoError(r, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  });

  test('signing time is not checked (a day-old signature passes)', async () => {
    const creds = await tempCreds();
    const r = await invoke(creds, { signingDate: new Date(Date.now() - 86_400_000) });
    assert.equal(r.status, 200, r.text);
  });

  test('InvokeModel without accept: application/json -> 500 HTML (moto serializer bug)', async () => {
    const creds = await tempCreds();
    const r = await invoke(creds, { headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 500);
    assert.match(r.text, /<title>500 Internal Server Error<\/title>/);
  });

  test('ListFoundationModels (GET /foundation-models) -> 500 (not implemented)', async () => {
    const r = await signedFetch({ service: 'bedrock', credentials: baseCreds(), method: 'GET', path: '/foundation-models', headers: { accept: 'application/json' } });
    assert.equal(r.status, 500);
  });
});
