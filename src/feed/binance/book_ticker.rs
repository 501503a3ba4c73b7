//! `bookTicker`: best bid and offer.
//!
//! The spot payload has no `e` and no time at all (it is recognised by its
//! fields); futures add `e`, `E` and `T`, coin-M also `ps`.

use super::error::DecodeError;
use super::fields::{Fields, Key};
use super::symbols::Symbols;
use crate::domain::BookTicker;

const SYMBOL: Key = Key::new("s");
const UPDATE_ID: Key = Key::new("u");
const BID: Key = Key::new("b");
const BID_QTY: Key = Key::new("B");
const ASK: Key = Key::new("a");
const ASK_QTY: Key = Key::new("A");
const EVENT_TIME: Key = Key::new("E");
const TX_TIME: Key = Key::new("T");

/// Whether an object without `e` has the spot bookTicker shape.
#[inline]
pub(super) fn looks_like(f: &Fields<'_>) -> bool {
    f.has(UPDATE_ID) && f.has(SYMBOL) && f.has(BID) && f.has(BID_QTY) && f.has(ASK) && f.has(ASK_QTY)
}

#[inline]
pub(super) fn decode(f: &Fields<'_>, symbols: &mut Symbols) -> Result<BookTicker, DecodeError> {
    let inst = symbols.resolve_field(f, SYMBOL)?;
    Ok(BookTicker {
        instrument: inst.id,
        update_id: f.u64(UPDATE_ID)?,
        bid: f.price(BID, inst.price_scale)?,
        bid_qty: f.qty(BID_QTY, inst.qty_scale)?,
        ask: f.price(ASK, inst.price_scale)?,
        ask_qty: f.qty(ASK_QTY, inst.qty_scale)?,
        event_time_ms: f.opt_i64(EVENT_TIME)?.unwrap_or(0),
        transaction_time_ms: f.opt_i64(TX_TIME)?.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::{BookTicker, MarketEvent, Price, Qty};
    use crate::feed::binance::{BinanceDecoder, Decoded, Malformed};

    fn ticker(frame: &str) -> BookTicker {
        match BinanceDecoder::default().decode(frame.as_bytes()) {
            Ok(Decoded::Market(MarketEvent::BookTicker(b))) => b,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decodes_spot_usdm_and_coinm_forms() {
        let spot = ticker(
            r#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#,
        );
        assert_eq!(spot.update_id, 50_093_239_212);
        assert_eq!((spot.bid, spot.bid_qty), (Price(6_183_763_000_000), Qty(378_826_000)));
        assert_eq!((spot.ask, spot.ask_qty), (Price(6_183_764_000_000), Qty(154_698_000)));
        assert_eq!((spot.event_time_ms, spot.transaction_time_ms), (0, 0));

        let usdm = ticker(
            r#"{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}}"#,
        );
        assert_eq!(usdm.update_id, 5_123_107_839_020);
        assert_eq!((usdm.event_time_ms, usdm.transaction_time_ms), (1_723_161_256_313, 1_723_161_256_313));
        assert_eq!(usdm.ask_qty, Qty(251_000_000));

        let coinm = ticker(
            r#"{"stream":"btcusd_perp@bookTicker","data":{"u":1007199021091,"e":"bookTicker","s":"BTCUSD_PERP","ps":"BTCUSD","b":"61824.9","B":"2","a":"61825.0","A":"1","T":1723161295539,"E":1723161295552}}"#,
        );
        assert_eq!((coinm.bid, coinm.bid_qty), (Price(6_182_490_000_000), Qty(200_000_000)));
        assert_eq!(coinm.event_time_ms, 1_723_161_295_552);
    }

    #[test]
    fn raw_spot_form_is_recognised_without_e() {
        let b = ticker(
            r#"{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}"#,
        );
        assert_eq!(b.bid, Price(2_535_190_000));
        // Without the quantities it is no bookTicker, just an unknown object.
        let d = BinanceDecoder::default().decode(br#"{"u":1,"s":"BNBUSDT","b":"1","a":"2"}"#);
        assert!(matches!(d, Ok(Decoded::Unknown)));
    }

    #[test]
    fn refuses_a_negative_bid() {
        let e = BinanceDecoder::default()
            .decode(br#"{"e":"bookTicker","u":1,"s":"BTCUSDT","b":"-1","B":"1","a":"2","A":"1"}"#)
            .unwrap_err();
        assert_eq!(
            (e.reason, e.detail.as_str()),
            (Malformed::BadDecimal, "b: bad decimal \"-1\": sign not allowed here")
        );
    }
}
