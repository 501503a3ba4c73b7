//! Logs go to daily-rotated files through a background writer thread, so a
//! slow disk never blocks the engine. Headless runs also copy warnings to
//! stderr (also non-blocking); the TUI must not, as it owns the terminal, so
//! it passes a [`MemoryLayer`] instead and shows the lines in its log pane.

use crate::ui::log_layer::MemoryLayer;
use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// Keeps the background writers alive; dropping it flushes them.
pub struct LogGuards(#[allow(dead_code)] Vec<WorkerGuard>);

/// Starts logging to `dir/tickdesk.log.<date>` at `level` (an env-filter
/// directive such as `info` or `tickdesk=debug`; `RUST_LOG` wins when set),
/// plus warnings on stderr when `stderr` is true.
pub fn init(dir: &Path, level: &str, stderr: bool) -> Result<LogGuards, String> {
    init_with_layer(dir, level, stderr, None)
}

/// Like [`init`], and also feeds `memory` (the UI's log ring) at the same
/// level. The TUI passes `stderr = false` so nothing reaches the terminal.
pub fn init_with_layer(
    dir: &Path,
    level: &str,
    stderr: bool,
    memory: Option<MemoryLayer>,
) -> Result<LogGuards, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    let appender = tracing_appender::rolling::daily(dir, "tickdesk.log");
    let (file_writer, file_guard) = tracing_appender::non_blocking(appender);
    let mut guards = vec![file_guard];
    let file_layer = fmt::layer().with_writer(file_writer).with_ansi(false).with_filter(filter(level)?);
    let stderr_layer = if stderr {
        let (w, g) = tracing_appender::non_blocking(std::io::stderr());
        guards.push(g);
        Some(fmt::layer().with_writer(w).with_target(false).without_time().with_filter(LevelFilter::WARN))
    } else {
        None
    };
    let memory_layer = match memory {
        Some(m) => Some(m.with_filter(filter(level)?)),
        None => None,
    };
    tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .with(memory_layer)
        .try_init()
        .map_err(|e| format!("cannot install the log subscriber: {e}"))?;
    Ok(LogGuards(guards))
}

/// `RUST_LOG` when set, else `level` (built per layer: filters are not `Clone`).
fn filter(level: &str) -> Result<EnvFilter, String> {
    EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .map_err(|e| format!("invalid log level {level:?}: {e}"))
}
