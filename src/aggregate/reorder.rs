//! The reorder window: trades held briefly so that a late one can be slotted
//! back into time order before it reaches the candles.

use super::forming::Tick;
use std::collections::VecDeque;

/// A held trade, remembering whether it arrived behind a newer one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Held {
    pub tick: Tick,
    pub arrived_late: bool,
}

/// Trades sorted by time (ties keep arrival order), released once the newest
/// trade time seen is at least `window_ms` past them.
#[derive(Debug, Clone)]
pub(crate) struct ReorderBuffer {
    held: VecDeque<Held>,
    window_ms: i64,
    newest_seen_ms: i64,
    /// Time of the last released trade: anything older can no longer be put in order.
    released_ms: i64,
}

/// Room for a burst of a busy symbol within a typical window. The deque keeps
/// whatever capacity it grows to, so steady state does not allocate; a small
/// start keeps the ring it cycles through in L1 cache (1024 slots cost 2x).
const INITIAL_CAPACITY: usize = 64;

impl ReorderBuffer {
    pub fn new(window_ms: i64) -> Self {
        Self {
            held: VecDeque::with_capacity(INITIAL_CAPACITY),
            window_ms,
            newest_seen_ms: i64::MIN,
            released_ms: i64::MIN,
        }
    }

    /// True when `t` is older than a trade already released: holding it cannot help.
    #[inline]
    pub fn is_past_window(&self, t: i64) -> bool {
        t < self.released_ms
    }

    /// Holds a trade in time order; returns whether it arrived behind a newer one.
    #[inline]
    pub fn hold(&mut self, tick: Tick) -> bool {
        let arrived_late = tick.time_ms < self.newest_seen_ms;
        self.newest_seen_ms = self.newest_seen_ms.max(tick.time_ms);
        let held = Held { tick, arrived_late };
        match self.held.back() {
            Some(b) if b.tick.time_ms > tick.time_ms => {
                let at = self.held.partition_point(|h| h.tick.time_ms <= tick.time_ms);
                self.held.insert(at, held);
            }
            _ => self.held.push_back(held),
        }
        arrived_late
    }

    /// The oldest held trade if the window has passed it.
    #[inline]
    pub fn release_due(&mut self) -> Option<Held> {
        let horizon = self.newest_seen_ms.saturating_sub(self.window_ms);
        match self.held.front() {
            Some(h) if h.tick.time_ms <= horizon => self.release_next(),
            _ => None,
        }
    }

    /// The oldest held trade regardless of the window (end of input).
    pub fn release_next(&mut self) -> Option<Held> {
        let h = self.held.pop_front()?;
        self.released_ms = h.tick.time_ms;
        Some(h)
    }

    /// Whether `t` would be released at once by [`Self::release_due`].
    #[inline]
    pub fn is_due(&self, t: i64) -> bool {
        t <= self.newest_seen_ms.saturating_sub(self.window_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Notional, Price, Qty};

    fn tick(t: i64, p: i64) -> Tick {
        Tick { time_ms: t, price: Price(p), qty: Qty(1), notional: Notional(0) }
    }

    fn drain_due(b: &mut ReorderBuffer) -> Vec<(i64, i64)> {
        std::iter::from_fn(|| b.release_due()).map(|h| (h.tick.time_ms, h.tick.price.0)).collect()
    }

    #[test]
    fn releases_sorted_once_the_window_has_passed() {
        let mut b = ReorderBuffer::new(100);
        assert!(!b.hold(tick(1_000, 1)));
        assert!(!b.hold(tick(1_050, 2)));
        assert!(b.hold(tick(1_020, 3)));
        assert!(b.hold(tick(1_020, 4)));
        assert!(drain_due(&mut b).is_empty());
        b.hold(tick(1_120, 5));
        assert_eq!(drain_due(&mut b), [(1_000, 1), (1_020, 3), (1_020, 4)]);
        assert!(b.is_past_window(1_019));
        assert!(!b.is_past_window(1_020));
        b.hold(tick(2_000, 6));
        assert_eq!(drain_due(&mut b), [(1_050, 2), (1_120, 5)]);
        assert_eq!(b.release_next().map(|h| h.tick.time_ms), Some(2_000));
        assert!(b.release_next().is_none());
    }
}
