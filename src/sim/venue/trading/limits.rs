//! The ORDERS limits per account (fixed, aligned 10 s and 1 day windows) and
//! 418 bans per IP: a client that sends a request while a `Retry-After` it
//! was given still runs is banned for `ban-secs`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const TEN_SECONDS_MS: i64 = 10_000;
const DAY_MS: i64 = 86_400_000;

/// The counts after one new order, and the broken limit if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCount {
    pub in_10s: u32,
    pub in_1d: u32,
    /// `(message, Retry-After seconds)` when a limit is broken.
    pub over: Option<(String, u64)>,
}

/// Orders placed per account in the current windows.
#[derive(Debug)]
pub struct OrderLimits {
    per_10s: u32,
    per_day: u32,
    counts: Mutex<HashMap<u32, [(i64, u32); 2]>>,
}

impl OrderLimits {
    pub fn new(per_10s: u32, per_day: u32) -> Self {
        Self { per_10s, per_day, counts: Mutex::new(HashMap::new()) }
    }

    /// Counts one new order of `account` at `now_ms`.
    pub fn count(&self, account: u32, now_ms: i64) -> OrderCount {
        let mut g = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let e = g.entry(account).or_insert([(0, 0); 2]);
        let windows = [TEN_SECONDS_MS, DAY_MS];
        for (slot, len) in e.iter_mut().zip(windows) {
            let w = now_ms.div_euclid(len);
            if slot.0 != w {
                *slot = (w, 0);
            }
            slot.1 = slot.1.saturating_add(1);
        }
        let retry = |len: i64| (((now_ms.div_euclid(len) + 1) * len - now_ms + 999) / 1000).max(1) as u64;
        let over = if e[0].1 > self.per_10s {
            Some((
                format!("Too many new orders; current limit is {} orders per 10 SECOND.", self.per_10s),
                retry(TEN_SECONDS_MS),
            ))
        } else if e[1].1 > self.per_day {
            Some((format!("Too many new orders; current limit is {} orders per 1 DAY.", self.per_day), retry(DAY_MS)))
        } else {
            None
        };
        OrderCount { in_10s: e[0].1, in_1d: e[1].1, over }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct IpState {
    /// A Retry-After given to this IP runs until then.
    retry_until_ms: i64,
    banned_until_ms: i64,
}

/// 418 bans per IP.
#[derive(Debug)]
pub struct Bans {
    ban_ms: i64,
    ips: Mutex<HashMap<IpAddr, IpState>>,
}

impl Bans {
    pub fn new(ban_secs: u64) -> Self {
        Self {
            ban_ms: i64::try_from(ban_secs.saturating_mul(1000)).unwrap_or(i64::MAX / 2),
            ips: Mutex::new(HashMap::new()),
        }
    }

    /// Remembers that `ip` was told to wait `retry_after_secs` from `now_ms`.
    pub fn arm(&self, ip: IpAddr, now_ms: i64, retry_after_secs: u64) {
        let mut g = self.ips.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = g.entry(ip).or_default();
        let until = now_ms + i64::try_from(retry_after_secs).unwrap_or(0) * 1000;
        s.retry_until_ms = s.retry_until_ms.max(until);
    }

    /// The end of `ip`'s ban (starting one if it ignored a Retry-After), or `None`.
    pub fn check(&self, ip: IpAddr, now_ms: i64) -> Option<i64> {
        let mut g = self.ips.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = g.get_mut(&ip)?;
        if s.banned_until_ms > now_ms {
            return Some(s.banned_until_ms);
        }
        if s.retry_until_ms > now_ms {
            s.retry_until_ms = 0;
            s.banned_until_ms = now_ms + self.ban_ms;
            return Some(s.banned_until_ms);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_over_the_10s_window_are_refused_until_it_ends() {
        let l = OrderLimits::new(2, 100);
        let t = 1_700_000_003_500; // 6.5 s before the window ends
        assert!(l.count(1, t).over.is_none());
        assert!(l.count(1, t).over.is_none());
        let c = l.count(1, t);
        assert_eq!((c.in_10s, c.in_1d), (3, 3));
        let (msg, retry) = c.over.unwrap_or_default();
        assert_eq!(msg, "Too many new orders; current limit is 2 orders per 10 SECOND.");
        assert_eq!(retry, 7);
        assert!(l.count(2, t).over.is_none(), "per account");
        assert_eq!(l.count(1, t + 6_500).in_10s, 1, "a new window");
    }

    #[test]
    fn a_request_inside_a_retry_after_starts_a_ban() {
        let b = Bans::new(120);
        let ip: IpAddr = [127, 0, 0, 1].into();
        assert_eq!(b.check(ip, 1000), None);
        b.arm(ip, 1000, 1);
        assert_eq!(b.check(ip, 2500), None, "waited long enough");
        b.arm(ip, 3000, 1);
        assert_eq!(b.check(ip, 3500), Some(123_500));
        assert_eq!(b.check(ip, 100_000), Some(123_500));
        assert_eq!(b.check(ip, 123_500), None);
    }
}
