//! The JSON summary printed at the end of a run.

use super::source::SourceOutcome;
use crate::engine::Engine;
use crate::engine::snapshot::{OrderCounts, PnlView, PositionView};
use crate::telemetry::{LatencyStats, Stage};
use serde::Serialize;
use std::collections::BTreeMap;

/// One depth book at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DepthReport {
    pub synced: bool,
    pub gaps: u64,
    pub snapshots: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub tickdesk_version: &'static str,
    /// `synthetic` or the input path.
    pub source: String,
    /// Frames per kind as decoded, plus `malformed` (total) and `unknown`.
    pub events: BTreeMap<String, u64>,
    /// Malformed frames by reason.
    pub malformed: BTreeMap<String, u64>,
    /// Input lines that were not frames, by kind.
    pub skipped_lines: BTreeMap<String, u64>,
    /// Events dropped because the engine could not keep up (paced sources only).
    pub dropped: u64,
    pub out_of_order_dropped: u64,
    /// Per symbol: late ticks dropped, and what the reorder window saved.
    pub out_of_order_by_symbol: BTreeMap<String, BTreeMap<String, u64>>,
    pub candles_closed: u64,
    /// Candles taken from the REST backfill into the chart history (live runs).
    pub backfilled_candles: u64,
    pub orders: OrderCounts,
    pub fills: u64,
    pub risk_rejections: BTreeMap<String, u64>,
    /// Per symbol with a depth book (`--depth`): whether it ends in step with
    /// the venue's update chain, the breaks seen and the snapshots applied.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depth: BTreeMap<String, DepthReport>,
    pub kill_switch: Option<String>,
    pub positions: Vec<PositionView>,
    pub pnl: PnlView,
    pub latency_ns: BTreeMap<String, LatencyStats>,
    /// Events through the engine per second of wall time.
    pub events_per_sec: f64,
    pub elapsed_secs: f64,
    pub interrupted: bool,
    pub error: Option<String>,
    /// Live runs: the venue, the clock offset, per-connection statistics
    /// (state, messages/s, bytes/s, reconnects, last-frame age), trade-id
    /// gaps and duplicates, REST figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<super::live::LiveReport>,
    /// Sandbox runs: where orders went, the gateway's figures (acks, fills,
    /// duplicates skipped, reconciliations, discrepancies, stream drops) and
    /// the venue's balances at the start and at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<super::route::RouteReport>,
    /// Recorded runs: the session directory, records written and dropped,
    /// gap markers, segments and bytes on disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<crate::record::RecordingReport>,
    /// Replays: what was read from the session and how it went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<super::replay::ReplayReport>,
}

impl Summary {
    pub fn build(engine: &Engine, src: &SourceOutcome, source: String, elapsed_secs: f64) -> Self {
        let snap = engine.snapshot();
        let mut events: BTreeMap<String, u64> = src.decode.iter_decoded().map(|(k, v)| (k.to_string(), v)).collect();
        let mut malformed: BTreeMap<String, u64> =
            src.decode.iter_malformed().map(|(k, v)| (k.to_string(), v)).collect();
        if let Some(i) = &src.input {
            // Lines refused before decoding count as malformed too.
            *malformed.entry("too_large".into()).or_default() += i.too_large;
            *malformed.entry("bad_layout".into()).or_default() += i.bad_layout;
            *malformed.entry("bad_timestamp".into()).or_default() += i.bad_timestamp;
        }
        events.insert("malformed".into(), malformed.values().sum());
        events.entry("unknown".into()).or_insert(0);
        let skipped_lines = src
            .input
            .as_ref()
            .map(|i| {
                BTreeMap::from([
                    ("empty".to_string(), i.skipped_empty),
                    ("connection".to_string(), i.skipped_connection),
                    ("outbound".to_string(), i.skipped_outbound),
                    ("configuration".to_string(), i.skipped_configuration),
                ])
            })
            .unwrap_or_default();
        let mut by_symbol = BTreeMap::new();
        for (id, inst) in engine.instruments().iter() {
            let s = engine.aggregator().symbol_stats(id);
            if s.out_of_order_dropped + s.reorder_saved + s.reorder_unsaved > 0 {
                by_symbol.insert(
                    inst.symbol.clone(),
                    BTreeMap::from([
                        ("out_of_order_dropped".to_string(), s.out_of_order_dropped),
                        ("reorder_saved".to_string(), s.reorder_saved),
                        ("reorder_unsaved".to_string(), s.reorder_unsaved),
                    ]),
                );
            }
        }
        let depth = engine
            .instruments()
            .iter()
            .filter_map(|(id, inst)| {
                let b = engine.depth(id)?;
                Some((
                    inst.symbol.clone(),
                    DepthReport { synced: b.is_synced(), gaps: b.gaps(), snapshots: b.snapshots() },
                ))
            })
            .collect();
        let processed = engine.counters().market_events();
        Self {
            tickdesk_version: env!("CARGO_PKG_VERSION"),
            source,
            events,
            malformed,
            skipped_lines,
            dropped: src.dropped,
            out_of_order_dropped: snap.out_of_order_dropped,
            out_of_order_by_symbol: by_symbol,
            candles_closed: snap.counters.candles_closed,
            backfilled_candles: snap.counters.backfilled_candles,
            orders: snap.orders,
            fills: snap.counters.fills,
            risk_rejections: engine.risk().rejections().map(|(r, n)| (r.as_str().to_string(), n)).collect(),
            depth,
            kill_switch: snap.kill_switch,
            positions: snap.positions,
            pnl: snap.pnl,
            latency_ns: Stage::ALL.iter().map(|s| (s.as_str().to_string(), engine.latency().stats(*s))).collect(),
            events_per_sec: if elapsed_secs > 0.0 { processed as f64 / elapsed_secs } else { 0.0 },
            elapsed_secs,
            interrupted: src.interrupted,
            error: src.error.clone(),
            live: None,
            route: None,
            recording: None,
            replay: None,
        }
    }
}
