//! `tickdesk headless`: the engine without a screen, over a recorded file or
//! the synthetic market, printing status lines and a JSON summary.

use super::RunError;
use super::candles_csv::CandleCsv;
use super::source::{EventSink, FrameDecoder, SourceOutcome, run_file, run_synthetic};
use super::summary::Summary;
use crate::cli::HeadlessArgs;
use crate::config::{Config, Speed, parse_duration_ms};
use crate::domain::{Instruments, Venue};
use crate::engine::{Engine, Event, Snapshot, build_engine};
use crate::feed::binance::BinanceDecoder;
use crate::feed::input::load_exchange_info;
use crate::sim::Generator;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Runs to the end of the input (or a signal) and returns the summary.
pub async fn run(cfg: &Config, args: &HeadlessArgs) -> Result<Summary, RunError> {
    use RunError::{Config as Bad, Runtime};
    let mut cfg = cfg.clone();
    if let Some(seed) = args.seed {
        cfg.synthetic.seed = seed;
    }
    let duration_ms = parse_duration_ms(args.duration.as_deref().unwrap_or(&cfg.headless.duration))
        .map_err(|e| Bad(format!("--duration: {e}")))?;
    let speed: Speed =
        args.speed.as_deref().unwrap_or(&cfg.headless.speed).parse().map_err(|e| Bad(format!("--speed: {e}")))?;
    let status_every = args.status_interval.unwrap_or(cfg.headless.status_interval_secs);

    // Instruments: the synthetic market defines its own; a bare file gets
    // an exchangeInfo when given, and defaults for symbols it meets.
    let (instruments, generator) = match &args.input {
        None => {
            let start_ms = crate::telemetry::wall_ns() / 1_000_000 / 1000 * 1000;
            let g = Generator::new(&cfg.synthetic, start_ms).map_err(|e| Bad(format!("synthetic.{e}")))?;
            (Instruments::fixed(g.instruments()), Some(g))
        }
        Some(_) => {
            let mut t = Instruments::auto(Venue::BinanceSpot);
            if let Some(p) = &args.exchange_info {
                for i in load_exchange_info(p).map_err(|e| Bad(format!("--exchange-info {}: {e}", p.display())))? {
                    t.upsert(i);
                }
            }
            for s in &cfg.strategies {
                t.resolve(s.symbol().to_ascii_uppercase().as_bytes());
            }
            (t, None)
        }
    };
    let mut engine = build_engine(&cfg, instruments.clone()).map_err(Bad)?;
    let mut csv = match &args.candles_out {
        Some(p) => Some(CandleCsv::create(p).map_err(|e| Runtime(format!("--candles-out {}: {e}", p.display())))?),
        None => None,
    };
    engine.set_capture_candles(csv.is_some());

    let decoder = BinanceDecoder::new(instruments)
        .with_max_frame_bytes(cfg.feed.max_frame_bytes)
        .with_max_rest_bytes(cfg.feed.max_rest_bytes);
    let origin = args.input.as_ref().map_or_else(|| "synthetic".to_string(), |p| p.display().to_string());
    let frames = FrameDecoder::new(decoder, origin.clone(), cfg.feed.log_first_malformed);
    let (tx, rx) = mpsc::channel::<Vec<Event>>(cfg.engine.channel_capacity.max(1));
    let lossy = generator.is_some() && matches!(speed, Speed::Times(_));
    let sink = EventSink::new(tx, cfg.engine.batch_size, lossy);
    let stop = Arc::new(AtomicBool::new(false));

    let (snap_tx, snap_rx) = watch::channel(Arc::new(engine.snapshot()));
    let started = Instant::now();
    let engine_thread = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || drive(engine, rx, csv.take(), snap_tx))
        .map_err(|e| Runtime(format!("cannot start the engine thread: {e}")))?;

    let stop_src = stop.clone();
    let input = args.input.clone();
    let max_rest = cfg.feed.max_rest_bytes;
    let source = tokio::task::spawn_blocking(move || match (input, generator) {
        (Some(path), _) => run_file(&path, frames, sink, max_rest, &stop_src),
        (None, Some(g)) => run_synthetic(g, frames, sink, duration_ms, speed, &stop_src),
        (None, None) => SourceOutcome { error: Some("no source".into()), ..SourceOutcome::default() },
    });

    let status = (status_every > 0).then(|| tokio::spawn(status_lines(snap_rx, status_every, started)));
    let signals = tokio::spawn(wait_for_signal(stop.clone()));
    let outcome = source.await.map_err(|e| Runtime(format!("source task failed: {e}")))?;
    let (engine, csv_result) = tokio::task::spawn_blocking(move || engine_thread.join())
        .await
        .map_err(|e| Runtime(format!("engine join failed: {e}")))?
        .map_err(|_| Runtime("the engine thread panicked".to_string()))?;
    signals.abort();
    if let Some(s) = status {
        s.abort();
    }
    let elapsed = started.elapsed().as_secs_f64();
    csv_result.map_err(|e| Runtime(format!("--candles-out: {e}")))?;
    let mut summary = Summary::build(&engine, &outcome, origin, elapsed);
    summary.interrupted |= stop.load(Ordering::Relaxed);
    Ok(summary)
}

/// The engine thread: consume batches in order, publish snapshots a few
/// times a second, write candles, and close everything at the end.
fn drive(
    mut engine: Engine,
    mut rx: mpsc::Receiver<Vec<Event>>,
    mut csv: Option<CandleCsv>,
    snap_tx: watch::Sender<Arc<Snapshot>>,
) -> (Engine, std::io::Result<u64>) {
    let mut io: std::io::Result<()> = Ok(());
    let mut last_pub = Instant::now();
    while let Some(batch) = rx.blocking_recv() {
        for ev in &batch {
            engine.process(ev);
        }
        if let Some(w) = csv.as_mut() {
            write_candles(&mut engine, w, &mut io);
        }
        if last_pub.elapsed() >= Duration::from_millis(200) {
            snap_tx.send_replace(Arc::new(engine.snapshot()));
            last_pub = Instant::now();
        }
    }
    engine.finish();
    let rows = match csv {
        Some(mut w) => {
            write_candles(&mut engine, &mut w, &mut io);
            io.and_then(|()| w.finish())
        }
        None => io.map(|()| 0),
    };
    snap_tx.send_replace(Arc::new(engine.snapshot()));
    (engine, rows)
}

fn write_candles(engine: &mut Engine, w: &mut CandleCsv, io: &mut std::io::Result<()>) {
    let candles: Vec<_> = engine.drain_candles().collect();
    if io.is_ok() {
        for c in &candles {
            if let Err(e) = w.write(c, engine.instruments()) {
                *io = Err(e);
                break;
            }
        }
    }
}

async fn status_lines(rx: watch::Receiver<Arc<Snapshot>>, every_secs: u64, started: Instant) {
    let mut tick = tokio::time::interval(Duration::from_secs(every_secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tick.tick().await;
    let mut last_events = 0u64;
    let mut last_t = 0.0f64;
    loop {
        tick.tick().await;
        let s = rx.borrow().clone();
        let t = started.elapsed().as_secs_f64();
        let events = s.counters.market_events();
        let rate = (events - last_events.min(events)) as f64 / (t - last_t).max(1e-9);
        eprintln!(
            "[{t:7.1}s] events={events} ({rate:.0}/s) candles={} orders={} fills={} rejected={} pnl={} gaps={}{}",
            s.counters.candles_closed,
            s.orders.submitted,
            s.counters.fills,
            s.orders.rejected,
            s.pnl.total,
            s.counters.seq_gaps,
            s.kill_switch.as_ref().map_or_else(String::new, |k| format!(" KILL-SWITCH: {k}")),
        );
        last_events = events;
        last_t = t;
    }
}

/// Ctrl-C or SIGTERM asks the source to stop; the engine then drains and
/// the summary is printed as for a normal end.
async fn wait_for_signal(stop: Arc<AtomicBool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            stop.store(true, Ordering::Relaxed);
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    stop.store(true, Ordering::Relaxed);
}
