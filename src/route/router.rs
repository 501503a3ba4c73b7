//! The engine's one router: paper fills on the event clock, or a real venue
//! behind the sandbox gateway. Both speak [`Report`]s.

use super::paper::PaperRouter;
use super::report::Report;
use super::sandbox::SandboxRouter;
use super::venue::VenueUpdate;
use crate::domain::{BookTicker, Instrument, Instruments, Order, OrderId, Trade};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where orders go.
#[derive(Debug)]
pub enum Router {
    Paper(PaperRouter),
    Sandbox(SandboxRouter),
}

impl Router {
    pub fn submit(&mut self, order: &Order, inst: &Instrument, now_ms: i64, out: &mut Vec<Report>) {
        match self {
            Self::Paper(p) => p.submit(order, inst, now_ms, out),
            Self::Sandbox(s) => s.submit(order, inst, now_ms, out),
        }
    }

    /// Paper cancels at once; a venue answers later with an update.
    pub fn cancel(&mut self, id: OrderId, now_ms: i64, out: &mut Vec<Report>) -> bool {
        match self {
            Self::Paper(p) => p.cancel(id, now_ms, out),
            Self::Sandbox(s) => s.cancel(id),
        }
    }

    /// Requests a venue's full queue refused since the last call (paper: none).
    pub fn take_refusals(&mut self) -> Option<std::vec::Drain<'_, super::venue::Refusal>> {
        match self {
            Self::Paper(_) => None,
            Self::Sandbox(s) => Some(s.take_refusals()),
        }
    }

    pub fn cancel_all(&mut self, now_ms: i64, out: &mut Vec<Report>) {
        match self {
            Self::Paper(p) => p.cancel_all(now_ms, out),
            Self::Sandbox(s) => s.cancel_all(),
        }
    }

    pub fn on_book(&mut self, b: &BookTicker, instruments: &Instruments, now_ms: i64, out: &mut Vec<Report>) {
        if let Self::Paper(p) = self {
            p.on_book(b, instruments, now_ms, out);
        }
    }

    pub fn on_trade(&mut self, t: &Trade, instruments: &Instruments, now_ms: i64, out: &mut Vec<Report>) {
        if let Self::Paper(p) = self {
            p.on_trade(t, instruments, now_ms, out);
        }
    }

    pub fn on_time(&mut self, now_ms: i64, instruments: &Instruments, out: &mut Vec<Report>) {
        if let Self::Paper(p) = self {
            p.on_time(now_ms, instruments, out);
        }
    }

    /// An answer from the venue; paper has none.
    pub fn on_venue(&mut self, u: &VenueUpdate, out: &mut Vec<Report>) {
        if let Self::Sandbox(s) = self {
            s.on_update(u, out);
        }
    }

    /// The order ended through a fill: the venue will say nothing more of it.
    pub fn forget(&mut self, id: OrderId) {
        if let Self::Sandbox(s) = self {
            s.forget(id);
        }
    }

    pub fn as_paper(&self) -> Option<&PaperRouter> {
        match self {
            Self::Paper(p) => Some(p),
            Self::Sandbox(_) => None,
        }
    }

    pub fn as_sandbox(&self) -> Option<&SandboxRouter> {
        match self {
            Self::Sandbox(s) => Some(s),
            Self::Paper(_) => None,
        }
    }

    /// `paper` or `sandbox`.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Paper(_) => "paper",
            Self::Sandbox(_) => "sandbox",
        }
    }
}

/// `route.mode` / `--route`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteMode {
    /// Fills simulated inside the engine on the event clock.
    #[default]
    Paper,
    /// Orders sent, signed, to the venue's sandbox.
    Sandbox,
}

impl FromStr for RouteMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "paper" => Ok(Self::Paper),
            "sandbox" => Ok(Self::Sandbox),
            _ => Err(format!("unknown route {s:?}: expected paper or sandbox")),
        }
    }
}

impl fmt::Display for RouteMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Paper => "paper",
            Self::Sandbox => "sandbox",
        })
    }
}
