// Independent AWS Signature Version 4 verification (Authorization header and presigned query),
// written from the AWS SigV4 spec with node:crypto only; never imports the package under test.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const DEFAULT_MAX_SKEW_MS = 5 * 60 * 1000;
const MAX_PRESIGN_EXPIRES = 7 * 24 * 3600;

/** sha256 hex of a string or Buffer. */
export function sha256Hex(data) {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key, data) {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding: everything except A-Z a-z 0-9 - _ . ~ is percent-encoded (upper-case hex). */
export function uriEncode(str) {
  let out = '';
  for (const byte of Buffer.from(String(str), 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Percent-decode leniently ('+' means space, as in query strings); bad escapes are kept verbatim. */
function decodeComponent(str) {
  const s = str.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Split a raw URL ("/a/b?x=1") into its raw path and raw query string. */
export function splitUrl(rawUrl) {
  const i = rawUrl.indexOf('?');
  return i < 0 ? { rawPath: rawUrl, rawQuery: '' } : { rawPath: rawUrl.slice(0, i), rawQuery: rawUrl.slice(i + 1) };
}

/** Parse a raw query string into decoded [key, value] pairs (order kept, duplicates kept). */
export function parseQuery(rawQuery) {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((part) => part.length > 0)
    .map((part) => {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      return [decodeComponent(key), decodeComponent(value)];
    });
}

/** Canonical URI for non-S3 services: normalize the raw path, then URI-encode each segment again. */
export function canonicalUri(rawPath) {
  const segments = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return '/' + segments.map(uriEncode).join('/') + trailing;
}

/** Canonical query: RFC 3986 encoded pairs sorted by key then value; optionally dropping X-Amz-Signature. */
export function canonicalQuery(pairs, { dropSignature = false } = {}) {
  return pairs
    .filter(([key]) => !(dropSignature && key === 'X-Amz-Signature'))
    .map(([key, value]) => [uriEncode(key), uriEncode(value)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** Collapse a header value: trim and squeeze inner runs of whitespace to one space. */
function canonicalHeaderValue(value) {
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim();
}

/**
 * Build a lower-cased header map from Node's rawHeaders (name, value, name, value, ...);
 * repeated headers are joined with ','.
 */
export function headersFromRaw(rawHeaders) {
  const headers = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = canonicalHeaderValue(rawHeaders[i + 1]);
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/** Canonical headers block ("name:value\n" per signed header, sorted). */
export function canonicalHeaders(headers, signedHeaders) {
  return [...signedHeaders]
    .sort()
    .map((name) => `${name}:${canonicalHeaderValue(headers[name] ?? '')}\n`)
    .join('');
}

/** The canonical request string for a request and its parsed auth. */
export function canonicalRequest(request, auth, payloadHash) {
  const { rawPath, rawQuery } = splitUrl(request.url);
  const signed = [...auth.signedHeaders].sort();
  return [
    request.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(parseQuery(rawQuery), { dropSignature: auth.mode === 'query' }),
    canonicalHeaders(request.headers, signed),
    signed.join(';'),
    payloadHash,
  ].join('\n');
}

/** The string to sign for a canonical request. */
export function stringToSign(amzDate, scope, canonical) {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** Derive the SigV4 signing key. */
export function signingKey(secretAccessKey, date, region, service) {
  const kDate = hmac('AWS4' + secretAccessKey, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

/** Compute the hex signature of a request for a given payload hash. */
export function computeSignature(request, auth, secretAccessKey, payloadHash) {
  const canonical = canonicalRequest(request, auth, payloadHash);
  const toSign = stringToSign(auth.amzDate, auth.scope, canonical);
  const key = signingKey(secretAccessKey, auth.date, auth.region, auth.service);
  return createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
}

function safeEqualHex(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Payload hashes the server will accept for this request (presigned requests may also be UNSIGNED-PAYLOAD). */
function candidatePayloadHashes(request, auth) {
  const declared = request.headers['x-amz-content-sha256'];
  if (declared) return [declared];
  const bodyHash = request.body && request.body.length ? sha256Hex(request.body) : EMPTY_SHA256;
  return auth.mode === 'query' ? [bodyHash, UNSIGNED_PAYLOAD] : [bodyHash];
}

/**
 * Verify a request's signature against a secret key.
 * @param {{method:string,url:string,headers:Record<string,string>,body:Buffer}} request
 * @returns {boolean}
 */
export function verifySignature(request, auth, secretAccessKey) {
  const declared = request.headers['x-amz-content-sha256'];
  if (declared && declared !== UNSIGNED_PAYLOAD && declared !== sha256Hex(request.body ?? '')) {
    return false;
  }
  return candidatePayloadHashes(request, auth).some((hash) =>
    safeEqualHex(computeSignature(request, auth, secretAccessKey, hash), auth.signature),
  );
}

function fail(reason, message) {
  return { ok: false, reason, message };
}

/** Parse "AKID/20240101/us-east-1/sts/aws4_request". */
function parseCredential(credential) {
  const parts = String(credential).split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((p) => p === '')) return null;
  const [accessKeyId, date, region, service] = parts;
  return { accessKeyId, date, region, service, scope: parts.slice(1).join('/') };
}

/** Parse the Authorization header form. */
function parseHeaderAuth(value, headers) {
  if (!value.startsWith(ALGORITHM + ' ')) {
    return fail('malformed', `Unsupported signing algorithm; only ${ALGORITHM} is accepted.`);
  }
  const fields = {};
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !fields[k]);
  if (missing.length) {
    return fail('malformed', missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' '));
  }
  const amzDate = headers['x-amz-date'];
  if (!amzDate) {
    return fail('malformed', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  return finishParse('header', fields.Credential, fields.SignedHeaders, fields.Signature, amzDate, headers['x-amz-security-token']);
}

/** Parse the presigned query form. */
function parseQueryAuth(params) {
  const get = (k) => params.find(([key]) => key === k)?.[1];
  const algorithm = get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) {
    return fail('malformed', `Unsupported signing algorithm; only ${ALGORITHM} is accepted.`);
  }
  const required = ['X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Date'];
  const missing = required.filter((k) => !get(k));
  if (missing.length) {
    return fail('malformed', missing.map((k) => `AWS query-string parameters must include '${k}'.`).join(' '));
  }
  const parsed = finishParse(
    'query',
    get('X-Amz-Credential'),
    get('X-Amz-SignedHeaders'),
    get('X-Amz-Signature'),
    get('X-Amz-Date'),
    get('X-Amz-Security-Token'),
  );
  if (!parsed.ok) return parsed;
  const expires = get('X-Amz-Expires');
  if (expires !== undefined && !/^\d+$/.test(expires)) {
    return fail('malformed', 'X-Amz-Expires should be a number');
  }
  if (expires !== undefined && Number(expires) > MAX_PRESIGN_EXPIRES) {
    return fail('malformed', 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  }
  parsed.auth.expires = expires === undefined ? undefined : Number(expires);
  return parsed;
}

function finishParse(mode, credential, signedHeadersList, signature, amzDate, securityToken) {
  const cred = parseCredential(credential);
  if (!cred) {
    return fail('malformed', `Credential should be scoped to a valid region, not '${credential}'. `);
  }
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return fail('malformed', `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  const signedHeaders = signedHeadersList.split(';').map((h) => h.trim().toLowerCase());
  const auth = { mode, ...cred, signedHeaders, signature, amzDate, securityToken };
  return { ok: true, auth };
}

/**
 * Find and parse SigV4 auth in a request (Authorization header first, then presigned query).
 * @returns {{ok:true, auth:object} | {ok:false, reason:'missing'|'malformed', message:string}}
 */
export function parseAuth(request) {
  const header = request.headers.authorization;
  if (header) return parseHeaderAuth(header, request.headers);
  const params = parseQuery(splitUrl(request.url).rawQuery);
  if (params.some(([key]) => key === 'X-Amz-Algorithm' || key === 'X-Amz-Signature')) {
    return parseQueryAuth(params);
  }
  return fail('missing', 'Missing Authentication Token');
}

/**
 * Structural checks on a parsed auth: host signed, scope date matches the request date, plausible region.
 * @returns {string|null} an error message, or null when fine
 */
export function checkStructure(auth) {
  if (!auth.signedHeaders.includes('host')) {
    return "'Host' must be a 'SignedHeader' in the AWS Authorization.";
  }
  if (auth.amzDate.slice(0, 8) !== auth.date) {
    return `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${auth.amzDate.slice(0, 8)}', from '${auth.amzDate}'.`;
  }
  if (!isValidRegion(auth.region)) {
    return 'Credential should be scoped to a valid region. ';
  }
  return null;
}

/** Does a string look like an AWS region name (us-east-1, us-gov-west-1, cn-north-1, ...)? */
export function isValidRegion(region) {
  return /^[a-z]{2}(-[a-z]+)*-\d+$/.test(region);
}

/** Format ms since epoch as 20240101T000000Z. */
export function formatAmzDate(ms) {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Parse 20240101T000000Z into ms since epoch. */
export function parseAmzDate(amzDate) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

/**
 * Check the request date against the simulator clock (and X-Amz-Expires for presigned requests).
 * @returns {string|null} AWS-style "Signature expired: ..." message, or null when fresh
 */
export function checkFreshness(auth, nowMs, maxSkewMs = DEFAULT_MAX_SKEW_MS) {
  const signedAt = parseAmzDate(auth.amzDate);
  const skewMin = Math.round(maxSkewMs / 60000);
  if (signedAt > nowMs + maxSkewMs) {
    return `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(nowMs + maxSkewMs)} (${formatAmzDate(nowMs)} + ${skewMin} min.)`;
  }
  if (auth.mode === 'query') {
    const expires = auth.expires ?? 900;
    if (signedAt + expires * 1000 < nowMs) {
      return `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(nowMs - expires * 1000)} (${formatAmzDate(nowMs)} - ${expires} sec.)`;
    }
    return null;
  }
  if (signedAt < nowMs - maxSkewMs) {
    return `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(nowMs - maxSkewMs)} (${formatAmzDate(nowMs)} - ${skewMin} min.)`;
  }
  return null;
}
