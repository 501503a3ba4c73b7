//! One symbol's market: a latent mid price with clustered volatility, the
//! top of book around it, and trades that take from that book.
//!
//! Prices are kept as integer ticks and quantities as integer steps; only
//! the latent mid and its variance are `f64`. A trade always prints at the
//! last published best bid or ask and never for more than rests there; a
//! level emptied by trades forces the next message of the symbol to be a
//! book update, as on a real feed.

use super::math;
use super::sampler::Sampler;

/// Bounds of the variance multiplier, so one wild draw cannot freeze or
/// explode the walk.
const VAR_MIN: f64 = 0.02;
const VAR_MAX: f64 = 50.0;
/// Log-space spread of trade sizes: a heavy right tail.
const TRADE_SIGMA: f64 = 1.3;
/// Log-space spread of fresh book quantities.
const BOOK_SIGMA: f64 = 0.9;
/// How much the last aggressor side raises the chance of the same side again.
const MOMENTUM: f64 = 0.25;
/// How much the last mid move tilts the aggressor side.
const TREND_FOLLOW: f64 = 0.1;
/// Price pressure of one trade, in units of the per-update volatility.
const IMPACT: f64 = 0.15;
/// Chance that an unchanged level's quantity is redrawn rather than nudged.
const REDRAW: f64 = 0.2;
/// Hidden depth updates between two bookTicker update ids: uniform in `0..GAP`.
const UPDATE_ID_GAP: u64 = 8;

/// GARCH(1,1) on the variance multiplier `h` (mean 1):
/// `h' = ω + h·(β + α·z²)` where `z` is the last standard-normal shock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Garch {
    omega: f64,
    alpha: f64,
    beta: f64,
}

impl Garch {
    /// `α²/(1-α-β)`: keeps the standard deviation of `h` near 0.65 whatever
    /// the update rate, so clustering looks alike at any configured rate.
    const VOL_OF_VOL: f64 = 0.3;

    /// Persistence `α + β` such that a shock halves after `half_life` updates.
    pub fn with_half_life(half_life: f64) -> Self {
        let persistence = math::exp(-std::f64::consts::LN_2 / half_life.max(1.0));
        let alpha = (Self::VOL_OF_VOL * (1.0 - persistence)).sqrt().min(persistence / 2.0);
        Self { omega: 1.0 - persistence, alpha, beta: persistence - alpha }
    }

    #[inline]
    fn update(self, h: f64, z: f64) -> f64 {
        self.omega + h * (self.beta + self.alpha * z * z)
    }
}

/// Checked, integer parameters of one symbol (built by the config).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MarketParams {
    /// Tick and step as mantissas at the instrument's scales.
    pub tick: i64,
    pub step: i64,
    /// One tick and one step in units of 10^-8, the wire's precision.
    pub price_unit: u64,
    pub qty_unit: u64,
    pub start_ticks: f64,
    /// The mid stays within `[floor_ticks, cap_ticks]`, so the bid stays positive.
    pub floor_ticks: f64,
    pub cap_ticks: f64,
    /// Standard deviation of one book update's relative mid move at `h = 1`.
    pub vol_per_book: f64,
    pub garch: Garch,
    /// 1 / rate of the exponential whose floor is the extra spread in ticks.
    pub spread_scale: f64,
    pub max_spread: i64,
    /// Medians of trade and book sizes, in steps.
    pub median_trade: f64,
    pub median_book: f64,
    /// Quantity bounds in steps.
    pub min_qty: i64,
    pub max_qty: i64,
}

/// The state of one symbol's market.
pub(crate) struct SymbolMarket {
    p: MarketParams,
    /// Latent mid, in ticks.
    mid: f64,
    /// GARCH variance multiplier.
    var: f64,
    /// Last published top of book: prices in ticks, quantities in steps
    /// (less whatever trades took since).
    pub bid: i64,
    pub ask: i64,
    pub bid_qty: i64,
    pub ask_qty: i64,
    pub update_id: u64,
    published: bool,
    bid_gone: bool,
    ask_gone: bool,
    /// The last trade.
    pub trade_id: u64,
    pub trade_price: i64,
    pub trade_qty: i64,
    pub trade_time: i64,
    pub buyer_is_maker: bool,
    /// +1 after a buy, -1 after a sell.
    last_side: f64,
    /// Sign of the last mid move.
    last_move: f64,
}

impl SymbolMarket {
    /// Ids start at seeded, exchange-like magnitudes.
    pub fn new(p: MarketParams, s: &mut Sampler) -> Self {
        let trade_id = 100_000_000 + s.below(3_000_000_000);
        let update_id = 1_000_000_000 + s.below(60_000_000_000);
        Self {
            mid: p.start_ticks,
            p,
            var: 1.0,
            bid: 0,
            ask: 0,
            bid_qty: 0,
            ask_qty: 0,
            update_id,
            published: false,
            bid_gone: false,
            ask_gone: false,
            trade_id,
            trade_price: 0,
            trade_qty: 0,
            trade_time: i64::MIN,
            buyer_is_maker: false,
            last_side: 0.0,
            last_move: 0.0,
        }
    }

    pub fn params(&self) -> &MarketParams {
        &self.p
    }

    /// No trade may print before a book is shown, nor at a level trades emptied.
    #[inline]
    pub fn needs_book(&self) -> bool {
        !self.published || self.bid_gone || self.ask_gone
    }

    /// Moves the mid one shock, redraws the spread and the top of book.
    /// `regime_vol` scales the shock and the spread with the market's mood.
    #[inline]
    pub fn book_update(&mut self, s: &mut Sampler, regime_vol: f64) {
        let z = s.normal();
        let before = self.mid;
        let scale = self.var.sqrt() * regime_vol;
        let shock = scale * z;
        self.mid = self.clamp_mid(self.mid * (1.0 + self.p.vol_per_book * shock));
        self.var = self.p.garch.update(self.var, z).clamp(VAR_MIN, VAR_MAX);
        self.last_move = sign(self.mid - before);

        // Wider when volatile: the geometric extra grows a little faster than
        // the volatility, so stormy books are visibly wider.
        let extra = (s.exp1() * scale * (0.5 + 0.5 * scale) * self.p.spread_scale) as i64;
        let spread = (1 + extra).min(self.p.max_spread);
        let bid = math::round(self.mid - 0.5 * spread as f64);
        let ask = bid + spread;

        let keep_bid = self.published && !self.bid_gone && bid == self.bid;
        self.bid_qty = if keep_bid { self.nudge(self.bid_qty, s) } else { self.fresh_book_qty(s) };
        let keep_ask = self.published && !self.ask_gone && ask == self.ask;
        self.ask_qty = if keep_ask { self.nudge(self.ask_qty, s) } else { self.fresh_book_qty(s) };
        self.bid = bid;
        self.ask = ask;
        self.update_id += 1 + s.below(UPDATE_ID_GAP);
        self.published = true;
        self.bid_gone = false;
        self.ask_gone = false;
    }

    /// A market order against the published book at event time `event_ms`.
    #[inline]
    pub fn trade(&mut self, s: &mut Sampler, event_ms: i64) {
        let p_buy = (0.5 + MOMENTUM * self.last_side + TREND_FOLLOW * self.last_move).clamp(0.05, 0.95);
        let buy = s.chance(p_buy);
        let size = math::round(s.log_normal(self.p.median_trade, TRADE_SIGMA)).clamp(self.p.min_qty, self.p.max_qty);
        let side = if buy { 1.0 } else { -1.0 };
        let (price, qty) = if buy {
            let q = size.min(self.ask_qty);
            self.ask_qty -= q;
            self.ask_gone = self.ask_qty == 0;
            (self.ask, q)
        } else {
            let q = size.min(self.bid_qty);
            self.bid_qty -= q;
            self.bid_gone = self.bid_qty == 0;
            (self.bid, q)
        };
        self.trade_id += 1;
        self.trade_price = price;
        self.trade_qty = qty;
        // The trade time precedes the event time by 0-2 ms, never going back.
        self.trade_time = self.trade_time.max(event_ms.saturating_sub(s.below(3) as i64));
        self.buyer_is_maker = !buy;
        self.last_side = side;
        // Aggressive flow leans on the price; an emptied level a little more.
        let gone = if self.bid_gone || self.ask_gone { 0.5 } else { 0.0 };
        let push = IMPACT * self.mid * self.p.vol_per_book * self.var.sqrt() + gone;
        self.mid = self.clamp_mid(self.mid + side * push);
    }

    /// A price in ticks as a 10^-8 wire integer.
    #[inline]
    pub fn wire_price(&self, ticks: i64) -> u64 {
        ticks as u64 * self.p.price_unit
    }

    /// A quantity in steps as a 10^-8 wire integer.
    #[inline]
    pub fn wire_qty(&self, steps: i64) -> u64 {
        steps as u64 * self.p.qty_unit
    }

    #[inline]
    fn clamp_mid(&self, m: f64) -> f64 {
        m.clamp(self.p.floor_ticks, self.p.cap_ticks)
    }

    fn fresh_book_qty(&self, s: &mut Sampler) -> i64 {
        math::round(s.log_normal(self.p.median_book, BOOK_SIGMA)).clamp(self.p.min_qty, self.p.max_qty)
    }

    /// Orders come and go at a level that stayed best: a small change, or now
    /// and then a new draw so sizes do not drift away from the median.
    fn nudge(&self, q: i64, s: &mut Sampler) -> i64 {
        let u = s.unit();
        if u < REDRAW {
            return self.fresh_book_qty(s);
        }
        let factor = 0.75 + 0.5 * (u - REDRAW) / (1.0 - REDRAW);
        math::round(q as f64 * factor).clamp(self.p.min_qty, self.p.max_qty)
    }
}

#[inline]
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garch_has_unit_mean_and_the_asked_persistence() {
        let g = Garch::with_half_life(1_000.0);
        let p = g.alpha + g.beta;
        assert!((p.powf(1_000.0) - 0.5).abs() < 1e-9);
        assert!((g.omega / (1.0 - p) - 1.0).abs() < 1e-12);
        assert!(g.alpha > 0.0 && g.beta > 0.0);
        // Tiny half-lives stay a valid, stationary process.
        let g = Garch::with_half_life(0.1);
        assert!(g.alpha > 0.0 && g.beta >= 0.0 && g.alpha + g.beta < 1.0);
    }
}
