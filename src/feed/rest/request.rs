//! One request with the whole policy around it: the weight gate (throttle,
//! Retry-After, ban), the send, the sorting of the answer, and the retries.
//!
//! 2xx gives the body to the caller's parser; 429 blocks the host for
//! `Retry-After` and tries again after it; 418 blocks the host for the ban
//! and fails; 5xx, timeouts and network errors are retried with backoff up to
//! `max-retries`; other 4xx fail at once with the venue's `{"code","msg"}`.
//! Every incident moves a counter and logs one line that names the path.

use super::backoff;
use super::client::RestClient;
use super::error::{RestError, api_error};
use super::stats::Counter;
use super::weight::{Admit, WaitReason};
use rand::Rng;
use std::sync::PoisonError;
use tokio::time::Duration;

/// A ban without a `Retry-After` lasts at least this long (Binance: 2 minutes and up).
const DEFAULT_BAN_SECS: u64 = 120;

/// A retryable failure of one attempt.
enum Failure {
    Timeout,
    Network(String),
    Server { status: u16, api: Option<(i64, String)> },
    RateLimited { secs: u64 },
}

/// What one answer leads to.
enum Step {
    Body(Vec<u8>),
    Fatal(RestError),
    Retry(Failure),
}

enum BodyRead {
    TooLarge,
    Transport(reqwest::Error),
}

/// A body with the path and query it answered.
pub(super) struct Fetched {
    pub(super) label: String,
    pub(super) body: Vec<u8>,
}

impl RestClient {
    /// One GET with the whole policy: gate, send, sort the answer, retry.
    pub(super) async fn get(&self, path: &str, query: &[(&str, String)], weight: u32) -> Result<Fetched, RestError> {
        let url = self.url(path, query);
        let label = url.query().map_or_else(|| url.path().to_string(), |q| format!("{}?{q}", url.path()));
        let max = self.inner.cfg.max_retries;
        let mut attempt = 0u32;
        loop {
            let window = self.admit(&label, weight).await?;
            self.count(Counter::Requests);
            let failure = match self.inner.http.get(url.clone()).send().await {
                Ok(resp) => match self.answer(&label, window, resp).await {
                    Step::Body(body) => {
                        let tap = self.inner.tap.lock().ok().and_then(|t| t.clone());
                        if let Some(tap) = tap {
                            tap(&label, &body);
                        }
                        return Ok(Fetched { label, body });
                    }
                    Step::Fatal(e) => return Err(e),
                    Step::Retry(f) => f,
                },
                Err(e) => self.transport_failure(&e),
            };
            let tries = attempt + 1;
            let delay_ms = match &failure {
                Failure::RateLimited { secs } => {
                    if attempt >= max || *secs > self.inner.cfg.max_retry_after_secs {
                        tracing::warn!(path = %label, "HTTP 429 rate limited, Retry-After {secs} s: giving up after {tries} attempts; no request to the host until then");
                        return Err(RestError::RateLimited { retry_after_secs: *secs });
                    }
                    tracing::warn!(path = %label, "HTTP 429 rate limited: waiting {secs} s (Retry-After) before any further request to the host");
                    // The gate holds the next attempt until Retry-After has passed.
                    0
                }
                other => {
                    let what = describe(other);
                    if attempt >= max {
                        tracing::warn!(path = %label, "{what}: giving up after {tries} attempts");
                        return Err(into_error(failure, label));
                    }
                    let random = self.inner.rng.lock().unwrap_or_else(PoisonError::into_inner).random::<u64>();
                    let cfg = &self.inner.cfg;
                    let d = backoff::delay_ms(attempt, cfg.retry_base_ms, cfg.retry_max_ms, random);
                    tracing::warn!(path = %label, "{what}: retry {}/{max} in {d} ms", attempt + 1);
                    d
                }
            };
            self.count(Counter::Retries);
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            attempt += 1;
        }
    }

    /// Waits until the gate lets a request of `weight` go; returns its window.
    async fn admit(&self, label: &str, weight: u32) -> Result<i64, RestError> {
        loop {
            let now = self.venue_ms();
            let verdict = self.gate().admit(now, weight);
            match verdict {
                Admit::Go { window } => return Ok(window),
                Admit::Wait { ms, why } => {
                    if why == WaitReason::Throttle {
                        self.count(Counter::ThrottledWaits);
                        self.inner.counters.add(Counter::ThrottledMs, ms);
                        let s = self.gate().state(now);
                        tracing::warn!(path = %label, "used weight {}/{} reached the throttle mark {}: waiting {ms} ms for the weight window to roll", s.used, s.limit, s.throttle_at);
                    }
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                Admit::Banned { secs } => {
                    self.count(Counter::Refused);
                    tracing::debug!(path = %label, "refused: IP banned for {secs} more s");
                    return Err(RestError::Banned { retry_after_secs: secs });
                }
                Admit::RateLimited { secs } => {
                    self.count(Counter::Refused);
                    tracing::debug!(path = %label, "refused: rate limited for {secs} more s");
                    return Err(RestError::RateLimited { retry_after_secs: secs });
                }
            }
        }
    }

    /// Sorts one HTTP answer.
    async fn answer(&self, label: &str, window: i64, mut resp: reqwest::Response) -> Step {
        let status = resp.status().as_u16();
        if let Some(used) = header_u64(&resp, "x-mbx-used-weight-1m") {
            self.gate().observe(window, u32::try_from(used).unwrap_or(u32::MAX));
        }
        let retry_after = header_u64(&resp, "retry-after");
        match status {
            200..=299 => match self.read_body(&mut resp).await {
                Ok(body) => Step::Body(body),
                Err(BodyRead::Transport(e)) => Step::Retry(self.transport_failure(&e)),
                Err(BodyRead::TooLarge) => {
                    self.count(Counter::ParseErrors);
                    let detail = format!("body larger than {} bytes", self.inner.cfg.max_body_bytes);
                    tracing::warn!(path = %label, "{detail}");
                    Step::Fatal(RestError::Parse { path: label.to_string(), detail })
                }
            },
            429 => {
                self.count(Counter::RateLimited);
                let now = self.venue_ms();
                let mut gate = self.gate();
                // Without Retry-After, wait for the weight window to roll.
                let secs = retry_after.unwrap_or_else(|| gate.ms_to_window_end(now).div_ceil(1000).max(1));
                gate.block(now, secs, false);
                Step::Retry(Failure::RateLimited { secs })
            }
            418 => {
                self.count(Counter::Banned);
                let secs = retry_after.unwrap_or(DEFAULT_BAN_SECS);
                let now = self.venue_ms();
                self.gate().block(now, secs, true);
                let body = self.read_body(&mut resp).await.ok();
                let msg = body.as_deref().and_then(api_error).map(|(_, m)| m).unwrap_or_default();
                tracing::error!(path = %label, "HTTP 418: IP banned by the venue for {secs} s; no REST request until then. {msg}");
                Step::Fatal(RestError::Banned { retry_after_secs: secs })
            }
            500..=599 => {
                self.count(Counter::ServerErrors);
                let body = self.read_body(&mut resp).await.ok();
                Step::Retry(Failure::Server { status, api: body.as_deref().and_then(api_error) })
            }
            _ => {
                self.count(Counter::ClientErrors);
                let body = self.read_body(&mut resp).await.ok();
                let err = match body.as_deref().and_then(api_error) {
                    Some((code, msg)) => RestError::Api { status, code, msg, path: label.to_string() },
                    None => RestError::Http { status, path: label.to_string() },
                };
                tracing::warn!(path = %label, "{err}");
                Step::Fatal(err)
            }
        }
    }

    fn transport_failure(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            self.count(Counter::Timeouts);
            Failure::Timeout
        } else {
            self.count(Counter::NetworkErrors);
            Failure::Network(chain(e))
        }
    }

    async fn read_body(&self, resp: &mut reqwest::Response) -> Result<Vec<u8>, BodyRead> {
        let max = self.inner.cfg.max_body_bytes;
        let announced = resp.content_length().map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        if announced > max {
            return Err(BodyRead::TooLarge);
        }
        let mut buf = Vec::with_capacity(announced);
        while let Some(chunk) = resp.chunk().await.map_err(BodyRead::Transport)? {
            if buf.len() + chunk.len() > max {
                return Err(BodyRead::TooLarge);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    }
}

fn describe(f: &Failure) -> String {
    match f {
        Failure::Timeout => "timed out".into(),
        Failure::Network(d) => format!("network error: {d}"),
        Failure::Server { status, api: Some((code, msg)) } => format!("HTTP {status}, Binance error {code}: {msg}"),
        Failure::Server { status, api: None } => format!("HTTP {status}"),
        Failure::RateLimited { secs } => format!("HTTP 429, Retry-After {secs} s"),
    }
}

fn into_error(f: Failure, path: String) -> RestError {
    match f {
        Failure::Timeout => RestError::Timeout { path },
        Failure::Network(detail) => RestError::Network { path, detail },
        Failure::Server { status, api: Some((code, msg)) } => RestError::Api { status, code, msg, path },
        Failure::Server { status, api: None } => RestError::Http { status, path },
        Failure::RateLimited { secs } => RestError::RateLimited { retry_after_secs: secs },
    }
}

/// A header holding a non-negative integer (`X-MBX-USED-WEIGHT-1M`, `Retry-After` in seconds).
fn header_u64(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

/// An error with its sources: reqwest's own message hides the cause.
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}
