//! The candle still being formed for one symbol × timeframe.

use super::bucket::Frame;
use super::history::History;
use crate::domain::{Candle, InstrumentId, Notional, Price, Qty};

/// One trade as the aggregator needs it, with its notional computed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tick {
    pub time_ms: i64,
    pub price: Price,
    pub qty: Qty,
    pub notional: Notional,
}

/// The open candle plus what the hot path needs to extend it without division.
#[derive(Debug, Clone)]
pub(crate) struct Forming {
    pub candle: Candle,
    /// First millisecond of the next bucket; `i64::MIN` while no candle is
    /// open, so the first tick always takes the rollover path.
    next_start_ms: i64,
    /// Trade times behind `open` and `close`: a late tick inside the bucket
    /// can still be the earliest (new open) or the latest (new close).
    first_ms: i64,
    last_ms: i64,
    live: bool,
}

impl Forming {
    pub fn new(instrument: InstrumentId, frame: Frame) -> Self {
        Self {
            candle: Candle {
                instrument,
                timeframe: frame.tf,
                open_time_ms: i64::MIN,
                open: Price::ZERO,
                high: Price::ZERO,
                low: Price::ZERO,
                close: Price::ZERO,
                volume: Qty::ZERO,
                quote_volume: Notional::ZERO,
                trades: 0,
            },
            next_start_ms: i64::MIN,
            first_ms: i64::MIN,
            last_ms: i64::MIN,
            live: false,
        }
    }

    /// The open candle, if a trade has opened one.
    pub fn current(&self) -> Option<&Candle> {
        self.live.then_some(&self.candle)
    }

    /// Start of the open bucket (`i64::MIN` before the first trade).
    #[inline]
    pub fn start_ms(&self) -> i64 {
        self.candle.open_time_ms
    }

    /// Adds a tick the caller has checked is not before the open bucket;
    /// closes the candle first when the tick belongs to a later bucket.
    #[inline]
    pub fn apply(&mut self, frame: Frame, tick: &Tick, history: &mut History, closed: &mut Vec<Candle>) {
        if tick.time_ms < self.next_start_ms {
            self.extend(tick);
        } else {
            self.roll(frame, tick, history, closed);
        }
    }

    #[inline]
    fn extend(&mut self, tick: &Tick) {
        let c = &mut self.candle;
        c.high = c.high.max(tick.price);
        c.low = c.low.min(tick.price);
        if tick.time_ms < self.first_ms {
            c.open = tick.price;
            self.first_ms = tick.time_ms;
        }
        if tick.time_ms >= self.last_ms {
            c.close = tick.price;
            self.last_ms = tick.time_ms;
        }
        c.volume = Qty(c.volume.0.saturating_add(tick.qty.0));
        c.quote_volume = Notional(c.quote_volume.0.saturating_add(tick.notional.0));
        c.trades += 1;
    }

    #[cold]
    fn roll(&mut self, frame: Frame, tick: &Tick, history: &mut History, closed: &mut Vec<Candle>) {
        let start = frame.bucket_start(tick.time_ms);
        if self.live && start == self.candle.open_time_ms {
            // Only reachable when `next_start_ms` saturated at `i64::MAX`.
            self.extend(tick);
            return;
        }
        self.close_into(history, closed);
        let c = &mut self.candle;
        c.open_time_ms = start;
        c.open = tick.price;
        c.high = tick.price;
        c.low = tick.price;
        c.close = tick.price;
        c.volume = tick.qty;
        c.quote_volume = tick.notional;
        c.trades = 1;
        self.next_start_ms = start.saturating_add(frame.len_ms);
        self.first_ms = tick.time_ms;
        self.last_ms = tick.time_ms;
        self.live = true;
    }

    /// Emits the open candle, if any, and leaves none open. The bucket start
    /// is kept so the caller's late-tick limit does not move backwards.
    pub fn close_into(&mut self, history: &mut History, closed: &mut Vec<Candle>) {
        if self.live {
            closed.push(self.candle);
            history.push(self.candle);
            self.live = false;
            self.next_start_ms = i64::MIN;
        }
    }
}
