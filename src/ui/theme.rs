//! Colour themes: colours named by what they mean, not what they look like.
//!
//! Panes ask for `theme.up` or `theme.bid`, never for green. Themes are TOML
//! files (`themes/*.toml`); the built-in ones are compiled into the binary so
//! tickdesk runs from any directory, and files in `themes/` or the user's
//! config folder add or override them.

pub mod set;

pub use set::{ThemeError, ThemeSet};

use ratatui::style::{Color, Modifier, Style};

/// Declares [`Theme`] and the list of its meanings from one field list, so a
/// meaning added to the struct is at once required in every theme file.
macro_rules! theme_struct {
    ($($(#[$doc:meta])* $field:ident),* $(,)?) => {
        /// Every colour a pane may use, by meaning.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            pub name: String,
            $($(#[$doc])* pub $field: Color,)*
        }

        impl Theme {
            /// The meanings as theme files spell them (`selection-text`), in struct order.
            pub const MEANINGS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Builds a theme from a colour per meaning (file key spelling);
            /// the first missing meaning is the error.
            fn from_meanings(name: &str, mut get: impl FnMut(&'static str) -> Option<Color>) -> Result<Self, &'static str> {
                Ok(Self { name: name.to_string(), $($field: get(stringify!($field)).ok_or(stringify!($field))?,)* })
            }

            /// The colour of a meaning by its field name.
            pub fn meaning(&self, field: &str) -> Option<Color> {
                match field {
                    $(stringify!($field) => Some(self.$field),)*
                    _ => None,
                }
            }
        }
    };
}

theme_struct! {
    /// Screen background (`reset` keeps the terminal's own).
    background,
    /// Ordinary text.
    text,
    /// Secondary text: labels, axes, units.
    muted,
    /// Pane borders.
    border,
    /// Border of the focused pane.
    focus,
    /// Pane titles.
    title,
    /// Rising prices, profits, up candles.
    up,
    /// Falling prices, losses, down candles.
    down,
    /// Bid side of the book, buy orders.
    bid,
    /// Ask side of the book, sell orders.
    ask,
    /// Own fills marked on the chart and in the fills list.
    fill,
    /// Warnings: stale feeds, reconnects, drops.
    warn,
    /// Errors and the kill switch.
    error,
    /// Healthy states: connected, armed.
    ok,
    /// Selected row and highlights.
    selection,
    /// Text on the selection colour.
    selection_text,
    /// Indicator overlays, in order: SMA, EMA, Bollinger bands.
    overlay_1,
    overlay_2,
    overlay_3,
    /// Last-price line on the chart.
    last_price,
    /// Volume bars.
    volume,
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

    /// The dark default, used when nothing else is configured (and by tests);
    /// a test holds it equal to `themes/dark.toml`.
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
