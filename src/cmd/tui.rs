//! `tickdesk` with no subcommand: the terminal workstation.
//!
//! Three threads of concern: the tokio runtime runs the source (venue
//! connection, sim venue, file or generator), the engine thread consumes
//! events and publishes screens at the frame rate, and this thread owns the
//! terminal: it waits for input until the next frame is due, then draws the
//! latest screen. Nothing here can make the engine wait.

use super::RunError;
use super::front::{FrontEnd, ScreenFeed};
use super::headless;
use crate::cli::{ReplayArgs, UiArgs};
use crate::config::Config;
use crate::engine::Event;
use crate::ui::app::App;
use crate::ui::model::{ScreenBuilder, ScreenData, SessionInfo, ViewRequest, build::stage_latency};
use crate::ui::panes::PaneCtx;
use crate::ui::terminal::TerminalGuard;
use crate::ui::theme::ThemeSet;
use crossterm::event;
use hdrhistogram::Histogram;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Redraw at least this often even when nothing changed (clocks, ages).
const IDLE_REDRAW: Duration = Duration::from_secs(1);

/// Runs the workstation until the trader quits or a signal arrives.
pub fn run(cfg: &Config, args: &UiArgs) -> Result<(), RunError> {
    if let Some(path) = &args.input {
        return replay(cfg, &input_as_replay(args, path)?);
    }
    let session = SessionInfo {
        venue: args.venue.clone().unwrap_or_else(|| "sim".into()),
        route: args.route.clone().unwrap_or_else(|| cfg.route.mode.to_string()),
        replay: false,
        source_drops: 0,
    };
    let source = args.source();
    let look = Look { theme: args.theme.clone(), fps: args.fps };
    workstation(cfg, &look, session, None, move |cfg, front, handle| {
        handle.block_on(headless::run_with(cfg, &source, Some(front)))
    })
}

/// `tickdesk --input FILE` plays the file as `tickdesk replay FILE` does:
/// paced by `--speed` (real time by default), with the replay keys, and
/// its final screen stays until the trader quits. Flags of a live venue
/// mean nothing to a file and are refused rather than ignored.
fn input_as_replay(args: &UiArgs, path: &Path) -> Result<ReplayArgs, RunError> {
    let live = [
        ("--venue", args.venue.is_some()),
        ("--symbols", !args.symbols.is_empty()),
        ("--ws-url", args.ws_url.is_some()),
        ("--rest-url", args.rest_url.is_some()),
        ("--depth", args.depth),
        ("--seed", args.seed.is_some()),
        ("--route", args.route.is_some()),
        ("--allow-production", args.allow_production),
        ("--ws-api-url", args.ws_api_url.is_some()),
        ("--record", args.record.is_some()),
    ];
    if let Some((flag, _)) = live.iter().find(|(_, given)| *given) {
        return Err(RunError::Config(format!("{flag} does not apply to --input, which plays a recorded file")));
    }
    Ok(ReplayArgs {
        path: path.to_path_buf(),
        headless: false,
        speed: args.speed.clone(),
        from: None,
        to: None,
        verify: false,
        summary: None,
        status_interval: None,
        exchange_info: args.exchange_info.clone(),
        theme: args.theme.clone(),
        fps: args.fps,
    })
}

/// `tickdesk replay PATH` in the workstation: the session plays at its
/// speed, and the replay keys pause, speed up, slow down and jump ahead.
pub fn replay(cfg: &Config, args: &ReplayArgs) -> Result<(), RunError> {
    if args.path.is_dir() {
        return replay_session(cfg, args, &args.path);
    }
    // A plain file plays as a session: imported into a scratch directory
    // first, it has the replay clock, pacing and keys of a recorded session,
    // and its final screen stays until the trader quits.
    super::replay::refuse_session_flags(args)?;
    let scratch = super::scratch::ScratchDir::create("replay")?;
    eprintln!("tickdesk: reading {} to replay it", args.path.display());
    super::import::run(cfg, &args.path, scratch.path(), args.exchange_info.as_deref())?;
    let session = ReplayArgs { path: scratch.path().to_path_buf(), ..args.clone() };
    replay_session(cfg, &session, &args.path)
}

/// Replays the session directory `args.path`, naming it `shown` on screen.
fn replay_session(cfg: &Config, args: &ReplayArgs, shown: &Path) -> Result<(), RunError> {
    // The route as recorded; a session that does not open is reported by the replay itself.
    let route = super::replay::open(&args.path, false)
        .map_or("paper".into(), |o| super::replay::route_of(&o.header).to_string());
    let session = SessionInfo { venue: shown.display().to_string(), route, replay: true, source_drops: 0 };
    let control = Arc::new(crate::replay::ReplayControl::default());
    let look = Look { theme: args.theme.clone(), fps: args.fps };
    let args = args.clone();
    let player_control = control.clone();
    workstation(cfg, &look, session, Some(control), move |cfg, front, _| {
        super::replay::play(cfg, &args, Some(front), Some(player_control))
    })
}

/// How the workstation looks: theme and frame rate.
struct Look {
    theme: Option<String>,
    fps: Option<u32>,
}

/// The terminal side of any run: `session` runs on its own thread with a
/// front end attached, this thread draws and reads keys.
fn workstation<F>(
    cfg: &Config,
    look: &Look,
    session: SessionInfo,
    replay: Option<Arc<crate::replay::ReplayControl>>,
    run_session: F,
) -> Result<(), RunError>
where
    F: FnOnce(&Config, FrontEnd, &tokio::runtime::Handle) -> Result<super::summary::Summary, RunError> + Send + 'static,
{
    use RunError::{Config as Bad, Runtime};
    let fps = look.fps.unwrap_or(cfg.ui.fps);
    if !(1..=240).contains(&fps) {
        return Err(Bad(format!("--fps {fps}: expected 1 to 240")));
    }
    let frame_every = Duration::from_secs(1) / fps;
    let themes_dir = cfg.ui.themes_dir.as_deref().map(std::path::Path::new);
    if let Some(d) = themes_dir.filter(|d| !d.is_dir()) {
        return Err(Bad(format!("ui.themes-dir = {:?}: no such folder", d.display().to_string())));
    }
    let themes = ThemeSet::load(&ThemeSet::standard_dirs(themes_dir)).map_err(|e| Bad(e.to_string()))?;
    let theme_name = look.theme.as_deref().unwrap_or(&cfg.ui.theme);
    let theme = themes
        .get(theme_name)
        .map_err(|e| {
            Bad(if look.theme.is_some() { format!("--theme {theme_name:?}: {}", e.message) } else { e.to_string() })
        })?
        .clone();
    let keymap = cfg.ui.key_map().map_err(|e| Bad(e.to_string()))?;

    // Logs go to the file and the log pane; nothing may reach the terminal.
    let (memory, mut logs) = crate::ui::log_layer::memory(4096, 1000);
    let _log_guards = match crate::telemetry::logging::init_with_layer(
        std::path::Path::new(&cfg.log.dir),
        &cfg.log.level,
        false,
        Some(memory),
    ) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("warning: logging disabled: {e}");
            None
        }
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Runtime(format!("cannot start the runtime: {e}")))?;
    let stop = Arc::new(AtomicBool::new(false));
    // Own SIGTERM/SIGINT/SIGHUP from the start: the default action would
    // kill the process with the terminal still in raw mode.
    rt.spawn(stop_on_signals(stop.clone()));

    let request = Arc::new(Mutex::new(ViewRequest::default()));
    let (screen_tx, mut screen_rx) = watch::channel(Arc::new(ScreenData::default()));
    let (cmd_tx, cmd_rx) = std::sync::mpsc::channel::<mpsc::Sender<Vec<Event>>>();
    let drops = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let front = FrontEnd {
        stop: stop.clone(),
        commands: cmd_tx,
        drops: drops.clone(),
        screen: ScreenFeed::new(
            ScreenBuilder::new(session).with_ladder_levels(cfg.ui.depth_levels).with_source_drops(drops),
            request.clone(),
            screen_tx,
            frame_every,
        ),
    };
    let cfg_run = cfg.clone();
    let handle = rt.handle().clone();
    let run_thread = std::thread::Builder::new()
        .name("session".into())
        .spawn(move || run_session(&cfg_run, front, &handle))
        .map_err(|e| Runtime(format!("cannot start the session thread: {e}")))?;

    let mut app = App::new(keymap, themes, theme, request);
    app.flatten_on_kill = cfg.ui.flatten_on_kill;
    app.state.replay = replay.as_ref().map(|c| c.status());
    app.replay = replay;
    let ui_result = {
        let mut guard = TerminalGuard::enter().map_err(|e| Runtime(format!("cannot open the terminal: {e}")))?;
        let links = Links { screens: &mut screen_rx, commands: &cmd_rx, stop: &stop, run_thread: &run_thread };
        ui_loop(&mut guard, &mut app, &mut logs, links, frame_every)
        // The guard drops here: the terminal is restored before anything else prints.
    };
    stop.store(true, Ordering::Relaxed);
    // The engine ends when every sender of its channel is gone, the UI's included.
    app.commands = None;
    let summary = run_thread.join().map_err(|_| Runtime("the session thread panicked".into()))?;
    rt.shutdown_timeout(Duration::from_secs(2));
    ui_result.map_err(|e| Runtime(format!("terminal: {e}")))?;
    let summary = summary?;
    if let Some(e) = &summary.error {
        return Err(Runtime(e.clone()));
    }
    Ok(())
}

/// The UI thread's ends of the run: screens in, the command channel, and
/// the signs that the run is over.
struct Links<'a> {
    screens: &'a mut watch::Receiver<Arc<ScreenData>>,
    commands: &'a std::sync::mpsc::Receiver<mpsc::Sender<Vec<Event>>>,
    stop: &'a AtomicBool,
    run_thread: &'a std::thread::JoinHandle<Result<super::summary::Summary, RunError>>,
}

fn ui_loop(
    guard: &mut TerminalGuard,
    app: &mut App,
    logs: &mut crate::ui::log_layer::LogRing,
    links: Links<'_>,
    frame_every: Duration,
) -> std::io::Result<()> {
    let Links { screens, commands, stop, run_thread } = links;
    let input = spawn_input()?;
    let mut render_hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).map_err(std::io::Error::other)?;
    let mut render_view = stage_latency("render", &render_hist);
    let bindings = app.keymap.bindings();
    let first_frame_logged = std::sync::atomic::AtomicBool::new(false);
    let mut dirty = true;
    let mut last_draw = Instant::now();
    let mut next_frame = Instant::now();
    loop {
        if app.commands.is_none() {
            if let Ok(tx) = commands.try_recv() {
                app.commands = Some(tx);
            }
        }
        let now = Instant::now();
        if now >= next_frame {
            if let Some(c) = &app.replay {
                let status = Some(c.status());
                dirty |= app.state.replay != status;
                app.state.replay = status;
            }
            if let Some(screen) = take_screen(screens) {
                app.screen = screen;
                dirty = true;
            }
            logs.drain();
            if dirty || now.duration_since(last_draw) >= IDLE_REDRAW {
                let t0 = Instant::now();
                let logs_dropped = logs.dropped();
                let ctx = PaneCtx {
                    data: &app.screen,
                    state: &app.state,
                    theme: &app.theme,
                    logs: logs.lines(),
                    logs_dropped,
                    render: &render_view,
                    bindings: &bindings,
                };
                let mut layout = None;
                guard.terminal.draw(|f| {
                    let area = f.area();
                    layout = Some(crate::ui::screen::draw(area, f.buffer_mut(), &ctx));
                })?;
                if let Some(l) = layout {
                    app.layout = l;
                }
                let ns = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
                render_hist.saturating_record(ns.max(1));
                render_view = stage_latency("render", &render_hist);
                if !first_frame_logged.swap(true, Ordering::Relaxed) {
                    // Since the process's first monotonic stamp (taken at the top of main).
                    tracing::info!("first frame on screen {} ms after start", crate::telemetry::mono_ns() / 1_000_000);
                }
                app.sync_request();
                last_draw = t0;
                dirty = false;
            }
            next_frame = now + frame_every;
        }
        if ui_over(app.quit, stop.load(Ordering::Relaxed), run_thread.is_finished(), app.replay.as_deref()) {
            return Ok(());
        }
        let wait = next_frame.saturating_duration_since(Instant::now());
        match input.recv_timeout(wait) {
            Ok(first) => {
                // Take every pending input before the next frame.
                let mut next = Some(first);
                while let Some(ev) = next.take() {
                    app.on_event(&ev?);
                    dirty = true;
                    if !app.quit {
                        next = input.try_recv().ok();
                    }
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(std::io::Error::other("terminal input ended"));
            }
        }
    }
}

/// The screen published since the last look, if any. The last one counts
/// even once the run is over and its sender gone: `has_changed` would then
/// only say the channel is closed and never hand it over.
fn take_screen(screens: &mut watch::Receiver<Arc<ScreenData>>) -> Option<Arc<ScreenData>> {
    let latest = screens.borrow_and_update();
    latest.has_changed().then(|| latest.clone())
}

/// Whether the UI loop is over: the trader quit, a signal came, or the run
/// ended by itself. A replay that played to its end is not over: its final
/// screen stays, with END in the status bar, until the trader quits.
fn ui_over(quit: bool, stopped: bool, run_finished: bool, replay: Option<&crate::replay::ReplayControl>) -> bool {
    quit || stopped || (run_finished && !replay.is_some_and(|c| c.status().ended))
}

/// Reads terminal input on its own thread. A hung-up terminal can make
/// crossterm's poll spin without returning; kept off the UI thread, it cannot
/// stop the UI loop from seeing a signal and ending the run.
fn spawn_input() -> std::io::Result<std::sync::mpsc::Receiver<std::io::Result<event::Event>>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(256);
    std::thread::Builder::new().name("input".into()).spawn(move || {
        loop {
            let ev = match event::poll(Duration::from_millis(100)) {
                Ok(true) => event::read(),
                Ok(false) => continue,
                Err(e) => Err(e),
            };
            let failed = ev.is_err();
            // The UI has gone (receiver dropped) or the terminal failed: stop reading.
            if tx.send(ev).is_err() || failed {
                return;
            }
        }
    })?;
    Ok(rx)
}

/// Sets `stop` on SIGINT, SIGTERM or SIGHUP.
async fn stop_on_signals(stop: Arc<AtomicBool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) =
            (signal(SignalKind::terminate()), signal(SignalKind::interrupt()), signal(SignalKind::hangup()))
        else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    stop.store(true, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::ReplayControl;

    #[test]
    fn a_replay_at_its_end_keeps_the_workstation_open_until_quit() {
        let c = ReplayControl::default();
        // Running: only a quit or a signal ends the loop.
        assert!(!ui_over(false, false, false, Some(&c)));
        assert!(ui_over(true, false, false, Some(&c)));
        assert!(ui_over(false, true, false, Some(&c)));
        // The session thread gave up before playing (bad arguments, unreadable
        // session): the loop ends so the error shows.
        assert!(ui_over(false, false, true, Some(&c)));
        // Played to its end: the final screen stays until q, Ctrl-C or a signal.
        c.set_ended();
        assert!(!ui_over(false, false, true, Some(&c)));
        assert!(ui_over(true, false, true, Some(&c)));
        assert!(ui_over(false, true, true, Some(&c)));
        // A live run (no replay control) that ends closes the workstation as before.
        assert!(ui_over(false, false, true, None));
        assert!(!ui_over(false, false, false, None));
    }

    #[test]
    fn the_last_screen_is_taken_after_the_run_has_gone() {
        let (tx, mut rx) = watch::channel(Arc::new(ScreenData::default()));
        assert!(take_screen(&mut rx).is_none(), "nothing new yet");
        let first = Arc::new(ScreenData::default());
        tx.send_replace(first.clone());
        assert!(take_screen(&mut rx).is_some_and(|s| Arc::ptr_eq(&s, &first)));
        assert!(take_screen(&mut rx).is_none(), "taken once");
        // The replay publishes its final screen and returns, dropping the sender.
        let last = Arc::new(ScreenData::default());
        tx.send_replace(last.clone());
        drop(tx);
        assert!(rx.has_changed().is_err(), "has_changed alone reports only the closed channel");
        assert!(take_screen(&mut rx).is_some_and(|s| Arc::ptr_eq(&s, &last)), "the final screen still shows");
        assert!(take_screen(&mut rx).is_none());
    }
}
