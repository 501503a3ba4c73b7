//! Recording a run: where it goes, the session's header from what the run
//! is, and the engine's side of the recording (inputs that arrive out of
//! band, and the decisions it makes).

use super::RunError;
use crate::cli::HeadlessArgs;
use crate::config::Config;
use crate::domain::Instruments;
use crate::engine::{Engine, Event};
use crate::record::format::{FORMAT_VERSION, config_hash};
use crate::record::{self, InstrumentRec, Kind, RecordBuf, SessionHeader, SessionOptions, SessionRecorder};
use std::path::PathBuf;

/// The default parent directory of sessions, relative to the working directory.
pub const DEFAULT_DIR: &str = "sessions";

/// Where this run is recorded: `None` with `--no-record`, or over `--input`
/// (the file already is the recording).
pub fn parent_dir(args: &HeadlessArgs) -> Option<PathBuf> {
    if args.no_record || args.input.is_some() {
        return None;
    }
    Some(args.record.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DIR)))
}

/// What the header says about the run.
pub struct RunFacts<'a> {
    pub venue: String,
    /// `live` or `synthetic`.
    pub source: &'a str,
    pub instruments: &'a Instruments,
    /// Live feeds check trade ids (duplicates dropped); a replay must too.
    pub sequencer: bool,
    /// The source drops batches when the engine is behind.
    pub lossy: bool,
    /// Symbols first met in a frame are added on the fly (imported files).
    pub instruments_auto: bool,
    /// `paper` or `sandbox` ([`crate::route::Router::name`]).
    pub route: &'static str,
}

/// The configuration's hash as headers store it: tells a replay whether
/// it runs with the settings the session was recorded with.
pub fn config_hash_of(cfg: &Config) -> String {
    config_hash(toml::to_string(cfg).unwrap_or_default().as_bytes())
}

/// The format version sessions are written in: the current one, or 2 when
/// `TICKDESK_RECORD_FORMAT=2` (for measurements that compare the two
/// packings in one build, and for builds that read only up to version 2).
fn format_version() -> u32 {
    match std::env::var("TICKDESK_RECORD_FORMAT").as_deref() {
        Ok("2") => 2,
        _ => FORMAT_VERSION,
    }
}

/// The header of a run's session.
pub fn header(cfg: &Config, facts: &RunFacts<'_>) -> SessionHeader {
    SessionHeader {
        format_version: format_version(),
        tickdesk_version: env!("CARGO_PKG_VERSION").to_string(),
        venue: facts.venue.clone(),
        symbols: facts.instruments.iter().map(|(_, i)| i.symbol.clone()).collect(),
        config_hash: config_hash_of(cfg),
        started_ns: u64::try_from(crate::telemetry::wall_ns()).unwrap_or(0),
        source: facts.source.to_string(),
        instruments: facts.instruments.iter().map(|(_, i)| InstrumentRec::of(i)).collect(),
        instruments_auto: facts.instruments_auto,
        sequencer: facts.sequencer,
        lossy: facts.lossy,
        batch_size: u32::try_from(cfg.engine.batch_size.max(1)).unwrap_or(u32::MAX),
        route: facts.route.to_string(),
    }
}

/// Creates the session directory under `parent` and starts its writer.
pub fn start(parent: &std::path::Path, header: &SessionHeader) -> Result<SessionRecorder, RunError> {
    std::fs::create_dir_all(parent).map_err(|e| RunError::Runtime(format!("--record {}: {e}", parent.display())))?;
    SessionRecorder::create(parent, header, &SessionOptions::default())
        .map_err(|e| RunError::Runtime(format!("--record {}: {e}", parent.display())))
}

/// The engine thread's part: out-of-band inputs (commands, depth snapshots)
/// at the place in the numbered stream where the engine took them, and
/// every decision with its event time.
pub struct EngineTap {
    buf: RecordBuf,
    scratch: Vec<u8>,
}

impl EngineTap {
    pub fn new(buf: RecordBuf) -> Self {
        Self { buf, scratch: Vec::with_capacity(256) }
    }

    /// After `engine` consumed `ev`: an out-of-band input is recorded with
    /// the sequence number of the last numbered event before it.
    pub fn after_event(&mut self, ev: &Event, engine: &Engine) {
        if ev.seq != 0 {
            return;
        }
        self.scratch.clear();
        if record::input::encode(&ev.kind, &mut self.scratch) {
            let wall = if ev.stamp.recv_wall_ns != 0 { ev.stamp.recv_wall_ns } else { crate::telemetry::wall_ns() };
            self.buf.push(Kind::Input, u64::try_from(wall).unwrap_or(0), engine.last_seq(), 0, &self.scratch);
        }
    }

    /// After a batch: the decisions it led to, then a hand-over to the writer.
    pub fn after_batch(&mut self, engine: &mut Engine) {
        for o in engine.drain_outputs() {
            let stamp = u64::try_from(o.time_ms).unwrap_or(0).saturating_mul(1_000_000);
            self.buf.push(Kind::Engine, stamp, o.seq, 0, o.text.as_bytes());
        }
        self.buf.flush();
    }
}
