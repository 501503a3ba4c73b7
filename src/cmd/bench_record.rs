//! `tickdesk bench --mode record`: what recording costs, how small a
//! session is, and how fast and lean a replay runs.
//!
//! Each run starts the real binary three times, as a user would: a
//! headless synthetic run at full speed without recording, the same run
//! (same seed, same market length) recorded, and `replay --headless
//! --speed max` of that session, whose resident memory is sampled from
//! `/proc` while it runs. The session's bytes are compared with the same
//! frames written as JSON lines (one frame and a newline each). Every
//! other run records first, and each notes how much the machine's two
//! CPUs slow each other just before it ([`crate::telemetry::core_sharing`]).

use super::RunError;
use super::bench::{Environment, environment};
use crate::cli::BenchArgs;
use crate::record::{Kind, Stream, StreamReader};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize)]
pub struct RecordRun {
    pub plain_events_per_sec: f64,
    pub recorded_events_per_sec: f64,
    /// 1 − recorded / plain, in percent (the recorded run charged the wait
    /// for its writer at the end).
    pub cost_pct: f64,
    /// The wait for the writer after the engine was done, s.
    pub drain_secs: f64,
    /// CPU time of the writer thread per frame (checksums, zstd, writes), ns.
    pub writer_cpu_ns_per_frame: f64,
    pub frames: u64,
    pub session_bytes: u64,
    pub json_lines_bytes: u64,
    pub size_pct: f64,
    pub replay_events_per_sec: f64,
    pub replay_elapsed_secs: f64,
    /// Resident memory of the replay process at 10 %, 50 % and 90 % of
    /// its run, and its peak, KiB.
    pub replay_rss_kib: [u64; 4],
    /// The machine's core sharing just before the pair (see
    /// [`crate::telemetry::core_sharing`]), to tell a pair taken while the
    /// host ran both vCPUs on one core from one taken on two.
    pub core_sharing: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordBenchReport {
    pub bench: &'static str,
    /// Market time of each headless run.
    pub market: String,
    pub runs: Vec<RecordRun>,
    /// Medians over runs.
    pub cost_pct: f64,
    pub size_pct: f64,
    pub replay_events_per_sec: f64,
    pub environment: Environment,
}

pub fn run(args: &BenchArgs) -> Result<RecordBenchReport, RunError> {
    let market = args.duration.clone().unwrap_or_else(|| "60m".into());
    let exe = std::env::current_exe().map_err(|e| RunError::Runtime(format!("cannot find the binary: {e}")))?;
    let work = super::scratch::ScratchDir::create("bench-record")?;
    let seed: Vec<String> = args.seed.map(|s| vec!["--seed".to_string(), s.to_string()]).unwrap_or_default();
    let mut runs = Vec::new();
    for i in 0..args.runs.max(1) {
        let headless = |extra: &[&str]| -> Result<serde_json::Value, RunError> {
            let mut c = Command::new(&exe);
            c.args(["headless", "--venue", "synthetic", "--speed", "max", "--status-interval", "0"])
                .args(["--duration", &market])
                .args(&seed)
                .args(extra);
            child_summary(c, work.path())
        };
        let core_sharing = crate::telemetry::core_sharing::core_sharing();
        let parent = work.path().join(format!("run{i}"));
        let dir = parent.display().to_string();
        let record_args = ["--record", dir.as_str()];
        // Every other pair records first, so that a machine slowing down
        // or speeding up over the bench favours neither side.
        let (plain, recorded) = if i % 2 == 0 {
            let plain = headless(&["--no-record"])?;
            (plain, headless(&record_args)?)
        } else {
            let recorded = headless(&record_args)?;
            (headless(&["--no-record"])?, recorded)
        };
        let session = only_dir(&parent)?;
        let (frames, json_lines_bytes) = json_lines_size(&session)?;
        let session_bytes = recorded["recording"]["bytes"].as_u64().unwrap_or(0);
        let mut c = Command::new(&exe);
        c.args(["replay", "--headless", "--speed", "max", "--status-interval", "0"]).arg(&session);
        let (replay, rss) = child_with_rss(c, work.path())?;
        let pe = plain["events_per_sec"].as_f64().unwrap_or(0.0);
        // The recorded run is charged the wait for its writer at the end too.
        let secs = recorded["elapsed_secs"].as_f64().unwrap_or(0.0);
        let drain = recorded["recording"]["drain_ms"].as_f64().unwrap_or(0.0) / 1000.0;
        let re = recorded["events_per_sec"].as_f64().unwrap_or(0.0) * secs / (secs + drain).max(f64::MIN_POSITIVE);
        let writer_ms = recorded["recording"]["writer_cpu_ms"].as_f64().unwrap_or(0.0);
        runs.push(RecordRun {
            plain_events_per_sec: pe,
            recorded_events_per_sec: re,
            cost_pct: if pe > 0.0 { (1.0 - re / pe) * 100.0 } else { 0.0 },
            drain_secs: drain,
            writer_cpu_ns_per_frame: writer_ms * 1e6 / (frames.max(1) as f64),
            frames,
            session_bytes,
            json_lines_bytes,
            size_pct: session_bytes as f64 * 100.0 / json_lines_bytes.max(1) as f64,
            replay_events_per_sec: replay["events_per_sec"].as_f64().unwrap_or(0.0),
            replay_elapsed_secs: replay["elapsed_secs"].as_f64().unwrap_or(0.0),
            replay_rss_kib: rss,
            core_sharing,
        });
        let _ = std::fs::remove_dir_all(&parent);
    }
    let median = |f: fn(&RecordRun) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok(RecordBenchReport {
        bench: "record",
        market,
        cost_pct: median(|r| r.cost_pct),
        size_pct: median(|r| r.size_pct),
        replay_events_per_sec: median(|r| r.replay_events_per_sec),
        runs,
        environment: environment(),
    })
}

pub fn print_table(r: &RecordBenchReport) {
    println!("record bench: {} of synthetic market x {} runs", r.market, r.runs.len());
    for (i, x) in r.runs.iter().enumerate() {
        println!(
            "  run {i}: headless {:.0} -> {:.0} events/s recorded ({:+.1} %; writer {:.0} ns CPU per frame, {:.2} s drain), session {:.1} % of JSON lines ({} frames), replay {:.0} events/s, RSS {:?} KiB, core sharing {}",
            x.plain_events_per_sec,
            x.recorded_events_per_sec,
            -x.cost_pct,
            x.writer_cpu_ns_per_frame,
            x.drain_secs,
            x.size_pct,
            x.frames,
            x.replay_events_per_sec,
            x.replay_rss_kib,
            x.core_sharing.map_or("unknown".into(), |r| format!("{r:.2}"))
        );
    }
    println!(
        "  median: recording costs {:.1} %, session {:.1} % of JSON lines, replay {:.0} events/s",
        r.cost_pct, r.size_pct, r.replay_events_per_sec
    );
}

/// Runs `c` with `--summary` into `dir` and returns the summary.
fn child_summary(mut c: Command, dir: &Path) -> Result<serde_json::Value, RunError> {
    let path = dir.join("summary.json");
    let out = c
        .arg("--summary")
        .arg(&path)
        .env("TICKDESK_LOG__DIR", dir.join("logs"))
        .stdout(Stdio::null())
        .output()
        .map_err(|e| RunError::Runtime(format!("cannot run the binary: {e}")))?;
    if !out.status.success() {
        return Err(RunError::Runtime(format!("{c:?} failed: {}", String::from_utf8_lossy(&out.stderr))));
    }
    read_summary(&path)
}

/// Like [`child_summary`], sampling the child's resident memory meanwhile.
fn child_with_rss(mut c: Command, dir: &Path) -> Result<(serde_json::Value, [u64; 4]), RunError> {
    let path = dir.join("replay.json");
    let mut child = c
        .arg("--summary")
        .arg(&path)
        .env("TICKDESK_LOG__DIR", dir.join("logs"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| RunError::Runtime(format!("cannot run the binary: {e}")))?;
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut samples = Vec::new();
    let started = Instant::now();
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().as_deref().and_then(rss_kib) {
            samples.push(kib);
        }
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(RunError::Runtime(format!("replay: {e}"))),
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            return Err(RunError::Runtime("replay took over 10 minutes".into()));
        }
    };
    if !status.success() {
        return Err(RunError::Runtime(format!("replay exited with {status}")));
    }
    let at = |f: usize| samples.get(samples.len().saturating_sub(1) * f / 10).copied().unwrap_or(0);
    let rss = [at(1), at(5), at(9), samples.iter().copied().max().unwrap_or(0)];
    Ok((read_summary(&path)?, rss))
}

fn rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn read_summary(path: &Path) -> Result<serde_json::Value, RunError> {
    let text = std::fs::read_to_string(path).map_err(|e| RunError::Runtime(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| RunError::Runtime(format!("{}: {e}", path.display())))
}

fn only_dir(parent: &Path) -> Result<PathBuf, RunError> {
    std::fs::read_dir(parent)
        .ok()
        .and_then(|mut d| d.next())
        .and_then(Result::ok)
        .map(|e| e.path())
        .ok_or_else(|| RunError::Runtime(format!("no session under {}", parent.display())))
}

/// Frames in the session, and their size as JSON lines.
fn json_lines_size(session: &Path) -> Result<(u64, u64), RunError> {
    let io = |e: std::io::Error| RunError::Runtime(format!("{}: {e}", session.display()));
    let mut r = StreamReader::open(session, Stream::Feed).map_err(io)?;
    let (mut frames, mut bytes) = (0u64, 0u64);
    while let Some(rec) = r.next_record().map_err(io)? {
        if rec.kind == Kind::Frame {
            frames += 1;
            bytes += rec.payload.len() as u64 + 1;
        }
    }
    Ok((frames, bytes))
}
