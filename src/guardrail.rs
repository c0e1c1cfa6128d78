//! ApplyGuardrail (`POST /guardrail/{id}/version/{version}/apply` on the runtime endpoint): the
//! options checked against AWS's patterns and enums, the request, and the answer. No I/O.

use serde_json::{json, Value};

use crate::config::check_enum;
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::sign::percent_encode;

/// One ApplyGuardrail call, as given.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyGuardrail {
    pub identifier: String,
    pub version: String,
    pub source: String,
    /// `GuardrailContentBlock`s (`{ text: { text, qualifiers? } }`, `{ image: … }`), passed as given.
    pub content: Value,
    pub output_scope: Option<String>,
}

const SOURCES: &[&str] = &["INPUT", "OUTPUT"];
const SCOPES: &[&str] = &["INTERVENTIONS", "FULL"];

impl ApplyGuardrail {
    /// AWS's constraints, checked before anything is sent; errors name the option.
    pub fn validate(&self) -> Result<()> {
        if !is_identifier(&self.identifier) {
            return Err(Error::config(
                "INVALID_OPTION",
                "guardrailIdentifier",
                format!("`{}` is not a guardrail ID or guardrail ARN", self.identifier),
                "Use the guardrail's ID (lower-case letters and digits) or its ARN (arn:aws:bedrock:REGION:ACCOUNT:guardrail/ID).",
            ));
        }
        if !is_version(&self.version) {
            return Err(Error::config(
                "INVALID_OPTION",
                "guardrailVersion",
                format!("`{}` is not a guardrail version", self.version),
                "Use a version number (1, 2, …) or DRAFT.",
            ));
        }
        check_enum(&self.source, SOURCES, "source")?;
        if let Some(scope) = &self.output_scope {
            check_enum(scope, SCOPES, "outputScope")?;
        }
        match &self.content {
            Value::Array(blocks) if !blocks.is_empty() && blocks.iter().all(Value::is_object) => Ok(()),
            _ => Err(Error::type_error("content", "a non-empty array of guardrail content blocks ({ text: { text } })")),
        }
    }
}

/// `[a-z0-9]+`, or `arn:aws(-…)?:bedrock:REGION:ACCOUNT:guardrail/[a-z0-9]+`.
fn is_identifier(id: &str) -> bool {
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if plain(id) {
        return true;
    }
    let parts: Vec<&str> = id.splitn(6, ':').collect();
    match parts[..] {
        ["arn", partition, "bedrock", region, account, resource] => {
            (partition == "aws" || partition.starts_with("aws-"))
                && !region.is_empty()
                && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.strip_prefix("guardrail/").is_some_and(plain)
        }
        _ => false,
    }
}

/// `DRAFT` or 1–99999999 without a leading zero.
fn is_version(v: &str) -> bool {
    v == "DRAFT" || (!v.is_empty() && v.len() <= 8 && !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit()))
}

/// The request; `runtime_url` is the runtime endpoint's base URL.
pub fn build(runtime_url: &str, call: &ApplyGuardrail) -> HttpRequest {
    let path = format!("/guardrail/{}/version/{}/apply", percent_encode(&call.identifier), percent_encode(&call.version));
    let mut req = HttpRequest::new("POST", format!("{runtime_url}{path}"));
    req.set_header("content-type", "application/json");
    req.set_header("accept", "application/json");
    req.set_header("x-amz-user-agent", crate::USER_AGENT);
    let mut body = json!({ "source": call.source, "content": call.content });
    if let (Some(scope), Some(o)) = (&call.output_scope, body.as_object_mut()) {
        o.insert("outputScope".into(), Value::String(scope.clone()));
    }
    req.body = body.to_string().into_bytes();
    req
}

/// Refines a Bedrock error of ApplyGuardrail: a missing guardrail or version is the identifier's
/// (or version's) fault, not the model's.
pub fn diagnose(mut e: Error) -> Error {
    if e.code == "ResourceNotFoundException" {
        e.field = Some("guardrailIdentifier".into());
        e.hint = "No such guardrail (or version) in this region: check guardrailIdentifier, guardrailVersion and region.".into();
    } else if e.code == "AccessDeniedException" {
        e.hint = "The role may not apply this guardrail: give it bedrock:ApplyGuardrail on the guardrail's ARN.".into();
    }
    e
}

/// AWS's answer as it is (`action`, `actionReason`, `outputs`, `assessments`, `usage`, …).
pub fn parse(resp: &HttpResponse) -> Result<Value> {
    let body: Option<Value> = serde_json::from_slice(&resp.body).ok();
    match body {
        Some(v) if v.get("action").is_some_and(Value::is_string) => Ok(v),
        _ => Err(Error {
            status: Some(resp.status),
            request_id: resp.header("x-amzn-requestid").map(String::from),
            ..Error::network(
                "MALFORMED_RESPONSE",
                format!("Bedrock answered {} but it has no guardrail action", resp.status),
                "Check that `endpoint` points at Bedrock.",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> ApplyGuardrail {
        ApplyGuardrail {
            identifier: "gr1abc".into(),
            version: "1".into(),
            source: "INPUT".into(),
            content: json!([{"text": {"text": "hello"}}]),
            output_scope: None,
        }
    }

    #[test]
    fn valid_calls_and_their_wire() {
        assert!(call().validate().is_ok());
        let arn = ApplyGuardrail { identifier: "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1abc".into(), version: "DRAFT".into(), ..call() };
        assert!(arn.validate().is_ok());
        let r = build("https://rt", &arn);
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://rt/guardrail/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aguardrail%2Fgr1abc/version/DRAFT/apply");
        assert_eq!(serde_json::from_slice::<Value>(&r.body).unwrap(), json!({"source": "INPUT", "content": [{"text": {"text": "hello"}}]}));
        let full = ApplyGuardrail { output_scope: Some("FULL".into()), ..call() };
        assert_eq!(serde_json::from_slice::<Value>(&build("https://rt", &full).body).unwrap()["outputScope"], "FULL");
    }

    #[test]
    fn bad_options_name_the_field() {
        let field = |c: ApplyGuardrail| c.validate().unwrap_err().field;
        assert_eq!(field(ApplyGuardrail { identifier: "GR-1".into(), ..call() }).as_deref(), Some("guardrailIdentifier"));
        assert_eq!(field(ApplyGuardrail { identifier: "arn:aws:bedrock:us-east-1:1:guardrail/x".into(), ..call() }).as_deref(), Some("guardrailIdentifier"));
        assert_eq!(field(ApplyGuardrail { version: "01".into(), ..call() }).as_deref(), Some("guardrailVersion"));
        assert_eq!(field(ApplyGuardrail { version: "draft".into(), ..call() }).as_deref(), Some("guardrailVersion"));
        let e = ApplyGuardrail { source: "INPTU".into(), ..call() }.validate().unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_OPTION", Some("source")));
        assert!(e.hint.contains("INPUT"), "{}", e.hint);
        assert_eq!(field(ApplyGuardrail { output_scope: Some("ALL".into()), ..call() }).as_deref(), Some("outputScope"));
        assert_eq!(field(ApplyGuardrail { content: json!([]), ..call() }).as_deref(), Some("content"));
        assert_eq!(field(ApplyGuardrail { content: json!("hello"), ..call() }).as_deref(), Some("content"));
    }

    #[test]
    fn missing_guardrails_blame_the_identifier() {
        let e = Error { kind: crate::error::ErrorKind::Aws, ..Error::config("ResourceNotFoundException", "modelId", "gone", "") };
        let e = diagnose(e);
        assert_eq!(e.field.as_deref(), Some("guardrailIdentifier"));
        assert!(e.hint.contains("guardrailVersion"), "{}", e.hint);
    }

    #[test]
    fn answers() {
        let ok = HttpResponse { status: 200, headers: vec![], body: br#"{"action":"NONE","outputs":[],"assessments":[]}"#.to_vec() };
        assert_eq!(parse(&ok).unwrap()["action"], "NONE");
        let bad = HttpResponse { status: 200, headers: vec![], body: b"[]".to_vec() };
        assert_eq!(parse(&bad).unwrap_err().code, "MALFORMED_RESPONSE");
    }
}
