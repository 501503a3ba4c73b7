//! Market data in: venue decoders and recorded-input readers.
//!
//! * [`binance`] turns Binance frames and REST bodies into normalized events:
//!   pure functions over bytes, fixed-point numbers, bad input counted by reason.
//! * [`input`] reads recorded frames from files in the common layouts (one
//!   frame per line, receive-time prefixes, cryptofeed logs, gzip, whole
//!   pretty-printed documents) without knowing what the frames mean.
//!
//! Neither does network I/O nor reads a clock: receive times come from the
//! recording, the live connection stamps its own.

pub mod binance;
pub mod connection;
pub mod input;
pub mod rest;
pub mod sequence;
