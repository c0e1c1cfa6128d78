//! The two IAM documents a customer creates for the platform: the role's permissions policy and
//! its trust policy (the platform's principal may `sts:AssumeRole`, plus `sts:TagSession` when
//! session tags are used, under an `sts:ExternalId` condition when one is set). Pure JSON.

use serde_json::{json, Value};

use crate::endpoint::PARTITION_NAMES;
use crate::error::{Error, Result};
use crate::sts::validate_external_id;

/// What the role needs for everything bedrock-connect does.
pub const DEFAULT_ACTIONS: &[&str] = &[
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "bedrock:ListFoundationModels",
    "bedrock:GetInferenceProfile",
    "bedrock:CallWithBearerToken",
    "bedrock:CountTokens",
];

pub struct Input {
    pub platform_principal: String,
    pub external_id: Option<String>,
    pub actions: Option<Vec<String>>,
    pub session_tags: bool,
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
    let permissions = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Sid": "BedrockConnect", "Effect": "Allow", "Action": actions, "Resource": "*" }],
    });
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
        Input { platform_principal: "arn:aws:iam::111111111111:role/Platform".into(), external_id: Some("platform-42".into()), actions: None, session_tags: false }
    }

    #[test]
    fn exact_documents() {
        let p = build(input()).unwrap();
        assert_eq!(
            p.permissions,
            json!({"Version":"2012-10-17","Statement":[{"Sid":"BedrockConnect","Effect":"Allow","Action":[
                "bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream","bedrock:ListFoundationModels",
                "bedrock:GetInferenceProfile","bedrock:CallWithBearerToken","bedrock:CountTokens"],"Resource":"*"}]})
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
        let p = build(Input { platform_principal: "111111111111".into(), external_id: None, session_tags: true, actions: Some(vec!["bedrock:InvokeModel".into()]) }).unwrap();
        assert_eq!(
            p.trust,
            json!({"Version":"2012-10-17","Statement":[{"Sid":"PlatformAssumeRole","Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]})
        );
        assert_eq!(p.permissions["Statement"][0]["Action"], json!(["bedrock:InvokeModel"]));
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
