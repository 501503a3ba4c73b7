//! What a router tells the engine about an order: the events that drive the
//! order state machine.

use crate::domain::{Fill, OrderId, OrderState};

/// One execution report. The order store applies it through
/// [`crate::domain::Order::transition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// The order reached the venue and is working.
    Accepted {
        id: OrderId,
        time_ms: i64,
    },
    /// (Part of) the order executed.
    Fill(Fill),
    Canceled {
        id: OrderId,
        time_ms: i64,
    },
    /// Time in force ran out (IOC/FOK remainder, `expire_after_ms`).
    Expired {
        id: OrderId,
        time_ms: i64,
    },
    /// The venue refused it; `reason` is a snake_case code (`no_book`, `would_take`).
    Rejected {
        id: OrderId,
        time_ms: i64,
        reason: &'static str,
    },
}

impl Report {
    pub fn order_id(&self) -> OrderId {
        match *self {
            Self::Accepted { id, .. }
            | Self::Canceled { id, .. }
            | Self::Expired { id, .. }
            | Self::Rejected { id, .. } => id,
            Self::Fill(f) => f.order_id,
        }
    }

    pub fn time_ms(&self) -> i64 {
        match *self {
            Self::Accepted { time_ms, .. }
            | Self::Canceled { time_ms, .. }
            | Self::Expired { time_ms, .. }
            | Self::Rejected { time_ms, .. } => time_ms,
            Self::Fill(f) => f.time_ms,
        }
    }

    /// The state this report moves to, for a fill that depends on the remainder.
    pub fn target_state(&self) -> Option<OrderState> {
        match self {
            Self::Accepted { .. } => Some(OrderState::Accepted),
            Self::Canceled { .. } => Some(OrderState::Canceled),
            Self::Expired { .. } => Some(OrderState::Expired),
            Self::Rejected { .. } => Some(OrderState::Rejected),
            Self::Fill(_) => None,
        }
    }
}
