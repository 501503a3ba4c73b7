//! Binance Spot combined-stream frames, written byte by byte.
//!
//! The constant parts of each frame (stream name, symbol) are rendered once
//! per symbol; a message then costs a few `extend_from_slice` calls and
//! integer-to-decimal conversions into the caller's buffer, with no
//! allocation once the buffer has grown to a frame's size.

/// `"00" "01" … "99"`: two digits per lookup halves the divisions.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Wire decimals are integers in units of 10^-8.
const WIRE_ONE: u64 = 100_000_000;

/// The fixed text around a symbol's fields.
#[derive(Debug, Clone)]
pub(crate) struct Templates {
    /// `{"stream":"btcusdt@trade","data":{"e":"trade","E":`
    trade_head: Box<[u8]>,
    /// `,"s":"BTCUSDT","t":`
    trade_symbol: Box<[u8]>,
    /// `{"stream":"btcusdt@bookTicker","data":{"u":`
    book_head: Box<[u8]>,
    /// `,"s":"BTCUSDT","b":"`
    book_symbol: Box<[u8]>,
}

impl Templates {
    /// `symbol` is upper case as in the payload; stream names are lower case.
    pub fn new(symbol: &str) -> Self {
        let lower = symbol.to_ascii_lowercase();
        let bytes = |s: String| s.into_bytes().into_boxed_slice();
        Self {
            trade_head: bytes(format!(
                r#"{{"stream":"{lower}@trade","data":{{"e":"trade","E":"#
            )),
            trade_symbol: bytes(format!(r#","s":"{symbol}","t":"#)),
            book_head: bytes(format!(r#"{{"stream":"{lower}@bookTicker","data":{{"u":"#)),
            book_symbol: bytes(format!(r#","s":"{symbol}","b":""#)),
        }
    }
}

/// The variable fields of a `trade` frame; prices and sizes as wire integers.
pub(crate) struct TradeFields {
    pub event_ms: i64,
    pub trade_id: u64,
    pub price: u64,
    pub qty: u64,
    pub trade_ms: i64,
    pub buyer_is_maker: bool,
}

/// The variable fields of a `bookTicker` frame; prices and sizes as wire integers.
pub(crate) struct BookFields {
    pub update_id: u64,
    pub bid: u64,
    pub bid_qty: u64,
    pub ask: u64,
    pub ask_qty: u64,
}

/// Appends a `trade` frame.
#[inline]
pub(crate) fn write_trade(buf: &mut Vec<u8>, t: &Templates, f: &TradeFields) {
    buf.extend_from_slice(&t.trade_head);
    push_i64(buf, f.event_ms);
    buf.extend_from_slice(&t.trade_symbol);
    push_u64(buf, f.trade_id);
    buf.extend_from_slice(br#","p":""#);
    push_wire_decimal(buf, f.price);
    buf.extend_from_slice(br#"","q":""#);
    push_wire_decimal(buf, f.qty);
    buf.extend_from_slice(br#"","T":"#);
    push_i64(buf, f.trade_ms);
    buf.extend_from_slice(if f.buyer_is_maker {
        br#","m":true,"M":true}}"#
    } else {
        br#","m":false,"M":true}}"#
    });
}

/// Appends a `bookTicker` frame.
#[inline]
pub(crate) fn write_book(buf: &mut Vec<u8>, t: &Templates, f: &BookFields) {
    buf.extend_from_slice(&t.book_head);
    push_u64(buf, f.update_id);
    buf.extend_from_slice(&t.book_symbol);
    push_wire_decimal(buf, f.bid);
    buf.extend_from_slice(br#"","B":""#);
    push_wire_decimal(buf, f.bid_qty);
    buf.extend_from_slice(br#"","a":""#);
    push_wire_decimal(buf, f.ask);
    buf.extend_from_slice(br#"","A":""#);
    push_wire_decimal(buf, f.ask_qty);
    buf.extend_from_slice(br#""}}"#);
}

/// Appends `v` in decimal.
#[inline]
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    while v >= 100 {
        let r = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
    }
    if v >= 10 {
        let r = v as usize * 2;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
    } else {
        i -= 1;
        tmp[i] = b'0' + v as u8;
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends `v` in decimal, with a minus sign when negative.
#[inline]
pub(crate) fn push_i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    push_u64(buf, v.unsigned_abs());
}

/// Appends a wire integer (units of 10^-8) as `int.dddddddd`, the way
/// Binance Spot pads every price and quantity.
#[inline]
pub(crate) fn push_wire_decimal(buf: &mut Vec<u8>, v: u64) {
    push_u64(buf, v / WIRE_ONE);
    let frac = (v % WIRE_ONE) as usize;
    let (hi, lo) = (frac / 10_000, frac % 10_000);
    let mut tmp = [b'.'; 9];
    for (k, d) in [hi / 100, hi % 100, lo / 100, lo % 100]
        .into_iter()
        .enumerate()
    {
        tmp[1 + 2 * k..3 + 2 * k].copy_from_slice(&DIGIT_PAIRS[2 * d..2 * d + 2]);
    }
    buf.extend_from_slice(&tmp);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixed::write_fixed;
    use proptest::prelude::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn writes_binance_shaped_frames() {
        let t = Templates::new("BTCUSDT");
        let trade = TradeFields {
            event_ms: 1_700_000_000_123,
            trade_id: 42,
            price: 6_183_763_000_000,
            qty: 2_000_000,
            trade_ms: 1_700_000_000_122,
            buyer_is_maker: true,
        };
        assert_eq!(
            text(|b| write_trade(b, &t, &trade)),
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000123,"s":"BTCUSDT","t":42,"p":"61837.63000000","q":"0.02000000","T":1700000000122,"m":true,"M":true}}"#
        );
        let book = BookFields {
            update_id: 7,
            bid: 100_000_000,
            bid_qty: 1,
            ask: 0,
            ask_qty: 12_345_678_900_000_000,
        };
        assert_eq!(
            text(|b| write_book(b, &t, &book)),
            r#"{"stream":"btcusdt@bookTicker","data":{"u":7,"s":"BTCUSDT","b":"1.00000000","B":"0.00000001","a":"0.00000000","A":"123456789.00000000"}}"#
        );
        assert_eq!(text(|b| push_i64(b, -5)), "-5");
    }

    proptest! {
        #[test]
        fn integers_and_decimals_match_the_standard_formatting(v in any::<u64>(), small in 0u64..1000) {
            prop_assert_eq!(text(|b| push_u64(b, v)), v.to_string());
            prop_assert_eq!(text(|b| push_u64(b, small)), small.to_string());
            let mut expected = String::new();
            write_fixed(&mut expected, i128::from(v), 8).unwrap();
            prop_assert_eq!(text(|b| push_wire_decimal(b, v)), expected);
        }
    }
}
