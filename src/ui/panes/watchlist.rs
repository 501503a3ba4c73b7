//! The watchlist: last price, change since the reference open, spread,
//! volume and a sparkline per symbol. Columns drop right to left in narrow
//! areas; the sparkline takes whatever width is left.

use super::PaneCtx;
use super::util::{fit_columns, framed, pick, sparkline};
use crate::ui::format;
use crate::ui::model::SymbolView;
use crate::ui::state::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState};

const HEADERS: [&str; 6] = ["Symbol", "Last", "Chg", "Spread", "Vol", "Trend"];
/// Lower keeps longer: symbol, last, change, then the rest.
const PRIORITY: [u8; 6] = [0, 1, 2, 4, 3, 5];
/// Sparkline width bounds.
const SPARK_MIN: u16 = 5;
const SPARK_MAX: u16 = 40;

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let inner = framed(ctx.block(Pane::Watchlist), area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let rows: Vec<[String; 5]> = ctx.data.symbols.iter().map(text_cells).collect();
    let mut widths = [0u16; 6];
    for (i, h) in HEADERS.iter().enumerate() {
        widths[i] = width(h);
    }
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    widths[5] = SPARK_MIN;
    let keep = fit_columns(&widths, &PRIORITY, inner.width);
    if keep[5] {
        let used: u16 = widths.iter().zip(&keep).take(5).filter(|(_, k)| **k).map(|(w, _)| w + 1).sum();
        widths[5] = inner.width.saturating_sub(used).clamp(SPARK_MIN, SPARK_MAX);
    }
    let spark_w = usize::from(widths[5]);
    let t = ctx.theme;
    let body: Vec<Row> = ctx
        .data
        .symbols
        .iter()
        .zip(rows)
        .map(|(s, text)| {
            let [sym, last, chg, spread, vol] = text;
            let (sign, rising) = trend(s);
            let chg_cell = if s.stale {
                Cell::from(Span::styled("STALE", t.fg(t.warn)))
            } else {
                Cell::from(Line::from(Span::styled(chg, super::util::signed_style(ctx, sign))).right_aligned())
            };
            let spark: Vec<i64> = s.spark.iter().map(|p| p.0).collect();
            let cells = [
                Cell::from(Span::styled(sym, t.text())),
                Cell::from(
                    Line::from(Span::styled(last, if s.stale { t.fg(t.warn) } else { t.text() })).right_aligned(),
                ),
                chg_cell,
                Cell::from(Line::from(Span::styled(spread, t.muted())).right_aligned()),
                Cell::from(Line::from(Span::styled(vol, t.text())).right_aligned()),
                Cell::from(Span::styled(sparkline(&spark, spark_w), t.fg(if rising { t.up } else { t.down }))),
            ];
            Row::new(pick(&cells, &keep))
        })
        .collect();
    let header = Row::new(pick(&HEADERS.map(Cell::from), &keep)).style(t.muted());
    let constraints: Vec<Constraint> = pick(&widths, &keep).into_iter().map(Constraint::Length).collect();
    let table = Table::new(body, constraints).header(header).row_highlight_style(t.selected()).column_spacing(1);
    let mut st = TableState::default()
        .with_selected((!ctx.data.symbols.is_empty()).then(|| ctx.state.symbol.min(ctx.data.symbols.len() - 1)));
    StatefulWidget::render(table, inner, buf, &mut st);
}

/// Symbol, last, change, spread and volume as text.
fn text_cells(s: &SymbolView) -> [String; 5] {
    let ps = s.price_scale;
    let last = s.last.map_or_else(|| "—".to_string(), |p| format::price(p, ps));
    let chg = match (s.ref_open, s.last) {
        (Some(o), Some(l)) => format::change_bp(o, l).map_or_else(|| "—".to_string(), format::percent_bp),
        _ => "—".to_string(),
    };
    let spread = s.book.map_or_else(|| "—".to_string(), |b| format::price(crate::domain::Price(b.ask.0 - b.bid.0), ps));
    [s.symbol.clone(), last, chg, spread, format::compact(s.volume, s.qty_scale)]
}

/// The sign of the change, and whether the sparkline ends above where it starts.
fn trend(s: &SymbolView) -> (i8, bool) {
    let sign = match (s.ref_open, s.last) {
        (Some(o), Some(l)) => format::change_bp(o, l).map_or(0, |bp| bp.signum() as i8),
        _ => 0,
    };
    let rising = match (s.spark.first(), s.spark.last()) {
        (Some(a), Some(b)) => b.0 >= a.0,
        _ => true,
    };
    (sign, rising)
}

fn width(s: &str) -> u16 {
    u16::try_from(s.chars().count()).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::super::util::{draw_sample, draw_with};
    use super::render;
    use crate::ui::state::UiState;

    #[test]
    fn watchlist_typical() {
        let state = UiState { symbol: 1, ..UiState::default() };
        insta::assert_snapshot!("watchlist_typical", draw_sample(70, 7, &state, render));
    }

    #[test]
    fn watchlist_cramped() {
        insta::assert_snapshot!("watchlist_cramped", draw_sample(24, 4, &UiState::default(), render));
    }

    #[test]
    fn watchlist_stale_and_empty() {
        let s = draw_with(60, 6, &UiState::default(), |d| d.symbols[0].stale = true, render);
        insta::assert_snapshot!("watchlist_stale", s);
        let empty = draw_with(30, 4, &UiState { symbol: 5, ..UiState::default() }, |d| d.symbols.clear(), render);
        assert!(empty.contains("Symbol"), "{empty}");
    }
}
