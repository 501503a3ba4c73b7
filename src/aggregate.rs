//! Candles from trades: every symbol × every configured timeframe at once,
//! O(1) per trade per timeframe and no allocation per trade.
//!
//! # Buckets
//! A trade goes in the bucket of its exchange trade time [`Trade::time_ms`]:
//! `floor((t - offset) / len) * len + offset`, with floor division so times
//! before the epoch work, and the Monday offset of [`Timeframe::offset_ms`]
//! for weeks. The calendar month has no fixed length and is refused.
//!
//! # Gaps
//! A trade in a later bucket closes the open candle and opens a new one.
//! **An interval with no trades produces no candle**: nothing is invented to
//! fill it (no flat candle at the last close), and charts show it as a gap.
//!
//! # Late trades
//! Per symbol, the *active limit* is the latest start among the open buckets
//! of all timeframes (with nested timeframes such as the defaults, the start
//! of the smallest timeframe's open bucket). A trade is **applied** when its
//! time is at or after that limit: it then falls in the open (or a later)
//! bucket of every timeframe, even if it is older than trades already
//! applied; `open`/`close` follow trade time, not arrival. A trade before the
//! limit would belong to a bucket already closed in at least one timeframe:
//! it is **dropped** from all timeframes and counted once in
//! [`AggregateStats::out_of_order_dropped`].
//!
//! # Reorder window
//! With `reorder-window-ms` > 0, trades are held in a buffer sorted by time
//! (ties keep arrival order) and released to the candles once the newest trade
//! time seen is at least the window past them, so every candle is final that
//! much later. A trade that arrived behind a newer one and is released in
//! order counts in `reorder_saved`. A trade older than one already released
//! cannot be put back in order: it goes straight to the rule above, and if
//! dropped counts in both `reorder_unsaved` and `out_of_order_dropped`.
//! [`Aggregator::flush`] releases whatever is still held.

mod bucket;
mod forming;
mod history;
mod reorder;
mod symbol;

use crate::domain::{Candle, Instrument, InstrumentId, Timeframe, Trade};
use bucket::Frame;
use forming::Tick;
use history::History;
use serde::{Deserialize, Serialize};
use symbol::SymbolCandles;

/// The `[aggregate]` config section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct AggregatorConfig {
    /// Timeframes built from trades, in the order closed candles are reported.
    pub timeframes: Vec<Timeframe>,
    /// How long to hold trades to put late ones back in order (0 = off).
    pub reorder_window_ms: u64,
    /// Closed candles kept per symbol × timeframe for charts.
    pub history: usize,
}

impl Default for AggregatorConfig {
    fn default() -> Self {
        Self { timeframes: Timeframe::DEFAULTS.to_vec(), reorder_window_ms: 0, history: 500 }
    }
}

/// The longest reorder window accepted: beyond it candles would lag too far
/// behind the market to be of use live.
pub const MAX_REORDER_WINDOW_MS: u64 = 60_000;
/// The most closed candles kept per symbol × timeframe (preallocated).
pub const MAX_HISTORY: usize = 100_000;

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AggregateError {
    #[error("aggregate.timeframes is empty: give at least one timeframe")]
    NoTimeframes,
    #[error("aggregate.timeframes: {0} has no fixed length and cannot be built from trades")]
    NoFixedLength(Timeframe),
    #[error("aggregate.timeframes: {0} is listed twice")]
    Duplicate(Timeframe),
    #[error("aggregate.reorder-window-ms = {0} is above the maximum of {MAX_REORDER_WINDOW_MS}")]
    ReorderWindowTooLong(u64),
    #[error("aggregate.history = {0} is above the maximum of {MAX_HISTORY}")]
    HistoryTooLong(usize),
}

/// What happened to one trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickOutcome {
    /// Added to the candles (possibly closing some).
    Applied,
    /// Held by the reorder window; it reaches the candles later.
    Buffered,
    /// Too late for the open buckets: counted and ignored.
    DroppedLate,
}

/// Late-trade counters of one symbol (see the module doc for the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AggregateStats {
    pub out_of_order_dropped: u64,
    pub reorder_saved: u64,
    pub reorder_unsaved: u64,
}

/// Builds candles for every symbol and configured timeframe.
#[derive(Debug, Clone)]
pub struct Aggregator {
    frames: Vec<Frame>,
    timeframes: Vec<Timeframe>,
    /// Indexed by [`InstrumentId::index`], created when an id first trades.
    symbols: Vec<Option<SymbolCandles>>,
    history: usize,
    reorder_window_ms: i64,
}

impl Aggregator {
    /// Checks the config: at least one timeframe, no duplicates, no `1M`.
    pub fn new(cfg: &AggregatorConfig) -> Result<Self, AggregateError> {
        if cfg.timeframes.is_empty() {
            return Err(AggregateError::NoTimeframes);
        }
        if cfg.reorder_window_ms > MAX_REORDER_WINDOW_MS {
            return Err(AggregateError::ReorderWindowTooLong(cfg.reorder_window_ms));
        }
        if cfg.history > MAX_HISTORY {
            return Err(AggregateError::HistoryTooLong(cfg.history));
        }
        let mut frames = Vec::with_capacity(cfg.timeframes.len());
        for (i, &tf) in cfg.timeframes.iter().enumerate() {
            if cfg.timeframes[..i].contains(&tf) {
                return Err(AggregateError::Duplicate(tf));
            }
            frames.push(Frame::of(tf).ok_or(AggregateError::NoFixedLength(tf))?);
        }
        Ok(Self {
            frames,
            timeframes: cfg.timeframes.clone(),
            symbols: Vec::new(),
            history: cfg.history,
            reorder_window_ms: i64::try_from(cfg.reorder_window_ms).unwrap_or(i64::MAX),
        })
    }

    /// Adds one trade of `inst` (the instrument `t.instrument` names, for the
    /// notional); candles it closes are pushed to `closed`, in timeframe order.
    #[inline]
    pub fn on_trade(&mut self, t: &Trade, inst: &Instrument, closed: &mut Vec<Candle>) -> TickOutcome {
        let tick = Tick { time_ms: t.time_ms, price: t.price, qty: t.qty, notional: inst.notional(t.price, t.qty) };
        let Self { frames, symbols, history, reorder_window_ms, .. } = self;
        let idx = t.instrument.index();
        if symbols.len() <= idx {
            // A new id: the only growth, never per trade.
            symbols.resize_with(idx + 1, || None);
        }
        let sym =
            symbols[idx].get_or_insert_with(|| SymbolCandles::new(t.instrument, frames, *history, *reorder_window_ms));
        sym.on_tick(frames, tick, closed)
    }

    /// End of finite input: releases every reorder buffer, then closes every
    /// open candle (symbols in id order, timeframes in config order). Trades
    /// after a flush open new candles, possibly for a bucket already flushed.
    pub fn flush(&mut self, closed: &mut Vec<Candle>) {
        for sym in self.symbols.iter_mut().flatten() {
            sym.flush(&self.frames, closed);
        }
    }

    /// Seeds the chart history with candles closed before the session
    /// (REST backfill), so charts start full. Candles of timeframes not
    /// configured, or not newer than the newest candle already held, are
    /// skipped; the forming candles and the late-tick rule are untouched.
    /// Returns how many were kept.
    pub fn backfill(&mut self, candles: &[Candle]) -> usize {
        let mut kept = 0;
        for c in candles {
            let Some(slot) = self.timeframes.iter().position(|&t| t == c.timeframe) else { continue };
            let idx = c.instrument.index();
            if self.symbols.len() <= idx {
                self.symbols.resize_with(idx + 1, || None);
            }
            let (frames, history, window) = (&self.frames, self.history, self.reorder_window_ms);
            let sym =
                self.symbols[idx].get_or_insert_with(|| SymbolCandles::new(c.instrument, frames, history, window));
            let Some(h) = sym.candles.history.get_mut(slot) else { continue };
            if h.iter().last().is_none_or(|last| last.open_time_ms < c.open_time_ms) {
                h.push(*c);
                kept += 1;
            }
        }
        kept
    }

    /// The candle still forming, if any.
    pub fn current(&self, i: InstrumentId, tf: Timeframe) -> Option<&Candle> {
        let (sym, slot) = self.locate(i, tf)?;
        sym.candles.forming.get(slot)?.current()
    }

    /// Closed candles kept for charts, oldest first (at most `history`).
    pub fn history(&self, i: InstrumentId, tf: Timeframe) -> impl DoubleEndedIterator<Item = &Candle> {
        match self.locate(i, tf).and_then(|(sym, slot)| sym.candles.history.get(slot)) {
            Some(h) => h.iter(),
            None => History::empty_iter(),
        }
    }

    /// Late-trade counters of one symbol (zero for a symbol never seen).
    pub fn symbol_stats(&self, i: InstrumentId) -> AggregateStats {
        self.symbol(i).map(|s| s.candles.stats).unwrap_or_default()
    }

    /// The configured timeframes, in config order.
    pub fn timeframes(&self) -> &[Timeframe] {
        &self.timeframes
    }

    fn symbol(&self, i: InstrumentId) -> Option<&SymbolCandles> {
        self.symbols.get(i.index())?.as_ref()
    }

    fn locate(&self, i: InstrumentId, tf: Timeframe) -> Option<(&SymbolCandles, usize)> {
        let slot = self.timeframes.iter().position(|&t| t == tf)?;
        Some((self.symbol(i)?, slot))
    }
}

#[cfg(test)]
mod tests;
