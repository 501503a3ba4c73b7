//! Risk configuration as the trader writes it, and the exact limits it
//! becomes. Money and quantities are decimal strings in the file so they
//! never pass through `f64`; they are parsed once, here, with an error that
//! names the key and the value.

use crate::domain::{Instrument, Notional, Qty};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[risk]`: pre-trade limits and the kill switch. A money limit of `"0"`
/// and a count of `0` disable that check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct RiskConfig {
    /// Largest notional of a single order, in quote currency.
    pub max_order_notional: String,
    /// Largest notional of the resulting position in one symbol, in quote currency.
    pub max_position_notional: String,
    /// Largest sum of |position| × price over all symbols after an order, in quote currency.
    pub max_gross_exposure: String,
    /// Fat-finger band: a limit price may differ from the mid (or last trade) by at most this many basis points.
    pub price_band_bps: u32,
    /// Orders accepted within any sliding second of event time.
    pub max_orders_per_sec: u32,
    /// Open orders (working or in flight) across all symbols.
    pub max_open_orders: u32,
    /// Refuse orders when the instrument had no market data for this long (event time, ms).
    pub stale_after_ms: u64,
    /// Trip the kill switch when equity falls this far below its value at the start of the UTC day.
    pub daily_loss_limit: String,
    /// Trip the kill switch when equity falls this far below its peak.
    pub max_drawdown: String,
    /// Cancel every open order when the kill switch trips.
    pub cancel_on_kill: bool,
    /// Per-symbol quantity limits, keyed by symbol (`BTCUSDT`).
    pub symbols: BTreeMap<String, SymbolLimits>,
}

impl Default for RiskConfig {
    fn default() -> Self {
        Self {
            max_order_notional: "10000".into(),
            max_position_notional: "50000".into(),
            max_gross_exposure: "100000".into(),
            price_band_bps: 500,
            max_orders_per_sec: 10,
            max_open_orders: 50,
            stale_after_ms: 5_000,
            daily_loss_limit: "1000".into(),
            max_drawdown: "2000".into(),
            cancel_on_kill: true,
            symbols: BTreeMap::new(),
        }
    }
}

/// `[risk.symbols.<SYMBOL>]`: quantity limits in base units; absent means no limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct SymbolLimits {
    /// Largest quantity of a single order (`"0.5"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_order_qty: Option<String>,
    /// Largest absolute resulting position (`"2"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_position_qty: Option<String>,
}

/// The most orders per second the rate window will track (its ring is allocated up front).
pub const MAX_ORDERS_PER_SEC_CAP: u32 = 100_000;

/// Parsed global limits; `None` means the check is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub max_order_notional: Option<Notional>,
    pub max_position_notional: Option<Notional>,
    pub max_gross_exposure: Option<Notional>,
    pub price_band_bps: Option<u32>,
    pub max_open_orders: Option<usize>,
    pub stale_after_ms: Option<i64>,
    pub daily_loss_limit: Option<Notional>,
    pub max_drawdown: Option<Notional>,
}

/// Per-symbol limits parsed at 18 decimals, converted to an instrument's
/// quantity scale the first time that instrument is checked (a bare recorded
/// file registers its symbols only as they appear).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SymbolLimitsExact {
    pub max_order_qty: Option<Notional>,
    pub max_position_qty: Option<Notional>,
}

/// Per-symbol limits at one instrument's quantity scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct QtyLimits {
    pub max_order_qty: Option<Qty>,
    pub max_position_qty: Option<Qty>,
}

impl SymbolLimitsExact {
    /// Rounds toward zero to the instrument's step: a limit may only get stricter.
    pub fn at_scale(self, inst: &Instrument) -> QtyLimits {
        let conv = |n: Notional| {
            let d = 10i128.pow(u32::from(Notional::SCALE.saturating_sub(inst.qty_scale)));
            Qty(i64::try_from(n.0 / d).unwrap_or(i64::MAX))
        };
        QtyLimits { max_order_qty: self.max_order_qty.map(conv), max_position_qty: self.max_position_qty.map(conv) }
    }
}

/// Parses a non-negative decimal amount; `"0"` turns the limit off.
pub(crate) fn parse_limit(key: &str, value: &str) -> Result<Option<Notional>, String> {
    let n =
        Notional::parse(value.trim()).map_err(|e| format!("risk.{key}: {value:?} is not a decimal amount ({e})"))?;
    if n.0 < 0 {
        return Err(format!("risk.{key}: {value:?} must not be negative"));
    }
    Ok((n.0 != 0).then_some(n))
}

impl RiskConfig {
    pub(crate) fn limits(&self) -> Result<Limits, String> {
        if self.max_orders_per_sec > MAX_ORDERS_PER_SEC_CAP {
            return Err(format!(
                "risk.max-orders-per-sec: {} is above the supported maximum of {MAX_ORDERS_PER_SEC_CAP}",
                self.max_orders_per_sec
            ));
        }
        let stale_after_ms = match self.stale_after_ms {
            0 => None,
            ms => Some(i64::try_from(ms).map_err(|_| format!("risk.stale-after-ms: {ms} is out of range"))?),
        };
        Ok(Limits {
            max_order_notional: parse_limit("max-order-notional", &self.max_order_notional)?,
            max_position_notional: parse_limit("max-position-notional", &self.max_position_notional)?,
            max_gross_exposure: parse_limit("max-gross-exposure", &self.max_gross_exposure)?,
            price_band_bps: (self.price_band_bps != 0).then_some(self.price_band_bps),
            max_open_orders: (self.max_open_orders != 0).then_some(self.max_open_orders as usize),
            stale_after_ms,
            daily_loss_limit: parse_limit("daily-loss-limit", &self.daily_loss_limit)?,
            max_drawdown: parse_limit("max-drawdown", &self.max_drawdown)?,
        })
    }

    pub(crate) fn symbol_limits(&self) -> Result<BTreeMap<String, SymbolLimitsExact>, String> {
        let mut out = BTreeMap::new();
        for (symbol, l) in &self.symbols {
            let parse = |field: &str, v: &Option<String>| match v {
                None => Ok(None),
                Some(s) => parse_limit(&format!("symbols.{symbol}.{field}"), s),
            };
            let exact = SymbolLimitsExact {
                max_order_qty: parse("max-order-qty", &l.max_order_qty)?,
                max_position_qty: parse("max-position-qty", &l.max_position_qty)?,
            };
            out.insert(symbol.to_ascii_uppercase(), exact);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_key_and_value() {
        let cfg = RiskConfig { max_drawdown: "12,5".into(), ..RiskConfig::default() };
        let e = cfg.limits().unwrap_err();
        assert!(e.contains("risk.max-drawdown") && e.contains("\"12,5\""), "{e}");
        let mut cfg = RiskConfig::default();
        cfg.symbols.insert("BTCUSDT".into(), SymbolLimits { max_order_qty: Some("-1".into()), max_position_qty: None });
        let e = cfg.symbol_limits().unwrap_err();
        assert!(e.contains("risk.symbols.BTCUSDT.max-order-qty"), "{e}");
    }

    #[test]
    fn zero_disables_and_defaults_parse() {
        let l = RiskConfig::default().limits().unwrap();
        assert_eq!(l.max_order_notional, Notional::parse("10000").ok());
        let off = RiskConfig { max_order_notional: "0".into(), price_band_bps: 0, ..RiskConfig::default() };
        let l = off.limits().unwrap();
        assert_eq!((l.max_order_notional, l.price_band_bps), (None, None));
    }

    #[test]
    fn symbol_limits_round_toward_zero_at_the_qty_scale() {
        let inst =
            Instrument { qty_scale: 2, ..Instrument::with_defaults(crate::domain::Venue::BinanceSpot, "BTCUSDT") };
        let e = SymbolLimitsExact { max_order_qty: Notional::parse("1.239").ok(), max_position_qty: None };
        assert_eq!(e.at_scale(&inst).max_order_qty, Some(Qty(123)));
    }
}
