//! A small order book per symbol around the generated top of book, so the
//! venue can serve `/api/v3/depth` snapshots and `@depth` diffs whose update
//! ids chain exactly as Binance's: each diff's `U` is the previous `u` + 1,
//! and a snapshot's `lastUpdateId` falls inside the next diff's `[U, u]`.
//!
//! Each side is a contiguous ladder of `levels` ticks from its best price,
//! kept as a deque of quantities (index = ticks from the top), so a
//! `bookTicker` costs O(ticks moved), not O(levels). Each update sets the
//! best levels, shifts the ladders (levels that leave get quantity 0, new
//! ones a seeded quantity) and touches one random deeper level. Changes go
//! to one log that both diff windows (100 ms and 1 s) read with their own
//! cursor; a window's diff keeps the last change per price.

use super::render::DepthDiff;
use crate::domain::BookTicker;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// The two diff windows: `@depth@100ms` and `@depth`.
pub const WINDOWS: [i64; 2] = [100, 1000];

/// `/api/v3/depth`: `(price, qty)` mantissas, bids and asks best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub last_update_id: u64,
    pub bids: Vec<(i64, i64)>,
    pub asks: Vec<(i64, i64)>,
}

/// One level set to a quantity (0 removes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    ask: bool,
    price: i64,
    qty: i64,
}

/// One side: `qty[i]` rests `i` ticks away from `top`.
#[derive(Debug, Clone, Default)]
struct Ladder {
    top: i64,
    qty: VecDeque<i64>,
}

/// The book of one symbol; prices and quantities are mantissas.
#[derive(Debug, Clone)]
pub struct DepthBook {
    tick: i64,
    step: i64,
    levels: usize,
    /// Random touches of deeper levels (synthetic market); a replay's book
    /// is only the recorded top.
    ladder: bool,
    bids: Ladder,
    asks: Ladder,
    update_id: u64,
    log: Vec<Change>,
    cursor: [usize; 2],
    last_sent: [u64; 2],
    scratch: Vec<(Change, u32)>,
    rng: ChaCha8Rng,
}

impl DepthBook {
    /// `tick` and `step` are mantissas at the symbol's scales (at least 1).
    /// Without `ladder` only the best level of each side is kept.
    pub fn new(tick: i64, step: i64, levels: usize, ladder: bool, seed: u64) -> Self {
        Self {
            tick: tick.max(1),
            step: step.max(1),
            levels: if ladder { levels.max(1) } else { 1 },
            ladder,
            bids: Ladder::default(),
            asks: Ladder::default(),
            update_id: 0,
            log: Vec::new(),
            cursor: [0; 2],
            last_sent: [0; 2],
            scratch: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Applies a top-of-book update; stale ids (not above the book's) and
    /// crossed or empty tops are ignored.
    pub fn on_book_ticker(&mut self, b: &BookTicker) {
        if b.update_id <= self.update_id || b.bid.0 <= 0 || b.ask.0 <= b.bid.0 {
            return;
        }
        let first = self.update_id == 0;
        let typical = ((b.bid_qty.0 + b.ask_qty.0) / 2 / self.step).clamp(1, 1 << 40);
        if first {
            self.bids = Ladder { top: b.bid.0, qty: VecDeque::with_capacity(self.levels + 1) };
            self.asks = Ladder { top: b.ask.0, qty: VecDeque::with_capacity(self.levels + 1) };
        }
        self.shift(false, b.bid.0, typical);
        self.shift(true, b.ask.0, typical);
        self.set(false, 0, b.bid_qty.0.max(self.step));
        self.set(true, 0, b.ask_qty.0.max(self.step));
        if self.ladder && self.levels > 1 {
            // Orders come and go deeper in the book too.
            let k = self.rng.random_range(1..self.levels);
            let ask = self.rng.random_bool(0.5);
            if k < self.side(ask).qty.len() {
                let q = self.fresh_qty(typical, k);
                self.set(ask, k, q);
            }
        }
        self.update_id = b.update_id;
        if first {
            // The first update starts the chain: diffs begin after it.
            self.log.clear();
            self.cursor = [0; 2];
            self.last_sent = [b.update_id; 2];
        }
    }

    fn side(&self, ask: bool) -> &Ladder {
        if ask { &self.asks } else { &self.bids }
    }

    /// Price `i` ticks from the top of a side.
    fn price(&self, ask: bool, i: usize) -> i64 {
        let l = self.side(ask);
        let d = self.tick * i as i64;
        if ask { l.top + d } else { l.top - d }
    }

    /// Moves a side's top to `top`: levels that leave are removed, the
    /// ladder is refilled to `levels` (bids stay above zero).
    fn shift(&mut self, ask: bool, top: i64, typical: i64) {
        // Ticks towards the other side (a bid moving up, an ask moving down).
        let old = self.side(ask).top;
        let inward = if ask { (old - top) / self.tick } else { (top - old) / self.tick };
        if inward.unsigned_abs() as usize >= self.levels || self.side(ask).qty.is_empty() {
            for i in 0..self.side(ask).qty.len() {
                let p = self.price(ask, i);
                self.log.push(Change { ask, price: p, qty: 0 });
            }
            let l = if ask { &mut self.asks } else { &mut self.bids };
            l.qty.clear();
            l.top = top;
        } else if inward > 0 {
            for _ in 0..inward {
                let q = self.fresh_qty(typical, 1);
                let l = if ask { &mut self.asks } else { &mut self.bids };
                l.top += if ask { -self.tick } else { self.tick };
                l.qty.push_front(q);
                let p = l.top;
                self.log.push(Change { ask, price: p, qty: q });
            }
            while self.side(ask).qty.len() > self.levels {
                let p = self.price(ask, self.side(ask).qty.len() - 1);
                self.log.push(Change { ask, price: p, qty: 0 });
                let l = if ask { &mut self.asks } else { &mut self.bids };
                l.qty.pop_back();
            }
        } else {
            for _ in 0..inward.unsigned_abs() {
                let p = self.side(ask).top;
                self.log.push(Change { ask, price: p, qty: 0 });
                let l = if ask { &mut self.asks } else { &mut self.bids };
                l.qty.pop_front();
                l.top += if ask { self.tick } else { -self.tick };
            }
        }
        // Refill the far end.
        while self.side(ask).qty.len() < self.levels {
            let k = self.side(ask).qty.len();
            let p = self.price(ask, k);
            if p <= 0 {
                break;
            }
            let q = self.fresh_qty(typical, k);
            let l = if ask { &mut self.asks } else { &mut self.bids };
            l.qty.push_back(q);
            self.log.push(Change { ask, price: p, qty: q });
        }
    }

    /// Deeper levels hold more, with noise.
    fn fresh_qty(&mut self, typical: i64, k: usize) -> i64 {
        let hi = typical.saturating_mul(2 + k.min(10) as i64 / 2);
        self.rng.random_range(1..=hi.max(1)) * self.step
    }

    /// Sets the quantity `i` ticks from a side's top.
    fn set(&mut self, ask: bool, i: usize, qty: i64) {
        let p = self.price(ask, i);
        let l = if ask { &mut self.asks } else { &mut self.bids };
        if let Some(q) = l.qty.get_mut(i) {
            if *q != qty {
                *q = qty;
                self.log.push(Change { ask, price: p, qty });
            }
        }
    }

    /// The diff of window `w` since its last one, if anything changed.
    pub fn take_diff(&mut self, w: usize) -> Option<DepthDiff> {
        if w >= WINDOWS.len() || self.update_id <= self.last_sent[w] {
            return None;
        }
        // The last change per level wins: sort by level, then by position in the log.
        self.scratch.clear();
        self.scratch.extend(self.log[self.cursor[w]..].iter().zip(0u32..).map(|(c, i)| (*c, i)));
        self.scratch.sort_unstable_by_key(|(c, i)| (c.ask, c.price, *i));
        let mut d = DepthDiff { first_id: self.last_sent[w] + 1, last_id: self.update_id, bids: vec![], asks: vec![] };
        for (k, (c, _)) in self.scratch.iter().enumerate() {
            let last_of_level = self.scratch.get(k + 1).is_none_or(|(n, _)| n.ask != c.ask || n.price != c.price);
            if last_of_level {
                if c.ask { d.asks.push((c.price, c.qty)) } else { d.bids.push((c.price, c.qty)) }
            }
        }
        d.bids.reverse();
        self.cursor[w] = self.log.len();
        self.last_sent[w] = self.update_id;
        // Forget what every window has read.
        let read = self.cursor.iter().copied().min().unwrap_or(0);
        if read == self.log.len() {
            self.log.clear();
            self.cursor = [0; 2];
        }
        Some(d)
    }

    /// At most `limit` levels per side.
    pub fn snapshot(&self, limit: usize) -> Snapshot {
        let side = |ask: bool| {
            self.side(ask).qty.iter().take(limit).enumerate().map(|(i, q)| (self.price(ask, i), *q)).collect()
        };
        Snapshot { last_update_id: self.update_id, bids: side(false), asks: side(true) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentId, Price, Qty};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

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
        /// A client that follows Binance's procedure from any snapshot, on
        /// either window, ends with exactly the venue's book, and the ids
        /// chain without gaps.
        #[test]
        fn snapshot_plus_diffs_rebuild_the_book(moves in prop::collection::vec((-12i64..=12, 1i64..=4, 1u64..8), 1..200),
                                                snap_at in 0usize..200) {
            let mut book = DepthBook::new(1, 1, 10, true, 7);
            let mut mid = 1_000i64;
            let mut u = 100u64;
            let mut diffs: [Vec<DepthDiff>; 2] = Default::default();
            let mut snap = None;
            for (i, (dm, spread, du)) in moves.iter().enumerate() {
                mid += dm;
                u += du;
                book.on_book_ticker(&bt(u, mid, mid + spread));
                if i % 3 == 0 {
                    diffs[0].extend(book.take_diff(0));
                }
                if i % 7 == 0 {
                    diffs[1].extend(book.take_diff(1));
                }
                if i == snap_at {
                    snap = Some(book.snapshot(1000));
                }
            }
            for (w, d) in diffs.iter_mut().enumerate() {
                d.extend(book.take_diff(w));
            }
            let now = book.snapshot(1000);
            let Some(Snapshot { last_update_id: last, bids, asks }) = snap else { return Ok(()) };
            for d in &diffs {
                prop_assert!(d.windows(2).all(|w| w[1].first_id == w[0].last_id + 1));
                let mut local: (Side, Side) = (bids.iter().copied().collect(), asks.iter().copied().collect());
                let live: Vec<&DepthDiff> = d.iter().filter(|d| d.last_id > last).collect();
                if let Some(first) = live.first() {
                    prop_assert!(first.first_id <= last + 1 && last < first.last_id + 1);
                }
                for d in live {
                    prop_assert!(d.bids.windows(2).all(|w| w[0].0 > w[1].0) && d.asks.windows(2).all(|w| w[0].0 < w[1].0));
                    apply(&mut local, d);
                }
                prop_assert_eq!(&local.0, &now.bids.iter().copied().collect::<Side>());
                prop_assert_eq!(&local.1, &now.asks.iter().copied().collect::<Side>());
            }
            prop_assert!(now.bids.len() <= 10 && now.asks.len() == 10);
            prop_assert!(now.bids.windows(2).all(|w| w[0].0 == w[1].0 + 1));
        }
    }

    #[test]
    fn ladder_is_contiguous_and_never_crossed() {
        let mut book = DepthBook::new(5, 10, 4, true, 1);
        book.on_book_ticker(&bt(10, 1000, 1010));
        book.on_book_ticker(&bt(9, 1, 2)); // stale
        let Snapshot { last_update_id: id, bids, asks } = book.snapshot(100);
        assert_eq!(id, 10);
        assert_eq!(bids.iter().map(|l| l.0).collect::<Vec<_>>(), [1000, 995, 990, 985]);
        assert_eq!(asks.iter().map(|l| l.0).collect::<Vec<_>>(), [1010, 1015, 1020, 1025]);
        assert!(bids.iter().chain(&asks).all(|l| l.1 > 0 && l.1 % 10 == 0));
        assert_eq!(book.take_diff(1), None, "the first update only starts the chain");
        book.on_book_ticker(&bt(12, 1010, 1015));
        let d = book.take_diff(1).unwrap();
        assert_eq!((d.first_id, d.last_id), (11, 12));
        assert!(d.asks.contains(&(1010, 0)));
        let top = book.snapshot(1);
        assert!(top.bids[0].0 < top.asks[0].0);
    }

    #[test]
    fn replay_books_hold_only_the_top() {
        let mut book = DepthBook::new(1, 1, 100, false, 1);
        book.on_book_ticker(&bt(1, 10, 12));
        book.on_book_ticker(&bt(2, 11, 13));
        let top = book.snapshot(100);
        assert_eq!((top.bids, top.asks), (vec![(11, 50)], vec![(13, 70)]));
    }
}
