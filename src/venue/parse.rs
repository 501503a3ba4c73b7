//! Pure parsers for the trading answers and the user data stream: no I/O,
//! never a panic, and a refused body names the field
//! (`fills[2].qty: bad decimal "1e3": exponent notation not allowed`).
//!
//! Prices and quantities go straight from the decimal strings to the
//! instrument's fixed-point scales; money to 18-decimal [`Notional`](crate::domain::Notional)s.
//! Not hot paths: bodies are read through `serde_json::Value`.

mod account;
mod fields;
mod order;
mod user;
mod ws;

pub use crate::feed::rest::BodyError;
pub use account::{AccountInfo, Balance, MyTrade, account, my_trades};
pub use order::{FillLine, OrderView, VenueOrderStatus, order, orders};
pub use user::{AccountPosition, ExecType, ExecutionReport, UserEvent, user_event};
pub use ws::{WsFrame, WsResponse, is_event_frame, ws_frame, ws_response};

#[cfg(test)]
mod props {
    use super::*;
    use crate::domain::{Instrument, Instruments, Venue};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let inst = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
            let table = Instruments::fixed(vec![inst.clone()]);
            let _ = order(&bytes, &inst);
            let _ = orders(&bytes, &inst);
            let _ = account(&bytes);
            let _ = my_trades(&bytes, &inst);
            let _ = user_event(&bytes, &table);
            let _ = ws_frame(&bytes, &table);
        }

        #[test]
        fn json_shaped_input_never_panics(s in r#"\{"(e|s|symbol|orderId|price|X|event)":("[0-9.\-eA-Z]{0,12}"|-?[0-9]{1,20}|null|\[\]|\{\})\}"#) {
            let inst = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
            let table = Instruments::fixed(vec![inst.clone()]);
            let _ = order(s.as_bytes(), &inst);
            let _ = user_event(s.as_bytes(), &table);
        }
    }
}
