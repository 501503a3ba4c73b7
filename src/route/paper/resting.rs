//! Resting paper orders on one side of one instrument, best price first,
//! then arrival: a trade walks them from the front and stops at the first
//! order it cannot reach, so a trade that crosses none costs O(1).

use crate::domain::{OrderId, Price, Qty, Side, StrategyId};

/// A working limit order as the paper venue sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestingOrder {
    pub id: OrderId,
    pub side: Side,
    pub price: Price,
    pub remaining: Qty,
    /// Displayed quantity ahead of us at our price: `None` when unknown (we
    /// joined behind the touch), and then only trades through the price fill.
    pub queue_ahead: Option<Qty>,
    pub strategy: StrategyId,
    /// Arrival order, for time priority.
    pub seq: u64,
}

/// One side of the resting orders of one instrument.
#[derive(Debug, Clone)]
pub struct RestingSide {
    side: Side,
    orders: Vec<RestingOrder>,
}

impl RestingSide {
    pub fn new(side: Side) -> Self {
        Self { side, orders: Vec::new() }
    }

    /// `a` is strictly better than `b` for this side (higher bid, lower ask).
    #[inline]
    fn better(&self, a: Price, b: Price) -> bool {
        match self.side {
            Side::Buy => a > b,
            Side::Sell => a < b,
        }
    }

    /// An order at `price` can trade at `at` (at the same price or better).
    #[inline]
    fn reaches(&self, price: Price, at: Price) -> bool {
        price == at || self.better(price, at)
    }

    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &RestingOrder> + '_ {
        self.orders.iter()
    }

    pub fn get(&self, id: OrderId) -> Option<&RestingOrder> {
        self.orders.iter().find(|o| o.id == id)
    }

    /// Inserts after every order with a better or equal price.
    pub fn insert(&mut self, o: RestingOrder) {
        let at = self.orders.partition_point(|x| self.reaches(x.price, o.price));
        self.orders.insert(at, o);
    }

    pub fn remove(&mut self, id: OrderId) -> Option<RestingOrder> {
        let i = self.orders.iter().position(|o| o.id == id)?;
        Some(self.orders.remove(i))
    }

    /// Drains every order (for cancel-all).
    pub fn drain(&mut self) -> impl Iterator<Item = RestingOrder> + '_ {
        self.orders.drain(..)
    }

    /// A new book top on our side: orders better than the touch have nobody
    /// displayed ahead; orders at the touch have at most its quantity ahead.
    /// Only orders at or better than the touch are visited.
    pub fn on_touch(&mut self, touch: Price, touch_qty: Qty) {
        let side = self.side;
        for o in &mut self.orders {
            let better = match side {
                Side::Buy => o.price > touch,
                Side::Sell => o.price < touch,
            };
            if better {
                o.queue_ahead = Some(Qty::ZERO);
            } else if o.price == touch {
                let q = o.queue_ahead.map_or(touch_qty, |q| q.min(touch_qty));
                o.queue_ahead = Some(q);
            } else {
                break;
            }
        }
    }

    /// Distributes a trade of `vol` at `price` over the orders it reaches, in
    /// price-time priority. A print strictly through an order's price fills
    /// it; a print at its price first uses up the queue ahead. Volume that
    /// fills one of our orders is taken out of `vol`, so it never fills
    /// another; volume that only consumed a queue still counts for the queues
    /// of later orders at that price (it traded with those displayed ahead of
    /// them too), and is then gone: on return `vol` holds only volume nobody
    /// on this side took, for the other side (a self-crossed paper book).
    /// Calls `fill(order, qty)` per fill; returns whether any order finished.
    pub fn match_trade(&mut self, price: Price, vol: &mut i64, mut fill: impl FnMut(&RestingOrder, Qty)) -> bool {
        let mut finished = false;
        let mut queue_used = 0;
        for i in 0..self.orders.len() {
            if *vol <= 0 {
                break;
            }
            let Some(o) = self.orders.get(i).copied() else {
                break;
            };
            if !self.reaches(o.price, price) {
                break;
            }
            let usable = if o.price != price {
                *vol
            } else {
                match o.queue_ahead {
                    None => continue,
                    Some(q) => {
                        let used = q.0.min(*vol);
                        queue_used = queue_used.max(used);
                        if let Some(x) = self.orders.get_mut(i) {
                            x.queue_ahead = Some(Qty(q.0 - used));
                        }
                        *vol - used
                    }
                }
            };
            let take = usable.min(o.remaining.0);
            if take <= 0 {
                continue;
            }
            *vol -= take;
            if let Some(x) = self.orders.get_mut(i) {
                x.remaining = Qty(x.remaining.0 - take);
                finished |= x.remaining.0 == 0;
                fill(x, Qty(take));
            }
        }
        *vol = (*vol - queue_used).max(0);
        if finished {
            self.orders.retain(|o| o.remaining.0 > 0);
        }
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: u64, price: i64, qty: i64, queue: Option<i64>, seq: u64) -> RestingOrder {
        RestingOrder {
            id: OrderId(id),
            side: Side::Buy,
            price: Price(price),
            remaining: Qty(qty),
            queue_ahead: queue.map(Qty),
            strategy: StrategyId(0),
            seq,
        }
    }

    #[test]
    fn keeps_price_time_priority() {
        let mut s = RestingSide::new(Side::Buy);
        s.insert(order(1, 100, 1, None, 1));
        s.insert(order(2, 101, 1, None, 2));
        s.insert(order(3, 100, 1, None, 3));
        let ids: Vec<u64> = s.iter().map(|o| o.id.0).collect();
        assert_eq!(ids, [2, 1, 3]);
    }

    #[test]
    fn queue_volume_is_shared_fill_volume_is_not() {
        let mut s = RestingSide::new(Side::Buy);
        s.insert(order(1, 100, 5, Some(10), 1));
        s.insert(order(2, 100, 5, Some(12), 2));
        let mut vol = 14;
        let mut fills = vec![];
        s.match_trade(Price(100), &mut vol, |o, q| fills.push((o.id.0, q.0)));
        // 10 ahead of #1, then 4 fill #1; #2's 12 ahead drop by the 14 that printed... minus #1's 4.
        assert_eq!(fills, [(1, 4)]);
        assert_eq!(vol, 0);
        assert_eq!(s.get(OrderId(2)).and_then(|o| o.queue_ahead), Some(Qty(2)));
    }
}
