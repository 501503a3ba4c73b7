//! `/api/v3/trades` bodies → [`Trade`]s at the instrument's scales.
//!
//! `[{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012",
//! "time":1499865549590,"isBuyerMaker":true,"isBestMatch":true}]`, oldest first.
//! The REST form carries no event time; `event_time_ms` stays 0 as for
//! frames without one.

use super::error::{BodyError, describe, json_body};
use crate::domain::{Instrument, InstrumentId, Price, Qty, Trade};
use serde_json::{Map, Value};

/// Parses a recent-trades body for `inst` (registered as `id`).
pub fn parse(body: &[u8], inst: &Instrument, id: InstrumentId) -> Result<Vec<Trade>, BodyError> {
    let v = json_body(body)?;
    let Value::Array(items) = v else {
        return Err(BodyError::at("body", format_args!("expected an array of trades, got {}", describe(&v))));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(o) => trade(&Item { i, o }, inst, id),
            other => {
                Err(BodyError::at(format_args!("[{i}]"), format_args!("expected an object, got {}", describe(other))))
            }
        })
        .collect()
}

fn trade(t: &Item<'_>, inst: &Instrument, id: InstrumentId) -> Result<Trade, BodyError> {
    let trade_id = t.u64("id")?;
    Ok(Trade {
        instrument: id,
        trade_id,
        price: t.decimal("price", |s| Price::parse_unsigned(s, inst.price_scale))?,
        qty: t.decimal("qty", |s| Qty::parse_unsigned(s, inst.qty_scale))?,
        time_ms: t.i64("time")?,
        event_time_ms: 0,
        buyer_is_maker: t.bool("isBuyerMaker")?,
        aggregated: false,
        first_trade_id: trade_id,
        last_trade_id: trade_id,
    })
}

/// One element of the array, for reads that name `[i].field`.
struct Item<'a> {
    i: usize,
    o: &'a Map<String, Value>,
}

impl Item<'_> {
    fn get(&self, k: &str) -> Result<&Value, BodyError> {
        self.o.get(k).ok_or_else(|| self.err(k, "missing"))
    }

    fn err(&self, k: &str, detail: impl std::fmt::Display) -> BodyError {
        BodyError::at(format_args!("[{}].{k}", self.i), detail)
    }

    fn u64(&self, k: &str) -> Result<u64, BodyError> {
        let v = self.get(k)?;
        v.as_u64().ok_or_else(|| self.err(k, format_args!("expected a non-negative integer, got {}", describe(v))))
    }

    fn i64(&self, k: &str) -> Result<i64, BodyError> {
        let v = self.get(k)?;
        v.as_i64().ok_or_else(|| self.err(k, format_args!("expected an integer, got {}", describe(v))))
    }

    fn bool(&self, k: &str) -> Result<bool, BodyError> {
        let v = self.get(k)?;
        v.as_bool().ok_or_else(|| self.err(k, format_args!("expected a boolean, got {}", describe(v))))
    }

    fn decimal<T, E: std::fmt::Display>(&self, k: &str, f: impl Fn(&[u8]) -> Result<T, E>) -> Result<T, BodyError> {
        let v = self.get(k)?;
        let s =
            v.as_str().ok_or_else(|| self.err(k, format_args!("expected a decimal string, got {}", describe(v))))?;
        f(s.as_bytes()).map_err(|e| self.err(k, format_args!("bad decimal \"{s}\": {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Venue;

    #[test]
    fn parses_the_documented_example() {
        let body = br#"[{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","time":1499865549590,"isBuyerMaker":true,"isBestMatch":true}]"#;
        let inst = Instrument::with_defaults(Venue::BinanceSpot, "LTCBTC");
        let t = parse(body, &inst, InstrumentId(2)).unwrap();
        assert_eq!(t.len(), 1);
        let t = t[0];
        assert_eq!(
            (t.instrument, t.trade_id, t.first_trade_id, t.last_trade_id),
            (InstrumentId(2), 28_457, 28_457, 28_457)
        );
        assert_eq!((t.price, t.qty, t.time_ms), (Price(400_000_100), Qty(1_200_000_000), 1_499_865_549_590));
        assert!(t.buyer_is_maker && !t.aggregated);
    }

    #[test]
    fn names_the_element_and_field() {
        let inst = Instrument::with_defaults(Venue::BinanceSpot, "LTCBTC");
        let ok = r#"{"id":1,"price":"1","qty":"1","time":1,"isBuyerMaker":true}"#;
        let cases = [
            (format!("[{ok},3]"), "[1]: expected an object, got an integer"),
            (r#"[{"price":"1","qty":"1","time":1,"isBuyerMaker":true}]"#.to_string(), "[0].id: missing"),
            (
                r#"[{"id":-1,"price":"1","qty":"1","time":1,"isBuyerMaker":true}]"#.into(),
                "[0].id: expected a non-negative integer, got an integer",
            ),
            (
                r#"[{"id":1,"price":"1e3","qty":"1","time":1,"isBuyerMaker":true}]"#.into(),
                "[0].price: bad decimal \"1e3\": exponent notation not allowed",
            ),
            (
                r#"[{"id":1,"price":"1","qty":1,"time":1,"isBuyerMaker":true}]"#.into(),
                "[0].qty: expected a decimal string, got an integer",
            ),
            (
                r#"[{"id":1,"price":"1","qty":"1","time":"1","isBuyerMaker":true}]"#.into(),
                "[0].time: expected an integer, got a string",
            ),
            (
                r#"[{"id":1,"price":"1","qty":"1","time":1,"isBuyerMaker":1}]"#.into(),
                "[0].isBuyerMaker: expected a boolean, got an integer",
            ),
            (r#"{"code":-1121,"msg":"Invalid symbol."}"#.into(), "body: expected an array of trades, got an object"),
        ];
        for (body, want) in cases {
            assert_eq!(parse(body.as_bytes(), &inst, InstrumentId(0)).unwrap_err().0, want, "{body}");
        }
    }
}
