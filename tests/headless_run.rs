//! The real binary, headless, over a real recorded Binance file and over the
//! synthetic market: the summary and the candles CSV must agree with each
//! other and with the input.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns may unwrap

mod common;

use std::collections::BTreeMap;
use std::process::Command;

fn tickdesk(logs: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tickdesk"));
    c.env("TICKDESK_LOG__DIR", logs).env_remove("RUST_LOG");
    c
}

#[test]
fn headless_over_real_binance_spot_file() {
    let Some(data) = common::shared_data() else { return };
    let input = data.join("hftbacktest/examples/spot/btcusdt_20240808.gz");
    let dir = tempfile::tempdir().unwrap();
    let candles = dir.path().join("candles.csv");
    let summary = dir.path().join("summary.json");
    let out = tickdesk(dir.path())
        .args(["headless", "--no-record", "--status-interval", "0", "--input"])
        .arg(&input)
        .arg("--candles-out")
        .arg(&candles)
        .arg("--summary")
        .arg(&summary)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();

    // Every frame decoded: the counts PROVENANCE.md gives for this file.
    assert_eq!(s["events"]["trade"], 9757);
    assert_eq!(s["events"]["book_ticker"], 28040);
    assert_eq!(s["events"]["depth_update"], 3451);
    assert_eq!(s["events"]["depth_snapshot"], 1);
    assert_eq!(s["events"]["malformed"], 0);
    assert_eq!(s["dropped"], 0);
    for key in [
        "out_of_order_dropped",
        "candles_closed",
        "orders",
        "risk_rejections",
        "positions",
        "pnl",
        "latency_ns",
        "events_per_sec",
    ] {
        assert!(!s[key].is_null(), "summary lacks {key}");
    }
    for stage in
        ["receive_to_decoded", "decoded_to_engine", "engine_to_aggregated", "aggregated_to_signal", "tick_to_order"]
    {
        assert!(s["latency_ns"][stage]["p99"].is_u64(), "latency_ns.{stage}");
    }
    assert!(
        s["latency_ns"]["engine_to_aggregated"]["count"].as_u64().unwrap()
            >= 9757 - s["out_of_order_dropped"].as_u64().unwrap()
    );
    assert!(s["pnl"]["realized"].is_string());

    // The CSV: header, then per timeframe every accepted trade counted once.
    let csv = std::fs::read_to_string(&candles).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("symbol,timeframe,open_time_ms,open,high,low,close,volume,trades"));
    let mut trades_per_tf: BTreeMap<String, u64> = BTreeMap::new();
    let mut rows = 0u64;
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 9, "{l}");
        assert_eq!(f[0], "BTCUSDT");
        // Exact decimals at the default Binance scale (8).
        for p in &f[3..8] {
            assert_eq!(p.split('.').nth(1).map(str::len), Some(8), "{l}");
        }
        let (o, h, lo, c): (f64, f64, f64, f64) =
            (f[3].parse().unwrap(), f[4].parse().unwrap(), f[5].parse().unwrap(), f[6].parse().unwrap());
        assert!(h >= o.max(c) && lo <= o.min(c), "{l}");
        *trades_per_tf.entry(f[1].to_string()).or_default() += f[8].parse::<u64>().unwrap();
        rows += 1;
    }
    assert_eq!(rows, s["candles_closed"].as_u64().unwrap());
    let accepted = 9757 - s["out_of_order_dropped"].as_u64().unwrap();
    assert_eq!(trades_per_tf.len(), 6, "{trades_per_tf:?}");
    for (tf, n) in trades_per_tf {
        assert_eq!(n, accepted, "timeframe {tf}");
    }
    // ~346 s of data: 1s candles exist for most seconds, one or two 5m candles.
    assert!(csv.lines().filter(|l| l.contains(",1s,")).count() > 200);
}

#[test]
fn headless_synthetic_is_deterministic_by_seed_and_trades() {
    let dir = tempfile::tempdir().unwrap();
    let run = |seed: &str| {
        let out = tickdesk(dir.path())
            .args([
                "headless",
                "--no-record",
                "--venue",
                "synthetic",
                "--speed",
                "max",
                "--duration",
                "120s",
                "--status-interval",
                "0",
                "--seed",
                seed,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let a = run("7");
    let b = run("7");
    for key in ["events", "candles_closed", "orders", "positions", "risk_rejections", "fills"] {
        assert_eq!(a[key], b[key], "{key} differs between two runs with the same seed");
    }
    assert!(a["events"]["trade"].as_u64().unwrap() > 1000);
    assert!(a["orders"]["submitted"].as_u64().unwrap() > 0, "strategies placed no order: {}", a["orders"]);
    assert!(a["fills"].as_u64().unwrap() > 0);
    assert_eq!(a["events"]["malformed"], 0);
}

/// Ctrl-C (SIGINT) ends a paced run cleanly: the summary is still printed.
#[cfg(unix)]
#[test]
fn interrupt_prints_the_summary() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let mut child = tickdesk(dir.path())
        .args([
            "headless",
            "--no-record",
            "--venue",
            "synthetic",
            "--speed",
            "realtime",
            "--duration",
            "10m",
            "--status-interval",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first status line: the run is under way.
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.by_ref().map_while(Result::ok).find(|l| l.contains("events="));
    assert!(first.is_some(), "no status line before the stream ended");
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit {:?}", out.status);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["interrupted"], true);
    assert!(s["events"]["book_ticker"].as_u64().unwrap() > 0);
}
