//! `tickdesk headless --venue sim --route sandbox` end to end on loopback:
//! the strategies' orders leave signed, the in-process sim venue matches
//! them, fills come back by the FULL answers and the user data stream, and
//! at the end the summary's positions and P&L agree to the last digit with
//! the balances the venue reports. Plus the refusals before any connection,
//! secrets kept out of every output, and the venue's faults.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns may unwrap

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Output};

const KEY: &str = "sandboxtestkey0123456789abcdefSECRETLESS";
const SECRET: &str = "sandbox-test-secret-must-never-appear-9f8e7d";

/// Strategies that trade in a short run: a 1 s MA cross on BTCUSDT, and a
/// probe on ETHUSDT, because a few seconds of live-paced market may hold no
/// upward cross at all.
const CONFIG: &str = r#"
[[strategies]]
kind = "ma-cross"
symbol = "BTCUSDT"
timeframe = "1s"
fast = 2
slow = 4
qty = "0.01"

[[strategies]]
kind = "probe"
symbol = "ETHUSDT"
every-n-trades = 400
qty = "0.01"
"#;

struct Run {
    out: Output,
    logs: tempfile::TempDir,
}

fn run(envs: &[(&str, &str)], extra: &[&str], keys: bool) -> Run {
    let logs = tempfile::tempdir().unwrap();
    let cfg = logs.path().join("fast.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_tickdesk"));
    c.env("TICKDESK_LOG__DIR", logs.path()).env("TICKDESK_LOG__LEVEL", "debug").env_remove("RUST_LOG");
    c.env_remove("BINANCE_API_KEY").env_remove("BINANCE_API_SECRET");
    if keys {
        c.env("BINANCE_API_KEY", KEY).env("BINANCE_API_SECRET", SECRET);
    }
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c
        .args(["--config", cfg.to_str().unwrap(), "headless", "--status-interval", "0", "--symbols", "btcusdt,ethusdt"])
        .args(if extra.contains(&"--record") { None } else { Some("--no-record") })
        .args(extra)
        .output()
        .unwrap();
    Run { out, logs }
}

fn summary(r: &Run) -> Value {
    assert!(r.out.status.success(), "{}", String::from_utf8_lossy(&r.out.stderr));
    serde_json::from_slice(&r.out.stdout).unwrap()
}

/// Exact decimal string → 18-decimal integer.
fn dec(s: &str) -> i128 {
    tickdesk::domain::Notional::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}")).0
}

fn balances(v: &Value) -> BTreeMap<String, i128> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["asset"].as_str().unwrap().to_string(),
                dec(b["free"].as_str().unwrap()) + dec(b["locked"].as_str().unwrap()),
            )
        })
        .collect()
}

/// Positions equal the base balance changes, and the P&L equals the quote
/// balance change plus the positions marked at their last price.
fn assert_books_agree(s: &Value) {
    let g = &s["route"]["gateway"];
    let start = balances(&g["balances_start"]);
    let end = balances(&g["balances_end"]);
    assert!(!start.is_empty() && !end.is_empty(), "{g}");
    let delta = |a: &str| end.get(a).copied().unwrap_or(0) - start.get(a).copied().unwrap_or(0);
    let mut marked = 0i128;
    for p in s["positions"].as_array().unwrap() {
        let symbol = p["symbol"].as_str().unwrap();
        let base = symbol.strip_suffix("USDT").unwrap();
        let qty = dec(p["qty"].as_str().unwrap());
        assert_eq!(delta(base), qty, "{symbol}: venue {base} change vs position ({p})");
        // Both carry at most 8 decimals: scale down first so the product fits in i128.
        marked += (qty / 10i128.pow(10)) * (dec(p["last"].as_str().unwrap()) / 10i128.pow(10)) * 100;
    }
    let total = dec(s["pnl"]["total"].as_str().unwrap());
    assert_eq!(delta("USDT") + marked, total, "quote change + marked positions vs P&L: {}", s["pnl"]);
}

#[test]
fn strategies_trade_through_the_sim_venue_and_the_books_agree() {
    let r = run(&[], &["--route", "sandbox", "--duration", "12s"], true);
    let s = summary(&r);
    let route = &s["route"];
    assert_eq!(route["mode"], "sandbox", "{route}");
    let g = &route["gateway"];
    assert!(g["submitted"].as_u64().unwrap() > 0, "{g}");
    assert!(g["accepted"].as_u64().unwrap() > 0, "{g}");
    assert!(g["fills"].as_u64().unwrap() > 0, "{g}");
    assert!(g["stream_subscriptions"].as_u64().unwrap() >= 1, "{g}");
    assert_eq!(g["errors"].as_array().unwrap().len(), 0, "{g}");
    assert!(s["orders"]["filled"].as_u64().unwrap() > 0, "{}", s["orders"]);
    assert_eq!(s["fills"], g["fills"], "every fill reached the engine once");
    for stage in ["submit_to_ack", "submit_to_fill"] {
        assert!(s["latency_ns"][stage]["count"].as_u64().unwrap() > 0, "{stage}: {}", s["latency_ns"]);
    }
    assert_books_agree(&s);
    assert_secrets_absent(&r);
}

#[test]
fn a_dropped_user_stream_is_reconciled_and_no_fill_is_lost() {
    let r = run(
        &[("TICKDESK_SIM_VENUE__FAULTS__USER_STREAM_DROP_EVERY_SECS", "3")],
        &["--route", "sandbox", "--duration", "12s"],
        true,
    );
    let s = summary(&r);
    let g = &s["route"]["gateway"];
    assert!(g["stream_drops"].as_u64().unwrap() >= 2, "{g}");
    assert!(g["stream_subscriptions"].as_u64().unwrap() >= 3, "{g}");
    assert!(g["reconciliations"].as_u64().unwrap() >= 3, "{g}");
    assert!(g["fills"].as_u64().unwrap() > 0, "{g}");
    assert_books_agree(&s);
}

#[test]
fn answers_slower_than_the_client_timeout_never_duplicate_an_order() {
    let r = run(
        &[("TICKDESK_SIM_VENUE__FAULTS__ORDER_DELAY_MS", "700"), ("TICKDESK_ROUTE__TRADING__TIMEOUT_MS", "300")],
        &["--route", "sandbox", "--duration", "12s"],
        true,
    );
    let s = summary(&r);
    let g = &s["route"]["gateway"];
    assert!(g["found_by_client_id"].as_u64().unwrap() > 0, "timed-out orders found by their client id: {g}");
    assert_eq!(g["resent"], 0, "the venue had every order: none may be sent twice: {g}");
    let logs = read_logs(&r);
    assert!(!logs.contains("Duplicate order sent"), "an order was sent twice");
    assert_books_agree(&s);
}

#[test]
fn missing_keys_fail_before_any_connection_naming_the_variable() {
    // The production venue has no network here: only a check before connecting can answer at once.
    let r = run(&[], &["--route", "sandbox", "--venue", "binance-testnet", "--duration", "2s"], false);
    assert_eq!(r.out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.out.stderr);
    assert!(err.contains("BINANCE_API_KEY is not set"), "{err}");
}

#[test]
fn production_needs_both_opt_ins() {
    let r = run(&[], &["--route", "sandbox", "--venue", "binance", "--duration", "2s"], true);
    assert_eq!(r.out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.out.stderr);
    assert!(err.contains("route.allow-production") && err.contains("--allow-production"), "{err}");
    let r = run(&[], &["--route", "sandbox", "--venue", "binance", "--allow-production", "--duration", "2s"], true);
    assert_eq!(r.out.status.code(), Some(2), "the flag alone is not enough");
    let r = run(&[], &["--route", "sandbox", "--venue", "synthetic", "--duration", "2s"], true);
    assert_eq!(r.out.status.code(), Some(2), "no venue to send to");
}

fn read_logs(r: &Run) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(r.logs.path()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            continue;
        }
        if let Ok(t) = std::fs::read_to_string(&p) {
            all.push_str(&t);
        }
    }
    all
}

fn assert_secrets_absent(r: &Run) {
    let outputs = [
        String::from_utf8_lossy(&r.out.stdout).to_string(),
        String::from_utf8_lossy(&r.out.stderr).to_string(),
        read_logs(r),
    ];
    for (what, text) in ["stdout", "stderr", "logs"].iter().zip(outputs) {
        assert!(!text.contains(SECRET), "the secret appears in {what}");
        assert!(!text.contains(KEY), "the full API key appears in {what}");
    }
}

/// Every record payload of both streams of the one session under `parent`.
fn session_payloads(parent: &std::path::Path) -> Vec<Vec<u8>> {
    use tickdesk::record::{Stream, StreamReader};
    let dirs: Vec<_> = std::fs::read_dir(parent).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let mut out = Vec::new();
    for stream in [Stream::Feed, Stream::Engine] {
        let mut r = StreamReader::open(&dirs[0], stream).unwrap();
        while let Some(rec) = r.next_record().unwrap() {
            out.push(rec.payload.to_vec());
        }
    }
    out
}

#[test]
fn a_recorded_sandbox_session_replays_the_venue_answers_to_the_same_decisions() {
    let rec = tempfile::tempdir().unwrap();
    let rec_dir = rec.path().to_str().unwrap();
    let r = run(&[], &["--route", "sandbox", "--duration", "8s", "--record", rec_dir], true);
    let live = summary(&r);
    assert!(live["recording"]["records"].as_u64().unwrap() > 100, "{}", live["recording"]);
    let submitted = live["orders"]["submitted"].as_u64().unwrap();
    assert!(submitted > 0, "{}", live["orders"]);
    assert!(live["fills"].as_u64().unwrap() > 0);
    // Neither the key nor the secret is in the session.
    for p in session_payloads(rec.path()) {
        for secret in [KEY, SECRET] {
            assert!(!p.windows(secret.len()).any(|w| w == secret.as_bytes()), "a recorded payload holds a secret");
        }
    }
    let session = std::fs::read_dir(rec.path()).unwrap().next().unwrap().unwrap().path();
    let replay = || {
        let out = Command::new(env!("CARGO_BIN_EXE_tickdesk"))
            .env("TICKDESK_LOG__DIR", r.logs.path())
            .env_remove("RUST_LOG")
            .env_remove("BINANCE_API_KEY")
            .env_remove("BINANCE_API_SECRET")
            .arg("--config")
            .arg(r.logs.path().join("fast.toml"))
            .args(["replay", "--headless", "--speed", "max", "--status-interval", "0", "--verify"])
            .arg(&session)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    // No keys and no venue: the answers come from the recording.
    let (a, b) = (replay(), replay());
    assert_eq!(a["replay"]["route"], "sandbox");
    for k in ["events", "orders", "fills", "positions", "pnl", "risk_rejections", "candles_closed"] {
        assert_eq!(live[k], a[k], "live vs replay differ in {k}");
        assert_eq!(a[k], b[k], "two replays differ in {k}");
    }
    let v = &a["replay"]["verify"];
    assert_eq!(v["divergence"], Value::Null, "{v}");
    assert!(v["matched"].as_u64().unwrap() >= submitted, "{v}");
    assert_eq!(v, &b["replay"]["verify"]);
}
