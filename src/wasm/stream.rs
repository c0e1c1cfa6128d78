//! Streaming for JS: `invokeStream`, `converseStream` (an event-stream handle JS iterates) and
//! `converse`. Drives the core's `client::Call` up to the response headers, then pumps the body
//! into the core's `StreamReader`; decisions (framing, events, deltas) live in `crate::stream`.

use std::rc::Rc;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::error::{Error, Result};
use crate::mapping::Path;
use crate::preset;
use crate::stream::{self, Api, Batch, Item, StreamReader};
use crate::swar::utf16_len;
use crate::call_options::Operation;
use crate::wasm::client::{bedrock_call, drive, js_error, now_ms, read_plan, with_profile, Body, Creds, Failed, Inner, Plan, Tracer, WasmClient};
use crate::wasm::convert::{self as cv, get};
use crate::wasm::error::to_js;
use crate::wasm::fetch::{Answer, OpenStream};

/// JS: the handle behind `invokeStream()` / `converseStream()`. JS reads the body's pieces from
/// `reader` and hands each to `push` (then `finish` at its end): synchronous calls, one per
/// network read, so no promise crosses the boundary per piece.
#[wasm_bindgen]
pub struct WasmStream {
    open: OpenStream,
    reader: StreamReader,
    /// Reused between reads: its buffers keep their capacity.
    batch: Batch,
    /// No byte for this long ends the stream (`STREAM_IDLE_TIMEOUT`); JS runs the timer.
    idle_timeout_ms: u32,
}

#[wasm_bindgen]
impl WasmStream {
    /// The body's `ReadableStreamDefaultReader`.
    #[wasm_bindgen(getter)]
    pub fn reader(&self) -> JsValue {
        self.open.reader().clone()
    }

    /// Decodes the next piece of the body: its events as `[text, raw, meta, events]` (see
    /// `batch_to_js`), or `undefined` when it completed none. A broken stream throws a
    /// `StreamError` and aborts the request.
    /// `piece` is what the body's reader gave: anything but bytes (a custom `fetch` may hand
    /// strings or numbers) is a `STREAM_CHUNK` error, never a throw from the glue.
    pub fn push(&mut self, piece: JsValue) -> std::result::Result<JsValue, JsValue> {
        self.batch.clear();
        let read = match cv::bytes_of(&piece, "body") {
            Some(Ok(bytes)) => self.reader.push_into(&bytes, &mut self.batch),
            Some(Err(e)) => Err(e),
            None => Err(Error::stream(
                "STREAM_CHUNK",
                "the response body gave a piece that is not bytes",
                "A custom `fetch` must answer a Response whose body yields Uint8Array chunks.",
            )),
        };
        self.answer(read)
    }

    /// The end of the body: the last events (an InvokeModel stream's metrics), or a
    /// `STREAM_TRUNCATED` error.
    pub fn finish(&mut self) -> std::result::Result<JsValue, JsValue> {
        self.batch.clear();
        let read = self.reader.finish_into(&mut self.batch);
        self.answer(read)
    }

    /// The typed error for a failed `reader.read()` (`ABORTED` after an abort); aborts the request.
    #[wasm_bindgen(js_name = readFailed)]
    pub fn read_failed(&self, e: JsValue) -> JsValue {
        let error = self.open.read_error(&e);
        self.open.cancel();
        to_js(error)
    }

    /// The stream's idle timeout in ms (the plan's `idleTimeoutMs`).
    #[wasm_bindgen(getter, js_name = idleTimeoutMs)]
    pub fn idle_timeout_ms(&self) -> u32 {
        self.idle_timeout_ms
    }

    /// No byte came for `idleTimeoutMs`: aborts the request, returns the `STREAM_IDLE_TIMEOUT` error.
    #[wasm_bindgen(js_name = idleTimedOut)]
    pub fn idle_timed_out(&self) -> JsValue {
        self.open.cancel();
        to_js(crate::wasm::fetch::idle_timeout(self.idle_timeout_ms, self.open.request_id()))
    }

    /// Stops the stream: aborts the fetch.
    pub fn cancel(&self) {
        self.open.cancel();
    }

    fn answer(&mut self, read: Result<()>) -> std::result::Result<JsValue, JsValue> {
        match read {
            Ok(()) if self.batch.items.is_empty() => Ok(JsValue::UNDEFINED),
            Ok(()) => Ok(batch_to_js(&self.batch)),
            Err(mut e) => {
                self.batch = Batch::default();
                self.open.cancel();
                if e.request_id.is_none() {
                    e.request_id = self.open.request_id();
                }
                Err(to_js(e))
            }
        }
    }
}

/// A batch for JS in four values: `text` (every chunk's delta, one string), `raw` (every chunk's
/// JSON, one `Uint8Array`), `meta` (a `Uint32Array`, five numbers per event: kind — 0 a chunk with
/// a delta, 2 one without, 3 one without whose reasoning is the next of `events`, 1 the next of
/// `events` —, the chunk's byte range in `raw` and its delta's UTF-16 range in `text`), and
/// `events` (the other events as objects).
fn batch_to_js(batch: &Batch) -> JsValue {
    let mut meta = Vec::with_capacity(batch.items.len() * 5);
    let events = js_sys::Array::new();
    let (mut byte_at, mut unit_at) = (0usize, 0u32);
    let mut units = |to: usize| {
        unit_at += utf16_len(batch.text.as_bytes().get(byte_at..to).unwrap_or_default());
        byte_at = to;
        unit_at
    };
    for item in &batch.items {
        match item {
            Item::Chunk { raw, text, reasoning } => {
                let (kind, start, end) = match (text, reasoning) {
                    (Some(t), _) => (0, units(t.start), units(t.end)),
                    (None, Some(r)) => {
                        events.push(&reasoning_to_js(r, &Object::new()));
                        (3, 0, 0)
                    }
                    (None, None) => (2, 0, 0),
                };
                meta.extend([kind, raw.start as u32, raw.end as u32, start, end]);
            }
            Item::Metrics(m) => {
                meta.extend([1, 0, 0, 0, 0]);
                events.push(&metrics_to_js(m));
            }
            Item::Converse { event_type, payload, text, reasoning } => {
                meta.extend([1, 0, 0, 0, 0]);
                events.push(&converse_to_js(event_type, payload, text.as_deref(), reasoning.as_deref()));
            }
        }
    }
    let parts = js_sys::Array::new();
    parts.push(&JsValue::from_str(&batch.text));
    parts.push(&js_sys::Uint8Array::from(batch.raw.as_slice()));
    parts.push(&js_sys::Uint32Array::from(meta.as_slice()));
    parts.push(&events);
    parts.into()
}

/// `{ type: 'metrics', usage, latencyMs, firstByteLatencyMs, invokedModelId }`
fn metrics_to_js(m: &stream::Metrics) -> JsValue {
    let usage = match (m.input_tokens, m.output_tokens) {
        (Some(i), Some(o)) => cv::object(&[
            ("inputTokens", (i as f64).into()),
            ("outputTokens", (o as f64).into()),
            ("cacheReadInputTokens", cv::opt_num(m.cache_read_tokens)),
            ("cacheWriteInputTokens", cv::opt_num(m.cache_write_tokens)),
        ]),
        _ => JsValue::NULL,
    };
    cv::object(&[
        ("type", "metrics".into()),
        ("usage", usage),
        ("latencyMs", cv::opt_num(m.latency_ms)),
        ("firstByteLatencyMs", cv::opt_num(m.first_byte_latency_ms)),
        ("invokedModelId", cv::opt_str(m.invoked_model_id.as_deref())),
    ])
}

/// A ConverseStream event: `{ type, …its payload, text?, reasoning?, reasoningSignature?,
/// reasoningRedactedContent? }`.
fn converse_to_js(event_type: &str, payload: &serde_json::Value, text: Option<&str>, reasoning: Option<&stream::Reasoning>) -> JsValue {
    let event = Object::new();
    let _ = Reflect::set(&event, &"type".into(), &JsValue::from_str(event_type));
    let _ = Object::assign(&event, &Object::from(cv::json_to_js(payload)));
    if let Some(t) = text {
        let _ = Reflect::set(&event, &"text".into(), &JsValue::from_str(t));
    }
    match reasoning {
        Some(r) => reasoning_to_js(r, &event),
        None => event.into(),
    }
}

/// Sets `reasoning`, `reasoningSignature`, `reasoningRedactedContent` (those that arrived) on `on`.
fn reasoning_to_js(r: &stream::Reasoning, on: &Object) -> JsValue {
    for (key, value) in [("reasoning", &r.text), ("reasoningSignature", &r.signature), ("reasoningRedactedContent", &r.redacted)] {
        if let Some(v) = value {
            let _ = Reflect::set(on, &JsValue::from_str(key), &JsValue::from_str(v));
        }
    }
    on.clone().into()
}

#[wasm_bindgen]
impl WasmClient {
    /// JS: invokeStream(options) → Promise<WasmStream> (the request is sent now: JS calls this lazily).
    #[wasm_bindgen(js_name = invokeStream)]
    pub fn invoke_stream(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let plan = read_plan(&inner, &options, Operation::InvokeStream).map_err(to_js)?;
            let model = inner.config.model_id(&cv::string(&options, "modelId", "modelId").map_err(to_js)?).map_err(to_js)?;
            let body = cv::body(&get(&options, "body"), "body", true).map_err(to_js)?;
            let content_type = cv::opt_string(&options, "contentType", "contentType").map_err(to_js)?.unwrap_or_else(|| "application/json".into());
            let accept = cv::opt_string(&options, "accept", "accept").map_err(to_js)?.unwrap_or_else(|| "application/json".into());
            let delta = match cv::opt_string(&options, "delta", "delta").map_err(to_js)? {
                Some(p) => Some(Path::parse(&p, "delta").map_err(to_js)?),
                None => delta_for(&model.model_id),
            };
            let send = |model_id: String| {
                let mut request = stream::build_invoke_stream(&inner.config.runtime_url, &model_id, body.clone(), &content_type, &accept);
                plan.options.apply_headers(&mut request);
                let (inner, plan) = (inner.clone(), &plan);
                async move { open_answer(&inner, request, plan).await }
            };
            let (open, used) = with_profile(&inner, &model.model_id, &plan, send).await.map_err(js_error)?;
            let delta = match (&delta, used) {
                (None, Some(p)) => delta_for(&p),
                _ => delta,
            };
            Ok(WasmStream { open, reader: StreamReader::new(Api::InvokeModel, delta), batch: Batch::default(), idle_timeout_ms: plan.idle_timeout_ms }.into())
        })
    }

    /// JS: converseStream(options) → Promise<WasmStream>
    #[wasm_bindgen(js_name = converseStream)]
    pub fn converse_stream(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let plan = read_plan(&inner, &options, Operation::ConverseStream).map_err(to_js)?;
            let (model_id, body) = converse_request(&inner, &options, &plan).map_err(to_js)?;
            let send = |model_id: String| {
                let request = stream::build_converse(&inner.config.runtime_url, &model_id, body.clone(), true);
                let (inner, plan) = (inner.clone(), &plan);
                async move { open_answer(&inner, request, plan).await }
            };
            let (open, _) = with_profile(&inner, &model_id, &plan, send).await.map_err(js_error)?;
            Ok(WasmStream { open, reader: StreamReader::new(Api::Converse, None), batch: Batch::default(), idle_timeout_ms: plan.idle_timeout_ms }.into())
        })
    }

    /// JS: converse(options) → Promise<{ outputText, message, stopReason, usage, latencyMs, serverLatencyMs, inferenceProfileUsed }>
    pub fn converse(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let plan = read_plan(&inner, &options, Operation::Converse).map_err(to_js)?;
            let (model_id, body) = converse_request(&inner, &options, &plan).map_err(to_js)?;
            let started = now_ms(&inner);
            let send = |model_id: String| {
                let request = stream::build_converse(&inner.config.runtime_url, &model_id, body.clone(), false);
                let (inner, plan) = (inner.clone(), &plan);
                async move {
                    match drive_stream(&inner, request, plan, &None).await? {
                        Answer::Whole(r) => Ok(r),
                        Answer::Open(open) => read_to_end(&open, plan.idle_timeout_ms).await.map_err(Failed::Core),
                    }
                }
            };
            let (response, used) = with_profile(&inner, &model_id, &plan, send).await.map_err(js_error)?;
            let latency = now_ms(&inner).saturating_sub(started);
            let out = stream::parse_converse(&response).map_err(to_js)?;
            let (i, o, t) = out.usage;
            Ok(cv::object(&[
                ("outputText", JsValue::from_str(&out.output_text)),
                ("message", cv::json_to_js(&out.message)),
                ("stopReason", cv::opt_str(out.stop_reason.as_deref())),
                ("usage", cv::object(&[
                    ("inputTokens", cv::opt_num(i)),
                    ("outputTokens", cv::opt_num(o)),
                    ("totalTokens", cv::opt_num(t)),
                    ("cacheReadInputTokens", cv::opt_num(out.cache.0)),
                    ("cacheWriteInputTokens", cv::opt_num(out.cache.1)),
                ])),
                ("latencyMs", JsValue::from_f64(latency as f64)),
                ("serverLatencyMs", cv::opt_num(out.server_latency_ms)),
                ("inferenceProfileUsed", cv::opt_str(used.as_deref())),
                ("invokedModelId", cv::opt_str(out.invoked_model_id.as_deref())),
                ("guardrailAction", cv::opt_str(out.guardrail_action)),
            ]))
        })
    }
}

/// The family's delta path for a model ID (`None` when the family is unknown).
pub fn delta_for(model_id: &str) -> Option<Path> {
    preset::for_model(model_id).and_then(|p| Path::parse(p.mapping.delta, "delta").ok())
}

/// The model ID and the JSON body of a Converse / ConverseStream call: the request fields as
/// given, then the plan's per-call options as top-level fields.
fn converse_request(inner: &Inner, o: &JsValue, plan: &Plan) -> Result<(String, Vec<u8>)> {
    let model = inner.config.model_id(&cv::string(o, "modelId", "modelId")?)?;
    let body = Object::new();
    for field in crate::call_options::CONVERSE_FIELDS {
        let v = get(o, field);
        if !v.is_undefined() && !matches!(*field, "guardrailConfig" | "performanceConfig") {
            let _ = Reflect::set(&body, &JsValue::from_str(field), &v);
        }
    }
    let bytes = cv::body(&body.into(), "body", true)?;
    let mut fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|_| Error::type_error("messages", "JSON-serializable values"))?;
    plan.options.apply_converse(&mut fields);
    let bytes = serde_json::to_vec(&fields).map_err(|_| Error::type_error("messages", "JSON-serializable values"))?;
    Ok((model.model_id, bytes))
}

/// Sends a streaming call; a 2xx leaves the body open.
async fn open_answer(inner: &Rc<Inner>, request: crate::http::HttpRequest, plan: &Plan) -> std::result::Result<OpenStream, Failed> {
    match drive_stream(inner, request, plan, &None).await? {
        Answer::Open(open) => Ok(open),
        Answer::Whole(_) => Err(Failed::Core(Error::network("MALFORMED_RESPONSE", "the stream ended before it began", "Retry the call."))),
    }
}

/// Drives a Bedrock call with the client's driver, leaving a 2xx body open for streaming.
async fn drive_stream(inner: &Rc<Inner>, request: crate::http::HttpRequest, plan: &Plan, trace: &Tracer) -> std::result::Result<Answer, Failed> {
    let call = bedrock_call(inner, request, plan.op);
    drive(inner, call, Creds::Role, plan.ctx(), trace, Body::Open).await
}

async fn read_to_end(open: &OpenStream, idle_ms: u32) -> Result<crate::http::HttpResponse> {
    let mut body = Vec::new();
    while let Some(piece) = open.read_within(idle_ms).await? {
        body.extend_from_slice(&piece);
    }
    Ok(crate::http::HttpResponse { status: open.status, headers: open.headers.clone(), body })
}

/// `mapped` of a streamed Test call: `{ outputText, inputTokens, outputTokens, source }`.
fn streamed_result(text: Option<&str>, metrics: &stream::Metrics) -> JsValue {
    let count = |n: Option<u64>| n.map(|v| JsValue::from_f64(v as f64)).unwrap_or(JsValue::NULL);
    let source = |n: Option<u64>| if n.is_some() { JsValue::from_str("body") } else { JsValue::NULL };
    cv::object(&[
        ("outputText", cv::opt_str(text)),
        ("inputTokens", count(metrics.input_tokens)),
        ("outputTokens", count(metrics.output_tokens)),
        ("cacheReadInputTokens", count(metrics.cache_read_tokens)),
        ("cacheWriteInputTokens", count(metrics.cache_write_tokens)),
        (
            "source",
            cv::object(&[
                ("inputTokens", source(metrics.input_tokens)),
                ("outputTokens", source(metrics.output_tokens)),
                ("cacheReadInputTokens", source(metrics.cache_read_tokens)),
                ("cacheWriteInputTokens", source(metrics.cache_write_tokens)),
            ]),
        ),
    ])
}

/// Calls `on_delta` (the Test's `onDelta` option) with each text delta as it arrives; what it
/// throws is ignored (it only watches).
fn report_deltas(on_delta: Option<&js_sys::Function>, events: &[stream::Out]) {
    let Some(f) = on_delta else { return };
    for e in events {
        if let stream::Out::Chunk { text: Some(delta), .. } | stream::Out::Converse { text: Some(delta), .. } = e {
            let _ = f.call1(&JsValue::NULL, &JsValue::from_str(delta));
        }
    }
}

/// The streamed Test call (InvokeModelWithResponseStream or ConverseStream, as `reader` reads):
/// the text is the joined deltas (each also given to `on_delta` as it arrives), the token counts
/// come from the metrics (Converse: `metadata`) event; the raw response body shown is the chunks
/// (Converse: the events as `{ type: payload }`) as a JSON array.
pub(crate) async fn test_stream(
    inner: &Rc<Inner>,
    request: crate::http::HttpRequest,
    mut reader: StreamReader,
    plan: &Plan,
    trace: &Tracer,
    on_delta: Option<&js_sys::Function>,
) -> std::result::Result<JsValue, Failed> {
    let open = match drive_stream(inner, request, plan, trace).await? {
        Answer::Open(open) => open,
        Answer::Whole(_) => return Err(Failed::Core(Error::network("MALFORMED_RESPONSE", "the stream ended before it began", "Retry the call."))),
    };
    let mut events = Vec::new();
    while let Some(piece) = open.read_within(plan.idle_timeout_ms).await? {
        let fresh = reader.push(&piece)?;
        report_deltas(on_delta, &fresh);
        events.extend(fresh);
    }
    let last = reader.finish()?;
    report_deltas(on_delta, &last);
    events.extend(last);
    let (text, shown, metrics) = stream::collect(events);
    if let Some(t) = trace {
        if let Some(r) = t.borrow_mut().response.as_mut() {
            r.body = serde_json::Value::Array(shown).to_string().into_bytes();
        }
    }
    Ok(streamed_result(text.as_deref(), &metrics))
}
