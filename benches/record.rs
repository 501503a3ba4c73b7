//! What the recording thread spends per frame: packing a block of recorded
//! synthetic frames (format version 3, and version 2's packing beside it),
//! and compressing it, beside the same records stored whole (format
//! version 1) and compressed.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tickdesk::record::pack::{NibblePacker, RunPacker};
use tickdesk::record::{Kind, RecordRef, WriterConfig, format};
use tickdesk::sim::{Generator, SyntheticConfig};

/// Records per block: about what the writer's 256 KiB of packed bytes hold.
const BLOCK: usize = 8_000;

fn frames() -> Vec<Vec<u8>> {
    let Ok(mut generator) = Generator::new(&SyntheticConfig::default(), 1_700_000_000_000) else {
        return Vec::new();
    };
    let mut buf = Vec::with_capacity(256);
    (0..BLOCK)
        .map(|_| {
            generator.next_frame(&mut buf);
            buf.clone()
        })
        .collect()
}

fn record(i: usize, payload: &[u8]) -> RecordRef<'_> {
    RecordRef {
        kind: Kind::Frame,
        stamp_ns: 1_700_000_000_000_000_000 + i as u64 * 430,
        seq: i as u64,
        conn: 1,
        payload,
    }
}

fn block(c: &mut Criterion) {
    let frames = frames();
    if frames.is_empty() {
        return;
    }
    let mut g = c.benchmark_group("record");
    g.throughput(Throughput::Elements(BLOCK as u64));
    let mut out = Vec::with_capacity(4 << 20);
    let mut z = Vec::with_capacity(4 << 20);
    // As the writer does: blocks that packed well (these do) at the packed
    // level, whole records at the default one.
    let config = WriterConfig::default();
    let (Ok(mut packed_zstd), Ok(mut zstd)) =
        (config.packed_compressor(), zstd::bulk::Compressor::new(config.zstd_level))
    else {
        return;
    };
    let mut packer = NibblePacker::default();
    let pack_block = |packer: &mut NibblePacker, out: &mut Vec<u8>| {
        out.clear();
        packer.reset();
        for (i, f) in frames.iter().enumerate() {
            packer.push(out, record(i, f));
        }
    };
    let mut v2 = RunPacker::default();
    g.bench_function("pack", |b| {
        b.iter(|| {
            pack_block(&mut packer, &mut out);
            black_box(out.len())
        })
    });
    g.bench_function("pack_v2", |b| {
        b.iter(|| {
            out.clear();
            v2.reset();
            for (i, f) in frames.iter().enumerate() {
                v2.push(&mut out, record(i, f));
            }
            black_box(out.len())
        })
    });
    g.bench_function("pack_zstd", |b| {
        b.iter(|| {
            pack_block(&mut packer, &mut out);
            z.clear();
            black_box(packed_zstd.compress_to_buffer(&out[..], &mut z).map(|_| z.len()))
        })
    });
    g.bench_function("whole_zstd", |b| {
        b.iter(|| {
            out.clear();
            for (i, f) in frames.iter().enumerate() {
                format::encode_record(&mut out, record(i, f));
            }
            z.clear();
            black_box(zstd.compress_to_buffer(&out[..], &mut z).map(|_| z.len()))
        })
    });
    g.finish();
}

criterion_group!(benches, block);
criterion_main!(benches);
