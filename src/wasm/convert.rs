//! JS values → core types and back. Each reader names the option path it reads, so a wrong
//! type throws a `TypeError` naming it (`assumeRole.durationSeconds must be a number`).
//!
//! Conversions are total: every JS operation that can run a caller's code (a getter, a Proxy
//! trap, an iterator, `toJSON`) goes through an import bound with `catch`, so a throw becomes a
//! typed `UNREADABLE_INPUT` instead of unwinding through wasm frames (which would leave the
//! shadow stack pointer and any held borrow behind, and the instance a little more broken each
//! time). Recursion over JS values is bounded by [`MAX_DEPTH`], cycles are found on the way down.

use js_sys::{Array, ArrayBuffer, Function, Object, Reflect, Uint8Array};
use serde_json::{Map, Number, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{Error, Result};
use crate::sign::Credentials;

/// The deepest JS value converted to JSON (serde_json's own limit for JSON text).
pub const MAX_DEPTH: usize = 128;
/// The most values one JS value may hold when converted to JSON (shared references count
/// each time they are reached, as in `JSON.stringify`).
pub const MAX_VALUES: usize = 1_000_000;

// The JS operations that may run a caller's code, each bound with `catch`.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    fn entries_of(v: &JsValue) -> std::result::Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn keys_of(v: &JsValue) -> std::result::Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array_of(v: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = from)]
    fn array_from(v: &JsValue) -> std::result::Result<Array, JsValue>;
    /// `Date.prototype.getTime.call(d)`: a `getTime` of the caller's own is never called.
    #[wasm_bindgen(catch, js_namespace = ["Date", "prototype", "getTime"], js_name = call)]
    fn date_time(d: &JsValue) -> std::result::Result<f64, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["Uint8Array", "prototype", "set"], js_name = call)]
    fn copy_bytes_into(target: &Uint8Array, source: &JsValue) -> std::result::Result<(), JsValue>;
    /// `source.length`: a subclass's getter or a Proxy may throw. No key string is made per read
    /// (`Reflect.get(source, "length")` decodes "length" into a fresh JS string every call).
    #[wasm_bindgen(catch, method, getter, structural, js_name = length)]
    fn try_length(this: &ByteView) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = Uint8Array)]
    type ByteView;
    /// `new Uint8Array(buffer)` (a detached buffer throws).
    #[wasm_bindgen(catch, constructor, js_class = Uint8Array)]
    fn new(buffer: &JsValue) -> std::result::Result<ByteView, JsValue>;
}

/// A `Date`'s epoch milliseconds (NaN for an invalid date).
fn try_get_time(d: &js_sys::Date) -> std::result::Result<f64, JsValue> {
    date_time(d.as_ref())
}

/// What a caller's code threw while `field` was read: `UNREADABLE_INPUT`, with its message.
pub fn unreadable(field: &str, thrown: &JsValue) -> Error {
    let message = thrown
        .as_string()
        .or_else(|| {
            let m = if thrown.is_object() { Reflect::get(thrown, &JsValue::from_str("message")).ok() } else { None };
            m.and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "a value that is not an Error".into());
    let message: String = message.chars().take(200).collect();
    Error::config(
        "UNREADABLE_INPUT",
        field,
        format!("reading {field} threw: {message}"),
        "Pass plain data: a getter, a Proxy trap, an iterator or toJSON() threw while the value was read.",
    )
}

/// `Array.isArray(v)` (a revoked Proxy throws).
pub fn is_array(v: &JsValue, field: &str) -> Result<bool> {
    if !v.is_object() {
        return Ok(false);
    }
    is_array_of(v).map_err(|e| unreadable(field, &e))
}

/// `Array.from(v)`: a fresh array, whatever getters or iterator `v` has.
pub fn array(v: &JsValue, field: &str) -> Result<Array> {
    array_from(v).map_err(|e| unreadable(field, &e))
}

/// `Object.entries(v)` as `(key, value)` pairs (getters run, and may throw).
pub fn entries(v: &JsValue, field: &str) -> Result<Vec<(String, JsValue)>> {
    let list = entries_of(v).map_err(|e| unreadable(field, &e))?;
    Ok(list
        .iter()
        .filter_map(|pair| {
            let pair: Array = pair.unchecked_into(); // Object.entries gives fresh [key, value] arrays
            pair.get(0).as_string().map(|k| (k, pair.get(1)))
        })
        .collect())
}

/// `Object.keys(v)`.
pub fn keys(v: &JsValue, field: &str) -> Result<Vec<String>> {
    Ok(keys_of(v).map_err(|e| unreadable(field, &e))?.iter().filter_map(|k| k.as_string()).collect())
}

/// A `Uint8Array`'s or an `ArrayBuffer`'s bytes (`None`: neither), copied by one native
/// `Uint8Array.prototype.set`; a detached buffer or a fake typed array is `UNREADABLE_INPUT`.
pub fn bytes_of(v: &JsValue, field: &str) -> Option<Result<Vec<u8>>> {
    if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        return Some(copy_bytes(bytes, field));
    }
    if v.dyn_ref::<ArrayBuffer>().is_some() {
        return Some(ByteView::new(v).map_err(|e| unreadable(field, &e)).and_then(|b| copy_bytes(b.unchecked_ref(), field)));
    }
    None
}

fn copy_bytes(source: &Uint8Array, field: &str) -> Result<Vec<u8>> {
    let len = source.unchecked_ref::<ByteView>().try_length().map_err(|e| unreadable(field, &e))?.as_f64().unwrap_or(-1.0);
    if !(0.0..=u32::MAX as f64).contains(&len) {
        return Err(Error::type_error(field, "a Uint8Array"));
    }
    let len = len as usize;
    let mut out: Vec<u8> = Vec::new();
    out.try_reserve_exact(len).map_err(|_| too_large(field))?;
    // Zeroed first, so that bytes a lying `length` leaves uncopied are zeros, not old memory.
    // SAFETY: the capacity is at least `len`. `write_bytes` is one `memory.fill`; `resize` built
    // at opt-level z is a byte loop (≈ 2.5 µs of the mapping row's 14 µs for an 8.6 KiB body).
    unsafe {
        std::ptr::write_bytes(out.as_mut_ptr(), 0, len);
        out.set_len(len);
    }
    // SAFETY: the view covers `out`'s initialized bytes and lives only for this call, in which
    // nothing allocates in (or grows) wasm memory: the native `set` copies the source into it.
    let copied = unsafe { copy_bytes_into(&Uint8Array::view_mut_raw(out.as_mut_ptr(), len), source.as_ref()) };
    copied.map_err(|e| unreadable(field, &e))?;
    Ok(out)
}

fn too_large(field: &str) -> Error {
    Error::config("INPUT_TOO_LARGE", field, format!("{field} is too large for the WebAssembly memory"), "Pass a smaller value.")
}

/// `obj[key]`, or `undefined` when `obj` is not an object.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]`, or `undefined` when `obj` is not an object; a throwing getter or Proxy trap is
/// `UNREADABLE_INPUT` naming `field`.
pub fn try_get(obj: &JsValue, key: &str, field: &str) -> Result<JsValue> {
    if !obj.is_object() && !obj.is_function() {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(obj, &JsValue::from_str(key)).map_err(|e| unreadable(field, &e))
}

pub(crate) fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

pub fn opt_string(obj: &JsValue, key: &str, field: &str) -> Result<Option<String>> {
    opt_string_of(try_get(obj, key, field)?, field)
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
    let v = try_get(obj, key, field)?;
    if absent(&v) {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&n) => Ok(Some(n as u32)),
        _ => Err(Error::type_error(field, "a non-negative integer")),
    }
}

pub fn opt_bool(obj: &JsValue, key: &str, field: &str) -> Result<Option<bool>> {
    let v = try_get(obj, key, field)?;
    if absent(&v) {
        return Ok(None);
    }
    v.as_bool().map(Some).ok_or_else(|| Error::type_error(field, "a boolean"))
}

pub fn opt_function(obj: &JsValue, key: &str, field: &str) -> Result<Option<Function>> {
    let v = try_get(obj, key, field)?;
    if absent(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|_| Error::type_error(field, "a function"))
}

pub fn string_array(obj: &JsValue, key: &str, field: &str) -> Result<Vec<String>> {
    let v = try_get(obj, key, field)?;
    if absent(&v) {
        return Ok(Vec::new());
    }
    if !is_array(&v, field)? {
        return Err(Error::type_error(field, "an array of strings"));
    }
    array(&v, field)?.iter().map(|s| s.as_string().ok_or_else(|| Error::type_error(field, "an array of strings"))).collect()
}

/// Tags as `{ key: value }`, `[{ key, value }]` or `[{ Key, Value }]`.
pub fn tags(obj: &JsValue, key: &str, field: &str) -> Result<Vec<(String, String)>> {
    let v = try_get(obj, key, field)?;
    if absent(&v) {
        return Ok(Vec::new());
    }
    if is_array(&v, field)? {
        return array(&v, field)?
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
    entries(v, field)?
        .into_iter()
        .map(|(k, val)| val.as_string().map(|val| (k, val)).ok_or_else(|| Error::type_error(field, "an object of strings")))
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
    if let Some(bytes) = bytes_of(v, field) {
        return bytes;
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
    let read = |v: std::result::Result<JsValue, JsValue>, field: &str| v.map_err(|e| unreadable(field, &e));
    let access_key_id = string_of(read(c.access_key_id(), "credentials.accessKeyId")?, "credentials.accessKeyId")?;
    let secret_access_key = string_of(read(c.secret_access_key(), "credentials.secretAccessKey")?, "credentials.secretAccessKey")?;
    let session_token = opt_string_of(read(c.session_token(), "credentials.sessionToken")?, "credentials.sessionToken")?;
    let expiration = read(c.expiration(), "credentials.expiration")?;
    let expiration_ms = match expiration.dyn_ref::<js_sys::Date>() {
        Some(d) => Some(try_get_time(d).map_err(|e| unreadable("credentials.expiration", &e))? as u64),
        None => None,
    };
    Ok(Credentials { access_key_id, secret_access_key, session_token, expiration_ms })
}

/// Epoch ms from a `Date` or a number.
pub fn time_ms(v: &JsValue, field: &str) -> Result<Option<u64>> {
    if absent(v) {
        return Ok(None);
    }
    let ms = match v.dyn_ref::<js_sys::Date>() {
        Some(d) => Some(try_get_time(d).map_err(|e| unreadable(field, &e))?),
        None => v.as_f64(),
    };
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

/// How [`to_json`] treats values JSON has no form for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// `undefined`, NaN and ±Infinity are errors (a template variable must be JSON).
    Error,
    /// They become `null`, as in an array after `JSON.stringify` (data to be queried).
    Null,
}

/// A JS value → JSON, as `JSON.stringify` would see it (`toJSON` honoured, own enumerable
/// string keys, integers as integers): total and bounded. `bad(what)` builds the error for a
/// value that has no JSON form (`what`: "a BigInt", "cyclic", …); a throw is `UNREADABLE_INPUT`.
pub fn to_json(v: &JsValue, missing: Missing, field: &str, bad: &dyn Fn(&str) -> Error) -> Result<Value> {
    let mut walk = Walk { missing, field, bad, ancestors: Vec::new(), budget: MAX_VALUES };
    walk.value(v)
}

struct Walk<'a> {
    missing: Missing,
    field: &'a str,
    bad: &'a dyn Fn(&str) -> Error,
    /// The objects being converted, outermost first: a cycle is an object met again here.
    ancestors: Vec<JsValue>,
    budget: usize,
}

impl Walk<'_> {
    fn value(&mut self, v: &JsValue) -> Result<Value> {
        self.budget = self.budget.checked_sub(1).ok_or_else(|| (self.bad)("more than 1,000,000 values"))?;
        if let Some(s) = v.as_string() {
            return Ok(Value::String(s));
        }
        if let Some(b) = v.as_bool() {
            return Ok(Value::Bool(b));
        }
        if v.is_null() {
            return Ok(Value::Null);
        }
        if let Some(n) = v.as_f64() {
            return match (number(n), self.missing) {
                (Some(n), _) => Ok(n),
                (None, Missing::Null) => Ok(Value::Null),
                (None, Missing::Error) => Err((self.bad)(describe_number(n))),
            };
        }
        if v.is_undefined() {
            return if self.missing == Missing::Null { Ok(Value::Null) } else { Err((self.bad)("undefined")) };
        }
        if v.is_bigint() {
            return Err((self.bad)("a BigInt"));
        }
        if v.is_function() || v.is_symbol() {
            return Err((self.bad)(if v.is_function() { "a function" } else { "a symbol" }));
        }
        if self.ancestors.len() >= MAX_DEPTH {
            return Err((self.bad)("nested deeper than 128 levels"));
        }
        if self.ancestors.iter().any(|a| a == v) {
            return Err((self.bad)("cyclic (it contains itself)"));
        }
        self.ancestors.push(v.clone());
        let out = self.object(v);
        self.ancestors.pop();
        out
    }

    /// An object: its `toJSON()` result, an array, or its own enumerable string keys.
    fn object(&mut self, v: &JsValue) -> Result<Value> {
        let to_json = try_get(v, "toJSON", self.field)?;
        if let Some(f) = to_json.dyn_ref::<Function>() {
            let converted = f.call0(v).map_err(|e| unreadable(self.field, &e))?;
            return self.value(&converted);
        }
        if is_array(v, self.field)? {
            let items = array(v, self.field)?;
            let mut out = Vec::with_capacity(items.length().min(4096) as usize);
            for item in items.iter() {
                out.push(self.value(&item)?);
            }
            return Ok(Value::Array(out));
        }
        let mut map = Map::new();
        for (key, value) in entries(v, self.field)? {
            let value = self.value(&value)?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// Integers stay integers (`5`, not `5.0`); non-finite numbers have no JSON form.
pub fn number(n: f64) -> Option<Value> {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        return Some(Value::Number(Number::from(n as i64)));
    }
    Number::from_f64(n).map(Value::Number)
}

pub fn describe_number(n: f64) -> &'static str {
    if n.is_nan() { "NaN" } else if n > 0.0 { "Infinity" } else { "-Infinity" }
}

/// A serde value as a plain JS value (objects, not Maps).
pub fn json_to_js(v: &serde_json::Value) -> JsValue {
    use serde::Serialize;
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}
