//! API keys of the venue and the checks of a SIGNED request, in Binance's
//! order: key header (-2014, -2015, HTTP 401), signature (-1022),
//! `timestamp` (-1102), `recvWindow` (-1131), clock (-1021).
//!
//! The demo pair ([`DEMO_API_KEY`] / [`DEMO_API_SECRET`]) is registered at
//! every start. It is the venue's own, public test pair: it trades only the
//! loopback venue's simulated balances.

use super::params::Params;
use super::rest::Fail;
use crate::venue::sign::{Credentials, Signer};
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::sync::RwLock;

/// The demo API key registered at start.
pub const DEMO_API_KEY: &str = "simDemoKey0000000000000000000000000000000000000000000000000000001";
/// The demo API secret registered at start (public: the sim venue's own test pair).
pub const DEMO_API_SECRET: &str = "simDemoSecret0000000000000000000000000000000000000000000000000001";

/// The demo pair.
pub fn demo_credentials() -> Credentials {
    Credentials::new(DEMO_API_KEY, DEMO_API_SECRET)
}

#[derive(Debug, Clone)]
struct Entry {
    signer: Signer,
    account: Option<u32>,
}

/// api key → (signer, account).
#[derive(Debug, Default)]
pub struct Keys {
    map: RwLock<HashMap<String, Entry>>,
}

impl Keys {
    pub fn insert(&self, key: &str, signer: Signer, account: Option<u32>) {
        let mut g = self.map.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        g.insert(key.to_string(), Entry { signer, account });
    }

    /// The signer and account of `key`.
    fn find(&self, key: &str) -> Option<(Signer, Option<u32>)> {
        let g = self.map.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        g.get(key).map(|e| (e.signer.clone(), e.account))
    }
}

/// What a checked request may act as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub account: u32,
}

fn unauthorized(code: i64, msg: &str) -> Fail {
    Fail { status: StatusCode::UNAUTHORIZED, ..Fail::bad(code, msg) }
}

pub fn bad_key() -> Fail {
    unauthorized(-2015, "Invalid API-key, IP, or permissions for action.")
}

pub fn bad_signature() -> Fail {
    Fail::bad(-1022, "Signature for this request is not valid.")
}

/// The raw string without its `signature=` parameter, and that parameter's value.
fn strip_signature(raw: &str) -> (String, Option<String>) {
    let mut sig = None;
    let kept: Vec<&str> = raw
        .split('&')
        .filter(|p| match p.strip_prefix("signature=") {
            Some(v) => {
                sig.get_or_insert_with(|| v.to_string());
                false
            }
            None => true,
        })
        .collect();
    (kept.join("&"), sig)
}

/// Checks a signed REST request; the payload is the raw query (minus its
/// `signature`) followed by the raw body (minus its `signature`).
pub fn check_rest(
    keys: &Keys,
    headers: &HeaderMap,
    query: &str,
    body: &str,
    p: &Params,
    now_ms: i64,
    max_recv_window_ms: i64,
) -> Result<Caller, Fail> {
    let key = headers
        .get("x-mbx-apikey")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .ok_or_else(|| unauthorized(-2014, "API-key format invalid."))?;
    let (signer, account) = keys.find(key).ok_or_else(bad_key)?;
    let (q, qsig) = strip_signature(query);
    let (b, bsig) = strip_signature(body);
    let sig = qsig.or(bsig).ok_or_else(bad_signature)?;
    let mut payload = q.into_bytes();
    payload.extend_from_slice(b.as_bytes());
    if !signer.verify(&payload, &sig) {
        return Err(bad_signature());
    }
    check_time(p, now_ms, max_recv_window_ms)?;
    let account = account.ok_or_else(bad_key)?;
    Ok(Caller { account })
}

/// Checks a WebSocket API signature (`apiKey`, `timestamp`, optional
/// `recvWindow`, sorted) and returns the key's account.
pub fn check_ws(
    keys: &Keys,
    params: &[(String, String)],
    now_ms: i64,
    max_recv_window_ms: i64,
) -> Result<Caller, Fail> {
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let key = get("apiKey").filter(|k| !k.is_empty()).ok_or_else(|| super::params::missing("apiKey"))?;
    let (signer, account) = keys.find(key).ok_or_else(bad_key)?;
    let sig = get("signature").ok_or_else(bad_signature)?;
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let payload = crate::venue::sign::ws_payload(&pairs);
    if !signer.verify(payload.as_bytes(), sig) {
        return Err(bad_signature());
    }
    let p = Params::parse(&pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"), "");
    check_time(&p, now_ms, max_recv_window_ms)?;
    let account = account.ok_or_else(bad_key)?;
    Ok(Caller { account })
}

fn check_time(p: &Params, now_ms: i64, max_recv_window_ms: i64) -> Result<(), Fail> {
    let ts = p.timestamp()?;
    let window = p.recv_window()?;
    if window > max_recv_window_ms {
        return Err(Fail::bad(-1131, format!("recvWindow must be less than {max_recv_window_ms}")));
    }
    if ts >= now_ms + 1000 {
        return Err(Fail::bad(-1021, "Timestamp for this request was 1000ms ahead of the server's time."));
    }
    if now_ms - ts > window {
        return Err(Fail::bad(-1021, "Timestamp for this request is outside of the recvWindow."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::sign::Query;

    fn keys() -> Keys {
        let k = Keys::default();
        k.insert(DEMO_API_KEY, demo_credentials().signer(), Some(0));
        k
    }

    fn headers(key: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(k) = key {
            h.insert("x-mbx-apikey", k.parse().expect("ascii"));
        }
        h
    }

    fn check(key: Option<&str>, query: &str, body: &str, now: i64) -> Result<Caller, i64> {
        let p = Params::parse(query, body);
        check_rest(&keys(), &headers(key), query, body, &p, now, 60_000).map_err(|f| f.code)
    }

    #[test]
    fn the_checks_come_in_binance_order() {
        let signer = demo_credentials().signer();
        let now = 1_700_000_000_000;
        let mut q = Query::new();
        q.push("symbol", "BTCUSDT").push("timestamp", &now.to_string());
        let good = q.clone().signed(&signer);
        assert_eq!(check(Some(DEMO_API_KEY), &good, "", now), Ok(Caller { account: 0 }));
        assert_eq!(check(None, &good, "", now), Err(-2014));
        assert_eq!(check(Some("nope"), &good, "", now), Err(-2015));
        assert_eq!(check(Some(DEMO_API_KEY), q.as_str(), "", now), Err(-1022));
        assert_eq!(check(Some(DEMO_API_KEY), &good.replace("BTC", "ETH"), "", now), Err(-1022));
        assert_eq!(check(Some(DEMO_API_KEY), &good, "", now + 5001), Err(-1021));
        assert_eq!(check(Some(DEMO_API_KEY), &good, "", now - 1000), Err(-1021));
        // Split between the query and the body, the signature in the body.
        let body = format!("timestamp={now}");
        let sig = signer.sign_rest("symbol=BTCUSDT", &body);
        let body = format!("{body}&signature={sig}");
        assert!(check(Some(DEMO_API_KEY), "symbol=BTCUSDT", &body, now).is_ok());
        let mut q = Query::new();
        q.push("recvWindow", "70000").push("timestamp", &now.to_string());
        assert_eq!(check(Some(DEMO_API_KEY), &q.signed(&signer), "", now), Err(-1131));
        let q = Query::new().signed(&signer);
        assert_eq!(check(Some(DEMO_API_KEY), &q, "", now), Err(-1102));
    }
}
