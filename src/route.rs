//! Order routing: one state machine for every order, and the paper venue.
//!
//! A router turns orders into [`Report`]s; the [`Orders`] store applies them
//! through [`crate::domain::Order::transition`], so an illegal move is an
//! error the engine sees, never a silent overwrite. The paper router runs on
//! the event clock, so a replay reproduces every fill.

pub mod binance;
mod fee;
mod orders;
mod paper;
mod report;

pub use fee::FeeRate;
pub use orders::{OrderCounts, OrderError, Orders};
pub use paper::{PaperConfig, PaperRouter, PaperStats, RestingOrder};
pub use report::Report;
