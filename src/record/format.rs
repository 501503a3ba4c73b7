//! The recording's byte layout (see `docs/recording.md`).
//!
//! A segment file is a file header followed by blocks. A block is a 24-byte
//! header (magic, lengths, record count, payload checksum, header checksum)
//! and a zstd-compressed payload of length-prefixed, checksummed records.
//! The header has its own checksum so a damaged length never sends the
//! reader past good data.

use serde::{Deserialize, Serialize};

/// First bytes of every segment file.
pub const FILE_MAGIC: &[u8; 8] = b"TDRSEG01";
/// The format version written after the file magic.
pub const FORMAT_VERSION: u32 = 3;
/// The oldest format version a reader still reads (version 1: no packed
/// frames; version 2: frames packed as number changes; version 3: as
/// changed nibbles, see [`super::pack`]).
pub const OLDEST_READABLE: u32 = 1;
/// File header length: magic and version.
pub const FILE_HEADER_LEN: usize = 12;
/// First bytes of every block.
pub const BLOCK_MAGIC: &[u8; 4] = b"TDBK";
/// Block header length.
pub const BLOCK_HEADER_LEN: usize = 24;
/// Record prefix: body length and body checksum.
pub const RECORD_PREFIX_LEN: usize = 8;
/// Record body before the payload: kind, stamp, sequence, connection id.
pub const RECORD_FIXED_LEN: usize = 21;
/// Largest block payload a reader accepts (uncompressed), so a damaged
/// length that still passes the checksum cannot ask for gigabytes.
pub const MAX_BLOCK_RAW: u32 = 64 << 20;

/// What a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// The session header (JSON [`SessionHeader`]); first record of a segment.
    Header = 0,
    /// A raw frame exactly as received; stamp = receive time.
    Frame = 1,
    /// A connection opened (payload: the URL).
    Connect = 2,
    /// A connection closed (payload: the reason).
    Disconnect = 3,
    /// Something sent: a subscription, an order with secrets stripped.
    Sent = 4,
    /// A REST answer the session used (payload: `path\n` then the body).
    Rest = 5,
    /// An engine output: order, ack, fill, risk decision, kill switch (text).
    Engine = 6,
    /// An engine input that is not a frame: a timer firing (stale feed), a
    /// status change, a command, a backfill (binary, see `record::input`).
    Input = 7,
    /// Records the writer had to drop (payload: the count, u64 LE).
    Gap = 8,
    /// Events the source dropped before the engine saw them (channel full):
    /// payload first and last sequence number, u64 LE each.
    Dropped = 9,
    /// A batch of events reached the engine's channel (lossy sources only):
    /// seq = the batch's last. A replay may hand everything up to it to the
    /// engine, since no later drop can take it back.
    Batch = 10,
}

impl Kind {
    /// The kind for a stored byte, if it is one.
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => Self::Header,
            1 => Self::Frame,
            2 => Self::Connect,
            3 => Self::Disconnect,
            4 => Self::Sent,
            5 => Self::Rest,
            6 => Self::Engine,
            7 => Self::Input,
            8 => Self::Gap,
            9 => Self::Dropped,
            10 => Self::Batch,
            _ => return None,
        })
    }

    /// Lower-case name, as the docs and reports use it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Frame => "frame",
            Self::Connect => "connect",
            Self::Disconnect => "disconnect",
            Self::Sent => "sent",
            Self::Rest => "rest",
            Self::Engine => "engine",
            Self::Input => "input",
            Self::Gap => "gap",
            Self::Dropped => "dropped",
            Self::Batch => "batch",
        }
    }
}

/// A record borrowed from a block being written or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordRef<'a> {
    pub kind: Kind,
    /// Nanoseconds since the Unix epoch (receive time for frames, event time
    /// for engine outputs).
    pub stamp_ns: u64,
    /// Where the record sits in the engine's input order: for a frame, the
    /// sequence number of the last event before it (its events follow);
    /// for an input, its own; for an engine-stream record, the last
    /// numbered event the engine had consumed.
    pub seq: u64,
    /// Which connection a frame came on (0 when not a connection's).
    pub conn: u32,
    pub payload: &'a [u8],
}

/// An owned record, for queues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub stamp_ns: u64,
    pub seq: u64,
    pub conn: u32,
    pub payload: Vec<u8>,
}

impl Record {
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef { kind: self.kind, stamp_ns: self.stamp_ns, seq: self.seq, conn: self.conn, payload: &self.payload }
    }
}

/// What a session is: written as the first record of every segment so each
/// segment file stands alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionHeader {
    pub format_version: u32,
    pub tickdesk_version: String,
    pub venue: String,
    pub symbols: Vec<String>,
    /// FNV-1a 64 of the effective config as TOML, hex: tells two sessions'
    /// settings apart without storing them (secrets never live in config).
    pub config_hash: String,
    /// Session start, ns since the Unix epoch.
    pub started_ns: u64,
    /// What fed the session: `live` (a venue over the network) or `synthetic`.
    #[serde(default)]
    pub source: String,
    /// The instruments the engine and decoder started with, in id order.
    #[serde(default)]
    pub instruments: Vec<InstrumentRec>,
    /// Whether symbols first met in a frame were added on the fly.
    #[serde(default)]
    pub instruments_auto: bool,
    /// Whether trade ids were checked (duplicates dropped), as live feeds do.
    #[serde(default)]
    pub sequencer: bool,
    /// Events per batch into the engine: a dropped batch is at most this
    /// long, which bounds how far back a replay must hold events.
    #[serde(default)]
    pub batch_size: u32,
    /// Whether the source dropped batches when the engine was behind (live
    /// and paced sources); only then does a replay wait for batch markers.
    #[serde(default)]
    pub lossy: bool,
    /// Where orders went: `paper`, or `sandbox` (a venue; its answers are
    /// recorded as inputs and a replay feeds them back). Empty in sessions
    /// from before routes were recorded, which were paper.
    #[serde(default)]
    pub route: String,
}

/// An instrument as the header stores it: raw fixed-point integers, exact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstrumentRec {
    pub venue: String,
    pub symbol: String,
    pub base: String,
    pub quote: String,
    pub price_scale: u8,
    pub qty_scale: u8,
    pub tick_size: i64,
    pub step_size: i64,
    pub min_qty: i64,
    /// i128 as a decimal string (JSON numbers lose precision past 2^53).
    pub min_notional: String,
}

impl InstrumentRec {
    pub fn of(i: &crate::domain::Instrument) -> Self {
        Self {
            venue: i.venue.name().to_string(),
            symbol: i.symbol.clone(),
            base: i.base.clone(),
            quote: i.quote.clone(),
            price_scale: i.price_scale,
            qty_scale: i.qty_scale,
            tick_size: i.tick_size.0,
            step_size: i.step_size.0,
            min_qty: i.min_qty.0,
            min_notional: i.min_notional.0.to_string(),
        }
    }

    /// The instrument back; `None` when a field does not parse.
    pub fn instrument(&self) -> Option<crate::domain::Instrument> {
        use crate::domain::{Notional, Price, Qty, Venue};
        let venue = [Venue::BinanceSpot, Venue::BinanceUsdm, Venue::BinanceCoinm, Venue::Synthetic]
            .into_iter()
            .find(|v| v.name() == self.venue)?;
        Some(crate::domain::Instrument {
            venue,
            symbol: self.symbol.clone(),
            base: self.base.clone(),
            quote: self.quote.clone(),
            price_scale: self.price_scale,
            qty_scale: self.qty_scale,
            tick_size: Price(self.tick_size),
            step_size: Qty(self.step_size),
            min_qty: Qty(self.min_qty),
            min_notional: Notional(self.min_notional.parse().ok()?),
        })
    }
}

/// FNV-1a 64, hex: the config hash of [`SessionHeader`].
pub fn config_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Appends one record (prefix + body) to `out`.
pub fn encode_record(out: &mut Vec<u8>, r: RecordRef<'_>) {
    let start = out.len();
    encode_unsealed(out, r);
    seal_record(&mut out[start..]);
}

/// Appends one record with its checksum left blank: producers on the hot
/// path encode, the writer thread packs and checksums (see
/// [`super::SegmentWriter::append_encoded`]).
#[inline]
pub fn encode_unsealed(out: &mut Vec<u8>, r: RecordRef<'_>) {
    let body_len = RECORD_FIXED_LEN + r.payload.len();
    out.reserve(RECORD_PREFIX_LEN + body_len);
    out.extend_from_slice(&(body_len as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.push(r.kind as u8);
    out.extend_from_slice(&r.stamp_ns.to_le_bytes());
    out.extend_from_slice(&r.seq.to_le_bytes());
    out.extend_from_slice(&r.conn.to_le_bytes());
    out.extend_from_slice(r.payload);
}

/// Fills in the checksum of the record at the start of `rec`; returns its
/// whole length, or `None` when `rec` does not hold a whole record.
/// Packed frames (see `super::pack`) are sealed the same way.
pub(super) fn seal_record(rec: &mut [u8]) -> Option<usize> {
    let len = RECORD_PREFIX_LEN + u32_at(rec.get(..4)?, 0) as usize;
    let crc = crc32fast::hash(rec.get(RECORD_PREFIX_LEN..len)?);
    rec[4..8].copy_from_slice(&crc.to_le_bytes());
    Some(len)
}

/// Why a record inside a block's payload could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    Truncated,
    Checksum,
    UnknownKind(u8),
    /// A packed frame that does not fit its block's slots.
    Packing,
}

/// Reads the record at `at` in a decompressed payload, checking its
/// checksum; returns it and the offset of the next one.
pub fn decode_record(raw: &[u8], at: usize) -> Result<(RecordRef<'_>, usize), RecordError> {
    read_record(raw, at, true)
}

/// As [`decode_record`]; `check` false skips the record's own checksum,
/// for blocks whose payload checksum already held (the same bytes, as
/// written, decompressed to their recorded length).
#[inline]
pub fn read_record(raw: &[u8], at: usize, check: bool) -> Result<(RecordRef<'_>, usize), RecordError> {
    let prefix = raw.get(at..at + RECORD_PREFIX_LEN).ok_or(RecordError::Truncated)?;
    let len = u32_at(prefix, 0) as usize;
    let crc = u32_at(prefix, 4);
    let start = at + RECORD_PREFIX_LEN;
    let body = raw.get(start..start.saturating_add(len)).ok_or(RecordError::Truncated)?;
    if len < RECORD_FIXED_LEN {
        return Err(RecordError::Truncated);
    }
    if check && crc32fast::hash(body) != crc {
        return Err(RecordError::Checksum);
    }
    let kind = Kind::from_byte(body[0]).ok_or(RecordError::UnknownKind(body[0]))?;
    let stamp_ns = u64_at(body, 1);
    let seq = u64_at(body, 9);
    let conn = u32_at(body, 17);
    Ok((RecordRef { kind, stamp_ns, seq, conn, payload: &body[RECORD_FIXED_LEN..] }, start + len))
}

/// A block header as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockHeader {
    pub compressed_len: u32,
    pub raw_len: u32,
    pub records: u32,
    pub payload_crc: u32,
}

impl BlockHeader {
    pub fn encode(&self) -> [u8; BLOCK_HEADER_LEN] {
        let mut h = [0u8; BLOCK_HEADER_LEN];
        h[0..4].copy_from_slice(BLOCK_MAGIC);
        h[4..8].copy_from_slice(&self.compressed_len.to_le_bytes());
        h[8..12].copy_from_slice(&self.raw_len.to_le_bytes());
        h[12..16].copy_from_slice(&self.records.to_le_bytes());
        h[16..20].copy_from_slice(&self.payload_crc.to_le_bytes());
        let crc = crc32fast::hash(&h[0..20]);
        h[20..24].copy_from_slice(&crc.to_le_bytes());
        h
    }

    /// The header in `bytes` (at least [`BLOCK_HEADER_LEN`] long), if its
    /// magic and checksum hold.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let h = bytes.get(..BLOCK_HEADER_LEN)?;
        if &h[0..4] != BLOCK_MAGIC || crc32fast::hash(&h[0..20]) != u32_at(h, 20) {
            return None;
        }
        let header = Self {
            compressed_len: u32_at(h, 4),
            raw_len: u32_at(h, 8),
            records: u32_at(h, 12),
            payload_crc: u32_at(h, 16),
        };
        (header.raw_len <= MAX_BLOCK_RAW).then_some(header)
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

/// The format version of a segment's file header, when it is one this
/// reader knows.
pub fn file_version(h: &[u8; FILE_HEADER_LEN]) -> Option<u32> {
    let v = u32_at(h, 8);
    (&h[0..8] == FILE_MAGIC && (OLDEST_READABLE..=FORMAT_VERSION).contains(&v)).then_some(v)
}

/// The file header of a segment.
pub fn file_header() -> [u8; FILE_HEADER_LEN] {
    file_header_of(FORMAT_VERSION)
}

/// A segment file's header for format `version`.
pub fn file_header_of(version: u32) -> [u8; FILE_HEADER_LEN] {
    let mut h = [0u8; FILE_HEADER_LEN];
    h[0..8].copy_from_slice(FILE_MAGIC);
    h[8..12].copy_from_slice(&version.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_a_flipped_bit_is_caught() {
        let mut out = Vec::new();
        let r = RecordRef {
            kind: Kind::Frame,
            stamp_ns: 1_700_000_000_123_456_789,
            seq: 42,
            conn: 7,
            payload: br#"{"e":"trade"}"#,
        };
        encode_record(&mut out, r);
        let (back, next) = decode_record(&out, 0).expect("decodes");
        assert_eq!(back, r);
        assert_eq!(next, out.len());
        out[20] ^= 1;
        assert_eq!(decode_record(&out, 0), Err(RecordError::Checksum));
        assert_eq!(decode_record(&out[..10], 0), Err(RecordError::Truncated));
    }

    #[test]
    fn a_block_header_with_a_damaged_length_is_refused() {
        let h = BlockHeader { compressed_len: 100, raw_len: 400, records: 3, payload_crc: 9 };
        let mut bytes = h.encode();
        assert_eq!(BlockHeader::decode(&bytes), Some(h));
        bytes[5] ^= 0x10;
        assert_eq!(BlockHeader::decode(&bytes), None);
    }

    #[test]
    fn readers_take_versions_1_to_3_and_nothing_else() {
        let with = |magic: &[u8; 8], v: u32| {
            let mut h = [0u8; FILE_HEADER_LEN];
            h[0..8].copy_from_slice(magic);
            h[8..12].copy_from_slice(&v.to_le_bytes());
            file_version(&h)
        };
        assert_eq!(file_version(&file_header()), Some(FORMAT_VERSION));
        assert_eq!(with(FILE_MAGIC, 1), Some(1));
        assert_eq!(with(FILE_MAGIC, 2), Some(2));
        assert_eq!(with(FILE_MAGIC, 3), Some(3));
        assert_eq!(with(FILE_MAGIC, 0), None);
        assert_eq!(with(FILE_MAGIC, 4), None);
        assert_eq!(with(b"TDRSEG02", 2), None);
    }

    #[test]
    fn every_kind_byte_maps_back() {
        for b in 0..=10u8 {
            assert_eq!(Kind::from_byte(b).map(|k| k as u8), Some(b));
        }
        assert_eq!(Kind::from_byte(11), None);
    }
}
