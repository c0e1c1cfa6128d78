//! Checks a JSONPath's text before serde_json_path parses it: its length, how deep brackets,
//! parentheses and filters nest, how many descendant segments it has, and every escape in its
//! string literals. The parser panics on some unfinished `\u` escapes and takes time exponential
//! in filter nesting; a query's nodes multiply with each `..` (`$..*..*..*` lists every chain of
//! three nested values). These checks keep all of that away from the engine.

/// Longest path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 4096;
/// Brackets and parentheses open at once (filters, function calls, grouping).
pub const MAX_NESTING: usize = 32;
/// Filter selectors inside filter selectors (`$[?@.a[?@.b]]` nests 2).
pub const MAX_FILTER_NESTING: usize = 6;
/// Descendant segments (`..`) in the whole path, filters included: a query lists at most
/// (nodes × depth) values, never (nodes × depth^k).
pub const MAX_DESCENDANTS: usize = 2;

/// Why a path was refused before parsing: a byte position and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub position: usize,
    pub message: String,
}

fn refuse<T>(position: usize, message: impl Into<String>) -> Result<T, Refused> {
    Err(Refused { position, message: message.into() })
}

/// `Ok` when the path may go to the parser (which still judges its grammar).
pub fn check(path: &str) -> Result<(), Refused> {
    if path.len() > MAX_PATH_BYTES {
        return refuse(MAX_PATH_BYTES, format!("the path is {} bytes long; at most {MAX_PATH_BYTES}", path.len()));
    }
    let bytes = path.as_bytes();
    // One entry per open bracket or parenthesis: true for a bracket holding a filter.
    let mut open: Vec<(u8, bool)> = Vec::new();
    let mut descendants = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\'' | b'"' => {
                i = string_end(bytes, i)?;
                continue;
            }
            b'[' | b'(' => {
                open.push((b, false));
                if open.len() > MAX_NESTING {
                    return refuse(i, format!("brackets and parentheses nest more than {MAX_NESTING} deep"));
                }
            }
            b']' | b')' => {
                open.pop();
            }
            b'.' if bytes.get(i + 1) == Some(&b'.') => {
                descendants += 1;
                if descendants > MAX_DESCENDANTS {
                    return refuse(i, format!("more than {MAX_DESCENDANTS} descendant segments (..)"));
                }
                i += 2;
                continue;
            }
            b'?' => {
                if let Some(bracket) = open.iter_mut().rev().find(|(c, _)| *c == b'[') {
                    bracket.1 = true;
                }
                if open.iter().filter(|(_, filter)| *filter).count() > MAX_FILTER_NESTING {
                    return refuse(i, format!("filters nest more than {MAX_FILTER_NESTING} deep"));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index just past the string literal opening at `start` (or the end of the path when it is
/// never closed: the parser reports that); an escape RFC 9535 does not allow is refused.
fn string_end(bytes: &[u8], start: usize) -> Result<usize, Refused> {
    let quote = bytes.get(start).copied();
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        if Some(b) == quote {
            return Ok(i + 1);
        }
        i = if b == b'\\' { escape_end(bytes, i, quote)? } else { i + 1 };
    }
    Ok(i)
}

/// The index past the escape at `at` (a backslash): `\b \t \n \f \r \/ \\`, the literal's own
/// quote, or `\uXXXX` where a high surrogate must be followed by `\u` and a low one.
fn escape_end(bytes: &[u8], at: usize, quote: Option<u8>) -> Result<usize, Refused> {
    match bytes.get(at + 1).copied() {
        Some(b'b' | b't' | b'n' | b'f' | b'r' | b'/' | b'\\') => Ok(at + 2),
        Some(q) if Some(q) == quote => Ok(at + 2),
        Some(b'u') => match hex4(bytes, at + 2) {
            Some(0xD800..=0xDBFF) => {
                let low = if bytes.get(at + 6..at + 8) == Some(b"\\u".as_slice()) { hex4(bytes, at + 8) } else { None };
                match low {
                    Some(0xDC00..=0xDFFF) => Ok(at + 12),
                    _ => refuse(at, "a high surrogate escape must be followed by a low one (\\uDC00-\\uDFFF)"),
                }
            }
            Some(0xDC00..=0xDFFF) => refuse(at, "a low surrogate escape must follow a high one"),
            Some(_) => Ok(at + 6),
            None => refuse(at, "\\u must be followed by four hex digits"),
        },
        Some(_) => refuse(at, "unknown escape in a string literal"),
        None => refuse(at, "the string literal ends with an unfinished escape"),
    }
}

/// `path` with the hex digits of every `\uXXXX` escape in its string literals in upper case
/// (same length, same meaning): serde_json_path's parser takes a surrogate pair only as
/// `\uD83D\uDE00`, though RFC 9535's grammar (ABNF: case-insensitive) allows `\ud83d\ude00`.
/// For paths [`check`] accepted.
pub fn escapes_uppercased(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains("\\u") {
        return path.into();
    }
    let bytes = path.as_bytes();
    let mut out = bytes.to_vec();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += match (quote, b) {
            (None, b'\'' | b'"') => {
                quote = Some(b);
                1
            }
            (Some(q), _) if q == b => {
                quote = None;
                1
            }
            (Some(_), b'\\') if bytes.get(i + 1) == Some(&b'u') => {
                if let Some(hex) = out.get_mut(i + 2..i + 6) {
                    hex.make_ascii_uppercase();
                }
                6
            }
            (Some(_), b'\\') => 2,
            _ => 1,
        };
    }
    String::from_utf8(out).map_or(path.into(), Into::into)
}

/// Four hex digits at `at` as a number.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(path: &str) -> Option<usize> {
        check(path).err().map(|r| r.position)
    }

    #[test]
    fn unfinished_and_unknown_escapes_are_refused_at_the_backslash() {
        for (path, at) in [
            (r"$['\", 3),
            (r"$[?@=='\u", 7),
            (r#"$["\uD800"#, 3),
            (r"$['\u12", 3),
            (r"$['\uD800\u", 3),
            (r"$['\uD800\uD", 3),
            (r"$['\uDC00']", 3),
            (r"$['\x']", 3),
            (r#"$['\"']"#, 3),
            (r#"$["\'"]"#, 3),
            (r"$['a\", 4),
        ] {
            assert_eq!(position(path), Some(at), "{path}");
        }
    }

    #[test]
    fn valid_escapes_pass() {
        for path in [r"$['\uD83D\uDE00']", r"$['\u00e9\b\t\n\f\r\/\\\'']", r#"$["\"a'"]"#, r"$['[(?']", "$['unterminated"] {
            assert_eq!(check(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn nesting_limits_just_below_and_above() {
        let filters = |n: usize| format!("${}{}", "[?@".repeat(n), "]".repeat(n));
        assert_eq!(check(&filters(MAX_FILTER_NESTING)), Ok(()));
        assert!(check(&filters(MAX_FILTER_NESTING + 1)).is_err());
        let parens = |n: usize| format!("$[?{}@.a{}]", "(".repeat(n), ")".repeat(n));
        assert_eq!(check(&parens(MAX_NESTING - 1)), Ok(()));
        assert!(check(&parens(MAX_NESTING)).is_err());
        // Sibling filters do not nest.
        assert_eq!(check(&format!("$[?@.a]{}", "[?@.b][?@.c]".repeat(20))), Ok(()));
        assert_eq!(check(&"$.a".repeat(MAX_PATH_BYTES / 3)), Ok(()));
        assert_eq!(position(&"$.a".repeat(MAX_PATH_BYTES / 3 + 1)), Some(MAX_PATH_BYTES));
        // Brackets and dots inside string literals do not count.
        assert_eq!(check(&format!("$['{}']", "[?(..".repeat(100))), Ok(()));
    }

    #[test]
    fn escapes_are_uppercased_inside_literals_only() {
        assert_eq!(escapes_uppercased(r#"$["\ud83d\ude00", 'a\u00e9\\u00e9', "\\"].b\u"#), r#"$["\uD83D\uDE00", 'a\u00E9\\u00e9', "\\"].b\u"#);
        assert!(matches!(escapes_uppercased("$.a['b']"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn at_most_two_descendant_segments_filters_included() {
        assert_eq!(check("$..a..b"), Ok(()));
        assert_eq!(check("$..a[?@..b]"), Ok(()));
        assert_eq!(position("$..a..b..c"), Some(7));
        assert_eq!(position("$..*[?@..*[?@..*]]"), Some(13));
        assert_eq!(position("$..*..*..*..*..*"), Some(7));
        assert_eq!(check("$..['..', \"..\"]..x"), Ok(()));
    }
}
