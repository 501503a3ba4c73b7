//! What the venue knows about its market, for REST and the derived streams:
//! per symbol its instrument, klines, order book and recent trades. The hub
//! writes it under one lock per batch; REST handlers read it briefly.

use super::book::DepthBook;
use super::candles::{Candles, TradeIn};
use super::render::Scales;
use crate::domain::{BookTicker, Instrument, Trade};
use std::collections::{HashMap, VecDeque};

/// A trade as `/api/v3/trades` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradeRow {
    pub id: u64,
    pub price: i64,
    pub qty: i64,
    pub time_ms: i64,
    pub buyer_is_maker: bool,
}

/// One symbol's state.
#[derive(Debug, Clone)]
pub struct SymbolState {
    pub inst: Instrument,
    pub scales: Scales,
    pub candles: Candles,
    pub book: DepthBook,
    pub trades: VecDeque<TradeRow>,
}

/// Sizes of what is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keep {
    pub kline_history: usize,
    pub depth_levels: usize,
    pub recent_trades: usize,
    /// Model a ladder of levels behind the top (synthetic) or only the top (replay).
    pub ladder: bool,
    pub seed: u64,
}

/// Every symbol's state.
#[derive(Debug, Clone)]
pub struct MarketState {
    symbols: Vec<SymbolState>,
    by_name: HashMap<String, usize>,
    keep: Keep,
}

impl MarketState {
    pub fn new(keep: Keep) -> Self {
        Self { symbols: Vec::new(), by_name: HashMap::new(), keep }
    }

    /// The index of `inst`'s symbol, adding it when new.
    pub fn add(&mut self, inst: &Instrument) -> usize {
        if let Some(&i) = self.by_name.get(&inst.symbol) {
            return i;
        }
        let i = self.symbols.len();
        let seed = self.keep.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.symbols.push(SymbolState {
            scales: Scales { price: inst.price_scale, qty: inst.qty_scale },
            candles: Candles::new(self.keep.kline_history),
            book: DepthBook::new(inst.tick_size.0, inst.step_size.0, self.keep.depth_levels, self.keep.ladder, seed),
            trades: VecDeque::with_capacity(self.keep.recent_trades.min(4096)),
            inst: inst.clone(),
        });
        self.by_name.insert(inst.symbol.clone(), i);
        i
    }

    /// The index of an upper-case symbol.
    pub fn find(&self, symbol: &str) -> Option<usize> {
        self.by_name.get(symbol).copied()
    }

    pub fn symbols(&self) -> &[SymbolState] {
        &self.symbols
    }

    pub fn get(&self, i: usize) -> Option<&SymbolState> {
        self.symbols.get(i)
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut SymbolState> {
        self.symbols.get_mut(i)
    }

    /// Counts a trade in the klines and the recent trades.
    pub fn on_trade(&mut self, i: usize, t: &Trade) {
        let cap = self.keep.recent_trades;
        let Some(s) = self.symbols.get_mut(i) else { return };
        s.candles.on_trade(&TradeIn {
            price: t.price.0,
            qty: t.qty.0,
            time_ms: t.time_ms,
            id: i64::try_from(t.trade_id).unwrap_or(i64::MAX),
            buyer_is_maker: t.buyer_is_maker,
        });
        if s.trades.len() >= cap {
            s.trades.pop_front();
        }
        s.trades.push_back(TradeRow {
            id: t.trade_id,
            price: t.price.0,
            qty: t.qty.0,
            time_ms: t.time_ms,
            buyer_is_maker: t.buyer_is_maker,
        });
    }

    pub fn on_book(&mut self, i: usize, b: &BookTicker) {
        if let Some(s) = self.symbols.get_mut(i) {
            s.book.on_book_ticker(b);
        }
    }

    /// Forgets the recent trades (after the backfill, whose ids are another series).
    pub fn clear_trades(&mut self) {
        for s in &mut self.symbols {
            s.trades.clear();
        }
    }
}
