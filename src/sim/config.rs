//! What the synthetic market looks like: symbols, message rate, burstiness.
//!
//! Strict serde (unknown keys are errors) with defaults for everything, so
//! `[sim]` can be empty. [`SyntheticConfig::validate`] turns the decimal
//! strings into integer model parameters and names the bad field on error.

use super::market::MarketParams;
use super::math;
use crate::domain::fixed::{POW10, scale_of_step};
use crate::domain::{FilterStrings, Instrument, Notional, Price, Qty, Venue};
use serde::{Deserialize, Serialize};

/// Binance prints every spot price and quantity with 8 decimals, so no
/// tick or step may be finer.
const WIRE_DECIMALS: u8 = 8;
/// Printed values stay below 10^10 units, far above any real price or size.
const MAX_WIRE_VALUE: u64 = 1_000_000_000_000_000_000;
/// The mid walks freely over a 1000× range around its start.
const PRICE_RANGE: f64 = 1_000.0;

/// The synthetic market as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct SyntheticConfig {
    /// Seed of the whole stream: the same seed gives the same bytes.
    pub seed: u64,
    /// The symbols, interleaved by time; order gives their instrument ids.
    pub symbols: Vec<SymbolSpec>,
    /// Mean messages per second across all symbols, in exchange time
    /// (`[0.001, 10^7]`; how fast they are sent is the consumer's business).
    pub rate: f64,
    /// Share of messages that are `bookTicker` updates (the rest are trades).
    pub book_ratio: f64,
    /// Hawkes branching ratio in `[0, 0.95]`: the share of messages set off
    /// by earlier ones. 0 gives Poisson arrivals; higher gives bursts.
    pub burstiness: f64,
    /// How long a burst's excitement lasts (exponential decay time, ms).
    pub burst_decay_ms: f64,
    /// Half-life of a volatility shock in seconds (GARCH persistence).
    pub vol_half_life_s: f64,
    /// Mean length in seconds of a market-wide quiet / normal / hectic
    /// stretch (rate ×0.5 / ×1 / ×2 and more volatility, normalized so the
    /// long-run means stay as configured); 0 turns regimes off, else at least 0.1.
    pub regime_mean_s: f64,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            symbols: vec![
                SymbolSpec::new("BTCUSDT", "0.01", "0.00001", "60000").with_market(8.0, 4.0, "0.002", "1.5"),
                SymbolSpec::new("ETHUSDT", "0.01", "0.0001", "3000").with_market(10.0, 3.0, "0.05", "20"),
                SymbolSpec::new("SOLUSDT", "0.01", "0.001", "150").with_market(14.0, 2.0, "1", "300"),
                SymbolSpec::new("DOGEUSDT", "0.00001", "1", "0.12").with_market(16.0, 1.0, "2000", "200000"),
            ],
            rate: 2_000.0,
            book_ratio: 0.7,
            burstiness: 0.6,
            burst_decay_ms: 400.0,
            vol_half_life_s: 60.0,
            regime_mean_s: 120.0,
        }
    }
}

/// One synthetic symbol: its exchange filters and the character of its market.
///
/// `symbol`, `tick-size`, `step-size` and `start-price` are required when a
/// symbol is written out; the rest have defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SymbolSpec {
    /// Upper case, as the exchange spells it (`BTCUSDT`).
    pub symbol: String,
    /// Base asset; empty means "guess from the symbol's quote suffix".
    #[serde(default)]
    pub base: String,
    /// Quote asset; empty means "guess from the symbol's quote suffix".
    #[serde(default)]
    pub quote: String,
    /// PRICE_FILTER tickSize: every price is a multiple of it (at most 8 decimals).
    pub tick_size: String,
    /// LOT_SIZE stepSize: every quantity is a multiple of it (at most 8 decimals).
    pub step_size: String,
    /// LOT_SIZE minQty; empty means one step.
    #[serde(default)]
    pub min_qty: String,
    /// NOTIONAL minNotional reported in the instrument (not enforced on trades).
    #[serde(default = "default_min_notional")]
    pub min_notional: String,
    /// The first mid price; on the tick grid and at least 100 ticks.
    pub start_price: String,
    /// Long-run standard deviation of the one-minute mid return, in basis points.
    #[serde(default = "default_volatility_bps")]
    pub volatility_bps: f64,
    /// Share of the message flow relative to the other symbols.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Typical spread in ticks (at least 1): the mean at unit volatility; wider when volatile.
    #[serde(default = "default_spread_ticks")]
    pub spread_ticks: f64,
    /// The spread never exceeds this many ticks.
    #[serde(default = "default_max_spread_ticks")]
    pub max_spread_ticks: u32,
    /// Median trade size (log-normal, heavy-tailed), on the step grid; empty means 10 steps.
    #[serde(default)]
    pub median_trade_qty: String,
    /// Median quantity resting at the best bid or ask, on the step grid; empty means 100 steps.
    #[serde(default)]
    pub median_book_qty: String,
}

fn default_min_notional() -> String {
    "5".into()
}
fn default_volatility_bps() -> f64 {
    10.0
}
fn default_weight() -> f64 {
    1.0
}
fn default_spread_ticks() -> f64 {
    1.5
}
fn default_max_spread_ticks() -> u32 {
    20
}

impl SymbolSpec {
    /// A symbol with its required fields and every other field at its default.
    pub fn new(symbol: &str, tick_size: &str, step_size: &str, start_price: &str) -> Self {
        Self {
            symbol: symbol.into(),
            base: String::new(),
            quote: String::new(),
            tick_size: tick_size.into(),
            step_size: step_size.into(),
            min_qty: String::new(),
            min_notional: default_min_notional(),
            start_price: start_price.into(),
            volatility_bps: default_volatility_bps(),
            weight: default_weight(),
            spread_ticks: default_spread_ticks(),
            max_spread_ticks: default_max_spread_ticks(),
            median_trade_qty: String::new(),
            median_book_qty: String::new(),
        }
    }

    /// Sets the character of the market: volatility (bps per minute), share
    /// of the flow, and median trade and book sizes.
    pub fn with_market(
        mut self,
        volatility_bps: f64,
        weight: f64,
        median_trade_qty: &str,
        median_book_qty: &str,
    ) -> Self {
        self.volatility_bps = volatility_bps;
        self.weight = weight;
        self.median_trade_qty = median_trade_qty.into();
        self.median_book_qty = median_book_qty.into();
        self
    }
}

/// A checked configuration: one instrument and one parameter set per symbol.
#[derive(Debug, Clone)]
pub(crate) struct Validated {
    pub instruments: Vec<Instrument>,
    pub params: Vec<MarketParams>,
    /// Cumulative normalized weights, the last one exactly 1.
    pub cumulative_weights: Vec<f64>,
}

impl SyntheticConfig {
    /// Checks every field; the error starts with the field's path
    /// (`rate: ...`, `symbols[1].tick-size: ...`).
    pub fn validate(&self) -> Result<(), String> {
        self.checked().map(|_| ())
    }

    pub(crate) fn checked(&self) -> Result<Validated, String> {
        finite_in("rate", self.rate, 1e-3, 1e7)?;
        finite_in("book-ratio", self.book_ratio, 0.0, 1.0)?;
        finite_in("burstiness", self.burstiness, 0.0, 0.95)?;
        finite_in("burst-decay-ms", self.burst_decay_ms, 1e-3, 1e7)?;
        finite_in("vol-half-life-s", self.vol_half_life_s, 1e-3, 1e9)?;
        if self.regime_mean_s != 0.0 {
            finite_in("regime-mean-s", self.regime_mean_s, 0.1, 1e9)?;
        }
        if self.symbols.is_empty() {
            return Err("symbols: at least one symbol is needed".into());
        }
        if self.symbols.len() > 1024 {
            return Err("symbols: at most 1024 symbols".into());
        }
        let mut total_weight = 0.0;
        for (i, s) in self.symbols.iter().enumerate() {
            finite_in(&format!("symbols[{i}].weight"), s.weight, 1e-9, 1e9)?;
            total_weight += s.weight;
        }
        let mut instruments = Vec::with_capacity(self.symbols.len());
        let mut params = Vec::with_capacity(self.symbols.len());
        let mut cumulative_weights = Vec::with_capacity(self.symbols.len());
        let mut acc = 0.0;
        for (i, s) in self.symbols.iter().enumerate() {
            if self.symbols[..i].iter().any(|o| o.symbol == s.symbol) {
                return Err(format!("symbols[{i}].symbol: {} appears twice", s.symbol));
            }
            let share = s.weight / total_weight;
            let (inst, p) =
                symbol_params(self, s, share).map_err(|(field, msg)| format!("symbols[{i}].{field}: {msg}"))?;
            instruments.push(inst);
            params.push(p);
            acc += share;
            cumulative_weights.push(acc);
        }
        if let Some(last) = cumulative_weights.last_mut() {
            *last = 1.0;
        }
        Ok(Validated { instruments, params, cumulative_weights })
    }
}

fn finite_in(field: &str, v: f64, lo: f64, hi: f64) -> Result<(), String> {
    if v.is_finite() && v >= lo && v <= hi { Ok(()) } else { Err(format!("{field}: {v} is not within [{lo}, {hi}]")) }
}

type FieldError = (&'static str, String);

fn field<T, E: std::fmt::Display>(name: &'static str, r: Result<T, E>) -> Result<T, FieldError> {
    r.map_err(|e| (name, e.to_string()))
}

fn check(name: &'static str, ok: bool, msg: impl FnOnce() -> String) -> Result<(), FieldError> {
    if ok { Ok(()) } else { Err((name, msg())) }
}

/// Parses a grid quantity (`median-trade-qty`), `default_steps` when empty.
fn grid_qty(name: &'static str, s: &str, scale: u8, step: i64, default_steps: i64) -> Result<i64, FieldError> {
    if s.is_empty() {
        return Ok(default_steps);
    }
    let q = field(name, Qty::parse_unsigned(s.as_bytes(), scale))?.0;
    check(name, q > 0 && q % step == 0, || format!("{s} is not a positive multiple of step-size"))?;
    Ok(q / step)
}

/// Turns one spec into its instrument and integer model parameters.
fn symbol_params(cfg: &SyntheticConfig, s: &SymbolSpec, share: f64) -> Result<(Instrument, MarketParams), FieldError> {
    check("symbol", !s.symbol.is_empty() && s.symbol.len() <= 20, || "must be 1 to 20 characters".into())?;
    check("symbol", s.symbol.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), || {
        format!("{:?} must be upper-case letters and digits", s.symbol)
    })?;
    let price_scale = field("tick-size", scale_of_step(&s.tick_size))?;
    check("tick-size", price_scale <= WIRE_DECIMALS, || "more than 8 decimals".into())?;
    let tick = field("tick-size", Price::parse_unsigned(s.tick_size.as_bytes(), price_scale))?.0;
    check("tick-size", tick > 0, || "must be positive".into())?;
    let qty_scale = field("step-size", scale_of_step(&s.step_size))?;
    check("step-size", qty_scale <= WIRE_DECIMALS, || "more than 8 decimals".into())?;
    let step = field("step-size", Qty::parse_unsigned(s.step_size.as_bytes(), qty_scale))?.0;
    check("step-size", step > 0, || "must be positive".into())?;
    let min_qty_str = if s.min_qty.is_empty() { s.step_size.as_str() } else { s.min_qty.as_str() };
    let min_qty = grid_qty("min-qty", min_qty_str, qty_scale, step, 1)?;
    field("min-notional", Notional::parse(&s.min_notional))?;
    check("min-notional", !s.min_notional.starts_with('-'), || "must not be negative".into())?;

    let start = field("start-price", Price::parse_unsigned(s.start_price.as_bytes(), price_scale))?.0;
    check("start-price", start % tick == 0, || format!("{} is not a multiple of tick-size", s.start_price))?;
    let start_ticks = start / tick;
    check("start-price", start_ticks >= 100, || "must be at least 100 ticks".into())?;
    let price_unit = tick as u64 * POW10[usize::from(WIRE_DECIMALS - price_scale)] as u64;
    let qty_unit = step as u64 * POW10[usize::from(WIRE_DECIMALS - qty_scale)] as u64;
    let max_ticks = MAX_WIRE_VALUE / price_unit;
    check("start-price", (start_ticks as u64) <= max_ticks / 4, || "too large".into())?;
    let max_steps = (MAX_WIRE_VALUE / qty_unit) as i64;

    let median_trade = grid_qty("median-trade-qty", &s.median_trade_qty, qty_scale, step, 10)?;
    let median_book = grid_qty("median-book-qty", &s.median_book_qty, qty_scale, step, 100)?;
    check("median-trade-qty", median_trade <= max_steps / 10_000, || "too large".into())?;
    check("median-book-qty", median_book <= max_steps / 10_000, || "too large".into())?;

    let vol_ok = s.volatility_bps.is_finite() && (0.0..=10_000.0).contains(&s.volatility_bps);
    check("volatility-bps", vol_ok, || format!("{} is not within [0, 10000]", s.volatility_bps))?;
    check("max-spread-ticks", (1..=1_000).contains(&s.max_spread_ticks), || "must be within [1, 1000]".into())?;
    let spread_ok =
        s.spread_ticks.is_finite() && s.spread_ticks >= 1.0 && s.spread_ticks <= f64::from(s.max_spread_ticks);
    check("spread-ticks", spread_ok, || format!("{} is not within [1, max-spread-ticks]", s.spread_ticks))?;
    let floor_ticks = 2 * i64::from(s.max_spread_ticks) + 2;
    check("start-price", start_ticks >= 4 * floor_ticks, || {
        format!("must be at least {} ticks for max-spread-ticks {}", 4 * floor_ticks, s.max_spread_ticks)
    })?;

    let (guess_base, guess_quote) = split_quote(&s.symbol);
    let base = if s.base.is_empty() { guess_base } else { &s.base };
    let quote = if s.quote.is_empty() { guess_quote } else { &s.quote };
    let min_qty_text = Qty(min_qty * step).display(qty_scale).to_string();
    let inst = Instrument::from_filters(
        Venue::Synthetic,
        &FilterStrings {
            symbol: &s.symbol,
            base,
            quote,
            tick_size: &s.tick_size,
            step_size: &s.step_size,
            min_qty: &min_qty_text,
            min_notional: &s.min_notional,
        },
    )
    .map_err(|e| ("tick-size", e.to_string()))?;

    // Price moves happen on book updates: spread the one-minute variance over
    // the expected number of them (forced updates keep a floor on the ratio).
    let books_per_s = cfg.rate * cfg.book_ratio.max(0.05) * share;
    let vol_per_book = s.volatility_bps * 1e-4 / (60.0 * books_per_s).sqrt();
    let params = MarketParams {
        tick,
        step,
        price_unit,
        qty_unit,
        start_ticks: start_ticks as f64,
        floor_ticks: floor_ticks as f64,
        cap_ticks: (start_ticks as f64 * PRICE_RANGE).min(max_ticks as f64 / 2.0),
        vol_per_book,
        garch: super::market::Garch::with_half_life(cfg.vol_half_life_s * books_per_s),
        spread_scale: 1.0 / spread_rate(s.spread_ticks),
        max_spread: i64::from(s.max_spread_ticks),
        median_trade: median_trade as f64,
        median_book: median_book as f64,
        min_qty,
        max_qty: max_steps / 10,
    };
    Ok((inst, params))
}

/// The rate of the exponential whose floor has mean `spread_ticks - 1`
/// (a geometric number of extra ticks).
fn spread_rate(spread_ticks: f64) -> f64 {
    let extra = spread_ticks - 1.0;
    if extra <= 0.0 { f64::INFINITY } else { math::ln(1.0 + 1.0 / extra) }
}

/// Guesses base and quote from a concatenated symbol by its quote suffix.
fn split_quote(symbol: &str) -> (&str, &str) {
    const QUOTES: [&str; 10] = ["USDT", "USDC", "FDUSD", "TUSD", "USD", "EUR", "BTC", "ETH", "BNB", "TRY"];
    QUOTES
        .iter()
        .find(|q| symbol.len() > q.len() && symbol.ends_with(*q))
        .map_or((symbol, ""), |q| symbol.split_at(symbol.len() - q.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_give_exchange_like_instruments() {
        let v = SyntheticConfig::default().checked().unwrap();
        assert_eq!(v.instruments.len(), 4);
        let btc = &v.instruments[0];
        assert_eq!((btc.base.as_str(), btc.quote.as_str()), ("BTC", "USDT"));
        assert_eq!((btc.price_scale, btc.qty_scale), (2, 5));
        assert_eq!(v.params[0].price_unit, 1_000_000);
        assert_eq!(v.params[3].qty_unit, 100_000_000);
        assert_eq!(v.cumulative_weights.last(), Some(&1.0));
    }

    #[test]
    fn spread_rate_gives_the_mean_extra_ticks() {
        // floor(Exp(λ)) is geometric with mean e^-λ / (1 - e^-λ).
        let l = spread_rate(3.0);
        let q = (-l).exp();
        assert!((q / (1.0 - q) - 2.0).abs() < 1e-8);
        assert_eq!(spread_rate(1.0), f64::INFINITY);
    }
}
