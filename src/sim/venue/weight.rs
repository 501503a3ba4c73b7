//! REQUEST_WEIGHT per IP in fixed one-minute windows aligned to the clock,
//! as Binance counts it (`X-MBX-USED-WEIGHT-1M`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const MINUTE_MS: i64 = 60_000;
/// Old windows are swept once the table holds this many IPs.
const SWEEP_AT: usize = 4096;

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    /// Weight used by the IP in this minute, this request included.
    pub used: u32,
    /// Over the limit: answer 429.
    pub over: bool,
    /// Seconds until the window ends (for `Retry-After`), at least 1.
    pub retry_after_secs: u64,
}

/// Weight used per IP in the current minute.
#[derive(Debug)]
pub struct Weights {
    limit: u32,
    used: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl Weights {
    pub fn new(limit: u32) -> Self {
        Self { limit, used: Mutex::new(HashMap::new()) }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Adds `weight` for `ip` at wall time `now_ms`.
    pub fn charge(&self, ip: IpAddr, weight: u32, now_ms: i64) -> Charge {
        let minute = now_ms.div_euclid(MINUTE_MS);
        let mut g = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if g.len() >= SWEEP_AT {
            g.retain(|_, (m, _)| *m == minute);
        }
        let e = g.entry(ip).or_insert((minute, 0));
        if e.0 != minute {
            *e = (minute, 0);
        }
        e.1 = e.1.saturating_add(weight);
        let left_ms = (minute + 1) * MINUTE_MS - now_ms;
        Charge { used: e.1, over: e.1 > self.limit, retry_after_secs: ((left_ms + 999) / 1000).max(1) as u64 }
    }

    /// Weight used by `ip` in the current minute.
    pub fn used(&self, ip: IpAddr, now_ms: i64) -> u32 {
        let minute = now_ms.div_euclid(MINUTE_MS);
        let g = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        g.get(&ip).filter(|(m, _)| *m == minute).map_or(0, |(_, u)| *u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_per_ip_and_per_minute() {
        let w = Weights::new(10);
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let t = 1_700_000_080_500; // 19.5 s before a minute ends
        assert_eq!(w.charge(a, 6, t), Charge { used: 6, over: false, retry_after_secs: 20 });
        assert_eq!(w.charge(a, 5, t + 1).used, 11);
        assert!(w.charge(a, 0, t + 2).over);
        assert_eq!(w.charge(b, 1, t).used, 1);
        assert_eq!(w.used(a, t + 20_000), 0, "a new minute starts from zero");
        assert_eq!(w.charge(a, 2, t + 20_000).used, 2);
    }
}
