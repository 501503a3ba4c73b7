//! Normal and exponential draws by the ziggurat method (Marsaglia & Tsang,
//! 2000, 256 layers): one random word, a table look-up and a multiply in
//! about 99% of draws, exact distribution including the tails. The hot path
//! draws several of these per message, where a logarithm each would cost
//! more than the rest of the message together.
//!
//! The tables are built once from [`super::math`], so they are the same on
//! every platform.

use super::math;
use rand_chacha::rand_core::RngCore;
use std::sync::LazyLock;

const LAYERS: usize = 256;

/// One ziggurat: layer edges `x[0..=256]` (decreasing, `x[1]` is the tail
/// start `R`, `x[0]` the base layer's equal-area width, `x[256] = 0`) and
/// the density at each edge.
struct Layers {
    x: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
}

impl Layers {
    /// `r` is the tail start and `v` the common layer area for `pdf`.
    fn build(r: f64, v: f64, pdf: fn(f64) -> f64, inverse_pdf: fn(f64) -> f64) -> Self {
        let mut x = [0.0; LAYERS + 1];
        x[0] = v / pdf(r);
        x[1] = r;
        for i in 2..LAYERS {
            x[i] = inverse_pdf(v / x[i - 1] + pdf(x[i - 1]));
        }
        x[LAYERS] = 0.0;
        let mut f = [0.0; LAYERS + 1];
        for (fi, &xi) in f.iter_mut().zip(&x) {
            *fi = pdf(xi);
        }
        Self { x, f }
    }
}

fn normal_pdf(x: f64) -> f64 {
    math::exp(-0.5 * x * x)
}
fn normal_inverse_pdf(y: f64) -> f64 {
    (-2.0 * math::ln(y)).sqrt()
}
fn exp_pdf(x: f64) -> f64 {
    math::exp(-x)
}
fn exp_inverse_pdf(y: f64) -> f64 {
    -math::ln(y)
}

const NORMAL_R: f64 = 3.654_152_885_361_009;
const NORMAL_V: f64 = 0.004_928_673_233_99;
const EXP_R: f64 = 7.697_117_470_131_05;
const EXP_V: f64 = 0.003_949_659_822_581_572;

static NORMAL: LazyLock<Layers> = LazyLock::new(|| Layers::build(NORMAL_R, NORMAL_V, normal_pdf, normal_inverse_pdf));
static EXPONENTIAL: LazyLock<Layers> = LazyLock::new(|| Layers::build(EXP_R, EXP_V, exp_pdf, exp_inverse_pdf));

/// 2^-53 and 2^-52.
const HALF_ULP: f64 = 1.0 / (1u64 << 53) as f64;
const ULP: f64 = 1.0 / (1u64 << 52) as f64;

/// Uniform in `(0, 1]`: never zero, so its logarithm is finite.
#[inline]
pub(crate) fn unit(rng: &mut impl RngCore) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 * HALF_ULP
}

/// A standard normal.
#[inline]
pub(crate) fn normal(rng: &mut impl RngCore) -> f64 {
    let t = &*NORMAL;
    loop {
        let bits = rng.next_u64();
        let i = (bits & 0xff) as usize;
        // Symmetric in [-1, 1) from the high 53 bits, disjoint from the layer bits.
        let u = (bits >> 11) as f64 * ULP - 1.0;
        let x = u * t.x[i];
        if x.abs() < t.x[i + 1] {
            return x;
        }
        if i == 0 {
            // The tail beyond R (Marsaglia 1964).
            loop {
                let a = -math::ln(unit(rng)) / NORMAL_R;
                let b = -math::ln(unit(rng));
                if 2.0 * b >= a * a {
                    return if u < 0.0 { -(NORMAL_R + a) } else { NORMAL_R + a };
                }
            }
        }
        if t.f[i + 1] + (t.f[i] - t.f[i + 1]) * unit(rng) < normal_pdf(x) {
            return x;
        }
    }
}

/// An exponential with mean 1.
#[inline]
pub(crate) fn exponential(rng: &mut impl RngCore) -> f64 {
    let t = &*EXPONENTIAL;
    loop {
        let bits = rng.next_u64();
        let i = (bits & 0xff) as usize;
        let u = ((bits >> 11) + 1) as f64 * HALF_ULP;
        let x = u * t.x[i];
        if x < t.x[i + 1] {
            return x;
        }
        if i == 0 {
            // Memoryless: the tail beyond R is R plus a fresh exponential.
            return EXP_R - math::ln(unit(rng));
        }
        if t.f[i + 1] + (t.f[i] - t.f[i + 1]) * unit(rng) < exp_pdf(x) {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_close_on_zero_and_have_equal_areas() {
        for t in [&*NORMAL, &*EXPONENTIAL] {
            // The last computed edge must land near zero for the constants to be right.
            assert!(t.x[LAYERS - 1] > 0.0 && t.x[LAYERS - 1] < 0.3, "{}", t.x[LAYERS - 1]);
            assert!(t.x.windows(2).all(|w| w[0] > w[1]));
            assert!((t.f[LAYERS] - 1.0).abs() < 1e-12);
        }
        // Each layer is a rectangle of area V.
        let n = &*NORMAL;
        for i in 1..LAYERS - 1 {
            let area = n.x[i] * (n.f[i + 1] - n.f[i]);
            assert!((area - NORMAL_V).abs() < 1e-9, "layer {i}: {area}");
        }
    }
}
