//! JS values → core types and back. Each reader names the option path it reads, so a wrong
//! type throws a `TypeError` naming it (`assumeRole.durationSeconds must be a number`).

use js_sys::{Array, ArrayBuffer, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{Error, Result};
use crate::sign::Credentials;

/// `obj[key]`, or `undefined` when `obj` is not an object.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

pub fn opt_string(obj: &JsValue, key: &str, field: &str) -> Result<Option<String>> {
    opt_string_of(get(obj, key), field)
}

pub fn string(obj: &JsValue, key: &str, field: &str) -> Result<String> {
    opt_string(obj, key, field)?.ok_or_else(|| Error::missing(field))
}

/// `opt_string` of a value already read (long strings cross with one `encodeInto`).
pub fn opt_string_of(v: JsValue, field: &str) -> Result<Option<String>> {
    if absent(&v) {
        return Ok(None);
    }
    if let Some(s) = crate::wasm::long_string(&v) {
        return Ok(Some(s));
    }
    v.as_string().map(Some).ok_or_else(|| Error::type_error(field, "a string"))
}

pub fn string_of(v: JsValue, field: &str) -> Result<String> {
    opt_string_of(v, field)?.ok_or_else(|| Error::missing(field))
}

/// A non-negative integer that fits u32.
pub fn opt_u32(obj: &JsValue, key: &str, field: &str) -> Result<Option<u32>> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&n) => Ok(Some(n as u32)),
        _ => Err(Error::type_error(field, "a non-negative integer")),
    }
}

pub fn opt_bool(obj: &JsValue, key: &str, field: &str) -> Result<Option<bool>> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(None);
    }
    v.as_bool().map(Some).ok_or_else(|| Error::type_error(field, "a boolean"))
}

pub fn opt_function(obj: &JsValue, key: &str, field: &str) -> Result<Option<Function>> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|_| Error::type_error(field, "a function"))
}

pub fn string_array(obj: &JsValue, key: &str, field: &str) -> Result<Vec<String>> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(Vec::new());
    }
    if !Array::is_array(&v) {
        return Err(Error::type_error(field, "an array of strings"));
    }
    Array::from(&v).iter().map(|s| s.as_string().ok_or_else(|| Error::type_error(field, "an array of strings"))).collect()
}

/// Tags as `{ key: value }`, `[{ key, value }]` or `[{ Key, Value }]`.
pub fn tags(obj: &JsValue, key: &str, field: &str) -> Result<Vec<(String, String)>> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(Vec::new());
    }
    if Array::is_array(&v) {
        return Array::from(&v)
            .iter()
            .map(|t| {
                let k = opt_string(&t, "key", field)?.or(opt_string(&t, "Key", field)?);
                let val = opt_string(&t, "value", field)?.or(opt_string(&t, "Value", field)?);
                k.zip(val).ok_or_else(|| Error::type_error(field, "[{ key, value }] or { key: value }"))
            })
            .collect();
    }
    pairs(&v, field)
}

fn pairs(v: &JsValue, field: &str) -> Result<Vec<(String, String)>> {
    if !v.is_object() {
        return Err(Error::type_error(field, "an object of strings"));
    }
    Object::entries(v.unchecked_ref())
        .iter()
        .map(|e| {
            let e = Array::from(&e);
            match (e.get(0).as_string(), e.get(1).as_string()) {
                (Some(k), Some(val)) => Ok((k, val)),
                _ => Err(Error::type_error(field, "an object of strings")),
            }
        })
        .collect()
}

/// A body: string (UTF-8), `Uint8Array`, `ArrayBuffer`; with `json_objects`, a plain object is JSON-stringified.
pub fn body(v: &JsValue, field: &str, json_objects: bool) -> Result<Vec<u8>> {
    if absent(v) {
        return Ok(Vec::new());
    }
    if let Some(utf8) = crate::wasm::long_utf8(v) {
        return Ok(utf8);
    }
    if let Some(s) = v.as_string() {
        return Ok(s.into_bytes());
    }
    if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    if let Some(buffer) = v.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    if json_objects && v.is_object() {
        let text: JsValue = js_sys::JSON::stringify(v).map_err(|_| Error::type_error(field, "JSON-serialisable"))?.into();
        return Ok(crate::wasm::long_utf8(&text).or_else(|| text.as_string().map(String::into_bytes)).unwrap_or_default());
    }
    let expected = if json_objects { "a string, Uint8Array, ArrayBuffer or plain object" } else { "a string or Uint8Array" };
    Err(Error::type_error(field, expected))
}

/// `{ accessKeyId, secretAccessKey, sessionToken?, expiration? }` (errors name `credentials.…`).
pub fn credentials(v: &JsValue) -> Result<Credentials> {
    if !v.is_object() {
        return Err(Error::type_error("credentials", "{ accessKeyId, secretAccessKey, sessionToken? }"));
    }
    // Direct property reads (structural getters): no key strings cross, as signRequest reads
    // credentials on every call.
    let c: &crate::wasm::CredentialsInput = v.unchecked_ref();
    Ok(Credentials {
        access_key_id: string_of(c.access_key_id(), "credentials.accessKeyId")?,
        secret_access_key: string_of(c.secret_access_key(), "credentials.secretAccessKey")?,
        session_token: opt_string_of(c.session_token(), "credentials.sessionToken")?,
        expiration_ms: c.expiration().dyn_ref::<js_sys::Date>().map(|d| d.get_time() as u64),
    })
}

/// Epoch ms from a `Date` or a number.
pub fn time_ms(v: &JsValue, field: &str) -> Result<Option<u64>> {
    if absent(v) {
        return Ok(None);
    }
    let ms = v.dyn_ref::<js_sys::Date>().map(|d| d.get_time()).or_else(|| v.as_f64());
    match ms {
        Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(Some(ms as u64)),
        _ => Err(Error::type_error(field, "a Date or epoch milliseconds")),
    }
}

/// A plain object with these entries.
pub fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in entries {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

pub fn headers_object(headers: &[(String, String)]) -> JsValue {
    let o = Object::new();
    for (k, v) in headers {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o.into()
}

pub fn opt_str(v: Option<&str>) -> JsValue {
    v.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

pub fn opt_num(v: Option<u64>) -> JsValue {
    v.map(|n| JsValue::from_f64(n as f64)).unwrap_or(JsValue::NULL)
}

/// A serde value as a plain JS value (objects, not Maps).
pub fn json_to_js(v: &serde_json::Value) -> JsValue {
    use serde::Serialize;
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}
