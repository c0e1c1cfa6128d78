//! `JsonPath` and `OutputMapping` for JS: inputs (JSON text as string / bytes / ArrayBuffer, or a
//! plain JS value) become one `serde_json::Value`, parsed once per call and queried in wasm, so
//! a UTF-8 body never becomes a JS string. Rules live in `crate::mapping`.

use js_sys::Object;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::Error;
use crate::mapping::{self, Path, Pick};
use crate::wasm::convert as cv;
use crate::wasm::error::to_js;

/// JSON text (string, Uint8Array, ArrayBuffer) or a plain JS value → one parsed value, built
/// only as far as `pick` reaches (`None`: whole).
pub fn json_input(input: &JsValue, pick: Option<&Pick>, field: &str) -> Result<Value, Error> {
    if let Some(bytes) = cv::bytes_of(input, field) {
        return mapping::parse_picked(&bytes?, pick, field);
    }
    if let Some(utf8) = crate::wasm::long_utf8(input) {
        return mapping::parse_picked(&utf8, pick, field);
    }
    if let Some(text) = input.as_string() {
        return mapping::parse_picked(text.as_bytes(), pick, field);
    }
    // A plain JS value: converted as JSON.stringify sees it, bounded (src/wasm/convert.rs).
    // `undefined` alone is no document (JSON.stringify gives no text for it).
    if input.is_undefined() {
        return Err(Error::config("INVALID_JSON", field, format!("{field} is undefined, which is not a JSON value"), "Pass JSON text (string, Uint8Array, ArrayBuffer) or a JSON-compatible value."));
    }
    cv::to_json(input, cv::Missing::Null, field, &|what| {
        Error::config("INVALID_JSON", field, format!("{field} is {what}, which is not a JSON value"), "Pass JSON text (string, Uint8Array, ArrayBuffer) or a JSON-compatible value.")
    })
}

/// A parsed value as JSON.parse would give it: every number a JS number (integers beyond 2^53
/// rounded, as JSON.parse rounds them), `__proto__` an own property.
pub fn value_to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => crate::wasm::text_to_js(s),
        Value::Array(items) => items.iter().map(value_to_js).collect::<js_sys::Array>().into(),
        Value::Object(map) => {
            let object = Object::new();
            for (key, value) in map {
                let key_js = JsValue::from_str(key);
                let value_js = value_to_js(value);
                if key == "__proto__" {
                    let descriptor = cv::object(&[("value", value_js), ("writable", true.into()), ("enumerable", true.into()), ("configurable", true.into())]);
                    let _ = js_sys::Reflect::define_property(&object, &key_js, descriptor.unchecked_ref());
                } else {
                    let _ = js_sys::Reflect::set(&object, &key_js, &value_js);
                }
            }
            object.into()
        }
    }
}

/// JS: new JsonPath(path) — compiled once (RFC 9535).
#[wasm_bindgen(js_name = WasmJsonPath)]
pub struct WasmJsonPath {
    path: Path,
}

#[wasm_bindgen(js_class = WasmJsonPath)]
impl WasmJsonPath {
    #[wasm_bindgen(constructor)]
    pub fn new(path: JsValue) -> Result<WasmJsonPath, JsValue> {
        let text = path.as_string().ok_or_else(|| to_js(Error::type_error("path", "a string")))?;
        Ok(WasmJsonPath { path: Path::parse(&text, "path").map_err(to_js)? })
    }

    /// JS: query(input) → values
    pub fn query(&self, input: JsValue) -> Result<JsValue, JsValue> {
        let value = json_input(&input, self.path.pick.as_ref(), "input").map_err(to_js)?;
        let found: Vec<&Value> = self.path.query(&value);
        Ok(found.into_iter().map(value_to_js).collect::<js_sys::Array>().into())
    }

    /// JS: queryLocated(input) → { path, value }[]
    #[wasm_bindgen(js_name = queryLocated)]
    pub fn query_located(&self, input: JsValue) -> Result<JsValue, JsValue> {
        let value = json_input(&input, self.path.pick.as_ref(), "input").map_err(to_js)?;
        let out = js_sys::Array::new();
        for (path, node) in self.path.query_located(&value) {
            out.push(&cv::object(&[("path", JsValue::from_str(&path)), ("value", value_to_js(node))]));
        }
        Ok(out.into())
    }

    #[wasm_bindgen(getter)]
    pub fn source(&self) -> String {
        self.path.source.clone()
    }
}

/// JS: new OutputMapping({ outputText, inputTokens, outputTokens, ...extra })
#[wasm_bindgen(js_name = WasmOutputMapping)]
pub struct WasmOutputMapping {
    inner: mapping::OutputMapping,
}

#[wasm_bindgen(js_class = WasmOutputMapping)]
impl WasmOutputMapping {
    #[wasm_bindgen(constructor)]
    pub fn new(spec: JsValue) -> Result<WasmOutputMapping, JsValue> {
        Ok(WasmOutputMapping { inner: read_spec(&spec).map_err(to_js)? })
    }

    /// JS: apply(body, headers, counts) → the text part of `mapped_parts`, its counts written
    /// into `counts` (pkg/common.js makes them `{ outputText, inputTokens, outputTokens, source,
    /// ...extra }`).
    pub fn apply(&self, body: JsValue, headers: JsValue, counts: &js_sys::Float64Array) -> Result<JsValue, JsValue> {
        let value = json_input(&body, self.inner.pick.as_ref(), "body").map_err(to_js)?;
        self.finish(&value, headers, counts)
    }

    /// JS: applyBytes(bytes, headers, counts): `apply` for a `Uint8Array`, copied in by the glue's
    /// own native copy (no catching import per body).
    #[wasm_bindgen(js_name = applyBytes)]
    pub fn apply_bytes(&self, body: &[u8], headers: JsValue, counts: &js_sys::Float64Array) -> Result<JsValue, JsValue> {
        let value = mapping::parse_picked(body, self.inner.pick.as_ref(), "body").map_err(to_js)?;
        self.finish(&value, headers, counts)
    }
}

impl WasmOutputMapping {
    pub fn mapping(&self) -> &mapping::OutputMapping {
        &self.inner
    }

    /// The mapped value's text and counts (`counts` filled), the headers as the fallback.
    fn finish(&self, value: &serde_json::Value, headers: JsValue, counts: &js_sys::Float64Array) -> Result<JsValue, JsValue> {
        let headers = crate::wasm::headers_of(headers).map_err(to_js)?;
        let (text, numbers) = mapped_parts(&self.inner.apply(value, &headers).map_err(to_js)?);
        counts.copy_from(&numbers);
        Ok(text)
    }
}

/// `{ outputText, inputTokens, outputTokens, ...extra }` (paths or null) → a compiled mapping.
pub fn read_spec(spec: &JsValue) -> Result<mapping::OutputMapping, Error> {
    if !spec.is_object() {
        return Err(Error::type_error("mapping", "an object of JSONPath strings"));
    }
    let mut extra = Vec::new();
    for key in cv::keys(spec, "mapping")? {
        if matches!(key.as_str(), "outputText" | "inputTokens" | "outputTokens" | "cacheReadInputTokens" | "cacheWriteInputTokens" | "delta") {
            continue;
        }
        if let Some(p) = cv::opt_string(spec, &key, &key)? {
            extra.push((key, p));
        }
    }
    mapping::OutputMapping::new(
        cv::opt_string(spec, "outputText", "outputText")?.as_deref(),
        cv::opt_string(spec, "inputTokens", "inputTokens")?.as_deref(),
        cv::opt_string(spec, "outputTokens", "outputTokens")?.as_deref(),
        &extra,
    )?
    .with_cache(
        cv::opt_string(spec, "cacheReadInputTokens", "cacheReadInputTokens")?.as_deref(),
        cv::opt_string(spec, "cacheWriteInputTokens", "cacheWriteInputTokens")?.as_deref(),
    )
}

/// A mapping's answer in two parts that cross cheaply: `outputText` (or `[outputText, name,
/// value, …]` when the mapping has extra fields) and `[inputTokens, outputTokens,
/// inputTokensSource, outputTokensSource, cacheReadInputTokens, cacheWriteInputTokens,
/// cacheReadSource, cacheWriteSource]` (NaN: none; sources 1 body, 2 headers, 0 none).
/// pkg/common.js (`mapped`) builds the object with its own key strings: each key made here
/// would cross as UTF-8.
pub fn mapped_parts(m: &mapping::Mapped) -> (JsValue, [f64; 8]) {
    let count = |t: &Option<(u64, mapping::Source)>| t.map_or(f64::NAN, |(n, _)| n as f64);
    let source = |t: &Option<(u64, mapping::Source)>| match t {
        None => 0.0,
        Some((_, mapping::Source::Body)) => 1.0,
        Some((_, mapping::Source::Headers)) => 2.0,
    };
    let numbers = [
        count(&m.input_tokens),
        count(&m.output_tokens),
        source(&m.input_tokens),
        source(&m.output_tokens),
        count(&m.cache_read),
        count(&m.cache_write),
        source(&m.cache_read),
        source(&m.cache_write),
    ];
    let text = m.output_text.as_deref().map_or(JsValue::NULL, crate::wasm::text_to_js);
    if m.extra.is_empty() {
        return (text, numbers);
    }
    let with_extra = js_sys::Array::of1(&text);
    for (name, value) in &m.extra {
        with_extra.push(&JsValue::from_str(name));
        with_extra.push(&value_to_js(value));
    }
    (with_extra.into(), numbers)
}
