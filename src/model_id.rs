//! Model identifiers: base model IDs, foundation-model ARNs, system and application inference
//! profiles, provisioned throughput, Bedrock Marketplace endpoints and custom/imported models.
//! Parses what a user pastes into exactly what goes (percent-encoded) into `/model/{modelId}/…`.

use crate::endpoint::{self, PARTITION_NAMES};
use crate::error::{Error, Result};
use crate::sign::percent_encode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Base,
    InferenceProfile,
    Provisioned,
    Marketplace,
    Custom,
    PromptRouter,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Base => "base",
            Kind::InferenceProfile => "inference-profile",
            Kind::Provisioned => "provisioned",
            Kind::Marketplace => "marketplace",
            Kind::Custom => "custom",
            Kind::PromptRouter => "prompt-router",
        }
    }
}

/// A parsed model identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelId {
    pub kind: Kind,
    /// Exactly what goes into the path (before percent-encoding).
    pub model_id: String,
    pub region: Option<String>,
    pub account_id: Option<String>,
}

/// What the client knows, used to expand short forms and to catch region mismatches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    pub region: Option<&'a str>,
    pub account_id: Option<&'a str>,
}

/// System inference profile prefixes (`us.anthropic…`). `us-gov` before `us`.
pub const PROFILE_PREFIXES: &[&str] = &["us-gov", "us", "eu", "apac", "jp", "au", "ca", "global"];

const SHORT_PROVISIONED: &str = "bedrock:provisioned-model-inference/";

pub fn parse(input: &str, ctx: Context<'_>) -> Result<ModelId> {
    let input = input.trim();
    if input.is_empty() || input.len() > 2048 {
        return Err(invalid(input, "it is empty or longer than 2048 characters"));
    }
    if let Some(id) = input.strip_prefix(SHORT_PROVISIONED) {
        return expand_short_provisioned(input, id, ctx);
    }
    if input.starts_with("arn:") {
        let parsed = parse_arn(input)?;
        check_region(&parsed, ctx)?;
        return Ok(parsed);
    }
    if let Some(base) = strip_profile_prefix(input) {
        if is_base_id(base) {
            return Ok(plain(Kind::InferenceProfile, input));
        }
    }
    if is_base_id(input) {
        return Ok(plain(Kind::Base, input));
    }
    Err(invalid(input, "it is neither a model ID (provider.model-name) nor a Bedrock ARN"))
}

/// The base model ID inside a system inference profile ID (`us.anthropic.x` → `anthropic.x`).
pub fn strip_profile_prefix(id: &str) -> Option<&str> {
    let (prefix, rest) = id.split_once('.')?;
    PROFILE_PREFIXES.contains(&prefix).then_some(rest)
}

/// `/model/{percent-encoded id}/{action}`.
pub fn path(model_id: &str, action: &str) -> String {
    format!("/model/{}/{action}", percent_encode(model_id))
}

fn plain(kind: Kind, id: &str) -> ModelId {
    ModelId { kind, model_id: id.to_string(), region: None, account_id: None }
}

/// `provider.name[:version]`: provider lower-case letters/digits/`-`, then `[A-Za-z0-9._:-]`.
fn is_base_id(id: &str) -> bool {
    let Some((provider, name)) = id.split_once('.') else { return false };
    !provider.is_empty()
        && provider.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
}

fn parse_arn(arn: &str) -> Result<ModelId> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts[..] else {
        return Err(invalid(arn, "an ARN has six `:`-separated parts"));
    };
    if !PARTITION_NAMES.contains(&partition) {
        return Err(invalid(arn, "unknown partition"));
    }
    if !endpoint::is_region(region) {
        return Err(invalid(arn, "the ARN has no valid region"));
    }
    let (kind_name, id) = resource.split_once('/').ok_or_else(|| invalid(arn, "the resource has no `/`"))?;
    if id.is_empty() {
        return Err(invalid(arn, "the resource ID is empty"));
    }
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let kind = match (service, kind_name) {
        ("bedrock", "foundation-model") => {
            if !is_base_id(id) {
                return Err(invalid(arn, "the foundation model ID is malformed"));
            }
            return Ok(ModelId { kind: Kind::Base, model_id: id.into(), region: Some(region.into()), account_id: None });
        }
        ("bedrock", "inference-profile" | "application-inference-profile") => Kind::InferenceProfile,
        ("bedrock", "provisioned-model") => Kind::Provisioned,
        ("bedrock", "custom-model" | "imported-model" | "custom-model-deployment") => Kind::Custom,
        ("bedrock", "default-prompt-router" | "prompt-router") => Kind::PromptRouter,
        ("sagemaker", "endpoint") => Kind::Marketplace,
        _ => return Err(invalid(arn, "it is not a Bedrock model, profile, provisioned-model, prompt-router or SageMaker endpoint ARN")),
    };
    if !account_ok {
        return Err(invalid(arn, "the account ID must be 12 digits"));
    }
    Ok(ModelId { kind, model_id: arn.into(), region: Some(region.into()), account_id: Some(account.into()) })
}

fn expand_short_provisioned(input: &str, id: &str, ctx: Context<'_>) -> Result<ModelId> {
    let (Some(region), Some(account)) = (ctx.region, ctx.account_id) else {
        return Err(invalid(input, "the short provisioned form needs the client's region and the role's account"));
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(input, "the provisioned model ID is malformed"));
    }
    let partition = endpoint::partition_of(region).name;
    Ok(ModelId {
        kind: Kind::Provisioned,
        model_id: format!("arn:{partition}:bedrock:{region}:{account}:provisioned-model/{id}"),
        region: Some(region.into()),
        account_id: Some(account.into()),
    })
}

fn check_region(parsed: &ModelId, ctx: Context<'_>) -> Result<()> {
    match (ctx.region, parsed.region.as_deref()) {
        (Some(client), Some(arn)) if client != arn => Err(Error::config(
            "REGION_MISMATCH",
            "modelId",
            format!("the model ARN is in {arn} but the client's region is {client}"),
            "Set the client's `region` to the ARN's region, or use the model's ARN from the client's region.",
        )),
        _ => Ok(()),
    }
}

fn invalid(input: &str, why: &str) -> Error {
    Error::config(
        "INVALID_MODEL_ID",
        "modelId",
        format!("`{input}` is not a Bedrock model ID: {why}"),
        "Use a model ID such as anthropic.claude-3-haiku-20240307-v1:0, an inference profile ID such as \
         us.anthropic.claude-3-haiku-20240307-v1:0, or an ARN from the Bedrock console.",
    )
}

/// The model family (for presets) of an ID: base IDs, foundation-model IDs and system profiles.
pub fn family_of(model_id: &str) -> Option<&'static str> {
    let id = strip_profile_prefix(model_id).unwrap_or(model_id);
    let id = id.rsplit('/').next().unwrap_or(id);
    // Image and video generators share prefixes with text families but take no text preset.
    const NOT_TEXT: &[&str] = &["amazon.nova-canvas", "amazon.nova-reel", "amazon.titan-image", "stability."];
    if NOT_TEXT.iter().any(|prefix| id.starts_with(prefix)) {
        return None;
    }
    const FAMILIES: &[(&str, &str)] = &[
        ("amazon.titan-embed-text", "titan-embed"),
        ("cohere.embed", "cohere-embed"),
        ("anthropic.", "anthropic"),
        ("amazon.titan-text", "titan-text"),
        ("amazon.titan-tg1", "titan-text"),
        ("amazon.nova", "nova"),
        ("meta.llama", "llama"),
        ("mistral.", "mistral"),
        ("cohere.command-r", "cohere-command-r"),
        ("cohere.command", "cohere-command"),
        ("ai21.jamba", "jamba"),
    ];
    FAMILIES.iter().find(|(prefix, _)| id.starts_with(prefix)).map(|(_, f)| *f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Context<'static> = Context { region: None, account_id: None };
    const CLIENT: Context<'static> = Context { region: Some("us-east-1"), account_id: Some("123456789012") };

    fn p(s: &str, ctx: Context<'_>) -> (Kind, String, Option<String>, Option<String>) {
        let m = parse(s, ctx).unwrap();
        (m.kind, m.model_id, m.region, m.account_id)
    }

    #[test]
    fn prompt_routers_are_kept_whole_and_named_by_family() {
        let default = "arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1";
        assert_eq!(p(default, CLIENT), (Kind::PromptRouter, default.into(), Some("us-east-1".into()), Some("123456789012".into())));
        let own = "arn:aws:bedrock:us-east-1:123456789012:prompt-router/abc123def456";
        assert_eq!(p(own, CLIENT).0, Kind::PromptRouter);
        assert_eq!(Kind::PromptRouter.as_str(), "prompt-router");
        assert_eq!(family_of(default), Some("anthropic"));
        assert_eq!(family_of("arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/meta.llama:1"), Some("llama"));
        assert_eq!(family_of(own), None);
        assert_eq!(parse("arn:aws:bedrock:eu-west-1:123456789012:default-prompt-router/anthropic.claude:1", CLIENT).unwrap_err().code, "REGION_MISMATCH");
        assert_eq!(parse("arn:aws:bedrock:us-east-1:1234:prompt-router/x", CLIENT).unwrap_err().code, "INVALID_MODEL_ID");
    }

    #[test]
    fn base_ids_and_foundation_model_arns() {
        assert_eq!(
            p("anthropic.claude-3-haiku-20240307-v1:0", NONE),
            (Kind::Base, "anthropic.claude-3-haiku-20240307-v1:0".into(), None, None)
        );
        assert_eq!(
            p("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1", CLIENT),
            (Kind::Base, "amazon.titan-text-express-v1".into(), Some("us-east-1".into()), None)
        );
    }

    #[test]
    fn system_inference_profiles() {
        for id in ["us.anthropic.claude-3-5-sonnet-20241022-v2:0", "eu.amazon.nova-pro-v1:0", "apac.x.y", "jp.a.b", "au.a.b", "us-gov.a.b", "global.anthropic.claude-sonnet-4-20250514-v1:0"] {
            assert_eq!(parse(id, NONE).unwrap().kind, Kind::InferenceProfile, "{id}");
        }
        assert_eq!(strip_profile_prefix("us.anthropic.x"), Some("anthropic.x"));
        assert_eq!(strip_profile_prefix("anthropic.x"), None);
    }

    #[test]
    fn arns_are_kept_whole() {
        let cases = [
            ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0", Kind::InferenceProfile),
            ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6", Kind::InferenceProfile),
            ("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234efgh", Kind::Provisioned),
            ("arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint", Kind::Marketplace),
            ("arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/abc", Kind::Custom),
            ("arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123", Kind::Custom),
            ("arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc123", Kind::Custom),
        ];
        for (arn, kind) in cases {
            assert_eq!(p(arn, CLIENT), (kind, arn.into(), Some("us-east-1".into()), Some("123456789012".into())), "{arn}");
        }
    }

    #[test]
    fn short_provisioned_form_is_expanded() {
        assert_eq!(
            p("bedrock:provisioned-model-inference/abcd1234efgh", CLIENT).1,
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234efgh"
        );
        assert_eq!(parse("bedrock:provisioned-model-inference/abcd", NONE).unwrap_err().code, "INVALID_MODEL_ID");
    }

    #[test]
    fn region_mismatch() {
        let e = parse("arn:aws:bedrock:eu-west-1:123456789012:provisioned-model/abc", CLIENT).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.field.as_deref(), e.message.as_str()),
            ("REGION_MISMATCH", Some("modelId"), "the model ARN is in eu-west-1 but the client's region is us-east-1")
        );
    }

    #[test]
    fn invalid_ids() {
        for bad in ["", "claude", "Anthropic Claude 3", "arn:aws:s3:::bucket/key", "arn:aws:bedrock:us-east-1:12:provisioned-model/x", "arn:aws:bedrock:nowhere:123456789012:provisioned-model/x", "anthropic./x"] {
            let e = parse(bad, CLIENT).unwrap_err();
            assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_MODEL_ID", Some("modelId")), "{bad}");
        }
    }

    #[test]
    fn path_is_percent_encoded() {
        assert_eq!(path("anthropic.claude-3-haiku-20240307-v1:0", "invoke"), "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke");
        assert_eq!(
            path("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc", "invoke"),
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aprovisioned-model%2Fabc/invoke"
        );
    }

    #[test]
    fn families() {
        assert_eq!(family_of("anthropic.claude-3-haiku-20240307-v1:0"), Some("anthropic"));
        assert_eq!(family_of("us.meta.llama3-2-1b-instruct-v1:0"), Some("llama"));
        assert_eq!(family_of("cohere.command-r-plus-v1:0"), Some("cohere-command-r"));
        assert_eq!(family_of("cohere.command-text-v14"), Some("cohere-command"));
        assert_eq!(family_of("stability.sd3-large-v1:0"), None);
    }
}
