//! The replay hub: a recorded file served as live streams at `--speed`.
//!
//! Frames are forwarded under their own stream names: a combined-stream
//! frame keeps its `stream`, a bare payload gets the name of its kind
//! (`<sym>@trade`, `@aggTrade`, `@bookTicker`, `@depth`, `@kline_<i>`).
//! Pacing follows the recorded receive time, or the exchange time when the
//! layout has none. Recorded trades feed `/api/v3/klines` and `/trades`,
//! recorded `bookTicker`s the top of `/api/v3/depth`; nothing is derived.

use super::batch::BatchBuilder;
use super::hub::{HubCtx, sleep_until};
use super::stats::Counters;
use crate::config::Speed;
use crate::domain::{InstrumentId, MarketEvent};
use crate::feed::binance::{BinanceDecoder, Decoded};
use crate::feed::input::{InputReader, RecordKind};
use std::time::{Duration, Instant};

/// Bad lines logged; the rest are only counted.
const MAX_WARNINGS: u64 = 5;

/// Replays `reader` until it ends or the stop flag is set.
pub fn run(mut reader: InputReader, speed: Speed, ctx: HubCtx) {
    let mut decoder = BinanceDecoder::default();
    let mut builder = BatchBuilder::new(64 << 10);
    let t0 = Instant::now();
    let mut first_ms: Option<i64> = None;
    let mut last_ms = 0i64;
    let mut bad = 0u64;
    let name = reader.name().to_string();
    while let Some(rec) = reader.next() {
        if ctx.stopped() {
            break;
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                bad += 1;
                Counters::inc(&ctx.counters.hub_decode_errors);
                if bad <= MAX_WARNINGS {
                    tracing::warn!("sim venue replay {name}: {e}");
                }
                continue;
            }
        };
        let (frame, decoded) = match rec.kind {
            RecordKind::Frame(f) => (f, decoder.decode(f)),
            RecordKind::Rest { url, body } => {
                // exchangeInfo bodies define instruments; nothing is sent.
                let _ = decoder.decode_rest(url, body);
                continue;
            }
        };
        let event = match decoded {
            Ok(Decoded::Market(m)) => m,
            Ok(_) => continue,
            Err(e) => {
                bad += 1;
                Counters::inc(&ctx.counters.hub_decode_errors);
                if bad <= MAX_WARNINGS {
                    tracing::warn!("sim venue replay {name}:{}: {e}", rec.line_no);
                }
                continue;
            }
        };
        let t = rec.recv_ns.map(|ns| ns.div_euclid(1_000_000)).unwrap_or_else(|| event.exchange_time_ms());
        let t = if t > 0 { t.max(last_ms) } else { last_ms };
        last_ms = t;
        let first = *first_ms.get_or_insert(t);
        if let Speed::Times(x) = speed {
            let due = t0 + Duration::from_secs_f64(((t - first) as f64 / 1000.0 / x).max(0.0));
            if due > Instant::now() {
                ctx.publish(&mut builder);
                while due > Instant::now() && !ctx.stopped() {
                    sleep_until(due);
                }
            }
        }
        forward(&ctx, &mut builder, &decoder, frame, &event);
        if builder.is_full(ctx.max_batch) {
            ctx.publish(&mut builder);
        }
    }
    ctx.publish(&mut builder);
    tracing::info!("sim venue: replay of {name} ended ({} lines)", reader.stats().lines);
}

/// Sends one recorded frame and records its trade or top of book.
fn forward(ctx: &HubCtx, builder: &mut BatchBuilder, decoder: &BinanceDecoder, frame: &[u8], event: &MarketEvent) {
    let Some(id) = event.instrument() else { return };
    let Some(inst) = decoder.instruments().try_get(id) else { return };
    {
        let mut st = ctx.lock();
        let i = st.add(inst);
        match event {
            MarketEvent::Trade(t) if !t.aggregated => st.on_trade(i, t),
            MarketEvent::BookTicker(b) => st.on_book(i, b),
            _ => {}
        }
    }
    Counters::inc(&ctx.counters.messages_generated);
    let frame = frame.trim_ascii();
    if let Some((name, data)) = envelope(frame) {
        let stream = ctx.streams.register(name);
        builder.push_combined(stream, frame, data);
        return;
    }
    let payload;
    let (name, body) = if frame.starts_with(br#"{"stream""#) {
        // An envelope in another layout: take `data` out through serde.
        let Some((n, b)) = reshape(frame) else { return };
        payload = b;
        (n, payload.as_slice())
    } else {
        (default_name(decoder, id, event), frame)
    };
    if name.is_empty() {
        return;
    }
    builder.begin(ctx.streams.register(&name), &name);
    builder.payload().extend_from_slice(body);
    builder.end();
}

/// `{"stream":"<name>","data":<payload>}` exactly: the name and where the payload starts.
fn envelope(frame: &[u8]) -> Option<(&str, usize)> {
    let rest = frame.strip_prefix(br#"{"stream":""#)?;
    let q = memchr::memchr(b'"', rest)?;
    let name = std::str::from_utf8(&rest[..q]).ok()?;
    let after = rest[q..].strip_prefix(br#"","data":"#)?;
    if !frame.ends_with(b"}") || after.len() < 2 {
        return None;
    }
    Some((name, frame.len() - after.len()))
}

/// The stream name and compact payload of an envelope with other spacing.
fn reshape(frame: &[u8]) -> Option<(String, Vec<u8>)> {
    let v: serde_json::Value = serde_json::from_slice(frame).ok()?;
    let name = v.get("stream")?.as_str()?.to_string();
    let data = serde_json::to_vec(v.get("data")?).ok()?;
    Some((name, data))
}

/// The stream a bare payload belongs to.
fn default_name(decoder: &BinanceDecoder, id: InstrumentId, event: &MarketEvent) -> String {
    let sym = decoder.instruments().try_get(id).map(|i| i.symbol.to_ascii_lowercase()).unwrap_or_default();
    let kind = match event {
        MarketEvent::Trade(t) if t.aggregated => "aggTrade".to_string(),
        MarketEvent::Trade(_) => "trade".to_string(),
        MarketEvent::BookTicker(_) => "bookTicker".to_string(),
        MarketEvent::Depth(_) => "depth".to_string(),
        MarketEvent::Kline(k) => format!("kline_{}", k.interval.as_str()),
        _ => return String::new(),
    };
    format!("{sym}@{kind}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_split_without_parsing() {
        let f = br#"{"stream":"btcusdt@trade","data":{"e":"trade"}}"#;
        let (name, at) = envelope(f).unwrap();
        assert_eq!((name, &f[at..f.len() - 1]), ("btcusdt@trade", &br#"{"e":"trade"}"#[..]));
        assert_eq!(envelope(br#"{"stream": "x","data":{}}"#), None);
        let (n, d) = reshape(br#"{"stream": "x@trade", "data": {"e": 1}}"#).unwrap();
        assert_eq!((n.as_str(), d.as_slice()), ("x@trade", &br#"{"e":1}"#[..]));
    }
}
