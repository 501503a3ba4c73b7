//! The actions the binary can take, one file each. `main` parses the
//! command line, loads the configuration and calls exactly one of these.

pub mod bench;
pub mod candles_csv;
pub mod headless;
pub mod source;
pub mod summary;

/// Exit code for a configuration or usage error.
pub const EXIT_CONFIG: i32 = 2;
