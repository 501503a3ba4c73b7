//! A live source: REST for instruments, clock offset and backfill, then one
//! combined-stream WebSocket connection whose frames are stamped, decoded,
//! checked for duplicate and missing trade ids, and pushed to the engine.
//! With `--venue sim` the sim venue runs inside the process on an ephemeral
//! loopback port, so the same network code runs as against Binance.

use super::RunError;
use super::source::{EventSink, FrameDecoder};
use super::venue::{VenueChoice, check_base};
use crate::cli::HeadlessArgs;
use crate::config::Config;
use crate::domain::{InstrumentId, Instruments};
use crate::engine::EventKind;
use crate::feed::connection::{
    ConnStatsSnapshot, ConnStatus, ConnectionHandle, FrameSink, RecvStamp, spawn_connection,
};
use crate::feed::rest::{RestClient, RestStats};
use crate::feed::sequence::SeqCounters;
use crate::record::Kind;
use crate::sim::venue::{MarketSource, SimVenue, VenueOptions};
use serde::Serialize;
use std::sync::{Arc, Mutex};

/// Everything a live run keeps until its end.
pub struct Live {
    pub venue: VenueChoice,
    pub ws_base: String,
    pub rest_base: String,
    pub symbols: Vec<String>,
    pub streams: Vec<String>,
    pub instruments: Instruments,
    pub clock_offset_ms: Option<i64>,
    pub rest: RestClient,
    /// The in-process sim venue, when `--venue sim`.
    pub sim: Option<SimVenue>,
    /// Where the REST answers go (kept until the session exists).
    pub rest_recording: crate::record::RestRecording,
}

/// Connection figures for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct LiveReport {
    pub venue: String,
    pub ws_url: String,
    pub rest_url: String,
    pub clock_offset_ms: Option<i64>,
    pub connections: Vec<ConnStatsSnapshot>,
    /// Trade ids over all symbols: duplicates dropped, gaps and missing ids.
    pub trade_ids: SeqCounters,
    pub rest: RestStats,
}

/// Resolves the venue, starts the sim venue if asked, and does the REST
/// start-up work: instruments, clock offset.
pub async fn connect(cfg: &Config, args: &HeadlessArgs, venue: VenueChoice) -> Result<Live, RunError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut sim = None;
    let (ws_default, rest_default) = match venue {
        VenueChoice::Sim => {
            let mut synthetic = cfg.synthetic.clone();
            if let Some(seed) = args.seed {
                synthetic.seed = seed;
            }
            let opts = VenueOptions {
                listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                market: MarketSource::Synthetic(synthetic),
                config: cfg.sim_venue.clone(),
            };
            let v = SimVenue::start(opts).await.map_err(|e| RunError::Runtime(format!("sim venue: {e}")))?;
            let bases = (v.ws_base(), v.rest_base());
            sim = Some(v);
            bases
        }
        other => {
            let (ws, rest) = other.endpoints().unwrap_or(("", ""));
            (ws.to_string(), rest.to_string())
        }
    };
    let ws_base = match &args.ws_url {
        Some(u) => check_base("--ws-url", u, &["ws", "wss"]).map_err(RunError::Config)?,
        None => ws_default,
    };
    let rest_base = match &args.rest_url {
        Some(u) => check_base("--rest-url", u, &["http", "https"]).map_err(RunError::Config)?,
        None => rest_default,
    };
    let rest = RestClient::new(&rest_base, &cfg.feed.rest).map_err(|e| RunError::Runtime(e.to_string()))?;
    let rest_recording = if super::recording::parent_dir(args).is_some() {
        crate::record::RestRecording::pending()
    } else {
        crate::record::RestRecording::default()
    };
    rest.set_tap(rest_recording.tap());

    let symbols = choose_symbols(cfg, args, venue);
    let listed = rest.exchange_info(&symbols).await.map_err(|e| match e {
        // -1121 "Invalid symbol": one of the asked symbols is not traded there.
        crate::feed::rest::RestError::Api { code: -1121, .. } => {
            RunError::Config(format!("--symbols {}: not all listed by {rest_base}: {e}", symbols.join(",")))
        }
        e => RunError::Runtime(format!("exchangeInfo from {rest_base}: {e}")),
    })?;
    let mut instruments = Instruments::fixed(Vec::new());
    for s in &symbols {
        let inst = listed
            .iter()
            .find(|i| i.symbol == *s)
            .ok_or_else(|| RunError::Config(format!("--symbols: {s} is not listed by {rest_base}")))?;
        instruments.upsert(inst.clone());
    }
    let clock_offset_ms = match rest.estimate_clock_offset(5).await {
        Ok(o) => {
            tracing::info!("clock offset {} ms (round trip {} ms)", o.offset_ms, o.rtt_ms);
            Some(o.offset_ms)
        }
        Err(e) => {
            tracing::warn!("clock offset unknown: {e}");
            None
        }
    };
    let streams = streams_for(&symbols, args.depth);
    Ok(Live { venue, ws_base, rest_base, symbols, streams, instruments, clock_offset_ms, rest, sim, rest_recording })
}

/// The closed candles of the last `limit` intervals per symbol and
/// configured timeframe, for the charts.
pub async fn backfill(live: &Live, cfg: &Config, sink: &mut EventSink) {
    if cfg.feed.backfill == 0 {
        return;
    }
    let now = live.rest.server_time().await.ok();
    for (id, inst) in live.instruments.iter() {
        for &tf in &cfg.aggregate.timeframes {
            match live.rest.klines(inst, id, tf, cfg.feed.backfill).await {
                Ok(mut candles) => {
                    // The newest kline is usually still open: keep closed ones only.
                    if let (Some(now), Some(len)) = (now, tf.duration_ms()) {
                        candles.retain(|c| c.open_time_ms + len <= now);
                    }
                    if !candles.is_empty() {
                        sink.push_now(EventKind::Backfill(candles));
                    }
                }
                Err(e) => tracing::warn!("backfill {} {tf}: {e}", inst.symbol),
            }
        }
    }
}

fn choose_symbols(cfg: &Config, args: &HeadlessArgs, venue: VenueChoice) -> Vec<String> {
    let mut out: Vec<String> = if !args.symbols.is_empty() {
        args.symbols.iter().map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty()).collect()
    } else if venue == VenueChoice::Sim {
        cfg.synthetic.symbols.iter().map(|s| s.symbol.to_ascii_uppercase()).collect()
    } else {
        let mut v: Vec<String> = cfg.strategies.iter().map(|s| s.symbol().to_ascii_uppercase()).collect();
        if v.is_empty() {
            v = vec!["BTCUSDT".into(), "ETHUSDT".into()];
        }
        v
    };
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

/// Stream names for the symbols: trades, book tops, 1m klines, and depth when asked.
pub fn streams_for(symbols: &[String], depth: bool) -> Vec<String> {
    let mut v = Vec::new();
    for s in symbols {
        let s = s.to_ascii_lowercase();
        v.push(format!("{s}@trade"));
        v.push(format!("{s}@bookTicker"));
        v.push(format!("{s}@kline_1m"));
        if depth {
            v.push(format!("{s}@depth@100ms"));
        }
    }
    v
}

/// The connection's frame handler: decode, de-duplicate, push; status
/// changes become stale/recovered events for every instrument.
pub struct LiveSink {
    decoder: FrameDecoder,
    sink: EventSink,
    ids: Vec<InstrumentId>,
    shared: Arc<Mutex<SinkCounters>>,
    /// Instruments start stale until the first connection is up.
    stale: bool,
    published_at: u64,
}

/// What the sink counted, readable from outside its task.
#[derive(Debug, Clone, Default)]
pub struct SinkCounters {
    pub decode: crate::feed::binance::DecodeStats,
    pub trade_ids: SeqCounters,
    pub dropped: u64,
}

impl LiveSink {
    pub fn new(decoder: FrameDecoder, mut sink: EventSink, ids: Vec<InstrumentId>) -> (Self, Arc<Mutex<SinkCounters>>) {
        sink.set_conn(MARKET_CONN_ID);
        for &id in &ids {
            sink.push_now(EventKind::MarketStatus { instrument: id, stale: true });
        }
        let shared = Arc::new(Mutex::new(SinkCounters::default()));
        (
            Self { decoder: decoder.with_sequencer(), sink, ids, shared: shared.clone(), stale: true, published_at: 0 },
            shared,
        )
    }

    fn publish(&mut self) {
        if let Ok(mut c) = self.shared.try_lock() {
            c.decode = self.decoder.stats().clone();
            if let Some(s) = self.decoder.sequencer() {
                c.trade_ids = s.totals();
            }
            c.dropped = self.sink.dropped();
        }
    }
}

impl FrameSink for LiveSink {
    fn on_frame(&mut self, frame: &[u8], stamp: RecvStamp) {
        self.decoder.frame(frame, stamp.mono_ns, stamp.wall_ns, 0, &mut self.sink);
    }

    fn flush(&mut self) {
        self.sink.flush();
        if self.sink.seq() / 1024 != self.published_at / 1024 {
            self.published_at = self.sink.seq();
            self.publish();
        }
    }

    fn on_status(&mut self, status: ConnStatus) {
        let kind = match &status {
            ConnStatus::Connected { .. } => Some(Kind::Connect),
            ConnStatus::Disconnected { .. } | ConnStatus::Closed | ConnStatus::Stale { .. } => Some(Kind::Disconnect),
            ConnStatus::Subscribed { .. } | ConnStatus::Unsubscribed { .. } => Some(Kind::Sent),
            ConnStatus::Reconnecting { .. } => None,
        };
        if let Some(kind) = kind {
            self.sink.record_note(kind, &format!("{status:?}"));
        }
        let stale = match &status {
            ConnStatus::Connected { .. } => false,
            ConnStatus::Stale { .. } | ConnStatus::Disconnected { .. } | ConnStatus::Closed => true,
            ConnStatus::Reconnecting { .. } | ConnStatus::Subscribed { .. } | ConnStatus::Unsubscribed { .. } => {
                return;
            }
        };
        if stale != self.stale {
            self.stale = stale;
            for &id in &self.ids {
                self.sink.push_now(EventKind::MarketStatus { instrument: id, stale });
            }
        }
        self.publish();
    }
}

/// The id of the market-data connection, in its figures and recordings.
pub const MARKET_CONN_ID: u32 = 1;

/// Starts the market-data connection.
pub fn start_connection(live: &Live, cfg: &Config, sink: LiveSink) -> ConnectionHandle {
    spawn_connection(MARKET_CONN_ID, live.ws_base.clone(), live.streams.clone(), cfg.feed.ws.clone(), sink)
}
