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

/// An `abort` event listener.
type Listener = Closure<dyn FnMut()>;

/// How an abortable wait ended without a value.
pub enum Waited {
    /// The caller's signal fired (`ABORTED`).
    Aborted(Error),
    /// The awaited promise rejected with this.
    Rejected(JsValue),
}

/// Awaits `promise`, or ends at once with `ABORTED` when `signal` fires; the abort listener is
/// removed either way, so nothing is left behind.
pub async fn abortable(promise: Promise, signal: Option<&AbortSignal>) -> Result<JsValue, Waited> {
    let Some(signal) = signal else {
        return JsFuture::from(promise).await.map_err(Waited::Rejected);
    };
    if signal.aborted() {
        return Err(Waited::Aborted(aborted()));
    }
    let fired = Rc::new(Cell::new(false));
    let listener: Rc<Cell<Option<Listener>>> = Rc::new(Cell::new(None));
    let on_abort = Promise::new(&mut |resolve, _| {
        let fired = fired.clone();
        let closure = Closure::<dyn FnMut()>::new(move || {
            fired.set(true);
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let _ = signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        listener.set(Some(closure));
    });
    let result = JsFuture::from(Promise::race(&Array::of2(&promise, &on_abort))).await;
    if let Some(closure) = listener.take() {
        let _ = signal.remove_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
    }
    if fired.get() {
        return Err(Waited::Aborted(aborted()));
    }
    result.map_err(Waited::Rejected)
}

/// Resolves after `ms` milliseconds, or fails with `ABORTED` at once when `signal` fires (the
/// timer is cleared then).
pub async fn sleep(ms: u64, signal: Option<&AbortSignal>) -> Result<(), Error> {
    let timer = Rc::new(Cell::new(JsValue::UNDEFINED));
    let promise = Promise::new(&mut |resolve, _| {
        timer.set(set_timeout(&resolve, ms as f64));
    });
    let waited = abortable(promise, signal).await;
    clear_timeout(&timer.take());
    match waited {
        Err(Waited::Aborted(e)) => Err(e),
        _ => Ok(()),
    }
}

/// One attempt's abort wiring: an `AbortController` fired by the per-attempt timeout or by the
/// caller's signal, and the error a failure then means (`TIMEOUT`, `ABORTED` or `NETWORK`).
struct Attempt<'a> {
    controller: AbortController,
    timed_out: Rc<Cell<bool>>,
    /// The timer's ID and its callback, owned here so that a cleared timer frees it
    /// (`Closure::once_into_js` leaked one per attempt whose timer never fired).
    timer: Option<(JsValue, Closure<dyn FnMut()>)>,
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
            let on_timeout = Closure::<dyn FnMut()>::new(move || {
                timed_out.set(true);
                controller.abort();
            });
            let id = set_timeout(on_timeout.as_ref().unchecked_ref(), ms.into());
            unref(&id);
            (id, on_timeout)
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
        // Cleared before its callback is dropped: a timer never calls a freed closure.
        if let Some((id, _on_timeout)) = self.timer.take() {
            clear_timeout(&id);
        }
    }

    fn failed(&self, js: &JsValue) -> Error {
        if self.timed_out.get() {
            Error::network("TIMEOUT", format!("no answer within timeoutMs = {} ms", self.timeout_ms.unwrap_or(0)), "Raise `timeoutMs`, or check the endpoint is reachable.")
        } else if self.signal.is_some_and(|s| s.aborted()) {
            aborted()
        } else {
            network_of(js)
        }
    }
}

/// Node: a per-attempt timeout alone does not keep the process alive (the request it guards
/// does, while it runs; a timer left by an instance that died mid-call would hold it for
/// `timeoutMs`). Browsers and workerd give numbers, which have no `unref`.
fn unref(id: &JsValue) {
    if let Ok(f) = Reflect::get(id, &"unref".into()).and_then(|f| f.dyn_into::<Function>()) {
        let _ = f.call0(id);
    }
}

impl Drop for Attempt<'_> {
    /// However the attempt ends: no timer left, no listener on the caller's signal.
    fn drop(&mut self) {
        self.stop_timer();
        if let (Some(s), Some(on_abort)) = (self.signal, self.forward.take()) {
            let _ = s.remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        }
    }
}

/// Sends `req` and reads the whole answer; no answer is a `NetworkError`.
pub async fn send(fetch: &Function, req: &HttpRequest, timeout_ms: Option<u32>, signal: Option<&AbortSignal>) -> Result<HttpResponse, Error> {
    let attempt = Attempt::start(timeout_ms, signal)?;
    fetch_all(fetch, req, &attempt.controller.signal()).await.map_err(|js| attempt.failed(&js))
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
fn describe(js: &JsValue) -> (String, Option<String>) {
    let message = Reflect::get(js, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| "fetch failed".into());
    let cause = Reflect::get(js, &"cause".into()).ok().filter(|c| c.is_object());
    let code = cause
        .and_then(|c| Reflect::get(&c, &"code".into()).ok())
        .and_then(|c| c.as_string())
        .or_else(|| Reflect::get(js, &"code".into()).ok().and_then(|c| c.as_string()))
        .filter(|c| !c.is_empty());
    (message, code)
}

/// A failed fetch or read: `NETWORK`, the cause's system code in the message and in `cause`.
fn network_of(js: &JsValue) -> Error {
    let (message, code) = describe(js);
    Error::network_with_cause("NETWORK", &message, code.as_deref(), NETWORK_HINT)
}

const NETWORK_HINT: &str = "The endpoint did not answer: check the endpoint setting named in `field`, the network (DNS, firewall, proxy), and CORS in a browser.";

fn network(message: &str) -> Error {
    Error::network("NETWORK", message.to_string(), NETWORK_HINT)
}

pub(crate) fn aborted() -> Error {
    Error::network("ABORTED", "the request was aborted by its signal", "The caller's AbortSignal fired.")
}

/// A read's `{ done, value }` → the piece, or `None` at the end.
fn piece_of(step: &JsValue) -> Option<Vec<u8>> {
    if Reflect::get(step, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
        return None;
    }
    let value = Reflect::get(step, &"value".into()).unwrap_or(JsValue::UNDEFINED);
    Some(value.dyn_ref::<Uint8Array>().map(|v| v.to_vec()).unwrap_or_default())
}

/// No byte of a stream for `idle_ms`.
pub fn idle_timeout(idle_ms: u32, request_id: Option<String>) -> Error {
    let e = Error::stream(
        "STREAM_IDLE_TIMEOUT",
        format!("no byte of the stream arrived for idleTimeoutMs = {idle_ms} ms"),
        "The model or the connection stalled: retry, or raise `idleTimeoutMs` (per call or on the client).",
    );
    Error { retryable: true, request_id, ..e }.with_field("idleTimeoutMs")
}

/// A 2xx answer whose body is still to be read, piece by piece.
pub struct OpenStream {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    reader: JsValue,
    controller: AbortController,
    /// Set by `cancel()`: a read failing after it is an abort, not a broken connection.
    cancelled: Cell<bool>,
    /// The caller's signal, and its `abort` listener kept alive while the body is read.
    forward: Option<(AbortSignal, Closure<dyn FnMut()>)>,
}

impl Drop for OpenStream {
    /// Stops listening to the caller's signal: a finished stream leaves no listener behind (and
    /// an abort after it never calls a dropped closure).
    fn drop(&mut self) {
        if let Some((signal, on_abort)) = &self.forward {
            let _ = signal.remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        }
    }
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
        Err(js) => return Err(attempt.failed(&js)),
    };
    if !(200..300).contains(&status) {
        let body = read_all(&response).await.map_err(|js| attempt.failed(&js))?;
        return Ok(Answer::Whole(HttpResponse { status, headers, body }));
    }
    let reader = Reflect::get(&response, &"body".into()).and_then(|body| {
        let get_reader: Function = Reflect::get(&body, &"getReader".into())?.dyn_into()?;
        get_reader.call0(&body)
    });
    let reader = match reader {
        Ok(r) => r,
        Err(js) => return Err(attempt.failed(&js)),
    };
    let forward = match (attempt.signal, attempt.forward.take()) {
        (Some(s), Some(on_abort)) => Some((s.clone(), on_abort)),
        _ => None,
    };
    Ok(Answer::Open(OpenStream { status, headers, reader, controller: attempt.controller.clone(), cancelled: Cell::new(false), forward }))
}

impl OpenStream {
    /// `reader.read()`'s promise.
    fn start_read(&self) -> Result<Promise, Error> {
        let read: Function = Reflect::get(&self.reader, &"read".into()).and_then(|f| f.dyn_into()).map_err(|e| network_of(&e))?;
        Ok(Promise::resolve(&read.call0(&self.reader).map_err(|e| network_of(&e))?))
    }

    /// The next piece of the body (`None` at its end), or `STREAM_IDLE_TIMEOUT` (and the request
    /// aborted) when none comes within `idle_ms`; the timer is cleared either way.
    pub async fn read_within(&self, idle_ms: u32) -> Result<Option<Vec<u8>>, Error> {
        let pending = self.start_read()?;
        let timer = Rc::new(Cell::new(JsValue::UNDEFINED));
        // Resolves with `undefined`; a read resolves with `{ done, value }`.
        let idle = Promise::new(&mut |resolve, _| {
            timer.set(set_timeout(&resolve, idle_ms.into()));
        });
        let step = JsFuture::from(Promise::race(&Array::of2(&pending, &idle))).await;
        clear_timeout(&timer.take());
        let step = step.map_err(|e| self.read_error(&e))?;
        if step.is_undefined() {
            self.cancel();
            return Err(idle_timeout(idle_ms, self.request_id()));
        }
        Ok(piece_of(&step))
    }

    /// The body's `ReadableStreamDefaultReader` (JS reads a stream's pieces itself).
    pub fn reader(&self) -> &JsValue {
        &self.reader
    }

    /// What a failed `read()` means: `ABORTED` after the caller's signal or our own cancel, else
    /// a broken connection (`NETWORK`, a `StreamError` carrying the request ID).
    pub fn read_error(&self, e: &JsValue) -> Error {
        let by_caller = self.forward.as_ref().is_some_and(|(s, _)| s.aborted());
        if self.cancelled.get() || by_caller {
            return aborted();
        }
        let broken = network_of(e);
        Error {
            kind: crate::error::ErrorKind::Stream,
            message: format!("the stream broke mid-way: {}", broken.message),
            request_id: self.request_id(),
            ..broken
        }
    }

    /// The answer's `x-amzn-requestid`.
    pub fn request_id(&self) -> Option<String> {
        crate::http::find_header(&self.headers, "x-amzn-requestid").map(String::from)
    }

    /// Stops reading and aborts the request.
    pub fn cancel(&self) {
        self.cancelled.set(true);
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
    if !response.is_object() {
        return Err(js_sys::Error::new("the `fetch` option resolved to something that is not a Response").into());
    }
    let status = Reflect::get(&response, &"status".into())?.as_f64().unwrap_or(0.0) as u16;
    let headers = read_headers(&Reflect::get(&response, &"headers".into())?)?;
    Ok((status, headers, response))
}

async fn read_all(response: &JsValue) -> Result<Vec<u8>, JsValue> {
    let array_buffer: Function = Reflect::get(response, &"arrayBuffer".into())?.dyn_into()?;
    let buffer = JsFuture::from(Promise::resolve(&array_buffer.call0(response)?)).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
