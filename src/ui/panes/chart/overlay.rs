//! Indicator overlays: SMA(20), EMA(50) and Bollinger(20, 2) of the closes,
//! computed per frame over the visible candles plus a warm-up run before them
//! with the crate's incremental indicators, then drawn as braille dots at
//! quarter-row resolution (candles are drawn afterwards, so they win).

use super::candles::put;
use super::scale::PriceScale;
use crate::domain::Candle;
use crate::indicators::{Bands, Bollinger, Ema, Indicator, Sma};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use std::ops::Range;

pub const SMA_PERIOD: usize = 20;
pub const EMA_PERIOD: usize = 50;
pub const BB_PERIOD: usize = 20;
pub const BB_K: f64 = 2.0;
/// Candles fed before the first visible one: the SMA and bands need 20, and
/// an EMA(50) forgets its seed by a factor of about e^-20 within ten periods,
/// so it matches a run over the whole history far below a tick.
pub const WARMUP: usize = 10 * EMA_PERIOD;

/// Overlay values of one visible candle, in raw price units.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub sma: Option<f64>,
    pub ema: Option<f64>,
    pub bands: Option<Bands>,
}

/// One point per candle of `visible`: O(visible + warm-up), one allocation.
pub fn compute(candles: &[Candle], visible: Range<usize>) -> Vec<Point> {
    let end = visible.end.min(candles.len());
    let start = visible.start.min(end);
    let (Ok(mut sma), Ok(mut ema), Ok(mut bb)) =
        (Sma::new(SMA_PERIOD), Ema::new(EMA_PERIOD), Bollinger::new(BB_PERIOD, BB_K))
    else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(end - start);
    let from = start.saturating_sub(WARMUP);
    for (i, c) in candles.iter().enumerate().take(end).skip(from) {
        let x = c.close.raw();
        let p = Point { sma: sma.update(x), ema: ema.update(x), bands: bb.update(x) };
        if i >= start {
            out.push(p);
        }
    }
    out
}

/// The overlay series, in drawing order (later ones draw over earlier ones).
pub const SERIES: usize = 4;

/// Value of series `s` (0 SMA, 1 EMA, 2 upper band, 3 lower band).
pub fn value(p: &Point, s: usize) -> Option<f64> {
    match s {
        0 => p.sma,
        1 => p.ema,
        2 => p.bands.map(|b| b.upper),
        3 => p.bands.map(|b| b.lower),
        _ => None,
    }
}

/// Braille dots on the top, second, third and bottom dot row of a cell.
const DOTS: [char; 4] = ['⠉', '⠒', '⠤', '⣀'];

/// Draws one series through the points `(column, value)`, joining
/// neighbouring candles by linear interpolation across the columns between them.
pub fn draw_series(
    buf: &mut Buffer,
    plot: Rect,
    scale: &PriceScale,
    points: impl Iterator<Item = (i32, Option<f64>)>,
    style: Style,
) {
    let mut prev: Option<(i32, f64)> = None;
    for (x, v) in points {
        let Some(v) = v else {
            prev = None;
            continue;
        };
        let from = prev.map_or(x, |(px, _)| px + 1);
        for cx in from..=x {
            let val = match prev {
                Some((px, pv)) if x > px => pv + (v - pv) * f64::from(cx - px) / f64::from(x - px),
                _ => v,
            };
            if scale.contains(val) {
                let q = scale.quarter_row(val);
                put(buf, plot, cx, i32::from(plot.y) + (q / 4) as i32, DOTS[q % 4], style);
            }
        }
        prev = Some((x, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::sample;

    #[test]
    fn overlay_values_match_the_indicators() {
        let c = sample::candles(240);
        let visible = 200..235;
        let pts = compute(&c, visible.clone());
        assert_eq!(pts.len(), 35);
        let (mut sma, mut bb) = (Sma::new(20).unwrap(), Bollinger::new(20, 2.0).unwrap());
        let mut ema = Ema::new(50).unwrap();
        let mut full = Vec::new();
        for k in &c {
            full.push((sma.update(k.close.raw()), ema.update(k.close.raw()), bb.update(k.close.raw())));
        }
        for (p, i) in pts.iter().zip(visible) {
            let (s, e, b) = full[i];
            // The warm-up reaches back to the first candle here: identical values.
            assert_eq!((p.sma, p.ema, p.bands), (s, e, b));
        }
        // With more history than the warm-up, the EMA starts from a later seed
        // and still agrees far below a tick (one mantissa unit).
        let long = sample::candles(900);
        let n = long.len();
        let pts = compute(&long, n - 10..n);
        let mut ema = Ema::new(50).unwrap();
        let last = long.iter().map(|k| ema.update(k.close.raw())).last().flatten().unwrap();
        assert!((pts[9].ema.unwrap() - last).abs() < 1e-3, "{:?} vs {last}", pts[9].ema);
        // Not yet warmed up at the very start of the data.
        let early = compute(&c, 0..25);
        assert_eq!(early[0], Point::default());
        assert!(early[19].sma.is_some() && early[18].sma.is_none());
        assert!(compute(&c, 300..400).is_empty());
    }
}
