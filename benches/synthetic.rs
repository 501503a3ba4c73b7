//! Throughput of the synthetic market: one `next_frame` per iteration, the
//! cost the loopback exchange and `tickdesk bench` pay per message.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tickdesk::sim::{Generator, SyntheticConfig};

fn next_frame(c: &mut Criterion) {
    let mut g = c.benchmark_group("synthetic");
    g.throughput(Throughput::Elements(1));
    let cfg = SyntheticConfig::default();
    let Ok(mut generator) = Generator::new(&cfg, 1_700_000_000_000) else {
        return;
    };
    let mut buf = Vec::with_capacity(256);
    g.bench_function("next_frame", |b| {
        b.iter(|| {
            let meta = generator.next_frame(&mut buf);
            black_box((meta, buf.len()))
        })
    });
    let Ok(mut generator) = Generator::new(&cfg, 1_700_000_000_000) else {
        return;
    };
    g.bench_function("next_event", |b| b.iter(|| black_box(generator.next_event())));
    g.finish();
}

criterion_group!(benches, next_frame);
criterion_main!(benches);
