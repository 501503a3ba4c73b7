//! Which venue a live run talks to, and where it is.

use std::fmt;
use std::str::FromStr;

/// `--venue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VenueChoice {
    /// The built-in sim venue, started inside the process on an ephemeral
    /// loopback port; the client reaches it over real sockets.
    #[default]
    Sim,
    /// Binance Spot production (public market data, no keys needed).
    Binance,
    /// Binance Spot Testnet.
    BinanceTestnet,
    /// The seeded generator fed straight to the engine, no network:
    /// deterministic, and as fast as the machine goes with `--speed max`.
    Synthetic,
}

impl VenueChoice {
    /// Production base URLs (scheme, host, port); tickdesk adds the paths.
    pub fn endpoints(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Binance => Some(("wss://stream.binance.com:9443", "https://api.binance.com")),
            Self::BinanceTestnet => Some(("wss://stream.testnet.binance.vision", "https://testnet.binance.vision")),
            Self::Sim | Self::Synthetic => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sim => "sim",
            Self::Binance => "binance",
            Self::BinanceTestnet => "binance-testnet",
            Self::Synthetic => "synthetic",
        }
    }
}

impl fmt::Display for VenueChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VenueChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sim" => Ok(Self::Sim),
            "binance" => Ok(Self::Binance),
            "binance-testnet" => Ok(Self::BinanceTestnet),
            "synthetic" => Ok(Self::Synthetic),
            _ => Err(format!("unknown venue {s:?}: expected sim, binance, binance-testnet or synthetic")),
        }
    }
}

/// Checks a `--ws-url` / `--rest-url` base: a scheme, a host, an optional
/// port, and no path (tickdesk adds the paths). Returns it without a trailing slash.
pub fn check_base(flag: &str, url: &str, schemes: &[&str]) -> Result<String, String> {
    let url = url.trim_end_matches('/');
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!("{flag} {url:?}: expected a base such as {}://host:port", schemes[0]));
    };
    if !schemes.contains(&scheme) {
        return Err(format!("{flag} {url:?}: scheme {scheme:?} is not one of {}", schemes.join(", ")));
    }
    if rest.is_empty() || rest.contains('/') || rest.contains('?') {
        return Err(format!("{flag} {url:?}: give only scheme, host and port; tickdesk adds the paths"));
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_venues_and_checks_bases() {
        assert_eq!("binance-testnet".parse(), Ok(VenueChoice::BinanceTestnet));
        assert!("kraken".parse::<VenueChoice>().is_err());
        assert_eq!(check_base("--ws-url", "ws://127.0.0.1:9/", &["ws", "wss"]), Ok("ws://127.0.0.1:9".into()));
        assert!(check_base("--ws-url", "ws://127.0.0.1:9/stream", &["ws", "wss"]).is_err());
        assert!(check_base("--rest-url", "ftp://x", &["http", "https"]).is_err());
        assert!(check_base("--rest-url", "api.binance.com", &["http", "https"]).is_err());
    }
}
