//! `kline`: the exchange's own candle, re-sent while open, final when `k.x`.

use super::error::{DecodeError, Malformed, excerpt};
use super::fields::{Fields, Key};
use super::symbols::Symbols;
use crate::domain::{Kline, Timeframe};

const SYMBOL: Key = Key::new("s");
const EVENT_TIME: Key = Key::new("E");
const K: Key = Key::new("k");

const OPEN_TIME: Key = Key::new("t");
const CLOSE_TIME: Key = Key::new("T");
const INTERVAL: Key = Key::new("i");
const OPEN: Key = Key::new("o");
const HIGH: Key = Key::new("h");
const LOW: Key = Key::new("l");
const CLOSE: Key = Key::new("c");
const VOLUME: Key = Key::new("v");
const QUOTE_VOLUME: Key = Key::new("q");
const TRADES: Key = Key::new("n");
const CLOSED: Key = Key::new("x");

pub(super) fn decode(f: &Fields<'_>, symbols: &mut Symbols) -> Result<Kline, DecodeError> {
    let path = if f.path().is_empty() { "k." } else { "data.k." };
    let k = Fields::parse(f.buf(), f.object(K)?, path)?;
    // The symbol is in both places; the outer one is the event's.
    let inst = if f.has(SYMBOL) { symbols.resolve_field(f, SYMBOL)? } else { symbols.resolve_field(&k, SYMBOL)? };
    let i = k.str(INTERVAL)?;
    let interval = Timeframe::from_bytes(i)
        .ok_or_else(|| k.error(Malformed::WrongType, INTERVAL, format_args!("unknown interval \"{}\"", excerpt(i))))?;
    let (ps, qs) = (inst.price_scale, inst.qty_scale);
    Ok(Kline {
        instrument: inst.id,
        interval,
        event_time_ms: f.i64(EVENT_TIME)?,
        open_time_ms: k.i64(OPEN_TIME)?,
        close_time_ms: k.i64(CLOSE_TIME)?,
        open: k.price(OPEN, ps)?,
        high: k.price(HIGH, ps)?,
        low: k.price(LOW, ps)?,
        close: k.price(CLOSE, ps)?,
        volume: k.qty(VOLUME, qs)?,
        quote_volume: k.notional(QUOTE_VOLUME)?,
        trades: k.u64(TRADES)?,
        closed: k.bool(CLOSED)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::{Kline, MarketEvent, Notional, Price, Qty, Timeframe};
    use crate::feed::binance::{BinanceDecoder, Decoded, Malformed};

    fn kline(frame: &str) -> Kline {
        match BinanceDecoder::default().decode(frame.as_bytes()) {
            Ok(Decoded::Market(MarketEvent::Kline(k))) => *k,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decodes_spot_and_futures_klines() {
        let spot = kline(
            r#"{"stream":"lrcbtc@kline_1m","data":{"e":"kline","E":1633998534486,"s":"LRCBTC","k":{"t":1633998480000,"T":1633998539999,"s":"LRCBTC","i":"1m","f":12368013,"L":12368013,"o":"0.00000638","c":"0.00000638","h":"0.00000638","l":"0.00000638","v":"177.00000000","n":1,"x":false,"q":"0.00112926","V":"177.00000000","Q":"0.00112926","B":"0"}}}"#,
        );
        assert_eq!(spot.interval, Timeframe::M1);
        assert_eq!(
            (spot.open_time_ms, spot.close_time_ms, spot.event_time_ms),
            (1_633_998_480_000, 1_633_998_539_999, 1_633_998_534_486)
        );
        assert_eq!((spot.open, spot.high, spot.low, spot.close), (Price(638), Price(638), Price(638), Price(638)));
        assert_eq!(spot.volume, Qty(17_700_000_000));
        assert_eq!(spot.quote_volume, Notional::parse("0.00112926").unwrap());
        assert_eq!((spot.trades, spot.closed), (1, false));

        let fut = kline(
            r#"{"stream":"keepusdt@kline_1m","data":{"e":"kline","E":1626992767499,"s":"KEEPUSDT","k":{"t":1626992760000,"T":1626992819999,"s":"KEEPUSDT","i":"1m","f":2398360,"L":2398360,"o":"0.2468","c":"0.2468","h":"0.2468","l":"0.2468","v":"500","n":1,"x":true,"q":"123.4000","V":"0","Q":"0.0000","B":"0"}}}"#,
        );
        assert!(fut.closed);
        assert_eq!(fut.quote_volume.to_string(), "123.4");
    }

    #[test]
    fn refuses_unknown_intervals_and_bad_nested_fields() {
        let base = r#"{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":0,"T":59999,"i":"I","o":"1","c":"1","h":"1","l":"1","v":"1","n":1,"x":false,"q":"Q"}}"#;
        let err = BinanceDecoder::default()
            .decode(base.replace("\"I\"", "\"7m\"").replace("\"Q\"", "\"1\"").as_bytes())
            .unwrap_err();
        assert_eq!((err.reason, err.detail.as_str()), (Malformed::WrongType, "k.i: unknown interval \"7m\""));
        let err = BinanceDecoder::default()
            .decode(base.replace("\"I\"", "\"1m\"").replace("\"Q\"", "\"-1\"").as_bytes())
            .unwrap_err();
        assert_eq!(
            (err.reason, err.detail.as_str()),
            (Malformed::BadDecimal, "k.q: bad decimal \"-1\": sign not allowed here")
        );
        let wrapped = format!(
            r#"{{"stream":"x","data":{}}}"#,
            base.replace("\"I\"", "\"1m\"").replace("\"Q\"", "\"1\"").replace("\"x\":false", "\"x\":0")
        );
        let err = BinanceDecoder::default().decode(wrapped.as_bytes()).unwrap_err();
        assert_eq!(
            (err.reason, err.detail.as_str()),
            (Malformed::WrongType, "data.k.x: expected a boolean, got an integer (0)")
        );
    }
}
