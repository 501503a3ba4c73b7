//! Open orders (selectable, for cancel) and, below them, the recent fills.
//! Both tables drop their least useful columns first when narrow.

use super::PaneCtx;
use super::util::{fit_columns, framed, pick};
use crate::domain::Side;
use crate::ui::format;
use crate::ui::state::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState, Widget};

const ORDER_HEADERS: [&str; 9] = ["Id", "Symbol", "Side", "Kind", "Qty", "Filled", "Price", "State", "Owner"];
const ORDER_PRIORITY: [u8; 9] = [3, 0, 1, 6, 2, 5, 1, 4, 7];
const FILL_HEADERS: [&str; 7] = ["Time", "Symbol", "Side", "Price", "Qty", "Fee", "Liq"];
const FILL_PRIORITY: [u8; 7] = [3, 0, 1, 1, 2, 5, 4];

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let inner = framed(ctx.block(Pane::Orders), area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let d = ctx.data;
    // Orders get up to half the rows (at least a header and one row); fills the rest.
    let want = u16::try_from(d.orders.len().max(1) + 1).unwrap_or(u16::MAX);
    let order_h = if inner.height < 5 { inner.height } else { want.min(inner.height / 2).max(2) };
    let orders_area = Rect { height: order_h, ..inner };
    draw_orders(orders_area, buf, ctx);
    let rest = inner.height - order_h;
    if rest >= 2 {
        let title = Rect { y: inner.y + order_h, height: 1, ..inner };
        Line::from(vec![
            Span::styled("Fills", ctx.theme.fg(ctx.theme.fill).add_modifier(Modifier::BOLD)),
            Span::styled(format!(" ({})", d.fills.len()), ctx.theme.muted()),
        ])
        .render(title, buf);
        draw_fills(Rect { y: title.y + 1, height: rest - 1, ..inner }, buf, ctx);
    }
}

fn side_cell(ctx: &PaneCtx<'_>, side: Option<Side>) -> Cell<'static> {
    match side {
        Some(Side::Buy) => Cell::from(Span::styled("BUY", ctx.theme.fg(ctx.theme.bid))),
        Some(Side::Sell) => Cell::from(Span::styled("SELL", ctx.theme.fg(ctx.theme.ask))),
        None => Cell::from(""),
    }
}

fn right(s: &str, style: Style) -> Cell<'static> {
    Cell::from(Line::from(Span::styled(s.to_string(), style)).right_aligned())
}

/// Widths of each column: the widest of the header and the cells.
fn widths<const N: usize>(headers: &[&str; N], rows: &[[String; N]]) -> [u16; N] {
    let mut w = headers.map(|h| h.chars().count());
    for r in rows {
        for (x, c) in w.iter_mut().zip(r) {
            *x = (*x).max(c.chars().count());
        }
    }
    w.map(|x| u16::try_from(x).unwrap_or(u16::MAX))
}

fn draw_orders(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let t = ctx.theme;
    let orders = &ctx.data.orders;
    if orders.is_empty() {
        Line::from(Span::styled("no open orders", t.muted())).render(Rect { height: 1, ..area }, buf);
        return;
    }
    let texts: Vec<[String; 9]> = orders
        .iter()
        .map(|o| {
            [
                o.id.to_string(),
                o.symbol.clone(),
                side_text(o.side),
                o.kind.to_string(),
                o.qty.clone(),
                o.filled.clone(),
                o.price.clone(),
                o.state.clone(),
                o.owner.clone(),
            ]
        })
        .collect();
    let w = widths(&ORDER_HEADERS, &texts);
    let keep = fit_columns(&w, &ORDER_PRIORITY, area.width);
    let rows: Vec<Row> = orders
        .iter()
        .zip(&texts)
        .map(|(o, r)| {
            let cells = [
                right(&r[0], t.muted()),
                Cell::from(r[1].clone()),
                side_cell(ctx, o.side),
                Cell::from(Span::styled(r[3].clone(), t.muted())),
                right(&r[4], t.text()),
                right(&r[5], t.muted()),
                right(&r[6], t.text()),
                Cell::from(r[7].clone()),
                Cell::from(Span::styled(r[8].clone(), t.muted())),
            ];
            Row::new(pick(&cells, &keep))
        })
        .collect();
    let header = Row::new(pick(&ORDER_HEADERS.map(Cell::from), &keep)).style(t.muted());
    let c: Vec<Constraint> = pick(&w, &keep).into_iter().map(Constraint::Length).collect();
    let table = Table::new(rows, c).header(header).row_highlight_style(t.selected()).column_spacing(1);
    let mut st = TableState::default().with_selected(Some(ctx.state.order_row.min(orders.len() - 1)));
    StatefulWidget::render(table, area, buf, &mut st);
}

fn draw_fills(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let t = ctx.theme;
    let fills = &ctx.data.fills;
    if fills.is_empty() {
        Line::from(Span::styled("no fills yet", t.muted())).render(Rect { height: 1, ..area }, buf);
        return;
    }
    let texts: Vec<[String; 7]> = fills
        .iter()
        .map(|f| {
            [
                format::clock(f.time_ms),
                f.symbol.clone(),
                side_text(f.side),
                f.price.clone(),
                f.qty.clone(),
                f.fee.clone(),
                f.liquidity.to_string(),
            ]
        })
        .collect();
    let w = widths(&FILL_HEADERS, &texts);
    let keep = fit_columns(&w, &FILL_PRIORITY, area.width);
    let rows: Vec<Row> = fills
        .iter()
        .zip(&texts)
        .map(|(f, r)| {
            let cells = [
                Cell::from(Span::styled(r[0].clone(), t.fg(t.fill))),
                Cell::from(r[1].clone()),
                side_cell(ctx, f.side),
                right(&r[3], t.fg(t.fill)),
                right(&r[4], t.text()),
                right(&r[5], t.muted()),
                Cell::from(Span::styled(r[6].clone(), t.muted())),
            ];
            Row::new(pick(&cells, &keep))
        })
        .collect();
    let header = Row::new(pick(&FILL_HEADERS.map(Cell::from), &keep)).style(t.muted());
    let c: Vec<Constraint> = pick(&w, &keep).into_iter().map(Constraint::Length).collect();
    Widget::render(Table::new(rows, c).header(header).column_spacing(1), area, buf);
}

fn side_text(side: Option<Side>) -> String {
    match side {
        Some(Side::Buy) => "BUY".into(),
        Some(Side::Sell) => "SELL".into(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{draw_sample, draw_with};
    use super::render;
    use crate::ui::state::UiState;

    #[test]
    fn orders_typical() {
        let state = UiState { order_row: 1, focus: crate::ui::state::Pane::Orders, ..UiState::default() };
        insta::assert_snapshot!("orders_typical", draw_sample(90, 14, &state, render));
    }

    #[test]
    fn orders_cramped() {
        insta::assert_snapshot!("orders_cramped", draw_sample(32, 7, &UiState::default(), render));
    }

    #[test]
    fn orders_empty() {
        let s = draw_with(
            40,
            8,
            &UiState { order_row: 9, ..UiState::default() },
            |d| {
                d.orders.clear();
                d.fills.clear();
            },
            render,
        );
        assert!(s.contains("no open orders") && s.contains("no fills yet"), "{s}");
    }
}
