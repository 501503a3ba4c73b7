//! The engine: one deterministic step per event, no I/O, no locks, no awaits.
//!
//! For each event, in order: advance the [`Clock`] from the event's time,
//! let the paper router act on the new time and market, update candles,
//! ask the strategies, check each intent against risk, route what passes,
//! and book fills into the portfolio. Every stage stamps its latency.
//! The same `Engine` serves live, paper and replay runs: only the source of
//! events differs.

pub mod build;
pub mod clock;
pub mod counters;
pub mod event;
pub mod journal;
pub mod snapshot;

pub use build::{build_engine, build_engine_with};
pub use clock::{Clock, EventClock};
pub use counters::EngineCounters;
pub use event::{Command, Event, EventKind, Stamp};
pub use journal::{Journal, Output};
pub use snapshot::Snapshot;

use crate::aggregate::Aggregator;
use crate::book::OrderBook;
use crate::domain::{
    BookTicker, Candle, DepthUpdate, Fill, InstrumentId, Instruments, MarketEvent, Order, OrderId, OrderIntent, Price,
    Trade,
};
use crate::portfolio::Portfolio;
use crate::risk::{RiskContext, RiskEngine};
use crate::route::{Orders, Report, Router, VenueUpdate};
use crate::strategy::{Strategy, StrategyCtx};
use crate::telemetry::{LatencyHistograms, Stage};

/// A strategy with its run state.
pub struct StrategySlot {
    pub strategy: Box<dyn Strategy>,
    pub paused: bool,
}

/// What the engine is built from.
pub struct EngineParts {
    pub instruments: Instruments,
    pub aggregator: Aggregator,
    pub strategies: Vec<Box<dyn Strategy>>,
    pub risk: RiskEngine,
    pub router: Router,
    pub portfolio: Portfolio,
    pub clock: Box<dyn Clock>,
    /// Monotonic nanoseconds for latency stamps (tests pass a fake).
    pub mono: fn() -> u64,
}

/// Per-instrument market state the checks need.
#[derive(Debug, Clone, Copy, Default)]
struct MarketState {
    book: Option<BookTicker>,
    last_trade: Option<Price>,
    last_data_ms: Option<i64>,
    stale: bool,
}

pub struct Engine {
    instruments: Instruments,
    clock: Box<dyn Clock>,
    aggregator: Aggregator,
    strategies: Vec<StrategySlot>,
    risk: RiskEngine,
    router: Router,
    orders: Orders,
    portfolio: Portfolio,
    latency: LatencyHistograms,
    counters: EngineCounters,
    market: Vec<MarketState>,
    /// Local depth books, created by an instrument's first depth event.
    books: Vec<Option<OrderBook>>,
    /// Per instrument, set when its book loses the update chain: the live
    /// runner fetches a new snapshot (the engine does no I/O and never
    /// waits; a flag cannot be lost the way a message to a full queue can).
    depth_resync: Option<std::sync::Arc<[std::sync::atomic::AtomicBool]>>,
    mono: fn() -> u64,
    next_order_id: u64,
    halted: bool,
    // Scratch buffers reused for every event: no allocation per tick.
    closed: Vec<Candle>,
    intents: Vec<OrderIntent>,
    reports: Vec<Report>,
    // Outputs the runner drains (candles for CSV, fills for logs).
    capture_candles: bool,
    captured: Vec<Candle>,
    /// Exports: every fill, and every order after each change.
    capture_trading: bool,
    captured_fills: Vec<Fill>,
    captured_orders: Vec<Order>,
    last_seq: u64,
    clock_offset_ms: Option<i64>,
    /// Latest figures per feed connection, for the snapshot.
    feeds: Vec<crate::domain::feed_status::ConnStatsSnapshot>,
    /// Decisions, for recordings and `replay --verify`.
    journal: Journal,
    /// Events are decoded on this thread and handed over at once (replay):
    /// there is no queue to measure, and the decode stamp is the start.
    inline_source: bool,
    /// Whether the event in hand is stamped: always, except a market event
    /// that came without a decode stamp (a max-speed replay stamps a sample).
    stamping: bool,
}

impl Engine {
    pub fn new(parts: EngineParts) -> Self {
        let n = parts.instruments.len();
        Self {
            market: vec![MarketState::default(); n],
            books: (0..n).map(|_| None).collect(),
            depth_resync: None,
            instruments: parts.instruments,
            clock: parts.clock,
            aggregator: parts.aggregator,
            strategies: parts.strategies.into_iter().map(|s| StrategySlot { strategy: s, paused: false }).collect(),
            risk: parts.risk,
            router: parts.router,
            orders: Orders::new(),
            portfolio: parts.portfolio,
            latency: LatencyHistograms::new(),
            counters: EngineCounters::default(),
            mono: parts.mono,
            next_order_id: 1,
            halted: false,
            closed: Vec::with_capacity(16),
            intents: Vec::with_capacity(16),
            reports: Vec::with_capacity(16),
            capture_candles: false,
            captured: Vec::new(),
            capture_trading: false,
            captured_fills: Vec::new(),
            captured_orders: Vec::new(),
            last_seq: 0,
            clock_offset_ms: None,
            feeds: Vec::new(),
            journal: Journal::default(),
            inline_source: false,
            stamping: true,
        }
    }

    /// Events come from a decoder on this thread, handed over as soon as
    /// they are decoded (a replay): the queue stage is not measured and
    /// the decode stamp starts the engine's stages, one clock read fewer
    /// per event.
    pub fn set_inline_source(&mut self, on: bool) {
        self.inline_source = on;
    }

    /// Keep every decision for [`Engine::drain_outputs`].
    pub fn set_journal(&mut self, on: bool) {
        self.journal.set(on);
    }

    /// Decisions since the last call, in the order they were made.
    pub fn drain_outputs(&mut self) -> std::vec::Drain<'_, Output> {
        self.journal.drain()
    }

    /// Sequence number of the last numbered event consumed.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Flags an instrument in `wanted` (indexed by id) when its depth book
    /// loses the update chain, so the runner fetches a new snapshot.
    pub fn request_depth_resync_into(&mut self, wanted: std::sync::Arc<[std::sync::atomic::AtomicBool]>) {
        self.depth_resync = Some(wanted);
    }

    /// Keep closed candles for [`Engine::drain_candles`] (CSV output).
    pub fn set_capture_candles(&mut self, on: bool) {
        self.capture_candles = on;
    }

    /// Closed candles since the last call, oldest first.
    pub fn drain_candles(&mut self) -> std::vec::Drain<'_, Candle> {
        self.captured.drain(..)
    }

    /// Keep every fill and every order change for [`Engine::drain_fills`]
    /// and [`Engine::drain_order_changes`] (exports).
    pub fn set_capture_trading(&mut self, on: bool) {
        self.capture_trading = on;
    }

    pub fn drain_fills(&mut self) -> std::vec::Drain<'_, Fill> {
        self.captured_fills.drain(..)
    }

    /// Each order as it stood after a submission or a report, in order.
    pub fn drain_order_changes(&mut self) -> std::vec::Drain<'_, Order> {
        self.captured_orders.drain(..)
    }

    /// A latency stamp, or 0 when the event in hand is not stamped.
    #[inline]
    fn stamp(&self) -> u64 {
        if self.stamping { (self.mono)() } else { 0 }
    }

    /// One step. Never panics on any event.
    pub fn process(&mut self, ev: &Event) {
        // A market event without a decode stamp (a replay's sample left it
        // out, or an out-of-band snapshot) takes no stamps: a stage measured
        // from 0 would be the process's age, not a latency.
        self.stamping = ev.stamp.decoded_mono_ns != 0 || !matches!(ev.kind, EventKind::Market(_));
        if ev.seq != 0 {
            if ev.seq > self.last_seq + 1 && self.last_seq != 0 {
                self.counters.seq_gaps += ev.seq - self.last_seq - 1;
            }
            self.last_seq = ev.seq;
        }
        if ev.stamp.recv_mono_ns != 0 {
            // Commands and feed figures carry no receive stamp: nothing was decoded.
            self.latency.record_span_if(self.stamping, Stage::Decode, ev.stamp.recv_mono_ns, ev.stamp.decoded_mono_ns);
        }
        match &ev.kind {
            EventKind::Market(m) => {
                let t_in = if self.inline_source {
                    ev.stamp.decoded_mono_ns
                } else {
                    let t = self.stamp();
                    self.latency.record_span_if(self.stamping, Stage::Queue, ev.stamp.decoded_mono_ns, t);
                    t
                };
                self.on_market(m, ev, t_in);
            }
            EventKind::Command { time_ms, command } => {
                self.counters.commands += 1;
                self.clock.observe(*time_ms);
                self.advance_router_time(self.stamp());
                self.on_command(command, ev);
            }
            EventKind::Timer { time_ms } => {
                self.counters.timers += 1;
                self.clock.observe(*time_ms);
                self.advance_router_time(self.stamp());
            }
            EventKind::MarketStatus { instrument, stale } => {
                self.counters.status_changes += 1;
                self.risk.set_stale(*instrument, *stale);
                if let Some(m) = self.market.get_mut(instrument.index()) {
                    m.stale = *stale;
                }
            }
            EventKind::Venue(u) => self.on_venue(u),
            EventKind::ClockOffset { offset_ms } => self.clock_offset_ms = Some(*offset_ms),
            EventKind::FeedStats(stats) => match self.feeds.iter_mut().find(|f| f.conn_id == stats.conn_id) {
                Some(f) => *f = (**stats).clone(),
                None => self.feeds.push((**stats).clone()),
            },
            EventKind::Backfill(candles) => {
                self.counters.backfilled_candles += self.aggregator.backfill(candles) as u64;
            }
            EventKind::Instrument(inst) => {
                self.counters.instruments += 1;
                self.instruments.upsert((**inst).clone());
                self.market.resize(self.instruments.len(), MarketState::default());
                self.books.resize_with(self.instruments.len(), || None);
            }
        }
    }

    /// End of a finite input: close every open candle.
    pub fn finish(&mut self) {
        self.closed.clear();
        self.aggregator.flush(&mut self.closed);
        self.counters.candles_closed += self.closed.len() as u64;
        if self.capture_candles {
            self.captured.extend_from_slice(&self.closed);
        }
        self.closed.clear();
    }

    fn on_market(&mut self, m: &MarketEvent, ev: &Event, t_in: u64) {
        self.counters.count_market(m);
        let Some(id) = m.instrument() else { return };
        if self.instruments.try_get(id).is_none() {
            self.counters.unknown_instrument += 1;
            return;
        }
        self.clock.observe(m.exchange_time_ms());
        self.record_exchange_latency(m, ev);
        let now = self.clock.now_ms();
        self.market[id.index()].last_data_ms = Some(now);
        self.advance_router_time(t_in);
        match m {
            MarketEvent::Trade(t) => self.on_trade(t, ev, t_in),
            MarketEvent::BookTicker(b) => self.on_book(b, ev, t_in),
            MarketEvent::Depth(d) => self.on_depth(id, d),
            MarketEvent::DepthSnapshot(s) => self.depth_book(id).apply_snapshot(s),
            MarketEvent::Kline(_) => {}
        }
    }

    /// The depth book of `id`, created on first use.
    fn depth_book(&mut self, id: InstrumentId) -> &mut OrderBook {
        if self.books.len() <= id.index() {
            self.books.resize_with(id.index() + 1, || None);
        }
        self.books[id.index()].get_or_insert_with(OrderBook::new)
    }

    /// One diff: O(levels in it · log n); a break in the update chain is counted.
    fn on_depth(&mut self, id: InstrumentId, d: &DepthUpdate) {
        if self.depth_book(id).apply_diff(d) == crate::book::DiffOutcome::Gap {
            self.counters.depth_gaps += 1;
            if let Some(flag) = self.depth_resync.as_ref().and_then(|w| w.get(id.index())) {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// Exchange send time → our receive stamp, corrected by the clock offset
    /// (millisecond resolution: the venue stamps in ms). A negative value
    /// means the clocks disagree by more than the latency; it is counted,
    /// not recorded.
    fn record_exchange_latency(&mut self, m: &MarketEvent, ev: &Event) {
        let sent_ms = match m {
            MarketEvent::Trade(t) if t.event_time_ms != 0 => t.event_time_ms,
            _ => m.exchange_time_ms(),
        };
        if sent_ms == 0 || ev.stamp.recv_wall_ns == 0 {
            return;
        }
        let sent_local_ns = (sent_ms - self.clock_offset_ms.unwrap_or(0)).saturating_mul(1_000_000);
        let lat = ev.stamp.recv_wall_ns.saturating_sub(sent_local_ns);
        match u64::try_from(lat) {
            Ok(ns) => self.latency.record(Stage::ExchangeToReceive, ns),
            Err(_) => self.counters.negative_exchange_latency += 1,
        }
    }

    fn on_trade(&mut self, t: &Trade, ev: &Event, t0: u64) {
        let id = t.instrument;
        self.closed.clear();
        let inst = self.instruments.get(id);
        self.aggregator.on_trade(t, inst, &mut self.closed);
        let t1 = self.stamp();
        self.latency.record_span_if(self.stamping, Stage::Aggregate, t0, t1);
        self.counters.candles_closed += self.closed.len() as u64;
        if self.capture_candles {
            self.captured.extend_from_slice(&self.closed);
        }
        self.market[id.index()].last_trade = Some(t.price);
        self.portfolio.mark(id, t.price, inst);
        self.check_pnl();

        // Resting paper orders fill against the print.
        let now = self.clock.now_ms();
        let r0 = self.stamp();
        self.router.on_trade(t, &self.instruments, now, &mut self.reports);
        self.apply_reports(Some(r0));

        // Strategies: closed candles first (in timeframe order), then the trade.
        let closed = std::mem::take(&mut self.closed);
        self.run_strategies(now, |s, ctx| {
            for c in &closed {
                s.on_candle(c, ctx);
            }
            s.on_trade(t, ctx);
        });
        self.closed = closed;
        let t2 = self.stamp();
        self.latency.record_span_if(self.stamping, Stage::Signal, t1, t2);
        self.route_intents(ev, t2);
    }

    fn on_book(&mut self, b: &BookTicker, ev: &Event, t_in: u64) {
        let id = b.instrument;
        self.market[id.index()].book = Some(*b);
        let now = self.clock.now_ms();
        // Nothing ran since `t_in` but two stores: it starts the router step.
        self.router.on_book(b, &self.instruments, now, &mut self.reports);
        self.apply_reports(Some(t_in));
        self.run_strategies(now, |s, ctx| s.on_book(b, ctx));
        let t2 = self.stamp();
        self.latency.record_span_if(self.stamping, Stage::Signal, t_in, t2);
        self.route_intents(ev, t2);
    }

    /// Calls every running strategy with a fresh context; intents collect
    /// in `self.intents` (cleared first). Nothing runs while halted.
    fn run_strategies(&mut self, now: i64, mut call: impl FnMut(&mut dyn Strategy, &mut StrategyCtx<'_>)) {
        self.intents.clear();
        if self.halted {
            return;
        }
        for (i, slot) in self.strategies.iter_mut().enumerate().filter(|(_, s)| !s.paused) {
            let mut ctx = StrategyCtx {
                id: crate::domain::StrategyId(u16::try_from(i).unwrap_or(u16::MAX - 1)),
                now_ms: now,
                instruments: &self.instruments,
                portfolio: &self.portfolio,
                intents: &mut self.intents,
            };
            call(slot.strategy.as_mut(), &mut ctx);
        }
    }

    fn on_command(&mut self, c: &Command, ev: &Event) {
        let now = self.clock.now_ms();
        match c {
            Command::Submit(intent) => {
                self.intents.clear();
                self.intents.push(*intent);
                let t = self.stamp();
                self.route_intents(ev, t);
            }
            Command::Cancel(id) => {
                self.router.cancel(*id, now, &mut self.reports);
                self.journal_refusals(now);
                self.apply_reports(None);
            }
            Command::CancelAll => {
                self.router.cancel_all(now, &mut self.reports);
                self.journal_refusals(now);
                self.apply_reports(None);
            }
            Command::KillSwitch { flatten } => {
                self.risk.trip_kill_switch(crate::risk::KillReason::Manual, now);
                self.on_kill(*flatten, true);
            }
            Command::ResetKillSwitch => {
                self.risk.reset_kill_switch();
                self.halted = false;
            }
            Command::PauseStrategy(s) => {
                if let Some(slot) = self.strategies.get_mut(usize::from(s.0)) {
                    slot.paused = true;
                }
            }
            Command::ResumeStrategy(s) => {
                if let Some(slot) = self.strategies.get_mut(usize::from(s.0)) {
                    slot.paused = false;
                }
            }
        }
    }

    /// Kill switch: strategies halt, open orders are canceled, and with
    /// `flatten` every position is closed by a market order sent without
    /// risk checks (reducing risk is always allowed, even when tripped).
    fn on_kill(&mut self, flatten: bool, cancel: bool) {
        self.halted = true;
        self.counters.kill_switch_trips += 1;
        let now = self.clock.now_ms();
        let why = self.risk.kill_switch().map(|k| k.to_string()).unwrap_or_default();
        self.journal.push(self.last_seq, now, || format!("kill_switch flatten={flatten} cancel={cancel} {why}"));
        if cancel {
            self.router.cancel_all(now, &mut self.reports);
            self.journal_refusals(now);
            self.apply_reports(None);
        }
        if flatten {
            let flat: Vec<OrderIntent> = self
                .instruments
                .iter()
                .filter_map(|(id, _)| {
                    let q = crate::strategy::PortfolioView::position_qty(&self.portfolio, id);
                    (q.0 != 0).then(|| {
                        let side = if q.0 > 0 { crate::domain::Side::Sell } else { crate::domain::Side::Buy };
                        OrderIntent::market(id, side, crate::domain::Qty(q.0.abs()), crate::domain::StrategyId::MANUAL)
                    })
                })
                .collect();
            for intent in flat {
                self.submit_order(intent, now);
            }
        }
    }

    fn check_pnl(&mut self) {
        let now = self.clock.now_ms();
        let equity = self.portfolio.equity();
        if let Some(trip) = self.risk.on_pnl(equity, now) {
            tracing::warn!("kill switch tripped: {trip}");
            let cancel = self.risk.cancel_on_kill();
            self.on_kill(false, cancel);
        }
    }

    /// Lets the router act on the new time. `r0` is a stamp taken just
    /// before (the event's own, on the market path): the step is usually
    /// empty, and a clock read per event for it would cost more than it is.
    fn advance_router_time(&mut self, r0: u64) {
        let now = self.clock.now_ms();
        self.router.on_time(now, &self.instruments, &mut self.reports);
        if !self.reports.is_empty() {
            self.apply_reports(Some(r0));
        }
    }

    /// Risk-checks and routes every pending intent.
    fn route_intents(&mut self, ev: &Event, mut t_prev: u64) {
        if self.intents.is_empty() {
            return;
        }
        let now = self.clock.now_ms();
        let intents = std::mem::take(&mut self.intents);
        for intent in &intents {
            self.counters.intents += 1;
            let Some(inst) = self.instruments.try_get(intent.instrument) else {
                self.counters.unknown_instrument += 1;
                continue;
            };
            let ms = self.market.get(intent.instrument.index()).copied().unwrap_or_default();
            let ctx = RiskContext {
                instrument: inst,
                last_price: ms.last_trade,
                mid: ms.book.map(|b| b.mid()),
                position_qty: crate::strategy::PortfolioView::position_qty(&self.portfolio, intent.instrument),
                open_orders: self.orders.open_count(),
                gross_exposure: self.portfolio.gross_exposure(),
                last_market_data_ms: ms.last_data_ms,
                now_ms: now,
            };
            let verdict = self.risk.check(intent, &ctx);
            let t_risk = self.stamp();
            self.latency.record_span_if(self.stamping, Stage::Risk, t_prev, t_risk);
            match verdict {
                Ok(()) => {
                    self.submit_order(*intent, now);
                    let t_routed = self.stamp();
                    self.latency.record_span_if(self.stamping, Stage::Route, t_risk, t_routed);
                    self.latency.record_span_if(self.stamping, Stage::TickToOrder, ev.stamp.recv_mono_ns, t_routed);
                    t_prev = t_routed;
                }
                Err(rejection) => {
                    self.counters.risk_rejected += 1;
                    self.journal.push(self.last_seq, now, || format!("risk_rejected {rejection} {intent:?}"));
                    // Every rejection is counted by reason and logged at debug;
                    // info gets the first 20 and then every power of two, so a
                    // strategy stuck against a limit cannot flood the log.
                    let n = self.counters.risk_rejected;
                    if n <= 20 || n.is_power_of_two() {
                        tracing::info!(symbol = %inst.symbol, side = %intent.side, "risk rejected order: {rejection} (rejection #{n})");
                    } else {
                        tracing::debug!(symbol = %inst.symbol, side = %intent.side, "risk rejected order: {rejection} (rejection #{n})");
                    }
                    t_prev = t_risk;
                }
            }
        }
        self.intents = intents;
        self.intents.clear();
    }

    fn submit_order(&mut self, intent: OrderIntent, now: i64) {
        let id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        let order = Order::new(id, intent, now);
        let Some(inst) = self.instruments.try_get(intent.instrument) else {
            self.counters.unknown_instrument += 1;
            return;
        };
        self.journal.push(self.last_seq, now, || format!("submit {id:?} {intent:?}"));
        self.router.submit(&order, inst, now, &mut self.reports);
        if self.capture_trading {
            self.captured_orders.push(order.clone());
        }
        if let Err(e) = self.orders.insert(order, inst) {
            self.counters.illegal_transitions += 1;
            tracing::error!("{e}");
        }
        self.counters.orders_submitted += 1;
        self.journal_refusals(now);
        if !self.reports.is_empty() {
            let r0 = self.stamp();
            self.apply_reports(Some(r0));
        }
    }

    /// Journals the requests a venue's full queue refused, so a replay of
    /// the session refuses the same ones (see `route::RecordedVenue`).
    fn journal_refusals(&mut self, now: i64) {
        let Some(refused) = self.router.take_refusals() else { return };
        for r in refused {
            self.journal.push(self.last_seq, now, || r.journal_text());
        }
    }

    /// An answer from a real venue: its latency is recorded, then it goes
    /// through the router to the order store like a paper report.
    fn on_venue(&mut self, u: &VenueUpdate) {
        self.counters.venue_updates += 1;
        let (time_ms, rtt) = match u {
            VenueUpdate::Accepted { time_ms, rtt, .. } => (Some(*time_ms), rtt.map(|r| (Stage::SubmitToAck, r))),
            VenueUpdate::Fill { time_ms, rtt, .. } => (Some(*time_ms), rtt.map(|r| (Stage::SubmitToFill, r))),
            VenueUpdate::Canceled { time_ms, rtt, .. } => (Some(*time_ms), rtt.map(|r| (Stage::CancelRoundTrip, r))),
            VenueUpdate::Expired { time_ms, .. }
            | VenueUpdate::Rejected { time_ms, .. }
            | VenueUpdate::CancelRejected { time_ms, .. } => (Some(*time_ms), None),
            VenueUpdate::Unknown { .. } => (None, None),
        };
        if let Some((stage, r)) = rtt {
            self.latency.record(stage, r.ns);
        }
        if let Some(t) = time_ms {
            self.clock.observe(t);
        }
        self.router.on_venue(u, &mut self.reports);
        let r0 = self.stamp();
        self.apply_reports(Some(r0));
        let id = u.order_id();
        if self.orders.get(id).is_some_and(|o| o.state.is_terminal()) {
            self.router.forget(id);
        }
    }

    /// Applies router reports to the order store and fills to the portfolio.
    fn apply_reports(&mut self, fill_start: Option<u64>) {
        let mut filled = false;
        let mut reports = std::mem::take(&mut self.reports);
        for r in reports.drain(..) {
            self.journal.push(self.last_seq, self.clock.now_ms(), || format!("{r:?}"));
            match self.orders.apply(&r) {
                Err(e) => {
                    self.counters.illegal_transitions += 1;
                    tracing::error!("{e}");
                    continue;
                }
                Ok(Some(o)) if self.capture_trading => self.captured_orders.push(o.clone()),
                Ok(_) => {}
            }
            if let Report::Fill(f) = &r {
                if self.capture_trading {
                    self.captured_fills.push(*f);
                }
                filled = true;
                self.on_fill(f);
            }
        }
        self.reports = reports;
        if filled {
            if let Some(start) = fill_start {
                let end = self.stamp();
                self.latency.record_span_if(self.stamping, Stage::Fill, start, end);
            }
            self.check_pnl();
        }
    }

    fn on_fill(&mut self, f: &Fill) {
        self.counters.fills += 1;
        if let Some(inst) = self.instruments.try_get(f.instrument) {
            self.portfolio.apply_fill(f, inst);
        }
    }

    pub fn instruments(&self) -> &Instruments {
        &self.instruments
    }
    pub fn aggregator(&self) -> &Aggregator {
        &self.aggregator
    }
    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }
    pub fn orders(&self) -> &Orders {
        &self.orders
    }
    /// Where orders go (paper or a venue), with its counters.
    pub fn router(&self) -> &Router {
        &self.router
    }
    pub fn risk(&self) -> &RiskEngine {
        &self.risk
    }
    pub fn latency(&self) -> &LatencyHistograms {
        &self.latency
    }
    pub fn counters(&self) -> &EngineCounters {
        &self.counters
    }
    /// Venue clock minus ours, when estimated.
    pub fn clock_offset_ms(&self) -> Option<i64> {
        self.clock_offset_ms
    }
    /// Latest figures of each feed connection.
    pub fn feeds(&self) -> &[crate::domain::feed_status::ConnStatsSnapshot] {
        &self.feeds
    }
    /// Whether an instrument's feed is marked stale.
    pub fn is_stale(&self, id: InstrumentId) -> bool {
        self.market.get(id.index()).is_some_and(|m| m.stale)
    }
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
    pub fn strategies(&self) -> &[StrategySlot] {
        &self.strategies
    }
    pub fn is_halted(&self) -> bool {
        self.halted
    }
    /// Latest top of book of an instrument.
    pub fn book(&self, id: InstrumentId) -> Option<BookTicker> {
        self.market.get(id.index()).and_then(|m| m.book)
    }

    /// The local depth book of an instrument (best-first `bids()` / `asks()`
    /// and `is_synced()`), once any depth event for it has arrived.
    pub fn depth(&self, id: InstrumentId) -> Option<&OrderBook> {
        self.books.get(id.index()).and_then(Option::as_ref)
    }

    /// Last trade price of an instrument.
    pub fn last_price(&self, id: InstrumentId) -> Option<Price> {
        self.market.get(id.index()).and_then(|m| m.last_trade)
    }
}
