//! The only I/O: sends an `HttpRequest` with the given `fetch` (per-attempt timeout, caller's
//! `AbortSignal`), reads the whole answer into an `HttpResponse`, and sleeps with `setTimeout`.
//! Never sets `host` (browsers forbid it).

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u64) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms as f64);
    });
    let _ = JsFuture::from(promise).await;
}

/// One attempt's abort wiring: an `AbortController` fired by the per-attempt timeout or by the
/// caller's signal, and the error a failure then means (`TIMEOUT`, `ABORTED` or `NETWORK`).
struct Attempt<'a> {
    controller: AbortController,
    timed_out: Rc<Cell<bool>>,
    timer: Option<JsValue>,
    timeout_ms: Option<u32>,
    signal: Option<&'a AbortSignal>,
    forward: Option<Closure<dyn FnMut()>>,
}

impl<'a> Attempt<'a> {
    fn start(timeout_ms: Option<u32>, signal: Option<&'a AbortSignal>) -> Result<Self, Error> {
        if signal.is_some_and(|s| s.aborted()) {
            return Err(aborted());
        }
        let controller = AbortController::new().map_err(|_| network("AbortController is not available"))?;
        let timed_out = Rc::new(Cell::new(false));
        let timer = timeout_ms.map(|ms| {
            let (controller, timed_out) = (controller.clone(), timed_out.clone());
            let on_timeout = Closure::once_into_js(move || {
                timed_out.set(true);
                controller.abort();
            });
            set_timeout(on_timeout.unchecked_ref(), ms.into())
        });
        let forward = signal.map(|s| {
            let controller = controller.clone();
            let on_abort = Closure::<dyn FnMut()>::new(move || controller.abort());
            let _ = s.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
            on_abort
        });
        Ok(Attempt { controller, timed_out, timer, timeout_ms, signal, forward })
    }

    /// The answer's headers arrived: the timeout no longer applies.
    fn stop_timer(&mut self) {
        if let Some(id) = self.timer.take() {
            clear_timeout(&id);
        }
    }

    /// Stops listening to the caller's signal (the request is over).
    fn release(mut self) {
        self.stop_timer();
        if let (Some(s), Some(on_abort)) = (self.signal, self.forward.take()) {
            let _ = s.remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        }
    }

    fn failed(&self, js: &JsValue) -> Error {
        if self.timed_out.get() {
            Error::network("TIMEOUT", format!("no answer within timeoutMs = {} ms", self.timeout_ms.unwrap_or(0)), "Raise `timeoutMs`, or check the endpoint is reachable.")
        } else if self.signal.is_some_and(|s| s.aborted()) {
            aborted()
        } else {
            network(&describe(js))
        }
    }
}

/// Sends `req` and reads the whole answer; no answer is a `NetworkError`.
pub async fn send(fetch: &Function, req: &HttpRequest, timeout_ms: Option<u32>, signal: Option<&AbortSignal>) -> Result<HttpResponse, Error> {
    let attempt = Attempt::start(timeout_ms, signal)?;
    let result = fetch_all(fetch, req, &attempt.controller.signal()).await.map_err(|js| attempt.failed(&js));
    attempt.release();
    result
}

async fn fetch_all(fetch: &Function, req: &HttpRequest, signal: &AbortSignal) -> Result<HttpResponse, JsValue> {
    let (status, headers, response) = open(fetch, req, signal).await?;
    Ok(HttpResponse { status, headers, body: read_all(&response).await? })
}

fn request_init(req: &HttpRequest, signal: &AbortSignal) -> Result<Object, JsValue> {
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &req.method.as_str().into())?;
    let headers = Object::new();
    for (name, value) in &req.headers {
        Reflect::set(&headers, &name.as_str().into(), &value.as_str().into())?;
    }
    Reflect::set(&init, &"headers".into(), &headers)?;
    if !req.body.is_empty() {
        Reflect::set(&init, &"body".into(), &Uint8Array::from(req.body.as_slice()))?;
    }
    Reflect::set(&init, &"signal".into(), signal)?;
    Ok(init)
}

fn read_headers(headers: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    let mut out = Vec::new();
    let entries: Function = Reflect::get(headers, &"entries".into())?.dyn_into()?;
    let iter = entries.call0(headers)?;
    for pair in js_sys::try_iter(&iter)?.into_iter().flatten() {
        let pair = pair?;
        let pair: Array = pair.dyn_into()?;
        if let (Some(n), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.push((n.to_ascii_lowercase(), v));
        }
    }
    Ok(out)
}

/// The JS error's message and, in Node, its `cause.code` (ECONNREFUSED…).
fn describe(js: &JsValue) -> String {
    let message = Reflect::get(js, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| "fetch failed".into());
    let cause = Reflect::get(js, &"cause".into()).ok().filter(|c| c.is_object());
    let code = cause.and_then(|c| Reflect::get(&c, &"code".into()).ok()).and_then(|c| c.as_string());
    match code {
        Some(code) => format!("{message} ({code})"),
        None => message,
    }
}

fn network(message: &str) -> Error {
    Error::network(
        "NETWORK",
        message.to_string(),
        "The endpoint did not answer: check the region, `endpoint` / `assumeRole.stsEndpoint`, the network, and CORS in a browser.",
    )
}

fn aborted() -> Error {
    Error::network("ABORTED", "the request was aborted by its signal", "The caller's AbortSignal fired.")
}

/// A 2xx answer whose body is still to be read, piece by piece.
pub struct OpenStream {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    reader: JsValue,
    controller: AbortController,
    /// Keeps the caller's `abort` listener alive while the body is read.
    _forward: Option<(AbortSignal, Closure<dyn FnMut()>)>,
}

/// What a streaming request gave: an open stream (2xx), or a whole error answer.
pub enum Answer {
    Open(OpenStream),
    Whole(HttpResponse),
}

/// Sends `req`; on 2xx returns the body unread (the timeout covers only the wait for headers).
pub async fn send_streaming(fetch: &Function, req: &HttpRequest, timeout_ms: Option<u32>, signal: Option<&AbortSignal>) -> Result<Answer, Error> {
    let mut attempt = Attempt::start(timeout_ms, signal)?;
    let opened = open(fetch, req, &attempt.controller.signal()).await;
    attempt.stop_timer();
    let (status, headers, response) = match opened {
        Ok(o) => o,
        Err(js) => {
            let e = attempt.failed(&js);
            attempt.release();
            return Err(e);
        }
    };
    if !(200..300).contains(&status) {
        let body = read_all(&response).await.map_err(|js| attempt.failed(&js));
        attempt.release();
        return Ok(Answer::Whole(HttpResponse { status, headers, body: body? }));
    }
    let reader = Reflect::get(&response, &"body".into()).and_then(|body| {
        let get_reader: Function = Reflect::get(&body, &"getReader".into())?.dyn_into()?;
        get_reader.call0(&body)
    });
    let reader = match reader {
        Ok(r) => r,
        Err(js) => {
            let e = attempt.failed(&js);
            attempt.release();
            return Err(e);
        }
    };
    let forward = match (attempt.signal, attempt.forward.take()) {
        (Some(s), Some(on_abort)) => Some((s.clone(), on_abort)),
        _ => None,
    };
    Ok(Answer::Open(OpenStream { status, headers, reader, controller: attempt.controller.clone(), _forward: forward }))
}

impl OpenStream {
    /// The next piece of the body, or `None` at its end.
    pub async fn read(&self) -> Result<Option<Vec<u8>>, Error> {
        let read: Function = Reflect::get(&self.reader, &"read".into()).and_then(|f| f.dyn_into()).map_err(|e| network(&describe(&e)))?;
        let step = JsFuture::from(Promise::resolve(&read.call0(&self.reader).map_err(|e| network(&describe(&e)))?)).await;
        let step = step.map_err(|e| self.read_error(&e))?;
        if Reflect::get(&step, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            return Ok(None);
        }
        let value = Reflect::get(&step, &"value".into()).unwrap_or(JsValue::UNDEFINED);
        Ok(Some(value.dyn_ref::<Uint8Array>().map(|v| v.to_vec()).unwrap_or_default()))
    }

    /// The body's `ReadableStreamDefaultReader` (JS reads a stream's pieces itself).
    pub fn reader(&self) -> &JsValue {
        &self.reader
    }

    /// What a failed `read()` means: `ABORTED` after our abort, else a broken connection.
    pub fn read_error(&self, e: &JsValue) -> Error {
        if self.controller.signal().aborted() {
            aborted()
        } else {
            Error { kind: crate::error::ErrorKind::Stream, ..network(&describe(e)) }
        }
    }

    /// Stops reading and aborts the request.
    pub fn cancel(&self) {
        if let Ok(cancel) = Reflect::get(&self.reader, &"cancel".into()).and_then(|f| f.dyn_into::<Function>()) {
            // After an abort the cancel promise rejects with that abort: awaited here, not
            // unhandled. (A `Closure::once_into_js` handler leaked when the promise resolved.)
            if let Ok(pending) = cancel.call0(&self.reader) {
                let pending = JsFuture::from(Promise::resolve(&pending));
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = pending.await;
                });
            }
        }
        self.controller.abort();
    }
}

async fn open(fetch: &Function, req: &HttpRequest, signal: &AbortSignal) -> Result<(u16, Vec<(String, String)>, JsValue), JsValue> {
    let init = request_init(req, signal)?;
    let response = JsFuture::from(Promise::resolve(&fetch.call2(&JsValue::UNDEFINED, &req.url.as_str().into(), &init)?)).await?;
    let status = Reflect::get(&response, &"status".into())?.as_f64().unwrap_or(0.0) as u16;
    let headers = read_headers(&Reflect::get(&response, &"headers".into())?)?;
    Ok((status, headers, response))
}

async fn read_all(response: &JsValue) -> Result<Vec<u8>, JsValue> {
    let array_buffer: Function = Reflect::get(response, &"arrayBuffer".into())?.dyn_into()?;
    let buffer = JsFuture::from(Promise::resolve(&array_buffer.call0(response)?)).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
