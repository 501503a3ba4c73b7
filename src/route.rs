//! Order routing: one state machine for every order, the paper venue, and
//! real venues behind a gateway.
//!
//! A [`Router`] turns orders into [`Report`]s; the [`Orders`] store applies
//! them through [`crate::domain::Order::transition`], so an illegal move is
//! an error the engine sees, never a silent overwrite. The paper router runs
//! on the event clock, so a replay reproduces every fill. The sandbox router
//! hands orders to a gateway task ([`crate::venue::gateway`]) and learns what
//! happened from [`VenueUpdate`] events, so the engine never waits on the
//! network.

mod fee;
mod orders;
mod paper;
mod report;
mod router;
mod sandbox;
mod venue;

pub use fee::FeeRate;
pub use orders::{OrderCounts, OrderError, Orders};
pub use paper::{PaperConfig, PaperRouter, PaperStats, RestingOrder};
pub use report::Report;
pub use router::{RouteMode, Router};
pub use sandbox::{SandboxRouter, SandboxStats, session_prefix};
pub use venue::{RecordedVenue, Refusal, RequestSink, RoundTrip, VenueRequest, VenueUpdate};
