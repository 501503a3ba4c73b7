//! A position in one instrument. (Accounting lives in `portfolio`.)

use super::fixed::{Notional, Price, Qty};
use super::instrument::InstrumentId;

/// Net holding in one instrument with exact P&L.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Position {
    pub instrument: InstrumentId,
    /// Signed: positive long, negative short.
    pub qty: Qty,
    /// Cost of the open quantity (signed like `qty`).
    pub cost: Notional,
    pub realized: Notional,
    pub fees: Notional,
    pub last: Price,
}
