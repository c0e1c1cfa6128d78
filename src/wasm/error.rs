//! Core `Error` → the JS error classes of `pkg/errors.js` (`ConfigError`, `AwsError`,
//! `NetworkError`, `StreamError`), registered once at load so `instanceof` works; bad argument
//! types become `TypeError`. The only place that builds JS errors.

use std::cell::RefCell;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorKind};

thread_local! {
    static CLASSES: RefCell<Option<Object>> = const { RefCell::new(None) };
}

/// JS: registerErrorClasses({ ConfigError, AwsError, NetworkError, StreamError }) — called by the package entry.
#[wasm_bindgen(js_name = registerErrorClasses)]
pub fn register_error_classes(classes: Object) {
    CLASSES.with(|c| *c.borrow_mut() = Some(classes));
}

fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config | ErrorKind::Type => "ConfigError",
        ErrorKind::Aws => "AwsError",
        ErrorKind::Network => "NetworkError",
        ErrorKind::Stream => "StreamError",
    }
}

/// The JS value to throw for `e`.
pub fn to_js(e: Error) -> JsValue {
    let props = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&props, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from_str(&e.code));
    set("hint", JsValue::from_str(&e.hint));
    set("field", e.field.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL));
    set("status", e.status.map(|s| JsValue::from_f64(s.into())).unwrap_or(JsValue::NULL));
    set("requestId", e.request_id.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL));
    set("retryable", JsValue::from_bool(e.retryable));
    if e.kind == ErrorKind::Type {
        let err = js_sys::TypeError::new(&e.message);
        let _ = Object::assign(&err, &props);
        return err.into();
    }
    let class = CLASSES.with(|c| {
        c.borrow().as_ref().and_then(|o| Reflect::get(o, &JsValue::from_str(class_name(e.kind))).ok())
    });
    let args = js_sys::Array::of2(&JsValue::from_str(&e.message), &props);
    match class.and_then(|c| c.dyn_into::<js_sys::Function>().ok()) {
        Some(ctor) => Reflect::construct(&ctor, &args).unwrap_or_else(|err| err),
        None => {
            let err = js_sys::Error::new(&e.message);
            let _ = Object::assign(&err, &props);
            err.into()
        }
    }
}
