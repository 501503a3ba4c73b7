//! Binance payloads written straight into a byte buffer: integers without
//! `fmt`, decimals as strings padded to 8 places like the exchange's.

use super::candles::Bar;
use crate::domain::Trade;

/// Wire decimals (Binance Spot pads every price and quantity to 8).
const WIRE_SCALE: u8 = 8;

/// Appends `v` in decimal.
#[inline]
pub fn u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends `v` in decimal with its sign.
#[inline]
pub fn i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    u64(buf, v.unsigned_abs());
}

/// Appends a mantissa at `scale` as a JSON string with 8 decimals; finer
/// scales (quote volumes) are truncated to 8.
#[inline]
pub fn dec(buf: &mut Vec<u8>, raw: i128, scale: u8) {
    let v = if scale <= WIRE_SCALE {
        raw.saturating_mul(10i128.pow(u32::from(WIRE_SCALE - scale)))
    } else {
        raw / 10i128.pow(u32::from(scale - WIRE_SCALE))
    };
    buf.push(b'"');
    if v < 0 {
        buf.push(b'-');
    }
    let a = v.unsigned_abs();
    let int = a / 100_000_000;
    let frac = (a % 100_000_000) as u64;
    if let Ok(i) = u64::try_from(int) {
        u64(buf, i);
    } else {
        buf.extend_from_slice(int.to_string().as_bytes());
    }
    buf.push(b'.');
    let mut tmp = [b'0'; 8];
    let mut f = frac;
    for d in tmp.iter_mut().rev() {
        *d = b'0' + (f % 10) as u8;
        f /= 10;
    }
    buf.extend_from_slice(&tmp);
    buf.push(b'"');
}

fn bool(buf: &mut Vec<u8>, b: bool) {
    buf.extend_from_slice(if b { b"true" } else { b"false" });
}

/// `aggTrade` for one trade: `a`, `f` and `l` are the trade id.
pub fn agg_trade(buf: &mut Vec<u8>, symbol: &str, t: &Trade, price_scale: u8, qty_scale: u8) {
    buf.extend_from_slice(br#"{"e":"aggTrade","E":"#);
    i64(buf, t.event_time_ms);
    buf.extend_from_slice(br#","s":""#);
    buf.extend_from_slice(symbol.as_bytes());
    buf.extend_from_slice(br#"","a":"#);
    u64(buf, t.trade_id);
    buf.extend_from_slice(br#","p":"#);
    dec(buf, i128::from(t.price.0), price_scale);
    buf.extend_from_slice(br#","q":"#);
    dec(buf, i128::from(t.qty.0), qty_scale);
    buf.extend_from_slice(br#","f":"#);
    u64(buf, t.trade_id);
    buf.extend_from_slice(br#","l":"#);
    u64(buf, t.trade_id);
    buf.extend_from_slice(br#","T":"#);
    i64(buf, t.time_ms);
    buf.extend_from_slice(br#","m":"#);
    bool(buf, t.buyer_is_maker);
    buf.extend_from_slice(br#","M":true}"#);
}

/// Scales of one symbol: prices, quantities, and quote amounts (their sum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scales {
    pub price: u8,
    pub qty: u8,
}

impl Scales {
    pub fn quote(self) -> u8 {
        self.price + self.qty
    }
}

/// A `kline` event for `bar` (`x` = `closed`).
pub fn kline(buf: &mut Vec<u8>, symbol: &str, interval: &str, bar: &Bar, event_ms: i64, closed: bool, s: Scales) {
    buf.extend_from_slice(br#"{"e":"kline","E":"#);
    i64(buf, event_ms);
    buf.extend_from_slice(br#","s":""#);
    buf.extend_from_slice(symbol.as_bytes());
    buf.extend_from_slice(br#"","k":{"t":"#);
    i64(buf, bar.open_time);
    buf.extend_from_slice(br#","T":"#);
    i64(buf, bar.close_time);
    buf.extend_from_slice(br#","s":""#);
    buf.extend_from_slice(symbol.as_bytes());
    buf.extend_from_slice(br#"","i":""#);
    buf.extend_from_slice(interval.as_bytes());
    buf.extend_from_slice(br#"","f":"#);
    i64(buf, bar.first_id);
    buf.extend_from_slice(br#","L":"#);
    i64(buf, bar.last_id);
    buf.extend_from_slice(br#","o":"#);
    dec(buf, i128::from(bar.open), s.price);
    buf.extend_from_slice(br#","c":"#);
    dec(buf, i128::from(bar.close), s.price);
    buf.extend_from_slice(br#","h":"#);
    dec(buf, i128::from(bar.high), s.price);
    buf.extend_from_slice(br#","l":"#);
    dec(buf, i128::from(bar.low), s.price);
    buf.extend_from_slice(br#","v":"#);
    dec(buf, bar.volume, s.qty);
    buf.extend_from_slice(br#","n":"#);
    u64(buf, bar.trades);
    buf.extend_from_slice(br#","x":"#);
    bool(buf, closed);
    buf.extend_from_slice(br#","q":"#);
    dec(buf, bar.quote_volume, s.quote());
    buf.extend_from_slice(br#","V":"#);
    dec(buf, bar.taker_base, s.qty);
    buf.extend_from_slice(br#","Q":"#);
    dec(buf, bar.taker_quote, s.quote());
    buf.extend_from_slice(br#","B":"0"}}"#);
}

/// One depth event: what changed between update ids `first` and `last`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DepthDiff {
    pub first_id: u64,
    pub last_id: u64,
    /// `(price, qty)` mantissas; qty 0 removes the level. Bids best first.
    pub bids: Vec<(i64, i64)>,
    /// Asks best (lowest) first.
    pub asks: Vec<(i64, i64)>,
}

/// A `depthUpdate` event.
pub fn depth_update(buf: &mut Vec<u8>, symbol: &str, event_ms: i64, d: &DepthDiff, s: Scales) {
    buf.extend_from_slice(br#"{"e":"depthUpdate","E":"#);
    i64(buf, event_ms);
    buf.extend_from_slice(br#","s":""#);
    buf.extend_from_slice(symbol.as_bytes());
    buf.extend_from_slice(br#"","U":"#);
    u64(buf, d.first_id);
    buf.extend_from_slice(br#","u":"#);
    u64(buf, d.last_id);
    buf.extend_from_slice(br#","b":"#);
    levels(buf, &d.bids, s);
    buf.extend_from_slice(br#","a":"#);
    levels(buf, &d.asks, s);
    buf.push(b'}');
}

/// `[["price","qty"],...]`
pub fn levels(buf: &mut Vec<u8>, levels: &[(i64, i64)], s: Scales) {
    buf.push(b'[');
    for (i, (p, q)) in levels.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'[');
        dec(buf, i128::from(*p), s.price);
        buf.push(b',');
        dec(buf, i128::from(*q), s.qty);
        buf.push(b']');
    }
    buf.push(b']');
}

/// A decimal string (no quotes) for REST bodies built with serde_json.
pub fn dec_string(raw: i128, scale: u8) -> String {
    let mut b = Vec::with_capacity(24);
    dec(&mut b, raw, scale);
    String::from_utf8_lossy(&b[1..b.len() - 1]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentId, MarketEvent, Price, Qty};
    use crate::feed::binance::{BinanceDecoder, Decoded};
    use proptest::prelude::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn decimals_are_padded_to_eight_places() {
        assert_eq!(text(|b| dec(b, 6_183_763, 2)), r#""61837.63000000""#);
        assert_eq!(text(|b| dec(b, 1, 8)), r#""0.00000001""#);
        assert_eq!(text(|b| dec(b, 0, 0)), r#""0.00000000""#);
        assert_eq!(text(|b| dec(b, 123_456_789_012, 10)), r#""12.34567890""#);
        assert_eq!(text(|b| dec(b, -5, 1)), r#""-0.50000000""#);
        assert_eq!(dec_string(15, 1), "1.50000000");
        assert_eq!(text(|b| i64(b, i64::MIN)), i64::MIN.to_string());
    }

    #[test]
    fn agg_trades_decode_back() {
        let t = Trade {
            instrument: InstrumentId(0),
            trade_id: 42,
            price: Price(6_183_763),
            qty: Qty(2_000),
            time_ms: 1_700_000_000_122,
            event_time_ms: 1_700_000_000_123,
            buyer_is_maker: true,
            aggregated: false,
            first_trade_id: 42,
            last_trade_id: 42,
        };
        let frame = text(|b| agg_trade(b, "BTCUSDT", &t, 2, 5));
        let Ok(Decoded::Market(MarketEvent::Trade(back))) = BinanceDecoder::default().decode(frame.as_bytes()) else {
            panic!("{frame}")
        };
        assert!(back.aggregated);
        assert_eq!((back.trade_id, back.first_trade_id, back.last_trade_id), (42, 42, 42));
        assert_eq!((back.time_ms, back.event_time_ms, back.buyer_is_maker), (t.time_ms, t.event_time_ms, true));
    }

    proptest! {
        #[test]
        fn integers_match_std(v in any::<u64>(), w in any::<i64>()) {
            prop_assert_eq!(text(|b| u64(b, v)), v.to_string());
            prop_assert_eq!(text(|b| i64(b, w)), w.to_string());
        }
    }
}
