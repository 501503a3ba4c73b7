//! Pure parsers for the trading answers and the user data stream: no I/O,
//! never a panic, and a refused body names the field
//! (`fills[2].qty: bad decimal "1e3": exponent notation not allowed`).
//!
//! Prices and quantities go straight from the decimal strings to the
//! instrument's fixed-point scales; money to 18-decimal [`Notional`](crate::domain::Notional)s.
//! Not hot paths: bodies are read through `serde_json::Value`.

mod account;
mod fields;
mod order;
mod user;
mod ws;

pub use crate::feed::rest::BodyError;
pub use account::{AccountInfo, Balance, MyTrade, account, my_trades};
pub use order::{FillLine, OrderView, VenueOrderStatus, order, orders};
pub use user::{AccountPosition, ExecType, ExecutionReport, UserEvent, user_event};
pub use ws::{WsFrame, WsResponse, is_event_frame, ws_frame, ws_response};
