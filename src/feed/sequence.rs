//! Trade-id gap and duplicate detection, per instrument.
//!
//! After a reconnect (or during a planned one, when two connections overlap)
//! the venue may send trades we already have; a candle must not count them
//! twice. Binance trade ids (`t`) and aggregate trade ids (`a`) are each
//! consecutive per symbol, so a jump counts the ids we never got.
//!
//! Per instrument and id space (trade, aggTrade) a [`TradeSequencer`] keeps
//! the highest id seen and a bitmap of the [`WINDOW`] ids below it:
//!
//! * above the highest id: fresh; the ids jumped over are counted as missing
//!   ([`SeqVerdict::Gap`]);
//! * inside the window and already seen: [`SeqVerdict::Duplicate`], drop it;
//! * inside the window and never seen: late but new ([`SeqVerdict::Late`]),
//!   accepted, and the hole it fills is no longer counted as missing;
//! * below the window: it cannot be told from a duplicate, so it is dropped
//!   ([`SeqVerdict::TooOld`]); candles would refuse a trade that late anyway.
//!
//! So every id is accepted at most once, and `missing` is always the number
//! of ids between the first and the highest seen that were never accepted.
//! O(1) per trade: clearing the bitmap after a jump touches at most
//! `WINDOW / 64` words; no allocation except the first time an instrument
//! is seen. Ids of a venue that restarts its numbering fall below the
//! window: call [`TradeSequencer::reset`] for that instrument.

use crate::domain::{InstrumentId, Trade};
use serde::Serialize;

/// How many ids below the highest are remembered per instrument and id space.
pub const WINDOW: u64 = 4096;
const WORDS: usize = (WINDOW / 64) as usize;

/// What to do with one trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqVerdict {
    /// The next id, or the first one seen: accept.
    Fresh,
    /// Seen before: drop it.
    Duplicate,
    /// Newer than the next expected id: accept; `missing` ids were skipped.
    Gap { missing: u64 },
    /// Older than the highest id but never seen: accept; it fills a hole.
    Late,
    /// Older than the remembered window: dropped, as it may be a duplicate.
    TooOld,
}

impl SeqVerdict {
    /// Whether the trade should go on to the candles.
    #[inline]
    pub fn accepted(self) -> bool {
        matches!(self, Self::Fresh | Self::Gap { .. } | Self::Late)
    }
}

/// Counts for one instrument (trades and aggregate trades together).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeqCounters {
    /// Trades accepted (fresh, after a gap, or late).
    pub accepted: u64,
    /// Trades dropped because their id was already seen.
    pub duplicates: u64,
    /// Jumps in the ids.
    pub gaps: u64,
    /// Ids skipped and not (yet) received late.
    pub missing: u64,
    /// Trades that arrived after a newer id, filling a hole.
    pub late: u64,
    /// Trades dropped as older than the remembered window.
    pub too_old: u64,
}

impl SeqCounters {
    fn add(&mut self, o: &Self) {
        self.accepted = self.accepted.saturating_add(o.accepted);
        self.duplicates = self.duplicates.saturating_add(o.duplicates);
        self.gaps = self.gaps.saturating_add(o.gaps);
        self.missing = self.missing.saturating_add(o.missing);
        self.late = self.late.saturating_add(o.late);
        self.too_old = self.too_old.saturating_add(o.too_old);
    }
}

/// One id space of one instrument.
#[derive(Debug, Clone)]
struct Track {
    /// The first id seen: holes below it were never counted as missing.
    first: u64,
    /// The highest id seen.
    max: u64,
    /// Bit `id % WINDOW` set when `id` in `(max - WINDOW, max]` was seen.
    seen: [u64; WORDS],
    counters: SeqCounters,
}

impl Track {
    fn new(id: u64) -> Self {
        let mut t = Self { first: id, max: id, seen: [0; WORDS], counters: SeqCounters::default() };
        t.set(id);
        t
    }

    #[inline]
    fn bit(id: u64) -> (usize, u64) {
        let slot = id % WINDOW;
        ((slot / 64) as usize, 1u64 << (slot % 64))
    }

    #[inline]
    fn set(&mut self, id: u64) {
        let (w, b) = Self::bit(id);
        self.seen[w] |= b;
    }

    #[inline]
    fn is_set(&self, id: u64) -> bool {
        let (w, b) = Self::bit(id);
        self.seen[w] & b != 0
    }

    /// Moves the window up to `new_max`, forgetting the ids whose slots the
    /// ids `(max, new_max]` take over.
    #[inline]
    fn slide_to(&mut self, new_max: u64) {
        if new_max - self.max >= WINDOW {
            self.seen = [0; WORDS];
        } else {
            for id in self.max + 1..=new_max {
                let (w, b) = Self::bit(id);
                self.seen[w] &= !b;
            }
        }
        self.max = new_max;
    }

    #[inline]
    fn check(&mut self, id: u64) -> SeqVerdict {
        if id > self.max {
            let missing = id - self.max - 1;
            self.slide_to(id);
            self.set(id);
            let c = &mut self.counters;
            c.accepted += 1;
            if missing == 0 {
                return SeqVerdict::Fresh;
            }
            c.gaps += 1;
            c.missing += missing;
            return SeqVerdict::Gap { missing };
        }
        if self.max - id >= WINDOW {
            self.counters.too_old += 1;
            return SeqVerdict::TooOld;
        }
        if self.is_set(id) {
            self.counters.duplicates += 1;
            return SeqVerdict::Duplicate;
        }
        self.set(id);
        let c = &mut self.counters;
        c.accepted += 1;
        c.late += 1;
        if id > self.first {
            c.missing = c.missing.saturating_sub(1);
        }
        SeqVerdict::Late
    }
}

/// Per-instrument trade-id checks for trades and aggregate trades.
#[derive(Debug, Clone, Default)]
pub struct TradeSequencer {
    /// Indexed by instrument id; `[trade ids, aggregate trade ids]`.
    tracks: Vec<[Option<Box<Track>>; 2]>,
}

impl TradeSequencer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks one trade id; `aggregated` selects the aggTrade id space.
    #[inline]
    pub fn check(&mut self, instrument: InstrumentId, trade_id: u64, aggregated: bool) -> SeqVerdict {
        let i = instrument.index();
        if i >= self.tracks.len() {
            self.tracks.resize_with(i + 1, Default::default);
        }
        match &mut self.tracks[i][usize::from(aggregated)] {
            Some(t) => t.check(trade_id),
            slot @ None => {
                let mut t = Box::new(Track::new(trade_id));
                t.counters.accepted = 1;
                *slot = Some(t);
                SeqVerdict::Fresh
            }
        }
    }

    /// [`check`](Self::check) for a decoded trade.
    #[inline]
    pub fn check_trade(&mut self, t: &Trade) -> SeqVerdict {
        self.check(t.instrument, t.trade_id, t.aggregated)
    }

    /// The counts for one instrument (zero when never seen).
    pub fn counters(&self, instrument: InstrumentId) -> SeqCounters {
        let mut out = SeqCounters::default();
        if let Some(pair) = self.tracks.get(instrument.index()) {
            for t in pair.iter().flatten() {
                out.add(&t.counters);
            }
        }
        out
    }

    /// The counts over all instruments.
    pub fn totals(&self) -> SeqCounters {
        let mut out = SeqCounters::default();
        for t in self.tracks.iter().flatten().flatten() {
            out.add(&t.counters);
        }
        out
    }

    /// Forgets what was seen for `instrument` (e.g. the venue restarted its
    /// numbering); its counters start again too.
    pub fn reset(&mut self, instrument: InstrumentId) {
        if let Some(pair) = self.tracks.get_mut(instrument.index()) {
            *pair = Default::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: InstrumentId = InstrumentId(0);
    const B: InstrumentId = InstrumentId(3);

    #[test]
    fn fresh_duplicate_gap_late() {
        let mut s = TradeSequencer::new();
        assert_eq!(s.check(A, 100, false), SeqVerdict::Fresh);
        assert_eq!(s.check(A, 101, false), SeqVerdict::Fresh);
        assert_eq!(s.check(A, 101, false), SeqVerdict::Duplicate);
        assert_eq!(s.check(A, 100, false), SeqVerdict::Duplicate);
        assert_eq!(s.check(A, 105, false), SeqVerdict::Gap { missing: 3 });
        assert_eq!(s.check(A, 103, false), SeqVerdict::Late);
        assert_eq!(s.check(A, 103, false), SeqVerdict::Duplicate);
        let c = s.counters(A);
        assert_eq!((c.accepted, c.duplicates, c.gaps, c.missing, c.late), (4, 3, 1, 2, 1));
    }

    #[test]
    fn id_spaces_and_instruments_are_separate() {
        let mut s = TradeSequencer::new();
        assert_eq!(s.check(A, 7, false), SeqVerdict::Fresh);
        assert_eq!(s.check(A, 7, true), SeqVerdict::Fresh);
        assert_eq!(s.check(B, 7, false), SeqVerdict::Fresh);
        assert_eq!(s.counters(A).accepted, 2);
        assert_eq!(s.counters(InstrumentId(1)), SeqCounters::default());
        assert_eq!(s.totals().accepted, 3);
    }

    #[test]
    fn below_the_window_is_dropped_and_a_big_jump_clears_it() {
        let mut s = TradeSequencer::new();
        s.check(A, 10, false);
        assert_eq!(s.check(A, 10 + WINDOW, false), SeqVerdict::Gap { missing: WINDOW - 1 });
        assert_eq!(s.check(A, 10, false), SeqVerdict::TooOld);
        assert_eq!(s.check(A, 11, false), SeqVerdict::Late);
        assert_eq!(s.check(A, 11, false), SeqVerdict::Duplicate);
        // A jump far beyond the window forgets everything below it.
        assert_eq!(s.check(A, 10 * WINDOW, false), SeqVerdict::Gap { missing: 10 * WINDOW - 11 - WINDOW });
        assert_eq!(s.check(A, 10 * WINDOW - 1, false), SeqVerdict::Late);
        assert_eq!(s.counters(A).too_old, 1);
    }

    #[test]
    fn ids_below_the_first_are_late_but_not_holes() {
        let mut s = TradeSequencer::new();
        s.check(A, 50, false);
        assert_eq!(s.check(A, 49, false), SeqVerdict::Late);
        assert_eq!(s.counters(A).missing, 0);
        assert_eq!(s.check(A, 49, false), SeqVerdict::Duplicate);
    }

    #[test]
    fn reset_forgets() {
        let mut s = TradeSequencer::new();
        s.check(A, 1_000_000, false);
        assert_eq!(s.check(A, 1, false), SeqVerdict::TooOld);
        s.reset(A);
        assert_eq!(s.check(A, 1, false), SeqVerdict::Fresh);
        assert_eq!(s.counters(A).too_old, 0);
    }

    #[test]
    fn extremes_do_not_overflow() {
        let mut s = TradeSequencer::new();
        for inst in [A, B] {
            assert_eq!(s.check(inst, 0, false), SeqVerdict::Fresh);
            assert_eq!(s.check(inst, u64::MAX, false), SeqVerdict::Gap { missing: u64::MAX - 1 });
            assert_eq!(s.check(inst, u64::MAX, false), SeqVerdict::Duplicate);
            assert_eq!(s.check(inst, u64::MAX - 1, false), SeqVerdict::Late);
            assert_eq!(s.check(inst, 0, false), SeqVerdict::TooOld);
        }
        assert_eq!(s.counters(A).missing, u64::MAX - 2);
        assert_eq!(s.totals().missing, u64::MAX, "saturates");
    }

    #[test]
    fn counters_serialize() {
        let v = serde_json::to_value(SeqCounters { gaps: 2, ..Default::default() }).unwrap();
        assert_eq!(v["gaps"], 2);
    }
}
