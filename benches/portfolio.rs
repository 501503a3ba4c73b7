//! Portfolio: a fill plus a mark, and a mark while 50 instruments are held
//! (O(1): totals move by deltas, no loop over positions).
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tickdesk::domain::{
    Fill, Instrument, InstrumentId, Liquidity, Notional, OrderId, Price, Qty, Side, StrategyId, Venue,
};
use tickdesk::portfolio::{Portfolio, PortfolioConfig};

fn inst() -> Instrument {
    Instrument { price_scale: 2, qty_scale: 5, ..Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT") }
}

fn fill(id: InstrumentId, side: Side, price: i64) -> Fill {
    Fill {
        order_id: OrderId(1),
        instrument: id,
        side,
        price: Price(price),
        qty: Qty(1_000),
        fee: Notional(60_000_000_000_000_000),
        liquidity: Liquidity::Taker,
        time_ms: 0,
        strategy: StrategyId(0),
    }
}

fn portfolio(c: &mut Criterion) {
    let inst = inst();
    let mut p = Portfolio::new(&PortfolioConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let buy = fill(InstrumentId(0), Side::Buy, 6_000_000);
    let sell = fill(InstrumentId(0), Side::Sell, 6_000_100);
    let mut flip = false;
    let mut price = 6_000_000;
    c.bench_function("portfolio_fill_and_mark", |b| {
        b.iter(|| {
            // Alternating buys and sells keep one lot open: a realize on every other fill.
            flip = !flip;
            p.apply_fill(black_box(if flip { &buy } else { &sell }), &inst);
            price += if flip { 1 } else { -1 };
            p.mark(InstrumentId(0), black_box(Price(price)), &inst);
            black_box(p.equity())
        })
    });

    let mut wide = Portfolio::new(&PortfolioConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..50 {
        wide.apply_fill(&fill(InstrumentId(i), Side::Buy, 6_000_000), &inst);
    }
    c.bench_function("portfolio_mark_with_50_positions", |b| {
        b.iter(|| {
            price += 1;
            wide.mark(InstrumentId(17), black_box(Price(price)), &inst);
            black_box(wide.equity())
        })
    });
}

criterion_group!(benches, portfolio);
criterion_main!(benches);
