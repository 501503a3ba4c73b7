//! HMAC-SHA256 request signing, exactly as Binance specifies it, and the
//! credentials that feed it.
//!
//! REST signs the query string as sent, concatenated with no separator to
//! the body; the WebSocket API signs its parameters sorted by name. Both
//! are built here so the bytes signed are the bytes sent. The secret never
//! appears in a `Debug` output, a log line or a summary: [`ApiSecret`]
//! prints as `<redacted>` and the key as its first four characters.

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;
use std::fmt;

/// The environment variable holding the API key.
pub const ENV_API_KEY: &str = "BINANCE_API_KEY";
/// The environment variable holding the API secret.
pub const ENV_API_SECRET: &str = "BINANCE_API_SECRET";

/// Characters left as they are in a query value: RFC 3986 unreserved
/// (what `application/x-www-form-urlencoded` encoders keep, bar `*`).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// An API key: sent as `X-MBX-APIKEY`, shown only by its first characters.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The full key, for the header and the WebSocket API parameters only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.0.chars().take(4).collect();
        write!(f, "ApiKey({shown}…)")
    }
}

/// An API secret: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiSecret(String);

impl ApiSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiSecret(<redacted>)")
    }
}

/// A key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub key: ApiKey,
    pub secret: ApiSecret,
}

/// Why credentials could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error("{var} is not set: sandbox routing needs an API key pair; set {ENV_API_KEY} and {ENV_API_SECRET}")]
    Missing { var: &'static str },
    #[error("{var} is empty: set it to the venue's API {what}")]
    Empty { var: &'static str, what: &'static str },
}

impl Credentials {
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Self {
        Self { key: ApiKey::new(key), secret: ApiSecret::new(secret) }
    }

    /// From `BINANCE_API_KEY` and `BINANCE_API_SECRET`; the error names the
    /// variable to set.
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_lookup(|v| std::env::var(v).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `get` (tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let read = |var: &'static str, what: &'static str| match get(var) {
            None => Err(CredentialsError::Missing { var }),
            Some(v) if v.trim().is_empty() => Err(CredentialsError::Empty { var, what }),
            Some(v) => Ok(v.trim().to_string()),
        };
        Ok(Self::new(read(ENV_API_KEY, "key")?, read(ENV_API_SECRET, "secret")?))
    }

    pub fn signer(&self) -> Signer {
        Signer::new(&self.secret)
    }
}

/// HMAC-SHA256 keyed once with the secret; each signature clones the keyed
/// state, so the key schedule is not redone per request.
#[derive(Clone)]
pub struct Signer {
    keyed: Hmac<Sha256>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signer(<redacted>)")
    }
}

/// A signature as 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; 64]);

impl Signature {
    pub fn as_str(&self) -> &str {
        // Only hex digits are ever written into it.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Signer {
    pub fn new(secret: &ApiSecret) -> Self {
        // HMAC takes keys of any length: the error is for fixed-size-key MACs.
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(secret.bytes()).expect("HMAC accepts any key length");
        Self { keyed }
    }

    /// HMAC-SHA256 of the REST payload: the query string as sent followed,
    /// with no separator, by the body.
    pub fn sign_rest(&self, query: &str, body: &str) -> Signature {
        let mut mac = self.keyed.clone();
        mac.update(query.as_bytes());
        mac.update(body.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// HMAC-SHA256 of an exact payload.
    pub fn sign(&self, payload: &[u8]) -> Signature {
        let mut mac = self.keyed.clone();
        mac.update(payload);
        hex(&mac.finalize().into_bytes())
    }

    /// The WebSocket API payload: every parameter but `signature`, sorted by
    /// name, joined as `k=v&...` with the values as they are (UTF-8).
    pub fn sign_ws(&self, params: &[(&str, &str)]) -> Signature {
        self.sign(ws_payload(params).as_bytes())
    }

    /// Checks a hex signature (either case) against `payload` in constant time.
    pub fn verify(&self, payload: &[u8], signature_hex: &str) -> bool {
        let Some(bytes) = unhex(signature_hex) else { return false };
        let mut mac = self.keyed.clone();
        mac.update(payload);
        mac.verify_slice(&bytes).is_ok()
    }
}

/// The sorted `k=v&...` string the WebSocket API signs.
pub fn ws_payload(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().filter(|(k, _)| *k != "signature").collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut s = String::with_capacity(sorted.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

/// Builds a query string in the order parameters are pushed, values
/// percent-encoded, so that what is signed is exactly what is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(String);

impl Query {
    pub fn new() -> Self {
        Self(String::with_capacity(256))
    }

    pub fn push(&mut self, key: &str, value: &str) -> &mut Self {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(key);
        self.0.push('=');
        for part in utf8_percent_encode(value, QUERY_VALUE) {
            self.0.push_str(part);
        }
        self
    }

    pub fn push_opt(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.push(key, v);
        }
        self
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends `&signature=<hex>` over the query as built (empty body).
    pub fn signed(mut self, signer: &Signer) -> String {
        let sig = signer.sign_rest(&self.0, "");
        self.push("signature", sig.as_str());
        self.0
    }
}

fn hex(bytes: &[u8]) -> Signature {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'0'; 64];
    for (i, b) in bytes.iter().take(32).enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0xf)];
    }
    Signature(out)
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = nibble(b[2 * i])? << 4 | nibble(b[2 * i + 1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documentation's example credentials (`binance-spot.md` §3.3).
    fn docs() -> Credentials {
        Credentials::new(
            "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
            "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
        )
    }

    #[test]
    fn vector_1_rest_query_string() {
        let mut q = Query::new();
        for (k, v) in [
            ("symbol", "LTCBTC"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "1"),
            ("price", "0.1"),
            ("recvWindow", "5000"),
            ("timestamp", "1499827319559"),
        ] {
            q.push(k, v);
        }
        let signer = docs().signer();
        assert_eq!(
            signer.sign_rest(q.as_str(), "").as_str(),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
        assert_eq!(
            q.signed(&signer),
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000\
             &timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
    }

    #[test]
    fn vector_2_non_ascii_symbol_is_percent_encoded_before_signing() {
        let mut q = Query::new();
        q.push("symbol", "１２３４５６")
            .push("side", "BUY")
            .push("type", "LIMIT")
            .push("timeInForce", "GTC")
            .push("quantity", "1")
            .push("price", "0.1")
            .push("recvWindow", "5000")
            .push("timestamp", "1499827319559");
        assert!(q.as_str().starts_with("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"));
        assert_eq!(
            docs().signer().sign_rest(q.as_str(), "").as_str(),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
        );
    }

    #[test]
    fn vector_3_query_and_body_join_without_separator() {
        let sig = docs().signer().sign_rest(
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
            "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
        );
        assert_eq!(sig.as_str(), "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
    }

    #[test]
    fn vector_4_websocket_api_sorts_parameters() {
        let c = docs();
        let params = [
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01000000"),
            ("price", "52000.00"),
            ("recvWindow", "100"),
            ("timestamp", "1645423376532"),
            ("apiKey", c.key.expose()),
        ];
        assert_eq!(
            c.signer().sign_ws(&params).as_str(),
            "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"
        );
    }

    #[test]
    fn user_data_stream_subscription_vector() {
        let c = docs();
        let params = [("timestamp", "1747385641636"), ("apiKey", c.key.expose())];
        assert_eq!(
            c.signer().sign_ws(&params).as_str(),
            "681110a6057ad58657af22f5640fab9dd17418834cdfccdc81be8b0f7b2cde3e"
        );
    }

    #[test]
    fn verify_accepts_either_case_and_refuses_anything_else() {
        let s = docs().signer();
        let payload = b"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert!(s.verify(payload, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"));
        assert!(s.verify(payload, "C8DB56825AE71D6D79447849E617115F4A920FA2ACDCAB2B053C4B2838BD6B71"));
        assert!(!s.verify(payload, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b70"));
        assert!(!s.verify(payload, "c8db"));
        assert!(!s.verify(payload, "zz"));
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let c = docs();
        let shown = format!("{c:?} {:?}", c.signer());
        assert!(!shown.contains("NhqPtmdS"), "{shown}");
        assert!(!shown.contains("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"), "{shown}");
        assert!(shown.contains("vmPU"), "{shown}");
    }

    #[test]
    fn missing_or_empty_variables_name_what_to_set() {
        let e = Credentials::from_lookup(|_| None).unwrap_err();
        assert!(e.to_string().contains("BINANCE_API_KEY is not set"), "{e}");
        let e = Credentials::from_lookup(|v| (v == ENV_API_KEY).then(|| "k".into())).unwrap_err();
        assert!(e.to_string().contains("BINANCE_API_SECRET is not set"), "{e}");
        let e = Credentials::from_lookup(|_| Some(" ".into())).unwrap_err();
        assert!(e.to_string().contains("BINANCE_API_KEY is empty"), "{e}");
        let c = Credentials::from_lookup(|v| Some(format!("{v}-value"))).unwrap();
        assert_eq!(c.key.expose(), "BINANCE_API_KEY-value");
    }
}
