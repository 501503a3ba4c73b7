//! The offset of the venue's clock from ours, from `/api/v3/time` probes.
//!
//! Each probe brackets the server's stamp between our send and receive
//! times; the server stamped somewhere in that interval, so the midpoint is
//! the best guess and half the round trip bounds the error. The probe with
//! the smallest round trip wins.

use serde::Serialize;

/// One `/api/v3/time` probe, in local wall-clock microseconds and the server's milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub send_us: i64,
    pub recv_us: i64,
    pub server_ms: i64,
}

/// Venue clock minus local clock.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClockOffset {
    /// `server_time − (t_send + t_recv) / 2` of the best probe, in ms
    /// (positive: the venue is ahead of us).
    pub offset_ms: i64,
    /// Round trip of the best probe, in ms; the offset is good to about half of it.
    pub rtt_ms: f64,
    /// Probes that answered.
    pub probes: usize,
}

/// The estimate from the probe with the smallest round trip; `None` without probes.
pub fn estimate(probes: &[Probe]) -> Option<ClockOffset> {
    let best = probes.iter().min_by_key(|p| p.recv_us.saturating_sub(p.send_us))?;
    let rtt_us = best.recv_us.saturating_sub(best.send_us).max(0);
    let mid_us = best.send_us.saturating_add(rtt_us / 2);
    let offset_us = best.server_ms.saturating_mul(1000).saturating_sub(mid_us);
    Some(ClockOffset {
        offset_ms: offset_us.saturating_add(500).div_euclid(1000),
        rtt_ms: rtt_us as f64 / 1000.0,
        probes: probes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_tightest_probe_and_takes_its_midpoint() {
        let probes = [
            // 40 ms round trip: a loose bracket.
            Probe { send_us: 1_000_000, recv_us: 1_040_000, server_ms: 1_500 },
            // 2 ms round trip, midpoint 2_001 ms, server says 2_501: +500 ms.
            Probe { send_us: 2_000_000, recv_us: 2_002_000, server_ms: 2_501 },
        ];
        let o = estimate(&probes).unwrap();
        assert_eq!((o.offset_ms, o.probes), (500, 2));
        assert!((o.rtt_ms - 2.0).abs() < 1e-9);
        let behind = estimate(&[Probe { send_us: 10_000_000, recv_us: 10_000_400, server_ms: 7_000 }]).unwrap();
        assert_eq!(behind.offset_ms, -3_000);
        assert_eq!(estimate(&[]), None);
    }
}
