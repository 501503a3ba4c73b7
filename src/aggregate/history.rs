//! Closed candles kept for charts: a fixed-size ring, allocated once.

use crate::domain::Candle;
use std::iter::Chain;
use std::slice::Iter;

/// The last `cap` closed candles of one symbol × timeframe; the oldest is
/// overwritten, so pushing never allocates once the ring is full.
#[derive(Debug, Clone)]
pub(crate) struct History {
    buf: Vec<Candle>,
    /// Index of the oldest candle once the ring is full (0 before).
    head: usize,
    cap: usize,
}

/// Oldest-first iterator over a ring: the part after `head`, then the part before.
pub(crate) type HistoryIter<'a> = Chain<Iter<'a, Candle>, Iter<'a, Candle>>;

impl History {
    pub fn with_capacity(cap: usize) -> Self {
        Self { buf: Vec::with_capacity(cap), head: 0, cap }
    }

    pub fn push(&mut self, c: Candle) {
        if self.buf.len() < self.cap {
            self.buf.push(c);
        } else if let Some(slot) = self.buf.get_mut(self.head) {
            *slot = c;
            self.head = (self.head + 1) % self.cap;
        }
    }

    pub fn iter(&self) -> HistoryIter<'_> {
        let (newer, older) = self.buf.split_at(self.head);
        older.iter().chain(newer.iter())
    }

    pub fn empty_iter<'a>() -> HistoryIter<'a> {
        [].iter().chain([].iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentId, Notional, Price, Qty, Timeframe};

    fn candle(t: i64) -> Candle {
        Candle {
            instrument: InstrumentId(0),
            timeframe: Timeframe::S1,
            open_time_ms: t,
            open: Price(1),
            high: Price(1),
            low: Price(1),
            close: Price(1),
            volume: Qty(1),
            quote_volume: Notional(1),
            trades: 1,
        }
    }

    fn times(h: &History) -> Vec<i64> {
        h.iter().map(|c| c.open_time_ms).collect()
    }

    #[test]
    fn keeps_the_newest_oldest_first() {
        let mut h = History::with_capacity(3);
        assert!(times(&h).is_empty());
        for t in 0..2 {
            h.push(candle(t));
        }
        assert_eq!(times(&h), [0, 1]);
        for t in 2..7 {
            h.push(candle(t));
        }
        assert_eq!(times(&h), [4, 5, 6]);
        assert_eq!(h.buf.capacity(), 3);
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut h = History::with_capacity(0);
        h.push(candle(1));
        assert!(times(&h).is_empty());
    }
}
