//! Pre-trade risk: every order intent, from a strategy or the keyboard,
//! passes the same ordered checks before it becomes an order.
//!
//! The checks run cheapest and broadest first, so the reason a trader sees is
//! the most fundamental one, and the rate limit last, so a refused order never
//! uses up a slot in the window:
//!
//! kill switch → invalid order → stale market data → no market price →
//! exchange filters (tick, step, min qty, min notional) → price band →
//! max order qty → max order notional → max position → max gross exposure →
//! max open orders → orders per second ([`RiskReason::ALL`] in that order).
//!
//! Accepting allocates nothing and reads no clock: event time comes in the
//! [`RiskContext`]. Position and exposure limits only refuse an order that
//! makes |position| larger, so reducing risk is always possible.

mod kill_switch;
mod limits;
mod rate;
mod reason;

pub use kill_switch::{KillReason, KillSwitchTrip};
pub use limits::{MAX_ORDERS_PER_SEC_CAP, RiskConfig, SymbolLimits};
pub use rate::WINDOW_MS as RATE_WINDOW_MS;
pub use reason::{Rejection, RiskReason};

use crate::domain::{Instrument, InstrumentId, Instruments, Notional, OrderIntent, OrderKind, Price, Qty};
use kill_switch::KillSwitch;
use limits::{Limits, QtyLimits, SymbolLimitsExact};
use rate::RateWindow;
use std::collections::BTreeMap;

/// What risk needs to know about the world at the moment of the check.
#[derive(Debug, Clone, Copy)]
pub struct RiskContext<'a> {
    pub instrument: &'a Instrument,
    /// Last trade price of the instrument.
    pub last_price: Option<Price>,
    /// Mid of the latest book top; preferred over `last_price` as the reference.
    pub mid: Option<Price>,
    /// Signed current position.
    pub position_qty: Qty,
    /// Open orders across all instruments.
    pub open_orders: usize,
    /// Σ |position| × last over all instruments.
    pub gross_exposure: Notional,
    /// Event time of the latest market data for this instrument.
    pub last_market_data_ms: Option<i64>,
    /// Event time now.
    pub now_ms: i64,
}

/// Per-instrument state: limits at its scale (resolved on first sight) and the feed's stale flag.
#[derive(Debug, Clone, Copy, Default)]
struct InstrumentRisk {
    resolved: bool,
    qty: QtyLimits,
    stale: bool,
}

/// The pre-trade checks with their counters, rate window and kill switch.
#[derive(Debug, Clone)]
pub struct RiskEngine {
    limits: Limits,
    symbol_limits: BTreeMap<String, SymbolLimitsExact>,
    per_instrument: Vec<InstrumentRisk>,
    rate: RateWindow,
    kill: KillSwitch,
    cancel_on_kill: bool,
    rejected: [u64; RiskReason::COUNT],
    accepted: u64,
}

impl RiskEngine {
    /// Parses every limit once. Per-symbol quantities of instruments already
    /// in the table must fit their quantity scale exactly.
    pub fn new(cfg: &RiskConfig, instruments: &Instruments) -> Result<Self, String> {
        let limits = cfg.limits()?;
        let symbol_limits = cfg.symbol_limits()?;
        let mut engine = Self {
            limits,
            symbol_limits,
            per_instrument: Vec::with_capacity(instruments.len()),
            rate: RateWindow::new(cfg.max_orders_per_sec as usize),
            kill: KillSwitch::new(limits.daily_loss_limit, limits.max_drawdown),
            cancel_on_kill: cfg.cancel_on_kill,
            rejected: [0; RiskReason::COUNT],
            accepted: 0,
        };
        for (id, inst) in instruments.iter() {
            if let Some((symbol, l)) = cfg.symbols.iter().find(|(s, _)| s.eq_ignore_ascii_case(&inst.symbol)) {
                for (field, v) in [("max-order-qty", &l.max_order_qty), ("max-position-qty", &l.max_position_qty)] {
                    if let Some(v) = v
                        && inst.parse_qty(v.trim()).is_err()
                    {
                        return Err(format!(
                            "risk.symbols.{symbol}.{field}: {v:?} does not fit {} quantities ({} decimals)",
                            inst.symbol, inst.qty_scale
                        ));
                    }
                }
            }
            engine.resolve(id, inst);
        }
        Ok(engine)
    }

    /// Runs the checks in order. On accept, records the order in the rate window.
    pub fn check(&mut self, intent: &OrderIntent, ctx: &RiskContext<'_>) -> Result<(), Rejection> {
        let st = self.resolve(intent.instrument, ctx.instrument);
        match self.evaluate(intent, ctx, st) {
            Ok(()) => {
                self.rate.record(ctx.now_ms);
                self.accepted += 1;
                Ok(())
            }
            Err(r) => {
                self.rejected[r.reason.index()] += 1;
                Err(r)
            }
        }
    }

    /// Feeds equity after a mark or fill; trips the kill switch once on a
    /// daily loss or drawdown past the limits.
    pub fn on_pnl(&mut self, equity: Notional, now_ms: i64) -> Option<KillSwitchTrip> {
        self.kill.on_pnl(equity, now_ms)
    }

    /// Trips the kill switch by hand; `None` if it was already tripped.
    pub fn trip_kill_switch(&mut self, reason: KillReason, now_ms: i64) -> Option<KillSwitchTrip> {
        self.kill.trip_now(reason, now_ms)
    }

    /// Clears the kill switch; loss limits count again from the next equity.
    pub fn reset_kill_switch(&mut self) {
        self.kill.reset();
    }

    pub fn kill_switch(&self) -> Option<&KillSwitchTrip> {
        self.kill.trip()
    }

    /// Whether the engine should cancel open orders when the switch trips.
    pub fn cancel_on_kill(&self) -> bool {
        self.cancel_on_kill
    }

    /// Highest equity seen (drawdown reference).
    pub fn peak_equity(&self) -> Option<Notional> {
        self.kill.peak()
    }

    /// Equity at the start of the current UTC day (daily loss reference).
    pub fn day_start_equity(&self) -> Option<Notional> {
        self.kill.day_start()
    }

    /// The feed marks an instrument stale (e.g. its stream dropped) or fresh again.
    pub fn set_stale(&mut self, id: InstrumentId, stale: bool) {
        if let Some(slot) = self.slot(id) {
            slot.stale = stale;
        }
    }

    /// Orders accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted
    }

    /// Rejections per reason, in check order, only reasons that occurred.
    pub fn rejections(&self) -> impl Iterator<Item = (RiskReason, u64)> + '_ {
        RiskReason::ALL.into_iter().zip(self.rejected).filter(|&(_, n)| n > 0)
    }

    /// Orders accepted within the second ending at `now_ms`.
    pub fn orders_in_window(&self, now_ms: i64) -> usize {
        self.rate.in_window(now_ms)
    }

    fn slot(&mut self, id: InstrumentId) -> Option<&mut InstrumentRisk> {
        let i = id.index();
        if i >= self.per_instrument.len() {
            self.per_instrument.resize(i + 1, InstrumentRisk::default());
        }
        self.per_instrument.get_mut(i)
    }

    /// Converts the symbol's limits to its quantity scale the first time it is seen.
    #[inline]
    fn resolve(&mut self, id: InstrumentId, inst: &Instrument) -> InstrumentRisk {
        if let Some(st) = self.per_instrument.get(id.index())
            && st.resolved
        {
            return *st;
        }
        let qty = self.symbol_limits.get(inst.symbol.as_str()).map(|l| l.at_scale(inst)).unwrap_or_default();
        match self.slot(id) {
            Some(slot) => {
                slot.resolved = true;
                slot.qty = qty;
                *slot
            }
            None => InstrumentRisk { resolved: true, qty, stale: false },
        }
    }

    fn evaluate(&self, intent: &OrderIntent, ctx: &RiskContext<'_>, st: InstrumentRisk) -> Result<(), Rejection> {
        use RiskReason as R;
        let inst = ctx.instrument;
        let l = &self.limits;
        if let Some(t) = self.kill.trip() {
            return Err(reject(R::KillSwitch, format!("tripped: {t}")));
        }
        let qty = intent.qty;
        if qty.0 <= 0 {
            return Err(reject(R::InvalidOrder, format!("qty {} must be positive", inst.fmt_qty(qty))));
        }
        let limit = match (intent.kind, intent.limit_price) {
            (OrderKind::Market, _) => None,
            (_, Some(p)) if p.0 > 0 => Some(p),
            (kind, _) => {
                return Err(reject(R::InvalidOrder, format!("{} order needs a positive limit price", kind.as_str())));
            }
        };

        if st.stale {
            return Err(reject(R::StaleMarketData, format!("feed flagged {} stale", inst.symbol)));
        }
        if let Some(after) = l.stale_after_ms {
            match ctx.last_market_data_ms {
                None => {
                    return Err(reject(R::StaleMarketData, format!("no market data for {} yet", inst.symbol)));
                }
                Some(t) if ctx.now_ms.saturating_sub(t) > after => {
                    let age = ctx.now_ms.saturating_sub(t);
                    return Err(reject(R::StaleMarketData, format!("last market data {age} ms ago > {after} ms")));
                }
                Some(_) => {}
            }
        }

        let reference = ctx.mid.or(ctx.last_price).filter(|p| p.0 > 0);
        let price = match (limit, reference) {
            (Some(p), _) => p,
            (None, Some(r)) => r,
            (None, None) => {
                return Err(reject(R::NoMarketPrice, "market order needs a last price or mid".into()));
            }
        };
        if limit.is_some() && l.price_band_bps.is_some() && reference.is_none() {
            return Err(reject(R::NoMarketPrice, "price band needs a last price or mid".into()));
        }

        if let Some(p) = limit
            && inst.tick_size.0 > 0
            && p.0 % inst.tick_size.0 != 0
        {
            let detail =
                format!("price {} not a multiple of tick {}", inst.fmt_price(p), inst.fmt_price(inst.tick_size));
            return Err(reject(R::TickSize, detail));
        }
        if inst.step_size.0 > 0 && qty.0 % inst.step_size.0 != 0 {
            let detail = format!("qty {} not a multiple of step {}", inst.fmt_qty(qty), inst.fmt_qty(inst.step_size));
            return Err(reject(R::StepSize, detail));
        }
        if qty < inst.min_qty {
            let detail = format!("qty {} < min {}", inst.fmt_qty(qty), inst.fmt_qty(inst.min_qty));
            return Err(reject(R::MinQty, detail));
        }
        let notional = inst.notional(price, qty);
        if notional < inst.min_notional {
            return Err(reject(R::MinNotional, format!("notional {notional} < min {}", inst.min_notional)));
        }

        if let (Some(bps), Some(p), Some(r)) = (l.price_band_bps, limit, reference) {
            let off = (i128::from(p.0) - i128::from(r.0)).abs() * 10_000;
            if off > i128::from(r.0) * i128::from(bps) {
                let detail =
                    format!("price {} more than {bps} bps from reference {}", inst.fmt_price(p), inst.fmt_price(r));
                return Err(reject(R::PriceBand, detail));
            }
        }

        if let Some(max) = st.qty.max_order_qty
            && qty > max
        {
            return Err(reject(R::MaxOrderQty, format!("qty {} > max {}", inst.fmt_qty(qty), inst.fmt_qty(max))));
        }
        if let Some(max) = l.max_order_notional
            && notional > max
        {
            return Err(reject(R::MaxOrderNotional, format!("notional {notional} > max {max}")));
        }

        let before = ctx.position_qty.0.saturating_abs();
        let after = ctx.position_qty.0.saturating_add(intent.side.sign() * qty.0).saturating_abs();
        if after > before {
            if let Some(max) = st.qty.max_position_qty
                && after > max.0
            {
                let detail = format!("position {} > max {}", inst.fmt_qty(Qty(after)), inst.fmt_qty(max));
                return Err(reject(R::MaxPosition, detail));
            }
            if let Some(max) = l.max_position_notional {
                let pos = inst.notional(price, Qty(after));
                if pos > max {
                    return Err(reject(R::MaxPosition, format!("position notional {pos} > max {max}")));
                }
            }
            if let Some(max) = l.max_gross_exposure {
                let gross = ctx.gross_exposure + inst.notional(price, Qty(after - before));
                if gross > max {
                    return Err(reject(R::MaxGrossExposure, format!("gross exposure {gross} > max {max}")));
                }
            }
        }

        if let Some(max) = l.max_open_orders
            && ctx.open_orders >= max
        {
            return Err(reject(R::MaxOpenOrders, format!("{} open orders, max {max}", ctx.open_orders)));
        }
        if !self.rate.allows(ctx.now_ms) {
            let detail = format!("{} orders in the last second", self.rate.in_window(ctx.now_ms));
            return Err(reject(R::OrderRate, detail));
        }
        Ok(())
    }
}

#[cold]
fn reject(reason: RiskReason, detail: String) -> Rejection {
    Rejection { reason, detail }
}
