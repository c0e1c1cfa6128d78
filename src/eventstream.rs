//! An incremental decoder for AWS's `application/vnd.amazon.eventstream` framing, the body of
//! Bedrock's InvokeModelWithResponseStream and ConverseStream answers, plus the two Bedrock
//! readings of its messages (`classify`, `chunk_bytes`). No I/O: the wasm layer feeds the chunks.
//!
//! Decision: our own ~200-line decoder rather than `aws-smithy-eventstream` 0.61.6. The crate
//! would add only 2 crates (itself and `crc32fast`), but it needs Rust 1.94.1 (we keep 1.80), puts no
//! bound on the frame length, checks the prelude CRC only once the whole frame is buffered, and
//! leaves the buffering to the caller, while `crc32fast`'s portable path (the one wasm gets) carries
//! 16 KiB of tables; this file's slice-by-8 CRC32 uses 8 KiB built at compile time (slice-by-16
//! measured no faster in V8) and adds no dependency.
//!
//! ```text
//!  frame   = total_len:u32  headers_len:u32  prelude_crc:u32  headers  payload  message_crc:u32
//!  header  = name_len:u8  name  type:u8  value        (all integers big-endian)
//!  prelude_crc covers the first 8 bytes; message_crc covers everything before it (CRC32, IEEE).
//! ```

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::swar;

/// Prelude: total length, headers length, prelude CRC.
const PRELUDE_LEN: usize = 12;
/// The trailing message CRC.
const CRC_LEN: usize = 4;
/// The smallest frame: a prelude and a message CRC.
const MIN_FRAME_LEN: usize = PRELUDE_LEN + CRC_LEN;
/// The longest frame we accept (Bedrock's chunks are a few KiB).
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;
/// String and bytes values carry a 2-byte length, but the format limits them to `i16::MAX`
/// (as AWS's C, Java, Go and Rust implementations do).
pub const MAX_HEADER_VALUE_LEN: usize = i16::MAX as usize;
/// A name's length is one byte.
pub const MAX_HEADER_NAME_LEN: usize = u8::MAX as usize;

/// One header's value, by the format's type byte (0–9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// Types 0 (true) and 1 (false): no value bytes.
    Bool(bool),
    /// Type 2.
    Byte(i8),
    /// Type 3.
    Int16(i16),
    /// Type 4.
    Int32(i32),
    /// Type 5.
    Int64(i64),
    /// Type 6: 2-byte length, bytes.
    Bytes(Vec<u8>),
    /// Type 7: 2-byte length, UTF-8.
    String(String),
    /// Type 8: epoch milliseconds.
    Timestamp(i64),
    /// Type 9: 16 bytes.
    Uuid([u8; 16]),
}

/// One decoded frame: its headers in order (names may repeat) and its payload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub headers: Vec<(String, HeaderValue)>,
    pub payload: Vec<u8>,
}

/// One header's value, borrowed from its frame (what `Frame::headers` yields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderRef<'a> {
    Bool(bool),
    Byte(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Bytes(&'a [u8]),
    String(&'a str),
    Timestamp(i64),
    Uuid([u8; 16]),
}

impl From<HeaderRef<'_>> for HeaderValue {
    fn from(v: HeaderRef<'_>) -> Self {
        match v {
            HeaderRef::Bool(b) => HeaderValue::Bool(b),
            HeaderRef::Byte(b) => HeaderValue::Byte(b),
            HeaderRef::Int16(n) => HeaderValue::Int16(n),
            HeaderRef::Int32(n) => HeaderValue::Int32(n),
            HeaderRef::Int64(n) => HeaderValue::Int64(n),
            HeaderRef::Bytes(b) => HeaderValue::Bytes(b.to_vec()),
            HeaderRef::String(s) => HeaderValue::String(s.to_string()),
            HeaderRef::Timestamp(t) => HeaderValue::Timestamp(t),
            HeaderRef::Uuid(u) => HeaderValue::Uuid(u),
        }
    }
}

/// One checked frame, borrowed from the bytes it was decoded from: no copy of its headers or
/// payload (the decoder hands these to a callback; `Message` is the owned form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The headers section, already checked by `decode_frame`.
    headers: &'a [u8],
    pub payload: &'a [u8],
    /// Each `KNOWN` header's first value: `Some(Some(text))` a string, `Some(None)` another type,
    /// `None` absent. Read while checking (Bedrock's readers ask for these on every frame).
    known: [Option<Option<&'a str>>; KNOWN.len()],
}

/// The last headers section checked and its `KNOWN` values: a stream repeats one header block
/// on every chunk, so an identical block (one comparison) is not parsed again.
#[derive(Debug, Clone, Default)]
struct HeaderMemo {
    bytes: Vec<u8>,
    known: [Option<Option<String>>; KNOWN.len()],
}

impl HeaderMemo {
    /// Checks `headers` (unless they are the block checked last) and remembers their `KNOWN` values.
    fn check(&mut self, headers: &[u8]) -> Result<()> {
        if swar::eq(&self.bytes, headers) {
            return Ok(());
        }
        let mut known: [Option<Option<String>>; KNOWN.len()] = Default::default();
        let mut iter = HeaderIter { r: Reader { rest: headers }, index: 0 };
        for header in &mut iter {
            let (name, value) = header.inspect_err(|_| self.bytes.clear())?;
            if let Some(slot) = KNOWN.iter().position(|k| *k == name).and_then(|i| known.get_mut(i)) {
                slot.get_or_insert_with(|| if let HeaderRef::String(s) = value { Some(s.to_string()) } else { None });
            }
        }
        self.bytes.clear();
        self.bytes.extend_from_slice(headers);
        self.known = known;
        Ok(())
    }

    fn known(&self) -> [Option<Option<&str>>; KNOWN.len()] {
        let mut out = [None; KNOWN.len()];
        for (slot, value) in out.iter_mut().zip(&self.known) {
            *slot = value.as_ref().map(Option::as_deref);
        }
        out
    }
}

/// The headers Bedrock's messages are read by (`Frame::known` takes their index).
const KNOWN: [&str; 5] = [MESSAGE_TYPE.1, EVENT_TYPE.1, EXCEPTION_TYPE.1, ERROR_CODE.1, ERROR_MESSAGE.1];
/// A `KNOWN` header: its index and name.
type KnownHeader = (usize, &'static str);
const MESSAGE_TYPE: KnownHeader = (0, ":message-type");
const EVENT_TYPE: KnownHeader = (1, ":event-type");
const EXCEPTION_TYPE: KnownHeader = (2, ":exception-type");
const ERROR_CODE: KnownHeader = (3, ":error-code");
const ERROR_MESSAGE: KnownHeader = (4, ":error-message");

impl<'a> Frame<'a> {
    /// The headers in order (names may repeat).
    pub fn headers(&self) -> HeaderIter<'a> {
        HeaderIter { r: Reader { rest: self.headers }, index: 0 }
    }

    /// A `KNOWN` header's first value if it is a string (`header_str` without the name lookup).
    fn known(&self, (index, _): KnownHeader) -> Option<&'a str> {
        self.known.get(index).copied().flatten().flatten()
    }

    /// The first header named `name` if it is a string.
    pub fn header_str(&self, name: &str) -> Option<&'a str> {
        match KNOWN.iter().position(|k| *k == name) {
            Some(i) => self.known.get(i).copied().flatten().flatten(),
            None => match self.headers().map_while(Result::ok).find(|(n, _)| *n == name) {
                Some((_, HeaderRef::String(s))) => Some(s),
                _ => None,
            },
        }
    }

    pub fn to_message(&self) -> Message {
        let headers = self.headers().map_while(Result::ok).map(|(n, v)| (n.to_string(), v.into())).collect();
        Message { headers, payload: self.payload.to_vec() }
    }
}

fn stream_error(code: &str, message: impl Into<String>, hint: &str) -> Error {
    Error::stream(code, message, hint)
}

const HINT_CORRUPT: &str =
    "The response stream was corrupted in transit or is not an AWS event stream; retry the call.";

fn header_error(message: String) -> Error {
    stream_error("STREAM_HEADER", message, HINT_CORRUPT)
}

// ---------------------------------------------------------------------------------------------
// CRC32 (IEEE 802.3, reflected, as zlib): slice-by-8 tables built at compile time.

/// Slice-by-8 CRC32 (IEEE) tables, built at compile time: `CRC_TABLES[0]` is the classic
/// byte table, `CRC_TABLES[k]` advances a byte through k more zero bytes. 8 KiB of data.
// Evaluated at compile time: an index out of range would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const CRC_TABLES: [[u32; 256]; 8] = {
    let mut tables = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        tables[0][i] = c;
        i += 1;
    }
    let mut t = 1;
    while t < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = tables[t - 1][i];
            tables[t][i] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            i += 1;
        }
        t += 1;
    }
    tables
};

/// CRC32 of `bytes`, eight bytes per step.
pub fn crc32(bytes: &[u8]) -> u32 {
    let [t0, t1, t2, t3, t4, t5, t6, t7] = &CRC_TABLES;
    // Each index is one byte of a u32, so in range of the 256-entry tables: the fallback is
    // never taken and the bounds checks compile away.
    let at = |t: &[u32; 256], i: u32| t.get((i & 0xFF) as usize).copied().unwrap_or(0);
    let byte = |c: u32, b: u8| at(t0, c ^ u32::from(b)) ^ (c >> 8);
    let mut chunks = bytes.chunks_exact(8);
    let mut c = !0u32;
    for chunk in &mut chunks {
        let Ok([b0, b1, b2, b3, b4, b5, b6, b7]) = <[u8; 8]>::try_from(chunk) else { continue };
        let lo = c ^ u32::from_le_bytes([b0, b1, b2, b3]);
        let hi = u32::from_le_bytes([b4, b5, b6, b7]);
        c = at(t7, lo) ^ at(t6, lo >> 8) ^ at(t5, lo >> 16) ^ at(t4, lo >> 24) ^ at(t3, hi) ^ at(t2, hi >> 8) ^ at(t1, hi >> 16) ^ at(t0, hi >> 24);
    }
    !chunks.remainder().iter().fold(c, |c, &b| byte(c, b))
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    // Callers pass a 12-byte prelude or a ≥ 4-byte tail; the fallback 0 is never reached.
    bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes).unwrap_or(0)
}

/// Checks a 12-byte prelude and returns `(total_len, headers_len)`.
fn read_prelude(prelude: &[u8]) -> Result<(usize, usize)> {
    let (lengths, _) = prelude.split_at(8.min(prelude.len()));
    let (found, expected) = (be_u32(prelude, 8), crc32(lengths));
    if found != expected {
        return Err(stream_error(
            "STREAM_CRC",
            format!("event-stream prelude CRC32 mismatch: expected {expected:#010x} (computed), found {found:#010x} (in the frame)"),
            HINT_CORRUPT,
        ));
    }
    let total = be_u32(prelude, 0) as usize;
    let headers = be_u32(prelude, 4) as usize;
    if total < MIN_FRAME_LEN {
        return Err(stream_error(
            "STREAM_FRAME",
            format!("event-stream frame length {total} is shorter than the 16-byte minimum"),
            HINT_CORRUPT,
        ));
    }
    if total > MAX_FRAME_LEN {
        return Err(stream_error(
            "STREAM_FRAME",
            format!("event-stream frame length {total} exceeds the {MAX_FRAME_LEN}-byte (16 MiB) limit"),
            HINT_CORRUPT,
        ));
    }
    if headers > total - MIN_FRAME_LEN {
        return Err(stream_error(
            "STREAM_FRAME",
            format!(
                "event-stream headers length {headers} does not fit in a {total}-byte frame (at most {})",
                total - MIN_FRAME_LEN
            ),
            HINT_CORRUPT,
        ));
    }
    Ok((total, headers))
}

/// Decodes one whole frame whose prelude `read_prelude` accepted (`frame.len() == total`).
fn decode_frame<'a>(frame: &'a [u8], headers_len: usize, memo: &'a mut HeaderMemo) -> Result<Frame<'a>> {
    if frame.len() < MIN_FRAME_LEN || headers_len > frame.len() - MIN_FRAME_LEN {
        return Err(stream_error("STREAM_FRAME", "event-stream frame is shorter than its prelude says", HINT_CORRUPT));
    }
    let (covered, tail) = frame.split_at(frame.len() - CRC_LEN);
    let (found, expected) = (be_u32(tail, 0), crc32(covered));
    if found != expected {
        return Err(stream_error(
            "STREAM_CRC",
            format!("event-stream message CRC32 mismatch: expected {expected:#010x} (computed), found {found:#010x} (in the frame)"),
            HINT_CORRUPT,
        ));
    }
    let (_, rest) = covered.split_at(PRELUDE_LEN);
    let (headers, payload) = rest.split_at(headers_len);
    memo.check(headers)?;
    let memo: &'a HeaderMemo = memo;
    Ok(Frame { headers, payload, known: memo.known() })
}

/// A cursor over the headers section that never reads past its end.
#[derive(Debug, Clone)]
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).and_then(|b| b.try_into().ok())
    }

    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }
}

/// Iterates a frame's headers: `(name, value)`, or the error that stops it (then `None`).
#[derive(Debug, Clone)]
pub struct HeaderIter<'a> {
    r: Reader<'a>,
    index: usize,
}

impl<'a> Iterator for HeaderIter<'a> {
    type Item = Result<(&'a str, HeaderRef<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.r.rest.is_empty() {
            return None;
        }
        let item = next_header(&mut self.r, self.index);
        self.index += 1;
        if item.is_err() {
            self.r.rest = &[];
        }
        Some(item)
    }
}

fn next_header<'a>(r: &mut Reader<'a>, index: usize) -> Result<(&'a str, HeaderRef<'a>)> {
    let name_len = r.u8().map(usize::from).unwrap_or(0);
    let name = r.take(name_len).ok_or_else(|| {
        header_error(format!(
            "event-stream header #{index}: its {name_len}-byte name runs past the end of the headers ({} bytes left)",
            r.rest.len()
        ))
    })?;
    let name = std::str::from_utf8(name).map_err(|_| header_error(format!("event-stream header #{index}: its name is not UTF-8")))?;
    Ok((name, decode_value(r, name)?))
}

fn decode_value<'a>(r: &mut Reader<'a>, name: &str) -> Result<HeaderRef<'a>> {
    let short = |what: &str| header_error(format!("event-stream header `{name}`: its {what} value runs past the end of the headers"));
    let Some(kind) = r.u8() else { return Err(short("type of")) };
    Ok(match kind {
        0 => HeaderRef::Bool(true),
        1 => HeaderRef::Bool(false),
        2 => HeaderRef::Byte(i8::from_be_bytes(r.array().ok_or_else(|| short("byte"))?)),
        3 => HeaderRef::Int16(i16::from_be_bytes(r.array().ok_or_else(|| short("int16"))?)),
        4 => HeaderRef::Int32(i32::from_be_bytes(r.array().ok_or_else(|| short("int32"))?)),
        5 => HeaderRef::Int64(i64::from_be_bytes(r.array().ok_or_else(|| short("int64"))?)),
        6 | 7 => {
            let what = if kind == 6 { "bytes" } else { "string" };
            let len = usize::from(u16::from_be_bytes(r.array().ok_or_else(|| short(what))?));
            if len > MAX_HEADER_VALUE_LEN {
                return Err(header_error(format!(
                    "event-stream header `{name}`: its {what} value is {len} bytes long, more than the {MAX_HEADER_VALUE_LEN} the format allows"
                )));
            }
            let value = r.take(len).ok_or_else(|| short(what))?;
            if kind == 6 {
                HeaderRef::Bytes(value)
            } else {
                let s = std::str::from_utf8(value)
                    .map_err(|_| header_error(format!("event-stream header `{name}`: its string value is not UTF-8")))?;
                HeaderRef::String(s)
            }
        }
        8 => HeaderRef::Timestamp(i64::from_be_bytes(r.array().ok_or_else(|| short("timestamp"))?)),
        9 => HeaderRef::Uuid(r.array().ok_or_else(|| short("uuid"))?),
        other => {
            return Err(header_error(format!("event-stream header `{name}` has unknown value type {other} (known: 0 to 9)")))
        }
    })
}

// ---------------------------------------------------------------------------------------------

/// Incremental decoder: feed the body's chunks as they come, split anywhere.
///
/// It keeps only the bytes of the frame not yet complete; whole frames inside a chunk are decoded
/// straight from the chunk. The prelude (lengths and their CRC) is checked as soon as its 12 bytes
/// are in, so a corrupt length never makes it wait for (or buffer) up to 4 GiB. After an error it
/// stays failed: every later `push` and `finish` returns the same error.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    /// The unfinished frame's bytes (empty between frames).
    pending: Vec<u8>,
    /// `(total_len, headers_len)` once `pending` holds a checked prelude.
    prelude: Option<(usize, usize)>,
    failed: Option<Error>,
    memo: HeaderMemo,
}

impl Decoder {
    pub fn new() -> Self {
        Decoder::default()
    }

    /// Feeds any chunk (any split, one byte at a time included); returns the messages it
    /// completed, owned. An error drops the messages decoded earlier in the same chunk: the
    /// stream is broken either way.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Message>> {
        let mut out = Vec::new();
        self.push_frames(bytes, |frame| {
            out.push(frame.to_message());
            Ok(())
        })?;
        Ok(out)
    }

    /// Feeds any chunk and hands each frame it completes to `on_frame`, borrowed from `bytes` (or
    /// from the one unfinished frame kept between chunks): nothing is copied. An error, the
    /// decoder's or `on_frame`'s, stops the chunk and leaves the decoder failed.
    pub fn push_frames(&mut self, bytes: &[u8], mut on_frame: impl FnMut(Frame<'_>) -> Result<()>) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.push_inner(bytes, &mut on_frame) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.pending = Vec::new();
                self.prelude = None;
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    fn push_inner(&mut self, mut input: &[u8], on_frame: &mut impl FnMut(Frame<'_>) -> Result<()>) -> Result<()> {
        // 1. Complete the frame left over from earlier chunks.
        if !self.pending.is_empty() {
            if self.prelude.is_none() {
                let want = PRELUDE_LEN.saturating_sub(self.pending.len()).min(input.len());
                let (head, tail) = input.split_at(want);
                self.pending.extend_from_slice(head);
                input = tail;
                if self.pending.len() < PRELUDE_LEN {
                    return Ok(());
                }
                let prelude = read_prelude(&self.pending)?;
                self.pending.reserve_exact(prelude.0.saturating_sub(self.pending.len()));
                self.prelude = Some(prelude);
            }
            let Some((total, headers_len)) = self.prelude else { return Ok(()) };
            let want = total.saturating_sub(self.pending.len()).min(input.len());
            let (head, tail) = input.split_at(want);
            self.pending.extend_from_slice(head);
            input = tail;
            if self.pending.len() < total {
                return Ok(());
            }
            self.prelude = None;
            let frame = std::mem::take(&mut self.pending);
            on_frame(decode_frame(&frame, headers_len, &mut self.memo)?)?;
        }
        // 2. Whole frames straight from the input; keep only an unfinished tail.
        while !input.is_empty() {
            if input.len() < PRELUDE_LEN {
                self.pending.extend_from_slice(input);
                return Ok(());
            }
            let (prelude, _) = input.split_at(PRELUDE_LEN);
            let (total, headers_len) = read_prelude(prelude)?;
            if input.len() < total {
                self.pending.reserve_exact(total);
                self.pending.extend_from_slice(input);
                self.prelude = Some((total, headers_len));
                return Ok(());
            }
            let (frame, rest) = input.split_at(total);
            on_frame(decode_frame(frame, headers_len, &mut self.memo)?)?;
            input = rest;
        }
        Ok(())
    }

    /// At the end of the stream: `Ok(())` if no partial frame is pending, else `STREAM_TRUNCATED`
    /// (or the error the decoder failed with).
    pub fn finish(&self) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.pending.is_empty() {
            return Ok(());
        }
        let expected = match self.prelude {
            Some((total, _)) => format!("of its {total} bytes"),
            None => format!("of its {PRELUDE_LEN}-byte prelude"),
        };
        Err(stream_error(
            "STREAM_TRUNCATED",
            format!("the event stream ended inside a frame: {} bytes {expected} arrived", self.pending.len()),
            "The connection closed mid-answer; retry the call.",
        ))
    }

    /// Bytes held for the unfinished frame (never more than one frame).
    pub fn buffered(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
/// Encodes `msg` as one frame (tests and the simulator).
///
/// # Panics
/// If a header name is longer than 255 bytes, a string or bytes value longer than 32,767 bytes,
/// or the frame longer than 4 GiB: the format cannot carry them.
pub fn encode(msg: &Message) -> Vec<u8> {
    let mut headers = Vec::new();
    for (name, value) in &msg.headers {
        let name_len = u8::try_from(name.len()).unwrap_or_else(|_| panic!("event-stream header name `{name}` is over 255 bytes"));
        headers.push(name_len);
        headers.extend_from_slice(name.as_bytes());
        // The type byte, then the value: variable-length ones (bytes, string) behind a 2-byte length.
        let mut put = |kind: u8, sized: bool, bytes: &[u8]| {
            headers.push(kind);
            if sized {
                assert!(bytes.len() <= MAX_HEADER_VALUE_LEN, "event-stream header `{name}` value is over {MAX_HEADER_VALUE_LEN} bytes");
                headers.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            }
            headers.extend_from_slice(bytes);
        };
        match value {
            HeaderValue::Bool(b) => put(if *b { 0 } else { 1 }, false, &[]),
            HeaderValue::Byte(v) => put(2, false, &v.to_be_bytes()),
            HeaderValue::Int16(v) => put(3, false, &v.to_be_bytes()),
            HeaderValue::Int32(v) => put(4, false, &v.to_be_bytes()),
            HeaderValue::Int64(v) => put(5, false, &v.to_be_bytes()),
            HeaderValue::Bytes(b) => put(6, true, b),
            HeaderValue::String(s) => put(7, true, s.as_bytes()),
            HeaderValue::Timestamp(v) => put(8, false, &v.to_be_bytes()),
            HeaderValue::Uuid(v) => put(9, false, v),
        }
    }
    encode_raw(&headers, &msg.payload)
}

#[cfg(test)]
/// A frame around already-encoded header bytes (also used by tests to build malformed headers).
fn encode_raw(headers: &[u8], payload: &[u8]) -> Vec<u8> {
    let total = MIN_FRAME_LEN + headers.len() + payload.len();
    let total32 = u32::try_from(total).unwrap_or_else(|_| panic!("event-stream frame of {total} bytes is over 4 GiB"));
    let mut frame = Vec::with_capacity(total);
    frame.extend_from_slice(&total32.to_be_bytes());
    frame.extend_from_slice(&(headers.len() as u32).to_be_bytes());
    let prelude_crc = crc32(&frame);
    frame.extend_from_slice(&prelude_crc.to_be_bytes());
    frame.extend_from_slice(headers);
    frame.extend_from_slice(payload);
    let message_crc = crc32(&frame);
    frame.extend_from_slice(&message_crc.to_be_bytes());
    frame
}

// ---------------------------------------------------------------------------------------------
// Bedrock's reading of the messages.

/// What a Bedrock stream message means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent<'a> {
    /// `:message-type` `event`: `:event-type` (`chunk`, `messageStart`, `contentBlockDelta`, …).
    Event { event_type: &'a str, payload: &'a [u8] },
    /// `:message-type` `exception`: a modeled error (`throttlingException`, `modelStreamErrorException`, …).
    Exception { code: String, message: String },
    /// `:message-type` `error`: an unmodeled error from `:error-code` / `:error-message`.
    Error { code: String, message: String },
}

fn event_error(message: String) -> Error {
    stream_error("STREAM_EVENT", message, "The stream carried a message Bedrock does not send; retry the call, and report it if it persists.")
}

/// At most 200 characters of `payload` as text, for error messages.
fn preview(payload: &[u8]) -> String {
    let text = String::from_utf8_lossy(payload);
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or_default()),
        None => text.into_owned(),
    }
}

/// Reads `:message-type` and the headers that go with it (`STREAM_EVENT` when they are missing).
pub fn classify<'a>(frame: &Frame<'a>) -> Result<StreamEvent<'a>> {
    let header = |h: KnownHeader, what: &str| {
        frame.known(h).ok_or_else(|| {
            let name = h.1;
            event_error(format!("event-stream {what} message has no `{name}` string header (payload: {})", preview(frame.payload)))
        })
    };
    match frame.known(MESSAGE_TYPE) {
        Some("event") => Ok(StreamEvent::Event { event_type: header(EVENT_TYPE, "event")?, payload: frame.payload }),
        Some("exception") => {
            let code = header(EXCEPTION_TYPE, "exception")?.to_string();
            #[derive(Deserialize)]
            struct Body {
                #[serde(alias = "Message")]
                message: Option<String>,
            }
            let message = serde_json::from_slice::<Body>(frame.payload)
                .ok()
                .and_then(|b| b.message)
                .unwrap_or_else(|| String::from_utf8_lossy(frame.payload).into_owned());
            Ok(StreamEvent::Exception { code, message })
        }
        Some("error") => Ok(StreamEvent::Error {
            code: header(ERROR_CODE, "error")?.to_string(),
            message: frame.known(ERROR_MESSAGE).unwrap_or_default().to_string(),
        }),
        Some(other) => Err(event_error(format!("unknown event-stream `:message-type` `{other}` (expected event, exception or error)"))),
        None => Err(event_error(format!(
            "event-stream message has no `:message-type` string header (payload: {})",
            preview(frame.payload)
        ))),
    }
}

const CHUNK_HINT: &str = "Bedrock sent a `chunk` event that is not {\"bytes\": \"<base64>\"}; retry the call.";

/// Appends the model's bytes inside an InvokeModelWithResponseStream `chunk` event,
/// `{"bytes": "<base64>", "p": "<padding>"}`, to `out` (`STREAM_CHUNK` when it is not that).
pub fn chunk_bytes(payload: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    let fast = plain_bytes_field(payload).map(|b64| base64_simd::STANDARD.decode_append(b64, out));
    let decoded = match fast {
        Some(Ok(())) => Ok(()),
        // Not Bedrock's plain form, or not plain base64 (a JSON escape such as `\/`): serde decides.
        _ => {
            out.truncate(start);
            #[derive(Deserialize)]
            struct Chunk<'a> {
                // Borrowed unless the JSON escapes a character (then serde unescapes into a copy).
                #[serde(borrow)]
                bytes: std::borrow::Cow<'a, str>,
            }
            let chunk: Chunk = serde_json::from_slice(payload).map_err(|e| {
                stream_error("STREAM_CHUNK", format!("the `chunk` event's payload is not {{\"bytes\": \"<base64>\"}}: {e}"), CHUNK_HINT)
            })?;
            base64_simd::STANDARD.decode_append(chunk.bytes.as_bytes(), out)
        }
    };
    decoded.map_err(|e| stream_error("STREAM_CHUNK", format!("the `chunk` event's `bytes` is not base64: {e}"), CHUNK_HINT))
}

/// The `bytes` text of a payload exactly of Bedrock's form `{"bytes":"…"}` or
/// `{"bytes":"…","p":"…"}` (padding without escapes); `None` sends any other JSON through serde.
/// The text is not checked here: base64 has no `"`, `\\` or control characters, so the decoder
/// refuses any, and such payloads go through serde too. Both paths accept the same payloads.
fn plain_bytes_field(payload: &[u8]) -> Option<&[u8]> {
    let rest = payload.strip_prefix(br#"{"bytes":""#)?;
    let end = Some(swar::find(rest, 0, |w| swar::equal(w, b'"'), |c| c == b'"')).filter(|&e| e < rest.len())?;
    let (b64, tail) = rest.split_at(end);
    let padding_ok = match tail {
        br#""}"# => true,
        _ => {
            let padding = tail.strip_prefix(br#"","p":""#).and_then(|t| t.strip_suffix(br#""}"#));
            padding.is_some_and(|p| p.iter().all(|&c| c != b'"' && c != b'\\' && c >= 0x20))
        }
    };
    padding_ok.then_some(b64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn decode_all(bytes: &[u8]) -> Result<Vec<Message>> {
        let mut d = Decoder::new();
        let out = d.push(bytes)?;
        d.finish()?;
        Ok(out)
    }

    fn decode_bytewise(bytes: &[u8]) -> Result<Vec<Message>> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for b in bytes {
            out.extend(d.push(std::slice::from_ref(b))?);
            assert!(d.buffered() <= MAX_FRAME_LEN);
        }
        d.finish()?;
        Ok(out)
    }

    fn code(r: Result<Vec<Message>>) -> String {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Stream);
        assert_eq!((e.field.as_deref(), e.status, e.request_id.as_deref(), e.retryable), (None, None, None, false));
        e.code
    }

    fn s(v: &str) -> HeaderValue {
        HeaderValue::String(v.to_string())
    }

    fn msg(headers: &[(&str, HeaderValue)], payload: &[u8]) -> Message {
        Message { headers: headers.iter().map(|(n, v)| (n.to_string(), v.clone())).collect(), payload: payload.to_vec() }
    }

    /// Rewrites a frame's message CRC so that only its headers are wrong.
    fn reseal(mut frame: Vec<u8>) -> Vec<u8> {
        let n = frame.len() - 4;
        let crc = crc32(&frame[..n]);
        frame[n..].copy_from_slice(&crc.to_be_bytes());
        frame
    }

    #[test]
    fn crc32_known_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let bytewise = !data.iter().fold(!0u32, |c, &b| CRC_TABLES[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8));
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 999, 1000] {
            let expect = !data[..len].iter().fold(!0u32, |c, &b| CRC_TABLES[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8));
            assert_eq!(crc32(&data[..len]), expect, "{len}");
        }
        assert_eq!(crc32(&data), bytewise);
    }

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
    }

    // Byte vectors from smithy-lang/smithy-rs, rust-runtime/aws-smithy-eventstream/test_data/
    // (Apache-2.0), as published in aws-smithy-eventstream 0.61.6. Only the bytes are reused.
    const AWS_ALL_HEADERS: &str = "
        00000096 0000007a 8bb495fb 04747275 65000566 616c7365 01046279 74650232
        0573686f 7274034e 2003696e 74040007 a120046c 6f6e6705 0000000b a43b7400
        05627974 65730600 0a736f6d 65206279 74657303 73747207 0008736f 6d652073
        74720474 696d6508 00000001 2a05f200 04757569 6409b79b c914de21 4e13b8b2
        bc47e85b 7f0b736f 6d652070 61796c6f 616401a0 5860";
    const AWS_EMPTY_PAYLOAD: &str = "0000001f 0000000f 172dc2ab 0b736f6d 652d6865 61646572 0301f493 3c5cad";
    const AWS_NO_HEADERS: &str =
        "00000024 00000000 516356ad 616e6f74 68657220 74657374 20706179 6c6f6164 8df80e65";
    const AWS_INVALID_HEADERS_LENGTH: &str = "
        00000059 0000004d 584c4ffe 04747275 65000566 616c7365 01046279 74650232
        0573686f 7274034e 2003696e 74040007 a120046c 6f6e6705 0000000b a43b7400
        05627974 65730600 0a736f6d 65206279 74657303 73747207 ff";

    fn aws_all_headers_message() -> Message {
        msg(
            &[
                ("true", HeaderValue::Bool(true)),
                ("false", HeaderValue::Bool(false)),
                ("byte", HeaderValue::Byte(50)),
                ("short", HeaderValue::Int16(20_000)),
                ("int", HeaderValue::Int32(500_000)),
                ("long", HeaderValue::Int64(50_000_000_000)),
                ("bytes", HeaderValue::Bytes(b"some bytes".to_vec())),
                ("str", s("some str")),
                ("time", HeaderValue::Timestamp(5_000_000_000)),
                ("uuid", HeaderValue::Uuid(0xb79bc914_de21_4e13_b8b2_bc47e85b7f0b_u128.to_be_bytes())),
            ],
            b"some payload",
        )
    }

    #[test]
    fn aws_vectors_decode_to_their_documented_values() {
        let all = hex(AWS_ALL_HEADERS);
        assert_eq!(all.len(), 150);
        assert_eq!(decode_all(&all).unwrap(), vec![aws_all_headers_message()]);
        assert_eq!(encode(&aws_all_headers_message()), all, "encode is byte-exact");

        assert_eq!(decode_all(&hex(AWS_EMPTY_PAYLOAD)).unwrap(), vec![msg(&[("some-header", HeaderValue::Int16(500))], b"")]);
        assert_eq!(decode_all(&hex(AWS_NO_HEADERS)).unwrap(), vec![msg(&[], b"another test payload")]);

        // From awslabs/aws-c-event-stream tests/message_deserializer_test.c (as quoted by smithy-rs).
        let crt_no_headers = hex("0000001D 00000000 fd528c5a 7b27666f 6f273a27 62617227 7dc36539 36");
        assert_eq!(decode_all(&crt_no_headers).unwrap(), vec![msg(&[], b"{'foo':'bar'}")]);
        let crt_one_header = hex(
            "0000003D 00000020 07FD8396 0C636F6E 74656E74 2D747970 65070010 6170706C
             69636174 696F6E2F 6A736F6E 7b27666f 6f273a27 62617227 7d8D9C08 B1",
        );
        assert_eq!(
            decode_all(&crt_one_header).unwrap(),
            vec![msg(&[("content-type", s("application/json"))], b"{'foo':'bar'}")]
        );

        // All five frames back to back, whole and one byte at a time.
        let stream = [all.clone(), hex(AWS_EMPTY_PAYLOAD), hex(AWS_NO_HEADERS), crt_no_headers, crt_one_header].concat();
        let whole = decode_all(&stream).unwrap();
        assert_eq!(whole.len(), 5);
        assert_eq!(decode_bytewise(&stream).unwrap(), whole);
    }

    #[test]
    fn aws_invalid_vectors_give_typed_errors() {
        let all = hex(AWS_ALL_HEADERS);
        // invalid_prelude_checksum: the prelude CRC replaced by 0xDEADBEEF.
        let mut bad = all.clone();
        bad[8..12].copy_from_slice(&[0xDE, 0xAD, 0xBE, 0xEF]);
        let e = decode_all(&bad).unwrap_err();
        assert_eq!(e.code, "STREAM_CRC");
        assert_eq!(
            e.message,
            "event-stream prelude CRC32 mismatch: expected 0x8bb495fb (computed), found 0xdeadbeef (in the frame)"
        );
        // invalid_message_checksum: the message CRC replaced by 0xDEADBEEF.
        let mut bad = all.clone();
        bad[146..].copy_from_slice(&[0xDE, 0xAD, 0xBE, 0xEF]);
        let e = decode_all(&bad).unwrap_err();
        assert_eq!(e.code, "STREAM_CRC");
        assert_eq!(
            e.message,
            "event-stream message CRC32 mismatch: expected 0x01a05860 (computed), found 0xdeadbeef (in the frame)"
        );
        // invalid_headers_length: 77 header bytes in an 89-byte frame.
        let e = decode_all(&hex(AWS_INVALID_HEADERS_LENGTH)).unwrap_err();
        assert_eq!(e.code, "STREAM_FRAME");
        assert_eq!(e.message, "event-stream headers length 77 does not fit in a 89-byte frame (at most 73)");

        // smithy-rs's invalid_header_value_type / invalid_header_name_length /
        // invalid_header_string_value_length change one header byte but keep the old message
        // CRC: we check the CRC before reading headers, so they are STREAM_CRC; re-sealed with a
        // correct CRC they are STREAM_HEADER.
        for (at, byte, message) in [
            (0x1e, 0x60, "event-stream header `byte` has unknown value type 96 (known: 0 to 9)"),
            (0x19, 0xff, "event-stream header #2: its 255-byte name runs past the end of the headers (108 bytes left)"),
            (0x58, 0xff, "event-stream header `str`: its string value is 65535 bytes long, more than the 32767 the format allows"),
        ] {
            let mut bad = all.clone();
            bad[at] = byte;
            if at == 0x58 {
                bad[0x59] = 0xff;
            }
            assert_eq!(code(decode_all(&bad)), "STREAM_CRC");
            let e = decode_all(&reseal(bad)).unwrap_err();
            assert_eq!((e.code.as_str(), e.message.as_str()), ("STREAM_HEADER", message));
        }
    }

    #[test]
    fn hand_made_frame_with_every_header_type() {
        let m = msg(
            &[
                ("t", HeaderValue::Bool(true)),
                ("f", HeaderValue::Bool(false)),
                ("b", HeaderValue::Byte(-2)),
                ("i16", HeaderValue::Int16(-300)),
                ("i32", HeaderValue::Int32(-70_000)),
                ("i64", HeaderValue::Int64(-5_000_000_000)),
                ("raw", HeaderValue::Bytes(vec![0, 1, 255])),
                ("s", s("héllo")),
                ("ts", HeaderValue::Timestamp(1_700_000_000_123)),
                ("id", HeaderValue::Uuid([7; 16])),
            ],
            b"{}",
        );
        let frame = encode(&m);
        // Header bytes spelled out, so encode and decode can't agree on a wrong layout.
        let headers = [
            &[1, b't', 0][..],
            &[1, b'f', 1],
            &[1, b'b', 2, 0xFE],
            &[3, b'i', b'1', b'6', 3, 0xFE, 0xD4],
            &[3, b'i', b'3', b'2', 4, 0xFF, 0xFE, 0xEE, 0x90],
            &[3, b'i', b'6', b'4', 5, 0xFF, 0xFF, 0xFF, 0xFE, 0xD5, 0xFA, 0x0E, 0x00],
            &[3, b'r', b'a', b'w', 6, 0, 3, 0, 1, 255],
            &[1, b's', 7, 0, 6, b'h', 0xC3, 0xA9, b'l', b'l', b'o'],
            &[2, b't', b's', 8, 0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B],
            &[2, b'i', b'd', 9, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7],
        ]
        .concat();
        assert_eq!(frame, encode_raw(&headers, b"{}"));
        assert_eq!(&frame[..4], &(16 + headers.len() as u32 + 2).to_be_bytes());
        let got = decode_all(&frame).unwrap();
        assert_eq!(got, vec![m.clone()]);
        with_frame(&m, |f| {
            assert_eq!(f.header_str("s"), Some("héllo"));
            assert_eq!(f.header_str("i16"), None, "not a string");
            assert_eq!(f.header_str("nope"), None);
        });
        assert_eq!(decode_bytewise(&frame).unwrap(), vec![m]);
        // Empty everything.
        assert_eq!(decode_all(&encode(&Message::default())).unwrap(), vec![Message::default()]);
        assert_eq!(encode(&Message::default()).len(), 16);
    }

    #[test]
    fn corrupted_crcs_are_stream_crc() {
        let frame = encode(&msg(&[(":event-type", s("chunk"))], b"payload"));
        let mut bad = frame.clone();
        bad[9] ^= 1;
        let e = decode_all(&bad).unwrap_err();
        assert_eq!(e.code, "STREAM_CRC");
        assert!(e.message.starts_with("event-stream prelude CRC32 mismatch"), "{}", e.message);
        let mut bad = frame.clone();
        let last = bad.len() - 5;
        bad[last] ^= 0x80; // a payload byte
        let e = decode_all(&bad).unwrap_err();
        assert_eq!(e.code, "STREAM_CRC");
        assert!(e.message.starts_with("event-stream message CRC32 mismatch"), "{}", e.message);
        assert_eq!(e.hint, HINT_CORRUPT);
    }

    #[test]
    fn truncated_stream_fails_at_finish() {
        let frame = encode(&msg(&[], b"hello"));
        let mut d = Decoder::new();
        assert!(d.finish().is_ok());
        assert_eq!(d.push(&frame[..5]).unwrap(), vec![]);
        let e = d.finish().unwrap_err();
        assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Stream, "STREAM_TRUNCATED"));
        assert_eq!(e.message, "the event stream ended inside a frame: 5 bytes of its 12-byte prelude arrived");
        assert_eq!(d.push(&frame[5..20]).unwrap(), vec![]);
        assert_eq!(d.finish().unwrap_err().message, "the event stream ended inside a frame: 20 bytes of its 21 bytes arrived");
        assert_eq!(d.push(&frame[20..]).unwrap().len(), 1);
        assert!(d.finish().is_ok());
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn frame_lengths_are_bounded() {
        let prelude = |total: u32, headers: u32| {
            let mut p = [total.to_be_bytes(), headers.to_be_bytes()].concat();
            let crc = crc32(&p);
            p.extend_from_slice(&crc.to_be_bytes());
            p
        };
        // Over 16 MiB: refused from the prelude alone, nothing buffered.
        let mut d = Decoder::new();
        let e = d.push(&prelude(16 * 1024 * 1024 + 1, 0)).unwrap_err();
        assert_eq!(e.code, "STREAM_FRAME");
        assert_eq!(e.message, "event-stream frame length 16777217 exceeds the 16777216-byte (16 MiB) limit");
        assert_eq!(d.buffered(), 0);
        assert_eq!(code(decode_all(&prelude(u32::MAX, 0))), "STREAM_FRAME");
        // Exactly 16 MiB is accepted (and waits for its bytes).
        let mut d = Decoder::new();
        assert_eq!(d.push(&prelude(16 * 1024 * 1024, 0)).unwrap(), vec![]);
        assert_eq!(d.finish().unwrap_err().code, "STREAM_TRUNCATED");
        // Under 16 bytes.
        let e = decode_all(&prelude(15, 0)).unwrap_err();
        assert_eq!(e.code, "STREAM_FRAME");
        assert_eq!(e.message, "event-stream frame length 15 is shorter than the 16-byte minimum");
        assert_eq!(code(decode_all(&prelude(0, 0))), "STREAM_FRAME");
        // Headers longer than total − 16.
        let e = decode_all(&prelude(20, 5)).unwrap_err();
        assert_eq!(e.message, "event-stream headers length 5 does not fit in a 20-byte frame (at most 4)");
        assert_eq!(code(decode_all(&prelude(20, u32::MAX))), "STREAM_FRAME");
        // Same errors when the prelude arrives a byte at a time.
        assert_eq!(code(decode_bytewise(&prelude(20, 5))), "STREAM_FRAME");
        assert_eq!(code(decode_bytewise(&prelude(16 * 1024 * 1024 + 1, 0))), "STREAM_FRAME");
    }

    #[test]
    fn malformed_headers_are_stream_header() {
        let cases: [(&[u8], &str); 9] = [
            (&[1, b'a', 10], "event-stream header `a` has unknown value type 10 (known: 0 to 9)"),
            (&[1, b'a', 0xFF], "event-stream header `a` has unknown value type 255 (known: 0 to 9)"),
            (&[5, b'a'], "event-stream header #0: its 5-byte name runs past the end of the headers (1 bytes left)"),
            (&[1, b'a'], "event-stream header `a`: its type of value runs past the end of the headers"),
            (&[1, b'a', 5, 0, 0, 0], "event-stream header `a`: its int64 value runs past the end of the headers"),
            (&[1, b'a', 7, 0, 3, b'x'], "event-stream header `a`: its string value runs past the end of the headers"),
            (&[1, b'a', 6, 0x80, 0x00], "event-stream header `a`: its bytes value is 32768 bytes long, more than the 32767 the format allows"),
            (&[1, b'a', 7, 0, 1, 0xFF], "event-stream header `a`: its string value is not UTF-8"),
            (&[0, 0, 2, 0xC3, 0x28, 0], "event-stream header #1: its name is not UTF-8"),
        ];
        for (headers, message) in cases {
            let frame = encode_raw(headers, b"p");
            let e = decode_all(&frame).unwrap_err();
            assert_eq!((e.code.as_str(), e.message.as_str()), ("STREAM_HEADER", message));
            assert_eq!(code(decode_bytewise(&frame)), "STREAM_HEADER");
        }
        // An empty name is allowed (as in AWS's decoders), and the value may use all its bytes.
        let frame = encode_raw(&[0, 0], b"");
        assert_eq!(decode_all(&frame).unwrap(), vec![msg(&[("", HeaderValue::Bool(true))], b"")]);
        let long = "x".repeat(MAX_HEADER_VALUE_LEN);
        let m = msg(&[(&"n".repeat(MAX_HEADER_NAME_LEN), s(&long))], b"");
        assert_eq!(decode_all(&encode(&m)).unwrap(), vec![m]);
    }

    #[test]
    fn decoder_stays_failed_and_keeps_messages_before() {
        let good = encode(&msg(&[], b"one"));
        let mut bad = encode(&msg(&[], b"two"));
        bad[13] ^= 1;
        let mut d = Decoder::new();
        assert_eq!(d.push(&good).unwrap().len(), 1);
        assert_eq!(d.push(&bad).unwrap_err().code, "STREAM_CRC");
        assert_eq!(d.buffered(), 0);
        assert_eq!(d.push(&good).unwrap_err().code, "STREAM_CRC");
        assert_eq!(d.push(&[]).unwrap_err().code, "STREAM_CRC");
        assert_eq!(d.finish().unwrap_err().code, "STREAM_CRC");
    }

    #[test]
    fn only_the_unfinished_frame_is_buffered() {
        let a = encode(&msg(&[], &[1; 100]));
        let b = encode(&msg(&[], &[2; 50]));
        let stream = [a.clone(), b.clone(), a.clone()].concat();
        let mut d = Decoder::new();
        // Frame a whole, frame b whole, 30 bytes of the third frame: only those 30 are kept.
        let split = a.len() + b.len() + 30;
        assert_eq!(d.push(&stream[..split]).unwrap().len(), 2);
        assert_eq!(d.buffered(), 30);
        let got = d.push(&stream[split..]).unwrap();
        assert_eq!(got, vec![msg(&[], &[1; 100])]);
        assert_eq!(d.buffered(), 0);
        assert_eq!(d.push(&[]).unwrap(), vec![]);
    }

    /// `check` gets `m` as a decoded frame.
    fn with_frame<T>(m: &Message, check: impl FnOnce(Frame<'_>) -> T) -> T {
        let bytes = encode(m);
        let (total, headers_len) = read_prelude(&bytes).unwrap();
        check(decode_frame(&bytes[..total], headers_len, &mut HeaderMemo::default()).unwrap())
    }

    fn classify_msg(m: &Message) -> Result<String> {
        with_frame(m, |f| classify(&f).map(|e| format!("{e:?}")))
    }

    #[test]
    fn frames_borrow_their_headers() {
        let m = aws_all_headers_message();
        with_frame(&m, |f| {
            assert_eq!(f.to_message(), m);
            assert_eq!(f.header_str("int"), None, "an int32 header is not a string");
            assert_eq!(f.header_str("str"), Some("some str"));
            assert_eq!(f.headers().nth(6).unwrap().unwrap(), ("bytes", HeaderRef::Bytes(b"some bytes")));
            assert_eq!(f.headers().count(), m.headers.len());
        });
    }

    #[test]
    fn a_repeated_header_block_reads_the_same() {
        let chunk = msg(&[(":event-type", s("chunk")), (":message-type", s("event"))], b"1");
        let other = msg(&[(":message-type", s("exception")), (":exception-type", s("throttlingException"))], b"2");
        let typed = msg(&[(":message-type", HeaderValue::Int32(7)), (":event-type", s("x"))], b"3");
        let stream: Vec<u8> = [&chunk, &chunk, &other, &chunk, &typed, &typed, &chunk].into_iter().flat_map(encode).collect();
        let mut seen = Vec::new();
        let mut d = Decoder::new();
        d.push_frames(&stream, |f| {
            let h = |name: &str| f.header_str(name).map(str::to_string);
            seen.push((h(":message-type"), h(":event-type"), h(":exception-type"), f.to_message()));
            Ok(())
        })
        .unwrap();
        let want = |m: &Message, t: Option<&str>, e: Option<&str>, x: Option<&str>| (t.map(String::from), e.map(String::from), x.map(String::from), m.clone());
        assert_eq!(
            seen,
            vec![
                want(&chunk, Some("event"), Some("chunk"), None),
                want(&chunk, Some("event"), Some("chunk"), None),
                want(&other, Some("exception"), None, Some("throttlingException")),
                want(&chunk, Some("event"), Some("chunk"), None),
                want(&typed, None, Some("x"), None),
                want(&typed, None, Some("x"), None),
                want(&chunk, Some("event"), Some("chunk"), None),
            ]
        );
        // A header block that differs from the remembered one by a byte is checked again.
        let mut bad = encode(&chunk);
        if let Some(b) = bad.get_mut(PRELUDE_LEN + 12) {
            *b = 99; // the first header's value type
        }
        let e = d.push(&reseal(bad)).unwrap_err();
        assert_eq!(e.code, "STREAM_HEADER");
    }

    #[test]
    fn classify_reads_bedrock_messages() {
        let event = msg(&[(":message-type", s("event")), (":event-type", s("chunk")), (":content-type", s("application/json"))], b"{}");
        with_frame(&event, |f| assert_eq!(classify(&f).unwrap(), StreamEvent::Event { event_type: "chunk", payload: b"{}" }));

        let exc = |payload: &[u8]| {
            let m = msg(&[(":message-type", s("exception")), (":exception-type", s("throttlingException"))], payload);
            with_frame(&m, |f| classify(&f).unwrap().clone().into_owned_error())
        };
        let want = |m: &str| ("throttlingException".to_string(), m.to_string());
        assert_eq!(exc(br#"{"message":"Too many requests"}"#), want("Too many requests"));
        assert_eq!(exc(br#"{"Message":"Rate exceeded"}"#), want("Rate exceeded"));
        assert_eq!(exc(b"plain text"), want("plain text"));
        assert_eq!(exc(br#"{"other":1}"#), want(r#"{"other":1}"#));

        let err = msg(&[(":message-type", s("error")), (":error-code", s("InternalFailure")), (":error-message", s("boom"))], b"");
        assert_eq!(classify_msg(&err).unwrap(), r#"Error { code: "InternalFailure", message: "boom" }"#);
        let err = msg(&[(":message-type", s("error")), (":error-code", s("InternalFailure"))], b"");
        assert_eq!(classify_msg(&err).unwrap(), r#"Error { code: "InternalFailure", message: "" }"#);

        for (bad, message) in [
            (msg(&[], b"x"), "event-stream message has no `:message-type` string header (payload: x)"),
            (msg(&[(":message-type", HeaderValue::Int32(1))], b""), "event-stream message has no `:message-type` string header (payload: )"),
            (msg(&[(":message-type", s("ping"))], b""), "unknown event-stream `:message-type` `ping` (expected event, exception or error)"),
            (msg(&[(":message-type", s("event"))], b"{}"), "event-stream event message has no `:event-type` string header (payload: {})"),
            (msg(&[(":message-type", s("exception"))], b""), "event-stream exception message has no `:exception-type` string header (payload: )"),
            (msg(&[(":message-type", s("error"))], b""), "event-stream error message has no `:error-code` string header (payload: )"),
        ] {
            let e = classify_msg(&bad).unwrap_err();
            assert_eq!((e.kind, e.code.as_str(), e.message.as_str()), (ErrorKind::Stream, "STREAM_EVENT", message));
        }
        let long = msg(&[], "é".repeat(300).as_bytes());
        assert!(classify_msg(&long).unwrap_err().message.ends_with(&format!("{}…)", "é".repeat(200))));
    }

    impl StreamEvent<'_> {
        fn into_owned_error(self) -> (String, String) {
            match self {
                StreamEvent::Exception { code, message } | StreamEvent::Error { code, message } => (code, message),
                StreamEvent::Event { .. } => panic!("not an error: {self:?}"),
            }
        }
    }

    fn chunk_of(payload: &[u8]) -> Result<Vec<u8>> {
        let mut out = b"kept".to_vec();
        chunk_bytes(payload, &mut out)?;
        assert_eq!(out.get(..4), Some(&b"kept"[..]), "appends");
        Ok(out.split_off(4))
    }

    #[test]
    fn chunk_bytes_decodes_base64() {
        let inner = br#"{"type":"content_block_delta","delta":{"text":"Hi"}}"#;
        let b64 = base64_simd::STANDARD.encode_to_string(inner);
        // Bedrock's exact form (the fast path) and other JSON spellings (through serde) agree.
        for payload in [
            format!(r#"{{"bytes":"{b64}","p":"abcdefghij"}}"#),
            format!(r#"{{"bytes":"{b64}"}}"#),
            format!(r#"{{ "bytes" : "{b64}", "p": "abc" }}"#),
            format!(r#"{{"p":"abc","bytes":"{b64}"}}"#),
            format!(r#"{{"bytes":"{}","p":"x"}}"#, b64.replace('/', "\\/")),
            format!(r#"{{"bytes":"{b64}","p":"é"}}"#),
        ] {
            assert_eq!(chunk_of(payload.as_bytes()).unwrap(), inner.to_vec(), "{payload}");
        }
        assert_eq!(chunk_of(br#"{"bytes":""}"#).unwrap(), Vec::<u8>::new());
        for bad in [&b"not json"[..], br#"{"p":"x"}"#, br#"{"bytes":5}"#, br#"{"bytes":"***"}"#, b"{\"bytes\":\"\",\"p\":\"\x01\"}", br#"{"bytes":"","p":"x"}x"#] {
            let e = chunk_of(bad).unwrap_err();
            assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Stream, "STREAM_CHUNK"), "{bad:?}");
        }
        assert!(chunk_of(br#"{"bytes":"***"}"#).unwrap_err().message.starts_with("the `chunk` event's `bytes` is not base64"));
    }

    #[test]
    fn bedrock_stream_end_to_end() {
        let chunk = |text: &str| {
            let body = format!(r#"{{"bytes":"{}","p":"xyz"}}"#, base64_simd::STANDARD.encode_to_string(text));
            encode(&msg(&[(":event-type", s("chunk")), (":content-type", s("application/json")), (":message-type", s("event"))], body.as_bytes()))
        };
        let stream = [chunk("Hel"), chunk("lo")].concat();
        let mut text = Vec::new();
        let mut d = Decoder::new();
        for b in &stream {
            d.push_frames(std::slice::from_ref(b), |f| match classify(&f)? {
                StreamEvent::Event { event_type: "chunk", payload } => chunk_bytes(payload, &mut text),
                other => panic!("{other:?}"),
            })
            .unwrap();
        }
        d.finish().unwrap();
        assert_eq!(text, b"Hello");
    }

    // --- property tests ---

    fn header_value() -> impl Strategy<Value = HeaderValue> {
        prop_oneof![
            any::<bool>().prop_map(HeaderValue::Bool),
            any::<i8>().prop_map(HeaderValue::Byte),
            any::<i16>().prop_map(HeaderValue::Int16),
            any::<i32>().prop_map(HeaderValue::Int32),
            any::<i64>().prop_map(HeaderValue::Int64),
            proptest::collection::vec(any::<u8>(), 0..24).prop_map(HeaderValue::Bytes),
            ".{0,12}".prop_map(HeaderValue::String),
            any::<i64>().prop_map(HeaderValue::Timestamp),
            any::<[u8; 16]>().prop_map(HeaderValue::Uuid),
        ]
    }

    fn message() -> impl Strategy<Value = Message> {
        (
            proptest::collection::vec((".{0,10}", header_value()), 0..6),
            proptest::collection::vec(any::<u8>(), 0..48),
        )
            .prop_map(|(headers, payload)| Message { headers, payload })
    }

    /// Feeds `bytes` cut at `cuts` (positions taken modulo the length).
    fn decode_split(bytes: &[u8], cuts: &[usize]) -> Result<Vec<Message>> {
        let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        at.push(0);
        at.push(bytes.len());
        at.sort_unstable();
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for w in at.windows(2) {
            out.extend(d.push(&bytes[w[0]..w[1]])?);
        }
        d.finish()?;
        Ok(out)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

        #[test]
        fn split_streams_decode_like_whole_ones(
            msgs in proptest::collection::vec(message(), 0..5),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let stream: Vec<u8> = msgs.iter().flat_map(encode).collect();
            prop_assert_eq!(&decode_all(&stream).unwrap(), &msgs);
            prop_assert_eq!(&decode_split(&stream, &cuts).unwrap(), &msgs);
        }

        #[test]
        fn flipped_bytes_give_typed_errors(
            msgs in proptest::collection::vec(message(), 1..4),
            flip_at in any::<usize>(),
            flip in 1u8..=255,
            cuts in proptest::collection::vec(any::<usize>(), 0..6),
        ) {
            let mut stream: Vec<u8> = msgs.iter().flat_map(encode).collect();
            let at = flip_at % stream.len();
            stream[at] ^= flip;
            match decode_split(&stream, &cuts) {
                Err(e) => {
                    prop_assert_eq!(e.kind, ErrorKind::Stream);
                    prop_assert!(["STREAM_CRC", "STREAM_FRAME", "STREAM_HEADER", "STREAM_TRUNCATED"].contains(&e.code.as_str()), "{}", e.code);
                }
                // Only if a CRC failed to see the flip (CRC32 catches every single-byte change).
                Ok(got) => prop_assert_eq!(got.len(), msgs.len()),
            }
        }

        #[test]
        fn random_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
            cuts in proptest::collection::vec(any::<usize>(), 0..4),
        ) {
            // Raw garbage (almost always a prelude CRC error), then the same bytes as the headers
            // of a frame with correct CRCs, which reaches the header parser.
            for stream in [bytes.clone(), encode_raw(&bytes, b"p")] {
                if let Err(e) = decode_split(&stream, &cuts) {
                    prop_assert_eq!(e.kind, ErrorKind::Stream);
                    prop_assert!(["STREAM_CRC", "STREAM_FRAME", "STREAM_HEADER", "STREAM_TRUNCATED"].contains(&e.code.as_str()), "{}", e.code);
                }
            }
        }
    }
}
