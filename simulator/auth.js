// Authentication for the simulator: SigV4 verification, key/session-token lookup and IAM action checks,
// mapped onto each protocol's AWS error codes (STS query protocol vs Bedrock JSON protocol).
import { parseAuth, checkStructure, checkFreshness, verifySignature } from './sigv4.js';

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
  },
};

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Build an error result for a protocol and kind, optionally overriding the message. */
function authError(protocol, kind, message) {
  const [status, code, fallback] = CODES[protocol][kind];
  return { ok: false, error: { status, code, message: message ?? fallback } };
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
  return null;
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
  if (tokenError) return withAuth(authError(protocol, tokenError));
  const stale = checkFreshness(auth, state.now(), state.config.maxSkewMs);
  if (stale) return withAuth(authError(protocol, 'signature', stale));
  if (!verifySignature(request, auth, owner.secretAccessKey)) {
    return withAuth(authError(protocol, 'signature', SIGNATURE_MISMATCH_MESSAGE));
  }
  return { ok: true, auth, identity: owner };
}

/** The ARN a caller is known by in error messages and trust policies. */
export function callerArn(identity) {
  return identity.kind === 'session' ? identity.assumedRoleArn : identity.arn;
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
