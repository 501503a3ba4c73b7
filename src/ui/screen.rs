//! Draws the whole screen: status bar, the panes the layout keeps, then the
//! open overlay on top.

use crate::ui::layout::{self, ScreenLayout};
use crate::ui::panes::{self, PaneCtx};
use crate::ui::state::{Modal, Pane};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// Draws everything into `buf` over `area` and returns the layout used
/// (the app maps mouse clicks through it).
pub fn draw(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) -> ScreenLayout {
    let layout = layout::compute(area, ctx.data.symbols.len());
    buf.set_style(area, Style::default().bg(ctx.theme.background).fg(ctx.theme.text));
    panes::status::render(layout.status, buf, ctx);
    for &(pane, rect) in &layout.panes {
        draw_pane(pane, rect, buf, ctx);
    }
    match &ctx.state.modal {
        Some(Modal::Help) => panes::help::render(area, buf, ctx),
        Some(_) => panes::ticket::render(area, buf, ctx),
        None => {}
    }
    layout
}

fn draw_pane(pane: Pane, area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    match pane {
        Pane::Watchlist => panes::watchlist::render(area, buf, ctx),
        Pane::Chart => panes::chart::render(area, buf, ctx),
        Pane::Book => panes::book::render(area, buf, ctx),
        Pane::Positions => panes::positions::render(area, buf, ctx),
        Pane::Orders => panes::orders::render(area, buf, ctx),
        Pane::Strategies => panes::strategies::render(area, buf, ctx),
        Pane::Pnl => panes::pnl::render(area, buf, ctx),
        Pane::Latency => panes::latency::render(area, buf, ctx),
        Pane::Log => panes::log::render(area, buf, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::sample;
    use crate::ui::state::UiState;

    fn whole(w: u16, h: u16, state: &UiState) -> String {
        sample::draw(w, h, |area, buf| {
            sample::with_ctx(state, |ctx| {
                draw(area, buf, ctx);
            })
        })
    }

    #[test]
    fn whole_screen_200x60() {
        insta::assert_snapshot!("screen_200x60", whole(200, 60, &UiState::default()));
    }

    #[test]
    fn whole_screen_80x24() {
        insta::assert_snapshot!("screen_80x24", whole(80, 24, &UiState::default()));
    }

    #[test]
    fn whole_screen_120x32() {
        insta::assert_snapshot!("screen_120x32", whole(120, 32, &UiState::default()));
    }

    #[test]
    fn help_over_the_whole_screen_80x24() {
        let state = UiState { modal: Some(Modal::Help), ..UiState::default() };
        insta::assert_snapshot!("screen_80x24_help", whole(80, 24, &state));
    }

    #[test]
    fn any_size_draws_without_panic() {
        let state = UiState::default();
        for w in [1u16, 5, 20, 40, 79, 80, 99, 100, 149, 150, 250] {
            for h in [1u16, 3, 10, 23, 24, 27, 28, 37, 38, 70] {
                let _ = whole(w, h, &state);
            }
        }
    }
}
