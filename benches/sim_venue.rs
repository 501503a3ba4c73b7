//! Loopback throughput of the sim venue: the hub at a given `--rate` and one
//! WebSocket client (tokio-tungstenite) on the combined trade + bookTicker
//! streams of every symbol, counting the frames it receives per second.
//!
//! A plain timed bench (no criterion: the unit is a sustained rate, not a
//! call). `cargo bench --bench sim_venue`; env `SIM_VENUE_BENCH_RATES`
//! (comma-separated messages/s, `max` = as fast as the hub goes),
//! `SIM_VENUE_BENCH_SECS` (measured seconds per run), `SIM_VENUE_BENCH_RUNS`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench: a panic is a failed run

use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tickdesk::sim::SyntheticConfig;
use tickdesk::sim::venue::{MarketSource, SimVenue, SimVenueConfig, VenueOptions};
use tokio_tungstenite::tungstenite::Message;

const WARM_UP: Duration = Duration::from_secs(1);

struct Run {
    delivered_per_s: f64,
    mb_per_s: f64,
    generated_per_s: f64,
    dropped: u64,
    lagged: u64,
}

async fn run(rate: f64, secs: f64) -> Run {
    // Regimes off: the configured rate is the rate of every stretch.
    let sc = SyntheticConfig { rate, regime_mean_s: 0.0, ..SyntheticConfig::default() };
    let config = SimVenueConfig { kline_history: 10, ..SimVenueConfig::default() };
    let opts = VenueOptions { listen: "127.0.0.1:0".parse().unwrap(), market: MarketSource::Synthetic(sc), config };
    let venue = SimVenue::start(opts).await.unwrap();
    let streams: Vec<String> = ["btcusdt", "ethusdt", "solusdt", "dogeusdt"]
        .iter()
        .flat_map(|s| [format!("{s}@trade"), format!("{s}@bookTicker")])
        .collect();
    let url = format!("{}/stream?streams={}", venue.ws_base(), streams.join("/"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let t0 = Instant::now();
    let mut start: Option<(Instant, u64, u64, u64)> = None;
    let (mut frames, mut bytes) = (0u64, 0u64);
    let measure = Duration::from_secs_f64(secs);
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(t) = msg {
            frames += 1;
            bytes += t.len() as u64;
        }
        if frames % 1024 != 0 {
            continue;
        }
        match start {
            None if t0.elapsed() >= WARM_UP => {
                start = Some((Instant::now(), frames, bytes, venue.stats().messages_generated));
            }
            Some((s, _, _, _)) if s.elapsed() >= measure => break,
            _ => {}
        }
    }
    let (s, f0, b0, g0) = start.expect("the client received frames");
    let el = s.elapsed().as_secs_f64();
    let stats = venue.stats();
    let run = Run {
        delivered_per_s: (frames - f0) as f64 / el,
        mb_per_s: (bytes - b0) as f64 / el / 1e6,
        generated_per_s: (stats.messages_generated - g0) as f64 / el,
        dropped: stats.slow_client_drops,
        lagged: stats.lagged_messages,
    };
    drop(ws);
    venue.shutdown().await;
    run
}

/// The hub alone, with nobody connected: messages generated per second.
async fn hub_only(secs: f64) -> f64 {
    let sc = SyntheticConfig { rate: 10_000_000.0, regime_mean_s: 0.0, ..SyntheticConfig::default() };
    let config = SimVenueConfig { kline_history: 10, ..SimVenueConfig::default() };
    let opts = VenueOptions { listen: "127.0.0.1:0".parse().unwrap(), market: MarketSource::Synthetic(sc), config };
    let venue = SimVenue::start(opts).await.unwrap();
    tokio::time::sleep(WARM_UP).await;
    let (t, g0) = (Instant::now(), venue.stats().messages_generated);
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let rate = (venue.stats().messages_generated - g0) as f64 / t.elapsed().as_secs_f64();
    venue.shutdown().await;
    rate
}

fn main() {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let secs: f64 = env("SIM_VENUE_BENCH_SECS", "4").parse().expect("SIM_VENUE_BENCH_SECS");
    let runs: usize = env("SIM_VENUE_BENCH_RUNS", "3").parse().expect("SIM_VENUE_BENCH_RUNS");
    let rates = env("SIM_VENUE_BENCH_RATES", "200000,300000,max");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!("sim_venue hub alone (no client): {:.0} msgs/s generated", rt.block_on(hub_only(secs)));
    for r in rates.split(',') {
        let rate = if r == "max" { 10_000_000.0 } else { r.parse().expect("a rate") };
        let mut all: Vec<Run> = (0..runs).map(|_| rt.block_on(run(rate, secs))).collect();
        all.sort_by(|a, b| a.delivered_per_s.total_cmp(&b.delivered_per_s));
        let m = &all[all.len() / 2];
        let spread: Vec<String> = all.iter().map(|x| format!("{:.0}", x.delivered_per_s)).collect();
        println!(
            "sim_venue rate={r}: delivered {:.0} msgs/s median of {runs} ({}), {:.1} MB/s, generated {:.0}/s, dropped {}, lagged {}",
            m.delivered_per_s,
            spread.join(" / "),
            m.mb_per_s,
            m.generated_per_s,
            m.dropped,
            m.lagged
        );
    }
}
