//! Configuration: strict TOML, defaults carried inside the binary.
//!
//! Layers, lowest first: the embedded `config/default.toml`, the file given
//! with `--config` (tables merge key by key, arrays replace), then
//! environment variables `TICKDESK_<SECTION>__<KEY>` (for example
//! `TICKDESK_RISK__MAX_OPEN_ORDERS=5`). Unknown keys are errors, and every
//! error names the key, the value and what was expected.

pub mod env;
pub mod load;

pub use load::{ConfigError, load};

use crate::aggregate::AggregatorConfig;
use crate::portfolio::PortfolioConfig;
use crate::risk::RiskConfig;
use crate::route::PaperConfig;
use crate::sim::SyntheticConfig;
use crate::strategy::StrategyConfig;
use serde::{Deserialize, Serialize};

/// The embedded defaults, byte for byte the file shipped in `config/`.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    pub engine: EngineSection,
    pub feed: FeedSection,
    pub aggregate: AggregatorConfig,
    #[serde(default)]
    pub strategies: Vec<StrategyConfig>,
    pub risk: RiskConfig,
    pub paper: PaperConfig,
    pub portfolio: PortfolioConfig,
    pub synthetic: SyntheticConfig,
    pub headless: HeadlessSection,
    pub sim_venue: crate::sim::venue::SimVenueConfig,
    #[serde(default)]
    pub route: RouteSection,
    pub log: LogSection,
    pub ui: UiSection,
}

/// `[route]`: where orders go, and the sandbox route's client and gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct RouteSection {
    /// `paper` (fills simulated in the engine) or `sandbox` (signed orders to the venue's sandbox).
    pub mode: crate::route::RouteMode,
    /// Let `--route sandbox` reach a production venue (real money); `--allow-production` must be given too.
    pub allow_production: bool,
    /// The signed REST client: recvWindow, timeouts, weight and order-rate limits.
    pub trading: crate::venue::client::TradingConfig,
    /// The gateway task: queue, polling, reconciliation, the user data stream.
    pub gateway: crate::venue::gateway::GatewayConfig,
}

impl Default for RouteSection {
    fn default() -> Self {
        Self {
            mode: crate::route::RouteMode::Paper,
            allow_production: false,
            trading: Default::default(),
            gateway: Default::default(),
        }
    }
}

/// `[engine]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct EngineSection {
    /// Capacity, in batches of events, of the channel from a source to the engine.
    pub channel_capacity: usize,
    /// Events per batch sent through that channel.
    pub batch_size: usize,
}

impl Default for EngineSection {
    fn default() -> Self {
        Self { channel_capacity: 1024, batch_size: 256 }
    }
}

/// `[feed]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct FeedSection {
    /// Frames longer than this are refused as malformed (`too_large`).
    pub max_frame_bytes: usize,
    /// REST bodies in recordings (exchangeInfo) may be this long.
    pub max_rest_bytes: usize,
    /// How many malformed frames are logged with their line number before the rest are only counted.
    pub log_first_malformed: u64,
    /// Closed candles fetched per symbol and timeframe at start (REST klines) so charts start full; 0 = none.
    pub backfill: u16,
    /// The WebSocket market-data connection.
    pub ws: crate::feed::connection::WsConfig,
    /// The REST client.
    pub rest: crate::feed::rest::RestConfig,
}

impl Default for FeedSection {
    fn default() -> Self {
        Self {
            max_frame_bytes: 1 << 20,
            max_rest_bytes: 16 << 20,
            log_first_malformed: 5,
            backfill: 500,
            ws: crate::feed::connection::WsConfig::default(),
            rest: crate::feed::rest::RestConfig::default(),
        }
    }
}

/// `[headless]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct HeadlessSection {
    /// Seconds between status lines on stderr (0 = none).
    pub status_interval_secs: u64,
    /// Length of a synthetic run in market time, e.g. `30s`, `5m`.
    pub duration: String,
    /// `realtime`, `max`, or a multiple of real time such as `10`.
    pub speed: String,
}

impl Default for HeadlessSection {
    fn default() -> Self {
        Self { status_interval_secs: 5, duration: "30s".into(), speed: "realtime".into() }
    }
}

/// `[log]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct LogSection {
    /// Directory of the daily-rotated log files.
    pub dir: String,
    /// Level or filter for the file log (`RUST_LOG` overrides).
    pub level: String,
}

impl Default for LogSection {
    fn default() -> Self {
        Self { dir: "logs".into(), level: "info".into() }
    }
}

/// `[ui]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct UiSection {
    /// Frames drawn per second at most (1..=240).
    pub fps: u32,
    /// Colour theme at start (`T` cycles at run time).
    pub theme: String,
    /// Extra folder of `*.toml` themes; its files win over every other.
    pub themes_dir: Option<String>,
    /// Whether the kill-switch confirmation starts with "flatten positions" on.
    pub flatten_on_kill: bool,
    /// Price levels per side shown by the book ladder.
    pub depth_levels: usize,
    /// Action name → key specs, replacing that action's default keys.
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for UiSection {
    fn default() -> Self {
        Self {
            fps: 30,
            theme: "dark".into(),
            themes_dir: None,
            flatten_on_kill: false,
            depth_levels: 20,
            keys: std::collections::BTreeMap::new(),
        }
    }
}

impl UiSection {
    /// The key map this section asks for; errors name `ui.keys.<action>`.
    pub fn key_map(&self) -> Result<crate::ui::keymap::KeyMap, crate::ui::keymap::KeyMapError> {
        crate::ui::keymap::KeyMap::from_config(&self.keys)
    }

    /// Range checks serde cannot express, and the key bindings:
    /// `(key, value, message)` of the first problem.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        if !(1..=240).contains(&self.fps) {
            return Err(("ui.fps".into(), self.fps.to_string(), "expected frames per second in 1..=240".into()));
        }
        if !(1..=1000).contains(&self.depth_levels) {
            return Err((
                "ui.depth-levels".into(),
                self.depth_levels.to_string(),
                "expected price levels per side in 1..=1000".into(),
            ));
        }
        if self.theme.trim().is_empty() {
            return Err(("ui.theme".into(), "\"\"".into(), "expected a theme name such as \"dark\"".into()));
        }
        self.key_map().map(|_| ()).map_err(|e| (e.key, e.value, e.message))
    }
}

impl Default for Config {
    /// The same values as `config/default.toml` (a test holds them equal).
    fn default() -> Self {
        Self {
            engine: EngineSection::default(),
            feed: FeedSection::default(),
            aggregate: AggregatorConfig::default(),
            strategies: default_strategies(),
            risk: RiskConfig::default(),
            paper: PaperConfig::default(),
            portfolio: PortfolioConfig::default(),
            synthetic: SyntheticConfig::default(),
            headless: HeadlessSection::default(),
            sim_venue: crate::sim::venue::SimVenueConfig::default(),
            route: RouteSection::default(),
            log: LogSection::default(),
            ui: UiSection::default(),
        }
    }
}

/// The two built-in strategies on the synthetic market's first two symbols.
fn default_strategies() -> Vec<StrategyConfig> {
    use crate::domain::Timeframe;
    use crate::strategy::{MaCrossConfig, RsiReversionConfig};
    vec![
        StrategyConfig::MaCross(MaCrossConfig {
            symbol: "BTCUSDT".into(),
            timeframe: Timeframe::S1,
            fast: 5,
            slow: 20,
            qty: "0.01".into(),
            average: "sma".into(),
            allow_short: false,
        }),
        StrategyConfig::RsiReversion(RsiReversionConfig {
            symbol: "ETHUSDT".into(),
            timeframe: Timeframe::S1,
            period: 14,
            oversold: 30.0,
            overbought: 70.0,
            qty: "0.1".into(),
            allow_short: false,
        }),
    ]
}

/// Parses a duration such as `500ms`, `30s`, `5m`, `2h`, `1d` into milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("invalid duration {s:?}: expected a number then ms, s, m, h or d"))?;
    let mult = match unit {
        "ms" => 1,
        "s" | "" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("invalid duration {s:?}: unknown unit {unit:?}, expected ms, s, m, h or d")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("duration {s:?} is too long"))
}

/// How fast a source plays its events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// As fast as the machine goes.
    Max,
    /// A multiple of real time (1.0 = real time).
    Times(f64),
}

impl std::str::FromStr for Speed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "max" => Ok(Self::Max),
            "realtime" | "real" => Ok(Self::Times(1.0)),
            _ => match s.trim_end_matches('x').parse::<f64>() {
                Ok(x) if x > 0.0 && x.is_finite() => Ok(Self::Times(x)),
                _ => Err(format!("invalid speed {s:?}: expected realtime, max, or a positive multiple like 10")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("30s"), Ok(30_000));
        assert_eq!(parse_duration_ms("500ms"), Ok(500));
        assert_eq!(parse_duration_ms("5m"), Ok(300_000));
        assert_eq!(parse_duration_ms("7"), Ok(7_000));
        assert!(parse_duration_ms("5x").is_err());
        assert!(parse_duration_ms("s").is_err());
    }

    #[test]
    fn speeds() {
        assert_eq!("max".parse::<Speed>(), Ok(Speed::Max));
        assert_eq!("realtime".parse::<Speed>(), Ok(Speed::Times(1.0)));
        assert_eq!("10".parse::<Speed>(), Ok(Speed::Times(10.0)));
        assert!("-1".parse::<Speed>().is_err());
        assert!("fast".parse::<Speed>().is_err());
    }

    #[test]
    fn shipped_default_file_equals_the_built_in_defaults() {
        let parsed = load::from_layers(None, &[]).expect("embedded default.toml must load");
        assert_eq!(parsed, Config::default());
    }
}
