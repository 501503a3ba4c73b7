//! A full pre-trade check on the accept path (every check enabled and run),
//! and a rejection (which formats its detail).
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tickdesk::domain::{
    Instrument, InstrumentId, Instruments, Notional, OrderIntent, Price, Qty, Side, StrategyId, Venue,
};
use tickdesk::risk::{RiskConfig, RiskContext, RiskEngine, SymbolLimits};

fn btc() -> Instrument {
    Instrument {
        price_scale: 2,
        qty_scale: 5,
        tick_size: Price(1),
        step_size: Qty(1),
        min_qty: Qty(1),
        min_notional: Notional::parse("5").unwrap_or_default(),
        ..Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT")
    }
}

fn risk(c: &mut Criterion) {
    let inst = btc();
    let mut cfg = RiskConfig { max_orders_per_sec: 100_000, ..RiskConfig::default() };
    cfg.symbols
        .insert("BTCUSDT".into(), SymbolLimits { max_order_qty: Some("1".into()), max_position_qty: Some("2".into()) });
    let mut engine = RiskEngine::new(&cfg, &Instruments::fixed(vec![inst.clone()])).unwrap_or_else(|e| panic!("{e}"));
    let intent = OrderIntent::limit(InstrumentId(0), Side::Buy, Qty(1_000), Price(6_000_000), StrategyId(0));
    let mut ctx = RiskContext {
        instrument: &inst,
        last_price: Some(Price(6_000_000)),
        mid: Some(Price(6_000_050)),
        position_qty: Qty(10_000),
        open_orders: 3,
        gross_exposure: Notional::parse("1200").unwrap_or_default(),
        last_market_data_ms: Some(0),
        now_ms: 0,
    };
    c.bench_function("risk_check_accept", |b| {
        b.iter(|| {
            // 1 ms of event time per order: the rate window never fills.
            ctx.now_ms += 1;
            ctx.last_market_data_ms = Some(ctx.now_ms);
            black_box(engine.check(black_box(&intent), black_box(&ctx)).is_ok())
        })
    });
    let fat = OrderIntent { limit_price: Some(Price(9_000_000)), ..intent };
    c.bench_function("risk_check_reject_price_band", |b| {
        b.iter(|| black_box(engine.check(black_box(&fat), black_box(&ctx)).is_err()))
    });
}

criterion_group!(benches, risk);
criterion_main!(benches);
