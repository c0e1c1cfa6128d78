// The simulated STS AssumeRole operation: trust, external ID, session tags, durations,
// issuing temporary credentials, and the XML (query protocol) success/error documents.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { callerArn } from './auth.js';

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const CHAINED_MAX_SECONDS = 3600;

/** Escape text for XML element content. */
export function xmlEscape(value) {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The STS error document. */
export function stsErrorXml({ status, code, message }, requestId) {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${STS_NS}">\n` +
    `  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n` +
    `  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`
  );
}

function validation(message) {
  return { ok: false, error: { status: 400, code: 'ValidationError', message } };
}

function accessDenied(identity, roleArn) {
  const message = `User: ${callerArn(identity)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
  return { ok: false, error: { status: 403, code: 'AccessDenied', message } };
}

/** Collect indexed members such as Tags.member.1.Key / Tags.member.1.Value. */
function collectTags(params) {
  const tags = [];
  for (let n = 1; params[`Tags.member.${n}.Key`] !== undefined; n++) {
    tags.push({ key: params[`Tags.member.${n}.Key`], value: params[`Tags.member.${n}.Value`] ?? '' });
  }
  return tags;
}

function collectList(params, prefix) {
  const items = [];
  for (let n = 1; params[`${prefix}.member.${n}`] !== undefined; n++) items.push(params[`${prefix}.member.${n}`]);
  return items;
}

/** Account of an ARN (5th field). */
function accountOf(arn) {
  return String(arn).split(':')[4] ?? '';
}

/** Does the role trust this caller? */
function trusts(role, identity) {
  const arn = callerArn(identity);
  const accepted = new Set([arn, '*', `arn:aws:iam::${accountOf(arn)}:root`]);
  if (identity.kind === 'session') accepted.add(identity.roleArn);
  return (role.trust ?? []).some((principal) => accepted.has(principal));
}

/** Validate parameter syntax (AWS's own ValidationError messages). */
function checkSyntax(params) {
  const session = params.RoleSessionName;
  if (!params.RoleArn) return "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null";
  if (!session) return "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null";
  if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
    return `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`;
  }
  const duration = params.DurationSeconds;
  if (duration !== undefined && (!/^\d+$/.test(duration) || Number(duration) < 900)) {
    return `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`;
  }
  return null;
}

/** Authorization and duration checks, in AWS's order. */
function checkAssume(state, identity, params) {
  const syntax = checkSyntax(params);
  if (syntax) return validation(syntax);
  if ((state.config.scpDeny ?? []).includes('sts:AssumeRole')) {
    const message = `User: ${callerArn(identity)} is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn} with an explicit deny in a service control policy`;
    return { ok: false, error: { status: 403, code: 'AccessDenied', message } };
  }
  const role = state.config.roles.find((r) => r.roleArn === params.RoleArn);
  if (!role || !trusts(role, identity)) return accessDenied(identity, params.RoleArn);
  if (role.externalId && params.ExternalId !== role.externalId) return accessDenied(identity, params.RoleArn);
  const tags = collectTags(params);
  if (tags.length > 0 && !(role.actions ?? []).includes('sts:TagSession')) return accessDenied(identity, params.RoleArn);
  const duration = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
  if (duration > (role.maxSessionDuration ?? 3600)) {
    return validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  if (identity.kind === 'session' && duration > CHAINED_MAX_SECONDS) {
    return validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  return { ok: true, role, duration, tags };
}

/** Random upper-case alphanumerics. */
function randomId(length) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(length)].map((b) => alphabet[b % 32]).join('');
}

/** A stable AROA… unique ID for a role ARN. */
export function roleIdFor(roleArn) {
  const digest = createHash('sha256').update(roleArn).digest();
  return 'AROA' + [...digest.subarray(0, 17)].map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');
}

/** Format ms as 2026-11-25T07:12:00Z. */
function isoSeconds(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Create and remember a temporary session for a role. */
function issueSession(state, role, params, duration, tags) {
  const roleName = role.roleArn.split('/').pop();
  const session = {
    accessKeyId: 'ASIA' + randomId(16),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: 'IQoJb3JpZ2luX2VjE' + randomBytes(480).toString('base64'),
    // `stsSessionSeconds` (when set) overrides the lifetime, e.g. a past or nearly spent Expiration.
    expiration: Math.floor((state.now() + (state.config.stsSessionSeconds ?? duration) * 1000) / 1000) * 1000,
    roleArn: role.roleArn,
    sessionName: params.RoleSessionName,
    assumedRoleId: `${role.roleId ?? roleIdFor(role.roleArn)}:${params.RoleSessionName}`,
    assumedRoleArn: `arn:aws:sts::${accountOf(role.roleArn)}:assumed-role/${roleName}/${params.RoleSessionName}`,
    sourceIdentity: params.SourceIdentity,
    tags,
    transitiveTagKeys: collectList(params, 'TransitiveTagKeys'),
    externalId: params.ExternalId,
  };
  state.issued.set(session.accessKeyId, session);
  return session;
}

/** The AssumeRole success document. */
function assumeRoleXml(session, packedPolicySize, requestId) {
  const source = session.sourceIdentity ? `    <SourceIdentity>${xmlEscape(session.sourceIdentity)}</SourceIdentity>\n` : '';
  const packed = packedPolicySize === null ? '' : `    <PackedPolicySize>${packedPolicySize}</PackedPolicySize>\n`;
  return (
    `<AssumeRoleResponse xmlns="${STS_NS}">\n  <AssumeRoleResult>\n${source}` +
    `    <AssumedRoleUser>\n      <AssumedRoleId>${xmlEscape(session.assumedRoleId)}</AssumedRoleId>\n` +
    `      <Arn>${xmlEscape(session.assumedRoleArn)}</Arn>\n    </AssumedRoleUser>\n` +
    `    <Credentials>\n      <AccessKeyId>${session.accessKeyId}</AccessKeyId>\n` +
    `      <SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>\n` +
    `      <SessionToken>${session.sessionToken}</SessionToken>\n` +
    `      <Expiration>${isoSeconds(session.expiration)}</Expiration>\n    </Credentials>\n` +
    `${packed}  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
    `</AssumeRoleResponse>\n`
  );
}

/** Rough packed-policy percentage when tags or a session policy were passed; null otherwise. */
function packedSize(params, tags) {
  if (tags.length === 0 && !params.Policy && params['PolicyArns.member.1.arn'] === undefined) return null;
  const raw = JSON.stringify(tags).length + (params.Policy ?? '').length;
  return Math.max(1, Math.min(100, Math.ceil(raw / 20)));
}

/**
 * Run AssumeRole for an authenticated caller.
 * @returns {{ok:true, xml:string, session:object} | {ok:false, error:{status,code,message}}}
 */
export function assumeRole(state, identity, params, requestId = randomUUID()) {
  const checked = checkAssume(state, identity, params);
  if (!checked.ok) return checked;
  const session = issueSession(state, checked.role, params, checked.duration, checked.tags);
  return { ok: true, session, xml: assumeRoleXml(session, packedSize(params, checked.tags), requestId) };
}
