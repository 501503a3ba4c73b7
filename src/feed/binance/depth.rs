//! `depthUpdate` (incremental book) and the REST or partial-depth snapshot.
//!
//! Spot updates carry `U`/`u`; futures add `T` and `pu` (the previous `u`),
//! coin-M also `ps`. Snapshots (`{"lastUpdateId","bids","asks"}`) name no
//! symbol unless the venue adds one (coin-M `symbol`); the caller may know it
//! from the request URL or the stream name. Levels allocate: this is not the
//! hot path.

use super::error::{DecodeError, Malformed, excerpt};
use super::fields::{Fields, Key};
use super::json::{JsonError, Kind, Scanner};
use super::symbols::{Resolved, Symbols};
use crate::domain::{DepthSnapshot, DepthUpdate, Level, Price, Qty, Venue};

const SYMBOL: Key = Key::new("s");
const EVENT_TIME: Key = Key::new("E");
const TX_TIME: Key = Key::new("T");
const FIRST_ID: Key = Key::new("U");
const FINAL_ID: Key = Key::new("u");
const PREV_FINAL_ID: Key = Key::new("pu");
const BIDS: Key = Key::new("b");
const ASKS: Key = Key::new("a");

const LAST_UPDATE_ID: Key = Key::new("lastUpdateId");
const SNAP_BIDS: Key = Key::new("bids");
const SNAP_ASKS: Key = Key::new("asks");
const SNAP_SYMBOL: Key = Key::new("symbol");

/// Whether an object without `e` is a book snapshot.
#[inline]
pub(super) fn is_snapshot(f: &Fields<'_>) -> bool {
    f.has(LAST_UPDATE_ID)
}

pub(super) fn decode_update(f: &Fields<'_>, symbols: &mut Symbols) -> Result<DepthUpdate, DecodeError> {
    let inst = symbols.resolve_field(f, SYMBOL)?;
    let scales = (inst.price_scale, inst.qty_scale);
    Ok(DepthUpdate {
        instrument: inst.id,
        event_time_ms: f.i64(EVENT_TIME)?,
        transaction_time_ms: f.opt_i64(TX_TIME)?.unwrap_or(0),
        first_update_id: f.u64(FIRST_ID)?,
        final_update_id: f.u64(FINAL_ID)?,
        prev_final_update_id: f.opt_u64(PREV_FINAL_ID)?,
        bids: levels(f, BIDS, scales)?,
        asks: levels(f, ASKS, scales)?,
    })
}

/// Where the symbol of a snapshot may come from when the body has none.
pub(super) enum SymbolHint<'h> {
    None,
    /// Given by the caller (the `symbol=` of a REST URL, a file name).
    Caller(&'h [u8]),
    /// A combined stream name (`btcusdt@depth5@100ms`): its upper-cased
    /// prefix is the symbol. Kept raw so that frames that are no snapshot
    /// never pay for the conversion.
    Stream(&'h [u8]),
}

pub(super) fn decode_snapshot(
    f: &Fields<'_>,
    symbols: &mut Symbols,
    hint: SymbolHint<'_>,
) -> Result<DepthSnapshot, DecodeError> {
    let inst: Option<Resolved> = if f.has(SNAP_SYMBOL) {
        Some(symbols.resolve_field(f, SNAP_SYMBOL)?)
    } else {
        match hint {
            SymbolHint::None => None,
            SymbolHint::Caller(s) => Some(symbols.resolve_hint(s, "symbol hint")?),
            SymbolHint::Stream(name) => {
                let sym = name.split(|&c| c == b'@').next().unwrap_or_default().to_ascii_uppercase();
                if sym.is_empty() { None } else { Some(symbols.resolve_hint(&sym, "stream")?) }
            }
        }
    };
    // Without a symbol the levels keep every decimal Binance sends.
    let scales = inst.map_or(Venue::BinanceSpot.default_scales(), |i| (i.price_scale, i.qty_scale));
    Ok(DepthSnapshot {
        instrument: inst.map(|i| i.id),
        last_update_id: f.u64(LAST_UPDATE_ID)?,
        bids: levels(f, SNAP_BIDS, scales)?,
        asks: levels(f, SNAP_ASKS, scales)?,
    })
}

/// Parses `[["price","qty"], ...]`; each level must be exactly two strings.
fn levels(f: &Fields<'_>, k: Key, (ps, qs): (u8, u8)) -> Result<Vec<Level>, DecodeError> {
    let span = f.array(k)?;
    let buf = f.buf();
    let bad_json = |e: JsonError| DecodeError::new(Malformed::BadJson, format!("{}{}: {e}", f.path(), k.name()));
    let at = |i: usize, j: Option<usize>| match j {
        Some(j) => format!("{}{}[{i}][{j}]", f.path(), k.name()),
        None => format!("{}{}[{i}]", f.path(), k.name()),
    };
    let mut s = Scanner::at(buf, span.start as usize);
    let mut outer = s.array().map_err(bad_json)?;
    // A level takes at least 14 bytes (`["5000.0","2"],`): size once, not by doubling.
    let mut out = Vec::with_capacity(span.end.saturating_sub(span.start) as usize / 14);
    let mut i = 0;
    while outer.has_next(&mut s).map_err(bad_json)? {
        s.skip_ws();
        if s.peek() != Some(b'[') {
            let v = s.value(2).map_err(bad_json)?;
            return Err(DecodeError::new(
                Malformed::WrongType,
                format!("{}: expected a [price, qty] array, got {}", at(i, None), v.kind.describe()),
            ));
        }
        let mut inner = s.array().map_err(bad_json)?;
        let mut strs: [&[u8]; 2] = [b"", b""];
        let mut n = 0;
        while inner.has_next(&mut s).map_err(bad_json)? {
            let v = s.value(3).map_err(bad_json)?;
            if n < 2 {
                if !matches!(v.kind, Kind::Str | Kind::StrEscaped) {
                    return Err(DecodeError::new(
                        Malformed::WrongType,
                        format!("{}: expected a string, got {}", at(i, Some(n)), v.kind.describe()),
                    ));
                }
                strs[n] = v.bytes(buf);
            }
            n += 1;
        }
        if n != 2 {
            return Err(DecodeError::new(
                Malformed::WrongType,
                format!("{}: expected 2 elements [price, qty], got {n}", at(i, None)),
            ));
        }
        let price = Price::parse_unsigned(strs[0], ps).map_err(|e| {
            DecodeError::new(
                Malformed::BadDecimal,
                format!("{}: bad decimal \"{}\": {e}", at(i, Some(0)), excerpt(strs[0])),
            )
        })?;
        let qty = Qty::parse_unsigned(strs[1], qs).map_err(|e| {
            DecodeError::new(
                Malformed::BadDecimal,
                format!("{}: bad decimal \"{}\": {e}", at(i, Some(1)), excerpt(strs[1])),
            )
        })?;
        out.push(Level { price, qty });
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::domain::{DepthSnapshot, DepthUpdate, InstrumentId, Level, MarketEvent, Price, Qty};
    use crate::feed::binance::{BinanceDecoder, Decoded, Malformed};

    fn update(frame: &str) -> DepthUpdate {
        match BinanceDecoder::default().decode(frame.as_bytes()) {
            Ok(Decoded::Market(MarketEvent::Depth(d))) => *d,
            other => panic!("{other:?}"),
        }
    }

    fn snapshot(d: &mut BinanceDecoder, frame: &str) -> DepthSnapshot {
        match d.decode(frame.as_bytes()) {
            Ok(Decoded::Market(MarketEvent::DepthSnapshot(s))) => s,
            other => panic!("{other:?}"),
        }
    }

    fn lvl(p: i64, q: i64) -> Level {
        Level { price: Price(p), qty: Qty(q) }
    }

    #[test]
    fn decodes_spot_and_futures_updates() {
        let spot = update(
            r#"{"stream":"blzeth@depth@100ms","data":{"e":"depthUpdate","E":1633998514469,"s":"BLZETH","U":281916627,"u":281916627,"b":[["0.00006421","0.00000000"]],"a":[]}}"#,
        );
        assert_eq!(
            (spot.first_update_id, spot.final_update_id, spot.prev_final_update_id),
            (281_916_627, 281_916_627, None)
        );
        assert_eq!((spot.event_time_ms, spot.transaction_time_ms), (1_633_998_514_469, 0));
        assert_eq!(spot.bids, vec![lvl(6421, 0)]);
        assert!(spot.asks.is_empty());

        let usdm = update(
            r#"{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161600370,"T":1723161600319,"s":"BTCUSDT","U":5123134944963,"u":5123134944963,"pu":5123134735497,"b":[["5000.00","2.321"]],"a":[]}}"#,
        );
        assert_eq!(usdm.prev_final_update_id, Some(5_123_134_735_497));
        assert_eq!(usdm.transaction_time_ms, 1_723_161_600_319);
        assert_eq!(usdm.bids, vec![lvl(500_000_000_000, 232_100_000)]);

        let coinm = update(
            r#"{"stream":"btcusd_perp@depth@0ms","data":{"e":"depthUpdate","E":1723161600819,"T":1723161600805,"s":"BTCUSD_PERP","ps":"BTCUSD","U":1007202244821,"u":1007202244822,"pu":1007202244644,"b":[["5000.0","2"]],"a":[["61830.1","12"],["61830.5","0"]]}}"#,
        );
        assert_eq!(coinm.asks, vec![lvl(6_183_010_000_000, 1_200_000_000), lvl(6_183_050_000_000, 0)]);
    }

    #[test]
    fn snapshots_take_their_symbol_from_the_body_the_hint_or_the_stream() {
        let mut d = BinanceDecoder::default();
        let bare = snapshot(
            &mut d,
            r#"{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}"#,
        );
        assert_eq!(bare.instrument, None);
        assert_eq!(bare.last_update_id, 1_027_024);
        assert_eq!(bare.bids, vec![lvl(400_000_000, 43_100_000_000)]);
        assert_eq!(bare.asks, vec![lvl(400_000_200, 1_200_000_000)]);

        let coinm = snapshot(
            &mut d,
            r#"{"lastUpdateId":1007198635033,"E":1723161257835,"T":1723161257823,"symbol":"BTCUSD_PERP","pair":"BTCUSD","bids":[["61804.7","35"]],"asks":[]}"#,
        );
        assert_eq!(coinm.instrument, Some(InstrumentId(0)));

        let partial = snapshot(
            &mut d,
            r#"{"stream":"ethusdt@depth5@100ms","data":{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}}"#,
        );
        assert_eq!(partial.instrument, d.instruments().find(b"ETHUSDT"));

        let rest = d.decode_rest(
            "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000",
            br#"{"lastUpdateId":499869752,"bids":[["0.35210000","672.00000000"]],"asks":[]}"#,
        );
        let Ok(Decoded::Market(MarketEvent::DepthSnapshot(rest))) = rest else { panic!("{rest:?}") };
        assert_eq!(rest.instrument, d.instruments().find(b"NKNUSDT"));
        assert!(rest.instrument.is_some());
    }

    #[test]
    fn refuses_malformed_levels_naming_the_level() {
        let cases = [
            (r#""b":[["1","2","3"]]"#, Malformed::WrongType, "b[0]: expected 2 elements [price, qty], got 3"),
            (r#""b":[["1","2"],"x"]"#, Malformed::WrongType, "b[1]: expected a [price, qty] array, got a string"),
            (r#""b":[["1",2]]"#, Malformed::WrongType, "b[0][1]: expected a string, got an integer"),
            (
                r#""b":[["1","0.000000001"]]"#,
                Malformed::BadDecimal,
                "b[0][1]: bad decimal \"0.000000001\": more than 8 decimals with a non-zero digit beyond them",
            ),
            (r#""b":{}"#, Malformed::WrongType, "b: expected an array, got an object"),
        ];
        for (b, reason, detail) in cases {
            let frame = format!(r#"{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,{b},"a":[]}}"#);
            let err = BinanceDecoder::default().decode(frame.as_bytes()).unwrap_err();
            assert_eq!((err.reason, err.detail.as_str()), (reason, detail), "{frame}");
        }
    }
}
