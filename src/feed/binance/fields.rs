//! One pass over a JSON object into a fixed table of field spans, then typed
//! reads that name the field when they fail.
//!
//! Collecting first and typing later is what makes field order irrelevant:
//! the symbol may come after the price that needs its scale.

use super::error::{DecodeError, Malformed, excerpt};
use super::json::{self, JsonError, Kind, Scanner, Span};
use crate::domain::{FixedError, Notional, Price, Qty};

/// The one-letter keys any decoder reads; other letters are skipped.
const LETTERS: &[u8] = b"aAbBceEfhiklmnopqsTtuUvx";
/// The longer keys any decoder reads.
const NAMED: [&str; 13] = [
    "pu",
    "stream",
    "data",
    "lastUpdateId",
    "bids",
    "asks",
    "result",
    "id",
    "error",
    "code",
    "msg",
    "symbol",
    "symbols",
];
const SLOTS: usize = LETTERS.len() + NAMED.len();
/// A slot that is never filled: keys we do not track read as absent.
const NONE: u8 = u8::MAX;

/// Byte → slot for one-letter keys, built at compile time.
const LETTER_SLOT: [u8; 256] = {
    let mut t = [NONE; 256];
    let mut i = 0;
    while i < LETTERS.len() {
        t[LETTERS[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// A field key resolved to its slot at compile time (`Key::new("p")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    slot: u8,
    name: &'static str,
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn slot_of(key: &[u8]) -> u8 {
    if key.len() == 1 {
        return LETTER_SLOT[key[0] as usize];
    }
    let mut i = 0;
    while i < NAMED.len() {
        if bytes_eq(key, NAMED[i].as_bytes()) {
            return (LETTERS.len() + i) as u8;
        }
        i += 1;
    }
    NONE
}

/// Runtime key lookup, the hot one: one-letter keys by table, the envelope's
/// keys by length first.
#[inline]
fn slot_at_runtime(key: &[u8]) -> u8 {
    match key {
        [c] => LETTER_SLOT[usize::from(*c)],
        b"data" => DATA.slot,
        b"stream" => STREAM_SLOT,
        _ if key.len() <= 12 => slot_of(key),
        _ => NONE,
    }
}

const STREAM_SLOT: u8 = slot_of(b"stream");

/// Any key with the cursor at it (or at whitespace before it): returns its
/// slot and the position after the colon.
#[inline(never)]
fn key(buf: &[u8], pos: usize) -> Result<(u8, usize), JsonError> {
    let (name, next) = json::key(buf, json::skip_ws(buf, pos))?;
    Ok((slot_at_runtime(buf.get(name).unwrap_or_default()), next))
}

impl Key {
    /// A key by its JSON name. Untracked names give a key that is always absent.
    pub const fn new(name: &'static str) -> Self {
        Self { slot: slot_of(name.as_bytes()), name }
    }

    pub const fn name(self) -> &'static str {
        self.name
    }
}

/// The spans of one object's fields, with the path used in error messages.
/// Kinds and offsets live in separate plain arrays so that a fresh table is
/// one short memset: this is built for every frame.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    buf: &'a [u8],
    path: &'static str,
    kinds: [Kind; SLOTS],
    spans: [(u32, u32); SLOTS],
}

impl<'a> Fields<'a> {
    /// An empty table over `buf`; `path` prefixes field names in errors (`"data."`).
    #[inline]
    pub fn new(buf: &'a [u8], path: &'static str) -> Self {
        Self { buf, path, kinds: [Kind::Absent; SLOTS], spans: [(0, 0); SLOTS] }
    }

    /// Collects the object at the cursor (which sits at nesting `depth`).
    /// With `nested`, an object under the key `data` is collected into it in
    /// the same pass instead of being skipped (the combined-stream envelope).
    #[inline]
    pub fn collect(
        &mut self,
        s: &mut Scanner<'a>,
        depth: u32,
        mut nested: Option<&mut Fields<'a>>,
    ) -> Result<(), JsonError> {
        // One flat loop over the free scanning functions, the cursor in a
        // local: this runs for every frame. Containers take the generic path.
        let buf = s.buf();
        let mut pos = json::skip_ws(buf, s.pos());
        if buf.get(pos) != Some(&b'{') {
            return Err(json::unexpected(buf, pos));
        }
        pos = json::skip_ws(buf, pos + 1);
        if buf.get(pos) == Some(&b'}') {
            s.set_pos(pos + 1);
            return Ok(());
        }
        loop {
            // Binance keys are compact single letters: `"p":` in one test.
            let slot = match buf.get(pos..pos + 4) {
                Some(&[b'"', c, b'"', b':']) if (0x20..0x80).contains(&c) && c != b'"' && c != b'\\' => {
                    pos += 4;
                    LETTER_SLOT[usize::from(c)]
                }
                _ => {
                    let (slot, next) = key(buf, pos)?;
                    pos = next;
                    slot
                }
            };
            pos = json::skip_ws(buf, pos);
            if let Some((v, next)) = json::scalar(buf, pos)? {
                self.set(slot, v);
                pos = next;
            } else {
                let mut sub = Scanner::at(buf, pos);
                match nested.as_deref_mut() {
                    Some(inner) if slot == DATA.slot && buf.get(pos) == Some(&b'{') => {
                        if depth + 1 > json::MAX_DEPTH {
                            return Err(JsonError { kind: json::JsonErrorKind::TooDeep, at: pos });
                        }
                        inner.collect(&mut sub, depth + 1, None)?;
                        self.set(slot, Span { kind: Kind::Object, start: pos as u32, end: sub.pos() as u32 });
                    }
                    _ => {
                        let v = sub.value(depth)?;
                        self.set(slot, v);
                    }
                }
                pos = sub.pos();
            }
            let mut sep = buf.get(pos);
            if !matches!(sep, Some(b',' | b'}')) {
                pos = json::skip_ws(buf, pos);
                sep = buf.get(pos);
            }
            match sep {
                Some(b',') => pos += 1,
                Some(b'}') => {
                    s.set_pos(pos + 1);
                    return Ok(());
                }
                _ => return Err(json::unexpected(buf, pos)),
            }
        }
    }

    #[inline]
    fn set(&mut self, slot: u8, v: Span) {
        let i = usize::from(slot);
        if let (Some(k), Some(p)) = (self.kinds.get_mut(i), self.spans.get_mut(i)) {
            *k = v.kind;
            *p = (v.start, v.end);
        }
    }

    /// Re-scans an object span found earlier (the kline `k`, the `error` body).
    pub fn parse(buf: &'a [u8], span: Span, path: &'static str) -> Result<Self, DecodeError> {
        let mut f = Self::new(buf, path);
        let mut s = Scanner::at(buf, span.start as usize);
        f.collect(&mut s, 1, None).map_err(|e| DecodeError::new(Malformed::BadJson, format!("{path}: {e}")))?;
        Ok(f)
    }

    #[inline]
    pub fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline]
    pub fn path(&self) -> &'static str {
        self.path
    }

    #[inline]
    pub fn get(&self, k: Key) -> Span {
        let i = usize::from(k.slot);
        match (self.kinds.get(i), self.spans.get(i)) {
            (Some(&kind), Some(&(start, end))) => Span { kind, start, end },
            _ => Span::default(),
        }
    }

    #[inline]
    pub fn has(&self, k: Key) -> bool {
        self.get(k).is_present()
    }

    /// An error naming the field: `"{path}{key}: {msg}"`.
    #[cold]
    pub fn error(&self, reason: Malformed, k: Key, msg: impl std::fmt::Display) -> DecodeError {
        DecodeError::new(reason, format!("{}{}: {msg}", self.path, k.name))
    }

    #[cold]
    fn missing(&self, k: Key) -> DecodeError {
        self.error(Malformed::MissingField, k, "missing")
    }

    #[cold]
    fn wrong(&self, k: Key, expected: &str, got: Span) -> DecodeError {
        let got = match got.kind {
            Kind::Absent => return self.missing(k),
            Kind::Object | Kind::Array => got.kind.describe().to_string(),
            _ => format!("{} ({})", got.kind.describe(), excerpt(got.bytes(self.buf))),
        };
        self.error(Malformed::WrongType, k, format_args!("expected {expected}, got {got}"))
    }

    /// A required string, raw (escapes are left in place: no field we read
    /// legitimately holds one, and a decimal with one is then refused).
    #[inline]
    pub fn str(&self, k: Key) -> Result<&'a [u8], DecodeError> {
        let v = self.get(k);
        match v.kind {
            Kind::Str | Kind::StrEscaped => Ok(v.bytes(self.buf)),
            _ => Err(self.wrong(k, "a string", v)),
        }
    }

    /// An optional string: absent is `None`, any other type is an error.
    #[inline]
    pub fn opt_str(&self, k: Key) -> Result<Option<&'a [u8]>, DecodeError> {
        if self.has(k) { self.str(k).map(Some) } else { Ok(None) }
    }

    /// A required non-negative JSON integer.
    #[inline]
    pub fn u64(&self, k: Key) -> Result<u64, DecodeError> {
        let v = self.get(k);
        if v.kind != Kind::Int {
            return Err(self.wrong(k, "an unsigned integer", v));
        }
        json::int_u64(v.bytes(self.buf)).ok_or_else(|| {
            self.error(Malformed::WrongType, k, format_args!("{} is out of range for u64", excerpt(v.bytes(self.buf))))
        })
    }

    #[inline]
    pub fn opt_u64(&self, k: Key) -> Result<Option<u64>, DecodeError> {
        if self.has(k) { self.u64(k).map(Some) } else { Ok(None) }
    }

    /// A required JSON integer that fits an `i64` (times in ms).
    #[inline]
    pub fn i64(&self, k: Key) -> Result<i64, DecodeError> {
        let v = self.get(k);
        if v.kind != Kind::Int {
            return Err(self.wrong(k, "an integer", v));
        }
        json::int_i64(v.bytes(self.buf)).ok_or_else(|| {
            self.error(Malformed::WrongType, k, format_args!("{} is out of range for i64", excerpt(v.bytes(self.buf))))
        })
    }

    #[inline]
    pub fn opt_i64(&self, k: Key) -> Result<Option<i64>, DecodeError> {
        if self.has(k) { self.i64(k).map(Some) } else { Ok(None) }
    }

    /// A required JSON boolean.
    #[inline]
    pub fn bool(&self, k: Key) -> Result<bool, DecodeError> {
        let v = self.get(k);
        match v.kind {
            Kind::True => Ok(true),
            Kind::False => Ok(false),
            _ => Err(self.wrong(k, "a boolean", v)),
        }
    }

    /// A required price string at `scale` decimals, unsigned.
    #[inline]
    pub fn price(&self, k: Key, scale: u8) -> Result<Price, DecodeError> {
        let s = self.str(k)?;
        Price::parse_unsigned(s, scale).map_err(|e| self.bad_decimal(k, s, e))
    }

    /// A required quantity string at `scale` decimals, unsigned.
    #[inline]
    pub fn qty(&self, k: Key, scale: u8) -> Result<Qty, DecodeError> {
        let s = self.str(k)?;
        Qty::parse_unsigned(s, scale).map_err(|e| self.bad_decimal(k, s, e))
    }

    /// A required unsigned money string (18 decimals).
    pub fn notional(&self, k: Key) -> Result<Notional, DecodeError> {
        let s = self.str(k)?;
        parse_notional(s).map_err(|e| self.bad_decimal(k, s, e))
    }

    #[cold]
    pub fn bad_decimal(&self, k: Key, raw: &[u8], e: FixedError) -> DecodeError {
        self.error(Malformed::BadDecimal, k, format_args!("bad decimal \"{}\": {e}", excerpt(raw)))
    }

    /// A required object, as a span to re-scan.
    pub fn object(&self, k: Key) -> Result<Span, DecodeError> {
        let v = self.get(k);
        if v.kind == Kind::Object { Ok(v) } else { Err(self.wrong(k, "an object", v)) }
    }

    /// A required array, as a span to re-scan.
    pub fn array(&self, k: Key) -> Result<Span, DecodeError> {
        let v = self.get(k);
        if v.kind == Kind::Array { Ok(v) } else { Err(self.wrong(k, "an array", v)) }
    }
}

/// Parses unsigned wire money exactly: a sign is refused like for prices.
pub fn parse_notional(s: &[u8]) -> Result<Notional, FixedError> {
    match s.first() {
        None => Err(FixedError::Empty),
        Some(b'-' | b'+') => Err(FixedError::SignNotAllowed),
        Some(_) => {
            let text = std::str::from_utf8(s).map_err(|_| FixedError::InvalidChar(char::REPLACEMENT_CHARACTER))?;
            Notional::parse(text)
        }
    }
}

/// The `data` key of the combined-stream envelope.
pub const DATA: Key = Key::new("data");

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(buf: &[u8]) -> Fields<'_> {
        let mut f = Fields::new(buf, "");
        let mut s = Scanner::new(buf);
        f.collect(&mut s, 1, None).unwrap();
        f
    }

    #[test]
    fn keys_resolve_to_distinct_slots() {
        let mut seen = std::collections::HashSet::new();
        for &c in LETTERS {
            assert!(seen.insert(slot_of(&[c])));
            assert_eq!(slot_at_runtime(&[c]), slot_of(&[c]));
        }
        assert_eq!(slot_of(b"X"), NONE);
        for n in NAMED {
            assert!(seen.insert(slot_of(n.as_bytes())), "{n}");
            assert_eq!(slot_at_runtime(n.as_bytes()), slot_of(n.as_bytes()), "{n}");
        }
        assert_eq!(Key::new("nope").slot, NONE);
        assert_eq!(slot_at_runtime(b"_"), NONE);
    }

    #[test]
    fn typed_reads_name_the_field() {
        let f = collect(br#"{"t":"12","E":1.5,"m":1,"p":"1e5","q":"-1","u":-3,"a":[1]}"#);
        let t = Key::new("t");
        let err = f.u64(t).unwrap_err();
        assert_eq!(err.reason, Malformed::WrongType);
        assert_eq!(err.detail, "t: expected an unsigned integer, got a string (12)");
        assert_eq!(f.i64(Key::new("E")).unwrap_err().reason, Malformed::WrongType);
        assert_eq!(f.bool(Key::new("m")).unwrap_err().reason, Malformed::WrongType);
        let e = f.price(Key::new("p"), 8).unwrap_err();
        assert_eq!(e.reason, Malformed::BadDecimal);
        assert_eq!(e.detail, "p: bad decimal \"1e5\": exponent notation not allowed");
        assert_eq!(f.qty(Key::new("q"), 8).unwrap_err().reason, Malformed::BadDecimal);
        assert_eq!(f.u64(Key::new("u")).unwrap_err().reason, Malformed::WrongType);
        assert_eq!(f.str(Key::new("s")).unwrap_err().reason, Malformed::MissingField);
        assert_eq!(f.opt_i64(Key::new("T")), Ok(None));
        assert_eq!(f.object(Key::new("a")).unwrap_err().detail, "a: expected an object, got an array");
    }

    #[test]
    fn last_duplicate_wins_and_unknown_keys_are_ignored() {
        let f = collect(br#"{"t":1,"zzz":{"t":5},"t":2}"#);
        assert_eq!(f.u64(Key::new("t")), Ok(2));
    }

    #[test]
    fn notional_refuses_signs() {
        assert_eq!(parse_notional(b"-1"), Err(FixedError::SignNotAllowed));
        assert_eq!(parse_notional(b"0.00112926").map(|n| n.to_string()), Ok("0.00112926".into()));
    }
}
