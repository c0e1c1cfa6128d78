// signRequest through the public API, byte-compared with @smithy/signature-v4 (the AWS SDK's
// signer) for the same inputs, and each of API.md's settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { signRequest } from '../../pkg/node.mjs';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'SESSION/TOKEN+1' };
const signingDate = new Date('2026-11-25T07:00:00Z');
const url = 'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke';
const body = JSON.stringify({ messages: [{ role: 'user', content: 'Hi "there"\n' }], max_tokens: 10 });

// applyChecksum: false — smithy adds x-amz-content-sha256 by default; ours does with payloadChecksumHeader.
function smithy(options = {}) {
  return new SignatureV4({ service: 'bedrock', region: 'us-east-1', credentials, sha256: Hash.bind(null, 'sha256'), applyChecksum: false, ...options });
}

function smithyRequest(headers = {}) {
  const u = new URL(url);
  return { method: 'POST', protocol: 'https:', hostname: u.hostname, path: u.pathname, query: {}, headers: { host: u.hostname, ...headers }, body };
}

test('InvokeModel headers equal @smithy/signature-v4 (double-encoded path, session token)', async () => {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  const ours = signRequest({ method: 'POST', url, headers, body, region: 'us-east-1', service: 'bedrock', credentials, signingDate });
  const theirs = await smithy().sign(smithyRequest(headers), { signingDate });
  assert.equal(ours.headers.authorization, theirs.headers.authorization);
  assert.equal(ours.headers['x-amz-date'], theirs.headers['x-amz-date']);
  assert.equal(ours.headers['x-amz-security-token'], 'SESSION/TOKEN+1');
  assert.equal(ours.headers.host, undefined);
  assert.equal(ours.url, url);
  assert.equal(ours.method, 'POST');

  const withSum = signRequest({ method: 'POST', url, headers, body, region: 'us-east-1', service: 'bedrock', credentials, signingDate, settings: { payloadChecksumHeader: true } });
  const smithyDefault = await smithy({ applyChecksum: true }).sign(smithyRequest(headers), { signingDate });
  assert.equal(withSum.headers.authorization, smithyDefault.headers.authorization);
  assert.equal(withSum.headers['x-amz-content-sha256'], smithyDefault.headers['x-amz-content-sha256']);
});

test('headers given as [name, value][] and the body as bytes sign the same', () => {
  const a = signRequest({ method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body, region: 'us-east-1', service: 'bedrock', credentials, signingDate });
  const b = signRequest({ method: 'post', url, headers: [['content-type', 'application/json']], body: new TextEncoder().encode(body), region: 'us-east-1', service: 'bedrock', credentials, signingDate: signingDate.getTime() });
  assert.deepEqual(a, b);
  assert.equal(a.headers['content-type'], 'application/json');
});

test("settings: location 'query' presigns like smithy's presign", async () => {
  const getUrl = 'https://bedrock.amazonaws.com/?Action=CallWithBearerToken';
  const ours = signRequest({ url: getUrl, region: 'us-east-1', service: 'bedrock', credentials, signingDate, settings: { location: 'query', expiresIn: 900 } });
  const theirs = await smithy().presign(
    { method: 'GET', protocol: 'https:', hostname: 'bedrock.amazonaws.com', path: '/', query: { Action: 'CallWithBearerToken' }, headers: { host: 'bedrock.amazonaws.com' } },
    { signingDate, expiresIn: 900 },
  );
  const params = new URL(ours.url).searchParams;
  assert.equal(params.get('X-Amz-Signature'), theirs.query['X-Amz-Signature']);
  assert.equal(params.get('X-Amz-Security-Token'), 'SESSION/TOKEN+1');
  assert.equal(params.get('X-Amz-Expires'), '900');
  assert.equal(params.get('X-Amz-Credential'), 'AKIDEXAMPLE/20261125/us-east-1/bedrock/aws4_request');
  assert.equal(ours.headers.authorization, undefined);
});

test("settings: percentEncoding 'single' equals smithy with uriEscapePath false", async () => {
  const ours = signRequest({ method: 'POST', url, body, region: 'us-east-1', service: 'bedrock', credentials, signingDate, settings: { percentEncoding: 'single' } });
  const theirs = await smithy({ uriEscapePath: false }).sign(smithyRequest(), { signingDate });
  assert.equal(ours.headers.authorization, theirs.headers.authorization);
});

test('settings: payloadChecksumHeader, sessionToken exclude, excludedHeaders', () => {
  const base = { method: 'POST', url, body, region: 'us-east-1', service: 'bedrock', credentials, signingDate };
  const sum = signRequest({ ...base, settings: { payloadChecksumHeader: true } });
  assert.match(sum.headers['x-amz-content-sha256'], /^[0-9a-f]{64}$/);
  assert.match(sum.headers.authorization, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
  const excl = signRequest({ ...base, settings: { sessionToken: 'exclude' } });
  assert.equal(excl.headers['x-amz-security-token'], 'SESSION/TOKEN+1');
  assert.match(excl.headers.authorization, /SignedHeaders=host;x-amz-date,/);
  const skip = signRequest({ ...base, headers: { 'x-trace': 'abc' }, settings: { excludedHeaders: ['X-Trace'] } });
  assert.equal(skip.headers['x-trace'], 'abc');
  assert.match(skip.headers.authorization, /SignedHeaders=host;x-amz-date;x-amz-security-token,/);
});

test('bad input: TypeError for types, ConfigError for values', () => {
  assert.throws(() => signRequest({ url, region: 'us-east-1', service: 'bedrock', credentials: 'AKID' }), TypeError);
  assert.throws(() => signRequest({ url, region: 'us-east-1', service: 'bedrock', credentials, body: 5 }), /body must be a string or Uint8Array/);
  assert.throws(() => signRequest({ url, region: 'us-east-1', service: 'bedrock', credentials, settings: { location: 'body' } }),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'settings.location');
  assert.throws(() => signRequest({ url: 'not a url', region: 'us-east-1', service: 'bedrock', credentials }), (e) => e.code === 'SIGNING_FAILED');
});

test('large bodies (hashed with node:crypto in the Node entry) still sign exactly as smithy does', async () => {
  const big = JSON.stringify({ messages: [{ role: 'user', content: `é "q" \n ${'x'.repeat(70_000)} 😀` }] });
  for (const bodyInput of [big, new TextEncoder().encode(big)]) {
    for (const payloadChecksumHeader of [false, true]) {
      const ours = signRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: bodyInput, region: 'us-east-1', service: 'bedrock', credentials, signingDate, settings: { payloadChecksumHeader } });
      const u = new URL(url);
      const theirs = await smithy({ applyChecksum: payloadChecksumHeader }).sign(
        { method: 'POST', protocol: 'https:', hostname: u.hostname, path: u.pathname, query: {}, headers: { host: u.hostname, 'content-type': 'application/json' }, body: big },
        { signingDate },
      );
      assert.equal(ours.headers.authorization, theirs.headers.authorization);
      if (payloadChecksumHeader) assert.equal(ours.headers['x-amz-content-sha256'], theirs.headers['x-amz-content-sha256']);
    }
  }
});

test('the one-call path for plain input signs exactly as the field-by-field path', () => {
  // `settings: {}` (all defaults) sends the same input through the field-by-field reader.
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pick = (xs) => xs[rand(xs.length)];
  const token = 'IQoJb3JpZ2luX2VjE' + 'Ab+/='.repeat(160);
  const bodies = [undefined, null, new Uint8Array(0), new TextEncoder().encode('{"a":"é😀"}'), new Uint8Array(5000).fill(7), 'x'.repeat(3000), '{"short":1}'];
  for (let i = 0; i < 300; i++) {
    const headers = {};
    for (let k = rand(4); k > 0; k--) headers[pick(['Content-Type', 'accept', 'X-Amz-Target', 'x-custom', 'X-Amz-Date', 'x-amz-security-token'])] = pick(['application/json', '  spaced  value ', 'é', '', 'a\tb']);
    const input = {
      method: pick([undefined, 'post', 'GET', 'Put']),
      url: pick([url, 'https://example.com/a b/%7E?x=1&b=2&a=%20', 'http://127.0.0.1:8080/model/x/invoke?', 'https://h.example.com']),
      headers: pick([undefined, null, headers]),
      body: pick(bodies),
      region: pick(['us-east-1', 'eu-west-3', '']),
      service: pick(['bedrock', 'sts']),
      credentials: { accessKeyId: 'AKID', secretAccessKey: pick(['s1', 'wJalr/+x']), sessionToken: pick([undefined, null, '', 'T', token]) },
      signingDate: pick([signingDate, Date.UTC(2026, 0, 2, 3, 4, 5, 678), new Date(Date.UTC(2030, 5, 6))]),
    };
    let plain;
    try {
      plain = signRequest(input);
    } catch (e) {
      assert.throws(() => signRequest({ ...input, settings: {} }), (f) => f.code === e.code && f.message === e.message, `case ${i}`);
      continue;
    }
    assert.deepEqual(plain, signRequest({ ...input, settings: {} }), `case ${i}: ${JSON.stringify(input)}`);
  }
  // Input the one-call path leaves to the field-by-field reader still signs or fails the same way.
  assert.throws(() => signRequest({ url, region: 'r', service: 's', credentials: { accessKeyId: 'a', secretAccessKey: 1 } }), (e) => e.field === 'credentials.secretAccessKey');
  assert.throws(() => signRequest({ url, region: 'r', service: 's', credentials, headers: { a: 'x\ny' } }), (e) => e.code === 'SIGNING_FAILED');
});
