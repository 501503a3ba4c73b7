//! (being written) The sim venue: the Binance Spot protocol on loopback.

use serde::{Deserialize, Serialize};

/// `[sim-venue]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct SimVenueConfig {}

/// Fault-injection flags of `tickdesk sim-exchange`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FaultArgs {}
