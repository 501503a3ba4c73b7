//! What recording costs the thread that receives frames. Each frame of the
//! synthetic market is generated and decoded as the headless source does
//! it; in a recorded segment it is also handed to a real recorder, whose
//! writer thread packs, compresses and writes into a temporary directory.
//! Two recorders run side by side: one reuses chunk buffers oldest first
//! ([`POOL_DEPTH`] deep, what sessions use), one newest first (the pool
//! before). Segments of 200,000 frames rotate plain, oldest-first and
//! newest-first within one process, so all three see the same machine and
//! the same code layout. Printed: ns per frame on the receiving thread, the
//! median over segments, and every segment, because on a small VM what
//! moving bytes between cores costs changes with where the host runs them
//! (README, Known limitations).
//!
//! `cargo bench --bench handover [-- ROUNDS]` (default 20 rounds)

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use tickdesk::domain::Instruments;
use tickdesk::feed::binance::BinanceDecoder;
use tickdesk::record::{
    Kind, POOL_DEPTH, RecordBuf, Recorder, RecorderThread, SegmentWriter, SessionHeader, Stream, WriterConfig,
};
use tickdesk::sim::{Generator, SyntheticConfig};

/// Frames per segment: about 60 ms of work, long enough to time, short
/// enough that the variants see the same phase of the host.
const SEGMENT: u64 = 200_000;
/// Frames per hand-over, as the source flushes at each engine batch.
const BATCH: u64 = 256;

const NAMES: [&str; 3] = ["plain", "oldest first", "newest first"];

fn recorder(dir: &Path, depth: usize) -> std::io::Result<(RecordBuf, RecorderThread)> {
    let header = SessionHeader::default();
    let feed = SegmentWriter::create(dir, Stream::Feed.prefix(), &header, WriterConfig::default())?;
    let engine = SegmentWriter::create(dir, Stream::Engine.prefix(), &header, WriterConfig::default())?;
    let (r, thread) = Recorder::start_with_pool_depth(feed, engine, 4096, Duration::from_millis(100), depth)?;
    Ok((r.buffer(Stream::Feed), thread))
}

fn main() {
    let rounds: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(20);
    let Ok(mut generator) = Generator::new(&SyntheticConfig::default(), 1_700_000_000_000) else {
        return eprintln!("handover: the default synthetic market does not build");
    };
    let mut decoder = BinanceDecoder::new(Instruments::fixed(generator.instruments()));
    let dirs = (tempfile::tempdir(), tempfile::tempdir());
    let (Ok(a), Ok(b)) = &dirs else {
        return eprintln!("handover: no temporary directory");
    };
    let (mut oldest, mut newest) = match (recorder(a.path(), POOL_DEPTH), recorder(b.path(), 0)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => return eprintln!("handover: cannot start a recorder: {e}"),
    };
    let mut buf = Vec::with_capacity(512);
    let mut times: [Vec<f64>; 3] = Default::default();
    let mut seq = 0u64;
    for round in 0..rounds {
        // Rotate the order, so a drift of the host favours none.
        for k in 0..3 {
            let variant = (round + k) % 3;
            let mut record = match variant {
                1 => Some(&mut oldest.0),
                2 => Some(&mut newest.0),
                _ => None,
            };
            let t = Instant::now();
            for _ in 0..SEGMENT {
                seq += 1;
                generator.next_frame(&mut buf);
                if let Some(r) = record.as_mut() {
                    r.push(Kind::Frame, seq, seq, 0, &buf);
                    if seq % BATCH == 0 {
                        r.flush();
                    }
                }
                let _ = black_box(decoder.decode(&buf));
            }
            if let Some(r) = record {
                r.flush();
            }
            times[variant].push(t.elapsed().as_nanos() as f64 / SEGMENT as f64);
        }
    }
    let dropped = oldest.0.stats().dropped_total() + newest.0.stats().dropped_total();
    let ((o, o_thread), (n, n_thread)) = (oldest, newest);
    drop((o, n));
    let failed: Vec<String> =
        [o_thread.finish(), n_thread.finish()].into_iter().filter_map(|r| r.err().map(|e| e.to_string())).collect();

    let plain = median(&times[0]);
    println!("handover: {rounds} rounds of {SEGMENT} frames per variant, {BATCH} frames per hand-over");
    for (i, (name, t)) in NAMES.iter().zip(&times).enumerate() {
        let m = median(t);
        let cost = if i == 0 {
            String::new()
        } else {
            format!("  cost {:.1} ns ({:.1} %)", m - plain, (m / plain - 1.0) * 100.0)
        };
        println!("  {name:<13} median {m:.1} ns/frame{cost}  [{}]", list(t));
    }
    println!("  {dropped} records dropped");
    for e in failed {
        println!("  a writer failed: {e}");
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

fn list(v: &[f64]) -> String {
    v.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(" ")
}
