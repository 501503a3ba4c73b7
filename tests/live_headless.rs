//! The real binary headless against the built-in sim venue over loopback
//! sockets (the default venue): REST start-up, the WebSocket feed, and the
//! venue's injected faults showing up in the summary's counters.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns may unwrap

use std::process::Command;

fn run(envs: &[(&str, &str)], extra: &[&str]) -> serde_json::Value {
    let logs = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_tickdesk"));
    c.env("TICKDESK_LOG__DIR", logs.path()).env_remove("RUST_LOG");
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.args(["headless", "--no-record", "--status-interval", "0"]).args(extra).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sim_venue_over_loopback_by_default() {
    let s = run(&[], &["--duration", "3s", "--symbols", "btcusdt,ethusdt"]);
    let live = &s["live"];
    assert_eq!(live["venue"], "sim");
    assert!(live["ws_url"].as_str().unwrap().starts_with("ws://127.0.0.1:"), "{live}");
    let conn = &live["connections"][0];
    assert!(conn["messages"].as_u64().unwrap() > 100, "{conn}");
    assert_eq!(conn["reconnects"], 0);
    assert_eq!(conn["streams"].as_array().unwrap().len(), 6, "trade, bookTicker, kline_1m per symbol");
    assert!(s["events"]["trade"].as_u64().unwrap() > 0);
    assert!(s["events"]["book_ticker"].as_u64().unwrap() > 0);
    assert_eq!(s["events"]["malformed"], 0);
    assert_eq!(s["dropped"], 0);
    assert!(live["clock_offset_ms"].is_i64(), "{live}");
    assert!(live["rest"]["requests"].as_u64().unwrap() >= 3, "exchangeInfo, time probes, klines");
    assert!(s["backfilled_candles"].as_u64().unwrap() > 0, "charts start full");
    assert!(s["latency_ns"]["exchange_to_receive"]["count"].as_u64().unwrap() > 0);
    assert_eq!(live["trade_ids"]["duplicates"], 0);
}

#[test]
fn dropped_connections_reconnect_and_nothing_is_counted_twice() {
    let s = run(
        &[
            ("TICKDESK_SIM_VENUE__FAULTS__DROP_EVERY_SECS", "1"),
            ("TICKDESK_SIM_VENUE__FAULTS__DUPLICATE_EVERY_N", "7"),
            ("TICKDESK_SIM_VENUE__FAULTS__SKIP_EVERY_N", "11"),
            ("TICKDESK_SIM_VENUE__FAULTS__MALFORMED_EVERY_N", "50"),
        ],
        &["--duration", "4s", "--symbols", "btcusdt,ethusdt"],
    );
    let live = &s["live"];
    let conn = &live["connections"][0];
    assert!(conn["reconnects"].as_u64().unwrap() >= 2, "{conn}");
    assert!(s["events"]["malformed"].as_u64().unwrap() > 0, "garbage is counted: {}", s["malformed"]);
    let ids = &live["trade_ids"];
    assert!(ids["gaps"].as_u64().unwrap() > 0, "{ids}");
    assert!(ids["missing"].as_u64().unwrap() > 0, "{ids}");
    // Every accepted trade reached the candles exactly once.
    let accepted = ids["accepted"].as_u64().unwrap();
    assert!(accepted > 0);
    assert_eq!(s["latency_ns"]["engine_to_aggregated"]["count"].as_u64().unwrap(), accepted, "{ids}");
}

#[test]
fn unknown_symbol_is_a_config_error_naming_it() {
    let logs = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tickdesk"))
        .env("TICKDESK_LOG__DIR", logs.path())
        .args(["headless", "--no-record", "--duration", "1s", "--symbols", "nopeusdt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPEUSDT"));
}

#[test]
fn a_bad_base_url_is_refused_before_connecting() {
    let logs = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tickdesk"))
        .env("TICKDESK_LOG__DIR", logs.path())
        .args([
            "headless",
            "--no-record",
            "--venue",
            "binance",
            "--ws-url",
            "ws://127.0.0.1:9/stream",
            "--duration",
            "1s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ws-url"));
}

#[test]
fn a_depth_book_that_loses_the_chain_gets_a_new_snapshot_and_replays_the_same() {
    // Every 30th depth diff is left out: a break about every 1.5 s.
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let mut c = Command::new(env!("CARGO_BIN_EXE_tickdesk"));
    c.env("TICKDESK_LOG__DIR", dir.path().join("logs")).env_remove("RUST_LOG");
    c.env("TICKDESK_SIM_VENUE__FAULTS__DEPTH_SKIP_EVERY_N", "30");
    let out = c
        .args(["headless", "--status-interval", "0", "--duration", "6s", "--symbols", "btcusdt,ethusdt", "--depth"])
        .arg("--record")
        .arg(&rec)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let depth = s["depth"].as_object().unwrap();
    assert_eq!(depth.len(), 2, "{depth:?}");
    let gaps: u64 = depth.values().map(|b| b["gaps"].as_u64().unwrap()).sum();
    assert!(gaps >= 1, "the fault broke a chain: {depth:?}");
    for (symbol, b) in depth {
        if b["gaps"] == 0 {
            assert_eq!(b["synced"], true, "{symbol}: {b}");
            assert_eq!(b["snapshots"], 1, "{symbol}: {b}");
        } else {
            // The first break comes within 2 s; its resync well before the end.
            assert!(b["snapshots"].as_u64().unwrap() >= 2, "{symbol} was not resynced: {b}");
        }
    }
    // The resync snapshots are recorded inputs: a replay rebuilds the same books.
    let session = std::fs::read_dir(&rec).unwrap().next().unwrap().unwrap().path();
    let out = Command::new(env!("CARGO_BIN_EXE_tickdesk"))
        .env("TICKDESK_LOG__DIR", dir.path().join("logs"))
        .env("TICKDESK_SIM_VENUE__FAULTS__DEPTH_SKIP_EVERY_N", "30")
        .env_remove("RUST_LOG")
        .args(["replay", "--headless", "--speed", "max", "--status-interval", "0", "--verify"])
        .arg(&session)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["depth"], s["depth"]);
    assert_eq!(r["events"], s["events"]);
}
