//! Decoding speed of one frame per Binance event kind, the same frames
//! through the general decoder where the byte-layout fast path takes them,
//! and serde_json on the same trade frame for comparison (target: combined
//! trade ≤ 150 ns).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde::Deserialize;
use std::hint::black_box;
use tickdesk::domain::{Instrument, Instruments, Venue};
use tickdesk::feed::binance::{BinanceDecoder, Decoded};

const COMBINED_TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#;
const RAW_TRADE: &str = r#"{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}"#;
const BOOK_TICKER: &str = r#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#;
const AGG_TRADE: &str = r#"{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1633998534486,"s":"BTCUSDT","a":9213679,"p":"61837.63000000","q":"177.00000000","f":12368013,"l":12368013,"T":1633998534486,"m":false,"M":true}}"#;
const KLINE: &str = r#"{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1633998534486,"s":"BTCUSDT","k":{"t":1633998480000,"T":1633998539999,"s":"BTCUSDT","i":"1m","f":12368013,"L":12368013,"o":"61837.63000000","c":"61837.63000000","h":"61837.63000000","l":"61837.63000000","v":"177.00000000","n":1,"x":false,"q":"0.00112926","V":"177.00000000","Q":"0.00112926","B":"0"}}}"#;

fn depth(levels: usize) -> String {
    let side = |base: u32| {
        (0..levels)
            .map(|i| format!(r#"["{}.{:02}000000","0.{:05}000"]"#, base, i, 1000 + i))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1723161276318,"s":"BTCUSDT","U":50093247956,"u":50093247956,"b":[{}],"a":[{}]}}}}"#,
        side(61828),
        side(61829)
    )
}

/// What serde_json needs to produce the same trade (strings still to parse).
#[derive(Deserialize)]
struct SerdeEnvelope<'a> {
    #[allow(dead_code)]
    stream: &'a str,
    #[serde(borrow)]
    data: SerdeTrade<'a>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct SerdeTrade<'a> {
    e: &'a str,
    #[serde(rename = "E")]
    event_time: i64,
    s: &'a str,
    t: u64,
    p: &'a str,
    q: &'a str,
    #[serde(rename = "T")]
    time: i64,
    m: bool,
}

fn bench_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    let depth1 = depth(1);
    let depth10 = depth(10);
    let frames: [(&str, &str); 7] = [
        ("combined_trade", COMBINED_TRADE),
        ("raw_trade", RAW_TRADE),
        ("book_ticker", BOOK_TICKER),
        ("agg_trade", AGG_TRADE),
        ("depth_update_1", &depth1),
        ("depth_update_10", &depth10),
        ("kline", KLINE),
    ];
    for (name, frame) in frames {
        let mut d = BinanceDecoder::default();
        assert!(matches!(d.decode(frame.as_bytes()), Ok(Decoded::Market(_))), "{name}");
        g.bench_function(BenchmarkId::new("tickdesk", name), |b| b.iter(|| d.decode(black_box(frame.as_bytes()))));
    }
    // The frames the byte-layout fast path takes, through the general decoder.
    for (name, frame) in [("combined_trade", COMBINED_TRADE), ("book_ticker", BOOK_TICKER), ("agg_trade", AGG_TRADE)] {
        let mut d = BinanceDecoder::default();
        g.bench_function(BenchmarkId::new("tickdesk_general", name), |b| {
            b.iter(|| d.decode_general(black_box(frame.as_bytes())))
        });
    }

    // The same trade frame with 1,700 instruments loaded (a real exchangeInfo).
    let mut list: Vec<Instrument> =
        (0..1700).map(|i| Instrument::with_defaults(Venue::BinanceSpot, &format!("SYM{i}USDT"))).collect();
    list.push(Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT"));
    let mut d = BinanceDecoder::new(Instruments::fixed(list));
    assert!(d.decode(COMBINED_TRADE.as_bytes()).is_ok());
    g.bench_function(BenchmarkId::new("tickdesk", "combined_trade_1700_symbols"), |b| {
        b.iter(|| d.decode(black_box(COMBINED_TRADE.as_bytes())))
    });

    // serde_json into borrowed strings, then the same fixed-point parses.
    g.bench_function(BenchmarkId::new("serde_json", "combined_trade"), |b| {
        b.iter(|| {
            let env: SerdeEnvelope<'_> = serde_json::from_slice(black_box(COMBINED_TRADE.as_bytes())).ok()?;
            let p = tickdesk::domain::Price::parse(env.data.p, 8).ok()?;
            let q = tickdesk::domain::Qty::parse(env.data.q, 8).ok()?;
            Some((env.data.t, p, q, env.data.time, env.data.m))
        })
    });
    g.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
