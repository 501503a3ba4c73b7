//! Binance Spot combined-stream frames, written byte by byte.
//!
//! The constant parts of each frame (stream name, symbol) are rendered once
//! per symbol into fixed-size pieces, so copying one is a constant-size move
//! rather than a `memcpy` call. A frame is assembled in a reused scratch
//! array and handed to the caller's buffer in one copy: no allocation once
//! that buffer has grown to a frame's size.

/// `"00" "01" … "99"`: two digits per lookup halves the divisions.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Wire decimals are integers in units of 10^-8.
const WIRE_ONE: u64 = 100_000_000;
/// Size of a fixed piece; a 20-character symbol's trade head is exactly 64 bytes.
const PIECE: usize = 64;
/// A frame is at most 4 pieces, 4 integers and 4 decimals (≤ 21 bytes
/// each) and short literals: under 400 bytes, plus room for one padded piece.
const FRAME_CAP: usize = 512;

/// Fixed text, zero-padded to [`PIECE`] bytes.
#[derive(Debug, Clone)]
struct Piece {
    bytes: [u8; PIECE],
    len: usize,
}

impl Piece {
    /// Truncates beyond [`PIECE`] bytes (the config keeps symbols short enough).
    fn new(text: &str) -> Self {
        let mut bytes = [0u8; PIECE];
        let len = text.len().min(PIECE);
        bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        Self { bytes, len }
    }
}

/// The fixed text around a symbol's fields.
#[derive(Debug, Clone)]
pub(crate) struct Templates {
    /// `{"stream":"btcusdt@trade","data":{"e":"trade","E":`
    trade_head: Piece,
    /// `,"s":"BTCUSDT","t":`
    trade_symbol: Piece,
    /// `{"stream":"btcusdt@bookTicker","data":{"u":`
    book_head: Piece,
    /// `,"s":"BTCUSDT","b":"`
    book_symbol: Piece,
}

impl Templates {
    /// `symbol` is upper case as in the payload; stream names are lower case.
    pub fn new(symbol: &str) -> Self {
        let lower = symbol.to_ascii_lowercase();
        Self {
            trade_head: Piece::new(&format!(r#"{{"stream":"{lower}@trade","data":{{"e":"trade","E":"#)),
            trade_symbol: Piece::new(&format!(r#","s":"{symbol}","t":"#)),
            book_head: Piece::new(&format!(r#"{{"stream":"{lower}@bookTicker","data":{{"u":"#)),
            book_symbol: Piece::new(&format!(r#","s":"{symbol}","b":""#)),
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

/// A reusable scratch frame. Every write is bounded (pieces are 64 bytes,
/// numbers at most 21), so one frame never outgrows [`FRAME_CAP`].
pub(crate) struct Frame {
    bytes: [u8; FRAME_CAP],
    len: usize,
}

impl Frame {
    pub fn new() -> Self {
        Self { bytes: [0; FRAME_CAP], len: 0 }
    }

    /// The frame written last.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Replaces the content with a `trade` frame.
    #[inline]
    pub fn trade(&mut self, t: &Templates, f: &TradeFields) {
        self.len = 0;
        self.piece(&t.trade_head);
        self.i64(f.event_ms);
        self.piece(&t.trade_symbol);
        self.u64(f.trade_id);
        self.literal(br#","p":""#);
        self.wire_decimal(f.price);
        self.literal(br#"","q":""#);
        self.wire_decimal(f.qty);
        self.literal(br#"","T":"#);
        self.i64(f.trade_ms);
        if f.buyer_is_maker {
            self.literal(br#","m":true,"M":true}}"#);
        } else {
            self.literal(br#","m":false,"M":true}}"#);
        }
    }

    /// Replaces the content with a `bookTicker` frame.
    #[inline]
    pub fn book(&mut self, t: &Templates, f: &BookFields) {
        self.len = 0;
        self.piece(&t.book_head);
        self.u64(f.update_id);
        self.piece(&t.book_symbol);
        self.wire_decimal(f.bid);
        self.literal(br#"","B":""#);
        self.wire_decimal(f.bid_qty);
        self.literal(br#"","a":""#);
        self.wire_decimal(f.ask);
        self.literal(br#"","A":""#);
        self.wire_decimal(f.ask_qty);
        self.literal(br#""}}"#);
    }

    #[inline]
    fn piece(&mut self, p: &Piece) {
        self.bytes[self.len..self.len + PIECE].copy_from_slice(&p.bytes);
        self.len += p.len;
    }

    #[inline]
    fn literal<const N: usize>(&mut self, s: &[u8; N]) {
        self.bytes[self.len..self.len + N].copy_from_slice(s);
        self.len += N;
    }

    /// `v` in decimal, written from its last digit back.
    #[inline]
    fn u64(&mut self, mut v: u64) {
        let end = self.len + v.checked_ilog10().map_or(1, |d| d as usize + 1);
        let mut i = end;
        while v >= 100 {
            let r = (v % 100) as usize * 2;
            v /= 100;
            i -= 2;
            self.bytes[i..i + 2].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
        }
        if v >= 10 {
            let r = v as usize * 2;
            self.bytes[i - 2..i].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
        } else {
            self.bytes[i - 1] = b'0' + v as u8;
        }
        self.len = end;
    }

    /// `v` in decimal, with a minus sign when negative.
    #[inline]
    fn i64(&mut self, v: i64) {
        if v < 0 {
            self.literal(b"-");
        }
        self.u64(v.unsigned_abs());
    }

    /// A wire integer (units of 10^-8) as `int.dddddddd`, the way Binance
    /// Spot pads every price and quantity.
    #[inline]
    fn wire_decimal(&mut self, v: u64) {
        self.u64(v / WIRE_ONE);
        let frac = (v % WIRE_ONE) as usize;
        let (hi, lo) = (frac / 10_000, frac % 10_000);
        let mut tmp = [b'.'; 9];
        for (k, d) in [hi / 100, hi % 100, lo / 100, lo % 100].into_iter().enumerate() {
            tmp[1 + 2 * k..3 + 2 * k].copy_from_slice(&DIGIT_PAIRS[2 * d..2 * d + 2]);
        }
        self.literal(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixed::write_fixed;
    use proptest::prelude::*;

    fn text(f: impl FnOnce(&mut Frame)) -> String {
        let mut frame = Frame::new();
        f(&mut frame);
        String::from_utf8(frame.as_bytes().to_vec()).unwrap()
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
            text(|b| b.trade(&t, &trade)),
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000123,"s":"BTCUSDT","t":42,"p":"61837.63000000","q":"0.02000000","T":1700000000122,"m":true,"M":true}}"#
        );
        let book = BookFields { update_id: 7, bid: 100_000_000, bid_qty: 1, ask: 0, ask_qty: 12_345_678_900_000_000 };
        assert_eq!(
            text(|b| b.book(&t, &book)),
            r#"{"stream":"btcusdt@bookTicker","data":{"u":7,"s":"BTCUSDT","b":"1.00000000","B":"0.00000001","a":"0.00000000","A":"123456789.00000000"}}"#
        );
        assert_eq!(text(|b| b.i64(-5)), "-5");
        // The longest symbol the config allows still fits every piece whole.
        let long = Templates::new("ABCDEFGHIJKLMNOPQRST");
        let head = r#"{"stream":"abcdefghijklmnopqrst@trade","data":{"e":"trade","E":"#;
        assert_eq!(&long.trade_head.bytes[..long.trade_head.len], head.as_bytes());
    }

    proptest! {
        #[test]
        fn integers_and_decimals_match_the_standard_formatting(v in any::<u64>(), small in 0u64..1000) {
            prop_assert_eq!(text(|b| b.u64(v)), v.to_string());
            prop_assert_eq!(text(|b| b.u64(small)), small.to_string());
            let mut expected = String::new();
            write_fixed(&mut expected, i128::from(v), 8).unwrap();
            prop_assert_eq!(text(|b| b.wire_decimal(v)), expected);
        }
    }
}
