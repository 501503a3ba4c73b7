//! Each recorded layout, written to a temp file (plain and gzip), read back
//! with its receive times, skip counters and bad-line reasons.

// Test helpers outside #[test] functions may unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::PathBuf;
use tempfile::TempDir;
use tickdesk::feed::binance::{BinanceDecoder, Decoded, DecodedKind};
use tickdesk::feed::input::{InputError, InputReader, Limits, RecordKind, load_exchange_info};

const TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#;
const TICKER: &str = r#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#;

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn write_gz(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    let mut gz = GzEncoder::new(std::fs::File::create(&path).unwrap(), Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
    path
}

/// `(line_no, recv_ns, url, bytes)` of every record; errors as their reason.
type Seen = Vec<Result<(u64, Option<i64>, Option<String>, String), &'static str>>;

fn read_all(r: &mut InputReader) -> Seen {
    let mut out = Vec::new();
    while let Some(rec) = r.next() {
        out.push(match rec {
            Ok(rec) => {
                let url = match rec.kind {
                    RecordKind::Rest { url, .. } => Some(url.to_string()),
                    RecordKind::Frame(_) => None,
                };
                Ok((rec.line_no, rec.recv_ns, url, String::from_utf8(rec.bytes().to_vec()).unwrap()))
            }
            Err(e) => Err(e.reason()),
        });
    }
    out
}

#[test]
fn one_frame_per_line_plain_and_gzip_give_the_same_records() {
    let dir = TempDir::new().unwrap();
    let text = format!("{TRADE}\n{TICKER}\n");
    for path in [write(&dir, "plain.jsonl", &text), write_gz(&dir, "zipped.jsonl.gz", &text)] {
        let mut r = InputReader::open(&path).unwrap();
        assert_eq!(
            read_all(&mut r),
            vec![Ok((1, None, None, TRADE.to_string())), Ok((2, None, None, TICKER.to_string()))],
            "{}",
            path.display()
        );
    }
}

#[test]
fn concatenated_gzip_members_are_one_stream() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("multi.gz");
    let mut bytes = Vec::new();
    for part in [format!("{TRADE}\n"), format!("{TICKER}\n")] {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(part.as_bytes()).unwrap();
        bytes.extend(gz.finish().unwrap());
    }
    std::fs::write(&path, bytes).unwrap();
    let mut r = InputReader::open(&path).unwrap();
    assert_eq!(read_all(&mut r).len(), 2);
}

#[test]
fn hftbacktest_layout_gives_integer_nanoseconds() {
    let dir = TempDir::new().unwrap();
    let path =
        write_gz(&dir, "btcusdt_20240808.gz", &format!("1723161254087896568 {TRADE}\n1723161254087891268 {TICKER}\n"));
    let mut r = InputReader::open(&path).unwrap();
    let seen = read_all(&mut r);
    assert_eq!(seen[0], Ok((1, Some(1_723_161_254_087_896_568), None, TRADE.to_string())));
    assert_eq!(seen[1], Ok((2, Some(1_723_161_254_087_891_268), None, TICKER.to_string())));
}

#[test]
fn iso_8601_layout() {
    let dir = TempDir::new().unwrap();
    let path =
        write(&dir, "iso.log", &format!("2024-08-08T23:54:13.123456789Z {TRADE}\n2024-08-08T23:54:13Z {TICKER}\n"));
    let mut r = InputReader::open(&path).unwrap();
    let seen = read_all(&mut r);
    assert_eq!(seen[0], Ok((1, Some(1_723_161_253_123_456_789), None, TRADE.to_string())));
    assert_eq!(seen[1], Ok((2, Some(1_723_161_253_000_000_000), None, TICKER.to_string())));
}

#[test]
fn cryptofeed_ws_log_skips_and_counts_non_frames() {
    let dir = TempDir::new().unwrap();
    let text = format!(
        "wss://stream.binance.com:9443/stream?streams=btcusdt@trade <-> 1633998512.0633569\n\
         wss://stream.binance.com:9443/stream <- 1633998512.1: {{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"],\"id\":1}}\n\
         1633998512.2: {{\"result\":null,\"id\":1}}\n\
         1633998514.465973: {TRADE}\n\
         \n\
         1618677786.985: {TICKER}\n\
         \n\n"
    );
    let path = write(&dir, "BINANCE.ws.1.0", &text);
    let mut r = InputReader::open(&path).unwrap();
    let seen = read_all(&mut r);
    assert_eq!(
        seen,
        vec![
            Ok((3, Some(1_633_998_512_200_000_000), None, r#"{"result":null,"id":1}"#.to_string())),
            Ok((4, Some(1_633_998_514_465_973_000), None, TRADE.to_string())),
            Ok((6, Some(1_618_677_786_985_000_000), None, TICKER.to_string())),
        ]
    );
    let s = r.stats();
    assert_eq!((s.lines, s.frames, s.skipped_connection, s.skipped_outbound, s.skipped_empty), (8, 3, 1, 1, 3));
    assert_eq!(s.bad_lines(), 0);
}

#[test]
fn cryptofeed_rest_file_yields_bodies_with_their_urls() {
    let dir = TempDir::new().unwrap();
    let body =
        r#"{"lastUpdateId":499869752,"bids":[["0.35210000","672.00000000"]],"asks":[["0.35220000","1.00000000"]]}"#;
    let text = format!(
        "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000 -> 1633998512.320639: {body}\n\
         configuration: {{\"trades\":[\"NKN-USDT\"]}}\n"
    );
    let path = write(&dir, "BINANCE.http.0.0", &text);
    let mut r = InputReader::open(&path).unwrap();
    let mut d = BinanceDecoder::default();
    let rec = r.next().unwrap().unwrap();
    let RecordKind::Rest { url, body: b } = rec.kind else { panic!("{rec:?}") };
    assert_eq!((url, b), ("https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000", body.as_bytes()));
    assert_eq!(rec.recv_ns, Some(1_633_998_512_320_639_000));
    let Ok(Decoded::Market(ev)) = d.decode_record(&rec) else { panic!() };
    assert_eq!(ev.instrument(), d.instruments().find(b"NKNUSDT"));
    assert!(r.next().is_none());
    assert_eq!((r.stats().rest_bodies, r.stats().skipped_configuration), (1, 1));
}

#[test]
fn pretty_printed_document_is_one_frame() {
    let dir = TempDir::new().unwrap();
    let pretty = "{\n  \"stream\":\"ethusdt@trade\",\n  \"data\":{\n    \"e\":\"trade\",\n    \"E\":1639351062244,\n    \"s\":\"ETHUSDT\",\n    \"t\":705291099,\n    \"p\":\"4149.74000000\",\n    \"q\":\"0.43870000\",\n    \"T\":1639351062243,\n    \"m\":true,\n    \"M\":true\n  }\n}\n";
    for path in [write(&dir, "ws_spot_trade.json", pretty), write(&dir, "crlf.json", &pretty.replace('\n', "\r\n"))] {
        let mut r = InputReader::open(&path).unwrap();
        let rec = r.next().unwrap().unwrap();
        assert_eq!(rec.line_no, 1);
        let mut d = BinanceDecoder::default();
        assert_eq!(d.decode_record(&rec).map(|x| x.kind()), Ok(DecodedKind::Trade));
        assert!(r.next().is_none());
        assert_eq!((r.stats().frames, r.stats().documents), (1, 1));
    }
    // A one-line document is a normal frame, not a document.
    let path = write(&dir, "one.json", "[1,2,3]\n");
    let mut r = InputReader::open(&path).unwrap();
    assert_eq!(r.next().unwrap().unwrap().bytes(), b"[1,2,3]");
    assert_eq!(r.stats().documents, 0);
}

#[test]
fn oversize_document_is_refused() {
    let dir = TempDir::new().unwrap();
    let pretty = format!("{{\n  \"pad\": \"{}\"\n}}\n", "x".repeat(5000));
    let path = write(&dir, "big.json", &pretty);
    let mut r = InputReader::open_with_limits(&path, Limits { frame_bytes: 1000, rest_bytes: 1000 }).unwrap();
    assert!(matches!(r.next(), Some(Err(InputError::TooLarge { line_no: 1, .. }))));
    assert!(r.next().is_none());
    assert_eq!(r.stats().too_large, 1);
}

#[test]
fn bad_lines_are_counted_by_reason_and_reading_goes_on() {
    let dir = TempDir::new().unwrap();
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(3000));
    let rest_ok = format!("https://api.binance.com/api/v3/exchangeInfo -> 1.5: {{\"pad\":\"{}\"}}", "x".repeat(3000));
    let text = format!(
        "{TRADE}\nnot a frame at all\n9999999999999999999999 {TRADE}\n2024-02-30T00:00:00Z {TRADE}\n{huge}\n{rest_ok}\n{TICKER}\n"
    );
    let path = write(&dir, "mixed.log", &text);
    let mut r = InputReader::open_with_limits(&path, Limits { frame_bytes: 1000, rest_bytes: 10_000 }).unwrap();
    let seen: Vec<_> = read_all(&mut r).into_iter().map(|x| x.map(|(line, ..)| line)).collect();
    assert_eq!(
        seen,
        vec![Ok(1), Err("bad_layout"), Err("bad_timestamp"), Err("bad_timestamp"), Err("too_large"), Ok(6), Ok(7)]
    );
    let s = r.stats();
    assert_eq!((s.bad_layout, s.bad_timestamp, s.too_large, s.frames, s.rest_bodies), (1, 2, 1, 2, 1));
}

#[test]
fn truncated_gzip_is_an_io_error_then_the_end() {
    let dir = TempDir::new().unwrap();
    let full = write_gz(&dir, "full.gz", &format!("{TRADE}\n").repeat(200));
    let bytes = std::fs::read(&full).unwrap();
    let path = dir.path().join("cut.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let mut r = InputReader::open(&path).unwrap();
    let seen = read_all(&mut r);
    assert_eq!(seen.last(), Some(&Err("io")));
    assert_eq!(r.stats().io_errors, 1);
}

#[test]
fn exchange_info_loads_from_plain_and_cryptofeed_files() {
    let dir = TempDir::new().unwrap();
    let body = r#"{"timezone":"UTC","serverTime":1,"symbols":[{"symbol":"BTCUSDT","baseAsset":"BTC","quoteAsset":"USDT","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","minQty":"0.00001000","stepSize":"0.00001000"},{"filterType":"NOTIONAL","minNotional":"5.00000000"}]}]}"#;
    let plain = write(&dir, "exchangeInfo.json", body);
    let capture = write(
        &dir,
        "BINANCE.0",
        &format!("https://api.binance.com/api/v3/exchangeInfo -> 1633998511.132921: {body}\nconfiguration: {{}}\n"),
    );
    for path in [plain, capture] {
        let list = load_exchange_info(&path).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].price_scale, list[0].qty_scale), (2, 5));
    }
    let none = write(&dir, "nothing.json", "{\"a\":1}\n");
    assert!(load_exchange_info(&none).unwrap_err().to_string().contains("no exchangeInfo"));
}
