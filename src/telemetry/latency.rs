//! Per-stage latency histograms (HDR, 3 significant digits).
//!
//! Stamps are monotonic nanoseconds from one process-wide origin, so a stamp
//! taken on a feed thread and one taken on the engine thread compare. These
//! stamps measure; they never decide anything (decisions use event time).

use hdrhistogram::Histogram;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The process's stamp clock and its origin (raw ticks).
static CLOCK: OnceLock<(quanta::Clock, u64)> = OnceLock::new();

/// Monotonic nanoseconds since the first call in this process.
///
/// Read from the CPU's time-stamp counter when it is invariant (quanta
/// checks and calibrates it against the OS clock; it falls back to the OS
/// clock otherwise): about a third of a `clock_gettime` here, and the hot
/// path reads it several times per event.
#[inline]
pub fn mono_ns() -> u64 {
    let (clock, origin) = CLOCK.get_or_init(|| {
        let c = quanta::Clock::new();
        let o = c.raw();
        (c, o)
    });
    clock.delta_as_nanos(*origin, clock.raw())
}

/// Wall-clock nanoseconds since the Unix epoch (for receive stamps only).
pub fn wall_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Wall-clock milliseconds since the Unix epoch (request timestamps, venue time).
pub fn wall_ms() -> i64 {
    wall_ns().div_euclid(1_000_000)
}

/// A stage of the pipeline whose latency is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Exchange event time → our receive stamp, offset-corrected (ms resolution).
    ExchangeToReceive,
    /// Frame received → decoded into an event.
    Decode,
    /// Decoded → taken up by the engine (time in the channel).
    Queue,
    /// Taken up by the engine → candles updated.
    Aggregate,
    /// Candles updated → strategies have answered.
    Signal,
    /// One intent through the pre-trade checks.
    Risk,
    /// Risk passed → order handed to the router.
    Route,
    /// Router step → resulting fills applied to the portfolio.
    Fill,
    /// Frame received → order routed, end to end.
    TickToOrder,
    /// Order sent to a real venue → acknowledged (wall round trip).
    SubmitToAck,
    /// Order sent to a real venue → its first fill known.
    SubmitToFill,
    /// Cancel sent to a real venue → confirmed.
    CancelRoundTrip,
}

impl Stage {
    pub const ALL: [Self; 12] = [
        Self::ExchangeToReceive,
        Self::Decode,
        Self::Queue,
        Self::Aggregate,
        Self::Signal,
        Self::Risk,
        Self::Route,
        Self::Fill,
        Self::TickToOrder,
        Self::SubmitToAck,
        Self::SubmitToFill,
        Self::CancelRoundTrip,
    ];

    /// Key in the summary and the bench report.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ExchangeToReceive => "exchange_to_receive",
            Self::Decode => "receive_to_decoded",
            Self::Queue => "decoded_to_engine",
            Self::Aggregate => "engine_to_aggregated",
            Self::Signal => "aggregated_to_signal",
            Self::Risk => "risk_check",
            Self::Route => "risk_to_routed",
            Self::Fill => "route_to_fill",
            Self::TickToOrder => "tick_to_order",
            Self::SubmitToAck => "submit_to_ack",
            Self::SubmitToFill => "submit_to_fill",
            Self::CancelRoundTrip => "cancel_round_trip",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// Percentiles of one stage, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct LatencyStats {
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

/// One HDR histogram per [`Stage`].
#[derive(Debug, Clone)]
pub struct LatencyHistograms {
    hist: Vec<Histogram<u64>>,
}

/// Highest value tracked: one minute; longer values are clamped to it.
const MAX_NS: u64 = 60_000_000_000;

fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_NS, 3).expect("constant histogram bounds are valid")
}

impl Default for LatencyHistograms {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistograms {
    pub fn new() -> Self {
        Self { hist: Stage::ALL.iter().map(|_| new_hist()).collect() }
    }

    /// Records one duration; out-of-range values are clamped, never lost.
    #[inline]
    pub fn record(&mut self, stage: Stage, ns: u64) {
        self.hist[stage.index()].saturating_record(ns.clamp(1, MAX_NS));
    }

    /// Records `end - start`, ignoring a stamp pair that runs backwards.
    #[inline]
    pub fn record_span(&mut self, stage: Stage, start_ns: u64, end_ns: u64) {
        if end_ns >= start_ns {
            self.record(stage, end_ns - start_ns);
        }
    }

    /// [`LatencyHistograms::record_span`] when `stamped` (the event in hand
    /// carries stamps).
    #[inline]
    pub fn record_span_if(&mut self, stamped: bool, stage: Stage, start_ns: u64, end_ns: u64) {
        if stamped {
            self.record_span(stage, start_ns, end_ns);
        }
    }

    pub fn stats(&self, stage: Stage) -> LatencyStats {
        let h = &self.hist[stage.index()];
        if h.is_empty() {
            return LatencyStats::default();
        }
        LatencyStats {
            count: h.len(),
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: h.mean(),
        }
    }

    /// The raw histogram, for charts.
    pub fn histogram(&self, stage: Stage) -> &Histogram<u64> {
        &self.hist[stage.index()]
    }

    pub fn reset(&mut self) {
        for h in &mut self.hist {
            h.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_reports_percentiles() {
        let mut l = LatencyHistograms::new();
        for v in 1..=1000u64 {
            l.record(Stage::Decode, v * 100);
        }
        let s = l.stats(Stage::Decode);
        assert_eq!(s.count, 1000);
        assert!((49_900..=50_100).contains(&s.p50), "{s:?}");
        assert!(s.max >= 99_900);
        assert_eq!(l.stats(Stage::Risk), LatencyStats::default());
        l.record(Stage::Risk, u64::MAX);
        assert_eq!(l.stats(Stage::Risk).count, 1);
    }

    #[test]
    fn every_stage_has_its_own_histogram() {
        for (i, s) in Stage::ALL.iter().enumerate() {
            assert_eq!(s.index(), i, "{s:?}");
        }
        let mut l = LatencyHistograms::new();
        for s in Stage::ALL {
            l.record(s, 5);
            assert_eq!(l.stats(s).count, 1);
        }
    }

    #[test]
    fn backwards_spans_are_ignored() {
        let mut l = LatencyHistograms::new();
        l.record_span(Stage::Route, 10, 5);
        assert_eq!(l.stats(Stage::Route).count, 0);
    }

    #[test]
    fn mono_is_monotonic() {
        let a = mono_ns();
        let b = mono_ns();
        assert!(b >= a);
    }
}
