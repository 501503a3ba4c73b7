//! Orders per sliding second on event time, in O(1): a ring of the last
//! `max` acceptance times. An order fits when fewer than `max` were accepted
//! in the second before it, i.e. when the oldest of the last `max` is at least
//! 1000 ms old.

/// Length of the sliding window.
pub const WINDOW_MS: i64 = 1_000;

#[derive(Debug, Clone)]
pub struct RateWindow {
    /// Acceptance times, oldest at `head` once full. Allocated once.
    ring: Vec<i64>,
    max: usize,
    head: usize,
}

impl RateWindow {
    /// `max == 0` turns the limit off.
    pub fn new(max: usize) -> Self {
        Self { ring: Vec::with_capacity(max), max, head: 0 }
    }

    /// Would one more order at `now_ms` stay within the limit?
    #[inline]
    pub fn allows(&self, now_ms: i64) -> bool {
        if self.max == 0 || self.ring.len() < self.max {
            return true;
        }
        self.ring.get(self.head).is_none_or(|&oldest| now_ms.saturating_sub(oldest) >= WINDOW_MS)
    }

    /// Orders counted in the window ending at `now_ms`.
    pub fn in_window(&self, now_ms: i64) -> usize {
        self.ring.iter().filter(|&&t| now_ms.saturating_sub(t) < WINDOW_MS).count()
    }

    /// Records an accepted order.
    #[inline]
    pub fn record(&mut self, now_ms: i64) {
        if self.max == 0 {
            return;
        }
        if self.ring.len() < self.max {
            self.ring.push(now_ms);
        } else if let Some(slot) = self.ring.get_mut(self.head) {
            *slot = now_ms;
            self.head = (self.head + 1) % self.max;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slides_over_event_time() {
        let mut w = RateWindow::new(2);
        assert!(w.allows(0));
        w.record(0);
        w.record(400);
        assert!(!w.allows(999));
        assert!(w.allows(1_000));
        w.record(1_000);
        assert!(!w.allows(1_399));
        assert!(w.allows(1_400));
        assert_eq!(w.in_window(1_399), 2);
    }

    #[test]
    fn zero_is_unlimited() {
        let mut w = RateWindow::new(0);
        for t in 0..10 {
            assert!(w.allows(t));
            w.record(t);
        }
    }
}
