//! The generator: one message per call, as Binance bytes or as events.
//!
//! Each call draws the next arrival time (Hawkes clock), the symbol (by
//! weight), and the kind (book update or trade, a book update being forced
//! when no trade could print), steps that symbol's market and renders it.

use super::arrivals::Arrivals;
use super::config::SyntheticConfig;
use super::frames::{BookFields, Frame, Templates, TradeFields};
use super::market::SymbolMarket;
use super::regime::Regime;
use super::sampler::Sampler;
use crate::domain::{BookTicker, Instrument, InstrumentId, MarketEvent, Price, Qty, Trade};

/// Which Binance stream a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameKind {
    Trade,
    BookTicker,
}

/// What was generated, without parsing the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameMeta {
    /// Exchange event time in ms: non-decreasing over the whole stream (a
    /// spot bookTicker carries no time, but it still happened at this one).
    pub time_ms: i64,
    pub kind: FrameKind,
    /// Index of the symbol in the config, which is its id in
    /// `Instruments::fixed(generator.instruments())`.
    pub instrument: InstrumentId,
}

/// A seeded synthetic market over several symbols.
pub struct Generator {
    sampler: Sampler,
    arrivals: Arrivals,
    regime: Regime,
    markets: Vec<SymbolMarket>,
    templates: Vec<Templates>,
    /// Scratch for the frame being written, reused by every call.
    frame: Box<Frame>,
    cumulative_weights: Vec<f64>,
    book_ratio: f64,
    instruments: Vec<Instrument>,
}

impl Generator {
    /// Checks `cfg` (the error names the bad field) and starts the market at
    /// `start_time_ms` (exchange time).
    pub fn new(cfg: &SyntheticConfig, start_time_ms: i64) -> Result<Self, String> {
        let v = cfg.checked()?;
        let mut sampler = Sampler::new(cfg.seed);
        let markets = v.params.into_iter().map(|p| SymbolMarket::new(p, &mut sampler)).collect();
        let regime = Regime::new(cfg.regime_mean_s, &mut sampler);
        let templates = v.instruments.iter().map(|i| Templates::new(&i.symbol)).collect();
        Ok(Self {
            sampler,
            arrivals: Arrivals::new(cfg.rate, cfg.burstiness, cfg.burst_decay_ms, start_time_ms),
            regime,
            markets,
            templates,
            frame: Box::new(Frame::new()),
            cumulative_weights: v.cumulative_weights,
            book_ratio: cfg.book_ratio,
            instruments: v.instruments,
        })
    }

    /// The instruments as an exchangeInfo would give them, in id order.
    pub fn instruments(&self) -> Vec<Instrument> {
        self.instruments.clone()
    }

    /// Writes the next message as Binance combined-stream JSON into `buf`
    /// (cleared first) and returns its metadata.
    #[inline]
    pub fn next_frame(&mut self, buf: &mut Vec<u8>) -> FrameMeta {
        let meta = self.step();
        let i = meta.instrument.index();
        let (m, t) = (&self.markets[i], &self.templates[i]);
        match meta.kind {
            FrameKind::Trade => self.frame.trade(
                t,
                &TradeFields {
                    event_ms: meta.time_ms,
                    trade_id: m.trade_id,
                    price: m.wire_price(m.trade_price),
                    qty: m.wire_qty(m.trade_qty),
                    trade_ms: m.trade_time,
                    buyer_is_maker: m.buyer_is_maker,
                },
            ),
            FrameKind::BookTicker => self.frame.book(
                t,
                &BookFields {
                    update_id: m.update_id,
                    bid: m.wire_price(m.bid),
                    bid_qty: m.wire_qty(m.bid_qty),
                    ask: m.wire_price(m.ask),
                    ask_qty: m.wire_qty(m.ask_qty),
                },
            ),
        }
        buf.clear();
        buf.extend_from_slice(self.frame.as_bytes());
        meta
    }

    /// The same market as structured events: a generator with the same
    /// config, seed and start produces the event that `next_frame` decodes to.
    pub fn next_event(&mut self) -> (FrameMeta, MarketEvent) {
        let meta = self.step();
        let m = &self.markets[meta.instrument.index()];
        let (tick, step) = (m.params().tick, m.params().step);
        let event = match meta.kind {
            FrameKind::Trade => MarketEvent::Trade(Trade {
                instrument: meta.instrument,
                trade_id: m.trade_id,
                price: Price(m.trade_price * tick),
                qty: Qty(m.trade_qty * step),
                time_ms: m.trade_time,
                event_time_ms: meta.time_ms,
                buyer_is_maker: m.buyer_is_maker,
                aggregated: false,
                first_trade_id: m.trade_id,
                last_trade_id: m.trade_id,
            }),
            FrameKind::BookTicker => MarketEvent::BookTicker(BookTicker {
                instrument: meta.instrument,
                update_id: m.update_id,
                bid: Price(m.bid * tick),
                bid_qty: Qty(m.bid_qty * step),
                ask: Price(m.ask * tick),
                ask_qty: Qty(m.ask_qty * step),
                event_time_ms: 0,
                transaction_time_ms: 0,
            }),
        };
        (meta, event)
    }

    /// Advances the market by one message.
    #[inline]
    fn step(&mut self) -> FrameMeta {
        let time_ms = self.arrivals.next(&mut self.sampler, &mut self.regime);
        let i = self.pick_symbol();
        let s = &mut self.sampler;
        // `markets` and `cumulative_weights` have the same length, so `i` is in range.
        let m = &mut self.markets[i];
        let kind = if m.needs_book() || s.chance(self.book_ratio) {
            m.book_update(s, self.regime.vol());
            FrameKind::BookTicker
        } else {
            m.trade(s, time_ms);
            FrameKind::Trade
        };
        FrameMeta { time_ms, kind, instrument: InstrumentId(i as u32) }
    }

    /// A symbol drawn by weight.
    #[inline]
    fn pick_symbol(&mut self) -> usize {
        if self.cumulative_weights.len() == 1 {
            return 0;
        }
        let u = self.sampler.unit();
        self.cumulative_weights.iter().position(|&c| u <= c).unwrap_or(self.cumulative_weights.len() - 1)
    }
}
