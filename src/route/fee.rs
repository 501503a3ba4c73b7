//! Trading fees in basis points, applied exactly at [`Notional`]'s 18 decimals.
//!
//! The rate is kept as an integer count of micro-basis-points (`"1.25"` bps is
//! 1_250_000), so `fee = notional × rate / 10^10` has exactly one rounding:
//! half away from zero at the 18th decimal.

use crate::domain::Notional;
use crate::domain::fixed::parse_decimal;

/// Decimals of a fee rate in basis points.
const RATE_SCALE: u8 = 6;
/// 10_000 bps per unit × 10^6 micro-bps per bps.
const DIVISOR: i128 = 10_000 * 1_000_000;

/// A fee rate; negative for a rebate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeeRate {
    micro_bps: i64,
}

impl FeeRate {
    /// Parses `"1.0"` (bps, up to 6 decimals, sign allowed, within ±10_000).
    pub fn parse_bps(key: &str, value: &str) -> Result<Self, String> {
        let micro_bps = parse_decimal(value.trim().as_bytes(), RATE_SCALE, true)
            .map_err(|e| format!("{key}: {value:?} is not a fee in basis points ({e})"))?;
        if micro_bps.unsigned_abs() > 10_000 * 1_000_000 {
            return Err(format!("{key}: {value:?} is beyond ±10000 bps"));
        }
        Ok(Self { micro_bps })
    }

    /// The fee on `notional`, rounded half away from zero at 18 decimals.
    #[inline]
    pub fn of(self, notional: Notional) -> Notional {
        let m = i128::from(self.micro_bps);
        match notional.0.checked_mul(m) {
            Some(p) => Notional(div_round_half_away(p, DIVISOR)),
            // Beyond ~10^20 quote units: divide first, still rounded once per factor.
            None => Notional(div_round_half_away(notional.0, DIVISOR).saturating_mul(m)),
        }
    }
}

#[inline]
fn div_round_half_away(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if r.abs() * 2 >= d { q + n.signum() } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Notional {
        Notional::parse(s).unwrap()
    }

    #[test]
    fn exact_fees() {
        let r = FeeRate::parse_bps("k", "10").unwrap();
        assert_eq!(r.of(n("1236.7526")), n("1.23675260"));
        let r = FeeRate::parse_bps("k", "1.25").unwrap();
        assert_eq!(r.of(n("100")), n("0.0125"));
        let rebate = FeeRate::parse_bps("k", "-0.5").unwrap();
        assert_eq!(rebate.of(n("100")), n("-0.005"));
    }

    #[test]
    fn rounds_half_away_from_zero_at_18_decimals() {
        let r = FeeRate::parse_bps("k", "5000").unwrap(); // one half
        assert_eq!(r.of(Notional(1)), Notional(1));
        assert_eq!(r.of(Notional(3)), Notional(2));
        assert_eq!(r.of(Notional(-3)), Notional(-2));
        let r = FeeRate::parse_bps("k", "4000").unwrap();
        assert_eq!(r.of(Notional(1)), Notional(0));
    }

    #[test]
    fn bad_rates_name_the_key() {
        let e = FeeRate::parse_bps("paper.taker-fee-bps", "1e3").unwrap_err();
        assert!(e.contains("paper.taker-fee-bps") && e.contains("1e3"), "{e}");
        assert!(FeeRate::parse_bps("k", "10001").is_err());
    }
}
