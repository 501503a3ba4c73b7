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

use memchr::memchr2;
use std::fmt;

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

/// Checks that `buf` is UTF-8, quickly when it is plain ASCII (every Binance frame).
#[inline]
pub fn check_utf8(buf: &[u8]) -> Result<(), JsonError> {
    if buf.is_ascii() {
        return Ok(());
    }
    std::str::from_utf8(buf)
        .map(|_| ())
        .map_err(|e| JsonError { kind: JsonErrorKind::BadUtf8, at: e.valid_up_to() })
}

/// Validates a whole document: UTF-8, one value, nothing but whitespace after it.
pub fn validate(buf: &[u8]) -> Result<(), JsonError> {
    check_utf8(buf)?;
    let mut s = Scanner::new(buf);
    s.value(0)?;
    s.finish()
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

    #[inline]
    pub fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline]
    fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError { kind, at: self.pos }
    }

    /// The error for the byte at the cursor: end of input or an unexpected byte.
    #[inline]
    fn unexpected(&self) -> JsonError {
        match self.buf.get(self.pos) {
            None => self.err(JsonErrorKind::Eof),
            Some(&b) => self.err(JsonErrorKind::Unexpected(b)),
        }
    }

    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Skips JSON whitespace.
    #[inline]
    pub fn skip_ws(&mut self) {
        while let Some(&b) = self.buf.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Consumes `b` after optional whitespace.
    #[inline]
    pub fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        self.skip_ws();
        if self.buf.get(self.pos) == Some(&b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// After the top-level value: only whitespace may follow.
    pub fn finish(&mut self) -> Result<(), JsonError> {
        self.skip_ws();
        if self.pos < self.buf.len() {
            Err(self.err(JsonErrorKind::TrailingGarbage))
        } else {
            Ok(())
        }
    }

    /// Scans a string whose opening quote is at the cursor. Returns the
    /// content span (without quotes) and whether it holds escapes.
    #[inline]
    pub fn string(&mut self) -> Result<(usize, usize, bool), JsonError> {
        // The caller has seen the opening quote.
        self.pos += 1;
        let start = self.pos;
        // Fast path for the one-letter keys of every Binance payload.
        if let (Some(&c), Some(b'"')) = (self.buf.get(start), self.buf.get(start + 1)) {
            if c >= 0x20 && c != b'\\' && c != b'"' {
                self.pos = start + 2;
                return Ok((start, start + 1, false));
            }
        }
        let mut escaped = false;
        loop {
            let rest = self.buf.get(self.pos..).unwrap_or_default();
            let Some(off) = memchr2(b'"', b'\\', rest) else {
                self.pos = self.buf.len();
                return Err(self.err(JsonErrorKind::Eof));
            };
            if let Some(i) = rest[..off].iter().position(|&c| c < 0x20) {
                self.pos += i;
                return Err(self.err(JsonErrorKind::ControlChar));
            }
            self.pos += off;
            if rest[off] == b'"' {
                let end = self.pos;
                self.pos += 1;
                return Ok((start, end, escaped));
            }
            escaped = true;
            self.escape()?;
        }
    }

    /// Validates one escape at the cursor (the backslash), surrogate pairs included.
    fn escape(&mut self) -> Result<(), JsonError> {
        match self.buf.get(self.pos + 1) {
            None => {
                self.pos = self.buf.len();
                Err(self.err(JsonErrorKind::Eof))
            }
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                Ok(())
            }
            Some(b'u') => {
                let u = self.hex4(self.pos + 2)?;
                self.pos += 6;
                match u {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by an escaped low one.
                        if self.buf.get(self.pos) != Some(&b'\\') || self.buf.get(self.pos + 1) != Some(&b'u') {
                            return Err(self.err(JsonErrorKind::BadEscape));
                        }
                        let lo = self.hex4(self.pos + 2)?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err(self.err(JsonErrorKind::BadEscape));
                        }
                        self.pos += 6;
                        Ok(())
                    }
                    0xDC00..=0xDFFF => Err(self.err(JsonErrorKind::BadEscape)),
                    _ => Ok(()),
                }
            }
            Some(_) => Err(self.err(JsonErrorKind::BadEscape)),
        }
    }

    fn hex4(&self, at: usize) -> Result<u16, JsonError> {
        let Some(h) = self.buf.get(at..at + 4) else {
            return Err(JsonError { kind: JsonErrorKind::Eof, at: self.buf.len() });
        };
        let mut v: u16 = 0;
        for (i, &c) in h.iter().enumerate() {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(JsonError { kind: JsonErrorKind::BadEscape, at: at + i }),
            };
            v = v << 4 | u16::from(d);
        }
        Ok(v)
    }

    #[inline]
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.buf.get(self.pos) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Scans a number at the cursor by the JSON grammar; `true` when it is an integer.
    #[inline]
    fn number(&mut self) -> Result<bool, JsonError> {
        if self.buf.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.buf.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            None => return Err(self.err(JsonErrorKind::Eof)),
            Some(_) => return Err(self.err(JsonErrorKind::BadNumber)),
        }
        let mut int = true;
        if self.buf.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err(JsonErrorKind::BadNumber));
            }
            int = false;
        }
        if let Some(b'e' | b'E') = self.buf.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.buf.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err(JsonErrorKind::BadNumber));
            }
            int = false;
        }
        Ok(int)
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), JsonError> {
        for &w in word {
            if self.buf.get(self.pos) != Some(&w) {
                return Err(self.unexpected());
            }
            self.pos += 1;
        }
        Ok(())
    }

    /// Scans any value after optional whitespace and returns its span.
    /// `depth` is the nesting of the container holding it.
    #[inline]
    pub fn value(&mut self, depth: u32) -> Result<Span, JsonError> {
        self.skip_ws();
        let start = self.pos;
        let span = |kind, s: usize, e: usize| Span { kind, start: s as u32, end: e as u32 };
        match self.buf.get(self.pos) {
            Some(b'"') => {
                let (s, e, esc) = self.string()?;
                Ok(span(if esc { Kind::StrEscaped } else { Kind::Str }, s, e))
            }
            Some(b'-' | b'0'..=b'9') => {
                let int = self.number()?;
                Ok(span(if int { Kind::Int } else { Kind::Float }, start, self.pos))
            }
            Some(b'{') => {
                self.skip_object(depth + 1)?;
                Ok(span(Kind::Object, start, self.pos))
            }
            Some(b'[') => {
                self.skip_array(depth + 1)?;
                Ok(span(Kind::Array, start, self.pos))
            }
            Some(b't') => {
                self.literal(b"true")?;
                Ok(span(Kind::True, start, self.pos))
            }
            Some(b'f') => {
                self.literal(b"false")?;
                Ok(span(Kind::False, start, self.pos))
            }
            Some(b'n') => {
                self.literal(b"null")?;
                Ok(span(Kind::Null, start, self.pos))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn skip_object(&mut self, depth: u32) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err(JsonErrorKind::TooDeep));
        }
        let mut obj = self.object()?;
        while obj.next_key(self)?.is_some() {
            self.value(depth)?;
        }
        Ok(())
    }

    fn skip_array(&mut self, depth: u32) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err(JsonErrorKind::TooDeep));
        }
        let mut arr = self.array()?;
        while arr.has_next(self)? {
            self.value(depth)?;
        }
        Ok(())
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
        s.skip_ws();
        match s.buf.get(s.pos) {
            Some(b'}') => {
                s.pos += 1;
                return Ok(None);
            }
            Some(b',') if !self.first => {
                s.pos += 1;
                s.skip_ws();
            }
            _ if self.first => {}
            _ => return Err(s.unexpected()),
        }
        self.first = false;
        if s.buf.get(s.pos) != Some(&b'"') {
            return Err(s.unexpected());
        }
        let (a, b, _) = s.string()?;
        s.expect(b':')?;
        Ok(Some(s.buf.get(a..b).unwrap_or_default()))
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
            _ => Err(s.unexpected()),
        }
    }
}

/// Parses the text of a JSON integer span into a `u64`; `None` when negative
/// or out of range.
#[inline]
pub fn int_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in text {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
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
    fn integers() {
        assert_eq!(int_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(int_u64(b"18446744073709551616"), None);
        assert_eq!(int_u64(b"-1"), None);
        assert_eq!(int_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(int_i64(b"9223372036854775808"), None);
    }

    #[test]
    fn unescapes() {
        assert_eq!(unescape(br#"a\"b\\c\/\n\u00e9\ud83d\ude00"#), "a\"b\\c/\né😀");
    }
}
