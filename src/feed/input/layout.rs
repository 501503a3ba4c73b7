//! What one recorded line is, by its shape alone.
//!
//! ```text
//! {"stream":..}                                one JSON frame per line
//! 1723161254087891268 {"stream":..}            hftbacktest: receive ns, space, frame
//! 1633998514.465973: {"stream":..}             cryptofeed WS: receive seconds, colon, frame
//! 2024-08-08T23:54:13.123456789Z {"stream":..} ISO-8601 receive time, space, frame
//! wss://... <-> 1633998512.06                  cryptofeed: connection opened        (skipped)
//! wss://... <- 1618677786.46: {"op":..}        cryptofeed: frame we sent            (skipped)
//! https://...?symbol=X -> 1633998512.32: {..}  cryptofeed: REST request and its body
//! configuration: {...}                         cryptofeed's own run configuration   (skipped)
//! ```
//!
//! Results are offsets into the line so the reader can hand out borrows of
//! its own buffer.

use super::timestamp::{self, TimeError};
use std::ops::Range;

/// Lines that are not data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Empty,
    Connection,
    Outbound,
    Configuration,
}

/// The shape of a line: byte ranges into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Skip(Skip),
    Frame { recv_ns: Option<i64>, frame: Range<usize> },
    Rest { recv_ns: Option<i64>, url: Range<usize>, body: Range<usize> },
}

/// Why a line fits no layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutError {
    Unrecognized,
    BadTime(TimeError),
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Classifies a line (without its newline).
pub fn classify(line: &[u8]) -> Result<Shape, LayoutError> {
    let Some(first) = line.iter().position(|&c| !is_ws(c)) else {
        return Ok(Shape::Skip(Skip::Empty));
    };
    match line[first] {
        b'{' | b'[' => Ok(Shape::Frame { recv_ns: None, frame: first..line.len() }),
        b'0'..=b'9' => timed_frame(line, first),
        _ if line[first..].starts_with(b"configuration: ") => Ok(Shape::Skip(Skip::Configuration)),
        _ => url_line(line, first),
    }
}

/// `<time><sep><frame>` with a numeric or ISO-8601 time.
fn timed_frame(line: &[u8], start: usize) -> Result<Shape, LayoutError> {
    let rest = &line[start..];
    let bad = LayoutError::BadTime;
    // ISO-8601: the token up to the first space.
    if rest.get(4) == Some(&b'-') && rest.get(7) == Some(&b'-') {
        let end = rest.iter().position(|&c| c == b' ').ok_or(LayoutError::Unrecognized)?;
        let ns = timestamp::parse_iso8601(&rest[..end]).map_err(bad)?;
        return frame_after(line, start + end + 1, Some(ns));
    }
    let int_end = rest.iter().position(|c| !c.is_ascii_digit()).unwrap_or(rest.len());
    match rest.get(int_end) {
        // hftbacktest: integer nanoseconds and a space.
        Some(b' ') => {
            let ns = timestamp::parse_nanos(&rest[..int_end]).map_err(bad)?;
            frame_after(line, start + int_end + 1, Some(ns))
        }
        // cryptofeed: float (or integer) seconds and a colon.
        Some(b'.' | b':') => {
            let colon = rest.iter().position(|&c| c == b':').ok_or(LayoutError::Unrecognized)?;
            let ns = timestamp::parse_seconds(&rest[..colon]).map_err(bad)?;
            frame_after(line, start + colon + 1, Some(ns))
        }
        _ => Err(LayoutError::Unrecognized),
    }
}

fn frame_after(line: &[u8], from: usize, recv_ns: Option<i64>) -> Result<Shape, LayoutError> {
    let tail = line.get(from..).unwrap_or_default();
    match tail.iter().position(|&c| !is_ws(c)) {
        Some(i) => Ok(Shape::Frame { recv_ns, frame: from + i..line.len() }),
        None => Err(LayoutError::Unrecognized),
    }
}

/// The cryptofeed lines that start with a URL.
fn url_line(line: &[u8], start: usize) -> Result<Shape, LayoutError> {
    let rest = &line[start..];
    let url_end = rest.iter().position(|&c| c == b' ').ok_or(LayoutError::Unrecognized)?;
    let url = &rest[..url_end];
    if memchr::memmem::find(url, b"://").is_none() || std::str::from_utf8(url).is_err() {
        return Err(LayoutError::Unrecognized);
    }
    let after = &rest[url_end + 1..];
    if after.starts_with(b"<-> ") {
        return Ok(Shape::Skip(Skip::Connection));
    }
    if after.starts_with(b"<- ") {
        return Ok(Shape::Skip(Skip::Outbound));
    }
    if let Some(ts_and_body) = after.strip_prefix(b"-> ") {
        let colon = memchr::memmem::find(ts_and_body, b": ").ok_or(LayoutError::Unrecognized)?;
        let ns = timestamp::parse_seconds(&ts_and_body[..colon]).map_err(LayoutError::BadTime)?;
        let body_start = start + url_end + 1 + 3 + colon + 2;
        if body_start >= line.len() {
            return Err(LayoutError::Unrecognized);
        }
        return Ok(Shape::Rest { recv_ns: Some(ns), url: start..start + url_end, body: body_start..line.len() });
    }
    Err(LayoutError::Unrecognized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(line: &str) -> (Option<i64>, String) {
        match classify(line.as_bytes()) {
            Ok(Shape::Frame { recv_ns, frame }) => (recv_ns, line[frame].to_string()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn frames_in_every_layout() {
        assert_eq!(frame(r#"{"a":1}"#), (None, r#"{"a":1}"#.into()));
        assert_eq!(frame(r#"1723161254087891268 {"a":1}"#), (Some(1_723_161_254_087_891_268), r#"{"a":1}"#.into()));
        assert_eq!(frame(r#"1633998514.465973: {"a":1}"#), (Some(1_633_998_514_465_973_000), r#"{"a":1}"#.into()));
        assert_eq!(frame(r#"1618677786: [1]"#), (Some(1_618_677_786_000_000_000), "[1]".into()));
        assert_eq!(
            frame(r#"2024-08-08T23:54:13.123456789Z {"a":1}"#),
            (Some(1_723_161_253_123_456_789), r#"{"a":1}"#.into())
        );
    }

    #[test]
    fn cryptofeed_lines() {
        let rest =
            "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000 -> 1633998512.320639: {\"lastUpdateId\":1}";
        let Ok(Shape::Rest { recv_ns, url, body }) = classify(rest.as_bytes()) else { panic!() };
        assert_eq!(recv_ns, Some(1_633_998_512_320_639_000));
        assert_eq!(&rest[url], "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000");
        assert_eq!(&rest[body], "{\"lastUpdateId\":1}");
        let cases = [
            ("wss://stream.binance.com:9443/stream?streams=a/b <-> 1633998512.0633569", Skip::Connection),
            ("wss://ws.okx.com:8443/ws/v5/public <- 1652459225.2987883: {\"op\":\"subscribe\"}", Skip::Outbound),
            ("configuration: {\"trades\":[\"NKN-USDT\"]}", Skip::Configuration),
            ("", Skip::Empty),
            ("  \r", Skip::Empty),
        ];
        for (line, kind) in cases {
            assert_eq!(classify(line.as_bytes()), Ok(Shape::Skip(kind)), "{line}");
        }
    }

    #[test]
    fn refuses_what_fits_no_layout() {
        for line in ["hello", "123abc {}", "1723161254087891268 ", "https://x -> 12: ", "ftp:/x -> 1: {}", "1.5 {}"] {
            assert!(classify(line.as_bytes()).is_err(), "{line}");
        }
        assert!(matches!(classify(b"99999999999999999999999 {}"), Err(LayoutError::BadTime(_))));
        assert!(matches!(classify(b"2024-02-30T00:00:00Z {}"), Err(LayoutError::BadTime(_))));
    }
}
