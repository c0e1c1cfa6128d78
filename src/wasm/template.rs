//! `Template` for JS. Variables are looked up by the package's JS (`lookupAll` in
//! pkg/common.js, the core's `lookup_paths` rule: flat key first, then the dotted path, own
//! properties only), which hands over the values with their kinds in one call; this file converts
//! them to JSON (NaN, ±Infinity, BigInt, undefined, functions and symbols are `TEMPLATE_VALUE`)
//! and renders in the core.

use std::cell::RefCell;

use js_sys::{Array, Function, Uint8Array};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{Error, Result};
use crate::template::{self, Template};
use crate::wasm::convert as cv;
use crate::wasm::error::to_js;

thread_local! {
    static LOOKUP: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// JS: registerLookup(lookupAll) — `lookupAll(vars, paths) → [values, kinds]`, called by the package entry.
#[wasm_bindgen(js_name = registerLookup)]
pub fn register_lookup(lookup: Function) {
    LOOKUP.with(|l| *l.borrow_mut() = Some(lookup));
}

/// What `lookupAll` says a value is (its `kinds` entry).
const STRING: u8 = 0;
const NUMBER: u8 = 1;
const BOOLEAN: u8 = 2;
const NULL: u8 = 3;
const MISSING: u8 = 5;

/// JS: new Template(source, { json = true })
#[wasm_bindgen(js_name = WasmTemplate)]
pub struct WasmTemplate {
    inner: Template,
    paths: Array,
}

/// Per variable, its candidate key paths (`lookup_paths`) as JS arrays of strings.
fn paths_of(t: &Template) -> Array {
    t.variables()
        .iter()
        .map(|name| {
            template::lookup_paths(name)
                .into_iter()
                .map(|p| p.into_iter().map(JsValue::from_str).collect::<Array>())
                .collect::<Array>()
        })
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
            Ok(WasmTemplate { paths: paths_of(&inner), inner })
        };
        build().map_err(to_js)
    }

    /// Variable names in order of first appearance.
    #[wasm_bindgen(getter)]
    pub fn variables(&self) -> Vec<String> {
        self.inner.variables().to_vec()
    }

    /// Per variable, the key paths `lookupAll` tries.
    #[wasm_bindgen(getter, js_name = lookupPaths)]
    pub fn lookup_paths(&self) -> Array {
        self.paths.clone()
    }

    /// JS: renderValues(vars, values, kinds, bytes) → string, or a Uint8Array (UTF-8) when `bytes`;
    /// `values` / `kinds` as `lookupAll(vars, lookupPaths)` gives them.
    #[wasm_bindgen(js_name = renderValues)]
    pub fn render_values(&self, vars: JsValue, values: Array, kinds: &[u8], bytes: bool) -> std::result::Result<JsValue, JsValue> {
        let values = values_of(&self.inner, &vars, &values, kinds).map_err(to_js)?;
        Ok(if bytes {
            Uint8Array::from(self.inner.render_bytes(&values).map_err(to_js)?.as_slice()).into()
        } else {
            JsValue::from_str(&self.inner.render(&values).map_err(to_js)?)
        })
    }
}

/// Renders `t` to UTF-8 with the variables of the JS object `vars` (looked up by the registered `lookupAll`).
pub fn render(t: &Template, vars: &JsValue) -> Result<Vec<u8>> {
    let looked_up = LOOKUP.with(|l| l.borrow().as_ref().map(|f| f.call2(&JsValue::UNDEFINED, vars, &paths_of(t))));
    // lookupAll reads the caller's object: a getter or Proxy trap that throws is reported as such.
    let found: Array = match looked_up {
        Some(Ok(r)) if Array::is_array(&r) => r.unchecked_into(),
        Some(Err(thrown)) => return Err(cv::unreadable("variables", &thrown)),
        _ => return Err(Error::type_error("variables", "an object")),
    };
    let kinds = Uint8Array::from(found.get(1)).to_vec();
    t.render_bytes(&values_of(t, vars, &Array::from(&found.get(0)), &kinds)?)
}

/// The values of `t`'s variables, in order; every missing one is named in one error.
fn values_of(t: &Template, vars: &JsValue, values: &Array, kinds: &[u8]) -> Result<Vec<Value>> {
    if !vars.is_object() && !vars.is_undefined() && !vars.is_null() {
        return Err(Error::type_error("variables", "an object"));
    }
    let mut out = Vec::with_capacity(t.variables().len());
    let mut missing = Vec::new();
    for (i, name) in t.variables().iter().enumerate() {
        let v = values.get(i as u32);
        let value = match kinds.get(i).copied().unwrap_or(MISSING) {
            MISSING => {
                missing.push(name.clone());
                continue;
            }
            STRING => v.as_string().map(Value::String),
            NUMBER => v.as_f64().map(|n| cv::number(n).ok_or_else(|| template::value_error(name, cv::describe_number(n)))).transpose()?,
            BOOLEAN => v.as_bool().map(Value::Bool),
            NULL => Some(Value::Null),
            _ => None,
        };
        out.push(match value {
            Some(value) => value,
            None => to_json(&v, name)?,
        });
    }
    if missing.is_empty() { Ok(out) } else { Err(template::missing_error(&missing)) }
}

/// A JS value → JSON, or `TEMPLATE_VALUE` naming the variable (a throwing getter, Proxy trap
/// or `toJSON` is `UNREADABLE_INPUT`; depth and cycles are bounded by `convert::to_json`).
fn to_json(v: &JsValue, name: &str) -> Result<Value> {
    let field = format!("variables.{name}");
    cv::to_json(v, cv::Missing::Error, &field, &|what| template::value_error(name, what))
}
