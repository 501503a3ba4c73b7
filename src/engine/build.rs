//! Assembles an [`Engine`] from the configuration.

use super::{Engine, EngineParts, EventClock};
use crate::aggregate::Aggregator;
use crate::config::Config;
use crate::domain::{Instruments, StrategyId};
use crate::portfolio::Portfolio;
use crate::risk::RiskEngine;
use crate::route::{PaperRouter, Router};

/// Builds the engine for `instruments` with the paper router. Every error
/// is a configuration error and names its key.
pub fn build_engine(cfg: &Config, instruments: Instruments) -> Result<Engine, String> {
    let router = Router::Paper(PaperRouter::new(&cfg.paper)?);
    build_engine_with(cfg, instruments, router)
}

/// Builds the engine with a given router (the sandbox route's).
pub fn build_engine_with(cfg: &Config, instruments: Instruments, router: Router) -> Result<Engine, String> {
    // Each module's errors already name their key (`risk.max-order-notional`, ...).
    let aggregator = Aggregator::new(&cfg.aggregate).map_err(|e| e.to_string())?;
    let mut strategies = Vec::with_capacity(cfg.strategies.len());
    for (i, s) in cfg.strategies.iter().enumerate() {
        if let Some(tf) = s.timeframe().filter(|tf| !cfg.aggregate.timeframes.contains(tf)) {
            return Err(format!("strategies[{i}]: timeframe {tf} is not aggregated; add it to aggregate.timeframes"));
        }
        let id = StrategyId(u16::try_from(i).map_err(|_| "too many strategies".to_string())?);
        strategies.push(s.build(id, &instruments).map_err(|e| format!("strategies[{i}]: {e}"))?);
    }
    let risk = RiskEngine::new(&cfg.risk, &instruments)?;
    let portfolio = Portfolio::new(&cfg.portfolio)?;
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
