//! `tickdesk bench`: the whole pipeline at full speed over the synthetic
//! market, as Binance JSON frames so decoding is timed too.
//!
//! Frames are generated before the clock starts; each run then decodes and
//! processes every frame on one thread (no channel), exactly the work the
//! engine thread and the feed do per event. The report records the machine
//! so figures can be compared over time.

use super::RunError;
use crate::cli::BenchArgs;
use crate::config::Config;
use crate::domain::Instruments;
use crate::engine::{Event, EventKind, Stamp, build_engine};
use crate::feed::binance::{BinanceDecoder, Decoded};
use crate::sim::Generator;
use crate::strategy::{ProbeConfig, StrategyConfig};
use crate::telemetry::{LatencyStats, Stage, mono_ns};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// A fixed market start, so every run sees the same times.
const START_MS: i64 = 1_700_000_000_000;

#[derive(Debug, Clone, Serialize)]
pub struct RunFigures {
    pub events: u64,
    pub elapsed_secs: f64,
    pub events_per_sec: f64,
    pub candles_closed: u64,
    pub orders_submitted: u64,
    pub fills: u64,
    pub risk_rejected: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub cpu: String,
    pub cores: usize,
    pub os: String,
    pub rustc: &'static str,
    pub commit: &'static str,
    pub tickdesk_version: &'static str,
    pub profile: &'static str,
    pub unix_time: i64,
    /// A loop's time on one CPU with a second CPU busy over its time alone
    /// (see [`crate::telemetry::core_sharing`]): about 1.0 on separate
    /// cores, more when the host runs both on one.
    pub core_sharing: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub bench: &'static str,
    pub events: usize,
    pub runs: Vec<RunFigures>,
    /// Median over runs.
    pub events_per_sec: f64,
    /// Mean time per event spent in each stage (median run), ns.
    pub stage_ns_per_event: BTreeMap<String, f64>,
    /// Percentiles per stage (median run), ns.
    pub latency_ns: BTreeMap<String, LatencyStats>,
    pub environment: Environment,
}

pub fn run(cfg: &Config, args: &BenchArgs) -> Result<BenchReport, RunError> {
    let mut syn = cfg.synthetic.clone();
    if let Some(s) = args.seed {
        syn.seed = s;
    }
    let mut generator = Generator::new(&syn, START_MS).map_err(|e| RunError::Config(format!("synthetic.{e}")))?;
    let instruments = Instruments::fixed(generator.instruments());
    let cfg = &with_probe(cfg, &instruments);
    let mut bytes = Vec::with_capacity(args.events * 160);
    let mut spans = Vec::with_capacity(args.events);
    let mut buf = Vec::with_capacity(512);
    for _ in 0..args.events {
        generator.next_frame(&mut buf);
        spans.push((bytes.len(), buf.len()));
        bytes.extend_from_slice(&buf);
    }

    let mut runs = Vec::new();
    let mut per_run_stats = Vec::new();
    for _ in 0..args.runs.max(1) {
        let mut engine = build_engine(cfg, instruments.clone()).map_err(RunError::Config)?;
        let mut decoder = BinanceDecoder::new(instruments.clone());
        let started = Instant::now();
        let mut seq = 0u64;
        for &(at, len) in &spans {
            let recv = mono_ns();
            if let Ok(Decoded::Market(m)) = decoder.decode(&bytes[at..at + len]) {
                seq += 1;
                let ev = Event {
                    seq,
                    stamp: Stamp { recv_mono_ns: recv, recv_wall_ns: 0, decoded_mono_ns: mono_ns() },
                    kind: EventKind::Market(m),
                };
                engine.process(&ev);
            }
        }
        engine.finish();
        let elapsed = started.elapsed().as_secs_f64();
        let c = engine.counters();
        runs.push(RunFigures {
            events: seq,
            elapsed_secs: elapsed,
            events_per_sec: seq as f64 / elapsed,
            candles_closed: c.candles_closed,
            orders_submitted: c.orders_submitted,
            fills: c.fills,
            risk_rejected: c.risk_rejected,
        });
        let stats: BTreeMap<String, LatencyStats> =
            Stage::ALL.iter().map(|s| (s.as_str().to_string(), engine.latency().stats(*s))).collect();
        per_run_stats.push(stats);
    }
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| runs[a].events_per_sec.total_cmp(&runs[b].events_per_sec));
    let median = order[order.len() / 2];
    let latency = per_run_stats[median].clone();
    let n = runs[median].events.max(1) as f64;
    let stage_ns_per_event = latency
        .iter()
        .filter(|(k, _)| k.as_str() != Stage::TickToOrder.as_str())
        .map(|(k, s)| (k.clone(), s.mean * s.count as f64 / n))
        .collect();
    Ok(BenchReport {
        bench: "pipeline",
        events: args.events,
        events_per_sec: runs[median].events_per_sec,
        runs,
        stage_ns_per_event,
        latency_ns: latency,
        environment: environment(),
    })
}

/// The configured strategies plus a latency probe on the first symbol: a
/// market order every 50 trades, so tick-to-order has thousands of samples
/// rather than the handful a crossover strategy produces.
fn with_probe(cfg: &Config, instruments: &Instruments) -> Config {
    let mut cfg = cfg.clone();
    if let Some((_, inst)) = instruments.iter().next() {
        let qty = crate::domain::Qty(inst.step_size.0.max(1) * 100);
        cfg.strategies.push(StrategyConfig::Probe(ProbeConfig {
            symbol: inst.symbol.clone(),
            every_n_trades: 50,
            qty: qty.display(inst.qty_scale).to_string(),
        }));
    }
    cfg
}

/// Prints the report as a small table.
pub fn print_table(r: &BenchReport) {
    println!("pipeline bench: {} events x {} runs", r.events, r.runs.len());
    for (i, run) in r.runs.iter().enumerate() {
        println!("  run {i}: {:>12.0} events/s ({:.3} s)", run.events_per_sec, run.elapsed_secs);
    }
    println!("  median: {:.0} events/s", r.events_per_sec);
    println!("  {:<24} {:>10} {:>8} {:>8} {:>8} {:>8}", "stage", "ns/event", "p50", "p99", "p99.9", "max");
    for (k, s) in &r.latency_ns {
        let per = r.stage_ns_per_event.get(k).copied().unwrap_or(f64::NAN);
        println!("  {k:<24} {per:>10.1} {:>8} {:>8} {:>8} {:>8}", s.p50, s.p99, s.p999, s.max);
    }
    let e = &r.environment;
    println!(
        "  env: {} x{} | {} | {} | commit {} | core sharing {}",
        e.cpu,
        e.cores,
        e.os,
        e.rustc,
        e.commit,
        e.core_sharing.map_or("unknown".into(), |r| format!("{r:.2}"))
    );
}

pub fn environment() -> Environment {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let os = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| std::env::consts::OS.to_string(), |r| format!("{} {}", std::env::consts::OS, r.trim()));
    Environment {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        os,
        rustc: env!("TICKDESK_RUSTC"),
        commit: env!("TICKDESK_COMMIT"),
        tickdesk_version: env!("CARGO_PKG_VERSION"),
        profile: if cfg!(debug_assertions) { "debug" } else { "release" },
        unix_time: crate::telemetry::wall_ns() / 1_000_000_000,
        core_sharing: crate::telemetry::core_sharing::core_sharing(),
    }
}
