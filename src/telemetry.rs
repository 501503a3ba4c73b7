//! Measurement and logs: per-stage latency histograms on a monotonic clock,
//! and non-blocking file logging.

pub mod core_sharing;
pub mod latency;
pub mod logging;

pub use latency::{LatencyHistograms, LatencyStats, Stage, mono_ns, wall_ms, wall_ns};
