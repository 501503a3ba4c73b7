//! What the trader can ask for, independent of which key asks for it.
//!
//! The key map ([`crate::ui::keymap`]) binds keys to these; the app
//! ([`crate::ui::app`]) carries them out. Keeping the two apart lets users
//! rebind keys in the config without touching behaviour.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    /// Close the open overlay, ticket or prompt.
    Close,
    /// Confirm the open ticket or prompt.
    Confirm,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Left,
    Right,
    ZoomIn,
    ZoomOut,
    /// Cycle the chart timeframe (1s, 1m, 5m, 15m, 1h, 1d).
    NextTimeframe,
    SymbolSearch,
    /// Open the order ticket on the buy or the sell side, prefilled from the book.
    Buy,
    Sell,
    CancelSelected,
    CancelAll,
    KillSwitch,
    /// Cycle the stage shown by the latency histogram.
    NextStage,
    /// Cycle the colour theme.
    NextTheme,
    /// Cycle the minimum level shown in the log pane.
    LogLevel,
    /// Pause or resume the selected strategy.
    TogglePause,
    /// Show or hide the indicator overlays on the chart.
    ToggleOverlays,
    /// Replays: pause or resume.
    ReplayPause,
    /// Replays: one step up the speed ladder (up to max).
    ReplayFaster,
    /// Replays: one step down the speed ladder.
    ReplaySlower,
    /// Replays: skip a minute of event time ahead.
    ReplayJump,
}

impl Action {
    /// Every action, in the order the help overlay lists them.
    pub const ALL: [Self; 28] = [
        Self::Quit,
        Self::Help,
        Self::Close,
        Self::Confirm,
        Self::FocusNext,
        Self::FocusPrev,
        Self::Up,
        Self::Down,
        Self::Left,
        Self::Right,
        Self::ZoomIn,
        Self::ZoomOut,
        Self::NextTimeframe,
        Self::SymbolSearch,
        Self::Buy,
        Self::Sell,
        Self::CancelSelected,
        Self::CancelAll,
        Self::KillSwitch,
        Self::NextStage,
        Self::NextTheme,
        Self::LogLevel,
        Self::TogglePause,
        Self::ToggleOverlays,
        Self::ReplayPause,
        Self::ReplayFaster,
        Self::ReplaySlower,
        Self::ReplayJump,
    ];

    /// The name used in the config file (`[ui.keys] buy = ["b"]`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Help => "help",
            Self::Close => "close",
            Self::Confirm => "confirm",
            Self::FocusNext => "focus-next",
            Self::FocusPrev => "focus-prev",
            Self::Up => "up",
            Self::Down => "down",
            Self::Left => "left",
            Self::Right => "right",
            Self::ZoomIn => "zoom-in",
            Self::ZoomOut => "zoom-out",
            Self::NextTimeframe => "timeframe",
            Self::SymbolSearch => "symbol-search",
            Self::Buy => "buy",
            Self::Sell => "sell",
            Self::CancelSelected => "cancel",
            Self::CancelAll => "cancel-all",
            Self::KillSwitch => "kill-switch",
            Self::NextStage => "latency-stage",
            Self::NextTheme => "theme",
            Self::LogLevel => "log-level",
            Self::TogglePause => "pause-strategy",
            Self::ToggleOverlays => "overlays",
            Self::ReplayPause => "replay-pause",
            Self::ReplayFaster => "replay-faster",
            Self::ReplaySlower => "replay-slower",
            Self::ReplayJump => "replay-jump",
        }
    }

    /// One line for the help overlay.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Quit => "quit (restores the terminal)",
            Self::Help => "show or hide this help",
            Self::Close => "close the overlay, ticket or prompt",
            Self::Confirm => "confirm",
            Self::FocusNext => "focus the next pane",
            Self::FocusPrev => "focus the previous pane",
            Self::Up => "move up / previous row",
            Self::Down => "move down / next row",
            Self::Left => "chart: scroll back in time",
            Self::Right => "chart: scroll toward now",
            Self::ZoomIn => "chart: zoom in (wider candles)",
            Self::ZoomOut => "chart: zoom out",
            Self::NextTimeframe => "chart: next timeframe",
            Self::SymbolSearch => "search and select a symbol",
            Self::Buy => "order ticket: buy",
            Self::Sell => "order ticket: sell",
            Self::CancelSelected => "cancel the selected order",
            Self::CancelAll => "cancel every open order",
            Self::KillSwitch => "kill switch: halt, cancel all, optionally flatten",
            Self::NextStage => "latency: next stage",
            Self::NextTheme => "next colour theme",
            Self::LogLevel => "log: cycle the minimum level",
            Self::TogglePause => "strategies: pause or resume the selected one",
            Self::ToggleOverlays => "chart: indicator overlays on or off",
            Self::ReplayPause => "replay: pause or resume",
            Self::ReplayFaster => "replay: faster (1, 2, 5, 10, 20, 50, 100x, max)",
            Self::ReplaySlower => "replay: slower (down to 0.25x)",
            Self::ReplayJump => "replay: jump a minute ahead",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|a| a.name() == s).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|a| a.name()).collect();
            format!("unknown action {s:?}; expected one of {}", names.join(", "))
        })
    }
}
