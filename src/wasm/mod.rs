//! The `#[wasm_bindgen]` surface: converts JS values, calls the core, converts the result.
//! Compiled only for `wasm32`; no decisions live here (they are in the core and tested on the host).

mod client;
mod convert;
mod digest;
mod error;
mod fetch;
pub(crate) mod stream;
pub(crate) mod mapping;
pub(crate) mod template;

use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::http::HttpRequest;
use crate::model_id::{self, Context};
use crate::sign::{self, KeyCache, Location, Scope, Settings};
use convert as cv;
use error::to_js;

extern "C" {
    /// Synthesized by wasm-ld: runs the module's constructors (`inventory` registering the
    /// I-Regexp `match()` / `search()` functions, src/iregexp.rs).
    fn __wasm_call_ctors();
}

/// Runs once when the module is instantiated. Calling the constructors here also tells wasm-ld
/// the module is not "command-style", so it stops wrapping every export in a call to them
/// (which cost each call into the module ~0.4 µs: inventory re-registering its functions).
#[wasm_bindgen(start)]
fn start() {
    // SAFETY: called once, at instantiation, before any export runs; the constructors only
    // register inventory's static nodes.
    unsafe { __wasm_call_ctors() }
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        PANIC_SINK.with(|p| {
            if let Some(f) = p.try_borrow().ok().as_ref().and_then(|p| p.as_ref()) {
                let _ = f.call1(&JsValue::UNDEFINED, &JsValue::from_str(&message));
            }
        });
    }));
}

thread_local! {
    /// Told a panic's message just before the instance traps (pkg/instance.js puts it in the
    /// `INTERNAL_PANIC` error and retires the instance).
    static PANIC_SINK: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// JS: registerPanicSink(f) — `f(message)` is called when Rust panics, before the trap.
#[wasm_bindgen(js_name = registerPanicSink)]
pub fn register_panic_sink(f: js_sys::Function) {
    PANIC_SINK.with(|p| *p.borrow_mut() = Some(f));
}

/// Test-only, reached through pkg/instance.js's internal symbol (not the public API): panics,
/// so that the recovery can be proven. `mode` 0 panics now; 1 returns a promise whose future
/// panics one tick later, inside wasm-bindgen-futures' task queue.
#[wasm_bindgen(js_name = __testPanic)]
pub fn test_panic(mode: u32) -> js_sys::Promise {
    if mode == 0 {
        deliberate_panic();
    }
    wasm_bindgen_futures::future_to_promise(async {
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await?;
        deliberate_panic()
    })
}

#[allow(clippy::panic)] // the one deliberate panic, for the recovery tests
fn deliberate_panic() -> ! {
    panic!("__testPanic: a deliberate panic")
}

thread_local! {
    /// `signRequest`'s derived signing keys, reused across calls.
    static SIGN_KEYS: std::cell::RefCell<KeyCache> = std::cell::RefCell::new(key_cache());
    /// The runtime's synchronous SHA-256 (node:crypto in Node), registered by the package entry.
    static NATIVE_SHA256: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
    /// The runtime's UTF-16 → string decoder, where it beats its UTF-8 one (Node's Buffer).
    static UTF16_TEXT: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// JS: registerUtf16Text(text) — `text(utf16le: Uint8Array) → string`, registered where it is
/// faster than `TextDecoder` for non-ASCII text: Node 20 makes a 5 K-character string from UTF-16
/// in ≈ 0.5 µs and from UTF-8 in ≈ 5.5 µs (Chromium's UTF-8 decoder is the faster one there).
#[wasm_bindgen(js_name = registerUtf16Text)]
pub fn register_utf16_text(f: js_sys::Function) {
    UTF16_TEXT.with(|t| *t.borrow_mut() = Some(f));
}

/// `s` as a JS string: a long non-ASCII one crosses as UTF-16 when the runtime registered a
/// decoder for it (the transcoding in wasm is ≈ 10× faster than Node's UTF-8 decoder).
pub(crate) fn text_to_js(s: &str) -> JsValue {
    let utf16 = UTF16_TEXT.with(|t| {
        let t = t.borrow();
        let f = t.as_ref().filter(|_| s.len() >= LONG_STRING as usize && !s.is_ascii())?;
        let utf16 = crate::swar::to_utf16le(s);
        // SAFETY: the view is read only by this synchronous call, during which nothing
        // allocates in (or grows) wasm memory: the JS decoder copies it into a string.
        let view = unsafe { js_sys::Uint8Array::view(&utf16) };
        f.call1(&JsValue::UNDEFINED, &view).ok().filter(JsValue::is_string)
    });
    utf16.unwrap_or_else(|| JsValue::from_str(s))
}

/// JS: registerSha256(sha256Hex) — `sha256Hex(bytes) → hex`, where the runtime has a synchronous one.
#[wasm_bindgen(js_name = registerSha256)]
pub fn register_sha256(f: js_sys::Function) {
    NATIVE_SHA256.with(|n| *n.borrow_mut() = Some(f));
}

/// A signer's key cache that hashes long inputs with the registered native SHA-256, if any
/// (without one, the core asks a call for WebCrypto's asynchronous hash of a long body).
pub(crate) fn key_cache() -> KeyCache {
    let mut keys = KeyCache::new();
    if NATIVE_SHA256.with(|n| n.borrow().is_some()) {
        keys.set_native_sha256(native_sha256);
    }
    keys
}

/// `sign::NativeSha256` over the registered JS function (`None`: none registered, or it failed).
fn native_sha256(data: &[u8]) -> Option<String> {
    NATIVE_SHA256.with(|n| {
        let n = n.borrow();
        let f = n.as_ref()?;
        // SAFETY: the view is used only by this synchronous call, during which nothing allocates
        // in (or grows) wasm memory: the JS hash reads the bytes and returns a string.
        let view = unsafe { js_sys::Uint8Array::view(data) };
        f.call1(&JsValue::UNDEFINED, &view).ok()?.as_string()
    })
}

/// JS: signRequest({ method, url, headers, body, region, service, credentials, signingDate, settings })
/// → `method\nurl\nname\nvalue\n…` (pkg/common.js makes it `{ method, url, headers }`: one string
/// crosses instead of one `Reflect.set` per header; none of these can hold a newline).
/// `payload_hash`: the body's SHA-256 hex when the runtime hashed it natively (the body is then
/// not copied into wasm).
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(input: JsValue, payload_hash: Option<String>) -> Result<String, JsValue> {
    sign_request_core(&input, payload_hash).map_err(to_js)
}

// `signRequest` is called per request, so its input is read with direct property accesses
// (structural getters: no key strings cross from wasm, no `Reflect`), with the same checks and
// messages as `convert`'s readers.
#[wasm_bindgen]
extern "C" {
    type SignInput;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn region(this: &SignInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn service(this: &SignInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn credentials(this: &SignInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = signingDate, structural)]
    fn signing_date(this: &SignInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn method(this: &SignInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn url(this: &SignInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn headers(this: &SignInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn body(this: &SignInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn settings(this: &SignInput) -> Result<JsValue, JsValue>;

    pub(crate) type CredentialsInput;
    #[wasm_bindgen(method, catch, getter = accessKeyId, structural)]
    pub(crate) fn access_key_id(this: &CredentialsInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = secretAccessKey, structural)]
    pub(crate) fn secret_access_key(this: &CredentialsInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter = sessionToken, structural)]
    pub(crate) fn session_token(this: &CredentialsInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    pub(crate) fn expiration(this: &CredentialsInput) -> Result<JsValue, JsValue>;

    type HeadersInput;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn entries(this: &HeadersInput) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, structural)]
    fn get(this: &HeadersInput) -> Result<JsValue, JsValue>;

    /// Long strings (bodies, session tokens) are copied into wasm memory by one native
    /// `TextEncoder.encodeInto` rather than wasm-bindgen's per-character loop.
    #[wasm_bindgen(js_name = TextEncoder)]
    type Utf8Encoder;
    #[wasm_bindgen(constructor, js_class = TextEncoder)]
    fn new() -> Utf8Encoder;
    #[wasm_bindgen(method, js_class = TextEncoder, js_name = encodeInto)]
    fn encode_into(this: &Utf8Encoder, source: &JsValue, destination: &js_sys::Uint8Array) -> EncodeIntoResult;
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter, structural)]
    fn written(this: &EncodeIntoResult) -> u32;

}


/// Below this many UTF-16 units wasm-bindgen's own string copy is as fast.
const LONG_STRING: u32 = 256;

/// A string of at least [`LONG_STRING`] units, copied with `TextEncoder.encodeInto` (which, like
/// wasm-bindgen's copy, replaces lone surrogates with U+FFFD). `None` for anything else.
/// wasm-bindgen's own copy goes a character at a time in JS up to the first non-ASCII one:
/// ~1 ns a character for an all-ASCII string.
pub(crate) fn long_string(v: &JsValue) -> Option<String> {
    long_utf8(v).and_then(|bytes| String::from_utf8(bytes).ok())
}

/// `long_string`'s bytes, not checked again (for a JSON parser, which checks them itself).
pub(crate) fn long_utf8(v: &JsValue) -> Option<Vec<u8>> {
    let units = v.dyn_ref::<js_sys::JsString>()?.length();
    if units < LONG_STRING {
        return None;
    }
    let capacity = units as usize * 3; // UTF-8 bytes per UTF-16 unit, at most
    let mut buf: Vec<u8> = Vec::with_capacity(capacity);
    // SAFETY: the view covers `buf`'s allocation and lives only for this call, in which nothing
    // allocates in (or grows) wasm memory; `written` bytes of it are then initialized.
    let written = unsafe {
        let view = js_sys::Uint8Array::view_mut_raw(buf.as_mut_ptr(), capacity);
        let written = ENCODER.with(|e| e.encode_into(v, &view).written()) as usize;
        buf.set_len(written.min(capacity));
        written
    };
    debug_assert!(written <= capacity);
    Some(buf)
}

thread_local! {
    static ENCODER: Utf8Encoder = Utf8Encoder::new();
}

/// Headers as a plain object, `[name, value][]` or a `Headers` (anything with `entries()` and
/// `get()`), read with direct property accesses. Names keep their case: the signer and the
/// mapping's header fallback compare them case-insensitively. Every read that may run a
/// caller's code is caught (`UNREADABLE_INPUT`).
pub(crate) fn headers_of(v: JsValue) -> crate::error::Result<Vec<(String, String)>> {
    const FIELD: &str = "headers";
    if cv::absent(&v) {
        return Ok(Vec::new());
    }
    if !v.is_object() && !v.is_function() {
        return Err(Error::type_error(FIELD, "an object of strings"));
    }
    let read = |r: Result<JsValue, JsValue>| r.map_err(|e| cv::unreadable(FIELD, &e));
    let h: &HeadersInput = v.unchecked_ref();
    let pairs = if cv::is_array(&v, FIELD)? {
        cv::array(&v, FIELD)?
    } else {
        let entries = read(h.entries())?;
        if entries.is_function() && read(h.get())?.is_function() {
            let entries: &js_sys::Function = entries.unchecked_ref();
            cv::array(&read(entries.call0(&v))?, FIELD)?
        } else {
            let mut out = Vec::new();
            for (name, value) in cv::entries(&v, FIELD)? {
                out.push((name, value.as_string().ok_or_else(|| Error::type_error(FIELD, "an object of strings"))?));
            }
            return Ok(out);
        }
    };
    let mut out = Vec::with_capacity(pairs.length() as usize);
    for pair in pairs.iter() {
        let pair = if pair.is_object() { cv::array(&pair, FIELD)? } else { js_sys::Array::new() };
        match (pair.get(0).as_string(), pair.get(1).as_string()) {
            (Some(n), Some(val)) => out.push((n, val)), // sign_request_with lowercases names
            _ => return Err(Error::type_error(FIELD, "a plain object or [name, value][] of strings")),
        }
    }
    Ok(out)
}

/// JS: signFields(fields, timeMs, hasToken, body?, payloadHash?) — `signRequest` for the usual
/// input, read in one call: pkg/common.js `plainSignFields` checked the types and joined
/// `method, url, region, service, accessKeyId, secretAccessKey, sessionToken, name, value, …`
/// with newlines (none of them holds one). Same answer as `signRequest`.
#[wasm_bindgen(js_name = signFields)]
pub fn sign_fields(fields: JsValue, time_ms: f64, has_token: bool, body: Option<Box<[u8]>>, payload_hash: Option<String>) -> Result<String, JsValue> {
    let run = || -> crate::error::Result<String> {
        let fields = long_string(&fields).or_else(|| fields.as_string()).ok_or_else(|| Error::type_error("fields", "a string"))?;
        let mut parts = fields.split('\n');
        let mut next = || parts.next().unwrap_or_default();
        let (method, url, region, service) = (next(), next(), next(), next());
        let (access_key_id, secret_access_key, token) = (next(), next(), next());
        let credentials = sign::Credentials {
            access_key_id: access_key_id.to_string(),
            secret_access_key: secret_access_key.to_string(),
            session_token: has_token.then(|| token.to_string()),
            expiration_ms: None,
        };
        let mut request = HttpRequest::new(method, url.to_string()); // sign_request_with normalizes the case
        while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
            request.headers.push((name.to_string(), value.to_string()));
        }
        request.body = body.map(Vec::from).unwrap_or_default();
        let settings = Settings { payload_hash, ..Settings::default() };
        sign_and_join(request, &credentials, Scope { region, service, time_ms: time_ms as u64 }, &settings)
    };
    run().map_err(to_js)
}

/// Signs with the shared key cache; the result as `method\nurl\nname\nvalue…`.
fn sign_and_join(request: HttpRequest, credentials: &sign::Credentials, scope: Scope<'_>, settings: &Settings) -> crate::error::Result<String> {
    let signed = SIGN_KEYS.with(|keys| sign::sign_request_with(&mut keys.borrow_mut(), request, credentials, scope, settings))?;
    let mut out = String::with_capacity(signed.url.len() + signed.headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum::<usize>() + 16);
    for part in [&signed.method, &signed.url].into_iter().chain(signed.headers.iter().flat_map(|(n, v)| [n, v])) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(part);
    }
    Ok(out)
}

fn sign_request_core(input: &JsValue, payload_hash: Option<String>) -> crate::error::Result<String> {
    if !input.is_object() {
        return Err(Error::type_error("input", "an object"));
    }
    let i: &SignInput = input.unchecked_ref();
    let read = |r: Result<JsValue, JsValue>, field: &str| r.map_err(|e| cv::unreadable(field, &e));
    let region = cv::string_of(read(i.region(), "region")?, "region")?;
    let service = cv::string_of(read(i.service(), "service")?, "service")?;
    let credentials = cv::credentials(&read(i.credentials(), "credentials")?)?;
    let time_ms = match cv::time_ms(&read(i.signing_date(), "signingDate")?, "signingDate")? {
        Some(ms) => ms,
        None => js_sys::Date::now() as u64,
    };
    let method = cv::opt_string_of(read(i.method(), "method")?, "method")?.unwrap_or_else(|| "GET".into());
    let mut request = HttpRequest::new(&method, cv::string_of(read(i.url(), "url")?, "url")?);
    request.headers = headers_of(read(i.headers(), "headers")?)?;
    if payload_hash.is_none() {
        let body = read(i.body(), "body")?;
        request.body = match long_string(&body) {
            Some(s) => s.into_bytes(),
            None => cv::body(&body, "body", false)?,
        };
    }
    let settings = Settings { payload_hash, ..read_settings(&read(i.settings(), "settings")?)? };
    sign_and_join(request, &credentials, Scope { region: &region, service: &service, time_ms }, &settings)
}

fn read_settings(s: &JsValue) -> crate::error::Result<Settings> {
    let d = Settings::default();
    if !s.is_object() && !s.is_function() {
        return Ok(d); // what reading each setting from a non-object gives
    }
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
        payload_hash: None,
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

/// JS: policies({ platformPrincipal, externalId, actions, tags, models, regions }) → { permissions, trust }
#[wasm_bindgen]
pub fn policies(input: JsValue) -> Result<JsValue, JsValue> {
    let run = || -> crate::error::Result<JsValue> {
        if !input.is_object() {
            return Err(Error::type_error("input", "an object"));
        }
        let actions = cv::try_get(&input, "actions", "actions")?;
        let tags = cv::try_get(&input, "tags", "tags")?;
        let p = crate::policy::build(crate::policy::Input {
            platform_principal: cv::string(&input, "platformPrincipal", "platformPrincipal")?,
            external_id: cv::opt_string(&input, "externalId", "externalId")?,
            actions: if actions.is_undefined() { None } else { Some(cv::string_array(&input, "actions", "actions")?) },
            session_tags: tags.is_truthy(),
            models: Some(cv::string_array(&input, "models", "models")?),
            regions: Some(cv::string_array(&input, "regions", "regions")?),
        })?;
        Ok(cv::object(&[("permissions", cv::json_to_js(&p.permissions)), ("trust", cv::json_to_js(&p.trust))]))
    };
    run().map_err(to_js)
}

/// JS: presetFor's family lookup: the preset family of a model ID, or null.
#[wasm_bindgen(js_name = presetFamily)]
pub fn preset_family(model_id: JsValue) -> Result<Option<String>, JsValue> {
    let id = model_id.as_string().ok_or_else(|| to_js(Error::type_error("modelId", "a string")))?;
    Ok(crate::preset::family_for_model(&id).map(String::from))
}
