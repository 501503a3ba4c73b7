//! Strategies with their run state; the selected one is paused or resumed
//! with the pause key. A kill switch halts them all, shown as HALTED.

use super::PaneCtx;
use super::util::{framed, hint as hint_line, key_for};
use crate::ui::action::Action;
use crate::ui::state::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState, Widget};

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let t = ctx.theme;
    let hint = format!(" {} pause/resume ", key_for(ctx, Action::TogglePause));
    let block = ctx.block(Pane::Strategies).title(hint_line(area, Pane::Strategies, &hint, t.muted()));
    let mut inner = framed(block, area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let d = ctx.data;
    if d.halted {
        Line::from(Span::styled("HALTED by the kill switch", t.fg(t.error).add_modifier(Modifier::BOLD)))
            .render(Rect { height: 1, ..inner }, buf);
        inner.y += 1;
        inner.height -= 1;
        if inner.height == 0 {
            return;
        }
    }
    if d.strategies.is_empty() {
        Line::from(Span::styled("no strategies configured", t.muted())).render(Rect { height: 1, ..inner }, buf);
        return;
    }
    let rows: Vec<Row> = d
        .strategies
        .iter()
        .map(|s| {
            let state = if d.halted {
                Span::styled("halted", t.fg(t.error))
            } else if s.paused {
                Span::styled("paused", t.fg(t.warn))
            } else {
                Span::styled("running", t.fg(t.ok))
            };
            Row::new([
                Cell::from(Span::styled(format!("#{}", s.id), t.muted())),
                Cell::from(s.name.clone()),
                Cell::from(state),
            ])
        })
        .collect();
    let name_w = d.strategies.iter().map(|s| s.name.chars().count()).max().unwrap_or(4);
    // The state column stays visible; the name gives way first.
    let name_w = u16::try_from(name_w).unwrap_or(20).min(inner.width.saturating_sub(12)).max(1);
    let widths = [Constraint::Length(3), Constraint::Length(name_w), Constraint::Length(7)];
    let table = Table::new(rows, widths).row_highlight_style(t.selected()).column_spacing(1);
    let mut st = TableState::default().with_selected(Some(ctx.state.strategy_row.min(d.strategies.len() - 1)));
    StatefulWidget::render(table, inner, buf, &mut st);
}

#[cfg(test)]
mod tests {
    use super::super::util::{draw_sample, draw_with};
    use super::render;
    use crate::ui::state::UiState;

    #[test]
    fn strategies_typical() {
        let state = UiState { strategy_row: 1, ..UiState::default() };
        insta::assert_snapshot!("strategies_typical", draw_sample(44, 5, &state, render));
    }

    #[test]
    fn strategies_cramped() {
        insta::assert_snapshot!("strategies_cramped", draw_sample(16, 3, &UiState::default(), render));
    }

    #[test]
    fn strategies_halted() {
        let s = draw_with(44, 5, &UiState::default(), |d| d.halted = true, render);
        insta::assert_snapshot!("strategies_halted", s);
    }
}
