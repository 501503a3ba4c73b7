//! The timed faults: a drop epoch that cuts every connection when it moves,
//! and a stall flag that silences them while set. The counted faults
//! (every Nth frame, trade or request) live where they happen.

use super::config::FaultConfig;
use super::stats::Counters;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The signals connections watch.
#[derive(Debug)]
pub struct FaultSignals {
    /// Moves every `drop-every-secs`.
    pub drops: watch::Sender<u64>,
    /// True during a stall.
    pub stalled: watch::Sender<bool>,
}

impl FaultSignals {
    pub fn new() -> Self {
        Self { drops: watch::channel(0).0, stalled: watch::channel(false).0 }
    }
}

impl Default for FaultSignals {
    fn default() -> Self {
        Self::new()
    }
}

/// Starts the timers the config turns on; they end with `shutdown`.
pub fn spawn_timers(
    f: &FaultConfig,
    signals: Arc<FaultSignals>,
    counters: Arc<Counters>,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if f.drop_every_secs > 0.0 {
        let every = Duration::from_secs_f64(f.drop_every_secs);
        let (signals, mut shutdown) = (signals.clone(), shutdown.clone());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tick.tick() => {
                        signals.drops.send_modify(|e| *e += 1);
                        tracing::debug!("sim venue fault: dropping every connection");
                    }
                }
            }
        }));
    }
    if f.stall_every_secs > 0.0 {
        let every = Duration::from_secs_f64(f.stall_every_secs);
        let length = Duration::from_secs_f64(f.stall_secs);
        let mut shutdown = shutdown;
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(every) => {}
                }
                Counters::inc(&counters.faults.stalls);
                tracing::debug!("sim venue fault: stalling every connection for {length:?}");
                signals.stalled.send_replace(true);
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(length) => {}
                }
                signals.stalled.send_replace(false);
            }
        }));
    }
    tasks
}
