//! Why risk refused an order: a typed reason for counters and the summary,
//! plus a detail string for the log and the screen.

use std::fmt;

/// One pre-trade check, in the order the engine runs them (see [`RiskReason::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RiskReason {
    /// The kill switch is tripped: every order is refused.
    KillSwitch,
    /// Zero or negative quantity, a limit kind without a positive price.
    InvalidOrder,
    /// No market data for `stale-after-ms` of event time, or the feed flagged the instrument.
    StaleMarketData,
    /// A market order (or the price band) needs a reference price and there is none.
    NoMarketPrice,
    /// Limit price not a multiple of the instrument's tick size.
    TickSize,
    /// Quantity not a multiple of the instrument's step size.
    StepSize,
    /// Quantity below the instrument's minimum.
    MinQty,
    /// Order notional below the instrument's minimum.
    MinNotional,
    /// Limit price too far from the last trade or mid (fat finger).
    PriceBand,
    /// Quantity above the per-symbol maximum.
    MaxOrderQty,
    /// Order notional above the maximum.
    MaxOrderNotional,
    /// Resulting position above the per-symbol quantity or the notional maximum.
    MaxPosition,
    /// Gross exposure across instruments after the order above the maximum.
    MaxGrossExposure,
    /// Too many open orders already.
    MaxOpenOrders,
    /// Too many orders accepted within the last second of event time.
    OrderRate,
}

impl RiskReason {
    pub const COUNT: usize = 15;

    /// Every reason, in check order.
    pub const ALL: [Self; Self::COUNT] = [
        Self::KillSwitch,
        Self::InvalidOrder,
        Self::StaleMarketData,
        Self::NoMarketPrice,
        Self::TickSize,
        Self::StepSize,
        Self::MinQty,
        Self::MinNotional,
        Self::PriceBand,
        Self::MaxOrderQty,
        Self::MaxOrderNotional,
        Self::MaxPosition,
        Self::MaxGrossExposure,
        Self::MaxOpenOrders,
        Self::OrderRate,
    ];

    /// Snake-case name for counters and the JSON summary.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::KillSwitch => "kill_switch",
            Self::InvalidOrder => "invalid_order",
            Self::StaleMarketData => "stale_market_data",
            Self::NoMarketPrice => "no_market_price",
            Self::TickSize => "tick_size",
            Self::StepSize => "step_size",
            Self::MinQty => "min_qty",
            Self::MinNotional => "min_notional",
            Self::PriceBand => "price_band",
            Self::MaxOrderQty => "max_order_qty",
            Self::MaxOrderNotional => "max_order_notional",
            Self::MaxPosition => "max_position",
            Self::MaxGrossExposure => "max_gross_exposure",
            Self::MaxOpenOrders => "max_open_orders",
            Self::OrderRate => "order_rate",
        }
    }

    /// Position in [`Self::ALL`], for counter arrays.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RiskReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused order: the reason plus numbers that explain it.
/// Built only on the reject path, so accepting never allocates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: RiskReason,
    /// E.g. `qty 2.00000 > max 1.00000`.
    pub detail: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.detail)
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_index_order() {
        for (i, r) in RiskReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i, "{r}");
        }
    }
}
