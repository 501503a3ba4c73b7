//! Any bytes as a trading answer or a user data frame: an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tickdesk::domain::{Instrument, Instruments, Venue};
use tickdesk::venue::parse;

fuzz_target!(|data: &[u8]| {
    let inst = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
    let table = Instruments::fixed(vec![inst.clone()]);
    let _ = parse::order(data, &inst);
    let _ = parse::orders(data, &inst);
    let _ = parse::account(data);
    let _ = parse::user_event(data, &table);
    let _ = parse::ws_frame(data, &table);
});
