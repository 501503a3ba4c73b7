//! The exchange's public vocabulary: requests, answers and the events it emits.

use crate::domain::{Notional, OrderKind, Price, Qty, Side, TimeInForce};

/// An account of the sim exchange, handed out by `open_account`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountId(pub u32);

/// Which order a cancel or query is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRef<'a> {
    Id(i64),
    Client(&'a str),
}

/// A new order, with prices and quantities already at the instrument's scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceRequest<'a> {
    pub symbol: &'a str,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: Option<TimeInForce>,
    pub qty: Qty,
    pub price: Option<Price>,
    pub stop_price: Option<Price>,
    pub client_order_id: Option<&'a str>,
}

/// A synchronous refusal with Binance's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub code: i64,
    pub msg: String,
}

impl Reject {
    pub fn new(code: i64, msg: impl Into<String>) -> Self {
        Self { code, msg: msg.into() }
    }

    pub(super) fn filter(name: &str) -> Self {
        Self::new(-1013, format!("Filter failure: {name}"))
    }

    pub(super) fn engine(msg: &str) -> Self {
        Self::new(-2010, msg)
    }

    pub(super) fn missing(param: &str) -> Self {
        Self::new(-1102, format!("Mandatory parameter '{param}' was not sent, was empty/null, or malformed."))
    }

    pub(super) fn not_required(param: &str) -> Self {
        Self::new(-1106, format!("Parameter '{param}' sent when not required."))
    }

    pub(super) fn bad_symbol() -> Self {
        Self::new(-1121, "Invalid symbol.")
    }

    pub(super) fn unknown_order() -> Self {
        Self::new(-2011, "Unknown order sent.")
    }

    pub(super) fn no_such_order() -> Self {
        Self::new(-2013, "Order does not exist.")
    }

    pub(super) fn bad_account() -> Self {
        Self::new(-2015, "Invalid API-key, IP, or permissions for action.")
    }
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.msg)
    }
}

/// Order status, as Binance names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl Status {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::PartiallyFilled => "PARTIALLY_FILLED",
            Self::Filled => "FILLED",
            Self::Canceled => "CANCELED",
            Self::Rejected => "REJECTED",
            Self::Expired => "EXPIRED",
        }
    }

    /// No further change can happen.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Filled | Self::Canceled | Self::Rejected | Self::Expired)
    }
}

/// An order as the REST answers and execution reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSnapshot {
    pub symbol: String,
    pub order_id: i64,
    pub client_order_id: String,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: TimeInForce,
    /// Zero for MARKET.
    pub price: Price,
    /// Zero unless a stop kind.
    pub stop_price: Price,
    pub orig_qty: Qty,
    pub executed_qty: Qty,
    pub cum_quote: Notional,
    pub status: Status,
    pub time_ms: i64,
    pub update_time_ms: i64,
    /// On the book (false for a stop not yet triggered and for finished orders).
    pub working: bool,
    /// Only the fills of the `place` call that returned this snapshot.
    pub fills: Vec<FillRow>,
}

/// One fill of a new order, for the FULL response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillRow {
    pub price: Price,
    pub qty: Qty,
    pub commission: Notional,
    pub commission_asset: String,
    pub trade_id: i64,
    pub maker: bool,
}

/// One side of a trade as `myTrades` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeRecord {
    pub symbol: String,
    pub id: i64,
    pub order_id: i64,
    pub price: Price,
    pub qty: Qty,
    pub quote_qty: Notional,
    pub commission: Notional,
    pub commission_asset: String,
    pub time_ms: i64,
    pub is_buyer: bool,
    pub is_maker: bool,
}

/// One asset of an account: `free` is available, `locked` held by open orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceRow {
    pub asset: String,
    pub free: Notional,
    pub locked: Notional,
}

/// What happened to an order (`x` in an executionReport).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecType {
    New,
    Canceled,
    Rejected,
    Trade,
    Expired,
}

impl ExecType {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Canceled => "CANCELED",
            Self::Rejected => "REJECTED",
            Self::Trade => "TRADE",
            Self::Expired => "EXPIRED",
        }
    }
}

/// An executionReport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecReport {
    pub exec_type: ExecType,
    /// The order after the event (its `fills` empty).
    pub order: OrderSnapshot,
    pub last_qty: Qty,
    pub last_price: Price,
    pub commission: Notional,
    pub commission_asset: Option<String>,
    /// -1 unless a trade.
    pub trade_id: i64,
    pub maker: bool,
    pub time_ms: i64,
    /// For cancels: the canceled order's client id (`order.client_order_id`
    /// then holds the cancel request's id if one was given).
    pub orig_client_order_id: Option<String>,
}

/// An event for an account's user data stream.
// Unboxed on purpose: the shape is the HTTP layer's contract, and events
// are moved into a reused vector, so the size costs no allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    Execution {
        account: AccountId,
        report: ExecReport,
    },
    /// Only the assets that changed.
    Balances {
        account: AccountId,
        time_ms: i64,
        balances: Vec<BalanceRow>,
    },
}

/// Counters since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExchangeStats {
    /// Orders accepted.
    pub orders_placed: u64,
    /// `place` calls refused synchronously.
    pub orders_rejected: u64,
    pub orders_canceled: u64,
    pub orders_expired: u64,
    /// Account-side fills (a trade between two accounts counts twice).
    pub fills: u64,
    /// Trade ids handed out.
    pub trades: u64,
    /// Calls that could change state (place, cancel, cancel_all, on_book, on_market_trade).
    pub ops: u64,
}
