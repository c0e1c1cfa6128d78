//! `Template` for JS: looks each variable up in the JS object (the core's `lookup_paths` rule:
//! flat key first, then the dotted path), converts only those values to JSON (NaN, ±Infinity,
//! BigInt, undefined, functions and symbols are `TEMPLATE_VALUE`), and renders in the core.

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use serde_json::{Map, Number, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{Error, Result};
use crate::template::{self, Template};
use crate::wasm::convert as cv;
use crate::wasm::error::to_js;

/// JS: new Template(source, { json = true })
#[wasm_bindgen(js_name = WasmTemplate)]
pub struct WasmTemplate {
    inner: Template,
    keys: Keys,
}

/// Per variable, its candidate key paths (`lookup_paths`) as JS strings, made once.
type Keys = Vec<Vec<Vec<JsValue>>>;

fn keys_of(t: &Template) -> Keys {
    t.variables()
        .iter()
        .map(|name| template::lookup_paths(name).into_iter().map(|p| p.into_iter().map(JsValue::from_str).collect()).collect())
        .collect()
}

#[wasm_bindgen(js_class = WasmTemplate)]
impl WasmTemplate {
    #[wasm_bindgen(constructor)]
    pub fn new(source: JsValue, options: JsValue) -> std::result::Result<WasmTemplate, JsValue> {
        let build = || -> Result<WasmTemplate> {
            let source = source.as_string().ok_or_else(|| Error::type_error("template", "a string"))?;
            let json = cv::opt_bool(&options, "json", "json")?.unwrap_or(true);
            let inner = Template::parse(&source, json)?;
            Ok(WasmTemplate { keys: keys_of(&inner), inner })
        };
        build().map_err(to_js)
    }

    /// Variable names in order of first appearance.
    #[wasm_bindgen(getter)]
    pub fn variables(&self) -> Vec<String> {
        self.inner.variables().to_vec()
    }

    /// JS: render(vars) → string
    pub fn render(&self, vars: JsValue) -> std::result::Result<String, JsValue> {
        render_with(&self.inner, &self.keys, &vars).map_err(to_js)
    }

    /// JS: renderBytes(vars) → Uint8Array (UTF-8)
    #[wasm_bindgen(js_name = renderBytes)]
    pub fn render_bytes(&self, vars: JsValue) -> std::result::Result<Uint8Array, JsValue> {
        let text = render_with(&self.inner, &self.keys, &vars).map_err(to_js)?;
        Ok(Uint8Array::from(text.as_bytes()))
    }
}

/// Renders `t` with the variables of the JS object `vars`.
pub fn render(t: &Template, vars: &JsValue) -> Result<String> {
    render_with(t, &keys_of(t), vars)
}

fn render_with(t: &Template, keys: &Keys, vars: &JsValue) -> Result<String> {
    t.render(&values(t, keys, vars)?)
}

/// The values of `t`'s variables, in order; every missing one is named in one error.
fn values(t: &Template, keys: &Keys, vars: &JsValue) -> Result<Vec<Value>> {
    if !vars.is_undefined() && !vars.is_null() && !vars.is_object() {
        return Err(Error::type_error("variables", "an object"));
    }
    let mut out = Vec::with_capacity(t.variables().len());
    let mut missing = Vec::new();
    for (name, paths) in t.variables().iter().zip(keys) {
        match lookup(vars, paths) {
            Some(v) => out.push(to_json(&v, name)?),
            None => missing.push(name.clone()),
        }
    }
    if missing.is_empty() { Ok(out) } else { Err(template::missing_error(&missing)) }
}

/// The value at the first key path that exists, own properties only (not `constructor` from the
/// prototype); an explicit `undefined` exists, and is then refused as a value.
fn lookup(vars: &JsValue, paths: &[Vec<JsValue>]) -> Option<JsValue> {
    paths.iter().find_map(|path| {
        path.iter().try_fold(vars.clone(), |node, key| {
            let obj = node.dyn_ref::<Object>()?;
            Object::has_own(obj, key).then(|| Reflect::get(obj, key).ok()).flatten()
        })
    })
}

/// A JS value → JSON, or `TEMPLATE_VALUE` naming the variable.
fn to_json(v: &JsValue, name: &str) -> Result<Value> {
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
        return number(n).ok_or_else(|| template::value_error(name, &describe_number(n)));
    }
    if v.is_undefined() {
        return Err(template::value_error(name, "undefined"));
    }
    if v.is_bigint() {
        return Err(template::value_error(name, "a BigInt"));
    }
    if v.is_function() || v.is_symbol() {
        return Err(template::value_error(name, if v.is_function() { "a function" } else { "a symbol" }));
    }
    let to_json_method = Reflect::get(v, &"toJSON".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
    if let Some(f) = to_json_method {
        let converted = f.call0(v).map_err(|_| template::value_error(name, "an object whose toJSON() throws"))?;
        return to_json(&converted, name);
    }
    if Array::is_array(v) {
        return Array::from(v).iter().map(|item| to_json(&item, name)).collect::<Result<Vec<_>>>().map(Value::Array);
    }
    let mut map = Map::new();
    for entry in Object::entries(v.unchecked_ref::<Object>()).iter() {
        let entry = Array::from(&entry);
        if let Some(key) = entry.get(0).as_string() {
            map.insert(key, to_json(&entry.get(1), name)?);
        }
    }
    Ok(Value::Object(map))
}

/// Integers stay integers (`5`, not `5.0`); non-finite numbers have no JSON form.
fn number(n: f64) -> Option<Value> {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        return Some(Value::Number(Number::from(n as i64)));
    }
    Number::from_f64(n).map(Value::Number)
}

fn describe_number(n: f64) -> String {
    if n.is_nan() { "NaN".into() } else if n > 0.0 { "Infinity".into() } else { "-Infinity".into() }
}
