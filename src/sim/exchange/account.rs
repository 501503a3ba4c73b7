//! An account: balances by asset index, its open client ids, finished
//! orders and trade history.

use super::order::{ClientId, FxMap, Order};
use std::collections::VecDeque;

/// Trades kept per account and symbol; the oldest go first.
pub(super) const MAX_TRADES_KEPT: usize = 100_000;

/// One asset's balance at 18 decimals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Bal {
    pub free: i128,
    pub locked: i128,
}

/// One side of a trade, compact; names are added when it is shown.
#[derive(Debug, Clone, Copy)]
pub(super) struct TradeRow {
    pub id: i64,
    pub order_id: i64,
    pub price: i64,
    pub qty: i64,
    pub quote: i128,
    pub commission: i128,
    pub time_ms: i64,
    pub is_buyer: bool,
    pub is_maker: bool,
}

#[derive(Debug)]
pub(super) struct Account {
    pub bal: Vec<Bal>,
    /// Client id → order id, open orders only (uniqueness is among open orders).
    pub open: FxMap<ClientId, i64>,
    /// Finished orders, oldest first.
    pub finished: VecDeque<Order>,
    /// Per symbol, oldest first.
    pub trades: Vec<VecDeque<TradeRow>>,
}

impl Account {
    pub fn new(bal: Vec<Bal>, symbols: usize) -> Self {
        Self { bal, open: FxMap::default(), finished: VecDeque::new(), trades: vec![VecDeque::new(); symbols] }
    }

    pub fn push_trade(&mut self, sym: usize, t: TradeRow) {
        if let Some(d) = self.trades.get_mut(sym) {
            if d.len() >= MAX_TRADES_KEPT {
                d.pop_front();
            }
            d.push_back(t);
        }
    }

    pub fn push_finished(&mut self, o: Order, keep: usize) {
        if keep == 0 {
            return;
        }
        while self.finished.len() >= keep {
            self.finished.pop_front();
        }
        self.finished.push_back(o);
    }
}
