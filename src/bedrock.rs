//! Bedrock requests and answers: InvokeModel on the runtime (`bedrock-runtime`), and
//! ListFoundationModels on the control plane (`bedrock`); both are signed with the name `bedrock`.
//! Errors come from the `x-amzn-ErrorType` header and the JSON `message`, each with the setting
//! to fix and a hint. No I/O.

use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse};
use crate::model_id;
use crate::sign::percent_encode;

/// Signing name of both the runtime and the control plane.
pub const SIGNING_NAME: &str = "bedrock";

/// The options of one InvokeModel call (after validation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invoke {
    pub model_id: String,
    pub body: Vec<u8>,
    pub content_type: String,
    pub accept: String,
    pub guardrail_identifier: Option<String>,
    pub guardrail_version: Option<String>,
    pub trace: Option<String>,
    pub performance_config_latency: Option<String>,
    pub service_tier: Option<String>,
}

/// The unsigned InvokeModel request: `POST {runtime}/model/{modelId}/invoke`.
pub fn build_invoke(runtime_url: &str, inv: &Invoke) -> HttpRequest {
    let mut req = HttpRequest::new("POST", format!("{runtime_url}{}", model_id::path(&inv.model_id, "invoke")));
    req.set_header("content-type", &inv.content_type);
    req.set_header("accept", &inv.accept);
    req.set_header("x-amz-user-agent", crate::USER_AGENT);
    let optional = [
        ("x-amzn-bedrock-guardrailidentifier", &inv.guardrail_identifier),
        ("x-amzn-bedrock-guardrailversion", &inv.guardrail_version),
        ("x-amzn-bedrock-trace", &inv.trace),
        ("x-amzn-bedrock-performanceconfig-latency", &inv.performance_config_latency),
        ("x-amzn-bedrock-service-tier", &inv.service_tier),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            req.set_header(name, v);
        }
    }
    req.body = inv.body.clone();
    req
}

/// Filters of ListFoundationModels, by their AWS query names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilters {
    pub by_provider: Option<String>,
    pub by_customization_type: Option<String>,
    pub by_output_modality: Option<String>,
    pub by_inference_type: Option<String>,
}

impl ListFilters {
    /// AWS's enums for the filters, checked before anything is sent (errors name the JS option).
    pub fn validate(&self) -> Result<(), Error> {
        use crate::config::check_enum;
        let checks: [(&Option<String>, &[&str], &str); 3] = [
            (&self.by_customization_type, &["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"], "customizationType"),
            (&self.by_output_modality, &["TEXT", "IMAGE", "EMBEDDING"], "outputModality"),
            (&self.by_inference_type, &["ON_DEMAND", "PROVISIONED"], "inferenceType"),
        ];
        for (value, allowed, field) in checks {
            if let Some(v) = value {
                check_enum(v, allowed, field)?;
            }
        }
        Ok(())
    }
}

/// The unsigned ListFoundationModels request: `GET {control}/foundation-models?by…`.
pub fn build_list_foundation_models(control_url: &str, f: &ListFilters) -> HttpRequest {
    let params = [
        ("byCustomizationType", &f.by_customization_type),
        ("byInferenceType", &f.by_inference_type),
        ("byOutputModality", &f.by_output_modality),
        ("byProvider", &f.by_provider),
    ];
    let query: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", percent_encode(v))))
        .collect();
    let mut url = format!("{control_url}/foundation-models");
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let mut req = HttpRequest::new("GET", url);
    req.set_header("accept", "application/json");
    req.set_header("x-amz-user-agent", crate::USER_AGENT);
    req
}

/// The `modelSummaries` array of a ListFoundationModels answer.
pub fn parse_list_foundation_models(resp: &HttpResponse) -> Result<serde_json::Value, Error> {
    let body: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|_| malformed(resp, "its body is not JSON"))?;
    match body.get("modelSummaries") {
        Some(list @ serde_json::Value::Array(_)) => Ok(list.clone()),
        _ => Err(malformed(resp, "it has no modelSummaries array")),
    }
}

/// What InvokeModel's headers tell besides the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeMeta {
    pub request_id: Option<String>,
    /// (input, output) from `X-Amzn-Bedrock-Input-Token-Count` / `-Output-Token-Count`.
    pub usage: Option<(u64, u64)>,
    /// Prompt-cache (read, write) input tokens: the body's `usage`, else the cache headers.
    pub cache: (Option<u64>, Option<u64>),
    /// The model a prompt router chose (the body's `amazon-bedrock-trace.promptRouter.invokedModelId`).
    pub invoked_model_id: Option<String>,
    /// A guardrail's verdict on an InvokeModel call (`amazon-bedrock-guardrailAction`: `INTERVENED`
    /// when it blocked and the body carries its message, `NONE` when it let the call through).
    pub guardrail_action: Option<String>,
    pub server_latency_ms: Option<u64>,
}

pub fn parse_invoke_meta(resp: &HttpResponse) -> InvokeMeta {
    let num = |name: &str| resp.header(name).and_then(|v| v.trim().parse::<u64>().ok());
    let usage = match (num("x-amzn-bedrock-input-token-count"), num("x-amzn-bedrock-output-token-count")) {
        (Some(i), Some(o)) => Some((i, o)),
        _ => None,
    };
    InvokeMeta {
        request_id: request_id(resp),
        usage,
        cache: crate::mapping::cache_tokens(&resp.body, &resp.headers),
        invoked_model_id: invoked_model_id(&resp.body),
        guardrail_action: guardrail_action(&resp.body),
        server_latency_ms: num("x-amzn-bedrock-invocation-latency"),
    }
}

/// The model a prompt router sent the request to: InvokeModel's (and a stream chunk's)
/// `amazon-bedrock-trace.promptRouter.invokedModelId` (the InvokeModel reference documents no
/// header or field for it), Converse's `trace.promptRouter.invokedModelId`, or, in a list (a
/// streamed Test shows its chunks / events so), the last chunk's or the `metadata` event's.
pub fn invoked_model_id(body: &[u8]) -> Option<String> {
    if !body.windows(14).any(|w| w == b"invokedModelId") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let one = |v: &serde_json::Value| {
        ["/amazon-bedrock-trace/promptRouter/invokedModelId", "/trace/promptRouter/invokedModelId", "/metadata/trace/promptRouter/invokedModelId"]
            .iter()
            .find_map(|p| v.pointer(p)?.as_str().map(String::from))
    };
    one(&v).or_else(|| v.as_array()?.iter().rev().find_map(one))
}

/// The body's `amazon-bedrock-guardrailAction` (InvokeModel with a guardrail).
pub fn guardrail_action(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"amazon-bedrock-guardrailAction";
    if !body.windows(KEY.len()).any(|w| w == KEY) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("amazon-bedrock-guardrailAction").and_then(|a| a.as_str()).map(String::from)
}

fn request_id(resp: &HttpResponse) -> Option<String> {
    resp.header("x-amzn-requestid").or_else(|| resp.header("x-amz-request-id")).map(String::from)
}

fn malformed(resp: &HttpResponse, why: &str) -> Error {
    Error {
        status: Some(resp.status),
        request_id: request_id(resp),
        ..Error::network(
            "MALFORMED_RESPONSE",
            format!("Bedrock answered {} but {why}", resp.status),
            "Check that `endpoint` / `controlEndpoint` point at Bedrock.",
        )
    }
}

/// A runtime error answer → a typed error naming the setting to fix.
pub fn parse_error(resp: &HttpResponse) -> Error {
    parse_error_at(resp, "endpoint")
}

/// A control-plane error answer (ListFoundationModels, inference profiles).
pub fn parse_control_error(resp: &HttpResponse) -> Error {
    parse_error_at(resp, "controlEndpoint")
}

/// An AWS JSON error type as the AWS SDKs read it (`aws.protocol#Name:http://…,…` → `Name`),
/// kept to its leading identifier characters; `None` when nothing of it is left.
fn error_code(raw: &str) -> Option<String> {
    let raw = raw.split(',').next().unwrap_or(raw);
    let raw = raw.split(':').next().unwrap_or(raw);
    let name = if raw.contains('#') { raw.split('#').nth(1).unwrap_or_default() } else { raw }.trim();
    let end = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(name.len());
    let code = name.get(..end).unwrap_or_default();
    (!code.is_empty()).then(|| code.to_string())
}

/// A Bedrock error answer; `endpoint_field` is blamed when the answer is not AWS's (no error
/// code anywhere: a proxy's HTML page, an empty body) — then the code is `HTTP_<status>`.
fn parse_error_at(resp: &HttpResponse, endpoint_field: &str) -> Error {
    let json: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok().filter(serde_json::Value::is_object);
    // Some stand-ins and proxies (moto among them) answer with an AWS query-style XML error.
    let xml = if json.is_none() { crate::sts::xml_fields(&resp.body, &["Code", "Message"]) } else { Vec::new() };
    let xml_str = |k: &str| xml.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
    let json_str = |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(|v| v.as_str()).map(String::from).or_else(|| xml_str(k));
    let code = resp.header("x-amzn-errortype").and_then(error_code).or_else(|| json_str("__type").as_deref().and_then(error_code)).or_else(|| xml_str("Code"));
    let message = json_str("message").or_else(|| json_str("Message")).filter(|m| !m.trim().is_empty());
    let code = match (code, &message) {
        (Some(code), _) => code,
        // A JSON error with a message but no type (API Gateway style): the status's AWS code.
        (None, Some(_)) if json.is_some() => code_from_status(resp.status).to_string(),
        _ => return crate::http::not_aws(resp, "Bedrock", endpoint_field),
    };
    let message = message.unwrap_or_else(|| format!("Bedrock answered HTTP {} {code}", resp.status));
    let (field, hint) = hint_for(&code, &message);
    let e = Error {
        kind: ErrorKind::Aws,
        retryable: crate::retry::is_retryable(resp.status, &code),
        code,
        message,
        hint: hint.to_string(),
        field: field.map(String::from),
        status: Some(resp.status),
        request_id: request_id(resp),
    };
    if crate::clock::is_time_error(&e) {
        return crate::clock::uncorrectable(e);
    }
    e
}

fn code_from_status(status: u16) -> &'static str {
    match status {
        400 => "ValidationException",
        403 => "AccessDeniedException",
        404 => "ResourceNotFoundException",
        408 => "ModelTimeoutException",
        424 => "ModelErrorException",
        429 => "ThrottlingException",
        503 => "ServiceUnavailableException",
        _ => "InternalServerException",
    }
}

/// Refines an error of a call authenticated with a Bedrock API key: an unrecognized, expired or
/// refused token is the `bearerToken`'s fault.
pub fn for_bearer(mut e: Error) -> Error {
    let token_fault = matches!(e.code.as_str(), "UnrecognizedClientException" | "InvalidSignatureException" | "ExpiredTokenException" | "IncompleteSignatureException")
        || (e.code == "AccessDeniedException" && e.message.contains("CallWithBearerToken"));
    if token_fault {
        e.field = Some("bearerToken".into());
        e.hint = match e.code.as_str() {
            "ExpiredTokenException" => "The Bedrock API key has expired: mint a new one (mintApiKey) and pass it as bearerToken.".into(),
            "AccessDeniedException" => "The identity behind the Bedrock API key may not use API keys: allow it bedrock:CallWithBearerToken.".into(),
            _ => "Bedrock refused the API key: pass bearerToken exactly as minted (bedrock-api-key-…), for this client's region, and not revoked.".into(),
        };
    }
    e
}

/// The option at fault and a one-sentence hint for a Bedrock error (and, where AWS words it, its message).
fn hint_for(code: &str, message: &str) -> (Option<&'static str>, &'static str) {
    match code {
        "AccessDeniedException" if message.contains("don't have access to the model") || message.contains("do not have access to the model") => (
            Some("modelId"),
            "Model access is not granted: enable this model under Bedrock → Model access in the customer's account and this region.",
        ),
        "AccessDeniedException" if message.contains("aws-marketplace") => (
            Some("assumeRole.roleArn"),
            "This model is sold through AWS Marketplace: the role needs aws-marketplace:ViewSubscriptions and aws-marketplace:Subscribe, and the account must accept the offer once.",
        ),
        "AccessDeniedException" => (
            Some("assumeRole.roleArn"),
            "The role may not call this: give it bedrock:InvokeModel (and bedrock:ListFoundationModels) on this model, \
             and make sure model access is granted in the Bedrock console of this region.",
        ),
        "UnrecognizedClientException" | "InvalidClientTokenId" => (
            Some("credentials"),
            "Bedrock does not recognise the security token: the credentials are wrong or were revoked, or the session token \
             comes from the global STS endpoint and this region needs a regional one (set assumeRole.stsRegion).",
        ),
        "InvalidSignatureException" | "SignatureDoesNotMatch" if message.contains("correct service") => (
            Some("endpoint"),
            "The request was signed for another service: Bedrock's runtime and control plane both expect the signing name `bedrock`; check `endpoint`.",
        ),
        "InvalidSignatureException" | "SignatureDoesNotMatch" if message.contains("region") => (
            Some("region"),
            "The request was signed for another region than the endpoint's: set `region` to the endpoint's region.",
        ),
        "InvalidSignatureException" | "SignatureDoesNotMatch" => (
            Some("credentials"),
            "The signature was refused: check the secret key, and that `region` is the endpoint's region.",
        ),
        "ExpiredTokenException" => (
            Some("credentials"),
            "The temporary credentials expired: they are dropped and the role is assumed again.",
        ),
        "ValidationException" if message.contains("model identifier") => (
            Some("modelId"),
            "Bedrock does not know this model ID in this region: check modelId and region (some models need an inference profile such as us.…).",
        ),
        "ValidationException" if message.contains("on-demand throughput") => (
            Some("modelId"),
            "This model cannot be invoked on demand: use an inference profile (such as us.<model>) or a provisioned throughput ARN.",
        ),
        "ValidationException" if message.contains("counting tokens") || message.contains("CountTokens") => (
            Some("modelId"),
            "This model does not support CountTokens: count against one that does (Anthropic Claude 3.5 and later), \
             or read usage.inputTokens of a real call.",
        ),
        "ValidationException" if is_cache_refusal(message) => (
            Some("body"),
            "This model (or this request) does not support prompt caching: remove the cache points (cache_control / \
             cachePoint) or use a model that supports prompt caching.",
        ),
        "ValidationException" => (
            Some("body"),
            "Bedrock refused the request: check that the body matches the model family's request format, and the model ID.",
        ),
        "ResourceNotFoundException" => (
            Some("modelId"),
            "No such model or resource in this region: check modelId and region.",
        ),
        "ThrottlingException" => (None, "Too many requests for this account: it was retried with backoff; retry later or lower the request rate."),
        "ServiceQuotaExceededException" => (None, "The account's Bedrock quota is used up: retry later, or request a quota increase in Service Quotas."),
        "ModelNotReadyException" => (None, "The model is not ready yet: retry in a few seconds."),
        "ModelTimeoutException" => (Some("body"), "The model took too long: send a shorter prompt or fewer max tokens."),
        "ModelErrorException" => (Some("body"), "The model failed on this input: check the body against the model family's format."),
        "UnknownOperationException" => (
            Some("modelId"),
            "The endpoint did not recognise the path: an ARN model ID must be percent-encoded in the URL.",
        ),
        "ServiceUnavailableException" | "InternalServerException" => (None, "Bedrock failed to answer: it was retried with backoff; retry later."),
        _ => (None, "Bedrock failed to answer: retry later."),
    }
}

/// A refusal of the request's cache points (a model without prompt caching, or too many points).
fn is_cache_refusal(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("prompt caching") || m.contains("cachepoint") || m.contains("cache_control") || m.contains("cache point")
}

/// Refines an InvokeModel error with the model: a malformed body names the family's format.
pub fn diagnose(mut e: Error, model_id: &str) -> Error {
    let malformed = e.code == "ValidationException" && e.field.as_deref() == Some("body") && !is_cache_refusal(&e.message);
    if let (true, Some(family)) = (malformed, model_id::family_of(model_id)) {
        e.hint = format!(
            "Bedrock refused the body: {model_id} takes the `{family}` family's request format; check the body's fields and types against it."
        );
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, error_type: Option<&str>, body: &str) -> HttpResponse {
        let mut headers = vec![("x-amzn-requestid".to_string(), "req-1".to_string())];
        if let Some(t) = error_type {
            headers.push(("x-amzn-errortype".into(), t.into()));
        }
        HttpResponse { status, headers, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn invoke_request() {
        let inv = Invoke {
            model_id: "anthropic.claude-3-haiku-20240307-v1:0".into(),
            body: b"{}".to_vec(),
            content_type: "application/json".into(),
            accept: "application/json".into(),
            guardrail_identifier: Some("gr-1".into()),
            ..Invoke::default()
        };
        let req = build_invoke("https://bedrock-runtime.us-east-1.amazonaws.com", &inv);
        assert_eq!(req.method, "POST");
        assert_eq!(
            req.url,
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke"
        );
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("accept"), Some("application/json"));
        assert_eq!(req.header("x-amzn-bedrock-guardrailidentifier"), Some("gr-1"));
        assert_eq!(req.header("x-amz-user-agent"), Some(concat!("bedrock-connect/", env!("CARGO_PKG_VERSION"))));
        assert_eq!(req.body, b"{}");
    }

    #[test]
    fn the_canonical_request_double_encodes_the_model_id() {
        use crate::sign::{sign, Credentials, Scope, Settings};
        let inv = Invoke {
            model_id: "anthropic.claude-3-haiku-20240307-v1:0".into(),
            body: b"{}".to_vec(),
            content_type: "application/json".into(),
            accept: "application/json".into(),
            ..Invoke::default()
        };
        let mut req = build_invoke("https://bedrock-runtime.us-east-1.amazonaws.com", &inv);
        let creds = Credentials { access_key_id: "AKID".into(), secret_access_key: "S".into(), session_token: None, expiration_ms: None };
        let scope = Scope { region: "us-east-1", service: SIGNING_NAME, time_ms: 0 };
        sign(&mut req, &creds, scope, &Settings::default()).unwrap();
        // The value @smithy/signature-v4 (the AWS SDK's signer, uriEscapePath on) gives for the
        // same request: its canonical URI is /model/anthropic.claude-3-haiku-20240307-v1%253A0/invoke.
        assert_eq!(
            req.header("authorization").unwrap(),
            "AWS4-HMAC-SHA256 Credential=AKID/19700101/us-east-1/bedrock/aws4_request, \
             SignedHeaders=accept;content-type;host;x-amz-date;x-amz-user-agent, \
             Signature=e77f641adb7c0b026d10df88e01c0502c1d78fe0a7094df16de26adb068b3f25"
        );
    }

    #[test]
    fn list_request_has_only_given_filters() {
        let f = ListFilters { by_provider: Some("Anthropic".into()), by_output_modality: Some("TEXT".into()), ..ListFilters::default() };
        let req = build_list_foundation_models("https://bedrock.us-east-1.amazonaws.com", &f);
        assert_eq!(req.method, "GET");
        assert_eq!(req.url, "https://bedrock.us-east-1.amazonaws.com/foundation-models?byOutputModality=TEXT&byProvider=Anthropic");
        let req = build_list_foundation_models("https://bedrock.us-east-1.amazonaws.com", &ListFilters::default());
        assert_eq!(req.url, "https://bedrock.us-east-1.amazonaws.com/foundation-models");
    }

    #[test]
    fn list_filters_are_checked_before_sending() {
        let f = ListFilters { by_inference_type: Some("BOGUS".into()), ..ListFilters::default() };
        let e = f.validate().unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_OPTION", Some("inferenceType")));
        assert!(ListFilters { by_output_modality: Some("TEXT".into()), ..ListFilters::default() }.validate().is_ok());
    }

    #[test]
    fn list_answer() {
        let r = resp(200, None, r#"{"modelSummaries":[{"modelId":"a.b"}]}"#);
        assert_eq!(parse_list_foundation_models(&r).unwrap(), serde_json::json!([{"modelId":"a.b"}]));
        assert_eq!(parse_list_foundation_models(&resp(200, None, "<html>")).unwrap_err().code, "MALFORMED_RESPONSE");
    }

    #[test]
    fn token_counts_from_headers() {
        let mut r = resp(200, None, "{}");
        r.headers.push(("x-amzn-bedrock-input-token-count".into(), "12".into()));
        r.headers.push(("x-amzn-bedrock-output-token-count".into(), "34".into()));
        r.headers.push(("x-amzn-bedrock-invocation-latency".into(), "567".into()));
        let meta = parse_invoke_meta(&r);
        assert_eq!(meta, InvokeMeta { request_id: Some("req-1".into()), usage: Some((12, 34)), cache: (None, None), invoked_model_id: None, guardrail_action: None, server_latency_ms: Some(567) });
        assert_eq!(guardrail_action(br#"{"content":[],"amazon-bedrock-guardrailAction":"INTERVENED"}"#).as_deref(), Some("INTERVENED"));
        assert_eq!(guardrail_action(br#"{"x":{"amazon-bedrock-guardrailAction":"NONE"}}"#), None);
        let routed = br#"{"content":[],"amazon-bedrock-trace":{"promptRouter":{"invokedModelId":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"}}}"#;
        assert_eq!(invoked_model_id(routed).as_deref(), Some("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"));
        assert_eq!(invoked_model_id(br#"{"invokedModelId":"x"}"#), None);
        let shown = |b: &str| invoked_model_id(b.as_bytes());
        assert_eq!(shown(&String::from_utf8_lossy(routed)).as_deref(), Some("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"));
        assert_eq!(shown(r#"{"output":{},"trace":{"promptRouter":{"invokedModelId":"c"}}}"#).as_deref(), Some("c"));
        assert_eq!(shown(r#"[{"a":1},{"amazon-bedrock-trace":{"promptRouter":{"invokedModelId":"s"}}}]"#).as_deref(), Some("s"));
        assert_eq!(shown(r#"[{"messageStart":{}},{"metadata":{"trace":{"promptRouter":{"invokedModelId":"m"}}}}]"#).as_deref(), Some("m"));
        assert_eq!(shown(r#"[{"invokedModelId":"x"}]"#), None);
        assert_eq!(parse_invoke_meta(&resp(200, None, "{}")).usage, None);
    }

    #[test]
    fn error_type_header_suffix_is_stripped() {
        let e = parse_error(&resp(
            403,
            Some("AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
            r#"{"message":"User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: bedrock:InvokeModel"}"#,
        ));
        assert_eq!(e.code, "AccessDeniedException");
        assert_eq!(e.message, "User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: bedrock:InvokeModel");
        assert_eq!(e.field.as_deref(), Some("assumeRole.roleArn"));
        assert_eq!(e.status, Some(403));
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert!(e.hint.contains("bedrock:InvokeModel") && e.hint.contains("model access"));
        assert!(!e.retryable);
    }

    #[test]
    fn hints_per_code() {
        let cases = [
            (400, "ValidationException", "The provided model identifier is invalid.", Some("modelId"), false),
            (400, "ValidationException", "Malformed input request: #: required key [messages] not found", Some("body"), false),
            (404, "ResourceNotFoundException", "Model not found", Some("modelId"), false),
            (429, "ThrottlingException", "Too many requests", None, true),
            (500, "InternalServerException", "x", None, true),
            (403, "ExpiredTokenException", "The security token included in the request is expired", Some("credentials"), false),
        ];
        for (status, code, msg, field, retryable) in cases {
            let e = parse_error(&resp(status, Some(code), &format!(r#"{{"Message":"{msg}"}}"#)));
            assert_eq!((e.code.as_str(), e.message.as_str(), e.field.as_deref(), e.retryable), (code, msg, field, retryable));
        }
    }

    #[test]
    fn query_style_xml_errors_are_understood() {
        let xml = "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></Errors></ErrorResponse>";
        let e = parse_error(&resp(403, None, xml));
        assert_eq!((e.code.as_str(), e.message.as_str()), ("SignatureDoesNotMatch", "The request signature we calculated does not match"));
    }

    #[test]
    fn catalogue_by_message() {
        let cases = [
            ("AccessDeniedException", "You don't have access to the model with the specified model ID.", Some("modelId"), "Model access"),
            ("AccessDeniedException", "User is not authorized to perform: aws-marketplace:ViewSubscriptions", Some("assumeRole.roleArn"), "aws-marketplace:Subscribe"),
            ("UnrecognizedClientException", "The security token included in the request is invalid.", Some("credentials"), "regional"),
            ("InvalidSignatureException", "Credential should be scoped to correct service: 'bedrock'. ", Some("endpoint"), "`bedrock`"),
            ("InvalidSignatureException", "Credential should be scoped to a valid region. ", Some("region"), "region"),
            ("ServiceQuotaExceededException", "quota", None, "Service Quotas"),
            ("ModelNotReadyException", "not ready", None, "retry"),
            ("UnknownOperationException", "", Some("modelId"), "percent-encoded"),
            ("ValidationException", "The provided model doesn't support counting tokens.", Some("modelId"), "CountTokens"),
            (
                "ValidationException",
                "You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information.",
                Some("body"),
                "cachePoint",
            ),
        ];
        for (code, msg, field, words) in cases {
            let e = parse_error(&resp(400, Some(code), &format!(r#"{{"message":"{msg}"}}"#)));
            assert_eq!((e.code.as_str(), e.field.as_deref()), (code, field), "{msg}");
            assert!(e.hint.contains(words), "{}", e.hint);
        }
    }

    #[test]
    fn malformed_body_names_the_family() {
        let e = diagnose(parse_error(&resp(400, Some("ValidationException"), r#"{"message":"Malformed input request"}"#)), "us.anthropic.claude-3-haiku-20240307-v1:0");
        assert_eq!(e.hint, "Bedrock refused the body: us.anthropic.claude-3-haiku-20240307-v1:0 takes the `anthropic` family's request format; check the body's fields and types against it.");
        let cache = r#"{"message":"You invoked an unsupported model or your request did not allow prompt caching."}"#;
        let e = diagnose(parse_error(&resp(400, Some("ValidationException"), cache)), "amazon.titan-text-express-v1");
        assert!(e.hint.contains("prompt caching"), "the cache hint is kept: {}", e.hint);
    }

    #[test]
    fn errors_without_an_aws_code_are_http_status_codes() {
        let e = parse_error(&resp(503, None, "Service Unavailable"));
        assert_eq!((e.code.as_str(), e.field.as_deref(), e.retryable), ("HTTP_503", Some("endpoint"), true));
        assert!(e.message.contains("not an AWS answer"), "{}", e.message);
        let mut html = resp(502, None, "<html><body>Bad Gateway</body></html>");
        html.headers.push(("content-type".into(), "text/html; charset=utf-8".into()));
        let e = parse_control_error(&html);
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("HTTP_502", Some("controlEndpoint")));
        assert_eq!(e.message, "Bedrock endpoint answered HTTP 502 with a text/html body: not an AWS answer");
        assert!(e.hint.contains("proxy"));
        assert_eq!(parse_error(&resp(403, None, "")).code, "HTTP_403");
        assert_eq!(parse_error(&resp(400, Some(""), r#"{"__type":""}"#)).code, "HTTP_400", "empty codes never pass");
        assert_eq!(parse_error(&resp(503, Some("com.amazon#ValidationException&#"), "{}")).code, "ValidationException");
        assert_eq!(parse_error(&resp(400, Some("#&"), r#"{"__type":"x#ThrottlingException:http://internal"}"#)).code, "ThrottlingException");
        let e = parse_error(&resp(400, None, r#"{"message":"bad"}"#));
        assert_eq!(e.code, "ValidationException");
    }

    #[test]
    fn bearer_token_errors_name_the_token() {
        let e = for_bearer(parse_error(&resp(403, Some("UnrecognizedClientException"), r#"{"message":"Invalid API Key format"}"#)));
        assert_eq!(e.field.as_deref(), Some("bearerToken"));
        assert!(e.hint.contains("API key") && !e.hint.contains("STS"));
        let e = for_bearer(parse_error(&resp(403, Some("ExpiredTokenException"), r#"{"message":"expired"}"#)));
        assert!(e.hint.contains("mintApiKey"));
    }

    #[test]
    fn signature_time_errors_blame_the_clock() {
        for m in ["Signature expired: 20251125T070000Z is now earlier than 20251125T071000Z", "Signature not yet current: 20251125T072000Z is still later than 20251125T070500Z (20251125T070000Z + 5 min.)"] {
            let e = parse_error(&resp(403, Some("InvalidSignatureException"), &format!(r#"{{"message":"{m}"}}"#)));
            assert_eq!(e.field.as_deref(), Some("now"), "{m}");
            assert!(e.hint.contains("clock") && !e.hint.contains("secret"), "{}", e.hint);
        }
    }
}
