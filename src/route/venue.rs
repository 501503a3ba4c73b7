//! What the engine and a real venue's gateway say to each other.
//!
//! The engine never waits on a venue: it hands a [`VenueRequest`] to a
//! [`RequestSink`] (a bounded queue; full is refused at once) and learns
//! what happened from [`VenueUpdate`]s, which arrive as ordinary events.
//! So a recorded session holds every answer and a replay takes the same
//! decisions without any network.

use crate::domain::{ClientOrderId, InstrumentId, Liquidity, Notional, Order, OrderId, Price, Qty};

/// A request for the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueRequest {
    /// Place `order` under `client_id` (`newClientOrderId`).
    Submit { order: Order, client_id: ClientOrderId },
    /// Cancel an order placed earlier.
    Cancel { id: OrderId, instrument: InstrumentId, client_id: ClientOrderId },
}

/// Where the engine's requests go. `try_send` never waits; false means the
/// queue was full (or closed) and the request was not taken.
pub trait RequestSink: Send {
    fn try_send(&mut self, r: VenueRequest) -> bool;
}

/// A request the live gateway's queue refused (`route_queue_full`). The
/// engine journals each one, so a replay refuses the same requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Submit(OrderId),
    Cancel(OrderId),
}

impl Refusal {
    /// How a journal line of a refusal starts.
    pub const PREFIX: &'static str = "route_refused ";

    pub fn of(r: &VenueRequest) -> Self {
        match r {
            VenueRequest::Submit { order, .. } => Self::Submit(order.id),
            VenueRequest::Cancel { id, .. } => Self::Cancel(*id),
        }
    }

    /// The journal line: `route_refused submit 12`.
    pub fn journal_text(&self) -> String {
        match self {
            Self::Submit(id) => format!("{}submit {}", Self::PREFIX, id.0),
            Self::Cancel(id) => format!("{}cancel {}", Self::PREFIX, id.0),
        }
    }

    /// Reads a journal line back; `None` for any other line.
    pub fn parse(text: &str) -> Option<Self> {
        let (what, id) = text.strip_prefix(Self::PREFIX)?.split_once(' ')?;
        let id = OrderId(id.parse().ok()?);
        match what {
            "submit" => Some(Self::Submit(id)),
            "cancel" => Some(Self::Cancel(id)),
            _ => None,
        }
    }
}

/// The venue of a replayed sandbox session: requests go nowhere, because
/// the venue's answers are in the recording and reach the engine as inputs
/// where it took them live. The requests the live queue refused are
/// refused again, in the order they were, so the replay decides the same.
#[derive(Debug, Default)]
pub struct RecordedVenue {
    refusals: std::collections::VecDeque<Refusal>,
}

impl RecordedVenue {
    pub fn new(refusals: impl IntoIterator<Item = Refusal>) -> Self {
        Self { refusals: refusals.into_iter().collect() }
    }
}

impl RequestSink for RecordedVenue {
    fn try_send(&mut self, r: VenueRequest) -> bool {
        if self.refusals.front() == Some(&Refusal::of(&r)) {
            self.refusals.pop_front();
            return false;
        }
        true
    }
}

/// Round-trip times the gateway measured (monotonic ns), for the latency
/// histograms; informational, never a decision input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoundTrip {
    pub ns: u64,
}

/// What the venue did with an order, as the gateway learned it (REST answer,
/// user data stream, or reconciliation). Fills are deduplicated by trade id
/// before they are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueUpdate {
    /// The venue holds the order (`NEW`). `rtt` is submit → acknowledgement.
    Accepted { id: OrderId, venue_order_id: i64, time_ms: i64, rtt: Option<RoundTrip> },
    /// One execution. `rtt` is submit → this fill, on the order's first fill.
    Fill {
        id: OrderId,
        trade_id: i64,
        price: Price,
        qty: Qty,
        /// In the quote asset.
        fee: Notional,
        liquidity: Liquidity,
        time_ms: i64,
        rtt: Option<RoundTrip>,
    },
    /// Canceled (by us, or by the venue). `rtt` is cancel sent → confirmed.
    Canceled { id: OrderId, time_ms: i64, rtt: Option<RoundTrip> },
    /// Ended by its time in force or the venue (IOC/FOK/MARKET remainder).
    Expired { id: OrderId, time_ms: i64 },
    /// Refused by the venue (or locally, before sending, by its filters).
    Rejected { id: OrderId, time_ms: i64, code: i64, msg: String },
    /// A cancel the venue refused (e.g. -2011 unknown order); the order's
    /// state is learned by reconciliation, not assumed.
    CancelRejected { id: OrderId, time_ms: i64, code: i64, msg: String },
    /// The order's state at the venue is unknown (timeout, lost connection,
    /// unreadable answer). It stays as it is until reconciliation says.
    Unknown { id: OrderId, detail: String },
}

impl VenueUpdate {
    pub fn order_id(&self) -> OrderId {
        match self {
            Self::Accepted { id, .. }
            | Self::Fill { id, .. }
            | Self::Canceled { id, .. }
            | Self::Expired { id, .. }
            | Self::Rejected { id, .. }
            | Self::CancelRejected { id, .. }
            | Self::Unknown { id, .. } => *id,
        }
    }
}
