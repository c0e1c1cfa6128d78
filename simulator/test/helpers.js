// Test helpers: sign requests with @smithy/signature-v4 (the reference signer, a devDependency) and send them with fetch.
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';

export const BASE = {
  accessKeyId: 'AKIAPLATFORM00000001',
  secretAccessKey: 'platformSecretKey/0000000000000000000000',
};
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/BedrockAccess';
export const NO_INVOKE_ARN = 'arn:aws:iam::123456789012:role/NoInvoke';
export const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** RFC 3986 encoding as the AWS SDK does for query strings and path labels. */
export function escape(value) {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Form-encode STS parameters. */
export function form(params) {
  return Object.entries(params)
    .map(([k, v]) => `${escape(k)}=${escape(v)}`)
    .join('&');
}

/**
 * Sign (or presign) a request for the simulator.
 * @returns {Promise<{method:string, path:string, query:object, headers:object, body?:string}>}
 */
export async function sign(sim, { method = 'POST', path = '/', query = {}, headers = {}, body, service, region = 'us-east-1', credentials = BASE, signingDate = new Date(T0), presign = false, expiresIn }) {
  const signer = new SignatureV4({ service, region, credentials, sha256: Hash.bind(null, 'sha256') });
  const request = {
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: sim.port,
    path,
    query: { ...query },
    headers: { host: `127.0.0.1:${sim.port}`, ...headers },
    body,
  };
  const signed = presign ? await signer.presign(request, { signingDate, expiresIn }) : await signer.sign(request, { signingDate });
  return { method: signed.method, path: signed.path, query: { ...signed.query }, headers: { ...signed.headers }, body };
}

/** Send a (possibly tampered) signed request with fetch. */
export function send(sim, req) {
  const qs = Object.entries(req.query)
    .map(([k, v]) => `${escape(k)}=${escape(v)}`)
    .join('&');
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.toLowerCase() !== 'host'));
  return fetch(`${sim.url}${req.path}${qs ? '?' + qs : ''}`, { method: req.method, headers, body: req.body });
}

/** Sign then send. */
export async function call(sim, options) {
  return send(sim, await sign(sim, options));
}

/** AssumeRole parameters for the default role. */
export function assumeParams(extra = {}) {
  return {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: ROLE_ARN,
    RoleSessionName: 'sess1',
    ExternalId: 'platform-42',
    ...extra,
  };
}

/** Signed STS AssumeRole POST. */
export function assumeRequest(sim, params = assumeParams(), options = {}) {
  return sign(sim, {
    service: 'sts',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amz-user-agent': 'test/1.0' },
    body: form(params),
    ...options,
  });
}

/** Extract one XML element's text. */
export function xmlValue(xml, tag) {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m ? m[1] : undefined;
}

/** AssumeRole and return the temporary credentials. */
export async function assume(sim, params = assumeParams(), options = {}) {
  const res = await send(sim, await assumeRequest(sim, params, options));
  const xml = await res.text();
  if (res.status !== 200) throw new Error(`AssumeRole failed ${res.status}: ${xml}`);
  return {
    accessKeyId: xmlValue(xml, 'AccessKeyId'),
    secretAccessKey: xmlValue(xml, 'SecretAccessKey'),
    sessionToken: xmlValue(xml, 'SessionToken'),
    expiration: xmlValue(xml, 'Expiration'),
    xml,
  };
}

/** Signed InvokeModel request (model ID percent-encoded in the path, as the AWS SDK does). */
export function invokeRequest(sim, credentials, { modelId = HAIKU, body, region = 'us-east-1', ...options } = {}) {
  const payload = body ?? JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 64, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello world' }] }] });
  return sign(sim, {
    service: 'bedrock',
    region,
    credentials,
    path: `/model/${escape(modelId)}/invoke`,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: payload,
    ...options,
  });
}

/** Signed ListFoundationModels request. */
export function listRequest(sim, credentials, query = {}, options = {}) {
  return sign(sim, { service: 'bedrock', method: 'GET', path: '/foundation-models', query, credentials, ...options });
}

/** Parse an STS XML error into { code, message, type }. */
export async function stsErrorOf(res) {
  const xml = await res.text();
  return { status: res.status, type: xmlValue(xml, 'Type'), code: xmlValue(xml, 'Code'), message: xmlValue(xml, 'Message') };
}

/** Parse a Bedrock JSON error into { status, code, message }. */
export async function bedrockErrorOf(res) {
  const body = await res.json();
  return { status: res.status, code: res.headers.get('x-amzn-errortype')?.split(':')[0], message: body.message };
}

/**
 * A Bedrock API key built exactly as npm @aws/bedrock-token-generator does: presign a POST to
 * https://bedrock.amazonaws.com/?Action=CallWithBearerToken, drop "https://", append "&Version=1", base64, prefix.
 */
export async function bearerToken({ credentials = BASE, region = 'us-east-1', expiresIn = 43200, signingDate = new Date(T0) } = {}) {
  const { HttpRequest } = await import('@smithy/protocol-http');
  const { formatUrl } = await import('@aws-sdk/util-format-url');
  const signer = new SignatureV4({ service: 'bedrock', region, credentials, sha256: Hash.bind(null, 'sha256') });
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'https',
    hostname: 'bedrock.amazonaws.com',
    headers: { host: 'bedrock.amazonaws.com' },
    path: '/',
    query: { Action: 'CallWithBearerToken' },
  });
  const presigned = await signer.presign(request, { expiresIn, signingDate });
  const url = `${formatUrl(presigned).replace('https://', '')}&Version=1`;
  return `bedrock-api-key-${Buffer.from(url, 'utf-8').toString('base64')}`;
}

/** Send an (unsigned) Bedrock request with `Authorization: Bearer <token>`. */
export function bearerFetch(sim, token, { method = 'POST', path = `/model/${escape(HAIKU)}/invoke`, body } = {}) {
  const payload = body ?? (method === 'POST' ? JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 64, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello world' }] }] }) : undefined);
  const headers = { authorization: `Bearer ${token}` };
  if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', accept: 'application/json' });
  return fetch(`${sim.url}${path}`, { method, headers, body: payload });
}
