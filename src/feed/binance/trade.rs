//! `trade`: one public trade.
//!
//! Spot frames since 2024 carry no buyer/seller order ids (`b`/`a`), futures
//! frames add `"X":"MARKET"` and drop `M`; none of these is read, so every
//! variant decodes the same way.

use super::error::DecodeError;
use super::fields::{Fields, Key};
use super::symbols::Symbols;
use crate::domain::Trade;

const SYMBOL: Key = Key::new("s");
const ID: Key = Key::new("t");
const PRICE: Key = Key::new("p");
const QTY: Key = Key::new("q");
const TIME: Key = Key::new("T");
const EVENT_TIME: Key = Key::new("E");
const BUYER_MAKER: Key = Key::new("m");

#[inline]
pub(super) fn decode(f: &Fields<'_>, symbols: &mut Symbols) -> Result<Trade, DecodeError> {
    let inst = symbols.resolve_field(f, SYMBOL)?;
    let trade_id = f.u64(ID)?;
    Ok(Trade {
        instrument: inst.id,
        trade_id,
        price: f.price(PRICE, inst.price_scale)?,
        qty: f.qty(QTY, inst.qty_scale)?,
        time_ms: f.i64(TIME)?,
        event_time_ms: f.opt_i64(EVENT_TIME)?.unwrap_or(0),
        buyer_is_maker: f.bool(BUYER_MAKER)?,
        aggregated: false,
        first_trade_id: trade_id,
        last_trade_id: trade_id,
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::{InstrumentId, MarketEvent, Price, Qty, Trade};
    use crate::feed::binance::{BinanceDecoder, Decoded, Malformed};

    fn trade(frame: &str) -> Trade {
        match BinanceDecoder::default().decode(frame.as_bytes()) {
            Ok(Decoded::Market(MarketEvent::Trade(t))) => t,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decodes_every_recorded_variant() {
        // (frame, id, price mantissa at 8, qty mantissa at 8, T, E, m)
        let cases = [
            // hftbacktest spot 2024, combined stream, no b/a
            (
                r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#,
                3_735_683_259,
                6_183_763_000_000,
                2_000_000,
                1_723_161_255_342,
                1_723_161_255_343,
                true,
            ),
            // nautilus 2021 spot, still with b/a
            (
                r#"{"stream":"ethusdt@trade","data":{"e":"trade","E":1639351062244,"s":"ETHUSDT","t":705291099,"p":"4149.74000000","q":"0.43870000","b":7038593583,"a":7038593613,"T":1639351062243,"m":true,"M":true}}"#,
                705_291_099,
                414_974_000_000,
                43_870_000,
                1_639_351_062_243,
                1_639_351_062_244,
                true,
            ),
            // hftbacktest USD-M futures: X, no M, short decimals
            (
                r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256523,"T":1723161256523,"s":"BTCUSDT","t":5266583939,"p":"61800.20","q":"0.015","X":"MARKET","m":true}}"#,
                5_266_583_939,
                6_180_020_000_000,
                1_500_000,
                1_723_161_256_523,
                1_723_161_256_523,
                true,
            ),
            // docs example, raw stream
            (
                r#"{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":false,"M":true}"#,
                12_345,
                100_000,
                10_000_000_000,
                1_672_515_782_136,
                1_672_515_782_136,
                false,
            ),
        ];
        for (frame, id, p, q, t, e, m) in cases {
            let tr = trade(frame);
            assert_eq!(tr.instrument, InstrumentId(0));
            assert_eq!((tr.trade_id, tr.price, tr.qty), (id, Price(p), Qty(q)), "{frame}");
            assert_eq!((tr.time_ms, tr.event_time_ms, tr.buyer_is_maker), (t, e, m));
            assert!(!tr.aggregated);
            assert_eq!((tr.first_trade_id, tr.last_trade_id), (id, id));
        }
    }

    #[test]
    fn field_order_and_extra_fields_do_not_matter() {
        let a = trade(
            r#"{"data":{"m":true,"T":2,"q":"1","p":"2","t":7,"s":"BTCUSDT","E":3,"e":"trade","zz":{"x":[1,2]}},"stream":"btcusdt@trade"}"#,
        );
        let b = trade(r#"{"e":"trade","E":3,"s":"BTCUSDT","t":7,"p":"2","q":"1","T":2,"m":true}"#);
        assert_eq!(a, b);
    }

    #[test]
    fn refuses_bad_fields_naming_them() {
        let base = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"P","q":"1","T":1,"m":true}}"#;
        let cases = [
            ("\"1e5\"", Malformed::BadDecimal, "data.p: bad decimal \"1e5\": exponent notation not allowed"),
            ("\"-1\"", Malformed::BadDecimal, "data.p: bad decimal \"-1\": sign not allowed here"),
            (
                "\"1.000000001\"",
                Malformed::BadDecimal,
                "data.p: bad decimal \"1.000000001\": more than 8 decimals with a non-zero digit beyond them",
            ),
            ("1.5", Malformed::WrongType, "data.p: expected a string, got a non-integer number (1.5)"),
        ];
        for (p, reason, detail) in cases {
            let frame = base.replace("\"P\"", p);
            let err = BinanceDecoder::default().decode(frame.as_bytes()).unwrap_err();
            assert_eq!((err.reason, err.detail.as_str()), (reason, detail));
        }
        let missing = r#"{"e":"trade","E":1,"s":"BTCUSDT","p":"1","q":"1","T":1,"m":true}"#;
        let err = BinanceDecoder::default().decode(missing.as_bytes()).unwrap_err();
        assert_eq!((err.reason, err.detail.as_str()), (Malformed::MissingField, "t: missing"));
        let wrong = r#"{"e":"trade","E":1,"s":"BTCUSDT","t":"1","p":"1","q":"1","T":1,"m":"true"}"#;
        assert_eq!(BinanceDecoder::default().decode(wrong.as_bytes()).unwrap_err().reason, Malformed::WrongType);
    }
}
