//! The modal overlays that take the keys: the order ticket, the kill-switch
//! and cancel-all confirmations, and the symbol search. Drawn last, centred
//! over the screen with the panes beneath cleared.

use super::PaneCtx;
use crate::domain::Side;
use crate::ui::model::SymbolView;
use crate::ui::state::Modal;
use crate::ui::ticket::{Field, Stage, Ticket, TicketKind};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget};

/// Draws the open modal, if it is one of these (help has its own pane).
pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    match &ctx.state.modal {
        Some(Modal::Ticket(t)) => ticket(area, buf, ctx, t),
        Some(Modal::ConfirmKill { flatten }) => kill(area, buf, ctx, *flatten),
        Some(Modal::ConfirmCancelAll) => cancel_all(area, buf, ctx),
        Some(Modal::Search { query, selected }) => search(area, buf, ctx, query, *selected),
        Some(Modal::Help) | None => {}
    }
}

/// Indices into `symbols` whose name contains `query` (case-insensitive), in
/// watchlist order; the search prompt's `selected` indexes this list.
pub fn search_matches(symbols: &[SymbolView], query: &str) -> Vec<usize> {
    let q = query.trim().to_ascii_uppercase();
    symbols.iter().enumerate().filter(|(_, s)| s.symbol.to_ascii_uppercase().contains(&q)).map(|(i, _)| i).collect()
}

/// A `width`×`height` rectangle centred in `area` (clipped to it).
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Clears `rect` and draws a thick bordered frame titled `title`; returns the inside.
fn frame(rect: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>, title: &str, colour: ratatui::style::Color) -> Rect {
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(Style::default().fg(colour))
        .style(Style::default().bg(ctx.theme.background))
        .title(Span::styled(format!(" {title} "), ctx.theme.title()));
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

fn hint(ctx: &PaneCtx<'_>, text: &str) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), ctx.theme.muted()))
}

fn side_colour(ctx: &PaneCtx<'_>, side: Side) -> Style {
    ctx.theme.fg(if side == Side::Buy { ctx.theme.bid } else { ctx.theme.ask }).add_modifier(Modifier::BOLD)
}

fn ticket(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>, t: &Ticket) {
    let rect = centred(area, 62, 11);
    let title = format!("Order ticket · {}", t.symbol);
    let inner = frame(rect, buf, ctx, &title, ctx.theme.focus);
    let editing = t.stage == Stage::Editing;
    let row = |field: Field, value: Span<'static>| {
        let focused = editing && t.focus == field;
        let marker = if focused { "▸ " } else { "  " };
        let value = if focused { value.patch_style(ctx.theme.selected()) } else { value };
        Line::from(vec![
            Span::styled(marker, ctx.theme.fg(ctx.theme.focus)),
            Span::styled(format!("{:<10}", field.label()), ctx.theme.muted()),
            value,
        ])
    };
    let text_value = |s: &str| Span::styled(format!(" {s:<16}"), ctx.theme.text());
    let price = match t.kind {
        TicketKind::Limit => row(Field::Price, text_value(&t.price)),
        TicketKind::Market => Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("{:<10}", Field::Price.label()), ctx.theme.muted()),
            Span::styled(" market: best available", ctx.theme.muted()),
        ]),
    };
    let mut lines = vec![
        row(Field::Side, Span::styled(format!(" {} ", t.side), side_colour(ctx, t.side))),
        row(Field::Kind, Span::styled(format!(" {} ", t.kind.as_str()), ctx.theme.text())),
        row(Field::Qty, text_value(&t.qty)),
        price,
        Line::default(),
    ];
    match (t.stage, t.summary()) {
        (_, Err(e)) => {
            lines.push(Line::from(Span::styled(format!("✗ {e}"), ctx.theme.fg(ctx.theme.error))));
            lines.push(Line::default());
            lines.push(hint(ctx, "Tab/↑↓ field · ←→/space toggle · Enter review · Esc cancel"));
        }
        (Stage::Editing, Ok(summary)) => {
            lines.push(Line::from(Span::styled(format!("✓ {summary}"), ctx.theme.fg(ctx.theme.ok))));
            lines.push(Line::default());
            lines.push(hint(ctx, "Tab/↑↓ field · ←→/space toggle · Enter review · Esc cancel"));
        }
        (Stage::Confirming, Ok(summary)) => {
            lines.push(Line::from(Span::styled(summary, side_colour(ctx, t.side))));
            lines.push(Line::default());
            lines.push(Line::from(vec![
                Span::styled("Enter", ctx.theme.title()),
                Span::styled(" confirm · ", ctx.theme.muted()),
                Span::styled("Esc", ctx.theme.title()),
                Span::styled(" back", ctx.theme.muted()),
            ]));
        }
    }
    Paragraph::new(lines).render(inner, buf);
}

fn kill(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>, flatten: bool) {
    let rect = centred(area, 62, 8);
    let inner = frame(rect, buf, ctx, "Kill switch", ctx.theme.error);
    let choice = |label: &'static str, on: bool| {
        if on {
            Span::styled(label, ctx.theme.selected().add_modifier(Modifier::BOLD))
        } else {
            Span::styled(label, ctx.theme.muted())
        }
    };
    let lines = vec![
        Line::from(Span::styled(
            "Halt strategies and cancel all orders?",
            ctx.theme.fg(ctx.theme.error).add_modifier(Modifier::BOLD),
        )),
        Line::default(),
        Line::from(vec![
            Span::styled("[f]", ctx.theme.title()),
            Span::styled(" flatten positions: ", ctx.theme.text()),
            choice("no", !flatten),
            Span::styled("/", ctx.theme.muted()),
            choice("yes", flatten),
        ]),
        if flatten {
            Line::from(Span::styled("Open positions will be closed at market.", ctx.theme.fg(ctx.theme.warn)))
        } else {
            Line::from(Span::styled("Positions stay open.", ctx.theme.muted()))
        },
        Line::default(),
        hint(ctx, "Enter confirm · Esc cancel"),
    ];
    Paragraph::new(lines).render(inner, buf);
}

fn cancel_all(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let rect = centred(area, 52, 6);
    let inner = frame(rect, buf, ctx, "Cancel all", ctx.theme.warn);
    let n = ctx.data.orders.len();
    let lines = vec![
        Line::from(Span::styled(
            format!("Cancel every open order ({n} open)?"),
            ctx.theme.fg(ctx.theme.warn).add_modifier(Modifier::BOLD),
        )),
        hint(ctx, "Strategies keep running."),
        Line::default(),
        hint(ctx, "Enter confirm · Esc cancel"),
    ];
    Paragraph::new(lines).render(inner, buf);
}

fn search(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>, query: &str, selected: usize) {
    let rect = centred(area, 40, 12);
    let inner = frame(rect, buf, ctx, "Symbol search", ctx.theme.focus);
    let matches = search_matches(&ctx.data.symbols, query);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("/ ", ctx.theme.fg(ctx.theme.focus)),
            Span::styled(query.to_string(), ctx.theme.text()),
            Span::styled("▏", ctx.theme.fg(ctx.theme.focus)),
        ]),
        Line::default(),
    ];
    let rows = usize::from(inner.height.saturating_sub(3)).max(1);
    let selected = selected.min(matches.len().saturating_sub(1));
    let first = selected.saturating_sub(rows - 1);
    if matches.is_empty() {
        lines.push(Line::from(Span::styled("no symbol matches", ctx.theme.muted())));
    }
    for (pos, &i) in matches.iter().enumerate().skip(first).take(rows) {
        let s = &ctx.data.symbols[i];
        let last = s.last.map(|p| p.display(s.price_scale).to_string()).unwrap_or_default();
        let width = usize::from(inner.width);
        let text = format!(" {:<12}{:>w$} ", s.symbol, last, w = width.saturating_sub(14));
        let style = if pos == selected {
            ctx.theme.selected().add_modifier(Modifier::BOLD)
        } else if s.stale {
            ctx.theme.fg(ctx.theme.warn)
        } else {
            ctx.theme.text()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    let footer = Rect { y: inner.y + inner.height.saturating_sub(1), height: 1.min(inner.height), ..inner };
    Paragraph::new(lines).render(Rect { height: inner.height.saturating_sub(1), ..inner }, buf);
    Paragraph::new(hint(ctx, "↑↓ select · Enter open · Esc close")).render(footer, buf);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::Qty;
    use crate::ui::sample::{draw, screen, with_ctx};
    use crate::ui::state::UiState;
    use crate::ui::ticket::TicketInput;

    fn shot(modal: Modal) -> String {
        let state = UiState { modal: Some(modal), ..UiState::default() };
        with_ctx(&state, |ctx| draw(70, 15, |area, buf| render(area, buf, ctx)))
    }

    /// BTCUSDT of the sample screen with a 0.00100 step and a 0.01000 minimum.
    fn btc_ticket(side: Side) -> Ticket {
        let view = SymbolView { step_size: Qty(100), min_qty: Qty(1000), ..screen().symbols[0].clone() };
        Ticket::new(side, 0, &view)
    }

    /// Renders into a bare buffer so styles can be checked.
    fn buffer(modal: Modal) -> Buffer {
        let state = UiState { modal: Some(modal), ..UiState::default() };
        let area = Rect::new(0, 0, 70, 15);
        let mut buf = Buffer::empty(area);
        with_ctx(&state, |ctx| render(area, &mut buf, ctx));
        buf
    }

    /// The style of the first cell of `needle` on the row containing `row_has`.
    fn style_at(buf: &Buffer, row_has: &str, needle: &str) -> Style {
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
            if line.contains(row_has) {
                let col = line.chars().collect::<Vec<_>>();
                let n: Vec<char> = needle.chars().collect();
                if let Some(x) = col.windows(n.len()).position(|w| w == n.as_slice()) {
                    return buf[(x as u16, y)].style();
                }
            }
        }
        panic!("{needle:?} not found on a row with {row_has:?}")
    }

    #[test]
    fn ticket_editing() {
        insta::assert_snapshot!(shot(Modal::Ticket(Box::new(btc_ticket(Side::Buy)))));
    }

    #[test]
    fn ticket_with_an_invalid_quantity() {
        let mut t = btc_ticket(Side::Sell);
        for _ in 0..t.qty.len() {
            t.on_input(TicketInput::Backspace);
        }
        for c in "0.0105".chars() {
            t.on_input(TicketInput::Char(c));
        }
        insta::assert_snapshot!(shot(Modal::Ticket(Box::new(t))));
    }

    #[test]
    fn ticket_market_order() {
        let mut t = btc_ticket(Side::Sell);
        t.on_input(TicketInput::PrevField);
        t.on_input(TicketInput::Toggle);
        insta::assert_snapshot!(shot(Modal::Ticket(Box::new(t))));
    }

    #[test]
    fn ticket_confirming() {
        let mut t = btc_ticket(Side::Buy);
        t.on_input(TicketInput::Enter);
        assert_eq!(t.stage, Stage::Confirming);
        insta::assert_snapshot!(shot(Modal::Ticket(Box::new(t))));
    }

    #[test]
    fn kill_switch_confirmation() {
        insta::assert_snapshot!("kill_no_flatten", shot(Modal::ConfirmKill { flatten: false }));
        insta::assert_snapshot!("kill_flatten", shot(Modal::ConfirmKill { flatten: true }));
    }

    #[test]
    fn kill_switch_highlights_the_chosen_answer() {
        let theme = crate::ui::theme::Theme::dark();
        let buf = buffer(Modal::ConfirmKill { flatten: true });
        assert_eq!(style_at(&buf, "flatten positions", "yes").bg, Some(theme.selection));
        assert_ne!(style_at(&buf, "flatten positions", "no/").bg, Some(theme.selection));
        let buf = buffer(Modal::ConfirmKill { flatten: false });
        assert_eq!(style_at(&buf, "flatten positions", "no/").bg, Some(theme.selection));
    }

    #[test]
    fn ticket_highlights_the_focused_field_and_colours_errors() {
        let theme = crate::ui::theme::Theme::dark();
        let mut t = btc_ticket(Side::Buy);
        let buf = buffer(Modal::Ticket(Box::new(t.clone())));
        assert_eq!(style_at(&buf, "quantity", "0.01000").bg, Some(theme.selection));
        assert_ne!(style_at(&buf, "price", "97400").bg, Some(theme.selection));
        assert_eq!(style_at(&buf, "BUY", "BUY").fg, Some(theme.bid));
        t.on_input(TicketInput::Char('x'));
        let buf = buffer(Modal::Ticket(Box::new(t)));
        assert_eq!(style_at(&buf, "not a number", "✗").fg, Some(theme.error));
    }

    #[test]
    fn search_highlights_the_selected_symbol() {
        let theme = crate::ui::theme::Theme::dark();
        let buf = buffer(Modal::Search { query: String::new(), selected: 1 });
        assert_eq!(style_at(&buf, "ETHUSDT", "ETHUSDT").bg, Some(theme.selection));
        assert_ne!(style_at(&buf, "BTCUSDT", "BTCUSDT").bg, Some(theme.selection));
    }

    #[test]
    fn cancel_all_confirmation() {
        insta::assert_snapshot!(shot(Modal::ConfirmCancelAll));
    }

    #[test]
    fn symbol_search() {
        insta::assert_snapshot!("search_all", shot(Modal::Search { query: String::new(), selected: 1 }));
        insta::assert_snapshot!("search_filtered", shot(Modal::Search { query: "sol".into(), selected: 0 }));
        insta::assert_snapshot!("search_none", shot(Modal::Search { query: "xyz".into(), selected: 0 }));
    }

    #[test]
    fn search_matches_ignore_case() {
        let s = screen();
        assert_eq!(search_matches(&s.symbols, "usdt"), vec![0, 1, 2]);
        assert_eq!(search_matches(&s.symbols, "Eth"), vec![1]);
        assert!(search_matches(&s.symbols, "doge").is_empty());
    }

    #[test]
    fn help_and_no_modal_draw_nothing() {
        let blank = draw(70, 15, |_, _| {});
        for modal in [None, Some(Modal::Help)] {
            let state = UiState { modal, ..UiState::default() };
            assert_eq!(with_ctx(&state, |ctx| draw(70, 15, |area, buf| render(area, buf, ctx))), blank);
        }
    }

    #[test]
    fn tiny_areas_do_not_panic() {
        let state = UiState { modal: Some(Modal::Ticket(Box::new(btc_ticket(Side::Buy)))), ..UiState::default() };
        for (w, h) in [(1, 1), (5, 3), (20, 4)] {
            with_ctx(&state, |ctx| draw(w, h, |area, buf| render(area, buf, ctx)));
        }
        let state = UiState { modal: Some(Modal::Search { query: String::new(), selected: 9 }), ..UiState::default() };
        with_ctx(&state, |ctx| draw(10, 3, |area, buf| render(area, buf, ctx)));
    }
}
