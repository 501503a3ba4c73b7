//! `tickdesk headless`: the engine without a screen, over a recorded file or
//! the synthetic market, printing status lines and a JSON summary.

use super::RunError;
use super::candles_csv::CandleCsv;
use super::front::{FrontEnd, ScreenFeed};
use super::live::{self, Live};
use super::recording::{self, EngineTap, RunFacts};
use super::source::{EventSink, FrameDecoder, SourceOutcome, run_file, run_synthetic};
use super::summary::Summary;
use super::venue::VenueChoice;
use crate::cli::HeadlessArgs;
use crate::config::{Config, Speed, parse_duration_ms};
use crate::domain::{Instruments, Venue};
use crate::engine::{Engine, Event, EventKind, Snapshot, build_engine_with};
use crate::feed::binance::BinanceDecoder;
use crate::feed::input::load_exchange_info;
use crate::route::{PaperRouter, Router};
use crate::sim::Generator;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Where the events of a run come from.
enum Source {
    File,
    Synthetic(Box<Generator>),
    Live(Box<Live>),
}

/// Runs to the end of the input, the duration, or a signal, and returns the summary.
pub async fn run(cfg: &Config, args: &HeadlessArgs) -> Result<Summary, RunError> {
    run_with(cfg, args, None).await
}

/// A run that lasts as long as its screen: the workstation never ends on its own.
const FRONT_END_DURATION: &str = "36500d";

/// Like [`run`], with a front end attached: the engine thread publishes
/// screens for it, it may send commands, and it stops the run.
pub async fn run_with(cfg: &Config, args: &HeadlessArgs, front: Option<FrontEnd>) -> Result<Summary, RunError> {
    use RunError::{Config as Bad, Runtime};
    let mut cfg = cfg.clone();
    if let Some(seed) = args.seed {
        cfg.synthetic.seed = seed;
    }
    let default_duration = if front.is_some() { FRONT_END_DURATION } else { cfg.headless.duration.as_str() };
    let duration_ms = parse_duration_ms(args.duration.as_deref().unwrap_or(default_duration))
        .map_err(|e| Bad(format!("--duration: {e}")))?;
    let speed: Speed =
        args.speed.as_deref().unwrap_or(&cfg.headless.speed).parse().map_err(|e| Bad(format!("--speed: {e}")))?;
    let status_every =
        if front.is_some() { 0 } else { args.status_interval.unwrap_or(cfg.headless.status_interval_secs) };
    let venue: VenueChoice =
        args.venue.as_deref().unwrap_or("sim").parse().map_err(|e| Bad(format!("--venue: {e}")))?;
    // A sandbox run is refused here, before any connection, when it cannot work.
    let credentials = super::route::preflight(&cfg, args, venue)?;

    // Instruments: a live venue lists them (exchangeInfo); the synthetic
    // market defines its own; a bare file gets an exchangeInfo when given,
    // and defaults for symbols it meets.
    let (instruments, source) = match (&args.input, venue) {
        (Some(_), _) => {
            let mut t = Instruments::auto(Venue::BinanceSpot);
            if let Some(p) = &args.exchange_info {
                for i in load_exchange_info(p).map_err(|e| Bad(format!("--exchange-info {}: {e}", p.display())))? {
                    t.upsert(i);
                }
            }
            for s in &cfg.strategies {
                t.resolve(s.symbol().to_ascii_uppercase().as_bytes());
            }
            (t, Source::File)
        }
        (None, VenueChoice::Synthetic) => {
            let start_ms = crate::telemetry::wall_ns() / 1_000_000 / 1000 * 1000;
            let g = Generator::new(&cfg.synthetic, start_ms).map_err(|e| Bad(format!("synthetic.{e}")))?;
            (Instruments::fixed(g.instruments()), Source::Synthetic(Box::new(g)))
        }
        (None, v) => {
            let l = live::connect(&cfg, args, v).await?;
            (l.instruments.clone(), Source::Live(Box::new(l)))
        }
    };
    let (tx, rx) = mpsc::channel::<Vec<Event>>(cfg.engine.channel_capacity.max(1));
    let (router, mut gateway) = match (credentials, &source) {
        (Some(creds), Source::Live(l)) => {
            let (router, handle, info) = super::route::start(&cfg, args, l, creds, tx.clone()).await?;
            (router, Some((handle, info)))
        }
        _ => (Router::Paper(PaperRouter::new(&cfg.paper).map_err(Bad)?), None),
    };
    let route = router.name();
    let mut engine = build_engine_with(&cfg, instruments.clone(), router).map_err(Bad)?;
    // Recorded input and the generator at full speed wait when the engine is
    // behind (results must not depend on machine speed); paced and live
    // sources never wait: they drop and count.
    let lossy = match &source {
        Source::File => false,
        Source::Synthetic(_) => matches!(speed, Speed::Times(_)),
        Source::Live(_) => true,
    };
    let session = match recording::parent_dir(args) {
        Some(parent) => {
            let facts = match &source {
                Source::Live(l) => RunFacts {
                    venue: l.venue.to_string(),
                    source: "live",
                    instruments: &instruments,
                    sequencer: true,
                    lossy,
                    instruments_auto: false,
                    route,
                },
                _ => RunFacts {
                    venue: "synthetic".into(),
                    source: "synthetic",
                    instruments: &instruments,
                    sequencer: false,
                    lossy,
                    instruments_auto: false,
                    route,
                },
            };
            let rec = recording::start(&parent, &recording::header(&cfg, &facts))?;
            if front.is_none() {
                eprintln!("recording to {}", rec.dir().display());
            }
            tracing::info!("recording to {}", rec.dir().display());
            if let Source::Live(l) = &source {
                l.rest_recording.attach(rec.buffer(crate::record::Stream::Feed));
            }
            engine.set_journal(true);
            Some(rec)
        }
        None => {
            if let Source::Live(l) = &source {
                l.rest_recording.off();
            }
            None
        }
    };
    let engine_tap = session.as_ref().map(|s| EngineTap::new(s.buffer(crate::record::Stream::Engine)));
    let mut csv = match &args.candles_out {
        Some(p) => Some(CandleCsv::create(p).map_err(|e| Runtime(format!("--candles-out {}: {e}", p.display())))?),
        None => None,
    };
    engine.set_capture_candles(csv.is_some());
    // A live book that loses the update chain is flagged for a new snapshot.
    let depth_wanted: Option<Arc<[std::sync::atomic::AtomicBool]>> = match &source {
        Source::Live(l) if args.depth => {
            let n = l.instruments.iter().map(|(id, _)| id.index() + 1).max().unwrap_or(0);
            let w: Arc<[std::sync::atomic::AtomicBool]> =
                (0..n).map(|_| std::sync::atomic::AtomicBool::new(false)).collect();
            engine.request_depth_resync_into(w.clone());
            Some(w)
        }
        _ => None,
    };

    let decoder = BinanceDecoder::new(instruments.clone())
        .with_max_frame_bytes(cfg.feed.max_frame_bytes)
        .with_max_rest_bytes(cfg.feed.max_rest_bytes);
    let origin = match (&args.input, &source) {
        (Some(p), _) => p.display().to_string(),
        (None, Source::Live(l)) => format!("{} {}", l.venue, l.ws_base),
        _ => "synthetic".to_string(),
    };
    let frames = FrameDecoder::new(decoder, origin.clone(), cfg.feed.log_first_malformed);
    let mut sink = EventSink::new(tx, cfg.engine.batch_size, lossy)
        .with_recording(session.as_ref().map(|s| s.buffer(crate::record::Stream::Feed)));
    let (stop, screen) = match front {
        Some(f) => {
            // Commands go in out of band, as feed figures do; the engine orders them by arrival.
            let _ = f.commands.send(sink.side_channel());
            sink.share_drops(f.drops);
            (f.stop, Some(f.screen))
        }
        None => (Arc::new(AtomicBool::new(false)), None),
    };

    let (snap_tx, snap_rx) = watch::channel(Arc::new(engine.snapshot()));
    let started = Instant::now();
    let handle = tokio::runtime::Handle::current();
    let engine_thread = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || drive(engine, rx, csv.take(), snap_tx, screen, engine_tap, &handle))
        .map_err(|e| Runtime(format!("cannot start the engine thread: {e}")))?;
    let signals = tokio::spawn(wait_for_signal(stop.clone()));

    let (outcome, live_report, route) = match source {
        Source::Live(l) => {
            if let Some(o) = l.clock_offset_ms {
                sink.push_now(EventKind::ClockOffset { offset_ms: o });
            }
            live::backfill(&l, &cfg, &mut sink).await;
            let ids: Vec<_> = l.instruments.iter().map(|(id, _)| id).collect();
            let side = sink.side_channel();
            let (live_sink, counters) = live::LiveSink::new(frames, sink, ids);
            let conn = live::start_connection(&l, &cfg, live_sink);
            let depth_task = depth_wanted.map(|w| super::depth_snapshots::spawn(&l, side.clone(), w));
            let latest = Arc::new(std::sync::Mutex::new(conn.stats()));
            let shown = latest.clone();
            let extra: StatusExtra = Arc::new(move || {
                let Ok(c) = shown.lock().map(|c| c.clone()) else { return String::new() };
                format!(
                    " feed={:?} msgs/s={:.0} reconnects={} age={}ms",
                    c.state,
                    c.messages_per_sec,
                    c.reconnects,
                    c.last_frame_age_ms.map_or_else(|| "-".to_string(), |a| a.to_string())
                )
            });
            let status =
                (status_every > 0).then(|| tokio::spawn(status_lines(snap_rx, status_every, started, Some(extra))));
            let interrupted = wait_live(duration_ms, &stop, &conn, &latest, &side).await;
            let conn_stats = conn.stats();
            conn.shutdown().await;
            // The gateway cancels what is open, waits for the answers, and
            // releases the engine's channel only after its last update.
            let route = match gateway.take() {
                Some((handle, info)) => Some((handle.finish().await, info)),
                None => None,
            };
            if let Some(t) = depth_task {
                t.abort();
            }
            if let Some(s) = status {
                s.abort();
            }
            let c = counters.lock().map(|c| c.clone()).unwrap_or_default();
            let outcome = SourceOutcome {
                frames: conn_stats.messages,
                decode: c.decode.clone(),
                input: None,
                dropped: c.dropped,
                interrupted,
                error: None,
            };
            let report = live::LiveReport {
                venue: l.venue.to_string(),
                ws_url: l.ws_base.clone(),
                rest_url: l.rest_base.clone(),
                clock_offset_ms: l.clock_offset_ms,
                connections: vec![conn_stats],
                trade_ids: c.trade_ids,
                rest: l.rest.stats(),
            };
            l.rest_recording.off();
            if let Some(v) = l.sim {
                v.shutdown().await;
            }
            (outcome, Some(report), route)
        }
        other => {
            let status = (status_every > 0).then(|| tokio::spawn(status_lines(snap_rx, status_every, started, None)));
            let stop_src = stop.clone();
            let input = args.input.clone();
            let max_rest = cfg.feed.max_rest_bytes;
            let task = tokio::task::spawn_blocking(move || match (input, other) {
                (Some(path), _) => run_file(&path, frames, sink, max_rest, &stop_src),
                (None, Source::Synthetic(g)) => run_synthetic(*g, frames, sink, duration_ms, speed, &stop_src),
                _ => SourceOutcome { error: Some("no source".into()), ..SourceOutcome::default() },
            });
            let outcome = task.await.map_err(|e| Runtime(format!("source task failed: {e}")))?;
            if let Some(s) = status {
                s.abort();
            }
            (outcome, None, None)
        }
    };
    let (engine, csv_result) = tokio::task::spawn_blocking(move || engine_thread.join())
        .await
        .map_err(|e| Runtime(format!("engine join failed: {e}")))?
        .map_err(|_| Runtime("the engine thread panicked".to_string()))?;
    signals.abort();
    let elapsed = started.elapsed().as_secs_f64();
    csv_result.map_err(|e| Runtime(format!("--candles-out: {e}")))?;
    let mut summary = Summary::build(&engine, &outcome, origin, elapsed);
    summary.live = live_report;
    summary.route = route.map(|(report, info)| {
        let engine_side = engine.router().as_sandbox().map(|s| *s.stats()).unwrap_or_default();
        info.report(engine_side, report)
    });
    summary.interrupted |= stop.load(Ordering::Relaxed);
    summary.recording = session.map(crate::record::SessionRecorder::finish);
    Ok(summary)
}

/// A live run lasts `duration_ms` of wall time, or until a signal; the
/// connection figures for the status line are refreshed meanwhile.
async fn wait_live(
    duration_ms: u64,
    stop: &AtomicBool,
    conn: &crate::feed::connection::ConnectionHandle,
    latest: &std::sync::Mutex<crate::feed::connection::ConnStatsSnapshot>,
    side: &mpsc::Sender<Vec<Event>>,
) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(duration_ms);
    let mut last_sent = tokio::time::Instant::now();
    loop {
        let stats = conn.stats();
        if last_sent.elapsed() >= Duration::from_secs(1) {
            // Out of band (seq 0); when the channel is full the figures wait for the next second.
            let ev = Event { seq: 0, stamp: Default::default(), kind: EventKind::FeedStats(Box::new(stats.clone())) };
            let _ = side.try_send(vec![ev]);
            last_sent = tokio::time::Instant::now();
        }
        if let Ok(mut l) = latest.lock() {
            *l = stats;
        }
        if stop.load(Ordering::Relaxed) {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Extra text for the status line (connection figures).
type StatusExtra = Arc<dyn Fn() -> String + Send + Sync>;

/// The engine thread: consume batches in order, publish snapshots a few
/// times a second (and screens at the front end's frame rate), write
/// candles, and close everything at the end.
///
/// Publishing happens between batches. When the channel runs dry with
/// changes not yet shown, the thread waits only until the next screen is
/// due, so the last state of a quiet market still reaches the screen.
fn drive(
    mut engine: Engine,
    mut rx: mpsc::Receiver<Vec<Event>>,
    mut csv: Option<CandleCsv>,
    snap_tx: watch::Sender<Arc<Snapshot>>,
    mut screen: Option<ScreenFeed>,
    mut tap: Option<EngineTap>,
    handle: &tokio::runtime::Handle,
) -> (Engine, std::io::Result<u64>) {
    let mut io: std::io::Result<()> = Ok(());
    let mut last_pub = Instant::now();
    let mut dirty = true;
    loop {
        let batch = match rx.try_recv() {
            Ok(b) => b,
            Err(mpsc::error::TryRecvError::Disconnected) => break,
            Err(mpsc::error::TryRecvError::Empty) => {
                let wait = match screen.as_mut() {
                    Some(s) if dirty => {
                        if s.publish_if_due(&engine) {
                            dirty = false;
                            None
                        } else {
                            Some(s.until_due())
                        }
                    }
                    _ => None,
                };
                let next = match wait {
                    Some(d) => match handle.block_on(async { tokio::time::timeout(d, rx.recv()).await }) {
                        Ok(b) => b,
                        Err(_) => continue,
                    },
                    None => rx.blocking_recv(),
                };
                match next {
                    Some(b) => b,
                    None => break,
                }
            }
        };
        for ev in &batch {
            engine.process(ev);
            if let Some(t) = tap.as_mut() {
                t.after_event(ev, &engine);
            }
        }
        if let Some(t) = tap.as_mut() {
            t.after_batch(&mut engine);
        }
        dirty = true;
        if let Some(w) = csv.as_mut() {
            write_candles(&mut engine, w, &mut io);
        }
        if let Some(s) = screen.as_mut() {
            if s.publish_if_due(&engine) {
                dirty = false;
            }
        }
        if last_pub.elapsed() >= Duration::from_millis(200) {
            snap_tx.send_replace(Arc::new(engine.snapshot()));
            last_pub = Instant::now();
        }
    }
    engine.finish();
    if let Some(mut t) = tap.take() {
        t.after_batch(&mut engine);
    }
    let rows = match csv {
        Some(mut w) => {
            write_candles(&mut engine, &mut w, &mut io);
            io.and_then(|()| w.finish())
        }
        None => io.map(|()| 0),
    };
    if let Some(s) = screen.as_mut() {
        s.publish(&engine);
    }
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

async fn status_lines(
    rx: watch::Receiver<Arc<Snapshot>>,
    every_secs: u64,
    started: Instant,
    extra: Option<StatusExtra>,
) {
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
        if let Some(f) = &extra {
            eprintln!("          {}", f());
        }
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
