// The gateway's use of bedrock-connect: one client per request on one shared CredentialCache per
// isolate, the platform's settings from env, and the package's errors in the gateway's field names.
import { BedrockClient, CredentialCache, BedrockConnectError, AwsError, NetworkError } from '../../pkg/workerd.js';
import { GatewayError } from './http.js';

let sharedCache = null;

/** The isolate's credential cache (keyed by role, external ID, session name, … inside the package). */
function credentialCache() {
  sharedCache ??= new CredentialCache();
  return sharedCache;
}

/** The platform's own settings from the Worker's env / secrets; 503 when they are missing. */
export function platform(env) {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
    throw new GatewayError(503, 'PLATFORM_NOT_CONFIGURED', "the gateway has no AWS credentials of its own", {
      hint: 'Set the secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (wrangler secret put …).',
    });
  }
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  if (env.AWS_SESSION_TOKEN) credentials.sessionToken = env.AWS_SESSION_TOKEN;
  return credentials;
}

/** The STS URL used for a region: the override (local simulator, private endpoint) or AWS's regional one. */
export function stsEndpointFor(env, stsRegion) {
  return env.STS_ENDPOINT || `https://sts.${stsRegion}.amazonaws.com`;
}

/**
 * A client for one request. `target` = { roleArn, externalId, stsRegion, region, sessionName };
 * `shared` uses the isolate's credential cache; `trace` receives the last AWS request ID.
 */
export function clientFor(env, target, { shared = true, trace = {} } = {}) {
  const assumeRole = { roleArn: target.roleArn, externalId: target.externalId, stsRegion: target.stsRegion, sessionName: target.sessionName };
  if (env.STS_ENDPOINT) assumeRole.stsEndpoint = env.STS_ENDPOINT;
  const options = {
    region: target.region,
    credentials: platform(env),
    assumeRole,
    fetch: tracingFetch(trace),
  };
  if (env.BEDROCK_RUNTIME_ENDPOINT) options.endpoint = env.BEDROCK_RUNTIME_ENDPOINT;
  if (env.BEDROCK_CONTROL_ENDPOINT) options.controlEndpoint = env.BEDROCK_CONTROL_ENDPOINT;
  const attempts = Number(env.AWS_MAX_ATTEMPTS);
  if (Number.isInteger(attempts) && attempts >= 1 && attempts <= 10) options.retry = { maxAttempts: attempts };
  if (shared) options.credentialCache = credentialCache();
  try {
    return new BedrockClient(options);
  } catch (err) {
    // Bad settings (a malformed role ARN, region, …) are found here, before any request.
    throw toGatewayError(err, { check: true });
  }
}

/** fetch that notes AWS's request ID of each answer (for the log line) and counts calls. */
function tracingFetch(trace) {
  trace.awsCalls = 0;
  return async (input, init) => {
    trace.awsCalls += 1;
    const res = await fetch(input, init);
    trace.awsRequestId = res.headers.get('x-amzn-requestid') ?? trace.awsRequestId ?? null;
    return res;
  };
}

/** The package's option path → the gateway's field name (PLATFORM-CONTRACT.md). null = platform side. */
export function gatewayField(field) {
  if (!field) return null;
  if (field === 'assumeRole.roleArn') return 'roleArn';
  if (field === 'assumeRole.externalId') return 'externalId';
  if (field === 'assumeRole.stsRegion' || field === 'assumeRole.stsEndpoint') return 'stsRegion';
  if (field.startsWith('assumeRole.')) return null;
  if (['modelId', 'region', 'roleArn', 'externalId', 'stsRegion', 'name'].includes(field)) return field;
  if (field === 'template' || field === 'body') return 'template';
  if (field === 'variables' || field.startsWith('variables.')) return 'variables';
  if (field === 'mapping' || field.startsWith('mapping.') || ['outputText', 'inputTokens', 'outputTokens', 'delta'].includes(field)) return 'mapping';
  return null;
}

const PLATFORM_SIDE = ' (This is a problem on the platform side, not in the customer\'s settings: the gateway\'s own AWS credentials or endpoints.)';

/** The public error fields of a package error, in the gateway's field names. */
export function publicError(err) {
  const { code, message, hint } = err;
  const field = gatewayField(err.field);
  const platformSide = field === null && /^(credentials|endpoint|controlEndpoint|retry|fetch)/.test(err.field ?? '');
  return { code, message: platformSide ? `${message.replace(/\.*$/, '')}.${PLATFORM_SIDE}` : message, hint: hint ?? '', field };
}

/**
 * Refines an AssumeRole AccessDenied: AWS answers the same for a wrong role ARN, a trust policy
 * without the platform and a wrong external ID. When the role ARN is known to work (another
 * connection or the stored one uses it), the external ID is what differs → field `externalId`.
 */
export function refineAccessDenied(error, { roleKnownGood }) {
  if (error.code !== 'AccessDenied' || !['roleArn', 'externalId'].includes(error.field) || /explicit deny/.test(error.message)) return error;
  if (roleKnownGood) {
    error.field = 'externalId';
    error.hint = "This role ARN has worked for the platform before, so check the external ID: it must equal the trust policy's sts:ExternalId exactly (and the trust policy must still name the platform).";
  } else {
    error.field = 'roleArn';
    error.hint = "Check that the role ARN is the customer's role, that its trust policy names the platform's principal (GET /v1/setup), and that externalId equals its sts:ExternalId exactly: AWS gives the same answer for all three.";
  }
  return error;
}

/** A package error as a GatewayError with `status` (checks: 422; calls: by what went wrong). */
export function toGatewayError(err, { check = false } = {}) {
  if (err instanceof GatewayError) return err;
  if (!(err instanceof BedrockConnectError)) {
    if (err instanceof TypeError) return new GatewayError(400, 'INVALID_FIELD', err.message, { hint: 'Check the types of the request fields.' });
    throw err;
  }
  const fields = publicError(err);
  return new GatewayError(check ? 422 : callStatus(err), fields.code, fields.message, { hint: fields.hint, field: fields.field, headers: err.retryable && err.status === 429 ? { 'retry-after': '1' } : {} });
}

/** Status of a failed call on a stored connection. */
function callStatus(err) {
  const field = gatewayField(err.field);
  if (err instanceof AwsError) {
    if (err.status === 429) return 429;
    if (err.status === 503) return 503;
    if (field === 'template' || field === 'variables') return 422;
    return 502;
  }
  if (err instanceof NetworkError) return /TIMEOUT/.test(err.code) ? 504 : 502;
  if (field === 'variables') return 400;
  return 422;
}
