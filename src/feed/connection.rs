//! (being written) The WebSocket market-data connection.

use serde::{Deserialize, Serialize};

/// `[feed.ws]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct WsConfig {}
