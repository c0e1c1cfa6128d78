//! The two IAM documents a customer creates for the platform: the role's permissions policy and
//! its trust policy (the platform's principal may `sts:AssumeRole`, plus `sts:TagSession` when
//! session tags are used, under an `sts:ExternalId` condition when one is set). Pure JSON.
//! With `models`, the model actions are scoped to those models' foundation-model, inference-profile
//! and provisioned ARNs; list actions (which IAM cannot scope) keep `Resource: "*"` in their own
//! statement.

use serde_json::{json, Value};

use crate::endpoint::PARTITION_NAMES;
use crate::error::{Error, Result};
use crate::model_id;
use crate::sts::validate_external_id;

/// What the role needs for everything bedrock-connect does.
pub const DEFAULT_ACTIONS: &[&str] = &[
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "bedrock:ListFoundationModels",
    "bedrock:GetInferenceProfile",
    "bedrock:CallWithBearerToken",
    "bedrock:ListInferenceProfiles",
    "bedrock:CountTokens",
];

/// Actions IAM cannot scope to a model: always `Resource: "*"`.
const UNSCOPED: &[&str] = &["bedrock:ListFoundationModels", "bedrock:ListInferenceProfiles", "bedrock:CallWithBearerToken"];

/// What a Marketplace model (a third-party model sold through AWS Marketplace, or a Bedrock
/// Marketplace endpoint) needs besides the bedrock actions.
const MARKETPLACE_ACTIONS: &[&str] = &["aws-marketplace:ViewSubscriptions"];

pub struct Input {
    pub platform_principal: String,
    pub external_id: Option<String>,
    pub actions: Option<Vec<String>>,
    pub session_tags: bool,
    /// Model IDs / ARNs to scope the permissions to (`None` or empty: `Resource: "*"`).
    pub models: Option<Vec<String>>,
    /// Regions the models are called in (`None` or empty: any, `*`).
    pub regions: Option<Vec<String>>,
}

pub struct Policies {
    pub permissions: Value,
    pub trust: Value,
}

pub fn build(input: Input) -> Result<Policies> {
    let principal = principal_arn(&input.platform_principal)?;
    if let Some(id) = &input.external_id {
        validate_external_id(id).map_err(|e| e.with_field("externalId"))?;
    }
    let actions = match input.actions {
        Some(a) => {
            a.iter().try_for_each(|x| validate_action(x))?;
            a
        }
        None => DEFAULT_ACTIONS.iter().map(|s| s.to_string()).collect(),
    };
    let permissions = permissions(actions, input.models.as_deref().unwrap_or_default(), input.regions.as_deref().unwrap_or_default())?;
    let mut trust_actions = vec!["sts:AssumeRole"];
    if input.session_tags {
        trust_actions.push("sts:TagSession");
    }
    let mut statement = json!({
        "Sid": "PlatformAssumeRole",
        "Effect": "Allow",
        "Principal": { "AWS": principal },
        "Action": trust_actions,
    });
    if let (Some(id), Some(obj)) = (&input.external_id, statement.as_object_mut()) {
        obj.insert("Condition".into(), json!({ "StringEquals": { "sts:ExternalId": id } }));
    }
    let trust = json!({ "Version": "2012-10-17", "Statement": [statement] });
    Ok(Policies { permissions, trust })
}

/// The permissions policy: one statement over `*` without models; with models, the model actions
/// on their ARNs, the list actions on `*`, and Marketplace's subscription check when one is sold
/// through AWS Marketplace.
fn permissions(actions: Vec<String>, models: &[String], regions: &[String]) -> Result<Value> {
    if models.is_empty() {
        return Ok(json!({
            "Version": "2012-10-17",
            "Statement": [{ "Sid": "BedrockConnect", "Effect": "Allow", "Action": actions, "Resource": "*" }],
        }));
    }
    for r in regions {
        if !crate::endpoint::is_region(r) {
            return Err(Error::config("INVALID_REGION", "regions", format!("`{r}` is not an AWS region"), "Use region names such as us-east-1."));
        }
    }
    let mut resources = Vec::new();
    let mut marketplace = false;
    for m in models {
        let parsed = model_id::parse(m, model_id::Context::default()).map_err(|e| e.with_field("models"))?;
        marketplace |= is_marketplace(&parsed);
        for arn in model_arns(&parsed, regions) {
            if !resources.contains(&arn) {
                resources.push(arn);
            }
        }
    }
    let (unscoped, scoped): (Vec<String>, Vec<String>) = actions.into_iter().partition(|a| UNSCOPED.contains(&a.as_str()));
    let mut statements = Vec::new();
    if !scoped.is_empty() {
        statements.push(json!({ "Sid": "BedrockConnectModels", "Effect": "Allow", "Action": scoped, "Resource": resources }));
    }
    if !unscoped.is_empty() {
        statements.push(json!({ "Sid": "BedrockConnectList", "Effect": "Allow", "Action": unscoped, "Resource": "*" }));
    }
    if marketplace {
        statements.push(json!({ "Sid": "BedrockConnectMarketplace", "Effect": "Allow", "Action": MARKETPLACE_ACTIONS, "Resource": "*" }));
    }
    Ok(json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// The ARNs a model is invoked through. A base ID: its foundation model in each region. A system
/// inference profile: the profile in each region (any account: the role's own) and its foundation
/// model in every region it routes to (`*`), plus the region-less foundation-model ARN that global
/// profiles need. Any other ARN (application profile, provisioned, custom, Marketplace endpoint)
/// as given.
fn model_arns(m: &model_id::ModelId, regions: &[String]) -> Vec<String> {
    let any = ["*".to_string()];
    let regions = if regions.is_empty() { &any[..] } else { regions };
    let foundation = |region: &str, id: &str| format!("arn:{}:bedrock:{region}::foundation-model/{id}", partition(region));
    match m.kind {
        model_id::Kind::Base if !m.model_id.starts_with("arn:") => match &m.region {
            Some(r) => vec![foundation(r, &m.model_id)],
            None => regions.iter().map(|r| foundation(r, &m.model_id)).collect(),
        },
        model_id::Kind::Base => vec![m.model_id.clone()],
        model_id::Kind::InferenceProfile => {
            let arn_id = m.model_id.strip_prefix("arn:").and_then(|_| m.model_id.split_once(":inference-profile/")).map(|(_, id)| id);
            let profile = arn_id.unwrap_or(&m.model_id);
            let Some(base) = model_id::strip_profile_prefix(profile) else {
                return vec![m.model_id.clone()]; // an application profile: its models are not in its ARN
            };
            let mut arns: Vec<String> = if m.model_id.starts_with("arn:") {
                vec![m.model_id.clone()]
            } else {
                regions.iter().map(|r| format!("arn:{}:bedrock:{r}:*:inference-profile/{profile}", partition(r))).collect()
            };
            let part = regions.first().map_or("aws", |r| partition(r));
            arns.push(format!("arn:{part}:bedrock:*::foundation-model/{base}"));
            if profile.starts_with("global.") {
                arns.push(format!("arn:{part}:bedrock:::foundation-model/{base}"));
            }
            arns
        }
        _ => vec![m.model_id.clone()],
    }
}

/// The partition of a region (`aws` for `*`).
fn partition(region: &str) -> &'static str {
    if region == "*" {
        "aws"
    } else {
        crate::endpoint::partition_of(region).name
    }
}

/// A third-party serverless model (sold through AWS Marketplace) or a Bedrock Marketplace endpoint.
fn is_marketplace(m: &model_id::ModelId) -> bool {
    if m.kind == model_id::Kind::Marketplace {
        return true;
    }
    let id = m.model_id.rsplit('/').next().unwrap_or(&m.model_id);
    let base = model_id::strip_profile_prefix(id).unwrap_or(id);
    matches!(m.kind, model_id::Kind::Base | model_id::Kind::InferenceProfile) && base.contains('.') && !base.starts_with("amazon.")
}

/// A 12-digit account becomes `arn:aws:iam::ACCOUNT:root`; IAM user/role/root ARNs pass.
fn principal_arn(p: &str) -> Result<String> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(format!("arn:aws:iam::{p}:root"));
    }
    let parts: Vec<&str> = p.splitn(6, ':').collect();
    let ok = match parts[..] {
        ["arn", partition, "iam", "", account, resource] => {
            PARTITION_NAMES.contains(&partition)
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && (resource == "root" || resource.starts_with("user/") || resource.starts_with("role/"))
        }
        _ => false,
    };
    if ok {
        return Ok(p.to_string());
    }
    Err(Error::config(
        "INVALID_PRINCIPAL",
        "platformPrincipal",
        format!("`{p}` is not an AWS account ID or IAM principal ARN"),
        "Use the platform's 12-digit account ID or its IAM user/role ARN (arn:aws:iam::111111111111:role/Platform).",
    ))
}

fn validate_action(a: &str) -> Result<()> {
    let ok = a.split_once(':').is_some_and(|(svc, name)| {
        !svc.is_empty()
            && svc.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*')
    });
    if ok {
        return Ok(());
    }
    Err(Error::config(
        "INVALID_ACTION",
        "actions",
        format!("`{a}` is not an IAM action"),
        "Write actions as service:Action, e.g. bedrock:InvokeModel.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> Input {
        Input { platform_principal: "arn:aws:iam::111111111111:role/Platform".into(), external_id: Some("platform-42".into()), actions: None, session_tags: false, models: None, regions: None }
    }

    #[test]
    fn exact_documents() {
        let p = build(input()).unwrap();
        assert_eq!(
            p.permissions,
            json!({"Version":"2012-10-17","Statement":[{"Sid":"BedrockConnect","Effect":"Allow","Action":[
                "bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream","bedrock:ListFoundationModels",
                "bedrock:GetInferenceProfile","bedrock:CallWithBearerToken","bedrock:ListInferenceProfiles","bedrock:CountTokens"],"Resource":"*"}]})
        );
        assert_eq!(
            p.trust,
            json!({"Version":"2012-10-17","Statement":[{"Sid":"PlatformAssumeRole","Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::111111111111:role/Platform"},"Action":["sts:AssumeRole"],
                "Condition":{"StringEquals":{"sts:ExternalId":"platform-42"}}}]})
        );
    }

    #[test]
    fn tags_account_ids_and_no_external_id() {
        let p = build(Input { platform_principal: "111111111111".into(), external_id: None, session_tags: true, actions: Some(vec!["bedrock:InvokeModel".into()]), models: None, regions: None }).unwrap();
        assert_eq!(
            p.trust,
            json!({"Version":"2012-10-17","Statement":[{"Sid":"PlatformAssumeRole","Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]})
        );
        assert_eq!(p.permissions["Statement"][0]["Action"], json!(["bedrock:InvokeModel"]));
    }

    fn scoped(models: &[&str], regions: &[&str]) -> Value {
        let models = Some(models.iter().map(|m| m.to_string()).collect());
        let regions = Some(regions.iter().map(|r| r.to_string()).collect());
        build(Input { models, regions, ..input() }).unwrap().permissions
    }

    /// IAM JSON as IAM reads it: Version, a Statement array, Sid/Effect/Action/Resource shapes,
    /// each Resource `*` or an ARN with six parts.
    pub(crate) fn assert_iam(doc: &Value) {
        assert_eq!(doc["Version"], "2012-10-17");
        let statements = doc["Statement"].as_array().unwrap();
        assert!(!statements.is_empty());
        let mut sids = std::collections::HashSet::new();
        for st in statements {
            assert!(st["Sid"].as_str().unwrap().bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(sids.insert(st["Sid"].as_str().unwrap()), "duplicate Sid");
            assert_eq!(st["Effect"], "Allow");
            for a in st["Action"].as_array().unwrap() {
                validate_action(a.as_str().unwrap()).unwrap();
            }
            let resources: Vec<&str> = match &st["Resource"] {
                Value::String(r) => vec![r.as_str()],
                Value::Array(rs) => rs.iter().map(|r| r.as_str().unwrap()).collect(),
                Value::Null => continue, // a trust statement: Principal instead
                other => panic!("Resource {other}"),
            };
            for r in resources {
                let parts: Vec<&str> = r.splitn(6, ':').collect();
                assert!(r == "*" || (parts.len() == 6 && parts[0] == "arn" && PARTITION_NAMES.contains(&parts[1]) && !parts[2].is_empty() && !parts[5].is_empty()), "{r}");
            }
        }
    }

    #[test]
    fn scoped_to_models() {
        let p = scoped(&["anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "global.anthropic.claude-sonnet-4-20250514-v1:0", "arn:aws:bedrock:us-east-1:222222222222:provisioned-model/abc123"], &["us-east-1", "us-west-2"]);
        assert_iam(&p);
        let st = p["Statement"].as_array().unwrap();
        assert_eq!(st[0]["Action"], json!(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:GetInferenceProfile", "bedrock:CountTokens"]));
        assert_eq!(
            st[0]["Resource"],
            json!([
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
                "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
                "arn:aws:bedrock:us-east-1:*:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
                "arn:aws:bedrock:us-west-2:*:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
                "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0",
                "arn:aws:bedrock:us-east-1:*:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0",
                "arn:aws:bedrock:us-west-2:*:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0",
                "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
                "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
                "arn:aws:bedrock:us-east-1:222222222222:provisioned-model/abc123",
            ])
        );
        assert_eq!(st[1], json!({"Sid": "BedrockConnectList", "Effect": "Allow", "Action": ["bedrock:ListFoundationModels", "bedrock:CallWithBearerToken", "bedrock:ListInferenceProfiles"], "Resource": "*"}));
        assert_eq!(st[2], json!({"Sid": "BedrockConnectMarketplace", "Effect": "Allow", "Action": ["aws-marketplace:ViewSubscriptions"], "Resource": "*"}));
        // Amazon's own models need no Marketplace statement; no regions means any region.
        let nova = scoped(&["amazon.nova-lite-v1:0"], &[]);
        assert_iam(&nova);
        assert_eq!(nova["Statement"][0]["Resource"], json!(["arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0"]));
        assert_eq!(nova["Statement"].as_array().unwrap().len(), 2);
        let market = scoped(&["arn:aws:sagemaker:us-east-1:222222222222:endpoint/my-endpoint"], &[]);
        assert_eq!(market["Statement"][0]["Resource"], json!(["arn:aws:sagemaker:us-east-1:222222222222:endpoint/my-endpoint"]));
        assert_eq!(market["Statement"][2]["Action"], json!(["aws-marketplace:ViewSubscriptions"]));
        assert_iam(&build(input()).unwrap().permissions);
        assert_iam(&build(input()).unwrap().trust);
    }

    #[test]
    fn scoping_refuses_what_is_not_a_model_or_region() {
        let e = build(Input { models: Some(vec!["not a model".into()]), ..input() }).err().unwrap();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_MODEL_ID", Some("models")));
        let e = build(Input { models: Some(vec!["amazon.nova-lite-v1:0".into()]), regions: Some(vec!["moon-1".into()]), ..input() }).err().unwrap();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_REGION", Some("regions")));
    }

    #[test]
    fn bad_input_names_the_field() {
        for (i, code, field) in [
            (Input { platform_principal: "platform".into(), ..input() }, "INVALID_PRINCIPAL", "platformPrincipal"),
            (Input { external_id: Some("x".into()), ..input() }, "INVALID_EXTERNAL_ID", "externalId"),
            (Input { actions: Some(vec!["InvokeModel".into()]), ..input() }, "INVALID_ACTION", "actions"),
        ] {
            let Err(e) = build(i) else { panic!("{code}") };
            assert_eq!((e.code.as_str(), e.field.as_deref()), (code, Some(field)));
        }
    }
}
