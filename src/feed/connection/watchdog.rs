//! The stale-feed watchdog: no data frame for `stale_after` means the
//! connection is dead even if TCP has not noticed (a half-open socket or a
//! stalled server).
//!
//! It looks at the frame count at each timer tick instead of resetting a
//! timer per frame, so the hot path pays nothing; the price is that it
//! fires between `stale_after` and `stale_after + tick` after the last frame.

use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct Watchdog {
    stale_after: Duration,
    count: u64,
    since: Instant,
}

impl Watchdog {
    pub fn new(stale_after: Duration, now: Instant, count: u64) -> Self {
        Self { stale_after, count, since: now }
    }

    /// `Some(silence)` once no frame has arrived for `stale_after`.
    pub fn check(&mut self, now: Instant, count: u64) -> Option<Duration> {
        if count != self.count {
            self.count = count;
            self.since = now;
            return None;
        }
        let silent = now.saturating_duration_since(self.since);
        (silent >= self.stale_after).then_some(silent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::advance;

    #[tokio::test(start_paused = true)]
    async fn fires_after_silence_only() {
        let ms = Duration::from_millis;
        let mut w = Watchdog::new(ms(1000), Instant::now(), 0);
        advance(ms(600)).await;
        assert_eq!(w.check(Instant::now(), 5), None, "frames arrived");
        advance(ms(900)).await;
        assert_eq!(w.check(Instant::now(), 5), None, "900 ms of silence");
        advance(ms(100)).await;
        assert_eq!(w.check(Instant::now(), 5), Some(ms(1000)));
        advance(ms(50)).await;
        assert_eq!(w.check(Instant::now(), 6), None, "a frame resets it");
        advance(ms(999)).await;
        assert_eq!(w.check(Instant::now(), 6), None);
    }
}
