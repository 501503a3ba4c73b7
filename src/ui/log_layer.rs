//! An in-memory `tracing` layer for the log pane.
//!
//! While the UI runs nothing may be written to the terminal, so logs go to
//! the rolling file and, through this layer, into a bounded ring the log pane
//! reads. Pushing never blocks the logging thread: a full channel counts the
//! line as dropped.

/// One formatted log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Wall time, ms since the epoch.
    pub time_ms: i64,
    pub level: tracing::Level,
    pub target: String,
    /// The message followed by its fields (`key=value`).
    pub message: String,
}
