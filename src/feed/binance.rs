//! Binance frames → normalized events, as pure functions over bytes.
//!
//! [`BinanceDecoder::decode`] takes one WebSocket frame (raw or in the
//! combined-stream envelope) or one REST body and returns a [`Decoded`]:
//! a [`MarketEvent`] with exact fixed-point prices at the instrument's scales,
//! a method reply, an error frame, an exchangeInfo, or `Unknown` for valid
//! JSON we have no event for. Anything else is a [`DecodeError`] whose
//! [`Malformed`] reason is counted in [`DecodeStats`]; nothing panics.
//!
//! The hot path (trade, bookTicker) makes no allocation: frames in the
//! venue's own byte layout are read by walking it (`layout.rs`); any other
//! frame goes to a strict scanner ([`json`]) that collects field spans in
//! one pass ([`fields`]), then each event module reads the typed fields it
//! needs. Both give the same answer for every frame the fast path takes.

pub mod agg_trade;
pub mod book_ticker;
pub mod depth;
pub mod envelope;
pub mod error;
pub mod exchange_info;
pub mod fields;
pub mod json;
pub mod kline;
mod layout;
pub mod stats;
pub mod symbols;
pub mod trade;

pub use error::{DecodeError, Malformed};
pub use exchange_info::ExchangeInfo;
pub use stats::{DecodeStats, DecodedKind};

use crate::domain::{Instrument, Instruments, MarketEvent, Venue};
use crate::feed::input::{Record, RecordKind};
use symbols::Symbols;

/// Frames above this are refused unparsed: Binance WS frames stay far below.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 1 << 20;
/// REST bodies may be large: a full spot exchangeInfo is about 1.9 MB (2021)
/// and has grown since.
pub const DEFAULT_MAX_REST_BYTES: usize = 16 << 20;
/// Spans in the scanner are `u32`, so no limit may exceed this.
const HARD_MAX_BYTES: usize = u32::MAX as usize;

/// The result of decoding one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Market(MarketEvent),
    /// `{"result":..,"id":..}`: the answer to SUBSCRIBE and friends.
    SubscriptionReply {
        id: Option<u64>,
    },
    /// `{"error":{"code","msg"},"id"}` (WS API) or `{"code","msg"}` (REST).
    ErrorFrame {
        id: Option<u64>,
        code: i64,
        msg: String,
    },
    /// An exchangeInfo body; the decoder has also upserted these instruments.
    ExchangeInfo(Vec<Instrument>),
    /// Valid JSON that is no event we decode: counted, skipped.
    Unknown,
}

impl Decoded {
    pub fn kind(&self) -> DecodedKind {
        match self {
            Self::Market(MarketEvent::Trade(t)) if t.aggregated => DecodedKind::AggTrade,
            Self::Market(MarketEvent::Trade(_)) => DecodedKind::Trade,
            Self::Market(MarketEvent::BookTicker(_)) => DecodedKind::BookTicker,
            Self::Market(MarketEvent::Depth(_)) => DecodedKind::DepthUpdate,
            Self::Market(MarketEvent::DepthSnapshot(_)) => DecodedKind::DepthSnapshot,
            Self::Market(MarketEvent::Kline(_)) => DecodedKind::Kline,
            Self::SubscriptionReply { .. } => DecodedKind::SubscriptionReply,
            Self::ErrorFrame { .. } => DecodedKind::ErrorFrame,
            Self::ExchangeInfo(_) => DecodedKind::ExchangeInfo,
            Self::Unknown => DecodedKind::Unknown,
        }
    }
}

/// Decodes Binance frames against an instrument table, counting what it sees.
#[derive(Debug, Clone)]
pub struct BinanceDecoder {
    symbols: Symbols,
    stats: DecodeStats,
    max_frame_bytes: usize,
    max_rest_bytes: usize,
}

impl Default for BinanceDecoder {
    /// A decoder for bare recorded files: unknown symbols are registered with
    /// Binance Spot's default scales.
    fn default() -> Self {
        Self::new(Instruments::auto(Venue::BinanceSpot))
    }
}

impl BinanceDecoder {
    /// A decoder over `instruments` (`Instruments::auto(..)` for bare files,
    /// `Instruments::fixed(..)` from an exchangeInfo to refuse strangers).
    pub fn new(instruments: Instruments) -> Self {
        Self {
            symbols: Symbols::new(instruments),
            stats: DecodeStats::default(),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            max_rest_bytes: DEFAULT_MAX_REST_BYTES,
        }
    }

    /// Sets the frame size limit (capped at 4 GiB).
    pub fn with_max_frame_bytes(mut self, n: usize) -> Self {
        self.max_frame_bytes = n.min(HARD_MAX_BYTES);
        self
    }

    /// Sets the REST body size limit (capped at 4 GiB).
    pub fn with_max_rest_bytes(mut self, n: usize) -> Self {
        self.max_rest_bytes = n.min(HARD_MAX_BYTES);
        self
    }

    pub fn max_frame_bytes(&self) -> usize {
        self.max_frame_bytes
    }

    pub fn max_rest_bytes(&self) -> usize {
        self.max_rest_bytes
    }

    /// Decodes one WebSocket frame (or one whole JSON document).
    #[inline]
    pub fn decode(&mut self, frame: &[u8]) -> Result<Decoded, DecodeError> {
        self.run(frame, self.max_frame_bytes, None, true)
    }

    /// Decodes one frame without the byte-layout fast path: what
    /// [`BinanceDecoder::decode`] must always agree with (tests, fuzzing).
    pub fn decode_general(&mut self, frame: &[u8]) -> Result<Decoded, DecodeError> {
        self.run(frame, self.max_frame_bytes, None, false)
    }

    /// Decodes a REST body. The `symbol=` of the URL names the instrument of
    /// a depth snapshot, whose body carries none.
    pub fn decode_rest(&mut self, url: &str, body: &[u8]) -> Result<Decoded, DecodeError> {
        let symbol = query_param(url, "symbol").map(|s| s.to_ascii_uppercase());
        self.run(body, self.max_rest_bytes, symbol.as_deref().map(str::as_bytes), true)
    }

    /// Decodes a frame whose snapshot, if it is one, belongs to `symbol`
    /// (e.g. the symbol of a recording's file name).
    pub fn decode_with_symbol(&mut self, frame: &[u8], symbol: &[u8]) -> Result<Decoded, DecodeError> {
        self.run(frame, self.max_frame_bytes, Some(symbol), true)
    }

    /// Decodes one record of a recording: a frame, or a REST body with its URL.
    pub fn decode_record(&mut self, record: &Record<'_>) -> Result<Decoded, DecodeError> {
        match record.kind {
            RecordKind::Frame(frame) => self.decode(frame),
            RecordKind::Rest { url, body } => self.decode_rest(url, body),
        }
    }

    #[inline]
    fn run(&mut self, frame: &[u8], limit: usize, hint: Option<&[u8]>, fast: bool) -> Result<Decoded, DecodeError> {
        let layout = if fast && frame.len() <= limit { layout::decode(frame, &mut self.symbols) } else { None };
        let r = if let Some(m) = layout {
            Ok(Decoded::Market(m))
        } else if frame.len() > limit {
            Err(DecodeError::new(
                Malformed::TooLarge,
                format!("frame of {} bytes exceeds the limit of {limit}", frame.len()),
            ))
        } else {
            envelope::decode(frame, &mut self.symbols, &mut self.stats, hint)
        };
        match &r {
            Ok(d) => self.stats.count(d.kind()),
            Err(e) => self.stats.refuse(e.reason),
        }
        r
    }

    pub fn instruments(&self) -> &Instruments {
        self.symbols.table()
    }

    /// Mutable access to the table (e.g. to load an exchangeInfo).
    pub fn instruments_mut(&mut self) -> &mut Instruments {
        self.symbols.table_mut()
    }

    pub fn stats(&self) -> &DecodeStats {
        &self.stats
    }

    /// Returns the counts so far and starts new ones.
    pub fn take_stats(&mut self) -> DecodeStats {
        std::mem::take(&mut self.stats)
    }
}

/// The value of `name` in a URL's query (`...?symbol=BTCUSDT&limit=1000`).
pub fn query_param<'u>(url: &'u str, name: &str) -> Option<&'u str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentId, Price};

    #[test]
    fn exchange_info_upserts_and_changes_scales() {
        let mut d = BinanceDecoder::default();
        let trade = br#"{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"61837.63000000","q":"1","T":1,"m":true}"#;
        let Ok(Decoded::Market(MarketEvent::Trade(t))) = d.decode(trade) else { panic!() };
        assert_eq!(t.price, Price(6_183_763_000_000));
        let info = br#"{"timezone":"UTC","serverTime":1,"symbols":[{"symbol":"BTCUSDT","baseAsset":"BTC","quoteAsset":"USDT","filters":[
            {"filterType":"PRICE_FILTER","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","minQty":"0.00001000","stepSize":"0.00001000"},
            {"filterType":"NOTIONAL","minNotional":"5.00000000"}]},{"symbol":"BAD","filters":[]}]}"#;
        let Ok(Decoded::ExchangeInfo(list)) = d.decode(info) else { panic!() };
        assert_eq!(list.len(), 1);
        assert_eq!(d.stats().exchange_info_skipped(), 1);
        assert_eq!(d.instruments().len(), 1);
        let Ok(Decoded::Market(MarketEvent::Trade(t))) = d.decode(trade) else { panic!() };
        assert_eq!((t.instrument, t.price), (InstrumentId(0), Price(6_183_763)));
    }

    #[test]
    fn stats_serialize_for_the_summary() {
        let mut d = BinanceDecoder::default();
        let _ = d.decode(br#"{"result":null,"id":1}"#);
        let _ = d.decode(b"{");
        let v = serde_json::to_value(d.stats()).unwrap();
        assert_eq!(v["decoded"]["subscription_reply"], 1);
        assert_eq!(v["malformed"]["bad_json"], 1);
        assert_eq!(v["decoded"]["trade"], 0);
        assert_eq!(d.stats().get("bad_json"), Some(1));
        assert_eq!(d.take_stats().total_decoded(), 1);
        assert_eq!(d.stats().total_malformed(), 0);
    }

    #[test]
    fn query_params() {
        let u = "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000";
        assert_eq!(query_param(u, "symbol"), Some("NKNUSDT"));
        assert_eq!(query_param(u, "limit"), Some("1000"));
        assert_eq!(query_param("https://x/y", "symbol"), None);
    }
}
