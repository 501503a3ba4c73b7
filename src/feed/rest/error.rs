//! What can go wrong with a REST call, each saying what and where.

use serde::Deserialize;

/// A failed REST call. Every variant names the request path (with its query)
/// or, for the host-wide 429/418 blocks, how long the venue asked us to wait.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    /// The venue refused the request with a Binance error body `{"code","msg"}`.
    #[error("{path}: HTTP {status}, Binance error {code}: {msg}")]
    Api { status: u16, code: i64, msg: String, path: String },
    /// HTTP 429: request weight exceeded; no request to the host before `retry_after_secs`.
    #[error("rate limited by the venue (HTTP 429): no REST request for {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// HTTP 418: the IP is banned for `retry_after_secs`; no request until then.
    #[error("IP banned by the venue (HTTP 418): no REST request for {retry_after_secs} s")]
    Banned { retry_after_secs: u64 },
    /// No complete answer within the configured timeout (after the retries).
    #[error("{path}: timed out")]
    Timeout { path: String },
    /// Connection refused, reset, DNS, TLS... (after the retries).
    #[error("{path}: network error: {detail}")]
    Network { path: String, detail: String },
    /// The body is not what the endpoint returns; `detail` names the field.
    #[error("{path}: malformed body: {detail}")]
    Parse { path: String, detail: String },
    /// An unexpected HTTP status without a Binance error body.
    #[error("{path}: HTTP {status}")]
    Http { status: u16, path: String },
    /// The client could not be set up (bad base URL or configuration).
    #[error("REST client setup: {detail}")]
    Config { detail: String },
}

impl RestError {
    /// A stable name for counters and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Api { .. } => "api",
            Self::RateLimited { .. } => "rate_limited",
            Self::Banned { .. } => "banned",
            Self::Timeout { .. } => "timeout",
            Self::Network { .. } => "network",
            Self::Parse { .. } => "parse",
            Self::Http { .. } => "http",
            Self::Config { .. } => "config",
        }
    }
}

/// A body a pure parser refused; the message starts with the field
/// (`[3][1] (open): bad decimal "x": invalid character 'x' in number`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BodyError(pub String);

impl BodyError {
    /// An error at `field`.
    pub fn at(field: impl std::fmt::Display, detail: impl std::fmt::Display) -> Self {
        Self(format!("{field}: {detail}"))
    }
}

/// What a JSON value is, for error messages.
pub(crate) fn describe(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a non-integer number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a whole body as JSON, or says why it is not.
pub(crate) fn json_body(body: &[u8]) -> Result<serde_json::Value, BodyError> {
    serde_json::from_slice(body).map_err(|e| BodyError::at("body", format_args!("not valid JSON: {e}")))
}

/// A Binance error body `{"code":-1121,"msg":"Invalid symbol."}`, if that is what `body` is.
pub fn api_error(body: &[u8]) -> Option<(i64, String)> {
    #[derive(Deserialize)]
    struct ApiBody {
        code: i64,
        msg: String,
    }
    serde_json::from_slice::<ApiBody>(body).ok().map(|b| (b.code, b.msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_binance_error_bodies() {
        assert_eq!(api_error(br#"{"code":-1121,"msg":"Invalid symbol."}"#), Some((-1121, "Invalid symbol.".into())));
        assert_eq!(api_error(br#"{"code":"x","msg":"m"}"#), None);
        assert_eq!(api_error(b"<html>"), None);
    }

    #[test]
    fn display_says_what_and_where() {
        let e = RestError::Parse { path: "/api/v3/klines?symbol=BTCUSDT".into(), detail: "[0][1] (open): x".into() };
        assert_eq!(e.to_string(), "/api/v3/klines?symbol=BTCUSDT: malformed body: [0][1] (open): x");
        let e = RestError::Http { status: 500, path: "/api/v3/time".into() };
        assert_eq!(e.to_string(), "/api/v3/time: HTTP 500");
        assert_eq!(e.kind(), "http");
    }
}
