//! Any bytes as a frame: no panic, the byte-layout fast path gives exactly
//! what the general decoder gives, and "bad JSON" exactly when serde_json
//! refuses the text (numbers beyond f64 aside, which serde_json refuses).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tickdesk::feed::binance::{BinanceDecoder, Malformed, json};

fuzz_target!(|data: &[u8]| {
    let mut d = BinanceDecoder::default();
    let decoded = d.decode(data);
    let general = BinanceDecoder::default().decode_general(data);
    assert_eq!(decoded, general, "the fast path disagrees with the general decoder");
    let _ = d.decode_rest(
        "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5",
        data,
    );
    let _ = d.decode_with_symbol(data, data);

    let serde_ok = match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(_) => true,
        Err(e) if e.to_string().starts_with("number out of range") => return,
        Err(_) => false,
    };
    assert_eq!(
        json::validate(data).is_ok(),
        serde_ok,
        "validate disagrees with serde_json"
    );
    let bad_json = matches!(&decoded, Err(e) if e.reason == Malformed::BadJson);
    assert_eq!(
        !bad_json, serde_ok,
        "decode disagrees with serde_json: {decoded:?}"
    );
});
