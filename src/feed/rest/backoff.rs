//! Retry delays: exponential, capped, with jitter so that many clients
//! failing together do not retry together.

/// The delay before retry number `attempt` (0 for the first retry):
/// `base × 2^attempt` capped at `max`, of which the upper half is random
/// (`random` is any uniformly drawn number). Never below half the capped
/// exponential, so a retry storm still backs off.
pub fn delay_ms(attempt: u32, base_ms: u64, max_ms: u64, random: u64) -> u64 {
    let exp = base_ms.saturating_mul(1u64 << attempt.min(32)).min(max_ms);
    let half = exp / 2;
    half + random % (exp - half + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_caps_and_jitters_within_bounds() {
        for r in [0, 1, 7, 12_345, u64::MAX] {
            for attempt in 0..40 {
                let d = delay_ms(attempt, 250, 5_000, r);
                let exp = (250u64 << attempt.min(32)).min(5_000);
                assert!(d >= exp / 2 && d <= exp, "attempt {attempt}: {d}");
            }
        }
        assert_eq!(delay_ms(0, 250, 5_000, 0), 125);
        assert_eq!(delay_ms(3, 250, 5_000, 0), 1_000);
        assert_eq!(delay_ms(10, 250, 5_000, 0), 2_500);
        assert_eq!(delay_ms(0, 0, 5_000, 99), 0);
    }
}
