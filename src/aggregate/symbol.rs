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
    /// One per configured timeframe, in the aggregator's order.
    pub forming: Vec<Forming>,
    pub history: Vec<History>,
    /// The latest bucket start among the open candles: a tick before it would
    /// fall in an already-closed bucket of at least one timeframe.
    active_from_ms: i64,
    reorder: Option<ReorderBuffer>,
    pub stats: AggregateStats,
}

impl SymbolCandles {
    pub fn new(
        instrument: InstrumentId,
        frames: &[Frame],
        history: usize,
        reorder_window_ms: i64,
    ) -> Self {
        Self {
            forming: frames
                .iter()
                .map(|&f| Forming::new(instrument, f))
                .collect(),
            history: frames
                .iter()
                .map(|_| History::with_capacity(history))
                .collect(),
            active_from_ms: i64::MIN,
            reorder: (reorder_window_ms > 0).then(|| ReorderBuffer::new(reorder_window_ms)),
            stats: AggregateStats::default(),
        }
    }

    /// Entry point for a new trade: straight to the candles, or through the
    /// reorder window when one is configured.
    #[inline]
    pub fn on_tick(
        &mut self,
        frames: &[Frame],
        tick: Tick,
        closed: &mut Vec<Candle>,
    ) -> TickOutcome {
        let Some(buf) = self.reorder.as_mut() else {
            return self.apply_or_drop(frames, &tick, closed);
        };
        if buf.is_past_window(tick.time_ms) {
            let out = self.apply_or_drop(frames, &tick, closed);
            if out == TickOutcome::DroppedLate {
                self.stats.reorder_unsaved += 1;
            }
            return out;
        }
        buf.hold(tick);
        let outcome = if buf.is_due(tick.time_ms) {
            TickOutcome::Applied
        } else {
            TickOutcome::Buffered
        };
        self.release(frames, closed, false);
        outcome
    }

    /// Applies held trades in time order: those the window has passed, or all
    /// of them at the end of input.
    fn release(&mut self, frames: &[Frame], closed: &mut Vec<Candle>, all: bool) {
        loop {
            let next = match self.reorder.as_mut() {
                Some(buf) if all => buf.release_next(),
                Some(buf) => buf.release_due(),
                None => None,
            };
            let Some(held) = next else { return };
            // Released trades come in time order and no older than any applied
            // trade, so they always fall in the open buckets.
            if self.apply_or_drop(frames, &held.tick, closed) == TickOutcome::Applied
                && held.arrived_late
            {
                self.stats.reorder_saved += 1;
            }
        }
    }

    /// The drop rule: a tick before `active_from_ms` is dropped and counted
    /// once; any other tick is applied to every timeframe.
    #[inline]
    fn apply_or_drop(
        &mut self,
        frames: &[Frame],
        tick: &Tick,
        closed: &mut Vec<Candle>,
    ) -> TickOutcome {
        if tick.time_ms < self.active_from_ms {
            self.stats.out_of_order_dropped += 1;
            return TickOutcome::DroppedLate;
        }
        let mut active_from = i64::MIN;
        for ((f, h), &frame) in self
            .forming
            .iter_mut()
            .zip(self.history.iter_mut())
            .zip(frames)
        {
            f.apply(frame, tick, h, closed);
            active_from = active_from.max(f.start_ms());
        }
        self.active_from_ms = active_from;
        TickOutcome::Applied
    }

    /// End of input: apply everything held, then close every open candle.
    pub fn flush(&mut self, frames: &[Frame], closed: &mut Vec<Candle>) {
        self.release(frames, closed, true);
        for (f, h) in self.forming.iter_mut().zip(self.history.iter_mut()) {
            f.close_into(h, closed);
        }
    }
}
