//! Bedrock's streaming answers, read incrementally: InvokeModelWithResponseStream (`chunk`
//! events carrying base64 model JSON; the last carries `amazon-bedrock-invocationMetrics`) and
//! ConverseStream (the event JSON directly, `metadata` last); plus Converse's request fields and
//! answer. Bytes in, events out; framing is `eventstream.rs`, text deltas come from the family's
//! delta JSONPath. No I/O.

use std::fmt;
use std::ops::Range;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::eventstream::{chunk_bytes, classify, Decoder, StreamEvent};
use crate::http::{HttpRequest, HttpResponse};
use crate::mapping::{self, Path, Step};
use crate::model_id;

mod scan;

/// Which API's stream this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    InvokeModel,
    Converse,
}

/// `amazon-bedrock-invocationMetrics` of the last chunk, and the model a prompt router chose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_read_tokens: Option<u64>,
    pub cache_write_tokens: Option<u64>,
    pub latency_ms: Option<u64>,
    pub first_byte_latency_ms: Option<u64>,
    /// AWS documents `trace.promptRouter.invokedModelId` for Converse and ConverseStream only;
    /// for InvokeModelWithResponseStream its reference names no field or header. A chunk without
    /// a text delta carrying `amazon-bedrock-trace.promptRouter.invokedModelId` (the envelope
    /// InvokeModel bodies use for traces) is read here.
    pub invoked_model_id: Option<String>,
}

/// The key of the invocation metrics in an InvokeModel stream's last chunk.
const METRICS_KEY: &str = "amazon-bedrock-invocationMetrics";

/// The reasoning one chunk or event carries, apart from the answer text: Anthropic's
/// `thinking_delta` (`thinking`), `signature_delta` (`signature`) and `redacted_thinking` block
/// (`data`); Converse's `reasoningContent` delta (`text`, `signature`, `redactedContent`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reasoning {
    pub text: Option<String>,
    pub signature: Option<String>,
    pub redacted: Option<String>,
}

/// One event, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// An InvokeModel chunk: the model's JSON text and its text delta (by the family's delta path).
    Chunk { raw: String, text: Option<String>, reasoning: Option<Box<Reasoning>> },
    /// Last event of an InvokeModel stream.
    Metrics(Metrics),
    /// A ConverseStream event (`messageStart`, `contentBlockDelta`, …, `metadata`).
    Converse { event_type: String, payload: Value, text: Option<String>, reasoning: Option<Box<Reasoning>> },
}

/// The events of one or more pushes, laid out for one trip to JS: every chunk's JSON joined in
/// `raw`, every chunk's text delta joined in `text`, and per event an `Item` with byte ranges
/// into them (no string per chunk until JS asks for one).
#[derive(Debug, Default)]
pub struct Batch {
    pub raw: Vec<u8>,
    pub text: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An InvokeModel chunk: its JSON is `raw[raw]`, its delta `text[text]` (`None`: no delta),
    /// and the reasoning it carries (only read from chunks without a text delta).
    Chunk { raw: Range<usize>, text: Option<Range<usize>>, reasoning: Option<Box<Reasoning>> },
    /// Last event of an InvokeModel stream.
    Metrics(Metrics),
    /// A ConverseStream event (`messageStart`, `contentBlockDelta`, …, `metadata`).
    Converse { event_type: String, payload: Value, text: Option<String>, reasoning: Option<Box<Reasoning>> },
}

impl Batch {
    pub fn clear(&mut self) {
        self.raw.clear();
        self.text.clear();
        self.items.clear();
    }

    /// The events as owned values.
    pub fn into_outs(self) -> Vec<Out> {
        let Batch { raw, text, items } = self;
        items
            .into_iter()
            .map(|item| match item {
                Item::Chunk { raw: r, text: t, reasoning } => Out::Chunk {
                    raw: String::from_utf8_lossy(raw.get(r).unwrap_or_default()).into_owned(),
                    text: t.and_then(|t| text.get(t)).map(str::to_string),
                    reasoning,
                },
                Item::Metrics(m) => Out::Metrics(m),
                Item::Converse { event_type, payload, text, reasoning } => Out::Converse { event_type, payload, text, reasoning },
            })
            .collect()
    }
}

/// How a chunk's text delta is found.
#[derive(Debug)]
enum Delta {
    None,
    /// Names and indices only: read while parsing, no `Value` built.
    Steps(Vec<Step>),
    /// Any other JSONPath: the chunk is parsed into a `Value` and queried.
    Path(Path),
}

/// Reads one streaming answer.
#[derive(Debug)]
pub struct StreamReader {
    api: Api,
    decoder: Decoder,
    delta: Delta,
    metrics: Metrics,
}

impl StreamReader {
    /// `delta`: the JSONPath of a chunk's text (`$.delta.text` for Anthropic); `None` = no text.
    pub fn new(api: Api, delta: Option<Path>) -> Self {
        let delta = match delta {
            None => Delta::None,
            Some(p) => match p.steps() {
                Some(steps) if !matches!(steps.first(), Some(Step::Name(n)) if n == METRICS_KEY) => Delta::Steps(steps),
                _ => Delta::Path(p),
            },
        };
        StreamReader { api, decoder: Decoder::new(), delta, metrics: Metrics::default() }
    }

    /// Feeds the next bytes (any split); returns the events they completed.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Out>> {
        let mut batch = Batch::default();
        self.push_into(bytes, &mut batch)?;
        Ok(batch.into_outs())
    }

    /// Feeds the next bytes (any split) and appends the events they completed to `batch`. On an
    /// error, `batch` may hold events of this push: the stream is broken, drop it.
    pub fn push_into(&mut self, bytes: &[u8], batch: &mut Batch) -> Result<()> {
        let StreamReader { api, decoder, delta, metrics } = self;
        decoder.push_frames(bytes, |frame| match classify(&frame)? {
            StreamEvent::Event { event_type, payload } => match api {
                Api::InvokeModel => read_chunk(payload, delta, metrics, batch),
                Api::Converse => {
                    batch.items.push(converse_event(event_type, payload)?);
                    Ok(())
                }
            },
            StreamEvent::Exception { code, message } | StreamEvent::Error { code, message } => Err(aws_stream_error(code, message)),
        })
    }

    /// End of the bytes: a partial frame is `STREAM_TRUNCATED`; an InvokeModel stream ends with
    /// its metrics event.
    pub fn finish(&mut self) -> Result<Vec<Out>> {
        let mut batch = Batch::default();
        self.finish_into(&mut batch)?;
        Ok(batch.into_outs())
    }

    pub fn finish_into(&mut self, batch: &mut Batch) -> Result<()> {
        self.decoder.finish()?;
        if self.api == Api::InvokeModel {
            batch.items.push(Item::Metrics(self.metrics.clone()));
        }
        Ok(())
    }
}

/// One InvokeModel chunk into `batch`: its JSON (base64-decoded straight into `batch.raw`), its
/// delta, and the metrics if it carries them.
fn read_chunk(payload: &[u8], delta: &Delta, metrics: &mut Metrics, batch: &mut Batch) -> Result<()> {
    let start = batch.raw.len();
    chunk_bytes(payload, &mut batch.raw)?;
    let json = batch.raw.get(start..).unwrap_or_default();
    let text_start = batch.text.len();
    let found = match delta {
        Delta::Path(p) => {
            let value = mapping::parse_json(json, "chunk").map_err(|e| stream_json_error(&e))?;
            if let Some(m) = value.get(METRICS_KEY) {
                *metrics = read_metrics(m);
            }
            joined(p, &value).map(|t| batch.text.push_str(&t)).is_some()
        }
        Delta::None | Delta::Steps(_) => {
            let steps = if let Delta::Steps(s) = delta { Some(s.as_slice()) } else { None };
            match scan::scan(json, steps, &mut batch.text) {
                Some(found) => found,
                None => {
                    let found = probe(json, steps, &mut batch.text)?;
                    if let Some(m) = found.metrics {
                        *metrics = m;
                    }
                    found.text
                }
            }
        }
    };
    let text = found.then_some(text_start..batch.text.len());
    // Off the text path: only a chunk without a text delta is looked at for reasoning and a router's choice.
    let reasoning = if found { None } else { chunk_reasoning(batch.raw.get(start..).unwrap_or_default()) };
    if !found {
        if let Some(id) = crate::bedrock::invoked_model_id(batch.raw.get(start..).unwrap_or_default()) {
            metrics.invoked_model_id = Some(id);
        }
    }
    batch.items.push(Item::Chunk { raw: start..batch.raw.len(), text, reasoning });
    Ok(())
}

/// Eight bytes of `thinking_delta` / `redacted_thinking`, `signature_delta` / `signature`, and
/// `reasoningContent`: a chunk without any of them is not parsed again (one pass, 8-byte compares).
const REASONING_MARKS: [&[u8; 8]; 3] = [b"thinking", b"ignature", b"ningCont"];

/// The reasoning of an InvokeModel chunk (already checked to be JSON): Anthropic's
/// `thinking_delta` / `signature_delta` / `redacted_thinking` block, or a Converse-shaped
/// `contentBlockDelta.delta.reasoningContent` (Nova).
fn chunk_reasoning(json: &[u8]) -> Option<Box<Reasoning>> {
    if !json.windows(8).any(|w| REASONING_MARKS.iter().any(|m| w == *m)) {
        return None;
    }
    let v: Value = serde_json::from_slice(json).ok()?;
    let at = |p: &str| v.pointer(p).and_then(Value::as_str).map(String::from);
    let r = match v.pointer("/delta/type").and_then(Value::as_str) {
        Some("thinking_delta") => Reasoning { text: at("/delta/thinking"), ..Reasoning::default() },
        Some("signature_delta") => Reasoning { signature: at("/delta/signature"), ..Reasoning::default() },
        _ if v.pointer("/content_block/type").and_then(Value::as_str) == Some("redacted_thinking") => {
            Reasoning { redacted: at("/content_block/data"), ..Reasoning::default() }
        }
        _ => reasoning_content(v.pointer("/contentBlockDelta/delta/reasoningContent")?),
    };
    (r != Reasoning::default()).then(|| Box::new(r))
}

/// A Converse `ReasoningContentBlockDelta`: `text`, `signature`, `redactedContent` (base64).
fn reasoning_content(rc: &Value) -> Reasoning {
    let at = |k: &str| rc.get(k).and_then(Value::as_str).map(String::from);
    Reasoning { text: at("text"), signature: at("signature"), redacted: at("redactedContent") }
}

fn converse_event(event_type: &str, payload: &[u8]) -> Result<Item> {
    let mut payload = mapping::parse_json(payload, "event").map_err(|e| stream_json_error(&e))?;
    if event_type == "metadata" {
        fill_cache_usage(&mut payload);
    }
    let delta = if event_type == "contentBlockDelta" { payload.get("delta") } else { None };
    let text = delta.and_then(|d| d.get("text")).and_then(Value::as_str).map(String::from);
    let reasoning = delta
        .and_then(|d| d.get("reasoningContent"))
        .map(reasoning_content)
        .filter(|r| *r != Reasoning::default())
        .map(Box::new);
    Ok(Item::Converse { event_type: event_type.to_string(), payload, text, reasoning })
}

/// A finished stream (InvokeModel or Converse): the joined text deltas (`None` when there were
/// none), what a Test shows as the raw body (the chunk JSONs; Converse events as
/// `{ eventType: payload }`, as the SDKs show them), and the token counts (the metrics event, or
/// Converse's `metadata`).
pub fn collect(events: Vec<Out>) -> (Option<String>, Vec<Value>, Metrics) {
    let (mut text, mut shown, mut metrics) = (None::<String>, Vec::new(), Metrics::default());
    for e in events {
        let delta = match e {
            Out::Chunk { raw, text: delta, .. } => {
                shown.push(serde_json::from_str(&raw).unwrap_or(Value::String(raw)));
                delta
            }
            Out::Metrics(m) => {
                metrics = m;
                None
            }
            Out::Converse { event_type, payload, text: delta, .. } => {
                if event_type == "metadata" {
                    metrics = metadata_metrics(&payload);
                }
                let mut one = serde_json::Map::new();
                one.insert(event_type, payload);
                shown.push(Value::Object(one));
                delta
            }
        };
        if let Some(d) = delta {
            text.get_or_insert_with(String::new).push_str(&d);
        }
    }
    (text, shown, metrics)
}

/// The token counts of a ConverseStream `metadata` event.
fn metadata_metrics(payload: &Value) -> Metrics {
    let n = |p: &str| payload.pointer(p).and_then(Value::as_u64);
    Metrics {
        input_tokens: n("/usage/inputTokens"),
        output_tokens: n("/usage/outputTokens"),
        cache_read_tokens: n("/usage/cacheReadInputTokens"),
        cache_write_tokens: n("/usage/cacheWriteInputTokens"),
        latency_ms: n("/metrics/latencyMs"),
        first_byte_latency_ms: None,
        invoked_model_id: None, // the metadata event itself carries `invokedModelId`
    }
}

/// The string nodes a delta path finds, joined; `None` when there are none.
fn joined(p: &Path, json: &Value) -> Option<String> {
    let parts: Vec<&str> = p.query(json).into_iter().filter_map(Value::as_str).collect();
    (!parts.is_empty()).then(|| parts.concat())
}

fn read_metrics(m: &Value) -> Metrics {
    let n = |k: &str| m.get(k).and_then(Value::as_u64);
    Metrics {
        input_tokens: n("inputTokenCount"),
        output_tokens: n("outputTokenCount"),
        cache_read_tokens: n("cacheReadInputTokenCount"),
        cache_write_tokens: n("cacheWriteInputTokenCount"),
        latency_ms: n("invocationLatency"),
        first_byte_latency_ms: n("firstByteLatency"),
        invoked_model_id: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a chunk without building a `Value`: one serde pass that checks the whole JSON, follows
// the delta's steps, keeps the metrics object, and skips everything else. It finds what
// `Path::query` over `serde_json::from_slice` finds: where a key repeats, the last one counts.
// Numbers it skips are checked for syntax, not range, as `JSON.parse` does.

/// What `probe` found in one chunk: whether it appended a delta, and the metrics.
#[derive(Debug, Default)]
struct Found {
    text: bool,
    metrics: Option<Metrics>,
}

/// Reads `json`, appending the delta at `steps` (if any) to `text`.
fn probe(json: &[u8], steps: Option<&[Step]>, text: &mut String) -> Result<Found> {
    let start = text.len();
    let mut sink = Sink { text, start, found: Found::default() };
    let mut de = serde_json::Deserializer::from_slice(json);
    Walk { steps, top: true, sink: &mut sink }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| stream_json_error(&mapping::json_error("chunk", &e)))?;
    if !sink.found.text {
        sink.text.truncate(sink.start);
    }
    Ok(sink.found)
}

/// Where `Walk` writes: the delta goes straight into the batch's text from `start` on (a later
/// duplicate key replaces it), no string of its own.
struct Sink<'t> {
    text: &'t mut String,
    start: usize,
    found: Found,
}

impl Sink<'_> {
    fn set_text(&mut self, v: Option<&str>) {
        self.text.truncate(self.start);
        self.text.push_str(v.unwrap_or_default());
        self.found.text = v.is_some();
    }
}

/// Visits one JSON value: `steps` left to follow (`Some([])`: this value is the delta; `None`:
/// no delta wanted), `top` for the document itself (where the metrics key lives).
struct Walk<'s, 'k, 't> {
    steps: Option<&'s [Step]>,
    top: bool,
    sink: &'k mut Sink<'t>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<(), E> {
        if self.steps == Some(&[]) {
            self.sink.set_text(Some(v));
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let Walk { steps, top, sink } = self;
        let (name, rest) = match steps {
            Some([Step::Name(n), rest @ ..]) => (Some(n.as_str()), Some(rest)),
            _ => (None, None),
        };
        while let Some(key) = map.next_key_seed(KeyIs { name, metrics: top })? {
            match key {
                Key::Wanted => {
                    sink.set_text(None);
                    map.next_value_seed(Walk { steps: rest, top: false, sink: &mut *sink })?;
                }
                Key::Metrics => sink.found.metrics = Some(read_metrics(&map.next_value::<Value>()?)),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let Walk { steps, sink, .. } = self;
        let (index, rest) = match steps {
            Some([Step::Index(i), rest @ ..]) => (Some(*i), Some(rest)),
            _ => (None, None),
        };
        let mut at = 0;
        loop {
            let more = if Some(at) == index {
                seq.next_element_seed(Walk { steps: rest, top: false, sink: &mut *sink })?.is_some()
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(());
            }
            at += 1;
        }
    }
}

/// What an object key means to `Walk`.
enum Key {
    Wanted,
    Metrics,
    Other,
}

struct KeyIs<'s> {
    name: Option<&'s str>,
    metrics: bool,
}

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> std::result::Result<Key, E> {
        Ok(if self.name == Some(key) {
            Key::Wanted
        } else if self.metrics && key == METRICS_KEY {
            Key::Metrics
        } else {
            Key::Other
        })
    }
}

/// An exception or error frame: AWS's code verbatim, as a `StreamError`.
fn aws_stream_error(code: String, message: String) -> Error {
    let retryable = matches!(
        code.as_str(),
        "throttlingException" | "serviceUnavailableException" | "internalServerException" | "modelNotReadyException"
    );
    let hint = match code.as_str() {
        "throttlingException" => "Bedrock throttled the stream: retry later or lower the request rate.",
        "modelStreamErrorException" => "The model failed mid-stream: retry; check the body against the model family's format if it persists.",
        "validationException" => "Bedrock refused the request mid-stream: check the body and the model ID.",
        "modelTimeoutException" => "The model took too long: send a shorter prompt or fewer max tokens.",
        _ => "The stream broke on Bedrock's side: retry the call.",
    };
    Error { retryable, ..Error::stream(&code, message, hint) }
}

fn stream_json_error(e: &Error) -> Error {
    Error { kind: ErrorKind::Stream, code: "STREAM_CHUNK".into(), ..e.clone() }
}

/// `POST {runtime}/model/{modelId}/invoke-with-response-stream`, accept in `X-Amzn-Bedrock-Accept`.
pub fn build_invoke_stream(runtime_url: &str, model_id: &str, body: Vec<u8>, content_type: &str, accept: &str) -> HttpRequest {
    let mut req = HttpRequest::new("POST", format!("{runtime_url}{}", model_id::path(model_id, "invoke-with-response-stream")));
    req.set_header("content-type", content_type);
    req.set_header("x-amzn-bedrock-accept", accept);
    req.set_header("x-amz-user-agent", crate::USER_AGENT);
    req.body = body;
    req
}

/// The request fields of Converse / ConverseStream, as the JS options name them.
pub const CONVERSE_FIELDS: &[&str] = &[
    "messages",
    "system",
    "inferenceConfig",
    "toolConfig",
    "guardrailConfig",
    "additionalModelRequestFields",
    "additionalModelResponseFieldPaths",
    "promptVariables",
    "requestMetadata",
    "performanceConfig",
];

/// `POST {runtime}/model/{modelId}/converse` or `/converse-stream`.
pub fn build_converse(runtime_url: &str, model_id: &str, body: Vec<u8>, stream: bool) -> HttpRequest {
    let action = if stream { "converse-stream" } else { "converse" };
    let mut req = HttpRequest::new("POST", format!("{runtime_url}{}", model_id::path(model_id, action)));
    req.set_header("content-type", "application/json");
    req.set_header("accept", if stream { "application/vnd.amazon.eventstream" } else { "application/json" });
    req.set_header("x-amz-user-agent", crate::USER_AGENT);
    req.body = body;
    req
}

/// Converse's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ConverseOutput {
    pub output_text: String,
    pub message: Value,
    pub stop_reason: Option<String>,
    pub usage: (Option<u64>, Option<u64>, Option<u64>),
    pub server_latency_ms: Option<u64>,
    /// Prompt-cache (read, write) input tokens of `usage`.
    pub cache: (Option<u64>, Option<u64>),
    /// The model a prompt router chose (`trace.promptRouter.invokedModelId`).
    pub invoked_model_id: Option<String>,
    /// `INTERVENED` when a guardrail blocked (`stopReason` `guardrail_intervened`).
    pub guardrail_action: Option<&'static str>,
}

/// Where Converse reports the model a prompt router chose.
const ROUTED: &str = "/trace/promptRouter/invokedModelId";

/// A `metadata` event's `usage` always has `cacheReadInputTokens` / `cacheWriteInputTokens`
/// (`null` when the model reported none), and the event has `invokedModelId` (a prompt
/// router's choice, from `trace.promptRouter`, else `null`).
fn fill_cache_usage(payload: &mut Value) {
    if let Some(usage) = payload.get_mut("usage").and_then(Value::as_object_mut) {
        for key in ["cacheReadInputTokens", "cacheWriteInputTokens"] {
            usage.entry(key).or_insert(Value::Null);
        }
    }
    let routed = payload.pointer(ROUTED).cloned().unwrap_or(Value::Null);
    if let Some(event) = payload.as_object_mut() {
        event.insert("invokedModelId".into(), routed);
    }
}

pub fn parse_converse(resp: &HttpResponse) -> Result<ConverseOutput> {
    // Bedrock's answer that is not JSON is the endpoint's fault, not the caller's `body`.
    let body = mapping::parse_json(&resp.body, "body").map_err(|e| {
        let request_id = resp.header("x-amzn-requestid").map(String::from);
        Error {
            status: Some(resp.status),
            request_id,
            ..Error::network(
                "MALFORMED_RESPONSE",
                format!("Bedrock answered {} but {}", resp.status, e.message.trim_start_matches("the ")),
                "Check that `endpoint` points at Bedrock.",
            )
        }
    })?;
    let message = body.pointer("/output/message").cloned().unwrap_or(Value::Null);
    let output_text: String = message
        .get("content")
        .and_then(Value::as_array)
        .map(|blocks| blocks.iter().filter_map(|b| b.get("text").and_then(Value::as_str)).collect())
        .unwrap_or_default();
    let n = |p: &str| body.pointer(p).and_then(Value::as_u64);
    Ok(ConverseOutput {
        output_text,
        message,
        stop_reason: body.get("stopReason").and_then(Value::as_str).map(String::from),
        usage: (n("/usage/inputTokens"), n("/usage/outputTokens"), n("/usage/totalTokens")),
        server_latency_ms: n("/metrics/latencyMs"),
        cache: (n("/usage/cacheReadInputTokens"), n("/usage/cacheWriteInputTokens")),
        invoked_model_id: body.pointer(ROUTED).and_then(Value::as_str).map(String::from),
        guardrail_action: (body.get("stopReason").and_then(Value::as_str) == Some("guardrail_intervened")).then_some("INTERVENED"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventstream::{encode, HeaderValue, Message};
    use serde_json::json;

    fn frame(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
        let headers = headers.iter().map(|(k, v)| (k.to_string(), HeaderValue::String(v.to_string()))).collect();
        encode(&Message { headers, payload: payload.to_vec() })
    }

    fn chunk(json: &Value) -> Vec<u8> {
        let b64 = base64_simd::STANDARD.encode_to_string(json.to_string());
        frame(&[(":event-type", "chunk"), (":content-type", "application/json"), (":message-type", "event")], json!({"bytes": b64, "p": "abc"}).to_string().as_bytes())
    }

    fn anthropic_stream() -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(chunk(&json!({"type": "message_start", "message": {"usage": {"input_tokens": 5}}})));
        out.extend(chunk(&json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}})));
        out.extend(chunk(&json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "lo"}})));
        out.extend(chunk(&json!({"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 5, "outputTokenCount": 2, "invocationLatency": 300, "firstByteLatency": 100}})));
        out
    }

    fn texts(outs: &[Out]) -> String {
        outs.iter().filter_map(|o| if let Out::Chunk { text: Some(t), .. } = o { Some(t.as_str()) } else { None }).collect()
    }

    #[test]
    fn invoke_stream_chunks_then_one_metrics_event() {
        let mut r = StreamReader::new(Api::InvokeModel, Some(Path::parse("$.delta.text", "delta").unwrap()));
        let mut outs = r.push(&anthropic_stream()).unwrap();
        outs.extend(r.finish().unwrap());
        assert_eq!(outs.len(), 5);
        assert_eq!(texts(&outs), "Hello");
        assert_eq!(outs.last(), Some(&Out::Metrics(Metrics { input_tokens: Some(5), output_tokens: Some(2), latency_ms: Some(300), first_byte_latency_ms: Some(100), ..Metrics::default() })));
        let cached = read_metrics(&json!({"inputTokenCount": 5, "cacheReadInputTokenCount": 90, "cacheWriteInputTokenCount": 0}));
        assert_eq!((cached.cache_read_tokens, cached.cache_write_tokens), (Some(90), Some(0)));
        let first = json!({"type": "message_start", "message": {"usage": {"input_tokens": 5}}}).to_string();
        assert_eq!(outs[0], Out::Chunk { raw: first, text: None, reasoning: None });
    }

    #[test]
    fn a_routers_choice_in_the_last_chunk_reaches_the_metrics() {
        let mut r = StreamReader::new(Api::InvokeModel, Some(Path::parse("$.delta.text", "delta").unwrap()));
        let routed = json!({"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 5},
            "amazon-bedrock-trace": {"promptRouter": {"invokedModelId": "arn:aws:bedrock:us-east-1::foundation-model/m.x"}}});
        let mut outs = r.push(&chunk(&routed)).unwrap();
        outs.extend(r.finish().unwrap());
        assert!(matches!(outs.last(), Some(Out::Metrics(m)) if m.invoked_model_id.as_deref() == Some("arn:aws:bedrock:us-east-1::foundation-model/m.x")));
        let mut plain = StreamReader::new(Api::InvokeModel, None);
        plain.push(&anthropic_stream()).unwrap();
        assert!(matches!(plain.finish().unwrap().last(), Some(Out::Metrics(m)) if m.invoked_model_id.is_none()));
    }

    #[test]
    fn reasoning_arrives_beside_the_text() {
        let mut bytes = Vec::new();
        bytes.extend(chunk(&json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}})));
        bytes.extend(chunk(&json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me think"}})));
        bytes.extend(chunk(&json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig=="}})));
        bytes.extend(chunk(&json!({"type": "content_block_start", "index": 1, "content_block": {"type": "redacted_thinking", "data": "enc=="}})));
        bytes.extend(chunk(&json!({"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "Answer"}})));
        bytes.extend(chunk(&json!({"contentBlockDelta": {"delta": {"reasoningContent": {"text": "nova thinks"}}, "contentBlockIndex": 0}})));
        let mut r = StreamReader::new(Api::InvokeModel, Some(Path::parse("$.delta.text", "d").unwrap()));
        let outs = r.push(&bytes).unwrap();
        let reasoning: Vec<Option<Reasoning>> = outs.iter().map(|o| if let Out::Chunk { reasoning, .. } = o { reasoning.as_deref().cloned() } else { None }).collect();
        let r = |t: Option<&str>, s: Option<&str>, d: Option<&str>| Some(Reasoning { text: t.map(String::from), signature: s.map(String::from), redacted: d.map(String::from) });
        assert_eq!(reasoning, vec![None, r(Some("Let me think"), None, None), r(None, Some("sig=="), None), r(None, None, Some("enc==")), None, r(Some("nova thinks"), None, None)]);
        assert_eq!(texts(&outs), "Answer");
    }

    #[test]
    fn converse_reasoning_deltas() {
        let mut r = StreamReader::new(Api::Converse, None);
        let mut bytes = Vec::new();
        for delta in [json!({"reasoningContent": {"text": "hmm"}}), json!({"reasoningContent": {"signature": "s1"}}), json!({"reasoningContent": {"redactedContent": "AAE="}}), json!({"text": "Hi"})] {
            bytes.extend(frame(&[(":event-type", "contentBlockDelta"), (":message-type", "event")], json!({"delta": delta, "contentBlockIndex": 0}).to_string().as_bytes()));
        }
        let got: Vec<(Option<String>, Option<Reasoning>)> = r
            .push(&bytes)
            .unwrap()
            .into_iter()
            .map(|o| if let Out::Converse { text, reasoning, .. } = o { (text, reasoning.map(|b| *b)) } else { (None, None) })
            .collect();
        let r = |t: Option<&str>, s: Option<&str>, d: Option<&str>| Some(Reasoning { text: t.map(String::from), signature: s.map(String::from), redacted: d.map(String::from) });
        assert_eq!(got, vec![(None, r(Some("hmm"), None, None)), (None, r(None, Some("s1"), None)), (None, r(None, None, Some("AAE="))), (Some("Hi".into()), None)]);
    }

    #[test]
    fn collecting_a_stream() {
        let mut r = StreamReader::new(Api::InvokeModel, Some(Path::parse("$.delta.text", "d").unwrap()));
        let mut outs = r.push(&anthropic_stream()).unwrap();
        outs.extend(r.finish().unwrap());
        let (text, chunks, metrics) = collect(outs);
        assert_eq!((text.as_deref(), chunks.len(), metrics.output_tokens), (Some("Hello"), 4, Some(2)));
    }

    #[test]
    fn any_split_gives_the_same_events() {
        let bytes = anthropic_stream();
        let mut whole = StreamReader::new(Api::InvokeModel, Some(Path::parse("$.delta.text", "d").unwrap()));
        let expected = whole.push(&bytes).unwrap();
        let mut single = StreamReader::new(Api::InvokeModel, Some(Path::parse("$.delta.text", "d").unwrap()));
        let mut got = Vec::new();
        for b in &bytes {
            got.extend(single.push(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn exception_and_error_frames_end_with_typed_errors() {
        let mut r = StreamReader::new(Api::InvokeModel, None);
        let ex = frame(&[(":message-type", "exception"), (":exception-type", "throttlingException"), (":content-type", "application/json")], br#"{"message":"Too many tokens"}"#);
        let e = r.push(&ex).unwrap_err();
        assert_eq!((e.kind, e.code.as_str(), e.message.as_str(), e.retryable), (ErrorKind::Stream, "throttlingException", "Too many tokens", true));
        let mut r = StreamReader::new(Api::InvokeModel, None);
        let err = frame(&[(":message-type", "error"), (":error-code", "InternalFailure"), (":error-message", "boom")], b"");
        let e = r.push(&err).unwrap_err();
        assert_eq!((e.code.as_str(), e.message.as_str(), e.retryable), ("InternalFailure", "boom", false));
    }

    #[test]
    fn truncated_and_corrupted_streams() {
        let bytes = anthropic_stream();
        let mut r = StreamReader::new(Api::InvokeModel, None);
        r.push(&bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(r.finish().unwrap_err().code, "STREAM_TRUNCATED");
        let mut bad = bytes.clone();
        if let Some(b) = bad.get_mut(40) {
            *b ^= 0xff;
        }
        assert_eq!(StreamReader::new(Api::InvokeModel, None).push(&bad).unwrap_err().code, "STREAM_CRC");
    }

    #[test]
    fn converse_stream_events() {
        let mut bytes = Vec::new();
        for (t, p) in [
            ("messageStart", json!({"role": "assistant"})),
            ("contentBlockDelta", json!({"delta": {"text": "Hi"}, "contentBlockIndex": 0})),
            ("contentBlockStop", json!({"contentBlockIndex": 0})),
            ("messageStop", json!({"stopReason": "end_turn"})),
            ("metadata", json!({"usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4}, "metrics": {"latencyMs": 120}})),
        ] {
            bytes.extend(frame(&[(":event-type", t), (":content-type", "application/json"), (":message-type", "event")], p.to_string().as_bytes()));
        }
        let mut r = StreamReader::new(Api::Converse, None);
        let outs = r.push(&bytes).unwrap();
        let types: Vec<&str> = outs.iter().filter_map(|o| if let Out::Converse { event_type, .. } = o { Some(event_type.as_str()) } else { None }).collect();
        assert_eq!(types, ["messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]);
        assert!(matches!(&outs[1], Out::Converse { text: Some(t), .. } if t == "Hi"));
        let usage = json!({"inputTokens": 3, "outputTokens": 1, "totalTokens": 4, "cacheReadInputTokens": null, "cacheWriteInputTokens": null});
        assert!(matches!(&outs[4], Out::Converse { payload, .. } if payload["usage"] == usage && payload["invokedModelId"].is_null()));
        let mut routed = json!({"usage": {}, "trace": {"promptRouter": {"invokedModelId": "arn:m"}}});
        fill_cache_usage(&mut routed);
        assert_eq!(routed["invokedModelId"], "arn:m");
        assert_eq!(r.finish().unwrap(), vec![]);
    }

    /// The delta and metrics as the general path finds them (a `Value`, then the query).
    fn by_value(json: &str, path: &str) -> (Option<String>, Option<Metrics>) {
        let value: Value = serde_json::from_str(json).unwrap();
        let metrics = value.get(METRICS_KEY).map(read_metrics);
        (joined(&Path::parse(path, "d").unwrap(), &value), metrics)
    }

    fn by_probe(json: &str, path: &str) -> (Option<String>, Option<Metrics>) {
        let steps = Path::parse(path, "d").unwrap().steps().expect("a plain path");
        let mut text = "kept".to_string();
        let found = probe(json.as_bytes(), Some(&steps), &mut text).unwrap();
        assert_eq!(text.get(..4), Some("kept"), "appends");
        (found.text.then(|| text.split_off(4)), found.metrics)
    }


    #[test]
    fn plain_paths_become_steps() {
        let steps = |p: &str| Path::parse(p, "d").unwrap().steps();
        let name = |n: &str| Step::Name(n.into());
        assert_eq!(steps("$.delta.text"), Some(vec![name("delta"), name("text")]));
        assert_eq!(steps("$.outputs[0].text"), Some(vec![name("outputs"), Step::Index(0), name("text")]));
        assert_eq!(steps("$['contentBlockDelta']['delta'].text"), Some(vec![name("contentBlockDelta"), name("delta"), name("text")]));
        assert_eq!(steps("$"), Some(vec![]));
        for general in ["$..text", "$.*", "$[-1]", "$[0:1]", "$[?@.a]", "$['a','b']", "$.a[*]", "$['it\\'s']", "$.été", "$ .a", "$[ 0 ]"] {
            assert_eq!(steps(general), None, "{general}");
        }
    }

    #[test]
    fn probing_finds_what_the_query_finds() {
        let docs = [
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi \"there\"\n\u00e9"}}"#,
            r#"{"delta":{"text":"first"},"delta":{"text":"second"}}"#,
            r#"{"delta":{"text":"kept"},"delta":5}"#,
            r#"{"delta":{"text":7}}"#,
            r#"{"delta":[{"text":"no"}]}"#,
            r#"{"outputs":[{"text":"a","stop_reason":null},{"text":"b"}]}"#,
            r#"{"outputs":[]}"#,
            r#"["x",{"delta":{"text":"in an array"}}]"#,
            r#""just a string""#,
            r#"{"amazon-bedrock-invocationMetrics":{"inputTokenCount":5,"outputTokenCount":2,"invocationLatency":300,"firstByteLatency":100},"delta":{"text":""}}"#,
            r#"{"amazon-bedrock-invocationMetrics":{"inputTokenCount":-1},"x":{"amazon-bedrock-invocationMetrics":{}}}"#,
            r#"{"d\u0065lta":{"text":"escaped key"}}"#,
            r#"{"generation":"tok","nested":{"generation":"no"},"big":1e300,"neg":-0.5,"t":true,"n":null}"#,
        ];
        for doc in docs {
            for path in ["$.delta.text", "$.outputs[0].text", "$.outputs[1].text", "$[1].delta.text", "$", "$.generation", "$.delta"] {
                assert_eq!(by_probe(doc, path), by_value(doc, path), "{path} over {doc}");
            }
        }
        assert_eq!(by_probe(docs[0], "$.delta.text").0.as_deref(), Some("Hi \"there\"\né"));
        assert_eq!(by_probe(docs[1], "$.delta.text").0.as_deref(), Some("second"));
        // Skipped numbers are checked for syntax, not range, as `JSON.parse` does (a `Value` refuses 1e400).
        assert_eq!(by_probe(r#"{"big":1e400,"generation":"ok"}"#, "$.generation").0.as_deref(), Some("ok"));
    }

    #[test]
    fn probing_refuses_what_serde_refuses() {
        for bad in [&b"{"[..], br#"{"a":1,}"#, br#"{"delta":{"text":"x"}} trailing"#, b"{\"a\":\"\x01\"}"] {
            let e = probe(bad, Some(&[Step::Name("delta".into())]), &mut String::new()).unwrap_err();
            assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Stream, "STREAM_CHUNK"), "{bad:?}");
            assert!(e.message.starts_with("the chunk is not JSON: "), "{}", e.message);
        }
    }

    #[test]
    fn requests() {
        let req = build_invoke_stream("https://r", "anthropic.claude-3-haiku-20240307-v1:0", b"{}".to_vec(), "application/json", "application/json");
        assert_eq!(req.url, "https://r/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream");
        assert_eq!(req.header("x-amzn-bedrock-accept"), Some("application/json"));
        assert_eq!(req.header("accept"), None);
        assert_eq!(build_converse("https://r", "a.b", vec![], false).url, "https://r/model/a.b/converse");
        assert_eq!(build_converse("https://r", "a.b", vec![], true).url, "https://r/model/a.b/converse-stream");
    }

    #[test]
    fn a_converse_answer_that_is_not_json_is_the_endpoints_fault() {
        let deep = format!("{}1{}", "{\"a\":".repeat(1000), "}".repeat(1000));
        for body in ["<html>502</html>", deep.as_str()] {
            let resp = HttpResponse { status: 200, headers: vec![("x-amzn-requestid".into(), "r1".into())], body: body.as_bytes().to_vec() };
            let e = parse_converse(&resp).unwrap_err();
            assert_eq!((e.code.as_str(), e.kind, e.request_id.as_deref()), ("MALFORMED_RESPONSE", ErrorKind::Network, Some("r1")));
        }
    }

    #[test]
    fn converse_answer() {
        let body = json!({"output": {"message": {"role": "assistant", "content": [{"text": "Hello"}, {"text": " there"}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}, "metrics": {"latencyMs": 250}});
        let out = parse_converse(&HttpResponse { status: 200, headers: vec![], body: body.to_string().into_bytes() }).unwrap();
        assert_eq!(out.output_text, "Hello there");
        assert_eq!(out.stop_reason.as_deref(), Some("end_turn"));
        assert_eq!(out.usage, (Some(3), Some(2), Some(5)));
        assert_eq!(out.server_latency_ms, Some(250));
        assert_eq!(out.message["role"], "assistant");
        assert_eq!((out.guardrail_action, out.invoked_model_id, out.cache), (None, None, (None, None)));
        let blocked = json!({"output": {"message": {"role": "assistant", "content": [{"text": "Sorry."}]}}, "stopReason": "guardrail_intervened",
            "usage": {"inputTokens": 3, "outputTokens": 0, "totalTokens": 3, "cacheReadInputTokens": 7}, "trace": {"promptRouter": {"invokedModelId": "arn:m"}}});
        let out = parse_converse(&HttpResponse { status: 200, headers: vec![], body: blocked.to_string().into_bytes() }).unwrap();
        assert_eq!((out.guardrail_action, out.invoked_model_id.as_deref(), out.cache), (Some("INTERVENED"), Some("arn:m"), (Some(7), None)));
    }
}
