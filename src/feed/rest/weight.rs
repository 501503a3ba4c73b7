//! Request weight: what each endpoint costs, what the venue says we used,
//! and whether the next request may go now.
//!
//! Binance counts weight per IP in fixed windows aligned to the minute and
//! reports the running total in `X-MBX-USED-WEIGHT-1M`. [`WeightGate`] keeps
//! that total per window and answers [`Admit`] for each request: go (and
//! reserve its weight, so that concurrent calls cannot all slip through),
//! wait until the window rolls once the used weight reaches the throttle
//! mark or the request would pass the limit, wait out a 429's `Retry-After`,
//! or refuse at once during a ban or a wait longer than the configured cap.
//! It is pure: the caller passes the venue-aligned time in milliseconds.

use serde::Serialize;

/// Endpoint weights (Binance Spot, 2026).
pub mod cost {
    pub const PING: u32 = 1;
    pub const TIME: u32 = 1;
    pub const EXCHANGE_INFO: u32 = 20;
    pub const KLINES: u32 = 2;
    pub const TRADES: u32 = 25;

    /// `/api/v3/depth` costs by `limit`: 5 / 25 / 50 / 250.
    pub const fn depth(limit: u16) -> u32 {
        match limit {
            0..=100 => 5,
            101..=500 => 25,
            501..=1000 => 50,
            _ => 250,
        }
    }
}

/// The weight seen and the throttle, for status lines and the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeightState {
    /// Weight used in the current window: the last `X-MBX-USED-WEIGHT-1M`
    /// plus what was sent since (0 after the window rolled).
    pub used: u32,
    pub limit: u32,
    /// Requests wait for the window to roll once `used` reaches this.
    pub throttle_at: u32,
    /// Whether the next request would wait (throttle, Retry-After or ban).
    pub throttling: bool,
    /// Milliseconds left of a 429 Retry-After or a 418 ban, 0 when none.
    pub blocked_ms: u64,
    /// A 418 ban is in force.
    pub banned: bool,
}

/// Why a request waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// Used weight at the throttle mark, or the request would pass the limit.
    Throttle,
    /// A 429's `Retry-After` has not elapsed.
    RetryAfter,
}

/// The gate's answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Send now; the weight is reserved in `window`.
    Go { window: i64 },
    /// Try again after `ms`.
    Wait { ms: u64, why: WaitReason },
    /// A 418 ban: no request for `secs`.
    Banned { secs: u64 },
    /// A 429 block longer than the caller is willing to wait.
    RateLimited { secs: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    until_ms: i64,
    banned: bool,
}

/// Request weight and host blocks, on a clock given by the caller.
#[derive(Debug, Clone)]
pub struct WeightGate {
    configured_limit: u32,
    limit: u32,
    percent: u8,
    window_ms: i64,
    max_wait_ms: i64,
    used: u32,
    window: i64,
    block: Option<Block>,
}

impl WeightGate {
    /// `limit` per window of `window_ms`, throttling at `percent` of it; a
    /// 429 block longer than `max_wait_ms` is refused instead of waited out.
    pub fn new(limit: u32, percent: u8, window_ms: u64, max_wait_ms: u64) -> Self {
        Self {
            configured_limit: limit,
            limit,
            percent: percent.min(100),
            window_ms: i64::try_from(window_ms.max(1)).unwrap_or(i64::MAX),
            max_wait_ms: i64::try_from(max_wait_ms).unwrap_or(i64::MAX),
            used: 0,
            window: i64::MIN,
            block: None,
        }
    }

    /// Adopts the venue's stated limit (exchangeInfo), never above the configured one.
    pub fn set_venue_limit(&mut self, venue_limit: u32) {
        self.limit = self.configured_limit.min(venue_limit);
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn throttle_at(&self) -> u32 {
        (u64::from(self.limit) * u64::from(self.percent) / 100) as u32
    }

    /// The window `now_ms` falls in.
    pub fn window_of(&self, now_ms: i64) -> i64 {
        now_ms.div_euclid(self.window_ms)
    }

    fn roll(&mut self, now_ms: i64) {
        let w = self.window_of(now_ms);
        if w > self.window {
            self.window = w;
            self.used = 0;
        }
        if self.block.is_some_and(|b| b.until_ms <= now_ms) {
            self.block = None;
        }
    }

    /// May a request of `weight` go at `now_ms`?
    pub fn admit(&mut self, now_ms: i64, weight: u32) -> Admit {
        self.roll(now_ms);
        if let Some(b) = self.block {
            let left = b.until_ms - now_ms;
            let secs = ceil_secs(left);
            if b.banned {
                return Admit::Banned { secs };
            }
            if left > self.max_wait_ms {
                return Admit::RateLimited { secs };
            }
            return Admit::Wait { ms: left.unsigned_abs(), why: WaitReason::RetryAfter };
        }
        let over = self.used >= self.throttle_at() || self.used.saturating_add(weight) > self.limit;
        // An empty window always admits: a request heavier than the limit could never go otherwise.
        if self.used > 0 && over {
            let next = (self.window + 1).saturating_mul(self.window_ms);
            return Admit::Wait { ms: (next - now_ms).max(1).unsigned_abs(), why: WaitReason::Throttle };
        }
        self.used = self.used.saturating_add(weight);
        Admit::Go { window: self.window }
    }

    /// Records `X-MBX-USED-WEIGHT-1M` from the answer to a request sent in
    /// `window`; an answer from a window that has since rolled is stale.
    pub fn observe(&mut self, window: i64, used: u32) {
        if window == self.window {
            self.used = used;
        }
    }

    /// Blocks the host for `secs` from `now_ms` (429 `Retry-After`, or a 418 ban).
    /// A longer block already in force is kept.
    pub fn block(&mut self, now_ms: i64, secs: u64, banned: bool) {
        let ms = i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let until_ms = now_ms.saturating_add(ms);
        let banned = banned || self.block.is_some_and(|b| b.banned && b.until_ms > now_ms);
        let until_ms = self.block.map_or(until_ms, |b| b.until_ms.max(until_ms));
        self.block = Some(Block { until_ms, banned });
    }

    /// Milliseconds to the end of the current window.
    pub fn ms_to_window_end(&self, now_ms: i64) -> u64 {
        let next = (self.window_of(now_ms) + 1).saturating_mul(self.window_ms);
        (next - now_ms).unsigned_abs()
    }

    /// The state at `now_ms`.
    pub fn state(&mut self, now_ms: i64) -> WeightState {
        self.roll(now_ms);
        let blocked_ms = self.block.map_or(0, |b| (b.until_ms - now_ms).max(0).unsigned_abs());
        let throttle_at = self.throttle_at();
        WeightState {
            used: self.used,
            limit: self.limit,
            throttle_at,
            throttling: blocked_ms > 0 || (self.used > 0 && self.used >= throttle_at),
            blocked_ms,
            banned: self.block.is_some_and(|b| b.banned),
        }
    }
}

fn ceil_secs(ms: i64) -> u64 {
    ms.max(0).unsigned_abs().div_ceil(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn gate() -> WeightGate {
        WeightGate::new(100, 80, 60_000, 30_000)
    }

    #[test]
    fn throttles_at_the_mark_until_the_minute_rolls() {
        let mut g = gate();
        let t = 10 * MIN + 1_000;
        assert_eq!(g.admit(t, 1), Admit::Go { window: 10 });
        g.observe(10, 79);
        assert_eq!(g.admit(t + 10, 1), Admit::Go { window: 10 });
        assert!(g.state(t + 10).throttling);
        // 80 used: wait for the next minute boundary, exactly.
        assert_eq!(g.admit(t + 20, 1), Admit::Wait { ms: 58_980, why: WaitReason::Throttle });
        assert_eq!(g.admit(11 * MIN, 1), Admit::Go { window: 11 });
        assert_eq!(g.state(11 * MIN).used, 1);
    }

    #[test]
    fn never_passes_the_limit_and_reserves_weight() {
        let mut g = WeightGate::new(100, 100, 60_000, 30_000);
        g.admit(0, 1);
        g.observe(0, 90);
        assert_eq!(g.admit(1, 10), Admit::Go { window: 0 });
        // The reservation counts before the venue answers: 100 + 1 > 100.
        assert!(matches!(g.admit(2, 1), Admit::Wait { why: WaitReason::Throttle, .. }));
        // A request heavier than the whole limit still goes in an empty window.
        assert_eq!(g.admit(MIN, 250), Admit::Go { window: 1 });
    }

    #[test]
    fn stale_headers_are_ignored() {
        let mut g = gate();
        assert_eq!(g.admit(MIN - 1, 1), Admit::Go { window: 0 });
        assert_eq!(g.admit(MIN, 1), Admit::Go { window: 1 });
        g.observe(0, 99);
        assert_eq!(g.state(MIN).used, 1);
    }

    #[test]
    fn retry_after_waits_or_refuses_and_bans_refuse() {
        let mut g = gate();
        g.block(1_000, 5, false);
        assert_eq!(g.admit(1_000, 1), Admit::Wait { ms: 5_000, why: WaitReason::RetryAfter });
        assert_eq!(g.state(3_000).blocked_ms, 3_000);
        assert_eq!(g.admit(6_000, 1), Admit::Go { window: 0 });
        g.block(6_000, 31, false);
        assert_eq!(g.admit(6_000, 1), Admit::RateLimited { secs: 31 });
        g.block(6_000, 120, true);
        assert_eq!(g.admit(6_500, 1), Admit::Banned { secs: 120 });
        // A shorter 429 does not lift a ban.
        g.block(7_000, 1, false);
        assert_eq!(g.admit(8_000, 1), Admit::Banned { secs: 118 });
        let s = g.state(8_000);
        assert!(s.banned && s.throttling);
        assert_eq!(g.admit(126_000, 1), Admit::Go { window: 2 });
        assert!(!g.state(126_000).banned);
    }

    #[test]
    fn venue_limit_lowers_but_never_raises() {
        let mut g = WeightGate::new(6000, 80, 60_000, 0);
        g.set_venue_limit(1200);
        assert_eq!((g.limit(), g.throttle_at()), (1200, 960));
        g.set_venue_limit(10_000);
        assert_eq!(g.limit(), 6000);
        assert_eq!(cost::depth(100), 5);
        assert_eq!(cost::depth(1000), 50);
        assert_eq!(cost::depth(5000), 250);
        assert_eq!(g.ms_to_window_end(59_000), 1_000);
    }
}
