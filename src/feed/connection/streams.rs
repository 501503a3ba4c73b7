//! Stream names, the tracked set, and the combined-stream URL built from it.
//!
//! The tracked set is what the server has confirmed (or what the URL of the
//! current connection named): after a reconnect the new URL carries it, so
//! resubscribing costs no control message.

use super::FeedError;

/// Longest stream name accepted (Binance's are well under 64 bytes).
const MAX_NAME: usize = 128;

/// Checks a stream name and lower-cases its symbol part (`BTCUSDT@trade` →
/// `btcusdt@trade`). The part after `@` keeps its case: `kline_1M` (month)
/// is not `kline_1m` (minute), and `bookTicker` is spelled so.
pub fn normalize(name: &str) -> Result<String, FeedError> {
    let bad = |why: &str| FeedError::InvalidStream { name: name.to_owned(), why: why.to_owned() };
    let name = name.trim();
    if name.is_empty() {
        return Err(bad("empty"));
    }
    if name.len() > MAX_NAME {
        return Err(bad("too long"));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "@_!+:.-".contains(*c))) {
        return Err(bad(&format!("character {c:?} is not allowed in a stream name")));
    }
    let (symbol, rest) = name.split_once('@').unwrap_or((name, ""));
    if symbol.is_empty() || (name.contains('@') && rest.is_empty()) {
        return Err(bad("expected <symbol>@<type>"));
    }
    let mut out = symbol.to_ascii_lowercase();
    if name.contains('@') {
        out.push('@');
        out.push_str(rest);
    }
    Ok(out)
}

/// Normalizes a list, dropping repeats and keeping the first spelling's order.
pub fn normalize_all(names: &[String]) -> Result<Vec<String>, FeedError> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        let n = normalize(n)?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

/// `base` + `/stream?streams=a/b/c` (`/stream` alone for no streams: the
/// server then waits for a SUBSCRIBE).
pub fn combined_url(base: &str, streams: &[String]) -> String {
    let base = base.trim_end_matches('/');
    if streams.is_empty() {
        return format!("{base}/stream");
    }
    format!("{base}/stream?streams={}", streams.join("/"))
}

/// The streams the connection should carry, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracked {
    list: Vec<String>,
}

impl Tracked {
    pub fn new(list: Vec<String>) -> Self {
        let mut t = Self::default();
        t.add(&list);
        t
    }

    pub fn add(&mut self, names: &[String]) {
        for n in names {
            if !self.list.contains(n) {
                self.list.push(n.clone());
            }
        }
    }

    pub fn remove(&mut self, names: &[String]) {
        self.list.retain(|s| !names.contains(s));
    }

    pub fn as_slice(&self) -> &[String] {
        &self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_symbols_lower_cased() {
        assert_eq!(normalize("BTCUSDT@trade").unwrap(), "btcusdt@trade");
        assert_eq!(normalize(" btcusdt@bookTicker ").unwrap(), "btcusdt@bookTicker");
        assert_eq!(normalize("btcusdt@kline_1M").unwrap(), "btcusdt@kline_1M");
        assert_eq!(normalize("btcusdt@depth@100ms").unwrap(), "btcusdt@depth@100ms");
        assert_eq!(normalize("btcusdt@kline_1m@+08:00").unwrap(), "btcusdt@kline_1m@+08:00");
        assert_eq!(normalize("!miniTicker@arr").unwrap(), "!miniticker@arr");
        for bad in ["", "a/b", "x?y", "@trade", "btcusdt@", "a b", "a\"b"] {
            let e = normalize(bad).unwrap_err();
            assert!(e.to_string().contains("invalid stream name"), "{bad}: {e}");
        }
        assert!(normalize(&"a".repeat(200)).is_err());
    }

    #[test]
    fn url_from_the_tracked_set() {
        let s = normalize_all(&["BTCUSDT@trade".into(), "btcusdt@trade".into(), "ethusdt@bookTicker".into()]).unwrap();
        assert_eq!(
            combined_url("ws://127.0.0.1:9/", &s),
            "ws://127.0.0.1:9/stream?streams=btcusdt@trade/ethusdt@bookTicker"
        );
        assert_eq!(combined_url("wss://stream.binance.com:9443", &[]), "wss://stream.binance.com:9443/stream");
    }

    #[test]
    fn tracked_set_keeps_order_without_repeats() {
        let mut t = Tracked::new(vec!["a@trade".into(), "b@trade".into()]);
        t.add(&["b@trade".into(), "c@trade".into()]);
        t.remove(&["a@trade".into()]);
        assert_eq!(t.as_slice(), ["b@trade", "c@trade"]);
    }
}
