//! `tickdesk export PATH --what trades|book-tops|candles|orders|fills
//! --format parquet|csv --out FILE`: a session replayed at full speed
//! through the same decoder and engine, one table of what it saw or did,
//! for DuckDB, Polars or Spark. Prices, quantities and money are exact
//! decimals (Parquet `Decimal128(38, s)`, CSV decimal text). The columns
//! are listed in `docs/recording.md`.

mod table;

pub use table::{ColType, Val, decimal, rescale};

use super::RunError;
use super::replay::{Gate, Step, open, prepare};
use crate::config::Config;
use crate::domain::{Instruments, Liquidity, MarketEvent};
use crate::engine::{Engine, EventKind};
use serde::Serialize;
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::str::FromStr;
use table::Table;

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Trades,
    BookTops,
    Candles,
    Orders,
    Fills,
}

impl FromStr for What {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "trades" => Self::Trades,
            "book-tops" => Self::BookTops,
            "candles" => Self::Candles,
            "orders" => Self::Orders,
            "fills" => Self::Fills,
            _ => return Err(format!("{s:?}: expected trades, book-tops, candles, orders or fills")),
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub session: String,
    pub what: String,
    pub format: String,
    pub out: String,
    pub rows: u64,
    /// Decimal values that did not fit their column's scale (written as 0).
    pub overflows: u64,
    pub damage: Vec<String>,
}

/// The largest price, quantity scales among the session's instruments.
fn scales(t: &Instruments) -> (u8, u8) {
    t.iter().fold((0, 0), |(p, q), (_, i)| (p.max(i.price_scale), q.max(i.qty_scale)))
}

/// Money (`Notional`) has 18 fraction digits.
const MONEY: u8 = 18;

fn columns(what: What, ps: u8, qs: u8) -> Vec<(&'static str, ColType)> {
    use ColType::{Bool, Dec, I64, Str, U64};
    match what {
        What::Trades => vec![
            ("exchange_time_ms", I64),
            ("recv_wall_ns", I64),
            ("symbol", Str),
            ("trade_id", U64),
            ("price", Dec(ps)),
            ("qty", Dec(qs)),
            ("buyer_is_maker", Bool),
        ],
        What::BookTops => vec![
            ("recv_wall_ns", I64),
            ("event_time_ms", I64),
            ("symbol", Str),
            ("update_id", U64),
            ("bid_price", Dec(ps)),
            ("bid_qty", Dec(qs)),
            ("ask_price", Dec(ps)),
            ("ask_qty", Dec(qs)),
        ],
        What::Candles => vec![
            ("symbol", Str),
            ("timeframe", Str),
            ("open_time_ms", I64),
            ("open", Dec(ps)),
            ("high", Dec(ps)),
            ("low", Dec(ps)),
            ("close", Dec(ps)),
            ("volume", Dec(qs)),
            ("quote_volume", Dec(MONEY)),
            ("trades", U64),
        ],
        What::Fills => vec![
            ("time_ms", I64),
            ("order_id", U64),
            ("strategy", U64),
            ("symbol", Str),
            ("side", Str),
            ("price", Dec(ps)),
            ("qty", Dec(qs)),
            ("fee", Dec(MONEY)),
            ("liquidity", Str),
        ],
        What::Orders => vec![
            ("time_ms", I64),
            ("order_id", U64),
            ("strategy", U64),
            ("symbol", Str),
            ("side", Str),
            ("kind", Str),
            ("limit_price", Dec(ps)),
            ("qty", Dec(qs)),
            ("filled_qty", Dec(qs)),
            ("state", Str),
            ("created_ms", I64),
        ],
    }
}

pub fn run(cfg: &Config, path: &Path, what: What, format: &str, out: &Path) -> Result<ExportReport, RunError> {
    use RunError::{Config as Bad, Runtime};
    let parquet = match format {
        "parquet" => true,
        "csv" => false,
        f => return Err(Bad(format!("--format {f:?}: expected parquet or csv"))),
    };
    if !path.is_dir() {
        return Err(Bad(format!("{}: export reads a session directory (import a file first)", path.display())));
    }
    let origin = path.display().to_string();
    let (mut engine, mut player) = prepare(cfg, open(path, false)?, &origin, false)?;
    let (ps, qs) = scales(engine.instruments());
    engine.set_capture_candles(what == What::Candles);
    engine.set_capture_trading(matches!(what, What::Orders | What::Fills));
    let io = |e: std::io::Error| Runtime(format!("--out {}: {e}", out.display()));
    let table = Rc::new(RefCell::new(Table::create(&columns(what, ps, qs), out, parquet).map_err(io)?));
    let error: Rc<RefCell<Option<std::io::Error>>> = Rc::default();
    {
        let (table, error) = (table.clone(), error.clone());
        player.set_tap(Box::new(move |ev, engine| {
            let mut t = table.borrow_mut();
            if let Err(e) = rows_for(what, &ev.kind, ev.stamp.recv_wall_ns, engine, &mut t) {
                error.borrow_mut().get_or_insert(e);
            }
        }));
    }
    let mut go = |_: u64, _: &mut Engine| Gate::Go;
    loop {
        match player.step(&mut engine, &mut go) {
            Ok(Step::Record) => {}
            Ok(Step::End | Step::Stopped) => break,
            Err(e) => return Err(Runtime(format!("{origin}: {e}"))),
        }
        if let Some(e) = error.borrow_mut().take() {
            return Err(io(e));
        }
    }
    player.finish(&mut engine).map_err(|e| Runtime(format!("{origin}: {e}")))?;
    // What the end of the session closed (open candles) or left.
    rows_for(what, &EventKind::Timer { time_ms: 0 }, 0, &mut engine, &mut table.borrow_mut()).map_err(io)?;
    let damage = player.issues().iter().map(ToString::to_string).collect();
    drop(player);
    let table = Rc::try_unwrap(table).map_err(|_| Runtime("export table still shared".into()))?.into_inner();
    let overflows = table.overflows;
    let rows = table.finish().map_err(io)?;
    Ok(ExportReport {
        session: origin,
        what: format!("{what:?}"),
        format: format.to_string(),
        out: out.display().to_string(),
        rows,
        overflows,
        damage,
    })
}

/// The rows one consumed event adds to the table.
fn rows_for(
    what: What,
    kind: &EventKind,
    recv_wall_ns: i64,
    engine: &mut Engine,
    t: &mut Table,
) -> std::io::Result<()> {
    let sym = |e: &Engine, id: crate::domain::InstrumentId| {
        e.instruments().try_get(id).map(|i| (i.symbol.clone(), i.price_scale, i.qty_scale))
    };
    match what {
        What::Trades => {
            if let EventKind::Market(MarketEvent::Trade(tr)) = kind {
                if let Some((s, ps, qs)) = sym(engine, tr.instrument) {
                    t.push(&[
                        Val::I64(tr.time_ms),
                        Val::I64(recv_wall_ns),
                        Val::Str(&s),
                        Val::U64(tr.trade_id),
                        Val::Dec(i128::from(tr.price.0), ps),
                        Val::Dec(i128::from(tr.qty.0), qs),
                        Val::Bool(tr.buyer_is_maker),
                    ])?;
                }
            }
        }
        What::BookTops => {
            if let EventKind::Market(MarketEvent::BookTicker(b)) = kind {
                if let Some((s, ps, qs)) = sym(engine, b.instrument) {
                    t.push(&[
                        Val::I64(recv_wall_ns),
                        Val::I64(b.event_time_ms),
                        Val::Str(&s),
                        Val::U64(b.update_id),
                        Val::Dec(i128::from(b.bid.0), ps),
                        Val::Dec(i128::from(b.bid_qty.0), qs),
                        Val::Dec(i128::from(b.ask.0), ps),
                        Val::Dec(i128::from(b.ask_qty.0), qs),
                    ])?;
                }
            }
        }
        What::Candles => {
            let candles: Vec<_> = engine.drain_candles().collect();
            for c in candles {
                if let Some((s, ps, qs)) = sym(engine, c.instrument) {
                    t.push(&[
                        Val::Str(&s),
                        Val::Str(c.timeframe.as_str()),
                        Val::I64(c.open_time_ms),
                        Val::Dec(i128::from(c.open.0), ps),
                        Val::Dec(i128::from(c.high.0), ps),
                        Val::Dec(i128::from(c.low.0), ps),
                        Val::Dec(i128::from(c.close.0), ps),
                        Val::Dec(i128::from(c.volume.0), qs),
                        Val::Dec(c.quote_volume.0, MONEY),
                        Val::U64(c.trades),
                    ])?;
                }
            }
        }
        What::Fills => {
            let fills: Vec<_> = engine.drain_fills().collect();
            for f in fills {
                if let Some((s, ps, qs)) = sym(engine, f.instrument) {
                    t.push(&[
                        Val::I64(f.time_ms),
                        Val::U64(f.order_id.0),
                        Val::U64(u64::from(f.strategy.0)),
                        Val::Str(&s),
                        Val::Str(f.side.as_str()),
                        Val::Dec(i128::from(f.price.0), ps),
                        Val::Dec(i128::from(f.qty.0), qs),
                        Val::Dec(f.fee.0, MONEY),
                        Val::Str(match f.liquidity {
                            Liquidity::Maker => "maker",
                            Liquidity::Taker => "taker",
                        }),
                    ])?;
                }
            }
        }
        What::Orders => {
            let orders: Vec<_> = engine.drain_order_changes().collect();
            for o in orders {
                let i = &o.intent;
                if let Some((s, ps, qs)) = sym(engine, i.instrument) {
                    t.push(&[
                        Val::I64(o.updated_ms),
                        Val::U64(o.id.0),
                        Val::U64(u64::from(i.strategy.0)),
                        Val::Str(&s),
                        Val::Str(i.side.as_str()),
                        Val::Str(i.kind.as_str()),
                        Val::Dec(i128::from(i.limit_price.map_or(0, |p| p.0)), ps),
                        Val::Dec(i128::from(i.qty.0), qs),
                        Val::Dec(i128::from(o.filled_qty.0), qs),
                        Val::Str(o.state.as_str()),
                        Val::I64(o.created_ms),
                    ])?;
                }
            }
        }
    }
    Ok(())
}
