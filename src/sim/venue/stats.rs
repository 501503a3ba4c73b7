//! Counters of the venue, shared by the hub, the connections and REST, and
//! the plain snapshot of them that [`super::SimVenue::stats`] returns.

use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Closed connections that dropped frames, kept for the stats.
const SLOW_CLIENTS_KEPT: usize = 16;

/// Lock-free counters; every field only grows (except `connections_active`).
#[derive(Debug, Default)]
pub struct Counters {
    pub messages_generated: AtomicU64,
    pub messages_derived: AtomicU64,
    pub batches: AtomicU64,
    pub hub_decode_errors: AtomicU64,
    pub messages_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub connections_total: AtomicU64,
    pub connections_active: AtomicU64,
    pub slow_client_drops: AtomicU64,
    pub lagged_messages: AtomicU64,
    pub ws_requests: AtomicU64,
    pub ws_errors: AtomicU64,
    pub rest_requests: AtomicU64,
    pub rest_errors: AtomicU64,
    pub rest_rate_limited: AtomicU64,
    pub faults: FaultCounters,
    pub trading: TradingCounters,
    pub clients: Mutex<Clients>,
}

/// Signed trading and the user data stream.
#[derive(Debug, Default)]
pub struct TradingCounters {
    pub orders_placed: AtomicU64,
    pub orders_rejected: AtomicU64,
    pub orders_canceled: AtomicU64,
    pub fills: AtomicU64,
    pub rate_limited_429: AtomicU64,
    pub bans_418: AtomicU64,
    pub bad_signatures: AtomicU64,
    pub timestamp_rejects: AtomicU64,
    pub user_streams_dropped: AtomicU64,
}

/// Injected faults.
#[derive(Debug, Default)]
pub struct FaultCounters {
    pub connections_dropped: AtomicU64,
    pub stalls: AtomicU64,
    pub stalled_messages: AtomicU64,
    pub malformed: AtomicU64,
    pub duplicated: AtomicU64,
    pub skipped: AtomicU64,
    pub depth_skipped: AtomicU64,
    pub reordered: AtomicU64,
    pub rest_429: AtomicU64,
    pub rest_500: AtomicU64,
    pub rest_delayed: AtomicU64,
    pub order_429: AtomicU64,
    pub order_delayed: AtomicU64,
}

/// Per-connection counters.
#[derive(Debug)]
pub struct ClientCounters {
    pub peer: SocketAddr,
    pub path: String,
    pub streams: AtomicU64,
    pub sent: AtomicU64,
    pub dropped: AtomicU64,
}

/// Open connections and the last slow ones.
#[derive(Debug, Default)]
pub struct Clients {
    next_id: u64,
    open: BTreeMap<u64, Arc<ClientCounters>>,
    slow: VecDeque<ClientStats>,
}

impl Counters {
    pub fn inc(c: &AtomicU64) -> u64 {
        c.fetch_add(1, Relaxed) + 1
    }

    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Relaxed);
    }

    /// Registers a connection; returns its id and counters.
    pub fn open_client(&self, peer: SocketAddr, path: String) -> (u64, Arc<ClientCounters>) {
        Self::inc(&self.connections_total);
        Self::inc(&self.connections_active);
        let c = Arc::new(ClientCounters {
            peer,
            path,
            streams: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        });
        let mut g = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        g.next_id += 1;
        let id = g.next_id;
        g.open.insert(id, c.clone());
        (id, c)
    }

    /// Forgets a closed connection, keeping it among the slow ones if it dropped frames.
    pub fn close_client(&self, id: u64) {
        self.connections_active.fetch_sub(1, Relaxed);
        let mut g = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(c) = g.open.remove(&id) else { return };
        if c.dropped.load(Relaxed) > 0 {
            if g.slow.len() >= SLOW_CLIENTS_KEPT {
                g.slow.pop_front();
            }
            g.slow.push_back(ClientStats::of(id, &c, false));
        }
    }

    pub fn snapshot(&self) -> VenueStats {
        let l = |c: &AtomicU64| c.load(Relaxed);
        let f = &self.faults;
        let g = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        VenueStats {
            messages_generated: l(&self.messages_generated),
            messages_derived: l(&self.messages_derived),
            batches: l(&self.batches),
            hub_decode_errors: l(&self.hub_decode_errors),
            messages_sent: l(&self.messages_sent),
            bytes_sent: l(&self.bytes_sent),
            connections_total: l(&self.connections_total),
            connections_active: l(&self.connections_active),
            slow_client_drops: l(&self.slow_client_drops),
            lagged_messages: l(&self.lagged_messages),
            ws_requests: l(&self.ws_requests),
            ws_errors: l(&self.ws_errors),
            rest_requests: l(&self.rest_requests),
            rest_errors: l(&self.rest_errors),
            rest_rate_limited: l(&self.rest_rate_limited),
            faults: FaultStats {
                connections_dropped: l(&f.connections_dropped),
                stalls: l(&f.stalls),
                stalled_messages: l(&f.stalled_messages),
                malformed: l(&f.malformed),
                duplicated: l(&f.duplicated),
                skipped: l(&f.skipped),
                depth_skipped: l(&f.depth_skipped),
                reordered: l(&f.reordered),
                rest_429: l(&f.rest_429),
                rest_500: l(&f.rest_500),
                rest_delayed: l(&f.rest_delayed),
                order_429: l(&f.order_429),
                order_delayed: l(&f.order_delayed),
            },
            trading: TradingStats {
                orders_placed: l(&self.trading.orders_placed),
                orders_rejected: l(&self.trading.orders_rejected),
                orders_canceled: l(&self.trading.orders_canceled),
                fills: l(&self.trading.fills),
                rate_limited_429: l(&self.trading.rate_limited_429),
                bans_418: l(&self.trading.bans_418),
                bad_signatures: l(&self.trading.bad_signatures),
                timestamp_rejects: l(&self.trading.timestamp_rejects),
                user_streams_dropped: l(&self.trading.user_streams_dropped),
            },
            clients: g.open.iter().map(|(id, c)| ClientStats::of(*id, c, true)).collect(),
            slow_clients: g.slow.iter().cloned().collect(),
        }
    }
}

/// What the venue did so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VenueStats {
    /// Market messages (trade, bookTicker, or recorded frames) the hub produced.
    pub messages_generated: u64,
    /// Messages the venue derived from them (aggTrade, kline, depthUpdate).
    pub messages_derived: u64,
    /// Hub steps published.
    pub batches: u64,
    /// Generated or recorded frames the hub could not decode (a recording's bad lines).
    pub hub_decode_errors: u64,
    /// Data frames written to clients, and their bytes.
    pub messages_sent: u64,
    pub bytes_sent: u64,
    pub connections_total: u64,
    pub connections_active: u64,
    /// Frames dropped because a connection's send buffer was full (slow clients).
    pub slow_client_drops: u64,
    /// Messages (of all streams) a connection missed because it fell behind the hub.
    pub lagged_messages: u64,
    /// JSON method requests over WebSocket, and those answered with an error.
    pub ws_requests: u64,
    pub ws_errors: u64,
    /// REST requests, those answered with an error (4xx/5xx), and those over the weight limit.
    pub rest_requests: u64,
    pub rest_errors: u64,
    pub rest_rate_limited: u64,
    pub faults: FaultStats,
    pub trading: TradingStats,
    /// Open connections.
    pub clients: Vec<ClientStats>,
    /// The last closed connections that dropped frames.
    pub slow_clients: Vec<ClientStats>,
}

/// Injected faults, each counted where it happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FaultStats {
    pub connections_dropped: u64,
    pub stalls: u64,
    /// Frames not sent to stalled connections.
    pub stalled_messages: u64,
    pub malformed: u64,
    pub duplicated: u64,
    pub skipped: u64,
    /// Depth diffs left out by `depth-skip-every-n`.
    pub depth_skipped: u64,
    pub reordered: u64,
    pub rest_429: u64,
    pub rest_500: u64,
    pub rest_delayed: u64,
    /// Signed requests answered 429 by `order-429-every-n`.
    pub order_429: u64,
    /// New-order answers delayed by `order-delay-ms`.
    pub order_delayed: u64,
}

/// Signed trading: orders, fills, refusals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TradingStats {
    /// New orders accepted, refused (filters, balance, parameters), and orders canceled.
    pub orders_placed: u64,
    pub orders_rejected: u64,
    pub orders_canceled: u64,
    /// Fills of the venue's accounts.
    pub fills: u64,
    /// Signed requests answered 429 (weight, ORDERS limit, fault) and 418 answers (bans, any request).
    pub rate_limited_429: u64,
    pub bans_418: u64,
    /// -1022 and -1021 refusals (REST and WebSocket API).
    pub bad_signatures: u64,
    pub timestamp_rejects: u64,
    /// WebSocket API connections cut by `drop_user_streams` or the fault.
    pub user_streams_dropped: u64,
}

/// One connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientStats {
    pub id: u64,
    pub peer: String,
    pub path: String,
    pub open: bool,
    pub streams: u64,
    pub sent: u64,
    pub dropped: u64,
}

impl ClientStats {
    fn of(id: u64, c: &ClientCounters, open: bool) -> Self {
        Self {
            id,
            peer: c.peer.to_string(),
            path: c.path.clone(),
            open,
            streams: c.streams.load(Relaxed),
            sent: c.sent.load(Relaxed),
            dropped: c.dropped.load(Relaxed),
        }
    }
}
