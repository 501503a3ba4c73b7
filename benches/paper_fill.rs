//! Paper fills: a trade printing through a resting order, a trade that
//! reaches none of 100 resting orders (the O(1) early exit), and a market order.
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tickdesk::domain::{
    BookTicker, Instrument, InstrumentId, Instruments, Order, OrderId, OrderIntent, Price, Qty, Side, StrategyId,
    Trade, Venue,
};
use tickdesk::route::{PaperConfig, PaperRouter, Report};

const ID: InstrumentId = InstrumentId(0);

fn inst() -> Instrument {
    Instrument { price_scale: 2, qty_scale: 5, ..Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT") }
}

fn book() -> BookTicker {
    BookTicker {
        instrument: ID,
        update_id: 1,
        bid: Price(6_000_000),
        bid_qty: Qty(100_000),
        ask: Price(6_000_010),
        ask_qty: Qty(100_000),
        event_time_ms: 0,
        transaction_time_ms: 0,
    }
}

fn trade(price: i64) -> Trade {
    Trade {
        instrument: ID,
        trade_id: 1,
        price: Price(price),
        qty: Qty(50_000),
        time_ms: 1,
        event_time_ms: 1,
        buyer_is_maker: true,
        aggregated: false,
        first_trade_id: 1,
        last_trade_id: 1,
    }
}

/// A router with a book and `n` resting bids from 59_999.00 down.
fn router_with_bids(n: u64, table: &Instruments) -> PaperRouter {
    let cfg = PaperConfig { latency_ms: 0, ..PaperConfig::default() };
    let mut r = PaperRouter::new(&cfg).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    r.on_book(&book(), table, 0, &mut out);
    for i in 0..n {
        let price = Price(5_999_900 - i as i64 * 10);
        let intent = OrderIntent::limit(ID, Side::Buy, Qty(10_000), price, StrategyId(0));
        r.submit(&Order::new(OrderId(i + 1), intent, 0), &inst(), 0, &mut out);
    }
    r
}

fn paper_fill(c: &mut Criterion) {
    let table = Instruments::fixed(vec![inst()]);
    let one = router_with_bids(1, &table);
    c.bench_function("paper_trade_fills_resting_order", |b| {
        b.iter_batched_ref(
            || (one.clone(), Vec::<Report>::with_capacity(8)),
            |(r, out)| {
                r.on_trade(black_box(&trade(5_999_800)), &table, 1, out);
                black_box(out.len())
            },
            BatchSize::SmallInput,
        )
    });

    let mut many = router_with_bids(100, &table);
    let mut out = Vec::with_capacity(8);
    c.bench_function("paper_trade_crosses_none_of_100", |b| {
        b.iter(|| {
            many.on_trade(black_box(&trade(6_000_005)), &table, 1, &mut out);
            black_box(out.len())
        })
    });

    let mut r = router_with_bids(0, &table);
    let order = Order::new(OrderId(1), OrderIntent::market(ID, Side::Buy, Qty(1_000), StrategyId(0)), 0);
    let instrument = inst();
    c.bench_function("paper_market_order_fill", |b| {
        b.iter(|| {
            out.clear();
            // Filled at once, so the id is free again for the next iteration.
            r.submit(black_box(&order), &instrument, 1, &mut out);
            black_box(out.len())
        })
    });
}

criterion_group!(benches, paper_fill);
criterion_main!(benches);
