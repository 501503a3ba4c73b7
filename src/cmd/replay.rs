//! `tickdesk replay PATH`: a recorded session through the same decoders and
//! engine as the live run, paced by the recorded receive times (or as fast
//! as the machine goes), headless or in the workstation.
//!
//! The replay needs no runtime and no network: one thread reads the
//! session's two streams, decodes, and steps the engine. Memory stays at a
//! block of each stream and a short line of events, whatever the length.

mod engine_side;
mod pacer;
mod player;
mod verify;

pub use crate::replay::{ReplayControl, ReplayStatus};
pub use player::PlayCounts;
pub use verify::{Divergence, OutputView, VerifyReport};

use super::RunError;
use super::front::FrontEnd;
use super::source::{FrameDecoder, SourceOutcome};
use super::summary::Summary;
use crate::cli::{HeadlessArgs, ReplayArgs};
use crate::config::{Config, Speed, parse_duration_ms};
use crate::domain::{Instruments, Venue};
use crate::engine::{Engine, Event, build_engine_with};
use crate::feed::binance::BinanceDecoder;
use crate::record::{Kind, SessionHeader, Stream, StreamReader};
use crate::route::{PaperRouter, RecordedVenue, Refusal, Router, SandboxRouter};
use pacer::Pacer;
pub use player::{Gate, Player, Step};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the replay read and how it went, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    pub session: String,
    pub venue: String,
    /// `paper`, or `sandbox`: the venue's recorded answers were fed back.
    pub route: String,
    /// The tickdesk version that recorded it.
    pub recorded_by: String,
    /// Session start, `YYYYMMDDTHHMMSSZ`.
    pub started: String,
    /// Whether this run's configuration hashes the same as the recorded
    /// one; when not, decisions may differ and `--verify` says where.
    pub config_matches: bool,
    pub speed: String,
    /// Latency stamps were taken for one frame in this many: 16 for a
    /// headless replay at `max` (every frame is still decoded and applied),
    /// 1 otherwise.
    pub latency_stamp_every: u64,
    /// Stopped at `--to`.
    pub stopped_at_to: bool,
    pub read: PlayCounts,
    /// Torn tails and corrupt blocks, with file and byte offset.
    pub damage: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyReport>,
}

/// A headless replay at `max` stamps one frame in this many for its
/// latency figures: stamps are clock reads, about a tenth of the time per
/// event at that speed, and 1 in 16 still gives tens of thousands of
/// samples a minute of market.
const MAX_SPEED_STAMP_EVERY: u64 = 16;

/// A session directory: its header and its two streams.
pub struct Opened {
    pub header: SessionHeader,
    pub feed: StreamReader,
    pub engine: StreamReader,
    /// Requests the live gateway's full queue refused (sandbox sessions).
    pub refusals: Vec<Refusal>,
}

/// Opens a session directory; the header comes from the first readable
/// segment of either stream. `check_records`: check each record's own
/// checksum as well as its block's (`--verify` does).
pub fn open(dir: &Path, check_records: bool) -> Result<Opened, RunError> {
    let feed = StreamReader::open(dir, Stream::Feed)
        .map_err(|e| RunError::Runtime(format!("{}: {e}", dir.display())))?
        .check_records(check_records);
    if feed.segments().is_empty() {
        return Err(RunError::Runtime(format!("{}: no recorded session here (no feed-*.tdr)", dir.display())));
    }
    let engine =
        StreamReader::open(dir, Stream::Engine).map_err(|e| RunError::Runtime(format!("{}: {e}", dir.display())))?;
    let header = [Stream::Feed, Stream::Engine]
        .into_iter()
        .find_map(|s| read_header(dir, s))
        .ok_or_else(|| RunError::Runtime(format!("{}: no readable session header", dir.display())))?;
    let refusals = if route_of(&header) == "sandbox" { recorded_refusals(dir) } else { Vec::new() };
    Ok(Opened { header, feed, engine, refusals })
}

/// The refusals a sandbox session's engine journaled, in order. A read
/// error ends the scan: the replay then diverges where one is missing,
/// which `--verify` reports.
fn recorded_refusals(dir: &Path) -> Vec<Refusal> {
    let mut out = Vec::new();
    let Ok(mut r) = StreamReader::open(dir, Stream::Engine) else { return out };
    while let Ok(Some(rec)) = r.next_record() {
        if rec.kind == Kind::Engine {
            if let Some(refusal) = std::str::from_utf8(rec.payload).ok().and_then(Refusal::parse) {
                out.push(refusal);
            }
        }
    }
    out
}

fn read_header(dir: &Path, stream: Stream) -> Option<SessionHeader> {
    let mut r = StreamReader::open(dir, stream).ok()?;
    let rec = r.next_record().ok()??;
    (rec.kind == Kind::Header).then(|| serde_json::from_slice(rec.payload).ok()).flatten()
}

/// Headless replay of a session directory, or of an input file through
/// `tickdesk headless --input`.
pub fn run(cfg: &Config, args: &ReplayArgs) -> Result<Summary, RunError> {
    if args.path.is_dir() {
        return play(cfg, args, None, None);
    }
    refuse_session_flags(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| RunError::Runtime(format!("cannot start the runtime: {e}")))?;
    rt.block_on(super::headless::run(cfg, &file_args(args)))
}

/// `--from`, `--to` and `--verify` are for session directories.
pub fn refuse_session_flags(args: &ReplayArgs) -> Result<(), RunError> {
    if args.from.is_some() || args.to.is_some() || args.verify {
        return Err(RunError::Config(format!(
            "{}: --from, --to and --verify need a session directory (an input file has no recorded decisions)",
            args.path.display()
        )));
    }
    Ok(())
}

/// The headless arguments that replay an input file.
pub fn file_args(args: &ReplayArgs) -> HeadlessArgs {
    HeadlessArgs {
        input: Some(args.path.clone()),
        exchange_info: args.exchange_info.clone(),
        status_interval: args.status_interval,
        no_record: true,
        ..HeadlessArgs::default()
    }
}

/// Replays a session directory to its end, `--to`, or a stop; with a
/// front end, screens are published at its frame rate and `control`
/// pauses, changes speed and jumps ahead.
pub fn play(
    cfg: &Config,
    args: &ReplayArgs,
    front: Option<FrontEnd>,
    control: Option<Arc<ReplayControl>>,
) -> Result<Summary, RunError> {
    use RunError::Config as Bad;
    let speed: Speed = args.speed.as_deref().unwrap_or("1").parse().map_err(|e| Bad(format!("--speed: {e}")))?;
    let opened = open(&args.path, args.verify)?;
    let start_ns = opened.header.started_ns;
    let from_ns =
        args.from.as_deref().map(|s| parse_when(s, start_ns).map_err(|e| Bad(format!("--from: {e}")))).transpose()?;
    let to_ns =
        args.to.as_deref().map(|s| parse_when(s, start_ns).map_err(|e| Bad(format!("--to: {e}")))).transpose()?;
    let origin = args.path.display().to_string();
    let (mut engine, mut player) = prepare(cfg, opened, &origin, args.verify)?;
    let stamp_every = if front.is_none() && matches!(speed, Speed::Max) { MAX_SPEED_STAMP_EVERY } else { 1 };
    player.set_stamp_every(stamp_every);
    let h = player.header();
    let config_matches = super::recording::config_hash_of(cfg) == h.config_hash;
    if !config_matches {
        // What matters first: the log pane shows only the start of a line.
        tracing::warn!("recorded with another configuration; decisions may differ ({origin})");
        if front.is_none() {
            eprintln!("note: {origin} was recorded with another configuration; decisions may differ");
        }
    }
    let mut report = ReplayReport {
        session: origin.clone(),
        venue: h.venue.clone(),
        route: route_of(h).to_string(),
        recorded_by: h.tickdesk_version.clone(),
        started: crate::record::utc_stamp(start_ns),
        config_matches,
        speed: args.speed.clone().unwrap_or_else(|| "1".into()),
        latency_stamp_every: stamp_every,
        stopped_at_to: false,
        read: PlayCounts::default(),
        damage: Vec::new(),
        verify: None,
    };

    let (stop, mut screen, mut commands) = match front {
        Some(f) => {
            let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Event>>(64);
            let _ = f.commands.send(tx);
            (f.stop, Some(f.screen), Some(rx))
        }
        None => (Arc::new(AtomicBool::new(false)), None, None),
    };
    let control = control.unwrap_or_default();
    control.set_speed(speed);
    let status_every =
        if screen.is_some() { 0 } else { args.status_interval.unwrap_or(cfg.headless.status_interval_secs) };
    let mut pacer = Pacer::new(from_ns);
    let started = Instant::now();
    let mut last_status = Instant::now();
    let mut error = None;
    let mut stopped_at_to = false;
    let mut steps = 0u64;
    loop {
        let mut gate = |stamp: u64, engine: &mut Engine| -> Gate {
            if to_ns.is_some_and(|t| stamp > t) {
                stopped_at_to = true;
                return Gate::Stop;
            }
            pacer.wait(stamp, &control, &stop, || {
                if let Some(rx) = commands.as_mut() {
                    pacer::take_commands(rx, engine);
                }
                if let Some(s) = screen.as_mut() {
                    s.publish_if_due(engine);
                }
            });
            Gate::Go
        };
        match player.step(&mut engine, &mut gate) {
            Ok(Step::Record) => {}
            Ok(Step::End | Step::Stopped) => break,
            Err(e) => {
                error = Some(format!("{origin}: {e}"));
                break;
            }
        }
        steps += 1;
        if steps % 4096 == 0 {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            if let Some(rx) = commands.as_mut() {
                pacer::take_commands(rx, &mut engine);
            }
            if status_every > 0 && last_status.elapsed() >= Duration::from_secs(status_every) {
                last_status = Instant::now();
                status_line(&engine, started);
            }
        }
        if let Some(s) = screen.as_mut() {
            s.publish_if_due(&engine);
        }
    }
    let interrupted = stop.load(Ordering::Relaxed);
    if let Err(e) = player.finish(&mut engine) {
        error.get_or_insert(format!("{origin}: {e}"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    report.read = player.counts.clone();
    report.damage = player.issues().iter().map(ToString::to_string).collect();
    report.verify = player.verifier().map(verify::Verifier::report);
    report.stopped_at_to = stopped_at_to;
    if let Some(s) = screen.as_mut() {
        // The workstation stays open on this last, complete screen (END in
        // the status bar) until the trader quits, so an error goes to the
        // log pane as well as to the exit status.
        if let Some(e) = &error {
            tracing::error!("{e}");
        }
        s.publish(&engine);
    }
    // Only now: the workstation reads END and the final screen together.
    control.set_ended();
    let outcome = SourceOutcome {
        frames: report.read.frames,
        decode: player.decoder().stats().clone(),
        input: None,
        dropped: report.read.dropped_events,
        interrupted,
        error,
    };
    let mut summary = Summary::build(&engine, &outcome, origin, elapsed);
    summary.replay = Some(report);
    Ok(summary)
}

/// The engine and the player of a session, as the session started: its
/// instruments, the decoder (with the trade-id sequencer when the live feed
/// had it), paper routing, the journal when verifying.
pub fn prepare(cfg: &Config, opened: Opened, origin: &str, verify: bool) -> Result<(Engine, Player), RunError> {
    use RunError::Config as Bad;
    let h = opened.header;
    let instruments = instruments_of(&h)?;
    // A sandbox session's venue answers are in the recording: the replay
    // routes to no venue and feeds them where the engine took them live.
    let router = match route_of(&h) {
        "sandbox" => Router::Sandbox(SandboxRouter::new(Box::new(RecordedVenue::new(opened.refusals)))),
        _ => Router::Paper(PaperRouter::new(&cfg.paper).map_err(Bad)?),
    };
    let mut engine = build_engine_with(cfg, instruments.clone(), router).map_err(Bad)?;
    engine.set_journal(verify);
    // Events of a session whose source never dropped reach the engine as
    // soon as they are decoded; a lossy session's wait in the player's
    // line first, which is no queue of the live run's.
    engine.set_inline_source(!h.lossy);
    let decoder = BinanceDecoder::new(instruments)
        .with_max_frame_bytes(cfg.feed.max_frame_bytes)
        .with_max_rest_bytes(cfg.feed.max_rest_bytes);
    let mut frames = FrameDecoder::new(decoder, origin.to_string(), cfg.feed.log_first_malformed);
    if h.sequencer {
        frames = frames.with_sequencer();
    }
    let player = Player::new(opened.feed, opened.engine, frames, h, verify);
    Ok((engine, player))
}

/// Where the session's orders went (sessions from before routes were
/// recorded were paper).
pub fn route_of(h: &SessionHeader) -> &str {
    if h.route.is_empty() { "paper" } else { &h.route }
}

/// The engine's and decoder's instruments as the session started.
fn instruments_of(h: &SessionHeader) -> Result<Instruments, RunError> {
    let mut list = Vec::with_capacity(h.instruments.len());
    for r in &h.instruments {
        list.push(
            r.instrument().ok_or_else(|| {
                RunError::Runtime(format!("session header: instrument {:?} does not parse", r.symbol))
            })?,
        );
    }
    if h.instruments_auto {
        let mut t = Instruments::auto(Venue::BinanceSpot);
        for i in list {
            t.upsert(i);
        }
        Ok(t)
    } else {
        Ok(Instruments::fixed(list))
    }
}

/// `--from`/`--to`: an ISO-8601 time, or an offset from the session start (`90s`, `5m`).
fn parse_when(s: &str, start_ns: u64) -> Result<u64, String> {
    if s.contains('T') || s.contains('t') {
        let ns = crate::feed::input::timestamp::parse_iso8601(s.as_bytes()).map_err(|e| format!("{s:?}: {e}"))?;
        return u64::try_from(ns).map_err(|_| format!("{s:?}: before 1970"));
    }
    let ms =
        parse_duration_ms(s).map_err(|e| format!("{s:?}: {e}; expected an ISO-8601 time or an offset like 90s"))?;
    Ok(start_ns.saturating_add(ms.saturating_mul(1_000_000)))
}

fn status_line(engine: &Engine, started: Instant) {
    let s = engine.snapshot();
    let t = started.elapsed().as_secs_f64();
    let events = s.counters.market_events();
    eprintln!(
        "[{t:7.1}s] replay clock {} events={events} ({:.0}/s) candles={} orders={} fills={} pnl={}",
        crate::ui::format::date_time(engine.now_ms()),
        events as f64 / t.max(1e-9),
        s.counters.candles_closed,
        s.orders.submitted,
        s.counters.fills,
        s.pnl.total,
    );
}

/// A divergence for a person: where, what was recorded, what the replay did,
/// and the decisions before it.
pub fn describe(d: &Divergence) -> String {
    let line = |o: &Option<OutputView>| match o {
        Some(o) => format!("seq {} at {}: {}", o.seq, crate::ui::format::date_time(o.time_ms), o.text),
        None => "(nothing)".to_string(),
    };
    let mut s = format!(
        "replay diverges at decision #{}\n  recorded: {}\n  replayed: {}",
        d.index,
        line(&d.recorded),
        line(&d.replayed)
    );
    if !d.context.is_empty() {
        s.push_str("\n  agreed just before:");
        for o in &d.context {
            s.push_str(&format!("\n    {}", line(&Some(o.clone()))));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::recording::{RunFacts, header};
    use crate::domain::{Instruments, OrderId};
    use crate::record::{SessionOptions, SessionRecorder};

    fn session(dir: &Path, route: &'static str) {
        let instruments = Instruments::default();
        let facts = RunFacts {
            venue: "sim".into(),
            source: "live",
            instruments: &instruments,
            sequencer: false,
            lossy: false,
            instruments_auto: false,
            route,
        };
        let s =
            SessionRecorder::create_in(dir, &header(&Config::default(), &facts), &SessionOptions::default()).unwrap();
        let mut engine = s.buffer(Stream::Engine);
        for text in
            ["submit OrderId(1) ...", "route_refused submit 2", "route_refused nonsense", "route_refused cancel 1"]
        {
            engine.push(Kind::Engine, 1_000_000, 3, 0, text.as_bytes());
        }
        drop(engine);
        assert!(s.finish().error.is_none());
    }

    #[test]
    fn a_sandbox_session_hands_its_journaled_refusals_to_the_replay() {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = dir.path().join("sandbox");
        session(&sandbox, "sandbox");
        let opened = open(&sandbox, true).unwrap();
        assert_eq!(opened.refusals, [Refusal::Submit(OrderId(2)), Refusal::Cancel(OrderId(1))]);
        // A paper session has no gateway queue: nothing is scanned.
        let paper = dir.path().join("paper");
        session(&paper, "paper");
        assert!(open(&paper, true).unwrap().refusals.is_empty());
    }
}
