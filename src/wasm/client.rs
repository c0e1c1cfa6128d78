//! `BedrockClient`'s wasm half: holds the validated config, the credential source, the
//! credential cache and the clock offset, and drives every operation through one plan: the
//! options read and checked once per call (`read_plan`), credentials (the base function cached,
//! the role cache), model resolution and the inference-profile fallback (`with_profile`), then the
//! core's `client::Call` (retries, clock skew, attempt reports) over `fetch`. Every await is
//! abortable by the call's signal. Decisions live in the core; this file moves values and awaits.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use crate::bedrock::{self, Invoke, ListFilters};
use crate::call_options::{CallOptions, Operation, TestApi};
use crate::config::{self, AssumeRoleOptions, ClientConfig, ClientOptions};
use crate::mapping::OutputMapping;
use crate::stream::{Api, StreamReader};
use crate::template::Template;
use crate::wasm::mapping as wasm_mapping;
use crate::wasm::template as wasm_template;
use crate::{api_key, clock, count_tokens, guardrail, model_id, profile, test_call};

impl From<Error> for Failed {
    fn from(e: Error) -> Failed {
        Failed::Core(e)
    }
}
use crate::client::{Auth, Call, ErrorParser, Step};
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
    /// AWS's clock − the client's (ms), learnt from clock-skew answers; signs and expires with it.
    clock_offset_ms: Cell<i64>,
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
    /// The credentials function's last result, reused until its own expiration − 5 minutes.
    base: RefCell<Option<Credentials>>,
    /// The credentials function's call in flight: concurrent calls share it.
    base_pending: RefCell<Option<Promise>>,
    pub(crate) fetch: Function,
    now: Option<Function>,
    on_attempt: Option<Function>,
    credentials: Rc<SharedCache>,
    warnings: RefCell<Vec<String>>,
    /// Derived SigV4 signing keys (role and base credentials), reused across calls.
    keys: RefCell<KeyCache>,
}

#[wasm_bindgen]
pub struct WasmClient {
    pub(crate) inner: Rc<Inner>,
}

/// One call's plan: what every stage of it needs, read and checked before anything is sent.
pub(crate) struct Plan {
    pub(crate) op: Operation,
    pub(crate) signal: Option<AbortSignal>,
    /// Per attempt, until the answer's headers.
    pub(crate) timeout_ms: u32,
    pub(crate) idle_timeout_ms: u32,
    pub(crate) auto_profile: bool,
    pub(crate) options: CallOptions,
    /// The Test call's `api`, when given.
    pub(crate) api: Option<TestApi>,
}

impl Plan {
    /// The driver's context for this call's requests.
    pub(crate) fn ctx(&self) -> Ctx<'_> {
        Ctx { signal: self.signal.as_ref(), timeout_ms: self.timeout_ms }
    }
}

/// What the driver needs of a call: its signal and per-attempt timeout.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) signal: Option<&'a AbortSignal>,
    pub(crate) timeout_ms: u32,
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
    pub fn check_role(&self, options: JsValue) -> Promise {
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
            let plan = read_plan(&inner, &options, Operation::CheckRole).map_err(to_js)?;
            let role = role_credentials(&inner, &params, false, &None, plan.signal.as_ref()).await.map_err(js_error)?;
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
            let plan = read_plan(&inner, &options, Operation::Invoke).map_err(to_js)?;
            let model = inner.config.model_id(&cv::string(&options, "modelId", "modelId").map_err(to_js)?).map_err(to_js)?;
            let body = cv::body(&get(&options, "body"), "body", true).map_err(to_js)?;
            let content_type = cv::opt_string(&options, "contentType", "contentType").map_err(to_js)?.unwrap_or_else(|| "application/json".into());
            let accept = cv::opt_string(&options, "accept", "accept").map_err(to_js)?.unwrap_or_else(|| "application/json".into());
            let started = now_ms(&inner);
            let send = |model_id: String| {
                let invoke = Invoke { model_id, body: body.clone(), content_type: content_type.clone(), accept: accept.clone(), ..Invoke::default() };
                let inner = inner.clone();
                let plan = &plan;
                async move { invoke_once(&inner, &invoke, plan, &None).await }
            };
            let (response, profile_used) = with_profile(&inner, &model.model_id, &plan, send).await.map_err(js_error)?;
            let latency = now_ms(&inner).saturating_sub(started);
            let meta = bedrock::parse_invoke_meta(&response);
            let usage = match meta.usage {
                Some((i, o)) => cv::object(&[
                    ("inputTokens", (i as f64).into()),
                    ("outputTokens", (o as f64).into()),
                    ("cacheReadInputTokens", cv::opt_num(meta.cache.0)),
                    ("cacheWriteInputTokens", cv::opt_num(meta.cache.1)),
                ]),
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
                ("invokedModelId", cv::opt_str(meta.invoked_model_id.as_deref())),
                ("guardrailAction", cv::opt_str(meta.guardrail_action.as_deref())),
            ]))
        })
    }

    /// JS: countTokens({ modelId, body } | { modelId, messages, system }) → Promise<{ inputTokens, modelIdUsed }>
    #[wasm_bindgen(js_name = countTokens)]
    pub fn count_tokens(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let plan = read_plan(&inner, &options, Operation::CountTokens).map_err(to_js)?;
            let parsed = inner.config.model_id(&cv::string(&options, "modelId", "modelId").map_err(to_js)?).map_err(to_js)?;
            let underlying = profile_model(&inner, &parsed, &plan, &None, "countTokens").await.map_err(js_error)?;
            let model_id = count_tokens::base_model(&parsed, underlying.as_deref()).map_err(to_js)?;
            let input = count_input(&options).map_err(to_js)?;
            let request = count_tokens::build(&inner.config.runtime_url, &model_id, &input);
            let call = bedrock_call(&inner, request, Operation::CountTokens);
            let answer = run(&inner, call, plan.ctx(), &None).await.map_err(js_error)?;
            let n = count_tokens::parse(&answer).map_err(to_js)?;
            Ok(cv::object(&[("inputTokens", JsValue::from_f64(n as f64)), ("modelIdUsed", JsValue::from_str(&model_id))]))
        })
    }

    /// JS: applyGuardrail({ guardrailIdentifier, guardrailVersion, source, content, outputScope? }) → Promise<AWS's answer>
    #[wasm_bindgen(js_name = applyGuardrail)]
    pub fn apply_guardrail(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let plan = read_plan(&inner, &options, Operation::ApplyGuardrail).map_err(to_js)?;
            let call = read_guardrail_call(&options).map_err(to_js)?;
            let request = guardrail::build(&inner.config.runtime_url, &call);
            let call = bedrock_call(&inner, request, Operation::ApplyGuardrail);
            let answer = match run(&inner, call, plan.ctx(), &None).await {
                Ok(answer) => answer,
                Err(Failed::Core(e)) => return Err(js_error_of(guardrail::diagnose(e))),
                Err(other) => return Err(js_error(other)),
            };
            Ok(cv::json_to_js(&guardrail::parse(&answer).map_err(to_js)?))
        })
    }

    /// JS: resolveModel(modelId, { signal }?) → Promise<{ modelId, kind, family, region, inferenceProfile }>
    #[wasm_bindgen(js_name = resolveModel)]
    pub fn resolve_model(&self, model_id: JsValue, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let input = model_id.as_string().ok_or_else(|| to_js(Error::type_error("modelId", "a string")))?;
            let plan = read_plan(&inner, &options, Operation::ResolveModel).map_err(to_js)?;
            let parsed = inner.config.model_id(&input).map_err(to_js)?;
            let underlying = profile_model(&inner, &parsed, &plan, &None, "resolveModel").await.map_err(js_error)?;
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

    /// JS: mintApiKey({ expiresIn = 43200, signal }) → Promise<{ token, expiration: Date, region }>
    #[wasm_bindgen(js_name = mintApiKey)]
    pub fn mint_api_key(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let plan = read_plan(&inner, &options, Operation::MintApiKey).map_err(to_js)?;
            let expires_in = cv::opt_u32(&options, "expiresIn", "expiresIn").map_err(to_js)?.unwrap_or(api_key::MAX_EXPIRES_IN);
            let signal = plan.signal.as_ref();
            let credentials = match &inner.config.assume_role {
                Some(params) => role_credentials(&inner, params, false, &None, signal).await.map_err(js_error)?.credentials,
                None => base_credentials(&inner, signal).await.map_err(js_error)?,
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

    /// JS: listFoundationModels({ provider, customizationType, outputModality, inferenceType, signal, timeoutMs }) → Promise<modelSummaries>
    #[wasm_bindgen(js_name = listFoundationModels)]
    pub fn list_foundation_models(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let plan = read_plan(&inner, &options, Operation::ListFoundationModels).map_err(to_js)?;
            let filters = read_filters(&options).map_err(to_js)?;
            let request = bedrock::build_list_foundation_models(&inner.config.control_url, &filters);
            let response = run(&inner, control_call(&inner, request, "listFoundationModels"), plan.ctx(), &None).await.map_err(js_error)?;
            let list = bedrock::parse_list_foundation_models(&response).map_err(to_js)?;
            Ok(cv::json_to_js(&list))
        })
    }

    /// JS: test({ modelId, template, variables, mapping, stream, …per-call options }) → Promise<{ ok, request, response, mapped, latencyMs, error }>; never rejects for a failed call.
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
                ("invokedModelId", cv::opt_str(t.response.as_ref().and_then(|r| bedrock::invoked_model_id(&r.body)).as_deref())),
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
        check_keys(options, config::CLIENT_KEYS, "")?;
        let now = cv::opt_function(options, "now", "now")?;
        let on_attempt = cv::opt_function(options, "onAttempt", "onAttempt")?;
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
            check_keys(&credentials, config::CREDENTIALS_KEYS, "credentials")?;
            let c = cv::credentials(&credentials)?;
            config::check_credentials(&c, "credentials")?;
            Source::Static(c)
        };
        let retry = get(options, "retry");
        if retry.is_object() {
            check_keys(&retry, config::RETRY_KEYS, "retry")?;
        }
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
            idle_timeout_ms: cv::opt_u32(options, "idleTimeoutMs", "idleTimeoutMs")?,
            use_fips_endpoint: cv::opt_bool(options, "useFipsEndpoint", "useFipsEndpoint")?.unwrap_or(false),
        };
        // Clients sharing a cache share their default session name, so they share credentials.
        let seed_ms = shared.as_ref().map(|c| c.shared.created_ms).unwrap_or_else(|| call_now(now.as_ref()));
        let config = ClientConfig::from_options(opts, seed_ms)?;
        Ok(WasmClient {
            inner: Rc::new(Inner {
                config,
                source,
                base: RefCell::new(None),
                base_pending: RefCell::new(None),
                fetch,
                now,
                on_attempt,
                credentials: shared.map(|c| c.shared).unwrap_or_default(),
                warnings: RefCell::new(Vec::new()),
                keys: RefCell::new(crate::wasm::key_cache()),
            }),
        })
    }
}

/// `CONFIG_UNKNOWN_OPTION` for a key of a plain options object that is not in `known` (keys whose
/// value is `undefined` are ignored: spreading optional values is common).
pub(crate) fn check_keys(o: &JsValue, known: &[&str], prefix: &str) -> Result<()> {
    let Some(object) = o.dyn_ref::<js_sys::Object>() else { return Ok(()) };
    // Reflect.ownKeys catches a throwing Proxy trap (Object.keys would throw through wasm).
    let own = js_sys::Reflect::own_keys(object).map_err(|_| Error::type_error(if prefix.is_empty() { "options" } else { prefix }, "a plain object"))?;
    let keys: Vec<String> = own
        .iter()
        .filter_map(|k| k.as_string())
        .filter(|k| !get(o, k).is_undefined())
        .collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    config::check_keys(&keys, known, prefix)
}

/// Reads and checks the options every call shares (keys, signal, timeouts, inference profile,
/// the per-call Bedrock options) before anything is sent.
pub(crate) fn read_plan(inner: &Inner, o: &JsValue, op: Operation) -> Result<Plan> {
    if !o.is_object() {
        return Err(Error::type_error("options", "an object"));
    }
    check_keys(o, &op.known_keys(), "")?;
    let timeout = cv::opt_u32(o, "timeoutMs", "timeoutMs")?;
    config::check_timeout(timeout, "timeoutMs")?;
    let idle = cv::opt_u32(o, "idleTimeoutMs", "idleTimeoutMs")?;
    config::check_timeout(idle, "idleTimeoutMs")?;
    let auto_profile = match cv::opt_string(o, "inferenceProfile", "inferenceProfile")? {
        Some(mode) => config::inference_profile_mode(Some(&mode), "inferenceProfile")?,
        None => inner.config.inference_profile_auto,
    };
    let json = |key: &str| -> Result<Option<serde_json::Value>> {
        let v = get(o, key);
        if cv::absent(&v) {
            return Ok(None);
        }
        if let Some(s) = v.as_string() {
            return Ok(Some(serde_json::Value::String(s)));
        }
        let bytes = cv::body(&v, key, true)?;
        serde_json::from_slice(&bytes).map(Some).map_err(|_| Error::type_error(key, "a JSON value"))
    };
    let options = CallOptions {
        guardrail_identifier: cv::opt_string(o, "guardrailIdentifier", "guardrailIdentifier")?,
        guardrail_version: cv::opt_string(o, "guardrailVersion", "guardrailVersion")?,
        trace: cv::opt_string(o, "trace", "trace")?,
        performance_config_latency: cv::opt_string(o, "performanceConfigLatency", "performanceConfigLatency")?,
        service_tier: json("serviceTier")?,
        guardrail_config: if op.is_converse() { json("guardrailConfig")? } else { None },
        performance_config: if op.is_converse() { json("performanceConfig")? } else { None },
    };
    options.validate(op)?;
    let api = match cv::opt_string(o, "api", "api")? {
        Some(a) if op == Operation::Test => Some(TestApi::parse(&a)?),
        _ => None,
    };
    let signal = read_signal(o)?;
    if signal.as_ref().is_some_and(AbortSignal::aborted) {
        return Err(fetch::aborted());
    }
    Ok(Plan {
        op,
        signal,
        timeout_ms: timeout.unwrap_or_else(|| default_timeout(inner, op)),
        idle_timeout_ms: idle.unwrap_or(inner.config.idle_timeout_ms),
        auto_profile,
        options,
        api,
    })
}

/// The client's `timeoutMs`, else the default for the kind of call.
fn default_timeout(inner: &Inner, op: Operation) -> u32 {
    inner.config.timeout_for(op.is_model_call())
}

/// Runs a model call; when Bedrock refuses the model on demand, picks the inference profile that
/// serves it from the client's region (ListInferenceProfiles when allowed, else the dated
/// table) and — with `inferenceProfile: 'auto'` — runs it once more through that profile
/// (returned as the second value); otherwise the refusal's hint names the profile.
pub(crate) async fn with_profile<T, F, Fut>(inner: &Rc<Inner>, model_id: &str, plan: &Plan, send: F) -> std::result::Result<(T, Option<String>), Failed>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, Failed>>,
{
    match send(model_id.to_string()).await {
        Err(Failed::Core(e)) if profile::is_on_demand_refusal(&e) => {
            let chosen = choose_profile(inner, model_id, plan).await;
            let p = profile::fallback(e, plan.auto_profile, chosen, &inner.config.region)?;
            Ok((send(p.clone()).await?, Some(p)))
        }
        other => other.map(|v| (v, None)),
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
    check_keys(&a, config::ASSUME_ROLE_KEYS, "assumeRole")?;
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

/// The Test call: resolve the model, render the template, invoke (traced, with the per-call
/// options and the inference-profile fallback), map the answer.
async fn test_call(inner: &Rc<Inner>, o: &JsValue, trace: &Tracer) -> std::result::Result<JsValue, Failed> {
    let plan = read_plan(inner, o, Operation::Test)?;
    let model_input = cv::string(o, "modelId", "modelId")?;
    let parsed = inner.config.model_id(&model_input)?;
    let template_spec = get(o, "template");
    let mapping_spec = get(o, "mapping");
    let given = match cv::opt_string(&template_spec, "source", "template")? {
        Some(source) => Some((source, cv::opt_bool(&template_spec, "json", "template.json")?.unwrap_or(true))),
        None => template_spec.as_string().map(|source| (source, true)),
    };
    let api = test_call::api_for(plan.api, given.as_ref().map(|(source, _)| source.as_str()));
    // Converse needs no family: skip the profile lookup.
    let family = if api == TestApi::Converse {
        None
    } else if profile::needs_lookup(&parsed) {
        profile_model(inner, &parsed, &plan, trace, "test").await?.and_then(|m| model_id::family_of(&m))
    } else {
        model_id::family_of(&parsed.model_id)
    };
    let preset = || test_call::default_preset(api, family, &parsed.model_id);
    let embedding = if api == TestApi::Invoke { family.and_then(crate::preset::embedding_by_family) } else { None };
    let template = match (&given, embedding) {
        (Some((source, json)), _) => Template::parse(source, *json)?,
        (None, Some(e)) => Template::parse(e.template, true)?,
        (None, None) => Template::parse(preset()?.template, true)?,
    };
    let mapping = if mapping_spec.is_object() {
        wasm_mapping::read_spec(&mapping_spec)?
    } else if let Some(e) = embedding {
        e.output_mapping()?
    } else {
        let p = preset()?;
        let (m, cache) = (p.mapping, crate::preset::cache_paths(p.family));
        OutputMapping::new(Some(m.output_text), m.input_tokens, m.output_tokens, &[])?.with_cache(cache.0, cache.1)?
    };
    let body = wasm_template::render(&template, &get(o, "variables"))?;
    let stream = cv::opt_bool(o, "stream", "stream")?.unwrap_or(false);
    let on_delta = if stream { cv::opt_function(o, "onDelta", "onDelta")? } else { None };
    if api == TestApi::Converse {
        let body = test_call::converse_body(&body, &plan.options)?;
        let streamed = stream.then_some(on_delta.as_ref());
        return test_converse(inner, &parsed.model_id, body, &mapping, streamed, &plan, trace).await;
    }
    if stream {
        let send = |model_id: String| {
            let mut request = crate::stream::build_invoke_stream(&inner.config.runtime_url, &model_id, body.clone(), "application/json", "application/json");
            plan.options.apply_headers(&mut request);
            let (inner, plan, on_delta) = (inner.clone(), &plan, on_delta.clone());
            let reader = StreamReader::new(Api::InvokeModel, crate::wasm::stream::delta_for(&model_id));
            async move { crate::wasm::stream::test_stream(&inner, request, reader, plan, trace, on_delta.as_ref()).await }
        };
        return Ok(with_profile(inner, &parsed.model_id, &plan, send).await?.0);
    }
    let send = |model_id: String| {
        let invoke = Invoke {
            model_id,
            body: body.clone(),
            content_type: "application/json".into(),
            accept: "application/json".into(),
            ..Invoke::default()
        };
        let (inner, plan) = (inner.clone(), &plan);
        async move { invoke_once(&inner, &invoke, plan, trace).await }
    };
    let (response, _) = with_profile(inner, &parsed.model_id, &plan, send).await?;
    mapped_answer(&mapping, &response)
}

/// The Test call over Converse (`/converse`, mapped like InvokeModel's answer) or ConverseStream
/// (`streamed`: `Some(onDelta)`; the joined text deltas and the metadata's usage), with the
/// inference-profile fallback.
async fn test_converse(
    inner: &Rc<Inner>,
    model_id: &str,
    body: Vec<u8>,
    mapping: &OutputMapping,
    streamed: Option<Option<&js_sys::Function>>,
    plan: &Plan,
    trace: &Tracer,
) -> std::result::Result<JsValue, Failed> {
    if let Some(on_delta) = streamed {
        let send = |model_id: String| {
            let request = crate::stream::build_converse(&inner.config.runtime_url, &model_id, body.clone(), true);
            let inner = inner.clone();
            let reader = StreamReader::new(Api::Converse, None);
            async move { crate::wasm::stream::test_stream(&inner, request, reader, plan, trace, on_delta).await }
        };
        return Ok(with_profile(inner, model_id, plan, send).await?.0);
    }
    let send = |model_id: String| {
        let request = crate::stream::build_converse(&inner.config.runtime_url, &model_id, body.clone(), false);
        let call = bedrock_call(inner, request, plan.op);
        let inner = inner.clone();
        async move { run(&inner, call, plan.ctx(), trace).await }
    };
    let (response, _) = with_profile(inner, model_id, plan, send).await?;
    mapped_answer(mapping, &response)
}

/// A Test call's whole answer mapped: `[text, ...counts]` (pkg/common.js makes it `mapped`).
fn mapped_answer(mapping: &OutputMapping, response: &HttpResponse) -> std::result::Result<JsValue, Failed> {
    let value = mapping.parse(&response.body, "body")?;
    let (text, numbers) = wasm_mapping::mapped_parts(&mapping.apply(&value, &response.headers)?);
    let parts = js_sys::Array::of1(&text);
    for n in numbers {
        parts.push(&n.into());
    }
    Ok(parts.into())
}

/// The model an application inference profile names (GetInferenceProfile), as `name`'s control
/// call; `None` for any other model ID (see `profile::needs_lookup`).
async fn profile_model(inner: &Rc<Inner>, parsed: &model_id::ModelId, plan: &Plan, trace: &Tracer, name: &'static str) -> std::result::Result<Option<String>, Failed> {
    if !profile::needs_lookup(parsed) {
        return Ok(None);
    }
    let request = profile::build_get(&inner.config.control_url, &parsed.model_id);
    let answer = run(inner, control_call(inner, request, name), plan.ctx(), trace).await?;
    Ok(profile::model_of(&answer))
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

/// One InvokeModel call with the plan's options; a malformed-body refusal names the model's family.
async fn invoke_once(inner: &Rc<Inner>, invoke: &Invoke, plan: &Plan, trace: &Tracer) -> std::result::Result<HttpResponse, Failed> {
    let mut request = bedrock::build_invoke(&inner.config.runtime_url, invoke);
    plan.options.apply_headers(&mut request);
    let call = bedrock_call(inner, request, plan.op);
    run(inner, call, plan.ctx(), trace).await.map_err(|f| match f {
        Failed::Core(e) => Failed::Core(bedrock::diagnose(e, &invoke.model_id)),
        js => js,
    })
}

/// The inference profile for a model refused on demand (see `profile::choose`).
async fn choose_profile(inner: &Rc<Inner>, model_id: &str, plan: &Plan) -> Option<String> {
    let call = control_call(inner, profile::build_list(&inner.config.control_url), "listInferenceProfiles");
    let listed = run(inner, call, plan.ctx(), &None).await.ok();
    profile::choose(listed.as_ref(), &inner.config.region, model_id)
}

/// countTokens' `body`, or `messages` and `system` (as JSON).
fn count_input(o: &JsValue) -> Result<count_tokens::Input> {
    let json = |key: &str| -> Result<Option<serde_json::Value>> {
        let v = get(o, key);
        if cv::absent(&v) {
            return Ok(None);
        }
        let bytes = cv::body(&v, key, true)?;
        serde_json::from_slice(&bytes).map(Some).map_err(|_| Error::type_error(key, "JSON-serializable values"))
    };
    let body = get(o, "body");
    let body = if cv::absent(&body) { None } else { Some(cv::body(&body, "body", true)?) };
    count_tokens::input(body, json("messages")?, json("system")?)
}

/// applyGuardrail's options, checked.
fn read_guardrail_call(o: &JsValue) -> Result<guardrail::ApplyGuardrail> {
    let content = get(o, "content");
    let content = if cv::absent(&content) {
        return Err(Error::missing("content"));
    } else {
        serde_json::from_slice(&cv::body(&content, "content", true)?).map_err(|_| Error::type_error("content", "JSON-serializable values"))?
    };
    let call = guardrail::ApplyGuardrail {
        identifier: cv::string(o, "guardrailIdentifier", "guardrailIdentifier")?,
        version: cv::string(o, "guardrailVersion", "guardrailVersion")?,
        source: cv::string(o, "source", "source")?,
        content,
        output_scope: cv::opt_string(o, "outputScope", "outputScope")?,
    };
    call.validate()?;
    Ok(call)
}

fn read_filters(o: &JsValue) -> Result<ListFilters> {
    let filters = ListFilters {
        by_provider: cv::opt_string(o, "provider", "provider")?,
        by_customization_type: cv::opt_string(o, "customizationType", "customizationType")?,
        by_output_modality: cv::opt_string(o, "outputModality", "outputModality")?,
        by_inference_type: cv::opt_string(o, "inferenceType", "inferenceType")?,
    };
    filters.validate()?;
    Ok(filters)
}

pub(crate) fn read_signal(o: &JsValue) -> Result<Option<AbortSignal>> {
    let s = get(o, "signal");
    if s.is_undefined() || s.is_null() {
        return Ok(None);
    }
    if get(&s, "aborted").as_bool().is_none() {
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

/// The client's own clock.
fn local_ms(inner: &Inner) -> u64 {
    call_now(inner.now.as_ref())
}

/// The client's clock corrected by the offset to AWS's clock (signing, expiry, latencies).
pub(crate) fn now_ms(inner: &Inner) -> u64 {
    clock::corrected(local_ms(inner), inner.credentials.clock_offset_ms.get())
}

/// Runs a call to its whole answer.
async fn run(inner: &Rc<Inner>, call: Call, ctx: Ctx<'_>, trace: &Tracer) -> std::result::Result<HttpResponse, Failed> {
    whole(drive(inner, call, Creds::Role, ctx, trace, Body::Whole).await?)
}

/// A runtime call: with the API key when the client has one, else SigV4 as `bedrock`.
pub(crate) fn bedrock_call(inner: &Inner, request: HttpRequest, op: Operation) -> Call {
    let name = match op {
        Operation::Invoke => "invoke",
        Operation::InvokeStream => "invokeStream",
        Operation::Converse => "converse",
        Operation::ConverseStream => "converseStream",
        Operation::Test => "test",
        Operation::ListFoundationModels => "listFoundationModels",
        Operation::MintApiKey => "mintApiKey",
        Operation::ResolveModel => "resolveModel",
        Operation::CheckRole => "checkRole",
        Operation::CountTokens => "countTokens",
        Operation::ApplyGuardrail => "applyGuardrail",
    };
    signed_call(inner, request, bedrock::parse_error).named(name).at("endpoint")
}

/// A control-plane call (ListFoundationModels, inference profiles).
fn control_call(inner: &Inner, request: HttpRequest, name: &'static str) -> Call {
    signed_call(inner, request, bedrock::parse_control_error).named(name).at("controlEndpoint")
}

fn signed_call(inner: &Inner, request: HttpRequest, parse_error: ErrorParser) -> Call {
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
/// already thrown in JS (a shared AssumeRole's).
pub(crate) enum Failed {
    Core(Error),
    Js(JsValue),
}

impl From<Failed> for JsValue {
    fn from(f: Failed) -> JsValue {
        match f {
            Failed::Core(e) => js_error_of(e),
            Failed::Js(v) => v,
        }
    }
}

impl From<JsValue> for Failed {
    fn from(v: JsValue) -> Failed {
        Failed::Js(v)
    }
}

/// A failed call's JS error.
pub(crate) fn js_error(f: Failed) -> JsValue {
    f.into()
}

/// `to_js`, plus `cause: { code }` for network failures with a system code (ECONNREFUSED…).
pub(crate) fn js_error_of(e: Error) -> JsValue {
    let cause = e.cause_code().map(String::from);
    let js = to_js(e);
    if let Some(code) = cause {
        let _ = js_sys::Reflect::set(&js, &"cause".into(), &cv::object(&[("code", JsValue::from_str(&code))]));
    }
    js
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

/// Drives a `Call` to its end: credentials, fetch, sleep, clock correction, repeat; every wait
/// ends at once when the call's signal fires.
pub(crate) async fn drive(inner: &Rc<Inner>, mut call: Call, creds: Creds, ctx: Ctx<'_>, trace: &Tracer, body: Body) -> std::result::Result<Answer, Failed> {
    let sts = matches!(creds, Creds::Base);
    let mut step = call.start_with(&inner.keys.borrow());
    loop {
        step = match step {
            Step::HashPayload => {
                let digest = super::digest::sha256(call.body()).await;
                call.on_payload_digest(digest.as_deref())
            }
            Step::NeedCredentials { refresh } => {
                let credentials = credentials_for(inner, creds, refresh, trace, ctx.signal).await?;
                call.on_credentials_with(&mut inner.keys.borrow_mut(), &credentials, now_ms(inner))
            }
            Step::Send(request) => {
                let timeout = Some(ctx.timeout_ms);
                let sent = match body {
                    Body::Whole => fetch::send(&inner.fetch, &request, timeout, ctx.signal).await.map(Answer::Whole),
                    Body::Open => fetch::send_streaming(&inner.fetch, &request, timeout, ctx.signal).await,
                };
                let next = match sent {
                    Ok(Answer::Open(open)) => {
                        let head = HttpResponse { status: open.status, headers: open.headers.clone(), body: Vec::new() };
                        record(trace, request, Some(&head), sts);
                        call.on_response(head, 0.0, local_ms(inner), inner.credentials.clock_offset_ms.get());
                        report(inner, &mut call);
                        return Ok(Answer::Open(open));
                    }
                    Ok(Answer::Whole(response)) => {
                        record(trace, request, Some(&response), sts);
                        call.on_response(response, js_sys::Math::random(), local_ms(inner), inner.credentials.clock_offset_ms.get())
                    }
                    Err(e) => {
                        record(trace, request, None, sts);
                        call.on_network_error(e, js_sys::Math::random())
                    }
                };
                report(inner, &mut call);
                next
            }
            Step::Sleep { ms } => {
                fetch::sleep(ms, ctx.signal).await?;
                call.on_timer()
            }
            Step::SetClock { offset_ms } => {
                inner.credentials.clock_offset_ms.set(offset_ms);
                call.on_timer()
            }
            Step::Done(response) => return Ok(Answer::Whole(response)),
            Step::Fail(e) => return Err(Failed::Core(e)),
        };
    }
}

/// Hands the last attempt's outcome to the client's `onAttempt` (its errors are ignored).
fn report(inner: &Inner, call: &mut Call) {
    let (Some(f), Some(r)) = (&inner.on_attempt, call.take_report()) else { return };
    let info = cv::object(&[
        ("operation", JsValue::from_str(r.operation)),
        ("attempt", JsValue::from_f64(r.attempt.into())),
        ("delayMs", r.delay_ms.map(|d| JsValue::from_f64(d as f64)).unwrap_or(JsValue::NULL)),
        ("code", cv::opt_str(r.code.as_deref())),
        ("status", r.status.map(|s| JsValue::from_f64(s.into())).unwrap_or(JsValue::NULL)),
    ]);
    let _ = f.call1(&JsValue::UNDEFINED, &info);
}

/// Keeps the last exchange of a traced call (copies only when there is a trace).
fn record(trace: &Tracer, request: HttpRequest, response: Option<&HttpResponse>, sts: bool) {
    if let Some(t) = trace {
        *t.borrow_mut() = Trace { request: Some(request), response: response.cloned(), sts };
    }
}

/// The credentials a call signs with: the assumed role's (from the cache), or the base ones.
pub(crate) async fn credentials_for(inner: &Rc<Inner>, creds: Creds, refresh: bool, trace: &Tracer, signal: Option<&AbortSignal>) -> std::result::Result<Credentials, Failed> {
    match (creds, &inner.config.assume_role) {
        (Creds::Role, Some(params)) => Ok(role_credentials(inner, params, refresh, trace, signal).await?.credentials),
        _ => {
            if refresh {
                inner.base.borrow_mut().take();
            }
            base_credentials(inner, signal).await
        }
    }
}

/// The platform's credentials: static, or from the credentials function — called only when
/// none are cached or the cached ones are within 5 minutes of their own `expiration`; concurrent
/// calls share one call of it.
async fn base_credentials(inner: &Inner, signal: Option<&AbortSignal>) -> std::result::Result<Credentials, Failed> {
    match &inner.source {
        Source::Static(c) => Ok(c.clone()),
        Source::Provider(f) => {
            let now = now_ms(inner);
            let cached = inner.base.borrow().clone();
            if let Some(c) = cached.filter(|c| c.expiration_ms.map_or(true, |exp| now.saturating_add(crate::credentials::REFRESH_BEFORE_MS) < exp)) {
                return Ok(c);
            }
            let pending = inner.base_pending.borrow().clone();
            let promise = match pending {
                Some(p) => p,
                None => {
                    let value = f.call0(&JsValue::UNDEFINED).map_err(|e| Failed::Core(provider_failed(&e)))?;
                    let p = Promise::resolve(&value);
                    *inner.base_pending.borrow_mut() = Some(p.clone());
                    p
                }
            };
            let waited = fetch::abortable(promise.clone(), signal).await;
            if !matches!(waited, Err(fetch::Waited::Aborted(_))) {
                let mut slot = inner.base_pending.borrow_mut();
                if slot.as_ref().is_some_and(|p| js_sys::Object::is(p, &promise)) {
                    slot.take();
                }
            }
            let value = waited.map_err(|e| match e {
                fetch::Waited::Aborted(e) => Failed::Core(e),
                fetch::Waited::Rejected(js) => Failed::Core(provider_failed(&js)),
            })?;
            let c = cv::credentials(&value)?;
            config::check_credentials(&c, "credentials")?;
            *inner.base.borrow_mut() = Some(c.clone());
            Ok(c)
        }
        Source::None => Err(Failed::Core(Error::missing("credentials"))),
    }
}

/// A credentials function that threw or rejected.
fn provider_failed(js: &JsValue) -> Error {
    let message = js_sys::Reflect::get(js, &"message".into()).ok().and_then(|m| m.as_string()).or_else(|| js.as_string()).unwrap_or_else(|| "no reason given".into());
    Error::config(
        "CREDENTIALS_PROVIDER_FAILED",
        "credentials",
        format!("the credentials function failed: {message}"),
        "The async `credentials` option threw or rejected: fix it so it resolves to { accessKeyId, secretAccessKey, sessionToken?, expiration? }.",
    )
}

/// The assumed role's credentials. At most one AssumeRole per call, by construction: the cache
/// says use, wait for the one in flight, or fetch one; after that the call takes whatever is
/// still valid (even inside the refresh window, even if STS failed), or fails.
async fn role_credentials(inner: &Rc<Inner>, params: &sts::AssumeRole, refresh: bool, trace: &Tracer, signal: Option<&AbortSignal>) -> std::result::Result<AssumedRole, Failed> {
    let base = base_credentials(inner, signal).await?;
    let key = CacheKey { base_access_key_id: base.access_key_id.clone(), params: params.clone() };
    if refresh {
        inner.credentials.cache.borrow_mut().invalidate(&key);
    }
    let action = inner.credentials.cache.borrow_mut().next_action(&key, now_ms(inner));
    let pending = match action {
        Action::Use(role) => return Ok(role),
        Action::Wait => inner.credentials.in_flight.borrow().get(&key).cloned(),
        Action::Fetch => {
            let promise = future_to_promise(assume(inner.clone(), key.clone(), base, trace.clone()));
            inner.credentials.in_flight.borrow_mut().insert(key.clone(), promise.clone());
            Some(promise)
        }
    };
    let outcome = match pending {
        Some(p) => fetch::abortable(p, signal).await.map(|_| ()),
        None => Ok(()),
    };
    if let Err(fetch::Waited::Aborted(e)) = outcome {
        return Err(Failed::Core(e));
    }
    if let Some(role) = inner.credentials.cache.borrow().usable(&key, now_ms(inner)) {
        return Ok(role);
    }
    match outcome {
        Err(fetch::Waited::Rejected(js)) => Err(Failed::Js(js)),
        _ => Err(Failed::Core(sts::expired_on_arrival())),
    }
}

/// One AssumeRole: sends it, and records the outcome in the cache (failures are not cached).
async fn assume(inner: Rc<Inner>, key: CacheKey, base: Credentials, trace: Tracer) -> std::result::Result<JsValue, JsValue> {
    let params = &key.params;
    let (request, warning) = sts::build_assume_role(params, &base);
    let call = Call::new(request, sts::auth(params), inner.config.retry, sts::parse_error).named("assumeRole").at("assumeRole.stsEndpoint");
    let ctx = Ctx { signal: None, timeout_ms: inner.config.timeout_for(false) };
    let outcome = match drive(&inner, call, Creds::Base, ctx, &trace, Body::Whole).await.and_then(whole) {
        Ok(response) => sts::parse_assume_role(&response).map_err(|e| js_error_of(sts::diagnose(e, params))),
        Err(Failed::Core(e)) => Err(js_error_of(sts::diagnose(e, params))),
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
