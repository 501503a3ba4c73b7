//! The trading client's errors and Binance's error codes.
//!
//! Codes are stable, messages are not: callers branch on [`ApiCode`] and
//! show `msg`. [`TradeError::status_unknown`] marks the failures after which
//! an order may or may not exist at the venue, so that nobody resends blindly.

use std::fmt;

macro_rules! api_codes {
    ($($variant:ident = $code:literal, $name:literal;)*) => {
        /// A Binance error code (`binance-spot.md` §3.9), `Other` for the rest.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ApiCode {
            $($variant,)*
            Other(i64),
        }

        impl ApiCode {
            pub fn from_code(code: i64) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Other(other),
                }
            }

            pub fn code(self) -> i64 {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Other(c) => c,
                }
            }

            /// The name Binance's `errors.md` gives the code (`NEW_ORDER_REJECTED`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                    Self::Other(_) => "OTHER",
                }
            }
        }
    };
}

api_codes! {
    TooManyRequests = -1003, "TOO_MANY_REQUESTS";
    Timeout = -1007, "TIMEOUT";
    InvalidMessage = -1013, "INVALID_MESSAGE";
    TooManyOrders = -1015, "TOO_MANY_ORDERS";
    InvalidTimestamp = -1021, "INVALID_TIMESTAMP";
    InvalidSignature = -1022, "INVALID_SIGNATURE";
    IllegalChars = -1100, "ILLEGAL_CHARS";
    TooManyParameters = -1101, "TOO_MANY_PARAMETERS";
    MandatoryParamEmptyOrMalformed = -1102, "MANDATORY_PARAM_EMPTY_OR_MALFORMED";
    UnknownParam = -1103, "UNKNOWN_PARAM";
    UnreadParameters = -1104, "UNREAD_PARAMETERS";
    ParamEmpty = -1105, "PARAM_EMPTY";
    ParamNotRequired = -1106, "PARAM_NOT_REQUIRED";
    BadPrecision = -1111, "BAD_PRECISION";
    BadSymbol = -1121, "BAD_SYMBOL";
    InvalidListenKey = -1125, "INVALID_LISTEN_KEY";
    InvalidCancelRestrictions = -1145, "INVALID_CANCEL_RESTRICTIONS";
    NewOrderRejected = -2010, "NEW_ORDER_REJECTED";
    CancelRejected = -2011, "CANCEL_REJECTED";
    NoSuchOrder = -2013, "NO_SUCH_ORDER";
    BadApiKeyFmt = -2014, "BAD_API_KEY_FMT";
    RejectedMbxKey = -2015, "REJECTED_MBX_KEY";
    OrderArchived = -2026, "ORDER_ARCHIVED";
    SubscriptionActive = -2035, "SUBSCRIPTION_ACTIVE";
    SubscriptionInactive = -2036, "SUBSCRIPTION_INACTIVE";
    MaxSubscriptionIdReached = -2042, "MAX_SUBSCRIPTION_ID_REACHED";
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// Why a trading call failed. `path` is the method, path and the
/// non-secret parameters: never the signature, the timestamp or the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TradeError {
    /// The venue refused with a Binance error body.
    #[error("{path}: {} ({}): {msg} (HTTP {status})", code.name(), code.code())]
    Api { status: u16, code: ApiCode, msg: String, path: String },
    /// HTTP 429: no request to the host before `retry_after_secs`.
    #[error("rate limited by the venue (HTTP 429): no request for {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// HTTP 418: the IP is banned for `retry_after_secs`.
    #[error("IP banned by the venue (HTTP 418): no request for {retry_after_secs} s")]
    Banned { retry_after_secs: u64 },
    /// No answer within the timeout: the request may have been executed.
    #[error("{path}: timed out; execution status unknown")]
    Timeout { path: String },
    /// Connection refused, reset, TLS...: the request may have been executed.
    #[error("{path}: network error: {detail}")]
    Network { path: String, detail: String },
    /// HTTP 5xx: Binance-side problem, execution status unknown.
    #[error("{path}: HTTP {status}: {detail}")]
    Server { status: u16, path: String, detail: String },
    /// A 2xx body that is not what the endpoint returns; `detail` names the field.
    #[error("{path}: malformed answer: {detail}")]
    Malformed { path: String, detail: String },
    /// The client could not be set up.
    #[error("trading client setup: {detail}")]
    Config { detail: String },
    /// An order whose fate stays unknown after the queries: reconcile before acting.
    #[error("order {client_order_id}: status unknown at the venue: {detail}")]
    StatusUnknown { client_order_id: String, detail: String },
}

impl TradeError {
    /// The venue may have executed the request: query before resending.
    pub fn status_unknown(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Network { .. } | Self::Server { .. } | Self::Malformed { .. } => true,
            Self::Api { code, .. } => *code == ApiCode::Timeout,
            _ => false,
        }
    }

    /// The Binance code, for API errors.
    pub fn api_code(&self) -> Option<ApiCode> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// A stable name for counters and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Api { .. } => "api",
            Self::RateLimited { .. } => "rate_limited",
            Self::Banned { .. } => "banned",
            Self::Timeout { .. } => "timeout",
            Self::Network { .. } => "network",
            Self::Server { .. } => "server",
            Self::Malformed { .. } => "malformed",
            Self::Config { .. } => "config",
            Self::StatusUnknown { .. } => "status_unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_have_names() {
        for c in [-1003, -1007, -1013, -1015, -1021, -1022, -1100, -1106, -1111, -1121, -1125, -1145, -2010, -2042] {
            let a = ApiCode::from_code(c);
            assert!(!matches!(a, ApiCode::Other(_)), "{c}");
            assert_eq!(a.code(), c);
        }
        assert_eq!(ApiCode::from_code(-2010).name(), "NEW_ORDER_REJECTED");
        assert_eq!(ApiCode::from_code(-2011), ApiCode::CancelRejected);
        assert_eq!(ApiCode::from_code(-9999), ApiCode::Other(-9999));
        assert_eq!(ApiCode::Other(-9999).code(), -9999);
    }

    #[test]
    fn display_and_status_unknown() {
        let e = TradeError::Api {
            status: 400,
            code: ApiCode::CancelRejected,
            msg: "Unknown order sent.".into(),
            path: "DELETE /api/v3/order?symbol=BTCUSDT".into(),
        };
        assert_eq!(
            e.to_string(),
            "DELETE /api/v3/order?symbol=BTCUSDT: CANCEL_REJECTED (-2011): Unknown order sent. (HTTP 400)"
        );
        assert!(!e.status_unknown());
        let t = TradeError::Api { status: 500, code: ApiCode::Timeout, msg: String::new(), path: String::new() };
        assert!(t.status_unknown());
        assert!(TradeError::Timeout { path: "p".into() }.status_unknown());
        assert!(TradeError::Malformed { path: "p".into(), detail: "d".into() }.status_unknown());
        assert!(!TradeError::RateLimited { retry_after_secs: 1 }.status_unknown());
        assert!(!TradeError::StatusUnknown { client_order_id: "x".into(), detail: "d".into() }.status_unknown());
    }
}
