//! The engine's notion of "now", taken from the events themselves.
//!
//! Live, paper and replay runs all use an [`EventClock`]: time is the newest
//! exchange time seen, so replaying the same events gives the same times and
//! therefore the same decisions.

/// Time as the engine logic sees it.
pub trait Clock: Send {
    /// Moves time to `time_ms` if that is later; time never runs backwards.
    /// A zero time (an event that carries none) leaves it unchanged.
    fn observe(&mut self, time_ms: i64);
    /// Current time, exchange milliseconds since the epoch (0 before any event).
    fn now_ms(&self) -> i64;
}

/// A clock driven only by event times.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventClock {
    now_ms: i64,
}

impl EventClock {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Clock for EventClock {
    #[inline]
    fn observe(&mut self, time_ms: i64) {
        if time_ms > self.now_ms {
            self.now_ms = time_ms;
        }
    }

    #[inline]
    fn now_ms(&self) -> i64 {
        self.now_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_runs_backwards_and_ignores_missing_times() {
        let mut c = EventClock::new();
        c.observe(100);
        c.observe(50);
        c.observe(0);
        assert_eq!(c.now_ms(), 100);
        c.observe(101);
        assert_eq!(c.now_ms(), 101);
    }
}
