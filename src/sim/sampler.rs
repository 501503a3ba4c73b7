//! Seeded random draws for the model.
//!
//! ChaCha8 is value-stable across `rand_chacha` releases, and the
//! conversions to `f64` are written here (with [`super::math`] and
//! [`super::ziggurat`] instead of libm) rather than borrowed from `rand`'s
//! distributions, so a seed keeps meaning the same stream on every platform.

use super::{math, ziggurat};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

pub(crate) struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    pub fn new(seed: u64) -> Self {
        Self { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// Uniform in `(0, 1]`: never zero, so its logarithm is finite.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        ziggurat::unit(&mut self.rng)
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() <= p
    }

    /// Uniform integer in `[0, n)` for `n > 0`, by multiply-shift (bias < n / 2^64).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.rng.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Exponential with mean 1.
    #[inline]
    pub fn exp1(&mut self) -> f64 {
        ziggurat::exponential(&mut self.rng)
    }

    /// Standard normal.
    #[inline]
    pub fn normal(&mut self) -> f64 {
        ziggurat::normal(&mut self.rng)
    }

    /// Log-normal with the given median and log-space spread.
    #[inline]
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * math::exp(sigma * self.normal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_and_tails_are_right() {
        let mut s = Sampler::new(7);
        let n = 400_000;
        let (mut sum, mut sq, mut e) = (0.0, 0.0, 0.0);
        let (mut beyond_3_sd, mut beyond_5_means) = (0u32, 0u32);
        for _ in 0..n {
            let z = s.normal();
            sum += z;
            sq += z * z;
            beyond_3_sd += u32::from(z.abs() > 3.0);
            let x = s.exp1();
            e += x;
            beyond_5_means += u32::from(x > 5.0);
        }
        let n = f64::from(n);
        assert!((sum / n).abs() < 0.01);
        assert!((sq / n - 1.0).abs() < 0.02);
        assert!((e / n - 1.0).abs() < 0.02);
        // P(|z| > 3) = 0.0027 and P(x > 5) = e^-5 = 0.0067: the ziggurat's tails are whole.
        let p3 = f64::from(beyond_3_sd) / n;
        let p5 = f64::from(beyond_5_means) / n;
        assert!((p3 / 0.0027 - 1.0).abs() < 0.15, "{p3}");
        assert!((p5 / 0.006738 - 1.0).abs() < 0.1, "{p5}");
        assert!((0..1000).all(|_| s.below(3) < 3));
    }

    #[test]
    fn same_seed_same_values() {
        let (mut a, mut b) = (Sampler::new(1), Sampler::new(1));
        assert!((0..100).all(|_| a.normal().to_bits() == b.normal().to_bits()));
        assert_ne!(Sampler::new(2).unit().to_bits(), Sampler::new(1).unit().to_bits());
    }
}
