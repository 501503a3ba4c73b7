//! Stream names (`btcusdt@trade`, `ethusdt@kline_1m`, `solusdt@depth@100ms`)
//! and the dense ids that the hub tags its messages with, so that a
//! connection filters a batch with a bit test instead of string compares.

use crate::domain::Timeframe;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The kline intervals Binance serves, in id order.
pub const INTERVALS: [Timeframe; 16] = [
    Timeframe::S1,
    Timeframe::M1,
    Timeframe::M3,
    Timeframe::M5,
    Timeframe::M15,
    Timeframe::M30,
    Timeframe::H1,
    Timeframe::H2,
    Timeframe::H4,
    Timeframe::H6,
    Timeframe::H8,
    Timeframe::H12,
    Timeframe::D1,
    Timeframe::D3,
    Timeframe::W1,
    Timeframe::Mo1,
];

/// A replay's table accepts clients' names up to this many streams.
const MAX_OPEN_STREAMS: usize = 1 << 16;

/// What a stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamKind {
    Trade,
    AggTrade,
    BookTicker,
    /// `@depth` (alias `@depth@1000ms`): diffs every second.
    Depth,
    /// `@depth@100ms`: diffs every 100 ms.
    Depth100ms,
    Kline(Timeframe),
}

impl StreamKind {
    /// Kinds per symbol: the five plain ones and one kline per interval.
    pub const COUNT: usize = 5 + INTERVALS.len();

    /// Position among a symbol's streams.
    pub fn index(self) -> usize {
        match self {
            Self::Trade => 0,
            Self::AggTrade => 1,
            Self::BookTicker => 2,
            Self::Depth => 3,
            Self::Depth100ms => 4,
            Self::Kline(tf) => 5 + INTERVALS.iter().position(|t| *t == tf).unwrap_or(0),
        }
    }

    /// Every kind, in index order.
    pub fn all() -> impl Iterator<Item = Self> {
        [Self::Trade, Self::AggTrade, Self::BookTicker, Self::Depth, Self::Depth100ms]
            .into_iter()
            .chain(INTERVALS.iter().map(|t| Self::Kline(*t)))
    }

    /// The part after `<symbol>@`.
    pub fn suffix(self) -> String {
        match self {
            Self::Trade => "trade".into(),
            Self::AggTrade => "aggTrade".into(),
            Self::BookTicker => "bookTicker".into(),
            Self::Depth => "depth".into(),
            Self::Depth100ms => "depth@100ms".into(),
            Self::Kline(tf) => format!("kline_{}", tf.as_str()),
        }
    }

    /// Parses the part after `<symbol>@` (case-sensitive, as Binance).
    pub fn parse(suffix: &str) -> Option<Self> {
        Some(match suffix {
            "trade" => Self::Trade,
            "aggTrade" => Self::AggTrade,
            "bookTicker" => Self::BookTicker,
            "depth" | "depth@1000ms" => Self::Depth,
            "depth@100ms" => Self::Depth100ms,
            _ => {
                let iv = suffix.strip_prefix("kline_")?;
                Self::Kline(*INTERVALS.iter().find(|t| t.as_str() == iv)?)
            }
        })
    }
}

/// Splits `btcusdt@depth@100ms` into `btcusdt` and its kind.
pub fn parse_name(name: &str) -> Option<(&str, StreamKind)> {
    let (sym, suffix) = name.split_once('@')?;
    let ok = !sym.is_empty() && sym.len() <= 32 && sym.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !ok {
        return None;
    }
    Some((sym, StreamKind::parse(suffix)?))
}

/// Stream name ↔ id. A synthetic venue registers every stream of its
/// symbols up front (id = symbol × [`StreamKind::COUNT`] + kind) and refuses
/// others; a replay accepts any well-formed name, since a recording's
/// symbols are only known as they appear.
#[derive(Debug)]
pub struct StreamTable {
    inner: RwLock<Inner>,
    open: bool,
}

#[derive(Debug, Default)]
struct Inner {
    by_name: HashMap<String, u32>,
    names: Vec<Arc<str>>,
}

impl StreamTable {
    /// Every stream of `symbols` (upper case, as in payloads), in id order.
    pub fn fixed(symbols: &[String]) -> Self {
        let mut inner = Inner::default();
        for s in symbols {
            let lower = s.to_ascii_lowercase();
            for k in StreamKind::all() {
                inner.add(format!("{lower}@{}", k.suffix()));
            }
        }
        Self { inner: RwLock::new(inner), open: false }
    }

    /// An empty table that registers any well-formed name.
    pub fn open() -> Self {
        Self { inner: RwLock::new(Inner::default()), open: true }
    }

    /// The id of a stream a client asks for, or why it cannot have it.
    pub fn resolve(&self, name: &str) -> Result<u32, String> {
        if let Some(id) = self.read(|i| i.by_name.get(name).copied()) {
            return Ok(id);
        }
        let Some((sym, kind)) = parse_name(name) else {
            return Err(format!("unknown stream {name:?}"));
        };
        // Aliases (`@depth@1000ms`) resolve to the canonical name.
        let canonical = format!("{sym}@{}", kind.suffix());
        if let Some(id) = self.read(|i| i.by_name.get(&canonical).copied()) {
            return Ok(id);
        }
        if self.open && self.read(|i| i.names.len()) < MAX_OPEN_STREAMS {
            return Ok(self.register(&canonical));
        }
        Err(format!("unknown stream {name:?}"))
    }

    /// The id of `name`, registering it (the replay hub's path).
    pub fn register(&self, name: &str) -> u32 {
        if let Some(id) = self.read(|i| i.by_name.get(name).copied()) {
            return id;
        }
        let mut g = self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        match g.by_name.get(name) {
            Some(id) => *id,
            None => g.add(name.to_string()),
        }
    }

    pub fn name(&self, id: u32) -> Option<Arc<str>> {
        self.read(|i| i.names.get(id as usize).cloned())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.read(|i| i.names.len())
    }

    fn read<T>(&self, f: impl FnOnce(&Inner) -> T) -> T {
        f(&self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl Inner {
    fn add(&mut self, name: String) -> u32 {
        let id = self.names.len() as u32;
        self.names.push(Arc::from(name.as_str()));
        self.by_name.insert(name, id);
        id
    }
}

/// The id of a synthetic symbol's stream (see [`StreamTable::fixed`]).
pub fn fixed_id(symbol: usize, kind: StreamKind) -> u32 {
    (symbol * StreamKind::COUNT + kind.index()) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ids_are_dense() {
        for k in StreamKind::all() {
            assert_eq!(StreamKind::parse(&k.suffix()), Some(k));
        }
        assert_eq!(StreamKind::all().count(), StreamKind::COUNT);
        assert_eq!(parse_name("btcusdt@depth@1000ms"), Some(("btcusdt", StreamKind::Depth)));
        assert_eq!(parse_name("btcusdt@kline_1M"), Some(("btcusdt", StreamKind::Kline(Timeframe::Mo1))));
        for bad in ["BTCUSDT@trade", "btcusdt@Trade", "btcusdt", "@trade", "btcusdt@kline_7m", "btc usdt@trade"] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
        let t = StreamTable::fixed(&["BTCUSDT".into(), "ETHUSDT".into()]);
        assert_eq!(t.len(), 2 * StreamKind::COUNT);
        let id = t.resolve("ethusdt@kline_1h").unwrap();
        assert_eq!(id, fixed_id(1, StreamKind::Kline(Timeframe::H1)));
        assert_eq!(t.name(id).as_deref(), Some("ethusdt@kline_1h"));
        assert!(t.resolve("solusdt@trade").is_err());
        assert_eq!(t.resolve("btcusdt@depth@1000ms"), Ok(fixed_id(0, StreamKind::Depth)));
        let open = StreamTable::open();
        assert_eq!(open.resolve("solusdt@trade"), Ok(0));
        assert_eq!(open.register("solusdt@trade"), 0);
        assert!(open.resolve("solusdt@nope").is_err());
    }
}
