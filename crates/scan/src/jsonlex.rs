//! Strict JSON lexing over bytes for the fast readers (a stream chunk's delta, a mapping's
//! picked parts): strings found eight bytes at a time, escapes checked and unescaped with paired
//! surrogates, numbers and literals in serde_json's grammar. What a lexer refuses is `None`; its
//! callers then leave the document to serde, for serde's own answer or message.

use crate::swar;

/// A position in a JSON text.
pub struct Lexer<'a> {
    pub b: &'a [u8],
    pub i: usize,
}

/// A string's body (between the quotes), whether it has escapes, and whether one is `\u`.
pub struct Str<'a> {
    pub body: &'a [u8],
    pub escaped: bool,
    pub unicode: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Lexer { b, i: 0 }
    }

    pub fn at_end(&self) -> bool {
        self.i == self.b.len()
    }

    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    pub fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    pub fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.i += 1)
    }

    /// At the `{` or `[` of a container that `close` ends: whether a member or element follows.
    pub fn open(&mut self, close: u8) -> Option<bool> {
        self.i += 1;
        self.ws();
        Some(self.eat(close).is_none())
    }

    /// After a member or element: `true` at `,` (another follows), `false` at `close`.
    pub fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let b = self.peek()?;
        self.i += 1;
        match b {
            b',' => Some(true),
            _ if b == close => Some(false),
            _ => None,
        }
    }

    /// A string at `"`. Control characters and malformed escapes give up; the body is not
    /// checked for UTF-8 or paired surrogates here (`check_string` does, where the reader the
    /// caller stands in for would).
    pub fn string(&mut self) -> Option<Str<'a>> {
        let b = self.b;
        self.i += 1;
        let start = self.i;
        let (mut escaped, mut unicode) = (false, false);
        loop {
            self.i = next_string_special(self.b, self.i);
            match self.peek()? {
                b'"' => {
                    let body = b.get(start..self.i)?;
                    self.i += 1;
                    return Some(Str { body, escaped, unicode });
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            hex4(self.b.get(self.i + 1..self.i + 5)?)?;
                            unicode = true;
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a control character
            }
        }
    }

    /// A string at `"`, unescaped into the start of `dst` in one pass: the length written.
    /// `dst` as long as the rest of the text always suffices (no escape grows). The caller checks
    /// the bytes for UTF-8, as serde_json checks a string it parses.
    pub fn string_to(&mut self, dst: &mut [u8]) -> Option<usize> {
        self.i += 1;
        let mut n = 0;
        loop {
            n = self.run_to(dst, n)?;
            let one = match (self.peek()?, self.b.get(self.i + 1)) {
                (b'"', _) => {
                    self.i += 1;
                    return Some(n);
                }
                (b'\\', Some(b'n')) => b'\n',
                (b'\\', Some(&c @ (b'"' | b'\\' | b'/'))) => c,
                (b'\\', Some(b't')) => b'\t',
                (b'\\', Some(b'r')) => b'\r',
                (b'\\', _) => {
                    let (c, used) = escape_at(self.b.get(self.i..)?)?;
                    let utf8 = c.encode_utf8(&mut [0; 4]).len();
                    c.encode_utf8(dst.get_mut(n..n + utf8)?);
                    n += utf8;
                    self.i += used;
                    continue;
                }
                _ => return None, // a control character
            };
            *dst.get_mut(n)? = one;
            n += 1;
            self.i += 2;
        }
    }

    /// Copies the run of plain string bytes at `i` to `dst[n..]`, up to the next `"`, `\\` or
    /// control byte: the new `n`. Eight bytes are copied per step as they are scanned (a word that
    /// holds the special byte too: what follows it is overwritten later), as wasm's
    /// `memory.copy` costs a runtime call per run. `dst` is never behind the input: `n ≤ i`.
    fn run_to(&mut self, dst: &mut [u8], mut n: usize) -> Option<usize> {
        loop {
            let word = self.b.get(self.i..self.i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok());
            let room = dst.get_mut(n..n + 8).and_then(|d| <&mut [u8; 8]>::try_from(d).ok());
            if let (Some(w), Some(d)) = (word, room) {
                *d = w;
                let special = string_specials(u64::from_le_bytes(w));
                if special == 0 {
                    self.i += 8;
                    n += 8;
                    continue;
                }
                let k = special.trailing_zeros() as usize / 8;
                self.i += k;
                return Some(n + k);
            }
            let b = self.peek()?;
            if b < 0x20 || b == b'"' || b == b'\\' {
                return Some(n);
            }
            *dst.get_mut(n)? = b;
            self.i += 1;
            n += 1;
        }
    }

    /// A string at `"` skipped, checked as serde_json checks a string it parses: UTF-8 and
    /// paired surrogates.
    pub fn checked_string(&mut self) -> Option<()> {
        let s = self.string()?;
        swar::is_utf8(s.body).then_some(())?;
        if s.unicode {
            check_string(s.body, true)?;
        }
        Some(())
    }

    pub fn literal(&mut self, lit: &[u8]) -> Option<()> {
        (self.b.get(self.i..self.i + lit.len())? == lit).then(|| self.i += lit.len())
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, serde_json's grammar.
    pub fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match self.peek()? {
            b'0' => {
                self.i += 1;
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return None;
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

}

/// The first byte at or after `from` that ends a run inside a string (`"`, `\\`, or a control
/// byte), or `bytes.len()`.
#[inline(always)]
fn next_string_special(bytes: &[u8], from: usize) -> usize {
    swar::find(bytes, from, string_specials, |b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Flags the bytes of `w` that end a run inside a string: `"`, `\\` and control bytes.
fn string_specials(w: u64) -> u64 {
    swar::below(w, 0x20) | swar::equal(w, b'"') | swar::equal(w, b'\\')
}

/// A string body as serde checks one it parses: UTF-8, escapes with paired surrogates.
pub fn check_string(body: &[u8], escaped: bool) -> Option<()> {
    let body = std::str::from_utf8(body).ok()?;
    if escaped {
        unescape_into(body, &mut String::new())?;
    }
    Some(())
}

fn hex4(h: &[u8]) -> Option<u16> {
    h.iter().try_fold(0u16, |n, &c| Some(n << 4 | (c as char).to_digit(16)? as u16))
}

/// Appends the unescaped text of a string body (escapes checked here: paired surrogates).
pub fn unescape_into(body: &str, out: &mut String) -> Option<()> {
    let mut rest = body;
    loop {
        let at = swar::find(rest.as_bytes(), 0, |w| swar::equal(w, b'\\'), |b| b == b'\\');
        if at == rest.len() {
            break;
        }
        let (plain, escape) = rest.split_at(at);
        out.push_str(plain);
        let (c, used) = escape_at(escape.as_bytes())?;
        out.push(c);
        rest = escape.get(used..)?;
    }
    out.push_str(rest);
    Some(())
}

/// The character of the escape at the start of `bytes` (a backslash) and the bytes it takes;
/// `None` for a malformed escape or an unpaired surrogate (serde_json refuses both).
fn escape_at(bytes: &[u8]) -> Option<(char, usize)> {
    Some(match bytes.get(1)? {
        b'n' => ('\n', 2),
        b't' => ('\t', 2),
        b'r' => ('\r', 2),
        b'b' => ('\u{8}', 2),
        b'f' => ('\u{c}', 2),
        &c @ (b'"' | b'\\' | b'/') => (c as char, 2),
        b'u' => {
            let first = hex4(bytes.get(2..6)?)?;
            match first {
                0xD800..=0xDBFF => {
                    let low = bytes.get(6..8).filter(|b| *b == &b"\\u"[..]).and_then(|_| hex4(bytes.get(8..12)?))?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    let code = 0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    (char::from_u32(code)?, 12)
                }
                0xDC00..=0xDFFF => return None,
                _ => (char::from_u32(u32::from(first))?, 6),
            }
        }
        _ => return None,
    })
}


#[cfg(test)]
pub mod tests {
    use super::*;

    /// Escapes at every offset from a word boundary, one to three per word, and split across
    /// words: the word-at-a-time copy and the skip give serde_json's text and end.
    #[test]
    fn strings_with_escapes_at_every_offset() {
        let escapes = ["\\n", "\\\"", "\\\\", "\\/", "\\t", "\\r", "\\b", "\\f", "\\u00e9", "\\ud83d\\ude00", "é", "#", "]"];
        for lead in 0..17 {
            for (a, first) in escapes.iter().enumerate() {
                for gap in 0..10 {
                    let second = escapes[(a * 5 + gap) % escapes.len()];
                    let third = escapes[(a + gap) % escapes.len()];
                    let body = format!("{}{first}{}{second}{third}xyz{}", "a".repeat(lead), "b".repeat(gap), "c".repeat(lead % 9));
                    for tail in ["", "}", r#", "k": 1}"#] {
                        let json = format!("\"{body}\"{tail}");
                        let want: String = serde_json::Deserializer::from_str(&json).into_iter::<String>().next().unwrap().unwrap();
                        let mut dst = vec![0; json.len()];
                        let mut lex = Lexer::new(json.as_bytes());
                        let n = lex.string_to(&mut dst).unwrap();
                        assert_eq!(std::str::from_utf8(&dst[..n]).unwrap(), want, "{json}");
                        assert_eq!(lex.i, body.len() + 2, "{json}");
                        let mut lex = Lexer::new(json.as_bytes());
                        let s = lex.string().unwrap();
                        assert_eq!((s.body, lex.i, s.escaped), (body.as_bytes(), body.len() + 2, body.contains('\\')), "{json}");
                    }
                }
            }
        }
        for bad in ["\"a\\x\"", "\"aaaaaaa\\x\"", "\"aaaaaa\\\u{1}\"", "\"\\ud800\"", "\"aaaaaaaaaaaa\u{1f}\""] {
            let ok_serde = serde_json::from_str::<String>(bad).is_ok();
            let mut dst = vec![0; bad.len()];
            let copied = Lexer::new(bad.as_bytes()).string_to(&mut dst).is_some();
            assert!(!ok_serde && !copied, "{bad}");
        }
    }
}
