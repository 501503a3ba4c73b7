//! `tickdesk`: parse the command line, load the configuration, start
//! logging, and run exactly one action.

use clap::Parser;
use std::process::ExitCode;
use tickdesk::cli::{Cli, Command, HeadlessArgs};
use tickdesk::cmd::{self, EXIT_CONFIG, RunError};
use tickdesk::config::{self, Config};

fn main() -> ExitCode {
    // The origin of monotonic stamps: "first frame after N ms" counts from here.
    let _ = tickdesk::telemetry::mono_ns();
    let cli = Cli::parse();
    let cfg = match config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG as u8);
        }
    };
    if cli.command.is_some() && cli.ui != tickdesk::cli::UiArgs::default() {
        // `tickdesk --venue binance headless` would silently drop `--venue`.
        eprintln!("error: workstation options go without a subcommand; put them after the subcommand instead");
        return ExitCode::from(EXIT_CONFIG as u8);
    }
    let Some(command) = cli.command else {
        // The workstation sets up its own logging: to the file and the log pane, never to the terminal.
        return match cmd::tui::run(&cfg, &cli.ui) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        };
    };
    let command = match command {
        // A replay in the workstation sets up logging as the workstation does
        // (file and log pane); stderr logging would get there first and
        // write over the screen.
        Command::Replay(args) if !args.headless => {
            return match cmd::tui::replay(&cfg, &args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            };
        }
        c => c,
    };
    let _logs = match tickdesk::telemetry::logging::init(std::path::Path::new(&cfg.log.dir), &cfg.log.level, true) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("warning: logging disabled: {e}");
            None
        }
    };
    match command {
        Command::Headless(args) => headless(&cfg, &args),
        Command::Replay(args) => {
            let summary = cmd::replay::run(&cfg, &args);
            finish_summary(summary, args.summary.as_deref())
        }
        Command::Export(args) => {
            let what = match args.what.parse::<cmd::export::What>() {
                Ok(w) => w,
                Err(e) => return fail(&RunError::Config(format!("--what {e}"))),
            };
            match cmd::export::run(&cfg, &args.path, what, &args.format, &args.out) {
                Ok(report) => print_json_or(&report, true, |_| {}),
                Err(e) => fail(&e),
            }
        }
        Command::Import(args) => {
            let out = args.out.clone().unwrap_or_else(|| cmd::import::default_out(&args.file));
            match cmd::import::run(&cfg, &args.file, &out, args.exchange_info.as_deref()) {
                Ok(report) => print_json_or(&report, true, |_| {}),
                Err(e) => fail(&e),
            }
        }
        Command::SimExchange(args) => match cmd::sim_exchange::run(&cfg, &args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Command::Bench(args) if args.mode == "ingest" => match cmd::bench_ingest::run(&cfg, &args) {
            Ok(report) => print_json_or(&report, args.json, |r| {
                println!(
                    "ingest bench: {:.0} msgs/s asked, {:.0} delivered/s over {} s, dropped {}, malformed {}, reconnects {}",
                    r.target_rate, r.delivered_per_sec, r.seconds, r.dropped, r.malformed, r.reconnects
                );
                println!(
                    "  receive->decoded p50 {} ns p99 {} ns p99.9 {} ns; decoded->engine p50 {} ns p99 {} ns",
                    r.receive_to_decoded_ns.p50,
                    r.receive_to_decoded_ns.p99,
                    r.receive_to_decoded_ns.p999,
                    r.decoded_to_engine_ns.p50,
                    r.decoded_to_engine_ns.p99
                );
            }),
            Err(e) => fail(&e),
        },
        Command::Bench(args) if args.mode == "record" => match cmd::bench_record::run(&args) {
            Ok(report) => print_json_or(&report, args.json, cmd::bench_record::print_table),
            Err(e) => fail(&e),
        },
        Command::Bench(args) if args.mode == "orders" => match cmd::bench_orders::run(&cfg, &args) {
            Ok(report) => print_json_or(&report, args.json, |r| {
                let (a, c) = (&r.submit_to_ack_ns, &r.cancel_round_trip_ns);
                println!(
                    "orders bench ({} round trips on {}, {} errors): submit->ack p50 {} us p99 {} us max {} us; cancel p50 {} us p99 {} us",
                    r.orders,
                    r.symbol,
                    r.errors,
                    a.p50 / 1000,
                    a.p99 / 1000,
                    a.max / 1000,
                    c.p50 / 1000,
                    c.p99 / 1000
                );
            }),
            Err(e) => fail(&e),
        },
        Command::Bench(args) if args.mode == "render" => {
            let Some((w, h)) = args.size.split_once('x').and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
            else {
                return fail(&RunError::Config(format!(
                    "--size {:?}: expected WIDTHxHEIGHT such as 200x60",
                    args.size
                )));
            };
            match cmd::bench_render::run(args.frames, w, h) {
                Ok(r) => print_json_or(&r, args.json, |r| {
                    println!(
                        "render bench {}x{}: {} frames, p50 {} us, p90 {} us, p99 {} us, max {} us",
                        r.width,
                        r.height,
                        r.frames,
                        r.frame_ns.p50 / 1000,
                        r.frame_ns.p90 / 1000,
                        r.frame_ns.p99 / 1000,
                        r.frame_ns.max / 1000
                    );
                }),
                Err(e) => fail(&e),
            }
        }
        Command::Bench(args) if args.mode != "pipeline" => fail(&RunError::Config(format!(
            "--mode {:?}: expected pipeline, ingest, render, orders or record",
            args.mode
        ))),
        Command::Bench(args) => match cmd::bench::run(&cfg, &args) {
            Ok(report) => print_json_or(&report, args.json, cmd::bench::print_table),
            Err(e) => fail(&e),
        },
    }
}

fn headless(cfg: &Config, args: &HeadlessArgs) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&RunError::Runtime(format!("cannot start the runtime: {e}"))),
    };
    finish_summary(rt.block_on(cmd::headless::run(cfg, args)), args.summary.as_deref())
}

/// Prints or writes the summary; the exit code says whether the run, and a
/// replay's `--verify`, went well.
fn finish_summary(summary: Result<cmd::summary::Summary, RunError>, path: Option<&std::path::Path>) -> ExitCode {
    let summary = match summary {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let json = match serde_json::to_string_pretty(&summary) {
        Ok(j) => j,
        Err(e) => return fail(&RunError::Runtime(format!("cannot write the summary: {e}"))),
    };
    match path {
        Some(p) => {
            if let Err(e) = std::fs::write(p, json + "\n") {
                return fail(&RunError::Runtime(format!("--summary {}: {e}", p.display())));
            }
        }
        None => println!("{json}"),
    }
    if let Some(e) = &summary.error {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(d) = summary.replay.as_ref().and_then(|r| r.verify.as_ref()).and_then(|v| v.divergence.as_ref()) {
        eprintln!("{}", cmd::replay::describe(d));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Prints `value` as pretty JSON, or through `table` when JSON was not asked.
fn print_json_or<T: serde::Serialize>(value: &T, json: bool, table: impl FnOnce(&T)) -> ExitCode {
    if !json {
        table(value);
        return ExitCode::SUCCESS;
    }
    match serde_json::to_string_pretty(value) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&RunError::Runtime(e.to_string())),
    }
}

fn fail(e: &RunError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}
