//! Byte scans eight bytes at a time (SWAR, "SIMD within a register") for the hot loops: a
//! chunk's base64, chunk JSON strings, template escaping, UTF-16 lengths and text for JS. wasm32's `memchr` and `memcmp` go a
//! word of four bytes, or one byte, at a time.
//!
//! A byte is flagged by bit 7 of its lane. For the lowest flagged lane the tests below are exact
//! (a borrow only runs from a flagged lane upwards), which is all `find` reads.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Flags the bytes of `w` below `n` (`n` ≤ 0x80).
pub fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH
}

/// Flags the bytes of `w` equal to `b`.
pub fn equal(w: u64, b: u8) -> u64 {
    below(w ^ (ONES * u64::from(b)), 1)
}

/// The first index at or after `from` whose byte `hit` accepts, or `bytes.len()`. `flags` is
/// the same test on eight bytes at once (a little-endian word).
pub fn find(bytes: &[u8], from: usize, flags: impl Fn(u64) -> u64, hit: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while let Some(word) = bytes.get(i..i + 8) {
        let f = flags(<[u8; 8]>::try_from(word).map(u64::from_le_bytes).unwrap_or(0));
        if f != 0 {
            return i + (f.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let tail = bytes.get(i..).unwrap_or_default();
    tail.iter().position(|&b| hit(b)).map_or(bytes.len(), |p| i + p)
}

/// `a == b`, eight bytes per step.
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    x.by_ref().zip(y.by_ref()).all(|(p, q)| p == q) && x.remainder() == y.remainder()
}

/// The length in UTF-16 code units (JS string indices) of UTF-8 `bytes`: one per byte, less one
/// per continuation byte (`10xxxxxx`), plus one per 4-byte lead (`11110xxx`, a surrogate pair).
/// Eight bytes per step.
pub fn utf16_len(bytes: &[u8]) -> u32 {
    let per_word = |w: u64| {
        let continuation = w & !(w << 1) & HIGH;
        let four_byte_lead = w & (w << 1) & (w << 2) & (w << 3) & HIGH;
        8 - continuation.count_ones() + four_byte_lead.count_ones()
    };
    let mut words = bytes.chunks_exact(8);
    let mut units = 0;
    for word in &mut words {
        units += <[u8; 8]>::try_from(word).map(|w| per_word(u64::from_le_bytes(w))).unwrap_or(0);
    }
    units + words.remainder().iter().map(|&b| u32::from(b & 0xC0 != 0x80) + u32::from(b >= 0xF0)).sum::<u32>()
}

/// `s` as UTF-16LE bytes (a JS string's own form). Eight bytes at a time are
/// widened to sixteen by shifts and masks (the crate is built for size, so the compiler would not
/// vectorize a loop for us) and kept up to the first non-ASCII one; that character is decoded on
/// its own, and the next eight follow it.
pub fn to_utf16le(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    // Never more UTF-16 units than UTF-8 bytes. (`vec!` zeroes with `calloc`; `Vec::resize`
    // built for size writes one byte at a time, ≈ 0.25 ns a byte.)
    let mut out = vec![0; 2 * bytes.len()];
    let dst = out.as_mut_slice();
    let (mut i, mut j) = (0, 0);
    while i < bytes.len() {
        let word = bytes.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map(u64::from_le_bytes);
        let lanes = dst.get_mut(j..j + 16).and_then(|d| <&mut [u8; 16]>::try_from(d).ok());
        if let (Some(w), Some(d)) = (word, lanes) {
            *d = (u128::from(widen(w >> 32)) << 64 | u128::from(widen(w & 0xFFFF_FFFF))).to_le_bytes();
            // All ASCII: the next step does not wait for this word (a predicted branch).
            let ascii = if w & HIGH == 0 { 8 } else { (w & HIGH).trailing_zeros() as usize / 8 };
            i += ascii;
            j += 2 * ascii;
            if ascii == 8 {
                continue;
            }
        }
        let (code, width) = decode_utf8(bytes, i);
        let units = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        for unit in units.encode_utf16(&mut [0; 2]) {
            if let Some(d) = dst.get_mut(j..j + 2) {
                d.copy_from_slice(&unit.to_le_bytes());
            }
            j += 2;
        }
        i += width;
    }
    out.truncate(j);
    out
}

/// Four bytes (the low half of `x`) spread to the low byte of four 16-bit lanes.
fn widen(x: u64) -> u64 {
    let x = (x | x << 16) & 0x0000_FFFF_0000_FFFF;
    (x | x << 8) & 0x00FF_00FF_00FF_00FF
}

/// The code point starting at `bytes[i]` of valid UTF-8, and its length in bytes.
fn decode_utf8(bytes: &[u8], i: usize) -> (u32, usize) {
    let next = |k: usize| u32::from(bytes.get(i + k).copied().unwrap_or(0) & 0x3F);
    match bytes.get(i).copied().unwrap_or(0) {
        b @ 0..=0x7F => (u32::from(b), 1),
        b @ 0x80..=0xDF => ((u32::from(b) & 0x1F) << 6 | next(1), 2),
        b @ 0xE0..=0xEF => ((u32::from(b) & 0x0F) << 12 | next(1) << 6 | next(2), 3),
        b => ((u32::from(b) & 0x07) << 18 | next(1) << 12 | next(2) << 6 | next(3), 4),
    }
}

/// Whether `bytes` is UTF-8, as `std::str::from_utf8` decides, when only the answer is needed:
/// ASCII goes eight bytes at a time from any position (std's check goes a byte at a time from
/// each non-ASCII character to the next word boundary).
pub fn is_utf8(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if let Some(w) = bytes.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map(u64::from_le_bytes) {
            if w & HIGH == 0 {
                i += 8;
                continue;
            }
            i += (w & HIGH).trailing_zeros() as usize / 8;
        }
        let at = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
        let tail = |k: usize| at(k) & 0xC0 == 0x80;
        let width = match at(0) {
            0..=0x7F => 1,
            0xC2..=0xDF if tail(1) => 2,
            0xE0 if (0xA0..=0xBF).contains(&at(1)) && tail(2) => 3,
            0xE1..=0xEC | 0xEE | 0xEF if tail(1) && tail(2) => 3,
            0xED if (0x80..=0x9F).contains(&at(1)) && tail(2) => 3,
            0xF0 if (0x90..=0xBF).contains(&at(1)) && tail(2) && tail(3) => 4,
            0xF1..=0xF3 if tail(1) && tail(2) && tail(3) => 4,
            0xF4 if (0x80..=0x8F).contains(&at(1)) && tail(2) && tail(3) => 4,
            _ => return false,
        };
        i += width;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_hit_in_any_position() {
        let naive = |b: &[u8], from: usize, hit: &dyn Fn(u8) -> bool| (from..b.len()).find(|&i| hit(b[i])).unwrap_or(b.len());
        let fillers = [b'a', 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xE1, 0xE3, 0xFF, 0x20, 0x01, 0x22];
        let hit = |b: u8| b < 0x20 || b == b'"' || b == b'\\' || b == 0xE2;
        let flags = |w: u64| below(w, 0x20) | equal(w, b'"') | equal(w, b'\\') | equal(w, 0xE2);
        for len in 0..26 {
            for seed in 0..fillers.len() {
                let bytes: Vec<u8> = (0..len).map(|i| fillers[(i * 7 + seed) % fillers.len()]).collect();
                for from in 0..=len {
                    assert_eq!(find(&bytes, from, flags, hit), naive(&bytes, from, &hit), "{bytes:x?} from {from}");
                    assert_eq!(find(&bytes, from, |w| equal(w, 0x80), |b| b == 0x80), naive(&bytes, from, &|b| b == 0x80));
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn is_utf8_agrees_with_std(bytes in proptest::collection::vec(proptest::sample::select(vec![
            0x00u8, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ]), 0..24), text in ".{0,12}", cut in 0usize..40) {
            proptest::prop_assert_eq!(is_utf8(&bytes), std::str::from_utf8(&bytes).is_ok(), "{:x?}", bytes);
            let mut mixed = text.into_bytes();
            mixed.extend_from_slice(&bytes);
            mixed.truncate(cut);
            proptest::prop_assert_eq!(is_utf8(&mixed), std::str::from_utf8(&mixed).is_ok(), "{:x?}", mixed);
        }
    }

    #[test]
    fn utf16_lengths() {
        let mut text = String::new();
        for (i, c) in "aé€😀\n\"日ü📈z".chars().cycle().take(300).enumerate() {
            text.push(c);
            assert_eq!(utf16_len(text.as_bytes()), text.encode_utf16().count() as u32, "{i}");
            let tail = text.char_indices().nth(i / 2).map_or(0, |(at, _)| at);
            let tail = text.get(tail..).unwrap();
            assert_eq!(utf16_len(tail.as_bytes()), tail.encode_utf16().count() as u32);
            assert_eq!(to_utf16le(tail), tail.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<_>>(), "{tail:?}");
        }
    }

    #[test]
    fn equality() {
        let a: Vec<u8> = (0..40).collect();
        for n in 0..a.len() {
            let (x, y) = (&a[..n], a[..n].to_vec());
            assert!(eq(x, &y));
            for i in 0..n {
                let mut z = y.clone();
                z[i] ^= 1;
                assert!(!eq(x, &z), "{n} {i}");
            }
            assert!(!eq(x, &a[..n + 1]));
        }
    }
}
