//! A position in one instrument: the summary screens and strategies read.
//! (The FIFO lots behind it and the totals live in `portfolio`.)

use super::fixed::{Notional, POW10, Price, Qty};
use super::instrument::InstrumentId;

/// Net holding in one instrument with exact P&L, all money at 18 decimals.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Position {
    pub instrument: InstrumentId,
    /// Signed: positive long, negative short.
    pub qty: Qty,
    /// Entry cost of the open lots, Σ lot qty × entry price, signed like `qty`.
    pub cost: Notional,
    /// Closed P&L before fees: Σ closed qty × (exit − entry) per lot.
    pub realized: Notional,
    /// `qty × last − cost` at the last mark.
    pub unrealized: Notional,
    pub fees: Notional,
    /// `|qty| × last`.
    pub exposure: Notional,
    /// Last marked price; `None` before the first mark or fill.
    pub last: Option<Price>,
    pub fills: u64,
    /// Σ price × qty over fills (turnover).
    pub traded: Notional,
}

impl Position {
    pub fn new(instrument: InstrumentId) -> Self {
        Self { instrument, ..Self::default() }
    }

    pub fn is_flat(&self) -> bool {
        self.qty.0 == 0
    }

    /// Net P&L: realized + unrealized − fees.
    pub fn pnl(&self) -> Notional {
        self.realized + self.unrealized - self.fees
    }

    /// Average entry price of the open lots, rounded half away from zero to
    /// the price scale (for display; P&L never uses it). `None` when flat.
    pub fn avg_entry(&self, price_scale: u8, qty_scale: u8) -> Option<Price> {
        if self.qty.0 == 0 {
            return None;
        }
        let shift = Notional::SCALE.checked_sub(price_scale.checked_add(qty_scale)?)?;
        let d = i128::from(self.qty.0).checked_mul(i128::from(*POW10.get(usize::from(shift))?))?;
        let (n, d) = if d < 0 { (-self.cost.0, -d) } else { (self.cost.0, d) };
        let q = n / d;
        let r = n % d;
        let q = if r.abs() * 2 >= d { q + n.signum() } else { q };
        i64::try_from(q).ok().map(Price)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_entry_rounds_half_away() {
        // 3 units (scale 0) costing 100.00 + 100.00 + 100.01 = 300.01 at price scale 2.
        let p = Position { qty: Qty(3), cost: Notional::of(Price(30_001), Qty(1), 2, 0), ..Position::default() };
        assert_eq!(p.avg_entry(2, 0), Some(Price(10_000)));
        let short = Position { qty: Qty(-2), cost: Notional::of(Price(-20_001), Qty(1), 2, 0), ..Position::default() };
        assert_eq!(short.avg_entry(2, 0), Some(Price(10_001)));
        assert_eq!(Position::default().avg_entry(2, 0), None);
    }
}
