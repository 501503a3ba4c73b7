//! What flows into the engine: market events, commands and timer ticks, each
//! with a sequence number and the stamps taken on the way in.

use crate::domain::{Candle, Instrument, InstrumentId, MarketEvent, OrderId, OrderIntent, StrategyId};

/// Stamps taken before the engine saw the event (monotonic ns from
/// [`crate::telemetry::mono_ns`], wall ns since the epoch). They measure
/// latency; they never drive a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    /// When the frame's bytes were in hand (socket read, file line read).
    pub recv_mono_ns: u64,
    /// The same moment on the wall clock; recordings keep it.
    pub recv_wall_ns: i64,
    /// When decoding finished.
    pub decoded_mono_ns: u64,
}

/// One input to the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the input stream; gaps mean the source dropped events.
    /// 0 marks an out-of-band event (feed figures) outside the numbering.
    pub seq: u64,
    pub stamp: Stamp,
    pub kind: EventKind,
}

// Events move by value from decoder to batch to engine; up to 128 bytes a
// move is inline, past it a call to `memmove` (see [`MarketEvent`]).
const _: () = assert!(size_of::<Event>() <= 128, "an Event outgrew 128 bytes");

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    Market(MarketEvent),
    /// An instruction from the trader or the runner, issued at `time_ms`.
    Command {
        time_ms: i64,
        command: Command,
    },
    /// Time passes with no market event (timers: order latency, expiry).
    Timer {
        time_ms: i64,
    },
    /// An instrument became known (exchangeInfo, or a symbol first met in a
    /// bare file). Sent before any event that refers to it; ids match the
    /// decoder's table because both add in the same order.
    Instrument(Box<Instrument>),
    /// The feed of an instrument went stale (no data for too long, or the
    /// connection is down) or recovered. Risk refuses new orders while stale.
    MarketStatus {
        instrument: InstrumentId,
        stale: bool,
    },
    /// What a real venue did with an order (sandbox route): answers, fills
    /// and reconciliation results from the gateway.
    Venue(Box<crate::route::VenueUpdate>),
    /// The venue's clock minus ours, from `/api/v3/time` probes; corrects the
    /// exchange-to-receive latency.
    ClockOffset {
        offset_ms: i64,
    },
    /// Candles closed before the session (REST backfill) for the charts.
    Backfill(Vec<Candle>),
    /// Figures of a feed connection, sent about once a second so the
    /// snapshot carries them; informational, never a decision input.
    FeedStats(Box<crate::domain::feed_status::ConnStatsSnapshot>),
}

/// Instructions from outside the strategies (keyboard, signals, the runner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A manual order; it goes through the same risk checks as a strategy's.
    Submit(OrderIntent),
    Cancel(OrderId),
    CancelAll,
    /// Halt strategies, cancel every open order, and optionally flatten.
    KillSwitch {
        flatten: bool,
    },
    /// Re-arm after a kill switch.
    ResetKillSwitch,
    PauseStrategy(StrategyId),
    ResumeStrategy(StrategyId),
}
