//! Properties of the decoders: no input panics them, they are exactly as
//! strict as serde_json about JSON, generated trades decode to exactly their
//! fields, and fixed-point parsing agrees with a reference implementation.

// Test helpers outside #[test] functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use proptest::sample::select;
use tickdesk::domain::{FixedError, MarketEvent, Price, Qty, Trade};
use tickdesk::feed::binance::{BinanceDecoder, Decoded, Malformed, json};
use tickdesk::feed::input::{InputReader, Limits};

/// Real frames from the recordings (PROVENANCE examples), to mutate.
const REAL: [&str; 12] = [
    r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#,
    r#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#,
    r#"{"stream":"btcusd_perp@bookTicker","data":{"u":1007199021091,"e":"bookTicker","s":"BTCUSD_PERP","ps":"BTCUSD","b":"61824.9","B":"2","a":"61825.0","A":"1","T":1723161295539,"E":1723161295552}}"#,
    r#"{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161600370,"T":1723161600319,"s":"BTCUSDT","U":5123134944963,"u":5123134944963,"pu":5123134735497,"b":[["5000.00","2.321"]],"a":[]}}"#,
    r#"{"stream":"blzeth@depth@100ms","data":{"e":"depthUpdate","E":1633998514469,"s":"BLZETH","U":281916627,"u":281916627,"b":[["0.00006421","0.00000000"]],"a":[["0.00006431","12.00000000"]]}}"#,
    r#"{"stream":"lrcbtc@aggTrade","data":{"e":"aggTrade","E":1633998534486,"s":"LRCBTC","a":9213679,"p":"0.00000638","q":"177.00000000","f":12368013,"l":12368013,"T":1633998534486,"m":false,"M":true}}"#,
    r#"{"stream":"lrcbtc@kline_1m","data":{"e":"kline","E":1633998534486,"s":"LRCBTC","k":{"t":1633998480000,"T":1633998539999,"s":"LRCBTC","i":"1m","f":12368013,"L":12368013,"o":"0.00000638","c":"0.00000638","h":"0.00000638","l":"0.00000638","v":"177.00000000","n":1,"x":false,"q":"0.00112926","V":"177.00000000","Q":"0.00112926","B":"0"}}}"#,
    r#"{"lastUpdateId":1007198635033,"E":1723161257835,"T":1723161257823,"symbol":"BTCUSD_PERP","pair":"BTCUSD","bids":[["61804.7","35"],["61802.0","8"]],"asks":[["61805.0","1"]]}"#,
    r#"{"result":null,"id":1}"#,
    r#"{"error":{"code":2,"msg":"Invalid request: \"unknown\" method \u00e9"},"id":1}"#,
    r#"{"timezone":"UTC","serverTime":1,"symbols":[{"symbol":"BTCUSDT","baseAsset":"BTC","quoteAsset":"USDT","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","minQty":"0.00001000","stepSize":"0.00001000"}]}]}"#,
    "[\n  {\n    \"a\": 966492862,\n    \"p\": \"60759.60000000\",\n    \"m\": false\n  }\n]",
];

/// serde_json's verdict; `None` when it refuses a number beyond `f64`
/// (`1e400`), which the scanner only skips over: the one known difference.
fn serde_accepts(bytes: &[u8]) -> Option<bool> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(_) => Some(true),
        Err(e) if e.to_string().starts_with("number out of range") => None,
        Err(_) => Some(false),
    }
}

/// The decoder says "bad JSON" exactly when serde_json refuses the text.
fn assert_same_strictness(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Some(serde_ok) = serde_accepts(bytes) else {
        return Ok(());
    };
    prop_assert_eq!(
        json::validate(bytes).is_ok(),
        serde_ok,
        "validate vs serde_json on {:?}",
        String::from_utf8_lossy(bytes)
    );
    let decoded = BinanceDecoder::default().decode(bytes);
    let bad_json = matches!(&decoded, Err(e) if e.reason == Malformed::BadJson);
    prop_assert_eq!(!bad_json, serde_ok, "decode vs serde_json on {:?}: {:?}", String::from_utf8_lossy(bytes), decoded);
    Ok(())
}

/// The decoder with its byte-layout fast path gives exactly what the
/// general decoder gives: the same event or the same error, the same counts
/// and the same instruments registered.
/// Each frame goes twice: the fast path only takes symbols met before.
fn assert_fast_equals_general(bytes: &[u8]) -> Result<(), TestCaseError> {
    let (mut fast, mut general) = (BinanceDecoder::default(), BinanceDecoder::default());
    for _ in 0..2 {
        let a = fast.decode(bytes);
        let b = general.decode_general(bytes);
        prop_assert_eq!(&a, &b, "on {:?}", String::from_utf8_lossy(bytes));
    }
    prop_assert_eq!(fast.stats(), general.stats());
    prop_assert_eq!(fast.instruments().len(), general.instruments().len());
    Ok(())
}

/// Byte-level edits: replace, insert, delete, truncate.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to JSON, plus a few that never should appear.
    let byte = prop_oneof![select(b"{}[]\",:\\ \t\n\r0123456789-+.eEtrufalsn\x00\x1f\x7f".to_vec()), any::<u8>(),];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut v: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = v.len().max(1);
        match *e {
            Edit::Replace(i, b) if !v.is_empty() => v[i % n] = b,
            Edit::Insert(i, b) => v.insert(i % (v.len() + 1), b),
            Edit::Delete(i) if !v.is_empty() => {
                v.remove(i % n);
            }
            Edit::Truncate(i) => v.truncate(i % (v.len() + 1)),
            _ => {}
        }
    }
    v
}

/// Valid JSON text with Binance-like keys, random whitespace and escapes.
fn json_text() -> impl Strategy<Value = String> {
    let ws = select(vec!["", "", "", " ", "\n  ", "\t", "\r\n"]);
    let string = prop_oneof![
        "[a-zA-Z0-9@._ ]{0,20}",
        select(vec!["\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "é", "😀", "\\/"]).prop_map(String::from),
    ]
    .prop_map(|s| format!("\"{s}\""));
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (any::<i32>(), 0u32..1000, -30i32..30).prop_map(|(a, b, e)| format!("{a}.{b}e{e}")),
        select(vec!["0", "-0", "0.5", "1E+2", "12345678901234567890123"]).prop_map(String::from),
    ];
    let leaf = prop_oneof![string.clone(), number, select(vec!["true", "false", "null"]).prop_map(String::from)];
    let key = prop_oneof![
        select(vec![
            "e",
            "E",
            "s",
            "t",
            "p",
            "q",
            "T",
            "m",
            "M",
            "a",
            "b",
            "u",
            "k",
            "x",
            "pu",
            "data",
            "stream",
            "result",
            "id",
            "code",
            "msg",
            "bids",
            "lastUpdateId"
        ])
        .prop_map(|k| format!("\"{k}\"")),
        string,
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            (prop::collection::vec((inner.clone(), ws.clone()), 0..6), ws.clone()).prop_map(|(items, w)| {
                let body: Vec<String> = items.into_iter().map(|(v, w2)| format!("{w2}{v}{w2}")).collect();
                format!("[{w}{}]", body.join(","))
            }),
            (prop::collection::vec((key.clone(), inner, ws.clone()), 0..8), ws.clone()).prop_map(|(items, w)| {
                let body: Vec<String> = items.into_iter().map(|(k, v, w2)| format!("{w2}{k}{w2}:{w2}{v}")).collect();
                format!("{{{w}{}}}", body.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut d = BinanceDecoder::default();
        let _ = d.decode(&bytes);
        let _ = d.decode_rest("https://api.binance.com/api/v3/depth?symbol=X&limit=5", &bytes);
        let _ = d.decode_with_symbol(&bytes, &bytes);
        prop_assert_eq!(d.stats().total_decoded() + d.stats().total_malformed(), 3);
        assert_same_strictness(&bytes)?;
    }

    #[test]
    fn arbitrary_lines_never_panic_the_reader(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let limits = Limits { frame_bytes: 256, rest_bytes: 512 };
        let mut r = InputReader::from_reader("prop", std::io::Cursor::new(bytes), limits).unwrap();
        let mut d = BinanceDecoder::default();
        let mut n = 0;
        while let Some(rec) = r.next() {
            if let Ok(rec) = rec {
                let _ = d.decode_record(&rec);
            }
            n += 1;
            prop_assert!(n < 10_000);
        }
    }

    #[test]
    fn mutated_real_frames_never_panic_and_match_serde_strictness(
        frame in select(REAL.to_vec()),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let bytes = apply(frame.as_bytes().to_vec(), &edits);
        let mut d = BinanceDecoder::default();
        let _ = d.decode(&bytes);
        assert_same_strictness(&bytes)?;
    }

    #[test]
    fn the_layout_fast_path_agrees_with_the_general_decoder(
        frame in select(REAL[..7].to_vec()),
        edits in prop::collection::vec(edit(), 0..4),
    ) {
        let bytes = apply(frame.as_bytes().to_vec(), &edits);
        assert_fast_equals_general(&bytes)?;
    }

    #[test]
    fn generated_layout_frames_agree_with_the_general_decoder(
        symbol in "[A-Z]{1,12}",
        id in any::<u64>(),
        time in any::<i64>(),
        // Fractions padded with zeros as Binance sends them (digits past a
        // symbol's scale that are all 0), sometimes past 18 digits.
        price in "(0|[1-9][0-9]{0,12})(\\.[0-9]{0,10}0{0,14})?",
        qty in "(0|[1-9][0-9]{0,12})(\\.[0-9]{0,10}0{0,14})?",
        m in any::<bool>(),
        layout in 0u8..3,
    ) {
        let s = symbol.to_lowercase();
        let frame = match layout {
            0 => format!(r#"{{"stream":"{s}@trade","data":{{"e":"trade","E":{time},"s":"{symbol}","t":{id},"p":"{price}","q":"{qty}","T":{time},"m":{m},"M":true}}}}"#),
            1 => format!(r#"{{"stream":"{s}@aggTrade","data":{{"e":"aggTrade","E":{time},"s":"{symbol}","a":{id},"p":"{price}","q":"{qty}","f":{id},"l":{id},"T":{time},"m":{m}}}}}"#),
            _ => format!(r#"{{"stream":"{s}@bookTicker","data":{{"u":{id},"s":"{symbol}","b":"{price}","B":"{qty}","a":"{price}","A":"{qty}"}}}}"#),
        };
        assert_fast_equals_general(frame.as_bytes())?;
    }

    #[test]
    fn generated_json_matches_serde_strictness(text in json_text(), edits in prop::collection::vec(edit(), 0..3)) {
        assert_same_strictness(text.as_bytes())?;
        assert_same_strictness(&apply(text.into_bytes(), &edits))?;
    }

    #[test]
    fn generated_trade_decodes_to_exactly_its_fields(
        symbol in "[A-Z]{2,12}",
        trade_id in any::<u64>(),
        (price, price_pad) in (0i64..=i64::MAX, 0usize..4),
        (qty, qty_pad) in (0i64..=i64::MAX, 0usize..4),
        time in 0i64..=i64::MAX,
        event_time in prop::option::of(0i64..=i64::MAX),
        maker in any::<bool>(),
        extra in prop::collection::vec(("[A-Z]{1}|[a-z]{3,8}", "\"[a-z]{0,5}\"|[1-9][0-9]{0,4}|true|null|\\[\\]|\\{\\}"), 0..4),
        order in Just(()).prop_perturb(|_, mut rng| rng.random::<u64>()),
        enveloped in any::<bool>(),
        spaced in any::<bool>(),
    ) {
        let dec = |v: i64, pad: usize| format!("{}{}", Price(v).display(8), "0".repeat(pad));
        let mut fields = vec![
            r#""e":"trade""#.to_string(),
            format!(r#""s":"{symbol}""#),
            format!(r#""t":{trade_id}"#),
            format!(r#""p":"{}""#, dec(price, price_pad)),
            format!(r#""q":"{}""#, dec(qty, qty_pad)),
            format!(r#""T":{time}"#),
            format!(r#""m":{maker}"#),
            r#""M":true"#.to_string(),
        ];
        if let Some(e) = event_time {
            fields.push(format!(r#""E":{e}"#));
        }
        // Unknown keys only: tracked letters would change the meaning.
        for (k, v) in &extra {
            if !matches!(k.as_str(), "e"|"s"|"t"|"p"|"q"|"T"|"m"|"E"|"a"|"A"|"b"|"B"|"c"|"f"|"h"|"i"|"k"|"l"|"n"|"o"|"u"|"U"|"v"|"x") {
                fields.push(format!(r#""{k}":{v}"#));
            }
        }
        // Field order must not matter: a seeded shuffle.
        let mut seed = order;
        for i in (1..fields.len()).rev() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            fields.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let sep = if spaced { " , " } else { "," };
        let payload = format!("{{{}}}", fields.join(sep));
        let frame = if enveloped {
            format!(r#"{{"stream":"{}@trade","data":{payload}}}"#, symbol.to_lowercase())
        } else {
            payload
        };
        let mut d = BinanceDecoder::default();
        let got = d.decode(frame.as_bytes());
        prop_assert!(got.is_ok(), "{}: {:?}", frame, got);
        let id = d.instruments().find(symbol.as_bytes());
        prop_assert!(id.is_some());
        let want = Trade {
            instrument: id.unwrap_or_default(),
            trade_id,
            price: Price(price),
            qty: Qty(qty),
            time_ms: time,
            event_time_ms: event_time.unwrap_or(0),
            buyer_is_maker: maker,
            aggregated: false,
            first_trade_id: trade_id,
            last_trade_id: trade_id,
        };
        prop_assert_eq!(got, Ok(Decoded::Market(MarketEvent::Trade(want))), "{}", frame);
    }

    #[test]
    fn fixed_point_round_trips(raw in any::<i64>(), scale in 0u8..=18) {
        let shown = Price(raw).display(scale).to_string();
        prop_assert_eq!(Price::parse(&shown, scale), Ok(Price(raw)));
        if raw >= 0 {
            prop_assert_eq!(Price::parse_unsigned(shown.as_bytes(), scale), Ok(Price(raw)));
            let padded = if scale > 0 { format!("{shown}000") } else { format!("{shown}.000") };
            prop_assert_eq!(Qty::parse_unsigned(padded.as_bytes(), scale), Ok(Qty(raw)));
        } else {
            prop_assert_eq!(Price::parse_unsigned(shown.as_bytes(), scale), Err(FixedError::SignNotAllowed));
        }
    }

    #[test]
    fn fixed_point_refuses_what_it_cannot_represent(
        int in "[0-9]{1,6}",
        frac in "[0-9]{0,10}",
        scale in 0u8..=8,
        exp in "[eE][+-]?[0-9]{1,2}",
    ) {
        let s = format!("{int}.{frac}");
        let significant = frac.trim_end_matches('0').len();
        let parsed = Price::parse_unsigned(s.as_bytes(), scale);
        if significant > usize::from(scale) {
            prop_assert_eq!(parsed, Err(FixedError::TooManyDecimals { scale }));
        } else {
            prop_assert!(parsed.is_ok());
        }
        let with_exp = Price::parse_unsigned(format!("{s}{exp}").as_bytes(), scale);
        if significant > usize::from(scale) {
            prop_assert!(with_exp.is_err());
        } else {
            prop_assert_eq!(with_exp, Err(FixedError::Exponent));
        }
        prop_assert_eq!(Price::parse_unsigned(format!("-{s}").as_bytes(), scale), Err(FixedError::SignNotAllowed));
        prop_assert_eq!(Price::parse_unsigned(format!("+{s}").as_bytes(), scale), Err(FixedError::SignNotAllowed));
    }

    #[test]
    fn fixed_point_agrees_with_a_reference(s in "[+-]?[0-9]{0,21}(\\.[0-9]{0,20})?([eE][0-9])?", scale in 0u8..=18) {
        prop_assert_eq!(Price::parse(&s, scale).ok(), reference_parse(&s, scale), "{:?} at {}", s, scale);
    }
}

/// A slow, obviously right decimal parser over `i128` (at most 21 + 18 digits).
fn reference_parse(s: &str, scale: u8) -> Option<Price> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > usize::from(scale) {
        return None;
    }
    let mut m: i128 = 0;
    for c in int.bytes() {
        m = m * 10 + i128::from(c - b'0');
    }
    for i in 0..usize::from(scale) {
        m = m * 10 + frac.as_bytes().get(i).map_or(0, |c| i128::from(c - b'0'));
    }
    let v = if neg { -m } else { m };
    i64::try_from(v).ok().map(Price)
}
