//! Everything `place` checks before anything changes, in Binance's order:
//! parameters, symbol, filters, then the engine's own refusals (duplicate
//! client id, stop that would trigger, post-only that would take, balance).

use super::book::would_trigger;
use super::order::ClientId;
use super::types::{AccountId, PlaceRequest, Reject};
use super::{Exchange, Planned, fee};
use crate::domain::fixed::POW10;
use crate::domain::{Instrument, OrderKind, Price, Qty, Side, TimeInForce};

/// LOT_SIZE maxQty in whole units (Binance BTCUSDT: 9000; generous here).
const MAX_QTY_UNITS: i64 = 9_000_000;
/// PRICE_FILTER maxPrice in whole units; with [`MAX_QTY_UNITS`] it keeps
/// every notional far inside an `i128`.
pub(super) const MAX_PRICE_UNITS: i64 = 1_000_000_000;

const INSUFFICIENT: &str = "Account has insufficient balance for requested action.";

/// What a checked request becomes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Checked {
    pub sym: usize,
    pub client: Option<ClientId>,
    pub tif: TimeInForce,
    pub price: Price,
    pub stop: Price,
    /// What the order locks in its lock asset, 18 decimals.
    pub lock: i128,
}

/// `units` whole units as a mantissa at `scale`, saturating.
pub(super) fn units(units: i64, scale: u8) -> i64 {
    POW10.get(usize::from(scale)).and_then(|p| units.checked_mul(*p)).unwrap_or(i64::MAX)
}

fn price_ok(inst: &Instrument, p: Price) -> bool {
    p.0 > 0 && p.0 <= units(MAX_PRICE_UNITS, inst.price_scale) && (inst.tick_size.0 <= 0 || p.0 % inst.tick_size.0 == 0)
}

fn qty_ok(inst: &Instrument, q: Qty) -> bool {
    q.0 > 0
        && q.0 >= inst.min_qty.0
        && q.0 <= units(MAX_QTY_UNITS, inst.qty_scale)
        && (inst.step_size.0 <= 0 || q.0 % inst.step_size.0 == 0)
}

impl Exchange {
    /// Everything `place` checks; nothing changes (for `/order/test`).
    pub fn validate(&self, acct: AccountId, req: &PlaceRequest<'_>) -> Result<(), Reject> {
        let mut plan = Vec::new();
        self.check(acct, req, &mut plan).map(|_| ())
    }

    /// Checks a request; for LIMIT and MARKET also plans its fills into `plan`.
    pub(super) fn check(
        &self,
        acct: AccountId,
        req: &PlaceRequest<'_>,
        plan: &mut Vec<Planned>,
    ) -> Result<Checked, Reject> {
        self.account_ok(acct)?;
        let sym = self.sym_of(req.symbol)?;
        let inst = self.instruments.get(sym).ok_or_else(Reject::bad_symbol)?;
        let book = self.books.get(sym).ok_or_else(Reject::bad_symbol)?;
        let is_stop = matches!(req.kind, OrderKind::StopLossLimit | OrderKind::TakeProfitLimit);
        let (tif, price) = match req.kind {
            OrderKind::Market => {
                if req.tif.is_some() {
                    return Err(Reject::not_required("timeInForce"));
                }
                if req.price.is_some() {
                    return Err(Reject::not_required("price"));
                }
                (TimeInForce::Gtc, Price::ZERO)
            }
            OrderKind::LimitMaker => {
                if req.tif.is_some() {
                    return Err(Reject::not_required("timeInForce"));
                }
                (TimeInForce::Gtc, req.price.ok_or_else(|| Reject::missing("price"))?)
            }
            OrderKind::Limit | OrderKind::StopLossLimit | OrderKind::TakeProfitLimit => {
                let tif = req.tif.ok_or_else(|| Reject::missing("timeInForce"))?;
                (tif, req.price.ok_or_else(|| Reject::missing("price"))?)
            }
        };
        let stop = match (is_stop, req.stop_price) {
            (true, Some(s)) => s,
            (true, None) => return Err(Reject::missing("stopPrice")),
            (false, Some(_)) => return Err(Reject::not_required("stopPrice")),
            (false, None) => Price::ZERO,
        };
        let client = match req.client_order_id {
            None | Some("") => None,
            Some(s) => Some(ClientId::parse(s).ok_or_else(|| {
                Reject::new(
                    -1100,
                    "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'.",
                )
            })?),
        };

        let is_market = req.kind == OrderKind::Market;
        if (!is_market && !price_ok(inst, price)) || (is_stop && !price_ok(inst, stop)) {
            return Err(Reject::filter("PRICE_FILTER"));
        }
        if !qty_ok(inst, req.qty) {
            return Err(Reject::filter("LOT_SIZE"));
        }
        let reference = if is_market {
            book.top.map(|t| Price(t.bid.0 / 2 + t.ask.0 / 2 + (t.bid.0 % 2 + t.ask.0 % 2) / 2)).or(book.last)
        } else {
            Some(price)
        };
        if let Some(r) = reference {
            if inst.min_notional.0 > 0 && self.notional(sym, r, req.qty).is_none_or(|n| n < inst.min_notional.0) {
                return Err(Reject::filter("NOTIONAL"));
            }
        }

        let account = self.accounts.get(acct.0 as usize).ok_or_else(Reject::bad_account)?;
        if let Some(c) = &client {
            if account.open.contains_key(c) {
                return Err(Reject::engine("Duplicate order sent."));
            }
        }
        if is_stop {
            if let Some(last) = book.last {
                if would_trigger(req.kind, req.side, stop, last) {
                    return Err(Reject::engine("Order would trigger immediately."));
                }
            }
        }
        if req.kind == OrderKind::LimitMaker && self.would_take(sym, req.side, price) {
            return Err(Reject::engine("Order would immediately match and take."));
        }
        plan.clear();
        if matches!(req.kind, OrderKind::Limit | OrderKind::Market) {
            let limit = (!is_market).then_some(price);
            self.plan_into(sym, req.side, limit, req.qty.0, true, plan);
        }

        let lock = match (req.side, is_market) {
            (Side::Sell, _) => self.base18(sym, req.qty),
            (Side::Buy, false) => {
                let n = self.notional(sym, price, req.qty).ok_or_else(|| Reject::engine(INSUFFICIENT))?;
                n.saturating_add(fee(n, self.maker_bps.max(self.taker_bps)))
            }
            (Side::Buy, true) => {
                let mut total: i128 = 0;
                for p in plan.iter() {
                    let n = self.notional(sym, p.price, p.qty).ok_or_else(|| Reject::engine(INSUFFICIENT))?;
                    total = total.saturating_add(n).saturating_add(fee(n, self.taker_bps));
                }
                total
            }
        };
        let (base, quote) = self.sym_assets.get(sym).copied().ok_or_else(Reject::bad_symbol)?;
        let asset = if req.side == Side::Buy { quote } else { base };
        let free = account.bal.get(asset as usize).map_or(0, |b| b.free);
        if lock > free {
            return Err(Reject::engine(INSUFFICIENT));
        }
        Ok(Checked { sym, client, tif, price, stop, lock })
    }

    /// Whether a post-only order at `price` would cross the resting book or the generated top.
    fn would_take(&self, sym: usize, side: Side, price: Price) -> bool {
        let Some(book) = self.books.get(sym) else { return false };
        let (best_bid, best_ask) = book.best();
        match side {
            Side::Buy => {
                best_ask.is_some_and(|a| a <= price.0) || book.top.is_some_and(|t| t.ask.0 > 0 && t.ask <= price)
            }
            Side::Sell => {
                best_bid.is_some_and(|b| b >= price.0) || book.top.is_some_and(|t| t.bid.0 > 0 && t.bid >= price)
            }
        }
    }
}
