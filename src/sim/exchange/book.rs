//! One symbol's resting orders: price levels in a `BTreeMap`, each a FIFO
//! threaded through the order slab (O(1) cancel from the middle), plus the
//! held stops keyed by trigger price and the generated market's top.

use super::order::{NIL, Order, Slab};
use crate::domain::{OrderKind, Price, Qty, Side};
use std::collections::BTreeMap;

/// The ends of one price level's FIFO.
#[derive(Debug, Clone, Copy)]
pub(super) struct Level {
    pub head: u32,
    pub tail: u32,
}

/// The generated market's best bid and ask, with what is left of their
/// shown sizes after our orders took from them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Top {
    pub bid: Price,
    pub bid_qty: Qty,
    pub ask: Price,
    pub ask_qty: Qty,
}

#[derive(Debug, Default)]
pub(super) struct SymBook {
    pub bids: BTreeMap<i64, Level>,
    pub asks: BTreeMap<i64, Level>,
    /// Stops that trigger when the last price rises to them: (stop, order id) → slot.
    pub stops_up: BTreeMap<(i64, i64), u32>,
    /// Stops that trigger when the last price falls to them.
    pub stops_down: BTreeMap<(i64, i64), u32>,
    pub top: Option<Top>,
    /// Last generated trade print.
    pub last: Option<Price>,
    pub next_trade_id: i64,
}

impl SymBook {
    pub fn new() -> Self {
        Self { next_trade_id: 1, ..Self::default() }
    }

    /// Appends a slab order to the tail of its price level.
    pub fn link(&mut self, slab: &mut Slab, slot: u32) {
        let Some(o) = slab.get(slot) else { return };
        let (price, side) = (o.price.0, o.side);
        let side_map = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let level = side_map.entry(price).or_insert(Level { head: NIL, tail: NIL });
        let tail = level.tail;
        level.tail = slot;
        if tail == NIL {
            level.head = slot;
        } else if let Some(t) = slab.get_mut(tail) {
            t.next = slot;
        }
        if let Some(o) = slab.get_mut(slot) {
            o.prev = tail;
            o.next = NIL;
        }
    }

    /// Takes a slab order out of its price level, dropping the level when empty.
    pub fn unlink(&mut self, slab: &mut Slab, slot: u32) {
        let Some(o) = slab.get(slot) else { return };
        let (price, side, prev, next) = (o.price.0, o.side, o.prev, o.next);
        let side_map = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let Some(level) = side_map.get_mut(&price) else { return };
        match slab.get_mut(prev) {
            Some(p) => p.next = next,
            None => level.head = next,
        }
        match slab.get_mut(next) {
            Some(n) => n.prev = prev,
            None => level.tail = prev,
        }
        if level.head == NIL {
            side_map.remove(&price);
        }
    }

    /// The map a held stop waits in: up for STOP_LOSS BUY and TAKE_PROFIT SELL.
    pub fn stop_map(&mut self, o: &Order) -> &mut BTreeMap<(i64, i64), u32> {
        if triggers_upward(o.kind, o.side) { &mut self.stops_up } else { &mut self.stops_down }
    }

    /// Best resting bid and ask.
    pub fn best(&self) -> (Option<i64>, Option<i64>) {
        (self.bids.keys().next_back().copied(), self.asks.keys().next().copied())
    }
}

/// Whether a stop triggers when the last price reaches its stop price from
/// below (§3.4: stop above market for STOP_LOSS BUY and TAKE_PROFIT SELL).
pub(super) fn triggers_upward(kind: OrderKind, side: Side) -> bool {
    matches!((kind, side), (OrderKind::StopLossLimit, Side::Buy) | (OrderKind::TakeProfitLimit, Side::Sell))
}

/// Whether a stop with this stop price triggers at `last`.
pub(super) fn would_trigger(kind: OrderKind, side: Side, stop: Price, last: Price) -> bool {
    if triggers_upward(kind, side) { last >= stop } else { last <= stop }
}
