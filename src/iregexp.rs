//! RFC 9535's `match()` and `search()` function extensions with RFC 9485 I-Regexp semantics, on
//! `regex-lite` (a small engine: serde_json_path's own `regex` feature pulls the full `regex`
//! crate and its Unicode tables, ≈ 70 % of the .wasm). I-Regexp patterns are translated:
//! `match` is anchored (`^(?:…)$`), `.` outside a class matches anything but `\n` and `\r`.
//! Registered with serde_json_path's `#[function]` (the `inventory` registry); a wasm test in
//! tests/js/template.test.js checks they exist on wasm32 too.

use std::cell::RefCell;
use std::fmt::Write;

use serde_json::Value;
use serde_json_path::functions::{LogicalType, ValueType};

mod categories;

/// Compiled patterns kept per thread (a filter calls `match` once per node, with one pattern).
const CACHED: usize = 16;
/// Largest compiled pattern, in bytes (regex-lite's default is 10 MB): with the cache, a few
/// huge patterns (`\P{Cn}{1000}`) cannot keep wasm memory grown by 160 MB. Bigger patterns match
/// nothing, like invalid ones.
const PATTERN_BYTES: usize = 1 << 20;

thread_local! {
    static CACHE: RefCell<Vec<(String, bool, Option<regex_lite::Regex>)>> = const { RefCell::new(Vec::new()) };
}

/// `compile`, remembering the last few patterns.
fn cached(pattern: &str, anchored: bool, found: impl FnOnce(&Option<regex_lite::Regex>) -> bool) -> bool {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, _, regex)) = cache.iter().find(|(p, a, _)| p == pattern && *a == anchored) {
            return found(regex);
        }
        let regex = compile(pattern, anchored);
        let answer = found(&regex);
        if cache.len() >= CACHED {
            cache.remove(0);
        }
        cache.push((pattern.to_string(), anchored, regex));
        answer
    })
}

/// An I-Regexp pattern as a regex-lite pattern; `None` if it does not compile (→ no match).
pub fn compile(pattern: &str, anchored: bool) -> Option<regex_lite::Regex> {
    let body = translate(pattern)?;
    let full = if anchored { format!("^(?:{body})$") } else { body };
    regex_lite::RegexBuilder::new(&full).size_limit(PATTERN_BYTES).build().ok()
}

/// I-Regexp → regex-lite: `.` outside character classes → `[^\n\r]`; `\p{X}` / `\P{X}` → the
/// category's code point ranges (a class of their own, or inline inside a class); other
/// escapes and classes as written. `None` for an unknown category.
fn translate(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(p @ ('p' | 'P')) => {
                    let name = category_name(&mut chars)?;
                    let ranges = category_ranges(name, p == 'P')?;
                    if in_class {
                        out.push_str(&ranges);
                    } else {
                        let _ = write!(out, "[{ranges}]");
                    }
                }
                Some(next) => {
                    out.push(c);
                    out.push(next);
                }
                None => out.push(c),
            },
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
    Some(out)
}

/// The `X` of `\p{X}`, the opening brace next.
fn category_name<'p>(chars: &mut std::str::Chars<'p>) -> Option<&'p str> {
    let rest = chars.as_str().strip_prefix('{')?;
    let end = rest.find('}')?;
    let name = rest.get(..end)?;
    *chars = rest.get(end + 1..)?.chars();
    Some(name)
}

/// Whether the general category numbered `number` belongs to `name` (`L`, `Lu`, …; RFC 9485).
fn in_category(name: &str, number: usize) -> bool {
    let Some(&two) = categories::NAMES.get(number) else { return false };
    two != "Cs" && (name == two || (name.len() == 1 && two.starts_with(name)))
}

/// `name`'s code points (or, `negated`, every other one) as class ranges `\x{a}-\x{b}`;
/// `None` for a name RFC 9485 does not list.
fn category_ranges(name: &str, negated: bool) -> Option<String> {
    const KNOWN: [&str; 7] = ["L", "M", "N", "P", "S", "Z", "C"];
    if name == "Cs" || !(KNOWN.contains(&name) || categories::NAMES.contains(&name)) {
        return None;
    }
    let mut out = String::new();
    let mut open: Option<u32> = None;
    let mut start = 0u32;
    for run in categories::RUNS {
        start += u32::from(run >> 5);
        let number = usize::from(run & 31);
        let surrogates = categories::NAMES.get(number) == Some(&"Cs");
        let selected = !surrogates && in_category(name, number) != negated;
        match (selected, open) {
            (true, None) => open = Some(start),
            (false, Some(first)) => {
                let _ = write!(out, "\\x{{{first:x}}}-\\x{{{:x}}}", start - 1);
                open = None;
            }
            _ => {}
        }
    }
    if let Some(first) = open {
        let _ = write!(out, "\\x{{{first:x}}}-\\x{{10ffff}}");
    }
    Some(out)
}

fn test(value: ValueType, pattern: ValueType, anchored: bool) -> LogicalType {
    match (value.as_value(), pattern.as_value()) {
        (Some(Value::String(s)), Some(Value::String(p))) => cached(p, anchored, |r| r.as_ref().is_some_and(|r| r.is_match(s))).into(),
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
        assert_eq!(translate(r"a.b[.]\.c").unwrap(), r"a[^\n\r]b[.]\.c");
        let m = compile("x.*", true).unwrap();
        assert!(m.is_match("xyz") && !m.is_match("ax") && !m.is_match("x\nz"));
        let s = compile("x.z", false).unwrap();
        assert!(s.is_match("axyz") && !s.is_match("x\rz"));
        assert!(compile("(", true).is_none());
        assert!(compile("a|b", true).unwrap().is_match("b"));
    }

    /// One sample per category RFC 9485 names, matched by its own and its major class only.
    #[test]
    fn every_general_category() {
        let samples = [
            ("Lu", 'A'), ("Ll", 'é'), ("Lt", 'ǅ'), ("Lm", 'ʰ'), ("Lo", 'あ'), ("Mn", '\u{301}'), ("Mc", '\u{903}'),
            ("Me", '\u{20DD}'), ("Nd", '٣'), ("Nl", 'Ⅻ'), ("No", '½'), ("Pc", '_'), ("Pd", '-'), ("Ps", '('),
            ("Pe", ')'), ("Pi", '«'), ("Pf", '»'), ("Po", '!'), ("Sm", '+'), ("Sc", '€'), ("Sk", '^'), ("So", '😀'),
            ("Zs", ' '), ("Zl", '\u{2028}'), ("Zp", '\u{2029}'), ("Cc", '\u{7}'), ("Cf", '\u{200B}'), ("Co", '\u{E000}'),
            ("Cn", '\u{378}'), ("Cn", '\u{10FFFF}'),
        ];
        for (name, c) in samples {
            let text = c.to_string();
            let major = name.get(..1).unwrap();
            for (pattern, expected) in [
                (format!(r"\p{{{name}}}"), true),
                (format!(r"\p{{{major}}}"), true),
                (format!(r"\P{{{name}}}"), false),
                (format!(r"\P{{{major}}}"), false),
                (format!(r"[x\p{{{name}}}]"), true),
                (format!(r"[^\p{{{major}}}]"), false),
                (format!(r"[\P{{{name}}}]"), false),
            ] {
                let regex = compile(&pattern, true).unwrap_or_else(|| panic!("{pattern} compiles"));
                assert_eq!(regex.is_match(&text), expected, "{pattern} on U+{:04X}", u32::from(c));
            }
            let others = samples.iter().filter(|(n, _)| *n != name).map(|(n, _)| format!(r"\p{{{n}}}")).collect::<Vec<_>>().join("|");
            assert!(!compile(&others, true).unwrap().is_match(&text), "U+{:04X} is only {name}", u32::from(c));
        }
    }

    #[test]
    fn the_table_covers_every_code_point_once() {
        let last: u32 = categories::RUNS.iter().map(|r| u32::from(r >> 5)).sum();
        assert!(last <= 0x10FFFF && categories::RUNS.iter().skip(1).all(|r| r >> 5 > 0));
        // Every code point but the surrogates is in exactly one of the 29 categories.
        let all = categories::NAMES.iter().filter(|n| **n != "Cs").map(|n| format!(r"\p{{{n}}}")).collect::<Vec<_>>().join("|");
        let any = compile(&all, true).unwrap();
        assert!(['\0', 'a', '\u{D7FF}', '\u{E000}', '\u{FFFF}', '\u{10FFFF}'].iter().all(|c| any.is_match(&c.to_string())));
        assert_eq!(category_ranges("C", true).map(|r| r.contains("d800")), Some(false));
    }

    #[test]
    fn categories_in_patterns() {
        let m = |p: &str, s: &str| compile(p, true).unwrap().is_match(s);
        assert!(m(r"\p{Lu}\p{Ll}+", "Hello") && !m(r"\p{Lu}\p{Ll}+", "hello"));
        assert!(m(r"[\p{L}\p{Nd}_-]+", "naïve_ΑΒΓ-٣3") && !m(r"[\p{L}\p{Nd}]+", "a b"));
        assert!(m(r"\P{L}*", "123 !") && !m(r"\P{L}", "a"));
        assert!(m(r"[^\P{N}]", "7") && !m(r"[^\P{N}]", "x"));
        assert!(compile(r"\p{Xx}", true).is_none());
        assert!(compile(r"\p{Cs}", true).is_none());
        assert!(compile(r"\p{Lu", true).is_none());
        assert!(compile(r"\p", true).is_none());
        // A compiled pattern stays under 1 MB; \p{L} repeated 100 times fits.
        assert!(compile(r"\P{Cn}{1000}", false).is_none());
        assert!(m(r"\p{L}{100}", &"é".repeat(100)));
        // Escaped backslash: not a category.
        assert!(m(r"\\p\{Lu\}", r"\p{Lu}"));
    }
}
