//! RFC 9535's `match()` and `search()` function extensions with RFC 9485 I-Regexp semantics, on
//! `regex-lite` (a small engine: serde_json_path's own `regex` feature pulls the full `regex`
//! crate and its Unicode tables, ≈ 70 % of the .wasm). I-Regexp patterns are translated:
//! `match` is anchored (`^(?:…)$`), `.` outside a class matches anything but `\n` and `\r`.
//! Registered with serde_json_path's `#[function]` (the `inventory` registry); a wasm test in
//! tests/js/template.test.js checks they exist on wasm32 too.

use serde_json::Value;
use serde_json_path::functions::{LogicalType, ValueType};

/// An I-Regexp pattern as a regex-lite pattern; `None` if it does not compile (→ no match).
pub fn compile(pattern: &str, anchored: bool) -> Option<regex_lite::Regex> {
    let body = translate_dot(pattern);
    let full = if anchored { format!("^(?:{body})$") } else { body };
    regex_lite::Regex::new(&full).ok()
}

/// `.` outside character classes → `[^\n\r]`; escapes and classes are kept as written.
fn translate_dot(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '.' if !in_class => out.push_str("[^\\n\\r]"),
            _ => out.push(c),
        }
    }
    out
}

fn test(value: ValueType, pattern: ValueType, anchored: bool) -> LogicalType {
    match (value.as_value(), pattern.as_value()) {
        (Some(Value::String(s)), Some(Value::String(p))) => compile(p, anchored).is_some_and(|r| r.is_match(s)).into(),
        _ => LogicalType::False,
    }
}

#[serde_json_path::function(name = "match")]
fn i_match(value: ValueType, pattern: ValueType) -> LogicalType {
    test(value, pattern, true)
}

#[serde_json_path::function(name = "search")]
fn i_search(value: ValueType, pattern: ValueType) -> LogicalType {
    test(value, pattern, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_and_anchors() {
        assert_eq!(translate_dot(r"a.b[.]\.c"), r"a[^\n\r]b[.]\.c");
        let m = compile("x.*", true).unwrap();
        assert!(m.is_match("xyz") && !m.is_match("ax") && !m.is_match("x\nz"));
        let s = compile("x.z", false).unwrap();
        assert!(s.is_match("axyz") && !s.is_match("x\rz"));
        assert!(compile("(", true).is_none());
        assert!(compile("a|b", true).unwrap().is_match("b"));
    }
}
