//! Sessions end to end with the real binary: a headless run against the sim
//! venue on loopback is recorded and replayed to the same summary; two
//! replays agree; `--verify` passes on a clean session and names the first
//! divergence when the configuration changed; a recording killed with
//! SIGKILL replays what reached the disk; a damaged block and a torn tail
//! are reported and read past.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A 1 s moving-average cross on BTCUSDT, so a few seconds trade.
const FAST: &str = r#"
[[strategies]]
kind = "ma-cross"
symbol = "BTCUSDT"
timeframe = "1s"
fast = 2
slow = 4
qty = "0.01"
"#;

/// For the sim round trip: a probe beside the average cross, because a few
/// seconds of a live-paced market may hold no upward cross at all (about
/// four runs in ten had none), and the test needs orders to compare.
const PROBE: &str = r#"
[[strategies]]
kind = "probe"
symbol = "BTCUSDT"
every-n-trades = 400
qty = "0.002"
"#;

fn tickdesk(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tickdesk"));
    c.env("TICKDESK_LOG__DIR", dir.join("logs")).env_remove("RUST_LOG").current_dir(dir);
    c
}

fn ok(out: &Output) {
    assert!(out.status.success(), "exit {:?}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The one session directory under `parent`.
fn session_in(parent: &Path) -> PathBuf {
    let dirs: Vec<_> = std::fs::read_dir(parent).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

/// What must be equal between a run and its replay: everything the events
/// decide, nothing that measures the machine.
const DETERMINISTIC: [&str; 10] = [
    "events",
    "malformed",
    "dropped",
    "candles_closed",
    "backfilled_candles",
    "orders",
    "fills",
    "risk_rejections",
    "positions",
    "pnl",
];

fn replay(dir: &Path, session: &Path, extra: &[&str]) -> Output {
    tickdesk(dir)
        .args(["--config", "fast.toml", "replay", "--headless", "--speed", "max", "--status-interval", "0"])
        .arg(session)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_sim_venue_session_replays_to_the_same_summary_and_decisions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fast.toml"), format!("{FAST}{PROBE}")).unwrap();
    let out = tickdesk(dir)
        .args(["--config", "fast.toml", "headless", "--venue", "sim", "--duration", "6s", "--status-interval", "0"])
        .args(["--record", "rec", "--summary", "live.json"])
        .output()
        .unwrap();
    ok(&out);
    let live = json(&dir.join("live.json"));
    let rec = &live["recording"];
    assert_eq!(rec["dropped"], 0, "{rec}");
    assert!(rec["records"].as_u64().unwrap() > 1000, "{rec}");
    let session = session_in(&dir.join("rec"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("recording to"), "the session directory is announced");
    assert!(live["orders"]["submitted"].as_u64().unwrap() > 0, "the probe should trade: {}", live["orders"]);

    let a = replay(dir, &session, &["--verify", "--summary", "a.json"]);
    ok(&a);
    let b = replay(dir, &session, &["--verify", "--summary", "b.json"]);
    ok(&b);
    let (a, b) = (json(&dir.join("a.json")), json(&dir.join("b.json")));
    for k in DETERMINISTIC {
        assert_eq!(live[k], a[k], "live vs replay differ in {k}");
        assert_eq!(a[k], b[k], "two replays differ in {k}");
    }
    let (va, vb) = (&a["replay"]["verify"], &b["replay"]["verify"]);
    assert_eq!(va["divergence"], Value::Null, "{va}");
    assert!(va["matched"].as_u64().unwrap() >= live["orders"]["submitted"].as_u64().unwrap(), "{va}");
    assert_eq!(va, vb, "two replays make the same decisions");
    assert_eq!(a["replay"]["config_matches"], true);
    assert_eq!(a["replay"]["damage"], serde_json::json!([]));
    // Connects, the subscription and the REST answers used are in the session too.
    assert!(a["replay"]["read"]["notes"].as_u64().unwrap() >= 3, "{}", a["replay"]["read"]);

    // The same session replayed with other order sizes diverges at the first order.
    let sizes = format!("{}{}", FAST.replace("0.01", "0.02"), PROBE.replace("0.002", "0.003"));
    std::fs::write(dir.join("fast.toml"), sizes).unwrap();
    let bad = replay(dir, &session, &["--verify", "--summary", "c.json"]);
    assert_eq!(bad.status.code(), Some(1), "a divergence exits 1");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("replay diverges at decision #0"), "{err}");
    assert!(err.contains("recorded: seq") && err.contains("replayed: seq"), "{err}");
    assert!(err.contains("recorded with another configuration"), "{err}");
    let c = json(&dir.join("c.json"));
    assert_eq!(c["replay"]["config_matches"], false);
    assert_eq!(c["replay"]["verify"]["divergence"]["index"], 0);
}

#[test]
fn to_stops_the_replay_early_and_from_only_changes_pacing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fast.toml"), FAST).unwrap();
    let out = tickdesk(dir)
        .args(["--config", "fast.toml", "headless", "--venue", "synthetic", "--duration", "2m", "--speed", "20"])
        .args(["--status-interval", "0", "--record", "rec", "--summary", "live.json"])
        .output()
        .unwrap();
    ok(&out);
    let session = session_in(&dir.join("rec"));
    let full = replay(dir, &session, &["--summary", "full.json"]);
    ok(&full);
    let part = replay(dir, &session, &["--to", "2s", "--summary", "part.json"]);
    ok(&part);
    let from = replay(dir, &session, &["--from", "3s", "--summary", "from.json"]);
    ok(&from);
    let (full, part, from) = (json(&dir.join("full.json")), json(&dir.join("part.json")), json(&dir.join("from.json")));
    let frames = |v: &Value| v["replay"]["read"]["frames"].as_u64().unwrap();
    assert!(frames(&part) > 0 && frames(&part) < frames(&full) / 2, "{} of {}", frames(&part), frames(&full));
    assert_eq!(part["replay"]["stopped_at_to"], true);
    assert_eq!(full["replay"]["stopped_at_to"], false);
    for k in DETERMINISTIC {
        assert_eq!(full[k], from[k], "--from changed {k}");
    }
    let bad = replay(dir, &session, &["--to", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--to"), "{}", String::from_utf8_lossy(&bad.stderr));
}

#[cfg(unix)]
#[test]
fn a_recording_killed_with_sigkill_replays_what_reached_the_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fast.toml"), FAST).unwrap();
    let mut child = tickdesk(dir)
        .args(["--config", "fast.toml", "headless", "--venue", "synthetic", "--duration", "1h", "--speed", "1"])
        .args(["--status-interval", "0", "--record", "rec"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    // SIGKILL: no handler runs, nothing is flushed on the way out.
    let killed_ns = wall_ns();
    child.kill().unwrap();
    child.wait().unwrap();
    let session = session_in(&dir.join("rec"));
    let out = replay(dir, &session, &["--summary", "after.json"]);
    ok(&out);
    let s = json(&dir.join("after.json"));
    let read = &s["replay"]["read"];
    let frames = read["frames"].as_u64().unwrap();
    let last = read["last_frame_ns"].as_u64().unwrap();
    let lost_ms = killed_ns.saturating_sub(last) / 1_000_000;
    eprintln!("recovered {frames} frames; the last was received {lost_ms} ms before the kill");
    assert!(frames > 1000, "{read}");
    // The writer hands blocks to the OS every 100 ms; allow for a loaded machine.
    assert!(lost_ms <= 400, "lost the last {lost_ms} ms");
    assert!(s["events"]["trade"].as_u64().unwrap() > 0);
}

#[test]
fn a_damaged_block_and_a_torn_tail_are_reported_and_read_past() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fast.toml"), FAST).unwrap();
    let out = tickdesk(dir)
        .args(["--config", "fast.toml", "headless", "--venue", "synthetic", "--duration", "3m", "--speed", "max"])
        .args(["--status-interval", "0", "--record", "rec"])
        .output()
        .unwrap();
    ok(&out);
    let session = session_in(&dir.join("rec"));
    let clean = replay(dir, &session, &["--summary", "clean.json"]);
    ok(&clean);
    let clean = json(&dir.join("clean.json"));

    let feed = session.join("feed-000001.tdr");
    let mut bytes = std::fs::read(&feed).unwrap();
    let len = bytes.len();
    assert!(len > 2_000_000, "several blocks: {len} bytes");
    // A run of garbage in the middle of the file, then a tail cut mid-block.
    for b in &mut bytes[len / 2..len / 2 + 64] {
        *b ^= 0x5a;
    }
    bytes.truncate(len - 1000);
    std::fs::write(&feed, &bytes).unwrap();

    let out = replay(dir, &session, &["--summary", "damaged.json"]);
    ok(&out);
    let d = json(&dir.join("damaged.json"));
    let damage: Vec<String> =
        d["replay"]["damage"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(damage.iter().any(|m| m.contains("corrupt block at byte")), "{damage:?}");
    assert!(damage.iter().any(|m| m.contains("torn tail at byte")), "{damage:?}");
    assert!(damage.iter().all(|m| m.contains("feed-000001.tdr")), "{damage:?}");
    let frames = |v: &Value| v["replay"]["read"]["frames"].as_u64().unwrap();
    assert!(frames(&d) < frames(&clean), "a block's worth is gone");
    assert!(frames(&d) > frames(&clean) * 8 / 10, "the rest is kept: {} of {}", frames(&d), frames(&clean));
}

#[test]
fn a_directory_without_a_session_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tickdesk(tmp.path()).args(["replay", "--headless", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no recorded session here"));
}

/// Real recorded files from `../shared/data/real/`, imported as sessions,
/// replay to the same events, candles and decisions as `headless --input`
/// over the file itself.
#[test]
fn real_recorded_files_import_and_replay_like_the_file() {
    let Some(data) = common::shared_data() else { return };
    let files = [
        ("hftbacktest/examples/spot/btcusdt_20240808.gz", None),
        ("hftbacktest/examples/usdm/btcusdt_20240808.gz", None),
        ("cryptofeed/sample_data/BINANCE.ws.1.0", None),
        ("cryptofeed/sample_data/BINANCE_FUTURES.ws.1.0", None),
        (
            "hftbacktest/examples/spot/btcusdt_20240808.gz",
            Some(
                "nautilus_trader/tests/integration_tests/adapters/binance/resources/http_responses/http_spot_market_exchange_info.json",
            ),
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fast.toml"), FAST).unwrap();
    for (i, (file, info)) in files.iter().enumerate() {
        let input = data.join(file);
        let mut info_args = Vec::new();
        if let Some(p) = info {
            info_args = vec!["--exchange-info".to_string(), data.join(p).display().to_string()];
        }
        let out_dir = dir.join(format!("imported-{i}"));
        let imp = tickdesk(dir)
            .args(["--config", "fast.toml", "import"])
            .arg(&input)
            .arg("--out")
            .arg(&out_dir)
            .args(&info_args)
            .output()
            .unwrap();
        ok(&imp);
        let report: Value = serde_json::from_slice(&imp.stdout).unwrap();
        assert!(report["frames"].as_u64().unwrap() > 0, "{file}: {report}");
        assert_eq!(report["recording"]["dropped"], 0);
        let direct = tickdesk(dir)
            .args(["--config", "fast.toml", "headless", "--no-record", "--status-interval", "0", "--input"])
            .arg(&input)
            .args(&info_args)
            .args(["--summary", "direct.json"])
            .output()
            .unwrap();
        ok(&direct);
        let replayed = replay(dir, &out_dir, &["--summary", "replayed.json"]);
        ok(&replayed);
        let (a, b) = (json(&dir.join("direct.json")), json(&dir.join("replayed.json")));
        for k in ["events", "candles_closed", "orders", "fills", "positions", "pnl", "risk_rejections"] {
            assert_eq!(a[k], b[k], "{file}: {k} differs between the file and its imported session");
        }
        assert_eq!(b["replay"]["read"]["frames"], report["frames"], "{file}");
        eprintln!("{file}: {} frames, {} bytes as a session", report["frames"], report["recording"]["bytes"]);
    }
    // The session directory exists now: a second import there is refused.
    let again = tickdesk(dir)
        .args(["import"])
        .arg(data.join(files[0].0))
        .arg("--out")
        .arg(dir.join("imported-0"))
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a recorded session"));
}

/// Every table exported as Parquet and read back with the arrow reader has
/// the rows the summary counts; the CSV of fills holds the same rows.
#[test]
fn export_to_parquet_reads_back_with_the_summary_counts() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fast.toml"), FAST).unwrap();
    let out = tickdesk(dir)
        .args(["--config", "fast.toml", "headless", "--venue", "synthetic", "--duration", "3m", "--speed", "max"])
        .args(["--status-interval", "0", "--record", "rec", "--summary", "live.json"])
        .output()
        .unwrap();
    ok(&out);
    let live = json(&dir.join("live.json"));
    let session = session_in(&dir.join("rec"));
    let rows = |what: &str, format: &str| -> (u64, PathBuf) {
        let file = dir.join(format!("{what}.{format}"));
        let out = tickdesk(dir)
            .args(["--config", "fast.toml", "export"])
            .arg(&session)
            .args(["--what", what, "--format", format, "--out"])
            .arg(&file)
            .output()
            .unwrap();
        ok(&out);
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(r["overflows"], 0, "{r}");
        (r["rows"].as_u64().unwrap(), file)
    };
    let read_back = |file: &Path| -> (u64, Vec<String>) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file).unwrap()).unwrap();
        let names = reader.schema().fields().iter().map(|f| f.name().clone()).collect();
        let n = reader.build().unwrap().map(|b| b.unwrap().num_rows() as u64).sum();
        (n, names)
    };
    let expect = [
        ("trades", live["events"]["trade"].as_u64().unwrap()),
        ("book-tops", live["events"]["book_ticker"].as_u64().unwrap()),
        ("candles", live["candles_closed"].as_u64().unwrap()),
        ("fills", live["fills"].as_u64().unwrap()),
    ];
    for (what, count) in expect {
        let (n, file) = rows(what, "parquet");
        let (back, names) = read_back(&file);
        assert_eq!((n, back), (count, count), "{what}: {names:?}");
    }
    assert!(live["fills"].as_u64().unwrap() > 0, "the fast strategy should trade");
    // Orders: one row per change, so at least one per submitted order.
    let (n, file) = rows("orders", "parquet");
    assert!(n >= live["orders"]["submitted"].as_u64().unwrap());
    assert_eq!(read_back(&file).0, n);
    // The CSV of fills: a header and one exact-decimal row per fill.
    let (n, file) = rows("fills", "csv");
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.starts_with("time_ms,order_id,strategy,symbol,side,price,qty,fee,liquidity\n"));
    assert_eq!(text.lines().count() as u64, n + 1);
    let bad = tickdesk(dir).args(["export"]).arg(&session).args(["--what", "quotes", "--out", "x"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

fn wall_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

#[test]
fn workstation_input_refuses_live_venue_flags_before_the_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("frames.txt"), "").unwrap();
    for (flag, value) in [("--venue", Some("sim")), ("--record", Some("rec")), ("--depth", None)] {
        let out = tickdesk(dir).args(["--input", "frames.txt", flag]).args(value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("{flag} does not apply to --input")), "{flag}: {err}");
        assert!(!dir.join("rec").exists(), "nothing recorded");
    }
}
