// Authentication for the simulator: SigV4 verification, key/session-token lookup and IAM action checks,
// mapped onto each protocol's AWS error codes (STS query protocol vs Bedrock JSON protocol).
import { parseAuth, parseAmzDate, checkStructure, checkFreshness, verifySignature, splitUrl } from './sigv4.js';

/** Error codes per protocol: [httpStatus, code, defaultMessage]. */
const CODES = {
  sts: {
    missing: [403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'],
    malformed: [400, 'IncompleteSignature', null],
    signature: [403, 'SignatureDoesNotMatch', null],
    unknownKey: [403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'],
    expired: [400, 'ExpiredToken', 'The security token included in the request is expired'],
  },
  bedrock: {
    missing: [403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'],
    malformed: [400, 'IncompleteSignatureException', null],
    signature: [403, 'InvalidSignatureException', null],
    unknownKey: [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'],
    expired: [403, 'ExpiredTokenException', 'The security token included in the request is expired'],
    bearerMalformed: [403, 'UnrecognizedClientException', 'Invalid API Key format: Must start with pre-defined prefix'],
  },
};

/** Bedrock API keys (short-term bearer tokens): prefix, the presigned host/path, the appended version suffix. */
export const BEARER_PREFIX = 'bedrock-api-key-';
const BEARER_HOST = 'bedrock.amazonaws.com';

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Build an error result for a protocol and kind, optionally overriding the message. */
function authError(protocol, kind, message, state) {
  const [status, code, fallback] = CODES[protocol][kind];
  const finalStatus = protocol === 'sts' && kind === 'expired' && state?.config.stsExpiredTokenStatus ? state.config.stsExpiredTokenStatus : status;
  return { ok: false, error: { status: finalStatus, code, message: message ?? fallback } };
}

/** Look up who owns an access key: long-term base credentials or a session the simulator issued. */
function findKey(state, accessKeyId) {
  const base = state.config.baseCredentials.find((c) => c.accessKeyId === accessKeyId);
  if (base) return { kind: 'user', secretAccessKey: base.secretAccessKey, arn: base.arn, accessKeyId };
  const session = state.issued.get(accessKeyId);
  if (session) return { kind: 'session', ...session };
  return null;
}

/** Scope checks that are specific to the receiving service (service name, Bedrock regions). */
function checkScope(state, auth, protocol) {
  const expected = protocol === 'sts' ? 'sts' : 'bedrock';
  if (auth.service !== expected) return `Credential should be scoped to correct service: '${expected}'. `;
  const structural = checkStructure(auth);
  if (structural) return structural;
  const regions = state.config.runtimeRegions ?? [];
  if (protocol === 'bedrock' && regions.length > 0 && !regions.includes(auth.region)) {
    return 'Credential should be scoped to a valid region. ';
  }
  if (protocol === 'sts' && state.config.stsRegion && auth.region !== state.config.stsRegion) {
    return `Credential should be scoped to a valid region, not '${auth.region}'. `;
  }
  return null;
}

/** Temporary credentials are not recognized in the Bedrock regions listed in unrecognizedTokenRegions. */
function regionRejectsSession(state, owner, auth, protocol) {
  return protocol === 'bedrock' && owner.kind === 'session' && (state.config.unrecognizedTokenRegions ?? []).includes(auth.region);
}

/** Validate the session token for a key; returns an error kind or null. */
function checkToken(state, owner, token) {
  if (owner.kind === 'user') return token ? 'unknownKey' : null;
  if (!token || token !== owner.sessionToken) return 'unknownKey';
  if (owner.expiration <= state.now()) return 'expired';
  return null;
}

/**
 * Authenticate a request for a protocol ('sts' or 'bedrock').
 * @returns {{ok:true, auth:object, identity:object} | {ok:false, error:{status,code,message}, auth?:object}}
 */
export function authenticate(state, request, protocol) {
  if (protocol === 'bedrock' && /^bearer(\s|$)/i.test(request.headers.authorization ?? '')) return authenticateBearer(state, request);
  const parsed = parseAuth(request);
  if (!parsed.ok && parsed.reason === 'missing') return authError(protocol, 'missing');
  if (!parsed.ok) return authError(protocol, 'malformed', parsed.message);
  const auth = parsed.auth;
  const withAuth = (result) => ({ ...result, auth });
  const scopeError = checkScope(state, auth, protocol);
  if (scopeError) return withAuth(authError(protocol, 'signature', scopeError));
  const owner = findKey(state, auth.accessKeyId);
  if (!owner) return withAuth(authError(protocol, 'unknownKey'));
  const tokenError = checkToken(state, owner, auth.securityToken);
  if (tokenError) return withAuth(authError(protocol, tokenError, undefined, state));
  if (regionRejectsSession(state, owner, auth, protocol)) return withAuth(authError(protocol, 'unknownKey'));
  const stale = checkFreshness(auth, state.now(), state.config.maxSkewMs);
  if (stale) return withAuth(authError(protocol, 'signature', stale));
  if (!verifySignature(request, auth, owner.secretAccessKey)) {
    return withAuth(authError(protocol, 'signature', SIGNATURE_MISMATCH_MESSAGE));
  }
  return { ok: true, auth, identity: owner };
}

/**
 * Decode a Bedrock API key ("bedrock-api-key-" + base64 of
 * "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-…&X-Amz-Signature=…&Version=1").
 * @returns {{ok:true, host:string, path:string, pairs:string[], request:object} | {ok:false}}
 */
export function decodeBearerToken(token) {
  if (!token.startsWith(BEARER_PREFIX)) return { ok: false };
  const encoded = token.slice(BEARER_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return { ok: false };
  const url = Buffer.from(encoded, 'base64').toString('utf8');
  const m = /^([^/?#\s]+)(\/[^?#\s]*)\?([^#\s]+)$/.exec(url);
  if (!m) return { ok: false };
  const [, host, path, rawQuery] = m;
  // "Version=1" is appended after signing: it is not part of the canonical query.
  const parts = rawQuery.split('&').filter((part) => part !== 'Version=1');
  if (!parts.includes('Action=CallWithBearerToken')) return { ok: false };
  const request = { method: 'POST', url: `${path}?${parts.join('&')}`, headers: { host }, body: Buffer.alloc(0) };
  return { ok: true, host, path, request };
}

/** Authenticate `Authorization: Bearer bedrock-api-key-…` as the presigned POST it encodes. */
function authenticateBearer(state, request) {
  const token = request.headers.authorization.replace(/^bearer\s*/i, '').trim();
  const decoded = decodeBearerToken(token);
  const malformed = { ...authError('bedrock', 'bearerMalformed'), auth: { mode: 'bearer' } };
  if (!decoded.ok) return malformed;
  const parsed = parseAuth(decoded.request);
  if (!parsed.ok || parsed.auth.mode !== 'query') return malformed;
  const auth = parsed.auth;
  const recorded = { ...auth, mode: 'bearer', expires: auth.expires ?? 900 };
  const fail = (kind, message) => ({ ...authError('bedrock', kind, message), auth: recorded });
  const scopeError = auth.service !== 'bedrock' ? "Credential should be scoped to correct service: 'bedrock'. " : checkStructure(auth);
  if (scopeError) return fail('signature', scopeError);
  if (decoded.host !== BEARER_HOST || splitUrl(decoded.request.url).rawPath !== '/') return fail('signature', SIGNATURE_MISMATCH_MESSAGE);
  const owner = findKey(state, auth.accessKeyId);
  if (!owner) return fail('unknownKey');
  const tokenError = checkToken(state, owner, auth.securityToken);
  if (tokenError) return fail(tokenError);
  if (regionRejectsSession(state, owner, auth, 'bedrock')) return fail('unknownKey');
  const now = state.now();
  if (parseAmzDate(auth.amzDate) + recorded.expires * 1000 < now) return fail('expired');
  const stale = checkFreshness(auth, now, state.config.maxSkewMs);
  if (stale) return fail('signature', stale);
  if (!verifySignature(decoded.request, auth, owner.secretAccessKey)) return fail('signature', SIGNATURE_MISMATCH_MESSAGE);
  return { ok: true, auth: recorded, identity: owner };
}

/** The ARN a caller is known by in error messages and trust policies. */
export function callerArn(identity) {
  return identity.kind === 'session' ? identity.assumedRoleArn : identity.arn;
}

/** The account of the caller (from its ARN). */
export function callerAccount(identity) {
  return callerArn(identity).split(':')[4] ?? '';
}

/** Is an action explicitly denied by a service control policy (config.scpDeny)? */
export function scpDenies(state, action) {
  return (state.config.scpDeny ?? []).includes(action);
}

/**
 * May this identity perform an IAM action? Long-term base users may do anything;
 * sessions get their role's current `actions` (looked up live, so configure() applies at once).
 */
export function isAllowed(state, identity, action) {
  if (identity.kind === 'user') return true;
  const role = state.config.roles.find((r) => r.roleArn === identity.roleArn);
  return Boolean(role && (role.actions ?? []).includes(action));
}
