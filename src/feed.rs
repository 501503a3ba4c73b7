//! Market data in: venue decoders and recorded-input readers.
//!
//! * [`binance`] turns Binance frames and REST bodies into normalized events:
//!   pure functions over bytes, fixed-point numbers, bad input counted by reason.
//! * [`input`] reads recorded frames from files in the common layouts (one
//!   frame per line, receive-time prefixes, cryptofeed logs, gzip, whole
//!   pretty-printed documents) without knowing what the frames mean.
//!
//! * [`connection`] keeps one combined-stream WebSocket alive (backoff with
//!   jitter, stale watchdog, subscriptions by id, planned reconnects) and
//!   stamps every frame on arrival.
//! * [`rest`] is the REST client: instruments, klines backfill, server time
//!   and clock offset, with request-weight throttling and retries.
//! * [`sequence`] checks trade ids per symbol: duplicates dropped, gaps counted.
//!
//! The decoders and the sequencer are pure (no I/O, no clock); the network
//! modules do the I/O and never wait on the engine.

pub mod binance;
pub mod connection;
pub mod input;
pub mod rest;
pub mod sequence;
