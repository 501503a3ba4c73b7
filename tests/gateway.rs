//! The sandbox gateway against the sim venue on loopback, without the
//! engine: requests in, `VenueUpdate` events out. Each fill arrives once
//! although the FULL answer and the user data stream both carry it; a
//! filter breach never reaches the venue; a cancel the venue refuses is
//! followed by the order's real end, learned from a query, not assumed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a panic is a failed test

use std::collections::HashSet;
use std::time::Duration;
use tickdesk::domain::{
    ClientOrderId, Instrument, InstrumentId, Instruments, Order, OrderId, OrderIntent, Price, Qty, Side, StrategyId,
};
use tickdesk::engine::{Event, EventKind};
use tickdesk::feed::rest::{RestClient, RestConfig};
use tickdesk::route::{RequestSink, VenueRequest, VenueUpdate};
use tickdesk::sim::venue::{MarketSource, SimVenue, SimVenueConfig, VenueOptions};
use tickdesk::sim::{SymbolSpec, SyntheticConfig};
use tickdesk::venue::gateway::{self, GatewayConfig, GatewayHandle};
use tickdesk::venue::{TradingClient, TradingConfig};
use tokio::sync::mpsc;
use tokio::time::Instant;

const DEADLINE: Duration = Duration::from_secs(15);

struct Setup {
    venue: SimVenue,
    inst: Instrument,
    last: Price,
    sink: Box<dyn RequestSink>,
    handle: GatewayHandle,
    events: mpsc::Receiver<Vec<Event>>,
    client: TradingClient,
}

async fn setup(stream: bool) -> Setup {
    let market = SyntheticConfig {
        rate: 1_000.0,
        symbols: vec![SymbolSpec::new("BTCUSDT", "0.05", "0.005", "60000")],
        ..SyntheticConfig::default()
    };
    let opts = VenueOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        market: MarketSource::Synthetic(market),
        config: SimVenueConfig { kline_history: 30, ..SimVenueConfig::default() },
    };
    let venue = SimVenue::start(opts).await.unwrap();
    let rest = RestClient::new(&venue.rest_base(), &RestConfig::default()).unwrap();
    let inst = rest.exchange_info(&[]).await.unwrap().into_iter().next().unwrap();
    let until = Instant::now() + DEADLINE;
    let last = loop {
        if let Some(t) = rest.trades(&inst, InstrumentId(0), 1).await.unwrap().last() {
            break t.price;
        }
        assert!(Instant::now() < until, "no trade");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let client =
        TradingClient::new(&venue.rest_base(), SimVenue::demo_credentials(), &TradingConfig::default()).unwrap();
    let (tx, events) = mpsc::channel(1024);
    let instruments = Instruments::fixed(vec![inst.clone()]);
    // Without the stream, polling is slowed so that only what is asked is learned.
    let cfg = GatewayConfig { poll_ms: if stream { 1000 } else { 60_000 }, ..GatewayConfig::default() };
    let ws_api = stream.then(|| venue.ws_api_url());
    let (sink, handle) = gateway::spawn(client.clone(), ws_api, instruments, cfg, tx);
    Setup { venue, inst, last, sink, handle, events, client }
}

fn submit(s: &mut Setup, id: u64, intent: OrderIntent) -> ClientOrderId {
    let cid = ClientOrderId::new("gwtest", OrderId(id));
    assert!(
        s.sink.try_send(VenueRequest::Submit { order: Order::new(OrderId(id), intent, 0), client_id: cid.clone() })
    );
    cid
}

/// Updates until `done` says enough, or the deadline.
async fn collect(s: &mut Setup, mut done: impl FnMut(&[VenueUpdate]) -> bool) -> Vec<VenueUpdate> {
    let until = Instant::now() + DEADLINE;
    let mut got = Vec::new();
    while !done(&got) {
        let batch = tokio::time::timeout_at(until, s.events.recv()).await.expect("updates in time").unwrap();
        for e in batch {
            if let EventKind::Venue(u) = e.kind {
                got.push(*u);
            }
        }
    }
    got
}

fn qty(s: &Setup, steps: i64) -> Qty {
    Qty(s.inst.step_size.0 * steps)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_order_fills_once_although_answer_and_stream_both_tell() {
    let mut s = setup(true).await;
    // Wait for the stream, so fills come both ways.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let q = qty(&s, 20);
    let intent = OrderIntent::market(InstrumentId(0), Side::Buy, q, StrategyId(0));
    submit(&mut s, 1, intent);
    let total = qty(&s, 20).0;
    // All of it fills, or what the generated top could not give expires.
    let got = collect(&mut s, |u| {
        u.iter().any(|x| matches!(x, VenueUpdate::Expired { .. } | VenueUpdate::Rejected { .. }))
            || u.iter()
                .filter_map(|x| if let VenueUpdate::Fill { qty, .. } = x { Some(qty.0) } else { None })
                .sum::<i64>()
                >= total
    })
    .await;
    assert!(got.iter().any(|x| matches!(x, VenueUpdate::Fill { .. })), "{got:?}");
    assert!(matches!(got[0], VenueUpdate::Accepted { rtt: Some(_), .. }), "acknowledged first: {got:?}");
    let trades: Vec<i64> = got
        .iter()
        .filter_map(|u| if let VenueUpdate::Fill { trade_id, .. } = u { Some(*trade_id) } else { None })
        .collect();
    let unique: HashSet<i64> = trades.iter().copied().collect();
    assert_eq!(trades.len(), unique.len(), "a fill twice: {got:?}");
    let report = s.handle.finish().await;
    assert_eq!(report.fills as usize, trades.len());
    assert!(report.stream_subscriptions >= 1, "{report:?}");
    s.venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_breach_is_refused_before_it_reaches_the_venue() {
    let mut s = setup(true).await;
    // Half a step: LOT_SIZE.
    let (half_step, last) = (Qty(s.inst.step_size.0 / 2 + 1), s.last);
    let bad = OrderIntent::limit(InstrumentId(0), Side::Buy, half_step, last, StrategyId(0));
    submit(&mut s, 1, bad);
    let got = collect(&mut s, |u| !u.is_empty()).await;
    assert!(
        matches!(&got[0], VenueUpdate::Rejected { code: -1013, msg, .. } if msg == "Filter failure: LOT_SIZE"),
        "{got:?}"
    );
    assert!(s.client.open_orders(&s.inst).await.unwrap().is_empty());
    assert_eq!(s.client.stats().orders_sent, 0, "nothing was sent");
    let report = s.handle.finish().await;
    assert_eq!((report.rejected_locally, report.submitted), (1, 0));
    s.venue.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_cancel_is_followed_by_the_orders_real_end() {
    // No user data stream: the gateway learns of the outside cancel only by asking.
    let mut s = setup(false).await;
    // Let the start-up reconciliation finish first: it would learn the outside cancel by itself.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tick = s.inst.tick_size.0;
    let far = Price(s.last.0 / 2 / tick * tick);
    let q = qty(&s, 20);
    let cid = submit(&mut s, 1, OrderIntent::limit(InstrumentId(0), Side::Buy, q, far, StrategyId(0)));
    collect(&mut s, |u| u.iter().any(|x| matches!(x, VenueUpdate::Accepted { .. }))).await;
    // Someone else cancels it at the venue; our cancel then finds nothing.
    s.client.cancel(&s.inst, None, Some(&cid.0)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(s.sink.try_send(VenueRequest::Cancel { id: OrderId(1), instrument: InstrumentId(0), client_id: cid }));
    let got = collect(&mut s, |u| u.iter().any(|x| matches!(x, VenueUpdate::Canceled { .. }))).await;
    assert!(
        matches!(&got[0], VenueUpdate::CancelRejected { code: -2011, msg, .. } if msg == "Unknown order sent."),
        "the venue's refusal, with its code and message: {got:?}"
    );
    let canceled = got.iter().filter(|x| matches!(x, VenueUpdate::Canceled { .. })).count();
    assert_eq!(canceled, 1, "then the real end, learned by a query: {got:?}");
    let report = s.handle.finish().await;
    assert_eq!(report.canceled, 1, "{report:?}");
    s.venue.shutdown().await;
}
