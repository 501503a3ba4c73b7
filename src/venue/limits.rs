//! Request weight and order counts: what the venue says we used, what we
//! sent since, and whether the next request may go now.
//!
//! Weight (`X-MBX-USED-WEIGHT-1M`, per IP) and host blocks (429 Retry-After,
//! 418 bans) are the feed's [`WeightGate`]. Orders count per account in
//! fixed windows of 10 s and one UTC day (`X-MBX-ORDER-COUNT-10S`/`-1D`);
//! each order sent is counted at once, so concurrent submissions cannot all
//! slip through, and orders wait once a count reaches the throttle mark
//! instead of collecting -1015 rejections. Pure: the caller passes the
//! venue-aligned time.

use crate::feed::rest::weight::{Admit, WaitReason, WeightGate};
use serde::Serialize;

const TEN_S_MS: i64 = 10_000;
const DAY_MS: i64 = 86_400_000;

/// A snapshot for status lines and summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitsState {
    pub used_weight: u32,
    pub weight_limit: u32,
    /// Orders in the current 10 s window (the venue's count plus ours since).
    pub orders_10s: u32,
    /// Orders in the current UTC day.
    pub orders_1d: u32,
    /// Milliseconds left of a 429 Retry-After or a 418 ban.
    pub blocked_for_ms: u64,
    pub banned: bool,
}

/// Where a request's counts go, for the headers of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    weight_window: i64,
    ten_s: i64,
    day: i64,
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Go(Ticket),
    /// Try again after `ms`; `retry_after` when a 429 block is the reason.
    Wait {
        ms: u64,
        retry_after: bool,
    },
    Banned {
        secs: u64,
    },
    /// A wait longer than the caller accepts.
    RateLimited {
        secs: u64,
    },
}

/// One fixed window count.
#[derive(Debug, Clone, Copy)]
struct Count {
    window: i64,
    n: u32,
}

impl Count {
    fn roll(&mut self, window: i64) {
        if window > self.window {
            *self = Self { window, n: 0 };
        }
    }
}

/// Weight, order counts and host blocks.
#[derive(Debug, Clone)]
pub struct Limits {
    weight: WeightGate,
    order_limit_10s: u32,
    order_limit_1d: u32,
    percent: u8,
    max_wait_ms: u64,
    ten_s: Count,
    day: Count,
}

impl Limits {
    pub fn new(weight_limit: u32, order_limit_10s: u32, order_limit_1d: u32, percent: u8, max_wait_ms: u64) -> Self {
        Self {
            weight: WeightGate::new(weight_limit, percent, 60_000, max_wait_ms),
            order_limit_10s,
            order_limit_1d,
            percent: percent.min(100),
            max_wait_ms,
            ten_s: Count { window: i64::MIN, n: 0 },
            day: Count { window: i64::MIN, n: 0 },
        }
    }

    fn mark(&self, limit: u32) -> u32 {
        // At least one order per window, whatever the percentage.
        ((u64::from(limit) * u64::from(self.percent) / 100) as u32).max(1)
    }

    fn roll(&mut self, now_ms: i64) {
        self.ten_s.roll(now_ms.div_euclid(TEN_S_MS));
        self.day.roll(now_ms.div_euclid(DAY_MS));
    }

    /// May a request of `weight` go at `now_ms`? `order`: it places an order.
    pub fn admit(&mut self, now_ms: i64, weight: u32, order: bool) -> Gate {
        self.roll(now_ms);
        if order {
            // Host blocks first: a ban outranks an order throttle.
            let s = self.weight.state(now_ms);
            if s.blocked_ms == 0 {
                let wait = if self.day.n >= self.mark(self.order_limit_1d) {
                    Some((self.day.window + 1).saturating_mul(DAY_MS) - now_ms)
                } else if self.ten_s.n >= self.mark(self.order_limit_10s) {
                    Some((self.ten_s.window + 1).saturating_mul(TEN_S_MS) - now_ms)
                } else {
                    None
                };
                if let Some(ms) = wait {
                    let ms = ms.max(1).unsigned_abs();
                    if ms > self.max_wait_ms {
                        return Gate::RateLimited { secs: ms.div_ceil(1000) };
                    }
                    return Gate::Wait { ms, retry_after: false };
                }
            }
        }
        match self.weight.admit(now_ms, weight) {
            Admit::Go { window } => {
                if order {
                    self.ten_s.n = self.ten_s.n.saturating_add(1);
                    self.day.n = self.day.n.saturating_add(1);
                }
                Gate::Go(Ticket { weight_window: window, ten_s: self.ten_s.window, day: self.day.window })
            }
            Admit::Wait { ms, why } => Gate::Wait { ms, retry_after: why == WaitReason::RetryAfter },
            Admit::Banned { secs } => Gate::Banned { secs },
            Admit::RateLimited { secs } => Gate::RateLimited { secs },
        }
    }

    /// Records the counts an answer carried; counts from a window that has
    /// since rolled are stale and dropped.
    pub fn observe(&mut self, t: Ticket, used_weight: Option<u32>, orders_10s: Option<u32>, orders_1d: Option<u32>) {
        if let Some(w) = used_weight {
            self.weight.observe(t.weight_window, w);
        }
        // The venue's count is the truth; ours may be ahead by orders still in flight.
        if let Some(n) = orders_10s.filter(|_| t.ten_s == self.ten_s.window) {
            self.ten_s.n = self.ten_s.n.max(n);
        }
        if let Some(n) = orders_1d.filter(|_| t.day == self.day.window) {
            self.day.n = self.day.n.max(n);
        }
    }

    /// Blocks the host for `secs` (429 Retry-After, or a 418 ban).
    pub fn block(&mut self, now_ms: i64, secs: u64, banned: bool) {
        self.weight.block(now_ms, secs, banned);
    }

    /// Milliseconds to the end of the weight window.
    pub fn ms_to_window_end(&self, now_ms: i64) -> u64 {
        self.weight.ms_to_window_end(now_ms)
    }

    pub fn state(&mut self, now_ms: i64) -> LimitsState {
        self.roll(now_ms);
        let w = self.weight.state(now_ms);
        LimitsState {
            used_weight: w.used,
            weight_limit: w.limit,
            orders_10s: self.ten_s.n,
            orders_1d: self.day.n,
            blocked_for_ms: w.blocked_ms,
            banned: w.banned,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::new(6000, 10, 1000, 80, 30_000)
    }

    #[test]
    fn orders_throttle_at_the_mark_until_the_10s_window_rolls() {
        let mut l = limits();
        let t0 = 1_000_000_000_000 + 2_000; // 2 s into a 10 s window
        for _ in 0..8 {
            assert!(matches!(l.admit(t0, 1, true), Gate::Go(_)));
        }
        assert_eq!(l.admit(t0, 1, true), Gate::Wait { ms: 8_000, retry_after: false });
        // Non-order requests still go.
        assert!(matches!(l.admit(t0, 1, false), Gate::Go(_)));
        assert!(matches!(l.admit(t0 + 8_000, 1, true), Gate::Go(_)));
        assert_eq!(l.state(t0 + 8_000).orders_10s, 1);
        assert_eq!(l.state(t0 + 8_000).orders_1d, 9);
    }

    #[test]
    fn venue_counts_raise_ours_and_stale_ones_are_dropped() {
        let mut l = limits();
        let t0 = 1_000_000_000_000;
        let Gate::Go(t) = l.admit(t0, 1, true) else { panic!() };
        l.observe(t, Some(42), Some(7), Some(500));
        let s = l.state(t0);
        assert_eq!((s.used_weight, s.orders_10s, s.orders_1d), (42, 7, 500));
        // The day mark is 800: a venue count at it refuses for the rest of the day.
        l.observe(t, None, None, Some(800));
        assert!(matches!(l.admit(t0 + 1, 1, true), Gate::RateLimited { .. }));
        let Gate::Go(t) = l.admit(t0 + 1, 1, false) else { panic!() };
        l.observe(t, Some(1), None, None);
        assert_eq!(l.state(t0 + 60_000).used_weight, 0);
        // A count from a rolled 10 s window is ignored.
        let mut l = limits();
        let Gate::Go(t) = l.admit(t0, 1, true) else { panic!() };
        l.admit(t0 + 10_000, 1, false);
        l.observe(t, None, Some(9), None);
        assert_eq!(l.state(t0 + 10_000).orders_10s, 0);
    }

    #[test]
    fn blocks_wait_or_refuse() {
        let mut l = limits();
        l.block(0, 2, false);
        assert_eq!(l.admit(500, 1, true), Gate::Wait { ms: 1_500, retry_after: true });
        assert_eq!(l.state(500).blocked_for_ms, 1_500);
        assert!(matches!(l.admit(2_000, 1, true), Gate::Go(_)));
        l.block(2_000, 60, false);
        assert_eq!(l.admit(2_000, 1, false), Gate::RateLimited { secs: 60 });
        l.block(2_000, 120, true);
        assert_eq!(l.admit(2_000, 1, true), Gate::Banned { secs: 120 });
        assert!(l.state(2_000).banned);
    }
}
