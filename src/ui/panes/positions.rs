//! Open and closed positions with exact P&L strings, coloured by sign.

use super::PaneCtx;
use super::util::{fit_columns, framed, pick, sign_of, signed_style};
use crate::ui::state::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

const HEADERS: [&str; 7] = ["Symbol", "Qty", "Avg", "Last", "uPnL", "rPnL", "Fees"];
const PRIORITY: [u8; 7] = [0, 1, 3, 5, 2, 4, 6];

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let inner = framed(ctx.block(Pane::Positions), area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let t = ctx.theme;
    let positions = &ctx.data.core.positions;
    if positions.is_empty() {
        Paragraph::new(Span::styled("no positions", t.muted())).render(inner, buf);
        return;
    }
    let texts: Vec<[&str; 7]> = positions
        .iter()
        .map(|p| [&*p.symbol, &*p.qty, &*p.avg_price, &*p.last, &*p.unrealized, &*p.realized, &*p.fees])
        .collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for r in &texts {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let widths = widths.map(|w| u16::try_from(w).unwrap_or(u16::MAX));
    let keep = fit_columns(&widths, &PRIORITY, inner.width);
    let rows: Vec<Row> = texts
        .iter()
        .map(|r| {
            let qty_style = match sign_of(r[1]) {
                1.. => t.fg(t.bid),
                0 => t.muted(),
                _ => t.fg(t.ask),
            };
            let right = |s: &str, st| Cell::from(Line::from(Span::styled(s.to_string(), st)).right_aligned());
            let cells = [
                Cell::from(Span::styled(r[0].to_string(), t.text())),
                right(r[1], qty_style),
                right(r[2], t.text()),
                right(r[3], t.text()),
                right(r[4], signed_style(ctx, sign_of(r[4]))),
                right(r[5], signed_style(ctx, sign_of(r[5]))),
                right(r[6], t.muted()),
            ];
            Row::new(pick(&cells, &keep))
        })
        .collect();
    let header = Row::new(pick(&HEADERS.map(Cell::from), &keep)).style(t.muted());
    let constraints: Vec<Constraint> = pick(&widths, &keep).into_iter().map(Constraint::Length).collect();
    let table = Table::new(rows, constraints).header(header).row_highlight_style(t.selected()).column_spacing(1);
    let mut st = TableState::default().with_selected(Some(ctx.state.position_row.min(positions.len() - 1)));
    StatefulWidget::render(table, inner, buf, &mut st);
}

#[cfg(test)]
mod tests {
    use super::super::util::{draw_sample, draw_with};
    use super::render;
    use crate::ui::state::UiState;

    #[test]
    fn positions_typical() {
        let state = UiState { position_row: 1, ..UiState::default() };
        insta::assert_snapshot!("positions_typical", draw_sample(72, 5, &state, render));
    }

    #[test]
    fn positions_cramped() {
        insta::assert_snapshot!("positions_cramped", draw_sample(28, 4, &UiState::default(), render));
    }

    #[test]
    fn positions_empty() {
        let s = draw_with(30, 3, &UiState::default(), |d| d.core.positions.clear(), render);
        assert!(s.contains("no positions"), "{s}");
    }
}
