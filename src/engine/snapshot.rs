//! A read-only picture of the engine for whoever displays it (status line,
//! summary, later the UI). Built on demand, never per event.

use super::{Engine, EngineCounters};
use serde::Serialize;

/// One position, decimals as exact strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PositionView {
    pub symbol: String,
    pub qty: String,
    pub avg_price: String,
    pub last: String,
    pub realized: String,
    pub unrealized: String,
    pub fees: String,
}

/// Totals in quote money, exact strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PnlView {
    pub realized: String,
    pub unrealized: String,
    pub fees: String,
    /// realized + unrealized − fees
    pub total: String,
    pub equity: String,
    pub max_drawdown: String,
}

/// Order counts by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct OrderCounts {
    pub submitted: u64,
    pub filled: u64,
    /// Risk rejections plus router rejections.
    pub rejected: u64,
    pub canceled: u64,
    pub expired: u64,
    pub open: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Snapshot {
    pub now_ms: i64,
    pub counters: EngineCounters,
    pub orders: OrderCounts,
    pub positions: Vec<PositionView>,
    pub pnl: PnlView,
    pub kill_switch: Option<String>,
    pub out_of_order_dropped: u64,
    /// Venue clock minus ours, when estimated.
    pub clock_offset_ms: Option<i64>,
    /// Per feed connection: state, messages/s, bytes/s, reconnects, last-frame age...
    pub feeds: Vec<crate::domain::feed_status::ConnStatsSnapshot>,
    /// Symbols whose feed is stale.
    pub stale: Vec<String>,
}

impl Engine {
    /// Builds a snapshot (allocates; call at display rate, not per event).
    pub fn snapshot(&self) -> Snapshot {
        let p = self.portfolio();
        let positions = self
            .instruments()
            .iter()
            .filter_map(|(id, inst)| {
                let pos = p.position(id)?;
                if pos.fills == 0 {
                    return None;
                }
                Some(PositionView {
                    symbol: inst.symbol.clone(),
                    qty: pos.qty.display(inst.qty_scale).to_string(),
                    avg_price: p
                        .avg_entry(id, inst)
                        .map_or_else(String::new, |a| a.display(inst.price_scale).to_string()),
                    last: pos.last.map_or_else(String::new, |l| l.display(inst.price_scale).to_string()),
                    realized: pos.realized.to_string(),
                    unrealized: pos.unrealized.to_string(),
                    fees: pos.fees.to_string(),
                })
            })
            .collect();
        let realized = p.realized();
        let unrealized = p.unrealized();
        let fees = p.fees();
        let c = self.counters();
        let oc = self.orders().counts();
        Snapshot {
            now_ms: self.now_ms(),
            counters: c.clone(),
            orders: OrderCounts {
                submitted: c.orders_submitted,
                filled: oc.filled,
                rejected: oc.rejected + c.risk_rejected,
                canceled: oc.canceled,
                expired: oc.expired,
                open: self.orders().open_count() as u64,
            },
            positions,
            pnl: PnlView {
                realized: realized.to_string(),
                unrealized: unrealized.to_string(),
                fees: fees.to_string(),
                total: (realized + unrealized - fees).to_string(),
                equity: p.equity().to_string(),
                max_drawdown: p.max_drawdown().to_string(),
            },
            kill_switch: self.risk().kill_switch().map(|k| k.to_string()),
            out_of_order_dropped: self
                .instruments()
                .iter()
                .map(|(id, _)| self.aggregator().symbol_stats(id).out_of_order_dropped)
                .sum(),
            clock_offset_ms: self.clock_offset_ms(),
            feeds: self.feeds().to_vec(),
            stale: self
                .instruments()
                .iter()
                .filter(|(id, _)| self.is_stale(*id))
                .map(|(_, i)| i.symbol.clone())
                .collect(),
        }
    }
}
