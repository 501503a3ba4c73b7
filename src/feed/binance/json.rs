//! A small, strict JSON scanner over bytes that never allocates.
//!
//! Why not serde_json: decoding one 190-byte trade frame through it costs about
//! 270 ns, most of it spent on structure the feed throws away. The decoders
//! only need to know *where* a handful of values sit, so this scanner walks the
//! text once, validates it fully (strings, escapes, numbers, literals, nesting,
//! trailing bytes) and hands back spans. Values are typed later, on demand.
//!
//! Strictness matches serde_json: anything this scanner accepts, serde_json
//! accepts too (the property tests check it), except that serde_json refuses
//! numbers beyond the range of `f64`, which are only skipped here.

mod swar;

use memchr::memchr2;
use std::fmt;
use std::ops::Range;
use swar::{eight_digits, non_digits, string_stops};

/// Deepest nesting accepted, as in serde_json; deeper input is refused
/// rather than risking the stack.
pub const MAX_DEPTH: u32 = 128;

/// What went wrong while scanning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// The text ended inside a value.
    Eof,
    /// A byte that cannot start or continue the expected token.
    Unexpected(u8),
    /// A backslash escape that JSON does not define, or a lone surrogate.
    BadEscape,
    /// A raw control character inside a string.
    ControlChar,
    /// A number that breaks the JSON grammar (`01`, `1.`, `-`, `1e`).
    BadNumber,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The bytes are not UTF-8.
    BadUtf8,
    /// Something other than whitespace after the value.
    TrailingGarbage,
}

/// A scanning error and the byte offset where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    pub kind: JsonErrorKind,
    pub at: usize,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at;
        match self.kind {
            JsonErrorKind::Eof => write!(f, "unexpected end of input at byte {at}"),
            JsonErrorKind::Unexpected(b) if b.is_ascii_graphic() => {
                write!(f, "unexpected '{}' at byte {at}", char::from(b))
            }
            JsonErrorKind::Unexpected(b) => write!(f, "unexpected byte 0x{b:02x} at byte {at}"),
            JsonErrorKind::BadEscape => write!(f, "invalid escape at byte {at}"),
            JsonErrorKind::ControlChar => write!(f, "control character in string at byte {at}"),
            JsonErrorKind::BadNumber => write!(f, "invalid number at byte {at}"),
            JsonErrorKind::TooDeep => write!(f, "nesting deeper than {MAX_DEPTH} at byte {at}"),
            JsonErrorKind::BadUtf8 => write!(f, "invalid UTF-8 at byte {at}"),
            JsonErrorKind::TrailingGarbage => write!(f, "trailing characters at byte {at}"),
        }
    }
}

impl std::error::Error for JsonError {}

/// The type of a scanned value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// No value (a field that was not in the object).
    #[default]
    Absent,
    /// A string without backslash escapes: the span is its exact content.
    Str,
    /// A string with escapes: the span is the raw, still escaped content.
    StrEscaped,
    /// A number with no fraction and no exponent (`-12`, `1723161255343`).
    Int,
    /// Any other number (`1.5`, `2e-8`).
    Float,
    True,
    False,
    Null,
    /// An object, span including the braces.
    Object,
    /// An array, span including the brackets.
    Array,
}

impl Kind {
    /// A word for error messages (`expected a string, got an integer`).
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Absent => "nothing",
            Self::Str | Self::StrEscaped => "a string",
            Self::Int => "an integer",
            Self::Float => "a non-integer number",
            Self::True | Self::False => "a boolean",
            Self::Null => "null",
            Self::Object => "an object",
            Self::Array => "an array",
        }
    }
}

/// Where a value sits in the scanned buffer. Offsets are `u32` to keep the
/// per-field table small; frames are capped far below 4 GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The value's bytes in `buf` (string content without the quotes).
    #[inline]
    pub fn bytes<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.start as usize..self.end as usize).unwrap_or_default()
    }

    #[inline]
    pub fn is_present(&self) -> bool {
        self.kind != Kind::Absent
    }
}

/// Validates a whole document: one value, nothing but whitespace after it.
/// UTF-8 needs no separate pass: outside strings the grammar admits only
/// ASCII, and strings with other bytes are validated where they are scanned.
pub fn validate(buf: &[u8]) -> Result<(), JsonError> {
    let mut s = Scanner::new(buf);
    s.value(0)?;
    s.finish()
}

// The primitives work on `(buf, pos)` and return the next position, so the
// hot loops keep the cursor in a register; `Scanner` wraps them.

/// The first non-whitespace position at or after `pos`.
#[inline(always)]
pub fn skip_ws(buf: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = buf.get(pos) {
        pos += 1;
    }
    pos
}

/// The error for the byte at `pos`: end of input or an unexpected byte.
#[cold]
pub fn unexpected(buf: &[u8], pos: usize) -> JsonError {
    match buf.get(pos) {
        None => JsonError { kind: JsonErrorKind::Eof, at: pos },
        Some(&b) => JsonError { kind: JsonErrorKind::Unexpected(b), at: pos },
    }
}

/// Finds the closing quote of a string whose content starts at `start`.
/// Returns its position and whether the content holds escapes.
#[inline(always)]
pub fn string_end(buf: &[u8], start: usize) -> Result<(usize, bool), JsonError> {
    // Keys, decimals and symbols end within a few bytes, where testing eight
    // bytes at a time beats setting up a SIMD search; long strings and
    // escapes go to the memchr loop.
    let mut at = start;
    for _ in 0..4 {
        let word = match buf.get(at..at + 8).map(<[u8; 8]>::try_from) {
            Some(Ok(w)) => w,
            // Fewer than eight bytes left (the end of a frame): test them
            // padded with a byte that is no stop.
            _ => {
                let tail = buf.get(at..).unwrap_or_default();
                let mut w = [b'a'; 8];
                match w.get_mut(..tail.len()) {
                    Some(dst) => dst.copy_from_slice(tail),
                    None => break,
                }
                w
            }
        };
        let stops = string_stops(u64::from_le_bytes(word));
        if stops != 0 {
            let i = at + (stops.trailing_zeros() / 8) as usize;
            if buf.get(i) == Some(&b'"') {
                return Ok((i, false));
            }
            break;
        }
        if at + 8 > buf.len() {
            break;
        }
        at += 8;
    }
    string_end_slow(buf, start)
}

/// The general case: escapes, long strings, non-ASCII content.
#[inline(never)]
fn string_end_slow(buf: &[u8], start: usize) -> Result<(usize, bool), JsonError> {
    let mut pos = start;
    let mut escaped = false;
    loop {
        let rest = buf.get(pos..).unwrap_or_default();
        let Some(off) = memchr2(b'"', b'\\', rest) else {
            let at = rest.iter().position(|&c| c < 0x20).map_or(buf.len(), |i| pos + i);
            let kind = if at < buf.len() { JsonErrorKind::ControlChar } else { JsonErrorKind::Eof };
            return Err(JsonError { kind, at });
        };
        if let Some(i) = rest.get(..off).and_then(|r| r.iter().position(|&c| c < 0x20)) {
            return Err(JsonError { kind: JsonErrorKind::ControlChar, at: pos + i });
        }
        pos += off;
        if buf.get(pos) == Some(&b'"') {
            let content = buf.get(start..pos).unwrap_or_default();
            if !content.is_ascii() {
                if let Err(e) = std::str::from_utf8(content) {
                    return Err(JsonError { kind: JsonErrorKind::BadUtf8, at: start + e.valid_up_to() });
                }
            }
            return Ok((pos, escaped));
        }
        escaped = true;
        pos = escape(buf, pos)?;
    }
}

/// Validates the escape whose backslash is at `pos`, surrogate pairs
/// included; returns the position after it.
fn escape(buf: &[u8], pos: usize) -> Result<usize, JsonError> {
    let bad = |at| JsonError { kind: JsonErrorKind::BadEscape, at };
    match buf.get(pos + 1) {
        None => Err(JsonError { kind: JsonErrorKind::Eof, at: buf.len() }),
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(pos + 2),
        Some(b'u') => match hex4(buf, pos + 2)? {
            0xD800..=0xDBFF => {
                // A high surrogate must be followed by an escaped low one.
                let next = pos + 6;
                if buf.get(next) != Some(&b'\\') || buf.get(next + 1) != Some(&b'u') {
                    return Err(bad(next));
                }
                if !(0xDC00..=0xDFFF).contains(&hex4(buf, next + 2)?) {
                    return Err(bad(next));
                }
                Ok(next + 6)
            }
            0xDC00..=0xDFFF => Err(bad(pos)),
            _ => Ok(pos + 6),
        },
        Some(_) => Err(bad(pos)),
    }
}

fn hex4(buf: &[u8], at: usize) -> Result<u16, JsonError> {
    let Some(h) = buf.get(at..at + 4) else {
        return Err(JsonError { kind: JsonErrorKind::Eof, at: buf.len() });
    };
    let mut v: u16 = 0;
    for (i, &c) in h.iter().enumerate() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => {
                return Err(JsonError { kind: JsonErrorKind::BadEscape, at: at + i });
            }
        };
        v = v << 4 | u16::from(d);
    }
    Ok(v)
}

/// The end of a run of digits, eight bytes at a time (times and ids have 10-13).
#[inline(always)]
fn digits_end(buf: &[u8], mut pos: usize) -> usize {
    while let Some(Ok(word)) = buf.get(pos..pos + 8).map(<[u8; 8]>::try_from) {
        let m = non_digits(u64::from_le_bytes(word));
        if m != 0 {
            return pos + (m.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(b'0'..=b'9') = buf.get(pos) {
        pos += 1;
    }
    pos
}

/// Scans a number at `pos` by the JSON grammar; returns its end and whether
/// it is an integer (no fraction, no exponent).
#[inline(always)]
fn number_end(buf: &[u8], mut pos: usize) -> Result<(usize, bool), JsonError> {
    let bad = |at| JsonError { kind: JsonErrorKind::BadNumber, at };
    if buf.get(pos) == Some(&b'-') {
        pos += 1;
    }
    pos = match buf.get(pos) {
        Some(b'0') => pos + 1,
        Some(b'1'..=b'9') => digits_end(buf, pos + 1),
        None => {
            return Err(JsonError { kind: JsonErrorKind::Eof, at: pos });
        }
        Some(_) => return Err(bad(pos)),
    };
    let mut int = true;
    if buf.get(pos) == Some(&b'.') {
        let end = digits_end(buf, pos + 1);
        if end == pos + 1 {
            return Err(bad(end));
        }
        pos = end;
        int = false;
    }
    if let Some(b'e' | b'E') = buf.get(pos) {
        pos += 1;
        if let Some(b'+' | b'-') = buf.get(pos) {
            pos += 1;
        }
        let end = digits_end(buf, pos);
        if end == pos {
            return Err(bad(end));
        }
        pos = end;
        int = false;
    }
    Ok((pos, int))
}

#[inline(always)]
fn literal_end(buf: &[u8], pos: usize, word: &[u8]) -> Result<usize, JsonError> {
    if buf.get(pos..pos + word.len()) == Some(word) {
        return Ok(pos + word.len());
    }
    let off = word.iter().zip(buf.get(pos..).unwrap_or_default()).take_while(|(w, b)| w == b).count();
    Err(unexpected(buf, pos + off))
}

#[inline(always)]
fn span(kind: Kind, start: usize, end: usize) -> Span {
    Span { kind, start: start as u32, end: end as u32 }
}

/// Scans the value at `pos` (no leading whitespace) unless it is a
/// container: returns its span and the position after it, or `None` at
/// `{` or `[`.
#[inline(always)]
pub fn scalar(buf: &[u8], pos: usize) -> Result<Option<(Span, usize)>, JsonError> {
    let r = match buf.get(pos) {
        Some(b'"') => {
            let (end, esc) = string_end(buf, pos + 1)?;
            (span(if esc { Kind::StrEscaped } else { Kind::Str }, pos + 1, end), end + 1)
        }
        Some(b'-' | b'0'..=b'9') => {
            let (end, int) = number_end(buf, pos)?;
            (span(if int { Kind::Int } else { Kind::Float }, pos, end), end)
        }
        Some(b't') => {
            let end = literal_end(buf, pos, b"true")?;
            (span(Kind::True, pos, end), end)
        }
        Some(b'f') => {
            let end = literal_end(buf, pos, b"false")?;
            (span(Kind::False, pos, end), end)
        }
        Some(b'n') => {
            let end = literal_end(buf, pos, b"null")?;
            (span(Kind::Null, pos, end), end)
        }
        Some(b'{' | b'[') => return Ok(None),
        _ => return Err(unexpected(buf, pos)),
    };
    Ok(Some(r))
}

/// An object key at `pos` (its opening quote): the key's content range and
/// the position after the colon that follows it.
#[inline]
pub fn key(buf: &[u8], pos: usize) -> Result<(Range<usize>, usize), JsonError> {
    if buf.get(pos) != Some(&b'"') {
        return Err(unexpected(buf, pos));
    }
    let (end, _) = string_end(buf, pos + 1)?;
    let colon = skip_ws(buf, end + 1);
    if buf.get(colon) != Some(&b':') {
        return Err(unexpected(buf, colon));
    }
    Ok((pos + 1..end, colon + 1))
}

/// Skips the object or array whose bracket is at `pos`, validating all of
/// it, and returns the position after it. `depth` is its nesting level (the
/// top-level value is 1). Iterative, with one bit per open container
/// (object or array), so hostile nesting costs no stack.
#[inline(never)]
pub fn skip_container(buf: &[u8], mut pos: usize, depth: u32) -> Result<usize, JsonError> {
    let mut objects: u128 = 0;
    let mut height: u32 = 0;
    let mut want_value = true;
    loop {
        if want_value {
            pos = skip_ws(buf, pos);
            match buf.get(pos) {
                Some(&c @ (b'{' | b'[')) => {
                    if depth + height > MAX_DEPTH {
                        return Err(JsonError { kind: JsonErrorKind::TooDeep, at: pos });
                    }
                    let bit = 1u128.checked_shl(height).unwrap_or(0);
                    let is_object = c == b'{';
                    objects = if is_object { objects | bit } else { objects & !bit };
                    height += 1;
                    pos = skip_ws(buf, pos + 1);
                    let close = if is_object { b'}' } else { b']' };
                    if buf.get(pos) == Some(&close) {
                        pos += 1;
                        height -= 1;
                        want_value = false;
                    } else if is_object {
                        pos = key(buf, pos)?.1;
                    }
                }
                _ => match scalar(buf, pos)? {
                    Some((_, next)) => {
                        pos = next;
                        want_value = false;
                    }
                    None => return Err(unexpected(buf, pos)),
                },
            }
        } else {
            let Some(top) = height.checked_sub(1) else {
                return Ok(pos);
            };
            pos = skip_ws(buf, pos);
            let in_object = (objects >> top) & 1 == 1;
            match (buf.get(pos), in_object) {
                (Some(b','), true) => {
                    pos = key(buf, skip_ws(buf, pos + 1))?.1;
                    want_value = true;
                }
                (Some(b','), false) => {
                    pos += 1;
                    want_value = true;
                }
                (Some(b'}'), true) | (Some(b']'), false) => {
                    pos += 1;
                    height = top;
                }
                _ => return Err(unexpected(buf, pos)),
            }
        }
    }
}

/// A cursor over JSON text.
#[derive(Debug, Clone)]
pub struct Scanner<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// Starts at the beginning of `buf`. Spans are `u32`, so callers keep
    /// `buf` under 4 GiB (the decoder's frame limit does).
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Starts at `pos` (re-scanning a span found earlier).
    #[inline]
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Self { buf, pos }
    }

    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Moves the cursor (after a caller scanned with the free functions).
    #[inline]
    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    #[inline]
    pub fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Skips JSON whitespace.
    #[inline]
    pub fn skip_ws(&mut self) {
        self.pos = skip_ws(self.buf, self.pos);
    }

    /// Consumes `b` after optional whitespace.
    #[inline]
    pub fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        self.skip_ws();
        if self.buf.get(self.pos) == Some(&b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(unexpected(self.buf, self.pos))
        }
    }

    /// After the top-level value: only whitespace may follow.
    pub fn finish(&mut self) -> Result<(), JsonError> {
        self.skip_ws();
        if self.pos < self.buf.len() {
            Err(JsonError { kind: JsonErrorKind::TrailingGarbage, at: self.pos })
        } else {
            Ok(())
        }
    }

    /// Scans any value after optional whitespace and returns its span.
    /// `depth` is the nesting of the container holding it.
    #[inline]
    pub fn value(&mut self, depth: u32) -> Result<Span, JsonError> {
        self.skip_ws();
        let start = self.pos;
        if let Some((v, next)) = scalar(self.buf, start)? {
            self.pos = next;
            return Ok(v);
        }
        self.pos = skip_container(self.buf, start, depth + 1)?;
        let kind = if self.buf.get(start) == Some(&b'{') { Kind::Object } else { Kind::Array };
        Ok(span(kind, start, self.pos))
    }

    /// Enters an object at the cursor (after optional whitespace).
    #[inline]
    pub fn object(&mut self) -> Result<ObjectIter, JsonError> {
        self.expect(b'{')?;
        Ok(ObjectIter { first: true })
    }

    /// Enters an array at the cursor (after optional whitespace).
    #[inline]
    pub fn array(&mut self) -> Result<ArrayIter, JsonError> {
        self.expect(b'[')?;
        Ok(ArrayIter { first: true })
    }
}

/// Walks the keys of an object; the caller scans each value in between.
#[derive(Debug)]
pub struct ObjectIter {
    first: bool,
}

impl ObjectIter {
    /// The next key (raw bytes, escapes left as they are) with the cursor
    /// placed after its colon, or `None` after the closing brace.
    #[inline]
    pub fn next_key<'a>(&mut self, s: &mut Scanner<'a>) -> Result<Option<&'a [u8]>, JsonError> {
        let buf = s.buf;
        let mut pos = skip_ws(buf, s.pos);
        match buf.get(pos) {
            Some(b'}') => {
                s.pos = pos + 1;
                return Ok(None);
            }
            Some(b',') if !self.first => pos = skip_ws(buf, pos + 1),
            _ if self.first => {}
            _ => return Err(unexpected(buf, pos)),
        }
        self.first = false;
        if buf.get(pos) != Some(&b'"') {
            return Err(unexpected(buf, pos));
        }
        let (end, _) = string_end(buf, pos + 1)?;
        let key = buf.get(pos + 1..end).unwrap_or_default();
        s.pos = end + 1;
        s.expect(b':')?;
        Ok(Some(key))
    }
}

/// Walks the elements of an array; the caller scans each value.
#[derive(Debug)]
pub struct ArrayIter {
    first: bool,
}

impl ArrayIter {
    /// `true` when another element follows (the cursor is then before it).
    #[inline]
    pub fn has_next(&mut self, s: &mut Scanner<'_>) -> Result<bool, JsonError> {
        s.skip_ws();
        match s.buf.get(s.pos) {
            Some(b']') => {
                s.pos += 1;
                Ok(false)
            }
            Some(b',') if !self.first => {
                s.pos += 1;
                Ok(true)
            }
            _ if self.first => {
                self.first = false;
                Ok(true)
            }
            _ => Err(unexpected(s.buf, s.pos)),
        }
    }
}

/// Parses the text of a JSON integer span into a `u64`; `None` when negative
/// or out of range.
#[inline]
pub fn int_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    if text.len() == 20 {
        let mut v: u64 = 0;
        for &c in text {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            v = v.checked_mul(10)?.checked_add(u64::from(d))?;
        }
        return Some(v);
    }
    // Up to 19 digits cannot overflow; eight at a time, then one by one.
    let mut v: u64 = 0;
    let mut chunks = text.chunks_exact(8);
    for c in &mut chunks {
        let Ok(w) = <[u8; 8]>::try_from(c) else {
            return None;
        };
        let w = u64::from_le_bytes(w);
        if non_digits(w) != 0 {
            return None;
        }
        v = v * 100_000_000 + eight_digits(w);
    }
    for &c in chunks.remainder() {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

/// Parses the text of a JSON integer span into an `i64`; `None` when out of range.
#[inline]
pub fn int_i64(text: &[u8]) -> Option<i64> {
    match text.split_first() {
        Some((b'-', digits)) => {
            let m = int_u64(digits)?;
            if m <= i64::MAX as u64 + 1 { Some((m as i64).wrapping_neg()) } else { None }
        }
        _ => i64::try_from(int_u64(text)?).ok(),
    }
}

/// Decodes the raw content of a JSON string (escapes resolved). Invalid
/// sequences, which a scanned span cannot hold, become U+FFFD.
pub fn unescape(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let Some(off) = memchr::memchr(b'\\', &raw[i..]) else {
            out.push_str(&String::from_utf8_lossy(&raw[i..]));
            break;
        };
        out.push_str(&String::from_utf8_lossy(&raw[i..i + off]));
        i += off;
        let c = raw.get(i + 1).copied().unwrap_or(b'?');
        i += 2;
        match c {
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let hex = |at: usize| {
                    raw.get(at..at + 4)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                };
                let hi = hex(i).unwrap_or(0xFFFD);
                i += 4;
                let code = if (0xD800..0xDC00).contains(&hi) && raw.get(i) == Some(&b'\\') {
                    let lo = hex(i + 2).unwrap_or(0);
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    hi
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            other => out.push(char::from(other)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> bool {
        validate(s.as_bytes()).is_ok()
    }

    #[test]
    fn accepts_valid_documents() {
        for s in [
            "{}",
            "[]",
            " { \"a\" : [1, -2.5e+3, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\"] } ",
            "0",
            "-0.0",
            "\"\"",
            "{\"\":{\"\":[[]]}}",
            "1E5",
        ] {
            assert!(ok(s), "{s}");
        }
    }

    #[test]
    fn refuses_invalid_documents() {
        for (s, kind) in [
            ("", JsonErrorKind::Eof),
            ("{", JsonErrorKind::Eof),
            ("{\"a\":1", JsonErrorKind::Eof),
            ("\"abc", JsonErrorKind::Eof),
            ("[1,]", JsonErrorKind::Unexpected(b']')),
            ("{\"a\":1,}", JsonErrorKind::Unexpected(b'}')),
            ("[1 2]", JsonErrorKind::Unexpected(b'2')),
            ("{\"a\" 1}", JsonErrorKind::Unexpected(b'1')),
            ("{a:1}", JsonErrorKind::Unexpected(b'a')),
            ("tru", JsonErrorKind::Eof),
            ("trux", JsonErrorKind::Unexpected(b'x')),
            ("nul", JsonErrorKind::Eof),
            ("01", JsonErrorKind::TrailingGarbage),
            ("1.", JsonErrorKind::BadNumber),
            ("-", JsonErrorKind::Eof),
            ("-a", JsonErrorKind::BadNumber),
            ("1e", JsonErrorKind::BadNumber),
            ("+1", JsonErrorKind::Unexpected(b'+')),
            ("{} x", JsonErrorKind::TrailingGarbage),
            ("[1]]", JsonErrorKind::TrailingGarbage),
            ("\"\\x\"", JsonErrorKind::BadEscape),
            ("\"\\u12g4\"", JsonErrorKind::BadEscape),
            ("\"\\ud800\"", JsonErrorKind::BadEscape),
            ("\"\\udc00\"", JsonErrorKind::BadEscape),
            ("\"a\tb\"", JsonErrorKind::ControlChar),
            ("[}", JsonErrorKind::Unexpected(b'}')),
        ] {
            assert_eq!(validate(s.as_bytes()).map_err(|e| e.kind), Err(kind), "{s:?}");
        }
        assert_eq!(validate(b"\"\xff\"").map_err(|e| e.kind), Err(JsonErrorKind::BadUtf8));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(ok(&deep(128)));
        let deep_objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        assert!(ok(&deep_objects(128)));
        assert_eq!(validate(deep_objects(129).as_bytes()).map_err(|e| e.kind), Err(JsonErrorKind::TooDeep));
        let mixed = format!("{}{}", "[{\"k\":".repeat(64), "}]".repeat(64));
        assert_eq!(validate(mixed.as_bytes()).map_err(|e| e.kind), Err(JsonErrorKind::Unexpected(b'}')));
        let mixed = format!("{}0{}", "[{\"k\":".repeat(64), "}]".repeat(64));
        assert!(ok(&mixed));
        assert_eq!(validate(deep(129).as_bytes()).map_err(|e| e.kind), Err(JsonErrorKind::TooDeep));
        assert!(validate(deep(100_000).as_bytes()).is_err());
    }

    #[test]
    fn spans_and_kinds() {
        let buf = br#"{"p":"61837.63","t":12,"x":[1],"f":1.5,"m":true,"e":"a\"b"}"#;
        let mut s = Scanner::new(buf);
        let mut obj = s.object().unwrap();
        let mut seen = Vec::new();
        while let Some(k) = obj.next_key(&mut s).unwrap() {
            let v = s.value(1).unwrap();
            seen.push((k.to_vec(), v.kind, v.bytes(buf).to_vec()));
        }
        s.finish().unwrap();
        assert_eq!(seen[0], (b"p".to_vec(), Kind::Str, b"61837.63".to_vec()));
        assert_eq!(seen[1], (b"t".to_vec(), Kind::Int, b"12".to_vec()));
        assert_eq!(seen[2], (b"x".to_vec(), Kind::Array, b"[1]".to_vec()));
        assert_eq!(seen[3].1, Kind::Float);
        assert_eq!(seen[4].1, Kind::True);
        assert_eq!(seen[5], (b"e".to_vec(), Kind::StrEscaped, br#"a\"b"#.to_vec()));
    }

    #[test]
    fn strings_of_every_length_and_stop_position() {
        for n in 0..40 {
            let body = "x".repeat(n);
            assert!(ok(&format!("\"{body}\"")), "{n}");
            assert!(ok(&format!("\"{body}\\n{body}\"")), "{n}");
            assert_eq!(
                validate(format!("\"{body}\x01\"").as_bytes()).map_err(|e| (e.kind, e.at)),
                Err((JsonErrorKind::ControlChar, n + 1))
            );
            assert_eq!(validate(format!("\"{body}").as_bytes()).map_err(|e| e.kind), Err(JsonErrorKind::Eof));
            let buf = format!("[\"{body}\",1]");
            let mut s = Scanner::new(buf.as_bytes());
            let mut a = s.array().unwrap();
            assert!(a.has_next(&mut s).unwrap());
            assert_eq!(s.value(1).unwrap().bytes(buf.as_bytes()), body.as_bytes());
        }
    }

    #[test]
    fn utf8_is_checked_inside_strings() {
        assert!(ok("\"héllo wörld, ünïcödé everywhere\""));
        assert!(ok("{\"é\":\"😀\"}"));
        assert_eq!(validate(b"\"ab\xff\"").map_err(|e| (e.kind, e.at)), Err((JsonErrorKind::BadUtf8, 3)));
        assert_eq!(validate(b"\"\xc3\"").map_err(|e| e.kind), Err(JsonErrorKind::BadUtf8));
        assert_eq!(validate(b"[1,\xc3\xa9]").map_err(|e| e.kind), Err(JsonErrorKind::Unexpected(0xc3)));
    }

    #[test]
    fn integers() {
        assert_eq!(int_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(int_u64(b"18446744073709551616"), None);
        assert_eq!(int_u64(b"-1"), None);
        assert_eq!(int_u64(b"9999999999999999999"), Some(9_999_999_999_999_999_999));
        assert_eq!(int_u64(b"99999999999999999999"), None);
        assert_eq!(int_u64(b"123456789012345678901"), None);
        assert_eq!(int_u64(b"12a"), None);
        assert_eq!(int_u64(b"1234567a9"), None);
        assert_eq!(int_u64(b""), None);
        for n in [
            0u64,
            7,
            12_345_678,
            99_999_999,
            100_000_000,
            1_723_161_255_343,
            3_735_683_259,
            u64::MAX,
            10_000_000_000_000_000_000,
        ] {
            assert_eq!(int_u64(n.to_string().as_bytes()), Some(n), "{n}");
        }
        assert_eq!(int_u64(b"00000001"), Some(1));
        assert_eq!(int_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(int_i64(b"9223372036854775808"), None);
    }

    #[test]
    fn unescapes() {
        assert_eq!(unescape(br#"a\"b\\c\/\n\u00e9\ud83d\ude00"#), "a\"b\\c/\né😀");
    }
}
