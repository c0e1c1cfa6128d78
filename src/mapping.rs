//! Output mapping with RFC 9535 JSONPath (serde_json_path): compiled paths, queries over a
//! response parsed once, and `OutputMapping::apply` turning a model's answer into
//! `{ outputText, inputTokens, outputTokens, source, …extra }` with the token-count headers as
//! fallback. No I/O.

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::error::{Error, Result};

pub use bedrock_connect_scan::pick::Pick;

pub mod guard;
#[cfg(test)]
mod pick_tests;

/// A compiled JSONPath and its source text.
#[derive(Debug, Clone)]
pub struct Path {
    pub source: String,
    compiled: JsonPath,
    /// What the path can reach (`None`: anything).
    pub pick: Option<Pick>,
}

impl Path {
    /// Compiles `source`; `field` names the option in errors. The text is checked first
    /// ([`guard::check`]): length, nesting and string escapes.
    pub fn parse(source: &str, field: &str) -> Result<Path> {
        if let Err(refused) = guard::check(source) {
            let hint = format!(
                "Write an RFC 9535 path (at most {} bytes, brackets and parentheses nested at most {} deep, filters at most {} deep, at most {} descendant segments `..`).",
                guard::MAX_PATH_BYTES,
                guard::MAX_NESTING,
                guard::MAX_FILTER_NESTING,
                guard::MAX_DESCENDANTS
            );
            return Err(invalid_path(source, field, &refused.message, refused.position, &hint));
        }
        match JsonPath::parse(&guard::escapes_uppercased(source)) {
            Ok(compiled) => Ok(Path { source: source.to_string(), compiled, pick: Pick::of(source) }),
            Err(e) => Err(invalid_path(
                source,
                field,
                e.message(),
                e.position(),
                "Write an RFC 9535 path such as $.content[?@.type=='text'].text or $.usage.input_tokens.",
            )),
        }
    }

    pub fn query<'v>(&self, value: &'v Value) -> Vec<&'v Value> {
        self.compiled.query(value).all()
    }

    /// `(normalized path, value)` per node, e.g. `$['content'][0]['text']`.
    pub fn query_located<'v>(&self, value: &'v Value) -> Vec<(String, &'v Value)> {
        self.compiled.query_located(value).into_iter().map(|n| (normalized(n.location()), n.node())).collect()
    }
}

/// `INVALID_JSONPATH` for `source` (shown up to 200 characters), with the byte position.
fn invalid_path(source: &str, field: &str, what: &str, position: usize, hint: &str) -> Error {
    let shown: String = source.chars().take(200).collect();
    let more = if shown.len() < source.len() { "…" } else { "" };
    Error::config("INVALID_JSONPATH", field, format!("`{shown}{more}` is not a JSONPath (RFC 9535): {what} at position {position}"), hint)
}

/// A node's location as an RFC 9535 normalized path (section 2.7): names in single quotes with
/// `\b \f \n \r \t \' \\` and other control characters as `\u00xx`.
fn normalized(location: &serde_json_path::NormalizedPath) -> String {
    use serde_json_path::PathElement;
    use std::fmt::Write;
    let mut out = String::from("$");
    for element in location.iter() {
        match element {
            PathElement::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            PathElement::Name(name) => {
                out.push_str("['");
                for c in name.chars() {
                    match c {
                        '\u{8}' => out.push_str("\\b"),
                        '\u{c}' => out.push_str("\\f"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c if c < ' ' => {
                            let _ = write!(out, "\\u{:04x}", u32::from(c));
                        }
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
        }
    }
    out
}

/// One step of a path made only of member names and array indices (`$.outputs[0].text`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Name(String),
    Index(usize),
}

impl Path {
    /// The path as plain steps when it is only `.name`, `['name']` and `[n]` segments (n ≥ 0),
    /// which select at most one node; `None` for anything else (wildcards, filters, slices…).
    pub fn steps(&self) -> Option<Vec<Step>> {
        let mut rest = self.source.trim().strip_prefix('$')?;
        let mut steps = Vec::new();
        while !rest.is_empty() {
            let (step, tail) = if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(r.len());
                let (name, tail) = r.split_at(end);
                (name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_').then(|| Step::Name(name.to_string()))?, tail)
            } else if let Some(r) = rest.strip_prefix("['") {
                let end = r.find(['\'', '\\'])?;
                let (name, tail) = r.split_at(end);
                (Step::Name(name.to_string()), tail.strip_prefix("']")?)
            } else {
                let r = rest.strip_prefix('[')?;
                let end = r.find(']')?;
                let (digits, tail) = r.split_at(end);
                let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
                (Step::Index(plain.then(|| digits.parse().ok()).flatten()?), tail.strip_prefix(']')?)
            };
            steps.push(step);
            rest = tail;
        }
        Some(steps)
    }
}

/// Parses a response body as JSON (`INVALID_JSON` naming `field` when it is not).
pub fn parse_json(bytes: &[u8], field: &str) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|e| json_error(field, &e))
}

/// `parse_json`, building only what `pick` reaches (`None`: everything; the answer of any path
/// it was made from is the same), with numbers as JSON.parse reads them (correctly rounded) and
/// lone surrogate escapes, which JSON.parse keeps and a Rust string cannot hold, as U+FFFD (as
/// templates do). What the reader leaves to serde (not JSON, numbers beyond the `f64` range,
/// more than 127 levels) is parsed whole by serde_json, for its answer or its message.
pub fn parse_picked(bytes: &[u8], pick: Option<&Pick>, field: &str) -> Result<Value> {
    let everything = Pick::everything();
    let pick = pick.unwrap_or(&everything);
    if let Some(value) = pick.parse(bytes) {
        return Ok(value);
    }
    let fixed = lone_surrogates_replaced(bytes);
    if let Some(value) = fixed.as_deref().and_then(|fixed| pick.parse(fixed)) {
        return Ok(value);
    }
    // serde's message names what is still wrong (not a lone surrogate it would stop at first).
    parse_json(fixed.as_deref().unwrap_or(bytes), field)
}

/// `bytes` with each `\uXXXX` escape of a lone surrogate replaced by `\uFFFD` (same length, so
/// positions in errors stay); `None` when there is none.
fn lone_surrogates_replaced(bytes: &[u8]) -> Option<Vec<u8>> {
    let escape = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 6)?.strip_prefix(b"\\u")?;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let mut fixed: Option<Vec<u8>> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            i += 1;
            continue;
        }
        let step = match escape(i) {
            Some(0xD800..=0xDBFF) if matches!(escape(i + 6), Some(0xDC00..=0xDFFF)) => 12,
            Some(0xD800..=0xDFFF) => {
                let out = fixed.get_or_insert_with(|| bytes.to_vec());
                if let Some(unit) = out.get_mut(i + 2..i + 6) {
                    unit.copy_from_slice(b"FFFD");
                }
                6
            }
            _ => 2,
        };
        i += step;
    }
    fixed
}

/// `INVALID_JSON` for a body serde_json refused.
pub fn json_error(field: &str, e: &serde_json::Error) -> Error {
    Error::config(
        "INVALID_JSON",
        field,
        format!("the {field} is not JSON: {e}"),
        "Map only JSON answers (the model's `accept` must be application/json).",
    )
}

/// Where a token count came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Body,
    Headers,
}

/// The compiled mapping.
#[derive(Debug, Clone)]
pub struct OutputMapping {
    pub output_text: Option<Path>,
    pub input_tokens: Option<Path>,
    pub output_tokens: Option<Path>,
    /// Prompt-cache reads / writes (`cacheReadInputTokens`, `cacheWriteInputTokens`).
    pub cache_read: Option<Path>,
    pub cache_write: Option<Path>,
    pub extra: Vec<(String, Path)>,
    /// What all the paths can reach: a body is parsed only that far.
    pub pick: Option<Pick>,
}

/// `apply`'s answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    pub output_text: Option<String>,
    pub input_tokens: Option<(u64, Source)>,
    pub output_tokens: Option<(u64, Source)>,
    pub cache_read: Option<(u64, Source)>,
    pub cache_write: Option<(u64, Source)>,
    pub extra: Vec<(String, Value)>,
}

pub const INPUT_TOKENS_HEADER: &str = "x-amzn-bedrock-input-token-count";
pub const OUTPUT_TOKENS_HEADER: &str = "x-amzn-bedrock-output-token-count";
pub const CACHE_READ_HEADER: &str = "x-amzn-bedrock-cache-read-input-token-count";
pub const CACHE_WRITE_HEADER: &str = "x-amzn-bedrock-cache-write-input-token-count";

impl OutputMapping {
    /// Compiles each path (`None` = not mapped); errors name the field (`outputText`, …).
    pub fn new(output_text: Option<&str>, input_tokens: Option<&str>, output_tokens: Option<&str>, extra: &[(String, String)]) -> Result<Self> {
        let compile = |p: Option<&str>, field: &str| p.map(|p| Path::parse(p, field)).transpose();
        let mut m = OutputMapping {
            output_text: compile(output_text, "outputText")?,
            input_tokens: compile(input_tokens, "inputTokens")?,
            output_tokens: compile(output_tokens, "outputTokens")?,
            cache_read: None,
            cache_write: None,
            extra: extra.iter().map(|(name, p)| Ok((name.clone(), Path::parse(p, name)?))).collect::<Result<_>>()?,
            pick: None,
        };
        m.repick();
        Ok(m)
    }

    /// Adds the prompt-cache paths (`None` = headers only).
    pub fn with_cache(mut self, read: Option<&str>, write: Option<&str>) -> Result<Self> {
        self.cache_read = read.map(|p| Path::parse(p, "cacheReadInputTokens")).transpose()?;
        self.cache_write = write.map(|p| Path::parse(p, "cacheWriteInputTokens")).transpose()?;
        self.repick();
        Ok(self)
    }

    fn repick(&mut self) {
        let own = [&self.output_text, &self.input_tokens, &self.output_tokens, &self.cache_read, &self.cache_write];
        let paths = own.into_iter().flatten().chain(self.extra.iter().map(|(_, p)| p));
        self.pick = Pick::union(paths.map(|p| p.pick.as_ref()));
    }

    /// Parses a body as far as the paths reach (see [`parse_picked`]).
    pub fn parse(&self, body: &[u8], field: &str) -> Result<Value> {
        parse_picked(body, self.pick.as_ref(), field)
    }

    /// Maps a parsed body; token counts fall back to the headers when the body has none.
    pub fn apply(&self, body: &Value, headers: &[(String, String)]) -> Result<Mapped> {
        let output_text = match &self.output_text {
            Some(p) => joined_text(p, body)?,
            None => None,
        };
        Ok(Mapped {
            output_text,
            input_tokens: tokens(self.input_tokens.as_ref(), body, headers, INPUT_TOKENS_HEADER, "inputTokens")?,
            output_tokens: tokens(self.output_tokens.as_ref(), body, headers, OUTPUT_TOKENS_HEADER, "outputTokens")?,
            cache_read: tokens(self.cache_read.as_ref(), body, headers, CACHE_READ_HEADER, "cacheReadInputTokens")?,
            cache_write: tokens(self.cache_write.as_ref(), body, headers, CACHE_WRITE_HEADER, "cacheWriteInputTokens")?,
            extra: self
                .extra
                .iter()
                .map(|(name, p)| (name.clone(), p.query(body).first().map(|v| (*v).clone()).unwrap_or(Value::Null)))
                .collect(),
        })
    }
}

/// All string nodes joined with `''`; nothing found → `None`; a non-string node → `MAPPING_TYPE`.
fn joined_text(p: &Path, body: &Value) -> Result<Option<String>> {
    let nodes = p.query(body);
    if nodes.is_empty() {
        return Ok(None);
    }
    let mut out = String::new();
    for node in nodes {
        match node {
            Value::String(s) => out.push_str(s),
            other => return Err(type_error("outputText", &p.source, "strings", other)),
        }
    }
    Ok(Some(out))
}

/// One non-negative integer from the body, else from the header, else `None`.
fn tokens(p: Option<&Path>, body: &Value, headers: &[(String, String)], header: &str, field: &str) -> Result<Option<(u64, Source)>> {
    if let Some(p) = p {
        match p.query(body).as_slice() {
            [] => {}
            [node] => {
                return match node.as_u64() {
                    Some(n) => Ok(Some((n, Source::Body))),
                    None => Err(type_error(field, &p.source, "one non-negative integer", node)),
                }
            }
            _ => return Err(type_error(field, &p.source, "one non-negative integer", &Value::String("several values".into()))),
        }
    }
    let from_header = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(header)).and_then(|(_, v)| v.trim().parse::<u64>().ok());
    Ok(from_header.map(|n| (n, Source::Headers)))
}

/// Prompt-cache (read, write) counts of an answer whose family is not known: the body's
/// `usage` (Anthropic `cache_read_input_tokens` / `cache_creation_input_tokens`, Converse and
/// Nova `cacheReadInputTokens` / `cacheWriteInputTokens`), else the cache headers.
pub fn cache_tokens(body: &[u8], headers: &[(String, String)]) -> (Option<u64>, Option<u64>) {
    let usage = if contains(body, b"ache") { serde_json::from_slice::<Value>(body).ok().and_then(|v| v.get("usage").cloned()) } else { None };
    let from_body = |keys: [&str; 2]| usage.as_ref().and_then(|u| keys.iter().find_map(|k| u.get(*k).and_then(Value::as_u64)));
    let from_header = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.trim().parse::<u64>().ok());
    (
        from_body(["cache_read_input_tokens", "cacheReadInputTokens"]).or_else(|| from_header(CACHE_READ_HEADER)),
        from_body(["cache_creation_input_tokens", "cacheWriteInputTokens"]).or_else(|| from_header(CACHE_WRITE_HEADER)),
    )
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn type_error(field: &str, path: &str, expected: &str, got: &Value) -> Error {
    let shown = match got {
        Value::String(s) if s == "several values" => "several values".to_string(),
        other => {
            let text = other.to_string();
            if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
        }
    };
    Error::config(
        "MAPPING_TYPE",
        field,
        format!("{field} `{path}` must find {expected}, found {shown}"),
        "Point the path at the field holding that value (see the model family's preset), or leave it unset.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claude() -> Value {
        json!({
            "id": "msg_1", "type": "message", "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Let me think."},
                {"type": "text", "text": "Hello"},
                {"type": "text", "text": ", world"}
            ],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 12, "output_tokens": 7}
        })
    }

    fn claude_mapping(extra: &[(String, String)]) -> OutputMapping {
        OutputMapping::new(Some("$.content[?@.type=='text'].text"), Some("$.usage.input_tokens"), Some("$.usage.output_tokens"), extra).unwrap()
    }

    #[test]
    fn claude_text_blocks_are_joined_and_thinking_skipped() {
        let m = claude_mapping(&[("stopReason".into(), "$.stop_reason".into())]).apply(&claude(), &[]).unwrap();
        assert_eq!(m.output_text.as_deref(), Some("Hello, world"));
        assert_eq!(m.input_tokens, Some((12, Source::Body)));
        assert_eq!(m.output_tokens, Some((7, Source::Body)));
        assert_eq!(m.extra, vec![("stopReason".to_string(), json!("end_turn"))]);
    }

    #[test]
    fn tokens_fall_back_to_headers() {
        let body = json!({"outputs": [{"text": "hi", "stop_reason": "stop"}]});
        let headers = vec![(INPUT_TOKENS_HEADER.to_string(), "15".to_string()), ("X-Amzn-Bedrock-Output-Token-Count".to_string(), "33".to_string())];
        let m = OutputMapping::new(Some("$.outputs[0].text"), Some("$.usage.input_tokens"), None, &[]).unwrap().apply(&body, &headers).unwrap();
        assert_eq!(m.output_text.as_deref(), Some("hi"));
        assert_eq!(m.input_tokens, Some((15, Source::Headers)));
        assert_eq!(m.output_tokens, Some((33, Source::Headers)));
        let none = OutputMapping::new(Some("$.nothing"), Some("$.x"), Some("$.y"), &[("missing".into(), "$.z".into())]).unwrap().apply(&body, &[]).unwrap();
        assert_eq!((none.output_text, none.input_tokens, none.output_tokens), (None, None, None));
        assert_eq!(none.extra, vec![("missing".to_string(), Value::Null)]);
    }

    #[test]
    fn cache_tokens_from_body_paths_else_headers() {
        let body = json!({"usage": {"input_tokens": 3, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 0}});
        let headers = vec![(CACHE_WRITE_HEADER.to_string(), "9".to_string()), ("X-Amzn-Bedrock-Cache-Read-Input-Token-Count".to_string(), "4".to_string())];
        let m = claude_mapping(&[]).with_cache(Some("$.usage.cache_read_input_tokens"), Some("$.usage.cache_creation_input_tokens")).unwrap();
        let got = m.apply(&body, &headers).unwrap();
        assert_eq!((got.cache_read, got.cache_write), (Some((100, Source::Body)), Some((0, Source::Body))));
        let got = m.apply(&json!({"usage": {}}), &headers).unwrap();
        assert_eq!((got.cache_read, got.cache_write), (Some((4, Source::Headers)), Some((9, Source::Headers))));
        let got = claude_mapping(&[]).apply(&json!({}), &[]).unwrap();
        assert_eq!((got.cache_read, got.cache_write), (None, None));
        let e = m.apply(&json!({"usage": {"cache_read_input_tokens": "x"}}), &[]).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("MAPPING_TYPE", Some("cacheReadInputTokens")));
        assert_eq!(OutputMapping::new(None, None, None, &[]).unwrap().with_cache(Some("$["), None).unwrap_err().field.as_deref(), Some("cacheReadInputTokens"));
    }

    #[test]
    fn cache_tokens_of_any_family() {
        let anthropic = br#"{"usage":{"input_tokens":3,"cache_read_input_tokens":10,"cache_creation_input_tokens":20}}"#;
        assert_eq!(cache_tokens(anthropic, &[]), (Some(10), Some(20)));
        let nova = br#"{"usage":{"inputTokens":3,"cacheReadInputTokens":7}}"#;
        let headers = vec![(CACHE_WRITE_HEADER.to_string(), "5".to_string())];
        assert_eq!(cache_tokens(nova, &headers), (Some(7), Some(5)));
        assert_eq!(cache_tokens(b"not json", &[]), (None, None));
        assert_eq!(cache_tokens(br#"{"usage":{"input_tokens":3}}"#, &headers), (None, Some(5)));
    }

    #[test]
    fn wrong_types_are_mapping_type_errors() {
        let m = OutputMapping::new(Some("$.usage"), None, None, &[]).unwrap();
        let e = m.apply(&claude(), &[]).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("MAPPING_TYPE", Some("outputText")));
        assert_eq!(e.message, r#"outputText `$.usage` must find strings, found {"input_tokens":12,"output_tokens":7}"#);
        let m = OutputMapping::new(None, Some("$.content[*].text"), Some("$.stop_reason"), &[]).unwrap();
        let e = m.apply(&claude(), &[]).unwrap_err();
        assert_eq!(e.message, "inputTokens `$.content[*].text` must find one non-negative integer, found several values");
        let m = OutputMapping::new(None, None, Some("$.stop_reason"), &[]).unwrap();
        assert_eq!(m.apply(&claude(), &[]).unwrap_err().message, r#"outputTokens `$.stop_reason` must find one non-negative integer, found "end_turn""#);
        let neg = json!({"n": -1});
        assert!(OutputMapping::new(None, Some("$.n"), None, &[]).unwrap().apply(&neg, &[]).is_err());
    }

    #[test]
    fn invalid_paths_name_the_field_and_position() {
        let e = OutputMapping::new(Some("$.content[?@.type=='text'"), None, None, &[]).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_JSONPATH", Some("outputText")));
        assert!(e.message.starts_with("`$.content[?@.type=='text'` is not a JSONPath (RFC 9535): "), "{}", e.message);
        assert!(e.message.contains(" at position "), "{}", e.message);
        let e = Path::parse("content.text", "path").unwrap_err();
        assert!(e.message.ends_with("at position 0"), "{}", e.message);
    }

    #[test]
    fn rfc9535_selectors() {
        let doc = json!({"store": {"book": [
            {"title": "A", "price": 8, "tags": ["x"]},
            {"title": "B", "price": 12},
            {"title": "C", "price": 5, "isbn": "0-1"}
        ], "bicycle": {"price": 19}}});
        let q = |p: &str| Path::parse(p, "path").unwrap().query(&doc).into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(q("$.store.book[*].title"), vec![json!("A"), json!("B"), json!("C")]);
        assert_eq!(q("$.store.book[?@.price < 10].title"), vec![json!("A"), json!("C")]);
        assert_eq!(q("$.store.book[1:3].title"), vec![json!("B"), json!("C")]);
        assert_eq!(q("$.store.book[-1].title"), vec![json!("C")]);
        assert_eq!(q("$.store.book[::2].title"), vec![json!("A"), json!("C")]);
        // Members in document order (serde_json preserve_order), as JSON.parse keeps them.
        assert_eq!(q("$..price"), vec![json!(8), json!(12), json!(5), json!(19)]);
        assert_eq!(q("$.store.book[?@.isbn].title"), vec![json!("C")]);
        assert_eq!(q("$.store.book[?length(@.tags) == 1].title"), vec![json!("A")]);
        assert_eq!(q("$.store.book[?count(@.*) == 2].title"), vec![json!("B")]);
        assert_eq!(q("$.store.book[?match(@.title, 'A|B')].title"), vec![json!("A"), json!("B")]);
        assert_eq!(q("$.store.book[?search(@.isbn, '-')].title"), vec![json!("C")]);
        let located = Path::parse("$.store.book[?@.price > 10].title", "p").unwrap();
        let got: Vec<(String, Value)> = located.query_located(&doc).into_iter().map(|(p, v)| (p, v.clone())).collect();
        assert_eq!(got, vec![("$['store']['book'][1]['title']".to_string(), json!("B"))]);
    }

    #[test]
    fn i_regexp_semantics() {
        let doc = json!([{"a": "xyz"}, {"a": "ax"}, {"a": "x\nz"}, {"a": "x\rz"}]);
        let q = |p: &str| Path::parse(p, "path").unwrap().query(&doc).len();
        assert_eq!(q("$[?match(@.a, 'x.*')]"), 1); // anchored: "ax" does not match
        assert_eq!(q("$[?search(@.a, 'x')]"), 4);
        assert_eq!(q("$[?search(@.a, 'x.z')]"), 1); // `.` matches neither \n nor \r
    }

    #[test]
    fn located_paths_are_normalized() {
        let doc = json!({"a'b\\c": 1, "\u{8}\u{c}\n\r\t\u{1}\u{1f}é": 2, "x": [0, 1]});
        let p = Path::parse("$.*", "path").unwrap();
        let mut got: Vec<String> = p.query_located(&doc).into_iter().map(|(p, _)| p).collect();
        got.sort();
        assert_eq!(got, vec![r"$['\b\f\n\r\t\u0001\u001fé']", r"$['a\'b\\c']", "$['x']"]);
        let items = Path::parse("$.x[1]", "path").unwrap();
        assert_eq!(items.query_located(&doc).first().map(|(p, _)| p.as_str()), Some("$['x'][1]"));
    }

    #[test]
    fn refused_paths_are_invalid_jsonpath_with_position_and_limits_in_the_hint() {
        let e = Path::parse(r"$[?@=='\u", "path").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_JSONPATH", Some("path")));
        assert!(e.message.ends_with("\\u must be followed by four hex digits at position 7"), "{}", e.message);
        let deep = format!("${}{}", "[?@".repeat(guard::MAX_FILTER_NESTING + 1), "]".repeat(guard::MAX_FILTER_NESTING + 1));
        let e = Path::parse(&deep, "outputText").unwrap_err();
        assert!(e.hint.contains("filters at most 6 deep"), "{}", e.hint);
        let long = format!("$.{}", "a".repeat(guard::MAX_PATH_BYTES));
        let e = Path::parse(&long, "path").unwrap_err();
        assert!(e.message.contains("…` is not a JSONPath") && e.message.len() < 400, "{}", e.message);
    }

    /// RFC 9535 section 2.3.5.2.2: `a <= b` is `a < b || a == b`, `a > b` is `b < a`, `a >= b`
    /// is `b < a || a == b`; only numbers and strings are ordered; two missing values are equal;
    /// arrays and objects are equal when their members are (1 == 1.0 inside them too).
    #[test]
    fn comparisons_follow_rfc_9535() {
        let count = |p: &str| Path::parse(p, "p").unwrap().query(&json!([0])).len();
        for (filter, expected) in [
            ("@.x <= @.y", 1), ("@.x >= @.y", 1), ("@.x < @.y", 0), ("@.x > @.y", 0), ("@.x == @.y", 1),
            ("true > false", 0), ("true >= false", 0), ("false < true", 0), ("true >= true", 1), ("null >= null", 1),
            ("$ > $", 0), ("$ >= $", 1), ("$ <= $", 1), ("2 > 1", 1), ("1 >= 1.0", 1), ("'b' > 'a'", 1), ("'a' >= 'b'", 0),
            ("1 > 'a'", 0), ("1 >= @.x", 0), ("@.x <= 1", 0), ("1 != @.x", 1), ("$[0] == 0.0", 1),
        ] {
            assert_eq!(count(&format!("$[?{filter}]")), expected, "{filter}");
        }
        let doc = json!([{"a": [1, {"b": 2.0}], "c": [1.0, {"b": 2}]}, {"a": {"x": 1}, "c": {"x": 1.0}}, {"a": [1], "c": [2]}]);
        let p = Path::parse("$[?@.a == @.c]", "p").unwrap();
        assert_eq!(p.query(&doc).len(), 2);
        assert_eq!(Path::parse("$[?@.a != @.c]", "p").unwrap().query(&doc).len(), 1);
    }

    #[test]
    fn lower_case_surrogate_pairs_are_rfc_9535() {
        let doc = json!({"😀": 1, "\u{10FFFF}": 2});
        for (path, found) in [(r#"$["\ud83d\ude00"]"#, 1), (r"$['\uDbFF\udfff']", 2)] {
            assert_eq!(Path::parse(path, "p").unwrap().query(&doc), vec![&json!(found)], "{path}");
        }
    }

    #[test]
    fn numbers_as_json_parse_reads_them() {
        let whole = parse_picked(br#"[0.21023422273701597, -0, 18446744073709551616, -9223372036854775809, 1.7976931348623158e308, 5e-324, 7, -7]"#, None, "b").unwrap();
        let numbers: Vec<f64> = whole.as_array().unwrap().iter().map(|n| n.as_f64().unwrap()).collect();
        assert_eq!(numbers, vec![0.21023422273701597, -0.0, 18446744073709551616.0, -9223372036854775809.0, f64::MAX, 5e-324, 7.0, -7.0]);
        assert!(numbers[1].is_sign_negative());
        assert_eq!((whole[6].as_u64(), whole[7].as_i64()), (Some(7), Some(-7)));
        let e = parse_picked(b"[1e400]", None, "body").unwrap_err();
        assert_eq!(e.code, "INVALID_JSON");
        assert!(e.message.contains("number out of range"), "{}", e.message);
    }

    #[test]
    fn lone_surrogate_escapes_become_replacement_characters() {
        let v = parse_picked(br#"{"a": "x\ud800y", "\udc00": "\ud83d\ude00", "b": "\\ud800", "c": "\ud800\ud800"}"#, None, "b").unwrap();
        assert_eq!(v, serde_json::json!({"a": "x\u{FFFD}y", "\u{FFFD}": "😀", "b": "\\ud800", "c": "\u{FFFD}\u{FFFD}"}));
        let picked = Path::parse("$.a", "p").unwrap();
        assert_eq!(parse_picked(br#"{"a": "\ud800", "z": 1}"#, picked.pick.as_ref(), "b").unwrap()["a"], "\u{FFFD}");
        assert_eq!(lone_surrogates_replaced(br#""\u00e9\ud83d\ude00""#), None);
        let e = parse_picked(br#"["\ud800", 1e400]"#, None, "body").unwrap_err();
        assert_eq!(e.message, "the body is not JSON: number out of range at line 1 column 16");
    }

    #[test]
    fn depth_as_serde_json() {
        for depth in [126, 127, 128, 129, 200] {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let ours = parse_picked(text.as_bytes(), None, "b").is_ok();
            let serde = serde_json::from_str::<Value>(&text).is_ok();
            assert_eq!(ours, serde, "{depth}");
        }
    }

    #[test]
    fn bodies_that_are_not_json() {
        let e = parse_json(b"<html>", "body").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_JSON", Some("body")));
    }
}
