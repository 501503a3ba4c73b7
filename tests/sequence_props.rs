//! The trade-id sequencer against a naive model over any interleaving of
//! duplicates, reorders and skips: each id is accepted at most once, a
//! new id inside the window is never taken for a duplicate, and the missing
//! count is exactly the ids between the first and the highest never accepted.

#![allow(clippy::unwrap_used)] // a panic is a failed test

use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};
use tickdesk::domain::InstrumentId;
use tickdesk::feed::sequence::{SeqVerdict, TradeSequencer, WINDOW};

/// A venue's stream: ids 1..=n per key, each skipped, sent once or sent
/// twice, then shuffled locally (late ticks) and sometimes resent in a block
/// (a reconnect replaying the recent past).
fn stream() -> impl Strategy<Value = Vec<(u8, u64)>> {
    (1u64..400, prop::collection::vec((0u8..4, 0u8..10, 0usize..12), 400), 0usize..60, 0u8..4).prop_map(
        |(n, actions, replay, keys)| {
            let keys = u64::from(keys) + 1;
            let mut out = Vec::new();
            for id in 1..=n {
                let (key, action, _) = actions[(id as usize) % actions.len()];
                let key = (u64::from(key) % keys) as u8;
                match action {
                    0 => {}                                  // skipped
                    1 => out.extend([(key, id), (key, id)]), // duplicate
                    _ => out.push((key, id)),                // once
                }
            }
            for (i, &(_, _, dist)) in actions.iter().enumerate() {
                let j = i.saturating_add(dist);
                if i < out.len() && j < out.len() {
                    out.swap(i, j);
                }
            }
            let tail: Vec<_> = out.iter().rev().take(replay).rev().copied().collect();
            out.extend(tail);
            out
        },
    )
}

/// Key `k`: instrument `k / 2`, aggregate ids when odd.
fn split(key: u8) -> (InstrumentId, bool) {
    (InstrumentId(u32::from(key / 2)), key % 2 == 1)
}

fn check_model(input: &[(u8, u64)]) {
    let mut seq = TradeSequencer::new();
    let mut accepted: HashMap<u8, BTreeSet<u64>> = HashMap::new();
    let mut max: HashMap<u8, u64> = HashMap::new();
    let mut first: HashMap<u8, u64> = HashMap::new();
    for &(key, id) in input {
        let (inst, agg) = split(key);
        let seen = accepted.entry(key).or_default();
        let verdict = seq.check(inst, id, agg);
        let was_seen = seen.contains(&id);
        let prev_max = max.get(&key).copied();
        if was_seen {
            assert!(!verdict.accepted(), "id {id} accepted twice: {verdict:?}");
        } else if prev_max.is_none_or(|m| m < WINDOW || id > m - WINDOW) {
            // New and inside the window (or above it): never mistaken for a duplicate.
            assert!(verdict.accepted(), "new id {id} (max {prev_max:?}) refused: {verdict:?}");
        } else {
            assert_eq!(verdict, SeqVerdict::TooOld);
        }
        if let SeqVerdict::Gap { missing } = verdict {
            assert_eq!(missing, id - prev_max.unwrap() - 1);
        }
        if verdict.accepted() {
            seen.insert(id);
        }
        first.entry(key).or_insert(id);
        max.insert(key, prev_max.map_or(id, |m| m.max(id)));
    }
    let mut total_missing = 0u128;
    for inst in 0..3u32 {
        let mut missing = 0u128;
        for agg in [false, true] {
            let key = (inst * 2) as u8 + u8::from(agg);
            let Some(&m) = max.get(&key) else { continue };
            let f = first[&key];
            let seen = &accepted[&key];
            missing += (u128::from(m) - u128::from(f) + 1) - seen.range(f..=m).count() as u128;
        }
        let c = seq.counters(InstrumentId(inst));
        assert_eq!(
            u128::from(c.missing),
            missing.min(u128::from(u64::MAX)),
            "instrument {inst}: ids never seen below the max"
        );
        let n: u64 = [0u8, 1].iter().map(|a| accepted.get(&((inst * 2) as u8 + a)).map_or(0, |s| s.len() as u64)).sum();
        assert_eq!(c.accepted, n);
        total_missing += missing;
    }
    assert_eq!(u128::from(seq.totals().missing), total_missing.min(u128::from(u64::MAX)));
    let t = seq.totals();
    assert_eq!(t.accepted + t.duplicates + t.too_old, input.len() as u64);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn venue_like_streams(input in stream()) {
        check_model(&input);
    }

    /// Arbitrary ids, huge ones and jumps past the window included: no panic,
    /// the same invariants.
    #[test]
    fn arbitrary_ids(input in prop::collection::vec((0u8..6, prop_oneof![
        0u64..64,
        0u64..3 * WINDOW,
        (u64::MAX - 70)..=u64::MAX,
    ]), 0..300)) {
        check_model(&input);
    }

    /// The sum of the gaps reported, less the holes filled late, is the count.
    #[test]
    fn gaps_minus_late_fills_is_missing(input in stream()) {
        let mut seq = TradeSequencer::new();
        let mut sum: i128 = 0;
        let mut first = HashMap::new();
        for &(key, id) in &input {
            let (inst, agg) = split(key);
            let f = *first.entry(key).or_insert(id);
            match seq.check(inst, id, agg) {
                SeqVerdict::Gap { missing } => sum += i128::from(missing),
                SeqVerdict::Late if id > f => sum -= 1,
                _ => {}
            }
        }
        prop_assert_eq!(sum, i128::from(seq.totals().missing));
    }
}
