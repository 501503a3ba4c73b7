//! Config fixtures through the real binary: every file in
//! `tests/invalid_configs` must exit with code 2 and name the key given on
//! its first line (`# expect: <text>`); every file in `tests/valid_configs`
//! must run a short synthetic session successfully.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns may unwrap

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tickdesk"));
    c.env_remove("RUST_LOG");
    for (k, _) in std::env::vars() {
        if k.starts_with("TICKDESK_") {
            c.env_remove(k);
        }
    }
    c
}

fn fixtures(dir: &str) -> Vec<std::path::PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(dir);
    let mut v: Vec<_> = std::fs::read_dir(d)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn invalid_configs_exit_2_and_name_the_key() {
    let files = fixtures("invalid_configs");
    assert!(files.len() >= 5);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks '# expect: ' on line 1", f.display()))
            .trim()
            .to_string();
        let logs = tempfile::tempdir().unwrap();
        let out = bin()
            .arg("--config")
            .arg(&f)
            .args([
                "headless",
                "--no-record",
                "--venue",
                "synthetic",
                "--duration",
                "1s",
                "--speed",
                "max",
                "--status-interval",
                "0",
            ])
            .env("TICKDESK_LOG__DIR", logs.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: stderr: {stderr}", f.display());
        assert!(stderr.contains(&expect), "{}: expected {expect:?} in: {stderr}", f.display());
    }
}

#[test]
fn valid_configs_run() {
    for f in fixtures("valid_configs") {
        let logs = tempfile::tempdir().unwrap();
        let out = bin()
            .arg("--config")
            .arg(&f)
            .args([
                "headless",
                "--no-record",
                "--venue",
                "synthetic",
                "--duration",
                "2s",
                "--speed",
                "max",
                "--status-interval",
                "0",
            ])
            .env("TICKDESK_LOG__DIR", logs.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", f.display(), String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["events"]["trade"].as_u64().unwrap() > 0);
    }
}

#[test]
fn env_override_with_a_bad_value_names_the_variable() {
    let logs = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["headless", "--no-record", "--venue", "synthetic", "--duration", "1s", "--speed", "max"])
        .env("TICKDESK_LOG__DIR", logs.path())
        .env("TICKDESK_RISK__MAX_OPEN_ORDERS", "lots")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TICKDESK_RISK__MAX_OPEN_ORDERS"), "{stderr}");
    assert!(stderr.contains("max-open-orders"), "{stderr}");
}
