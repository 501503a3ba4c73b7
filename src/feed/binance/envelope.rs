//! What a frame is: the combined-stream envelope `{"stream":..,"data":..}`,
//! a raw payload, a method reply, an error, a REST body. One scan collects
//! the outer object and, in the same pass, the `data` object inside it; the
//! event decoders then read typed fields from those tables.

use super::depth::SymbolHint;
use super::error::{DecodeError, Malformed};
use super::fields::{DATA, Fields, Key};
use super::json::{self, JsonError, Kind, Scanner};
use super::stats::DecodeStats;
use super::symbols::Symbols;
use super::{Decoded, agg_trade, book_ticker, depth, exchange_info, kline, trade};
use crate::domain::MarketEvent;

const STREAM: Key = Key::new("stream");
const EVENT: Key = Key::new("e");
const RESULT: Key = Key::new("result");
const ID: Key = Key::new("id");
const ERROR: Key = Key::new("error");
const CODE: Key = Key::new("code");
const MSG: Key = Key::new("msg");
const SYMBOLS: Key = Key::new("symbols");

#[cold]
fn bad_json(e: JsonError) -> DecodeError {
    DecodeError::new(Malformed::BadJson, e.to_string())
}

/// Decodes one frame (size already checked). `hint` names the symbol of a
/// snapshot body that carries none.
#[inline]
pub(super) fn decode(
    buf: &[u8],
    symbols: &mut Symbols,
    stats: &mut DecodeStats,
    hint: Option<&[u8]>,
) -> Result<Decoded, DecodeError> {
    let mut s = Scanner::new(buf);
    s.skip_ws();
    if s.peek() != Some(b'{') {
        // Arrays and scalars are valid JSON we have no event for (REST lists).
        s.value(0).map_err(bad_json)?;
        s.finish().map_err(bad_json)?;
        return Ok(Decoded::Unknown);
    }
    let mut outer = Fields::new(buf, "");
    let mut inner = Fields::new(buf, "data.");
    outer.collect(&mut s, 1, Some(&mut inner)).map_err(bad_json)?;
    s.finish().map_err(bad_json)?;

    if outer.get(DATA).kind == Kind::Object {
        let hint = match hint {
            Some(h) => SymbolHint::Caller(h),
            None => stream_symbol(&outer),
        };
        return payload(&inner, symbols, hint);
    }
    if outer.has(ERROR) {
        let err = Fields::parse(buf, outer.object(ERROR)?, "error.")?;
        return error_frame(&err, reply_id(&outer)?);
    }
    if outer.has(RESULT) {
        return Ok(Decoded::SubscriptionReply { id: reply_id(&outer)? });
    }
    if outer.has(CODE) && outer.has(MSG) && !outer.has(EVENT) {
        return error_frame(&outer, reply_id(&outer)?);
    }
    if !outer.has(EVENT) && outer.get(SYMBOLS).kind == Kind::Array {
        let info = exchange_info::parse(buf)?;
        stats.skip_instruments(info.skipped);
        for i in &info.instruments {
            symbols.upsert(i.clone());
        }
        return Ok(Decoded::ExchangeInfo(info.instruments));
    }
    payload(&outer, symbols, hint.map_or(SymbolHint::None, SymbolHint::Caller))
}

/// Dispatches an event payload on `e`, or on its shape when it has none.
#[inline]
fn payload(f: &Fields<'_>, symbols: &mut Symbols, hint: SymbolHint<'_>) -> Result<Decoded, DecodeError> {
    let ev = match f.opt_str(EVENT)? {
        Some(b"trade") => MarketEvent::Trade(trade::decode(f, symbols)?),
        Some(b"bookTicker") => MarketEvent::BookTicker(book_ticker::decode(f, symbols)?),
        Some(b"depthUpdate") => MarketEvent::Depth(Box::new(depth::decode_update(f, symbols)?)),
        Some(b"aggTrade") => MarketEvent::Trade(agg_trade::decode(f, symbols)?),
        Some(b"kline") => MarketEvent::Kline(Box::new(kline::decode(f, symbols)?)),
        Some(_) => return Ok(Decoded::Unknown),
        None if book_ticker::looks_like(f) => MarketEvent::BookTicker(book_ticker::decode(f, symbols)?),
        None if depth::is_snapshot(f) => MarketEvent::DepthSnapshot(depth::decode_snapshot(f, symbols, hint)?),
        None => return Ok(Decoded::Unknown),
    };
    Ok(Decoded::Market(ev))
}

/// The stream name, whose prefix names a snapshot's symbol.
#[inline]
fn stream_symbol<'a>(outer: &Fields<'a>) -> SymbolHint<'a> {
    match outer.opt_str(STREAM) {
        Ok(Some(name)) => SymbolHint::Stream(name),
        _ => SymbolHint::None,
    }
}

/// A reply id: an integer, or `None` for null, absent or a string id
/// (the protocol allows strings; tickdesk sends integers).
fn reply_id(f: &Fields<'_>) -> Result<Option<u64>, DecodeError> {
    match f.get(ID).kind {
        Kind::Absent | Kind::Null | Kind::Str | Kind::StrEscaped => Ok(None),
        _ => f.u64(ID).map(Some),
    }
}

fn error_frame(f: &Fields<'_>, id: Option<u64>) -> Result<Decoded, DecodeError> {
    let code = f.i64(CODE)?;
    let msg = json::unescape(f.str(MSG)?);
    Ok(Decoded::ErrorFrame { id, code, msg })
}

#[cfg(test)]
mod tests {
    use crate::domain::{Instrument, Instruments, Venue};
    use crate::feed::binance::{BinanceDecoder, Decoded, DecodedKind, Malformed};

    #[test]
    fn replies_and_errors() {
        let mut d = BinanceDecoder::default();
        let cases: [(&str, Decoded); 7] = [
            (r#"{"result":null,"id":1}"#, Decoded::SubscriptionReply { id: Some(1) }),
            (r#"{"id":312,"result":null}"#, Decoded::SubscriptionReply { id: Some(312) }),
            (r#"{"result":["btcusdt@aggTrade"],"id":3}"#, Decoded::SubscriptionReply { id: Some(3) }),
            (r#"{"result":true,"id":"abc"}"#, Decoded::SubscriptionReply { id: None }),
            (
                r#"{"error":{"code":2,"msg":"Invalid request: unknown method"},"id":1}"#,
                Decoded::ErrorFrame { id: Some(1), code: 2, msg: "Invalid request: unknown method".into() },
            ),
            (
                r#"{"code":-1121,"msg":"Invalid symbol."}"#,
                Decoded::ErrorFrame { id: None, code: -1121, msg: "Invalid symbol.".into() },
            ),
            (
                r#"{"code":3,"msg":"Invalid JSON: expected value at \"line\" 1","id":null}"#,
                Decoded::ErrorFrame { id: None, code: 3, msg: "Invalid JSON: expected value at \"line\" 1".into() },
            ),
        ];
        for (frame, want) in cases {
            assert_eq!(d.decode(frame.as_bytes()), Ok(want), "{frame}");
        }
        assert_eq!(d.stats().decoded(DecodedKind::SubscriptionReply), 4);
        assert_eq!(d.stats().decoded(DecodedKind::ErrorFrame), 3);
        let e = d.decode(br#"{"error":{"msg":"x"},"id":1}"#).unwrap_err();
        assert_eq!((e.reason, e.detail.as_str()), (Malformed::MissingField, "error.code: missing"));
        assert_eq!(d.decode(br#"{"result":null,"id":-1}"#).unwrap_err().reason, Malformed::WrongType);
    }

    #[test]
    fn unknown_events_and_shapes_are_counted_not_refused() {
        let mut d = BinanceDecoder::default();
        for frame in [
            r#"{"stream":"btcusdt@miniTicker","data":{"e":"24hrMiniTicker","E":1,"s":"BTCUSDT","c":"1"}}"#,
            r#"{"stream":"executionReport","data":{"e":"executionReport","E":1759347763167,"s":"BTCUSD"}}"#,
            r#"{"symbol":"BTCUSDT","bidPrice":"60741.67000000","bidQty":"0.36580000"}"#,
            r#"[{"a":966492862,"p":"60759.60000000"}]"#,
            r#"{"serverTime": 1633835466289}"#,
            r#"{"stream":"!miniTicker@arr","data":[]}"#,
            "42",
        ] {
            assert_eq!(d.decode(frame.as_bytes()), Ok(Decoded::Unknown), "{frame}");
        }
        assert_eq!(d.stats().decoded(DecodedKind::Unknown), 7);
        assert_eq!(d.stats().total_malformed(), 0);
    }

    #[test]
    fn every_bad_input_class_has_its_reason() {
        let fixed = Instruments::fixed(vec![Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT")]);
        let mut d = BinanceDecoder::new(fixed).with_max_frame_bytes(512);
        let trade =
            |s: &str, p: &str| format!(r#"{{"e":"trade","E":1,"s":"{s}","t":1,"p":"{p}","q":"1","T":1,"m":true}}"#);
        let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(600));
        let cases = [
            (r#"{"e":"trade""#.to_string(), Malformed::BadJson),
            (r#"{"e":"trade"} x"#.to_string(), Malformed::BadJson),
            (r#"{"e":tru}"#.to_string(), Malformed::BadJson),
            (r#"{"e":"trade",}"#.to_string(), Malformed::BadJson),
            ("".to_string(), Malformed::BadJson),
            (r#"{"e":"trade","E":1}"#.to_string(), Malformed::MissingField),
            (r#"{"e":1}"#.to_string(), Malformed::WrongType),
            (trade("BTCUSDT", "1E5"), Malformed::BadDecimal),
            (trade("BTCUSDT", "0.000000001"), Malformed::BadDecimal),
            (trade("BTCUSDT", "-5"), Malformed::BadDecimal),
            (trade("ETHUSDT", "1"), Malformed::UnknownSymbol),
            (big, Malformed::TooLarge),
        ];
        for (frame, reason) in &cases {
            assert_eq!(d.decode(frame.as_bytes()).map_err(|e| e.reason), Err(*reason), "{frame}");
        }
        for r in Malformed::ALL {
            let n = cases.iter().filter(|(_, x)| *x == r).count() as u64;
            assert_eq!(d.stats().malformed(r), n, "{r}");
        }
        let e = d.decode(trade("ETHUSDT", "1").as_bytes()).unwrap_err();
        assert_eq!(e.detail, "s: unknown symbol \"ETHUSDT\"");
        // Auto mode registers the symbol instead, but still refuses nonsense.
        let mut auto = BinanceDecoder::default();
        assert!(auto.decode(trade("ETHUSDT", "1").as_bytes()).is_ok());
        assert_eq!(auto.decode(trade("ETH USDT", "1").as_bytes()).unwrap_err().reason, Malformed::UnknownSymbol);
    }
}
