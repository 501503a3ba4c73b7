//! The gateway loop's handlers: requests from the engine, answers of the
//! request tasks, user data events. Each turns what the venue says into
//! engine updates through [`Gateway::learn`], which never sends a fill twice
//! and never reports an end before the fills that led to it.

use super::track::Track;
use super::{Gateway, Outcome, filters};
use crate::domain::{Instrument, Liquidity, Notional, OrderKind, Price, Qty};
use crate::route::{RoundTrip, VenueRequest, VenueUpdate};
use crate::telemetry::mono_ns;
use crate::venue::client::{NewOrder, Submitted};
use crate::venue::error::{ApiCode, TradeError};
use crate::venue::parse::{ExecType, ExecutionReport, MyTrade, OrderView, UserEvent, VenueOrderStatus};
use crate::venue::user_stream::UserStreamEvent;

/// One execution as learned from any source.
struct Exec<'a> {
    trade_id: i64,
    price: Price,
    qty: Qty,
    commission: Notional,
    commission_asset: &'a str,
    maker: bool,
    time_ms: i64,
}

impl Gateway {
    pub(super) async fn on_request(&mut self, r: VenueRequest) {
        match r {
            VenueRequest::Submit { order, client_id } => {
                let id = order.id;
                let Some(inst) = self.instruments.try_get(order.intent.instrument).cloned() else {
                    let u = VenueUpdate::Rejected { id, time_ms: 0, code: -1121, msg: "Invalid symbol.".into() };
                    self.emit(vec![u]).await;
                    return;
                };
                let now = self.client.now_venue_ms();
                // Market orders carry no price to check the notional with: the venue checks those.
                if let Err((code, msg)) = filters::check(&order.intent, &inst, None) {
                    self.report.rejected_locally += 1;
                    tracing::info!(symbol = %inst.symbol, "order {} refused before sending: {msg} ({code})", client_id.0);
                    self.emit(vec![VenueUpdate::Rejected { id, time_ms: now, code, msg }]).await;
                    return;
                }
                self.report.submitted += 1;
                let cid = client_id.0;
                self.tracks.insert(cid.clone(), Track::new(id, order.intent.instrument, mono_ns()));
                self.by_order.insert(id, cid.clone());
                let it = order.intent;
                let new = NewOrder {
                    symbol: inst.symbol.clone(),
                    side: it.side,
                    kind: it.kind,
                    tif: it.tif,
                    qty: it.qty,
                    price: if it.kind == OrderKind::Market { None } else { it.limit_price },
                    stop_price: it.stop_price,
                    client_order_id: cid.clone(),
                };
                let client = self.client.clone();
                self.spawn_task(async move {
                    let result = client.submit(&new, &inst).await;
                    Outcome::Submitted { client_id: cid, result }
                });
            }
            VenueRequest::Cancel { client_id, .. } => {
                let Some(t) = self.tracks.get_mut(&client_id.0) else { return };
                if t.done {
                    return;
                }
                if t.submitting {
                    t.cancel_wanted = true;
                } else {
                    self.send_cancel(client_id.0);
                }
            }
        }
    }

    pub(super) fn send_cancel(&mut self, cid: String) {
        let Some(t) = self.tracks.get_mut(&cid) else { return };
        let Some(inst) = self.instruments.try_get(t.instrument).cloned() else { return };
        t.cancel_mono = Some(mono_ns());
        t.cancel_wanted = false;
        let venue_id = t.venue_id;
        let client = self.client.clone();
        self.spawn_task(async move {
            let result = client.cancel(&inst, venue_id, Some(&cid)).await;
            Outcome::Canceled { client_id: cid, result }
        });
    }

    pub(super) fn send_query(&mut self, cid: &str) {
        let Some(t) = self.tracks.get_mut(cid) else { return };
        if t.querying || t.done {
            return;
        }
        let Some(inst) = self.instruments.try_get(t.instrument).cloned() else { return };
        t.querying = true;
        let (client, cid) = (self.client.clone(), cid.to_string());
        self.spawn_task(async move {
            let result = client.query_order(&inst, None, Some(&cid)).await;
            Outcome::Queried { client_id: cid, result }
        });
    }

    fn send_trades_fetch(&mut self, cid: &str) {
        let Some(t) = self.tracks.get_mut(cid) else { return };
        let (Some(venue_id), Some(inst)) = (t.venue_id, self.instruments.try_get(t.instrument).cloned()) else {
            return;
        };
        if t.querying {
            return;
        }
        t.querying = true;
        let (client, cid) = (self.client.clone(), cid.to_string());
        self.spawn_task(async move {
            let result = client.my_trades(&inst, Some(venue_id), None).await;
            Outcome::Trades { client_id: cid, result }
        });
    }

    pub(super) async fn on_outcome(&mut self, o: Outcome) {
        let updates = match o {
            Outcome::Submitted { client_id, result } => self.on_submitted(&client_id, result),
            Outcome::Canceled { client_id, result } => self.on_canceled(&client_id, result),
            Outcome::Queried { client_id, result } => self.on_queried(&client_id, result),
            Outcome::Trades { client_id, result } => self.on_trades(&client_id, result),
            Outcome::Reconciled(snap) => {
                self.apply_reconcile(*snap, true).await;
                Vec::new()
            }
            Outcome::Orphan { symbol, result } => {
                match result {
                    Ok(v) => {
                        self.report.orphans_canceled += 1;
                        tracing::info!(symbol = %symbol, "reconcile: canceled order {} left by an earlier session", v.client_order_id);
                    }
                    Err(e) => self.error(format!("reconcile: cancel of an earlier session's order on {symbol}: {e}")),
                }
                Vec::new()
            }
        };
        self.emit(updates).await;
    }

    fn on_submitted(&mut self, cid: &str, result: Result<Submitted, TradeError>) -> Vec<VenueUpdate> {
        let Some(t) = self.tracks.get_mut(cid) else { return Vec::new() };
        t.submitting = false;
        let id = t.id;
        let out = match result {
            Ok(s) => {
                let (how, v) = match s {
                    Submitted::Placed(v) => ("", v),
                    Submitted::Found(v) => {
                        self.report.found_by_client_id += 1;
                        (" (found by its client id after an unknown outcome)", v)
                    }
                    Submitted::Resent(v) => {
                        self.report.resent += 1;
                        (" (re-sent: the venue did not have it)", v)
                    }
                };
                if !how.is_empty() {
                    tracing::info!("order {cid}{how}");
                }
                self.learn(cid, &v)
            }
            Err(e) if e.status_unknown() || matches!(e, TradeError::StatusUnknown { .. }) => {
                self.report.status_unknown += 1;
                t.unknown = true;
                tracing::warn!("order {cid}: outcome unknown ({e}); left as it is until the venue says");
                vec![VenueUpdate::Unknown { id, detail: e.to_string() }]
            }
            Err(e) => {
                t.done = true;
                self.report.rejected_by_venue += 1;
                let (code, msg) = match &e {
                    TradeError::Api { code, msg, .. } => (code.code(), msg.clone()),
                    TradeError::RateLimited { .. } | TradeError::Banned { .. } => (-1003, e.to_string()),
                    other => (0, other.to_string()),
                };
                tracing::warn!("order {cid} rejected: {e}");
                vec![VenueUpdate::Rejected { id, time_ms: self.client.now_venue_ms(), code, msg }]
            }
        };
        if self.tracks.get(cid).is_some_and(|t| t.cancel_wanted && !t.done && !t.unknown) {
            self.send_cancel(cid.to_string());
        }
        out
    }

    fn on_canceled(&mut self, cid: &str, result: Result<OrderView, TradeError>) -> Vec<VenueUpdate> {
        let Some(t) = self.tracks.get(cid) else { return Vec::new() };
        let id = t.id;
        match result {
            Ok(v) => self.learn(cid, &v),
            Err(TradeError::Api { code, msg, .. }) => {
                self.report.cancel_rejected += 1;
                tracing::info!("cancel of {cid} refused: {msg} ({}); querying its state", code.code());
                self.send_query(cid);
                vec![VenueUpdate::CancelRejected { id, time_ms: self.client.now_venue_ms(), code: code.code(), msg }]
            }
            Err(e) => {
                self.report.status_unknown += 1;
                tracing::warn!("cancel of {cid}: outcome unknown ({e}); querying");
                self.send_query(cid);
                Vec::new()
            }
        }
    }

    fn on_queried(&mut self, cid: &str, result: Result<OrderView, TradeError>) -> Vec<VenueUpdate> {
        let Some(t) = self.tracks.get_mut(cid) else { return Vec::new() };
        t.querying = false;
        let id = t.id;
        match result {
            Ok(v) => self.learn(cid, &v),
            Err(TradeError::Api { code: ApiCode::NoSuchOrder, msg, .. }) if !t.accepted => {
                // Never reached the venue: safe to say so; the strategy decides whether to try again.
                t.done = true;
                self.report.discrepancies += 1;
                tracing::warn!("order {cid}: the venue has no such order ({msg}); it was never placed");
                vec![VenueUpdate::Rejected { id, time_ms: self.client.now_venue_ms(), code: -2013, msg }]
            }
            Err(e) => {
                tracing::warn!("query of {cid}: {e}");
                Vec::new()
            }
        }
    }

    fn on_trades(&mut self, cid: &str, result: Result<Vec<MyTrade>, TradeError>) -> Vec<VenueUpdate> {
        let Some(t) = self.tracks.get_mut(cid) else { return Vec::new() };
        t.querying = false;
        let venue_id = t.venue_id;
        let trades = match result {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!("myTrades of {cid}: {e}");
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for tr in trades.iter().filter(|tr| Some(tr.order_id) == venue_id) {
            let e = Exec {
                trade_id: tr.id,
                price: tr.price,
                qty: tr.qty,
                commission: tr.commission,
                commission_asset: &tr.commission_asset,
                maker: tr.is_maker,
                time_ms: tr.time_ms,
            };
            self.fill(cid, &e, &mut out);
        }
        self.finish_pending(cid, &mut out);
        out
    }

    pub(super) async fn on_user(&mut self, u: UserStreamEvent) {
        match u {
            UserStreamEvent::Subscribed { connection } => {
                self.report.stream_subscriptions += 1;
                self.stream_up = true;
                tracing::info!("user data stream subscribed (connection {connection}); reconciling");
                self.spawn_reconcile(false);
            }
            UserStreamEvent::Down { reason } => {
                if self.stream_up {
                    self.report.stream_drops += 1;
                }
                self.stream_up = false;
                tracing::warn!("user data stream down: {reason}; polling open orders until it is back");
            }
            UserStreamEvent::Malformed { detail } => self.error(format!("user data stream: {detail}")),
            UserStreamEvent::Event(UserEvent::Execution(r)) => {
                let updates = self.on_execution(&r);
                self.emit(updates).await;
            }
            UserStreamEvent::Event(UserEvent::StreamTerminated { .. }) => self.stream_up = false,
            UserStreamEvent::Event(_) => {}
        }
    }

    fn on_execution(&mut self, r: &ExecutionReport) -> Vec<VenueUpdate> {
        let cid = r.order_client_id().to_string();
        let Some(t) = self.tracks.get_mut(&cid) else {
            tracing::debug!("executionReport for {cid}, not an order of this session");
            return Vec::new();
        };
        if t.done {
            return Vec::new();
        }
        t.venue_id = Some(r.order_id);
        let mut out = Vec::new();
        self.accept(&cid, r.transact_time_ms, &mut out);
        match r.exec_type {
            ExecType::Trade => {
                let e = Exec {
                    trade_id: r.trade_id,
                    price: r.last_price,
                    qty: r.last_qty,
                    commission: r.commission,
                    commission_asset: r.commission_asset.as_deref().unwrap_or(""),
                    maker: r.is_maker,
                    time_ms: r.transact_time_ms,
                };
                self.fill(&cid, &e, &mut out);
                if r.status == VenueOrderStatus::Filled {
                    if let Some(t) = self.tracks.get_mut(&cid) {
                        t.done = true;
                    }
                }
            }
            ExecType::Canceled | ExecType::Expired | ExecType::TradePrevention | ExecType::Rejected => {
                if self.tracks.get(&cid).is_some_and(|t| t.filled < r.cum_qty) {
                    // Fills we have not seen came before the end: fetch them first.
                    if let Some(t) = self.tracks.get_mut(&cid) {
                        t.pending_end = Some(r.status);
                    }
                    self.send_trades_fetch(&cid);
                } else {
                    self.end(&cid, r.status, r.transact_time_ms, &r.reject_reason, &mut out);
                }
            }
            ExecType::New | ExecType::Replaced => {}
        }
        out
    }

    /// Applies the venue's view of an order: ack, fills listed, fills missing
    /// (fetched), then the end. Idempotent.
    pub(super) fn learn(&mut self, cid: &str, v: &OrderView) -> Vec<VenueUpdate> {
        let mut out = Vec::new();
        let Some(t) = self.tracks.get_mut(cid) else { return out };
        if t.done {
            return out;
        }
        t.venue_id = Some(v.order_id);
        t.unknown = false;
        let time = v.update_time_ms.or(v.time_ms).unwrap_or_else(|| self.client.now_venue_ms());
        if v.status == VenueOrderStatus::Rejected {
            self.end(cid, v.status, time, "rejected by the venue", &mut out);
            return out;
        }
        self.accept(cid, time, &mut out);
        for f in &v.fills {
            let e = Exec {
                trade_id: f.trade_id,
                price: f.price,
                qty: f.qty,
                commission: f.commission,
                commission_asset: &f.commission_asset,
                maker: false,
                time_ms: time,
            };
            self.fill(cid, &e, &mut out);
        }
        let missing = self.tracks.get(cid).is_some_and(|t| t.filled < v.executed_qty);
        if missing {
            self.report.discrepancies += 1;
            tracing::info!("order {cid}: the venue has {:?} filled, we have less; fetching its trades", v.executed_qty);
            if let Some(t) = self.tracks.get_mut(cid) {
                t.pending_end = v.status.is_terminal().then_some(v.status);
            }
            self.send_trades_fetch(cid);
        } else if v.status.is_terminal() {
            self.end(cid, v.status, time, "", &mut out);
        }
        out
    }

    fn accept(&mut self, cid: &str, time_ms: i64, out: &mut Vec<VenueUpdate>) {
        let Some(t) = self.tracks.get_mut(cid) else { return };
        if t.accepted {
            return;
        }
        t.accepted = true;
        self.report.accepted += 1;
        let rtt = RoundTrip { ns: mono_ns().saturating_sub(t.sent_mono) };
        out.push(VenueUpdate::Accepted { id: t.id, venue_order_id: t.venue_id.unwrap_or(-1), time_ms, rtt: Some(rtt) });
    }

    fn fill(&mut self, cid: &str, e: &Exec<'_>, out: &mut Vec<VenueUpdate>) {
        let Some(t) = self.tracks.get_mut(cid) else { return };
        if e.qty.0 <= 0 {
            return;
        }
        if !t.trades.insert(e.trade_id) {
            self.report.duplicate_fills_skipped += 1;
            return;
        }
        let Some(inst) = self.instruments.try_get(t.instrument) else { return };
        let fee = match fee_in_quote(inst, e.commission, e.commission_asset, e.price) {
            Some(f) => f,
            None => {
                self.report.fees_in_other_assets += 1;
                Notional::ZERO
            }
        };
        let first = t.filled == Qty::ZERO;
        t.filled = Qty(t.filled.0 + e.qty.0);
        self.report.fills += 1;
        let rtt = first.then(|| RoundTrip { ns: mono_ns().saturating_sub(t.sent_mono) });
        out.push(VenueUpdate::Fill {
            id: t.id,
            trade_id: e.trade_id,
            price: e.price,
            qty: e.qty,
            fee,
            liquidity: if e.maker { Liquidity::Maker } else { Liquidity::Taker },
            time_ms: e.time_ms,
            rtt,
        });
    }

    /// Sends an end the venue reported earlier, once the missing fills are in.
    fn finish_pending(&mut self, cid: &str, out: &mut Vec<VenueUpdate>) {
        let Some(status) = self.tracks.get_mut(cid).and_then(|t| t.pending_end.take()) else { return };
        let now = self.client.now_venue_ms();
        self.end(cid, status, now, "", out);
    }

    fn end(&mut self, cid: &str, status: VenueOrderStatus, time_ms: i64, why: &str, out: &mut Vec<VenueUpdate>) {
        let Some(t) = self.tracks.get_mut(cid) else { return };
        if t.done {
            return;
        }
        let id = t.id;
        match status {
            VenueOrderStatus::Canceled => {
                t.done = true;
                self.report.canceled += 1;
                let rtt = t.cancel_mono.map(|m| RoundTrip { ns: mono_ns().saturating_sub(m) });
                out.push(VenueUpdate::Canceled { id, time_ms, rtt });
            }
            VenueOrderStatus::Expired | VenueOrderStatus::ExpiredInMatch => {
                t.done = true;
                out.push(VenueUpdate::Expired { id, time_ms });
            }
            VenueOrderStatus::Rejected => {
                t.done = true;
                self.report.rejected_by_venue += 1;
                out.push(VenueUpdate::Rejected { id, time_ms, code: -2010, msg: why.to_string() });
            }
            // FILLED: the fills already took the engine's order there.
            VenueOrderStatus::Filled => t.done = true,
            _ => {}
        }
    }
}

/// A commission in the quote asset: as is when charged in quote, times the
/// fill price when charged in base (rounded at 18 decimals); `None` for any
/// other asset (e.g. BNB), which P&L cannot price.
pub(super) fn fee_in_quote(inst: &Instrument, commission: Notional, asset: &str, price: Price) -> Option<Notional> {
    if commission == Notional::ZERO || asset.is_empty() || asset == inst.quote {
        return Some(commission);
    }
    if asset == inst.base {
        let scale = 10i128.pow(u32::from(inst.price_scale));
        return commission.0.checked_mul(i128::from(price.0)).map(|v| Notional(v / scale));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Venue;

    #[test]
    fn commissions_convert_to_quote() {
        let mut i = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
        i.base = "BTC".into();
        i.quote = "USDT".into();
        i.price_scale = 2;
        let c = Notional::parse("0.001").unwrap();
        let p = Price(5_000_000); // 50000.00
        assert_eq!(fee_in_quote(&i, c, "USDT", p), Some(c));
        assert_eq!(fee_in_quote(&i, c, "BTC", p), Some(Notional::parse("50").unwrap()));
        assert_eq!(fee_in_quote(&i, c, "BNB", p), None);
        assert_eq!(fee_in_quote(&i, Notional::ZERO, "BNB", p), Some(Notional::ZERO));
    }
}
