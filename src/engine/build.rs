//! Assembles an [`Engine`] from the configuration.

use super::{Engine, EngineParts, EventClock};
use crate::aggregate::Aggregator;
use crate::config::Config;
use crate::domain::{Instruments, StrategyId};
use crate::portfolio::Portfolio;
use crate::risk::RiskEngine;
use crate::route::PaperRouter;

/// Builds the engine for `instruments`; every error names the config key.
pub fn build_engine(cfg: &Config, instruments: Instruments) -> Result<Engine, String> {
    let aggregator = Aggregator::new(&cfg.aggregate).map_err(|e| format!("aggregate: {e}"))?;
    let mut strategies = Vec::with_capacity(cfg.strategies.len());
    for (i, s) in cfg.strategies.iter().enumerate() {
        if let Some(tf) = s.timeframe().filter(|tf| !cfg.aggregate.timeframes.contains(tf)) {
            return Err(format!("strategies[{i}]: timeframe {tf} is not aggregated; add it to aggregate.timeframes"));
        }
        let id = StrategyId(u16::try_from(i).map_err(|_| "too many strategies".to_string())?);
        strategies.push(s.build(id, &instruments).map_err(|e| format!("strategies[{i}]: {e}"))?);
    }
    let risk = RiskEngine::new(&cfg.risk, &instruments).map_err(|e| format!("risk: {e}"))?;
    let router = PaperRouter::new(&cfg.paper).map_err(|e| format!("paper: {e}"))?;
    let portfolio = Portfolio::new(&cfg.portfolio).map_err(|e| format!("portfolio: {e}"))?;
    Ok(Engine::new(EngineParts {
        instruments,
        aggregator,
        strategies,
        risk,
        router,
        portfolio,
        clock: Box::new(EventClock::new()),
        mono: crate::telemetry::mono_ns,
    }))
}
