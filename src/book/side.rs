//! One side of a book: price → quantity in a `BTreeMap`, so setting a level
//! costs O(log n) and best-first iteration is in order for free.

use crate::domain::{Level, Price, Qty};
use std::collections::BTreeMap;

/// Bids iterate from the highest price, asks from the lowest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookSide {
    levels: BTreeMap<i64, i64>,
    bids: bool,
}

impl BookSide {
    pub fn bids() -> Self {
        Self { levels: BTreeMap::new(), bids: true }
    }
    pub fn asks() -> Self {
        Self { levels: BTreeMap::new(), bids: false }
    }

    /// Sets a level; a zero (or negative, malformed) quantity removes it.
    pub fn set(&mut self, l: Level) {
        if l.qty.0 > 0 {
            self.levels.insert(l.price.0, l.qty.0);
        } else {
            self.levels.remove(&l.price.0);
        }
    }

    pub fn clear(&mut self) {
        self.levels.clear();
    }

    pub fn len(&self) -> usize {
        self.levels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The best level.
    pub fn best(&self) -> Option<Level> {
        let kv = if self.bids { self.levels.last_key_value() } else { self.levels.first_key_value() };
        kv.map(|(&p, &q)| Level { price: Price(p), qty: Qty(q) })
    }

    /// Levels best first.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Level> + '_> {
        let lv = |(&p, &q): (&i64, &i64)| Level { price: Price(p), qty: Qty(q) };
        if self.bids { Box::new(self.levels.iter().rev().map(lv)) } else { Box::new(self.levels.iter().map(lv)) }
    }

    /// Removes levels at or through `price` from this side's best (for bids:
    /// prices ≥ `price`; for asks: ≤), so a newer level on the other side wins.
    pub fn remove_through(&mut self, price: Price) {
        if self.bids {
            while self.levels.last_key_value().is_some_and(|(&p, _)| p >= price.0) {
                self.levels.pop_last();
            }
        } else {
            while self.levels.first_key_value().is_some_and(|(&p, _)| p <= price.0) {
                self.levels.pop_first();
            }
        }
    }
}
