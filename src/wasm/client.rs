//! `BedrockClient`'s wasm half: holds the validated config, the credential source and the
//! credential cache, and drives the core's state machines (`client::Call`, `credentials::Cache`)
//! with `fetch`. Decisions live in the core; this file only moves values and awaits.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;

use crate::bedrock::{self, Invoke, ListFilters};
use crate::config;
use crate::mapping::OutputMapping;
use crate::template::Template;
use crate::wasm::mapping as wasm_mapping;
use crate::wasm::template as wasm_template;
use crate::{api_key, model_id, profile, test_call};

impl From<Error> for Failed {
    fn from(e: Error) -> Failed {
        Failed::Core(e)
    }
}
use crate::client::{Auth, Call, ErrorParser, Step};
use crate::config::{AssumeRoleOptions, ClientConfig, ClientOptions};
use crate::credentials::{Action, Cache, CacheKey};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::sign::{Credentials, KeyCache};
use crate::sts::{self, AssumedRole};
use crate::wasm::convert::{self as cv, get};
use crate::wasm::error::to_js;
use crate::wasm::fetch::{self, Answer};

/// The assumed-role cache and its in-flight AssumeRoles: one per client, or shared.
#[derive(Default)]
pub(crate) struct SharedCache {
    cache: RefCell<Cache>,
    in_flight: RefCell<HashMap<CacheKey, Promise>>,
    /// Seeds the default session name of every client sharing it (it is part of the cache key).
    created_ms: u64,
}

/// JS: `new CredentialCache()`, passed as `credentialCache` to share assumed credentials between
/// clients (keyed as in API.md: base key ID, role, external ID, session, tags, duration, STS).
#[wasm_bindgen]
pub struct WasmCredentialCache {
    shared: Rc<SharedCache>,
}

#[wasm_bindgen]
impl WasmCredentialCache {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmCredentialCache {
        let shared = SharedCache { created_ms: js_sys::Date::now() as u64, ..SharedCache::default() };
        WasmCredentialCache { shared: Rc::new(shared) }
    }

    /// Another handle on the same cache (each client constructor takes one).
    pub fn handle(&self) -> WasmCredentialCache {
        WasmCredentialCache { shared: self.shared.clone() }
    }
}

impl Default for WasmCredentialCache {
    fn default() -> Self {
        Self::new()
    }
}

/// Where the platform's base credentials come from.
enum Source {
    Static(Credentials),
    Provider(Function),
    None,
}

pub(crate) struct Inner {
    pub(crate) config: ClientConfig,
    source: Source,
    pub(crate) fetch: Function,
    now: Option<Function>,
    credentials: Rc<SharedCache>,
    warnings: RefCell<Vec<String>>,
    /// Derived SigV4 signing keys (role and base credentials), reused across calls.
    keys: RefCell<KeyCache>,
}

#[wasm_bindgen]
pub struct WasmClient {
    pub(crate) inner: Rc<Inner>,
}

#[wasm_bindgen]
impl WasmClient {
    #[wasm_bindgen(constructor)]
    /// `cache`: a `CredentialCache` handle to share assumed credentials between clients.
    pub fn new(options: JsValue, cache: Option<WasmCredentialCache>) -> std::result::Result<WasmClient, JsValue> {
        Self::build(&options, cache).map_err(to_js)
    }

    /// JS: checkRole() → Promise<{ assumedRoleArn, accessKeyId, expiration: Date, warnings }>
    #[wasm_bindgen(js_name = checkRole)]
    pub fn check_role(&self) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let Some(params) = inner.config.assume_role.clone() else {
                return Err(to_js(Error::config(
                    "NO_ROLE_CONFIGURED",
                    "assumeRole",
                    "checkRole() needs the assumeRole option",
                    "Pass assumeRole: { roleArn } to the BedrockClient constructor.",
                )));
            };
            let role = role_credentials(&inner, &params, false, &None).await?;
            let warnings = js_sys::Array::new();
            for w in inner.warnings.borrow().iter() {
                warnings.push(&JsValue::from_str(w));
            }
            Ok(cv::object(&[
                ("assumedRoleArn", JsValue::from_str(&role.assumed_role_arn)),
                ("accessKeyId", JsValue::from_str(&role.credentials.access_key_id)),
                ("expiration", js_sys::Date::new(&JsValue::from_f64(role.expiration_ms as f64)).into()),
                ("warnings", warnings.into()),
            ]))
        })
    }

    /// JS: invoke(options) → Promise<{ status, headers, body, requestId, usage, latencyMs, serverLatencyMs, inferenceProfileUsed }>
    pub fn invoke(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let (mut invoke, auto, signal) = read_invoke(&inner.config, &options).map_err(to_js)?;
            let started = now_ms(&inner);
            let mut profile_used = None;
            let response = match invoke_once(&inner, &invoke, signal.as_ref()).await {
                Err(Failed::Core(e)) if profile::is_on_demand_refusal(&e) => {
                    let profile = choose_profile(&inner, &invoke.model_id).await;
                    if !auto {
                        return Err(to_js(profile::with_profile_hint(e, &profile)));
                    }
                    invoke.model_id = profile.clone();
                    profile_used = Some(profile);
                    invoke_once(&inner, &invoke, signal.as_ref()).await?
                }
                other => other?,
            };
            let latency = now_ms(&inner).saturating_sub(started);
            let meta = bedrock::parse_invoke_meta(&response);
            let usage = match meta.usage {
                Some((i, o)) => cv::object(&[("inputTokens", (i as f64).into()), ("outputTokens", (o as f64).into())]),
                None => JsValue::NULL,
            };
            Ok(cv::object(&[
                ("status", JsValue::from_f64(response.status.into())),
                ("headers", cv::headers_object(&response.headers)),
                ("body", js_sys::Uint8Array::from(response.body.as_slice()).into()),
                ("requestId", cv::opt_str(meta.request_id.as_deref())),
                ("usage", usage),
                ("latencyMs", JsValue::from_f64(latency as f64)),
                ("serverLatencyMs", cv::opt_num(meta.server_latency_ms)),
                ("inferenceProfileUsed", cv::opt_str(profile_used.as_deref())),
            ]))
        })
    }

    /// JS: resolveModel(modelId) → Promise<{ modelId, kind, family, region, inferenceProfile }>
    #[wasm_bindgen(js_name = resolveModel)]
    pub fn resolve_model(&self, model_id: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let input = model_id.as_string().ok_or_else(|| to_js(Error::type_error("modelId", "a string")))?;
            let parsed = inner.config.model_id(&input).map_err(to_js)?;
            let underlying = if profile::needs_lookup(&parsed) {
                let request = profile::build_get(&inner.config.control_url, &parsed.model_id);
                let answer = run(&inner, request, bedrock::parse_error, None).await?;
                profile::model_of(&answer)
            } else {
                None
            };
            let r = profile::resolve(&parsed, &inner.config.region, underlying.as_deref());
            Ok(cv::object(&[
                ("modelId", JsValue::from_str(&r.model_id)),
                ("kind", JsValue::from_str(r.kind.as_str())),
                ("family", cv::opt_str(r.family)),
                ("region", JsValue::from_str(&r.region)),
                ("inferenceProfile", cv::opt_str(r.inference_profile.as_deref())),
            ]))
        })
    }

    /// JS: mintApiKey({ expiresIn = 43200 }) → Promise<{ token, expiration: Date, region }>
    #[wasm_bindgen(js_name = mintApiKey)]
    pub fn mint_api_key(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let expires_in = cv::opt_u32(&options, "expiresIn", "expiresIn").map_err(to_js)?.unwrap_or(api_key::MAX_EXPIRES_IN);
            let credentials = match &inner.config.assume_role {
                Some(params) => role_credentials(&inner, params, false, &None).await?.credentials,
                None => base_credentials(&inner).await?,
            };
            let region = &inner.config.region;
            let key = api_key::mint(&credentials, region, now_ms(&inner), expires_in).map_err(to_js)?;
            Ok(cv::object(&[
                ("token", JsValue::from_str(&key.token)),
                ("expiration", js_sys::Date::new(&JsValue::from_f64(key.expiration_ms as f64)).into()),
                ("region", JsValue::from_str(region)),
            ]))
        })
    }

    /// JS: listFoundationModels({ provider, customizationType, outputModality, inferenceType, signal }) → Promise<modelSummaries>
    #[wasm_bindgen(js_name = listFoundationModels)]
    pub fn list_foundation_models(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let filters = read_filters(&options).map_err(to_js)?;
            let signal = read_signal(&options).map_err(to_js)?;
            let request = bedrock::build_list_foundation_models(&inner.config.control_url, &filters);
            let response = run(&inner, request, bedrock::parse_error, signal.as_ref()).await?;
            let list = bedrock::parse_list_foundation_models(&response).map_err(to_js)?;
            Ok(cv::json_to_js(&list))
        })
    }

    /// JS: test({ modelId, template, variables, mapping }) → Promise<{ ok, request, response, mapped, latencyMs, error }>; never rejects for a failed call.
    pub fn test(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let trace: Tracer = Some(Rc::new(RefCell::new(Trace::default())));
            let started = now_ms(&inner);
            let outcome = test_call(&inner, &options, &trace).await;
            let latency = now_ms(&inner).saturating_sub(started);
            let t = trace.as_ref().map(|t| std::mem::take(&mut *t.borrow_mut())).unwrap_or_default();
            let request = t.request.as_ref().map(|r| {
                cv::object(&[
                    ("url", JsValue::from_str(&crate::http::redact_query(&r.url))),
                    ("headers", cv::headers_object(&r.redacted_headers())),
                    ("body", JsValue::from_str(&String::from_utf8_lossy(&r.body))),
                ])
            });
            let response = t.response.as_ref().map(|r| {
                cv::object(&[
                    ("status", JsValue::from_f64(r.status.into())),
                    ("headers", cv::headers_object(&r.headers)),
                    ("body", JsValue::from_str(&String::from_utf8_lossy(&r.body))),
                ])
            });
            let (ok, mapped, error) = match outcome {
                Ok(mapped) => (true, mapped, JsValue::NULL),
                Err(failed) => (false, JsValue::NULL, test_error(failed, t.sts)),
            };
            Ok(cv::object(&[
                ("ok", JsValue::from_bool(ok)),
                ("request", request.unwrap_or(JsValue::NULL)),
                ("response", response.unwrap_or(JsValue::NULL)),
                ("mapped", mapped),
                ("latencyMs", JsValue::from_f64(latency as f64)),
                ("error", error),
            ]))
        })
    }

    /// The client's region.
    #[wasm_bindgen(getter)]
    pub fn region(&self) -> String {
        self.inner.config.region.clone()
    }
}

impl WasmClient {
    fn build(options: &JsValue, shared: Option<WasmCredentialCache>) -> Result<WasmClient> {
        if !options.is_object() {
            return Err(Error::type_error("options", "an object"));
        }
        let now = cv::opt_function(options, "now", "now")?;
        let fetch = match cv::opt_function(options, "fetch", "fetch")? {
            Some(f) => f,
            None => global_fetch()?,
        };
        let credentials = get(options, "credentials");
        let source = if credentials.is_function() {
            Source::Provider(credentials.unchecked_into())
        } else if credentials.is_undefined() || credentials.is_null() {
            Source::None
        } else {
            Source::Static(cv::credentials(&credentials)?)
        };
        let retry = get(options, "retry");
        let opts = ClientOptions {
            region: cv::opt_string(options, "region", "region")?,
            has_credentials: !matches!(source, Source::None),
            assume_role: read_assume_role(options)?,
            bearer_token: cv::opt_string(options, "bearerToken", "bearerToken")?,
            endpoint: cv::opt_string(options, "endpoint", "endpoint")?,
            control_endpoint: cv::opt_string(options, "controlEndpoint", "controlEndpoint")?,
            inference_profile: cv::opt_string(options, "inferenceProfile", "inferenceProfile")?,
            max_attempts: cv::opt_u32(&retry, "maxAttempts", "retry.maxAttempts")?,
            timeout_ms: cv::opt_u32(options, "timeoutMs", "timeoutMs")?,
        };
        // Clients sharing a cache share their default session name, so they share credentials.
        let seed_ms = shared.as_ref().map(|c| c.shared.created_ms).unwrap_or_else(|| call_now(now.as_ref()));
        let config = ClientConfig::from_options(opts, seed_ms)?;
        Ok(WasmClient {
            inner: Rc::new(Inner {
                config,
                source,
                fetch,
                now,
                credentials: shared.map(|c| c.shared).unwrap_or_default(),
                warnings: RefCell::new(Vec::new()),
                keys: RefCell::new(crate::wasm::key_cache()),
            }),
        })
    }
}

fn global_fetch() -> Result<Function> {
    let f = get(&js_sys::global(), "fetch");
    f.dyn_into::<Function>().map_err(|_| Error::type_error("fetch", "a function (this runtime has no global fetch)"))
}

fn read_assume_role(options: &JsValue) -> Result<Option<AssumeRoleOptions>> {
    let a = get(options, "assumeRole");
    if a.is_undefined() || a.is_null() {
        return Ok(None);
    }
    if !a.is_object() {
        return Err(Error::type_error("assumeRole", "an object"));
    }
    Ok(Some(AssumeRoleOptions {
        role_arn: cv::opt_string(&a, "roleArn", "assumeRole.roleArn")?,
        external_id: cv::opt_string(&a, "externalId", "assumeRole.externalId")?,
        session_name: cv::opt_string(&a, "sessionName", "assumeRole.sessionName")?,
        duration_seconds: cv::opt_u32(&a, "durationSeconds", "assumeRole.durationSeconds")?,
        tags: cv::tags(&a, "tags", "assumeRole.tags")?,
        transitive_tag_keys: cv::string_array(&a, "transitiveTagKeys", "assumeRole.transitiveTagKeys")?,
        source_identity: cv::opt_string(&a, "sourceIdentity", "assumeRole.sourceIdentity")?,
        sts_region: cv::opt_string(&a, "stsRegion", "assumeRole.stsRegion")?,
        sts_endpoint: cv::opt_string(&a, "stsEndpoint", "assumeRole.stsEndpoint")?,
    }))
}

/// The invoke options, whether to fall back to an inference profile, and the signal.
fn read_invoke(config: &ClientConfig, o: &JsValue) -> Result<(Invoke, bool, Option<AbortSignal>)> {
    if !o.is_object() {
        return Err(Error::type_error("options", "an object"));
    }
    let model = config.model_id(&cv::string(o, "modelId", "modelId")?)?;
    let invoke = Invoke {
        model_id: model.model_id,
        body: cv::body(&get(o, "body"), "body", true)?,
        content_type: cv::opt_string(o, "contentType", "contentType")?.unwrap_or_else(|| "application/json".into()),
        accept: cv::opt_string(o, "accept", "accept")?.unwrap_or_else(|| "application/json".into()),
        guardrail_identifier: cv::opt_string(o, "guardrailIdentifier", "guardrailIdentifier")?,
        guardrail_version: cv::opt_string(o, "guardrailVersion", "guardrailVersion")?,
        trace: cv::opt_string(o, "trace", "trace")?,
        performance_config_latency: cv::opt_string(o, "performanceConfigLatency", "performanceConfigLatency")?,
        service_tier: cv::opt_string(o, "serviceTier", "serviceTier")?,
    };
    let auto = match cv::opt_string(o, "inferenceProfile", "inferenceProfile")? {
        Some(mode) => config::inference_profile_mode(Some(&mode), "inferenceProfile")?,
        None => config.inference_profile_auto,
    };
    Ok((invoke, auto, read_signal(o)?))
}

/// The Test call: resolve the model, render the template, invoke (traced), map the answer.
async fn test_call(inner: &Rc<Inner>, o: &JsValue, trace: &Tracer) -> std::result::Result<JsValue, Failed> {
    let model_input = cv::string(o, "modelId", "modelId")?;
    let parsed = inner.config.model_id(&model_input)?;
    let family = if profile::needs_lookup(&parsed) {
        let answer = run(inner, profile::build_get(&inner.config.control_url, &parsed.model_id), bedrock::parse_error, None).await?;
        profile::model_of(&answer).and_then(|m| model_id::family_of(&m))
    } else {
        model_id::family_of(&parsed.model_id)
    };
    let template_spec = get(o, "template");
    let mapping_spec = get(o, "mapping");
    let preset = || test_call::preset_for_family(family, &parsed.model_id);
    let template = match cv::opt_string(&template_spec, "source", "template")? {
        Some(source) => Template::parse(&source, cv::opt_bool(&template_spec, "json", "template.json")?.unwrap_or(true))?,
        None => match template_spec.as_string() {
            Some(source) => Template::parse(&source, true)?,
            None => Template::parse(preset()?.template, true)?,
        },
    };
    let mapping = if mapping_spec.is_object() {
        wasm_mapping::read_spec(&mapping_spec)?
    } else {
        let m = preset()?.mapping;
        OutputMapping::new(Some(m.output_text), m.input_tokens, m.output_tokens, &[])?
    };
    let body = wasm_template::render(&template, &get(o, "variables"))?;
    if cv::opt_bool(o, "stream", "stream")?.unwrap_or(false) {
        return crate::wasm::stream::test_stream(inner, &parsed.model_id, body, trace).await;
    }
    let invoke = Invoke {
        model_id: parsed.model_id,
        body,
        content_type: "application/json".into(),
        accept: "application/json".into(),
        ..Invoke::default()
    };
    let request = bedrock::build_invoke(&inner.config.runtime_url, &invoke);
    let response = run_traced(inner, request, bedrock::parse_error, None, trace).await.map_err(|f| match f {
        Failed::Core(e) => Failed::Core(bedrock::diagnose(e, &invoke.model_id)),
        js => js,
    })?;
    let value = mapping.parse(&response.body, "body")?;
    let (text, [a, b, c, d]) = wasm_mapping::mapped_parts(&mapping.apply(&value, &response.headers)?);
    Ok(js_sys::Array::of5(&text, &a.into(), &b.into(), &c.into(), &d.into()).into())
}

/// `{ code, message, hint, field }` of a failed Test call, `field` naming the likely culprit.
fn test_error(failed: Failed, at_sts: bool) -> JsValue {
    let js = JsValue::from(failed);
    let text = |k: &str| get(&js, k).as_string();
    let field = test_call::culprit(text("field").as_deref(), at_sts);
    cv::object(&[
        ("code", cv::opt_str(text("code").as_deref())),
        ("message", cv::opt_str(text("message").as_deref())),
        ("hint", cv::opt_str(text("hint").as_deref())),
        ("field", JsValue::from_str(&field)),
    ])
}

/// One InvokeModel call; a malformed-body refusal names the model's family.
async fn invoke_once(inner: &Rc<Inner>, invoke: &Invoke, signal: Option<&AbortSignal>) -> std::result::Result<HttpResponse, Failed> {
    let request = bedrock::build_invoke(&inner.config.runtime_url, invoke);
    run(inner, request, bedrock::parse_error, signal).await.map_err(|f| match f {
        Failed::Core(e) => Failed::Core(bedrock::diagnose(e, &invoke.model_id)),
        js => js,
    })
}

/// The inference profile for a model refused on demand: from ListInferenceProfiles when the
/// role may call it, else the first candidate of the dated table.
async fn choose_profile(inner: &Rc<Inner>, model_id: &str) -> String {
    let listed = run(inner, profile::build_list(&inner.config.control_url), bedrock::parse_error, None).await.ok();
    profile::choose(listed.as_ref(), &inner.config.region, model_id)
}

fn read_filters(o: &JsValue) -> Result<ListFilters> {
    Ok(ListFilters {
        by_provider: cv::opt_string(o, "provider", "provider")?,
        by_customization_type: cv::opt_string(o, "customizationType", "customizationType")?,
        by_output_modality: cv::opt_string(o, "outputModality", "outputModality")?,
        by_inference_type: cv::opt_string(o, "inferenceType", "inferenceType")?,
    })
}

pub(crate) fn read_signal(o: &JsValue) -> Result<Option<AbortSignal>> {
    let s = get(o, "signal");
    if s.is_undefined() || s.is_null() {
        return Ok(None);
    }
    if !get(&s, "aborted").as_bool().is_some() {
        return Err(Error::type_error("signal", "an AbortSignal"));
    }
    Ok(Some(s.unchecked_into()))
}

fn call_now(now: Option<&Function>) -> u64 {
    let ms = now.and_then(|f| f.call0(&JsValue::UNDEFINED).ok()).and_then(|v| {
        v.dyn_ref::<js_sys::Date>().map(|d| d.get_time()).or_else(|| v.as_f64())
    });
    ms.unwrap_or_else(js_sys::Date::now).max(0.0) as u64
}

pub(crate) fn now_ms(inner: &Inner) -> u64 {
    call_now(inner.now.as_ref())
}

/// Runs a Bedrock call (signed with the role's credentials, or with the bearer token).
async fn run(inner: &Rc<Inner>, request: HttpRequest, parse_error: ErrorParser, signal: Option<&AbortSignal>) -> std::result::Result<HttpResponse, Failed> {
    run_traced(inner, request, parse_error, signal, &None).await
}

async fn run_traced(inner: &Rc<Inner>, request: HttpRequest, parse_error: ErrorParser, signal: Option<&AbortSignal>, trace: &Tracer) -> std::result::Result<HttpResponse, Failed> {
    whole(drive(inner, bedrock_call(inner, request, parse_error), Creds::Role, signal, trace, Body::Whole).await?)
}

/// A Bedrock call: with the API key when the client has one, else SigV4 as `bedrock`.
pub(crate) fn bedrock_call(inner: &Inner, request: HttpRequest, parse_error: ErrorParser) -> Call {
    match &inner.config.bearer_token {
        Some(token) => Call::new(request, Auth::Bearer, inner.config.retry, parse_error).with_bearer(token),
        None => {
            let auth = Auth::SigV4 { region: inner.config.region.clone(), service: bedrock::SIGNING_NAME.into() };
            Call::new(request, auth, inner.config.retry, parse_error)
        }
    }
}

/// How a driven call's answer body is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    /// Read whole into an `HttpResponse`.
    Whole,
    /// A 2xx body is left open for streaming; an error answer is still read whole.
    Open,
}

/// The whole answer of a `Body::Whole` call (which never leaves a body open).
fn whole(answer: Answer) -> std::result::Result<HttpResponse, Failed> {
    match answer {
        Answer::Whole(response) => Ok(response),
        Answer::Open(_) => Err(Failed::Core(Error::network("MALFORMED_RESPONSE", "a streamed answer where a whole one was expected", "Retry the call."))),
    }
}

/// Why a driven call ended without an answer: an error of the core (still inspectable), or one
/// already thrown in JS (credential providers, a shared AssumeRole).
pub(crate) enum Failed {
    Core(Error),
    Js(JsValue),
}

impl From<Failed> for JsValue {
    fn from(f: Failed) -> JsValue {
        match f {
            Failed::Core(e) => to_js(e),
            Failed::Js(v) => v,
        }
    }
}

impl From<JsValue> for Failed {
    fn from(v: JsValue) -> Failed {
        Failed::Js(v)
    }
}

/// The last exchange of a traced call (the Test button shows it): what was sent, what came back,
/// and whether it was STS or Bedrock.
#[derive(Default)]
pub struct Trace {
    pub request: Option<HttpRequest>,
    pub response: Option<HttpResponse>,
    pub sts: bool,
}

pub type Tracer = Option<Rc<RefCell<Trace>>>;

/// Which credentials a call signs with.
#[derive(Clone, Copy)]
pub(crate) enum Creds {
    /// The platform's own (AssumeRole itself).
    Base,
    /// The assumed role's, or the base ones when no role is configured.
    Role,
}

/// Drives a `Call` to its end: credentials, fetch, sleep, repeat.
pub(crate) async fn drive(inner: &Rc<Inner>, mut call: Call, creds: Creds, signal: Option<&AbortSignal>, trace: &Tracer, body: Body) -> std::result::Result<Answer, Failed> {
    let sts = matches!(creds, Creds::Base);
    let mut step = call.start();
    loop {
        step = match step {
            Step::NeedCredentials { refresh } => {
                let credentials = credentials_for(inner, creds, refresh, trace).await?;
                call.on_credentials_with(&mut inner.keys.borrow_mut(), &credentials, now_ms(inner))
            }
            Step::Send(request) => {
                let sent = match body {
                    Body::Whole => fetch::send(&inner.fetch, &request, inner.config.timeout_ms, signal).await.map(Answer::Whole),
                    Body::Open => fetch::send_streaming(&inner.fetch, &request, inner.config.timeout_ms, signal).await,
                };
                match sent {
                    Ok(Answer::Open(open)) => {
                        let head = HttpResponse { status: open.status, headers: open.headers.clone(), body: Vec::new() };
                        record(trace, request, Some(&head), sts);
                        return Ok(Answer::Open(open));
                    }
                    Ok(Answer::Whole(response)) => {
                        record(trace, request, Some(&response), sts);
                        call.on_response(response, js_sys::Math::random())
                    }
                    Err(e) => {
                        record(trace, request, None, sts);
                        call.on_network_error(e, js_sys::Math::random())
                    }
                }
            }
            Step::Sleep { ms } => {
                fetch::sleep(ms).await;
                call.on_timer()
            }
            Step::Done(response) => return Ok(Answer::Whole(response)),
            Step::Fail(e) => return Err(Failed::Core(e)),
        };
    }
}

/// Keeps the last exchange of a traced call (copies only when there is a trace).
fn record(trace: &Tracer, request: HttpRequest, response: Option<&HttpResponse>, sts: bool) {
    if let Some(t) = trace {
        *t.borrow_mut() = Trace { request: Some(request), response: response.cloned(), sts };
    }
}

/// The credentials a call signs with: the assumed role's (from the cache), or the base ones.
pub(crate) async fn credentials_for(inner: &Rc<Inner>, creds: Creds, refresh: bool, trace: &Tracer) -> std::result::Result<Credentials, JsValue> {
    match (creds, &inner.config.assume_role) {
        (Creds::Role, Some(params)) => Ok(role_credentials(inner, params, refresh, trace).await?.credentials),
        _ => base_credentials(inner).await,
    }
}

async fn base_credentials(inner: &Inner) -> std::result::Result<Credentials, JsValue> {
    match &inner.source {
        Source::Static(c) => Ok(c.clone()),
        Source::Provider(f) => {
            let value = f.call0(&JsValue::UNDEFINED)?;
            let value = JsFuture::from(Promise::resolve(&value)).await?;
            cv::credentials(&value).map_err(to_js)
        }
        Source::None => Err(to_js(Error::missing("credentials"))),
    }
}

/// The assumed role's credentials from the cache, assuming the role when the cache says so.
/// Concurrent callers share one in-flight AssumeRole.
async fn role_credentials(inner: &Rc<Inner>, params: &sts::AssumeRole, refresh: bool, trace: &Tracer) -> std::result::Result<AssumedRole, JsValue> {
    let base = base_credentials(inner).await?;
    let key = CacheKey { base_access_key_id: base.access_key_id.clone(), params: params.clone() };
    if refresh {
        inner.credentials.cache.borrow_mut().invalidate(&key);
    }
    loop {
        let action = inner.credentials.cache.borrow_mut().next_action(&key, now_ms(inner));
        let pending = match action {
            Action::Use(role) => return Ok(role),
            Action::Wait => inner.credentials.in_flight.borrow().get(&key).cloned(),
            Action::Fetch => {
                let promise = future_to_promise(assume(inner.clone(), key.clone(), base.clone(), trace.clone()));
                inner.credentials.in_flight.borrow_mut().insert(key.clone(), promise.clone());
                Some(promise)
            }
        };
        if let Some(p) = pending {
            JsFuture::from(p).await?;
        }
    }
}

/// One AssumeRole: sends it, and records the outcome in the cache (failures are not cached).
async fn assume(inner: Rc<Inner>, key: CacheKey, base: Credentials, trace: Tracer) -> std::result::Result<JsValue, JsValue> {
    let params = &key.params;
    let (request, warning) = sts::build_assume_role(params, &base);
    let call = Call::new(request, sts::auth(params), inner.config.retry, sts::parse_error);
    let outcome = match drive(&inner, call, Creds::Base, None, &trace, Body::Whole).await.and_then(whole) {
        Ok(response) => sts::parse_assume_role(&response).map_err(|e| to_js(sts::diagnose(e, params))),
        Err(Failed::Core(e)) => Err(to_js(sts::diagnose(e, params))),
        Err(Failed::Js(v)) => Err(v),
    };
    inner.credentials.cache.borrow_mut().complete(&key, outcome.as_ref().ok().cloned());
    inner.credentials.in_flight.borrow_mut().remove(&key);
    if let Some(w) = warning {
        let mut warnings = inner.warnings.borrow_mut();
        if !warnings.contains(&w) {
            warnings.push(w);
        }
    }
    outcome.map(|_| JsValue::UNDEFINED)
}
