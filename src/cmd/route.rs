//! `--route paper|sandbox`: where a run's orders go. Paper fills inside the
//! engine; sandbox sends them, signed, to the venue's sandbox through the
//! gateway: the sim venue (`--venue sim`), the Binance Spot Testnet
//! (`--venue binance-testnet`), or any compatible venue (`--rest-url`).
//!
//! Everything that can refuse a sandbox run is checked before any
//! connection: the source must be a live venue, the keys must be in the
//! environment, and a production venue needs two explicit opt-ins.

use super::RunError;
use super::live::Live;
use super::venue::VenueChoice;
use crate::cli::HeadlessArgs;
use crate::config::Config;
use crate::engine::Event;
use crate::route::{RouteMode, Router, SandboxRouter, SandboxStats};
use crate::venue::gateway::{self, GatewayHandle, GatewayReport};
use crate::venue::{Credentials, TradingClient};
use serde::Serialize;
use tokio::sync::mpsc;

/// What a sandbox run did, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct RouteReport {
    pub mode: String,
    pub rest_url: String,
    pub ws_api_url: Option<String>,
    pub engine: SandboxStats,
    pub gateway: GatewayReport,
}

/// The checks before any connection. Returns the credentials for a sandbox run.
pub fn preflight(cfg: &Config, args: &HeadlessArgs, venue: VenueChoice) -> Result<Option<Credentials>, RunError> {
    let mode: RouteMode = match args.route.as_deref() {
        Some(r) => r.parse().map_err(|e| RunError::Config(format!("--route: {e}")))?,
        None => cfg.route.mode,
    };
    if mode == RouteMode::Paper {
        return Ok(None);
    }
    if args.input.is_some() || venue == VenueChoice::Synthetic {
        return Err(RunError::Config(
            "--route sandbox needs a live venue (--venue sim, binance-testnet, or --rest-url); a file or the synthetic generator has no venue to send orders to".into(),
        ));
    }
    if is_production(venue, args.rest_url.as_deref()) && !(cfg.route.allow_production && args.allow_production) {
        return Err(RunError::Config(
            "routing to a production venue trades real money: it needs both route.allow-production = true in the config and --allow-production on the command line".into(),
        ));
    }
    Credentials::from_env().map(Some).map_err(|e| RunError::Config(e.to_string()))
}

/// Binance production hosts (real money). The testnet and loopback are not.
fn is_production(venue: VenueChoice, rest_url: Option<&str>) -> bool {
    match rest_url {
        Some(u) => {
            let host = u.split("://").nth(1).unwrap_or(u).split([':', '/']).next().unwrap_or("").to_ascii_lowercase();
            host.ends_with("binance.com") || host.ends_with("binance.us")
        }
        None => venue == VenueChoice::Binance,
    }
}

/// The WebSocket API base for the user data stream.
fn ws_api_url(args: &HeadlessArgs, live: &Live) -> String {
    if let Some(u) = &args.ws_api_url {
        return u.trim_end_matches('/').to_string();
    }
    match (live.venue, &args.ws_url) {
        (VenueChoice::Binance, None) => "wss://ws-api.binance.com:443/ws-api/v3".into(),
        (VenueChoice::BinanceTestnet, None) => "wss://ws-api.testnet.binance.vision/ws-api/v3".into(),
        // The sim venue serves the WebSocket API on its stream port.
        _ => format!("{}/ws-api/v3", live.ws_base),
    }
}

/// Starts the trading client and the gateway; returns the engine's router.
pub async fn start(
    cfg: &Config,
    args: &HeadlessArgs,
    live: &Live,
    creds: Credentials,
    events: mpsc::Sender<Vec<Event>>,
) -> Result<(Router, GatewayHandle, RouteInfo), RunError> {
    if let Some(sim) = &live.sim {
        // The in-process venue trusts the key pair the run was given.
        sim.register_key(&creds);
    }
    let client = TradingClient::new(&live.rest_base, creds, &cfg.route.trading)
        .map_err(|e| RunError::Runtime(format!("trading client for {}: {e}", live.rest_base)))?;
    let ws_api = ws_api_url(args, live);
    let (sink, handle) =
        gateway::spawn(client, Some(ws_api.clone()), live.instruments.clone(), cfg.route.gateway.clone(), events);
    tracing::info!("orders go to the sandbox at {} (user data stream {ws_api})", live.rest_base);
    let info = RouteInfo { rest_url: live.rest_base.clone(), ws_api_url: Some(ws_api) };
    Ok((Router::Sandbox(SandboxRouter::new(sink)), handle, info))
}

/// Where a sandbox run sent its orders.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub rest_url: String,
    pub ws_api_url: Option<String>,
}

impl RouteInfo {
    pub fn report(self, engine: SandboxStats, gateway: GatewayReport) -> RouteReport {
        RouteReport { mode: "sandbox".into(), rest_url: self.rest_url, ws_api_url: self.ws_api_url, engine, gateway }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_is_binance_com_or_the_binance_venue() {
        assert!(is_production(VenueChoice::Binance, None));
        assert!(!is_production(VenueChoice::BinanceTestnet, None));
        assert!(!is_production(VenueChoice::Sim, None));
        assert!(is_production(VenueChoice::Sim, Some("https://api.binance.com")));
        assert!(is_production(VenueChoice::Sim, Some("https://api1.binance.com:443")));
        assert!(!is_production(VenueChoice::Binance, Some("https://testnet.binance.vision")));
        assert!(!is_production(VenueChoice::Binance, Some("http://127.0.0.1:9443")));
    }

    #[test]
    fn modes_parse() {
        assert_eq!("sandbox".parse(), Ok(RouteMode::Sandbox));
        assert!("live".parse::<RouteMode>().is_err());
    }
}
