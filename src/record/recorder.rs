//! The recording thread: a bounded queue in front of the session's writers.
//!
//! Producers encode records into a [`RecordBuf`] of their own and hand the
//! whole buffer over at each flush, so the hot path pays one copy per frame
//! and one queue operation per batch; packing, checksums, compression and
//! writing happen on the writer thread, and emptied buffers come back
//! through a pool (see [`super::pool`] for why it is first in, first out),
//! so handing over allocates nothing once the pool is full. Handing over never
//! waits: when the queue is full the chunk is dropped and its records
//! counted, and the writer puts a gap marker with the count into that
//! stream before the next chunk it writes, so a replay knows exactly where
//! input is missing. The writer polls its queue every millisecond rather
//! than sleeping on it, so a producer never pays for waking it up, and it
//! seals a block at least every `flush_interval`, which bounds what a
//! kill -9 can lose.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::format::{self, Kind, RecordRef};
use super::pool::{self, Pool};
use super::writer::{SegmentWriter, WriterTotals};

/// The two record streams of a session. The feed stream is written by the
/// source, in the order it numbers events; the engine stream by the engine
/// thread, in the order it consumes them. Each is ordered on its own, so a
/// replay merges them by sequence number without looking ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Feed = 0,
    Engine = 1,
}

impl Stream {
    /// File name prefix of the stream's segments.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Feed => "feed",
            Self::Engine => "engine",
        }
    }
}

/// Counts shared between producers and the writer thread.
#[derive(Debug, Default)]
pub struct RecorderStats {
    /// Records handed to the queue.
    pub queued: AtomicU64,
    /// Records dropped because the queue was full, per stream.
    pub dropped: [AtomicU64; 2],
    /// Records written to the writers.
    pub written: AtomicU64,
    /// Gap markers written.
    pub gaps: AtomicU64,
    /// Set by the session's end: the writer stops once its queue is empty,
    /// even if a stray producer still holds a buffer.
    pub closing: std::sync::atomic::AtomicBool,
    /// CPU time the writer thread used (packing, checksums, compression, writes),
    /// set when it ends; 0 where the OS does not say.
    pub writer_cpu_ns: AtomicU64,
}

impl RecorderStats {
    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().map(|d| d.load(Ordering::Relaxed)).sum()
    }
}

/// Encoded records on their way to the writer.
struct Chunk {
    stream: Stream,
    bytes: Vec<u8>,
    records: u32,
    first_ns: u64,
}

/// A handle to the recording thread; clone it for each producer.
#[derive(Clone)]
pub struct Recorder {
    tx: SyncSender<Chunk>,
    stats: Arc<RecorderStats>,
    pool: Arc<Pool>,
}

/// The thread, kept by whoever ends the session.
pub struct RecorderThread {
    handle: JoinHandle<io::Result<[WriterTotals; 2]>>,
}

impl Recorder {
    /// Starts the writer thread for the two streams, with a queue of
    /// `capacity` chunks.
    pub fn start(
        feed: SegmentWriter,
        engine: SegmentWriter,
        capacity: usize,
        flush_interval: Duration,
    ) -> io::Result<(Self, RecorderThread)> {
        Self::start_with_pool_depth(feed, engine, capacity, flush_interval, pool::DEPTH)
    }

    /// As [`Recorder::start`], with chunk buffers reused after
    /// `pool_depth` others (0: the newest first); for measurements.
    pub fn start_with_pool_depth(
        feed: SegmentWriter,
        engine: SegmentWriter,
        capacity: usize,
        flush_interval: Duration,
        pool_depth: usize,
    ) -> io::Result<(Self, RecorderThread)> {
        let (tx, rx) = sync_channel(capacity.max(1));
        let stats = Arc::new(RecorderStats::default());
        let pool = Arc::new(Pool::new(CHUNK_BYTES, pool_depth));
        let (thread_stats, thread_pool) = (Arc::clone(&stats), Arc::clone(&pool));
        let handle = std::thread::Builder::new()
            .name("tickdesk-record".into())
            .spawn(move || run([feed, engine], rx, &thread_stats, &thread_pool, flush_interval))?;
        Ok((Self { tx, stats, pool }, RecorderThread { handle }))
    }

    /// A producer-side buffer for `stream`.
    pub fn buffer(&self, stream: Stream) -> RecordBuf {
        RecordBuf { recorder: self.clone(), stream, bytes: self.pool.take(), records: 0, first_ns: 0 }
    }

    pub fn stats(&self) -> &Arc<RecorderStats> {
        &self.stats
    }

    fn send(&self, chunk: Chunk) {
        let n = u64::from(chunk.records);
        let stream = chunk.stream as usize;
        match self.tx.try_send(chunk) {
            Ok(()) => {
                self.stats.queued.fetch_add(n, Ordering::Relaxed);
            }
            Err(TrySendError::Full(c) | TrySendError::Disconnected(c)) => {
                self.stats.dropped[stream].fetch_add(n, Ordering::Relaxed);
                self.pool.give(c.bytes);
            }
        }
    }
}

/// How often an idle writer looks at its queue.
const POLL: Duration = Duration::from_millis(1);

/// A chunk is handed over once it holds this many bytes, or at a flush.
const CHUNK_BYTES: usize = 64 << 10;

/// Records encoded by one producer, handed to the writer at each flush.
pub struct RecordBuf {
    recorder: Recorder,
    stream: Stream,
    bytes: Vec<u8>,
    records: u32,
    first_ns: u64,
}

impl RecordBuf {
    /// Encodes one record; hands the chunk over when it is full.
    pub fn push(&mut self, kind: Kind, stamp_ns: u64, seq: u64, conn: u32, payload: &[u8]) {
        if self.records == 0 {
            self.first_ns = stamp_ns;
        }
        format::encode_unsealed(&mut self.bytes, RecordRef { kind, stamp_ns, seq, conn, payload });
        self.records += 1;
        if self.bytes.len() >= CHUNK_BYTES {
            self.flush();
        }
    }

    /// Hands what is buffered to the writer without waiting.
    pub fn flush(&mut self) {
        if self.records == 0 {
            return;
        }
        let bytes = std::mem::replace(&mut self.bytes, self.recorder.pool.take());
        self.recorder.send(Chunk { stream: self.stream, bytes, records: self.records, first_ns: self.first_ns });
        self.records = 0;
    }

    pub fn stats(&self) -> &Arc<RecorderStats> {
        self.recorder.stats()
    }
}

impl Drop for RecordBuf {
    fn drop(&mut self) {
        self.flush();
    }
}

impl RecorderThread {
    /// Waits for the writer to drain its queue, flush and sync both
    /// streams. Every [`Recorder`] and [`RecordBuf`] must be dropped first,
    /// or this waits for them.
    pub fn finish(self) -> io::Result<[WriterTotals; 2]> {
        self.handle.join().map_err(|_| io::Error::other("the recording thread panicked"))?
    }
}

fn run(
    mut writers: [SegmentWriter; 2],
    rx: Receiver<Chunk>,
    stats: &RecorderStats,
    pool: &Pool,
    flush_interval: Duration,
) -> io::Result<[WriterTotals; 2]> {
    yield_to_hot_threads();
    let mut gapped = [0u64; 2];
    let mut last_stamp = [0u64; 2];
    let mut last_flush = Instant::now();
    loop {
        match rx.try_recv() {
            Ok(c) => {
                let s = c.stream as usize;
                mark_gap(&mut writers[s], &stats.dropped[s], &mut gapped[s], c.first_ns, stats)?;
                last_stamp[s] = c.first_ns;
                writers[s].append_encoded(&c.bytes, c.first_ns)?;
                stats.written.fetch_add(u64::from(c.records), Ordering::Relaxed);
                pool.give(c.bytes);
            }
            Err(TryRecvError::Empty) => {
                if stats.closing.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep(POLL.min(flush_interval.saturating_sub(last_flush.elapsed())));
            }
            Err(TryRecvError::Disconnected) => break,
        }
        if last_flush.elapsed() >= flush_interval {
            for w in &mut writers {
                w.flush()?;
            }
            last_flush = Instant::now();
        }
    }
    for s in 0..2 {
        mark_gap(&mut writers[s], &stats.dropped[s], &mut gapped[s], last_stamp[s], stats)?;
    }
    let [feed, engine] = writers;
    let totals = [feed.finish()?, engine.finish()?];
    stats.writer_cpu_ns.store(thread_cpu_ns(), Ordering::Relaxed);
    Ok(totals)
}

/// Niceness of the writer thread: compression is the one job here that can
/// wait, so on a busy machine the scheduler serves the feed and engine
/// threads first (a weight of about a third of theirs); an idle core still
/// runs it at full speed. Overridable for measurements with
/// `TICKDESK_RECORD_NICE`.
const WRITER_NICE: i32 = 5;

#[cfg(target_os = "linux")]
fn yield_to_hot_threads() {
    let nice = std::env::var("TICKDESK_RECORD_NICE").ok().and_then(|v| v.parse().ok()).unwrap_or(WRITER_NICE);
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), nice) {
        tracing::debug!("recording thread keeps its priority: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
fn yield_to_hot_threads() {}

/// CPU time of the calling thread.
#[cfg(target_os = "linux")]
fn thread_cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_ns() -> u64 {
    0
}

/// Writes a gap marker when records of this stream were dropped since the last one.
fn mark_gap(
    writer: &mut SegmentWriter,
    dropped: &AtomicU64,
    gapped: &mut u64,
    stamp_ns: u64,
    stats: &RecorderStats,
) -> io::Result<()> {
    let d = dropped.load(Ordering::Relaxed);
    if d <= *gapped {
        return Ok(());
    }
    writer.append(RecordRef { kind: Kind::Gap, stamp_ns, seq: 0, conn: 0, payload: &(d - *gapped).to_le_bytes() })?;
    *gapped = d;
    stats.gaps.fetch_add(1, Ordering::Relaxed);
    Ok(())
}
