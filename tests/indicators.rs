//! Each indicator against its textbook definition, recomputed naively over
//! the whole series at every step (closed forms where the incremental code
//! uses a recurrence), on random series and on known ones.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use proptest::prelude::*;
use tickdesk::domain::{Candle, InstrumentId, Notional, Price, Qty, Timeframe};
use tickdesk::indicators::{Atr, Bollinger, Ema, Hlc, Indicator, IndicatorError, Macd, Rsi, Sma, Vwap};

/// `a` and `b` agree within 1e-9 relative to the larger of them and `mag`
/// (the size of the inputs, for results that are differences near zero).
fn close(a: f64, b: f64, mag: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(mag)
}

fn mag(xs: &[i64]) -> f64 {
    xs.iter().map(|&x| (x as f64).abs()).fold(0.0, f64::max)
}

fn naive_sma(xs: &[i64], n: usize) -> Option<f64> {
    (xs.len() >= n).then(|| xs[xs.len() - n..].iter().map(|&x| x as f64).sum::<f64>() / n as f64)
}

/// EMA in closed form: the seed (mean of the first `n`) and every later input
/// weighted by `α·(1 − α)^age`.
fn naive_ema_f(xs: &[f64], n: usize) -> Option<f64> {
    if xs.len() < n {
        return None;
    }
    let a = 2.0 / (n as f64 + 1.0);
    let seed = xs[..n].iter().sum::<f64>() / n as f64;
    let later = &xs[n..];
    let k = later.len() as i32;
    let weighted: f64 = later.iter().enumerate().map(|(j, &x)| a * (1.0 - a).powi(k - 1 - j as i32) * x).sum();
    Some((1.0 - a).powi(k) * seed + weighted)
}

fn naive_ema(xs: &[i64], n: usize) -> Option<f64> {
    naive_ema_f(&xs.iter().map(|&x| x as f64).collect::<Vec<_>>(), n)
}

/// Wilder's smoothing in closed form: seed = mean of the first `n`, then
/// weights `(1/n)·(1 − 1/n)^age`.
fn naive_wilder(xs: &[f64], n: usize) -> Option<f64> {
    if xs.len() < n {
        return None;
    }
    let a = 1.0 / n as f64;
    let seed = xs[..n].iter().sum::<f64>() / n as f64;
    let later = &xs[n..];
    let k = later.len() as i32;
    let weighted: f64 = later.iter().enumerate().map(|(j, &x)| a * (1.0 - a).powi(k - 1 - j as i32) * x).sum();
    Some((1.0 - a).powi(k) * seed + weighted)
}

fn naive_rsi(xs: &[i64], n: usize) -> Option<f64> {
    let changes: Vec<i64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    let gains: Vec<f64> = changes.iter().map(|&c| c.max(0) as f64).collect();
    let losses: Vec<f64> = changes.iter().map(|&c| (-c).max(0) as f64).collect();
    let (g, l) = (naive_wilder(&gains, n)?, naive_wilder(&losses, n)?);
    Some(if g == 0.0 && l == 0.0 { 50.0 } else { 100.0 * g / (g + l) })
}

/// MACD line, signal and histogram from the EMA closed forms.
fn naive_macd(xs: &[i64], fast: usize, slow: usize, signal: usize) -> Option<(f64, f64, f64)> {
    let line: Vec<f64> = (slow..=xs.len())
        .map(|end| naive_ema(&xs[..end], fast).unwrap() - naive_ema(&xs[..end], slow).unwrap())
        .collect();
    let sig = naive_ema_f(&line, signal)?;
    let m = *line.last()?;
    Some((m, sig, m - sig))
}

/// Mean and population σ of the last `n`, exactly: `σ² = Σ(n·xᵢ − Σx)² / n³`.
fn naive_bands(xs: &[i64], n: usize) -> Option<(f64, f64)> {
    let w = xs.get(xs.len().checked_sub(n)?..)?;
    let s: i128 = w.iter().map(|&x| i128::from(x)).sum();
    let nn = n as i128;
    let num: i128 = w.iter().map(|&x| (nn * i128::from(x) - s).pow(2)).sum();
    Some((s as f64 / n as f64, (num as f64).sqrt() / (n as f64).powf(1.5)))
}

fn true_ranges(bars: &[Hlc]) -> Vec<f64> {
    bars.iter()
        .enumerate()
        .map(|(i, b)| {
            let hl = (b.high - b.low) as f64;
            match i.checked_sub(1).map(|p| bars[p].close as f64) {
                Some(pc) => hl.max((b.high as f64 - pc).abs()).max((b.low as f64 - pc).abs()),
                None => hl,
            }
        })
        .collect()
}

fn prices() -> impl Strategy<Value = Vec<i64>> {
    prop_oneof![
        prop::collection::vec(-1_000_000i64..1_000_000, 0..160),
        // A random walk at a realistic BTC scale: 61837.63000000 → 6.18e12.
        (prop::collection::vec(-5_000_000i64..5_000_000, 0..160)).prop_map(|steps| {
            steps
                .into_iter()
                .scan(6_183_763_000_000i64, |p, d| {
                    *p += d;
                    Some(*p)
                })
                .collect()
        }),
        // Flat stretches: zero changes, zero variance.
        prop::collection::vec(prop_oneof![Just(100i64), Just(101i64)], 0..60),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sma_matches_the_window_mean(xs in prices(), n in 1usize..40) {
        let mut sma = Sma::new(n).unwrap();
        for i in 0..xs.len() {
            let got = sma.update(xs[i]);
            let want = naive_sma(&xs[..=i], n);
            prop_assert_eq!(got.is_some(), want.is_some());
            if let (Some(g), Some(w)) = (got, want) {
                prop_assert!(close(g, w, mag(&xs[..=i])), "step {}: {} vs {}", i, g, w);
            }
        }
    }

    #[test]
    fn ema_matches_its_closed_form(xs in prices(), n in 1usize..40) {
        let mut ema = Ema::new(n).unwrap();
        for i in 0..xs.len() {
            let got = ema.update(xs[i]);
            let want = naive_ema(&xs[..=i], n);
            prop_assert_eq!(got.is_some(), want.is_some());
            if let (Some(g), Some(w)) = (got, want) {
                prop_assert!(close(g, w, mag(&xs[..=i])), "step {}: {} vs {}", i, g, w);
            }
        }
    }

    #[test]
    fn rsi_matches_wilder_closed_form(xs in prices(), n in 1usize..30) {
        let mut rsi = Rsi::new(n).unwrap();
        for i in 0..xs.len() {
            let got = rsi.update(xs[i]);
            let want = naive_rsi(&xs[..=i], n);
            prop_assert_eq!(got.is_some(), want.is_some());
            if let (Some(g), Some(w)) = (got, want) {
                prop_assert!((0.0..=100.0).contains(&g));
                prop_assert!(close(g, w, 1.0), "step {}: {} vs {}", i, g, w);
            }
        }
    }

    #[test]
    fn macd_matches_ema_differences(xs in prices(), fast in 1usize..10, extra in 1usize..15, signal in 1usize..10) {
        let slow = fast + extra;
        let mut macd = Macd::new(fast, slow, signal).unwrap();
        for i in 0..xs.len() {
            let got = macd.update(xs[i]);
            let want = naive_macd(&xs[..=i], fast, slow, signal);
            prop_assert_eq!(got.is_some(), want.is_some());
            if let (Some(g), Some((m, s, h))) = (got, want) {
                let scale = mag(&xs[..=i]);
                prop_assert!(close(g.macd, m, scale) && close(g.signal, s, scale) && close(g.histogram, h, scale),
                    "step {}: {:?} vs {:?}", i, g, (m, s, h));
            }
        }
    }

    #[test]
    fn bollinger_matches_exact_population_sigma(xs in prices(), n in 1usize..40, k in 0.0f64..4.0) {
        let mut bb = Bollinger::new(n, k).unwrap();
        for i in 0..xs.len() {
            let got = bb.update(xs[i]);
            let want = naive_bands(&xs[..=i], n);
            prop_assert_eq!(got.is_some(), want.is_some());
            if let (Some(g), Some((mean, sigma))) = (got, want) {
                let scale = mag(&xs[..=i]);
                prop_assert!(close(g.sigma, sigma, 0.0) || (g.sigma - sigma).abs() < 1e-12, "step {}: σ {} vs {}", i, g.sigma, sigma);
                prop_assert!(close(g.middle, mean, scale));
                prop_assert!(close(g.upper, mean + k * sigma, scale) && close(g.lower, mean - k * sigma, scale));
            }
        }
    }

    /// Prices near 10^17 that move by a few units: `Σx²/n − mean²` in f64
    /// would be pure rounding noise; the exact sums still give σ.
    #[test]
    fn bollinger_has_no_catastrophic_cancellation(base in 100_000_000_000_000_000i64..200_000_000_000_000_000, noise in prop::collection::vec(-5i64..5, 1..80), n in 2usize..20) {
        let xs: Vec<i64> = noise.iter().map(|d| base + d).collect();
        let mut bb = Bollinger::new(n, 2.0).unwrap();
        for i in 0..xs.len() {
            if let Some(g) = bb.update(xs[i]) {
                let (_, sigma) = naive_bands(&xs[..=i], n).unwrap();
                prop_assert!(close(g.sigma, sigma, 0.0) || (g.sigma - sigma).abs() < 1e-12, "σ {} vs {}", g.sigma, sigma);
            }
        }
    }

    #[test]
    fn vwap_matches_the_cumulative_ratio(trades in prop::collection::vec((1i64..10_000_000, 0i64..1_000_000), 0..120)) {
        let mut vwap = Vwap::new();
        for i in 0..trades.len() {
            let got = vwap.update((Price(trades[i].0), Qty(trades[i].1)));
            let q: f64 = trades[..=i].iter().map(|t| t.1 as f64).sum();
            let pq: f64 = trades[..=i].iter().map(|t| t.0 as f64 * t.1 as f64).sum();
            prop_assert_eq!(got.is_some(), q > 0.0);
            if let Some(g) = got {
                prop_assert!(close(g, pq / q, 0.0), "step {}: {} vs {}", i, g, pq / q);
            }
        }
    }

    #[test]
    fn atr_matches_wilder_closed_form(closes in prices(), spreads in prop::collection::vec((0i64..5_000, 0i64..5_000), 160), n in 1usize..30) {
        let bars: Vec<Hlc> = closes.iter().zip(&spreads).map(|(&c, &(up, down))| Hlc { high: c + up, low: c - down, close: c }).collect();
        let mut atr = Atr::new(n).unwrap();
        for i in 0..bars.len() {
            let got = atr.update(bars[i]);
            let want = naive_wilder(&true_ranges(&bars[..=i]), n);
            prop_assert_eq!(got.is_some(), want.is_some());
            if let (Some(g), Some(w)) = (got, want) {
                prop_assert!(close(g, w, 1.0), "step {}: {} vs {}", i, g, w);
            }
        }
    }
}

/// Closes of the classic 14-period Wilder RSI worked example, in cents.
const WILDER_CLOSES: [i64; 33] = [
    4434, 4409, 4415, 4361, 4433, 4483, 4510, 4542, 4584, 4608, 4589, 4603, 4561, 4628, 4628, 4600, 4603, 4641, 4622,
    4564, 4621, 4625, 4571, 4645, 4578, 4535, 4403, 4418, 4422, 4457, 4342, 4266, 4313,
];

#[test]
fn rsi_reproduces_the_wilder_worked_example() {
    // Exact arithmetic; published tables that round the averages at every
    // step print 70.53 for the first value instead of 70.46.
    let want = [
        70.46, 66.25, 66.48, 69.35, 66.29, 57.92, 62.88, 63.21, 56.01, 62.34, 54.67, 50.39, 40.02, 41.49, 41.90, 45.50,
        37.32, 33.09, 37.79,
    ];
    let mut rsi = Rsi::new(14).unwrap();
    let got: Vec<f64> = WILDER_CLOSES.iter().filter_map(|&c| rsi.update(c)).collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 0.005, "{g} vs {w}");
    }
}

#[test]
fn rsi_flat_rising_and_falling_markets() {
    let run = |xs: &[i64]| {
        let mut r = Rsi::new(3).unwrap();
        xs.iter().filter_map(|&x| r.update(x)).last()
    };
    assert_eq!(run(&[5, 5, 5, 5]), Some(50.0));
    assert_eq!(run(&[1, 2, 3, 4, 5]), Some(100.0));
    assert_eq!(run(&[5, 4, 3, 2]), Some(0.0));
    assert_eq!(run(&[5, 4, 3]), None);
}

#[test]
fn small_series_by_hand() {
    let mut sma = Sma::new(3).unwrap();
    let got: Vec<_> = [1, 2, 3, 4, 8].into_iter().map(|x| sma.update(x)).collect();
    assert_eq!(got, [None, None, Some(2.0), Some(3.0), Some(5.0)]);

    // Seed (1+2+3)/3 = 2, then α = 0.5.
    let mut ema = Ema::new(3).unwrap();
    let got: Vec<_> = [1, 2, 3, 4, 8].into_iter().map(|x| ema.update(x)).collect();
    assert_eq!(got, [None, None, Some(2.0), Some(3.0), Some(5.5)]);

    // The textbook population σ example: mean 5, σ 2.
    let mut bb = Bollinger::new(8, 2.0).unwrap();
    let b = [2, 4, 4, 4, 5, 5, 7, 9].into_iter().filter_map(|x| bb.update(x)).last().unwrap();
    assert_eq!((b.lower, b.middle, b.upper, b.sigma), (1.0, 5.0, 9.0, 2.0));

    // (10·1 + 20·3) / 4 = 17.5, in raw price units.
    let mut vwap = Vwap::new();
    assert_eq!(vwap.update((Price(10), Qty(0))), None);
    vwap.update((Price(10), Qty(1)));
    assert_eq!(vwap.update((Price(20), Qty(3))), Some(17.5));
    vwap.reset();
    assert_eq!((vwap.value(), vwap.volume()), (None, 0));

    // TR: 4 (h−l), 7 (h − prev close 10 → 17−10), 6 (prev close 14 − low 8).
    let mut atr = Atr::new(2).unwrap();
    let bars = [(12, 8, 10), (17, 13, 14), (12, 8, 9)].map(|(high, low, close)| Hlc { high, low, close });
    let got: Vec<_> = bars.into_iter().map(|b| atr.update(b)).collect();
    assert_eq!(got, [None, Some(5.5), Some(5.75)]);

    // MACD(1, 2, 1): fast EMA = x; slow seeded (1+3)/2 = 2 then α = 2/3.
    let mut macd = Macd::new(1, 2, 1).unwrap();
    assert_eq!(macd.update(1), None);
    let m = macd.update(3).unwrap();
    assert_eq!((m.macd, m.signal, m.histogram), (1.0, 1.0, 0.0));
}

#[test]
fn atr_reads_candles() {
    let c = Candle {
        instrument: InstrumentId(0),
        timeframe: Timeframe::M1,
        open_time_ms: 0,
        open: Price(10),
        high: Price(12),
        low: Price(7),
        close: Price(11),
        volume: Qty(1),
        quote_volume: Notional::ZERO,
        trades: 1,
    };
    let mut atr = Atr::new(1).unwrap();
    assert_eq!(atr.update(Hlc::from(&c)), Some(5.0));
}

#[test]
fn reset_forgets_everything() {
    let xs = [5, 9, 2, 7, 7, 1, 8];
    let mut sma = Sma::new(3).unwrap();
    let mut ema = Ema::new(3).unwrap();
    let mut rsi = Rsi::new(3).unwrap();
    let mut macd = Macd::new(2, 3, 2).unwrap();
    let mut bb = Bollinger::new(3, 2.0).unwrap();
    let mut atr = Atr::new(2).unwrap();
    let hlc = |x: i64| Hlc { high: x + 1, low: x - 2, close: x };
    let mut run = |reset: bool| {
        if reset {
            sma.reset();
            ema.reset();
            rsi.reset();
            macd.reset();
            bb.reset();
            atr.reset();
            assert!(sma.value().is_none() && ema.value().is_none() && rsi.value().is_none());
            assert!(macd.value().is_none() && bb.value().is_none() && atr.value().is_none());
        }
        let mut out = Vec::new();
        for &x in &xs {
            out.push(format!(
                "{:?}",
                (sma.update(x), ema.update(x), rsi.update(x), macd.update(x), bb.update(x), atr.update(hlc(x)))
            ));
        }
        out
    };
    let first = run(false);
    assert_eq!(run(true), first);
}

#[test]
fn bollinger_survives_extreme_mantissas_and_recovers_exactness() {
    let mut bb = Bollinger::new(3, 1.0).unwrap();
    for x in [i64::MAX, i64::MIN, 0, i64::MAX, i64::MAX, 1, 2, 3] {
        if let Some(b) = bb.update(x) {
            assert!(b.sigma.is_finite() && b.middle.is_finite());
        }
    }
    let b = bb.value().unwrap();
    assert!(close(b.middle, 2.0, 0.0) && close(b.sigma, (2.0f64 / 3.0).sqrt(), 0.0), "{b:?}");

    // An outlier first, then prices near 10^17 moving by units: once the
    // outlier has left the window, σ is exact again (f64 sums would give noise).
    let base = 123_456_789_012_345_678i64;
    let mut xs = vec![i64::MIN];
    xs.extend([3, -1, 4, -1, 5, -9, 2, 6].map(|d| base + d));
    let mut bb = Bollinger::new(4, 2.0).unwrap();
    for i in 0..xs.len() {
        let got = bb.update(xs[i]);
        if i >= 4 {
            let (_, sigma) = naive_bands(&xs[..=i], 4).unwrap();
            assert!(close(got.unwrap().sigma, sigma, 0.0), "step {i}");
        }
    }
}

#[test]
fn bad_parameters_are_refused() {
    assert_eq!(Sma::new(0).unwrap_err(), IndicatorError::ZeroPeriod { name: "SMA" });
    assert!(Ema::new(0).is_err() && Rsi::new(0).is_err() && Atr::new(0).is_err());
    assert_eq!(Macd::new(26, 12, 9).unwrap_err(), IndicatorError::FastNotShorter { fast: 26, slow: 12 });
    assert_eq!(Macd::new(12, 12, 9).unwrap_err(), IndicatorError::FastNotShorter { fast: 12, slow: 12 });
    assert!(Macd::new(0, 12, 9).is_err() && Macd::new(12, 26, 0).is_err());
    assert_eq!(Bollinger::new(20, -1.0).unwrap_err(), IndicatorError::BadWidth(-1.0));
    assert!(Bollinger::new(20, f64::NAN).is_err());
    assert_eq!(Sma::new(0).unwrap_err().to_string(), "SMA period must be at least 1, got 0");
}
