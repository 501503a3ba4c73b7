//! The vocabulary of the workstation: instruments, exact fixed-point numbers,
//! market events, candles, orders, fills and positions.
//!
//! Nothing here does I/O or reads a clock; every other module speaks in these types.

pub mod calendar;
pub mod candle;
pub mod feed_status;
pub mod fixed;
pub mod instrument;
pub mod market;
pub mod order;
pub mod position;

pub use candle::{Candle, Timeframe};
pub use fixed::{FixedError, Notional, Price, Qty};
pub use instrument::{FilterStrings, Instrument, InstrumentId, Instruments, Venue};
pub use market::{BookTicker, DepthSnapshot, DepthUpdate, Kline, Level, MarketEvent, Trade};
pub use order::{
    ClientOrderId, Fill, IllegalTransition, Liquidity, Order, OrderId, OrderIntent, OrderKind, OrderState, Side,
    StrategyId, TimeInForce,
};
pub use position::Position;
