//! The candle chart: candlesticks at half-row resolution placed by time (a
//! missing bucket is an empty column), a price axis at the instrument's
//! precision with the last price marked, volume bars, SMA/EMA/Bollinger
//! overlays, own fills and a time axis.
//!
//! Everything is O(visible cells): the visible candles are found by
//! bisection and the overlays run over them plus a fixed warm-up.

mod candles;
mod overlay;
mod scale;

use super::PaneCtx;
use crate::domain::{Candle, Side, Timeframe};
use crate::ui::format;
use crate::ui::model::ChartData;
use crate::ui::state::Pane;
use candles::{Spans, put};
use overlay::Point;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;
use scale::{PriceScale, Slots};
use std::ops::Range;

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let area = area.intersection(buf.area);
    if area.width < 2 || area.height < 2 {
        return;
    }
    let block = ctx.block(Pane::Chart);
    let inner = block.inner(area);
    block.render(area, buf);

    let chart = &ctx.data.chart;
    let symbol = ctx.data.symbols.get(chart.symbol).map_or("?", |s| s.symbol.as_str());
    let Some(slots) = Slots::new(&chart.candles, chart.timeframe) else {
        title(buf, area, ctx, symbol, None);
        centred(buf, inner, &format!("waiting for trades on {symbol} {}", chart.timeframe), ctx.theme.muted());
        return;
    };
    // The axis width depends on the visible prices, which depend on the axis
    // width; a second pass settles it when the first guess was too narrow.
    let last_close = chart.candles.last().map_or(0, |c| c.close.raw());
    let mut label_w = label_width(last_close, last_close, chart.price_scale);
    let mut view = None;
    for _ in 0..2 {
        let Some(v) = View::new(inner, chart, &slots, ctx, label_w) else { break };
        let need = label_width(v.scale.top.floor() as i64, v.scale.bottom.ceil() as i64, chart.price_scale)
            .max(label_width(last_close, last_close, chart.price_scale));
        let settled = need <= label_w;
        label_w = need;
        view = Some(v);
        if settled {
            break;
        }
    }
    let newest = view.as_ref().and_then(|v| v.visible.end.checked_sub(1)).and_then(|i| chart.candles.get(i));
    title(buf, area, ctx, symbol, newest.map(|c| (c, chart.last_forming && Some(c) == chart.candles.last())));
    let Some(view) = view else { return };
    if view.visible.is_empty() {
        centred(buf, view.plot, "no candles in view", ctx.theme.muted());
        view.axis(buf, ctx, chart, None);
        return;
    }
    let last = chart.candles.last().map(|c| c.close.raw());
    view.axis(buf, ctx, chart, last);
    if ctx.state.overlays {
        view.overlays(buf, ctx);
    }
    view.candles(buf, ctx, chart);
    view.fills(buf, ctx, chart);
    view.volume(buf, ctx, chart);
    view.time_axis(buf, ctx, chart.timeframe);
}

/// Columns a price label takes at this precision (the wider of the two ends).
fn label_width(hi: i64, lo: i64, scale: u8) -> u16 {
    let w = scale::price_label(hi, scale).len().max(scale::price_label(lo, scale).len());
    u16::try_from(w).unwrap_or(u16::MAX)
}

/// Where everything goes this frame.
struct View<'a> {
    /// Candle rows.
    plot: Rect,
    /// Volume rows below the candles.
    volume: Rect,
    /// The time labels' row.
    time: Option<Rect>,
    /// The axis line column; labels follow it.
    axis_x: u16,
    label_w: u16,
    width: u16,
    stride: u16,
    scroll: usize,
    n_slots: usize,
    slots: &'a Slots,
    candles: &'a [Candle],
    visible: Range<usize>,
    points: Vec<Point>,
    scale: PriceScale,
}

impl<'a> View<'a> {
    fn new(inner: Rect, chart: &'a ChartData, slots: &'a Slots, ctx: &PaneCtx<'_>, label_w: u16) -> Option<Self> {
        if inner.width < 4 || inner.height < 2 {
            return None;
        }
        let time_rows = u16::from(inner.height >= 6);
        let rows = inner.height - time_rows;
        let vol_rows = if rows >= 8 { rows / 5 } else { 0 };
        let price_rows = rows - vol_rows;
        // Drop the axis rather than the candles when the pane is very narrow.
        let label_w = if inner.width >= label_w + 8 { label_w } else { 0 };
        let axis_w = if label_w > 0 { label_w + 1 } else { 0 };
        let plot_w = inner.width.saturating_sub(axis_w + u16::from(label_w > 0));
        let width = ctx.state.candle_width().max(1);
        let stride = width + u16::from(width >= 2);
        let plot = Rect::new(inner.x, inner.y, plot_w, price_rows);
        let volume = Rect::new(inner.x, inner.y + price_rows, plot_w, vol_rows);
        let time = (time_rows > 0).then(|| Rect::new(inner.x, inner.bottom() - 1, inner.width, 1));
        let n_slots = usize::from(plot_w / stride);
        let scroll = ctx.state.scroll;
        let visible = scale::visible(&chart.candles, slots, scroll, n_slots);
        let points = if ctx.state.overlays { overlay::compute(&chart.candles, visible.clone()) } else { Vec::new() };
        // The range follows the candles only: overlays (wide early bands above
        // all) would squash the candles; they are clipped instead.
        let shown = chart.candles.get(visible.clone()).unwrap_or_default();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for c in shown {
            lo = lo.min(c.low.raw() as f64);
            hi = hi.max(c.high.raw() as f64);
        }
        if lo > hi {
            let last = chart.candles.last().map_or(0.0, |c| c.close.raw() as f64);
            (lo, hi) = (last, last);
        }
        Some(Self {
            plot,
            volume,
            time,
            axis_x: inner.right().saturating_sub(axis_w),
            label_w,
            width,
            stride,
            scroll,
            n_slots,
            slots,
            candles: &chart.candles,
            visible,
            points,
            scale: PriceScale::new(lo, hi, price_rows),
        })
    }

    /// Left column of the candle at `slot`, if it is on screen.
    fn slot_x(&self, slot: i64) -> Option<i32> {
        let k = slot.checked_sub(self.scroll as i64)?;
        if k < 0 || k >= self.n_slots as i64 {
            return None;
        }
        let stride = i64::from(self.stride);
        let x = i64::from(self.plot.right()) - (k + 1) * stride + (stride - i64::from(self.width));
        i32::try_from(x).ok()
    }

    /// The visible candles with their left columns.
    fn shown(&self) -> impl Iterator<Item = (usize, &'a Candle, i32)> + '_ {
        let cs: &'a [Candle] = self.candles;
        self.visible.clone().filter_map(move |i| {
            let c = cs.get(i)?;
            Some((i, c, self.slot_x(self.slots.of_candle(i, c.open_time_ms))?))
        })
    }

    /// Price labels every round step, the axis line, and the last-price line
    /// with its highlighted label.
    fn axis(&self, buf: &mut Buffer, ctx: &PaneCtx<'_>, chart: &ChartData, last: Option<i64>) {
        let muted = ctx.theme.muted();
        let x = i32::from(self.axis_x);
        let axis = Rect::new(self.axis_x, self.plot.y, self.label_w + 1, self.plot.height);
        if self.label_w == 0 {
            return;
        }
        for y in self.plot.y..self.plot.bottom() {
            put(buf, axis, x, i32::from(y), '│', muted);
        }
        let step = scale::price_step(&self.scale);
        let first = (self.scale.bottom / step as f64).ceil() as i64;
        let last_label = (self.scale.top / step as f64).floor() as i64;
        let mut prev_row = None;
        for m in (first..=last_label).filter_map(|k| k.checked_mul(step)).take(usize::from(self.plot.height) + 1) {
            let row = self.scale.row(m as f64);
            if prev_row == Some(row) {
                continue;
            }
            prev_row = Some(row);
            let y = i32::from(self.plot.y + row);
            put(buf, axis, x, y, '┤', muted);
            put_str(buf, axis, x + 1, y, &scale::price_label(m, chart.price_scale), muted);
        }
        let Some(p) = last.filter(|&p| self.scale.contains(p as f64)) else { return };
        let y = i32::from(self.plot.y + self.scale.row(p as f64));
        let line = ctx.theme.fg(ctx.theme.last_price);
        for cx in self.plot.x..self.axis_x {
            put(buf, axis_row(self.plot, self.axis_x), i32::from(cx), y, '┈', line);
        }
        let label = format!("{:<w$}", scale::price_label(p, chart.price_scale), w = usize::from(self.label_w));
        let hl = line.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        put(buf, axis, x, y, '├', line);
        put_str(buf, axis, x + 1, y, &label, hl);
    }

    fn overlays(&self, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
        let t = ctx.theme;
        let colours: [_; overlay::SERIES] = [t.overlay_1, t.overlay_2, t.overlay_3, t.overlay_3];
        let centre = i32::from(candles::wick_offset(self.width));
        for (s, colour) in colours.into_iter().enumerate() {
            let pts = self.shown().filter_map(|(i, _, x)| {
                let p = self.points.get(i.checked_sub(self.visible.start)?)?;
                Some((x + centre, overlay::value(p, s)))
            });
            overlay::draw_series(buf, self.plot, &self.scale, pts, t.fg(colour));
        }
    }

    fn candles(&self, buf: &mut Buffer, ctx: &PaneCtx<'_>, chart: &ChartData) {
        let _ = chart;
        let (up, down) = (ctx.theme.fg(ctx.theme.up), ctx.theme.fg(ctx.theme.down));
        for (_, c, x) in self.shown() {
            let style = if c.close >= c.open { up } else { down };
            candles::draw(buf, self.plot, x, self.width, Spans::of(c, &self.scale), style);
        }
    }

    /// ▲ under the low of a buy's candle, ▼ over the high of a sell's.
    fn fills(&self, buf: &mut Buffer, ctx: &PaneCtx<'_>, chart: &ChartData) {
        let style = ctx.theme.fg(ctx.theme.fill).add_modifier(Modifier::BOLD);
        let centre = i32::from(candles::wick_offset(self.width));
        let max_row = i32::from(self.plot.height) - 1;
        for f in &chart.fills {
            let Some(slot) = self.slots.of_time(f.time_ms) else { continue };
            let Some(x) = self.slot_x(slot) else { continue };
            let candle = usize::try_from(slot)
                .ok()
                .map(|s| scale::visible(self.candles, self.slots, s, 1))
                .and_then(|r| self.candles.get(r.start).filter(|_| !r.is_empty()));
            let (glyph, row) = match (f.side, candle) {
                (Side::Buy, Some(c)) => ('▲', i32::from(self.scale.row(c.low.raw() as f64)) + 1),
                (Side::Sell, Some(c)) => ('▼', i32::from(self.scale.row(c.high.raw() as f64)) - 1),
                (Side::Buy, None) => ('▲', i32::from(self.scale.row(f.price.raw() as f64))),
                (Side::Sell, None) => ('▼', i32::from(self.scale.row(f.price.raw() as f64))),
            };
            let row = row.clamp(0, max_row.max(0));
            put(buf, self.plot, x + centre, i32::from(self.plot.y) + row, glyph, style);
        }
    }

    fn volume(&self, buf: &mut Buffer, ctx: &PaneCtx<'_>, chart: &ChartData) {
        if self.volume.height == 0 {
            return;
        }
        let _ = chart;
        let max = self.shown().map(|(_, c, _)| c.volume.raw()).max().unwrap_or(0);
        let style = ctx.theme.fg(ctx.theme.volume);
        for (_, c, x) in self.shown() {
            let e = candles::volume_eighths(c.volume.raw(), max, self.volume.height);
            candles::draw_volume(buf, self.volume, x, self.width, e, style);
        }
    }

    /// Labels at round times (every N slots), centred on their slot, never overlapping.
    fn time_axis(&self, buf: &mut Buffer, ctx: &PaneCtx<'_>, tf: Timeframe) {
        let (Some(row), Some(tf_ms)) = (self.time, self.slots.tf_ms()) else { return };
        let lw = scale::time_label(0, tf_ms).len() as i32;
        let step = scale::time_step_slots(tf_ms, self.stride, lw as u16).saturating_mul(tf_ms);
        let centre = i32::from(candles::wick_offset(self.width));
        let mut free = i32::from(row.x);
        let scroll = self.scroll as i64;
        for slot in (scroll..scroll + self.n_slots as i64).rev() {
            let (Some(t), Some(x)) = (self.slots.time_of(slot), self.slot_x(slot)) else { continue };
            if step <= 0 || (t - tf.offset_ms()).rem_euclid(step) != 0 {
                continue;
            }
            let start = x + centre - lw / 2;
            if start < free || start + lw > i32::from(row.right()) {
                continue;
            }
            put_str(buf, row, start, i32::from(row.y), &scale::time_label(t, tf_ms), ctx.theme.muted());
            free = start + lw + 1;
        }
    }
}

/// The plot row plus the gap column before the axis, for the last-price line.
fn axis_row(plot: Rect, axis_x: u16) -> Rect {
    Rect::new(plot.x, plot.y, axis_x.saturating_sub(plot.x), plot.height)
}

/// Writes `s` from `(x, y)` one char a cell, clipped to `clip`; returns the next column.
fn put_str(buf: &mut Buffer, clip: Rect, x: i32, y: i32, s: &str, style: Style) -> i32 {
    let mut x = x;
    for ch in s.chars() {
        put(buf, clip, x, y, ch, style);
        x += 1;
    }
    x
}

fn centred(buf: &mut Buffer, area: Rect, msg: &str, style: Style) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let w = msg.chars().count() as i32;
    let x = i32::from(area.x) + (i32::from(area.width) - w).max(0) / 2;
    let y = i32::from(area.y + area.height / 2);
    put_str(buf, area, x, y, msg, style);
}

/// The top border: pane name, symbol, timeframe, then O/H/L/C/V of the
/// newest visible candle (pieces that do not fit are left out), and the
/// overlay legend on the right.
fn title(buf: &mut Buffer, area: Rect, ctx: &PaneCtx<'_>, symbol: &str, newest: Option<(&Candle, bool)>) {
    let t = ctx.theme;
    let clip = Rect::new(area.x + 1, area.y, area.width.saturating_sub(2), 1);
    let chart = &ctx.data.chart;
    let legend: [(&str, Style); 3] =
        [(" SMA20", t.fg(t.overlay_1)), (" EMA50", t.fg(t.overlay_2)), (" BB20 ", t.fg(t.overlay_3))];
    let legend_w: i32 = legend.iter().map(|(s, _)| s.len() as i32).sum();
    let mut pieces: Vec<(String, Style)> = vec![
        (format!(" {} ", Pane::Chart.title()), t.title()),
        (format!("{symbol} "), t.text().add_modifier(Modifier::BOLD)),
        (format!("{} ", chart.timeframe), t.muted()),
    ];
    if let Some((c, forming)) = newest {
        let colour = t.fg(if c.close >= c.open { t.up } else { t.down });
        for (k, v) in [("O", c.open), ("H", c.high), ("L", c.low), ("C", c.close)] {
            pieces.push((format!("{k} {} ", format::price(v, chart.price_scale)), colour));
        }
        pieces.push((format!("V {} ", format::qty(c.volume, chart.qty_scale)), t.fg(t.volume)));
        if forming {
            pieces.push(("forming ".into(), t.muted().add_modifier(Modifier::ITALIC)));
        }
    }
    let show_legend = ctx.state.overlays && i32::from(clip.width) >= legend_w + 20;
    let budget = i32::from(clip.width) - if show_legend { legend_w + 1 } else { 0 };
    let mut x = i32::from(clip.x);
    for (i, (s, style)) in pieces.iter().enumerate() {
        let w = s.chars().count() as i32;
        // The pane name always shows (clipped); the rest only whole.
        if i > 0 && x + w - i32::from(clip.x) > budget {
            break;
        }
        x = put_str(buf, clip, x, i32::from(clip.y), s, *style);
    }
    if show_legend {
        let mut x = i32::from(clip.right()) - legend_w;
        for (s, style) in legend {
            x = put_str(buf, clip, x, i32::from(clip.y), s, style);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ui::sample;
    use crate::ui::state::UiState;

    fn draw(w: u16, h: u16, state: &UiState) -> String {
        sample::draw(w, h, |area, buf| sample::with_ctx(state, |ctx| render(area, buf, ctx)))
    }

    fn state(zoom: usize, overlays: bool, scroll: usize) -> UiState {
        UiState { zoom, overlays, scroll, ..UiState::default() }
    }

    #[test]
    fn snapshot_120x30_overlays() {
        insta::assert_snapshot!("chart_120x30_overlays", draw(120, 30, &state(2, true, 0)));
    }

    #[test]
    fn snapshot_120x30_plain() {
        insta::assert_snapshot!("chart_120x30_plain", draw(120, 30, &state(2, false, 0)));
    }

    #[test]
    fn snapshot_60x16_overlays() {
        insta::assert_snapshot!("chart_60x16_overlays", draw(60, 16, &state(2, true, 0)));
    }

    #[test]
    fn snapshot_60x16_plain() {
        insta::assert_snapshot!("chart_60x16_plain", draw(60, 16, &state(2, false, 0)));
    }

    #[test]
    fn snapshot_zoomed_in() {
        insta::assert_snapshot!("chart_120x30_zoom4", draw(120, 30, &state(4, true, 0)));
    }

    #[test]
    fn snapshot_zoomed_out() {
        insta::assert_snapshot!("chart_120x30_zoom0", draw(120, 30, &state(0, true, 0)));
    }

    #[test]
    fn snapshot_scrolled_to_gap() {
        let text = draw(120, 30, &state(2, false, 75));
        insta::assert_snapshot!("chart_120x30_gap", text);
    }

    fn with_chart<R>(state: &UiState, edit: impl FnOnce(&mut ChartData), f: impl FnOnce(&PaneCtx<'_>) -> R) -> R {
        let mut data = sample::screen();
        edit(&mut data.chart);
        sample::with_data(&data, state, f)
    }

    #[test]
    fn snapshot_empty() {
        let st = UiState::default();
        let text =
            sample::draw(60, 12, |area, buf| with_chart(&st, |c| c.candles.clear(), |ctx| render(area, buf, ctx)));
        assert!(text.contains("waiting for trades on BTCUSDT 1m"));
        insta::assert_snapshot!("chart_empty", text);
    }

    #[test]
    fn gap_shows_as_empty_columns() {
        // Zoom 0: one column a slot, newest at the right; slots 85..=89 are the gap.
        let st = state(0, false, 0);
        let (plot, view_visible) = with_chart(
            &st,
            |_| {},
            |ctx| {
                let area = Rect::new(0, 0, 120, 30);
                let inner = ctx.block(Pane::Chart).inner(area);
                let slots = Slots::new(&ctx.data.chart.candles, ctx.data.chart.timeframe).unwrap();
                let v = View::new(inner, &ctx.data.chart, &slots, ctx, 8).unwrap();
                let xs: Vec<i32> = (84..=90).map(|s| v.slot_x(s).unwrap()).collect();
                (v.plot, (xs, v.shown().map(|(_, _, x)| x).collect::<Vec<_>>()))
            },
        );
        let (gap_xs, candle_xs) = view_visible;
        assert_eq!(gap_xs[0] - gap_xs[6], 6);
        for x in &gap_xs[1..6] {
            assert!(!candle_xs.contains(x), "candle drawn in gap column {x}");
        }
        assert!(candle_xs.contains(&gap_xs[0]) && candle_xs.contains(&gap_xs[6]));
        assert!(plot.width > 90);
    }

    #[test]
    fn tiny_and_odd_areas_do_not_panic() {
        for scroll in [0, 3, 230, 10_000] {
            for zoom in 0..5 {
                let st = state(zoom, true, scroll);
                for w in 0..14 {
                    for h in 0..9 {
                        let _ = draw(w.max(1), h.max(1), &st);
                    }
                }
                let _ = draw(200, 60, &st);
            }
        }
        // Extreme and degenerate prices.
        let st = state(2, true, 0);
        for (lo, hi) in [(i64::MIN, i64::MAX), (0, 0), (-5, 5), (i64::MAX - 1, i64::MAX)] {
            let text = sample::draw(80, 20, |area, buf| {
                with_chart(
                    &st,
                    |c| {
                        for k in c.candles.iter_mut() {
                            (k.low, k.high) = (crate::domain::Price(lo), crate::domain::Price(hi));
                            (k.open, k.close) = (k.low, k.high);
                        }
                    },
                    |ctx| render(area, buf, ctx),
                )
            });
            assert!(text.contains("Chart"));
        }
    }

    #[test]
    fn full_screen_render_is_fast() {
        let st = state(0, true, 0);
        with_chart(
            &st,
            |_| {},
            |ctx| {
                let area = Rect::new(0, 0, 200, 60);
                let mut buf = Buffer::empty(area);
                let n = 200;
                let t = std::time::Instant::now();
                for _ in 0..n {
                    render(area, &mut buf, ctx);
                }
                let per = t.elapsed() / n;
                // Generous bound for a shared test machine; typically tens of µs.
                assert!(per < std::time::Duration::from_millis(2), "{per:?} per frame");
            },
        );
    }
}
