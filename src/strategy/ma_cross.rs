//! Moving-average crossover: long when the fast average crosses above the slow one.

use super::{Strategy, StrategyCtx, resolve_order_qty};
use crate::domain::{Candle, InstrumentId, Instruments, Qty, StrategyId, Timeframe};
use crate::indicators::{Ema, Indicator, Sma};
use serde::{Deserialize, Serialize};

/// `[[strategies]] kind = "ma-cross"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MaCrossConfig {
    /// Symbol traded, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Candle timeframe the averages run on.
    pub timeframe: crate::domain::Timeframe,
    /// Fast average length in candles.
    pub fast: usize,
    /// Slow average length in candles.
    pub slow: usize,
    /// Order quantity as a decimal string.
    pub qty: String,
    /// `sma` or `ema`.
    #[serde(default = "default_average")]
    pub average: String,
    /// Also go short on a downward cross (otherwise flat).
    #[serde(default)]
    pub allow_short: bool,
}

fn default_average() -> String {
    "sma".into()
}

/// Either kind of average over candle closes.
#[derive(Debug, Clone)]
enum Average {
    Sma(Sma),
    Ema(Ema),
}

impl Average {
    fn new(kind: &str, period: usize) -> Option<Self> {
        match kind {
            "sma" => Sma::new(period).ok().map(Self::Sma),
            "ema" => Ema::new(period).ok().map(Self::Ema),
            _ => None,
        }
    }

    fn update(&mut self, x: i64) -> Option<f64> {
        match self {
            Self::Sma(a) => a.update(x),
            Self::Ema(a) => a.update(x),
        }
    }
}

/// Which side of the slow average the fast one was last strictly on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    Above,
    Below,
}

/// On each closed candle of its symbol and timeframe, updates both averages;
/// when the fast one moves strictly to the other side of the slow one (a tie
/// keeps the previous side), it orders the difference between the target
/// (+qty above; −qty or flat below) and the current position. The first warm
/// reading only records the side: a cross needs a before.
#[derive(Debug, Clone)]
pub struct MaCross {
    name: String,
    id: StrategyId,
    instrument: InstrumentId,
    timeframe: Timeframe,
    qty: Qty,
    allow_short: bool,
    fast: Average,
    slow: Average,
    relation: Option<Relation>,
}

impl MaCross {
    /// Checks the config against the instruments; the error names the field and value.
    pub fn build(cfg: &MaCrossConfig, id: StrategyId, instruments: &Instruments) -> Result<Self, String> {
        let (instrument, qty) = resolve_order_qty(instruments, &cfg.symbol, &cfg.qty)?;
        if cfg.fast == 0 {
            return Err("fast = 0: the fast average needs at least 1 candle".into());
        }
        if cfg.fast >= cfg.slow {
            return Err(format!("fast = {} must be below slow = {}", cfg.fast, cfg.slow));
        }
        let average = |period| {
            Average::new(&cfg.average, period)
                .ok_or_else(|| format!("average {:?}: expected \"sma\" or \"ema\"", cfg.average))
        };
        Ok(Self {
            name: format!("ma-cross {} {} {}/{} {}", cfg.symbol, cfg.timeframe, cfg.fast, cfg.slow, cfg.average),
            id,
            instrument,
            timeframe: cfg.timeframe,
            qty,
            allow_short: cfg.allow_short,
            fast: average(cfg.fast)?,
            slow: average(cfg.slow)?,
            relation: None,
        })
    }

    /// The id this strategy was built with.
    pub fn id(&self) -> StrategyId {
        self.id
    }
}

impl Strategy for MaCross {
    fn name(&self) -> &str {
        &self.name
    }

    fn on_candle(&mut self, candle: &Candle, ctx: &mut StrategyCtx<'_>) {
        if candle.instrument != self.instrument || candle.timeframe != self.timeframe {
            return;
        }
        let fast = self.fast.update(candle.close.0);
        let slow = self.slow.update(candle.close.0);
        let (Some(fast), Some(slow)) = (fast, slow) else {
            return;
        };
        let now = match fast.partial_cmp(&slow) {
            Some(std::cmp::Ordering::Greater) => Relation::Above,
            Some(std::cmp::Ordering::Less) => Relation::Below,
            _ => return,
        };
        if self.relation.replace(now).is_none_or(|before| before == now) {
            return;
        }
        let target = match now {
            Relation::Above => self.qty,
            Relation::Below if self.allow_short => Qty(-self.qty.0),
            Relation::Below => Qty::ZERO,
        };
        ctx.trade_toward(self.instrument, target);
    }
}
