//! `tickdesk import FILE --out DIR`: a recorded file from elsewhere (any
//! layout `headless --input` reads: one frame per line, `<ns> <frame>`,
//! `<ISO time> <frame>`, recorded REST lines, gzip or not) becomes a session
//! that `tickdesk replay` plays like one tickdesk recorded itself.
//!
//! Frames are numbered by running them through the same decoder a replay
//! uses, so the session's sequence numbers are the ones the engine will
//! see. REST answers in the file (exchangeInfo, depth snapshots) are kept as
//! `rest` records, which a replay of an imported session decodes as
//! `headless --input` does.

use super::RunError;
use super::recording::RunFacts;
use super::source::{EventSink, FrameDecoder};
use crate::config::Config;
use crate::domain::{Instruments, Venue};
use crate::feed::binance::BinanceDecoder;
use crate::feed::input::{InputReader, InputStats, Limits, RecordKind, load_exchange_info};
use crate::record::{Kind, SessionOptions, SessionRecorder, Stream};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The source name imported sessions carry in their header.
pub const IMPORT_SOURCE: &str = "import";

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub input: String,
    pub session: String,
    pub frames: u64,
    pub rest_answers: u64,
    /// Lines the reader refused (bad layout, bad timestamp, too large), by the reader's counts.
    pub input_stats: InputStats,
    pub recording: crate::record::RecordingReport,
}

pub fn run(cfg: &Config, input: &Path, out: &Path, exchange_info: Option<&Path>) -> Result<ImportReport, RunError> {
    use RunError::{Config as Bad, Runtime};
    let mut instruments = Instruments::auto(Venue::BinanceSpot);
    if let Some(p) = exchange_info {
        for i in load_exchange_info(p).map_err(|e| Bad(format!("--exchange-info {}: {e}", p.display())))? {
            instruments.upsert(i);
        }
    }
    // As `headless --input` does: the strategies' symbols are known from the start.
    for s in &cfg.strategies {
        instruments.resolve(s.symbol().to_ascii_uppercase().as_bytes());
    }
    let limits = Limits { frame_bytes: cfg.feed.max_frame_bytes, rest_bytes: cfg.feed.max_rest_bytes };
    let mut reader = InputReader::open_with_limits(input, limits)
        .map_err(|e| Runtime(format!("cannot open {}: {e}", input.display())))?;
    let facts = RunFacts {
        venue: "file".into(),
        source: IMPORT_SOURCE,
        instruments: &instruments,
        sequencer: false,
        lossy: false,
        instruments_auto: true,
        route: "paper",
    };
    let header = super::recording::header(cfg, &facts);
    let session = SessionRecorder::create_in(out, &header, &SessionOptions::default())
        .map_err(|e| Runtime(format!("--out {}: {e}", out.display())))?;
    let mut buf = session.buffer(Stream::Feed);
    let decoder = BinanceDecoder::new(instruments)
        .with_max_frame_bytes(cfg.feed.max_frame_bytes)
        .with_max_rest_bytes(cfg.feed.max_rest_bytes);
    let mut frames = FrameDecoder::new(decoder, input.display().to_string(), cfg.feed.log_first_malformed);
    let mut sink = EventSink::local();
    let mut scratch = std::collections::VecDeque::new();
    let (mut n_frames, mut n_rest) = (0u64, 0u64);
    let mut payload = Vec::new();
    while let Some(rec) = reader.next() {
        let Ok(rec) = rec else { continue };
        let stamp = rec.recv_ns.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        let seq = sink.seq();
        match rec.kind {
            RecordKind::Frame(f) => {
                n_frames += 1;
                buf.push(Kind::Frame, stamp, seq, 0, f);
                frames.frame(f, 0, 0, rec.line_no, &mut sink);
            }
            RecordKind::Rest { url, body } => {
                n_rest += 1;
                payload.clear();
                payload.extend_from_slice(url.as_bytes());
                payload.push(b'\n');
                payload.extend_from_slice(body);
                buf.push(Kind::Rest, stamp, seq, 0, &payload);
                frames.rest(url, body, 0, 0, rec.line_no, &mut sink);
            }
        }
        // Only the numbering matters here; the events themselves are not kept.
        sink.take_local(&mut scratch);
        scratch.clear();
    }
    drop(buf);
    let recording = session.finish();
    if let Some(e) = &recording.error {
        return Err(Runtime(format!("--out {}: {e}", out.display())));
    }
    Ok(ImportReport {
        input: input.display().to_string(),
        session: out.display().to_string(),
        frames: n_frames,
        rest_answers: n_rest,
        input_stats: reader.stats().clone(),
        recording,
    })
}

/// Where `--out` defaults to: `sessions/<file name>`.
pub fn default_out(input: &Path) -> PathBuf {
    let name = input.file_name().and_then(|n| n.to_str()).unwrap_or("import");
    PathBuf::from(super::recording::DEFAULT_DIR).join(name.split('.').next().unwrap_or(name))
}
