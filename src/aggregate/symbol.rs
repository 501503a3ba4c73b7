//! Everything the aggregator keeps for one symbol: a forming candle and a
//! history per timeframe, the late-tick limit, the reorder buffer, counters.

use super::bucket::Frame;
use super::forming::{Forming, Tick};
use super::history::History;
use super::reorder::ReorderBuffer;
use super::{AggregateStats, TickOutcome};
use crate::domain::{Candle, InstrumentId};

#[derive(Debug, Clone)]
pub(crate) struct SymbolCandles {
    pub candles: TimeframeCandles,
    reorder: Option<ReorderBuffer>,
}

/// The candles of one symbol across all timeframes, and the drop rule.
#[derive(Debug, Clone)]
pub(crate) struct TimeframeCandles {
    /// One per configured timeframe, in the aggregator's order.
    pub forming: Vec<Forming>,
    pub history: Vec<History>,
    /// The latest bucket start among the open candles: a tick before it would
    /// fall in an already-closed bucket of at least one timeframe.
    active_from_ms: i64,
    pub stats: AggregateStats,
}

impl SymbolCandles {
    pub fn new(instrument: InstrumentId, frames: &[Frame], history: usize, reorder_window_ms: i64) -> Self {
        Self {
            candles: TimeframeCandles {
                forming: frames.iter().map(|&f| Forming::new(instrument, f)).collect(),
                history: frames.iter().map(|_| History::with_capacity(history)).collect(),
                active_from_ms: i64::MIN,
                stats: AggregateStats::default(),
            },
            reorder: (reorder_window_ms > 0).then(|| ReorderBuffer::new(reorder_window_ms)),
        }
    }

    /// Entry point for a new trade: straight to the candles, or through the
    /// reorder window when one is configured.
    #[inline]
    pub fn on_tick(&mut self, frames: &[Frame], tick: Tick, closed: &mut Vec<Candle>) -> TickOutcome {
        let candles = &mut self.candles;
        let Some(buf) = self.reorder.as_mut() else {
            return candles.apply_or_drop(frames, &tick, closed);
        };
        if buf.is_past_window(tick.time_ms) {
            let out = candles.apply_or_drop(frames, &tick, closed);
            if out == TickOutcome::DroppedLate {
                candles.stats.reorder_unsaved += 1;
            }
            return out;
        }
        let due = buf.is_due(tick.time_ms);
        buf.hold(tick);
        while let Some(held) = buf.release_due() {
            candles.apply_released(frames, &held.tick, held.arrived_late, closed);
        }
        if due { TickOutcome::Applied } else { TickOutcome::Buffered }
    }

    /// End of input: apply everything held, then close every open candle.
    pub fn flush(&mut self, frames: &[Frame], closed: &mut Vec<Candle>) {
        let candles = &mut self.candles;
        if let Some(buf) = self.reorder.as_mut() {
            while let Some(held) = buf.release_next() {
                candles.apply_released(frames, &held.tick, held.arrived_late, closed);
            }
        }
        for (f, h) in candles.forming.iter_mut().zip(candles.history.iter_mut()) {
            f.close_into(h, closed);
        }
    }
}

impl TimeframeCandles {
    /// The drop rule: a tick before `active_from_ms` is dropped and counted
    /// once; any other tick is applied to every timeframe.
    #[inline]
    fn apply_or_drop(&mut self, frames: &[Frame], tick: &Tick, closed: &mut Vec<Candle>) -> TickOutcome {
        if tick.time_ms < self.active_from_ms {
            self.stats.out_of_order_dropped += 1;
            return TickOutcome::DroppedLate;
        }
        let mut active_from = i64::MIN;
        for ((f, h), &frame) in self.forming.iter_mut().zip(self.history.iter_mut()).zip(frames) {
            f.apply(frame, tick, h, closed);
            active_from = active_from.max(f.start_ms());
        }
        self.active_from_ms = active_from;
        TickOutcome::Applied
    }

    /// A tick out of the reorder buffer. Released ticks come in time order and
    /// are never older than an applied one, so they always fall in the open buckets.
    #[inline]
    fn apply_released(&mut self, frames: &[Frame], tick: &Tick, arrived_late: bool, closed: &mut Vec<Candle>) {
        if self.apply_or_drop(frames, tick, closed) == TickOutcome::Applied && arrived_late {
            self.stats.reorder_saved += 1;
        }
    }
}
