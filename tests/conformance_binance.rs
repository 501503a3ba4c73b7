//! Every Binance recording in `shared/data/real` decodes with zero malformed
//! frames, and the kinds add up to what PROVENANCE.md counted.

// Test helpers outside #[test] functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use tickdesk::domain::{Instruments, MarketEvent, Price, Venue};
use tickdesk::feed::binance::{BinanceDecoder, Decoded, DecodedKind, Malformed};
use tickdesk::feed::input::{InputReader, InputStats, load_exchange_info};

/// Decodes a whole file; returns the decoder (stats, instruments) and the reader's stats.
fn decode_file(path: &Path) -> (BinanceDecoder, InputStats) {
    let mut d = BinanceDecoder::new(Instruments::auto(Venue::BinanceSpot));
    let mut r = InputReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut first_errors = Vec::new();
    while let Some(rec) = r.next() {
        let rec = rec.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Err(e) = d.decode_record(&rec) {
            if first_errors.len() < 5 {
                first_errors.push(format!("line {}: {e}", rec.line_no));
            }
        }
    }
    assert!(first_errors.is_empty(), "{}: {first_errors:#?}", path.display());
    assert_eq!(d.stats().total_malformed(), 0, "{}", path.display());
    (d, r.stats().clone())
}

fn counts(d: &BinanceDecoder) -> BTreeMap<&'static str, u64> {
    d.stats().iter_decoded().filter(|(_, n)| *n > 0).collect()
}

#[test]
fn hftbacktest_spot_usdm_and_coinm() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let cases: [(&str, [(&str, u64); 4]); 3] = [
        (
            "hftbacktest/examples/spot/btcusdt_20240808.gz",
            [("book_ticker", 28_040), ("trade", 9_757), ("depth_update", 3_451), ("depth_snapshot", 1)],
        ),
        (
            "hftbacktest/examples/usdm/btcusdt_20240808.gz",
            [("book_ticker", 66_089), ("trade", 21_313), ("depth_update", 6_551), ("depth_snapshot", 1)],
        ),
        (
            "hftbacktest/examples/cm/btcusd_perp_20240808.gz",
            [("book_ticker", 19_136), ("trade", 2_286), ("depth_update", 26_847), ("depth_snapshot", 1)],
        ),
    ];
    for (file, want) in cases {
        let (d, input) = decode_file(&data.join(file));
        assert_eq!(counts(&d), want.into_iter().collect(), "{file}");
        let lines: u64 = want.iter().map(|(_, n)| n).sum();
        assert_eq!((input.lines, input.frames, input.bad_lines()), (lines, lines, 0), "{file}");
    }
}

#[test]
fn hftbacktest_spot_values_are_exact() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let mut d = BinanceDecoder::default();
    let mut r = InputReader::open(data.join("hftbacktest/examples/spot/btcusdt_20240808.gz")).unwrap();
    let mut first_trade = None;
    let mut snapshot_levels = 0;
    let mut recv_ns_monotone = true;
    let mut last_recv = i64::MIN;
    while let Some(rec) = r.next() {
        let rec = rec.unwrap();
        let recv = rec.recv_ns.unwrap();
        recv_ns_monotone &= recv >= last_recv;
        last_recv = recv;
        match d.decode_record(&rec).unwrap() {
            Decoded::Market(MarketEvent::Trade(t)) if first_trade.is_none() => first_trade = Some(t),
            Decoded::Market(MarketEvent::DepthSnapshot(s)) => {
                assert_eq!(s.last_update_id, 50_093_239_218);
                snapshot_levels = s.bids.len() + s.asks.len();
            }
            _ => {}
        }
    }
    let t = first_trade.unwrap();
    assert_eq!((t.trade_id, t.price, t.time_ms), (3_735_683_259, Price(6_183_763_000_000), 1_723_161_255_342));
    assert!(snapshot_levels > 0);
    // The receive clock only moves forward in this file (PROVENANCE).
    assert!(recv_ns_monotone);
}

#[test]
fn cryptofeed_binance_captures() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let dir = data.join("cryptofeed/sample_data");

    let (d, input) = decode_file(&dir.join("BINANCE.ws.1.0"));
    let want = [("agg_trade", 2), ("book_ticker", 84), ("depth_update", 177), ("kline", 2)];
    assert_eq!(counts(&d), want.into_iter().collect());
    assert_eq!(input.skipped_connection, 1);

    let (d, _) = decode_file(&dir.join("BINANCE_FUTURES.ws.1.0"));
    let want = [("agg_trade", 91), ("book_ticker", 613), ("depth_update", 764), ("kline", 67)];
    assert_eq!(counts(&d), want.into_iter().collect());
    let closed = {
        let mut d = BinanceDecoder::default();
        let mut r = InputReader::open(dir.join("BINANCE_FUTURES.ws.1.0")).unwrap();
        let mut n = 0;
        while let Some(rec) = r.next() {
            if let Ok(Decoded::Market(MarketEvent::Kline(k))) = d.decode_record(&rec.unwrap()) {
                n += u32::from(k.closed);
            }
        }
        n
    };
    assert_eq!(closed, 4, "PROVENANCE: 4 closed klines");

    for file in ["BINANCE.http.0.0", "BINANCE_FUTURES.http.0.0"] {
        let (d, input) = decode_file(&dir.join(file));
        assert_eq!(counts(&d), [("depth_snapshot", 4)].into_iter().collect(), "{file}");
        assert_eq!(input.rest_bodies, 4);
        // Each snapshot's symbol came from its URL.
        assert_eq!(d.instruments().len(), 4, "{file}");
    }

    for (file, n) in [("BINANCE.0", 1_695), ("BINANCE_FUTURES.0", 122)] {
        let (d, input) = decode_file(&dir.join(file));
        assert_eq!(counts(&d), [("exchange_info", 1)].into_iter().collect(), "{file}");
        assert_eq!((input.rest_bodies, input.skipped_configuration), (1, 1), "{file}");
        assert_eq!(d.instruments().len() as u64 + d.stats().exchange_info_skipped(), n, "{file}");
    }
}

#[test]
fn exchange_info_gives_sane_instruments() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let list = load_exchange_info(data.join("cryptofeed/sample_data/BINANCE.0")).unwrap();
    assert!((1_650..=1_695).contains(&list.len()), "{}", list.len());
    for i in &list {
        assert!(i.price_scale <= 8 && i.qty_scale <= 8 && i.price_scale + i.qty_scale <= 18, "{i:?}");
        assert!(!i.base.is_empty() && !i.quote.is_empty(), "{i:?}");
    }
    let btc = list.iter().find(|i| i.symbol == "BTCUSDT").unwrap();
    assert_eq!((btc.price_scale, btc.qty_scale), (2, 5));
    assert_eq!(btc.fmt_price(btc.tick_size), "0.01");
    assert_eq!(btc.min_notional.to_string(), "10");

    let fut = load_exchange_info(data.join("cryptofeed/sample_data/BINANCE_FUTURES.0")).unwrap();
    assert_eq!(fut.len(), 122);
    assert!(fut.iter().all(|i| i.venue == Venue::BinanceUsdm));

    // The pretty-printed nautilus copy, 2 symbols.
    let nautilus = "nautilus_trader/tests/integration_tests/adapters/binance/resources/http_responses/http_spot_market_exchange_info.json";
    let two = load_exchange_info(data.join(nautilus)).unwrap();
    assert_eq!(two.iter().map(|i| i.symbol.as_str()).collect::<Vec<_>>(), ["BTCUSDT", "ETHUSDT"]);
}

#[test]
fn a_fixed_table_from_exchange_info_decodes_at_the_real_scales() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let list = load_exchange_info(data.join("cryptofeed/sample_data/BINANCE.0")).unwrap();
    let mut d = BinanceDecoder::new(Instruments::fixed(list));
    let mut r = InputReader::open(data.join("cryptofeed/sample_data/BINANCE.ws.1.0")).unwrap();
    while let Some(rec) = r.next() {
        d.decode_record(&rec.unwrap()).unwrap();
    }
    assert_eq!(d.stats().total_malformed(), 0);
    let nkn = d.instruments().by_name("NKNUSDT").unwrap();
    assert_eq!(d.instruments().get(nkn).price_scale, 4);
    // A symbol outside the table is refused, not invented.
    let e = d.decode(br#"{"e":"trade","E":1,"s":"NOPEUSDT","t":1,"p":"1","q":"1","T":1,"m":true}"#).unwrap_err();
    assert_eq!(e.reason, Malformed::UnknownSymbol);
}

#[test]
fn nautilus_documents_decode_or_are_unknown() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let base = data.join("nautilus_trader/tests/integration_tests/adapters/binance/resources");
    let docs = data.join("nautilus_trader-docs-examples/crates/adapters/binance/test_data/spot/http_json");
    let expect: Vec<(std::path::PathBuf, DecodedKind)> = vec![
        (base.join("ws_messages/ws_spot_trade.json"), DecodedKind::Trade),
        (base.join("ws_messages/ws_spot_execution_report_binance_us.json"), DecodedKind::Unknown),
        (base.join("http_responses/http_spot_market_depth.json"), DecodedKind::DepthSnapshot),
        (base.join("http_responses/http_spot_market_exchange_info.json"), DecodedKind::ExchangeInfo),
        (base.join("http_responses/http_spot_market_agg_trades.json"), DecodedKind::Unknown),
        (base.join("http_responses/http_spot_market_avg_price.json"), DecodedKind::Unknown),
        (base.join("http_responses/http_spot_market_book_ticker.json"), DecodedKind::Unknown),
        (base.join("http_responses/http_spot_market_historical_trades.json"), DecodedKind::Unknown),
        (base.join("http_responses/http_spot_market_klines.json"), DecodedKind::Unknown),
        (base.join("http_responses/http_spot_market_ticker_price.json"), DecodedKind::Unknown),
        (base.join("http_responses/http_spot_market_time.json"), DecodedKind::Unknown),
        (base.join("http_responses/http_spot_market_trades.json"), DecodedKind::Unknown),
        (docs.join("account_response.json"), DecodedKind::Unknown),
        (docs.join("cancel_order_response.json"), DecodedKind::Unknown),
        (docs.join("new_order_full_response.json"), DecodedKind::Unknown),
        (docs.join("open_orders_response.json"), DecodedKind::Unknown),
        (docs.join("order_response.json"), DecodedKind::Unknown),
    ];
    for (path, kind) in expect {
        let (d, input) = decode_file(&path);
        // Pretty-printed: the whole file is one document, one frame.
        assert_eq!((input.frames, input.documents, input.bad_lines()), (1, 1, 0), "{}", path.display());
        assert_eq!(d.stats().decoded(kind), 1, "{}: {:?}", path.display(), counts(&d));
        assert_eq!(d.stats().total_decoded(), 1, "{}", path.display());
    }
    // The 2021 spot trade still carries b/a and decodes exactly.
    let mut d = BinanceDecoder::default();
    let mut r = InputReader::open(base.join("ws_messages/ws_spot_trade.json")).unwrap();
    let rec = r.next().unwrap().unwrap();
    let Ok(Decoded::Market(MarketEvent::Trade(t))) = d.decode_record(&rec) else { panic!() };
    assert_eq!((t.trade_id, t.price.0, t.qty.0), (705_291_099, 414_974_000_000, 43_870_000));
}
