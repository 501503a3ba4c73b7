//! `tickdesk bench --mode orders`: signed order round trips over loopback
//! against the sim venue in this process — a LIMIT placed away from the
//! market (FULL answer, `NEW`) and then canceled, `--events` times — with
//! the submit → ack and cancel round-trip percentiles as JSON.
//!
//! The venue's and the client's order-rate limits are lifted for the run
//! (Binance allows 50 orders per 10 s), so what is measured is the path:
//! signing, HTTP over loopback, the venue's checks and matching, parsing.

use super::RunError;
use super::bench::{Environment, environment};
use crate::cli::BenchArgs;
use crate::config::Config;
use crate::domain::{InstrumentId, Notional, OrderKind, Price, Qty, Side, TimeInForce};
use crate::feed::rest::RestClient;
use crate::sim::venue::{MarketSource, SimVenue, VenueOptions};
use crate::telemetry::{LatencyHistograms, LatencyStats, Stage, mono_ns};
use crate::venue::{NewOrder, TradingClient};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct OrdersReport {
    pub bench: &'static str,
    pub symbol: String,
    pub orders: usize,
    /// Order sent → FULL answer read (the venue acknowledged it).
    pub submit_to_ack_ns: LatencyStats,
    /// Cancel sent → answer read.
    pub cancel_round_trip_ns: LatencyStats,
    pub errors: u64,
    pub environment: Environment,
}

pub fn run(cfg: &Config, args: &BenchArgs) -> Result<OrdersReport, RunError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| RunError::Runtime(format!("cannot start the runtime: {e}")))?;
    rt.block_on(measure(cfg, args.events.clamp(10, 1_000_000)))
}

async fn measure(cfg: &Config, orders: usize) -> Result<OrdersReport, RunError> {
    let rt_err = |what: &str, e: String| RunError::Runtime(format!("{what}: {e}"));
    let mut venue_cfg = cfg.sim_venue.clone();
    venue_cfg.kline_history = 10;
    venue_cfg.order_limit_10s = u32::MAX;
    venue_cfg.order_limit_1d = u32::MAX;
    venue_cfg.weight_limit_1m = u32::MAX;
    let opts = VenueOptions {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        market: MarketSource::Synthetic(cfg.synthetic.clone()),
        config: venue_cfg,
    };
    let venue = SimVenue::start(opts).await.map_err(|e| rt_err("sim venue", e))?;
    let rest = RestClient::new(&venue.rest_base(), &cfg.feed.rest).map_err(|e| rt_err("REST client", e.to_string()))?;
    let inst = rest
        .exchange_info(&[])
        .await
        .map_err(|e| rt_err("exchangeInfo", e.to_string()))?
        .into_iter()
        .next()
        .ok_or_else(|| rt_err("exchangeInfo", "no symbol".into()))?;
    // The venue serves live trades only: wait for the first print.
    let mut last = None;
    for _ in 0..100 {
        last = rest.trades(&inst, InstrumentId(0), 1).await.ok().and_then(|t| t.last().map(|t| t.price));
        if last.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let last = last.ok_or_else(|| rt_err("trades", "no trade within 5 s".into()))?;
    // Half the market, on the tick: rests without filling.
    let tick = inst.tick_size.0.max(1);
    let price = Price((last.0 / 2) / tick * tick);
    let mut qty = Qty(inst.step_size.0.max(inst.min_qty.0).max(1));
    while inst.notional(price, qty) < Notional(inst.min_notional.0.saturating_mul(2)) {
        qty = Qty(qty.0 * 2);
    }
    let mut trading = cfg.route.trading.clone();
    trading.order_limit_10s = u32::MAX;
    trading.order_limit_1d = u32::MAX;
    trading.weight_limit_per_min = u32::MAX;
    let client = TradingClient::new(&venue.rest_base(), SimVenue::demo_credentials(), &trading)
        .map_err(|e| rt_err("trading client", e.to_string()))?;
    client.sync_time().await.map_err(|e| rt_err("time", e.to_string()))?;
    let mut hist = LatencyHistograms::new();
    let mut errors = 0u64;
    for i in 0..orders {
        let order = NewOrder {
            symbol: inst.symbol.clone(),
            side: Side::Buy,
            kind: OrderKind::Limit,
            tif: TimeInForce::Gtc,
            qty,
            price: Some(price),
            stop_price: None,
            client_order_id: format!("bench-{i}"),
        };
        let t0 = mono_ns();
        let placed = client.new_order(&order, &inst).await;
        let t1 = mono_ns();
        let Ok(view) = placed else {
            errors += 1;
            continue;
        };
        hist.record_span(Stage::SubmitToAck, t0, t1);
        let t2 = mono_ns();
        let canceled = client.cancel(&inst, Some(view.order_id), None).await;
        let t3 = mono_ns();
        match canceled {
            Ok(_) => hist.record_span(Stage::CancelRoundTrip, t2, t3),
            Err(_) => errors += 1,
        }
    }
    venue.shutdown().await;
    Ok(OrdersReport {
        bench: "orders",
        symbol: inst.symbol,
        orders,
        submit_to_ack_ns: hist.stats(Stage::SubmitToAck),
        cancel_round_trip_ns: hist.stats(Stage::CancelRoundTrip),
        errors,
        environment: environment(),
    })
}
