//! Binance Spot signed trading: request signing, the REST trading client,
//! its answers, and the user data stream over the WebSocket API.
//!
//! Unlike the rest of `route`, this module does network I/O; the engine
//! never calls it directly. The sandbox gateway ([`super::sandbox`]) runs it
//! on its own task and turns its answers into engine events.

pub mod sign;

pub use sign::{ApiKey, ApiSecret, Credentials, CredentialsError, Query, Signature, Signer};
