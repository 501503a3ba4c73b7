//! Orders, their life cycle, and fills.
//!
//! The state machine is an explicit transition table: every change goes
//! through [`Order::transition`], so an illegal move is an error, never a
//! silent overwrite. The paper router and the sandbox router share it.

use super::fixed::{Notional, Price, Qty};
use super::instrument::InstrumentId;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// +1 for buys, -1 for sells.
    #[inline]
    pub const fn sign(self) -> i64 {
        match self {
            Self::Buy => 1,
            Self::Sell => -1,
        }
    }

    pub const fn opposite(self) -> Self {
        match self {
            Self::Buy => Self::Sell,
            Self::Sell => Self::Buy,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Buy => "BUY",
            Self::Sell => "SELL",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Order types, named as Binance names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKind {
    Market,
    Limit,
    /// Post-only limit: rejected if it would take liquidity.
    LimitMaker,
    StopLossLimit,
    TakeProfitLimit,
}

impl OrderKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Market => "MARKET",
            Self::Limit => "LIMIT",
            Self::LimitMaker => "LIMIT_MAKER",
            Self::StopLossLimit => "STOP_LOSS_LIMIT",
            Self::TakeProfitLimit => "TAKE_PROFIT_LIMIT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeInForce {
    /// Good till canceled.
    #[default]
    Gtc,
    /// Immediate or cancel: what cannot fill at once expires.
    Ioc,
    /// Fill or kill: fills whole at once or expires.
    Fok,
}

impl TimeInForce {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gtc => "GTC",
            Self::Ioc => "IOC",
            Self::Fok => "FOK",
        }
    }
}

/// Who asked for an order: a strategy by index, or the trader by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StrategyId(pub u16);

impl StrategyId {
    /// Orders entered from the keyboard.
    pub const MANUAL: Self = Self(u16::MAX);
}

/// Engine-assigned order id, sequential per session, so a replay assigns the same ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct OrderId(pub u64);

/// The id sent to a venue (`newClientOrderId`): derived from the session
/// prefix and the [`OrderId`], so it is deterministic under replay.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientOrderId(pub String);

impl ClientOrderId {
    /// `<prefix>-<id>`; Binance allows `[.A-Za-z0-9:/_-]{1,36}`.
    pub fn new(prefix: &str, id: OrderId) -> Self {
        Self(format!("{prefix}-{}", id.0))
    }
}

/// What a strategy or the trader wants; risk decides whether it becomes an [`Order`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderIntent {
    pub instrument: InstrumentId,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: TimeInForce,
    pub qty: Qty,
    /// Required for every kind but `Market`.
    pub limit_price: Option<Price>,
    /// Trigger for stop and take-profit kinds.
    pub stop_price: Option<Price>,
    pub strategy: StrategyId,
    /// Cancel automatically this long after acceptance (event time), if set.
    pub expire_after_ms: Option<i64>,
}

impl OrderIntent {
    pub fn market(instrument: InstrumentId, side: Side, qty: Qty, strategy: StrategyId) -> Self {
        Self {
            instrument,
            side,
            kind: OrderKind::Market,
            tif: TimeInForce::Ioc,
            qty,
            limit_price: None,
            stop_price: None,
            strategy,
            expire_after_ms: None,
        }
    }

    pub fn limit(instrument: InstrumentId, side: Side, qty: Qty, price: Price, strategy: StrategyId) -> Self {
        Self {
            instrument,
            side,
            kind: OrderKind::Limit,
            tif: TimeInForce::Gtc,
            qty,
            limit_price: Some(price),
            stop_price: None,
            strategy,
            expire_after_ms: None,
        }
    }
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderState {
    /// Created by the engine, not yet acknowledged by the venue.
    New,
    /// Acknowledged and working.
    Accepted,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl OrderState {
    pub const ALL: [Self; 7] =
        [Self::New, Self::Accepted, Self::PartiallyFilled, Self::Filled, Self::Canceled, Self::Rejected, Self::Expired];

    /// The transition table. Anything not listed is illegal.
    pub const fn can_become(self, to: Self) -> bool {
        use OrderState::*;
        matches!(
            (self, to),
            (New, Accepted | Rejected | Canceled | Expired)
                | (Accepted, PartiallyFilled | Filled | Canceled | Expired)
                | (PartiallyFilled, PartiallyFilled | Filled | Canceled | Expired)
        )
    }

    /// No further change can happen.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Filled | Self::Canceled | Self::Rejected | Self::Expired)
    }

    /// Working at the venue (counts toward open orders).
    pub const fn is_open(self) -> bool {
        matches!(self, Self::New | Self::Accepted | Self::PartiallyFilled)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Accepted => "ACCEPTED",
            Self::PartiallyFilled => "PARTIALLY_FILLED",
            Self::Filled => "FILLED",
            Self::Canceled => "CANCELED",
            Self::Rejected => "REJECTED",
            Self::Expired => "EXPIRED",
        }
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A move the transition table forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("order {order:?}: illegal transition {from} -> {to}")]
pub struct IllegalTransition {
    pub order: OrderId,
    pub from: OrderState,
    pub to: OrderState,
}

/// An order the engine owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub intent: OrderIntent,
    pub state: OrderState,
    pub filled_qty: Qty,
    /// Sum of `price × qty` over fills, for the average fill price.
    pub filled_notional: Notional,
    pub fees: Notional,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Order {
    pub fn new(id: OrderId, intent: OrderIntent, now_ms: i64) -> Self {
        Self {
            id,
            intent,
            state: OrderState::New,
            filled_qty: Qty::ZERO,
            filled_notional: Notional::ZERO,
            fees: Notional::ZERO,
            created_ms: now_ms,
            updated_ms: now_ms,
        }
    }

    /// Quantity still to fill.
    #[inline]
    pub fn remaining(&self) -> Qty {
        Qty(self.intent.qty.0 - self.filled_qty.0)
    }

    /// Moves to `to` if the table allows it.
    pub fn transition(&mut self, to: OrderState, now_ms: i64) -> Result<(), IllegalTransition> {
        if !self.state.can_become(to) {
            return Err(IllegalTransition { order: self.id, from: self.state, to });
        }
        self.state = to;
        self.updated_ms = now_ms;
        Ok(())
    }
}

/// Maker (rested on the book) or taker (crossed the spread).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Liquidity {
    Maker,
    Taker,
}

/// An execution of (part of) an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub order_id: OrderId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub price: Price,
    pub qty: Qty,
    /// Fee in quote asset (may be negative for a maker rebate).
    pub fee: Notional,
    pub liquidity: Liquidity,
    pub time_ms: i64,
    pub strategy: StrategyId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_states_have_no_exits() {
        for from in OrderState::ALL {
            for to in OrderState::ALL {
                if from.is_terminal() {
                    assert!(!from.can_become(to), "{from} -> {to}");
                }
            }
        }
    }

    #[test]
    fn illegal_transition_is_an_error() {
        let i = OrderIntent::market(InstrumentId(0), Side::Buy, Qty(1), StrategyId(0));
        let mut o = Order::new(OrderId(1), i, 0);
        assert!(o.transition(OrderState::Filled, 1).is_err());
        o.transition(OrderState::Accepted, 1).unwrap();
        o.transition(OrderState::Filled, 2).unwrap();
        let e = o.transition(OrderState::Canceled, 3).unwrap_err();
        assert_eq!((e.from, e.to), (OrderState::Filled, OrderState::Canceled));
        assert_eq!(o.state, OrderState::Filled);
    }
}
