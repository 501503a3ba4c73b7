//! Local order books built from a depth snapshot and diffs, by Binance's
//! synchronisation rules (see [`sync`]). The engine keeps one per
//! instrument that has depth data and the UI reads its ladder.

pub mod side;
pub mod sync;

pub use side::BookSide;
pub use sync::{DiffOutcome, OrderBook, SyncState};
