//! The seeded synthetic market: a deterministic stream of Binance Spot
//! combined-stream frames (`trade` and `bookTicker`) for several symbols.
//!
//! It drives `tickdesk headless` without an input file, `tickdesk bench` and
//! the loopback exchange, so [`Generator::next_frame`] writes straight into a
//! reused buffer from integer mantissas: no allocation and no `f64` on the
//! way to the printed prices. The *model* uses `f64` (a latent mid price,
//! variances, intensities), but every printed price is an integer number of
//! ticks and every quantity an integer number of steps.
//!
//! ```text
//!  config    SyntheticConfig → validated, integer per-symbol parameters
//!  sampler   ChaCha8 (value-stable) → uniform, exponential, normal
//!  ziggurat  normal and exponential draws without a logarithm
//!  math      portable ln/exp: the same bytes on every platform
//!  regime    quiet / normal / hectic stretches shared by all symbols
//!  arrivals  Hawkes clock: bursty, self-exciting event times in ms
//!  market    per symbol: GARCH mid walk, spread, top of book, trades
//!  frames    the JSON bytes, decimals padded to 8 places like Binance
//!  generator ties them together, one message per call
//! ```
//!
//! Same config, seed and start time ⇒ byte-identical stream.

mod arrivals;
pub mod config;
pub mod exchange;
mod frames;
pub mod generator;
mod market;
mod math;
mod regime;
mod sampler;
pub mod venue;
mod ziggurat;

pub use config::{SymbolSpec, SyntheticConfig};
pub use generator::{FrameKind, FrameMeta, Generator};
