//! Bedrock's streaming answers, read incrementally: InvokeModelWithResponseStream (`chunk`
//! events carrying base64 model JSON; the last carries `amazon-bedrock-invocationMetrics`) and
//! ConverseStream (the event JSON directly, `metadata` last); plus Converse's request fields and
//! answer. Bytes in, events out; framing is `eventstream.rs`, text deltas come from the family's
//! delta JSONPath. No I/O.

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::eventstream::{chunk_bytes, classify, Decoder, StreamEvent};
use crate::http::{HttpRequest, HttpResponse};
use crate::mapping::{self, Path};
use crate::model_id;

/// Which API's stream this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    InvokeModel,
    Converse,
}

/// `amazon-bedrock-invocationMetrics` of the last chunk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub latency_ms: Option<u64>,
    pub first_byte_latency_ms: Option<u64>,
}

/// One event for JS.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// An InvokeModel chunk: the model's JSON (parsed, and as the text it came as) and its text
    /// delta (by the family's delta path).
    Chunk { json: Value, raw: String, text: Option<String> },
    /// Last event of an InvokeModel stream.
    Metrics(Metrics),
    /// A ConverseStream event (`messageStart`, `contentBlockDelta`, …, `metadata`).
    Converse { event_type: String, payload: Value, text: Option<String> },
}

/// Reads one streaming answer.
#[derive(Debug)]
pub struct StreamReader {
    api: Api,
    decoder: Decoder,
    delta: Option<Path>,
    metrics: Metrics,
}

impl StreamReader {
    /// `delta`: the JSONPath of a chunk's text (`$.delta.text` for Anthropic); `None` = no text.
    pub fn new(api: Api, delta: Option<Path>) -> Self {
        StreamReader { api, decoder: Decoder::new(), delta, metrics: Metrics::default() }
    }

    /// Feeds the next bytes (any split); returns the events they completed.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Out>> {
        let messages = self.decoder.push(bytes)?;
        let mut out = Vec::with_capacity(messages.len());
        for msg in messages {
            match classify(msg)? {
                StreamEvent::Event { event_type, payload } => out.push(self.event(event_type, &payload)?),
                StreamEvent::Exception { code, message } | StreamEvent::Error { code, message } => {
                    return Err(aws_stream_error(code, message));
                }
            }
        }
        Ok(out)
    }

    /// End of the bytes: a partial frame is `STREAM_TRUNCATED`; an InvokeModel stream ends with
    /// its metrics event.
    pub fn finish(&mut self) -> Result<Vec<Out>> {
        self.decoder.finish()?;
        Ok(match self.api {
            Api::InvokeModel => vec![Out::Metrics(self.metrics)],
            Api::Converse => Vec::new(),
        })
    }

    fn event(&mut self, event_type: String, payload: &[u8]) -> Result<Out> {
        match self.api {
            Api::InvokeModel => {
                let bytes = chunk_bytes(payload)?;
                let json = mapping::parse_json(&bytes, "chunk").map_err(|e| stream_json_error(&e))?;
                if let Some(m) = json.get("amazon-bedrock-invocationMetrics") {
                    self.metrics = read_metrics(m);
                }
                let text = self.delta.as_ref().and_then(|p| joined(p, &json));
                // serde_json accepted the bytes, so they are UTF-8: no copy.
                let raw = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                Ok(Out::Chunk { json, raw, text })
            }
            Api::Converse => {
                let payload = mapping::parse_json(payload, "event").map_err(|e| stream_json_error(&e))?;
                let text = (event_type == "contentBlockDelta")
                    .then(|| payload.pointer("/delta/text").and_then(Value::as_str).map(String::from))
                    .flatten();
                Ok(Out::Converse { event_type, payload, text })
            }
        }
    }
}

/// A finished InvokeModel stream: the joined text deltas (`None` when there were none), the chunk
/// JSONs, and the metrics.
pub fn collect(events: Vec<Out>) -> (Option<String>, Vec<Value>, Metrics) {
    let (mut text, mut chunks, mut metrics) = (None::<String>, Vec::new(), Metrics::default());
    for e in events {
        match e {
            Out::Chunk { json, text: delta, .. } => {
                if let Some(d) = delta {
                    text.get_or_insert_with(String::new).push_str(&d);
                }
                chunks.push(json);
            }
            Out::Metrics(m) => metrics = m,
            Out::Converse { .. } => {}
        }
    }
    (text, chunks, metrics)
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
        latency_ms: n("invocationLatency"),
        first_byte_latency_ms: n("firstByteLatency"),
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
}

pub fn parse_converse(resp: &HttpResponse) -> Result<ConverseOutput> {
    let body = mapping::parse_json(&resp.body, "body")?;
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
        let b64 = aws_smithy_types::base64::encode(json.to_string());
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
        assert_eq!(outs.last(), Some(&Out::Metrics(Metrics { input_tokens: Some(5), output_tokens: Some(2), latency_ms: Some(300), first_byte_latency_ms: Some(100) })));
        assert!(matches!(&outs[0], Out::Chunk { json, text: None, .. } if json["type"] == "message_start"));
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
        assert_eq!(r.finish().unwrap(), vec![]);
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
    fn converse_answer() {
        let body = json!({"output": {"message": {"role": "assistant", "content": [{"text": "Hello"}, {"text": " there"}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}, "metrics": {"latencyMs": 250}});
        let out = parse_converse(&HttpResponse { status: 200, headers: vec![], body: body.to_string().into_bytes() }).unwrap();
        assert_eq!(out.output_text, "Hello there");
        assert_eq!(out.stop_reason.as_deref(), Some("end_turn"));
        assert_eq!(out.usage, (Some(3), Some(2), Some(5)));
        assert_eq!(out.server_latency_ms, Some(250));
        assert_eq!(out.message["role"], "assistant");
    }
}
