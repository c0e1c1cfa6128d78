//! The per-call options every operation shares, in one place: read once, validated before any
//! request, and applied where AWS defines them — as `X-Amzn-Bedrock-*` headers on InvokeModel-style
//! calls (invoke, invokeStream, test) and as top-level fields (`guardrailConfig`,
//! `performanceConfig`, `serviceTier: { type }`) on Converse calls. A new option is added here.

use serde_json::{Map, Value};

use crate::config::check_enum;
use crate::error::{Error, Result};
use crate::http::HttpRequest;

/// The operations of `BedrockClient`, by their JS names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Invoke,
    InvokeStream,
    Converse,
    ConverseStream,
    Test,
    ListFoundationModels,
    MintApiKey,
    ResolveModel,
    CheckRole,
    CountTokens,
    ApplyGuardrail,
}

/// Options every call takes.
const COMMON: &[&str] = &["signal", "timeoutMs"];
/// Options of model calls.
const MODEL: &[&str] = &[
    "modelId",
    "inferenceProfile",
    "guardrailIdentifier",
    "guardrailVersion",
    "trace",
    "performanceConfigLatency",
    "serviceTier",
];
/// The Converse request fields passed through (AWS names).
pub const CONVERSE_FIELDS: &[&str] = &[
    "messages",
    "system",
    "inferenceConfig",
    "toolConfig",
    "guardrailConfig",
    "additionalModelRequestFields",
    "additionalModelResponseFieldPaths",
    "promptVariables",
    "requestMetadata",
    "performanceConfig",
];

impl Operation {
    /// Every option key this operation accepts (unknown keys are a `CONFIG_UNKNOWN_OPTION`).
    pub fn known_keys(self) -> Vec<&'static str> {
        let own: &[&str] = match self {
            Operation::Invoke => &["body", "contentType", "accept"],
            Operation::InvokeStream => &["body", "contentType", "accept", "delta", "idleTimeoutMs"],
            Operation::Converse | Operation::ConverseStream => CONVERSE_FIELDS,
            Operation::Test => &["api", "template", "variables", "mapping", "stream", "onDelta", "idleTimeoutMs"],
            Operation::ListFoundationModels => &["provider", "customizationType", "outputModality", "inferenceType"],
            Operation::MintApiKey => &["expiresIn"],
            Operation::ResolveModel | Operation::CheckRole => &[],
            Operation::CountTokens => &["modelId", "body", "messages", "system"],
            Operation::ApplyGuardrail => &["guardrailIdentifier", "guardrailVersion", "source", "content", "outputScope"],
        };
        let model: &[&str] = if self.is_model_call() { MODEL } else { &[] };
        let converse: &[&str] = if self.is_converse() { &["idleTimeoutMs"] } else { &[] };
        COMMON.iter().chain(model).chain(own).chain(converse).copied().collect()
    }

    /// Calls that run a model (their default per-attempt timeout is the long one).
    pub fn is_model_call(self) -> bool {
        !matches!(
            self,
            Operation::ListFoundationModels | Operation::MintApiKey | Operation::ResolveModel | Operation::CheckRole | Operation::CountTokens | Operation::ApplyGuardrail
        )
    }

    pub fn is_converse(self) -> bool {
        matches!(self, Operation::Converse | Operation::ConverseStream)
    }
}

/// The API a Test call runs (`test({ api })`): InvokeModel(-WithResponseStream) or Converse(Stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestApi {
    Invoke,
    Converse,
}

impl TestApi {
    /// `api` as given (`'invoke'` | `'converse'`); anything else is an `INVALID_OPTION` on `api`.
    pub fn parse(api: &str) -> Result<TestApi> {
        check_enum(api, &["invoke", "converse"], "api")?;
        Ok(if api == "converse" { TestApi::Converse } else { TestApi::Invoke })
    }
}

/// The per-call options of a model call as read from JS (AWS-shaped Converse objects as JSON).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallOptions {
    pub guardrail_identifier: Option<String>,
    pub guardrail_version: Option<String>,
    pub trace: Option<String>,
    pub performance_config_latency: Option<String>,
    /// `'priority'`, or (Converse) `{ type: 'priority' }`.
    pub service_tier: Option<Value>,
    pub guardrail_config: Option<Value>,
    pub performance_config: Option<Value>,
}

const TRACE: &[&str] = &["ENABLED", "DISABLED", "ENABLED_FULL"];
const CONVERSE_TRACE: &[&str] = &["enabled", "disabled", "enabled_full"];
const LATENCY: &[&str] = &["standard", "optimized"];
const TIERS: &[&str] = &["priority", "default", "flex", "reserved"];
const STREAM_MODES: &[&str] = &["sync", "async"];

impl CallOptions {
    /// Checks every value against AWS's enums before anything is sent; errors name the option.
    pub fn validate(&self, op: Operation) -> Result<()> {
        if let Some(t) = &self.trace {
            let allowed: &[&str] = if op.is_converse() { &[TRACE, CONVERSE_TRACE].concat() } else { TRACE };
            check_enum(t, allowed, "trace")?;
        }
        if let Some(l) = &self.performance_config_latency {
            check_enum(l, LATENCY, "performanceConfigLatency")?;
        }
        match &self.service_tier {
            None => {}
            Some(Value::String(t)) => check_enum(t, TIERS, "serviceTier")?,
            Some(Value::Object(o)) if op.is_converse() => {
                check_object_keys(o, &["type"], "serviceTier")?;
                check_enum(str_field(o, "type", "serviceTier.type")?, TIERS, "serviceTier.type")?;
            }
            Some(_) => return Err(Error::type_error("serviceTier", if op.is_converse() { "a string or { type }" } else { "a string" })),
        }
        if self.guardrail_version.is_some() && self.guardrail_identifier.is_none() {
            return Err(Error::config(
                "CONFIG_CONFLICT",
                "guardrailIdentifier",
                "guardrailVersion was given without guardrailIdentifier",
                "Pass both guardrailIdentifier and guardrailVersion (a number, or DRAFT).",
            ));
        }
        if let Some(g) = &self.guardrail_config {
            let Value::Object(o) = g else { return Err(Error::type_error("guardrailConfig", "an object")) };
            let keys: &[&str] = if op == Operation::ConverseStream {
                &["guardrailIdentifier", "guardrailVersion", "trace", "streamProcessingMode"]
            } else {
                &["guardrailIdentifier", "guardrailVersion", "trace"]
            };
            check_object_keys(o, keys, "guardrailConfig")?;
            if let Some(t) = o.get("trace").and_then(Value::as_str) {
                check_enum(t, CONVERSE_TRACE, "guardrailConfig.trace")?;
            }
            if let Some(m) = o.get("streamProcessingMode").and_then(Value::as_str) {
                check_enum(m, STREAM_MODES, "guardrailConfig.streamProcessingMode")?;
            }
            if self.guardrail_identifier.is_some() {
                return Err(conflict("guardrailConfig", "guardrailIdentifier"));
            }
        }
        if let Some(p) = &self.performance_config {
            let Value::Object(o) = p else { return Err(Error::type_error("performanceConfig", "an object")) };
            check_object_keys(o, &["latency"], "performanceConfig")?;
            if let Some(l) = o.get("latency").and_then(Value::as_str) {
                check_enum(l, LATENCY, "performanceConfig.latency")?;
            }
            if self.performance_config_latency.is_some() {
                return Err(conflict("performanceConfig", "performanceConfigLatency"));
            }
        }
        if op.is_converse() && self.trace.is_some() && (self.guardrail_identifier.is_none() || self.guardrail_config.is_some()) {
            return Err(Error::config(
                "CONFIG_CONFLICT",
                "trace",
                "on Converse, trace is the guardrail's trace: it needs guardrailIdentifier",
                "Pass trace with guardrailIdentifier and guardrailVersion, or set guardrailConfig.trace.",
            ));
        }
        if self.guardrail_identifier.is_some() && self.guardrail_version.is_none() && op.is_converse() {
            return Err(Error::config(
                "CONFIG_CONFLICT",
                "guardrailVersion",
                "Converse needs guardrailVersion with guardrailIdentifier",
                "Pass guardrailVersion (a number, or DRAFT) with guardrailIdentifier.",
            ));
        }
        Ok(())
    }

    /// InvokeModel / InvokeModelWithResponseStream: the `X-Amzn-Bedrock-*` headers.
    pub fn apply_headers(&self, req: &mut HttpRequest) {
        let tier = match &self.service_tier {
            Some(Value::String(t)) => Some(t.clone()),
            _ => None,
        };
        let optional = [
            ("x-amzn-bedrock-guardrailidentifier", self.guardrail_identifier.clone()),
            ("x-amzn-bedrock-guardrailversion", self.guardrail_version.clone()),
            ("x-amzn-bedrock-trace", self.trace.clone()),
            ("x-amzn-bedrock-performanceconfig-latency", self.performance_config_latency.clone()),
            ("x-amzn-bedrock-service-tier", tier),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                req.set_header(name, v);
            }
        }
    }

    /// Converse / ConverseStream: the same options as top-level fields of the JSON body.
    pub fn apply_converse(&self, body: &mut Map<String, Value>) {
        if let Some(g) = &self.guardrail_config {
            body.insert("guardrailConfig".into(), g.clone());
        } else if let Some(id) = &self.guardrail_identifier {
            let mut g = Map::new();
            g.insert("guardrailIdentifier".into(), Value::String(id.clone()));
            if let Some(v) = &self.guardrail_version {
                g.insert("guardrailVersion".into(), Value::String(v.clone()));
            }
            if let Some(t) = &self.trace {
                g.insert("trace".into(), Value::String(t.to_ascii_lowercase()));
            }
            body.insert("guardrailConfig".into(), Value::Object(g));
        }
        if let Some(p) = &self.performance_config {
            body.insert("performanceConfig".into(), p.clone());
        } else if let Some(l) = &self.performance_config_latency {
            body.insert("performanceConfig".into(), serde_json::json!({ "latency": l }));
        }
        match &self.service_tier {
            Some(Value::String(t)) => {
                body.insert("serviceTier".into(), serde_json::json!({ "type": t }));
            }
            Some(tier @ Value::Object(_)) => {
                body.insert("serviceTier".into(), tier.clone());
            }
            _ => {}
        }
    }
}

fn conflict(object: &str, flat: &str) -> Error {
    Error::config(
        "CONFIG_CONFLICT",
        flat,
        format!("{flat} and {object} set the same thing"),
        "Pass either the flat option or the AWS-shaped object, not both.",
    )
}

fn str_field<'a>(o: &'a Map<String, Value>, key: &str, field: &str) -> Result<&'a str> {
    o.get(key).and_then(Value::as_str).ok_or_else(|| Error::type_error(field, "a string"))
}

fn check_object_keys(o: &Map<String, Value>, known: &[&str], prefix: &str) -> Result<()> {
    let keys: Vec<&str> = o.keys().map(String::as_str).collect();
    crate::config::check_keys(&keys, known, prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CallOptions {
        CallOptions {
            guardrail_identifier: Some("gr-1".into()),
            guardrail_version: Some("2".into()),
            trace: Some("ENABLED".into()),
            performance_config_latency: Some("optimized".into()),
            service_tier: Some(Value::String("priority".into())),
            ..CallOptions::default()
        }
    }

    #[test]
    fn test_api_is_an_enum() {
        assert_eq!(TestApi::parse("converse").unwrap(), TestApi::Converse);
        assert_eq!(TestApi::parse("invoke").unwrap(), TestApi::Invoke);
        let e = TestApi::parse("Converse").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_OPTION", Some("api")));
        assert!(Operation::Test.known_keys().contains(&"api"));
        assert!(!Operation::Invoke.known_keys().contains(&"api"));
    }

    #[test]
    fn invoke_style_calls_get_headers() {
        let mut req = HttpRequest::new("POST", "https://x/model/a/invoke".into());
        opts().validate(Operation::InvokeStream).unwrap();
        opts().apply_headers(&mut req);
        assert_eq!(req.header("x-amzn-bedrock-guardrailidentifier"), Some("gr-1"));
        assert_eq!(req.header("x-amzn-bedrock-guardrailversion"), Some("2"));
        assert_eq!(req.header("x-amzn-bedrock-trace"), Some("ENABLED"));
        assert_eq!(req.header("x-amzn-bedrock-performanceconfig-latency"), Some("optimized"));
        assert_eq!(req.header("x-amzn-bedrock-service-tier"), Some("priority"));
    }

    #[test]
    fn converse_calls_get_top_level_fields_from_flat_or_aws_shaped_options() {
        let mut body = Map::new();
        opts().validate(Operation::Converse).unwrap();
        opts().apply_converse(&mut body);
        assert_eq!(
            Value::Object(body),
            serde_json::json!({
                "guardrailConfig": { "guardrailIdentifier": "gr-1", "guardrailVersion": "2", "trace": "enabled" },
                "performanceConfig": { "latency": "optimized" },
                "serviceTier": { "type": "priority" }
            })
        );
        let shaped = CallOptions {
            guardrail_config: Some(serde_json::json!({ "guardrailIdentifier": "g", "guardrailVersion": "DRAFT", "streamProcessingMode": "async" })),
            performance_config: Some(serde_json::json!({ "latency": "standard" })),
            service_tier: Some(serde_json::json!({ "type": "flex" })),
            ..CallOptions::default()
        };
        shaped.validate(Operation::ConverseStream).unwrap();
        let mut body = Map::new();
        shaped.apply_converse(&mut body);
        assert_eq!(body.get("serviceTier"), Some(&serde_json::json!({ "type": "flex" })));
        assert_eq!(body.get("guardrailConfig").and_then(|g| g.get("streamProcessingMode")), Some(&serde_json::json!("async")));
    }

    #[test]
    fn bad_values_name_the_option() {
        let cases: Vec<(CallOptions, Operation, &str, &str)> = vec![
            (CallOptions { trace: Some("bogus".into()), ..CallOptions::default() }, Operation::Invoke, "INVALID_OPTION", "trace"),
            (CallOptions { performance_config_latency: Some("fast".into()), ..CallOptions::default() }, Operation::Test, "INVALID_OPTION", "performanceConfigLatency"),
            (CallOptions { service_tier: Some(Value::String("gold".into())), ..CallOptions::default() }, Operation::Invoke, "INVALID_OPTION", "serviceTier"),
            (CallOptions { service_tier: Some(serde_json::json!({ "type": "gold" })), ..CallOptions::default() }, Operation::Converse, "INVALID_OPTION", "serviceTier.type"),
            (CallOptions { service_tier: Some(serde_json::json!({ "tpye": "flex" })), ..CallOptions::default() }, Operation::Converse, "CONFIG_UNKNOWN_OPTION", "serviceTier.tpye"),
            (CallOptions { guardrail_version: Some("1".into()), ..CallOptions::default() }, Operation::Invoke, "CONFIG_CONFLICT", "guardrailIdentifier"),
            (CallOptions { guardrail_identifier: Some("g".into()), ..CallOptions::default() }, Operation::Converse, "CONFIG_CONFLICT", "guardrailVersion"),
            (
                CallOptions { guardrail_config: Some(serde_json::json!({ "guardrailIdentifier": "g", "guardrailVersion": "1", "trace": "on" })), ..CallOptions::default() },
                Operation::Converse,
                "INVALID_OPTION",
                "guardrailConfig.trace",
            ),
            (
                CallOptions { guardrail_config: Some(serde_json::json!({ "streamProcessingMode": "sync" })), ..CallOptions::default() },
                Operation::Converse,
                "CONFIG_UNKNOWN_OPTION",
                "guardrailConfig.streamProcessingMode",
            ),
        ];
        for (o, op, code, field) in cases {
            let e = o.validate(op).unwrap_err();
            assert_eq!((e.code.as_str(), e.field.as_deref()), (code, Some(field)), "{}", e.message);
        }
    }

    #[test]
    fn known_keys_per_operation() {
        assert!(Operation::Invoke.known_keys().contains(&"serviceTier"));
        assert!(Operation::Converse.known_keys().contains(&"messages"));
        assert!(!Operation::ListFoundationModels.known_keys().contains(&"modelId"));
        assert!(Operation::ListFoundationModels.known_keys().contains(&"inferenceType"));
        assert_eq!(Operation::CheckRole.known_keys(), ["signal", "timeoutMs"]);
        assert_eq!(Operation::CountTokens.known_keys(), ["signal", "timeoutMs", "modelId", "body", "messages", "system"]);
        assert!(!Operation::CountTokens.is_model_call());
        assert!(Operation::ApplyGuardrail.known_keys().contains(&"outputScope"));
        assert!(!Operation::ApplyGuardrail.known_keys().contains(&"modelId"));
    }
}
