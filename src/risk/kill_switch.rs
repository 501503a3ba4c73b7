//! The kill switch: trips once on a daily loss or a drawdown from peak equity
//! (or by hand) and stays tripped until the trader resets it.
//!
//! The "day" is the UTC day of the event time; its start equity is the first
//! equity seen in that day, the closest the engine can know.

use crate::domain::Notional;
use std::fmt;

const DAY_MS: i64 = 86_400_000;

/// What tripped the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KillReason {
    DailyLoss,
    Drawdown,
    /// The trader (or the engine, e.g. on a feed failure) pulled it.
    Manual,
}

impl KillReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DailyLoss => "daily_loss",
            Self::Drawdown => "drawdown",
            Self::Manual => "manual",
        }
    }
}

impl fmt::Display for KillReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A trip, kept until reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KillSwitchTrip {
    pub reason: KillReason,
    /// Event time of the trip.
    pub time_ms: i64,
    /// Equity when it tripped, when known.
    pub equity: Option<Notional>,
    /// E.g. `drawdown 2000.5 >= max 2000`.
    pub detail: String,
}

impl fmt::Display for KillSwitchTrip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {} ms: {}", self.reason, self.time_ms, self.detail)
    }
}

/// Peak and day-start tracking plus the trip latch.
#[derive(Debug, Clone, Default)]
pub struct KillSwitch {
    daily_loss_limit: Option<Notional>,
    max_drawdown: Option<Notional>,
    trip: Option<KillSwitchTrip>,
    peak: Option<Notional>,
    day: Option<i64>,
    day_start: Notional,
}

impl KillSwitch {
    pub fn new(daily_loss_limit: Option<Notional>, max_drawdown: Option<Notional>) -> Self {
        Self { daily_loss_limit, max_drawdown, ..Self::default() }
    }

    pub fn trip(&self) -> Option<&KillSwitchTrip> {
        self.trip.as_ref()
    }

    /// Highest equity seen since start (or the last reset).
    pub fn peak(&self) -> Option<Notional> {
        self.peak
    }

    /// Equity at the start of the current UTC day, as first seen.
    pub fn day_start(&self) -> Option<Notional> {
        self.day.map(|_| self.day_start)
    }

    /// Tracks equity; returns the trip when this call tripped the switch.
    pub fn on_pnl(&mut self, equity: Notional, now_ms: i64) -> Option<KillSwitchTrip> {
        let day = now_ms.div_euclid(DAY_MS);
        if self.day != Some(day) {
            self.day = Some(day);
            self.day_start = equity;
        }
        let peak = self.peak.map_or(equity, |p| p.max(equity));
        self.peak = Some(peak);
        if self.trip.is_some() {
            return None;
        }
        let loss = self.day_start - equity;
        if let Some(limit) = self.daily_loss_limit.filter(|&l| loss >= l) {
            let detail = format!("daily loss {loss} >= limit {limit}");
            return self.latch(KillReason::DailyLoss, now_ms, Some(equity), detail);
        }
        let drawdown = peak - equity;
        if let Some(max) = self.max_drawdown.filter(|&m| drawdown >= m) {
            let detail = format!("drawdown {drawdown} from peak {peak} >= max {max}");
            return self.latch(KillReason::Drawdown, now_ms, Some(equity), detail);
        }
        None
    }

    /// Trips by hand; returns the trip unless it was already tripped.
    pub fn trip_now(&mut self, reason: KillReason, now_ms: i64) -> Option<KillSwitchTrip> {
        if self.trip.is_some() {
            return None;
        }
        self.latch(reason, now_ms, None, format!("{reason} trip"))
    }

    /// Clears the trip. Peak and day start restart from the next equity, so
    /// the loss the trader just acknowledged does not trip it again at once.
    pub fn reset(&mut self) {
        self.trip = None;
        self.peak = None;
        self.day = None;
    }

    fn latch(
        &mut self,
        reason: KillReason,
        now_ms: i64,
        equity: Option<Notional>,
        detail: String,
    ) -> Option<KillSwitchTrip> {
        let trip = KillSwitchTrip { reason, time_ms: now_ms, equity, detail };
        self.trip = Some(trip.clone());
        Some(trip)
    }
}
