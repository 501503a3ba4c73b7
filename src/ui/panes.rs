//! One file per pane. Each pane is `render(area, buf, ctx)`: a pure function
//! of the screen data, the UI state and the theme, so it can be tested alone.

pub mod book;
pub mod chart;
pub mod help;
pub mod latency;
pub mod log;
pub mod orders;
pub mod pnl;
pub mod positions;
pub mod status;
pub mod strategies;
pub mod ticket;
mod util;
pub mod watchlist;

use crate::ui::action::Action;
use crate::ui::log_layer::LogLine;
use crate::ui::model::{ScreenData, StageLatency};
use crate::ui::state::{Pane, UiState};
use crate::ui::theme::Theme;
use ratatui::widgets::{Block, BorderType, Borders};

/// What every pane reads.
#[derive(Debug, Clone, Copy)]
pub struct PaneCtx<'a> {
    pub data: &'a ScreenData,
    pub state: &'a UiState,
    pub theme: &'a Theme,
    /// The log ring, oldest first (the log pane filters by level).
    pub logs: &'a [LogLine],
    /// Lines the log ring could not take.
    pub logs_dropped: u64,
    /// Frame render time, measured by the UI thread (a stage of its own).
    pub render: &'a StageLatency,
    /// Every action with the keys bound to it (`q, ctrl-c`), for the help overlay.
    pub bindings: &'a [(Action, String)],
}

impl PaneCtx<'_> {
    /// The bordered block of `pane`, highlighted when focused.
    pub fn block(&self, pane: Pane) -> Block<'static> {
        let focused = self.state.focus == pane;
        Block::default()
            .borders(Borders::ALL)
            .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
            .border_style(self.theme.border(focused))
            .title(ratatui::text::Span::styled(format!(" {} ", pane.title()), self.theme.title()))
    }
}
