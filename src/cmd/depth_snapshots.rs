//! Depth snapshots of a live run (`--depth`): one per symbol once the diff
//! stream runs, then a new one whenever the engine flags a book that lost
//! the update chain. They reach the engine out of band, so a recorded
//! session holds them as inputs and a replay needs no REST.

use super::live::Live;
use crate::domain::{Instrument, InstrumentId};
use crate::engine::EventKind;
use crate::feed::rest::RestClient;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Levels per side of the start-up depth snapshot (`/api/v3/depth` weight 50).
pub const DEPTH_SNAPSHOT_LEVELS: u16 = 1000;
/// Wait after starting the connection, so the diff stream is open before the
/// snapshot is taken (Binance's order: diffs first, then the snapshot).
const DEPTH_SNAPSHOT_DELAY_MS: u64 = 1000;

/// How often the snapshot task looks for books that lost the chain.
const RESYNC_POLL_MS: u64 = 250;
/// At most one snapshot per symbol this often (weight 50 each), so a feed
/// that keeps breaking cannot spend the REST budget.
const RESYNC_MIN_INTERVAL_MS: u64 = 2000;

/// With `--depth`: one REST snapshot per symbol, taken once the diff stream
/// runs and sent to the engine out of band; the engine's books replay the
/// diffs they already hold on top of it and are then in sync. After that,
/// a book that loses the update chain (a gap, a reconnect) is flagged in
/// `wanted` by the engine, and this task fetches it a new snapshot, at most
/// one per symbol every [`RESYNC_MIN_INTERVAL_MS`]. A failed fetch is
/// logged and tried again at the next look. Abort the task at the end of
/// the run: it holds a sender of the engine's channel.
pub fn spawn(
    live: &Live,
    side: tokio::sync::mpsc::Sender<Vec<crate::engine::Event>>,
    wanted: Arc<[AtomicBool]>,
) -> tokio::task::JoinHandle<()> {
    let rest = live.rest.clone();
    let instruments: Vec<_> = live.instruments.iter().map(|(id, inst)| (id, inst.clone())).collect();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(DEPTH_SNAPSHOT_DELAY_MS)).await;
        let mut last: Vec<Option<tokio::time::Instant>> = vec![None; instruments.len()];
        for (i, (id, inst)) in instruments.iter().enumerate() {
            last[i] = Some(tokio::time::Instant::now());
            match snapshot_to_engine(&rest, *id, inst, &side, "depth snapshot").await {
                Fetch::Sent => {}
                Fetch::Failed => flag(&wanted, *id),
                Fetch::EngineGone => return,
            }
        }
        let mut poll = tokio::time::interval(Duration::from_millis(RESYNC_POLL_MS));
        loop {
            poll.tick().await;
            for (i, (id, inst)) in instruments.iter().enumerate() {
                let Some(asked) = wanted.get(id.index()) else { continue };
                let recent = last[i].is_some_and(|t| t.elapsed() < Duration::from_millis(RESYNC_MIN_INTERVAL_MS));
                if recent || !asked.swap(false, Ordering::Relaxed) {
                    continue;
                }
                last[i] = Some(tokio::time::Instant::now());
                match snapshot_to_engine(&rest, *id, inst, &side, "depth resync").await {
                    Fetch::Sent => {}
                    Fetch::Failed => flag(&wanted, *id),
                    Fetch::EngineGone => return,
                }
            }
        }
    })
}

/// How one snapshot fetch went.
enum Fetch {
    Sent,
    /// Logged; the book stays best-effort until a later try.
    Failed,
    EngineGone,
}

/// Asks for a (new) snapshot of `id` at the task's next look.
fn flag(wanted: &[AtomicBool], id: InstrumentId) {
    if let Some(f) = wanted.get(id.index()) {
        f.store(true, Ordering::Relaxed);
    }
}

/// Fetches a snapshot of `inst` and sends it to the engine.
async fn snapshot_to_engine(
    rest: &RestClient,
    id: InstrumentId,
    inst: &Instrument,
    side: &tokio::sync::mpsc::Sender<Vec<crate::engine::Event>>,
    what: &str,
) -> Fetch {
    match rest.depth(inst, id, DEPTH_SNAPSHOT_LEVELS).await {
        Ok(snap) => {
            tracing::info!(
                "{what} {}: lastUpdateId {}, {} bids, {} asks",
                inst.symbol,
                snap.last_update_id,
                snap.bids.len(),
                snap.asks.len()
            );
            let ev = crate::engine::Event {
                seq: 0,
                stamp: Default::default(),
                kind: EventKind::Market(crate::domain::MarketEvent::DepthSnapshot(snap)),
            };
            if side.send(vec![ev]).await.is_ok() { Fetch::Sent } else { Fetch::EngineGone }
        }
        Err(e) => {
            tracing::warn!("{what} {}: {e}", inst.symbol);
            Fetch::Failed
        }
    }
}
