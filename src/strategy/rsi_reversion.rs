//! RSI mean reversion: buy when oversold, sell back when overbought.

use super::{Strategy, StrategyCtx, resolve_order_qty};
use crate::domain::{Candle, InstrumentId, Instruments, Qty, StrategyId, Timeframe};
use crate::indicators::{Indicator, Rsi};
use serde::{Deserialize, Serialize};

/// `[[strategies]] kind = "rsi-reversion"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RsiReversionConfig {
    pub symbol: String,
    pub timeframe: crate::domain::Timeframe,
    /// RSI length in candles (Wilder).
    pub period: usize,
    /// Buy below this RSI.
    pub oversold: f64,
    /// Sell above this RSI.
    pub overbought: f64,
    /// Order quantity as a decimal string.
    pub qty: String,
    /// Also go short when overbought (otherwise only flatten).
    #[serde(default)]
    pub allow_short: bool,
}

/// On each closed candle of its symbol and timeframe, updates a Wilder RSI of
/// the closes. RSI below `oversold` with a position ≤ 0: buy up to +qty. RSI
/// above `overbought` with a position > 0: sell to flat, or to −qty with
/// `allow_short` (which also opens that short from flat).
#[derive(Debug, Clone)]
pub struct RsiReversion {
    name: String,
    id: StrategyId,
    instrument: InstrumentId,
    timeframe: Timeframe,
    qty: Qty,
    oversold: f64,
    overbought: f64,
    allow_short: bool,
    rsi: Rsi,
}

impl RsiReversion {
    /// Checks the config against the instruments; the error names the field and value.
    pub fn build(cfg: &RsiReversionConfig, id: StrategyId, instruments: &Instruments) -> Result<Self, String> {
        let (instrument, qty) = resolve_order_qty(instruments, &cfg.symbol, &cfg.qty)?;
        let rsi = Rsi::new(cfg.period).map_err(|_| "period = 0: the RSI needs at least 1 candle".to_string())?;
        for (field, v) in [("oversold", cfg.oversold), ("overbought", cfg.overbought)] {
            if !(0.0..=100.0).contains(&v) {
                return Err(format!("{field} = {v}: an RSI threshold must be within 0..100"));
            }
        }
        if cfg.oversold >= cfg.overbought {
            return Err(format!("oversold = {} must be below overbought = {}", cfg.oversold, cfg.overbought));
        }
        Ok(Self {
            name: format!("rsi-reversion {} {} {}", cfg.symbol, cfg.timeframe, cfg.period),
            id,
            instrument,
            timeframe: cfg.timeframe,
            qty,
            oversold: cfg.oversold,
            overbought: cfg.overbought,
            allow_short: cfg.allow_short,
            rsi,
        })
    }

    /// The id this strategy was built with.
    pub fn id(&self) -> StrategyId {
        self.id
    }
}

impl Strategy for RsiReversion {
    fn name(&self) -> &str {
        &self.name
    }

    fn on_candle(&mut self, candle: &Candle, ctx: &mut StrategyCtx<'_>) {
        if candle.instrument != self.instrument || candle.timeframe != self.timeframe {
            return;
        }
        let Some(rsi) = self.rsi.update(candle.close.0) else {
            return;
        };
        let position = ctx.portfolio.position_qty(self.instrument).0;
        if rsi < self.oversold && position <= 0 {
            ctx.trade_toward(self.instrument, self.qty);
        } else if rsi > self.overbought && (position > 0 || (self.allow_short && position == 0)) {
            let target = if self.allow_short { Qty(-self.qty.0) } else { Qty::ZERO };
            ctx.trade_toward(self.instrument, target);
        }
    }
}
