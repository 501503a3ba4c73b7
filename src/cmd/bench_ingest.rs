//! `tickdesk bench --mode ingest`: the sim venue streams the synthetic market
//! over loopback WebSocket at a fixed rate into the live client, the decoder
//! and the engine — the real network path, end to end — and the report says
//! what arrived, what was dropped, and how long decoding took.

use super::RunError;
use super::bench::{Environment, environment};
use super::headless;
use crate::cli::{BenchArgs, HeadlessArgs};
use crate::config::Config;
use crate::telemetry::LatencyStats;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub bench: &'static str,
    /// Messages per second the venue was asked to send.
    pub target_rate: f64,
    pub seconds: u64,
    /// Market events the engine processed per second of the run.
    pub delivered_per_sec: f64,
    pub events: u64,
    /// Events the client had to drop (engine channel full).
    pub dropped: u64,
    pub malformed: u64,
    pub reconnects: u64,
    /// Frame in hand → decoded event.
    pub receive_to_decoded_ns: LatencyStats,
    /// Decoded → taken up by the engine (channel hand-over).
    pub decoded_to_engine_ns: LatencyStats,
    /// With `--record`: what the recording wrote, dropped, and its writer's CPU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<crate::record::RecordingReport>,
    pub environment: Environment,
}

pub fn run(cfg: &Config, args: &BenchArgs) -> Result<IngestReport, RunError> {
    let mut cfg = cfg.clone();
    cfg.synthetic.rate = args.rate;
    if let Some(seed) = args.seed {
        cfg.synthetic.seed = seed;
    }
    cfg.feed.backfill = 0;
    let h = HeadlessArgs {
        venue: Some("sim".into()),
        duration: Some(format!("{}s", args.seconds)),
        status_interval: Some(0),
        record: args.record.clone(),
        no_record: args.record.is_none(),
        ..HeadlessArgs::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| RunError::Runtime(format!("cannot start the runtime: {e}")))?;
    let s = rt.block_on(headless::run(&cfg, &h))?;
    let events: u64 =
        ["trade", "book_ticker", "kline", "agg_trade", "depth_update"].iter().filter_map(|k| s.events.get(*k)).sum();
    let live = s.live.as_ref();
    Ok(IngestReport {
        bench: "ingest",
        target_rate: args.rate,
        seconds: args.seconds,
        delivered_per_sec: events as f64 / s.elapsed_secs.max(1e-9),
        events,
        dropped: s.dropped,
        malformed: s.events.get("malformed").copied().unwrap_or(0),
        reconnects: live.map_or(0, |l| l.connections.iter().map(|c| c.reconnects).sum()),
        receive_to_decoded_ns: s.latency_ns.get("receive_to_decoded").copied().unwrap_or_default(),
        decoded_to_engine_ns: s.latency_ns.get("decoded_to_engine").copied().unwrap_or_default(),
        recording: s.recording.clone(),
        environment: environment(),
    })
}
