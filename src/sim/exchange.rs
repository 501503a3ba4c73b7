//! The sim venue's matching exchange: accounts, balances, per-symbol
//! price-time books and the Binance order rules, with no I/O, no clock and
//! no locks. The HTTP/WebSocket layer calls it with parsed requests and the
//! time, and forwards the [`Outbound`] events it pushes.
//!
//! ```text
//!  config    ExchangeConfig: fees, starting balances, history kept
//!  types     requests, snapshots, reports, events (the public vocabulary)
//!  order     the Copy order record, inline client ids, the slab
//!  book      price levels (BTreeMap) of FIFOs threaded through the slab
//!  account   balances by asset index, open client ids, history
//!  checks    parameter and filter checks, balance needs (`validate`)
//!  matching  place: plan the fills, apply them, rest or expire
//!  lifecycle cancel, queries, trade history
//!  market    fills against the generated book and trade prints, stops
//!  emit      snapshots, execution reports, balance events
//! ```
//!
//! Liquidity: an incoming order takes the resting book and the generated
//! market's top of book (last [`Exchange::on_book`]) in price order, the
//! resting book first at equal prices; what it takes from the generated top
//! is gone until the next `on_book`. Resting orders fill as makers against
//! generated prints and tops. Stops trigger on generated prints only.
//!
//! Departure from Binance: every fee is charged in the quote asset (buys
//! too), so positions stay whole numbers of steps and P&L checks stay exact.
//! A buy locks `price × qty` plus the higher of the two fees, so a fill can
//! always be paid from what the order holds.

mod account;
mod book;
mod checks;
pub mod config;
mod emit;
mod lifecycle;
mod market;
mod matching;
mod order;
pub mod types;

#[cfg(test)]
mod tests;

pub use config::ExchangeConfig;
pub use types::{
    AccountId, BalanceRow, ExchangeStats, ExecReport, ExecType, FillRow, OrderRef, OrderSnapshot, Outbound,
    PlaceRequest, Reject, Status, TradeRecord,
};

use crate::domain::fixed::POW10;
use crate::domain::{Instrument, Price, Qty};
use account::{Account, Bal};
use book::SymBook;
use order::{FxMap, Order, Slab};
use std::collections::{BTreeSet, HashMap};

/// Starting balance of a base asset the config does not list.
const DEFAULT_BASE_BALANCE: i128 = 100 * 1_000_000_000_000_000_000;

/// One fill an incoming order would get: from a resting order (`slot`) or
/// from the generated market (`slot == NIL`).
#[derive(Debug, Clone, Copy)]
struct Planned {
    slot: u32,
    price: Price,
    qty: Qty,
}

/// The matching core; see the module docs.
#[derive(Debug)]
pub struct Exchange {
    maker_bps: i128,
    taker_bps: i128,
    keep_finished: usize,
    instruments: Vec<Instrument>,
    /// (base, quote) asset indices per symbol.
    sym_assets: Vec<(u32, u32)>,
    sym_index: HashMap<String, usize>,
    /// Sorted, so balances come out sorted by asset.
    assets: Vec<String>,
    start_bal: Vec<i128>,
    accounts: Vec<Account>,
    keys: HashMap<String, AccountId>,
    books: Vec<SymBook>,
    /// Open orders (resting or held stops).
    slab: Slab,
    /// Open order id → slab slot.
    by_id: FxMap<i64, u32>,
    next_order_id: i64,
    /// Scratch, reused so an operation does not allocate for its plan.
    plan: Vec<Planned>,
    /// Scratch: (account, asset) pairs changed by the current operation.
    touched: Vec<(u32, u32)>,
    stats: ExchangeStats,
}

impl Exchange {
    /// Checks the config and the instruments (unique symbols, named assets,
    /// `price_scale + qty_scale <= 18` so every notional is exact).
    pub fn new(cfg: &ExchangeConfig, instruments: &[Instrument]) -> Result<Self, String> {
        cfg.validate()?;
        let mut sym_index = HashMap::new();
        let mut names = BTreeSet::new();
        for (i, inst) in instruments.iter().enumerate() {
            if inst.symbol.is_empty() || sym_index.insert(inst.symbol.clone(), i).is_some() {
                return Err(format!("instruments[{i}]: symbol {:?} is empty or appears twice", inst.symbol));
            }
            if inst.base.is_empty() || inst.quote.is_empty() || inst.base == inst.quote {
                return Err(format!("instruments[{i}]: {} needs two different, named assets", inst.symbol));
            }
            if inst.price_scale + inst.qty_scale > crate::domain::fixed::MAX_SCALE {
                return Err(format!("instruments[{i}]: {} has more than 18 decimals in price × qty", inst.symbol));
            }
            if inst.tick_size.0 < 0 || inst.step_size.0 < 0 || inst.min_qty.0 < 0 || inst.min_notional.0 < 0 {
                return Err(format!("instruments[{i}]: {} has a negative filter", inst.symbol));
            }
            names.insert(inst.base.clone());
            names.insert(inst.quote.clone());
        }
        names.extend(cfg.starting_balances.keys().cloned());
        let assets: Vec<String> = names.into_iter().collect();
        let index = |a: &str| assets.iter().position(|x| x == a).unwrap_or(0) as u32;
        let sym_assets = instruments.iter().map(|i| (index(&i.base), index(&i.quote))).collect();
        let mut start_bal = Vec::with_capacity(assets.len());
        for a in &assets {
            let v = match cfg.starting_balances.get(a) {
                Some(s) => cfg.starting_amount(a, s)?,
                None if instruments.iter().any(|i| &i.base == a) => DEFAULT_BASE_BALANCE,
                None => 0,
            };
            start_bal.push(v);
        }
        Ok(Self {
            maker_bps: i128::from(cfg.maker_fee_bps),
            taker_bps: i128::from(cfg.taker_fee_bps),
            keep_finished: cfg.keep_finished_orders,
            instruments: instruments.to_vec(),
            sym_assets,
            sym_index,
            assets,
            start_bal,
            accounts: Vec::new(),
            keys: HashMap::new(),
            books: instruments.iter().map(|_| SymBook::new()).collect(),
            slab: Slab::default(),
            by_id: FxMap::default(),
            next_order_id: 1,
            plan: Vec::new(),
            touched: Vec::new(),
            stats: ExchangeStats::default(),
        })
    }

    pub fn symbol_index(&self, symbol: &str) -> Option<usize> {
        self.sym_index.get(symbol).copied()
    }

    pub fn instrument(&self, i: usize) -> Option<&Instrument> {
        self.instruments.get(i)
    }

    /// A new account with the starting balances, or the existing one for a known key.
    pub fn open_account(&mut self, api_key: &str) -> AccountId {
        if let Some(&id) = self.keys.get(api_key) {
            return id;
        }
        let id = AccountId(self.accounts.len() as u32);
        let bal = self.start_bal.iter().map(|&free| Bal { free, locked: 0 }).collect();
        self.accounts.push(Account::new(bal, self.instruments.len()));
        self.keys.insert(api_key.to_string(), id);
        id
    }

    pub fn account(&self, api_key: &str) -> Option<AccountId> {
        self.keys.get(api_key).copied()
    }

    /// Every asset of the account, sorted by asset.
    pub fn balances(&self, acct: AccountId) -> Vec<BalanceRow> {
        let Some(a) = self.accounts.get(acct.0 as usize) else { return Vec::new() };
        self.assets.iter().zip(&a.bal).map(|(asset, b)| emit::balance_row(asset, b)).collect()
    }

    pub fn stats(&self) -> ExchangeStats {
        self.stats
    }

    fn sym_of(&self, symbol: &str) -> Result<usize, Reject> {
        self.symbol_index(symbol).ok_or_else(Reject::bad_symbol)
    }

    fn account_ok(&self, acct: AccountId) -> Result<(), Reject> {
        if (acct.0 as usize) < self.accounts.len() { Ok(()) } else { Err(Reject::bad_account()) }
    }

    /// `price × qty` at 18 decimals; `None` on overflow.
    fn notional(&self, sym: usize, p: Price, q: Qty) -> Option<i128> {
        let inst = self.instruments.get(sym)?;
        let shift = 18usize.checked_sub(usize::from(inst.price_scale + inst.qty_scale))?;
        i128::from(p.0).checked_mul(i128::from(q.0))?.checked_mul(i128::from(*POW10.get(shift)?))
    }

    /// A base quantity as 18-decimal money.
    fn base18(&self, sym: usize, q: Qty) -> i128 {
        let scale = self.instruments.get(sym).map_or(18, |i| i.qty_scale);
        let p = POW10.get(usize::from(18u8.saturating_sub(scale))).copied().unwrap_or(1);
        i128::from(q.0).saturating_mul(i128::from(p))
    }

    /// The asset an order locks: quote for buys, base for sells.
    fn lock_asset(&self, o: &Order) -> u32 {
        let (base, quote) = self.sym_assets.get(o.sym as usize).copied().unwrap_or((0, 0));
        match o.side {
            crate::domain::Side::Buy => quote,
            crate::domain::Side::Sell => base,
        }
    }

    /// Changes one balance (saturating) and remembers it for the next balance event.
    fn adjust(&mut self, acct: u32, asset: u32, d_free: i128, d_locked: i128) {
        let Some(b) = self.accounts.get_mut(acct as usize).and_then(|a| a.bal.get_mut(asset as usize)) else {
            return;
        };
        b.free = b.free.saturating_add(d_free);
        b.locked = b.locked.saturating_add(d_locked).max(0);
        self.touched.push((acct, asset));
    }
}

/// Fee on a notional, rounded down to the 18th decimal.
fn fee(notional: i128, bps: i128) -> i128 {
    notional.checked_mul(bps).map_or(i128::MAX / 10_000, |v| v / 10_000)
}
