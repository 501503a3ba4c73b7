//! The strategy API: strategies see candles, trades and book tops plus a
//! read-only view of the portfolio, and answer with order intents.
//!
//! Strategies never send orders themselves: every intent goes through risk
//! and routing in the engine, the same path as a manual order.

pub mod ma_cross;
pub mod probe;
pub mod rsi_reversion;

use crate::domain::{
    BookTicker, Candle, InstrumentId, Instruments, Notional, OrderIntent, Price, Qty, Side, StrategyId, Trade,
};

/// What a strategy may read of the portfolio.
pub trait PortfolioView {
    /// Signed net position (positive long).
    fn position_qty(&self, instrument: InstrumentId) -> Qty;
    /// Last marked price, if any.
    fn last_price(&self, instrument: InstrumentId) -> Option<Price>;
    /// Starting cash plus total P&L, net of fees.
    fn equity(&self) -> Notional;
}

/// Everything a strategy gets on each callback.
pub struct StrategyCtx<'a> {
    /// This strategy's id, to stamp on intents.
    pub id: StrategyId,
    /// Event time of the event being processed, exchange ms.
    pub now_ms: i64,
    pub instruments: &'a Instruments,
    pub portfolio: &'a dyn PortfolioView,
    /// Intents emitted during this callback; the engine drains it.
    pub intents: &'a mut Vec<OrderIntent>,
}

impl StrategyCtx<'_> {
    pub fn emit(&mut self, intent: OrderIntent) {
        self.intents.push(intent);
    }

    /// Emits the market order that takes the position in `instrument` to
    /// `target`; nothing when it is already there. Returns whether it emitted.
    pub fn trade_toward(&mut self, instrument: InstrumentId, target: Qty) -> bool {
        let current = self.portfolio.position_qty(instrument);
        let Some(delta) = target.0.checked_sub(current.0).filter(|&d| d != 0) else {
            return false;
        };
        let side = if delta > 0 { Side::Buy } else { Side::Sell };
        let Some(qty) = delta.checked_abs() else {
            return false;
        };
        self.emit(OrderIntent::market(instrument, side, Qty(qty), self.id));
        true
    }
}

/// Resolves a strategy's `symbol` and parses its `qty` at that instrument's
/// scale; the error names the field and the value.
pub fn resolve_order_qty(instruments: &Instruments, symbol: &str, qty: &str) -> Result<(InstrumentId, Qty), String> {
    let id = instruments.by_name(symbol).ok_or_else(|| format!("symbol {symbol:?}: unknown instrument"))?;
    let inst = instruments.get(id);
    let q = inst
        .parse_qty(qty)
        .map_err(|e| format!("qty {qty:?}: {e} ({} quantities have {} decimals)", inst.symbol, inst.qty_scale))?;
    if q.0 <= 0 {
        return Err(format!("qty {qty:?}: must be positive"));
    }
    Ok((id, q))
}

/// A trading strategy. All callbacks default to doing nothing.
pub trait Strategy: Send {
    /// Name for logs, the summary and the UI.
    fn name(&self) -> &str;
    /// A candle closed.
    fn on_candle(&mut self, _candle: &Candle, _ctx: &mut StrategyCtx<'_>) {}
    /// A trade printed.
    fn on_trade(&mut self, _trade: &Trade, _ctx: &mut StrategyCtx<'_>) {}
    /// The top of book changed.
    fn on_book(&mut self, _book: &BookTicker, _ctx: &mut StrategyCtx<'_>) {}
}

pub use ma_cross::MaCrossConfig;
pub use probe::ProbeConfig;
pub use rsi_reversion::RsiReversionConfig;

/// One `[[strategies]]` entry; `kind` selects the strategy.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum StrategyConfig {
    MaCross(MaCrossConfig),
    RsiReversion(RsiReversionConfig),
    Probe(ProbeConfig),
}

impl StrategyConfig {
    /// Builds the strategy; the error names the offending field.
    pub fn build(&self, id: StrategyId, instruments: &Instruments) -> Result<Box<dyn Strategy>, String> {
        Ok(match self {
            Self::MaCross(c) => Box::new(ma_cross::MaCross::build(c, id, instruments)?),
            Self::RsiReversion(c) => Box::new(rsi_reversion::RsiReversion::build(c, id, instruments)?),
            Self::Probe(c) => Box::new(probe::Probe::build(c, id, instruments)?),
        })
    }

    /// The candle timeframe the strategy runs on, if it uses candles.
    pub fn timeframe(&self) -> Option<crate::domain::Timeframe> {
        match self {
            Self::MaCross(c) => Some(c.timeframe),
            Self::RsiReversion(c) => Some(c.timeframe),
            Self::Probe(_) => None,
        }
    }

    /// The symbol the strategy trades.
    pub fn symbol(&self) -> &str {
        match self {
            Self::MaCross(c) => &c.symbol,
            Self::RsiReversion(c) => &c.symbol,
            Self::Probe(c) => &c.symbol,
        }
    }
}
