//! P&L figures (exact strings from the engine, coloured by the exact sums'
//! signs) beside the equity curve, which is plotted in f64 for display only.

use super::PaneCtx;
use super::util::{framed, sign_of};
use crate::domain::Notional;
use crate::ui::format;
use crate::ui::model::build::notional_f64;
use crate::ui::state::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

/// Width of the figures column when the curve sits beside it.
const FIGURES_W: u16 = 24;

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let inner = framed(ctx.block(Pane::Pnl), area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let rows = figures(ctx);
    let n = u16::try_from(rows.len()).unwrap_or(u16::MAX);
    let (fig, curve) = if inner.width >= FIGURES_W + 20 {
        let fig = Rect { width: FIGURES_W, ..inner };
        (fig, Rect { x: inner.x + FIGURES_W + 1, width: inner.width - FIGURES_W - 1, ..inner })
    } else {
        let h = n.min(inner.height);
        (Rect { height: h, ..inner }, Rect { y: inner.y + h, height: inner.height - h, ..inner })
    };
    let label_w = 7usize;
    let value_w = usize::from(fig.width).saturating_sub(label_w + 1);
    for (i, (label, value, style)) in rows.into_iter().enumerate() {
        let Ok(dy) = u16::try_from(i) else { break };
        if dy >= fig.height {
            break;
        }
        Line::from(vec![
            Span::styled(format!("{label:<label_w$} "), ctx.theme.muted()),
            Span::styled(format!("{value:>value_w$}"), style),
        ])
        .render(Rect { y: fig.y + dy, height: 1, ..fig }, buf);
    }
    if curve.height >= 3 && curve.width >= 12 {
        draw_curve(curve, buf, ctx);
    }
}

/// Label, exact value and colour of each figure.
fn figures(ctx: &PaneCtx<'_>) -> Vec<(&'static str, String, Style)> {
    let t = ctx.theme;
    let p = &ctx.data.core.pnl;
    let n = &ctx.data.pnl;
    let by = |v: Notional| match v.0.signum() {
        1 => t.fg(t.up),
        -1 => t.fg(t.down),
        _ => t.text(),
    };
    let dd = if sign_of(&p.max_drawdown) != 0 { t.fg(t.down) } else { t.text() };
    vec![
        ("Real", p.realized.clone(), by(n.realized)),
        ("Unreal", p.unrealized.clone(), by(n.unrealized)),
        ("Fees", p.fees.clone(), t.muted()),
        ("Total", p.total.clone(), by(n.total).add_modifier(ratatui::style::Modifier::BOLD)),
        ("Equity", p.equity.clone(), t.text()),
        ("Max DD", p.max_drawdown.clone(), dd),
    ]
}

fn draw_curve(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let t = ctx.theme;
    let eq = &ctx.data.equity;
    let (Some(first), Some(last)) = (eq.first(), eq.last()) else {
        Line::from(Span::styled("no equity samples yet", t.muted())).render(Rect { height: 1, ..area }, buf);
        return;
    };
    let t0 = first.time_ms;
    let points: Vec<(f64, f64)> =
        eq.iter().map(|e| ((e.time_ms - t0) as f64 / 1000.0, notional_f64(e.equity))).collect();
    let lo = eq.iter().map(|e| e.equity).min().unwrap_or_default();
    let hi = eq.iter().map(|e| e.equity).max().unwrap_or_default();
    let (ylo, yhi) = (notional_f64(lo), notional_f64(hi));
    let pad = ((yhi - ylo) * 0.05).max(0.01);
    let xmax = ((last.time_ms - t0) as f64 / 1000.0).max(1.0);
    let colour = if last.equity >= first.equity { t.up } else { t.down };
    let data = Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(t.fg(colour)).data(&points);
    let chart = Chart::new(vec![data]).x_axis(Axis::default().bounds([0.0, xmax]).style(t.muted())).y_axis(
        Axis::default()
            .bounds([ylo - pad, yhi + pad])
            .style(t.muted())
            .labels([Span::raw(format::money(lo, 2)), Span::raw(format::money(hi, 2))]),
    );
    chart.render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::super::util::{draw_sample, draw_with};
    use super::render;
    use crate::ui::state::UiState;

    #[test]
    fn pnl_typical() {
        insta::assert_snapshot!("pnl_typical", draw_sample(70, 9, &UiState::default(), render));
    }

    #[test]
    fn pnl_cramped() {
        insta::assert_snapshot!("pnl_cramped", draw_sample(22, 6, &UiState::default(), render));
    }

    #[test]
    fn pnl_no_equity() {
        let s = draw_with(60, 9, &UiState::default(), |d| d.equity.clear(), render);
        assert!(s.contains("no equity samples yet"), "{s}");
    }
}
