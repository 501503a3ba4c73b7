//! The hub: one thread that drives the market and publishes batches.
//!
//! It paces the seeded generator to wall time (market time = start + wall
//! elapsed), and for each message it appends the frame to the current batch,
//! updates the shared [`MarketState`] and derives the other streams: one
//! `aggTrade` per trade, klines every second of market time (the final one
//! with `x` at the close), depth diffs every 100 ms and 1 s. One batch per
//! millisecond (or per `max-batch` messages) goes to every connection
//! through a broadcast channel; the hub never waits for a connection.

use super::batch::{Batch, BatchBuilder};
use super::book::WINDOWS;
use super::config::FaultConfig;
use super::market::MarketState;
use super::render;
use super::stats::Counters;
use super::streams::{INTERVALS, StreamKind, StreamTable, fixed_id};
use crate::domain::{Instruments, MarketEvent, Timeframe};
use crate::feed::binance::{BinanceDecoder, Decoded};
use crate::sim::{FrameMeta, Generator};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Longest sleep between checks of the stop flag.
const MAX_SLEEP: Duration = Duration::from_millis(20);
/// Timers more than this far behind jump ahead instead of catching up.
const MAX_TIMER_LAG_MS: i64 = 60_000;

/// What every hub shares with the rest of the venue.
#[derive(Debug, Clone)]
pub struct HubCtx {
    pub state: Arc<Mutex<MarketState>>,
    pub tx: broadcast::Sender<Arc<Batch>>,
    pub counters: Arc<Counters>,
    pub streams: Arc<StreamTable>,
    pub faults: FaultConfig,
    pub max_batch: usize,
    pub stop: Arc<AtomicBool>,
    /// The matching core is fed every generated bookTicker and trade.
    pub trading: Arc<super::trading::Trading>,
}

impl HubCtx {
    pub fn lock(&self) -> MutexGuard<'_, MarketState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends what the builder holds; nobody listening is fine.
    pub fn publish(&self, builder: &mut BatchBuilder) {
        if let Some(b) = builder.finish() {
            Counters::inc(&self.counters.batches);
            let _ = self.tx.send(Arc::new(b));
        }
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Sleeps until `deadline` or at most [`MAX_SLEEP`].
pub fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        std::thread::sleep((deadline - now).min(MAX_SLEEP));
    }
}

/// The synthetic market's hub.
pub struct SyntheticHub {
    generator: Generator,
    decoder: BinanceDecoder,
    ctx: HubCtx,
    builder: BatchBuilder,
    /// Stream names per symbol, by kind index.
    names: Vec<Vec<Arc<str>>>,
    trades_seen: u64,
    /// Depth diffs made, per stream speed (100 ms, 1 s), for the depth-skip fault.
    diffs_seen: [u64; 2],
    next_kline_ms: i64,
    next_depth_ms: [i64; 2],
    start_ms: i64,
}

impl SyntheticHub {
    /// `generator` starts at `start_ms`; the state holds its symbols in the same order.
    pub fn new(generator: Generator, start_ms: i64, ctx: HubCtx) -> Self {
        let instruments = generator.instruments();
        let names = (0..instruments.len())
            .map(|i| {
                StreamKind::all().map(|k| ctx.streams.name(fixed_id(i, k)).unwrap_or_else(|| Arc::from(""))).collect()
            })
            .collect();
        let ceil = |step: i64| (start_ms.div_euclid(step) + 1) * step;
        Self {
            decoder: BinanceDecoder::new(Instruments::fixed(instruments)),
            generator,
            builder: BatchBuilder::new(64 << 10),
            names,
            trades_seen: 0,
            diffs_seen: [0; 2],
            next_kline_ms: ceil(1000),
            next_depth_ms: [ceil(WINDOWS[0]), ceil(WINDOWS[1])],
            start_ms,
            ctx,
        }
    }

    /// Runs until the stop flag is set.
    pub fn run(mut self) {
        // Market time is wall time: `start_ms` was taken before the backfill
        // history was built, so date the pacing origin back to it (the hub
        // catches up at once) and event times `E` match the receive clock.
        let behind_ms = u64::try_from(crate::telemetry::wall_ns() / 1_000_000 - self.start_ms).unwrap_or(0);
        let now = Instant::now();
        let t0 = now.checked_sub(Duration::from_millis(behind_ms)).unwrap_or(now);
        let mut frame = Vec::with_capacity(512);
        let mut meta = self.generator.next_frame(&mut frame);
        while !self.ctx.stopped() {
            let now_ms = self.start_ms + t0.elapsed().as_millis() as i64;
            let ctx = self.ctx.clone();
            let caught_up = {
                let mut st = ctx.lock();
                while meta.time_ms <= now_ms && !self.builder.is_full(self.ctx.max_batch) {
                    self.timers(&mut st, meta.time_ms);
                    self.message(&mut st, meta, &frame);
                    meta = self.generator.next_frame(&mut frame);
                }
                let caught_up = meta.time_ms > now_ms;
                if caught_up {
                    self.timers(&mut st, now_ms);
                }
                caught_up
            };
            self.ctx.publish(&mut self.builder);
            if caught_up {
                let next = meta.time_ms.min(self.next_kline_ms).min(self.next_depth_ms[0]);
                sleep_until(t0 + Duration::from_millis((next - self.start_ms).max(0) as u64));
            }
        }
    }

    /// One generated frame: sent as is, then its derived messages.
    fn message(&mut self, st: &mut MarketState, meta: FrameMeta, frame: &[u8]) {
        Counters::inc(&self.ctx.counters.messages_generated);
        let i = meta.instrument.index();
        let event = match self.decoder.decode(frame) {
            Ok(Decoded::Market(m)) => m,
            other => {
                Counters::inc(&self.ctx.counters.hub_decode_errors);
                tracing::warn!("sim venue: a generated frame did not decode as market data: {other:?}");
                return;
            }
        };
        match event {
            MarketEvent::Trade(t) => {
                st.on_trade(i, &t);
                self.ctx.trading.on_trade(i, &t);
                self.trades_seen += 1;
                let n = self.trades_seen;
                let f = &self.ctx.faults;
                let every = |k: u64| k > 0 && n % k == 0;
                if every(f.skip_every_n) {
                    Counters::inc(&self.ctx.counters.faults.skipped);
                    tracing::debug!("sim venue fault: trade {} of {} skipped", t.trade_id, meta.instrument.0);
                    return;
                }
                let dup = every(f.duplicate_every_n);
                self.push_frame(i, StreamKind::Trade, frame, dup);
                let Some(s) = st.get(i) else { return };
                let name = &self.names[i][StreamKind::AggTrade.index()];
                self.builder.begin(fixed_id(i, StreamKind::AggTrade), name);
                render::agg_trade(self.builder.payload(), &s.inst.symbol, &t, s.scales.price, s.scales.qty);
                self.builder.end();
                Counters::inc(&self.ctx.counters.messages_derived);
                if dup {
                    self.builder.repeat_last();
                    Counters::inc(&self.ctx.counters.faults.duplicated);
                    tracing::debug!("sim venue fault: trade {} of {} duplicated", t.trade_id, meta.instrument.0);
                }
            }
            MarketEvent::BookTicker(b) => {
                st.on_book(i, &b);
                self.ctx.trading.on_book(i, &b, meta.time_ms);
                self.push_frame(i, StreamKind::BookTicker, frame, false);
            }
            _ => {}
        }
    }

    fn push_frame(&mut self, i: usize, kind: StreamKind, frame: &[u8], twice: bool) {
        // `{"stream":"` + name + `","data":`
        let data_offset = self.names[i][kind.index()].len() + 20;
        self.builder.push_combined(fixed_id(i, kind), frame, data_offset);
        if twice {
            self.builder.repeat_last();
        }
    }

    /// Emits the depth diffs and klines due at or before `t` (market time).
    fn timers(&mut self, st: &mut MarketState, t: i64) {
        for (w, &period) in WINDOWS.iter().enumerate() {
            if t - self.next_depth_ms[w] > MAX_TIMER_LAG_MS {
                self.next_depth_ms[w] = t.div_euclid(period) * period;
            }
            while self.next_depth_ms[w] <= t {
                let at = self.next_depth_ms[w];
                let kind = if w == 0 { StreamKind::Depth100ms } else { StreamKind::Depth };
                for i in 0..st.symbols().len() {
                    let Some(s) = st.get_mut(i) else { continue };
                    let Some(d) = s.book.take_diff(w) else { continue };
                    self.diffs_seen[w] += 1;
                    let n = self.ctx.faults.depth_skip_every_n;
                    if n > 0 && self.diffs_seen[w] % n == 0 {
                        Counters::inc(&self.ctx.counters.faults.depth_skipped);
                        tracing::debug!("sim venue fault: depth diff {}..={} of {i} skipped", d.first_id, d.last_id);
                        continue;
                    }
                    self.builder.begin(fixed_id(i, kind), &self.names[i][kind.index()]);
                    render::depth_update(self.builder.payload(), &s.inst.symbol, at, &d, s.scales);
                    self.builder.end();
                    Counters::inc(&self.ctx.counters.messages_derived);
                }
                self.next_depth_ms[w] += period;
            }
        }
        if t - self.next_kline_ms > MAX_TIMER_LAG_MS {
            self.next_kline_ms = t.div_euclid(1000) * 1000;
        }
        while self.next_kline_ms <= t {
            let at = self.next_kline_ms;
            for i in 0..st.symbols().len() {
                self.klines(st, i, at);
            }
            self.next_kline_ms += 1000;
        }
    }

    /// At second `at`: the final update of every kline that closed, then the
    /// open ones (every second for `1s`, every other second for the rest).
    fn klines(&mut self, st: &mut MarketState, i: usize, at: i64) {
        let Some(s) = st.get_mut(i) else { return };
        let (symbol, scales) = (s.inst.symbol.as_str(), s.scales);
        let (builder, names, counters) = (&mut self.builder, &self.names[i], &self.ctx.counters);
        let mut emit = |tf: Timeframe, bar: &super::candles::Bar, closed: bool| {
            let kind = StreamKind::Kline(tf);
            builder.begin(fixed_id(i, kind), &names[kind.index()]);
            render::kline(builder.payload(), symbol, tf.as_str(), bar, at, closed, scales);
            builder.end();
            Counters::inc(&counters.messages_derived);
        };
        s.candles.advance(at, |tf, bar| emit(tf, bar, true));
        let even = at.div_euclid(1000) % 2 == 0;
        for tf in INTERVALS {
            if tf == Timeframe::S1 || even {
                if let Some(bar) = s.candles.open_bar(tf) {
                    emit(tf, bar, false);
                }
            }
        }
    }
}
