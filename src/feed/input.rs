//! Recorded input files: frames out, line by line, whatever the layout.
//!
//! [`InputReader`] opens a file (gzip is recognised by its magic bytes),
//! reads it one line at a time into one reused buffer and hands out
//! [`Record`]s that borrow it: a frame with its receive time, or a REST body
//! with its URL. Lines that are not data (cryptofeed's connection and
//! configuration lines, blank lines) are counted and skipped. A file whose
//! first line opens a JSON document that does not end on it (the
//! pretty-printed nautilus files) is read whole and yielded as one frame.
//!
//! Bad lines are returned as [`InputError`]s, counted by reason and the first
//! few logged; reading goes on. A line longer than its limit is skipped
//! without being held in memory beyond the limit (plus 64 KiB for the time
//! stamp or URL before the frame).

pub mod layout;
pub mod timestamp;

use crate::domain::Instrument;
use crate::feed::binance::exchange_info;
use crate::feed::binance::{DecodeError, json};
use flate2::bufread::MultiGzDecoder;
use layout::{LayoutError, Shape, Skip};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;
use std::path::Path;

/// WebSocket frames above this are refused (Binance sends far less).
pub const DEFAULT_FRAME_LIMIT: usize = 1 << 20;
/// REST bodies may be large: the 2021 spot exchangeInfo is one 1.86 MB line.
pub const DEFAULT_REST_LIMIT: usize = 16 << 20;
/// Room for what precedes a frame or body on its line (time stamps, URLs).
const PREFIX_ALLOWANCE: usize = 64 << 10;
/// Bad lines logged per file; the rest are only counted.
const MAX_WARNINGS: u32 = 5;
const READ_BUFFER: usize = 64 << 10;

/// Size limits of what a line may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A WebSocket frame, or a whole pretty-printed document.
    pub frame_bytes: usize,
    /// A REST body on a cryptofeed `->` line.
    pub rest_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { frame_bytes: DEFAULT_FRAME_LIMIT, rest_bytes: DEFAULT_REST_LIMIT }
    }
}

/// One data line of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// 1-based line number (a whole document is line 1).
    pub line_no: u64,
    /// Receive time in Unix nanoseconds, when the layout records one.
    pub recv_ns: Option<i64>,
    pub kind: RecordKind<'a>,
}

/// What a data line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind<'a> {
    /// A WebSocket frame (or a whole JSON document).
    Frame(&'a [u8]),
    /// A REST response body and the URL it answered.
    Rest { url: &'a str, body: &'a [u8] },
}

impl Record<'_> {
    /// The JSON bytes, frame or body.
    pub fn bytes(&self) -> &[u8] {
        match self.kind {
            RecordKind::Frame(f) => f,
            RecordKind::Rest { body, .. } => body,
        }
    }
}

/// A line that could not be used. Reading continues after it.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("line {line_no}: {len} bytes exceed the limit of {limit}")]
    TooLarge { line_no: u64, len: usize, limit: usize },
    #[error("line {line_no}: unrecognized line layout")]
    BadLayout { line_no: u64 },
    #[error("line {line_no}: bad receive time: {detail}")]
    BadTimestamp { line_no: u64, detail: &'static str },
    /// A read or decompression error; the reader stops after it.
    #[error("line {line_no}: read error: {source}")]
    Io {
        line_no: u64,
        #[source]
        source: io::Error,
    },
}

impl InputError {
    pub fn line_no(&self) -> u64 {
        match self {
            Self::TooLarge { line_no, .. }
            | Self::BadLayout { line_no }
            | Self::BadTimestamp { line_no, .. }
            | Self::Io { line_no, .. } => *line_no,
        }
    }

    /// A stable name for counters and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::BadLayout { .. } => "bad_layout",
            Self::BadTimestamp { .. } => "bad_timestamp",
            Self::Io { .. } => "io",
        }
    }
}

/// What the reader saw, line by line.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct InputStats {
    pub lines: u64,
    pub frames: u64,
    pub rest_bodies: u64,
    /// Whole pretty-printed documents (each also counted in `frames`).
    pub documents: u64,
    pub skipped_empty: u64,
    pub skipped_connection: u64,
    pub skipped_outbound: u64,
    pub skipped_configuration: u64,
    pub too_large: u64,
    pub bad_layout: u64,
    pub bad_timestamp: u64,
    pub io_errors: u64,
}

impl InputStats {
    /// Lines refused for any reason.
    pub fn bad_lines(&self) -> u64 {
        self.too_large + self.bad_layout + self.bad_timestamp + self.io_errors
    }
}

enum LineRead {
    Eof,
    Line,
    /// The line was longer than the cap; `len` bytes, not all kept.
    TooLong {
        len: usize,
    },
}

/// Reads recorded frames from a file or any byte stream.
pub struct InputReader {
    name: String,
    src: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    line_no: u64,
    limits: Limits,
    stats: InputStats,
    warned: u32,
    done: bool,
}

impl std::fmt::Debug for InputReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputReader").field("name", &self.name).field("line_no", &self.line_no).finish()
    }
}

impl InputReader {
    /// Opens a recording with the default limits.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        Self::open_with_limits(path, Limits::default())
    }

    pub fn open_with_limits(path: impl AsRef<Path>, limits: Limits) -> io::Result<Self> {
        let path = path.as_ref();
        let file = File::open(path)?;
        Self::from_reader(path.display().to_string(), file, limits)
    }

    /// Reads from any byte stream; `name` appears in logs.
    pub fn from_reader(
        name: impl Into<String>,
        reader: impl Read + Send + 'static,
        limits: Limits,
    ) -> io::Result<Self> {
        let mut raw = BufReader::with_capacity(READ_BUFFER, reader);
        let gzip = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let src: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::with_capacity(READ_BUFFER, MultiGzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        Ok(Self {
            name: name.into(),
            src,
            buf: Vec::with_capacity(4096),
            line_no: 0,
            limits,
            stats: InputStats::default(),
            warned: 0,
            done: false,
        })
    }

    pub fn stats(&self) -> &InputStats {
        &self.stats
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The next data record, a bad line's error, or `None` at the end.
    #[allow(clippy::should_implement_trait)] // a lending iterator: records borrow the reader
    pub fn next(&mut self) -> Option<Result<Record<'_>, InputError>> {
        loop {
            if self.done {
                return None;
            }
            match self.read_line() {
                Ok(LineRead::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(LineRead::TooLong { len }) => {
                    self.stats.lines += 1;
                    let limit = self.limit_for_prefix();
                    return Some(Err(self.refuse(InputError::TooLarge { line_no: self.line_no, len, limit })));
                }
                Ok(LineRead::Line) => self.stats.lines += 1,
                Err(source) => {
                    self.done = true;
                    return Some(Err(self.refuse(InputError::Io { line_no: self.line_no + 1, source })));
                }
            }
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
            if self.line_no == 1 && self.opens_document() {
                return Some(self.read_document());
            }
            let shape = match layout::classify(&self.buf) {
                Ok(s) => s,
                Err(LayoutError::Unrecognized) => {
                    return Some(Err(self.refuse(InputError::BadLayout { line_no: self.line_no })));
                }
                Err(LayoutError::BadTime(detail)) => {
                    return Some(Err(self.refuse(InputError::BadTimestamp { line_no: self.line_no, detail })));
                }
            };
            match shape {
                Shape::Skip(kind) => {
                    *match kind {
                        Skip::Empty => &mut self.stats.skipped_empty,
                        Skip::Connection => &mut self.stats.skipped_connection,
                        Skip::Outbound => &mut self.stats.skipped_outbound,
                        Skip::Configuration => &mut self.stats.skipped_configuration,
                    } += 1;
                }
                Shape::Frame { recv_ns, frame } => {
                    if let Err(e) = self.check_len(&frame, self.limits.frame_bytes) {
                        return Some(Err(e));
                    }
                    self.stats.frames += 1;
                    return Some(Ok(self.record(recv_ns, frame, None)));
                }
                Shape::Rest { recv_ns, url, body } => {
                    if let Err(e) = self.check_len(&body, self.limits.rest_bytes) {
                        return Some(Err(e));
                    }
                    self.stats.rest_bodies += 1;
                    return Some(Ok(self.record(recv_ns, body, Some(url))));
                }
            }
        }
    }

    fn record(&self, recv_ns: Option<i64>, bytes: Range<usize>, url: Option<Range<usize>>) -> Record<'_> {
        let body = self.buf.get(bytes).unwrap_or_default();
        let kind = match url.and_then(|u| self.buf.get(u)).and_then(|u| std::str::from_utf8(u).ok()) {
            Some(url) => RecordKind::Rest { url, body },
            None => RecordKind::Frame(body),
        };
        Record { line_no: self.line_no, recv_ns, kind }
    }

    fn check_len(&mut self, r: &Range<usize>, limit: usize) -> Result<(), InputError> {
        if r.len() > limit {
            return Err(self.refuse(InputError::TooLarge { line_no: self.line_no, len: r.len(), limit }));
        }
        Ok(())
    }

    /// Counts a bad line and logs the first few.
    fn refuse(&mut self, e: InputError) -> InputError {
        *match &e {
            InputError::TooLarge { .. } => &mut self.stats.too_large,
            InputError::BadLayout { .. } => &mut self.stats.bad_layout,
            InputError::BadTimestamp { .. } => &mut self.stats.bad_timestamp,
            InputError::Io { .. } => &mut self.stats.io_errors,
        } += 1;
        if self.warned < MAX_WARNINGS {
            self.warned += 1;
            tracing::warn!(file = %self.name, line = e.line_no(), reason = e.reason(), "skipping bad input: {e}");
            if self.warned == MAX_WARNINGS {
                tracing::warn!(file = %self.name, "further bad lines are counted, not logged");
            }
        }
        e
    }

    /// REST lines (they start with an http URL) may be longer than frames.
    fn limit_for_prefix(&self) -> usize {
        if self.buf.starts_with(b"http") { self.limits.rest_bytes } else { self.limits.frame_bytes }
    }

    /// Reads one line into `buf`, keeping at most its limit plus a prefix
    /// allowance; the rest of an overlong line is consumed and dropped.
    fn read_line(&mut self) -> io::Result<LineRead> {
        self.buf.clear();
        let mut total = 0usize;
        let mut any = false;
        loop {
            let avail = match self.src.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                if !any {
                    return Ok(LineRead::Eof);
                }
                break;
            }
            any = true;
            let (chunk_len, consumed, end) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, i + 1, true),
                None => (avail.len(), avail.len(), false),
            };
            // The line's first four bytes tell a REST line (`http...`) from a
            // frame; until they are known, allow the larger limit.
            let mut head = [0u8; 4];
            let have = self.buf.len().min(4);
            let take = (4 - have).min(chunk_len);
            head[..have].copy_from_slice(&self.buf[..have]);
            head[have..have + take].copy_from_slice(&avail[..take]);
            let cap = if have + take < 4 {
                self.limits.rest_bytes.max(self.limits.frame_bytes)
            } else if head == *b"http" {
                self.limits.rest_bytes
            } else {
                self.limits.frame_bytes
            }
            .saturating_add(PREFIX_ALLOWANCE);
            let room = cap.saturating_sub(self.buf.len()).min(chunk_len);
            self.buf.extend_from_slice(&avail[..room]);
            total += chunk_len;
            self.src.consume(consumed);
            if end {
                break;
            }
        }
        self.line_no += 1;
        Ok(if total > self.buf.len() { LineRead::TooLong { len: total } } else { LineRead::Line })
    }

    /// Whether line 1 opens a JSON value that it does not close.
    fn opens_document(&self) -> bool {
        let Some(first) = self.buf.iter().position(|c| !c.is_ascii_whitespace()) else {
            return false;
        };
        matches!(self.buf[first], b'{' | b'[')
            && matches!(json::validate(&self.buf[first..]), Err(e) if e.kind == json::JsonErrorKind::Eof)
    }

    /// Reads the rest of the input after line 1 as one document.
    fn read_document(&mut self) -> Result<Record<'_>, InputError> {
        self.done = true;
        let limit = self.limits.frame_bytes;
        self.buf.push(b'\n');
        let room = (limit + 1).saturating_sub(self.buf.len()) as u64;
        if let Err(source) = (&mut self.src).take(room).read_to_end(&mut self.buf) {
            return Err(self.refuse(InputError::Io { line_no: self.line_no, source }));
        }
        if self.buf.len() > limit {
            let rest = io::copy(&mut self.src, &mut io::sink()).unwrap_or(0);
            let len = self.buf.len() + rest as usize;
            return Err(self.refuse(InputError::TooLarge { line_no: 1, len, limit }));
        }
        self.stats.frames += 1;
        self.stats.documents += 1;
        let end = self.buf.len();
        Ok(self.record(None, 0..end, None))
    }
}

/// Why no instruments could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {source}")]
    Decode {
        path: String,
        #[source]
        source: DecodeError,
    },
    #[error("{path}: no exchangeInfo found")]
    NotFound { path: String },
}

/// Reads an exchangeInfo from a plain JSON file (compact or pretty) or from
/// a cryptofeed REST capture, and builds its instruments. Symbols whose
/// filters do not fit are skipped (and logged as a count).
pub fn load_exchange_info(path: impl AsRef<Path>) -> Result<Vec<Instrument>, LoadError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let limits = Limits { frame_bytes: DEFAULT_REST_LIMIT, rest_bytes: DEFAULT_REST_LIMIT };
    let mut r =
        InputReader::open_with_limits(path, limits).map_err(|source| LoadError::Io { path: name.clone(), source })?;
    let mut last_err = None;
    while let Some(rec) = r.next() {
        let Ok(rec) = rec else { continue };
        let body = rec.bytes();
        if memchr::memmem::find(body, b"\"symbols\"").is_none() {
            continue;
        }
        match exchange_info::parse(body) {
            Ok(info) => {
                if info.skipped > 0 {
                    tracing::info!(file = %name, skipped = info.skipped, "exchangeInfo symbols skipped: filters do not fit");
                }
                return Ok(info.instruments);
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(match last_err {
        Some(source) => LoadError::Decode { path: name, source },
        None => LoadError::NotFound { path: name },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &str, limits: Limits) -> InputReader {
        InputReader::from_reader("test", io::Cursor::new(text.as_bytes().to_vec()), limits).unwrap()
    }

    #[test]
    fn reuses_one_buffer_and_counts_lines() {
        let mut r = reader("{\"a\":1}\r\n\n1 {\"b\":2}\n{\"c\":3}", Limits::default());
        let mut seen = Vec::new();
        while let Some(rec) = r.next() {
            let rec = rec.unwrap();
            seen.push((rec.line_no, rec.recv_ns, String::from_utf8(rec.bytes().to_vec()).unwrap()));
        }
        assert_eq!(
            seen,
            vec![
                (1, None, "{\"a\":1}".to_string()),
                (3, Some(1), "{\"b\":2}".to_string()),
                (4, None, "{\"c\":3}".to_string())
            ]
        );
        assert_eq!((r.stats().lines, r.stats().frames, r.stats().skipped_empty), (4, 3, 1));
    }

    /// Hands out two bytes on the first read, then as much as asked: the
    /// first line's prefix arrives split.
    struct Trickle(io::Cursor<Vec<u8>>, bool);

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = if self.1 { out.len() } else { out.len().min(2) };
            self.1 = true;
            self.0.read(&mut out[..n])
        }
    }

    #[test]
    fn lines_arriving_in_pieces_keep_their_limits() {
        let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(PREFIX_ALLOWANCE + 1000));
        let text = format!("https://x/api?symbol=A -> 1.5: {body}\n{{\"a\":1}}\n");
        let limits = Limits { frame_bytes: 100, rest_bytes: 2 * PREFIX_ALLOWANCE };
        let mut r =
            InputReader::from_reader("trickle", Trickle(io::Cursor::new(text.into_bytes()), false), limits).unwrap();
        assert_eq!(r.next().unwrap().unwrap().bytes(), body.as_bytes());
        assert_eq!(r.next().unwrap().unwrap().bytes(), b"{\"a\":1}");
        assert!(r.next().is_none());
    }

    #[test]
    fn overlong_lines_are_skipped_within_the_cap() {
        let limits = Limits { frame_bytes: 16, rest_bytes: 64 };
        let long = format!("{{\"x\":\"{}\"}}", "y".repeat(PREFIX_ALLOWANCE + 100));
        let mut r = reader(&format!("{long}\n{{\"ok\":1}}\n{{\"a\":\"0123456789abcdef\"}}\n"), limits);
        match r.next() {
            Some(Err(InputError::TooLarge { line_no: 1, len, limit: 16 })) => assert_eq!(len, long.len()),
            other => panic!("{other:?}"),
        }
        assert!(r.buf.len() <= 16 + PREFIX_ALLOWANCE, "kept at most the cap");
        assert_eq!(r.next().unwrap().unwrap().bytes(), b"{\"ok\":1}");
        assert!(matches!(r.next(), Some(Err(InputError::TooLarge { line_no: 3, .. }))));
        assert!(r.next().is_none());
        assert_eq!(r.stats().too_large, 2);
    }
}
