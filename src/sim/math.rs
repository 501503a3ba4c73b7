//! `ln` and `exp` from plain IEEE arithmetic.
//!
//! The platform's libm may differ in the last bit between systems, which
//! would change a seed's stream; these use only `+ - × ÷` and bit moves, so
//! the same seed gives the same bytes everywhere. They are also cheaper than
//! libm, and a relative error near 1e-9 is far below what the model needs.

/// ln 2 and 1 / ln 2.
const LN2: f64 = std::f64::consts::LN_2;
const LOG2_E: f64 = std::f64::consts::LOG2_E;

/// Natural logarithm for finite `x > 0`; `x <= 0` gives `-inf`-like `-745`.
#[inline]
pub(crate) fn ln(x: f64) -> f64 {
    // Also catches NaN, which fails every comparison.
    if x.is_nan() || x < f64::MIN_POSITIVE {
        return -745.0;
    }
    let bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    // Mantissa in [1, 2), then folded to [√½, √2) so the series below converges fast.
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    // ln m = 2·atanh(t) with t = (m-1)/(m+1), |t| < 0.172.
    // The series is evaluated in Estrin's form: shorter dependency chains than Horner.
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let t4 = t2 * t2;
    let series =
        (1.0 + t2 * (1.0 / 3.0)) + t4 * ((1.0 / 5.0 + t2 * (1.0 / 7.0)) + t4 * (1.0 / 9.0 + t2 * (1.0 / 11.0)));
    2.0 * t * series + exponent as f64 * LN2
}

/// `e^x`, saturating to 0 below -708 and to `e^709` above 709.
#[inline]
pub(crate) fn exp(x: f64) -> f64 {
    let x = if x.is_nan() { 0.0 } else { x.clamp(-708.0, 709.0) };
    // e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln2 / 2.
    let n = round(x * LOG2_E) as f64;
    let r = x - n * LN2;
    // Taylor to r^8 in Estrin's form.
    let r2 = r * r;
    let r4 = r2 * r2;
    let poly = ((1.0 + r) + r2 * (1.0 / 2.0 + r * (1.0 / 6.0)))
        + r4 * (((1.0 / 24.0 + r * (1.0 / 120.0)) + r2 * (1.0 / 720.0 + r * (1.0 / 5_040.0))) + r4 * (1.0 / 40_320.0));
    // n ∈ [-1022, 1023] after the clamp, so 2^n is a normal number.
    poly * f64::from_bits(((n as i64 + 1023) as u64) << 52)
}

/// Rounds half away from zero. `f64::round` is a libm call on baseline
/// x86-64; a truncating conversion is one instruction. Saturates like `as`.
#[inline]
pub(crate) fn round(x: f64) -> i64 {
    (x + 0.5f64.copysign(x)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_to_libm() {
        for i in 1..20_000 {
            let x = f64::from(i) * 0.37e-3;
            for v in [x, 1.0 / x, x * 1e6, x * 1e-12] {
                assert!((ln(v) - v.ln()).abs() <= 1e-9 * v.ln().abs().max(1.0), "ln {v}");
            }
            for v in [x, -x, 20.0 * x, -20.0 * x] {
                assert!((exp(v) / v.exp() - 1.0).abs() < 1e-9, "exp {v}");
            }
        }
        assert_eq!(ln(0.0), -745.0);
        assert_eq!([round(2.5), round(-2.5), round(0.49), round(-0.2)], [3, -3, 0, 0]);
        assert_eq!(exp(f64::NAN), 1.0);
        assert!(exp(-1e9) >= 0.0 && exp(1e9).is_finite());
    }
}
