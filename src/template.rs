//! Request-body templates with `{{variable}}` placeholders. `parse` reads the template once into
//! segments (literal text, or a variable plus whether it sits inside a JSON string literal) and, in
//! JSON mode, proves the template can only produce valid JSON; `render` just concatenates,
//! escaping each value for where it goes. Also owns the variable lookup rule (flat key first, then
//! the dotted path) and the errors for missing or non-JSON variable values.


use serde_json::Value;

use crate::error::{Error, Result};
use crate::swar;

/// A parsed template: render it as many times as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
    variables: Vec<String>,
    /// Each variable's index in `variables`: a placeholder is placed in O(1), so a template of
    /// many distinct variables parses in linear time (a linear search took 1.3 s for 20,000).
    indices: std::collections::HashMap<String, usize>,
    json: bool,
    text_len: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Text(String),
    /// `index` into `variables`; `in_string`: the placeholder sits inside a JSON string literal.
    Var {
        index: usize,
        in_string: bool,
    },
}

/// One `{{ … }}` found in the source: the trimmed name and the byte just after `}}`.
struct Placeholder<'a> {
    name: &'a str,
    end: usize,
}

const NAME_HINT: &str =
    "Write placeholders as `{{name}}` or `{{a.b}}`, using letters, digits, `_`, `$` or `-`.";

impl Template {
    /// Parses `source`. With `json`, placeholders inside JSON strings are string-escaped, the
    /// others are inserted as JSON values, and the template must be valid JSON once filled.
    pub fn parse(source: &str, json: bool) -> Result<Template> {
        let mut t = Template { segments: Vec::new(), variables: Vec::new(), indices: Default::default(), json, text_len: 0 };
        let mut filler = String::with_capacity(source.len());
        let bytes = source.as_bytes();
        let (mut i, mut text_start) = (0, 0);
        let (mut in_string, mut escaped) = (false, false);
        while let Some(&b) = bytes.get(i) {
            if b == b'{' && bytes.get(i + 1) == Some(&b'{') {
                let p = placeholder(source, i)?;
                if json && !in_string {
                    check_stands_alone(source, i)?;
                }
                t.push_text(slice(source, text_start, i), &mut filler);
                t.push_var(p.name, in_string);
                push_filler(&mut filler, p.end - i, in_string);
                (i, text_start, escaped) = (p.end, p.end, false);
                continue;
            }
            if json {
                (in_string, escaped) = json_step(b, in_string, escaped);
            }
            i += 1;
        }
        t.push_text(slice(source, text_start, source.len()), &mut filler);
        if json {
            check_json(source, &filler)?;
        }
        Ok(t)
    }

    /// The variable names, in order of first appearance, without duplicates.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    /// Renders with `values[i]` as the value of `variables()[i]`.
    pub fn render(&self, values: &[Value]) -> Result<String> {
        // Every byte written comes from a `str` or is an ASCII escape, so this never fails.
        String::from_utf8(self.render_bytes(values)?).map_err(|_| Error::type_error("template", "UTF-8"))
    }

    /// `render` as UTF-8 bytes (what a request body and `renderBytes` need).
    pub fn render_bytes(&self, values: &[Value]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.render_into(values, &mut out)?;
        Ok(out)
    }

    /// Appends the rendering to `out` (nothing is written on error).
    pub fn render_into(&self, values: &[Value], out: &mut Vec<u8>) -> Result<()> {
        if values.len() != self.variables.len() {
            return Err(count_error(self.variables.len(), values.len()));
        }
        // Room for the text, each value and a few escapes: one allocation in the usual case.
        let values_len: usize = values.iter().map(|v| if let Value::String(s) = v { s.len() + s.len() / 16 + 8 } else { 16 }).sum();
        out.reserve(self.text_len + values_len);
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => out.extend_from_slice(text.as_bytes()),
                Segment::Var { index, in_string } => {
                    let value =
                        values.get(*index).ok_or_else(|| count_error(*index + 1, values.len()))?;
                    self.write_value(value, *in_string, out);
                }
            }
        }
        Ok(())
    }

    fn write_value(&self, value: &Value, in_string: bool, out: &mut Vec<u8>) {
        match (self.json, in_string, value) {
            (false, _, Value::String(s)) => out.extend_from_slice(s.as_bytes()),
            (false, _, v) | (true, false, v) => write_json(v, out),
            (true, true, Value::String(s)) => escape_into(s, out),
            (true, true, v) => {
                let mut text = Vec::new();
                write_json(v, &mut text);
                escape_into(&String::from_utf8_lossy(&text), out);
            }
        }
    }

    fn push_text(&mut self, text: &str, filler: &mut String) {
        filler.push_str(text);
        if !text.is_empty() {
            self.text_len += text.len();
            self.segments.push(Segment::Text(text.to_string()));
        }
    }

    fn push_var(&mut self, name: &str, in_string: bool) {
        let index = match self.indices.get(name) {
            Some(&index) => index,
            None => {
                self.variables.push(name.to_string());
                self.indices.insert(name.to_string(), self.variables.len() - 1);
                self.variables.len() - 1
            }
        };
        self.segments.push(Segment::Var { index, in_string });
    }
}

/// The candidate key paths for a variable name, tried in order: the flat key (`["system.prompt"]`),
/// then, if the name has dots, the dotted path (`["system", "prompt"]`).
pub fn lookup_paths(name: &str) -> Vec<Vec<&str>> {
    let mut paths = vec![vec![name]];
    if name.contains('.') {
        paths.push(name.split('.').collect());
    }
    paths
}

/// Looks up every variable of `t` in `vars` (a JSON object, or null for none) with the
/// [`lookup_paths`] rule. All missing variables are reported in one error.
pub fn lookup_json(t: &Template, vars: &Value) -> Result<Vec<Value>> {
    if t.variables().is_empty() {
        return Ok(Vec::new());
    }
    if !matches!(vars, Value::Object(_) | Value::Null) {
        return Err(Error::type_error("variables", "an object"));
    }
    let mut values = Vec::with_capacity(t.variables().len());
    let mut missing = Vec::new();
    for name in t.variables() {
        match lookup_one(vars, name) {
            Some(value) => values.push(value.clone()),
            None => missing.push(name.clone()),
        }
    }
    if missing.is_empty() {
        Ok(values)
    } else {
        Err(missing_error(&missing))
    }
}

fn lookup_one<'v>(vars: &'v Value, name: &str) -> Option<&'v Value> {
    lookup_paths(name).into_iter().find_map(|path| {
        path.into_iter().try_fold(vars, |v, key| v.as_object().and_then(|o| o.get(key)))
    })
}

/// `TEMPLATE_MISSING_VARIABLES`, naming every missing variable (pass them in template order).
pub fn missing_error(names: &[String]) -> Error {
    let noun = if names.len() == 1 { "variable" } else { "variables" };
    Error::config(
        "TEMPLATE_MISSING_VARIABLES",
        "variables",
        format!("missing template {noun}: {}", names.join(", ")),
        "Pass each one in `variables`, as a flat key (`\"a.b\"`) or as a nested object (`{ a: { b } }`).",
    )
}

/// `TEMPLATE_VALUE`: variable `name` holds a JS value JSON cannot represent; `what` names it
/// ("NaN", "Infinity", "a BigInt", "undefined", "a function").
pub fn value_error(name: &str, what: &str) -> Error {
    Error::config(
        "TEMPLATE_VALUE",
        &format!("variables.{name}"),
        format!("template variable `{name}` is {what}, which is not a JSON value"),
        "Pass a string, a finite number, a boolean, null, an array or a plain object.",
    )
}

fn count_error(expected: usize, got: usize) -> Error {
    Error::config(
        "TEMPLATE_VALUE",
        "template",
        format!("the template has {expected} variables but {got} values were given"),
        "Pass one value per entry of `variables()`, in the same order.",
    )
}

// ---- parsing ----

fn slice(s: &str, start: usize, end: usize) -> &str {
    s.get(start..end).unwrap_or_default()
}

/// Reads the placeholder whose `{{` is at byte `start`.
fn placeholder(source: &str, start: usize) -> Result<Placeholder<'_>> {
    let rest = source.get(start + 2..).unwrap_or_default();
    let Some(close) = rest.find("}}") else {
        return Err(syntax(
            format!("unclosed `{{{{` at {}", at(source, start)),
            "Close the placeholder with `}}`.",
        ));
    };
    let inner = slice(rest, 0, close);
    if inner.contains(['\n', '\r']) {
        let message = format!("line break inside the placeholder at {}", at(source, start));
        return Err(syntax(message, "Write each placeholder on one line and close it with `}}`."));
    }
    let name = inner.trim_matches([' ', '\t']);
    if !valid_name(name) {
        let message =
            format!("invalid placeholder `{{{{{}}}}}` at {}", shorten(inner), at(source, start));
        return Err(syntax(message, NAME_HINT));
    }
    Ok(Placeholder { name, end: start + 2 + close + 2 })
}

/// 1+ segments of `[A-Za-z0-9_$-]`, joined by single dots.
fn valid_name(name: &str) -> bool {
    name.split('.').all(|part| {
        !part.is_empty()
            && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-'))
    })
}

fn shorten(inner: &str) -> String {
    match inner.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", slice(inner, 0, cut)),
        None => inner.to_string(),
    }
}

/// Outside a string, a placeholder must start a JSON value on its own: `1{{n}}` or `-{{n}}` would
/// fill as a valid number yet render `1"x"` for a string value.
fn check_stands_alone(source: &str, start: usize) -> Result<()> {
    let before = slice(source, 0, start).chars().next_back();
    match before {
        None | Some('[' | '{' | ',' | ':' | ' ' | '\t' | '\n' | '\r') => Ok(()),
        Some(_) => Err(syntax(
            format!(
                "a placeholder outside a string must stand alone as a JSON value, at {}",
                at(source, start)
            ),
            "Put a space or `,` before the placeholder, or put it inside quotes to insert text.",
        )),
    }
}

/// One byte of JSON text: returns (inside a string literal, the next byte is escaped).
fn json_step(b: u8, in_string: bool, escaped: bool) -> (bool, bool) {
    match (in_string, escaped, b) {
        (false, _, b'"') => (true, false),
        (false, _, _) => (false, false),
        (true, true, _) => (true, false),
        (true, false, b'\\') => (true, true),
        (true, false, b'"') => (false, false),
        (true, false, _) => (true, false),
    }
}

/// Same length as the placeholder: `0` then spaces outside a string, spaces inside one.
fn push_filler(filler: &mut String, len: usize, in_string: bool) {
    let spaces = if in_string {
        len
    } else {
        filler.push('0');
        len.saturating_sub(1)
    };
    filler.extend(std::iter::repeat(' ').take(spaces));
}

/// The filled template must parse; fillers keep every byte offset, so serde's position maps back.
fn check_json(source: &str, filler: &str) -> Result<()> {
    let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(filler) else {
        return Ok(());
    };
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let reason = full.strip_suffix(&suffix).unwrap_or(&full);
    let column = char_column(source, e.line(), e.column());
    Err(syntax(
        format!("the template is not valid JSON at line {}, column {column}: {reason}", e.line()),
        "Make the template valid JSON, with each placeholder standing for a whole value or inside quotes.",
    ))
}

/// Converts serde_json's (1-based line, byte column) into a 1-based character column.
fn char_column(source: &str, line: usize, byte_column: usize) -> usize {
    let line_start = match line.checked_sub(2) {
        Some(n) => source.match_indices('\n').nth(n).map_or(0, |(i, _)| i + 1),
        None => 0,
    };
    let end = (line_start + byte_column).min(source.len());
    let bytes = source.as_bytes().get(line_start..end).unwrap_or_default();
    // Count the characters started in the prefix: every byte but UTF-8 continuation bytes.
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count().max(1)
}

/// "line L, column C" (1-based, C in characters) of byte `offset`.
fn at(source: &str, offset: usize) -> String {
    let before = slice(source, 0, offset);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = slice(before, line_start, before.len()).chars().count() + 1;
    format!("line {line}, column {column}")
}

fn syntax(message: String, hint: &str) -> Error {
    Error::config("TEMPLATE_SYNTAX", "template", message, hint)
}

// ---- rendering ----

/// Compact JSON, with strings escaped by [`escape_into`] (so U+2028/2029 are escaped too).
fn write_json(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_json(item, out);
            }
            out.push(b'}');
        }
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    escape_into(s, out);
    out.push(b'"');
}

/// Flags the bytes of `w` that may need an escape: `"`, `\\`, a control byte, or 0xE2 (the lead
/// of U+2028/U+2029). The lowest flag is exact (see `swar`).
fn specials(w: u64) -> u64 {
    swar::below(w, 0x20) | swar::equal(w, b'"') | swar::equal(w, b'\\') | swar::equal(w, 0xE2)
}

/// The characters of a JSON string literal, without quotes, appended to `out`. Never
/// HTML-escapes. Only `"`, `\\`, U+0000–U+001F and U+2028/U+2029 (UTF-8 E2 80 A8/A9) are
/// escaped, and each of them starts a character. The runs between them are copied eight bytes
/// at a time as they are scanned (the word holding the special byte too; its tail is
/// overwritten next): wasm's `memory.copy` costs a runtime call per run, and a prompt has a
/// byte to look at every ~15.
fn escape_into(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    let mut n = out.len();
    zeroed_to(out, n + bytes.len() + 8);
    let mut i = 0;
    while i < bytes.len() {
        let word = bytes.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok());
        let room = out.get_mut(n..n + 8).and_then(|d| <&mut [u8; 8]>::try_from(d).ok());
        let b = if let (Some(w), Some(d)) = (word, room) {
            *d = w;
            let special = specials(u64::from_le_bytes(w));
            if special == 0 {
                i += 8;
                n += 8;
                continue;
            }
            let k = special.trailing_zeros() as usize / 8;
            i += k;
            n += k;
            w.get(k).copied().unwrap_or(0)
        } else {
            bytes.get(i).copied().unwrap_or(0)
        };
        let mut hex = *b"\\u0000";
        let (escape, len): (&[u8], usize) = match b {
            b'"' => (b"\\\"", 1),
            b'\\' => (b"\\\\", 1),
            b'\n' => (b"\\n", 1),
            b'\r' => (b"\\r", 1),
            b'\t' => (b"\\t", 1),
            0x08 => (b"\\b", 1),
            0x0c => (b"\\f", 1),
            0x00..=0x1f => {
                let digit = |n: u8| HEX.get(usize::from(n & 0xF)).copied().unwrap_or(b'0');
                hex[4] = digit(b >> 4);
                hex[5] = digit(b);
                (&hex, 1)
            }
            0xE2 if bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) => {
                (if bytes.get(i + 2) == Some(&0xA8) { b"\\u2028" } else { b"\\u2029" }, 3)
            }
            _ => (bytes.get(i..i + 1).unwrap_or_default(), 1), // a plain byte: 0xE2 of another character, or the tail
        };
        zeroed_to(out, n + escape.len() + (bytes.len() - i) + 8);
        if let Some(d) = out.get_mut(n..n + escape.len()) {
            d.copy_from_slice(escape);
        }
        n += escape.len();
        i += len;
    }
    out.truncate(n);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Makes `out` at least `len` bytes long (with a quarter more to spare when it grows), the new
/// bytes zero, a kilobyte per copy (built for size, `Vec::resize` writes one byte at a time).
fn zeroed_to(out: &mut Vec<u8>, len: usize) {
    static ZEROS: [u8; 1024] = [0; 1024];
    if out.len() >= len {
        return;
    }
    let target = len + len / 4;
    while out.len() < target {
        let k = (target - out.len()).min(ZEROS.len());
        out.extend_from_slice(ZEROS.get(..k).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_t(src: &str) -> Template {
        Template::parse(src, true).unwrap()
    }

    fn syntax_message(src: &str, json: bool) -> String {
        let e = Template::parse(src, json).unwrap_err();
        assert_eq!(e.code, "TEMPLATE_SYNTAX");
        assert_eq!(e.field.as_deref(), Some("template"));
        e.message
    }

    #[test]
    fn placeholders_trim_spaces_and_tabs_and_allow_dots() {
        let t = Template::parse("{{a}} {{ b }} {{\tc.d_$-9\t}}", false).unwrap();
        assert_eq!(t.variables(), ["a", "b", "c.d_$-9"]);
        assert_eq!(t.render(&[json!("1"), json!(2), json!(true)]).unwrap(), "1 2 true");
    }

    #[test]
    fn variables_keep_first_appearance_order_without_duplicates() {
        let t = Template::parse("{{a}}{{b}}{{a}}", false).unwrap();
        assert_eq!(t.variables(), ["a", "b"]);
        assert_eq!(t.render(&[json!("x"), json!("y")]).unwrap(), "xyx");
    }

    #[test]
    fn many_distinct_variables_keep_their_order_and_repeats_share_an_index() {
        // 50,000 distinct variables (a linear search per placeholder made this quadratic).
        let n = 50_000;
        let src = format!("[{}, {{{{v7}}}}]", (0..n).map(|i| format!("{{{{v{i}}}}}")).collect::<Vec<_>>().join(","));
        let t = Template::parse(&src, true).unwrap();
        assert_eq!(t.variables().len(), n);
        assert_eq!(t.variables().get(n - 1).map(String::as_str), Some("v49999"));
        let values: Vec<Value> = (0..n).map(|i| Value::from(i as u64)).collect();
        assert!(t.render(&values).unwrap().ends_with("49999, 7]"));
    }

    #[test]
    fn bad_names_are_syntax_errors_with_position() {
        assert_eq!(
            syntax_message("ab{{}}", false),
            "invalid placeholder `{{}}` at line 1, column 3"
        );
        assert_eq!(
            syntax_message("{{ }}", false),
            "invalid placeholder `{{ }}` at line 1, column 1"
        );
        assert_eq!(
            syntax_message("x\n {{a..b}}", false),
            "invalid placeholder `{{a..b}}` at line 2, column 2"
        );
        assert_eq!(
            syntax_message("{{a b}}", false),
            "invalid placeholder `{{a b}}` at line 1, column 1"
        );
        assert_eq!(
            syntax_message("{{.a}}", false),
            "invalid placeholder `{{.a}}` at line 1, column 1"
        );
        assert_eq!(
            syntax_message("{{a.}}", false),
            "invalid placeholder `{{a.}}` at line 1, column 1"
        );
        assert_eq!(
            syntax_message("{{é}}", false),
            "invalid placeholder `{{é}}` at line 1, column 1"
        );
        assert_eq!(Template::parse("{{}}", false).unwrap_err().hint, NAME_HINT);
    }

    #[test]
    fn line_breaks_inside_placeholders_are_rejected() {
        assert_eq!(
            syntax_message("{{a\n}}", false),
            "line break inside the placeholder at line 1, column 1"
        );
        assert_eq!(
            syntax_message("é {{a\r}}", false),
            "line break inside the placeholder at line 1, column 3"
        );
    }

    #[test]
    fn unclosed_placeholder_reports_character_column() {
        assert_eq!(
            syntax_message("line one\n日本語 text é {{name", false),
            "unclosed `{{` at line 2, column 12"
        );
        assert_eq!(syntax_message("{{a}} {{b}", false), "unclosed `{{` at line 1, column 7");
        let e = Template::parse("{{", false).unwrap_err();
        assert_eq!(e.hint, "Close the placeholder with `}}`.");
    }

    #[test]
    fn long_bad_placeholders_are_shortened() {
        let inner = "x ".repeat(30);
        let msg = syntax_message(&format!("{{{{{inner}}}}}"), false);
        assert_eq!(
            msg,
            format!("invalid placeholder `{{{{{}…}}}}` at line 1, column 1", &inner[..40])
        );
    }

    #[test]
    fn text_mode_inserts_raw_strings_and_compact_json_for_the_rest() {
        let t = Template::parse("say \"{{s}}\" n={{n}} o={{o}} z={{z}}", false).unwrap();
        let out = t
            .render(&[json!("a\"b\n<&>"), json!(1.5), json!({"k": [1, null]}), Value::Null])
            .unwrap();
        assert_eq!(out, "say \"a\"b\n<&>\" n=1.5 o={\"k\":[1,null]} z=null");
        assert!(Template::parse("[{{a}} {{b}}] not json", false).is_ok());
    }

    #[test]
    fn json_mode_escapes_strings_inside_string_literals() {
        let t = json_t(r#"{"s": "<{{s}}>"}"#);
        let out = t.render(&[json!("q\"b\\n\nr\rt\tb\u{8}f\u{c}x\u{1}\u{1f}<>&'")]).unwrap();
        assert_eq!(out, r#"{"s": "<q\"b\\n\nr\rt\tb\bf\fx\u0001\u001f<>&'>"}"#);
    }

    #[test]
    fn json_mode_string_escapes_non_strings_inside_string_literals() {
        let t = json_t(r#"{"s": "v={{v}}"}"#);
        assert_eq!(t.render(&[json!({"a": 1})]).unwrap(), r#"{"s": "v={\"a\":1}"}"#);
        assert_eq!(t.render(&[json!(["x\"y"])]).unwrap(), r#"{"s": "v=[\"x\\\"y\"]"}"#);
        assert_eq!(t.render(&[json!(-2)]).unwrap(), r#"{"s": "v=-2"}"#);
        assert_eq!(t.render(&[json!(false)]).unwrap(), r#"{"s": "v=false"}"#);
        assert_eq!(t.render(&[Value::Null]).unwrap(), r#"{"s": "v=null"}"#);
        let parsed: Value = serde_json::from_str(&t.render(&[json!(["x\"y"])]).unwrap()).unwrap();
        assert_eq!(parsed["s"], "v=[\"x\\\"y\"]");
    }

    #[test]
    fn json_mode_inserts_values_outside_strings_as_compact_json() {
        let t = json_t("{\"n\": {{n}}, \"b\": {{ b }}, \"z\": {{z}}, \"a\": {{a}}, \"o\": {{o}}, \"s\": {{s}}}");
        // serde_json::to_string writes 1e300 as `1e+300` too.
        let out = t
            .render(&[
                json!(1e300),
                json!(true),
                Value::Null,
                json!([1, "x"]),
                json!({"k": {"j": []}}),
                json!("a\"\u{2028}"),
            ])
            .unwrap();
        assert_eq!(
            out,
            r#"{"n": 1e+300, "b": true, "z": null, "a": [1,"x"], "o": {"k":{"j":[]}}, "s": "a\"\u2028"}"#
        );
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["s"], "a\"\u{2028}");
    }

    #[test]
    fn nested_strings_outside_a_literal_are_escaped_too() {
        let t = json_t("{{v}}");
        assert_eq!(
            t.render(&[json!({"k\u{2029}": ["\u{2028}"]})]).unwrap(),
            r#"{"k\u2029":["\u2028"]}"#
        );
    }

    #[test]
    fn rendering_never_breaks_out_of_a_string() {
        let t = json_t(r#"{"a": "{{v}}", "b": 1}"#);
        let evil = r#"}, "x": ""#;
        let out = t.render(&[json!(evil)]).unwrap();
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, json!({"a": evil, "b": 1}));
        let evil2 = "\\\", \"x\": \"";
        let parsed: Value = serde_json::from_str(&t.render(&[json!(evil2)]).unwrap()).unwrap();
        assert_eq!(parsed, json!({"a": evil2, "b": 1}));
    }

    #[test]
    fn accepted_json_templates() {
        assert_eq!(json_t(r#"{"n": {{n}}}"#).render(&[json!(3)]).unwrap(), r#"{"n": 3}"#);
        assert_eq!(json_t(r#"{"s": "{{s}}"}"#).render(&[json!("x")]).unwrap(), r#"{"s": "x"}"#);
        let key = json_t(r#"{"{{k}}": 1}"#);
        assert_eq!(key.render(&[json!("a\"b")]).unwrap(), r#"{"a\"b": 1}"#);
        assert_eq!(json_t("[{{a}},{{b}}]").render(&[json!(1), json!("2")]).unwrap(), r#"[1,"2"]"#);
        assert_eq!(json_t("{{a}}").render(&[json!([])]).unwrap(), "[]");
        assert_eq!(json_t(r#"{"a":{"b":{{x}}}}"#).render(&[json!(1)]).unwrap(), r#"{"a":{"b":1}}"#);
        let escaped_quote = json_t(r#"{"s": "say \"{{s}}\""}"#);
        assert_eq!(escaped_quote.render(&[json!("hi")]).unwrap(), r#"{"s": "say \"hi\""}"#);
        assert!(Template::parse("{\"n\":\n\t{{n}}\n}", true).is_ok());
    }

    #[test]
    fn invalid_json_templates_are_rejected_with_position() {
        assert_eq!(
            syntax_message("[{{a}} {{b}}]", true),
            "the template is not valid JSON at line 1, column 8: expected `,` or `]`"
        );
        assert_eq!(
            syntax_message("{\"a\": 1,\n \"é\": \"x\" 1}", true),
            "the template is not valid JSON at line 2, column 11: expected `,` or `}`"
        );
        assert_eq!(
            syntax_message("{\"a\": ", true),
            "the template is not valid JSON at line 1, column 6: EOF while parsing a value"
        );
        assert_eq!(
            syntax_message("", true),
            "the template is not valid JSON at line 1, column 1: EOF while parsing a value"
        );
        assert_eq!(
            syntax_message("{ {{k}}: 1}", true),
            "the template is not valid JSON at line 1, column 3: key must be a string"
        );
        assert_eq!(
            syntax_message(r#"{"a": "\{{v}}"}"#, true).split(':').next(),
            Some("the template is not valid JSON at line 1, column 9")
        );
    }

    #[test]
    fn outside_placeholders_must_stand_alone() {
        assert_eq!(
            syntax_message(r#"{"n": -{{n}}}"#, true),
            "a placeholder outside a string must stand alone as a JSON value, at line 1, column 8"
        );
        assert!(Template::parse(r#"{"n": 1{{n}}}"#, true).is_err());
        assert!(Template::parse(r#"{"n": 1{{n}}}"#, false).is_ok());
    }

    #[test]
    fn every_control_character_round_trips() {
        let t = json_t(r#"{"in": "{{v}}", "out": {{v}}}"#);
        for code in 0u32..0x20 {
            let s = format!("a{}b", char::from_u32(code).unwrap());
            let out = t.render(&[json!(s)]).unwrap();
            assert!(out.bytes().all(|b| b >= 0x20), "raw control char in {out:?}");
            let parsed: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(parsed, json!({"in": s, "out": s}));
        }
        assert_eq!(
            t.render(&[json!("\u{0}\u{1b}")]).unwrap(),
            r#"{"in": "\u0000\u001b", "out": "\u0000\u001b"}"#
        );
    }

    #[test]
    fn line_and_paragraph_separators_are_escaped() {
        let t = json_t(r#"["{{v}}"]"#);
        let out = t.render(&[json!("a\u{2028}b\u{2029}c")]).unwrap();
        assert_eq!(out, r#"["a\u2028b\u2029c"]"#);
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), json!(["a\u{2028}b\u{2029}c"]));
    }

    #[test]
    fn emoji_and_replacement_character_render_literally() {
        let t = json_t(r#"["{{v}}", {{v}}]"#);
        assert_eq!(
            t.render(&[json!("🦀👩‍💻\u{FFFD}é")]).unwrap(),
            "[\"🦀👩‍💻\u{FFFD}é\", \"🦀👩‍💻\u{FFFD}é\"]"
        );
    }

    #[test]
    fn a_kibibyte_of_awkward_text_round_trips() {
        let unit = "say \"hi\"\n\\ 🦀\t</script>";
        let mut s = String::new();
        while s.len() < 1024 {
            s.push_str(unit);
        }
        let t =
            json_t(r#"{"messages": [{"role": "user", "content": "{{text}}"}], "raw": {{text}}}"#);
        let parsed: Value = serde_json::from_str(&t.render(&[json!(s)]).unwrap()).unwrap();
        assert_eq!(parsed["messages"][0]["content"], json!(s));
        assert_eq!(parsed["raw"], json!(s));
    }

    #[test]
    fn wrong_value_count_is_an_error_not_a_panic() {
        let t = json_t(r#"{"a": {{a}}, "b": {{b}}}"#);
        let e = t.render(&[json!(1)]).unwrap_err();
        assert_eq!(e.code, "TEMPLATE_VALUE");
        assert_eq!(e.message, "the template has 2 variables but 1 values were given");
        assert!(t.render(&[json!(1), json!(2), json!(3)]).is_err());
    }

    #[test]
    fn render_into_appends_and_reuses_the_buffer() {
        let t = Template::parse("<{{a}}>", false).unwrap();
        let mut out = b"x".to_vec();
        t.render_into(&[json!("1")], &mut out).unwrap();
        t.render_into(&[json!(2)], &mut out).unwrap();
        assert_eq!(out, b"x<1><2>");
        assert!(t.render_into(&[], &mut out).is_err());
        assert_eq!(out, b"x<1><2>");
        // Escaping appends too, past what is already there.
        let j = Template::parse(r#"{"s": "{{a}}"}"#, true).unwrap();
        j.render_into(&[json!("q\"\u{1}\u{2028}—😀 long enough to take the word path")], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "x<1><2>{\"s\": \"q\\\"\\u0001\\u2028—😀 long enough to take the word path\"}");
    }

    #[test]
    fn a_template_without_placeholders_renders_as_is() {
        let t = json_t(r#"{"a": "}}", "b": "{"}"#);
        assert!(t.variables().is_empty());
        assert_eq!(t.render(&[]).unwrap(), r#"{"a": "}}", "b": "{"}"#);
    }

    #[test]
    fn lookup_paths_try_the_flat_key_then_the_dotted_path() {
        assert_eq!(
            lookup_paths("system.prompt"),
            vec![vec!["system.prompt"], vec!["system", "prompt"]]
        );
        assert_eq!(lookup_paths("a"), vec![vec!["a"]]);
    }

    #[test]
    fn lookup_json_prefers_the_flat_key() {
        let t = json_t(r#"{"p": "{{system.prompt}}"}"#);
        let both = json!({"system.prompt": "a", "system": {"prompt": "b"}});
        assert_eq!(lookup_json(&t, &both).unwrap(), vec![json!("a")]);
        assert_eq!(lookup_json(&t, &json!({"system": {"prompt": "b"}})).unwrap(), vec![json!("b")]);
        assert_eq!(lookup_json(&t, &json!({"system.prompt": null})).unwrap(), vec![Value::Null]);
    }

    #[test]
    fn lookup_json_lists_every_missing_variable_in_template_order() {
        let t = json_t(r#"{"a": "{{prompt}}", "b": {{system.prompt}}, "c": {{ok}}}"#);
        let e = lookup_json(&t, &json!({"ok": 1, "system": "not an object"})).unwrap_err();
        assert_eq!(e.code, "TEMPLATE_MISSING_VARIABLES");
        assert_eq!(e.message, "missing template variables: prompt, system.prompt");
        assert_eq!(e.field.as_deref(), Some("variables"));
        let e = lookup_json(&t, &Value::Null).unwrap_err();
        assert_eq!(e.message, "missing template variables: prompt, system.prompt, ok");
        assert_eq!(missing_error(&["x".to_string()]).message, "missing template variable: x");
        assert_eq!(lookup_json(&t, &json!([1])).unwrap_err().code, "INVALID_ARGUMENT_TYPE");
        assert_eq!(lookup_json(&json_t("[]"), &json!(5)).unwrap(), Vec::<Value>::new());
    }

    #[test]
    fn value_error_names_the_variable_and_the_value() {
        let e = value_error("n", "NaN");
        assert_eq!(e.code, "TEMPLATE_VALUE");
        assert_eq!(e.field.as_deref(), Some("variables.n"));
        assert_eq!(e.message, "template variable `n` is NaN, which is not a JSON value");
    }
}
