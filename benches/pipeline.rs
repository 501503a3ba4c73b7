//! The whole pipeline per event: decode a Binance frame, six timeframes,
//! indicators and strategies, risk, paper fills, portfolio — the work of
//! the feed thread and the engine thread for one frame.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tickdesk::config::Config;
use tickdesk::domain::Instruments;
use tickdesk::engine::{Event, EventKind, Stamp, build_engine};
use tickdesk::feed::binance::{BinanceDecoder, Decoded};
use tickdesk::sim::Generator;
use tickdesk::telemetry::mono_ns;

const EVENTS: usize = 100_000;

fn frames(cfg: &Config) -> (Instruments, Vec<Vec<u8>>) {
    let mut g = Generator::new(&cfg.synthetic, 1_700_000_000_000).expect("default synthetic config");
    let instruments = Instruments::fixed(g.instruments());
    let mut out = Vec::with_capacity(EVENTS);
    let mut buf = Vec::new();
    for _ in 0..EVENTS {
        g.next_frame(&mut buf);
        out.push(buf.clone());
    }
    (instruments, out)
}

fn pipeline(c: &mut Criterion) {
    let cfg = Config::default();
    let (instruments, frames) = frames(&cfg);
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(20);
    group.bench_function("decode_and_process_100k_frames", |b| {
        b.iter_batched(
            || (build_engine(&cfg, instruments.clone()).expect("engine"), BinanceDecoder::new(instruments.clone())),
            |(mut engine, mut decoder)| {
                for (i, f) in frames.iter().enumerate() {
                    let recv = mono_ns();
                    if let Ok(Decoded::Market(m)) = decoder.decode(f) {
                        let stamp = Stamp { recv_mono_ns: recv, recv_wall_ns: 0, decoded_mono_ns: mono_ns() };
                        engine.process(&Event { seq: i as u64 + 1, stamp, kind: EventKind::Market(m) });
                    }
                }
                engine
            },
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
