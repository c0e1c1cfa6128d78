//! What a set of JSONPaths can reach in a document (a `Pick`, read from the paths' text), and a
//! parse that builds only that: members no path names are skipped (still checked to be JSON as
//! serde_json would, never allocated). Paths this reader does not follow (descendant `..`, `$`
//! inside a filter) pick the whole document.

use serde_json::{Map, Value};

use crate::jsonlex::Lexer;

/// The parts of a value to build. A `full` value is built whole (a path's result, or a value a
/// filter looks at); otherwise only the named members and, with `each`, every child (wildcards,
/// indices, slices and filters select among all of them). Anything else becomes `null`, which no
/// path can tell apart from a value it does not select. Arrays keep every element, so indices
/// and normalized paths do not move.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pick {
    full: bool,
    names: Vec<(String, Pick)>,
    each: Option<Box<Pick>>,
}

impl Pick {
    /// What `path` (RFC 9535, already compiled) reaches; `None` when every part may matter.
    pub fn of(path: &str) -> Option<Pick> {
        let mut c = Cursor { s: path.trim().as_bytes(), i: 0, segments: 0 };
        c.eat(b'$')?;
        let segments = c.segments()?;
        if c.i != c.s.len() {
            return None;
        }
        let mut pick = Pick::default();
        pick.add(&segments);
        pick.settle();
        Some(pick)
    }

    /// What any of `picks` reaches (`None` if one of them needs everything).
    pub fn union<'p>(picks: impl IntoIterator<Item = Option<&'p Pick>>) -> Option<Pick> {
        let mut all = Pick::default();
        for pick in picks {
            all.merge(pick?);
        }
        all.settle();
        Some(all)
    }

    /// A pick of everything: [`Pick::parse`] then builds the whole document.
    pub fn everything() -> Pick {
        Pick { full: true, ..Pick::default() }
    }

    /// Builds the picked parts of `json`: `None` when serde must decide (not JSON, or JSON this
    /// reader leaves to serde), and the caller then parses it whole, for the same answer or
    /// serde_json's own message.
    pub fn parse(&self, json: &[u8]) -> Option<Value> {
        let mut reader = Reader { lex: Lexer::new(json), scratch: vec![0; json.len()] };
        let value = reader.value(Some(self), 0)?;
        reader.lex.ws();
        reader.lex.at_end().then_some(value)
    }

    fn add(&mut self, segments: &[Segment]) {
        let Some((segment, rest)) = segments.split_first() else {
            self.make_full();
            return;
        };
        for selector in segment {
            match selector {
                Selector::Name(name) => {
                    if let Some(pick) = self.name_mut(name) {
                        pick.add(rest);
                    }
                }
                Selector::Each(filter) => {
                    let each = self.each.get_or_insert_with(Box::default);
                    for query in filter {
                        each.add(query);
                    }
                    each.add(rest);
                }
            }
        }
    }

    fn make_full(&mut self) {
        *self = Pick { full: true, ..Pick::default() };
    }

    /// The pick of member `name`, added when new (always `Some`: an `Option` only so that no
    /// code path can panic).
    fn name_mut(&mut self, name: &str) -> Option<&mut Pick> {
        if !self.names.iter().any(|(n, _)| n == name) {
            self.names.push((name.to_string(), Pick::default()));
        }
        self.names.iter_mut().find(|(n, _)| n == name).map(|(_, pick)| pick)
    }

    fn merge(&mut self, other: &Pick) {
        if self.full || other.full {
            self.make_full();
            return;
        }
        for (name, pick) in &other.names {
            if let Some(mine) = self.name_mut(name) {
                mine.merge(pick);
            }
        }
        if let Some(each) = &other.each {
            self.each.get_or_insert_with(Box::default).merge(each);
        }
    }

    /// Folds `each` into every named member (a member named by both gets both), all the way down.
    fn settle(&mut self) {
        if self.full {
            return;
        }
        if let Some(each) = &mut self.each {
            each.settle();
            for (_, pick) in &mut self.names {
                pick.merge(each);
            }
        }
        for (_, pick) in &mut self.names {
            pick.settle();
        }
    }

    fn member(&self, key: &str) -> Option<&Pick> {
        self.names.iter().find(|(n, _)| n == key).map(|(_, p)| p).or(self.each.as_deref())
    }
}

/// One segment: the union of its selectors.
type Segment = Vec<Selector>;

enum Selector {
    Name(String),
    /// A wildcard, index, slice or filter; for a filter, the relative queries it evaluates.
    Each(Vec<Vec<Segment>>),
}

/// Reads the path grammar far enough to know what each segment can select; gives up (`None`)
/// on anything it does not follow.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
    /// Segments read so far: past [`MAX_SEGMENTS`] the whole document is picked (reading a
    /// filter, and building the pick, recurse once per segment).
    segments: u32,
}

const MAX_SEGMENTS: u32 = 64;

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.i += 1)
    }

    fn blanks(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Segments up to the first thing that is not one (blank space may separate them).
    fn segments(&mut self) -> Option<Vec<Segment>> {
        let mut segments = Vec::new();
        loop {
            let before = self.i;
            self.blanks();
            if let Some(b'.' | b'[') = self.peek() {
                self.segments += 1;
                if self.segments > MAX_SEGMENTS {
                    return None;
                }
            }
            match self.peek() {
                Some(b'.') if self.s.get(self.i + 1) == Some(&b'.') => return None,
                Some(b'.') => {
                    self.i += 1;
                    if self.eat(b'*').is_some() {
                        segments.push(vec![Selector::Each(Vec::new())]);
                    } else {
                        segments.push(vec![Selector::Name(self.shorthand()?)]);
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    segments.push(self.bracketed()?);
                }
                _ => {
                    self.i = before;
                    return Some(segments);
                }
            }
        }
    }

    /// `name` after a dot: a letter, `_` or non-ASCII, then also digits.
    fn shorthand(&mut self) -> Option<String> {
        let start = self.i;
        while let Some(b) = self.peek() {
            let ok = b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 || (self.i > start && b.is_ascii_digit());
            if !ok {
                break;
            }
            self.i += 1;
        }
        let name = std::str::from_utf8(self.s.get(start..self.i)?).ok()?;
        (!name.is_empty()).then(|| name.to_string())
    }

    /// Selectors after `[`, through the closing `]`.
    fn bracketed(&mut self) -> Option<Segment> {
        let mut selectors = Vec::new();
        loop {
            self.blanks();
            selectors.push(self.selector()?);
            self.blanks();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(selectors);
                }
                _ => return None,
            }
        }
    }

    fn selector(&mut self) -> Option<Selector> {
        match self.peek()? {
            quote @ (b'\'' | b'"') => {
                self.i += 1;
                let start = self.i;
                while self.peek()? != quote {
                    if self.peek()? == b'\\' {
                        return None; // escaped names: the whole document
                    }
                    self.i += 1;
                }
                let name = std::str::from_utf8(self.s.get(start..self.i)?).ok()?.to_string();
                self.i += 1;
                Some(Selector::Name(name))
            }
            b'*' => {
                self.i += 1;
                Some(Selector::Each(Vec::new()))
            }
            b'?' => {
                self.i += 1;
                Some(Selector::Each(self.filter()?))
            }
            b'0'..=b'9' | b'-' | b':' => {
                while let Some(b'0'..=b'9' | b'-' | b':' | b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
                    self.i += 1;
                }
                Some(Selector::Each(Vec::new()))
            }
            _ => None,
        }
    }

    /// A filter expression up to its `,` or `]`: the relative queries (`@…`) it evaluates. A
    /// query of the root (`$`) inside a filter gives up.
    fn filter(&mut self) -> Option<Vec<Vec<Segment>>> {
        let mut queries = Vec::new();
        let mut depth = 0u32;
        loop {
            match self.peek()? {
                b',' | b']' if depth == 0 => return Some(queries),
                quote @ (b'\'' | b'"') => self.skip_string(quote)?,
                b'@' => {
                    self.i += 1;
                    queries.push(self.segments()?);
                }
                b'(' => {
                    depth += 1;
                    self.i += 1;
                }
                b')' => {
                    depth = depth.checked_sub(1)?;
                    self.i += 1;
                }
                b'$' | b'[' | b']' => return None,
                _ => self.i += 1,
            }
        }
    }

    fn skip_string(&mut self, quote: u8) -> Option<()> {
        self.i += 1;
        loop {
            match self.peek()? {
                b'\\' => self.i += 2,
                b if b == quote => {
                    self.i += 1;
                    return Some(());
                }
                _ => self.i += 1,
            }
        }
    }
}

/// Nesting the reader follows (serde_json's limit: 128 containers, so 127 inside the first):
/// deeper documents go to serde, which refuses them.
const MAX_DEPTH: u32 = 127;

/// Builds the picked parts of a document, checking the rest as serde_json's full parse would
/// (strings for UTF-8 and paired surrogates, numbers for range); `None` when serde must decide.
struct Reader<'a> {
    lex: Lexer<'a>,
    /// Where strings are unescaped (as long as the text: no escape grows), then checked for
    /// UTF-8 and copied out.
    scratch: Vec<u8>,
}

impl Reader<'_> {
    fn value(&mut self, pick: Option<&Pick>, depth: u32) -> Option<Value> {
        self.lex.ws();
        match self.lex.peek()? {
            b'{' => self.object(pick, depth + 1),
            b'[' => self.array(pick, depth + 1),
            b'"' if pick.is_some_and(|p| p.full) => Some(Value::String(self.string()?.to_string())),
            b'"' => {
                self.lex.checked_string()?;
                Some(Value::Null)
            }
            b't' => self.literal(b"true", Value::Bool(true), pick),
            b'f' => self.literal(b"false", Value::Bool(false), pick),
            b'n' => self.literal(b"null", Value::Null, pick),
            _ => self.number(pick),
        }
    }

    fn object(&mut self, pick: Option<&Pick>, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut members = Map::new();
        let mut more = self.lex.open(b'}')?;
        while more {
            self.lex.ws();
            if self.lex.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            let child = match pick {
                Some(p) if p.full => Some(p),
                Some(p) => p.member(key),
                None => None,
            };
            let key = child.map(|_| key.to_string());
            self.lex.ws();
            self.lex.eat(b':')?;
            let value = self.value(child, depth)?;
            if let Some(key) = key {
                members.insert(key, value);
            }
            more = self.lex.more(b'}')?;
        }
        Some(Value::Object(members))
    }

    fn array(&mut self, pick: Option<&Pick>, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut items = Vec::new();
        let child = pick.and_then(|p| if p.full { Some(p) } else { p.each.as_deref() });
        let mut more = self.lex.open(b']')?;
        while more {
            items.push(self.value(child, depth)?);
            more = self.lex.more(b']')?;
        }
        Some(Value::Array(items))
    }

    /// The string at `"`, unescaped into the scratch and checked for UTF-8.
    fn string(&mut self) -> Option<&str> {
        let n = self.lex.string_to(&mut self.scratch)?;
        std::str::from_utf8(self.scratch.get(..n)?).ok()
    }

    fn literal(&mut self, text: &[u8], value: Value, pick: Option<&Pick>) -> Option<Value> {
        self.lex.literal(text)?;
        Some(if pick.is_some_and(|p| p.full) { value } else { Value::Null })
    }

    /// A number, as JSON.parse reads it: integers that fit `u64` / `i64` exactly, any other
    /// number the nearest `f64` (core's correctly rounded parse; serde_json's default one is
    /// off by one unit in the last place for ~10 % of 17-digit numbers), `-0` negative. A number
    /// beyond the `f64` range goes to serde (`None`) for its range error. Skipped numbers are
    /// checked for range only where they could be out of it (an exponent, or very many digits).
    fn number(&mut self, pick: Option<&Pick>) -> Option<Value> {
        let start = self.lex.i;
        self.lex.number()?;
        let text = self.lex.b.get(start..self.lex.i)?;
        if pick.is_some_and(|p| p.full) {
            return number_value(text);
        }
        let plain = text.len() <= 19 && text.iter().all(u8::is_ascii_digit);
        if !plain && (text.len() > 300 || text.iter().any(|&b| b == b'e' || b == b'E')) {
            number_value(text)?;
        }
        Some(Value::Null)
    }
}

/// A number's JSON text (already checked by the lexer) as JSON.parse gives it; `None` beyond
/// the `f64` range.
pub fn number_value(text: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(text).ok()?;
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(n) = text.parse::<u64>() {
            return Some(Value::from(n));
        }
        if let Some(n) = text.parse::<i64>().ok().filter(|n| *n != 0) {
            return Some(Value::from(n));
        }
    }
    let x = text.parse::<f64>().ok()?;
    serde_json::Number::from_f64(x).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full() -> Pick {
        Pick { full: true, ..Pick::default() }
    }

    fn names(names: &[(&str, Pick)]) -> Pick {
        Pick { names: names.iter().map(|(n, p)| (n.to_string(), p.clone())).collect(), ..Pick::default() }
    }

    #[test]
    fn the_claude_mapping_picks_the_text_blocks_and_usage() {
        let text = Pick::of("$.content[?@.type=='text'].text").unwrap();
        let each = names(&[("type", full()), ("text", full())]);
        assert_eq!(text, names(&[("content", Pick { each: Some(Box::new(each)), ..Pick::default() })]));
        let tokens = [Pick::of("$.usage.input_tokens"), Pick::of("$['usage'] ['output_tokens']")];
        let all = Pick::union(tokens.iter().map(Option::as_ref)).unwrap();
        assert_eq!(all, names(&[("usage", names(&[("input_tokens", full()), ("output_tokens", full())]))]));
    }

    #[test]
    fn a_member_named_and_selected_by_a_wildcard_gets_both() {
        let pick = Pick::of("$['a', *].b").unwrap();
        assert_eq!(pick.member("a"), Some(&names(&[("b", full())])));
        assert_eq!(pick.member("z"), Some(&names(&[("b", full())])));
        let filtered = Pick::of("$.a[?@.x.y > 1].z").unwrap();
        assert_eq!(filtered.member("a").and_then(|a| a.member("q")), Some(&names(&[("x", names(&[("y", full())])), ("z", full())])));
    }

    #[test]
    fn paths_it_does_not_follow_pick_everything() {
        // A filter is two segments here: the one it selects in, and `.a` inside it.
        let nested = |n: usize| format!("${}{}", "[?@.a".repeat(n), "]".repeat(n));
        assert!(Pick::of(&nested(MAX_SEGMENTS as usize / 2)).is_some_and(|p| !p.full));
        let long = "$".to_string() + &".a".repeat(MAX_SEGMENTS as usize + 1);
        for path in ["$", "$..a", "$.a..b", "$[?@.a == $.b]", "$['a\\'b']", "$[?@.a == 'x'", "$.a b", &nested(MAX_SEGMENTS as usize / 2 + 1), &long] {
            assert!(Pick::of(path).is_none_or(|p| p.full), "{path}");
        }
        assert_eq!(Pick::union([Pick::of("$.a").as_ref(), None]), None);
    }

    #[test]
    fn unpicked_members_are_skipped_and_arrays_keep_their_length() {
        let doc = r#"{"id": "m", "content": [{"type": "thinking", "thinking": "hmm"}, 7, {"type": "text", "text": "Hi", "x": [1]}], "usage": {"input_tokens": 3}}"#;
        let pick = Pick::of("$.content[?@.type=='text'].text").unwrap();
        assert_eq!(pick.parse(doc.as_bytes()), Some(json!({"content": [{"type": "thinking"}, null, {"type": "text", "text": "Hi"}]})));
    }

    #[test]
    fn what_serde_would_refuse_in_a_skipped_part_goes_to_serde() {
        let pick = Pick::of("$.a").unwrap();
        for json in [
            &b"{\"a\": 1, \"skipped\": [1,]}"[..],
            b"{\"a\": 1} x",
            b"{\"a\": 1, \"s\": \"\xff\"}",
            b"{\"a\": 1, \"s\": \"\\ud800\"}",
            b"{\"a\": 1, \"n\": 1e400}",
            b"{\"a\": 1, \"n\": 01}",
            b"{\"a\": 1, \"\\ud800\": 2}",
        ] {
            assert_eq!(pick.parse(json), None, "{}", String::from_utf8_lossy(json));
            assert!(serde_json::from_slice::<Value>(json).is_err());
        }
        let deep = format!("{{\"a\": 1, \"b\": {}{}}}", "[".repeat(130), "]".repeat(130));
        assert_eq!(pick.parse(deep.as_bytes()), None);
        // Never deeper than serde_json goes.
        for depth in 120..135 {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            if Pick::everything().parse(text.as_bytes()).is_some() {
                assert!(serde_json::from_str::<Value>(&text).is_ok(), "{depth}");
            }
        }
        assert_eq!(pick.parse(b"{\"a\": -0, \"n\": 1e3}"), Some(json!({"a": -0.0})));
    }
}
