//! Inference profiles: which profile to use when Bedrock refuses on-demand throughput for a
//! model, from ListInferenceProfiles when the role may call it and from one dated table
//! otherwise; and GetInferenceProfile to resolve an application profile to its model.
//! Builds requests and reads answers; no I/O.

use serde_json::Value;

use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::model_id;
use crate::sign::percent_encode;

/// Geography prefixes of system inference profiles per region, as AWS lists them in "Supported
/// Regions and models for inference profiles" (checked 2026-11). First match wins; `global.` is
/// tried last everywhere but GovCloud and China.
const GEOGRAPHIES: &[(&str, &[&str])] = &[
    ("us-gov-", &["us-gov"]),
    ("us-", &["us"]),
    ("ca-", &["us"]),
    ("eu-", &["eu"]),
    ("ap-northeast-1", &["jp", "apac"]),
    ("ap-northeast-3", &["jp", "apac"]),
    ("ap-southeast-2", &["au", "apac"]),
    ("ap-southeast-4", &["au", "apac"]),
    ("ap-", &["apac"]),
];

/// Profile IDs that may serve `model_id` from `region`, best first.
pub fn candidates(region: &str, model_id: &str) -> Vec<String> {
    let geos = GEOGRAPHIES.iter().find(|(prefix, _)| region.starts_with(prefix)).map(|(_, g)| *g).unwrap_or(&[]);
    let mut out: Vec<String> = geos.iter().map(|g| format!("{g}.{model_id}")).collect();
    if !region.starts_with("us-gov-") && !region.starts_with("cn-") {
        out.push(format!("global.{model_id}"));
    }
    out
}

/// True for Bedrock's "…with on-demand throughput isn't supported…" refusal.
pub fn is_on_demand_refusal(e: &Error) -> bool {
    e.code == "ValidationException" && e.message.contains("on-demand throughput")
}

/// `GET {control}/inference-profiles?typeEquals=SYSTEM_DEFINED` (ListInferenceProfiles).
pub fn build_list(control_url: &str) -> HttpRequest {
    get(format!("{control_url}/inference-profiles?typeEquals=SYSTEM_DEFINED"))
}

/// `GET {control}/inference-profiles/{id or ARN}` (GetInferenceProfile).
pub fn build_get(control_url: &str, identifier: &str) -> HttpRequest {
    get(format!("{control_url}/inference-profiles/{}", percent_encode(identifier)))
}

fn get(url: String) -> HttpRequest {
    let mut req = HttpRequest::new("GET", url);
    req.set_header("accept", "application/json");
    req.set_header("x-amz-user-agent", crate::USER_AGENT);
    req
}

/// From a ListInferenceProfiles answer: the profile that serves `model_id` from `region` (one of
/// its models is in the client's region), preferring the order of [`candidates`]. `None` when the
/// answer is unreadable (see [`choose`]) is told apart from no such profile by [`listed`].
pub fn pick(list: &HttpResponse, region: &str, model_id: &str) -> Option<String> {
    let profiles = listed(list)?;
    let contains = |p: &Value| {
        p.get("models").and_then(Value::as_array).is_some_and(|models| {
            models.iter().filter_map(|m| m.get("modelArn").and_then(Value::as_str)).any(|arn| {
                arn.ends_with(&format!(":foundation-model/{model_id}")) && arn.split(':').nth(3) == Some(region)
            })
        })
    };
    let id = |p: &Value| p.get("inferenceProfileId").and_then(Value::as_str).map(String::from);
    let preferred = candidates(region, model_id);
    let rank = |p: &String| preferred.iter().position(|c| c == p).unwrap_or(usize::MAX);
    // The first of the best rank (min_by_key keeps the last of equals).
    profiles.iter().filter(|p| contains(p)).filter_map(id).rev().min_by_key(rank)
}

/// The profiles of a readable ListInferenceProfiles answer.
fn listed(list: &HttpResponse) -> Option<Vec<Value>> {
    let body: Value = serde_json::from_slice(&list.body).ok()?;
    body.get("inferenceProfileSummaries")?.as_array().cloned()
}

/// The profile to use for `model_id` from `region`: from a readable ListInferenceProfiles answer
/// when there is one (`None` when no listed profile serves the region), else (the role may lack
/// the permission) the dated table's first candidate.
pub fn choose(list: Option<&HttpResponse>, region: &str, model_id: &str) -> Option<String> {
    match list.filter(|answer| listed(answer).is_some()) {
        Some(answer) => pick(answer, region, model_id),
        None => candidates(region, model_id).into_iter().next().or_else(|| Some(format!("global.{model_id}"))),
    }
}

/// After an on-demand refusal `e` and the profile [`choose`] found: `Ok(profile)` = send the call
/// once more through it (`inferenceProfile: 'auto'`); `Err` = the refusal, its hint naming the
/// profile to use, or saying that none serves the model from `region`.
pub fn fallback(e: Error, auto: bool, chosen: Option<String>, region: &str) -> Result<String, Error> {
    match chosen {
        Some(p) if auto => Ok(p),
        Some(p) => Err(with_profile_hint(e, &p)),
        None => Err(with_no_profile_hint(e, region)),
    }
}

/// The on-demand refusal when no inference profile serves the model from the client's region.
pub fn with_no_profile_hint(mut e: Error, region: &str) -> Error {
    e.hint = format!(
        "This model cannot be invoked on demand, and no inference profile serves it from {region}: \
         use a region whose geography has a profile for it, or a provisioned throughput ARN."
    );
    e.field = Some("modelId".into());
    e
}

/// The on-demand refusal with a hint naming the profile to use.
pub fn with_profile_hint(mut e: Error, profile: &str) -> Error {
    e.hint = format!(
        "This model cannot be invoked on demand: use the inference profile `{profile}` as modelId \
         (or pass inferenceProfile: 'auto'), or a provisioned throughput ARN."
    );
    e.field = Some("modelId".into());
    e
}

/// The foundation model an application or system profile routes to (GetInferenceProfile answer).
pub fn model_of(get_answer: &HttpResponse) -> Option<String> {
    let body: Value = serde_json::from_slice(&get_answer.body).ok()?;
    let arn = body.get("models")?.as_array()?.first()?.get("modelArn")?.as_str()?;
    arn.rsplit_once("foundation-model/").map(|(_, id)| id.to_string())
}

/// `resolveModel`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub model_id: String,
    pub kind: model_id::Kind,
    pub family: Option<&'static str>,
    pub region: String,
    pub inference_profile: Option<String>,
}

/// Resolves what can be known without a request; application profiles need `underlying` (the
/// model from GetInferenceProfile).
pub fn resolve(parsed: &model_id::ModelId, client_region: &str, underlying: Option<&str>) -> Resolved {
    let is_profile = parsed.kind == model_id::Kind::InferenceProfile;
    let base = underlying.unwrap_or(&parsed.model_id);
    Resolved {
        model_id: parsed.model_id.clone(),
        kind: parsed.kind,
        family: model_id::family_of(base),
        region: parsed.region.clone().unwrap_or_else(|| client_region.to_string()),
        inference_profile: is_profile.then(|| parsed.model_id.clone()),
    }
}

/// True for ARNs that GetInferenceProfile must resolve (the family is not in the ID).
pub fn needs_lookup(parsed: &model_id::ModelId) -> bool {
    parsed.kind == model_id::Kind::InferenceProfile && parsed.model_id.contains(":application-inference-profile/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const SONNET: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";

    #[test]
    fn dated_table() {
        assert_eq!(candidates("us-east-1", "a.b"), ["us.a.b", "global.a.b"]);
        assert_eq!(candidates("ca-central-1", "a.b"), ["us.a.b", "global.a.b"]);
        assert_eq!(candidates("us-gov-west-1", "a.b"), ["us-gov.a.b"]);
        assert_eq!(candidates("eu-central-1", "a.b"), ["eu.a.b", "global.a.b"]);
        assert_eq!(candidates("ap-northeast-1", "a.b"), ["jp.a.b", "apac.a.b", "global.a.b"]);
        assert_eq!(candidates("ap-northeast-3", "a.b"), ["jp.a.b", "apac.a.b", "global.a.b"]);
        assert_eq!(candidates("ap-southeast-2", "a.b"), ["au.a.b", "apac.a.b", "global.a.b"]);
        assert_eq!(candidates("ap-southeast-4", "a.b"), ["au.a.b", "apac.a.b", "global.a.b"]);
        assert_eq!(candidates("ap-south-1", "a.b"), ["apac.a.b", "global.a.b"]);
        assert_eq!(candidates("sa-east-1", "a.b"), ["global.a.b"]);
    }

    fn answer(body: &str) -> HttpResponse {
        HttpResponse { status: 200, headers: vec![], body: body.as_bytes().to_vec() }
    }

    #[test]
    fn picks_the_listed_profile_containing_the_model_in_the_region() {
        let list = answer(&format!(
            r#"{{"inferenceProfileSummaries":[
              {{"inferenceProfileId":"global.{SONNET}","models":[{{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}"}}]}},
              {{"inferenceProfileId":"eu.{SONNET}","models":[{{"modelArn":"arn:aws:bedrock:eu-west-1::foundation-model/{SONNET}"}}]}},
              {{"inferenceProfileId":"us.{SONNET}","models":[{{"modelArn":"arn:aws:bedrock:us-west-2::foundation-model/{SONNET}"}},{{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}"}}]}},
              {{"inferenceProfileId":"us.other.model","models":[{{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/other.model"}}]}}]}}"#
        ));
        assert_eq!(pick(&list, "us-east-1", SONNET).as_deref(), Some(&*format!("us.{SONNET}")));
        assert_eq!(pick(&list, "eu-west-1", SONNET).as_deref(), Some(&*format!("eu.{SONNET}")));
        assert_eq!(pick(&list, "ap-south-1", SONNET), None, "a profile must contain the client's region");
        assert_eq!(choose(Some(&list), "ap-south-1", SONNET), None);
        assert_eq!(choose(Some(&list), "us-east-1", SONNET), Some(format!("us.{SONNET}")));
        assert_eq!(pick(&list, "us-east-1", "missing.model"), None);
        assert_eq!(pick(&answer("not json"), "us-east-1", SONNET), None);
    }

    #[test]
    fn choosing_without_a_list_takes_the_table() {
        assert_eq!(choose(None, "eu-west-3", SONNET), Some(format!("eu.{SONNET}")));
        assert_eq!(choose(Some(&answer("{}")), "ap-northeast-1", SONNET), Some(format!("jp.{SONNET}")));
        assert_eq!(choose(None, "cn-north-1", SONNET), Some(format!("global.{SONNET}")));
    }

    #[test]
    fn on_demand_refusal_gets_a_hint_naming_the_profile() {
        let e = Error {
            kind: ErrorKind::Aws,
            code: "ValidationException".into(),
            message: format!("Invocation of model ID {SONNET} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model."),
            hint: String::new(),
            field: Some("body".into()),
            status: Some(400),
            request_id: None,
            retryable: false,
        };
        assert!(is_on_demand_refusal(&e));
        let e = with_profile_hint(e, &format!("us.{SONNET}"));
        assert_eq!(e.field.as_deref(), Some("modelId"));
        assert_eq!(
            e.hint,
            format!("This model cannot be invoked on demand: use the inference profile `us.{SONNET}` as modelId (or pass inferenceProfile: 'auto'), or a provisioned throughput ARN.")
        );
    }

    #[test]
    fn fallback_retries_only_when_auto_and_a_profile_serves_the_region() {
        let refusal = || Error { kind: ErrorKind::Aws, ..Error::config("ValidationException", "body", "with on-demand throughput isn’t supported", "") };
        assert_eq!(fallback(refusal(), true, Some("us.a.b".into()), "us-east-1"), Ok("us.a.b".into()));
        let e = fallback(refusal(), false, Some("us.a.b".into()), "us-east-1").unwrap_err();
        assert!(e.hint.contains("`us.a.b`") && e.field.as_deref() == Some("modelId"));
        let e = fallback(refusal(), true, None, "eu-west-1").unwrap_err();
        assert!(e.hint.contains("no inference profile serves it from eu-west-1"));
    }

    #[test]
    fn requests() {
        assert_eq!(build_list("https://bedrock.us-east-1.amazonaws.com").url, "https://bedrock.us-east-1.amazonaws.com/inference-profiles?typeEquals=SYSTEM_DEFINED");
        assert_eq!(
            build_get("https://b", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc").url,
            "https://b/inference-profiles/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc"
        );
    }

    #[test]
    fn resolving() {
        let ctx = model_id::Context { region: Some("us-east-1"), account_id: None };
        let app = model_id::parse("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc", ctx).unwrap();
        assert!(needs_lookup(&app));
        let got = answer(r#"{"models":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"}]}"#);
        let underlying = model_of(&got);
        assert_eq!(underlying.as_deref(), Some("anthropic.claude-3-haiku-20240307-v1:0"));
        let r = resolve(&app, "us-east-1", underlying.as_deref());
        assert_eq!((r.family, r.inference_profile.as_deref()), (Some("anthropic"), Some(app.model_id.as_str())));
        let sys = model_id::parse("eu.meta.llama3-2-1b-instruct-v1:0", ctx).unwrap();
        assert!(!needs_lookup(&sys));
        let r = resolve(&sys, "eu-west-1", None);
        assert_eq!((r.family, r.region.as_str(), r.inference_profile.as_deref()), (Some("llama"), "eu-west-1", Some("eu.meta.llama3-2-1b-instruct-v1:0")));
        let base = model_id::parse("amazon.titan-text-express-v1", ctx).unwrap();
        assert_eq!(resolve(&base, "us-east-1", None).inference_profile, None);
    }
}
