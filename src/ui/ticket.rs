//! The order ticket as a state machine: fields edited as you type, checked
//! against the instrument's filters on every key, then a confirmation step.

/// Placeholder until the ticket lands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ticket;
