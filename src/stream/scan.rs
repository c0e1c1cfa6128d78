//! The fast path for reading a chunk's text delta: a strict JSON scanner over the chunk's bytes
//! that follows the delta's steps and unescapes the delta straight into the batch text, with no
//! serde, no `Value` and no allocation. It accepts only JSON serde_json accepts, and gives up
//! (`None`) on anything it does not handle itself — the invocation-metrics key, escaped or
//! non-ASCII keys, lone surrogates, deep nesting, any syntax error — which the serde reader
//! (`stream.rs`'s `probe`) then reads or refuses with its own message.

use crate::jsonlex::{check_string, unescape_into, Lexer, Str};
use crate::mapping::Step;

use super::METRICS_KEY;

/// Nesting the scanner follows (serde_json's limit is 127): deeper documents go to serde.
const MAX_DEPTH: u32 = 64;

/// Scans `json`: `Some(true)` when the delta at `steps` is a string, now appended to `out`;
/// `Some(false)` when there is none (`out` unchanged); `None` when serde must decide.
pub(super) fn scan(json: &[u8], steps: Option<&[Step]>, out: &mut String) -> Option<bool> {
    let start = out.len();
    let mut s = Scanner { lex: Lexer::new(json), out, start, found: false };
    let scanned = s.document(steps);
    let found = s.found;
    if scanned.is_none() || !found {
        out.truncate(start);
    }
    scanned.map(|()| found)
}

struct Scanner<'a, 'o> {
    lex: Lexer<'a>,
    /// The delta is written from `start` on; a later duplicate key replaces it.
    out: &'o mut String,
    start: usize,
    found: bool,
}

impl<'a> Scanner<'a, '_> {
    fn document(&mut self, steps: Option<&[Step]>) -> Option<()> {
        self.value(steps, true, 0)?;
        self.lex.ws();
        self.lex.at_end().then_some(())
    }

    /// One value. `steps`: `Some([])` when it is the delta, `Some([next, …])` to follow, `None` to
    /// skip; `top` for the document itself (where the metrics key would be).
    ///
    /// Where serde's reader visits a value rather than skipping it (the document, and every value
    /// on the delta's path) it parses strings in full and numbers into `f64`; there a string is
    /// checked the same way, and a number is left to serde (its range check).
    fn value(&mut self, steps: Option<&[Step]>, top: bool, depth: u32) -> Option<()> {
        let visited = top || steps.is_some();
        self.lex.ws();
        match self.lex.peek()? {
            b'{' => self.object(steps, top, depth + 1),
            b'[' => self.array(steps, depth + 1),
            b'"' => {
                let s = self.lex.string()?;
                if steps == Some(&[]) {
                    self.set_text(s.body, s.escaped)?;
                } else if visited {
                    check_string(s.body, s.escaped)?;
                }
                Some(())
            }
            b't' => self.lex.literal(b"true"),
            b'f' => self.lex.literal(b"false"),
            b'n' => self.lex.literal(b"null"),
            _ if visited => None,
            _ => self.lex.number(),
        }
    }

    fn object(&mut self, steps: Option<&[Step]>, top: bool, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (name, rest) = match steps {
            Some([Step::Name(n), rest @ ..]) => (Some(n.as_bytes()), Some(rest)),
            _ => (None, None),
        };
        let mut more = self.lex.open(b'}')?;
        while more {
            self.lex.ws();
            if self.lex.peek()? != b'"' {
                return None;
            }
            let Str { body: key, escaped, .. } = self.lex.string()?;
            // serde checks keys as strings (UTF-8, surrogates): only plain ASCII keys here.
            if escaped || !key.is_ascii() || (top && key == METRICS_KEY.as_bytes()) {
                return None;
            }
            self.lex.ws();
            self.lex.eat(b':')?;
            if name == Some(key) {
                self.reset();
                self.value(rest, false, depth)?;
            } else {
                self.value(None, false, depth)?;
            }
            more = self.lex.more(b'}')?;
        }
        Some(())
    }

    fn array(&mut self, steps: Option<&[Step]>, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (index, rest) = match steps {
            Some([Step::Index(i), rest @ ..]) => (Some(*i), Some(rest)),
            _ => (None, None),
        };
        let (mut at, mut more) = (0, self.lex.open(b']')?);
        while more {
            self.value(if Some(at) == index { rest } else { None }, false, depth)?;
            at += 1;
            more = self.lex.more(b']')?;
        }
        Some(())
    }

    fn reset(&mut self) {
        self.out.truncate(self.start);
        self.found = false;
    }

    /// The delta: checked as serde checks a string it parses (UTF-8, paired surrogates) and
    /// written unescaped into the batch text.
    fn set_text(&mut self, body: &[u8], escaped: bool) -> Option<()> {
        self.reset();
        let body = std::str::from_utf8(body).ok()?;
        if escaped {
            unescape_into(body, self.out)?;
        } else {
            self.out.push_str(body);
        }
        self.found = true;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::json_ish as doc;
    use crate::stream::probe;
    use proptest::prelude::*;

    fn steps(path: &str) -> Option<Vec<Step>> {
        crate::mapping::Path::parse(path, "delta").unwrap().steps()
    }

    fn scanned(json: &str, path: &str) -> Option<Option<String>> {
        let mut out = "kept".to_string();
        let found = scan(json.as_bytes(), steps(path).as_deref(), &mut out)?;
        assert_eq!(out.get(..4), Some("kept"));
        Some(found.then(|| out.split_off(4)))
    }

    #[test]
    fn every_family_chunk_takes_the_fast_path() {
        for (json, path, text) in [
            (r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi \"you\"\n😀"}}"#, "$.delta.text", Some("Hi \"you\"\n😀")),
            (r#"{"type":"message_start","message":{"id":"m","usage":{"input_tokens":5}}}"#, "$.delta.text", None),
            (r#"{"outputText":"Hello","index":0,"totalOutputTextTokenCount":null,"completionReason":null,"inputTextTokenCount":5}"#, "$.outputText", Some("Hello")),
            (r#"{"contentBlockDelta":{"delta":{"text":"Nova"},"contentBlockIndex":0}}"#, "$.contentBlockDelta.delta.text", Some("Nova")),
            (r#"{"generation":" tok","prompt_token_count":null,"generation_token_count":3,"stop_reason":null}"#, "$.generation", Some(" tok")),
            (r#"{"outputs":[{"text":" mis","stop_reason":null}]}"#, "$.outputs[0].text", Some(" mis")),
            (r#"{"is_finished":false,"event_type":"text-generation","text":"co"}"#, "$.text", Some("co")),
            (r#"{"choices":[{"index":0,"delta":{"content":"ja"},"finish_reason":null}]}"#, "$.choices[0].delta.content", Some("ja")),
            (" {\n \"delta\" : { \"text\" : \"\\u00e9\\ud83d\\ude00\\/\\b\\f\\r\\t\" } } \n", "$.delta.text", Some("é😀/\u{8}\u{c}\r\t")),
            (r#"{"delta":{"text":"first"},"delta":{"text":"second"}}"#, "$.delta.text", Some("second")),
            (r#"{"delta":{"text":"gone"},"delta":true}"#, "$.delta.text", None),
            (r#"[1,-0.5e+3,true,false,null,{},[],"x"]"#, "$.delta.text", None),
        ] {
            assert_eq!(scanned(json, path), Some(text.map(String::from)), "{json}");
        }
    }

    #[test]
    fn what_it_leaves_to_serde() {
        for json in [
            r#"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":5}}"#,
            r#"{"d\u0065lta":{"text":"escaped key"}}"#,
            r#"{"clé":1}"#,
            r#"{"delta":5}"#, // a number serde parses (and range-checks) itself
            r#"{"delta":{"text":"\ud800"}}"#,
            r#"{"delta":{"text":"\udc00"}}"#,
            "{\"delta\":{\"text\":\"\u{1}\"}}",
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":+1}"#,
            r#"{"a":tru}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1} x"#,
            "",
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12g4"}"#,
            &format!("{}1{}", "[".repeat(70), "]".repeat(70)),
        ] {
            assert_eq!(scanned(json, "$.delta.text"), None, "{json}");
        }
        // Skipped strings are not checked for UTF-8, as serde skips them; the delta is.
        assert_eq!(scan(b"{\"a\":\"\xff\",\"delta\":{\"text\":\"ok\"}}", steps("$.delta.text").as_deref(), &mut String::new()), Some(true));
        assert_eq!(scan(b"{\"delta\":{\"text\":\"\xff\"}}", steps("$.delta.text").as_deref(), &mut String::new()), None);
    }

    /// Chunk-shaped documents where the paths find something: `delta.text`, `outputs[0].text`,
    /// `text`, amid `doc()` members and duplicates.
    fn chunk() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec!["a", "Hello ", "é", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\t", "\\b", "\\f", "\\r"]);
        let text = prop::collection::vec(piece, 0..5).prop_map(|p| format!("\"{}\"", p.concat()));
        let member = prop_oneof![
            text.clone().prop_map(|t| format!("\"delta\":{{\"type\":\"text_delta\",\"text\":{t}}}")),
            text.clone().prop_map(|t| format!("\"outputs\":[{{\"text\":{t},\"stop_reason\":null}}]")),
            text.prop_map(|t| format!("\"text\":{t}")),
            doc().prop_map(|d| format!("\"type\":{d}")),
            Just("\"index\":0".to_string()),
        ];
        (prop::collection::vec(member, 1..4), prop::sample::select(vec!["", " ", "\n "])).prop_map(|(m, w)| format!("{{{w}{}{w}}}", m.join(&format!(",{w}"))))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5_000, ..ProptestConfig::default() })]

        /// Whatever the scanner accepts, serde's reader accepts with the same delta (and no metrics).
        #[test]
        fn the_scanner_agrees_with_serde(json in prop_oneof![doc(), chunk()], cut in any::<prop::sample::Index>(), flip in any::<bool>()) {
            // Half the cases lose their tail (truncated or broken JSON).
            let json = if flip { json.get(..cut.index(json.len() + 1)).unwrap_or(&json).to_string() } else { json };
            for path in ["$.delta.text", "$.outputs[0].text", "$", "$.text"] {
                let steps = steps(path);
                let mut fast = String::new();
                if let Some(found) = scan(json.as_bytes(), steps.as_deref(), &mut fast) {
                    let mut slow = String::new();
                    let by_serde = probe(json.as_bytes(), steps.as_deref(), &mut slow);
                    prop_assert!(by_serde.is_ok(), "serde refuses what the scanner took: {} ({:?})", json, by_serde.err());
                    let by_serde = by_serde.unwrap();
                    prop_assert_eq!((found, fast), (by_serde.text, slow), "{} {}", path, json);
                    prop_assert!(by_serde.metrics.is_none());
                }
            }
        }
    }
}
