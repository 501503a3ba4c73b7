//! [`RestClient`]: one shared `reqwest` client, the endpoints, and the state
//! every request shares (weight gate, counters, clock offset). The policy of
//! one request (gate, send, sort the answer, retry) is in `request`;
//! the bodies go to the pure parsers.

use super::clock::{self, ClockOffset, Probe};
use super::error::{BodyError, RestError};
use super::request::chain;
use super::stats::{Counter, Counters, RestStats};
use super::weight::{WeightGate, WeightState, cost};
use super::{RestConfig, depth, klines, rate_limits, server_time, trades};
use crate::domain::{Candle, DepthSnapshot, Instrument, InstrumentId, Timeframe, Trade};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use reqwest::Url;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::time::{Duration, Instant};

/// The Binance REST client. Cloning is cheap and shares the connection pool,
/// the weight gate, the counters and the clock offset.
#[derive(Clone)]
pub struct RestClient {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    pub(super) base: Url,
    pub(super) cfg: RestConfig,
    gate: Mutex<WeightGate>,
    pub(super) counters: Counters,
    offset: Mutex<Option<ClockOffset>>,
    offset_ms: AtomicI64,
    /// Wall time at `anchor`: the gate's clock runs on tokio time from here,
    /// so paused-time tests control it and it never steps backwards.
    anchor: Instant,
    anchor_wall_ms: i64,
    pub(super) rng: Mutex<ChaCha8Rng>,
    /// Sees every answer body the client used (a session recording).
    pub(super) tap: Mutex<Option<RestTap>>,
}

/// Called with the path and query (`/api/v3/klines?symbol=...`) and the body
/// of every answer used. Public endpoints only: nothing signed goes through
/// this client, so no secret can reach a tap.
pub type RestTap = Arc<dyn Fn(&str, &[u8]) + Send + Sync>;

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient").field("base", &self.inner.base.as_str()).finish_non_exhaustive()
    }
}

impl RestClient {
    /// A client for `base_url` (`https://api.binance.com`, `http://127.0.0.1:PORT`);
    /// the `/api/v3/...` paths are added to it.
    pub fn new(base_url: &str, cfg: &RestConfig) -> Result<Self, RestError> {
        let bad = |detail: String| RestError::Config { detail };
        let base = Url::parse(base_url).map_err(|e| bad(format!("base URL {base_url:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(bad(format!("base URL {base_url:?}: expected http:// or https://")));
        }
        if base.query().is_some() {
            return Err(bad(format!("base URL {base_url:?}: a base takes no query")));
        }
        if cfg.timeout_ms == 0 {
            return Err(bad("feed.rest.timeout-ms must be above 0".into()));
        }
        if cfg.throttle_at_percent > 100 {
            return Err(bad(format!("feed.rest.throttle-at-percent = {}: at most 100", cfg.throttle_at_percent)));
        }
        if cfg.weight_window_ms == 0 || cfg.weight_limit_per_min == 0 {
            return Err(bad("feed.rest.weight-window-ms and weight-limit-per-min must be above 0".into()));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let timeout = Duration::from_millis(cfg.timeout_ms);
        let agent = match cfg.user_agent.as_str() {
            "" => concat!("tickdesk/", env!("CARGO_PKG_VERSION")),
            set => set,
        };
        let mut builder = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).user_agent(agent);
        if is_loopback(&base) {
            // A proxy from the environment must not capture the local venue.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| bad(format!("HTTP client: {}", chain(&e))))?;
        let gate = WeightGate::new(
            cfg.weight_limit_per_min,
            cfg.throttle_at_percent,
            cfg.weight_window_ms,
            cfg.max_retry_after_secs.saturating_mul(1000),
        );
        let now_us = wall_us();
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                cfg: cfg.clone(),
                gate: Mutex::new(gate),
                counters: Counters::default(),
                offset: Mutex::new(None),
                offset_ms: AtomicI64::new(0),
                anchor: Instant::now(),
                anchor_wall_ms: now_us.div_euclid(1000),
                rng: Mutex::new(ChaCha8Rng::seed_from_u64(now_us.unsigned_abs())),
                tap: Mutex::new(None),
            }),
        })
    }

    /// Hands every answer body used from now on to `tap`.
    pub fn set_tap(&self, tap: RestTap) {
        if let Ok(mut t) = self.inner.tap.lock() {
            *t = Some(tap);
        }
    }

    /// The base URL the paths are added to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// `GET /api/v3/ping`: the venue answers.
    pub async fn ping(&self) -> Result<(), RestError> {
        self.get("/api/v3/ping", &[], cost::PING).await.map(drop)
    }

    /// `GET /api/v3/time`: the venue's clock, Unix ms.
    pub async fn server_time(&self) -> Result<i64, RestError> {
        let f = self.get("/api/v3/time", &[], cost::TIME).await?;
        self.parsed(&f.label, server_time::parse(&f.body))
    }

    /// `GET /api/v3/exchangeInfo` (all symbols when `symbols` is empty): the
    /// instruments with their tick size, step size and minimum notional. The
    /// venue's REQUEST_WEIGHT limit, when stated, lowers the configured one.
    pub async fn exchange_info(&self, symbols: &[String]) -> Result<Vec<Instrument>, RestError> {
        let wanted: Vec<String> = symbols.iter().map(|s| s.to_ascii_uppercase()).collect();
        let mut query = Vec::new();
        if !wanted.is_empty() {
            let list = serde_json::to_string(&wanted).map_err(|e| RestError::Config { detail: e.to_string() })?;
            query.push(("symbols", list));
        }
        let f = self.get("/api/v3/exchangeInfo", &query, cost::EXCHANGE_INFO).await?;
        let info = crate::feed::binance::exchange_info::parse(&f.body).map_err(|e| BodyError(e.detail));
        let info = self.parsed(&f.label, info)?;
        if info.skipped > 0 {
            tracing::warn!(path = %f.label, "exchangeInfo: {} symbols without usable filters skipped", info.skipped);
        }
        let missing: Vec<&str> =
            wanted.iter().filter(|w| !info.instruments.iter().any(|i| &i.symbol == *w)).map(String::as_str).collect();
        if !missing.is_empty() {
            tracing::warn!(path = %f.label, "exchangeInfo: no usable entry for {}", missing.join(", "));
        }
        if let Some(limit) = rate_limits::request_weight_per_minute(&f.body) {
            let mut gate = self.gate();
            gate.set_venue_limit(limit);
            tracing::debug!("venue REQUEST_WEIGHT {limit}/min; using {}", gate.limit());
        }
        Ok(info.instruments)
    }

    /// `GET /api/v3/klines`: the last `limit` (1..=1000) candles of `inst`,
    /// oldest first. The newest is usually still open.
    pub async fn klines(
        &self,
        inst: &Instrument,
        id: InstrumentId,
        interval: Timeframe,
        limit: u16,
    ) -> Result<Vec<Candle>, RestError> {
        let query = [
            ("symbol", inst.symbol.clone()),
            ("interval", interval.as_str().to_string()),
            ("limit", limit.clamp(1, 1000).to_string()),
        ];
        let f = self.get("/api/v3/klines", &query, cost::KLINES).await?;
        self.parsed(&f.label, klines::parse(&f.body, inst, id, interval))
    }

    /// `GET /api/v3/depth`: a book snapshot of `limit` (1..=5000) levels per side.
    pub async fn depth(&self, inst: &Instrument, id: InstrumentId, limit: u16) -> Result<DepthSnapshot, RestError> {
        let limit = limit.clamp(1, 5000);
        let query = [("symbol", inst.symbol.clone()), ("limit", limit.to_string())];
        let f = self.get("/api/v3/depth", &query, cost::depth(limit)).await?;
        self.parsed(&f.label, depth::parse(&f.body, inst, id))
    }

    /// `GET /api/v3/trades`: the last `limit` (1..=1000) trades, oldest first.
    pub async fn trades(&self, inst: &Instrument, id: InstrumentId, limit: u16) -> Result<Vec<Trade>, RestError> {
        let query = [("symbol", inst.symbol.clone()), ("limit", limit.clamp(1, 1000).to_string())];
        let f = self.get("/api/v3/trades", &query, cost::TRADES).await?;
        self.parsed(&f.label, trades::parse(&f.body, inst, id))
    }

    /// Probes `/api/v3/time` `probes` times (at least once) and keeps the
    /// probe with the smallest round trip. Failed probes are skipped; the
    /// call fails only when none answered. The estimate is kept (see
    /// [`clock_offset`](Self::clock_offset)) and aligns the weight windows.
    pub async fn estimate_clock_offset(&self, probes: usize) -> Result<ClockOffset, RestError> {
        let mut got = Vec::with_capacity(probes.max(1));
        let mut last_err = None;
        for _ in 0..probes.max(1) {
            let send_us = wall_us();
            match self.server_time().await {
                Ok(server_ms) => got.push(Probe { send_us, recv_us: wall_us(), server_ms }),
                Err(e @ (RestError::Banned { .. } | RestError::RateLimited { .. })) => return Err(e),
                Err(e) => last_err = Some(e),
            }
        }
        let Some(est) = clock::estimate(&got) else {
            return Err(last_err.unwrap_or_else(|| RestError::Config { detail: "no clock probe answered".into() }));
        };
        self.inner.offset_ms.store(est.offset_ms, Ordering::Relaxed);
        *self.inner.offset.lock().unwrap_or_else(PoisonError::into_inner) = Some(est);
        tracing::info!(
            "venue clock offset {} ms (round trip {:.3} ms, {} probes)",
            est.offset_ms,
            est.rtt_ms,
            est.probes
        );
        Ok(est)
    }

    /// The last clock offset estimate, if any.
    pub fn clock_offset(&self) -> Option<ClockOffset> {
        *self.inner.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Used weight, limit and whether requests are being held back now.
    pub fn weight(&self) -> WeightState {
        let now = self.venue_ms();
        self.gate().state(now)
    }

    /// What the client has done so far.
    pub fn stats(&self) -> RestStats {
        self.inner.counters.snapshot()
    }

    pub(super) fn gate(&self) -> MutexGuard<'_, WeightGate> {
        self.inner.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn count(&self, c: Counter) {
        self.inner.counters.inc(c);
    }

    /// The venue's time on our monotonic clock, in ms: aligns weight windows.
    pub(super) fn venue_ms(&self) -> i64 {
        let elapsed = i64::try_from(self.inner.anchor.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.inner.anchor_wall_ms.saturating_add(elapsed).saturating_add(self.inner.offset_ms.load(Ordering::Relaxed))
    }

    fn parsed<T>(&self, label: &str, r: Result<T, BodyError>) -> Result<T, RestError> {
        r.map_err(|e| {
            self.count(Counter::ParseErrors);
            tracing::warn!(path = %label, "malformed body: {e}");
            RestError::Parse { path: label.to_string(), detail: e.0 }
        })
    }

    pub(super) fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.inner.base.clone();
        let full = format!("{}{path}", self.inner.base.path().trim_end_matches('/'));
        url.set_path(&full);
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        url
    }
}

/// A loopback host: a proxy from the environment must not capture it.
pub(crate) fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(|h| {
        h.eq_ignore_ascii_case("localhost")
            || h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

/// Local wall clock, Unix microseconds.
pub(crate) fn wall_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn the_client_and_its_futures_cross_threads() {
        let c = RestClient::new("http://127.0.0.1:1", &RestConfig::default()).unwrap();
        fn shared<T: Send + Sync + Clone>() {}
        shared::<RestClient>();
        let inst = Instrument::with_defaults(crate::domain::Venue::BinanceSpot, "BTCUSDT");
        assert_send(&c.ping());
        assert_send(&c.exchange_info(&[]));
        assert_send(&c.klines(&inst, InstrumentId(0), Timeframe::M1, 10));
        assert_send(&c.depth(&inst, InstrumentId(0), 10));
        assert_send(&c.trades(&inst, InstrumentId(0), 10));
        assert_send(&c.estimate_clock_offset(3));
    }

    #[test]
    fn paths_join_the_base_and_keep_its_prefix() {
        let c = RestClient::new("https://api.binance.com", &RestConfig::default()).unwrap();
        let u = c.url("/api/v3/klines", &[("symbol", "BTCUSDT".into()), ("interval", "1m".into())]);
        assert_eq!(u.as_str(), "https://api.binance.com/api/v3/klines?symbol=BTCUSDT&interval=1m");
        let c = RestClient::new("http://127.0.0.1:9/venue", &RestConfig::default()).unwrap();
        assert_eq!(c.url("/api/v3/ping", &[]).as_str(), "http://127.0.0.1:9/venue/api/v3/ping");
        assert!(is_loopback(&c.inner.base));
        assert!(!is_loopback(&Url::parse("https://api.binance.com").unwrap()));
        assert!(is_loopback(&Url::parse("http://[::1]:8080").unwrap()));
    }
}
