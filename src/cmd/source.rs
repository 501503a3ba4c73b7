//! Event sources for a run: a recorded file or the synthetic market.
//!
//! A source runs on its own thread, stamps each frame on arrival, decodes it
//! and sends events to the engine in batches through a bounded channel.
//! Recorded input is finite and must not depend on machine speed, so a full
//! channel makes the file reader wait (backpressure). A paced (live-like)
//! source never waits: a batch that does not fit is dropped and counted,
//! and the engine sees the gap in sequence numbers.

use crate::config::Speed;
use crate::domain::{Instrument, MarketEvent};
use crate::engine::{Event, EventKind, Stamp};
use crate::feed::binance::{BinanceDecoder, DecodeStats, Decoded};
use crate::feed::input::{InputError, InputReader, InputStats, Limits, RecordKind};
use crate::feed::sequence::TradeSequencer;
use crate::record::{self, Kind, RecordBuf};
use crate::sim::Generator;
use crate::telemetry::{mono_ns, wall_ns};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What a source did, for the summary.
#[derive(Debug, Default)]
pub struct SourceOutcome {
    pub frames: u64,
    pub decode: DecodeStats,
    pub input: Option<InputStats>,
    /// Events dropped because the engine's channel was full.
    pub dropped: u64,
    /// Stopped by a signal before the input ended.
    pub interrupted: bool,
    /// A reading error that ended the input early.
    pub error: Option<String>,
}

/// Batches events into the engine channel, and records what it numbers.
pub struct EventSink {
    tx: mpsc::Sender<Vec<Event>>,
    batch: Vec<Event>,
    batch_size: usize,
    lossy: bool,
    seq: u64,
    dropped: u64,
    closed: bool,
    /// The session's feed stream: frames with the sequence number before
    /// their events, inputs with theirs, and dropped batches.
    record: Option<RecordBuf>,
    scratch: Vec<u8>,
    conn: u32,
    /// Replay: events stay here for [`EventSink::take_local`]; nothing is sent.
    local: bool,
    /// A front end's copy of `dropped`, for its status bar.
    shared_drops: Option<Arc<AtomicU64>>,
}

impl EventSink {
    pub fn new(tx: mpsc::Sender<Vec<Event>>, batch_size: usize, lossy: bool) -> Self {
        let batch_size = batch_size.max(1);
        Self {
            tx,
            batch: Vec::with_capacity(batch_size),
            batch_size,
            lossy,
            seq: 0,
            dropped: 0,
            closed: false,
            record: None,
            scratch: Vec::new(),
            conn: 0,
            local: false,
            shared_drops: None,
        }
    }

    /// Also counts dropped events into `drops` (a front end shows it).
    pub fn share_drops(&mut self, drops: Arc<AtomicU64>) {
        self.shared_drops = Some(drops);
    }

    /// A sink that keeps its events for its owner (replay, on one thread).
    pub fn local() -> Self {
        let (tx, _) = mpsc::channel(1);
        let mut s = Self::new(tx, 64, false);
        s.batch_size = usize::MAX;
        s.local = true;
        s
    }

    /// Moves the queued events of a local sink to `out`.
    pub fn take_local(&mut self, out: &mut std::collections::VecDeque<Event>) {
        out.extend(self.batch.drain(..));
    }

    /// Swaps the queued events of a local sink into `out` (which must be
    /// empty): no copy, and both buffers keep their capacity.
    pub fn take_batch(&mut self, out: &mut Vec<Event>) {
        debug_assert!(out.is_empty());
        std::mem::swap(&mut self.batch, out);
    }

    /// Numbers the next event `seq + 1` (replay follows the recorded numbering).
    pub fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }

    /// Records into the feed stream of a session from now on.
    pub fn with_recording(mut self, buf: Option<RecordBuf>) -> Self {
        self.record = buf;
        self
    }

    /// The connection id frames are recorded with.
    pub fn set_conn(&mut self, conn: u32) {
        self.conn = conn;
    }

    /// Records a raw frame before it is decoded: its events follow `seq()`.
    pub fn record_frame(&mut self, frame: &[u8], recv_wall_ns: i64) {
        if let Some(r) = self.record.as_mut() {
            r.push(Kind::Frame, u64::try_from(recv_wall_ns).unwrap_or(0), self.seq, self.conn, frame);
        }
    }

    /// Records a connection event or something sent (text payload).
    pub fn record_note(&mut self, kind: Kind, text: &str) {
        if let Some(r) = self.record.as_mut() {
            let now = u64::try_from(wall_ns()).unwrap_or(0);
            r.push(kind, now, self.seq, self.conn, text.as_bytes());
        }
    }

    /// A sender for out-of-band events (sequence number 0) from another task.
    pub fn side_channel(&self) -> mpsc::Sender<Vec<Event>> {
        self.tx.clone()
    }

    /// Queues an event that is not a frame (status, offset, backfill).
    pub fn push_now(&mut self, kind: EventKind) {
        let t = mono_ns();
        let wall = wall_ns();
        if let Some(r) = self.record.as_mut() {
            self.scratch.clear();
            if record::input::encode(&kind, &mut self.scratch) {
                r.push(Kind::Input, u64::try_from(wall).unwrap_or(0), self.seq + 1, self.conn, &self.scratch);
            }
        }
        self.push(Stamp { recv_mono_ns: t, recv_wall_ns: wall, decoded_mono_ns: t }, kind);
        self.flush();
    }

    /// Queues one event; sends the batch when full.
    pub fn push(&mut self, stamp: Stamp, kind: EventKind) {
        self.seq += 1;
        self.batch.push(Event { seq: self.seq, stamp, kind });
        if self.batch.len() >= self.batch_size {
            self.flush();
        }
    }

    /// Sends what is queued.
    pub fn flush(&mut self) {
        self.send_batch();
        if let Some(r) = self.record.as_mut() {
            r.flush();
        }
    }

    fn send_batch(&mut self) {
        if self.local {
            return;
        }
        if self.batch.is_empty() || self.closed {
            self.batch.clear();
            return;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(self.batch_size));
        if self.lossy {
            let last = batch.last().map_or(0, |e| e.seq);
            match self.tx.try_send(batch) {
                Ok(()) => {
                    if let Some(r) = self.record.as_mut() {
                        r.push(Kind::Batch, u64::try_from(wall_ns()).unwrap_or(0), last, self.conn, &[]);
                    }
                }
                Err(mpsc::error::TrySendError::Full(b)) => {
                    self.dropped += b.len() as u64;
                    if let Some(d) = &self.shared_drops {
                        d.fetch_add(b.len() as u64, Ordering::Relaxed);
                    }
                    self.record_dropped(&b);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => self.closed = true,
            }
        } else if self.tx.blocking_send(batch).is_err() {
            self.closed = true;
        }
    }

    /// A replay must skip what the engine never saw: the batch's seq range.
    fn record_dropped(&mut self, batch: &[Event]) {
        let (Some(first), Some(last), Some(r)) = (batch.first(), batch.last(), self.record.as_mut()) else {
            return;
        };
        let mut payload = [0u8; 16];
        payload[..8].copy_from_slice(&first.seq.to_le_bytes());
        payload[8..].copy_from_slice(&last.seq.to_le_bytes());
        r.push(Kind::Dropped, u64::try_from(wall_ns()).unwrap_or(0), last.seq, self.conn, &payload);
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Sequence number of the last queued event.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

impl Drop for EventSink {
    /// A live sink ends with its connection: what it still holds goes to the
    /// engine (or is counted as dropped), so a run and its replay see the
    /// same inputs. A waiting sink is flushed by its owner before the end.
    fn drop(&mut self) {
        if self.lossy {
            self.flush();
        }
    }
}

/// Decodes frames and turns them into engine events, announcing instruments first.
pub struct FrameDecoder {
    decoder: BinanceDecoder,
    announced: usize,
    log_first: u64,
    logged: u64,
    origin: String,
    /// Live feeds: drops trades seen twice (after a reconnect) and counts gaps.
    sequencer: Option<TradeSequencer>,
}

impl FrameDecoder {
    /// `origin` names the input in error messages (a path, or `synthetic`).
    pub fn new(decoder: BinanceDecoder, origin: String, log_first: u64) -> Self {
        let announced = decoder.instruments().len();
        Self { decoder, announced, log_first, logged: 0, origin, sequencer: None }
    }

    /// Checks trade ids: duplicates are dropped, gaps counted.
    pub fn with_sequencer(mut self) -> Self {
        self.sequencer = Some(TradeSequencer::default());
        self
    }

    pub fn sequencer(&self) -> Option<&TradeSequencer> {
        self.sequencer.as_ref()
    }

    pub fn instruments(&self) -> &crate::domain::Instruments {
        self.decoder.instruments()
    }

    /// Decodes one frame received at `recv_mono_ns` and queues what it yields.
    pub fn frame(&mut self, frame: &[u8], recv_mono_ns: u64, recv_wall_ns: i64, line: u64, sink: &mut EventSink) {
        sink.record_frame(frame, recv_wall_ns);
        let r = self.decoder.decode(frame);
        self.handle(r, recv_mono_ns, recv_wall_ns, line, sink);
    }

    /// Decodes a recorded REST body; a depth snapshot takes its symbol from the URL.
    pub fn rest(
        &mut self,
        url: &str,
        body: &[u8],
        recv_mono_ns: u64,
        recv_wall_ns: i64,
        line: u64,
        sink: &mut EventSink,
    ) {
        let r = self.decoder.decode_rest(url, body);
        self.handle(r, recv_mono_ns, recv_wall_ns, line, sink);
    }

    fn handle(
        &mut self,
        r: Result<Decoded, crate::feed::binance::DecodeError>,
        recv_mono_ns: u64,
        recv_wall_ns: i64,
        line: u64,
        sink: &mut EventSink,
    ) {
        match r {
            Ok(Decoded::Market(m)) => {
                if let (Some(seq), MarketEvent::Trade(t)) = (self.sequencer.as_mut(), &m) {
                    if !seq.check(t.instrument, t.trade_id, t.aggregated).accepted() {
                        return;
                    }
                }
                self.announce(recv_mono_ns, recv_wall_ns, sink);
                // An unstamped frame (a replay's sample left it out) stays unstamped.
                let decoded_mono_ns = if recv_mono_ns == 0 { 0 } else { mono_ns() };
                let stamp = Stamp { recv_mono_ns, recv_wall_ns, decoded_mono_ns };
                sink.push(stamp, EventKind::Market(m));
            }
            Ok(Decoded::ExchangeInfo(_)) => {
                // Re-announce every instrument: scales may have changed.
                self.announced = 0;
                self.announce(recv_mono_ns, recv_wall_ns, sink);
            }
            Ok(Decoded::ErrorFrame { code, msg, .. }) => {
                tracing::warn!("{}:{line}: venue error frame {code}: {msg}", self.origin);
            }
            Ok(Decoded::SubscriptionReply { .. } | Decoded::Unknown) => {}
            Err(e) => {
                self.logged += 1;
                if self.logged <= self.log_first {
                    tracing::warn!("{}:{line}: malformed frame skipped: {e}", self.origin);
                }
            }
        }
    }

    fn announce(&mut self, recv_mono_ns: u64, recv_wall_ns: i64, sink: &mut EventSink) {
        let table = self.decoder.instruments();
        if table.len() <= self.announced {
            return;
        }
        let fresh: Vec<Instrument> = table.iter().skip(self.announced).map(|(_, i)| i.clone()).collect();
        self.announced = table.len();
        for inst in fresh {
            let stamp = Stamp { recv_mono_ns, recv_wall_ns, decoded_mono_ns: recv_mono_ns };
            sink.push(stamp, EventKind::Instrument(Box::new(inst)));
        }
    }

    pub fn stats(&self) -> &DecodeStats {
        self.decoder.stats()
    }
}

/// Reads a recorded file to its end (or until `stop`), with backpressure.
pub fn run_file(
    path: &Path,
    mut dec: FrameDecoder,
    mut sink: EventSink,
    max_rest_bytes: usize,
    stop: &AtomicBool,
) -> SourceOutcome {
    let mut out = SourceOutcome::default();
    let limits = Limits { frame_bytes: dec.decoder.max_frame_bytes(), rest_bytes: max_rest_bytes };
    let mut reader = match InputReader::open_with_limits(path, limits) {
        Ok(r) => r,
        Err(e) => {
            out.error = Some(format!("cannot open {}: {e}", path.display()));
            return out;
        }
    };
    while let Some(rec) = reader.next() {
        if stop.load(Ordering::Relaxed) {
            out.interrupted = true;
            break;
        }
        let recv_mono = mono_ns();
        match rec {
            Ok(r) => {
                out.frames += 1;
                let wall = r.recv_ns.unwrap_or(0);
                match r.kind {
                    RecordKind::Frame(f) => dec.frame(f, recv_mono, wall, r.line_no, &mut sink),
                    RecordKind::Rest { url, body } => dec.rest(url, body, recv_mono, wall, r.line_no, &mut sink),
                }
            }
            Err(e) => {
                // Bad lines are counted and the first few logged by the reader;
                // a read error ends the input.
                if let InputError::Io { .. } = e {
                    out.error = Some(format!("{}: {e}", path.display()));
                    break;
                }
            }
        }
        if sink.is_closed() {
            break;
        }
    }
    sink.flush();
    out.dropped = sink.dropped();
    out.input = Some(reader.stats().clone());
    out.decode = dec.stats().clone();
    out
}

/// Plays the synthetic market for `duration_ms` of market time at `speed`.
pub fn run_synthetic(
    mut generator: Generator,
    mut dec: FrameDecoder,
    mut sink: EventSink,
    duration_ms: u64,
    speed: Speed,
    stop: &AtomicBool,
) -> SourceOutcome {
    let mut out = SourceOutcome::default();
    let mut buf = Vec::with_capacity(512);
    let started = Instant::now();
    let mut first_ms: Option<i64> = None;
    loop {
        if stop.load(Ordering::Relaxed) {
            out.interrupted = true;
            break;
        }
        let meta = generator.next_frame(&mut buf);
        let t0 = *first_ms.get_or_insert(meta.time_ms);
        let elapsed_market = u64::try_from(meta.time_ms - t0).unwrap_or(0);
        if elapsed_market >= duration_ms {
            break;
        }
        if let Speed::Times(x) = speed {
            let due = Duration::from_secs_f64(elapsed_market as f64 / 1000.0 / x);
            let now = started.elapsed();
            if due > now {
                sink.flush();
                std::thread::sleep(due - now);
            }
        }
        out.frames += 1;
        let recv_mono = mono_ns();
        dec.frame(&buf, recv_mono, wall_ns(), out.frames, &mut sink);
        if sink.is_closed() {
            break;
        }
    }
    sink.flush();
    out.dropped = sink.dropped();
    out.decode = dec.stats().clone();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EventKind;

    #[test]
    fn a_lossy_sink_counts_dropped_events_into_the_shared_counter() {
        let (tx, _rx) = mpsc::channel(1);
        let mut sink = EventSink::new(tx, 1, true);
        let drops = Arc::new(AtomicU64::new(0));
        sink.share_drops(drops.clone());
        for t in 0..3 {
            sink.push(Stamp::default(), EventKind::Timer { time_ms: t });
        }
        // One batch fits the channel; the next two are dropped and counted.
        assert_eq!(sink.dropped(), 2);
        assert_eq!(drops.load(Ordering::Relaxed), 2);
    }
}
