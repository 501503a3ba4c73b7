//! Loopback ingest through the market-data connection: a bare
//! tokio-tungstenite server on 127.0.0.1 sends synthetic Binance frames as
//! fast as it can; the connection stamps each and hands it to a sink that
//! only counts (`raw`) or also decodes it (`decode`). One iteration is a
//! batch of frames; throughput is in frames.

#![allow(clippy::unwrap_used)] // a bench harness: a panic is a failed run

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::SinkExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tickdesk::feed::binance::BinanceDecoder;
use tickdesk::feed::connection::{FrameSink, RecvStamp, WsConfig, spawn_connection};
use tickdesk::sim::{Generator, SyntheticConfig};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

const BATCH: u64 = 20_000;

struct Counting {
    frames: Arc<AtomicU64>,
    target: Arc<AtomicU64>,
    done: Arc<Notify>,
    decoder: Option<BinanceDecoder>,
}

impl FrameSink for Counting {
    fn on_frame(&mut self, frame: &[u8], _stamp: RecvStamp) {
        if let Some(d) = &mut self.decoder {
            let _ = std::hint::black_box(d.decode(frame));
        }
        let n = self.frames.fetch_add(1, Ordering::Relaxed) + 1;
        if n == self.target.load(Ordering::Relaxed) {
            self.done.notify_one();
        }
    }
}

fn frames(n: usize) -> Vec<Utf8Bytes> {
    let mut g = Generator::new(&SyntheticConfig::default(), 1_700_000_000_000).unwrap();
    let mut buf = Vec::new();
    (0..n)
        .map(|_| {
            g.next_frame(&mut buf);
            Utf8Bytes::from(String::from_utf8(buf.clone()).unwrap())
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let pool = Arc::new(frames(BATCH as usize));
    let mut g = c.benchmark_group("ws_ingest");
    g.throughput(Throughput::Elements(BATCH));
    g.sample_size(20);
    for decode in [false, true] {
        let (orders, frames_count, target, done) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("ws://{}", listener.local_addr().unwrap());
            // The server: on each order, send that many frames.
            let (orders, mut rx) = mpsc::unbounded_channel::<u64>();
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                tcp.set_nodelay(true).unwrap();
                let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
                while let Some(n) = rx.recv().await {
                    for i in 0..n {
                        let f = &pool[(i % BATCH) as usize];
                        ws.feed(Message::Text(f.clone())).await.unwrap();
                    }
                    ws.flush().await.unwrap();
                }
            });
            let frames_count = Arc::new(AtomicU64::new(0));
            let target = Arc::new(AtomicU64::new(u64::MAX));
            let done = Arc::new(Notify::new());
            let sink = Counting {
                frames: Arc::clone(&frames_count),
                target: Arc::clone(&target),
                done: Arc::clone(&done),
                decoder: decode.then(BinanceDecoder::default),
            };
            let h = spawn_connection(1, base, vec!["btcusdt@trade".into()], WsConfig::default(), sink);
            std::mem::forget(h); // lives for the whole bench
            (orders, frames_count, target, done)
        });
        let name = if decode { "decode" } else { "raw" };
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start_count = frames_count.load(Ordering::Relaxed);
                    target.store(start_count + iters * BATCH, Ordering::Relaxed);
                    let t0 = Instant::now();
                    orders.send(iters * BATCH).unwrap();
                    tokio::time::timeout(Duration::from_secs(120), done.notified()).await.unwrap();
                    t0.elapsed()
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
