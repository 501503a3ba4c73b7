//! What the gateway knows of one order of this session.

use crate::domain::{InstrumentId, OrderId, Qty};
use std::collections::HashSet;

#[derive(Debug, Clone)]
pub struct Track {
    pub id: OrderId,
    pub instrument: InstrumentId,
    /// The venue's `orderId`, once an answer or an event named it.
    pub venue_id: Option<i64>,
    pub accepted: bool,
    /// Sum of the fills sent to the engine.
    pub filled: Qty,
    /// Trade ids already sent: each fill goes to the engine once.
    pub trades: HashSet<i64>,
    /// Terminal at the venue and told to the engine.
    pub done: bool,
    /// When the submission left (monotonic ns), for submit → ack / fill.
    pub sent_mono: u64,
    pub cancel_mono: Option<u64>,
    /// The submission's answer has not come back yet.
    pub submitting: bool,
    /// A cancel asked for while the submission was in flight.
    pub cancel_wanted: bool,
    /// The venue's state of the order is not known (timeout, lost answer).
    pub unknown: bool,
    /// A query or a myTrades fetch for it is in flight.
    pub querying: bool,
    /// A terminal state the venue reported while fills were still missing:
    /// sent once the missing fills are in.
    pub pending_end: Option<super::super::parse::VenueOrderStatus>,
}

impl Track {
    pub fn new(id: OrderId, instrument: InstrumentId, sent_mono: u64) -> Self {
        Self {
            id,
            instrument,
            venue_id: None,
            accepted: false,
            filled: Qty::ZERO,
            trades: HashSet::new(),
            done: false,
            sent_mono,
            cancel_mono: None,
            submitting: true,
            cancel_wanted: false,
            unknown: false,
            querying: false,
            pending_end: None,
        }
    }
}
