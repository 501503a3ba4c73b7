//! End to end in a real terminal: the release binary runs in a detached tmux
//! session of fixed size over the sim venue; the test reads the screen with
//! `capture-pane` (polling for conditions, never sleeping a fixed time),
//! trades through the ticket, opens help, quits, and checks the exit code and
//! that the terminal was restored (no alternate screen, canonical mode, echo).
//!
//! Needs tmux: when it is missing the test fails under `CI=true` and is
//! skipped with a printed reason otherwise.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
/// Generous: CI machines are slow and shared; the test polls, so a fast
/// machine finishes in a few seconds.
const WAIT: Duration = Duration::from_secs(60);

struct Tmux {
    socket: String,
    dir: PathBuf,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success());
    }

    /// Polls the screen until `cond` holds; fails with the last screen.
    fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if cond(&s) {
                return s;
            }
            assert!(start.elapsed() < WAIT, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for_file(&self, name: &str) -> String {
        let path = self.dir.join(name);
        let start = Instant::now();
        loop {
            if let Ok(s) = std::fs::read_to_string(&path) {
                if s.ends_with('\n') {
                    return s;
                }
            }
            assert!(start.elapsed() < WAIT, "timed out waiting for {name}; screen:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// The rows of the positions pane (from its title to its bottom border).
fn positions_rows(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let Some((top, col)) = lines.iter().enumerate().find_map(|(i, l)| l.find("┌ Positions").map(|c| (i, c))) else {
        return Vec::new();
    };
    let col_chars = lines[top][..col].chars().count();
    lines[top + 1..]
        .iter()
        .map(|l| l.chars().skip(col_chars).take(40).collect::<String>())
        .take_while(|l| !l.starts_with('└'))
        .collect()
}

/// The pid of the `tickdesk` process below `ancestor`, from /proc (no procps needed).
fn child_of(ancestor: &str) -> Option<String> {
    // (pid, ppid, comm) of every process; comm may hold spaces, so split around the parentheses.
    let procs: Vec<(String, String, String)> = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let comm = stat[stat.find('(')? + 1..stat.rfind(')')?].to_string();
            let ppid = stat[stat.rfind(')')? + 1..].split_whitespace().nth(1)?.to_string();
            Some((e.file_name().to_string_lossy().into_owned(), ppid, comm))
        })
        .collect();
    let mut frontier = vec![ancestor.to_string()];
    while let Some(p) = frontier.pop() {
        for (pid, ppid, comm) in &procs {
            if *ppid == p {
                if comm == "tickdesk" {
                    return Some(pid.clone());
                }
                frontier.push(pid.clone());
            }
        }
    }
    None
}

fn write_config(dir: &Path) -> PathBuf {
    let cfg = dir.join("e2e.toml");
    // No strategies: the only position is the one the test buys.
    let text = format!("strategies = []\n\n[log]\ndir = {:?}\n", dir.join("logs").display().to_string());
    std::fs::write(&cfg, text).unwrap();
    cfg
}

/// Starts the workstation in a fresh tmux server; `None` when tmux is
/// missing outside CI (the test is then skipped with a printed reason).
fn start(dir: &tempfile::TempDir) -> Option<Tmux> {
    if !tmux_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "tmux is required under CI=true (.ci/run installs it)");
        eprintln!("skipped: tmux is not installed");
        return None;
    }
    let cfg = write_config(dir.path());
    let bin = env!("CARGO_BIN_EXE_tickdesk");
    let script = format!(
        "cd {dir:?} && {bin:?} --config {cfg:?}; echo \"EXIT=$?\" > exit.txt; stty -a > stty.txt; \
         echo done >> stty.txt; exec sleep 600",
        dir = dir.path().display().to_string(),
        cfg = cfg.display().to_string(),
    );
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = Tmux { socket: format!("tickdesk-e2e-{}-{n}", std::process::id()), dir: dir.path().to_path_buf() };
    let out = t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        &WIDTH.to_string(),
        "-y",
        &HEIGHT.to_string(),
        "sh",
        "-c",
        &script,
    ]);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    Some(t)
}

/// The tty is back in canonical mode with echo and the alternate screen is off.
fn assert_restored(t: &Tmux) {
    let stty = t.wait_for_file("stty.txt");
    assert!(stty.contains(" icanon") && !stty.contains("-icanon"), "raw mode left on: {stty}");
    assert!(stty.contains(" echo ") && !stty.contains("-echo "), "echo left off: {stty}");
    let alt = t.cmd(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
    assert_eq!(String::from_utf8_lossy(&alt.stdout).trim(), "0", "alternate screen left on");
}

#[test]
fn trade_from_the_ticket_open_help_and_quit_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let Some(t) = start(&dir) else { return };

    // Candles on the chart (bodies or wicks) and the latency pane with its stages.
    t.wait_for("candles and the latency pane", |s| {
        s.contains("Chart BTCUSDT 1m") && s.contains('█') && s.contains("Latency") && s.contains("receive_to_decoded")
    });
    assert!(positions_rows(&t.screen()).iter().any(|r| r.contains("no positions")));

    // Buy through the ticket: prefilled from the book, validated, confirmed.
    t.keys(&["b"]);
    t.wait_for("the order ticket", |s| s.contains("Order ticket") && s.contains("BUY"));
    t.keys(&["Enter"]);
    t.wait_for("the confirmation step", |s| s.contains("Enter confirm"));
    t.keys(&["Enter"]);
    let s = t.wait_for("the position", |s| positions_rows(s).iter().any(|r| r.starts_with("│BTCUSDT")));
    assert!(!s.contains("Order ticket"), "the ticket closes once sent");

    // Help lists the bindings; q quits from it.
    t.keys(&["?"]);
    t.wait_for("the help overlay", |s| s.contains("Help") && s.contains("kill switch"));
    t.keys(&["q"]);
    let exit = t.wait_for_file("exit.txt");
    assert_eq!(exit.trim(), "EXIT=0");

    assert_restored(&t);
}

#[test]
fn sigterm_ends_the_run_and_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let Some(t) = start(&dir) else { return };
    t.wait_for("the first screen", |s| s.contains("Chart BTCUSDT"));
    // The workstation is the child of the pane's shell.
    let shell = t.cmd(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
    let shell = String::from_utf8_lossy(&shell.stdout).trim().to_string();
    let pid = child_of(&shell).expect("the workstation process");
    let out = Command::new("kill").args(["-TERM", &pid]).output().unwrap();
    assert!(out.status.success(), "kill -TERM {pid}");
    let exit = t.wait_for_file("exit.txt");
    assert_eq!(exit.trim(), "EXIT=0");
    assert_restored(&t);
}
