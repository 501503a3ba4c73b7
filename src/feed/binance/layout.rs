//! The fast path: Binance's own byte layout of the frames that make up
//! nearly all of a feed (`trade`, `aggTrade`, `bookTicker` in the
//! combined-stream envelope), matched byte for byte.
//!
//! The venue writes these with fixed key order and no whitespace, so a
//! frame can be read by walking its layout instead of scanning it into a
//! field table. Anything that differs in any way (another key order, an
//! extra or missing field, whitespace, an escape, a number that is not a
//! plain integer, a value that does not parse) returns `None`, and the
//! general decoder takes the frame and gives the answer or the error it
//! always gave. Every layout is valid JSON by construction: each value is
//! checked to the JSON grammar before it is used, and nothing follows the
//! closing braces. Only symbols the decoder already knows are taken (a
//! symbol's first frame goes to the general decoder, which registers it),
//! so a frame refused here leaves no trace. Decimals are read in the same
//! pass as the walk, eight digits at a time, with the rules of
//! [`crate::domain::Price::parse_unsigned`].

use super::json;
use super::symbols::Symbols;
use crate::domain::fixed::{POW10, digit_values, leading_digits};
use crate::domain::{BookTicker, MarketEvent, Price, Qty, Trade};

/// 10^n for n in 0..=18.
#[inline]
fn pow10(n: u32) -> u64 {
    POW10[n as usize] as u64
}

/// Bit 7 of each byte of `w` that ends a plain string: a quote, a
/// backslash, a control character or anything outside printable ASCII.
/// Exact per byte: every sum works on seven bits and cannot carry into the
/// next byte.
#[inline]
fn string_stops(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| !(((x & LOW7) + LOW7) | x) & HIGH;
    let quote = zero(w ^ 0x2222_2222_2222_2222);
    let backslash = zero(w ^ 0x5c5c_5c5c_5c5c_5c5c);
    let low = w & LOW7;
    let control = !(low + 0x6060_6060_6060_6060) & !w & HIGH;
    let high = (w | (low + 0x0101_0101_0101_0101)) & HIGH;
    quote | backslash | control | high
}

/// The event in `frame`, if it is one of the layouts; `None` sends it to
/// the general decoder.
#[inline]
pub(super) fn decode(frame: &[u8], symbols: &mut Symbols) -> Option<MarketEvent> {
    let mut c = Cursor { b: frame, p: 0 };
    c.lit(b"{\"stream\":\"")?;
    c.string()?;
    c.lit(b"\",\"data\":{\"")?;
    match c.peek()? {
        b'u' => book_ticker(c, symbols).map(MarketEvent::BookTicker),
        b'e' => {
            c.lit(b"e\":\"")?;
            let aggregated = c.lit(b"trade\",\"E\":").is_none();
            if aggregated {
                c.lit(b"aggTrade\",\"E\":")?;
            }
            trade(c, symbols, aggregated).map(MarketEvent::Trade)
        }
        _ => None,
    }
}

/// `u":1,"s":"BTCUSDT","b":"1.0","B":"2.0","a":"1.1","A":"3.0"}}`
#[inline]
fn book_ticker(mut c: Cursor<'_>, symbols: &mut Symbols) -> Option<BookTicker> {
    c.lit(b"u\":")?;
    let update_id = json::int_u64(c.uint()?)?;
    c.lit(b",\"s\":\"")?;
    let inst = symbols.known(c.string()?)?;
    c.lit(b"\",\"b\":\"")?;
    let bid = c.decimal(inst.price_scale)?;
    c.lit(b"\",\"B\":\"")?;
    let bid_qty = c.decimal(inst.qty_scale)?;
    c.lit(b"\",\"a\":\"")?;
    let ask = c.decimal(inst.price_scale)?;
    c.lit(b"\",\"A\":\"")?;
    let ask_qty = c.decimal(inst.qty_scale)?;
    c.lit(b"\"}}")?;
    c.end()?;
    Some(BookTicker {
        instrument: inst.id,
        update_id,
        bid: Price(bid),
        bid_qty: Qty(bid_qty),
        ask: Price(ask),
        ask_qty: Qty(ask_qty),
        event_time_ms: 0,
        transaction_time_ms: 0,
    })
}

/// After `"E":` — a trade: `1,"s":"BTCUSDT","t":1,"p":"1.0","q":"2.0","T":1,"m":true,"M":true}}`,
/// or an aggregate trade: `1,"s":"BTCUSDT","a":1,"p":"1.0","q":"2.0","f":1,"l":1,"T":1,"m":true,"M":true}}`
/// (`M` may be absent from either).
#[inline]
fn trade(mut c: Cursor<'_>, symbols: &mut Symbols, aggregated: bool) -> Option<Trade> {
    let event_time_ms = json::int_i64(c.int()?)?;
    c.lit(b",\"s\":\"")?;
    let inst = symbols.known(c.string()?)?;
    if aggregated {
        c.lit(b"\",\"a\":")?;
    } else {
        c.lit(b"\",\"t\":")?;
    }
    let trade_id = json::int_u64(c.uint()?)?;
    c.lit(b",\"p\":\"")?;
    let price = c.decimal(inst.price_scale)?;
    c.lit(b"\",\"q\":\"")?;
    let qty = c.decimal(inst.qty_scale)?;
    c.lit(b"\"")?;
    let (first_trade_id, last_trade_id) = if aggregated {
        c.lit(b",\"f\":")?;
        let first = json::int_u64(c.uint()?)?;
        c.lit(b",\"l\":")?;
        (first, json::int_u64(c.uint()?)?)
    } else {
        (trade_id, trade_id)
    };
    c.lit(b",\"T\":")?;
    let time_ms = json::int_i64(c.int()?)?;
    c.lit(b",\"m\":")?;
    let buyer_is_maker = c.boolean()?;
    c.tail()?;
    Some(Trade {
        instrument: inst.id,
        trade_id,
        price: Price(price),
        qty: Qty(qty),
        time_ms,
        event_time_ms,
        buyer_is_maker,
        aggregated,
        first_trade_id,
        last_trade_id,
    })
}

/// A position in a frame; every method moves past what it matched or
/// returns `None`.
struct Cursor<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.p).copied()
    }

    /// Exactly these bytes (a fixed-size compare, no call to `memcmp`).
    #[inline]
    fn lit<const N: usize>(&mut self, s: &[u8; N]) -> Option<()> {
        let end = self.p + N;
        let got: &[u8; N] = self.b.get(self.p..end)?.try_into().ok()?;
        (got == s).then(|| self.p = end)
    }

    /// The body of a string up to its closing quote (not consumed): printable
    /// ASCII only, so no escape and nothing JSON forbids. Eight bytes are
    /// looked at a time ([`string_stops`]); the last few of the frame one
    /// at a time.
    #[inline]
    fn string(&mut self) -> Option<&'a [u8]> {
        let rest = self.b.get(self.p..)?;
        let mut n = 0;
        while let Some(chunk) = rest.get(n..n + 8) {
            let word =
                u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
            let stops = string_stops(word);
            if stops != 0 {
                n += stops.trailing_zeros() as usize / 8;
                return (rest[n] == b'"').then(|| self.take(rest, n));
            }
            n += 8;
        }
        loop {
            match *rest.get(n)? {
                b'"' => return Some(self.take(rest, n)),
                0x20..0x7f if rest[n] != b'\\' => n += 1,
                _ => return None,
            }
        }
    }

    /// The first `n` bytes of `rest`, which starts here; moves past them.
    #[inline]
    fn take(&mut self, rest: &'a [u8], n: usize) -> &'a [u8] {
        self.p += n;
        &rest[..n]
    }

    /// The body of a decimal string (`123`, `123.`, `123.4500`; the closing
    /// quote not consumed) as a fixed-point mantissa at `scale`: digits past
    /// the scale must be zeros, and the whole must fit 18 digits. Anything
    /// else is `None` (the general decoder then gives the answer).
    #[inline]
    fn decimal(&mut self, scale: u8) -> Option<i64> {
        let scale = u32::from(scale);
        let (int, int_len) = self.digit_run()?;
        if int_len == 0 || int_len + scale > 18 {
            return None;
        }
        let mut value = int * pow10(scale);
        if self.peek() == Some(b'.') {
            self.p += 1;
            value += self.fraction(scale)?;
        }
        (self.peek() == Some(b'"')).then_some(value as i64)
    }

    /// The digits after a decimal point as a number of `scale` digits
    /// (short ones padded with zeros), eight bytes looked at a time; `None`
    /// when a digit past the scale is not 0 or more than 18 digits follow.
    /// Digits past the scale are checked for zeros where they stand rather
    /// than cut off by a division (a tenth of this parser's time).
    #[inline]
    fn fraction(&mut self, scale: u32) -> Option<u64> {
        let (mut value, mut taken, mut len) = (0u64, 0u32, 0u32);
        loop {
            let Some(chunk) = self.b.get(self.p..self.p + 8) else {
                while let Some(d) = self.peek().map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) {
                    if taken < scale {
                        value = value * 10 + u64::from(d);
                        taken += 1;
                    } else if d != 0 {
                        return None;
                    }
                    len += 1;
                    if len > 18 {
                        return None;
                    }
                    self.p += 1;
                }
                return Some(value * pow10(scale - taken));
            };
            let word =
                u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
            let (d, k) = leading_digits(word);
            let keep = k.min(scale - taken);
            if keep > 0 {
                value = value * pow10(keep) + digit_values(d << (8 * (8 - keep)));
                taken += keep;
            }
            if k > keep {
                // Digit values past the scale, in bytes keep..k of `d`.
                let past = (d >> (8 * keep)) & (u64::MAX >> (64 - 8 * (k - keep)));
                if past != 0 {
                    return None;
                }
            }
            len += k;
            self.p += k as usize;
            if len > 18 {
                return None;
            }
            if k < 8 {
                return Some(value * pow10(scale - taken));
            }
        }
    }

    /// A run of at most 18 ASCII digits here: its value and length, eight
    /// bytes looked at a time ([`leading_digits`], [`digit_values`]).
    #[inline]
    fn digit_run(&mut self) -> Option<(u64, u32)> {
        let (mut value, mut len) = (0u64, 0u32);
        loop {
            let Some(chunk) = self.b.get(self.p..self.p + 8) else {
                while let Some(d) = self.peek().map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) {
                    len += 1;
                    if len > 18 {
                        return None;
                    }
                    value = value * 10 + u64::from(d);
                    self.p += 1;
                }
                return Some((value, len));
            };
            let word =
                u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
            let (d, k) = leading_digits(word);
            if k > 0 {
                // The k digits as the low end of an eight-digit number.
                value = value.checked_mul(pow10(k))?.checked_add(digit_values(d << (8 * (8 - k))))?;
                len += k;
                self.p += k as usize;
            }
            if len > 18 {
                return None;
            }
            if k < 8 {
                return Some((value, len));
            }
        }
    }

    /// A JSON integer without sign: `0` or digits not starting with 0.
    #[inline]
    fn uint(&mut self) -> Option<&'a [u8]> {
        let rest = self.b.get(self.p..)?;
        let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || (n > 1 && rest[0] == b'0') {
            return None;
        }
        self.p += n;
        Some(&rest[..n])
    }

    /// A JSON integer, possibly negative.
    #[inline]
    fn int(&mut self) -> Option<&'a [u8]> {
        let start = self.p;
        if self.peek() == Some(b'-') {
            self.p += 1;
        }
        match self.uint() {
            Some(_) => Some(&self.b[start..self.p]),
            None => {
                self.p = start;
                None
            }
        }
    }

    #[inline]
    fn boolean(&mut self) -> Option<bool> {
        if self.lit(b"true").is_some() { Some(true) } else { self.lit(b"false").map(|()| false) }
    }

    /// The end of a trade: `}}` or `,"M":<bool>}}`, then nothing.
    #[inline]
    fn tail(&mut self) -> Option<()> {
        if self.lit(b",\"M\":").is_some() {
            self.boolean()?;
        }
        self.lit(b"}}")?;
        self.end()
    }

    #[inline]
    fn end(&self) -> Option<()> {
        (self.p == self.b.len()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_stops_mark_exactly_the_bytes_that_end_a_plain_string() {
        let stops = |b: u8| b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b);
        // Every pair of neighbouring bytes at every place: no byte changes
        // what another is found to be.
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for at in 0..7 {
                    let mut w = [b'x'; 8];
                    w[at] = a;
                    w[at + 1] = b;
                    let got = string_stops(u64::from_le_bytes(w));
                    for (i, &byte) in w.iter().enumerate() {
                        assert_eq!(got >> (8 * i + 7) & 1 == 1, stops(byte), "{w:?} byte {i}");
                    }
                    assert_eq!(got & !0x8080_8080_8080_8080, 0);
                }
            }
        }
    }

    use crate::domain::{Instruments, Venue};
    use crate::feed::binance::BinanceDecoder;
    use crate::feed::binance::Decoded;

    const TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#;
    const BOOK: &str = r#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#;
    const AGG: &str = r#"{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1723161255343,"s":"BTCUSDT","a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true}}"#;

    /// The fast path with BTCUSDT known (as after its first frame).
    fn fast(frame: &str) -> Option<MarketEvent> {
        let mut s = Symbols::new(Instruments::auto(Venue::BinanceSpot));
        s.resolve(b"BTCUSDT");
        decode(frame.as_bytes(), &mut s)
    }

    fn general(frame: &str) -> Option<MarketEvent> {
        let mut d = BinanceDecoder::default();
        match d.decode_general(frame.as_bytes()) {
            Ok(Decoded::Market(m)) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn the_three_layouts_decode_as_the_general_decoder_does() {
        for f in [TRADE, BOOK, AGG] {
            let got = fast(f);
            assert!(got.is_some(), "{f}");
            assert_eq!(got, general(f), "{f}");
        }
        let no_m = TRADE.replace(",\"M\":true", "");
        assert_eq!(fast(&no_m), general(&no_m));
        assert!(fast(&no_m).is_some());
    }

    #[test]
    fn anything_else_goes_to_the_general_decoder() {
        let cases = [
            TRADE.replace("\"E\":", "\"E\": "),                                    // whitespace
            TRADE.replace("\"t\":3735683259", "\"t\":03735683259"),                // leading zero (invalid JSON)
            TRADE.replace("\"t\":3735683259", "\"t\":3735683259.0"),               // not an integer
            TRADE.replace("\"t\":3735683259", "\"t\":-3735683259"),                // negative id
            TRADE.replace("}}", "}} "),                                            // trailing bytes
            TRADE.replace("}}", "}"),                                              // cut short
            TRADE.replace("BTCUSDT", "BTC\\u0055SDT"),                             // an escape
            TRADE.replace("\"m\":true", "\"m\":tru"),                              // bad literal
            TRADE.replace("\"p\":\"61837.63000000\"", "\"p\":\"61837.6300000x\""), // bad decimal
            TRADE.replace(",\"M\":true", ",\"M\":true,\"X\":\"MARKET\""),          // extra field
            BOOK.replace("\"u\":", "\"U\":"),                                      // other key
            BOOK.replace("\"stream\"", "\"Stream\""),
            r#"{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1,"m":true}"#.into(), // no envelope
        ];
        for f in &cases {
            assert_eq!(fast(f), None, "{f}");
        }
    }

    #[test]
    fn a_refused_frame_registers_no_symbol() {
        let mut s = Symbols::new(Instruments::auto(Venue::BinanceSpot));
        let bad = TRADE.replace("BTCUSDT", "NEWUSDT").replace("}}", "}}x");
        assert_eq!(decode(bad.as_bytes(), &mut s), None);
        assert_eq!(s.table().len(), 0);
    }

    #[test]
    fn a_symbol_first_met_goes_to_the_general_decoder() {
        let mut s = Symbols::new(Instruments::auto(Venue::BinanceSpot));
        assert_eq!(decode(TRADE.as_bytes(), &mut s), None);
        assert_eq!(s.table().len(), 0);
    }

    #[test]
    fn decimals_follow_the_fixed_point_rules() {
        let cases = [
            ("61837.63000000", true),
            ("61837.6300000001", false), // a digit past the scale that is not 0
            ("61837", true),
            ("61837.", true),
            ("0.00000001", true),
            ("123456789012345678", false), // 18 digits + scale 8: too long for i64 at this scale
            (".5", false),
            ("1e5", false),
            ("-1", false),
            ("1.2.3", false),
            ("00012.5", true),
        ];
        for (text, fast_takes) in cases {
            let f = TRADE.replace("61837.63000000", text);
            let got = fast(&f);
            assert_eq!(got.is_some(), fast_takes, "{text}");
            if got.is_some() {
                let mut d = BinanceDecoder::default();
                let _ = d.decode_general(TRADE.as_bytes());
                let want = match d.decode_general(f.as_bytes()) {
                    Ok(Decoded::Market(m)) => Some(m),
                    _ => None,
                };
                assert_eq!(got, want, "{text}");
            }
        }
    }

    #[test]
    fn long_digit_runs_at_the_end_of_a_frame_are_refused_without_overflow() {
        // The last decimal of a book ticker ends three bytes before the
        // frame does: its digits are read one by one, and must stop at 18.
        let digits = "9".repeat(40);
        let f = BOOK.replace("\"A\":\"1.54698000\"", &format!("\"A\":\"1.{digits}\""));
        assert_eq!(fast(&f), None);
        let f = BOOK.replace("\"A\":\"1.54698000\"", &format!("\"A\":\"{digits}\""));
        assert_eq!(fast(&f), None);
    }

    #[test]
    fn an_out_of_range_number_goes_to_the_general_decoder() {
        let f = TRADE.replace("\"t\":3735683259", "\"t\":99999999999999999999999");
        assert_eq!(fast(&f), None);
    }
}
