//! Instruments: what a symbol trades and at which precision.

use super::fixed::{FixedError, MAX_SCALE, Notional, Price, Qty};
use std::fmt;

/// Where an instrument trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Venue {
    /// Binance Spot (production, testnet or the built-in sim venue).
    #[default]
    BinanceSpot,
    /// Binance USD-M futures (recorded files only).
    BinanceUsdm,
    /// Binance COIN-M futures (recorded files only).
    BinanceCoinm,
    /// The synthetic market generator.
    Synthetic,
}

impl Venue {
    /// Binance sends at most 8 decimals on every market, so 8/8 is the safe
    /// default scale for a symbol met in a file without an exchangeInfo.
    pub const fn default_scales(self) -> (u8, u8) {
        (8, 8)
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::BinanceSpot => "binance-spot",
            Self::BinanceUsdm => "binance-usdm",
            Self::BinanceCoinm => "binance-coinm",
            Self::Synthetic => "synthetic",
        }
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Dense index of an instrument in [`Instruments`]; cheap to copy into every event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct InstrumentId(pub u32);

impl InstrumentId {
    #[inline]
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A tradable symbol with its precision and exchange filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    pub venue: Venue,
    /// Upper case, as the exchange spells it in events (`BTCUSDT`).
    pub symbol: String,
    pub base: String,
    pub quote: String,
    /// Decimals of every price of this instrument.
    pub price_scale: u8,
    /// Decimals of every quantity of this instrument.
    pub qty_scale: u8,
    /// PRICE_FILTER tickSize (zero: no constraint).
    pub tick_size: Price,
    /// LOT_SIZE stepSize (zero: no constraint).
    pub step_size: Qty,
    /// LOT_SIZE minQty (zero: none).
    pub min_qty: Qty,
    /// NOTIONAL / MIN_NOTIONAL minNotional (zero: none).
    pub min_notional: Notional,
}

impl Instrument {
    /// An instrument with no filters at the venue's default scales.
    pub fn with_defaults(venue: Venue, symbol: &str) -> Self {
        let (price_scale, qty_scale) = venue.default_scales();
        let (base, quote) = split_symbol(symbol);
        Self {
            venue,
            symbol: symbol.to_ascii_uppercase(),
            base,
            quote,
            price_scale,
            qty_scale,
            tick_size: Price(1),
            step_size: Qty(1),
            min_qty: Qty::ZERO,
            min_notional: Notional::ZERO,
        }
    }

    /// Builds an instrument from the decimal strings of an exchangeInfo entry.
    /// The scales are the decimals of `tick_size` and `step_size`.
    pub fn from_filters(venue: Venue, f: &FilterStrings<'_>) -> Result<Self, FixedError> {
        let FilterStrings { symbol, base, quote, tick_size, step_size, min_qty, min_notional } = *f;
        let price_scale = super::fixed::scale_of_step(tick_size)?;
        let qty_scale = super::fixed::scale_of_step(step_size)?;
        if price_scale + qty_scale > MAX_SCALE {
            return Err(FixedError::BadScale(price_scale + qty_scale));
        }
        Ok(Self {
            venue,
            symbol: symbol.to_ascii_uppercase(),
            base: base.to_ascii_uppercase(),
            quote: quote.to_ascii_uppercase(),
            price_scale,
            qty_scale,
            tick_size: Price::parse(tick_size, price_scale)?,
            step_size: Qty::parse(step_size, qty_scale)?,
            min_qty: Qty::parse(min_qty, qty_scale)?,
            min_notional: Notional::parse(min_notional)?,
        })
    }

    /// `price × qty` in money.
    #[inline]
    pub fn notional(&self, price: Price, qty: Qty) -> Notional {
        Notional::of(price, qty, self.price_scale, self.qty_scale)
    }

    /// Shows a price at this instrument's precision.
    pub fn fmt_price(&self, p: Price) -> String {
        p.display(self.price_scale).to_string()
    }

    /// Shows a quantity at this instrument's precision.
    pub fn fmt_qty(&self, q: Qty) -> String {
        q.display(self.qty_scale).to_string()
    }

    /// Parses a price string at this instrument's scale.
    pub fn parse_price(&self, s: &str) -> Result<Price, FixedError> {
        Price::parse(s, self.price_scale)
    }

    /// Parses a quantity string at this instrument's scale.
    pub fn parse_qty(&self, s: &str) -> Result<Qty, FixedError> {
        Qty::parse(s, self.qty_scale)
    }
}

/// The decimal strings of an exchangeInfo symbol entry that make an [`Instrument`].
#[derive(Debug, Clone, Copy)]
pub struct FilterStrings<'a> {
    pub symbol: &'a str,
    pub base: &'a str,
    pub quote: &'a str,
    pub tick_size: &'a str,
    pub step_size: &'a str,
    pub min_qty: &'a str,
    pub min_notional: &'a str,
}

/// Guesses base and quote from a concatenated symbol by its quote suffix.
fn split_symbol(symbol: &str) -> (String, String) {
    const QUOTES: [&str; 12] =
        ["USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USD", "EUR", "BTC", "ETH", "BNB", "TRY", "BRL"];
    let up = symbol.to_ascii_uppercase();
    let up = up.split('_').next().unwrap_or(&up).to_string();
    for q in QUOTES {
        if up.len() > q.len() && up.ends_with(q) {
            return (up[..up.len() - q.len()].to_string(), q.to_string());
        }
    }
    (up, String::new())
}

/// The instrument table. Symbols are looked up by their wire bytes without
/// allocating; a symbol never seen before is added with the venue's defaults
/// when `auto_register` is on (the case of a bare recorded file).
#[derive(Debug, Clone, Default)]
pub struct Instruments {
    list: Vec<Instrument>,
    auto_register: Option<Venue>,
}

impl Instruments {
    /// An empty table that adds unknown symbols with `venue`'s default scales.
    pub fn auto(venue: Venue) -> Self {
        Self { list: Vec::new(), auto_register: Some(venue) }
    }

    /// A fixed table: unknown symbols are refused.
    pub fn fixed(list: Vec<Instrument>) -> Self {
        Self { list, auto_register: None }
    }

    /// Allows unknown symbols to be added with `venue`'s defaults.
    pub fn set_auto_register(&mut self, venue: Option<Venue>) {
        self.auto_register = venue;
    }

    /// Adds or replaces an instrument, keeping its id when it existed.
    pub fn upsert(&mut self, inst: Instrument) -> InstrumentId {
        if let Some(id) = self.find(inst.symbol.as_bytes()) {
            self.list[id.index()] = inst;
            id
        } else {
            self.list.push(inst);
            InstrumentId((self.list.len() - 1) as u32)
        }
    }

    /// Finds a symbol by its bytes, case-sensitively (events use upper case).
    #[inline]
    pub fn find(&self, symbol: &[u8]) -> Option<InstrumentId> {
        self.list.iter().position(|i| i.symbol.as_bytes() == symbol).map(|i| InstrumentId(i as u32))
    }

    /// Finds a symbol, or adds it when auto-registration is on.
    #[inline]
    pub fn resolve(&mut self, symbol: &[u8]) -> Option<InstrumentId> {
        if let Some(id) = self.find(symbol) {
            return Some(id);
        }
        let venue = self.auto_register?;
        let s = std::str::from_utf8(symbol).ok()?;
        if s.is_empty() || s.len() > 32 || !s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return None;
        }
        Some(self.upsert(Instrument::with_defaults(venue, s)))
    }

    /// Finds a symbol given in any case (`btcusdt` on the command line).
    pub fn by_name(&self, symbol: &str) -> Option<InstrumentId> {
        self.find(symbol.to_ascii_uppercase().as_bytes())
    }

    #[inline]
    pub fn get(&self, id: InstrumentId) -> &Instrument {
        &self.list[id.index()]
    }

    pub fn try_get(&self, id: InstrumentId) -> Option<&Instrument> {
        self.list.get(id.index())
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (InstrumentId, &Instrument)> {
        self.list.iter().enumerate().map(|(i, x)| (InstrumentId(i as u32), x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_give_scales() {
        let f = FilterStrings {
            symbol: "BTCUSDT",
            base: "BTC",
            quote: "USDT",
            tick_size: "0.01000000",
            step_size: "0.00001000",
            min_qty: "0.00001000",
            min_notional: "5.00000000",
        };
        let i = Instrument::from_filters(Venue::BinanceSpot, &f).unwrap();
        assert_eq!((i.price_scale, i.qty_scale), (2, 5));
        assert_eq!(i.tick_size, Price(1));
        assert_eq!(i.min_notional.to_string(), "5");
    }

    #[test]
    fn auto_registers_unknown_symbols_once() {
        let mut t = Instruments::auto(Venue::BinanceSpot);
        let a = t.resolve(b"BTCUSDT").unwrap();
        let b = t.resolve(b"ETHUSDT").unwrap();
        assert_ne!(a, b);
        assert_eq!(t.resolve(b"BTCUSDT"), Some(a));
        assert_eq!(t.get(a).quote, "USDT");
        assert_eq!(t.resolve(b"bad symbol"), None);
        let mut f = Instruments::fixed(vec![]);
        assert_eq!(f.resolve(b"BTCUSDT"), None);
    }
}
