//! Turning internal records into the public shapes; the only place that
//! builds `String`s, so the matching itself stays allocation-free.

use super::Exchange;
use super::account::Bal;
use super::order::Order;
use super::types::{AccountId, BalanceRow, ExecReport, ExecType, OrderSnapshot, Outbound};
use crate::domain::{Notional, Price, Qty};

pub(super) fn balance_row(asset: &str, b: &Bal) -> BalanceRow {
    BalanceRow { asset: asset.to_string(), free: Notional(b.free), locked: Notional(b.locked) }
}

/// What a trade event carries besides the order.
#[derive(Debug, Clone, Copy)]
pub(super) struct TradeInfo {
    pub price: Price,
    pub qty: Qty,
    pub commission: i128,
    pub trade_id: i64,
    pub maker: bool,
}

impl Exchange {
    pub(super) fn snapshot(&self, o: &Order) -> OrderSnapshot {
        OrderSnapshot {
            symbol: self.instruments.get(o.sym as usize).map(|i| i.symbol.clone()).unwrap_or_default(),
            order_id: o.id,
            client_order_id: o.client.as_str().to_string(),
            side: o.side,
            kind: o.kind,
            tif: o.tif,
            price: o.price,
            stop_price: o.stop_price,
            orig_qty: o.orig_qty,
            executed_qty: o.executed,
            cum_quote: Notional(o.cum_quote),
            status: o.status,
            time_ms: o.time_ms,
            update_time_ms: o.update_ms,
            working: o.working,
            fills: Vec::new(),
        }
    }

    pub(super) fn quote_name(&self, sym: u32) -> String {
        self.instruments.get(sym as usize).map(|i| i.quote.clone()).unwrap_or_default()
    }

    /// An execution report about `o` after the event.
    pub(super) fn emit_exec(
        &self,
        o: &Order,
        exec_type: ExecType,
        trade: Option<TradeInfo>,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) {
        let order = self.snapshot(o);
        let report = match trade {
            Some(t) => ExecReport {
                exec_type,
                order,
                last_qty: t.qty,
                last_price: t.price,
                commission: Notional(t.commission),
                commission_asset: Some(self.quote_name(o.sym)),
                trade_id: t.trade_id,
                maker: t.maker,
                time_ms: now_ms,
                orig_client_order_id: None,
            },
            None => ExecReport {
                exec_type,
                order,
                last_qty: Qty::ZERO,
                last_price: Price::ZERO,
                commission: Notional::ZERO,
                commission_asset: None,
                trade_id: -1,
                maker: false,
                time_ms: now_ms,
                orig_client_order_id: None,
            },
        };
        out.push(Outbound::Execution { account: AccountId(o.acct), report });
    }

    /// One balance event per account for the assets the operation changed.
    pub(super) fn flush_balances(&mut self, now_ms: i64, out: &mut Vec<Outbound>) {
        if self.touched.is_empty() {
            return;
        }
        self.touched.sort_unstable();
        self.touched.dedup();
        let mut i = 0;
        while let Some(&(acct, _)) = self.touched.get(i) {
            let mut balances = Vec::new();
            while let Some(&(a, asset)) = self.touched.get(i) {
                if a != acct {
                    break;
                }
                let bal = self.accounts.get(a as usize).and_then(|x| x.bal.get(asset as usize));
                if let (Some(b), Some(name)) = (bal, self.assets.get(asset as usize)) {
                    balances.push(balance_row(name, b));
                }
                i += 1;
            }
            out.push(Outbound::Balances { account: AccountId(acct), time_ms: now_ms, balances });
        }
        self.touched.clear();
    }
}
