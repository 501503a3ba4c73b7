//! The engine's decisions in the order it made them: orders submitted,
//! risk refusals, execution reports, kill-switch trips. Recorded with a
//! session and compared by `replay --verify`, so each entry is plain text
//! built only from event data (no wall clock, no addresses): the same
//! inputs always give the same lines.

/// One decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The last numbered input consumed when it was made.
    pub seq: u64,
    /// Event time of the decision, exchange ms.
    pub time_ms: i64,
    pub text: String,
}

/// Collects outputs while switched on; costs nothing when off.
#[derive(Debug, Default)]
pub struct Journal {
    on: bool,
    entries: Vec<Output>,
}

impl Journal {
    pub fn set(&mut self, on: bool) {
        self.on = on;
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Adds an entry; `text` is only built when the journal is on.
    pub fn push(&mut self, seq: u64, time_ms: i64, text: impl FnOnce() -> String) {
        if self.on {
            self.entries.push(Output { seq, time_ms, text: text() });
        }
    }

    pub fn drain(&mut self) -> std::vec::Drain<'_, Output> {
        self.entries.drain(..)
    }
}
