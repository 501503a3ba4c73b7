//! A small order book per symbol around the generated top of book, so the
//! venue can serve `/api/v3/depth` snapshots and `@depth` diffs whose update
//! ids chain exactly as Binance's: each diff's `U` is the previous `u` + 1,
//! and a snapshot's `lastUpdateId` falls inside the next diff's `[U, u]`.
//!
//! Each `bookTicker` (update id `u`) sets the best levels, removes levels it
//! crossed, refills a contiguous ladder of `levels` ticks per side with
//! seeded quantities, drops levels that fell beyond it, and touches one
//! random deeper level. Changes collect in two windows (100 ms and 1 s) that
//! the hub turns into diffs.

use super::render::DepthDiff;
use crate::domain::BookTicker;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The two diff windows: `@depth@100ms` and `@depth`.
pub const WINDOWS: [i64; 2] = [100, 1000];

/// Changes since the last diff of one window.
#[derive(Debug, Clone, Default)]
struct Window {
    last_sent: u64,
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
}

/// The book of one symbol; prices and quantities are mantissas.
#[derive(Debug, Clone)]
pub struct DepthBook {
    tick: i64,
    step: i64,
    levels: usize,
    /// Refill deeper levels (synthetic market); off for a replay, whose
    /// book is only the recorded top.
    ladder: bool,
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
    update_id: u64,
    windows: [Window; 2],
    rng: ChaCha8Rng,
}

impl DepthBook {
    /// `tick` and `step` are mantissas at the symbol's scales (at least 1).
    pub fn new(tick: i64, step: i64, levels: usize, ladder: bool, seed: u64) -> Self {
        Self {
            tick: tick.max(1),
            step: step.max(1),
            levels: levels.max(1),
            ladder,
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            update_id: 0,
            windows: Default::default(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Applies a top-of-book update; stale ids (not above the book's) are ignored.
    pub fn on_book_ticker(&mut self, b: &BookTicker) {
        if b.update_id <= self.update_id || b.bid.0 <= 0 || b.ask.0 <= b.bid.0 {
            return;
        }
        let first = self.update_id == 0;
        let (bid, ask) = (b.bid.0, b.ask.0);
        let tick = self.tick;
        let depth = self.levels as i64 * tick;
        let removed_bids: Vec<i64> =
            self.bids.keys().copied().filter(|&p| p > bid || p <= bid - depth || !self.ladder && p != bid).collect();
        let removed_asks: Vec<i64> =
            self.asks.keys().copied().filter(|&p| p < ask || p >= ask + depth || !self.ladder && p != ask).collect();
        for p in removed_bids {
            self.set(true, p, 0);
        }
        for p in removed_asks {
            self.set(false, p, 0);
        }
        self.set(true, bid, b.bid_qty.0.max(self.step));
        self.set(false, ask, b.ask_qty.0.max(self.step));
        if self.ladder {
            let typical = ((b.bid_qty.0 + b.ask_qty.0) / 2 / self.step).clamp(1, 1 << 40);
            for k in 1..self.levels as i64 {
                let (pb, pa) = (bid - k * tick, ask + k * tick);
                if pb > 0 && !self.bids.contains_key(&pb) {
                    let q = self.fresh_qty(typical, k);
                    self.set(true, pb, q);
                }
                if !self.asks.contains_key(&pa) {
                    let q = self.fresh_qty(typical, k);
                    self.set(false, pa, q);
                }
            }
            // Orders come and go deeper in the book too.
            if self.levels > 1 {
                let k = self.rng.random_range(1..self.levels as i64);
                let side = self.rng.random_bool(0.5);
                let p = if side { bid - k * tick } else { ask + k * tick };
                if p > 0 {
                    let q = self.fresh_qty(typical, k);
                    self.set(side, p, q);
                }
            }
        }
        self.update_id = b.update_id;
        if first {
            // The first update starts the chain: diffs begin after it.
            for w in &mut self.windows {
                *w = Window { last_sent: b.update_id, ..Window::default() };
            }
        }
    }

    /// Deeper levels hold more, with noise.
    fn fresh_qty(&mut self, typical: i64, k: i64) -> i64 {
        let hi = typical.saturating_mul(2 + k.min(10) / 2);
        self.rng.random_range(1..=hi.max(1)) * self.step
    }

    fn set(&mut self, bid: bool, price: i64, qty: i64) {
        let side = if bid { &mut self.bids } else { &mut self.asks };
        if qty == 0 {
            side.remove(&price);
        } else {
            side.insert(price, qty);
        }
        for w in &mut self.windows {
            let m = if bid { &mut w.bids } else { &mut w.asks };
            m.insert(price, qty);
        }
    }

    /// The diff of window `w` since its last one, if anything changed.
    pub fn take_diff(&mut self, w: usize) -> Option<DepthDiff> {
        let win = self.windows.get_mut(w)?;
        if self.update_id <= win.last_sent {
            return None;
        }
        let d = DepthDiff {
            first_id: win.last_sent + 1,
            last_id: self.update_id,
            bids: std::mem::take(&mut win.bids).into_iter().rev().collect(),
            asks: std::mem::take(&mut win.asks).into_iter().collect(),
        };
        win.last_sent = self.update_id;
        Some(d)
    }

    /// `lastUpdateId`, bids best first, asks best first; at most `limit` per side.
    pub fn snapshot(&self, limit: usize) -> (u64, Vec<(i64, i64)>, Vec<(i64, i64)>) {
        let bids = self.bids.iter().rev().take(limit).map(|(p, q)| (*p, *q)).collect();
        let asks = self.asks.iter().take(limit).map(|(p, q)| (*p, *q)).collect();
        (self.update_id, bids, asks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentId, Price, Qty};
    use proptest::prelude::*;

    fn bt(u: u64, bid: i64, ask: i64) -> BookTicker {
        BookTicker {
            instrument: InstrumentId(0),
            update_id: u,
            bid: Price(bid),
            bid_qty: Qty(50),
            ask: Price(ask),
            ask_qty: Qty(70),
            event_time_ms: 0,
            transaction_time_ms: 0,
        }
    }

    type Side = BTreeMap<i64, i64>;

    fn apply(book: &mut (Side, Side), d: &DepthDiff) {
        for (side, levels) in [(&mut book.0, &d.bids), (&mut book.1, &d.asks)] {
            for &(p, q) in levels {
                if q == 0 {
                    side.remove(&p);
                } else {
                    side.insert(p, q);
                }
            }
        }
    }

    proptest! {
        /// A client that follows Binance's procedure from any snapshot ends
        /// with exactly the venue's book, and the ids chain without gaps.
        #[test]
        fn snapshot_plus_diffs_rebuild_the_book(moves in prop::collection::vec((-3i64..=3, 1i64..=4, 1u64..8), 1..200),
                                                snap_at in 0usize..200) {
            let mut book = DepthBook::new(1, 1, 10, true, 7);
            let mut mid = 1_000i64;
            let mut u = 100u64;
            let mut diffs = Vec::new();
            let mut snap = None;
            for (i, (dm, spread, du)) in moves.iter().enumerate() {
                mid += dm;
                u += du;
                book.on_book_ticker(&bt(u, mid, mid + spread));
                if i % 3 == 0 {
                    diffs.extend(book.take_diff(0));
                }
                if i == snap_at {
                    snap = Some(book.snapshot(1000));
                }
            }
            diffs.extend(book.take_diff(0));
            prop_assert!(diffs.windows(2).all(|w| w[1].first_id == w[0].last_id + 1));
            let Some((last, bids, asks)) = snap else { return Ok(()) };
            let mut local: (Side, Side) = (bids.into_iter().collect(), asks.into_iter().collect());
            let live: Vec<&DepthDiff> = diffs.iter().filter(|d| d.last_id > last).collect();
            if let Some(first) = live.first() {
                prop_assert!(first.first_id <= last + 1 && last < first.last_id + 1);
            }
            for d in live {
                apply(&mut local, d);
            }
            let (_, b, a) = book.snapshot(1000);
            prop_assert_eq!(local.0, b.into_iter().collect::<Side>());
            prop_assert_eq!(local.1, a.into_iter().collect::<Side>());
        }
    }

    #[test]
    fn ladder_is_contiguous_and_never_crossed() {
        let mut book = DepthBook::new(5, 10, 4, true, 1);
        book.on_book_ticker(&bt(10, 1000, 1010));
        book.on_book_ticker(&bt(9, 1, 2)); // stale
        let (id, bids, asks) = book.snapshot(100);
        assert_eq!(id, 10);
        assert_eq!(bids.iter().map(|l| l.0).collect::<Vec<_>>(), [1000, 995, 990, 985]);
        assert_eq!(asks.iter().map(|l| l.0).collect::<Vec<_>>(), [1010, 1015, 1020, 1025]);
        assert!(bids.iter().chain(&asks).all(|l| l.1 > 0 && l.1 % 10 == 0));
        assert_eq!(book.take_diff(1), None, "the first update only starts the chain");
        book.on_book_ticker(&bt(12, 1010, 1015));
        let d = book.take_diff(1).unwrap();
        assert_eq!((d.first_id, d.last_id), (11, 12));
        assert!(d.asks.contains(&(1010, 0)));
        let (_, bids, asks) = book.snapshot(1);
        assert!(bids[0].0 < asks[0].0);
    }

    #[test]
    fn replay_books_hold_only_the_top() {
        let mut book = DepthBook::new(1, 1, 100, false, 1);
        book.on_book_ticker(&bt(1, 10, 12));
        book.on_book_ticker(&bt(2, 11, 13));
        let (_, bids, asks) = book.snapshot(100);
        assert_eq!((bids, asks), (vec![(11, 50)], vec![(13, 70)]));
    }
}
