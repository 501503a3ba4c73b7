//! Normalized market events, the same for every venue.
//!
//! Times are exchange milliseconds since the Unix epoch; ids are 64-bit
//! because Binance futures update ids pass 2^32.

use super::candle::Timeframe;
use super::fixed::{Notional, Price, Qty};
use super::instrument::InstrumentId;

/// One public trade (Binance `trade`) or one aggregate trade (`aggTrade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trade {
    pub instrument: InstrumentId,
    /// Trade id (`t`), or aggregate trade id (`a`) when `aggregated`.
    pub trade_id: u64,
    pub price: Price,
    pub qty: Qty,
    /// Trade time (`T`): candles are bucketed by this.
    pub time_ms: i64,
    /// Event time (`E`), 0 when the frame had none.
    pub event_time_ms: i64,
    /// `m`: the buyer was the maker, so the aggressor sold.
    pub buyer_is_maker: bool,
    /// From an `aggTrade` frame: `first_trade_id..=last_trade_id` were merged.
    pub aggregated: bool,
    pub first_trade_id: u64,
    pub last_trade_id: u64,
}

/// Best bid and offer (Binance `bookTicker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookTicker {
    pub instrument: InstrumentId,
    pub update_id: u64,
    pub bid: Price,
    pub bid_qty: Qty,
    pub ask: Price,
    pub ask_qty: Qty,
    /// Event time (`E`, futures only); 0 for the spot form, which carries no time.
    pub event_time_ms: i64,
    /// Transaction time (`T`, futures only); 0 for spot.
    pub transaction_time_ms: i64,
}

impl BookTicker {
    /// Mid price, rounded toward the bid when the spread is an odd number of ticks.
    pub fn mid(&self) -> Price {
        Price(self.bid.0 + (self.ask.0 - self.bid.0) / 2)
    }
}

/// One price level; a zero quantity removes the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub price: Price,
    pub qty: Qty,
}

/// Incremental order book update (Binance `depthUpdate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthUpdate {
    pub instrument: InstrumentId,
    pub event_time_ms: i64,
    /// Transaction time (`T`, futures only); 0 for spot.
    pub transaction_time_ms: i64,
    /// `U`
    pub first_update_id: u64,
    /// `u`
    pub final_update_id: u64,
    /// `pu` (futures only): the previous event's `u`.
    pub prev_final_update_id: Option<u64>,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// A REST order book snapshot (`/api/v3/depth`), found in recordings too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthSnapshot {
    /// The snapshot body names no symbol; the reader sets it when it knows.
    pub instrument: Option<InstrumentId>,
    pub last_update_id: u64,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// A kline (candlestick) as the exchange sends it (Binance `kline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kline {
    pub instrument: InstrumentId,
    pub interval: Timeframe,
    pub event_time_ms: i64,
    pub open_time_ms: i64,
    pub close_time_ms: i64,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: Qty,
    pub quote_volume: Notional,
    pub trades: u64,
    /// `x`: this kline is final.
    pub closed: bool,
}

/// Any market event the engine consumes.
///
/// Depth updates and klines are boxed: they are the two largest and not
/// the most frequent, and inline they made every event 144 bytes, which
/// each move between decoder, batch and engine copied with a call to
/// `memmove` (about 3 % of a max-speed replay); boxed, an event is 120
/// bytes and moves inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketEvent {
    Trade(Trade),
    BookTicker(BookTicker),
    Depth(Box<DepthUpdate>),
    DepthSnapshot(DepthSnapshot),
    Kline(Box<Kline>),
}

impl MarketEvent {
    /// The instrument, when the event names one.
    pub fn instrument(&self) -> Option<InstrumentId> {
        match self {
            Self::Trade(t) => Some(t.instrument),
            Self::BookTicker(b) => Some(b.instrument),
            Self::Depth(d) => Some(d.instrument),
            Self::DepthSnapshot(s) => s.instrument,
            Self::Kline(k) => Some(k.instrument),
        }
    }

    /// The exchange's time for this event, 0 when it carries none (spot bookTicker).
    pub fn exchange_time_ms(&self) -> i64 {
        match self {
            Self::Trade(t) => t.time_ms,
            Self::BookTicker(b) => b.event_time_ms,
            Self::Depth(d) => d.event_time_ms,
            Self::DepthSnapshot(_) => 0,
            Self::Kline(k) => k.event_time_ms,
        }
    }

    /// A short name for counters (`trade`, `book_ticker`, ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Trade(t) if t.aggregated => "agg_trade",
            Self::Trade(_) => "trade",
            Self::BookTicker(_) => "book_ticker",
            Self::Depth(_) => "depth_update",
            Self::DepthSnapshot(_) => "depth_snapshot",
            Self::Kline(_) => "kline",
        }
    }
}
