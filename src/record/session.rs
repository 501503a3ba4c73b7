//! One recorded session on disk: a directory named after its start, the
//! feed and engine streams, the REST answers the client used, and the
//! figures of the recording for the summary.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use super::format::{Kind, SessionHeader};
use super::recorder::{RecordBuf, Recorder, RecorderStats, RecorderThread, Stream};
use super::writer::{SegmentWriter, WriterConfig};

/// How a session is written.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Longest a record waits in the writer before it reaches the OS:
    /// what a kill -9 can lose.
    pub flush_interval: Duration,
    /// Chunks the writer's queue holds before producers' chunks drop.
    pub queue_chunks: usize,
    pub writer: WriterConfig,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self { flush_interval: Duration::from_millis(100), queue_chunks: 4096, writer: WriterConfig::default() }
    }
}

/// A session being recorded.
pub struct SessionRecorder {
    dir: PathBuf,
    recorder: Recorder,
    thread: RecorderThread,
}

/// What the recording did, for the summary.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RecordingReport {
    pub dir: String,
    /// Records written (both streams, headers and gap markers excluded).
    pub records: u64,
    /// Records dropped because the writer's queue was full.
    pub dropped: u64,
    /// Gap markers written for them.
    pub gaps: u64,
    pub segments: u32,
    /// Bytes on disk.
    pub bytes: u64,
    /// Syncs to the disk (each complete segment, the current one as it
    /// grows, see [`super::WriterConfig::sync_bytes`], and the last one).
    pub syncs: u64,
    /// Milliseconds the end of the run waited for the writer to drain its
    /// queue and sync (work a lagging writer still had): a run's cost of
    /// recording counts it.
    pub drain_ms: u64,
    /// CPU time of the writer thread (checksums, compression, writes), ms.
    pub writer_cpu_ms: u64,
    pub error: Option<String>,
}

impl SessionRecorder {
    /// Creates a fresh session directory under `parent`, named after the
    /// start time and venue (`20261203T083117Z-sim`, with `-2`, `-3`... when
    /// taken), and starts the writer thread.
    pub fn create(parent: &Path, header: &SessionHeader, opts: &SessionOptions) -> std::io::Result<Self> {
        let base = format!("{}-{}", utc_stamp(header.started_ns), sanitize(&header.venue));
        let mut dir = parent.join(&base);
        let mut n = 2;
        while dir.exists() {
            dir = parent.join(format!("{base}-{n}"));
            n += 1;
        }
        Self::create_in(&dir, header, opts)
    }

    /// Records into exactly `dir` (refused when it already holds a session).
    pub fn create_in(dir: &Path, header: &SessionHeader, opts: &SessionOptions) -> std::io::Result<Self> {
        let feed = SegmentWriter::create(dir, Stream::Feed.prefix(), header, opts.writer.clone())?;
        let engine = SegmentWriter::create(dir, Stream::Engine.prefix(), header, opts.writer.clone())?;
        let (recorder, thread) = Recorder::start(feed, engine, opts.queue_chunks, opts.flush_interval)?;
        Ok(Self { dir: dir.to_path_buf(), recorder, thread })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A producer buffer for one stream.
    pub fn buffer(&self, stream: Stream) -> RecordBuf {
        self.recorder.buffer(stream)
    }

    pub fn stats(&self) -> &Arc<RecorderStats> {
        self.recorder.stats()
    }

    /// Waits for the writer to drain and sync. Buffers still held after
    /// this lose what they push (counted as dropped).
    pub fn finish(self) -> RecordingReport {
        let started = std::time::Instant::now();
        let stats = Arc::clone(self.recorder.stats());
        let dir = self.dir.display().to_string();
        stats.closing.store(true, Ordering::Relaxed);
        drop(self.recorder);
        let mut report = RecordingReport {
            dir,
            records: stats.written.load(Ordering::Relaxed),
            dropped: stats.dropped_total(),
            gaps: stats.gaps.load(Ordering::Relaxed),
            ..RecordingReport::default()
        };
        match self.thread.finish() {
            Ok(t) => {
                report.segments = t[0].segments + t[1].segments;
                report.bytes = t[0].bytes + t[1].bytes;
                report.syncs = t[0].syncs + t[1].syncs;
                report.records = stats.written.load(Ordering::Relaxed);
                report.gaps = stats.gaps.load(Ordering::Relaxed);
            }
            Err(e) => report.error = Some(e.to_string()),
        }
        report.drain_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        report.writer_cpu_ms = stats.writer_cpu_ns.load(Ordering::Relaxed) / 1_000_000;
        report
    }
}

/// `YYYYMMDDTHHMMSSZ` of a wall-clock time in ns.
pub fn utc_stamp(ns: u64) -> String {
    let secs = (ns / 1_000_000_000) as i64;
    let (y, m, d) = crate::domain::calendar::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// Where REST answers go: kept in memory until the session exists (the
/// instrument filters are fetched before the header can be written), then
/// into the feed stream, then nowhere once the session ends.
#[derive(Clone, Default)]
pub struct RestRecording {
    target: Arc<Mutex<RestTarget>>,
}

#[derive(Default)]
enum RestTarget {
    #[default]
    Off,
    Pending(Vec<(u64, Vec<u8>)>),
    Recording(RecordBuf),
}

impl RestRecording {
    /// Starts keeping answers in memory.
    pub fn pending() -> Self {
        Self { target: Arc::new(Mutex::new(RestTarget::Pending(Vec::new()))) }
    }

    /// A tap for [`crate::feed::rest::RestClient::set_tap`]: each answer
    /// becomes one `Rest` record, `path?query\nbody`, stamped with the wall
    /// clock. Informational for a replay: the events they fed are recorded
    /// on their own.
    pub fn tap(&self) -> crate::feed::rest::RestTap {
        let target = Arc::clone(&self.target);
        Arc::new(move |label: &str, body: &[u8]| {
            let Ok(mut t) = target.lock() else { return };
            if matches!(*t, RestTarget::Off) {
                return;
            }
            let mut payload = Vec::with_capacity(label.len() + 1 + body.len());
            payload.extend_from_slice(label.as_bytes());
            payload.push(b'\n');
            payload.extend_from_slice(body);
            let now = u64::try_from(crate::telemetry::wall_ns()).unwrap_or(0);
            match &mut *t {
                RestTarget::Off => {}
                RestTarget::Pending(v) => v.push((now, payload)),
                RestTarget::Recording(b) => {
                    b.push(Kind::Rest, now, 0, 0, &payload);
                    b.flush();
                }
            }
        })
    }

    /// Writes what was kept into `buf`, and every later answer.
    pub fn attach(&self, mut buf: RecordBuf) {
        let Ok(mut t) = self.target.lock() else { return };
        if let RestTarget::Pending(v) = &mut *t {
            for (stamp, payload) in v.drain(..) {
                buf.push(Kind::Rest, stamp, 0, 0, &payload);
            }
        }
        buf.flush();
        *t = RestTarget::Recording(buf);
    }

    /// Stops recording (and forgets what was kept); the buffer is flushed.
    pub fn off(&self) {
        if let Ok(mut t) = self.target.lock() {
            *t = RestTarget::Off;
        }
    }
}
