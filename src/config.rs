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
    pub timeout_ms: Option<u32>,
    pub inference_profile_auto: bool,
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
        let runtime_url = match &o.endpoint {
            Some(e) => endpoint::validate_endpoint(e, "endpoint")?,
            None => endpoint::runtime_url(&region),
        };
        let control_url = match &o.control_endpoint {
            Some(e) => endpoint::validate_endpoint(e, "controlEndpoint")?,
            None => endpoint::control_url(&region),
        };
        let assume_role = o.assume_role.map(|a| assume_role(a, &region, now_ms)).transpose()?;
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
            inference_profile_auto,
        })
    }

    /// Parses a model ID in this client's context (region, the role's account).
    pub fn model_id(&self, input: &str) -> Result<ModelId> {
        let account = self.assume_role.as_ref().and_then(|a| sts::role_account(&a.role_arn));
        model_id::parse(input, model_id::Context { region: Some(&self.region), account_id: account })
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
