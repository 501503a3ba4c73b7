//! `replay --verify`: the replay's decisions against the recorded ones, one
//! by one, stopping the comparison at the first that differs.

use crate::engine::Output;
use serde::Serialize;
use std::collections::VecDeque;

/// Decisions kept before a divergence, to show what led to it.
const CONTEXT: usize = 5;

#[derive(Debug, Default)]
pub struct Verifier {
    expected: VecDeque<Output>,
    recent: VecDeque<Output>,
    matched: u64,
    divergence: Option<Divergence>,
}

/// The first place where the replay and the recording disagree.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Divergence {
    /// Index of the decision (0 = the first) in the session.
    pub index: u64,
    /// What the live engine decided there (`None`: the replay decided more).
    pub recorded: Option<OutputView>,
    /// What the replay decided (`None`: the replay stopped short).
    pub replayed: Option<OutputView>,
    /// The decisions just before, on which both agreed.
    pub context: Vec<OutputView>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OutputView {
    pub seq: u64,
    pub time_ms: i64,
    pub text: String,
}

impl From<&Output> for OutputView {
    fn from(o: &Output) -> Self {
        Self { seq: o.seq, time_ms: o.time_ms, text: o.text.clone() }
    }
}

/// The verdict, for the summary.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerifyReport {
    /// Decisions that matched before the first divergence (all when none).
    pub matched: u64,
    pub divergence: Option<Divergence>,
}

impl Verifier {
    pub fn push_expected(&mut self, o: Output) {
        if self.divergence.is_none() {
            self.expected.push_back(o);
        }
    }

    pub fn expected_is_empty(&self) -> bool {
        self.expected.is_empty()
    }

    /// One replayed decision against the next recorded one.
    pub fn compare(&mut self, produced: Output) {
        if self.divergence.is_some() {
            return;
        }
        match self.expected.pop_front() {
            Some(e) if e == produced => {
                self.matched += 1;
                if self.recent.len() == CONTEXT {
                    self.recent.pop_front();
                }
                self.recent.push_back(e);
            }
            recorded => self.diverge(recorded.as_ref(), Some(&produced)),
        }
    }

    /// No more replayed decisions: a recorded one left over diverges.
    pub fn finish(&mut self) {
        if self.divergence.is_none() {
            if let Some(e) = self.expected.pop_front() {
                self.diverge(Some(&e), None);
            }
        }
    }

    fn diverge(&mut self, recorded: Option<&Output>, replayed: Option<&Output>) {
        self.divergence = Some(Divergence {
            index: self.matched,
            recorded: recorded.map(OutputView::from),
            replayed: replayed.map(OutputView::from),
            context: self.recent.iter().map(OutputView::from).collect(),
        });
        self.expected.clear();
    }

    pub fn report(&self) -> VerifyReport {
        VerifyReport { matched: self.matched, divergence: self.divergence.clone() }
    }
}
