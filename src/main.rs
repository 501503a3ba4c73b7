//! `tickdesk`: parse the command line, load the configuration, start
//! logging, and run exactly one action.

use clap::Parser;
use std::process::ExitCode;
use tickdesk::cli::{Cli, Command, HeadlessArgs};
use tickdesk::cmd::{self, EXIT_CONFIG, RunError};
use tickdesk::config::{self, Config};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG as u8);
        }
    };
    let command = cli.command.unwrap_or(Command::Headless(HeadlessArgs::default()));
    let _logs = match tickdesk::telemetry::logging::init(std::path::Path::new(&cfg.log.dir), &cfg.log.level, true) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("warning: logging disabled: {e}");
            None
        }
    };
    match command {
        Command::Headless(args) => headless(&cfg, &args),
        Command::SimExchange(args) => match cmd::sim_exchange::run(&cfg, &args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Command::Bench(args) => match cmd::bench::run(&cfg, &args) {
            Ok(report) => {
                if args.json {
                    match serde_json::to_string_pretty(&report) {
                        Ok(s) => println!("{s}"),
                        Err(e) => return fail(&RunError::Runtime(e.to_string())),
                    }
                } else {
                    cmd::bench::print_table(&report);
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

fn headless(cfg: &Config, args: &HeadlessArgs) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&RunError::Runtime(format!("cannot start the runtime: {e}"))),
    };
    let summary = match rt.block_on(cmd::headless::run(cfg, args)) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let json = match serde_json::to_string_pretty(&summary) {
        Ok(j) => j,
        Err(e) => return fail(&RunError::Runtime(format!("cannot write the summary: {e}"))),
    };
    match &args.summary {
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
    ExitCode::SUCCESS
}

fn fail(e: &RunError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}
