//! The actions the binary can take, one file each. `main` parses the
//! command line, loads the configuration and calls exactly one of these.

pub mod bench;
pub mod bench_ingest;
pub mod bench_orders;
pub mod bench_record;
pub mod bench_render;
pub mod candles_csv;
pub mod depth_snapshots;
pub mod export;
pub mod front;
pub mod headless;
pub mod import;
pub mod live;
pub mod recording;
pub mod replay;
pub mod route;
pub mod scratch;
pub mod sim_exchange;
pub mod source;
pub mod summary;
pub mod tui;
pub mod venue;

/// Exit code for a configuration or usage error.
pub const EXIT_CONFIG: i32 = 2;

/// Why an action failed, which decides the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// Bad configuration or arguments: exit code 2.
    Config(String),
    /// Anything else (unreadable input, I/O): exit code 1.
    Runtime(String),
}

impl RunError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) => EXIT_CONFIG as u8,
            Self::Runtime(_) => 1,
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(m) => write!(f, "invalid configuration: {m}"),
            Self::Runtime(m) => f.write_str(m),
        }
    }
}
