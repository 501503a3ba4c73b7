//! STAND-IN: replaced by the real matching core at merge.
//!
//! A minimal, pure (no I/O) spot exchange with the API the venue's trading
//! protocol is written against: accounts with exact balances (18-decimal
//! [`Notional`]), Binance's filters, LIMIT orders that rest and fill when a
//! market trade reaches them (maker), MARKET / IOC / crossing LIMIT orders
//! that take the whole quantity at the generated top of book (taker),
//! cancels, queries and trade history. Commissions are in the quote asset.

use crate::domain::{Instrument, Notional, OrderKind, Price, Qty, Side, TimeInForce};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// `[sim-venue.exchange]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct ExchangeConfig {
    /// Commission of a fill that rested on the book, in basis points of its notional.
    pub maker_fee_bps: u32,
    /// Commission of a fill that took liquidity, in basis points of its notional.
    pub taker_fee_bps: u32,
    /// What every new account starts with (asset → decimal amount).
    pub starting_balances: BTreeMap<String, String>,
    /// Finished orders kept for queries.
    pub keep_finished_orders: usize,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        let starting_balances = [("USDT", "100000"), ("BTC", "1"), ("ETH", "10"), ("SOL", "100"), ("DOGE", "100000")]
            .into_iter()
            .map(|(a, v)| (a.to_string(), v.to_string()))
            .collect();
        Self { maker_fee_bps: 10, taker_fee_bps: 10, starting_balances, keep_finished_orders: 10_000 }
    }
}

impl ExchangeConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.maker_fee_bps > 10_000 || self.taker_fee_bps > 10_000 {
            return Err("sim-venue.exchange: fees are at most 10000 bps".into());
        }
        for (asset, v) in &self.starting_balances {
            match Notional::parse(v) {
                Ok(n) if n >= Notional::ZERO => {}
                _ => return Err(format!("sim-venue.exchange.starting-balances.{asset}: not a non-negative decimal")),
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRef<'a> {
    Id(i64),
    Client(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceRequest<'a> {
    pub symbol: &'a str,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: Option<TimeInForce>,
    pub qty: Qty,
    pub price: Option<Price>,
    pub stop_price: Option<Price>,
    pub client_order_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub code: i64,
    pub msg: String,
}

fn reject(code: i64, msg: impl Into<String>) -> Reject {
    Reject { code, msg: msg.into() }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::PartiallyFilled => "PARTIALLY_FILLED",
            Self::Filled => "FILLED",
            Self::Canceled => "CANCELED",
            Self::Rejected => "REJECTED",
            Self::Expired => "EXPIRED",
        }
    }

    fn open(self) -> bool {
        matches!(self, Self::New | Self::PartiallyFilled)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSnapshot {
    pub symbol: String,
    pub order_id: i64,
    pub client_order_id: String,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: TimeInForce,
    pub price: Price,
    pub stop_price: Price,
    pub orig_qty: Qty,
    pub executed_qty: Qty,
    pub cum_quote: Notional,
    pub status: Status,
    pub time_ms: i64,
    pub update_time_ms: i64,
    pub working: bool,
    pub fills: Vec<FillRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillRow {
    pub price: Price,
    pub qty: Qty,
    pub commission: Notional,
    pub commission_asset: String,
    pub trade_id: i64,
    pub maker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeRecord {
    pub symbol: String,
    pub id: i64,
    pub order_id: i64,
    pub price: Price,
    pub qty: Qty,
    pub quote_qty: Notional,
    pub commission: Notional,
    pub commission_asset: String,
    pub time_ms: i64,
    pub is_buyer: bool,
    pub is_maker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceRow {
    pub asset: String,
    pub free: Notional,
    pub locked: Notional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecType {
    New,
    Canceled,
    Rejected,
    Trade,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecReport {
    pub exec_type: ExecType,
    pub order: OrderSnapshot,
    pub last_qty: Qty,
    pub last_price: Price,
    pub commission: Notional,
    pub commission_asset: Option<String>,
    pub trade_id: i64,
    pub maker: bool,
    pub time_ms: i64,
    pub orig_client_order_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // the API of the real core: events are moved, not stored
pub enum Outbound {
    Execution { account: AccountId, report: ExecReport },
    Balances { account: AccountId, time_ms: i64, balances: Vec<BalanceRow> },
}

#[derive(Debug, Clone, Default)]
struct Account {
    /// asset → (free, locked)
    balances: BTreeMap<String, (Notional, Notional)>,
    trades: Vec<TradeRecord>,
}

#[derive(Debug, Clone)]
struct Order {
    acct: AccountId,
    sym: usize,
    snap: OrderSnapshot,
    /// What is still locked for it: (asset, amount).
    locked: (String, Notional),
}

#[derive(Debug, Clone, Copy, Default)]
struct Top {
    bid: Price,
    ask: Price,
}

/// The stand-in exchange.
#[derive(Debug, Clone)]
pub struct Exchange {
    cfg: ExchangeConfig,
    start: BTreeMap<String, Notional>,
    instruments: Vec<Instrument>,
    by_name: HashMap<String, usize>,
    tops: Vec<Option<Top>>,
    accounts: Vec<Account>,
    by_key: HashMap<String, AccountId>,
    orders: BTreeMap<i64, Order>,
    open: Vec<BTreeSet<i64>>,
    finished: std::collections::VecDeque<i64>,
    next_order: i64,
    next_trade: i64,
    next_client: u64,
}

impl Exchange {
    pub fn new(cfg: &ExchangeConfig, instruments: &[Instrument]) -> Result<Self, String> {
        cfg.validate()?;
        let start = cfg
            .starting_balances
            .iter()
            .map(|(a, v)| Ok((a.to_ascii_uppercase(), Notional::parse(v).map_err(|e| format!("{a}: {e}"))?)))
            .collect::<Result<_, String>>()?;
        Ok(Self {
            cfg: cfg.clone(),
            start,
            by_name: instruments.iter().enumerate().map(|(i, s)| (s.symbol.clone(), i)).collect(),
            instruments: instruments.to_vec(),
            tops: vec![None; instruments.len()],
            accounts: Vec::new(),
            by_key: HashMap::new(),
            orders: BTreeMap::new(),
            open: vec![BTreeSet::new(); instruments.len()],
            finished: std::collections::VecDeque::new(),
            next_order: 1,
            next_trade: 1,
            next_client: 1,
        })
    }

    pub fn symbol_index(&self, symbol: &str) -> Option<usize> {
        self.by_name.get(symbol).copied()
    }

    pub fn instrument(&self, i: usize) -> Option<&Instrument> {
        self.instruments.get(i)
    }

    pub fn open_account(&mut self, api_key: &str) -> AccountId {
        if let Some(&a) = self.by_key.get(api_key) {
            return a;
        }
        let id = AccountId(self.accounts.len() as u32);
        let balances = self.start.iter().map(|(a, v)| (a.clone(), (*v, Notional::ZERO))).collect();
        self.accounts.push(Account { balances, trades: Vec::new() });
        self.by_key.insert(api_key.to_string(), id);
        id
    }

    pub fn account(&self, api_key: &str) -> Option<AccountId> {
        self.by_key.get(api_key).copied()
    }

    fn sym(&self, symbol: &str) -> Result<usize, Reject> {
        self.symbol_index(symbol).ok_or_else(|| reject(-1121, "Invalid symbol."))
    }

    fn free(&self, acct: AccountId, asset: &str) -> Notional {
        self.accounts.get(acct.0 as usize).and_then(|a| a.balances.get(asset)).map_or(Notional::ZERO, |b| b.0)
    }

    /// The price a taker order would get now, if any.
    fn take_price(&self, sym: usize, side: Side) -> Option<Price> {
        let t = self.tops.get(sym).copied().flatten()?;
        let p = if side == Side::Buy { t.ask } else { t.bid };
        (p.0 > 0).then_some(p)
    }

    fn fee(&self, notional: Notional, maker: bool) -> Notional {
        let bps = if maker { self.cfg.maker_fee_bps } else { self.cfg.taker_fee_bps };
        Notional(notional.0 * i128::from(bps) / 10_000)
    }

    /// What an order needs locked / available: (asset, amount).
    fn need(&self, inst: &Instrument, side: Side, price: Price, qty: Qty) -> (String, Notional) {
        match side {
            Side::Buy => {
                let n = inst.notional(price, qty);
                let bps = self.cfg.maker_fee_bps.max(self.cfg.taker_fee_bps);
                (inst.quote.clone(), n + Notional(n.0 * i128::from(bps) / 10_000))
            }
            Side::Sell => (inst.base.clone(), Notional::from_scaled(qty.0, inst.qty_scale)),
        }
    }

    pub fn validate(&self, acct: AccountId, req: &PlaceRequest<'_>) -> Result<(), Reject> {
        let sym = self.sym(req.symbol)?;
        let inst = &self.instruments[sym];
        if req.qty.0 <= 0 || req.qty < inst.min_qty || (inst.step_size.0 > 0 && req.qty.0 % inst.step_size.0 != 0) {
            return Err(reject(-1013, "Filter failure: LOT_SIZE"));
        }
        let limit = match req.kind {
            OrderKind::Market => None,
            OrderKind::Limit | OrderKind::LimitMaker => Some(req.price.ok_or_else(|| {
                reject(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.")
            })?),
            _ => return Err(reject(-2010, "Order type not supported by this venue.")),
        };
        if let Some(p) = limit {
            if p.0 <= 0 || (inst.tick_size.0 > 0 && p.0 % inst.tick_size.0 != 0) {
                return Err(reject(-1013, "Filter failure: PRICE_FILTER"));
            }
        }
        let Some(price) = limit.or_else(|| self.take_price(sym, req.side)) else {
            return Err(reject(-2010, "Market is closed."));
        };
        if inst.notional(price, req.qty) < inst.min_notional {
            return Err(reject(-1013, "Filter failure: NOTIONAL"));
        }
        if let Some(c) = req.client_order_id {
            let dup = self.open[sym]
                .iter()
                .any(|id| self.orders.get(id).is_some_and(|o| o.acct == acct && o.snap.client_order_id == c));
            if dup {
                return Err(reject(-2010, "Duplicate order sent."));
            }
        }
        if req.kind == OrderKind::LimitMaker
            && self.take_price(sym, req.side).is_some_and(|t| crosses(req.side, price, t))
        {
            return Err(reject(-2010, "Order would immediately match and take."));
        }
        let (asset, amount) = self.need(inst, req.side, price, req.qty);
        if self.free(acct, &asset) < amount {
            return Err(reject(-2010, "Account has insufficient balance for requested action."));
        }
        Ok(())
    }

    pub fn place(
        &mut self,
        acct: AccountId,
        req: &PlaceRequest<'_>,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderSnapshot, Reject> {
        if self.accounts.get(acct.0 as usize).is_none() {
            return Err(reject(-2015, "Invalid API-key, IP, or permissions for action."));
        }
        self.validate(acct, req)?;
        let sym = self.sym(req.symbol)?;
        let inst = self.instruments[sym].clone();
        let id = self.next_order;
        self.next_order += 1;
        let client = req.client_order_id.map_or_else(
            || {
                self.next_client += 1;
                format!("sim{:019}", self.next_client)
            },
            str::to_string,
        );
        let tif = req.tif.unwrap_or_default();
        let snap = OrderSnapshot {
            symbol: inst.symbol.clone(),
            order_id: id,
            client_order_id: client,
            side: req.side,
            kind: req.kind,
            tif,
            price: req.price.unwrap_or_default(),
            stop_price: req.stop_price.unwrap_or_default(),
            orig_qty: req.qty,
            executed_qty: Qty::ZERO,
            cum_quote: Notional::ZERO,
            status: Status::New,
            time_ms: now_ms,
            update_time_ms: now_ms,
            working: req.kind != OrderKind::Market,
            fills: Vec::new(),
        };
        let taker = self.take_price(sym, req.side);
        let marketable = match (req.kind, req.price, taker) {
            (OrderKind::Market, _, _) => true,
            (_, Some(p), Some(t)) => crosses(req.side, p, t),
            _ => false,
        };
        let lock_price = req.price.or(taker).unwrap_or_default();
        let (asset, amount) = self.need(&inst, req.side, lock_price, req.qty);
        self.move_balance(acct, &asset, -amount, amount);
        let mut order = Order { acct, sym, snap, locked: (asset, amount) };
        out.push(exec(acct, ExecType::New, &order.snap, now_ms, None));
        if marketable {
            if let Some(t) = taker {
                self.fill(&mut order, t, req.qty, false, now_ms, out);
            }
        }
        if order.snap.status.open() && (req.kind == OrderKind::Market || tif != TimeInForce::Gtc) {
            order.snap.status = Status::Expired;
            order.snap.working = false;
            order.snap.update_time_ms = now_ms;
            out.push(exec(acct, ExecType::Expired, &order.snap, now_ms, None));
        }
        if !order.snap.status.open() {
            self.release(&mut order);
        }
        out.push(self.balances_event(acct, &inst, now_ms));
        let snap = order.snap.clone();
        self.store(order);
        Ok(snap)
    }

    fn store(&mut self, mut order: Order) {
        let id = order.snap.order_id;
        order.snap.fills.clear();
        if order.snap.status.open() {
            self.open[order.sym].insert(id);
        } else {
            self.open[order.sym].remove(&id);
            self.finished.push_back(id);
            while self.finished.len() > self.cfg.keep_finished_orders {
                if let Some(old) = self.finished.pop_front() {
                    self.orders.remove(&old);
                }
            }
        }
        self.orders.insert(id, order);
    }

    fn move_balance(&mut self, acct: AccountId, asset: &str, free: Notional, locked: Notional) {
        if let Some(a) = self.accounts.get_mut(acct.0 as usize) {
            let b = a.balances.entry(asset.to_string()).or_default();
            b.0 += free;
            b.1 += locked;
        }
    }

    fn release(&mut self, order: &mut Order) {
        let left = std::mem::replace(&mut order.locked.1, Notional::ZERO);
        let asset = order.locked.0.clone();
        self.move_balance(order.acct, &asset, left, -left);
    }

    /// Fills `qty` of `order` at `price`.
    fn fill(&mut self, order: &mut Order, price: Price, qty: Qty, maker: bool, now_ms: i64, out: &mut Vec<Outbound>) {
        let inst = self.instruments[order.sym].clone();
        let quote = inst.notional(price, qty);
        let fee = self.fee(quote, maker);
        let base = Notional::from_scaled(qty.0, inst.qty_scale);
        let acct = order.acct;
        match order.snap.side {
            Side::Buy => {
                let cost = quote + fee;
                let from_lock = if order.locked.1 < cost { order.locked.1 } else { cost };
                order.locked.1 -= from_lock;
                self.move_balance(acct, &inst.quote, -(cost - from_lock), -from_lock);
                self.move_balance(acct, &inst.base, base, Notional::ZERO);
            }
            Side::Sell => {
                order.locked.1 -= base;
                self.move_balance(acct, &inst.base, Notional::ZERO, -base);
                self.move_balance(acct, &inst.quote, quote - fee, Notional::ZERO);
            }
        }
        let trade_id = self.next_trade;
        self.next_trade += 1;
        let s = &mut order.snap;
        s.executed_qty.0 += qty.0;
        s.cum_quote += quote;
        s.update_time_ms = now_ms;
        s.status = if s.executed_qty >= s.orig_qty { Status::Filled } else { Status::PartiallyFilled };
        s.working = s.status.open() && s.kind != OrderKind::Market;
        s.fills.push(FillRow { price, qty, commission: fee, commission_asset: inst.quote.clone(), trade_id, maker });
        if let Some(a) = self.accounts.get_mut(acct.0 as usize) {
            a.trades.push(TradeRecord {
                symbol: inst.symbol.clone(),
                id: trade_id,
                order_id: s.order_id,
                price,
                qty,
                quote_qty: quote,
                commission: fee,
                commission_asset: inst.quote.clone(),
                time_ms: now_ms,
                is_buyer: s.side == Side::Buy,
                is_maker: maker,
            });
        }
        let mut r = exec(acct, ExecType::Trade, s, now_ms, None);
        if let Outbound::Execution { report, .. } = &mut r {
            report.last_qty = qty;
            report.last_price = price;
            report.commission = fee;
            report.commission_asset = Some(inst.quote.clone());
            report.trade_id = trade_id;
            report.maker = maker;
        }
        out.push(r);
    }

    fn balances_event(&self, acct: AccountId, inst: &Instrument, now_ms: i64) -> Outbound {
        let balances =
            self.balances(acct).into_iter().filter(|b| b.asset == inst.base || b.asset == inst.quote).collect();
        Outbound::Balances { account: acct, time_ms: now_ms, balances }
    }

    fn find(&self, acct: AccountId, symbol: &str, order: OrderRef<'_>) -> Option<i64> {
        let sym = self.symbol_index(symbol)?;
        let mine = |o: &Order| o.acct == acct && o.sym == sym;
        match order {
            OrderRef::Id(id) => self.orders.get(&id).filter(|o| mine(o)).map(|_| id),
            OrderRef::Client(c) => {
                // An open order with that id first, else the latest finished one.
                let open = self.open[sym]
                    .iter()
                    .copied()
                    .find(|id| self.orders.get(id).is_some_and(|o| mine(o) && o.snap.client_order_id == c));
                open.or_else(|| {
                    self.orders.iter().rev().find(|(_, o)| mine(o) && o.snap.client_order_id == c).map(|(id, _)| *id)
                })
            }
        }
    }

    pub fn cancel(
        &mut self,
        acct: AccountId,
        symbol: &str,
        order: OrderRef<'_>,
        cancel_client_id: Option<&str>,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderSnapshot, Reject> {
        self.sym(symbol)?;
        let unknown = || reject(-2011, "Unknown order sent.");
        let id = self.find(acct, symbol, order).ok_or_else(unknown)?;
        if !self.orders.get(&id).is_some_and(|o| o.snap.status.open()) {
            return Err(unknown());
        }
        let Some(mut o) = self.orders.remove(&id) else { return Err(unknown()) };
        self.release(&mut o);
        o.snap.status = Status::Canceled;
        o.snap.working = false;
        o.snap.update_time_ms = now_ms;
        let orig = o.snap.client_order_id.clone();
        let cancel_id = cancel_client_id.map_or_else(
            || {
                self.next_client += 1;
                format!("simcancel{:019}", self.next_client)
            },
            str::to_string,
        );
        let mut report = exec(o.acct, ExecType::Canceled, &o.snap, now_ms, Some(orig));
        if let Outbound::Execution { report, .. } = &mut report {
            report.order.client_order_id = cancel_id;
        }
        out.push(report);
        let inst = self.instruments[o.sym].clone();
        out.push(self.balances_event(acct, &inst, now_ms));
        let snap = o.snap.clone();
        self.store(o);
        Ok(snap)
    }

    pub fn cancel_all(
        &mut self,
        acct: AccountId,
        symbol: &str,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<Vec<OrderSnapshot>, Reject> {
        let sym = self.sym(symbol)?;
        let ids: Vec<i64> =
            self.open[sym].iter().copied().filter(|id| self.orders.get(id).is_some_and(|o| o.acct == acct)).collect();
        if ids.is_empty() {
            return Err(reject(-2011, "Unknown order sent."));
        }
        ids.into_iter().map(|id| self.cancel(acct, symbol, OrderRef::Id(id), None, now_ms, out)).collect()
    }

    pub fn query(&self, acct: AccountId, symbol: &str, order: OrderRef<'_>) -> Result<OrderSnapshot, Reject> {
        self.sym(symbol)?;
        let id = self.find(acct, symbol, order).ok_or_else(|| reject(-2013, "Order does not exist."))?;
        self.orders.get(&id).map(|o| o.snap.clone()).ok_or_else(|| reject(-2013, "Order does not exist."))
    }

    pub fn open_orders(&self, acct: AccountId, symbol: Option<&str>) -> Result<Vec<OrderSnapshot>, Reject> {
        let syms: Vec<usize> = match symbol {
            Some(s) => vec![self.sym(s)?],
            None => (0..self.instruments.len()).collect(),
        };
        Ok(syms
            .into_iter()
            .flat_map(|s| self.open[s].iter())
            .filter_map(|id| self.orders.get(id))
            .filter(|o| o.acct == acct)
            .map(|o| o.snap.clone())
            .collect())
    }

    pub fn balances(&self, acct: AccountId) -> Vec<BalanceRow> {
        self.accounts
            .get(acct.0 as usize)
            .map(|a| {
                a.balances.iter().map(|(k, (f, l))| BalanceRow { asset: k.clone(), free: *f, locked: *l }).collect()
            })
            .unwrap_or_default()
    }

    pub fn trades(
        &self,
        acct: AccountId,
        symbol: &str,
        order_id: Option<i64>,
        from_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<TradeRecord>, Reject> {
        self.sym(symbol)?;
        let Some(a) = self.accounts.get(acct.0 as usize) else { return Ok(Vec::new()) };
        let rows: Vec<TradeRecord> = a
            .trades
            .iter()
            .filter(|t| t.symbol == symbol)
            .filter(|t| order_id.is_none_or(|o| t.order_id == o))
            .filter(|t| from_id.is_none_or(|f| t.id >= f))
            .cloned()
            .collect();
        let skip = if from_id.is_some() { 0 } else { rows.len().saturating_sub(limit) };
        Ok(rows.into_iter().skip(skip).take(limit).collect())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn on_book(
        &mut self,
        symbol: usize,
        bid: Price,
        _bid_qty: Qty,
        ask: Price,
        _ask_qty: Qty,
        _now_ms: i64,
        _out: &mut Vec<Outbound>,
    ) {
        if let Some(t) = self.tops.get_mut(symbol) {
            *t = Some(Top { bid, ask });
        }
    }

    pub fn on_market_trade(
        &mut self,
        symbol: usize,
        price: Price,
        _qty: Qty,
        _buyer_is_maker: bool,
        now_ms: i64,
        out: &mut Vec<Outbound>,
    ) {
        let Some(open) = self.open.get(symbol) else { return };
        if open.is_empty() {
            return;
        }
        let hit: Vec<i64> = open
            .iter()
            .copied()
            .filter(|id| {
                self.orders.get(id).is_some_and(|o| match o.snap.side {
                    Side::Buy => price <= o.snap.price,
                    Side::Sell => price >= o.snap.price,
                })
            })
            .collect();
        for id in hit {
            let Some(mut o) = self.orders.remove(&id) else { continue };
            let left = Qty(o.snap.orig_qty.0 - o.snap.executed_qty.0);
            let p = o.snap.price;
            self.fill(&mut o, p, left, true, now_ms, out);
            if !o.snap.status.open() {
                self.release(&mut o);
            }
            let inst = self.instruments[symbol].clone();
            out.push(self.balances_event(o.acct, &inst, now_ms));
            self.store(o);
        }
    }
}

fn crosses(side: Side, limit: Price, top: Price) -> bool {
    match side {
        Side::Buy => limit >= top,
        Side::Sell => limit <= top,
    }
}

fn exec(account: AccountId, exec_type: ExecType, order: &OrderSnapshot, now_ms: i64, orig: Option<String>) -> Outbound {
    let mut order = order.clone();
    order.fills.clear();
    Outbound::Execution {
        account,
        report: ExecReport {
            exec_type,
            order,
            last_qty: Qty::ZERO,
            last_price: Price::ZERO,
            commission: Notional::ZERO,
            commission_asset: None,
            trade_id: -1,
            maker: false,
            time_ms: now_ms,
            orig_client_order_id: orig,
        },
    }
}
