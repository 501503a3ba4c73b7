//! An order that breaks a symbol filter is refused by the gateway before it
//! is sent with exactly the code and message the venue gives: the gateway's
//! local check against the sim venue's matching core, over a grid of prices
//! and quantities around every filter's edge.

#![allow(clippy::unwrap_used)]

use tickdesk::domain::{
    FilterStrings, Instrument, InstrumentId, OrderIntent, OrderKind, Price, Qty, Side, StrategyId, TimeInForce, Venue,
};
use tickdesk::sim::exchange::{Exchange, ExchangeConfig, PlaceRequest};
use tickdesk::venue::gateway::filters;

fn eth() -> Instrument {
    let f = FilterStrings {
        symbol: "ETHUSDT",
        base: "ETH",
        quote: "USDT",
        tick_size: "0.05",
        step_size: "0.001",
        min_qty: "0.002",
        min_notional: "1",
    };
    Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
}

#[test]
fn local_filter_refusals_match_the_venue() {
    let inst = eth();
    let mut ex = Exchange::new(&ExchangeConfig::default(), std::slice::from_ref(&inst)).unwrap();
    let acct = ex.open_account("parity");
    let tick = inst.tick_size.0;
    let step = inst.step_size.0;
    let (mut refused, mut passed) = (0, 0);
    for price in [tick, 2 * tick - 1, 2 * tick + 1, 40 * tick, 1000 * tick, 1000 * tick + 3] {
        for qty in [inst.min_qty.0 - step, inst.min_qty.0, inst.min_qty.0 + 1, 10 * step, 3000 * step, 3000 * step + 7]
        {
            let intent = OrderIntent {
                tif: TimeInForce::Gtc,
                ..OrderIntent::limit(InstrumentId(0), Side::Buy, Qty(qty), Price(price), StrategyId(0))
            };
            let local = filters::check(&intent, &inst, None);
            let req = PlaceRequest {
                symbol: "ETHUSDT",
                side: Side::Buy,
                kind: OrderKind::Limit,
                tif: Some(TimeInForce::Gtc),
                qty: Qty(qty),
                price: Some(Price(price)),
                stop_price: None,
                client_order_id: None,
            };
            let venue = ex.validate(acct, &req).map_err(|r| (r.code, r.msg));
            match local {
                Err(l) => {
                    refused += 1;
                    assert_eq!(Err(l), venue, "price {price} qty {qty}");
                }
                Ok(()) => {
                    passed += 1;
                    // What passes locally may still fail at the venue for other reasons (balance), never a filter.
                    if let Err((code, msg)) = venue {
                        assert_ne!(
                            code, -1013,
                            "price {price} qty {qty}: the venue refused a filter the gateway passed: {msg}"
                        );
                    }
                }
            }
        }
    }
    assert!(refused > 5 && passed > 3, "the grid covers both sides: {refused} refused, {passed} passed");
}
