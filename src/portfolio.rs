//! Positions and exact P&L.
//!
//! Every position keeps FIFO lots, so realized P&L is a sum of exact integer
//! products (`closed qty × (exit − entry)`), flips through zero included.
//! Totals (realized, unrealized, fees, exposure, equity, peak and drawdown)
//! are updated by deltas on each fill and mark, so a mark is O(1) however
//! many instruments are held:
//!
//! `equity = starting cash + realized + unrealized − fees`.

mod lots;

use crate::domain::{Fill, Instrument, InstrumentId, Notional, Position, Price, Qty};
use crate::strategy::PortfolioView;
use lots::Fifo;
use serde::{Deserialize, Serialize};

/// `[portfolio]`: the paper account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct PortfolioConfig {
    /// Cash at the start of the session, in quote currency.
    pub starting_cash: String,
}

impl Default for PortfolioConfig {
    fn default() -> Self {
        Self { starting_cash: "10000".into() }
    }
}

/// Positions per instrument (indexed by [`InstrumentId`]) and running totals.
#[derive(Debug, Clone)]
pub struct Portfolio {
    starting_cash: Notional,
    positions: Vec<Position>,
    lots: Vec<Fifo>,
    realized: Notional,
    unrealized: Notional,
    fees: Notional,
    exposure: Notional,
    peak_equity: Notional,
    max_drawdown: Notional,
    fills: u64,
}

impl Portfolio {
    pub fn new(cfg: &PortfolioConfig) -> Result<Self, String> {
        let v = &cfg.starting_cash;
        let starting_cash = Notional::parse(v.trim())
            .map_err(|e| format!("portfolio.starting-cash: {v:?} is not a decimal amount ({e})"))?;
        if starting_cash.0 < 0 {
            return Err(format!("portfolio.starting-cash: {v:?} must not be negative"));
        }
        Ok(Self::with_cash(starting_cash))
    }

    pub fn with_cash(starting_cash: Notional) -> Self {
        Self {
            starting_cash,
            positions: Vec::new(),
            lots: Vec::new(),
            realized: Notional::ZERO,
            unrealized: Notional::ZERO,
            fees: Notional::ZERO,
            exposure: Notional::ZERO,
            peak_equity: starting_cash,
            max_drawdown: Notional::ZERO,
            fills: 0,
        }
    }

    /// Books a fill (a non-positive quantity is ignored). The position stays
    /// valued at its last mark; a first fill with no mark yet seeds it.
    pub fn apply_fill(&mut self, f: &Fill, inst: &Instrument) {
        if f.qty.0 <= 0 {
            return;
        }
        let i = self.slot(f.instrument);
        let q = f.side.sign() * f.qty.0;
        let (Some(pos), Some(fifo)) = (self.positions.get_mut(i), self.lots.get_mut(i)) else {
            return;
        };
        let b = fifo.book(pos.qty.0, q, f.price, inst.price_scale, inst.qty_scale);
        pos.qty = Qty(pos.qty.0 + q);
        pos.cost += b.cost_delta;
        pos.realized += b.realized;
        pos.fees += f.fee;
        pos.fills += 1;
        pos.traded += inst.notional(f.price, f.qty);
        let last = *pos.last.get_or_insert(f.price);
        self.realized += b.realized;
        self.fees += f.fee;
        self.fills += 1;
        self.remark(i, last, inst);
    }

    /// Marks an instrument at `price`: O(1), totals move by this position's change.
    pub fn mark(&mut self, id: InstrumentId, price: Price, inst: &Instrument) {
        let i = self.slot(id);
        self.remark(i, price, inst);
    }

    fn remark(&mut self, i: usize, price: Price, inst: &Instrument) {
        let Some(pos) = self.positions.get_mut(i) else {
            return;
        };
        pos.last = Some(price);
        let unrealized = inst.notional(price, pos.qty) - pos.cost;
        let exposure = inst.notional(price, Qty(pos.qty.0.saturating_abs()));
        self.unrealized += unrealized - pos.unrealized;
        self.exposure += exposure - pos.exposure;
        pos.unrealized = unrealized;
        pos.exposure = exposure;
        let equity = self.equity();
        self.peak_equity = self.peak_equity.max(equity);
        self.max_drawdown = self.max_drawdown.max(self.peak_equity - equity);
    }

    fn slot(&mut self, id: InstrumentId) -> usize {
        let i = id.index();
        while self.positions.len() <= i {
            let next = InstrumentId(self.positions.len() as u32);
            self.positions.push(Position::new(next));
            self.lots.push(Fifo::default());
        }
        i
    }

    pub fn position(&self, id: InstrumentId) -> Option<&Position> {
        self.positions.get(id.index())
    }

    /// Positions that have traded or are open, by instrument id.
    pub fn positions(&self) -> impl Iterator<Item = &Position> + '_ {
        self.positions.iter().filter(|p| p.fills > 0 || !p.is_flat())
    }

    /// Average entry price of an open position, for display.
    pub fn avg_entry(&self, id: InstrumentId, inst: &Instrument) -> Option<Price> {
        self.position(id)?.avg_entry(inst.price_scale, inst.qty_scale)
    }

    pub fn starting_cash(&self) -> Notional {
        self.starting_cash
    }

    pub fn realized(&self) -> Notional {
        self.realized
    }

    pub fn unrealized(&self) -> Notional {
        self.unrealized
    }

    pub fn fees(&self) -> Notional {
        self.fees
    }

    /// Net P&L: realized + unrealized − fees.
    pub fn pnl(&self) -> Notional {
        self.realized + self.unrealized - self.fees
    }

    /// Starting cash + realized + unrealized − fees.
    pub fn equity(&self) -> Notional {
        self.starting_cash + self.pnl()
    }

    /// Σ |qty| × last over instruments.
    pub fn gross_exposure(&self) -> Notional {
        self.exposure
    }

    /// Highest equity so far (starting cash at first).
    pub fn peak_equity(&self) -> Notional {
        self.peak_equity
    }

    /// How far equity is below its peak now.
    pub fn drawdown(&self) -> Notional {
        self.peak_equity - self.equity()
    }

    /// The deepest drawdown so far.
    pub fn max_drawdown(&self) -> Notional {
        self.max_drawdown
    }

    pub fn fill_count(&self) -> u64 {
        self.fills
    }

    /// Open FIFO lots of an instrument (for display and tests).
    pub fn lot_count(&self, id: InstrumentId) -> usize {
        self.lots.get(id.index()).map_or(0, Fifo::lot_count)
    }
}

impl PortfolioView for Portfolio {
    fn position_qty(&self, instrument: InstrumentId) -> Qty {
        self.position(instrument).map_or(Qty::ZERO, |p| p.qty)
    }

    fn last_price(&self, instrument: InstrumentId) -> Option<Price> {
        self.position(instrument).and_then(|p| p.last)
    }

    fn equity(&self) -> Notional {
        Portfolio::equity(self)
    }
}
