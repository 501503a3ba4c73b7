//! Reconnect delays: exponential growth with full jitter, first retry immediate.
//!
//! Full jitter (a uniform draw in `[0, ceiling]`) spreads the reconnects of
//! many clients after a venue-wide outage instead of having them retry in
//! lock step. The first retry is immediate because most drops are one-off.
//! The RNG is seeded, so a test can replay the exact schedule.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// The shape of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Ceiling of the second attempt's delay.
    pub initial: Duration,
    /// Ceiling of every delay.
    pub max: Duration,
    /// Growth of the ceiling per failed attempt (1 = constant).
    pub multiplier: u32,
}

impl BackoffPolicy {
    /// The longest delay before retry number `attempt` (0-based): zero for
    /// the first, then `initial × multiplier^(attempt-1)`, capped at `max`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        if attempt == 0 {
            return Duration::ZERO;
        }
        let mut c = self.initial;
        for _ in 1..attempt {
            if c >= self.max {
                break;
            }
            c = c.saturating_mul(self.multiplier.max(1));
        }
        c.min(self.max)
    }
}

/// The delays of consecutive failed attempts.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: BackoffPolicy,
    attempt: u32,
    rng: ChaCha8Rng,
}

impl Backoff {
    pub fn new(policy: BackoffPolicy, seed: u64) -> Self {
        Self { policy, attempt: 0, rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// The delay before the next attempt: a uniform draw in
    /// `[0, ceiling(attempt)]` (zero for the first), then counts the attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.policy.ceiling(self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        if ceiling.is_zero() {
            return Duration::ZERO;
        }
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.random_range(0..=nanos))
    }

    /// How many delays were drawn since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// After a healthy period: the next retry is immediate again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn policy(&self) -> BackoffPolicy {
        self.policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn policy() -> BackoffPolicy {
        BackoffPolicy { initial: 100 * MS, max: 10_000 * MS, multiplier: 2 }
    }

    #[test]
    fn first_retry_is_immediate() {
        let mut b = Backoff::new(policy(), 7);
        assert_eq!(b.next_delay(), Duration::ZERO);
        assert_eq!(b.attempt(), 1);
    }

    #[test]
    fn ceiling_grows_then_caps() {
        let p = policy();
        let c: Vec<u128> = (0..10).map(|a| p.ceiling(a).as_millis()).collect();
        assert_eq!(c, [0, 100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
        assert_eq!(p.ceiling(u32::MAX), 10_000 * MS);
        let flat = BackoffPolicy { multiplier: 1, ..p };
        assert_eq!(flat.ceiling(50), 100 * MS);
        let zero = BackoffPolicy { multiplier: 0, ..p };
        assert_eq!(zero.ceiling(3), 100 * MS);
    }

    #[test]
    fn jitter_stays_within_bounds_and_spreads() {
        let p = policy();
        let mut b = Backoff::new(p, 42);
        let mut draws = Vec::new();
        for attempt in 0..2000u32 {
            let d = b.next_delay();
            assert!(d <= p.ceiling(attempt), "attempt {attempt}: {d:?}");
            if attempt >= 8 {
                draws.push(d);
            }
        }
        // Full jitter: capped draws cover [0, max] rather than sitting near it.
        let below_half = draws.iter().filter(|d| **d < 5_000 * MS).count();
        assert!(below_half > draws.len() / 3 && below_half < draws.len() * 2 / 3, "{below_half}");
    }

    #[test]
    fn same_seed_same_schedule() {
        let run = |seed| {
            let mut b = Backoff::new(policy(), seed);
            (0..12).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn reset_makes_the_next_retry_immediate() {
        let mut b = Backoff::new(policy(), 1);
        for _ in 0..5 {
            b.next_delay();
        }
        b.reset();
        assert_eq!(b.next_delay(), Duration::ZERO);
        assert!(b.next_delay() <= 100 * MS);
    }

    /// The delays drive real tokio timers: with paused time each sleep ends
    /// at its delay (tokio timers round up to the next millisecond).
    #[tokio::test(start_paused = true)]
    async fn delays_drive_paused_timers() {
        let mut b = Backoff::new(policy(), 9);
        let mut total = Duration::ZERO;
        for _ in 0..6 {
            let d = b.next_delay();
            let t0 = tokio::time::Instant::now();
            tokio::time::sleep(d).await;
            let slept = t0.elapsed();
            assert!(slept >= d && slept <= d + MS, "{slept:?} for {d:?}");
            total += d;
        }
        assert!(total <= (100 + 200 + 400 + 800 + 1600) * MS);
    }
}
