//! Builds [`ScreenData`] from the engine. Runs on the engine thread at frame
//! rate; the little state it keeps (session opens, the equity curve) is
//! updated in O(symbols) per build, never per event.

use super::{
    BookView, ChartData, EquityPoint, FillMark, FillRow, OrderRow, PnlNumbers, ScreenData, SessionInfo, StageLatency,
    StrategyRow, SymbolView, ViewRequest,
};
use crate::domain::{InstrumentId, Liquidity, Notional, Order, Price, Qty, StrategyId, Timeframe};
use crate::engine::Engine;
use crate::telemetry::{LatencyHistograms, Stage};
use std::collections::VecDeque;

/// Closes kept for each watchlist sparkline.
const SPARK_POINTS: usize = 40;
/// Equity samples kept (one per second of event time: 2 hours).
const EQUITY_POINTS: usize = 7200;
/// Depth levels per side carried for the ladder.
const LADDER_LEVELS: usize = 20;

/// Fills carried for the pane and the chart marks.
const FILL_ROWS: usize = 200;

/// Keeps what a snapshot of the engine alone cannot give: the session's
/// first prices and the equity curve.
#[derive(Debug, Default)]
pub struct ScreenBuilder {
    session: SessionInfo,
    /// The source's drop count, when a source shares one.
    drops: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    first_price: Vec<Option<Price>>,
    equity: VecDeque<EquityPoint>,
    /// Depth levels per side carried for the ladder (`ui.depth-levels`).
    ladder_levels: usize,
}

impl ScreenBuilder {
    pub fn new(session: SessionInfo) -> Self {
        Self { session, ladder_levels: LADDER_LEVELS, ..Self::default() }
    }

    /// Shows `drops` (events the source dropped) in the status bar.
    pub fn with_source_drops(mut self, drops: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Self {
        self.drops = Some(drops);
        self
    }

    pub fn with_ladder_levels(mut self, levels: usize) -> Self {
        self.ladder_levels = levels.max(1);
        self
    }

    /// A full picture of `engine` for the view `req` (allocates; call at frame rate).
    pub fn build(&mut self, engine: &Engine, req: &ViewRequest) -> ScreenData {
        if let Some(d) = &self.drops {
            self.session.source_drops = d.load(std::sync::atomic::Ordering::Relaxed);
        }
        let core = engine.snapshot();
        self.sample_equity(engine);
        let symbols = self.symbols(engine);
        let selected = req.symbol.min(symbols.len().saturating_sub(1));
        ScreenData {
            chart: chart(engine, selected, req),
            book: book(engine, selected, self.ladder_levels),
            orders: orders(engine),
            fills: fills(engine),
            strategies: engine
                .strategies()
                .iter()
                .enumerate()
                .map(|(i, s)| StrategyRow {
                    id: u16::try_from(i).unwrap_or(u16::MAX),
                    name: s.strategy.name().to_string(),
                    paused: s.paused,
                })
                .collect(),
            equity: self.equity.iter().copied().collect(),
            pnl: pnl(engine),
            latency: latency(engine.latency()),
            halted: engine.is_halted(),
            symbols,
            session: self.session.clone(),
            core,
        }
    }

    fn sample_equity(&mut self, engine: &Engine) {
        let now = engine.now_ms();
        let second = now.div_euclid(1000) * 1000;
        let equity = engine.portfolio().equity();
        match self.equity.back_mut() {
            Some(last) if last.time_ms == second => last.equity = equity,
            Some(last) if last.time_ms > second => {}
            _ => {
                if self.equity.len() == EQUITY_POINTS {
                    self.equity.pop_front();
                }
                self.equity.push_back(EquityPoint { time_ms: second, equity });
            }
        }
    }

    fn symbols(&mut self, engine: &Engine) -> Vec<SymbolView> {
        let agg = engine.aggregator();
        let has_day = agg.timeframes().contains(&Timeframe::D1);
        let spark_tf = [Timeframe::M1, Timeframe::S1].into_iter().find(|tf| agg.timeframes().contains(tf));
        engine
            .instruments()
            .iter()
            .map(|(id, inst)| {
                let last = engine.last_price(id);
                if self.first_price.len() <= id.index() {
                    self.first_price.resize(id.index() + 1, None);
                }
                let first = &mut self.first_price[id.index()];
                if first.is_none() {
                    *first = last;
                }
                let day = has_day.then(|| agg.current(id, Timeframe::D1)).flatten();
                let (ref_open, volume) = match day {
                    Some(c) => (Some(c.open), c.volume),
                    None => (*first, session_volume(engine, id)),
                };
                SymbolView {
                    symbol: inst.symbol.clone(),
                    price_scale: inst.price_scale,
                    qty_scale: inst.qty_scale,
                    tick_size: inst.tick_size,
                    step_size: inst.step_size,
                    min_qty: inst.min_qty,
                    min_notional: inst.min_notional,
                    last,
                    ref_open,
                    volume,
                    book: engine.book(id),
                    stale: engine.is_stale(id),
                    spark: spark_tf.map_or_else(Vec::new, |tf| closes(engine, id, tf, SPARK_POINTS)),
                }
            })
            .collect()
    }
}

/// Base volume of the session from the coarsest aggregated timeframe.
fn session_volume(engine: &Engine, id: InstrumentId) -> Qty {
    let agg = engine.aggregator();
    let Some(&tf) = agg.timeframes().iter().max() else { return Qty::ZERO };
    let closed: i64 = agg.history(id, tf).map(|c| c.volume.0).sum();
    Qty(closed + agg.current(id, tf).map_or(0, |c| c.volume.0))
}

/// The last `n` closes (forming candle included), oldest first.
fn closes(engine: &Engine, id: InstrumentId, tf: Timeframe, n: usize) -> Vec<Price> {
    let agg = engine.aggregator();
    let forming = agg.current(id, tf);
    let take = n.saturating_sub(usize::from(forming.is_some()));
    let mut v: Vec<Price> = agg.history(id, tf).rev().take(take).map(|c| c.close).collect();
    v.reverse();
    v.extend(forming.map(|c| c.close));
    v
}

fn chart(engine: &Engine, selected: usize, req: &ViewRequest) -> ChartData {
    let Some((id, inst)) = engine.instruments().iter().nth(selected) else {
        return ChartData { timeframe: req.timeframe, ..ChartData::default() };
    };
    let agg = engine.aggregator();
    let forming = agg.current(id, req.timeframe).copied();
    let take = req.candles.saturating_sub(usize::from(forming.is_some()));
    let mut candles: Vec<_> = agg.history(id, req.timeframe).rev().take(take).copied().collect();
    candles.reverse();
    let last_forming = forming.is_some();
    candles.extend(forming);
    let since = candles.first().map_or(i64::MAX, |c| c.open_time_ms);
    let mut fills: Vec<FillMark> = engine
        .orders()
        .recent_fills()
        .filter(|f| f.instrument == id && f.time_ms >= since)
        .map(|f| FillMark { time_ms: f.time_ms, side: f.side, price: f.price })
        .collect();
    fills.sort_by_key(|f| f.time_ms);
    ChartData {
        symbol: selected,
        timeframe: req.timeframe,
        price_scale: inst.price_scale,
        qty_scale: inst.qty_scale,
        candles,
        last_forming,
        fills,
    }
}

fn book(engine: &Engine, selected: usize, levels: usize) -> BookView {
    let Some((id, _)) = engine.instruments().iter().nth(selected) else { return BookView::default() };
    let depth = engine.depth(id);
    BookView {
        symbol: selected,
        top: engine.book(id),
        bids: depth.map_or_else(Vec::new, |d| d.bids().take(levels).collect()),
        asks: depth.map_or_else(Vec::new, |d| d.asks().take(levels).collect()),
        has_depth: depth.is_some(),
        synced: depth.is_some_and(crate::book::OrderBook::is_synced),
    }
}

fn owner(engine: &Engine, s: StrategyId) -> String {
    if s == StrategyId::MANUAL {
        return "manual".to_string();
    }
    engine.strategies().get(usize::from(s.0)).map_or_else(|| format!("#{}", s.0), |x| x.strategy.name().to_string())
}

fn orders(engine: &Engine) -> Vec<OrderRow> {
    let insts = engine.instruments();
    engine
        .orders()
        .open()
        .rev()
        .map(|o: &Order| {
            let inst = insts.try_get(o.intent.instrument);
            let (ps, qs) = inst.map_or((0, 0), |i| (i.price_scale, i.qty_scale));
            OrderRow {
                id: o.id.0,
                symbol: inst.map_or_else(String::new, |i| i.symbol.clone()),
                side: Some(o.intent.side),
                kind: o.intent.kind.as_str(),
                qty: o.intent.qty.display(qs).to_string(),
                filled: o.filled_qty.display(qs).to_string(),
                price: o.intent.limit_price.map_or_else(|| "market".to_string(), |p| p.display(ps).to_string()),
                state: o.state.to_string(),
                owner: owner(engine, o.intent.strategy),
                created_ms: o.created_ms,
            }
        })
        .collect()
}

fn fills(engine: &Engine) -> Vec<FillRow> {
    let insts = engine.instruments();
    engine
        .orders()
        .recent_fills()
        .rev()
        .take(FILL_ROWS)
        .map(|f| {
            let inst = insts.try_get(f.instrument);
            let (ps, qs) = inst.map_or((0, 0), |i| (i.price_scale, i.qty_scale));
            FillRow {
                order_id: f.order_id.0,
                time_ms: f.time_ms,
                symbol: inst.map_or_else(String::new, |i| i.symbol.clone()),
                side: Some(f.side),
                price: f.price.display(ps).to_string(),
                qty: f.qty.display(qs).to_string(),
                fee: f.fee.to_string(),
                liquidity: match f.liquidity {
                    Liquidity::Maker => "maker",
                    Liquidity::Taker => "taker",
                },
            }
        })
        .collect()
}

fn pnl(engine: &Engine) -> PnlNumbers {
    let p = engine.portfolio();
    let (realized, unrealized, fees) = (p.realized(), p.unrealized(), p.fees());
    PnlNumbers { realized, unrealized, fees, total: realized + unrealized - fees, equity: p.equity() }
}

/// Stats and log-scale buckets per stage.
pub fn latency(h: &LatencyHistograms) -> Vec<StageLatency> {
    Stage::ALL.iter().map(|&s| stage_latency(s.as_str(), h.histogram(s))).collect()
}

/// Percentiles and log-scale buckets (powers of two of nanoseconds) of one histogram.
pub fn stage_latency(name: &'static str, hist: &hdrhistogram::Histogram<u64>) -> StageLatency {
    let mut buckets = Vec::new();
    let stats = if hist.is_empty() {
        crate::telemetry::LatencyStats::default()
    } else {
        for v in hist.iter_log(1, 2.0) {
            buckets.push((v.value_iterated_to(), v.count_since_last_iteration()));
        }
        crate::telemetry::LatencyStats {
            count: hist.len(),
            p50: hist.value_at_quantile(0.50),
            p90: hist.value_at_quantile(0.90),
            p99: hist.value_at_quantile(0.99),
            p999: hist.value_at_quantile(0.999),
            max: hist.max(),
            mean: hist.mean(),
        }
    };
    StageLatency { name, stats, buckets }
}

/// Equity as a plain number for charts (display only; P&L stays exact elsewhere).
pub fn notional_f64(n: Notional) -> f64 {
    n.0 as f64 / 1e18
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::{Instruments, Venue};
    use crate::route::{PaperRouter, Router};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn the_source_drop_count_reaches_every_screen() {
        let cfg = Config { strategies: Vec::new(), ..Config::default() };
        let router = Router::Paper(PaperRouter::new(&cfg.paper).unwrap());
        let engine = crate::engine::build_engine_with(&cfg, Instruments::auto(Venue::BinanceSpot), router).unwrap();
        let drops = Arc::new(AtomicU64::new(0));
        let mut b = ScreenBuilder::new(SessionInfo::default()).with_source_drops(drops.clone());
        assert_eq!(b.build(&engine, &ViewRequest::default()).session.source_drops, 0);
        drops.fetch_add(7, Ordering::Relaxed);
        assert_eq!(b.build(&engine, &ViewRequest::default()).session.source_drops, 7);
    }
}
