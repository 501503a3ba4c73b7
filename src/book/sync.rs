//! Keeping a local book in step with the venue (Binance's documented rules):
//!
//! 1. Diffs whose final id `u` is ≤ the snapshot's `lastUpdateId` are old: dropped.
//! 2. The first diff applied after a snapshot must straddle it:
//!    `U ≤ lastUpdateId + 1 ≤ u`.
//! 3. After that each diff must follow the previous one: `U == previous u + 1`
//!    (spot), or `pu == previous u` when the diff carries `pu` (futures).
//! 4. A quantity of 0 removes the level.
//!
//! A break in the chain is a gap: the book is marked out of sync and the gap
//! counted. The engine cannot fetch a new snapshot itself (it does no I/O):
//! it flags the instrument and the live runner fetches one. Until it comes,
//! the book keeps applying diffs as a best-effort ladder, shown as such, and
//! keeps them from the one that broke the chain on, as before the first
//! snapshot, so the new snapshot resumes the chain.
//!
//! Before any snapshot, diffs alone build a best-effort (unsynced) ladder, so
//! depth shows at once; they are also kept (a bounded few) so that when the
//! snapshot arrives — it is fetched after the stream opens, so diffs newer
//! than it are already here — they are replayed on top of it by the rules
//! above. Only this buffering, while a snapshot is awaited, copies diffs; a
//! synced book applies each diff in O(levels in the diff · log n) without
//! allocating beyond the tree's own nodes.
//!
//! Whatever the input, the book never crosses: a level on one side removes
//! the other side's levels at or through its price (the newer data wins).

use super::side::BookSide;
use crate::domain::{DepthSnapshot, DepthUpdate, Level};
use std::collections::VecDeque;

/// Diffs kept while waiting for a snapshot.
pub const PENDING_MAX: usize = 256;

/// Where the book stands against the venue's update ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Diffs only: a best-effort ladder.
    NoSnapshot,
    /// Snapshot applied; waiting for the diff that straddles its id.
    AwaitingFirst,
    Synced,
    /// A gap was seen; best-effort until the next snapshot.
    OutOfSync,
}

/// What happened to one diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffOutcome {
    /// Applied in sequence.
    Applied,
    /// Older than the book (`u` ≤ last applied id): ignored.
    Stale,
    /// Applied, but the book is not (or no longer) in sync.
    BestEffort,
    /// Broke the chain: counted, book now out of sync (the diff is applied best-effort).
    Gap,
}

#[derive(Debug, Clone)]
pub struct OrderBook {
    bids: BookSide,
    asks: BookSide,
    state: SyncState,
    /// Snapshot id, then the `u` of the last diff applied.
    last_id: u64,
    gaps: u64,
    stale: u64,
    snapshots: u64,
    pending: VecDeque<DepthUpdate>,
}

impl Default for OrderBook {
    fn default() -> Self {
        Self::new()
    }
}

impl OrderBook {
    pub fn new() -> Self {
        Self {
            bids: BookSide::bids(),
            asks: BookSide::asks(),
            state: SyncState::NoSnapshot,
            last_id: 0,
            gaps: 0,
            stale: 0,
            snapshots: 0,
            pending: VecDeque::new(),
        }
    }

    /// Replaces the book with `s`, then replays the diffs kept before it.
    pub fn apply_snapshot(&mut self, s: &DepthSnapshot) {
        self.bids.clear();
        self.asks.clear();
        for l in &s.bids {
            self.set_bid(*l);
        }
        for l in &s.asks {
            self.set_ask(*l);
        }
        self.last_id = s.last_update_id;
        self.state = SyncState::AwaitingFirst;
        self.snapshots += 1;
        let pending = std::mem::take(&mut self.pending);
        for d in &pending {
            self.apply_diff(d);
        }
    }

    /// Applies one diff by the rules in the module comment.
    pub fn apply_diff(&mut self, d: &DepthUpdate) -> DiffOutcome {
        match self.state {
            SyncState::NoSnapshot => {
                self.keep(d);
                self.levels(d);
                self.last_id = d.final_update_id;
                DiffOutcome::BestEffort
            }
            SyncState::AwaitingFirst => {
                if d.final_update_id <= self.last_id {
                    self.stale += 1;
                    return DiffOutcome::Stale;
                }
                let straddles = d.first_update_id <= self.last_id + 1;
                self.levels(d);
                self.last_id = d.final_update_id;
                if straddles {
                    self.state = SyncState::Synced;
                    DiffOutcome::Applied
                } else {
                    self.gap(d)
                }
            }
            SyncState::Synced => {
                if d.final_update_id <= self.last_id {
                    self.stale += 1;
                    return DiffOutcome::Stale;
                }
                let follows = match d.prev_final_update_id {
                    Some(pu) => pu == self.last_id,
                    None => d.first_update_id == self.last_id + 1,
                };
                self.levels(d);
                self.last_id = d.final_update_id;
                if follows { DiffOutcome::Applied } else { self.gap(d) }
            }
            SyncState::OutOfSync => {
                self.keep(d);
                self.levels(d);
                self.last_id = self.last_id.max(d.final_update_id);
                DiffOutcome::BestEffort
            }
        }
    }

    fn gap(&mut self, d: &DepthUpdate) -> DiffOutcome {
        self.gaps += 1;
        self.state = SyncState::OutOfSync;
        self.pending.clear();
        self.keep(d);
        DiffOutcome::Gap
    }

    /// Keeps `d` for the next snapshot (the newest [`PENDING_MAX`]).
    fn keep(&mut self, d: &DepthUpdate) {
        if self.pending.len() == PENDING_MAX {
            self.pending.pop_front();
        }
        self.pending.push_back(d.clone());
    }

    fn levels(&mut self, d: &DepthUpdate) {
        for l in &d.bids {
            self.set_bid(*l);
        }
        for l in &d.asks {
            self.set_ask(*l);
        }
    }

    fn set_bid(&mut self, l: Level) {
        if l.qty.0 > 0 {
            self.asks.remove_through(l.price);
        }
        self.bids.set(l);
    }

    fn set_ask(&mut self, l: Level) {
        if l.qty.0 > 0 {
            self.bids.remove_through(l.price);
        }
        self.asks.set(l);
    }

    /// Bids, best (highest) first.
    pub fn bids(&self) -> impl Iterator<Item = Level> + '_ {
        self.bids.iter()
    }
    /// Asks, best (lowest) first.
    pub fn asks(&self) -> impl Iterator<Item = Level> + '_ {
        self.asks.iter()
    }
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.best()
    }
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.best()
    }
    /// Whether the book follows the venue's update chain exactly.
    pub fn is_synced(&self) -> bool {
        self.state == SyncState::Synced
    }
    pub fn state(&self) -> SyncState {
        self.state
    }
    /// Breaks in the update chain seen so far.
    pub fn gaps(&self) -> u64 {
        self.gaps
    }
    /// Snapshots applied (the first, then one per resync).
    pub fn snapshots(&self) -> u64 {
        self.snapshots
    }
    /// Diffs dropped as older than the book.
    pub fn stale_diffs(&self) -> u64 {
        self.stale
    }
    /// The snapshot id or the last applied diff's `u`.
    pub fn last_update_id(&self) -> u64 {
        self.last_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentId, Price, Qty};
    use proptest::prelude::*;

    fn lv(p: i64, q: i64) -> Level {
        Level { price: Price(p), qty: Qty(q) }
    }

    fn diff(first: u64, last: u64, bids: &[(i64, i64)], asks: &[(i64, i64)]) -> DepthUpdate {
        DepthUpdate {
            instrument: InstrumentId(0),
            event_time_ms: 0,
            transaction_time_ms: 0,
            first_update_id: first,
            final_update_id: last,
            prev_final_update_id: None,
            bids: bids.iter().map(|&(p, q)| lv(p, q)).collect(),
            asks: asks.iter().map(|&(p, q)| lv(p, q)).collect(),
        }
    }

    fn snap(id: u64) -> DepthSnapshot {
        DepthSnapshot {
            instrument: Some(InstrumentId(0)),
            last_update_id: id,
            bids: vec![lv(100, 5), lv(99, 7)],
            asks: vec![lv(101, 3), lv(102, 4)],
        }
    }

    fn prices(it: impl Iterator<Item = Level>) -> Vec<(i64, i64)> {
        it.map(|l| (l.price.0, l.qty.0)).collect()
    }

    #[test]
    fn binance_sync_sequence() {
        let mut b = OrderBook::new();
        b.apply_snapshot(&snap(100));
        assert_eq!(b.state(), SyncState::AwaitingFirst);
        assert_eq!(b.apply_diff(&diff(90, 100, &[(100, 1)], &[])), DiffOutcome::Stale);
        assert_eq!(b.apply_diff(&diff(95, 105, &[(100, 0), (98, 2)], &[])), DiffOutcome::Applied);
        assert!(b.is_synced());
        assert_eq!(b.apply_diff(&diff(106, 108, &[], &[(101, 0), (103, 9)])), DiffOutcome::Applied);
        assert_eq!(prices(b.bids()), vec![(99, 7), (98, 2)]);
        assert_eq!(prices(b.asks()), vec![(102, 4), (103, 9)]);
        assert_eq!(b.apply_diff(&diff(107, 108, &[], &[])), DiffOutcome::Stale);
        assert_eq!(b.apply_diff(&diff(110, 111, &[], &[])), DiffOutcome::Gap);
        assert_eq!(b.gaps(), 1);
        assert!(!b.is_synced());
        assert_eq!(b.apply_diff(&diff(112, 112, &[(97, 1)], &[])), DiffOutcome::BestEffort);
        b.apply_snapshot(&snap(200));
        assert_eq!(b.apply_diff(&diff(201, 201, &[], &[])), DiffOutcome::Applied);
    }

    #[test]
    fn a_snapshot_taken_after_a_gap_resumes_the_chain_with_the_diffs_kept_since() {
        let mut b = OrderBook::new();
        b.apply_snapshot(&snap(100));
        assert_eq!(b.apply_diff(&diff(101, 102, &[(98, 1)], &[])), DiffOutcome::Applied);
        // 103..=109 never came (a reconnect): the chain breaks here.
        assert_eq!(b.apply_diff(&diff(110, 111, &[(97, 2)], &[])), DiffOutcome::Gap);
        assert_eq!(b.apply_diff(&diff(112, 114, &[], &[(103, 6)])), DiffOutcome::BestEffort);
        assert_eq!(b.apply_diff(&diff(115, 115, &[(96, 3)], &[])), DiffOutcome::BestEffort);
        // The snapshot fetched after the gap is at 113: 112..=114 straddles it,
        // 115 follows, 110..=111 is older and dropped.
        b.apply_snapshot(&DepthSnapshot {
            instrument: Some(InstrumentId(0)),
            last_update_id: 113,
            bids: vec![lv(100, 5)],
            asks: vec![lv(101, 3)],
        });
        assert!(b.is_synced(), "{:?}", b.state());
        assert_eq!(prices(b.bids()), vec![(100, 5), (96, 3)]);
        assert_eq!(prices(b.asks()), vec![(101, 3), (103, 6)]);
        assert_eq!(b.apply_diff(&diff(116, 116, &[], &[])), DiffOutcome::Applied);
        assert_eq!(b.gaps(), 1);
    }

    #[test]
    fn first_diff_must_straddle_the_snapshot() {
        let mut b = OrderBook::new();
        b.apply_snapshot(&snap(100));
        assert_eq!(b.apply_diff(&diff(102, 103, &[], &[])), DiffOutcome::Gap);
        assert_eq!(b.state(), SyncState::OutOfSync);
    }

    #[test]
    fn futures_chain_by_previous_final_id() {
        let mut b = OrderBook::new();
        b.apply_snapshot(&snap(100));
        assert_eq!(b.apply_diff(&diff(99, 104, &[], &[])), DiffOutcome::Applied);
        let mut d = diff(110, 120, &[], &[]);
        d.prev_final_update_id = Some(104);
        assert_eq!(b.apply_diff(&d), DiffOutcome::Applied);
        let mut d = diff(130, 140, &[], &[]);
        d.prev_final_update_id = Some(125);
        assert_eq!(b.apply_diff(&d), DiffOutcome::Gap);
    }

    #[test]
    fn diffs_before_the_snapshot_are_replayed_on_it() {
        let mut b = OrderBook::new();
        assert_eq!(b.apply_diff(&diff(95, 99, &[(100, 8)], &[])), DiffOutcome::BestEffort);
        assert_eq!(b.apply_diff(&diff(100, 103, &[(100, 9)], &[])), DiffOutcome::BestEffort);
        assert_eq!(b.apply_diff(&diff(104, 104, &[(99, 0)], &[])), DiffOutcome::BestEffort);
        assert_eq!(prices(b.bids()), vec![(100, 9)]);
        b.apply_snapshot(&snap(101));
        assert!(b.is_synced());
        assert_eq!(b.last_update_id(), 104);
        assert_eq!(prices(b.bids()), vec![(100, 9)]);
        assert_eq!(b.stale_diffs(), 1);
        assert_eq!(b.apply_diff(&diff(105, 105, &[], &[])), DiffOutcome::Applied);
    }

    #[test]
    fn a_crossing_level_removes_the_other_side() {
        let mut b = OrderBook::new();
        b.apply_snapshot(&snap(1));
        b.apply_diff(&diff(2, 2, &[(102, 1)], &[]));
        assert_eq!(prices(b.asks()), vec![]);
        assert_eq!(b.best_bid(), Some(lv(102, 1)));
    }

    proptest! {
        #[test]
        fn random_diffs_keep_the_book_sane(
            ops in prop::collection::vec(
                (any::<bool>(), 90i64..110, prop_oneof![Just(0i64), 1i64..50]),
                0..200,
            ),
            chunk in 1usize..6,
            with_snapshot in any::<bool>(),
        ) {
            let mut b = OrderBook::new();
            if with_snapshot {
                b.apply_snapshot(&snap(0));
            }
            let mut seen: std::collections::HashSet<(bool, i64, i64)> =
                [(true, 100, 5), (true, 99, 7), (false, 101, 3), (false, 102, 4)].into_iter().collect();
            for (i, c) in ops.chunks(chunk).enumerate() {
                let bids: Vec<(i64, i64)> = c.iter().filter(|o| o.0).map(|o| (o.1, o.2)).collect();
                let asks: Vec<(i64, i64)> = c.iter().filter(|o| !o.0).map(|o| (o.1, o.2)).collect();
                seen.extend(c.iter().map(|o| (o.0, o.1, o.2)));
                let id = i as u64 + 1;
                b.apply_diff(&diff(id, id, &bids, &asks));
                let bv = prices(b.bids());
                let av = prices(b.asks());
                prop_assert!(bv.windows(2).all(|w| w[0].0 > w[1].0), "bids sorted best first");
                prop_assert!(av.windows(2).all(|w| w[0].0 < w[1].0), "asks sorted best first");
                prop_assert!(bv.iter().chain(&av).all(|l| l.1 > 0), "no zero quantities");
                if let (Some(bb), Some(ba)) = (bv.first(), av.first()) {
                    prop_assert!(bb.0 < ba.0, "crossed: {bb:?} {ba:?}");
                }
                prop_assert!(bv.iter().all(|l| seen.contains(&(true, l.0, l.1))));
                prop_assert!(av.iter().all(|l| seen.contains(&(false, l.0, l.1))));
            }
            if with_snapshot {
                prop_assert!(b.is_synced() || ops.is_empty() || b.state() == SyncState::AwaitingFirst);
            }
        }
    }
}
