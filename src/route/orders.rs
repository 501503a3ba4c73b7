//! The engine's order store: applies [`Report`]s through the transition
//! table, so every state change of every order is checked.
//!
//! Open orders live in a map by id (ordered, so screens and summaries are
//! deterministic); finished orders and fills are kept in bounded rings for
//! display, while the counters cover the whole session.

use super::report::Report;
use crate::domain::{Fill, IllegalTransition, Instrument, Notional, Order, OrderId, OrderState, Qty};
use std::collections::{BTreeMap, VecDeque};

/// Why a report could not be applied. The order is left unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error("order {order:?}: fill of {fill:?} exceeds the remaining {remaining:?}")]
    Overfill { order: OrderId, remaining: Qty, fill: Qty },
    #[error("order {order:?}: fill does not match the order (instrument, side or a non-positive qty)")]
    FillMismatch { order: OrderId },
    #[error("order {0:?} already exists")]
    Duplicate(OrderId),
}

/// Session counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderCounts {
    pub submitted: u64,
    pub accepted: u64,
    /// Orders that ended fully filled.
    pub filled: u64,
    pub canceled: u64,
    pub rejected: u64,
    pub expired: u64,
    /// Individual fills.
    pub fills: u64,
}

#[derive(Debug, Clone)]
struct Tracked {
    order: Order,
    price_scale: u8,
    qty_scale: u8,
}

/// Open orders, recently finished orders, recent fills and counters.
#[derive(Debug, Clone)]
pub struct Orders {
    open: BTreeMap<OrderId, Tracked>,
    closed: VecDeque<Order>,
    closed_cap: usize,
    fills: VecDeque<Fill>,
    fills_cap: usize,
    counts: OrderCounts,
    /// Highest id inserted: engine ids only grow, so a larger id cannot be a
    /// duplicate and needs no search of the history.
    newest: Option<OrderId>,
}

impl Default for Orders {
    fn default() -> Self {
        Self::with_history(1_024, 256)
    }
}

impl Orders {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps at most `closed` finished orders and `fills` fills for display.
    pub fn with_history(closed: usize, fills: usize) -> Self {
        Self {
            open: BTreeMap::new(),
            closed: VecDeque::with_capacity(closed),
            closed_cap: closed,
            fills: VecDeque::with_capacity(fills),
            fills_cap: fills,
            counts: OrderCounts::default(),
            newest: None,
        }
    }

    /// Adds a new order. The instrument gives the scales for its fill notional.
    pub fn insert(&mut self, order: Order, inst: &Instrument) -> Result<(), OrderError> {
        let fresh = self.newest.is_none_or(|n| order.id > n);
        if !fresh && (self.open.contains_key(&order.id) || self.closed.iter().any(|o| o.id == order.id)) {
            return Err(OrderError::Duplicate(order.id));
        }
        self.newest = self.newest.max(Some(order.id));
        self.counts.submitted += 1;
        let tracked = Tracked { order, price_scale: inst.price_scale, qty_scale: inst.qty_scale };
        let id = tracked.order.id;
        if tracked.order.state.is_terminal() {
            self.retire(tracked.order);
        } else {
            self.open.insert(id, tracked);
        }
        Ok(())
    }

    /// Applies a report. `Ok(None)` for an id the store does not know (e.g.
    /// evicted from the history ring); an error leaves the order unchanged.
    pub fn apply(&mut self, r: &Report) -> Result<Option<&Order>, OrderError> {
        let id = r.order_id();
        let Some(t) = self.open.get_mut(&id) else {
            return match self.closed.iter().find(|o| o.id == id) {
                Some(o) => {
                    let to = r.target_state().unwrap_or(OrderState::Filled);
                    Err(IllegalTransition { order: id, from: o.state, to }.into())
                }
                None => Ok(None),
            };
        };
        match r {
            Report::Fill(f) => apply_fill(t, f)?,
            other => {
                let to = other.target_state().unwrap_or(OrderState::Canceled);
                t.order.transition(to, other.time_ms())?;
            }
        }
        match t.order.state {
            OrderState::Accepted => self.counts.accepted += 1,
            OrderState::Canceled => self.counts.canceled += 1,
            OrderState::Rejected => self.counts.rejected += 1,
            OrderState::Expired => self.counts.expired += 1,
            OrderState::Filled => self.counts.filled += 1,
            OrderState::New | OrderState::PartiallyFilled => {}
        }
        if let Report::Fill(f) = r {
            self.counts.fills += 1;
            if self.fills_cap > 0 {
                if self.fills.len() == self.fills_cap {
                    self.fills.pop_front();
                }
                self.fills.push_back(*f);
            }
        }
        if t.order.state.is_terminal() {
            let order = self.open.remove(&id).map(|t| t.order);
            if let Some(o) = order {
                self.retire(o);
            }
            return Ok(self.closed.back().filter(|o| o.id == id));
        }
        Ok(self.open.get(&id).map(|t| &t.order))
    }

    /// An order by id: open, or finished and still in the history ring.
    pub fn get(&self, id: OrderId) -> Option<&Order> {
        self.open.get(&id).map(|t| &t.order).or_else(|| self.closed.iter().rev().find(|o| o.id == id))
    }

    /// Open orders (New, Accepted, PartiallyFilled) by id.
    pub fn open(&self) -> impl DoubleEndedIterator<Item = &Order> + '_ {
        self.open.values().map(|t| &t.order)
    }

    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Recently finished orders, oldest first.
    pub fn closed(&self) -> impl DoubleEndedIterator<Item = &Order> + '_ {
        self.closed.iter()
    }

    /// Recent fills, oldest first.
    pub fn recent_fills(&self) -> impl DoubleEndedIterator<Item = &Fill> + '_ {
        self.fills.iter()
    }

    pub fn counts(&self) -> &OrderCounts {
        &self.counts
    }

    fn retire(&mut self, order: Order) {
        if self.closed_cap == 0 {
            return;
        }
        if self.closed.len() == self.closed_cap {
            self.closed.pop_front();
        }
        self.closed.push_back(order);
    }
}

/// Validates, then transitions, then books the fill, so a refused fill changes nothing.
fn apply_fill(t: &mut Tracked, f: &Fill) -> Result<(), OrderError> {
    let o = &mut t.order;
    if f.instrument != o.intent.instrument || f.side != o.intent.side || f.qty.0 <= 0 {
        return Err(OrderError::FillMismatch { order: o.id });
    }
    let remaining = o.remaining();
    if f.qty > remaining {
        return Err(OrderError::Overfill { order: o.id, remaining, fill: f.qty });
    }
    let to = if f.qty == remaining { OrderState::Filled } else { OrderState::PartiallyFilled };
    o.transition(to, f.time_ms)?;
    o.filled_qty = Qty(o.filled_qty.0 + f.qty.0);
    o.filled_notional += Notional::of(f.price, f.qty, t.price_scale, t.qty_scale);
    o.fees += f.fee;
    Ok(())
}
