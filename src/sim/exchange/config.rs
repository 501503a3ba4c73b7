//! How the sim exchange charges and funds its accounts.
//!
//! Strict serde with defaults for everything, like the rest of `[sim]`;
//! [`ExchangeConfig::validate`] names the bad key first.

use crate::domain::Notional;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Fees above 100 % would make a sale cost more than it brings in.
const MAX_FEE_BPS: u32 = 10_000;
/// Finished orders are kept in memory; this bounds it.
const MAX_KEEP_FINISHED: usize = 1_000_000;

/// Fees, starting balances and how much history an account keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct ExchangeConfig {
    /// Fee of the resting side of a fill, in basis points of the notional.
    pub maker_fee_bps: u32,
    /// Fee of the aggressing side of a fill, in basis points of the notional.
    pub taker_fee_bps: u32,
    /// Asset → decimal amount every new account starts with. A base asset
    /// of an instrument that is not listed starts at 100; any other at 0.
    pub starting_balances: BTreeMap<String, String>,
    /// Finished orders kept per account for queries; the oldest go first.
    pub keep_finished_orders: usize,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            maker_fee_bps: 2,
            taker_fee_bps: 4,
            starting_balances: BTreeMap::from([("USDT".to_string(), "1000000".to_string())]),
            keep_finished_orders: 10_000,
        }
    }
}

impl ExchangeConfig {
    /// Checks every key; the error starts with the key's name.
    pub fn validate(&self) -> Result<(), String> {
        if self.maker_fee_bps > MAX_FEE_BPS {
            return Err(format!("maker-fee-bps: {} is above {MAX_FEE_BPS}", self.maker_fee_bps));
        }
        if self.taker_fee_bps > MAX_FEE_BPS {
            return Err(format!("taker-fee-bps: {} is above {MAX_FEE_BPS}", self.taker_fee_bps));
        }
        if self.keep_finished_orders > MAX_KEEP_FINISHED {
            return Err(format!("keep-finished-orders: {} is above {MAX_KEEP_FINISHED}", self.keep_finished_orders));
        }
        for (asset, amount) in &self.starting_balances {
            self.starting_amount(asset, amount)?;
        }
        Ok(())
    }

    /// One starting balance as 18-decimal money.
    pub(super) fn starting_amount(&self, asset: &str, amount: &str) -> Result<i128, String> {
        if asset.is_empty() || asset.len() > 20 || !asset.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return Err(format!("starting-balances: asset {asset:?} is not 1-20 upper-case letters or digits"));
        }
        let v = Notional::parse(amount).map_err(|e| format!("starting-balances.{asset}: {amount:?}: {e}"))?;
        // Bounded so that no sum of balances and fills can overflow an i128.
        if v.0 < 0 || v.0 > 1_000_000_000_000_000 * 1_000_000_000_000_000_000 {
            return Err(format!("starting-balances.{asset}: {amount:?} is not within [0, 10^15]"));
        }
        Ok(v.0)
    }
}
