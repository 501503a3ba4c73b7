//! What the UI itself remembers between frames: focus, selection, chart
//! view, and the open overlay. Pure data; the app changes it on actions.

use crate::domain::Timeframe;
use crate::ui::ticket::Ticket;

/// The panes that can take focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Watchlist,
    Chart,
    Book,
    Positions,
    Orders,
    Strategies,
    Pnl,
    Latency,
    Log,
}

impl Pane {
    pub const ALL: [Self; 9] = [
        Self::Watchlist,
        Self::Chart,
        Self::Book,
        Self::Positions,
        Self::Orders,
        Self::Strategies,
        Self::Pnl,
        Self::Latency,
        Self::Log,
    ];

    pub const fn title(self) -> &'static str {
        match self {
            Self::Watchlist => "Watchlist",
            Self::Chart => "Chart",
            Self::Book => "Book",
            Self::Positions => "Positions",
            Self::Orders => "Orders & fills",
            Self::Strategies => "Strategies",
            Self::Pnl => "P&L",
            Self::Latency => "Latency",
            Self::Log => "Log",
        }
    }
}

/// Timeframes the chart cycles through with `t`.
pub const CHART_TIMEFRAMES: [Timeframe; 6] =
    [Timeframe::S1, Timeframe::M1, Timeframe::M5, Timeframe::M15, Timeframe::H1, Timeframe::D1];

/// Candle widths in cells, from most zoomed out to most zoomed in.
pub const ZOOM_WIDTHS: [u16; 5] = [1, 2, 3, 5, 7];

/// The minimum level the log pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogFilter {
    Trace,
    Debug,
    #[default]
    Info,
    Warn,
    Error,
}

impl LogFilter {
    pub const fn next(self) -> Self {
        match self {
            Self::Trace => Self::Debug,
            Self::Debug => Self::Info,
            Self::Info => Self::Warn,
            Self::Warn => Self::Error,
            Self::Error => Self::Trace,
        }
    }
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
    /// Whether a line of `level` passes.
    pub fn admits(self, level: tracing::Level) -> bool {
        let rank = match level {
            tracing::Level::TRACE => Self::Trace,
            tracing::Level::DEBUG => Self::Debug,
            tracing::Level::INFO => Self::Info,
            tracing::Level::WARN => Self::Warn,
            tracing::Level::ERROR => Self::Error,
        };
        rank >= self
    }
}

/// A window over everything else that takes the keys while open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Help,
    Ticket(Box<Ticket>),
    /// `/`: type to filter symbols, Enter selects.
    Search {
        query: String,
        selected: usize,
    },
    /// Kill switch: `f` toggles flatten, Enter confirms.
    ConfirmKill {
        flatten: bool,
    },
    ConfirmCancelAll,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiState {
    pub focus: Pane,
    /// Index into the watchlist.
    pub symbol: usize,
    pub timeframe: Timeframe,
    /// Index into [`ZOOM_WIDTHS`].
    pub zoom: usize,
    /// Candles scrolled back from the newest (0 = follow the market).
    pub scroll: usize,
    pub overlays: bool,
    /// Index of the stage shown in the latency histogram.
    pub stage: usize,
    pub log_filter: LogFilter,
    /// Selected row in the orders pane.
    pub order_row: usize,
    /// Selected row in the strategies pane.
    pub strategy_row: usize,
    /// Selected row in the positions pane.
    pub position_row: usize,
    pub modal: Option<Modal>,
    /// One line of feedback (order sent, rejected input, theme changed).
    pub notice: Option<String>,
    /// Replays: speed and pause, for the status bar.
    pub replay: Option<crate::replay::ReplayStatus>,
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            focus: Pane::Chart,
            symbol: 0,
            timeframe: Timeframe::M1,
            zoom: 2,
            scroll: 0,
            overlays: true,
            stage: 8,
            log_filter: LogFilter::Info,
            order_row: 0,
            strategy_row: 0,
            position_row: 0,
            modal: None,
            notice: None,
            replay: None,
        }
    }
}

impl UiState {
    pub fn candle_width(&self) -> u16 {
        ZOOM_WIDTHS[self.zoom.min(ZOOM_WIDTHS.len() - 1)]
    }
}
