//! (being written) `tickdesk sim-exchange`.

use super::RunError;
use crate::cli::SimExchangeArgs;
use crate::config::Config;

pub fn run(_cfg: &Config, _args: &SimExchangeArgs) -> Result<(), RunError> {
    Err(RunError::Runtime("sim-exchange is not built yet".into()))
}
