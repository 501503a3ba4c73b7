//! The engine stream of a session, read just far enough ahead: the
//! out-of-band inputs to slot in before each numbered event, and the
//! decisions the live engine made, to compare with the replay's.
//!
//! Both kinds carry the engine's last numbered event when they were
//! written, so the stream is in sequence order and reading stops at the
//! first record past the event about to be processed: memory stays at a
//! few records whatever the session's length.

use super::verify::Verifier;
use crate::engine::{EventKind, Output};
use crate::record::{Kind, ReadIssue, StreamReader, input};
use std::collections::VecDeque;

pub struct EngineSide {
    reader: StreamReader,
    /// Inputs read ahead: (last numbered event before it, the input).
    inputs: VecDeque<(u64, EventKind)>,
    /// Sequence number of the last record read.
    read_to: u64,
    ended: bool,
    issues: Vec<ReadIssue>,
    /// Inputs handed to the engine, and inputs that did not decode.
    pub delivered: u64,
    pub bad_inputs: u64,
}

impl EngineSide {
    pub fn new(reader: StreamReader) -> Self {
        Self {
            reader,
            inputs: VecDeque::new(),
            read_to: 0,
            ended: false,
            issues: Vec::new(),
            delivered: 0,
            bad_inputs: 0,
        }
    }

    /// The next input recorded before the event numbered `seq`, if any.
    pub fn input_before(&mut self, seq: u64, mut verifier: Option<&mut Verifier>) -> Option<EventKind> {
        loop {
            if let Some((at, _)) = self.inputs.front() {
                if *at < seq {
                    self.delivered += 1;
                    return self.inputs.pop_front().map(|(_, k)| k);
                }
                return None;
            }
            // Past `seq` already: nothing more can come before it.
            if self.ended || self.read_to >= seq {
                return None;
            }
            self.read_one(verifier.as_deref_mut());
        }
    }

    /// One replayed decision: compared with the next recorded one.
    pub fn expect_next(&mut self, v: &mut Verifier, produced: Output) {
        while v.expected_is_empty() && !self.ended {
            self.read_one(Some(v));
        }
        v.compare(produced);
    }

    /// End of the replay: recorded decisions the replay never made diverge.
    pub fn finish(&mut self, v: &mut Verifier) {
        while !self.ended {
            self.read_one(Some(v));
        }
        v.finish();
    }

    fn read_one(&mut self, verifier: Option<&mut Verifier>) {
        let rec = match self.reader.next_record() {
            Ok(Some(r)) => r,
            Ok(None) => {
                self.ended = true;
                self.issues = self.reader.issues().to_vec();
                return;
            }
            Err(e) => {
                tracing::warn!("engine stream: {e}");
                self.ended = true;
                self.issues = self.reader.issues().to_vec();
                return;
            }
        };
        match rec.kind {
            Kind::Input => {
                self.read_to = self.read_to.max(rec.seq);
                match input::decode(rec.payload) {
                    Ok(k) => self.inputs.push_back((rec.seq, k)),
                    Err(_) => self.bad_inputs += 1,
                }
            }
            Kind::Engine => {
                self.read_to = self.read_to.max(rec.seq);
                if let Some(v) = verifier {
                    let text = String::from_utf8_lossy(rec.payload).into_owned();
                    let time_ms = i64::try_from(rec.stamp_ns / 1_000_000).unwrap_or(0);
                    v.push_expected(Output { seq: rec.seq, time_ms, text });
                }
            }
            _ => {}
        }
    }

    pub fn issues(&self) -> &[ReadIssue] {
        &self.issues
    }
}
