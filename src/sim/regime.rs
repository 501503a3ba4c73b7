//! Market-wide activity regimes: quiet, normal and hectic stretches of
//! minutes, in which every symbol trades faster and moves more at once.
//!
//! Real feeds show activity and volatility rising together and staying
//! high for a while; GARCH alone gives clustering within a symbol at the
//! scale of its half-life, the regime gives the slower, shared layer. Each
//! stretch lasts an exponential time; the next regime is drawn from fixed
//! shares (possibly the same again), so those shares are also the long-run
//! fractions of time. Multipliers are normalized so that the long-run mean
//! message rate and mean variance per second are those configured.

use super::sampler::Sampler;

/// Long-run share of time in each regime: quiet, normal, hectic.
const SHARE: [f64; 3] = [0.3, 0.5, 0.2];
/// Message rate of each regime, before normalization.
const RATE: [f64; 3] = [0.5, 1.0, 2.0];
/// Volatility of one book update in each regime, before normalization.
const VOL: [f64; 3] = [0.7, 1.0, 1.6];

pub(crate) struct Regime {
    state: usize,
    /// Time left in the current regime, ms (infinite when regimes are off).
    until_switch_ms: f64,
    mean_dwell_ms: f64,
    /// 1 / normalized rate, and normalized volatility, per regime.
    inv_rate: [f64; 3],
    vol: [f64; 3],
}

impl Regime {
    /// `mean_dwell_s = 0` keeps one normal regime forever.
    pub fn new(mean_dwell_s: f64, s: &mut Sampler) -> Self {
        let rate_mean: f64 = (0..3).map(|i| SHARE[i] * RATE[i]).sum();
        let var_mean: f64 = (0..3).map(|i| SHARE[i] * RATE[i] / rate_mean * VOL[i] * VOL[i]).sum();
        let vol_norm = 1.0 / var_mean.sqrt();
        if mean_dwell_s <= 0.0 {
            return Self {
                state: 0,
                until_switch_ms: f64::INFINITY,
                mean_dwell_ms: f64::INFINITY,
                inv_rate: [1.0; 3],
                vol: [1.0; 3],
            };
        }
        let mut r = Self {
            state: 0,
            until_switch_ms: 0.0,
            mean_dwell_ms: mean_dwell_s * 1_000.0,
            inv_rate: RATE.map(|x| rate_mean / x),
            vol: VOL.map(|x| x * vol_norm),
        };
        r.switch(s);
        r
    }

    /// Divides a wait drawn at the mean rate into one at this regime's rate.
    #[inline]
    pub fn inv_rate(&self) -> f64 {
        self.inv_rate[self.state]
    }

    /// Multiplies the volatility of one book update.
    #[inline]
    pub fn vol(&self) -> f64 {
        self.vol[self.state]
    }

    #[inline]
    pub fn until_switch_ms(&self) -> f64 {
        self.until_switch_ms
    }

    /// Spends `ms` of the current stretch (no more than what is left).
    #[inline]
    pub fn spend(&mut self, ms: f64) {
        self.until_switch_ms -= ms;
    }

    /// Ends the current stretch and draws the next one.
    pub fn switch(&mut self, s: &mut Sampler) {
        let u = s.unit();
        self.state = if u <= SHARE[0] {
            0
        } else if u <= SHARE[0] + SHARE[1] {
            1
        } else {
            2
        };
        self.until_switch_ms = s.exp1() * self.mean_dwell_ms;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_run_rate_and_variance_are_unchanged() {
        let mut s = Sampler::new(5);
        let r = Regime::new(60.0, &mut s);
        let rate: f64 = (0..3).map(|i| SHARE[i] / r.inv_rate[i]).sum();
        let var: f64 = (0..3).map(|i| SHARE[i] / r.inv_rate[i] * r.vol[i] * r.vol[i]).sum();
        assert!((rate - 1.0).abs() < 1e-12 && (var - 1.0).abs() < 1e-12);
        let off = Regime::new(0.0, &mut s);
        assert_eq!((off.inv_rate(), off.vol(), off.until_switch_ms()), (1.0, 1.0, f64::INFINITY));
    }
}
