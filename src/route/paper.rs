//! The paper venue: fills on the event clock against the recorded or live
//! market, conservatively.
//!
//! - An order reaches the venue `latency-ms` after submit (event time); it is
//!   `Accepted` then, at that time, against the book as it was before the
//!   event that revealed the time had passed.
//! - Market orders take their whole quantity at the opposite best plus
//!   `slippage-ticks` ticks (depth beyond the touch is modelled by slippage
//!   only); with no book yet they are rejected (`no_book`). Their time in
//!   force is ignored.
//! - A limit order marketable on arrival takes the displayed touch quantity
//!   at the touch (plus slippage, capped at its limit) as taker. Then IOC
//!   expires the rest, FOK fills whole only if the touch holds its whole
//!   quantity (else expires untouched), GTC rests the rest. Taken touch
//!   quantity is used up until the next book top.
//! - A resting order fills only on trades: through its price, or at its
//!   price once the displayed queue ahead of it has traded (the touch
//!   quantity if it joined at the touch, 0 inside the spread, unknown behind
//!   the touch: then only through-prints). It fills at its own price, maker
//!   fee, by printed volume, and the same print never fills two orders. A
//!   book top that crosses it does not fill it.
//! - `LIMIT_MAKER` that would cross on arrival is rejected (`would_take`);
//!   stop kinds are not simulated (`unsupported_kind`).
//! - Cancels take effect at once. `expire_after_ms` counts from acceptance.

mod resting;

pub use resting::RestingOrder;

use resting::RestingSide;

use super::fee::FeeRate;
use super::report::Report;
use crate::domain::{
    BookTicker, Fill, Instrument, InstrumentId, Instruments, Liquidity, Order, OrderId, OrderIntent, OrderKind, Price,
    Qty, Side, TimeInForce, Trade,
};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// `[paper]`: the paper venue's fill model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct PaperConfig {
    /// Time from submit until the order is working at the venue (event clock, ms).
    pub latency_ms: u64,
    /// Ticks added against the taker to the opposite best price.
    pub slippage_ticks: u32,
    /// Fee on maker fills in basis points of notional (negative for a rebate).
    pub maker_fee_bps: String,
    /// Fee on taker fills in basis points of notional.
    pub taker_fee_bps: String,
}

impl Default for PaperConfig {
    /// Binance spot's standard rate (0.1% = 10 bps) and a typical round trip.
    fn default() -> Self {
        Self { latency_ms: 50, slippage_ticks: 0, maker_fee_bps: "10".into(), taker_fee_bps: "10".into() }
    }
}

/// Session counters of the paper venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaperStats {
    pub submitted: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub fills: u64,
    pub canceled: u64,
    pub expired: u64,
    /// Submits of an id already working, ignored.
    pub duplicates: u64,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    id: OrderId,
    intent: OrderIntent,
    activate_at: i64,
}

#[derive(Debug, Clone, Copy)]
struct Touch {
    bid: Price,
    bid_qty: Qty,
    ask: Price,
    ask_qty: Qty,
}

#[derive(Debug, Clone)]
struct Market {
    touch: Option<Touch>,
    bids: RestingSide,
    asks: RestingSide,
}

impl Market {
    fn new() -> Self {
        Self { touch: None, bids: RestingSide::new(Side::Buy), asks: RestingSide::new(Side::Sell) }
    }

    fn side_mut(&mut self, side: Side) -> &mut RestingSide {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    Pending,
    Resting(InstrumentId, Side),
}

/// A simulated venue driven by market events and the event clock.
#[derive(Debug, Clone)]
pub struct PaperRouter {
    latency_ms: i64,
    slippage_ticks: i64,
    maker: FeeRate,
    taker: FeeRate,
    /// In submit order; with a constant latency that is activation order too.
    pending: VecDeque<Pending>,
    markets: Vec<Market>,
    index: HashMap<OrderId, Loc>,
    /// (expire at, arrival seq, id), lazily skipped once the order is gone.
    expiries: BinaryHeap<Reverse<(i64, u64, OrderId)>>,
    seq: u64,
    stats: PaperStats,
}

impl PaperRouter {
    pub fn new(cfg: &PaperConfig) -> Result<Self, String> {
        let latency_ms = i64::try_from(cfg.latency_ms)
            .map_err(|_| format!("paper.latency-ms: {} is out of range", cfg.latency_ms))?;
        Ok(Self {
            latency_ms,
            slippage_ticks: i64::from(cfg.slippage_ticks),
            maker: FeeRate::parse_bps("paper.maker-fee-bps", &cfg.maker_fee_bps)?,
            taker: FeeRate::parse_bps("paper.taker-fee-bps", &cfg.taker_fee_bps)?,
            pending: VecDeque::new(),
            markets: Vec::new(),
            index: HashMap::new(),
            expiries: BinaryHeap::new(),
            seq: 0,
            stats: PaperStats::default(),
        })
    }

    /// Sends a new order. Invalid orders are rejected at once; the rest
    /// become active after the latency (at once when it is 0).
    pub fn submit(&mut self, order: &Order, inst: &Instrument, now_ms: i64, out: &mut Vec<Report>) {
        let id = order.id;
        if self.index.contains_key(&id) {
            self.stats.duplicates += 1;
            return;
        }
        self.stats.submitted += 1;
        let it = order.intent;
        let refusal = if it.qty.0 <= 0 {
            Some("bad_qty")
        } else {
            match it.kind {
                OrderKind::Market => None,
                OrderKind::Limit | OrderKind::LimitMaker => match it.limit_price {
                    Some(p) if p.0 > 0 => None,
                    _ => Some("bad_price"),
                },
                OrderKind::StopLossLimit | OrderKind::TakeProfitLimit => Some("unsupported_kind"),
            }
        };
        if let Some(reason) = refusal {
            self.stats.rejected += 1;
            out.push(Report::Rejected { id, time_ms: now_ms, reason });
            return;
        }
        let p = Pending { id, intent: it, activate_at: now_ms.saturating_add(self.latency_ms) };
        self.index.insert(id, Loc::Pending);
        if self.latency_ms == 0 {
            self.activate(p, inst, now_ms, out);
        } else {
            self.pending.push_back(p);
        }
    }

    /// Cancels a working or in-flight order. Returns false if it is not open here.
    pub fn cancel(&mut self, id: OrderId, now_ms: i64, out: &mut Vec<Report>) -> bool {
        let removed = match self.index.remove(&id) {
            None => false,
            Some(Loc::Pending) => match self.pending.iter().position(|p| p.id == id) {
                Some(i) => self.pending.remove(i).is_some(),
                None => false,
            },
            Some(Loc::Resting(inst, side)) => {
                self.markets.get_mut(inst.index()).and_then(|m| m.side_mut(side).remove(id)).is_some()
            }
        };
        if removed {
            self.stats.canceled += 1;
            out.push(Report::Canceled { id, time_ms: now_ms });
        }
        removed
    }

    /// Cancels everything open, in id order.
    pub fn cancel_all(&mut self, now_ms: i64, out: &mut Vec<Report>) {
        let mut ids: Vec<OrderId> = self.pending.drain(..).map(|p| p.id).collect();
        for m in &mut self.markets {
            ids.extend(m.bids.drain().map(|o| o.id));
            ids.extend(m.asks.drain().map(|o| o.id));
        }
        ids.sort_unstable();
        self.index.clear();
        self.expiries.clear();
        self.stats.canceled += ids.len() as u64;
        out.extend(ids.into_iter().map(|id| Report::Canceled { id, time_ms: now_ms }));
    }

    /// A new book top. Due orders arrive first (against the previous top),
    /// then queue estimates of resting orders at or better than it shrink.
    pub fn on_book(&mut self, b: &BookTicker, instruments: &Instruments, now_ms: i64, out: &mut Vec<Report>) {
        self.on_time(now_ms, instruments, out);
        let m = self.market(b.instrument);
        m.touch = Some(Touch { bid: b.bid, bid_qty: b.bid_qty, ask: b.ask, ask_qty: b.ask_qty });
        m.bids.on_touch(b.bid, b.bid_qty);
        m.asks.on_touch(b.ask, b.ask_qty);
    }

    /// A public trade: fills resting orders it reaches. The aggressor's
    /// opposite side is matched first (a sell print hits bids first).
    pub fn on_trade(&mut self, t: &Trade, instruments: &Instruments, now_ms: i64, out: &mut Vec<Report>) {
        self.on_time(now_ms, instruments, out);
        let Some(inst) = instruments.try_get(t.instrument) else {
            return;
        };
        let Self { markets, index, maker, stats, .. } = self;
        let Some(m) = markets.get_mut(t.instrument.index()) else {
            return;
        };
        if m.bids.is_empty() && m.asks.is_empty() {
            return;
        }
        let mut vol = t.qty.0;
        let sides = if t.buyer_is_maker { [&mut m.bids, &mut m.asks] } else { [&mut m.asks, &mut m.bids] };
        for side in sides {
            side.match_trade(t.price, &mut vol, |o, qty| {
                if o.remaining.0 == 0 {
                    index.remove(&o.id);
                }
                stats.fills += 1;
                out.push(Report::Fill(Fill {
                    order_id: o.id,
                    instrument: t.instrument,
                    side: o.side,
                    price: o.price,
                    qty,
                    fee: maker.of(inst.notional(o.price, qty)),
                    liquidity: Liquidity::Maker,
                    time_ms: now_ms,
                    strategy: o.strategy,
                }));
            });
        }
    }

    /// Advances the event clock: activates orders whose latency has passed
    /// and expires orders past `expire_after_ms`, in time order.
    pub fn on_time(&mut self, now_ms: i64, instruments: &Instruments, out: &mut Vec<Report>) {
        loop {
            let act = self.pending.front().map(|p| p.activate_at).filter(|&t| t <= now_ms);
            let exp = self.expiries.peek().map(|Reverse((t, _, _))| *t).filter(|&t| t <= now_ms);
            match (act, exp) {
                (None, None) => return,
                (Some(a), e) if e.is_none_or(|e| a <= e) => {
                    let Some(p) = self.pending.pop_front() else {
                        return;
                    };
                    match instruments.try_get(p.intent.instrument) {
                        Some(inst) => self.activate(p, inst, a, out),
                        None => self.refuse(p.id, a, "unknown_instrument", out),
                    }
                }
                _ => {
                    let Some(Reverse((at, _, id))) = self.expiries.pop() else {
                        return;
                    };
                    if let Some(&Loc::Resting(inst, side)) = self.index.get(&id)
                        && let Some(m) = self.markets.get_mut(inst.index())
                        && m.side_mut(side).remove(id).is_some()
                    {
                        self.index.remove(&id);
                        self.stats.expired += 1;
                        out.push(Report::Expired { id, time_ms: at });
                    }
                }
            }
        }
    }

    pub fn stats(&self) -> &PaperStats {
        &self.stats
    }

    /// Orders submitted but not yet at the venue.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Resting orders across instruments.
    pub fn resting_count(&self) -> usize {
        self.markets.iter().map(|m| m.bids.len() + m.asks.len()).sum()
    }

    /// Resting orders of one instrument: bids best first, then asks best first.
    pub fn resting_orders(&self, instrument: InstrumentId) -> impl Iterator<Item = &RestingOrder> + '_ {
        self.markets.get(instrument.index()).into_iter().flat_map(|m| m.bids.iter().chain(m.asks.iter()))
    }

    /// A resting order, with its queue estimate.
    pub fn resting(&self, id: OrderId) -> Option<&RestingOrder> {
        match self.index.get(&id)? {
            Loc::Pending => None,
            Loc::Resting(inst, side) => {
                let m = self.markets.get(inst.index())?;
                match side {
                    Side::Buy => m.bids.get(id),
                    Side::Sell => m.asks.get(id),
                }
            }
        }
    }

    fn market(&mut self, id: InstrumentId) -> &mut Market {
        let i = id.index();
        if i >= self.markets.len() {
            self.markets.resize_with(i + 1, Market::new);
        }
        &mut self.markets[i]
    }

    fn refuse(&mut self, id: OrderId, time_ms: i64, reason: &'static str, out: &mut Vec<Report>) {
        self.index.remove(&id);
        self.stats.rejected += 1;
        out.push(Report::Rejected { id, time_ms, reason });
    }

    /// The order reaches the venue at `at`.
    fn activate(&mut self, p: Pending, inst: &Instrument, at: i64, out: &mut Vec<Report>) {
        let it = p.intent;
        let id = p.id;
        let slip = self.slippage_ticks.saturating_mul(inst.tick_size.0);
        let touch = self.market(it.instrument).touch;
        let taker = self.taker;
        let fill = |price: Price, qty: Qty| {
            Report::Fill(Fill {
                order_id: id,
                instrument: it.instrument,
                side: it.side,
                price,
                qty,
                fee: taker.of(inst.notional(price, qty)),
                liquidity: Liquidity::Taker,
                time_ms: at,
                strategy: it.strategy,
            })
        };
        let limit = match (it.kind, it.limit_price) {
            (OrderKind::Market, _) => None,
            (_, Some(p)) => Some(p),
            (_, None) => return self.refuse(id, at, "bad_price", out),
        };
        let Some(limit) = limit else {
            // Market: the whole quantity at the opposite best plus slippage.
            let Some(t) = touch else {
                return self.refuse(id, at, "no_book", out);
            };
            let price = match it.side {
                Side::Buy => Price(t.ask.0.saturating_add(slip)),
                Side::Sell => Price(t.bid.0.saturating_sub(slip).max(1)),
            };
            self.stats.accepted += 1;
            self.stats.fills += 1;
            out.push(Report::Accepted { id, time_ms: at });
            out.push(fill(price, it.qty));
            self.take_touch(it.instrument, it.side, it.qty);
            self.index.remove(&id);
            return;
        };
        let crosses = touch.is_some_and(|t| match it.side {
            Side::Buy => limit >= t.ask,
            Side::Sell => limit <= t.bid,
        });
        if crosses && it.kind == OrderKind::LimitMaker {
            return self.refuse(id, at, "would_take", out);
        }
        self.stats.accepted += 1;
        out.push(Report::Accepted { id, time_ms: at });
        let mut remaining = it.qty;
        if let (true, Some(t)) = (crosses, touch) {
            let (best, shown) = match it.side {
                Side::Buy => (t.ask, t.ask_qty),
                Side::Sell => (t.bid, t.bid_qty),
            };
            let take = match it.tif {
                TimeInForce::Fok if shown < remaining => Qty::ZERO,
                _ => remaining.min(shown),
            };
            if take.0 > 0 {
                let price = match it.side {
                    Side::Buy => Price(best.0.saturating_add(slip)).min(limit),
                    Side::Sell => Price(best.0.saturating_sub(slip)).max(limit),
                };
                self.stats.fills += 1;
                out.push(fill(price, take));
                self.take_touch(it.instrument, it.side, take);
                remaining = Qty(remaining.0 - take.0);
            }
        }
        if remaining.0 == 0 {
            self.index.remove(&id);
            return;
        }
        if it.tif != TimeInForce::Gtc {
            self.index.remove(&id);
            self.stats.expired += 1;
            out.push(Report::Expired { id, time_ms: at });
            return;
        }
        let queue_ahead = match touch {
            _ if crosses => Some(Qty::ZERO),
            None => None,
            Some(t) => {
                let (touch_price, touch_qty) = match it.side {
                    Side::Buy => (t.bid, t.bid_qty),
                    Side::Sell => (t.ask, t.ask_qty),
                };
                let inside = match it.side {
                    Side::Buy => limit > touch_price,
                    Side::Sell => limit < touch_price,
                };
                if limit == touch_price {
                    Some(touch_qty)
                } else if inside {
                    Some(Qty::ZERO)
                } else {
                    None
                }
            }
        };
        self.seq += 1;
        let seq = self.seq;
        self.market(it.instrument).side_mut(it.side).insert(RestingOrder {
            id,
            side: it.side,
            price: limit,
            remaining,
            queue_ahead,
            strategy: it.strategy,
            seq,
        });
        self.index.insert(id, Loc::Resting(it.instrument, it.side));
        if let Some(after) = it.expire_after_ms {
            self.expiries.push(Reverse((at.saturating_add(after.max(0)), seq, id)));
        }
    }

    /// Our taker fill used up displayed quantity until the next book top.
    fn take_touch(&mut self, inst: InstrumentId, side: Side, qty: Qty) {
        if let Some(t) = self.market(inst).touch.as_mut() {
            let shown = match side {
                Side::Buy => &mut t.ask_qty,
                Side::Sell => &mut t.bid_qty,
            };
            *shown = Qty(shown.0.saturating_sub(qty.0).max(0));
        }
    }
}
