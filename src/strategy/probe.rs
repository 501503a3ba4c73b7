//! A latency probe: every N trades of its symbol it sends a small market
//! order, alternating buy and sell, so the order path is exercised at a
//! steady rate (tick-to-order figures, venue round trips). Not a trading idea.

use super::{Strategy, StrategyCtx, resolve_order_qty};
use crate::domain::{InstrumentId, Instruments, OrderIntent, Qty, Side, StrategyId, Trade};
use serde::{Deserialize, Serialize};

/// `[[strategies]] kind = "probe"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ProbeConfig {
    pub symbol: String,
    /// Send one order every this many trades (at least 1).
    pub every_n_trades: u64,
    /// Order quantity as a decimal string.
    pub qty: String,
}

pub struct Probe {
    id: StrategyId,
    instrument: InstrumentId,
    qty: Qty,
    every: u64,
    seen: u64,
    next_side: Side,
}

impl Probe {
    pub fn build(cfg: &ProbeConfig, id: StrategyId, instruments: &Instruments) -> Result<Self, String> {
        if cfg.every_n_trades == 0 {
            return Err("every-n-trades = 0: must be at least 1".into());
        }
        let (instrument, qty) = resolve_order_qty(instruments, &cfg.symbol, &cfg.qty)?;
        Ok(Self { id, instrument, qty, every: cfg.every_n_trades, seen: 0, next_side: Side::Buy })
    }
}

impl Strategy for Probe {
    fn name(&self) -> &str {
        "probe"
    }

    fn on_trade(&mut self, trade: &Trade, ctx: &mut StrategyCtx<'_>) {
        if trade.instrument != self.instrument {
            return;
        }
        self.seen += 1;
        if self.seen % self.every == 0 {
            ctx.emit(OrderIntent::market(self.instrument, self.next_side, self.qty, self.id));
            self.next_side = self.next_side.opposite();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FilterStrings, Instrument, Notional, Price, Venue};
    use crate::strategy::PortfolioView;

    struct Flat;
    impl PortfolioView for Flat {
        fn position_qty(&self, _: InstrumentId) -> Qty {
            Qty::ZERO
        }
        fn last_price(&self, _: InstrumentId) -> Option<Price> {
            None
        }
        fn equity(&self) -> Notional {
            Notional::ZERO
        }
    }

    #[test]
    fn alternates_sides_every_n_trades() {
        let f = FilterStrings {
            symbol: "BTCUSDT",
            base: "BTC",
            quote: "USDT",
            tick_size: "0.01",
            step_size: "0.001",
            min_qty: "0.001",
            min_notional: "1",
        };
        let t = Instruments::fixed(vec![Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()]);
        let cfg = ProbeConfig { symbol: "btcusdt".into(), every_n_trades: 2, qty: "0.001".into() };
        let mut p = Probe::build(&cfg, StrategyId(3), &t).unwrap();
        assert!(Probe::build(&ProbeConfig { every_n_trades: 0, ..cfg.clone() }, StrategyId(0), &t).is_err());
        let trade = Trade {
            instrument: InstrumentId(0),
            trade_id: 1,
            price: Price(100),
            qty: Qty(1),
            time_ms: 0,
            event_time_ms: 0,
            buyer_is_maker: false,
            aggregated: false,
            first_trade_id: 1,
            last_trade_id: 1,
        };
        let mut intents = Vec::new();
        for _ in 0..5 {
            let mut ctx =
                StrategyCtx { id: StrategyId(3), now_ms: 0, instruments: &t, portfolio: &Flat, intents: &mut intents };
            p.on_trade(&trade, &mut ctx);
        }
        let sides: Vec<Side> = intents.iter().map(|i| i.side).collect();
        assert_eq!(sides, vec![Side::Buy, Side::Sell]);
        assert!(intents.iter().all(|i| i.qty == Qty(1) && i.strategy == StrategyId(3)));
    }
}
