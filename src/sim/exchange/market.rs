//! The generated market meets the resting orders: a new top of book or a
//! trade print fills crossing resting orders as makers at their own price,
//! and a print may trigger held stops.

use super::Exchange;
use super::book::Top;
use super::checks::{MAX_PRICE_UNITS, units};
use super::order::Order;
use super::types::{ExecType, Outbound};
use crate::domain::{Price, Qty, Side};

impl Exchange {
    /// The generated market's new top of book. Resting buys at or above the
    /// ask fill at their price up to `ask_qty` (best first), resting sells at
    /// or below the bid up to `bid_qty`; what is left is the liquidity new
    /// orders can take until the next update. A side with a non-positive
    /// or out-of-range price or size counts as empty.
    #[allow(clippy::too_many_arguments)] // the bookTicker fields, as the API fixes them
    pub fn on_book(
        &mut self,
        symbol: usize,
        bid: Price,
        bid_qty: Qty,
        ask: Price,
        ask_qty: Qty,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) {
        self.stats.ops += 1;
        let Some(inst) = self.instruments.get(symbol) else { return };
        let max_price = units(MAX_PRICE_UNITS, inst.price_scale);
        let sane = |p: Price, q: Qty| if p.0 > 0 && p.0 <= max_price && q.0 > 0 { q } else { Qty::ZERO };
        let mut top = Top { bid, bid_qty: sane(bid, bid_qty), ask, ask_qty: sane(ask, ask_qty) };
        if let Some(b) = self.books.get_mut(symbol) {
            b.top = None;
        }
        if top.ask_qty.0 > 0 {
            top.ask_qty.0 -= self.fill_resting(symbol, Side::Sell, ask, top.ask_qty, now_ms, out);
        }
        if top.bid_qty.0 > 0 {
            top.bid_qty.0 -= self.fill_resting(symbol, Side::Buy, bid, top.bid_qty, now_ms, out);
        }
        if let Some(b) = self.books.get_mut(symbol) {
            b.top = Some(top);
        }
        self.flush_balances(now_ms, out);
    }

    /// A generated trade print. The aggressor takes resting orders of the
    /// other side priced at or better than `price` (sells ≤ price for a
    /// buying aggressor, `!buyer_is_maker`), at their own prices, up to `qty`;
    /// then the print becomes the last price and triggers held stops.
    pub fn on_market_trade(
        &mut self,
        symbol: usize,
        price: Price,
        qty: Qty,
        buyer_is_maker: bool,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) {
        self.stats.ops += 1;
        let Some(inst) = self.instruments.get(symbol) else { return };
        if price.0 <= 0 || price.0 > units(MAX_PRICE_UNITS, inst.price_scale) {
            return;
        }
        if qty.0 > 0 {
            let aggressor = if buyer_is_maker { Side::Sell } else { Side::Buy };
            self.fill_resting(symbol, aggressor, price, qty, now_ms, out);
        }
        if let Some(b) = self.books.get_mut(symbol) {
            b.last = Some(price);
        }
        self.trigger_stops(symbol, price, now_ms, out);
        self.flush_balances(now_ms, out);
    }

    /// Fills resting orders against generated flow from `aggressor` with
    /// limit `price`, up to `qty`; returns the quantity filled.
    fn fill_resting(
        &mut self,
        sym: usize,
        aggressor: Side,
        price: Price,
        qty: Qty,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) -> i64 {
        let mut plan = std::mem::take(&mut self.plan);
        let mut done = 0;
        if self.plan_into(sym, aggressor, Some(price), qty.0, false, &mut plan) > 0 {
            for p in &plan {
                let Some(tid) = self.next_trade_id(sym) else { break };
                self.maker_fill(p.slot, p.price, p.qty, tid, now_ms, out);
                done += p.qty.0;
            }
        }
        plan.clear();
        self.plan = plan;
        done
    }

    /// Held stops whose trigger the print reached become limit orders, in
    /// order id order: a NEW report (now working), then matching as a LIMIT.
    fn trigger_stops(&mut self, sym: usize, last: Price, now_ms: i64, out: &mut Vec<Outbound>) {
        let Some(b) = self.books.get_mut(sym) else { return };
        let up = b.stops_up.range(..=(last.0, i64::MAX)).next().is_some();
        let down = b.stops_down.range((last.0, i64::MIN)..).next().is_some();
        if !up && !down {
            return;
        }
        let mut hit: Vec<(i64, u32)> = Vec::new();
        if up {
            let rest = b.stops_up.split_off(&(last.0, i64::MAX));
            hit.extend(std::mem::replace(&mut b.stops_up, rest).into_iter().map(|((_, id), s)| (id, s)));
        }
        if down {
            hit.extend(b.stops_down.split_off(&(last.0, i64::MIN)).into_iter().map(|((_, id), s)| (id, s)));
        }
        hit.sort_unstable();
        let mut plan = std::mem::take(&mut self.plan);
        for (id, slot) in hit {
            let Some(mut o) = self.slab.remove(slot) else { continue };
            self.by_id.remove(&id);
            o.working = true;
            o.update_ms = now_ms;
            self.emit_exec(&o, ExecType::New, None, now_ms, out);
            self.plan_into(sym, o.side, Some(o.price), o.remaining(), true, &mut plan);
            let _: Order = self.execute(o, &plan, now_ms, out, None);
        }
        plan.clear();
        self.plan = plan;
    }
}
