//! `aggTrade`: trades of one taker order at one price, merged.
//!
//! Futures frames (2021) have no `M`; it is never read.

use super::error::DecodeError;
use super::fields::{Fields, Key};
use super::symbols::Symbols;
use crate::domain::Trade;

const SYMBOL: Key = Key::new("s");
const AGG_ID: Key = Key::new("a");
const PRICE: Key = Key::new("p");
const QTY: Key = Key::new("q");
const FIRST: Key = Key::new("f");
const LAST: Key = Key::new("l");
const TIME: Key = Key::new("T");
const EVENT_TIME: Key = Key::new("E");
const BUYER_MAKER: Key = Key::new("m");

#[inline]
pub(super) fn decode(f: &Fields<'_>, symbols: &mut Symbols) -> Result<Trade, DecodeError> {
    let inst = symbols.resolve_field(f, SYMBOL)?;
    Ok(Trade {
        instrument: inst.id,
        trade_id: f.u64(AGG_ID)?,
        price: f.price(PRICE, inst.price_scale)?,
        qty: f.qty(QTY, inst.qty_scale)?,
        time_ms: f.i64(TIME)?,
        event_time_ms: f.opt_i64(EVENT_TIME)?.unwrap_or(0),
        buyer_is_maker: f.bool(BUYER_MAKER)?,
        aggregated: true,
        first_trade_id: f.u64(FIRST)?,
        last_trade_id: f.u64(LAST)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::{MarketEvent, Price, Qty};
    use crate::feed::binance::{BinanceDecoder, Decoded, Malformed};

    #[test]
    fn decodes_spot_and_futures_agg_trades() {
        let cases = [
            // cryptofeed spot 2021
            (
                r#"{"stream":"lrcbtc@aggTrade","data":{"e":"aggTrade","E":1633998534486,"s":"LRCBTC","a":9213679,"p":"0.00000638","q":"177.00000000","f":12368013,"l":12368013,"T":1633998534486,"m":false,"M":true}}"#,
                (9_213_679, 638, 17_700_000_000, 12_368_013, 12_368_013, 1_633_998_534_486, false),
            ),
            // cryptofeed USD-M futures 2021: no M
            (
                r#"{"stream":"ctkusdt@aggTrade","data":{"e":"aggTrade","E":1626992747395,"a":16599297,"s":"CTKUSDT","p":"1.01000","q":"5","f":23961327,"l":23961327,"T":1626992747239,"m":true}}"#,
                (16_599_297, 101_000_000, 500_000_000, 23_961_327, 23_961_327, 1_626_992_747_239, true),
            ),
        ];
        for (frame, (a, p, q, first, last, t, m)) in cases {
            let Ok(Decoded::Market(ev @ MarketEvent::Trade(tr))) = BinanceDecoder::default().decode(frame.as_bytes())
            else {
                panic!("{frame}");
            };
            assert_eq!(ev.kind_name(), "agg_trade");
            assert!(tr.aggregated);
            assert_eq!((tr.trade_id, tr.price, tr.qty), (a, Price(p), Qty(q)));
            assert_eq!((tr.first_trade_id, tr.last_trade_id, tr.time_ms, tr.buyer_is_maker), (first, last, t, m));
        }
    }

    #[test]
    fn needs_the_trade_id_range() {
        let frame = r#"{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1","q":"1","l":2,"T":1,"m":true}"#;
        let err = BinanceDecoder::default().decode(frame.as_bytes()).unwrap_err();
        assert_eq!((err.reason, err.detail.as_str()), (Malformed::MissingField, "f: missing"));
    }
}
