//! Feeds a recorded session to an engine in exactly the order the live
//! engine took it.
//!
//! The feed stream holds every frame with the sequence number its events
//! started after, inputs the source made itself (status changes, backfill),
//! and the batches the source dropped or handed over. The engine stream
//! holds what reached the engine out of band (commands, depth snapshots),
//! each with the last numbered event before it, and the decisions. Frames
//! go through the same decoder as live; their events wait in a short
//! line until no later drop can take them back, then reach the engine with
//! the out-of-band inputs slotted in between.

use super::engine_side::EngineSide;
use super::verify::Verifier;
use crate::cmd::source::{EventSink, FrameDecoder};
use crate::engine::{Engine, Event, Stamp};
use crate::record::{Kind, ReadIssue, SessionHeader, StreamReader, input};
use crate::telemetry::mono_ns;
use serde::Serialize;
use std::collections::VecDeque;
use std::io;

/// What was read from a session, for the replay report.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PlayCounts {
    /// Records read from the feed stream (headers excluded).
    pub feed_records: u64,
    pub frames: u64,
    /// Inputs the source made (status changes, clock offset, backfill).
    pub feed_inputs: u64,
    /// Inputs that reached the engine out of band (commands, depth snapshots).
    pub engine_inputs: u64,
    /// Inputs that did not decode (skipped, counted).
    pub bad_inputs: u64,
    /// Events the live source dropped, skipped here as the live engine never saw them.
    pub dropped_events: u64,
    /// Connects, disconnects, subscriptions and REST answers (informational).
    pub notes: u64,
    /// Records the live writer lost (gap markers' counts).
    pub lost_records: u64,
    /// Events handed to the engine.
    pub events: u64,
    /// Receive stamps (wall ns) of the first and last frame replayed.
    pub first_frame_ns: u64,
    pub last_frame_ns: u64,
}

/// The state of one replay.
pub struct Player {
    feed: StreamReader,
    engine_side: EngineSide,
    decoder: FrameDecoder,
    sink: EventSink,
    /// Lossy sessions: decoded events not yet handed to the engine.
    line: VecDeque<Event>,
    /// Other sessions: a frame's events, straight to the engine (the
    /// buffer is kept between frames).
    direct: Vec<Event>,
    /// Lossy sources: everything up to this seq was handed over live.
    confirmed: u64,
    /// A dropped batch is at most this long: events older than this
    /// behind the newest are safe even without a batch marker.
    hold: u64,
    lossy: bool,
    /// Imported sessions: REST answers (exchangeInfo, depth snapshots) are
    /// decoded as `headless --input` decodes them; in a recorded session
    /// their effects are inputs of their own.
    decode_rest: bool,
    verifier: Option<Verifier>,
    pub counts: PlayCounts,
    header: SessionHeader,
    /// Called after each event the engine consumed (exports).
    tap: Option<Tap>,
    /// Latency stamps for one frame in this many (1: every frame).
    stamp_every: u64,
}

/// What an export watches: each event, right after the engine consumed it.
pub type Tap = Box<dyn FnMut(&Event, &mut Engine)>;

/// What one step did.
pub enum Step {
    Record,
    /// The gate said stop (`--to`): the record was not applied.
    Stopped,
    End,
}

/// Asked before a frame or an input is applied, with its receive stamp:
/// the pacer waits here, and `--to` stops here.
pub enum Gate {
    Go,
    Stop,
}

impl Player {
    pub fn new(
        feed: StreamReader,
        engine_stream: StreamReader,
        decoder: FrameDecoder,
        header: SessionHeader,
        verify: bool,
    ) -> Self {
        let hold = u64::from(header.batch_size.max(1));
        let lossy = header.lossy;
        let decode_rest = header.source == crate::cmd::import::IMPORT_SOURCE;
        Self {
            header,
            tap: None,
            feed,
            engine_side: EngineSide::new(engine_stream),
            decoder,
            sink: EventSink::local(),
            line: VecDeque::with_capacity(1024),
            direct: Vec::with_capacity(64),
            confirmed: 0,
            hold,
            lossy,
            decode_rest,
            verifier: verify.then(Verifier::default),
            counts: PlayCounts::default(),
            stamp_every: 1,
        }
    }

    /// Stamps one frame in `n` for the latency figures (the rest are
    /// decoded and applied the same, unstamped): a stamp is a handful of
    /// clock reads, a tenth of a max-speed replay's time per event, and a
    /// replay's latencies describe the replay machine anyway.
    pub fn set_stamp_every(&mut self, n: u64) {
        self.stamp_every = n.max(1);
    }

    /// Reads one feed record and acts on it; events that became safe reach
    /// `engine`. Frames and inputs pass `gate` first.
    pub fn step(&mut self, engine: &mut Engine, gate: &mut dyn FnMut(u64, &mut Engine) -> Gate) -> io::Result<Step> {
        let Some(rec) = self.feed.next_record()? else {
            return Ok(Step::End);
        };
        let stamp = rec.stamp_ns;
        if matches!(rec.kind, Kind::Frame | Kind::Input) && matches!(gate(stamp, engine), Gate::Stop) {
            return Ok(Step::Stopped);
        }
        if rec.kind != Kind::Header {
            self.counts.feed_records += 1;
        }
        match rec.kind {
            Kind::Frame => {
                self.counts.frames += 1;
                if self.counts.first_frame_ns == 0 {
                    self.counts.first_frame_ns = stamp;
                }
                self.counts.last_frame_ns = stamp;
                self.sink.set_seq(rec.seq);
                let wall = i64::try_from(stamp).unwrap_or(0);
                let recv = if self.counts.frames % self.stamp_every == 0 { mono_ns() } else { 0 };
                self.decoder.frame(rec.payload, recv, wall, self.counts.frames, &mut self.sink);
            }
            Kind::Input => match input::decode(rec.payload) {
                Ok(kind) => {
                    self.counts.feed_inputs += 1;
                    let t = mono_ns();
                    let wall = i64::try_from(stamp).unwrap_or(0);
                    self.sink.set_seq(rec.seq.saturating_sub(1));
                    self.sink.push(Stamp { recv_mono_ns: t, recv_wall_ns: wall, decoded_mono_ns: t }, kind);
                }
                Err(_) => self.counts.bad_inputs += 1,
            },
            Kind::Dropped => {
                if let (Some(a), Some(b)) = (u64_at(rec.payload, 0), u64_at(rec.payload, 8)) {
                    self.sink.take_local(&mut self.line);
                    let before = self.line.len();
                    self.line.retain(|e| e.seq < a || e.seq > b);
                    self.counts.dropped_events += (before - self.line.len()) as u64;
                }
            }
            Kind::Batch => self.confirmed = self.confirmed.max(rec.seq),
            Kind::Gap => self.counts.lost_records += u64_at(rec.payload, 0).unwrap_or(0),
            Kind::Rest if self.decode_rest => {
                self.counts.notes += 1;
                if let Some(nl) = rec.payload.iter().position(|&b| b == b'\n') {
                    let (url, body) = (&rec.payload[..nl], &rec.payload[nl + 1..]);
                    let url = String::from_utf8_lossy(url);
                    self.sink.set_seq(rec.seq);
                    let wall = i64::try_from(stamp).unwrap_or(0);
                    self.decoder.rest(&url, body, mono_ns(), wall, self.counts.frames, &mut self.sink);
                }
            }
            Kind::Connect | Kind::Disconnect | Kind::Sent | Kind::Rest => self.counts.notes += 1,
            Kind::Header | Kind::Engine => {}
        }
        if self.lossy {
            self.sink.take_local(&mut self.line);
            self.release(engine, false);
        } else {
            // Nothing was dropped live: no event can be taken back.
            let mut direct = std::mem::take(&mut self.direct);
            self.sink.take_batch(&mut direct);
            for ev in direct.drain(..) {
                self.apply(engine, &ev);
            }
            self.direct = direct;
        }
        Ok(Step::Record)
    }

    /// Hands every event no later drop can take back to the engine.
    fn release(&mut self, engine: &mut Engine, all: bool) {
        let newest = self.sink.seq();
        let safe = if all { u64::MAX } else { self.confirmed.max(newest.saturating_sub(self.hold)) };
        while self.line.front().is_some_and(|ev| ev.seq <= safe) {
            let Some(ev) = self.line.pop_front() else { break };
            self.apply(engine, &ev);
        }
    }

    /// One event to the engine, after the out-of-band inputs recorded before it.
    fn apply(&mut self, engine: &mut Engine, ev: &Event) {
        self.deliver_inputs_before(engine, ev.seq);
        engine.process(ev);
        self.counts.events += 1;
        if let Some(t) = self.tap.as_mut() {
            t(ev, engine);
        }
        self.check_outputs(engine);
    }

    /// Out-of-band inputs the live engine took before the event numbered `seq`.
    fn deliver_inputs_before(&mut self, engine: &mut Engine, seq: u64) {
        while let Some(kind) = self.engine_side.input_before(seq, self.verifier.as_mut()) {
            engine.process(&Event { seq: 0, stamp: Stamp::default(), kind });
            self.counts.events += 1;
            self.check_outputs(engine);
        }
    }

    fn check_outputs(&mut self, engine: &mut Engine) {
        if let Some(v) = self.verifier.as_mut() {
            for o in engine.drain_outputs() {
                self.engine_side.expect_next(v, o);
            }
        }
    }

    /// End of the session: what is still held reaches the engine, then the
    /// out-of-band inputs recorded after the last event, then the open
    /// candles close, as the live engine did at its end.
    pub fn finish(&mut self, engine: &mut Engine) -> io::Result<()> {
        self.sink.take_local(&mut self.line);
        self.release(engine, true);
        self.deliver_inputs_before(engine, u64::MAX);
        engine.finish();
        self.check_outputs(engine);
        if let Some(v) = self.verifier.as_mut() {
            self.engine_side.finish(v);
        }
        self.counts.engine_inputs = self.engine_side.delivered;
        self.counts.bad_inputs += self.engine_side.bad_inputs;
        Ok(())
    }

    pub fn header(&self) -> &SessionHeader {
        &self.header
    }

    pub fn set_tap(&mut self, tap: Tap) {
        self.tap = Some(tap);
    }

    pub fn decoder(&self) -> &FrameDecoder {
        &self.decoder
    }

    pub fn verifier(&self) -> Option<&Verifier> {
        self.verifier.as_ref()
    }

    /// Damage met in either stream.
    pub fn issues(&self) -> Vec<ReadIssue> {
        let mut v = self.feed.issues().to_vec();
        v.extend_from_slice(self.engine_side.issues());
        v
    }
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map(u64::from_le_bytes)
}
