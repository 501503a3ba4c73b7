//! Per-trade cost of candle aggregation over a realistic trade stream.
//!
//! The stream: 200k trades over four symbols (half of them on the first),
//! about 250 trades a second with bursts, a random-walk price, and 1 % of the
//! trades arriving up to 30 ms late. Throughput is per trade; divide by the
//! number of timeframes for the per-timeframe figure.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use tickdesk::aggregate::{Aggregator, AggregatorConfig};
use tickdesk::domain::{Instrument, InstrumentId, Price, Qty, Timeframe, Trade, Venue};

const TRADES: usize = 200_000;

fn stream() -> Vec<Trade> {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut time = 1_704_067_200_000i64;
    let mut prices = [6_183_763i64, 312_455, 58_812, 9_931];
    (0..TRADES)
        .map(|n| {
            // Bursts of same-millisecond prints, otherwise gaps of up to 8 ms.
            if rng.random_bool(0.6) {
                time += rng.random_range(1..8);
            }
            let sym = if rng.random_bool(0.5) { 0 } else { rng.random_range(1..4) };
            let p = &mut prices[sym];
            *p = (*p + rng.random_range(-3..=3)).max(1);
            let late = if rng.random_bool(0.01) { rng.random_range(1..30) } else { 0 };
            Trade {
                instrument: InstrumentId(sym as u32),
                trade_id: n as u64,
                price: Price(*p),
                qty: Qty(rng.random_range(1..5_000_000)),
                time_ms: time - late,
                event_time_ms: time,
                buyer_is_maker: rng.random_bool(0.5),
                aggregated: false,
                first_trade_id: 0,
                last_trade_id: 0,
            }
        })
        .collect()
}

fn instruments() -> Vec<Instrument> {
    ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"]
        .iter()
        .map(|s| {
            let mut i = Instrument::with_defaults(Venue::BinanceSpot, s);
            i.price_scale = 2;
            i.qty_scale = 8;
            i
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let trades = stream();
    let insts = instruments();
    let mut g = c.benchmark_group("aggregate");
    g.throughput(Throughput::Elements(TRADES as u64));
    let cases = [
        ("1tf", vec![Timeframe::M1], 0),
        ("6tf", Timeframe::DEFAULTS.to_vec(), 0),
        ("6tf_reorder_50ms", Timeframe::DEFAULTS.to_vec(), 50),
    ];
    for (name, timeframes, reorder_window_ms) in cases {
        let cfg = AggregatorConfig { timeframes, reorder_window_ms, history: 500 };
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || (Aggregator::new(&cfg).expect("valid config"), Vec::with_capacity(64)),
                |(agg, closed)| {
                    for t in &trades {
                        closed.clear();
                        black_box(agg.on_trade(t, &insts[t.instrument.index()], closed));
                    }
                },
                BatchSize::LargeInput,
            );
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
