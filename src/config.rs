//! The `BedrockClient` options after validation: regions, endpoints, the role to assume,
//! retry and timeout. Every check happens here, before any request, and names the JS option
//! path at fault (`assumeRole.roleArn`, `region`, …).

use crate::endpoint;
use crate::error::{Error, Result};
use crate::model_id::{self, ModelId};
use crate::retry::RetryPolicy;
use crate::sts::{self, AssumeRole};

/// `assumeRole` as read from JS, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct AssumeRoleOptions {
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub duration_seconds: Option<u32>,
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
    pub sts_region: Option<String>,
    pub sts_endpoint: Option<String>,
}

/// The constructor options as read from JS, unvalidated. `bearer_token` is a secret: `Debug` hides it.
#[derive(Clone, Default)]
pub struct ClientOptions {
    pub region: Option<String>,
    pub has_credentials: bool,
    pub assume_role: Option<AssumeRoleOptions>,
    pub bearer_token: Option<String>,
    pub endpoint: Option<String>,
    pub control_endpoint: Option<String>,
    pub inference_profile: Option<String>,
    pub max_attempts: Option<u32>,
    pub timeout_ms: Option<u32>,
    pub idle_timeout_ms: Option<u32>,
    pub use_fips_endpoint: bool,
}

/// Validated client configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub region: String,
    pub runtime_url: String,
    pub control_url: String,
    pub assume_role: Option<AssumeRole>,
    pub bearer_token: Option<String>,
    pub retry: RetryPolicy,
    /// Per attempt; `None` = [`DEFAULT_TIMEOUT_MS`] (model calls: [`DEFAULT_MODEL_TIMEOUT_MS`]).
    pub timeout_ms: Option<u32>,
    /// Streams: no byte for this long ends them with `STREAM_IDLE_TIMEOUT`.
    pub idle_timeout_ms: u32,
    pub inference_profile_auto: bool,
}

/// Per-attempt timeout of STS and control-plane calls (the AWS SDKs' socket read timeout, 60 s).
pub const DEFAULT_TIMEOUT_MS: u32 = 60_000;
/// Per-attempt timeout of model calls until the answer's headers (a long generation that is not
/// streamed answers only at its end).
pub const DEFAULT_MODEL_TIMEOUT_MS: u32 = 300_000;
/// A stream with no byte for this long is broken (a slow first token takes seconds, not minutes).
pub const DEFAULT_IDLE_TIMEOUT_MS: u32 = 120_000;

/// The constructor's option keys, per level (unknown keys are a `CONFIG_UNKNOWN_OPTION`).
pub const CLIENT_KEYS: &[&str] = &[
    "region",
    "credentials",
    "assumeRole",
    "bearerToken",
    "endpoint",
    "controlEndpoint",
    "inferenceProfile",
    "retry",
    "timeoutMs",
    "idleTimeoutMs",
    "useFipsEndpoint",
    "onAttempt",
    "fetch",
    "now",
    "credentialCache",
];
pub const ASSUME_ROLE_KEYS: &[&str] = &[
    "roleArn",
    "externalId",
    "sessionName",
    "durationSeconds",
    "tags",
    "transitiveTagKeys",
    "sourceIdentity",
    "stsRegion",
    "stsEndpoint",
];
pub const RETRY_KEYS: &[&str] = &["maxAttempts"];
/// What the AWS SDK's credential providers return (`credentialScope`, `accountId`, `$source` are
/// accepted and ignored, so their results can be passed as they are).
pub const CREDENTIALS_KEYS: &[&str] = &["accessKeyId", "secretAccessKey", "sessionToken", "expiration", "credentialScope", "accountId", "$source"];

/// Fails on the first key of `keys` not in `known`, suggesting the nearest known one.
/// `prefix` is the option path of the object (`""` for the top level).
pub fn check_keys(keys: &[&str], known: &[&str], prefix: &str) -> Result<()> {
    let Some(unknown) = keys.iter().find(|k| !known.contains(k)) else { return Ok(()) };
    let field = if prefix.is_empty() { unknown.to_string() } else { format!("{prefix}.{unknown}") };
    let hint = match nearest(unknown, known) {
        Some(near) => format!("Did you mean `{near}`? Known options here: {}.", known.join(", ")),
        None => format!("Known options here: {}.", known.join(", ")),
    };
    Err(Error::config("CONFIG_UNKNOWN_OPTION", &field, format!("unknown option `{field}`"), &hint))
}

/// The known key closest to `key` (edit distance, case-insensitive), if close enough to be a typo.
pub fn nearest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = key.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Damerau–Levenshtein distance (optimal string alignment): a swap of two letters costs 1.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for (i, ca) in std::iter::once(None).chain(a.iter().map(Some)).enumerate() {
        for (j, cb) in std::iter::once(None).chain(b.iter().map(Some)).enumerate() {
            let value = match (ca, cb) {
                (None, _) => j,
                (_, None) => i,
                (Some(x), Some(y)) => {
                    let get = |i: usize, j: usize| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
                    let mut best = (get(i - 1, j) + 1).min(get(i, j - 1) + 1).min(get(i - 1, j - 1) + usize::from(x != y));
                    if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                        best = best.min(get(i - 2, j - 2) + 1);
                    }
                    best
                }
            };
            if let Some(cell) = d.get_mut(at(i, j)) {
                *cell = value;
            }
        }
    }
    d.last().copied().unwrap_or(0)
}

/// Fails unless `value` is one of `allowed`; the error names `field` and lists the values.
pub fn check_enum(value: &str, allowed: &[&str], field: &str) -> Result<()> {
    if allowed.contains(&value) {
        return Ok(());
    }
    let near = nearest(value, allowed).map(|n| format!("Did you mean `{n}`? ")).unwrap_or_default();
    Err(Error::config(
        "INVALID_OPTION",
        field,
        format!("{field} must be one of {}, not `{value}`", allowed.join(", ")),
        &format!("{near}Use one of: {}.", allowed.join(", ")),
    ))
}

/// Credentials must carry a non-blank key ID and secret (`field` is `credentials` or the function).
pub fn check_credentials(c: &crate::sign::Credentials, field: &str) -> Result<()> {
    let blank = |s: &str| s.trim().is_empty();
    let bad = |part: &str, what: &str| {
        Error::config(
            "INVALID_CREDENTIALS",
            &format!("{field}.{part}"),
            format!("{field}.{part} is {what}"),
            "Pass the platform's access key ID and secret access key (both non-empty, without spaces).",
        )
    };
    if blank(&c.access_key_id) {
        return Err(bad("accessKeyId", "empty"));
    }
    if blank(&c.secret_access_key) {
        return Err(bad("secretAccessKey", "empty"));
    }
    if c.access_key_id.trim() != c.access_key_id {
        return Err(bad("accessKeyId", "padded with whitespace"));
    }
    if c.secret_access_key.trim() != c.secret_access_key {
        return Err(bad("secretAccessKey", "padded with whitespace"));
    }
    if c.session_token.as_deref().is_some_and(blank) {
        return Err(bad("sessionToken", "empty"));
    }
    Ok(())
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("region", &self.region)
            .field("runtime_url", &self.runtime_url)
            .field("control_url", &self.control_url)
            .field("assume_role", &self.assume_role)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "[redacted]"))
            .field("retry", &self.retry)
            .field("timeout_ms", &self.timeout_ms)
            .field("idle_timeout_ms", &self.idle_timeout_ms)
            .finish()
    }
}

impl ClientConfig {
    /// Validates the options. `now_ms` names the default session (`bedrock-connect-{now_ms}`).
    pub fn from_options(o: ClientOptions, now_ms: u64) -> Result<Self> {
        let region = o.region.ok_or_else(|| Error::missing("region"))?;
        endpoint::validate_region(&region, "region")?;
        if o.bearer_token.is_some() && (o.has_credentials || o.assume_role.is_some()) {
            return Err(Error::config(
                "CONFIG_CONFLICT",
                "bearerToken",
                "bearerToken cannot be combined with credentials or assumeRole",
                "A Bedrock API key authenticates on its own: pass either bearerToken, or credentials (with assumeRole).",
            ));
        }
        if o.bearer_token.is_none() && !o.has_credentials {
            return Err(Error::missing("credentials"));
        }
        if let Some(token) = &o.bearer_token {
            if token.trim().is_empty() || token.trim() != token {
                return Err(Error::config(
                    "INVALID_BEARER_TOKEN",
                    "bearerToken",
                    "bearerToken is empty or padded with whitespace",
                    "Pass the Bedrock API key as minted (it starts with bedrock-api-key-).",
                ));
            }
        }
        let fips = o.use_fips_endpoint;
        let runtime_url = match &o.endpoint {
            Some(e) => endpoint::validate_endpoint(e, "endpoint")?,
            None if fips => endpoint::fips_url("bedrock-runtime", &region, "useFipsEndpoint")?,
            None => endpoint::runtime_url(&region),
        };
        let control_url = match &o.control_endpoint {
            Some(e) => endpoint::validate_endpoint(e, "controlEndpoint")?,
            None if fips => endpoint::fips_url("bedrock", &region, "useFipsEndpoint")?,
            None => endpoint::control_url(&region),
        };
        let mut assume_role = o.assume_role.map(|a| assume_role(a, &region, now_ms)).transpose()?;
        if let Some(a) = assume_role.as_mut().filter(|a| fips && a.sts_endpoint.is_none()) {
            a.sts_endpoint = Some(endpoint::fips_url("sts", &a.sts_region, "useFipsEndpoint")?);
        }
        for (value, field) in [(o.timeout_ms, "timeoutMs"), (o.idle_timeout_ms, "idleTimeoutMs")] {
            check_timeout(value, field)?;
        }
        let inference_profile_auto = inference_profile_mode(o.inference_profile.as_deref(), "inferenceProfile")?;
        let max_attempts = o.max_attempts.unwrap_or(RetryPolicy::default().max_attempts);
        if max_attempts == 0 || max_attempts > 10 {
            return Err(Error::config(
                "INVALID_RETRY",
                "retry.maxAttempts",
                format!("retry.maxAttempts {max_attempts} is outside 1–10"),
                "Use 1 (no retries) to 10.",
            ));
        }
        Ok(ClientConfig {
            region,
            runtime_url,
            control_url,
            assume_role,
            bearer_token: o.bearer_token,
            retry: RetryPolicy { max_attempts },
            timeout_ms: o.timeout_ms,
            idle_timeout_ms: o.idle_timeout_ms.unwrap_or(DEFAULT_IDLE_TIMEOUT_MS),
            inference_profile_auto,
        })
    }

    /// The per-attempt timeout of a call without its own `timeoutMs`: the client's, else the
    /// default for model calls or for the others (STS, control plane).
    pub fn timeout_for(&self, model_call: bool) -> u32 {
        self.timeout_ms.unwrap_or(if model_call { DEFAULT_MODEL_TIMEOUT_MS } else { DEFAULT_TIMEOUT_MS })
    }

    /// Parses a model ID in this client's context (region, the role's account).
    pub fn model_id(&self, input: &str) -> Result<ModelId> {
        let account = self.assume_role.as_ref().and_then(|a| sts::role_account(&a.role_arn));
        model_id::parse(input, model_id::Context { region: Some(&self.region), account_id: account })
    }
}

/// A timeout option: 1 ms to 1 hour.
pub fn check_timeout(value: Option<u32>, field: &str) -> Result<()> {
    match value {
        Some(ms) if ms == 0 || ms > 3_600_000 => Err(Error::config(
            "INVALID_OPTION",
            field,
            format!("{field} {ms} is outside 1–3600000 ms"),
            "Give milliseconds between 1 and 3,600,000 (one hour).",
        )),
        _ => Ok(()),
    }
}

/// `'auto' | 'never'` → auto?
pub fn inference_profile_mode(value: Option<&str>, field: &str) -> Result<bool> {
    match value {
        None | Some("never") => Ok(false),
        Some("auto") => Ok(true),
        Some(other) => Err(Error::config(
            "INVALID_OPTION",
            field,
            format!("inferenceProfile must be 'auto' or 'never', not `{other}`"),
            "Use 'auto' to retry once through an inference profile, or 'never'.",
        )),
    }
}

fn assume_role(a: AssumeRoleOptions, region: &str, now_ms: u64) -> Result<AssumeRole> {
    let role_arn = a.role_arn.ok_or_else(|| Error::missing("assumeRole.roleArn"))?;
    let params = AssumeRole {
        role_arn,
        external_id: a.external_id,
        session_name: a.session_name.unwrap_or_else(|| format!("bedrock-connect-{now_ms}")),
        duration_secs: a.duration_seconds,
        tags: a.tags,
        transitive_tag_keys: a.transitive_tag_keys,
        source_identity: a.source_identity,
        sts_region: a.sts_region.unwrap_or_else(|| region.to_string()),
        sts_endpoint: a.sts_endpoint.map(|e| endpoint::validate_endpoint(&e, "assumeRole.stsEndpoint")).transpose()?,
    };
    sts::validate(&params)?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ClientOptions {
        ClientOptions {
            region: Some("us-east-1".into()),
            has_credentials: true,
            assume_role: Some(AssumeRoleOptions {
                role_arn: Some("arn:aws:iam::123456789012:role/BedrockAccess".into()),
                external_id: Some("platform-42".into()),
                sts_region: Some("eu-west-1".into()),
                ..AssumeRoleOptions::default()
            }),
            ..ClientOptions::default()
        }
    }

    #[test]
    fn defaults() {
        let c = ClientConfig::from_options(opts(), 1_700_000_000_000).unwrap();
        assert_eq!(c.runtime_url, "https://bedrock-runtime.us-east-1.amazonaws.com");
        assert_eq!(c.control_url, "https://bedrock.us-east-1.amazonaws.com");
        let a = c.assume_role.unwrap();
        assert_eq!(a.session_name, "bedrock-connect-1700000000000");
        assert_eq!(a.sts_region, "eu-west-1");
        assert_eq!(c.retry.max_attempts, 3);
        assert!(!c.inference_profile_auto);

    }

    #[test]
    fn timeout_defaults() {
        let c = ClientConfig::from_options(opts(), 0).unwrap();
        assert_eq!((c.timeout_for(true), c.timeout_for(false), c.idle_timeout_ms), (300_000, 60_000, 120_000));
        let c = ClientConfig::from_options(ClientOptions { timeout_ms: Some(5), ..opts() }, 0).unwrap();
        assert_eq!((c.timeout_for(true), c.timeout_for(false)), (5, 5));
    }

    #[test]
    fn sts_region_defaults_to_region() {
        let mut o = opts();
        if let Some(a) = o.assume_role.as_mut() {
            a.sts_region = None;
        }
        assert_eq!(ClientConfig::from_options(o, 0).unwrap().assume_role.unwrap().sts_region, "us-east-1");
    }

    #[test]
    fn errors_name_the_option() {
        let cases: Vec<(ClientOptions, &str, &str)> = vec![
            (ClientOptions { region: None, ..opts() }, "INVALID_ARGUMENT_TYPE", "region"),
            (ClientOptions { region: Some("us-east".into()), ..opts() }, "INVALID_REGION", "region"),
            (ClientOptions { bearer_token: Some("k".into()), ..opts() }, "CONFIG_CONFLICT", "bearerToken"),
            (ClientOptions { has_credentials: false, assume_role: None, ..opts() }, "INVALID_ARGUMENT_TYPE", "credentials"),
            (ClientOptions { endpoint: Some("localhost:1".into()), ..opts() }, "INVALID_ENDPOINT", "endpoint"),
            (ClientOptions { inference_profile: Some("always".into()), ..opts() }, "INVALID_OPTION", "inferenceProfile"),
            (ClientOptions { max_attempts: Some(0), ..opts() }, "INVALID_RETRY", "retry.maxAttempts"),
            (
                ClientOptions { assume_role: Some(AssumeRoleOptions::default()), ..opts() },
                "INVALID_ARGUMENT_TYPE",
                "assumeRole.roleArn",
            ),
        ];
        for (o, code, field) in cases {
            let e = ClientConfig::from_options(o, 0).unwrap_err();
            assert_eq!((e.code.as_str(), e.field.as_deref()), (code, Some(field)));
        }
    }

    #[test]
    fn unknown_keys_suggest_the_nearest_known_one() {
        let e = check_keys(&["region", "endpiont"], CLIENT_KEYS, "").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("CONFIG_UNKNOWN_OPTION", Some("endpiont")));
        assert!(e.hint.starts_with("Did you mean `endpoint`?"), "{}", e.hint);
        let e = check_keys(&["rolearn"], ASSUME_ROLE_KEYS, "assumeRole").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("assumeRole.rolearn"));
        assert!(e.hint.starts_with("Did you mean `roleArn`?"));
        let e = check_keys(&["byProvider"], &["provider", "inferenceType"], "").unwrap_err();
        assert!(e.hint.starts_with("Did you mean `provider`?"), "{}", e.hint);
        let e = check_keys(&["zzzzzzzz"], RETRY_KEYS, "retry").unwrap_err();
        assert!(e.hint.starts_with("Known options here: maxAttempts"));
        assert!(check_keys(&["region"], CLIENT_KEYS, "").is_ok());
        assert!(check_keys(&["accessKeyId", "secretAccessKey", "accountId", "credentialScope", "$source"], CREDENTIALS_KEYS, "credentials").is_ok());
        assert_eq!(nearest("useFipsEndpiont", CLIENT_KEYS), Some("useFipsEndpoint"));
    }

    #[test]
    fn enums_and_secrets() {
        let e = check_enum("BOGUS", &["ON_DEMAND", "PROVISIONED"], "inferenceType").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_OPTION", Some("inferenceType")));
        use crate::sign::Credentials;
        let c = |k: &str, s: &str| Credentials { access_key_id: k.into(), secret_access_key: s.into(), session_token: None, expiration_ms: None };
        assert_eq!(check_credentials(&c("AKIA1", " "), "credentials").unwrap_err().field.as_deref(), Some("credentials.secretAccessKey"));
        assert_eq!(check_credentials(&c("", "s"), "credentials").unwrap_err().field.as_deref(), Some("credentials.accessKeyId"));
        assert!(check_credentials(&c("AKIA1", "s"), "credentials").is_ok());
    }

    #[test]
    fn fips_hosts_where_aws_publishes_them() {
        let mut o = ClientOptions { use_fips_endpoint: true, ..opts() };
        if let Some(a) = o.assume_role.as_mut() {
            a.sts_region = Some("us-west-2".into());
        }
        let c = ClientConfig::from_options(o, 0).unwrap();
        assert_eq!(c.runtime_url, "https://bedrock-runtime-fips.us-east-1.amazonaws.com");
        assert_eq!(c.control_url, "https://bedrock-fips.us-east-1.amazonaws.com");
        assert_eq!(c.assume_role.unwrap().sts_endpoint.as_deref(), Some("https://sts-fips.us-west-2.amazonaws.com"));
        let o = ClientOptions { use_fips_endpoint: true, ..opts() }; // STS in eu-west-1 has no FIPS host
        let e = ClientConfig::from_options(o, 0).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("CONFIG_CONFLICT", Some("useFipsEndpoint")));
    }

    #[test]
    fn model_ids_use_the_client_context() {
        let c = ClientConfig::from_options(opts(), 0).unwrap();
        assert_eq!(
            c.model_id("bedrock:provisioned-model-inference/abc123").unwrap().model_id,
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123"
        );
        assert_eq!(c.model_id("arn:aws:bedrock:eu-west-1::foundation-model/a.b").unwrap_err().code, "REGION_MISMATCH");
    }

    #[test]
    fn bearer_token_never_in_debug() {
        let o = ClientOptions { bearer_token: Some("bedrock-api-key-SECRET".into()), has_credentials: false, assume_role: None, ..opts() };
        let c = ClientConfig::from_options(o, 0).unwrap();
        assert!(!format!("{c:?}").contains("SECRET"));
    }
}
