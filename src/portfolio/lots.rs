//! FIFO lots of one instrument. Closing a lot realizes
//! `closed qty × (exit − entry)` exactly, in integers, and a fill larger than
//! the position closes every lot and opens the rest the other way.

use crate::domain::{Notional, Price, Qty};
use std::collections::VecDeque;

/// Open quantity bought (or sold short) at one price; `qty` is positive,
/// the direction is the position's sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lot {
    qty: i64,
    price: Price,
}

/// Realized P&L and change in entry cost caused by one fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Booked {
    pub realized: Notional,
    pub cost_delta: Notional,
}

/// The open lots of one position, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Fifo {
    lots: VecDeque<Lot>,
}

impl Fifo {
    /// Books a fill of signed quantity `q` at `price` against the position
    /// `pos` (signed), at the instrument's scales.
    pub fn book(&mut self, pos: i64, q: i64, price: Price, price_scale: u8, qty_scale: u8) -> Booked {
        let of = |p: i64, n: i64| Notional::of(Price(p), Qty(n), price_scale, qty_scale);
        let dir = q.signum();
        let mut left = q.saturating_abs();
        let mut b = Booked::default();
        if pos != 0 && pos.signum() != dir {
            let held = pos.signum();
            while left > 0 {
                let Some(lot) = self.lots.front_mut() else {
                    break;
                };
                let c = left.min(lot.qty);
                let pnl = of(price.0 - lot.price.0, c).0 * i128::from(held);
                b.realized += Notional(pnl);
                b.cost_delta -= Notional(of(lot.price.0, c).0 * i128::from(held));
                lot.qty -= c;
                left -= c;
                if lot.qty == 0 {
                    self.lots.pop_front();
                }
            }
        }
        if left > 0 {
            self.lots.push_back(Lot { qty: left, price });
            b.cost_delta += Notional(of(price.0, left).0 * i128::from(dir));
        }
        b
    }

    /// Number of open lots.
    pub fn lot_count(&self) -> usize {
        self.lots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closes_oldest_first_and_flips() {
        let mut f = Fifo::default();
        f.book(0, 2, Price(100), 0, 0);
        f.book(2, 1, Price(110), 0, 0);
        // Sell 4: closes 2 @100 (+20 each... ×(120−100)) and 1 @110, opens 1 short @120.
        let b = f.book(3, -4, Price(120), 0, 0);
        assert_eq!(b.realized, Notional::from_scaled(2 * 20 + 10, 0));
        assert_eq!(b.cost_delta, Notional::from_scaled(-(200 + 110) - 120, 0));
        assert_eq!(f.lot_count(), 1);
    }
}
