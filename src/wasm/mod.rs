//! The `#[wasm_bindgen]` surface: converts JS values, calls the core, converts the result.
//! Compiled only for `wasm32`; no decisions live here (they are in the core and tested on the host).

mod client;
mod convert;
mod error;
mod fetch;
pub(crate) mod stream;
pub(crate) mod mapping;
pub(crate) mod template;

use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::http::HttpRequest;
use crate::model_id::{self, Context};
use crate::sign::{self, Location, Scope, Settings};
use convert::{self as cv, get};
use error::to_js;

/// JS: signRequest({ method, url, headers, body, region, service, credentials, signingDate, settings }) → { method, url, headers }
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(input: JsValue) -> Result<JsValue, JsValue> {
    sign_request_core(&input).map_err(to_js)
}

fn sign_request_core(input: &JsValue) -> crate::error::Result<JsValue> {
    if !input.is_object() {
        return Err(Error::type_error("input", "an object"));
    }
    let region = cv::string(input, "region", "region")?;
    let service = cv::string(input, "service", "service")?;
    let credentials = cv::credentials(&get(input, "credentials"), "credentials")?;
    let time_ms = match cv::time_ms(&get(input, "signingDate"), "signingDate")? {
        Some(ms) => ms,
        None => js_sys::Date::now() as u64,
    };
    let mut request = HttpRequest::new(
        &cv::opt_string(input, "method", "method")?.unwrap_or_else(|| "GET".into()).to_ascii_uppercase(),
        cv::string(input, "url", "url")?,
    );
    request.headers = cv::headers(input, "headers", "headers")?;
    request.body = cv::body(&get(input, "body"), "body", false)?;
    let settings = read_settings(&get(input, "settings"))?;
    let signed = sign::sign_request(request, &credentials, Scope { region: &region, service: &service, time_ms }, &settings)?;
    Ok(cv::object(&[
        ("method", JsValue::from_str(&signed.method)),
        ("url", JsValue::from_str(&signed.url)),
        ("headers", cv::headers_object(&signed.headers)),
    ]))
}

fn read_settings(s: &JsValue) -> crate::error::Result<Settings> {
    let d = Settings::default();
    let choice = |key: &str, a: &str, b: &str| -> crate::error::Result<Option<bool>> {
        let field = format!("settings.{key}");
        match cv::opt_string(s, key, &field)?.as_deref() {
            None => Ok(None),
            Some(v) if v == a => Ok(Some(true)),
            Some(v) if v == b => Ok(Some(false)),
            Some(v) => Err(Error::config("INVALID_OPTION", &field, format!("{field} must be '{a}' or '{b}', not `{v}`"), "See the signRequest settings in the README.")),
        }
    };
    Ok(Settings {
        double_encode: choice("percentEncoding", "double", "single")?.unwrap_or(d.double_encode),
        normalize_path: cv::opt_bool(s, "normalizePath", "settings.normalizePath")?.unwrap_or(d.normalize_path),
        payload_checksum_header: cv::opt_bool(s, "payloadChecksumHeader", "settings.payloadChecksumHeader")?.unwrap_or(d.payload_checksum_header),
        sign_session_token: choice("sessionToken", "include", "exclude")?.unwrap_or(d.sign_session_token),
        location: match choice("location", "query", "headers")? {
            Some(true) => Location::Query,
            _ => Location::Headers,
        },
        expires_in_secs: cv::opt_u32(s, "expiresIn", "settings.expiresIn")?.map(u64::from),
        excluded_headers: cv::string_array(s, "excludedHeaders", "settings.excludedHeaders")?,
    })
}

/// JS: parseModelId(input, { region, accountId }?) → { kind, modelId, region, accountId }
#[wasm_bindgen(js_name = parseModelId)]
pub fn parse_model_id(input: JsValue, context: JsValue) -> Result<JsValue, JsValue> {
    let run = || -> crate::error::Result<JsValue> {
        let input = input.as_string().ok_or_else(|| Error::type_error("modelId", "a string"))?;
        let region = cv::opt_string(&context, "region", "region")?;
        let account = cv::opt_string(&context, "accountId", "accountId")?;
        let m = model_id::parse(&input, Context { region: region.as_deref(), account_id: account.as_deref() })?;
        Ok(cv::object(&[
            ("kind", JsValue::from_str(m.kind.as_str())),
            ("modelId", JsValue::from_str(&m.model_id)),
            ("region", cv::opt_str(m.region.as_deref())),
            ("accountId", cv::opt_str(m.account_id.as_deref())),
        ]))
    };
    run().map_err(to_js)
}

/// JS: version — the crate version, sent as x-amz-user-agent.
#[wasm_bindgen(js_name = userAgent)]
pub fn user_agent() -> String {
    crate::USER_AGENT.to_string()
}

/// JS: policies({ platformPrincipal, externalId, actions, tags }) → { permissions, trust }
#[wasm_bindgen]
pub fn policies(input: JsValue) -> Result<JsValue, JsValue> {
    let run = || -> crate::error::Result<JsValue> {
        if !input.is_object() {
            return Err(Error::type_error("input", "an object"));
        }
        let actions = get(&input, "actions");
        let tags = get(&input, "tags");
        let p = crate::policy::build(crate::policy::Input {
            platform_principal: cv::string(&input, "platformPrincipal", "platformPrincipal")?,
            external_id: cv::opt_string(&input, "externalId", "externalId")?,
            actions: if actions.is_undefined() { None } else { Some(cv::string_array(&input, "actions", "actions")?) },
            session_tags: tags.is_truthy(),
        })?;
        Ok(cv::object(&[("permissions", cv::json_to_js(&p.permissions)), ("trust", cv::json_to_js(&p.trust))]))
    };
    run().map_err(to_js)
}

/// JS: presetFor's family lookup: the preset family of a model ID, or null.
#[wasm_bindgen(js_name = presetFamily)]
pub fn preset_family(model_id: JsValue) -> Result<Option<String>, JsValue> {
    let id = model_id.as_string().ok_or_else(|| to_js(Error::type_error("modelId", "a string")))?;
    Ok(crate::preset::for_model(&id).map(|p| p.family.to_string()))
}
