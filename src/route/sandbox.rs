//! The engine's side of a real venue: orders leave through a
//! [`RequestSink`] and come back as [`VenueUpdate`]s, turned here into the
//! same [`Report`]s the paper router makes, so one state machine serves both.
//!
//! Client order ids are `<prefix>-<engine id>`: the prefix comes from the
//! session's first event time, so a replay assigns the same ids, and the
//! engine id grows, so they are unique within a session.

use super::report::Report;
use super::venue::{Refusal, RequestSink, VenueRequest, VenueUpdate};
use crate::domain::{ClientOrderId, Fill, Instrument, InstrumentId, Order, OrderId, Side, StrategyId};
use std::collections::BTreeMap;

/// Counters of the sandbox route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SandboxStats {
    pub submitted: u64,
    pub cancels_sent: u64,
    /// Requests refused because the gateway's queue was full.
    pub queue_full: u64,
    pub rejected_by_venue: u64,
    pub cancel_rejected: u64,
    /// Updates for orders this session does not know.
    pub unknown_updates: u64,
    pub status_unknown: u64,
}

#[derive(Debug, Clone)]
struct Live {
    instrument: InstrumentId,
    side: Side,
    strategy: StrategyId,
    client_id: ClientOrderId,
}

/// Routes to a venue through a gateway.
pub struct SandboxRouter {
    sink: Box<dyn RequestSink>,
    prefix: Option<String>,
    live: BTreeMap<OrderId, Live>,
    stats: SandboxStats,
    /// Requests the queue refused since the engine last took them.
    refused: Vec<Refusal>,
}

impl std::fmt::Debug for SandboxRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxRouter").field("prefix", &self.prefix).field("live", &self.live.len()).finish()
    }
}

/// `td` + the session's first event time in base 36 (8 characters until 2059).
pub fn session_prefix(first_event_ms: i64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = first_event_ms.unsigned_abs();
    let mut out = Vec::with_capacity(10);
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    format!("td{}", String::from_utf8_lossy(&out))
}

impl SandboxRouter {
    pub fn new(sink: Box<dyn RequestSink>) -> Self {
        Self { sink, prefix: None, live: BTreeMap::new(), stats: SandboxStats::default(), refused: Vec::new() }
    }

    /// Fixes the client-id prefix from the first event time (once).
    pub fn start_session(&mut self, first_event_ms: i64) {
        if self.prefix.is_none() {
            self.prefix = Some(session_prefix(first_event_ms));
        }
    }

    pub fn client_id(&self, id: OrderId) -> ClientOrderId {
        ClientOrderId::new(self.prefix.as_deref().unwrap_or("td0"), id)
    }

    /// Hands the order to the gateway; a full queue rejects it at once.
    pub fn submit(&mut self, order: &Order, _inst: &Instrument, now_ms: i64, out: &mut Vec<Report>) {
        self.start_session(now_ms);
        let client_id = self.client_id(order.id);
        let live = Live {
            instrument: order.intent.instrument,
            side: order.intent.side,
            strategy: order.intent.strategy,
            client_id: client_id.clone(),
        };
        match self.sink.try_send(VenueRequest::Submit { order: order.clone(), client_id }) {
            true => {
                self.stats.submitted += 1;
                self.live.insert(order.id, live);
            }
            false => {
                self.stats.queue_full += 1;
                self.refused.push(Refusal::Submit(order.id));
                out.push(Report::Rejected { id: order.id, time_ms: now_ms, reason: "route_queue_full" });
            }
        }
    }

    /// Asks the venue to cancel; the answer comes back as an update.
    /// Returns false when the order is not open here or the queue is full.
    pub fn cancel(&mut self, id: OrderId) -> bool {
        let Some(l) = self.live.get(&id) else { return false };
        let req = VenueRequest::Cancel { id, instrument: l.instrument, client_id: l.client_id.clone() };
        let sent = self.sink.try_send(req);
        if sent {
            self.stats.cancels_sent += 1;
        } else {
            self.stats.queue_full += 1;
            self.refused.push(Refusal::Cancel(id));
        }
        sent
    }

    /// The requests the queue refused since the last call, in order.
    pub fn take_refusals(&mut self) -> std::vec::Drain<'_, Refusal> {
        self.refused.drain(..)
    }

    /// Cancels every order open here, in id order.
    pub fn cancel_all(&mut self) {
        let ids: Vec<OrderId> = self.live.keys().copied().collect();
        for id in ids {
            self.cancel(id);
        }
    }

    /// Turns one update into reports; the order leaves the live set when it ends.
    pub fn on_update(&mut self, u: &VenueUpdate, out: &mut Vec<Report>) {
        let id = u.order_id();
        let Some(l) = self.live.get(&id) else {
            self.stats.unknown_updates += 1;
            return;
        };
        match u {
            VenueUpdate::Accepted { time_ms, .. } => out.push(Report::Accepted { id, time_ms: *time_ms }),
            VenueUpdate::Fill { price, qty, fee, liquidity, time_ms, .. } => out.push(Report::Fill(Fill {
                order_id: id,
                instrument: l.instrument,
                side: l.side,
                price: *price,
                qty: *qty,
                fee: *fee,
                liquidity: *liquidity,
                time_ms: *time_ms,
                strategy: l.strategy,
            })),
            VenueUpdate::Canceled { time_ms, .. } => {
                out.push(Report::Canceled { id, time_ms: *time_ms });
                self.live.remove(&id);
            }
            VenueUpdate::Expired { time_ms, .. } => {
                out.push(Report::Expired { id, time_ms: *time_ms });
                self.live.remove(&id);
            }
            VenueUpdate::Rejected { time_ms, .. } => {
                self.stats.rejected_by_venue += 1;
                out.push(Report::Rejected { id, time_ms: *time_ms, reason: "venue_rejected" });
                self.live.remove(&id);
            }
            VenueUpdate::CancelRejected { .. } => self.stats.cancel_rejected += 1,
            VenueUpdate::Unknown { .. } => self.stats.status_unknown += 1,
        }
    }

    /// The order filled completely: nothing more will come for it.
    pub fn forget(&mut self, id: OrderId) {
        self.live.remove(&id);
    }

    pub fn open_count(&self) -> usize {
        self.live.len()
    }

    pub fn stats(&self) -> &SandboxStats {
        &self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Liquidity, Notional, OrderIntent, Price, Qty, Venue};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture {
        sent: Arc<Mutex<Vec<VenueRequest>>>,
        full: bool,
    }

    impl RequestSink for Capture {
        fn try_send(&mut self, r: VenueRequest) -> bool {
            if !self.full {
                self.sent.lock().unwrap().push(r);
            }
            !self.full
        }
    }

    fn order(id: u64) -> Order {
        let i = OrderIntent::limit(InstrumentId(0), Side::Buy, Qty(100), Price(5000), StrategyId(1));
        Order::new(OrderId(id), i, 1_000)
    }

    #[test]
    fn client_ids_are_deterministic_per_session() {
        assert_eq!(session_prefix(0), "td0");
        assert_eq!(session_prefix(1_700_000_000_000), session_prefix(1_700_000_000_000));
        assert_ne!(session_prefix(1_700_000_000_000), session_prefix(1_700_000_000_001));
        let id = ClientOrderId::new(&session_prefix(1_700_000_000_000), OrderId(42)).0;
        assert!(id.len() <= 36 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{id}");
    }

    #[test]
    fn submit_cancel_and_updates_become_reports() {
        let cap = Capture::default();
        let mut r = SandboxRouter::new(Box::new(cap.clone()));
        let inst = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
        let mut out = Vec::new();
        r.submit(&order(1), &inst, 1_000, &mut out);
        assert!(out.is_empty());
        assert!(
            matches!(&cap.sent.lock().unwrap()[0], VenueRequest::Submit { client_id, .. } if client_id.0 == format!("{}-1", session_prefix(1_000)))
        );
        r.on_update(&VenueUpdate::Accepted { id: OrderId(1), venue_order_id: 9, time_ms: 1_001, rtt: None }, &mut out);
        let fill = VenueUpdate::Fill {
            id: OrderId(1),
            trade_id: 5,
            price: Price(5000),
            qty: Qty(40),
            fee: Notional::ZERO,
            liquidity: Liquidity::Maker,
            time_ms: 1_002,
            rtt: None,
        };
        r.on_update(&fill, &mut out);
        assert!(r.cancel(OrderId(1)));
        r.on_update(&VenueUpdate::Canceled { id: OrderId(1), time_ms: 1_003, rtt: None }, &mut out);
        assert_eq!(out.len(), 3);
        assert!(matches!(out[1], Report::Fill(f) if f.qty == Qty(40) && f.strategy == StrategyId(1)));
        assert!(!r.cancel(OrderId(1)), "a finished order is not canceled again");
        r.on_update(&VenueUpdate::Expired { id: OrderId(1), time_ms: 1_004 }, &mut out);
        assert_eq!(r.stats().unknown_updates, 1);
    }

    #[test]
    fn a_full_queue_rejects_at_once() {
        let cap = Capture { full: true, ..Capture::default() };
        let mut r = SandboxRouter::new(Box::new(cap));
        let mut out = Vec::new();
        r.submit(&order(1), &Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT"), 5, &mut out);
        assert_eq!(out, vec![Report::Rejected { id: OrderId(1), time_ms: 5, reason: "route_queue_full" }]);
        assert_eq!(r.stats().queue_full, 1);
    }

    /// Refuses the requests at the given positions (0-based), takes the rest.
    struct Scripted {
        n: usize,
        refuse: &'static [usize],
    }

    impl RequestSink for Scripted {
        fn try_send(&mut self, _: VenueRequest) -> bool {
            self.n += 1;
            !self.refuse.contains(&(self.n - 1))
        }
    }

    /// Submits 1..=3, cancels 1 and 3, then 1 again; the reports, stats and
    /// journal lines of refusals.
    fn session(sink: Box<dyn RequestSink>) -> (Vec<Report>, SandboxStats, Vec<String>) {
        let mut r = SandboxRouter::new(sink);
        let inst = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
        let (mut out, mut journal) = (Vec::new(), Vec::new());
        for id in 1..=3 {
            r.submit(&order(id), &inst, 1_000 + id as i64, &mut out);
            journal.extend(r.take_refusals().map(|x| x.journal_text()));
        }
        for id in [1, 3, 1] {
            r.cancel(OrderId(id));
            journal.extend(r.take_refusals().map(|x| x.journal_text()));
        }
        (out, *r.stats(), journal)
    }

    #[test]
    fn a_replay_refuses_the_requests_the_live_queue_refused() {
        // Live: the second submit and the first cancel of order 1 find the queue full.
        let live = session(Box::new(Scripted { n: 0, refuse: &[1, 3] }));
        assert_eq!(live.2, ["route_refused submit 2", "route_refused cancel 1"]);
        assert_eq!(live.1.queue_full, 2);
        assert_eq!(live.0, vec![Report::Rejected { id: OrderId(2), time_ms: 1_002, reason: "route_queue_full" }]);
        let refusals: Vec<Refusal> = live.2.iter().filter_map(|t| Refusal::parse(t)).collect();
        assert_eq!(refusals, [Refusal::Submit(OrderId(2)), Refusal::Cancel(OrderId(1))]);
        let replay = session(Box::new(super::super::venue::RecordedVenue::new(refusals)));
        assert_eq!(replay, live, "the replay refuses the same requests, in the same order");
        // Without them, the replay would send what the live queue refused.
        let blind = session(Box::new(super::super::venue::RecordedVenue::default()));
        assert_ne!(blind, live);
    }

    #[test]
    fn refusal_lines_parse_back_and_nothing_else_does() {
        for r in [Refusal::Submit(OrderId(7)), Refusal::Cancel(OrderId(u64::MAX))] {
            assert_eq!(Refusal::parse(&r.journal_text()), Some(r));
        }
        for bad in
            ["", "route_refused", "route_refused submit", "route_refused amend 3", "route_refused submit x", "submit 3"]
        {
            assert_eq!(Refusal::parse(bad), None, "{bad:?}");
        }
    }
}
