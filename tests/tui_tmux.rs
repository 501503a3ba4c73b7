//! End to end in a real terminal: the release binary runs in a detached tmux
//! session of fixed size over the sim venue; the test reads the screen with
//! `capture-pane` (polling for conditions, never sleeping a fixed time),
//! trades through the ticket, opens help, quits, and checks the exit code and
//! that the terminal was restored (no alternate screen, canonical mode, echo).
//! A third test records a synthetic session at real time and replays it in
//! the workstation: pause, faster, slower and jump ahead, each read back from
//! the replay clock and pace in the status bar. A fourth replays a plain
//! input file, which plays as a scratch session and keeps its final screen.
//!
//! Needs tmux: when it is missing the test fails under `CI=true` and is
//! skipped with a printed reason otherwise.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tickdesk::domain::calendar::days_from_civil;

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
    fn wait_for(&self, what: &str, mut cond: impl FnMut(&str) -> bool) -> String {
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

/// `false` when tmux is missing outside CI (the test is then skipped with a
/// printed reason); under `CI=true` a missing tmux fails the test.
fn tmux_or_skip() -> bool {
    if tmux_available() {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "tmux is required under CI=true (.ci/run installs it)");
    eprintln!("skipped: tmux is not installed");
    false
}

/// Starts the workstation in a fresh tmux server; `None` when tmux is
/// missing outside CI (the test is then skipped with a printed reason).
fn start(dir: &tempfile::TempDir) -> Option<Tmux> {
    if !tmux_or_skip() {
        return None;
    }
    let cfg = write_config(dir.path());
    Some(launch(dir, &cfg, &[], None))
}

/// Runs `tickdesk ARGS --config CFG` in `dir` in a fresh tmux server (its
/// stderr into the file `stderr` when given); the pane's shell then writes
/// the exit status to `exit.txt` and the tty's modes to `stty.txt`.
fn launch(dir: &tempfile::TempDir, cfg: &Path, args: &[&str], stderr: Option<&str>) -> Tmux {
    let bin = env!("CARGO_BIN_EXE_tickdesk");
    let args: String = args.iter().map(|a| format!(" {a:?}")).collect();
    let redirect = stderr.map(|f| format!(" 2> {f:?}")).unwrap_or_default();
    let script = format!(
        "cd {dir:?} && mkdir -p tmp && TMPDIR={tmp:?} {bin:?}{args} --config {cfg:?}{redirect}; echo \"EXIT=$?\" > exit.txt; stty -a > stty.txt; \
         echo done >> stty.txt; exec sleep 600",
        dir = dir.path().display().to_string(),
        tmp = dir.path().join("tmp").display().to_string(),
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
    t
}

/// The replay item of the status bar, `REPLAY 2026-12-06 21:47:36.949 1x`
/// (` END` after it once the replay is over).
#[derive(Debug)]
struct ReplayBar {
    /// The replay clock (event time) in ms since the epoch.
    clock_ms: i64,
    /// `1x`, `0.25x`, `max`, `PAUSED`.
    pace: String,
    ended: bool,
}

fn replay_bar(screen: &str) -> Option<ReplayBar> {
    let rest = screen.lines().find_map(|l| l.split_once("REPLAY ").map(|(_, r)| r))?;
    let mut words = rest.split_whitespace();
    let (date, time, pace) = (words.next()?, words.next()?, words.next()?);
    let ended = words.next() == Some("END");
    let mut ymd = date.splitn(3, '-');
    let (y, m, d) = (ymd.next()?.parse().ok()?, ymd.next()?.parse().ok()?, ymd.next()?.parse().ok()?);
    let (hms, ms) = time.split_once('.')?;
    let mut hms = hms.splitn(3, ':').map(str::parse::<i64>);
    let (h, min, sec) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
    let secs = ((days_from_civil(y, m, d) * 24 + h) * 60 + min) * 60 + sec;
    Some(ReplayBar { clock_ms: secs * 1000 + ms.parse::<i64>().ok()?, pace: pace.to_string(), ended })
}

/// Polls until the status bar's replay item satisfies `cond`.
fn wait_replay(t: &Tmux, what: &str, cond: impl Fn(&ReplayBar) -> bool) -> ReplayBar {
    let s = t.wait_for(what, |s| replay_bar(s).is_some_and(|b| cond(&b)));
    replay_bar(&s).unwrap()
}

/// Polls until the replay clock has shown the same time for a whole second
/// (a running replay of the synthetic market moves it every frame).
fn wait_clock_still(t: &Tmux) -> i64 {
    let mut seen: Option<(i64, Instant)> = None;
    let s = t.wait_for("the replay clock to stand still", |s| {
        let Some(b) = replay_bar(s) else { return false };
        match seen {
            Some((c, since)) if c == b.clock_ms => since.elapsed() >= Duration::from_secs(1),
            _ => {
                seen = Some((b.clock_ms, Instant::now()));
                false
            }
        }
    });
    replay_bar(&s).unwrap().clock_ms
}

/// Polls until the clock is at `at_least` or beyond and has moved at most a
/// second over the last 400 ms or more: a jump's fast-forward shows on the
/// screen on its way, and this waits for where it lands.
fn wait_jump_landed(t: &Tmux, at_least: i64) -> ReplayBar {
    let mut recent: Vec<(i64, Instant)> = Vec::new();
    let s = t.wait_for("the jump to land", |s| {
        let Some(b) = replay_bar(s).filter(|b| b.clock_ms >= at_least) else {
            recent.clear();
            return false;
        };
        recent.push((b.clock_ms, Instant::now()));
        recent.retain(|(_, w)| w.elapsed() <= Duration::from_millis(600));
        let (oldest, since) = recent[0];
        since.elapsed() >= Duration::from_millis(400) && b.clock_ms - oldest <= 1000
    });
    replay_bar(&s).unwrap()
}

/// Replay-clock seconds per wall-clock second over `window` at `pace`.
fn clock_rate(t: &Tmux, pace: &str, window: Duration) -> f64 {
    let sample = || (wait_replay(t, pace, |b| b.pace == pace).clock_ms, Instant::now());
    let (c0, w0) = sample();
    t.wait_for("the end of the measuring window", |_| w0.elapsed() >= window);
    let (c1, w1) = sample();
    (c1 - c0) as f64 / 1000.0 / (w1 - w0).as_secs_f64()
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

/// Long enough that a jump of a minute lands inside the session after the
/// steps before it, on a slow machine too. The session is recorded at real
/// time: a replay paces by the recorded receive stamps, and a run at
/// `--speed max` packs minutes of market into well under a second of them.
const SESSION_SECS: u64 = 90;

/// `q` ends the workstation with exit status 0 and the terminal restored;
/// the exit and tty files are then removed for the next run in `dir`.
fn quit_and_check(t: &Tmux) {
    t.keys(&["q"]);
    let exit = t.wait_for_file("exit.txt");
    assert_eq!(exit.trim(), "EXIT=0");
    assert_restored(t);
    for f in ["exit.txt", "stty.txt"] {
        std::fs::remove_file(t.dir.join(f)).unwrap();
    }
}

/// Everything the log files under `dir/logs` hold.
fn log_files(dir: &Path) -> String {
    let mut text = String::new();
    for e in std::fs::read_dir(dir.join("logs")).unwrap() {
        text += &std::fs::read_to_string(e.unwrap().path()).unwrap();
    }
    text
}

/// The exchange time of the session's last trade (ms), from `tickdesk export`.
fn last_trade_ms(dir: &Path, session: &str, cfg: &Path) -> i64 {
    let out = Command::new(env!("CARGO_BIN_EXE_tickdesk"))
        .current_dir(dir)
        .args(["export", session, "--what", "trades", "--format", "csv", "--out", "trades.csv", "--config"])
        .arg(cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "export failed: {}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(dir.join("trades.csv")).unwrap();
    csv.lines().skip(1).filter_map(|l| l.split(',').next()?.parse().ok()).max().expect("trades in the session")
}

#[test]
fn replay_pause_faster_slower_and_jump_show_in_the_status_bar() {
    if !tmux_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path());

    // Record the synthetic market (no network) with the same configuration the replay uses.
    let out = Command::new(env!("CARGO_BIN_EXE_tickdesk"))
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .args(["headless", "--venue", "synthetic", "--speed", "realtime", "--duration"])
        .arg(format!("{SESSION_SECS}s"))
        .args(["--record", "rec", "--status-interval", "0", "--summary", "live.json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "recording failed: {}", String::from_utf8_lossy(&out.stderr));
    let sessions: Vec<PathBuf> =
        std::fs::read_dir(dir.path().join("rec")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(sessions.len(), 1, "one session directory: {sessions:?}");
    let session = sessions[0].display().to_string();
    let last_trade = last_trade_ms(dir.path(), &session, &cfg);

    let t = launch(&dir, &cfg, &["replay", &session, "--speed", "1"], Some("replay1.err"));
    let first = wait_replay(&t, "the replay clock at 1x", |b| b.pace == "1x");
    assert!(t.screen().contains("Chart BTCUSDT"), "the workstation draws the replay:\n{}", t.screen());

    // Pause: the pace reads PAUSED and the clock stops; again: it runs on from there.
    t.keys(&["Space"]);
    wait_replay(&t, "PAUSED", |b| b.pace == "PAUSED");
    let paused = wait_clock_still(&t);
    assert!(paused >= first.clock_ms, "the clock went back: {paused} < {}", first.clock_ms);
    t.keys(&["Space"]);
    wait_replay(&t, "the clock running again at 1x", |b| b.pace == "1x" && b.clock_ms > paused);

    // Faster: one step up the ladder, and the clock runs at twice real time.
    t.keys(&[">"]);
    let fast = clock_rate(&t, "2x", Duration::from_secs(3));
    assert!((1.5..=2.5).contains(&fast), "at 2x the clock ran {fast:.2} s per second");

    // Slower: back to 1x, then down to a quarter of real time.
    t.keys(&["<"]);
    wait_replay(&t, "1x", |b| b.pace == "1x");
    t.keys(&["<"]);
    wait_replay(&t, "0.5x", |b| b.pace == "0.5x");
    t.keys(&["<"]);
    let slow = clock_rate(&t, "0.25x", Duration::from_secs(3));
    assert!((0.1..=0.4).contains(&slow), "at 0.25x the clock ran {slow:.2} s per second");

    // Jump: a minute of market ahead at once, the pace kept.
    let before = wait_replay(&t, "0.25x", |b| b.pace == "0.25x");
    let pressed = Instant::now();
    t.keys(&["]"]);
    let after = wait_jump_landed(&t, before.clock_ms + 30_000);
    let ran_ms = 250 * i64::try_from(pressed.elapsed().as_millis()).unwrap() / 1000;
    let jumped = after.clock_ms - before.clock_ms;
    assert!((55_000..=60_000 + ran_ms + 3_000).contains(&jumped), "the jump went {jumped} ms ahead");
    assert_eq!(after.pace, "0.25x", "a jump keeps the pace");
    assert!(!after.ended, "the jump landed inside the session (recorded {SESSION_SECS} s)");
    eprintln!(
        "replay: clock {fast:.2} s/s at 2x, {slow:.2} s/s at 0.25x; jump of {jumped} ms from {:.1} s after the first screen",
        (before.clock_ms - first.clock_ms) as f64 / 1000.0
    );

    // Up the ladder to max: the replay plays to its end, and the workstation
    // stays open on the final screen (the session's last trade on the
    // clock), END in the status bar, until q.
    for _ in 0..9 {
        t.keys(&[">"]);
    }
    let end = wait_replay(&t, "the end of the replay", |b| b.ended);
    assert_eq!(end.pace, "max");
    assert!(
        (last_trade..=last_trade + 1_000).contains(&end.clock_ms),
        "the final screen shows the clock at {} ms, the last trade is at {last_trade} ms",
        end.clock_ms
    );
    let ended_at = Instant::now();
    let s = t.wait_for("a second after the end", |_| ended_at.elapsed() >= Duration::from_secs(1));
    let still = replay_bar(&s).expect("the status bar a second after the end");
    assert!(still.ended && still.clock_ms == end.clock_ms, "{still:?} after {end:?}");
    assert!(s.contains("Chart BTCUSDT") && s.contains("Positions") && s.contains("P&L"), "final screen:\n{s}");
    assert!(!t.dir.join("exit.txt").exists(), "the workstation closed by itself at the end of the replay");
    quit_and_check(&t);
    let err = std::fs::read_to_string(dir.path().join("replay1.err")).unwrap();
    assert!(err.is_empty(), "the workstation wrote to stderr: {err}");
    assert!(log_files(dir.path()).contains("first frame on screen"), "the workstation logs to its file");
    drop(t);

    // Replayed under another configuration: the note goes to the log pane
    // and the log file, never to the terminal. A jump while paused lands a
    // minute ahead and stays paused.
    let other = dir.path().join("other.toml");
    let text = std::fs::read_to_string(&cfg).unwrap() + "\n[ui]\nflatten-on-kill = true\n";
    std::fs::write(&other, text).unwrap();
    let t = launch(&dir, &other, &["replay", &session, "--speed", "1"], Some("replay2.err"));
    wait_replay(&t, "the second replay at 1x", |b| b.pace == "1x");
    t.wait_for("the configuration note in the log pane", |s| {
        s.lines().any(|l| l.contains("WARN") && l.contains("recorded with another"))
    });
    t.keys(&["Space"]);
    wait_replay(&t, "PAUSED", |b| b.pace == "PAUSED");
    let paused = wait_clock_still(&t);
    t.keys(&["]"]);
    let landed = wait_jump_landed(&t, paused + 30_000);
    let jumped = landed.clock_ms - paused;
    assert!((55_000..=61_000).contains(&jumped), "a jump while paused went {jumped} ms ahead");
    assert_eq!(landed.pace, "PAUSED", "a jump keeps the replay paused");
    assert!(!landed.ended, "the jump landed inside the session");
    assert_eq!(wait_clock_still(&t), landed.clock_ms, "the clock stays where the jump landed");
    eprintln!("replay: a jump while paused went {jumped} ms ahead");
    quit_and_check(&t);
    let err = std::fs::read_to_string(dir.path().join("replay2.err")).unwrap();
    assert!(err.is_empty(), "the workstation wrote to stderr: {err}");
    assert!(log_files(dir.path()).contains("recorded with another configuration"), "the note is in the log file");
}

/// Trades of BTCUSDT as `<ns> <frame>` lines, one every 100 ms from
/// `start_ms`; returns the text and the last trade's time (ms).
fn trade_lines(start_ms: i64, n: i64) -> (String, i64) {
    let mut text = String::new();
    for i in 0..n {
        let t = start_ms + i * 100;
        let price = 61_000 + i % 37;
        text += &format!(
            "{} {{\"stream\":\"btcusdt@trade\",\"data\":{{\"e\":\"trade\",\"E\":{t},\"s\":\"BTCUSDT\",\"t\":{},\"p\":\"{price}.25000000\",\"q\":\"0.01000000\",\"T\":{t},\"m\":true,\"M\":true}}}}\n",
            t * 1_000_000,
            1000 + i
        );
    }
    (text, start_ms + (n - 1) * 100)
}

/// A test directory with its config and `trades.txt`, 60 s of trades (at
/// 1x the clock visibly runs, at max it ends at once); the last trade's time.
fn trades_file() -> (tempfile::TempDir, PathBuf, i64) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path());
    let (text, last_ms) = trade_lines(1_723_161_255_000, 600);
    std::fs::write(dir.path().join("trades.txt"), text).unwrap();
    (dir, cfg, last_ms)
}

/// A file that played to its `end` keeps its final screen a second later,
/// quits cleanly on `q`, and leaves no scratch session behind.
fn keeps_the_end_until_quit(t: &Tmux, dir: &tempfile::TempDir, end: &ReplayBar, last_ms: i64) {
    assert_eq!(end.clock_ms, last_ms, "the final screen shows the last trade's time");
    let ended_at = Instant::now();
    let s = t.wait_for("a second after the end", |_| ended_at.elapsed() >= Duration::from_secs(1));
    assert!(s.contains("Chart BTCUSDT") && s.contains("trades.txt"), "final screen:\n{s}");
    assert!(!t.dir.join("exit.txt").exists(), "the workstation closed by itself at the end of the file");
    quit_and_check(t);
    let left: Vec<_> = std::fs::read_dir(dir.path().join("tmp")).unwrap().collect();
    assert!(left.is_empty(), "the scratch session is removed at exit: {left:?}");
}

#[test]
fn a_replayed_input_file_keeps_its_final_screen_until_quit() {
    if !tmux_or_skip() {
        return;
    }
    let (dir, cfg, last_ms) = trades_file();
    let t = launch(&dir, &cfg, &["replay", "trades.txt", "--speed", "1"], Some("file.err"));
    let first = wait_replay(&t, "the file's replay clock at 1x", |b| b.pace == "1x");
    assert!(first.clock_ms >= 1_723_161_255_000 && first.clock_ms < last_ms, "clock at {first:?}");
    let scratch: Vec<_> = std::fs::read_dir(dir.path().join("tmp")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(
        scratch.iter().any(|n| n.to_string_lossy().starts_with("tickdesk-replay-")),
        "the file plays from a scratch session under TMPDIR: {scratch:?}"
    );
    // The replay keys work on a file as on a session: up to max, it plays to its end.
    for _ in 0..9 {
        t.keys(&[">"]);
    }
    let end = wait_replay(&t, "the end of the file", |b| b.ended);
    keeps_the_end_until_quit(&t, &dir, &end, last_ms);
    let err = std::fs::read_to_string(dir.path().join("file.err")).unwrap();
    assert_eq!(err.trim(), "tickdesk: reading trades.txt to replay it", "stderr: {err}");
}

#[test]
fn the_workstation_plays_an_input_file_at_its_speed_and_keeps_the_end() {
    if !tmux_or_skip() {
        return;
    }
    let (dir, cfg, last_ms) = trades_file();
    // `--input` plays as `replay FILE` does: paced by `--speed`, then the final screen stays.
    let t = launch(&dir, &cfg, &["--input", "trades.txt", "--speed", "max"], Some("input.err"));
    let end = wait_replay(&t, "the end of the file at max", |b| b.ended);
    assert_eq!(end.pace, "max");
    keeps_the_end_until_quit(&t, &dir, &end, last_ms);
}
