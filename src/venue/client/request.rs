//! One signed request with its policy: the limits gate, the timestamp and
//! signature (fresh per attempt), the send, and the sorting of the answer.
//!
//! 2xx gives the body; 429 blocks the host for `Retry-After` (calls that may
//! retry wait it out, an order placement fails with `RateLimited`); 418
//! blocks for the ban and fails; 5xx, timeouts and network errors are
//! retried with backoff only when the call allows it, never for an order
//! placement; other 4xx fail with the venue's code. Each failure logs one
//! line with the label (method, path, non-secret parameters) and the venue's
//! code and msg: never the signed query, never the key.

use super::super::error::{ApiCode, TradeError};
use super::super::limits::{Gate, Ticket};
use super::super::sign::Query;
use super::TradingClient;
use super::stats::Counter;
use crate::feed::rest::backoff;
use crate::feed::rest::error::api_error;
use rand::Rng;
use reqwest::Method;
use std::sync::PoisonError;
use tokio::time::Duration;

/// A ban without a `Retry-After` lasts at least this long (Binance: 2 minutes and up).
const DEFAULT_BAN_SECS: u64 = 120;
/// Retries of a call that may retry (5xx, timeouts, network, 429).
const MAX_RETRIES: u32 = 4;
const RETRY_BASE_MS: u64 = 250;
const RETRY_MAX_MS: u64 = 4_000;
/// Added to a Retry-After wait so that clients blocked together do not return together.
const RETRY_AFTER_JITTER_MS: u64 = 100;

/// One call: what to send and how it may be retried.
pub(super) struct Call {
    pub(super) method: Method,
    pub(super) path: &'static str,
    /// The business parameters; `recvWindow`, `timestamp` and `signature` are added per attempt.
    pub(super) params: Query,
    pub(super) weight: u32,
    /// Places an order: counted toward the order limits, never retried.
    pub(super) order: bool,
    pub(super) signed: bool,
    /// May retry after 5xx, timeouts, network errors and 429.
    pub(super) retry: bool,
}

impl Call {
    /// Method, path and the non-secret parameters: what errors and logs show.
    pub(super) fn label(&self) -> String {
        match self.params.as_str() {
            "" => format!("{} {}", self.method, self.path),
            q => format!("{} {}?{q}", self.method, self.path),
        }
    }
}

/// What one attempt came to.
enum Outcome {
    Body(Vec<u8>),
    /// 429: the gate holds the next attempt until Retry-After has passed.
    RateLimited(u64),
    /// Worth another attempt for a call that may retry.
    Retryable(TradeError),
    Fatal(TradeError),
}

impl TradingClient {
    /// Sends `call`, resyncing the clock and trying once more after a -1021.
    pub(super) async fn call(&self, call: &Call) -> Result<Vec<u8>, TradeError> {
        match self.send(call).await {
            Err(e) if call.signed && e.api_code() == Some(ApiCode::InvalidTimestamp) => {
                self.count(Counter::Resyncs);
                let offset = self.sync_time().await?;
                tracing::info!(path = %call.label(), offset_ms = offset, "clock resynced after -1021; sending once more");
                self.send(call).await
            }
            r => r,
        }
    }

    /// Sends `call` with the gate and the retries it allows.
    pub(super) async fn send(&self, call: &Call) -> Result<Vec<u8>, TradeError> {
        let label = call.label();
        let mut attempt = 0u32;
        loop {
            let ticket = self.admit(&label, call.weight, call.order).await?;
            let url = self.url(call)?;
            self.count(Counter::Requests);
            if call.order {
                self.count(Counter::OrdersSent);
            }
            let mut req = self.inner.http.request(call.method.clone(), url);
            if call.signed {
                req = req.header("X-MBX-APIKEY", self.inner.creds.key.expose());
            }
            let outcome = match req.send().await {
                Ok(resp) => self.answer(&label, ticket, resp).await,
                Err(e) => Outcome::Retryable(transport(&label, e)),
            };
            let may_retry = call.retry && attempt < MAX_RETRIES;
            match outcome {
                Outcome::Body(b) => return Ok(b),
                Outcome::RateLimited(secs) if may_retry && secs <= self.inner.cfg.max_retry_after_secs => {
                    tracing::warn!(path = %label, "HTTP 429: waiting {secs} s (Retry-After) before any request to the host");
                }
                Outcome::RateLimited(secs) => {
                    tracing::warn!(path = %label, "HTTP 429: rate limited for {secs} s; no request to the host until then");
                    return Err(TradeError::RateLimited { retry_after_secs: secs });
                }
                Outcome::Retryable(e) if may_retry => {
                    let random = self.inner.rng.lock().unwrap_or_else(PoisonError::into_inner).random::<u64>();
                    let d = backoff::delay_ms(attempt, RETRY_BASE_MS, RETRY_MAX_MS, random);
                    tracing::warn!(path = %label, "{e}; retry {}/{MAX_RETRIES} in {d} ms", attempt + 1);
                    tokio::time::sleep(Duration::from_millis(d)).await;
                }
                Outcome::Retryable(e) | Outcome::Fatal(e) => {
                    match &e {
                        TradeError::Api { code, msg, .. } => {
                            tracing::warn!(path = %label, code = code.code(), "venue refused: {} {msg}", code.name());
                        }
                        other => tracing::warn!(path = %label, "{other}"),
                    }
                    return Err(e);
                }
            }
            attempt += 1;
        }
    }

    /// The URL of one attempt: parameters, then `recvWindow`, `timestamp`
    /// and the signature over exactly that query string.
    fn url(&self, call: &Call) -> Result<reqwest::Url, TradeError> {
        let query = if call.signed {
            let mut q = call.params.clone();
            q.push("recvWindow", &self.inner.cfg.recv_window_ms.to_string());
            q.push("timestamp", &self.now_venue_ms().to_string());
            q.signed(&self.inner.signer)
        } else {
            call.params.as_str().to_string()
        };
        let mut url = self.inner.base.clone();
        url.set_path(&format!("{}{}", self.inner.base.path().trim_end_matches('/'), call.path));
        url.set_query((!query.is_empty()).then_some(query.as_str()));
        Ok(url)
    }

    /// Waits until the gate lets the request go.
    async fn admit(&self, label: &str, weight: u32, order: bool) -> Result<Ticket, TradeError> {
        loop {
            let verdict = self.limits_mut().admit(self.now_venue_ms(), weight, order);
            match verdict {
                Gate::Go(t) => return Ok(t),
                Gate::Wait { ms, retry_after } => {
                    let jitter = if retry_after {
                        self.inner
                            .rng
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .random_range(0..=RETRY_AFTER_JITTER_MS)
                    } else {
                        tracing::warn!(path = %label, "throttling before the venue's limit: waiting {ms} ms");
                        0
                    };
                    tokio::time::sleep(Duration::from_millis(ms + jitter)).await;
                }
                Gate::Banned { secs } => {
                    tracing::debug!(path = %label, "refused without sending: IP banned for {secs} more s");
                    return Err(TradeError::Banned { retry_after_secs: secs });
                }
                Gate::RateLimited { secs } => {
                    tracing::debug!(path = %label, "refused without sending: limited for {secs} more s");
                    return Err(TradeError::RateLimited { retry_after_secs: secs });
                }
            }
        }
    }

    /// Sorts one HTTP answer.
    async fn answer(&self, label: &str, ticket: Ticket, resp: reqwest::Response) -> Outcome {
        let status = resp.status().as_u16();
        let h = |name: &str| header_u64(&resp, name).map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let (weight, o10, o1d) = (h("x-mbx-used-weight-1m"), h("x-mbx-order-count-10s"), h("x-mbx-order-count-1d"));
        self.limits_mut().observe(ticket, weight, o10, o1d);
        let retry_after = header_u64(&resp, "retry-after");
        let path = label.to_string();
        match status {
            200..=299 => match resp.bytes().await {
                Ok(b) => Outcome::Body(b.to_vec()),
                // The venue answered but the body was cut: the request may have been executed.
                Err(e) => Outcome::Retryable(transport(label, e)),
            },
            429 => {
                self.count(Counter::RateLimited);
                let now = self.now_venue_ms();
                let mut l = self.limits_mut();
                let secs = retry_after.unwrap_or_else(|| l.ms_to_window_end(now).div_ceil(1000).max(1));
                l.block(now, secs, false);
                Outcome::RateLimited(secs)
            }
            418 => {
                self.count(Counter::Banned);
                let secs = retry_after.unwrap_or(DEFAULT_BAN_SECS);
                self.limits_mut().block(self.now_venue_ms(), secs, true);
                tracing::error!(path = %label, "HTTP 418: IP banned by the venue for {secs} s; no request until then");
                Outcome::Fatal(TradeError::Banned { retry_after_secs: secs })
            }
            _ => {
                let body = resp.bytes().await.ok();
                let api = body.as_deref().and_then(api_error);
                if api.is_some() {
                    self.count(Counter::ApiErrors);
                }
                match (status, api) {
                    (500..=599, Some((code, msg))) if code == ApiCode::Timeout.code() => {
                        Outcome::Retryable(TradeError::Api { status, code: ApiCode::Timeout, msg, path })
                    }
                    (500..=599, Some((code, msg))) => Outcome::Retryable(TradeError::Server {
                        status,
                        path,
                        detail: format!("Binance error {code}: {msg}; execution status unknown"),
                    }),
                    (500..=599, None) => Outcome::Retryable(TradeError::Server {
                        status,
                        path,
                        detail: "no Binance error body; execution status unknown".into(),
                    }),
                    (_, Some((code, msg))) => {
                        Outcome::Fatal(TradeError::Api { status, code: ApiCode::from_code(code), msg, path })
                    }
                    (_, None) => Outcome::Fatal(TradeError::Api {
                        status,
                        code: ApiCode::Other(0),
                        msg: format!("HTTP {status} without a Binance error body"),
                        path,
                    }),
                }
            }
        }
    }
}

/// A transport failure as an error; the URL (with its signature) is stripped.
fn transport(label: &str, e: reqwest::Error) -> TradeError {
    let e = e.without_url();
    if e.is_timeout() {
        TradeError::Timeout { path: label.to_string() }
    } else {
        TradeError::Network { path: label.to_string(), detail: chain(&e) }
    }
}

/// An error with its sources: reqwest's own message hides the cause.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

/// A header holding a non-negative integer.
fn header_u64(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}
