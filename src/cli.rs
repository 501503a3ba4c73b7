//! Command-line arguments. `main` turns them into exactly one action.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "tickdesk", version, about = "A terminal live-trading workstation", long_about = None)]
pub struct Cli {
    /// Configuration file layered over the built-in defaults.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Without a subcommand: the terminal workstation.
    #[command(flatten)]
    pub ui: UiArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The workstation's options (no subcommand): where data comes from and how it looks.
#[derive(Debug, Args, Default, Clone, PartialEq, Eq)]
pub struct UiArgs {
    /// Where market data comes from: `sim` (built-in venue on loopback, the default),
    /// `binance`, `binance-testnet`, or `synthetic` (the generator without network).
    #[arg(long)]
    pub venue: Option<String>,
    /// Symbols to stream, comma-separated (`btcusdt,ethusdt`).
    #[arg(long, value_delimiter = ',')]
    pub symbols: Vec<String>,
    /// WebSocket base of any Binance-compatible venue.
    #[arg(long, value_name = "URL")]
    pub ws_url: Option<String>,
    /// REST base of any Binance-compatible venue.
    #[arg(long, value_name = "URL")]
    pub rest_url: Option<String>,
    /// Also subscribe to the diff-depth stream, for the depth ladder.
    #[arg(long)]
    pub depth: bool,
    /// Replay a recorded file (or session directory) instead of a venue, as
    /// `tickdesk replay FILE` does: paced by `--speed`, real time by default.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// exchangeInfo that defines the instruments of `--input`.
    #[arg(long, value_name = "FILE")]
    pub exchange_info: Option<PathBuf>,
    /// `realtime`, `max`, or a multiple of real time (replays and the synthetic market).
    #[arg(long)]
    pub speed: Option<String>,
    /// Seed of the synthetic market.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Colour theme (`dark`, `light`, `high-contrast`, or a file's name in a themes folder).
    #[arg(long)]
    pub theme: Option<String>,
    /// Frames per second at most (default from `ui.fps`).
    #[arg(long)]
    pub fps: Option<u32>,
    /// Where orders go: `paper` (the default) or `sandbox` (keys from BINANCE_API_KEY / BINANCE_API_SECRET).
    #[arg(long)]
    pub route: Option<String>,
    /// Allow `--route sandbox` to a production venue (with `route.allow-production` in the config).
    #[arg(long)]
    pub allow_production: bool,
    /// WebSocket API base for the user data stream.
    #[arg(long, value_name = "URL")]
    pub ws_api_url: Option<String>,
    /// Record the session under this directory (default `sessions/`).
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Do not record the session.
    #[arg(long, conflicts_with = "record")]
    pub no_record: bool,
}

impl UiArgs {
    /// The same source as a headless run would open.
    pub fn source(&self) -> HeadlessArgs {
        HeadlessArgs {
            input: self.input.clone(),
            exchange_info: self.exchange_info.clone(),
            seed: self.seed,
            speed: self.speed.clone(),
            venue: self.venue.clone(),
            symbols: self.symbols.clone(),
            ws_url: self.ws_url.clone(),
            rest_url: self.rest_url.clone(),
            depth: self.depth,
            route: self.route.clone(),
            allow_production: self.allow_production,
            ws_api_url: self.ws_api_url.clone(),
            record: self.record.clone(),
            no_record: self.no_record,
            status_interval: Some(0),
            ..HeadlessArgs::default()
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the engine without a screen: over a recorded file, or the synthetic market.
    Headless(HeadlessArgs),
    /// Measure the whole pipeline over the synthetic market and print a report.
    Bench(BenchArgs),
    /// Replay a recorded session (or any input file) through the engine, in
    /// the workstation or headless.
    Replay(ReplayArgs),
    /// Turn a recorded file from elsewhere (one frame per line, `<ns> <frame>`,
    /// `<ISO time> <frame>`, recorded REST lines, gzip or not) into a session.
    Import(ImportArgs),
    /// One table of a session (trades, book tops, candles, orders, fills) as Parquet or CSV.
    Export(ExportArgs),
    /// Serve the Binance Spot protocol on loopback (REST + WebSocket) from the
    /// synthetic market or a recorded file, with optional fault injection.
    SimExchange(SimExchangeArgs),
}

#[derive(Debug, Args, Default, Clone)]
pub struct HeadlessArgs {
    /// Recorded frames to run over (JSON lines, `<ns> <frame>`, `<secs>: <frame>`, `<ISO time> <frame>`, gzip or not).
    /// Without it the synthetic market runs.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// exchangeInfo (plain JSON or a recorded REST line) that defines the instruments of `--input`.
    #[arg(long, value_name = "FILE")]
    pub exchange_info: Option<PathBuf>,
    /// Seed of the synthetic market.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Length of a synthetic run in market time (`30s`, `5m`).
    #[arg(long)]
    pub duration: Option<String>,
    /// `realtime`, `max`, or a multiple of real time (synthetic market).
    #[arg(long)]
    pub speed: Option<String>,
    /// Write every closed candle as CSV here.
    #[arg(long, value_name = "PATH")]
    pub candles_out: Option<PathBuf>,
    /// Write the JSON summary here instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,
    /// Seconds between status lines (0 = none).
    #[arg(long)]
    pub status_interval: Option<u64>,
    /// Where live market data comes from: `sim` (built-in venue on loopback),
    /// `binance`, `binance-testnet`, or `synthetic` (the generator without network).
    /// Default: sim.
    #[arg(long)]
    pub venue: Option<String>,
    /// Symbols to stream, comma-separated (`btcusdt,ethusdt`); default: the venue's
    /// synthetic symbols for sim, the strategies' symbols otherwise.
    #[arg(long, value_delimiter = ',')]
    pub symbols: Vec<String>,
    /// WebSocket base of any Binance-compatible venue (`wss://host:port`); tickdesk adds the paths.
    #[arg(long, value_name = "URL")]
    pub ws_url: Option<String>,
    /// REST base of any Binance-compatible venue (`https://host:port`); tickdesk adds the paths.
    #[arg(long, value_name = "URL")]
    pub rest_url: Option<String>,
    /// Also subscribe to the diff-depth stream (`@depth@100ms`).
    #[arg(long)]
    pub depth: bool,
    /// Where orders go: `paper` (simulated fills, the default) or `sandbox`
    /// (signed orders to the venue's sandbox; keys from BINANCE_API_KEY / BINANCE_API_SECRET).
    #[arg(long)]
    pub route: Option<String>,
    /// Allow `--route sandbox` to a production venue (real money); the config's
    /// `route.allow-production` must say so too.
    #[arg(long)]
    pub allow_production: bool,
    /// WebSocket API base for the user data stream (`wss://host:port/ws-api/v3`);
    /// default: the venue's, or `<ws-url>/ws-api/v3`.
    #[arg(long, value_name = "URL")]
    pub ws_api_url: Option<String>,
    /// Record the session (frames, what was sent, REST answers, the
    /// engine's decisions) in a new directory under DIR; default `sessions/`.
    /// Runs over `--input` are not recorded: the file is the recording.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Do not record the session.
    #[arg(long, conflicts_with = "record")]
    pub no_record: bool,
}

#[derive(Debug, Args, Default, Clone)]
pub struct ReplayArgs {
    /// A session directory (written by a recorded run), or any input file
    /// `tickdesk headless --input` accepts.
    pub path: PathBuf,
    /// No screen: print the JSON summary at the end, as `tickdesk headless` does.
    #[arg(long)]
    pub headless: bool,
    /// `1` (real time, the default), `10`, `100`, any multiple, or `max`.
    #[arg(long)]
    pub speed: Option<String>,
    /// Start pacing here: an ISO-8601 time (`2026-12-03T11:50:00Z`) or an
    /// offset from the session's start (`90s`, `5m`). What comes before is
    /// still replayed, unpaced, so the engine's state is the same.
    #[arg(long)]
    pub from: Option<String>,
    /// Stop here (same forms as `--from`).
    #[arg(long)]
    pub to: Option<String>,
    /// Compare the replay's orders, acks, fills and risk decisions with the
    /// recorded ones; print the first divergence and exit 1 when they differ.
    #[arg(long)]
    pub verify: bool,
    /// Write the JSON summary here instead of stdout (headless).
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,
    /// Seconds between status lines (headless; 0 = none).
    #[arg(long)]
    pub status_interval: Option<u64>,
    /// exchangeInfo for an input file's instruments.
    #[arg(long, value_name = "FILE")]
    pub exchange_info: Option<PathBuf>,
    /// Colour theme (workstation).
    #[arg(long)]
    pub theme: Option<String>,
    /// Frames per second at most (workstation).
    #[arg(long)]
    pub fps: Option<u32>,
}

#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// A session directory.
    pub path: PathBuf,
    /// `trades`, `book-tops`, `candles`, `orders` or `fills`.
    #[arg(long)]
    pub what: String,
    /// `parquet` (the default) or `csv`.
    #[arg(long, default_value = "parquet")]
    pub format: String,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    /// The file to import.
    pub file: PathBuf,
    /// The session directory to create (default `sessions/<file name>`); refused when it holds a session.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// exchangeInfo that defines the file's instruments (scales from its filters).
    #[arg(long, value_name = "FILE")]
    pub exchange_info: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct BenchArgs {
    /// `pipeline`: decode + engine on one thread over generated frames.
    /// `ingest`: the sim venue streams over loopback WebSocket into the live
    /// client and the engine, at `--rate` messages/s for `--seconds`.
    /// `render`: full workstation frames (`--frames`, at `--size`) over a sample screen.
    /// `orders`: signed LIMIT placements and cancels (`--events` of each) against the sim venue over loopback.
    /// `record`: headless throughput with and without recording, session size
    /// against JSON lines, and `replay --speed max` throughput and memory.
    #[arg(long, default_value = "pipeline")]
    pub mode: String,
    /// Ingest mode: messages per second the sim venue sends.
    #[arg(long, default_value_t = 300_000.0)]
    pub rate: f64,
    /// Ingest mode: how long to stream.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Events (Binance JSON frames) per run.
    #[arg(long, default_value_t = 2_000_000)]
    pub events: usize,
    /// Runs; the report gives the median and every run.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Print one JSON object (otherwise a readable table).
    #[arg(long)]
    pub json: bool,
    /// Render mode: frames to draw.
    #[arg(long, default_value_t = 3000)]
    pub frames: usize,
    /// Render mode: terminal size, `WIDTHxHEIGHT`.
    #[arg(long, default_value = "200x60")]
    pub size: String,
    /// Seed of the synthetic market.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Ingest mode: record the session under DIR (ingest does not record without it).
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Record mode: market time of each headless run (default 60m: about
    /// 4 s at full speed, so a session's fixed costs, such as the final
    /// sync, weigh as little as they do in a real session).
    #[arg(long)]
    pub duration: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct SimExchangeArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:9443")]
    pub listen: std::net::SocketAddr,
    /// Seed of the synthetic market.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Messages per second the market produces (synthetic market).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Serve a recorded file instead of the synthetic market.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Pace of a recorded file: `realtime`, `max`, or a multiple such as `10`.
    #[arg(long)]
    pub speed: Option<String>,
    /// Register this API key for signed trading (with `--api-secret`); without
    /// both, the venue's demo pair is printed at start.
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// The secret of `--api-key`.
    #[arg(long, value_name = "SECRET")]
    pub api_secret: Option<String>,
    #[command(flatten)]
    pub faults: crate::sim::venue::FaultArgs,
}
