//! `/api/v3/klines` bodies → exact fixed-point [`Candle`]s.
//!
//! The body is an array of arrays, one per kline, oldest first:
//! `[open time, open, high, low, close, volume, close time, quote volume,
//! trades, taker buy volume, taker buy quote volume, ignore]`. Decimals are
//! strings parsed straight into the instrument's scales; the quote volume is
//! exact money. Binance's kline CSV dumps have the same columns, so
//! [`parse_csv_line`] shares the row reader. Columns past the trade count
//! are not read, so new trailing columns do not break the parser.

use super::error::{BodyError, describe, json_body};
use crate::domain::{Candle, Instrument, InstrumentId, Notional, Price, Qty, Timeframe};
use serde_json::Value;

/// Column names, for error messages.
const COLUMNS: [&str; 12] = [
    "open time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close time",
    "quote volume",
    "trades",
    "taker buy volume",
    "taker buy quote volume",
    "ignore",
];
/// The columns a candle needs: up to and including the trade count.
const NEEDED: usize = 9;

/// One cell of a kline row, typed as the source delivered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell<'a> {
    /// A JSON integer.
    Int(i64),
    /// A JSON string.
    Str(&'a str),
    /// Untyped text (a CSV field): read as whatever the column needs.
    Text(&'a str),
    /// Any other JSON value, described.
    Other(&'static str),
}

impl<'a> Cell<'a> {
    fn of(v: &'a Value) -> Self {
        match v {
            Value::Number(n) => n.as_i64().map_or(Self::Other(describe(v)), Self::Int),
            Value::String(s) => Self::Str(s),
            other => Self::Other(describe(other)),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Int(_) => "an integer",
            Self::Str(_) | Self::Text(_) => "a string",
            Self::Other(d) => d,
        }
    }
}

/// Parses a klines body for `inst` (registered as `id`) at `interval`.
pub fn parse(body: &[u8], inst: &Instrument, id: InstrumentId, interval: Timeframe) -> Result<Vec<Candle>, BodyError> {
    let v = json_body(body)?;
    let Value::Array(rows) = v else {
        return Err(BodyError::at("body", format_args!("expected an array of klines, got {}", describe(&v))));
    };
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let Value::Array(cols) = row else {
            return Err(BodyError::at(
                format_args!("[{i}]"),
                format_args!("expected a kline array, got {}", describe(row)),
            ));
        };
        let cells: Vec<Cell<'_>> = cols.iter().map(Cell::of).collect();
        out.push(parse_row(&cells, inst, id, interval).map_err(|e| in_row(i, e))?);
    }
    Ok(out)
}

/// Prefixes a row error with the row: `[3][1] (open): ...`, `[3]: expected ...`.
fn in_row(i: usize, e: BodyError) -> BodyError {
    if e.0.starts_with('[') { BodyError(format!("[{i}]{}", e.0)) } else { BodyError(format!("[{i}]: {}", e.0)) }
}

/// Parses one line of a Binance kline CSV dump (same columns, no quotes, no header).
pub fn parse_csv_line(
    line: &str,
    inst: &Instrument,
    id: InstrumentId,
    interval: Timeframe,
) -> Result<Candle, BodyError> {
    let cells: Vec<Cell<'_>> = line.trim_end().split(',').map(|s| Cell::Text(s.trim())).collect();
    parse_row(&cells, inst, id, interval)
}

/// Reads one row of cells. A cell error starts with `[column] (name)`.
pub fn parse_row(
    cells: &[Cell<'_>],
    inst: &Instrument,
    id: InstrumentId,
    interval: Timeframe,
) -> Result<Candle, BodyError> {
    if cells.len() < NEEDED {
        return Err(BodyError(format!("expected at least {NEEDED} elements, got {}", cells.len())));
    }
    let r = Row(cells);
    let (ps, qs) = (inst.price_scale, inst.qty_scale);
    let open_time_ms = r.int(0)?;
    // The close time is checked for type only: the candle is keyed by its open.
    r.int(6)?;
    let trades = r.int(8)?;
    Ok(Candle {
        instrument: id,
        timeframe: interval,
        open_time_ms,
        open: r.price(1, ps)?,
        high: r.price(2, ps)?,
        low: r.price(3, ps)?,
        close: r.price(4, ps)?,
        volume: r.qty(5, qs)?,
        quote_volume: r.notional(7)?,
        trades: u64::try_from(trades).map_err(|_| r.err(8, format_args!("negative trade count {trades}")))?,
    })
}

struct Row<'c, 'a>(&'c [Cell<'a>]);

impl Row<'_, '_> {
    fn err(&self, col: usize, detail: impl std::fmt::Display) -> BodyError {
        let name = COLUMNS.get(col).copied().unwrap_or("column");
        BodyError(format!("[{col}] ({name}): {detail}"))
    }

    fn int(&self, col: usize) -> Result<i64, BodyError> {
        match self.0[col] {
            Cell::Int(n) => Ok(n),
            Cell::Text(s) => s.parse().map_err(|_| self.err(col, format_args!("expected an integer, got \"{s}\""))),
            other => Err(self.err(col, format_args!("expected an integer, got {}", other.describe()))),
        }
    }

    fn text(&self, col: usize) -> Result<&str, BodyError> {
        match self.0[col] {
            Cell::Str(s) | Cell::Text(s) => Ok(s),
            other => Err(self.err(col, format_args!("expected a decimal string, got {}", other.describe()))),
        }
    }

    fn price(&self, col: usize, scale: u8) -> Result<Price, BodyError> {
        let s = self.text(col)?;
        Price::parse_unsigned(s.as_bytes(), scale).map_err(|e| self.err(col, format_args!("bad decimal \"{s}\": {e}")))
    }

    fn qty(&self, col: usize, scale: u8) -> Result<Qty, BodyError> {
        let s = self.text(col)?;
        Qty::parse_unsigned(s.as_bytes(), scale).map_err(|e| self.err(col, format_args!("bad decimal \"{s}\": {e}")))
    }

    fn notional(&self, col: usize) -> Result<Notional, BodyError> {
        let s = self.text(col)?;
        if !s.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.err(col, format_args!("bad decimal \"{s}\": expected an unsigned decimal")));
        }
        Notional::parse(s).map_err(|e| self.err(col, format_args!("bad decimal \"{s}\": {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FilterStrings, Venue};

    fn btcusdt() -> Instrument {
        let f = FilterStrings {
            symbol: "BTCUSDT",
            base: "BTC",
            quote: "USDT",
            tick_size: "0.01000000",
            step_size: "0.00001000",
            min_qty: "0.00001000",
            min_notional: "10",
        };
        Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
    }

    const ROW: &str = r#"[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427","1499644799999","2434.19055334",308,"1756.87402397","28.46694368","0"]"#;

    #[test]
    fn parses_the_documented_example() {
        let body = r#"[[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]]"#;
        let inst = Instrument::with_defaults(Venue::BinanceSpot, "LTCBTC");
        let c = parse(body.as_bytes(), &inst, InstrumentId(3), Timeframe::W1).unwrap();
        assert_eq!(c.len(), 1);
        let c = c[0];
        assert_eq!((c.instrument, c.timeframe, c.open_time_ms), (InstrumentId(3), Timeframe::W1, 1_499_040_000_000));
        assert_eq!(
            (c.open, c.high, c.low, c.close),
            (Price(1_634_790), Price(80_000_000), Price(1_575_800), Price(1_577_100))
        );
        assert_eq!(c.volume, Qty(14_897_611_427_815));
        assert_eq!(c.quote_volume, Notional::parse("2434.19055334").unwrap());
        assert_eq!(c.trades, 308);
        assert_eq!(parse(b"[]", &inst, InstrumentId(0), Timeframe::M1), Ok(vec![]));
    }

    #[test]
    fn refuses_bad_bodies_naming_row_column_and_field() {
        let inst = btcusdt();
        let cases = [
            ("{not json", "body: not valid JSON"),
            (r#"{"code":-1121,"msg":"Invalid symbol."}"#, "body: expected an array of klines, got an object"),
            (r#"[[1,"1","1","1","1","1",2,"1",3],"x"]"#, "[1]: expected a kline array, got a string"),
            (r#"[[1,"1","1"]]"#, "[0]: expected at least 9 elements, got 3"),
            (r#"[[1,"abc","1","1","1","1",2,"1",3]]"#, "[0][1] (open): bad decimal \"abc\": invalid character 'a'"),
            (r#"[[1,"1","1.001","1","1","1",2,"1",3]]"#, "[0][2] (high): bad decimal \"1.001\": more than 2 decimals"),
            (r#"[[1,"1","1","1","1","0.000001",2,"1",3]]"#, "[0][5] (volume): bad decimal"),
            (r#"[[1,"1","1","1","1","1",2,"-1",3]]"#, "[0][7] (quote volume): bad decimal \"-1\""),
            (r#"[["1","1","1","1","1","1",2,"1",3]]"#, "[0][0] (open time): expected an integer, got a string"),
            (r#"[[1,1,"1","1","1","1",2,"1",3]]"#, "[0][1] (open): expected a decimal string, got an integer"),
            (
                r#"[[1,"1","1","1","1","1",2.5,"1",3]]"#,
                "[0][6] (close time): expected an integer, got a non-integer number",
            ),
            (r#"[[1,"1","1","1","1","1",2,"1",-3]]"#, "[0][8] (trades): negative trade count -3"),
            (r#"[[1,"1","1","1","1","1",2,"1",null]]"#, "[0][8] (trades): expected an integer, got null"),
        ];
        for (body, want) in cases {
            let e = parse(body.as_bytes(), &inst, InstrumentId(0), Timeframe::M1).unwrap_err();
            assert!(e.0.starts_with(want), "{body}: {e}");
        }
        // The close time in a string is still refused: types are checked.
        assert!(parse(format!("[{ROW}]").as_bytes(), &inst, InstrumentId(0), Timeframe::M1).is_err());
    }

    #[test]
    fn csv_lines_share_the_row_reader() {
        let inst = Instrument::with_defaults(Venue::BinanceSpot, "ADABTC");
        let line = "1637971200000,0.00002853,0.00002854,0.00002851,0.00002854,36304.20000000,1637971259999,1.03547608,79,19523.00000000,0.55694227,0\n";
        let c = parse_csv_line(line, &inst, InstrumentId(1), Timeframe::M1).unwrap();
        assert_eq!((c.open_time_ms, c.open, c.close, c.trades), (1_637_971_200_000, Price(2853), Price(2854), 79));
        assert_eq!(c.volume, Qty(3_630_420_000_000));
        let e = parse_csv_line("1637971200000,x,1,1,1,1,2,1,3", &inst, InstrumentId(1), Timeframe::M1).unwrap_err();
        assert!(e.0.starts_with("[1] (open): bad decimal \"x\""), "{e}");
        let e = parse_csv_line("t,1,1,1,1,1,2,1,3", &inst, InstrumentId(1), Timeframe::M1).unwrap_err();
        assert_eq!(e.0, "[0] (open time): expected an integer, got \"t\"");
    }
}
