//! CountTokens (`POST /model/{modelId}/count-tokens`): the base model it may count against, the
//! request (`input.invokeModel.body` as base64, or `input.converse`), and the answer. No I/O.

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::model_id::{self, Kind, ModelId};

/// What is counted: an InvokeModel body, or Converse's `messages` / `system`.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    InvokeModel(Vec<u8>),
    Converse { messages: Value, system: Option<Value> },
}

/// The base model ID CountTokens is sent to: a base ID as is, a system inference profile
/// (`us.…`, or its ARN) as its base model, an application profile as the model GetInferenceProfile
/// named (`underlying`, see `profile::needs_lookup`); anything else (provisioned, custom,
/// Marketplace, prompt routers, a profile with no foundation model) is a `ConfigError` on `modelId`.
pub fn base_model(parsed: &ModelId, underlying: Option<&str>) -> Result<String> {
    let system_profile = |id: &str| {
        let id = id.rsplit_once(":inference-profile/").map_or(id, |(_, rest)| rest);
        model_id::strip_profile_prefix(id).map(String::from)
    };
    match parsed.kind {
        Kind::Base => Ok(parsed.model_id.clone()),
        Kind::InferenceProfile => underlying.map(String::from).or_else(|| system_profile(&parsed.model_id)).ok_or_else(|| unmappable(&parsed.model_id)),
        _ => Err(unmappable(&parsed.model_id)),
    }
}

fn unmappable(model_id: &str) -> Error {
    Error::config(
        "COUNT_TOKENS_BASE_MODEL",
        "modelId",
        format!("CountTokens counts against a base model, and `{model_id}` does not name one"),
        "Pass the base model ID (e.g. anthropic.claude-3-5-haiku-20241022-v1:0) or a system inference profile \
         (us.…) or an application profile of one.",
    )
}

/// The input from the call's options: `body` (InvokeModel) or `messages` (+ `system`), not both.
pub fn input(body: Option<Vec<u8>>, messages: Option<Value>, system: Option<Value>) -> Result<Input> {
    match (body, messages) {
        (Some(_), Some(_)) => Err(Error::config(
            "CONFIG_CONFLICT",
            "body",
            "countTokens takes either body (an InvokeModel body) or messages (Converse), not both",
            "Pass body to count an InvokeModel request, or messages and system to count a Converse one.",
        )),
        (Some(body), None) if system.is_none() => Ok(Input::InvokeModel(body)),
        (Some(_), None) => Err(Error::config(
            "CONFIG_CONFLICT",
            "system",
            "system goes with messages (Converse), not with an InvokeModel body",
            "Put the system prompt inside body, or pass messages and system.",
        )),
        (None, Some(messages @ Value::Array(_))) => match system {
            None | Some(Value::Array(_)) => Ok(Input::Converse { messages, system }),
            Some(_) => Err(Error::type_error("system", "an array of Converse system blocks")),
        },
        (None, Some(_)) => Err(Error::type_error("messages", "an array of Converse messages")),
        (None, None) => Err(Error::missing("body")),
    }
}

/// The request; `runtime_url` is the runtime endpoint's base URL.
pub fn build(runtime_url: &str, model_id: &str, input: &Input) -> HttpRequest {
    let input = match input {
        Input::InvokeModel(body) => json!({ "invokeModel": { "body": base64_simd::STANDARD.encode_to_string(body) } }),
        Input::Converse { messages, system } => {
            let mut converse = Map::new();
            converse.insert("messages".into(), messages.clone());
            if let Some(s) = system {
                converse.insert("system".into(), s.clone());
            }
            json!({ "converse": converse })
        }
    };
    let mut req = HttpRequest::new("POST", format!("{runtime_url}{}", model_id::path(model_id, "count-tokens")));
    req.set_header("content-type", "application/json");
    req.set_header("accept", "application/json");
    req.set_header("x-amz-user-agent", crate::USER_AGENT);
    req.body = json!({ "input": input }).to_string().into_bytes();
    req
}

/// `{ "inputTokens": N }` → N.
pub fn parse(resp: &HttpResponse) -> Result<u64> {
    let body: Option<Value> = serde_json::from_slice(&resp.body).ok();
    body.as_ref().and_then(|b| b.get("inputTokens")).and_then(Value::as_u64).ok_or_else(|| Error {
        status: Some(resp.status),
        request_id: resp.header("x-amzn-requestid").map(String::from),
        ..Error::network(
            "MALFORMED_RESPONSE",
            format!("Bedrock answered {} but it has no inputTokens", resp.status),
            "Check that `endpoint` points at Bedrock.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(id: &str) -> ModelId {
        model_id::parse(id, model_id::Context::default()).unwrap()
    }

    #[test]
    fn base_models_and_system_profiles_map() {
        assert_eq!(base_model(&parsed("anthropic.claude-3-5-haiku-20241022-v1:0"), None).unwrap(), "anthropic.claude-3-5-haiku-20241022-v1:0");
        assert_eq!(base_model(&parsed("us.anthropic.claude-3-5-haiku-20241022-v1:0"), None).unwrap(), "anthropic.claude-3-5-haiku-20241022-v1:0");
        assert_eq!(base_model(&parsed("global.anthropic.claude-sonnet-4-20250514-v1:0"), None).unwrap(), "anthropic.claude-sonnet-4-20250514-v1:0");
        let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-lite-v1:0";
        assert_eq!(base_model(&parsed(arn), None).unwrap(), "amazon.nova-lite-v1:0");
        let fm = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0";
        assert_eq!(base_model(&parsed(fm), None).unwrap(), "amazon.nova-lite-v1:0");
    }

    #[test]
    fn anything_else_is_a_config_error_on_model_id() {
        for id in [
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc",
            "arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint",
            "arn:aws:bedrock:us-east-1:123456789012:imported-model/xyz",
            "arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1",
        ] {
            let e = base_model(&parsed(id), None).unwrap_err();
            assert_eq!((e.code.as_str(), e.field.as_deref()), ("COUNT_TOKENS_BASE_MODEL", Some("modelId")), "{id}");
            assert!(e.message.contains(id), "{}", e.message);
        }
    }

    #[test]
    fn an_application_profile_counts_against_the_model_get_inference_profile_names() {
        let app = parsed("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123");
        assert_eq!(base_model(&app, Some("anthropic.claude-3-5-haiku-20241022-v1:0")).unwrap(), "anthropic.claude-3-5-haiku-20241022-v1:0");
        assert_eq!(base_model(&app, None).unwrap_err().field.as_deref(), Some("modelId"));
    }

    #[test]
    fn requests_on_the_wire() {
        let r = build("https://rt", "anthropic.x-v1:0", &Input::InvokeModel(b"{\"a\":1}".to_vec()));
        assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "https://rt/model/anthropic.x-v1%3A0/count-tokens"));
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body, json!({"input": {"invokeModel": {"body": "eyJhIjoxfQ=="}}}));
        let messages = json!([{"role": "user", "content": [{"text": "hi"}]}]);
        let r = build("https://rt", "m.x", &Input::Converse { messages: messages.clone(), system: None });
        assert_eq!(serde_json::from_slice::<Value>(&r.body).unwrap(), json!({"input": {"converse": {"messages": messages}}}));
        let system = json!([{"text": "be brief"}]);
        let r = build("https://rt", "m.x", &Input::Converse { messages: messages.clone(), system: Some(system.clone()) });
        assert_eq!(serde_json::from_slice::<Value>(&r.body).unwrap()["input"]["converse"]["system"], system);
    }

    #[test]
    fn input_is_body_or_messages() {
        assert_eq!(input(Some(b"{}".to_vec()), None, None).unwrap(), Input::InvokeModel(b"{}".to_vec()));
        assert!(matches!(input(None, Some(json!([])), Some(json!([{"text": "s"}]))).unwrap(), Input::Converse { system: Some(_), .. }));
        let field = |r: Result<Input>| r.unwrap_err().field;
        assert_eq!(field(input(Some(vec![]), Some(json!([])), None)).as_deref(), Some("body"));
        assert_eq!(field(input(Some(vec![]), None, Some(json!([])))).as_deref(), Some("system"));
        assert_eq!(field(input(None, Some(json!({})), None)).as_deref(), Some("messages"));
        assert_eq!(field(input(None, Some(json!([])), Some(json!("s")))).as_deref(), Some("system"));
        assert_eq!(field(input(None, None, None)).as_deref(), Some("body"));
    }

    #[test]
    fn answers() {
        let ok = HttpResponse { status: 200, headers: vec![], body: br#"{"inputTokens": 42}"#.to_vec() };
        assert_eq!(parse(&ok).unwrap(), 42);
        let bad = HttpResponse { status: 200, headers: vec![], body: b"{}".to_vec() };
        assert_eq!(parse(&bad).unwrap_err().code, "MALFORMED_RESPONSE");
    }
}
