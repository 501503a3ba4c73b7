//! When the next message happens: a self-exciting (Hawkes) clock.
//!
//! Intensity is `μ + Σ α·e^{-β(t - tᵢ)}` over past messages: every message
//! raises the chance of more soon after, which gives the bursts and
//! over-dispersed counts of real feeds. With branching ratio `n = α/β` the
//! mean rate is `μ / (1 - n)`, so `μ` is set from the configured rate.
//!
//! Waits are drawn exactly, with no thinning loop (Dassios & Zhao, 2013):
//! the next message is the sooner of a baseline one and an excited one, each
//! with a closed-form inverse. Time is kept as whole ms plus a sub-ms
//! remainder so that long runs lose no precision.

use super::math;
use super::regime::Regime;
use super::sampler::Sampler;

pub(crate) struct Arrivals {
    /// 1 / μ, μ being the baseline intensity per ms.
    inv_base: f64,
    /// Jump α of the intensity at each message, per ms.
    jump: f64,
    /// Decay rate β per ms, and 1 / β.
    decay: f64,
    inv_decay: f64,
    /// Excitation above the baseline just after the last message.
    excess: f64,
    now_ms: i64,
    /// Sub-millisecond part of the clock, in `[0, 1)`.
    frac_ms: f64,
}

impl Arrivals {
    /// `rate_per_s` is the long-run mean, `branching` in `[0, 1)`.
    pub fn new(rate_per_s: f64, branching: f64, decay_ms: f64, start_ms: i64) -> Self {
        let decay = 1.0 / decay_ms;
        Self {
            inv_base: 1.0 / (rate_per_s / 1_000.0 * (1.0 - branching)),
            jump: branching * decay,
            decay,
            inv_decay: decay_ms,
            excess: 0.0,
            now_ms: start_ms,
            frac_ms: 0.0,
        }
    }

    /// Advances to the next message and returns its time in whole ms. The
    /// baseline rate is the regime's; at a regime switch both candidate waits
    /// are drawn again from there, which is exact since neither process has
    /// memory beyond its current intensity.
    #[inline]
    pub fn next(&mut self, s: &mut Sampler, regime: &mut Regime) -> i64 {
        let mut elapsed = 0.0;
        loop {
            let mut wait = s.exp1() * self.inv_base * regime.inv_rate();
            // e^{-β·wait}: how much of the excitation survives the wait.
            let mut survives = None;
            if self.excess > 0.0 {
                // P(no excited arrival by w) = exp(-excess·(1 - e^{-βw})/β): invert it.
                let d = 1.0 - self.decay * s.exp1() / self.excess;
                if d > 0.0 {
                    let excited_wait = -math::ln(d) * self.inv_decay;
                    if excited_wait < wait {
                        wait = excited_wait;
                        survives = Some(d);
                    }
                }
            }
            let left = regime.until_switch_ms();
            if wait <= left {
                regime.spend(wait);
                let survives = survives.unwrap_or_else(|| math::exp(-self.decay * wait));
                self.excess = self.excess * survives + self.jump;
                elapsed += wait;
                break;
            }
            // The regime changes first: move to the switch and draw again.
            self.excess *= math::exp(-self.decay * left);
            elapsed += left;
            regime.switch(s);
        }
        self.frac_ms += elapsed;
        // Non-negative, so truncation is floor (and `f64::floor` is a libm call).
        let whole = self.frac_ms as i64;
        self.frac_ms -= whole as f64;
        self.now_ms = self.now_ms.saturating_add(whole);
        self.now_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts_per_second(branching: f64) -> (f64, f64) {
        let mut s = Sampler::new(3);
        let mut a = Arrivals::new(1_000.0, branching, 300.0, 0);
        let mut steady = Regime::new(0.0, &mut s);
        let seconds = 600;
        let mut counts = vec![0u32; seconds];
        loop {
            let t = a.next(&mut s, &mut steady) / 1_000;
            match counts.get_mut(t as usize) {
                Some(c) => *c += 1,
                None => break,
            }
        }
        let n = seconds as f64;
        let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / n;
        let var = counts.iter().map(|&c| (f64::from(c) - mean).powi(2)).sum::<f64>() / n;
        (mean, var)
    }

    #[test]
    fn mean_rate_holds_and_bursts_overdisperse() {
        let (mean, var) = counts_per_second(0.0);
        assert!((mean - 1_000.0).abs() < 15.0, "{mean}");
        assert!(var / mean < 1.4, "Poisson: {}", var / mean);
        let (mean, var) = counts_per_second(0.6);
        assert!((mean - 1_000.0).abs() < 60.0, "{mean}");
        assert!(var / mean > 3.0, "Hawkes: {}", var / mean);
    }
}
