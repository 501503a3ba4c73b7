//! Cancels, order queries and trade history.

use super::Exchange;
use super::order::{ClientId, Order};
use super::types::{AccountId, ExecReport, ExecType, OrderRef, OrderSnapshot, Outbound, Reject, Status, TradeRecord};
use crate::domain::{Notional, Price, Qty};

impl Exchange {
    /// Cancels an open order (resting or a held stop). `cancel_client_id`
    /// is the cancel request's own id: the CANCELED report carries it as
    /// `client_order_id` and the order's id as `orig_client_order_id`; the
    /// returned snapshot keeps the order's own client id.
    pub fn cancel(
        &mut self,
        acct: AccountId,
        symbol: &str,
        order: OrderRef<'_>,
        cancel_client_id: Option<&str>,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderSnapshot, Reject> {
        self.stats.ops += 1;
        self.account_ok(acct)?;
        let sym = self.sym_of(symbol)?;
        let slot = self.find_open(acct, sym, order).ok_or_else(Reject::unknown_order)?;
        let snap = self.cancel_slot(slot, cancel_client_id, now_ms, out).ok_or_else(Reject::unknown_order);
        self.flush_balances(now_ms, out);
        snap
    }

    /// Cancels every open order of the account on the symbol, oldest first;
    /// none open is -2011 as on Binance.
    pub fn cancel_all(
        &mut self,
        acct: AccountId,
        symbol: &str,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<Vec<OrderSnapshot>, Reject> {
        self.stats.ops += 1;
        self.account_ok(acct)?;
        let sym = self.sym_of(symbol)?;
        let mut open = self.open_of(acct, Some(sym));
        if open.is_empty() {
            return Err(Reject::unknown_order());
        }
        open.sort_unstable();
        let snaps = open.into_iter().filter_map(|(_, slot)| self.cancel_slot(slot, None, now_ms, out)).collect();
        self.flush_balances(now_ms, out);
        Ok(snaps)
    }

    /// An open order, else a finished one that is still kept (newest first).
    pub fn query(&self, acct: AccountId, symbol: &str, order: OrderRef<'_>) -> Result<OrderSnapshot, Reject> {
        self.account_ok(acct)?;
        let sym = self.sym_of(symbol)?;
        if let Some(o) = self.find_open(acct, sym, order).and_then(|s| self.slab.get(s)) {
            return Ok(self.snapshot(o));
        }
        let a = self.accounts.get(acct.0 as usize).ok_or_else(Reject::bad_account)?;
        let hit = |o: &&Order| {
            o.sym as usize == sym
                && match order {
                    OrderRef::Id(id) => o.id == id,
                    OrderRef::Client(c) => o.client.as_str() == c,
                }
        };
        a.finished.iter().rev().find(hit).map(|o| self.snapshot(o)).ok_or_else(Reject::no_such_order)
    }

    /// Open orders of the account (all symbols or one), by order id.
    pub fn open_orders(&self, acct: AccountId, symbol: Option<&str>) -> Result<Vec<OrderSnapshot>, Reject> {
        self.account_ok(acct)?;
        let sym = symbol.map(|s| self.sym_of(s)).transpose()?;
        let mut open = self.open_of(acct, sym);
        open.sort_unstable();
        Ok(open.iter().filter_map(|&(_, s)| self.slab.get(s)).map(|o| self.snapshot(o)).collect())
    }

    /// The account's trades on a symbol, oldest first: from `from_id` on if
    /// given, else the newest `limit`; only one order's if `order_id` is given.
    pub fn trades(
        &self,
        acct: AccountId,
        symbol: &str,
        order_id: Option<i64>,
        from_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<TradeRecord>, Reject> {
        self.account_ok(acct)?;
        let sym = self.sym_of(symbol)?;
        let a = self.accounts.get(acct.0 as usize).ok_or_else(Reject::bad_account)?;
        let Some(d) = a.trades.get(sym) else { return Ok(Vec::new()) };
        let wanted = |t: &&super::account::TradeRow| order_id.is_none_or(|id| t.order_id == id);
        let rows: Vec<_> = match from_id {
            Some(from) => {
                let start = d.partition_point(|t| t.id < from);
                d.range(start..).filter(wanted).take(limit).collect()
            }
            None => {
                let mut v: Vec<_> = d.iter().rev().filter(wanted).take(limit).collect();
                v.reverse();
                v
            }
        };
        let (symbol, quote) = match self.instruments.get(sym) {
            Some(i) => (i.symbol.as_str(), i.quote.as_str()),
            None => ("", ""),
        };
        Ok(rows
            .into_iter()
            .map(|t| TradeRecord {
                symbol: symbol.to_string(),
                id: t.id,
                order_id: t.order_id,
                price: Price(t.price),
                qty: Qty(t.qty),
                quote_qty: Notional(t.quote),
                commission: Notional(t.commission),
                commission_asset: quote.to_string(),
                time_ms: t.time_ms,
                is_buyer: t.is_buyer,
                is_maker: t.is_maker,
            })
            .collect())
    }

    /// The slot of an open order of this account on this symbol.
    fn find_open(&self, acct: AccountId, sym: usize, order: OrderRef<'_>) -> Option<u32> {
        let id = match order {
            OrderRef::Id(id) => id,
            OrderRef::Client(c) => *self.accounts.get(acct.0 as usize)?.open.get(&ClientId::parse(c)?)?,
        };
        let slot = *self.by_id.get(&id)?;
        let o = self.slab.get(slot)?;
        (o.acct == acct.0 && o.sym as usize == sym).then_some(slot)
    }

    /// (order id, slot) of the account's open orders, unsorted.
    fn open_of(&self, acct: AccountId, sym: Option<usize>) -> Vec<(i64, u32)> {
        let Some(a) = self.accounts.get(acct.0 as usize) else { return Vec::new() };
        a.open
            .values()
            .filter_map(|id| {
                let slot = *self.by_id.get(id)?;
                let o = self.slab.get(slot)?;
                (o.acct == acct.0 && sym.is_none_or(|s| o.sym as usize == s)).then_some((o.id, slot))
            })
            .collect()
    }

    fn cancel_slot(
        &mut self,
        slot: u32,
        cancel_client_id: Option<&str>,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) -> Option<OrderSnapshot> {
        let mut o = *self.slab.get(slot)?;
        if let Some(b) = self.books.get_mut(o.sym as usize) {
            if o.working {
                b.unlink(&mut self.slab, slot);
            } else {
                b.stop_map(&o).remove(&(o.stop_price.0, o.id));
            }
        }
        self.slab.remove(slot);
        self.by_id.remove(&o.id);
        o.status = Status::Canceled;
        o.update_ms = now_ms;
        o.working = false;
        self.stats.orders_canceled += 1;
        self.finish(o);
        let snap = self.snapshot(&o);
        let mut order = snap.clone();
        if let Some(c) = cancel_client_id.filter(|c| !c.is_empty()) {
            order.client_order_id = c.to_string();
        }
        let report = ExecReport {
            exec_type: ExecType::Canceled,
            order,
            last_qty: Qty::ZERO,
            last_price: Price::ZERO,
            commission: Notional::ZERO,
            commission_asset: None,
            trade_id: -1,
            maker: false,
            time_ms: now_ms,
            orig_client_order_id: Some(snap.client_order_id.clone()),
        };
        out.push(Outbound::Execution { account: AccountId(o.acct), report });
        Some(snap)
    }
}
