//! Cost of one update of each indicator, over a 10k-step random-walk price
//! series at BTC scale (throughput is per update).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use tickdesk::domain::{Price, Qty};
use tickdesk::indicators::{Atr, Bollinger, Ema, Hlc, Indicator, Macd, Rsi, Sma, Vwap};

const N: usize = 10_000;

fn series() -> Vec<(i64, i64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut p = 6_183_763_000_000i64;
    (0..N)
        .map(|_| {
            p += rng.random_range(-50_000_000..=50_000_000);
            (p, rng.random_range(1..100_000_000))
        })
        .collect()
}

/// Runs `ind` over the whole series per iteration, fresh each time.
fn run<I: Indicator + Clone>(c: &mut Criterion, name: &str, ind: I, input: impl Fn(&(i64, i64)) -> I::Input) {
    let xs = series();
    let mut g = c.benchmark_group("indicators");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function(name, |b| {
        b.iter(|| {
            let mut ind = ind.clone();
            for x in &xs {
                black_box(ind.update(input(black_box(x))));
            }
        });
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let price = |x: &(i64, i64)| x.0;
    run(c, "sma20", Sma::new(20).expect("period"), price);
    run(c, "ema20", Ema::new(20).expect("period"), price);
    run(c, "rsi14", Rsi::new(14).expect("period"), price);
    run(c, "macd12_26_9", Macd::new(12, 26, 9).expect("periods"), price);
    run(c, "bollinger20_2", Bollinger::new(20, 2.0).expect("params"), price);
    run(c, "vwap", Vwap::new(), |x| (Price(x.0), Qty(x.1)));
    let hlc = |x: &(i64, i64)| Hlc { high: x.0 + x.1, low: x.0 - x.1, close: x.0 };
    run(c, "atr14", Atr::new(14).expect("period"), hlc);
}

criterion_group!(benches, bench);
criterion_main!(benches);
