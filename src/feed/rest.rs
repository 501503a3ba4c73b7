//! (being written) The REST client.

use serde::{Deserialize, Serialize};

/// `[feed.rest]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct RestConfig {}
