//! Colour themes: colours named by what they mean, not what they look like.
//!
//! Panes ask for `theme.up` or `theme.bid`, never for green. Themes are TOML
//! files (`themes/*.toml`); the built-in ones are compiled into the binary so
//! tickdesk runs from any directory, and files in `themes/` or the user's
//! config folder add or override them.

use ratatui::style::{Color, Modifier, Style};

/// Every colour a pane may use, by meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    /// Screen background (`reset` keeps the terminal's own).
    pub background: Color,
    /// Ordinary text.
    pub text: Color,
    /// Secondary text: labels, axes, units.
    pub muted: Color,
    /// Pane borders.
    pub border: Color,
    /// Border of the focused pane.
    pub focus: Color,
    /// Pane titles.
    pub title: Color,
    /// Rising prices, profits, up candles.
    pub up: Color,
    /// Falling prices, losses, down candles.
    pub down: Color,
    /// Bid side of the book, buy orders.
    pub bid: Color,
    /// Ask side of the book, sell orders.
    pub ask: Color,
    /// Own fills marked on the chart and in the fills list.
    pub fill: Color,
    /// Warnings: stale feeds, reconnects, drops.
    pub warn: Color,
    /// Errors and the kill switch.
    pub error: Color,
    /// Healthy states: connected, armed.
    pub ok: Color,
    /// Selected row and highlights.
    pub selection: Color,
    /// Text on the selection colour.
    pub selection_text: Color,
    /// Indicator overlays, in order: SMA, EMA, Bollinger bands.
    pub overlay_1: Color,
    pub overlay_2: Color,
    pub overlay_3: Color,
    /// Last-price line on the chart.
    pub last_price: Color,
    /// Volume bars.
    pub volume: Color,
}

impl Theme {
    pub fn text(&self) -> Style {
        Style::default().fg(self.text)
    }
    pub fn muted(&self) -> Style {
        Style::default().fg(self.muted)
    }
    pub fn title(&self) -> Style {
        Style::default().fg(self.title).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        Style::default().fg(if focused { self.focus } else { self.border })
    }
    pub fn fg(&self, c: Color) -> Style {
        Style::default().fg(c)
    }
    pub fn selected(&self) -> Style {
        Style::default().fg(self.selection_text).bg(self.selection)
    }

    /// The dark default, used when nothing else is configured (and by tests).
    pub fn dark() -> Self {
        Self {
            name: "dark".into(),
            background: Color::Reset,
            text: Color::Gray,
            muted: Color::DarkGray,
            border: Color::DarkGray,
            focus: Color::Cyan,
            title: Color::White,
            up: Color::Green,
            down: Color::Red,
            bid: Color::Green,
            ask: Color::Red,
            fill: Color::Yellow,
            warn: Color::Yellow,
            error: Color::LightRed,
            ok: Color::Green,
            selection: Color::DarkGray,
            selection_text: Color::White,
            overlay_1: Color::Cyan,
            overlay_2: Color::Magenta,
            overlay_3: Color::Blue,
            last_price: Color::White,
            volume: Color::DarkGray,
        }
    }
}
