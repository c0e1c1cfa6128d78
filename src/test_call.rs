//! Rules of the Test call (`client.test()`), the "enter test values, click Test, review the raw
//! response" step: which template and mapping apply, and which setting to blame when it fails.

use serde_json::{Map, Value};

use crate::call_options::{CallOptions, TestApi};
use crate::error::Error;
use crate::preset::{self, Preset};

/// Which API a Test call runs: `api` when given, else Converse when the template is the Converse
/// preset's (`presets.converse`, however it is indented: an editor may re-indent it), else
/// InvokeModel (the family's own body shape).
pub fn api_for(api: Option<TestApi>, template: Option<&str>) -> TestApi {
    let squeezed = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let is_converse = |t: &str| preset::by_family("converse").is_some_and(|p| squeezed(p.template) == squeezed(t));
    match api {
        Some(api) => api,
        None if template.is_some_and(is_converse) => TestApi::Converse,
        None => TestApi::Invoke,
    }
}

/// The preset whose template and mapping a Test call uses when none is given: Converse's for any
/// model on the Converse API, else the model family's.
pub fn default_preset(api: TestApi, family: Option<&str>, model_id: &str) -> Result<&'static Preset, Error> {
    match api {
        TestApi::Converse => preset_for_family(Some("converse"), model_id),
        TestApi::Invoke => preset_for_family(family, model_id),
    }
}

/// A Converse Test call's body: the rendered template (a JSON object of Converse fields) with the
/// call's options as top-level fields (`guardrailConfig`, `performanceConfig`, `serviceTier`).
pub fn converse_body(rendered: &[u8], options: &CallOptions) -> Result<Vec<u8>, Error> {
    let not_fields = || Error::type_error("template", "a JSON object of Converse fields (messages, system, inferenceConfig, …)");
    let mut fields: Map<String, Value> = serde_json::from_slice(rendered).map_err(|_| not_fields())?;
    options.apply_converse(&mut fields);
    serde_json::to_vec(&fields).map_err(|_| not_fields())
}

/// The preset for a resolved family, or the error saying a template is needed.
pub fn preset_for_family(family: Option<&str>, model_id: &str) -> Result<&'static Preset, Error> {
    family.and_then(preset::by_family).ok_or_else(|| {
        Error::config(
            "NO_PRESET",
            "template",
            format!("there is no preset for `{model_id}`"),
            "Pass `template` (and `mapping`) for this model: its family has no built-in preset.",
        )
    })
}

/// The setting most likely at fault, for the Test screen: the body comes from the template, and
/// an error with no field is blamed on the STS endpoint (AssumeRole stage) or the model ID.
pub fn culprit(field: Option<&str>, at_sts: bool) -> String {
    match field {
        Some("body") => "template".into(),
        Some(f) => f.into(),
        None if at_sts => "assumeRole.stsEndpoint".into(),
        None => "modelId".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_by_family() {
        assert_eq!(preset_for_family(Some("nova"), "x").unwrap().family, "nova");
        let e = preset_for_family(None, "stability.sd3-large-v1:0").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("NO_PRESET", Some("template")));
        assert_eq!(e.message, "there is no preset for `stability.sd3-large-v1:0`");
    }

    #[test]
    fn which_api() {
        let converse = preset::by_family("converse").unwrap().template;
        let anthropic = preset::by_family("anthropic").unwrap().template;
        assert_eq!(api_for(None, None), TestApi::Invoke);
        assert_eq!(api_for(None, Some(anthropic)), TestApi::Invoke);
        assert_eq!(api_for(None, Some(converse)), TestApi::Converse);
        let reindented = serde_json::to_string_pretty(&serde_json::from_str::<Value>(converse).unwrap()).unwrap();
        assert_eq!(api_for(None, Some(&reindented)), TestApi::Converse);
        assert_eq!(api_for(Some(TestApi::Invoke), Some(converse)), TestApi::Invoke);
        assert_eq!(api_for(Some(TestApi::Converse), None), TestApi::Converse);
        // Any model runs on Converse with its preset; InvokeModel needs the family's.
        assert_eq!(default_preset(TestApi::Converse, None, "x.unknown-v1").unwrap().family, "converse");
        assert_eq!(default_preset(TestApi::Invoke, None, "x.unknown-v1").unwrap_err().code, "NO_PRESET");
    }

    #[test]
    fn converse_bodies_carry_the_options_at_the_top() {
        let options = CallOptions { service_tier: Some(Value::String("priority".into())), performance_config_latency: Some("optimized".into()), ..CallOptions::default() };
        let body: Value = serde_json::from_slice(&converse_body(br#"{"messages":[]}"#, &options).unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"messages": [], "serviceTier": {"type": "priority"}, "performanceConfig": {"latency": "optimized"}}));
        let e = converse_body(b"[1]", &CallOptions::default()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("template"));
    }

    #[test]
    fn culprits() {
        assert_eq!(culprit(Some("body"), false), "template");
        assert_eq!(culprit(Some("assumeRole.roleArn"), true), "assumeRole.roleArn");
        assert_eq!(culprit(None, true), "assumeRole.stsEndpoint");
        assert_eq!(culprit(None, false), "modelId");
    }
}
