//! Placing an order: plan its fills against the resting book and the
//! generated top in price order, apply them (both sides of an account
//! trade get a fill and a report), then rest, expire or finish it.

use super::account::TradeRow;
use super::book::Level;
use super::emit::TradeInfo;
use super::order::{ClientId, NIL, Order};
use super::types::{AccountId, ExecType, FillRow, OrderSnapshot, Outbound, PlaceRequest, Reject, Status};
use super::{Exchange, Planned, fee};
use crate::domain::{Notional, OrderKind, Price, Qty, Side, TimeInForce};

/// Whether price `a` is better than `b` for an incoming order on `side`.
#[inline]
fn better(side: Side, a: i64, b: i64) -> bool {
    match side {
        Side::Buy => a < b,
        Side::Sell => a > b,
    }
}

impl Exchange {
    /// Checks, accepts and matches a new order. Events go to `out`; the
    /// snapshot's `fills` are this order's fills during the call.
    pub fn place(
        &mut self,
        acct: AccountId,
        req: &PlaceRequest<'_>,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderSnapshot, Reject> {
        self.stats.ops += 1;
        let mut plan = std::mem::take(&mut self.plan);
        let res = self.place_planned(acct, req, now_ms, out, &mut plan);
        self.plan = plan;
        self.flush_balances(now_ms, out);
        res
    }

    fn place_planned(
        &mut self,
        acct: AccountId,
        req: &PlaceRequest<'_>,
        now_ms: i64,
        out: &mut Vec<Outbound>,
        plan: &mut Vec<Planned>,
    ) -> Result<OrderSnapshot, Reject> {
        let c = match self.check(acct, req, plan) {
            Ok(c) => c,
            Err(e) => {
                self.stats.orders_rejected += 1;
                return Err(e);
            }
        };
        self.stats.orders_placed += 1;
        let id = self.next_order_id;
        self.next_order_id = id.saturating_add(1);
        let is_stop = matches!(req.kind, OrderKind::StopLossLimit | OrderKind::TakeProfitLimit);
        let o = Order {
            id,
            acct: acct.0,
            sym: c.sym as u32,
            side: req.side,
            kind: req.kind,
            tif: c.tif,
            price: c.price,
            stop_price: c.stop,
            orig_qty: req.qty,
            executed: Qty::ZERO,
            cum_quote: 0,
            status: Status::New,
            time_ms: now_ms,
            update_ms: now_ms,
            working: !is_stop && req.kind != OrderKind::Market,
            client: c.client.unwrap_or_else(|| ClientId::generated(id)),
            locked: c.lock,
            prev: NIL,
            next: NIL,
        };
        let asset = self.lock_asset(&o);
        self.adjust(acct.0, asset, -c.lock, c.lock);
        if let Some(a) = self.accounts.get_mut(acct.0 as usize) {
            a.open.insert(o.client, id);
        }
        self.emit_exec(&o, ExecType::New, None, now_ms, out);
        if is_stop {
            let snap = self.snapshot(&o);
            self.hold(o);
            return Ok(snap);
        }
        let mut fills = Vec::new();
        let o = self.execute(o, plan, now_ms, out, Some(&mut fills));
        let mut snap = self.snapshot(&o);
        snap.fills = fills;
        Ok(snap)
    }

    /// Lists the fills an incoming order on `side` up to `limit` (none: any
    /// price) would get, best price first, the resting book before the
    /// generated top at equal prices. Returns the planned quantity.
    pub(super) fn plan_into(
        &self,
        sym: usize,
        side: Side,
        limit: Option<Price>,
        qty: i64,
        generated: bool,
        plan: &mut Vec<Planned>,
    ) -> i64 {
        plan.clear();
        let Some(book) = self.books.get(sym) else { return 0 };
        let mut generated_top =
            match (generated, book.top) {
                (true, Some(t)) => match side {
                    Side::Buy => (t.ask_qty.0 > 0 && t.ask.0 > 0 && limit.is_none_or(|l| t.ask <= l))
                        .then_some((t.ask, t.ask_qty.0)),
                    Side::Sell => (t.bid_qty.0 > 0 && t.bid.0 > 0 && limit.is_none_or(|l| t.bid >= l))
                        .then_some((t.bid, t.bid_qty.0)),
                },
                _ => None,
            };
        let mut rem = qty.max(0);
        match (side, limit) {
            (Side::Buy, Some(l)) => self.walk(book.asks.range(..=l.0), side, &mut generated_top, &mut rem, plan),
            (Side::Buy, None) => self.walk(book.asks.iter(), side, &mut generated_top, &mut rem, plan),
            (Side::Sell, Some(l)) => self.walk(book.bids.range(l.0..).rev(), side, &mut generated_top, &mut rem, plan),
            (Side::Sell, None) => self.walk(book.bids.iter().rev(), side, &mut generated_top, &mut rem, plan),
        }
        if let Some((gp, gq)) = generated_top {
            let take = rem.min(gq);
            if take > 0 {
                plan.push(Planned { slot: NIL, price: gp, qty: Qty(take) });
                rem -= take;
            }
        }
        qty.max(0) - rem
    }

    fn walk<'a>(
        &self,
        levels: impl Iterator<Item = (&'a i64, &'a Level)>,
        side: Side,
        generated_top: &mut Option<(Price, i64)>,
        rem: &mut i64,
        plan: &mut Vec<Planned>,
    ) {
        for (&px, level) in levels {
            if *rem == 0 {
                return;
            }
            if let Some((gp, gq)) = *generated_top {
                if better(side, gp.0, px) {
                    let take = (*rem).min(gq);
                    plan.push(Planned { slot: NIL, price: gp, qty: Qty(take) });
                    *rem -= take;
                    *generated_top = None;
                    if *rem == 0 {
                        return;
                    }
                }
            }
            let mut s = level.head;
            while s != NIL && *rem > 0 {
                let Some(o) = self.slab.get(s) else { break };
                let take = (*rem).min(o.remaining());
                if take > 0 {
                    plan.push(Planned { slot: s, price: Price(px), qty: Qty(take) });
                    *rem -= take;
                }
                s = o.next;
            }
        }
    }

    /// Applies a plan to an incoming (not yet resting) order, then rests,
    /// expires or finishes it. Returns the order as it ends the call.
    pub(super) fn execute(
        &mut self,
        mut o: Order,
        plan: &[Planned],
        now_ms: i64,
        out: &mut Vec<Outbound>,
        mut fills: Option<&mut Vec<FillRow>>,
    ) -> Order {
        let total = plan.iter().fold(0i64, |a, p| a.saturating_add(p.qty.0));
        if !(o.tif == TimeInForce::Fok && total < o.remaining()) {
            for p in plan {
                self.match_one(&mut o, p, now_ms, out, fills.as_deref_mut());
            }
        }
        if o.remaining() == 0 {
            self.finish(o);
        } else if o.kind == OrderKind::Market || o.tif != TimeInForce::Gtc {
            o.status = Status::Expired;
            o.working = false;
            o.update_ms = now_ms;
            self.stats.orders_expired += 1;
            self.emit_exec(&o, ExecType::Expired, None, now_ms, out);
            self.finish(o);
        } else {
            o.working = true;
            let slot = self.slab.insert(o);
            self.by_id.insert(o.id, slot);
            if let Some(b) = self.books.get_mut(o.sym as usize) {
                b.link(&mut self.slab, slot);
            }
        }
        o
    }

    /// One planned fill: the incoming order takes, the resting order (if
    /// any) makes, or the generated top loses what was taken.
    fn match_one(
        &mut self,
        o: &mut Order,
        p: &Planned,
        now_ms: i64,
        out: &mut Vec<Outbound>,
        fills: Option<&mut Vec<FillRow>>,
    ) {
        let sym = o.sym as usize;
        let mut qty = p.qty.0.min(o.remaining());
        if p.slot != NIL {
            qty = qty.min(self.slab.get(p.slot).map_or(0, |r| r.remaining()));
        }
        if qty <= 0 {
            return;
        }
        let Some(tid) = self.next_trade_id(sym) else { return };
        if p.slot == NIL {
            if let Some(t) = self.books.get_mut(sym).and_then(|b| b.top.as_mut()) {
                match o.side {
                    Side::Buy => t.ask_qty.0 -= qty.min(t.ask_qty.0),
                    Side::Sell => t.bid_qty.0 -= qty.min(t.bid_qty.0),
                }
            }
        }
        self.fill(o, p.price, Qty(qty), false, tid, now_ms, out, fills);
        if p.slot != NIL {
            self.maker_fill(p.slot, p.price, Qty(qty), tid, now_ms, out);
        }
    }

    pub(super) fn next_trade_id(&mut self, sym: usize) -> Option<i64> {
        let b = self.books.get_mut(sym)?;
        let tid = b.next_trade_id;
        b.next_trade_id = tid.saturating_add(1);
        self.stats.trades += 1;
        Some(tid)
    }

    /// A resting order fills as maker; filled, it leaves the book.
    pub(super) fn maker_fill(
        &mut self,
        slot: u32,
        price: Price,
        qty: Qty,
        tid: i64,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) {
        let Some(mut r) = self.slab.get(slot).copied() else { return };
        self.fill(&mut r, price, qty, true, tid, now_ms, out, None);
        if r.remaining() == 0 {
            if let Some(b) = self.books.get_mut(r.sym as usize) {
                b.unlink(&mut self.slab, slot);
            }
            self.slab.remove(slot);
            self.by_id.remove(&r.id);
            self.finish(r);
        } else if let Some(s) = self.slab.get_mut(slot) {
            *s = r;
        }
    }

    /// Applies one fill to one order: balances, fee, history, report.
    #[allow(clippy::too_many_arguments)] // one call site per role; a struct would only rename them
    fn fill(
        &mut self,
        o: &mut Order,
        price: Price,
        qty: Qty,
        maker: bool,
        trade_id: i64,
        now_ms: i64,
        out: &mut Vec<Outbound>,
        fills: Option<&mut Vec<FillRow>>,
    ) {
        let sym = o.sym as usize;
        // Prices and quantities are bounded by the filters, so this cannot overflow.
        let n = self.notional(sym, price, qty).unwrap_or(0);
        let f = fee(n, if maker { self.maker_bps } else { self.taker_bps });
        let (base, quote) = self.sym_assets.get(sym).copied().unwrap_or((0, 0));
        let b = self.base18(sym, qty);
        match o.side {
            Side::Buy => {
                let cost = n.saturating_add(f);
                let from_lock = cost.min(o.locked).max(0);
                o.locked -= from_lock;
                self.adjust(o.acct, quote, from_lock - cost, -from_lock);
                self.adjust(o.acct, base, b, 0);
            }
            Side::Sell => {
                let from_lock = b.min(o.locked).max(0);
                o.locked -= from_lock;
                self.adjust(o.acct, base, from_lock - b, -from_lock);
                self.adjust(o.acct, quote, n - f, 0);
            }
        }
        o.executed = Qty(o.executed.0.saturating_add(qty.0));
        o.cum_quote = o.cum_quote.saturating_add(n);
        o.update_ms = now_ms;
        o.status = if o.remaining() == 0 { Status::Filled } else { Status::PartiallyFilled };
        if o.status == Status::Filled {
            o.working = false;
        }
        let row = TradeRow {
            id: trade_id,
            order_id: o.id,
            price: price.0,
            qty: qty.0,
            quote: n,
            commission: f,
            time_ms: now_ms,
            is_buyer: o.side == Side::Buy,
            is_maker: maker,
        };
        if let Some(a) = self.accounts.get_mut(o.acct as usize) {
            a.push_trade(sym, row);
        }
        self.stats.fills += 1;
        let info = TradeInfo { price, qty, commission: f, trade_id, maker };
        self.emit_exec(o, ExecType::Trade, Some(info), now_ms, out);
        if let Some(fills) = fills {
            let commission_asset = self.quote_name(o.sym);
            fills.push(FillRow { price, qty, commission: Notional(f), commission_asset, trade_id, maker });
        }
    }

    /// Keeps an untriggered stop until a print reaches its stop price.
    pub(super) fn hold(&mut self, o: Order) {
        let slot = self.slab.insert(o);
        self.by_id.insert(o.id, slot);
        if let Some(b) = self.books.get_mut(o.sym as usize) {
            b.stop_map(&o).insert((o.stop_price.0, o.id), slot);
        }
    }

    /// An order has ended (not in the slab any more): unlock what it still
    /// holds, free its client id, keep it for queries.
    pub(super) fn finish(&mut self, mut o: Order) {
        o.working = false;
        if o.locked != 0 {
            let asset = self.lock_asset(&o);
            self.adjust(o.acct, asset, o.locked, -o.locked);
            o.locked = 0;
        }
        let keep = self.keep_finished;
        if let Some(a) = self.accounts.get_mut(o.acct as usize) {
            if a.open.get(&o.client) == Some(&o.id) {
                a.open.remove(&o.client);
            }
            a.push_finished(o, keep);
        }
    }
}
