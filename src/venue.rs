//! Trading at a real venue (Binance Spot and compatible sandboxes): request
//! signing, the REST trading client, its answers, the user data stream over
//! the WebSocket API, and the sandbox gateway that runs them.
//!
//! This is the outbound counterpart of `feed`: it does network I/O, so it
//! sits outside the core. The engine never calls it; `route::SandboxRouter`
//! hands requests to the [`gateway`] task, whose answers come back as events.
//!
//! * [`sign`]: HMAC-SHA256 as Binance specifies it; [`Query`] keeps the
//!   signed bytes and the sent bytes the same.
//! * [`client`]: [`TradingClient`], the signed REST calls with their policy
//!   (clock offset, weight and order-count limits, 429/418, and the
//!   idempotent [`TradingClient::submit`] that never sends an order twice
//!   while the venue may have it).
//! * [`limits`]: request weight and order counts, throttled before the limit.
//! * [`parse`]: pure parsers of the answers and events.
//! * [`user_stream`]: the user data stream task.
//! * [`error`]: Binance's codes and the client's errors.
//! * [`gateway`]: the task between the engine and the venue.

pub mod client;
pub mod error;
pub mod gateway;
pub mod limits;
pub mod parse;
pub mod sign;
pub mod user_stream;

pub use client::{NewOrder, Submitted, TradingClient, TradingConfig, TradingStats};
pub use error::{ApiCode, TradeError};
pub use limits::LimitsState;
pub use parse::{AccountInfo, Balance, ExecutionReport, MyTrade, OrderView, UserEvent, VenueOrderStatus};
pub use sign::{ApiKey, ApiSecret, Credentials, CredentialsError, Query, Signature, Signer};
pub use user_stream::{UserStreamConfig, UserStreamEvent};
