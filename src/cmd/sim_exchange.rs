//! `tickdesk sim-exchange`: the sim venue as a process. Prints one line with
//! the base URLs (REST, streams, WebSocket API), registers `--api-key` /
//! `--api-secret` or prints the venue's demo pair, serves until Ctrl-C or
//! SIGTERM, then prints its stats.

use super::RunError;
use crate::cli::SimExchangeArgs;
use crate::config::{Config, Speed};
use crate::sim::venue::{DEMO_API_KEY, DEMO_API_SECRET, MarketSource, SimVenue, VenueOptions};
use crate::venue::sign::Credentials;
use std::io::Write;

pub fn run(cfg: &Config, args: &SimExchangeArgs) -> Result<(), RunError> {
    let opts = options(cfg, args)?;
    let key = credentials(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| RunError::Runtime(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let venue = SimVenue::start(opts).await.map_err(RunError::Runtime)?;
        let term = listen_for_signals();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "sim-exchange listening: rest {} ws {} ws-api {}",
            venue.rest_base(),
            venue.ws_base(),
            venue.ws_api_url()
        );
        match &key {
            Some(c) => {
                venue.register_key(c);
                let _ = writeln!(out, "API key registered: {:?}", c.key);
            }
            // The venue's own public demo pair: the only secret ever printed.
            None => {
                let _ = writeln!(out, "demo API key: {DEMO_API_KEY} secret: {DEMO_API_SECRET}");
            }
        }
        let _ = out.flush();
        drop(out);
        wait_for_signal(term).await;
        let stats = venue.stats();
        venue.shutdown().await;
        let json = serde_json::to_string_pretty(&stats).map_err(|e| RunError::Runtime(e.to_string()))?;
        println!("{json}");
        Ok(())
    })
}

/// `--api-key` and `--api-secret`: both or neither.
pub fn credentials(args: &SimExchangeArgs) -> Result<Option<Credentials>, RunError> {
    match (args.api_key.as_deref(), args.api_secret.as_deref()) {
        (None, None) => Ok(None),
        (Some(k), Some(s)) if !k.trim().is_empty() && !s.trim().is_empty() => {
            Ok(Some(Credentials::new(k.trim(), s.trim())))
        }
        (Some(_), Some(_)) => Err(RunError::Config("--api-key and --api-secret must not be empty".into())),
        _ => Err(RunError::Config("--api-key and --api-secret go together: give both or neither".into())),
    }
}

/// The venue's options from the config and the flags (flags win).
pub fn options(cfg: &Config, args: &SimExchangeArgs) -> Result<VenueOptions, RunError> {
    let mut config = cfg.sim_venue.clone();
    args.faults.apply(&mut config.faults);
    config.validate().map_err(RunError::Config)?;
    let market = match &args.input {
        Some(path) => {
            if args.seed.is_some() || args.rate.is_some() {
                return Err(RunError::Config("--seed and --rate apply to the synthetic market, not to --input".into()));
            }
            let speed: Speed = args
                .speed
                .as_deref()
                .unwrap_or("realtime")
                .parse()
                .map_err(|e| RunError::Config(format!("--speed: {e}")))?;
            MarketSource::Recorded { path: path.clone(), speed }
        }
        None => {
            if args.speed.is_some() {
                return Err(RunError::Config("--speed applies to --input; use --rate for the synthetic market".into()));
            }
            let mut sc = cfg.synthetic.clone();
            if let Some(seed) = args.seed {
                sc.seed = seed;
            }
            if let Some(rate) = args.rate {
                sc.rate = rate;
            }
            sc.validate().map_err(|e| RunError::Config(format!("synthetic.{e}")))?;
            MarketSource::Synthetic(sc)
        }
    };
    Ok(VenueOptions { listen: args.listen, market, config })
}

/// SIGTERM is listened for from here on (registered at once), so a caller
/// that reads the start-up lines and then signals cannot beat the handler.
#[cfg(unix)]
fn listen_for_signals() -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
}

#[cfg(not(unix))]
fn listen_for_signals() -> Option<()> {
    None
}

/// Until Ctrl-C or SIGTERM.
#[cfg(unix)]
async fn wait_for_signal(term: Option<tokio::signal::unix::Signal>) {
    match term {
        Some(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal(_: Option<()>) {
    let _ = tokio::signal::ctrl_c().await;
}
