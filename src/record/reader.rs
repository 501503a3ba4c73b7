//! Reads a session back, block by block, and keeps going past damage.
//!
//! A block whose header checksum fails is searched past (the next header
//! that validates is where reading resumes); a block whose payload fails
//! its checksum or does not decompress is skipped whole; a block cut short
//! at the end of a file is a torn tail. Each is reported with the file and
//! byte offset, and every record before and after it is kept. Files are
//! read with positional reads one block at a time, so memory stays at one
//! block whatever the session's length.

use std::fmt;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::format::{self, BlockHeader, Record, RecordError, RecordRef};
use super::pack::{Found, Unpacker};
use super::recorder::Stream;

/// Damage found while reading, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadIssue {
    /// The file does not start with the segment magic and version.
    BadFileHeader { file: PathBuf },
    /// Bytes at `offset` are not a valid block; reading resumed at `resumed_at`
    /// (or stopped at the end of the file when `None`).
    CorruptBlock { file: PathBuf, offset: u64, reason: &'static str, resumed_at: Option<u64> },
    /// The file ends inside a block at `offset` (`bytes` of it present): a
    /// write cut short by a crash.
    TornTail { file: PathBuf, offset: u64, bytes: u64 },
}

impl fmt::Display for ReadIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadFileHeader { file } => {
                write!(f, "{}: not a tickdesk segment (bad file header)", file.display())
            }
            Self::CorruptBlock { file, offset, reason, resumed_at } => {
                write!(f, "{}: corrupt block at byte {offset} ({reason}); ", file.display())?;
                match resumed_at {
                    Some(at) => write!(f, "reading resumed at byte {at}"),
                    None => write!(f, "no valid block after it"),
                }
            }
            Self::TornTail { file, offset, bytes } => write!(
                f,
                "{}: torn tail at byte {offset} ({bytes} bytes of an unfinished block skipped)",
                file.display()
            ),
        }
    }
}

/// Reads one segment file, one block at a time.
pub struct SegmentReader {
    path: PathBuf,
    file: File,
    len: u64,
    at: u64,
    started: bool,
    compressed: Vec<u8>,
    raw: Vec<u8>,
    decompressor: zstd::bulk::Decompressor<'static>,
    /// The file's format version (known once its header is read).
    version: u32,
    /// Expands the packed frames of the block last loaded.
    unpacker: Unpacker,
}

/// How far a resync scan reads at a time.
const SCAN_BYTES: usize = 1 << 20;

impl SegmentReader {
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Self {
            path: path.to_path_buf(),
            file,
            len,
            at: 0,
            started: false,
            compressed: Vec::new(),
            raw: Vec::new(),
            decompressor: zstd::bulk::Decompressor::new()?,
            version: 0,
            unpacker: Unpacker::default(),
        })
    }

    /// Loads the next readable block; `false` at the end of the file.
    /// Damage met on the way is pushed to `issues`.
    pub fn next_block(&mut self, issues: &mut Vec<ReadIssue>) -> io::Result<bool> {
        if !self.started {
            self.started = true;
            let mut h = [0u8; format::FILE_HEADER_LEN];
            let version = if self.len < h.len() as u64 || self.file.read_exact_at(&mut h, 0).is_err() {
                None
            } else {
                format::file_version(&h)
            };
            let Some(version) = version else {
                issues.push(ReadIssue::BadFileHeader { file: self.path.clone() });
                self.at = self.len;
                return Ok(false);
            };
            self.version = version;
            self.at = format::FILE_HEADER_LEN as u64;
        }
        while self.at < self.len {
            let offset = self.at;
            let avail = (self.len - offset).min(format::BLOCK_HEADER_LEN as u64) as usize;
            let mut hb = [0u8; format::BLOCK_HEADER_LEN];
            self.file.read_exact_at(&mut hb[..avail], offset)?;
            let Some(header) = BlockHeader::decode(&hb[..avail]) else {
                if avail < format::BLOCK_HEADER_LEN && is_prefix_of_magic(&hb[..avail]) {
                    issues.push(self.torn(offset));
                    self.at = self.len;
                    return Ok(false);
                }
                let resumed = self.resync(offset + 1)?;
                issues.push(ReadIssue::CorruptBlock {
                    file: self.path.clone(),
                    offset,
                    reason: "block header fails its checksum",
                    resumed_at: resumed,
                });
                self.at = resumed.unwrap_or(self.len);
                continue;
            };
            let start = offset + format::BLOCK_HEADER_LEN as u64;
            let end = start + u64::from(header.compressed_len);
            if end > self.len {
                issues.push(self.torn(offset));
                self.at = self.len;
                return Ok(false);
            }
            self.at = end;
            self.compressed.resize(header.compressed_len as usize, 0);
            self.file.read_exact_at(&mut self.compressed, start)?;
            if crc32fast::hash(&self.compressed) != header.payload_crc {
                issues.push(self.corrupt(offset, "payload fails its checksum", end));
                continue;
            }
            self.raw.clear();
            self.raw.reserve(header.raw_len as usize);
            let ok = self
                .decompressor
                .decompress_to_buffer(&self.compressed, &mut self.raw)
                .is_ok_and(|n| n == header.raw_len as usize);
            if !ok {
                issues.push(self.corrupt(offset, "payload does not decompress", end));
                continue;
            }
            self.unpacker.reset(self.version);
            return Ok(true);
        }
        Ok(false)
    }

    /// Bytes of the block last loaded, decompressed.
    fn block_len(&self) -> usize {
        self.raw.len()
    }

    /// Reads the record at `pos` of the block last loaded (in order: a
    /// packed frame depends on the records before it in its block).
    fn read_at(&mut self, pos: usize, check: bool) -> Result<Found, RecordError> {
        self.unpacker.read(&self.raw, pos, check)
    }

    /// The record [`SegmentReader::read_at`] found.
    fn record(&self, f: &Found) -> RecordRef<'_> {
        RecordRef {
            kind: f.kind,
            stamp_ns: f.stamp_ns,
            seq: f.seq,
            conn: f.conn,
            payload: self.unpacker.payload(&self.raw, f.payload),
        }
    }

    /// Calls `each` for every readable record in file order, checksums
    /// checked; returns the damage found.
    pub fn for_each(&mut self, mut each: impl FnMut(RecordRef<'_>)) -> io::Result<Vec<ReadIssue>> {
        let mut issues = Vec::new();
        while self.next_block(&mut issues)? {
            let mut pos = 0;
            while pos < self.raw.len() {
                match self.read_at(pos, true) {
                    Ok(found) => {
                        each(self.record(&found));
                        pos = found.next;
                    }
                    Err(_) => {
                        issues.push(self.damaged_record());
                        break;
                    }
                }
            }
        }
        Ok(issues)
    }

    fn damaged_record(&self) -> ReadIssue {
        ReadIssue::CorruptBlock {
            file: self.path.clone(),
            offset: self.at,
            reason: "a record inside the block before this offset fails its checksum",
            resumed_at: (self.at < self.len).then_some(self.at),
        }
    }

    fn torn(&self, offset: u64) -> ReadIssue {
        ReadIssue::TornTail { file: self.path.clone(), offset, bytes: self.len - offset }
    }

    fn corrupt(&self, offset: u64, reason: &'static str, end: u64) -> ReadIssue {
        ReadIssue::CorruptBlock { file: self.path.clone(), offset, reason, resumed_at: (end < self.len).then_some(end) }
    }

    /// The offset of the next valid block header at or after `from`.
    fn resync(&self, mut from: u64) -> io::Result<Option<u64>> {
        let mut buf = vec![0u8; SCAN_BYTES];
        while from < self.len {
            let n = (self.len - from).min(SCAN_BYTES as u64) as usize;
            self.file.read_exact_at(&mut buf[..n], from)?;
            for i in memchr::memmem::find_iter(&buf[..n], format::BLOCK_MAGIC) {
                let at = from + i as u64;
                let mut hb = [0u8; format::BLOCK_HEADER_LEN];
                let avail = (self.len - at).min(hb.len() as u64) as usize;
                self.file.read_exact_at(&mut hb[..avail], at)?;
                if BlockHeader::decode(&hb[..avail]).is_some() {
                    return Ok(Some(at));
                }
            }
            if from + n as u64 >= self.len {
                break;
            }
            // Overlap by less than a magic so one split across reads is seen.
            from += (n - (format::BLOCK_MAGIC.len() - 1)) as u64;
        }
        Ok(None)
    }
}

fn is_prefix_of_magic(rest: &[u8]) -> bool {
    let n = rest.len().min(format::BLOCK_MAGIC.len());
    rest[..n] == format::BLOCK_MAGIC[..n]
}

/// The segment files of one stream of a session directory, in order.
pub fn stream_segments(dir: &Path, stream: Stream) -> io::Result<Vec<PathBuf>> {
    let prefix = format!("{}-", stream.prefix());
    let mut segments: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".tdr"))
        })
        .collect();
    segments.sort();
    Ok(segments)
}

/// Reads one stream of a session record by record, across its segments.
pub struct StreamReader {
    segments: Vec<PathBuf>,
    next_segment: usize,
    current: Option<SegmentReader>,
    pos: usize,
    issues: Vec<ReadIssue>,
    /// Check every record's own checksum too (see [`StreamReader::check_records`]).
    check_records: bool,
}

impl StreamReader {
    /// Whether each record's checksum is checked as well as its block's
    /// (on by default). A block is only read once its payload checksum
    /// held and it decompressed to its recorded length, so its records are
    /// the bytes the writer sealed; the second check costs about 5 % of a
    /// full-speed replay, so a replay without `--verify` skips it.
    pub fn check_records(mut self, on: bool) -> Self {
        self.check_records = on;
        self
    }

    /// The stream's segments in `dir` (none is an empty stream).
    pub fn open(dir: &Path, stream: Stream) -> io::Result<Self> {
        Ok(Self::from_segments(stream_segments(dir, stream)?))
    }

    pub fn from_segments(segments: Vec<PathBuf>) -> Self {
        Self { segments, next_segment: 0, current: None, pos: 0, issues: Vec::new(), check_records: true }
    }

    pub fn segments(&self) -> &[PathBuf] {
        &self.segments
    }

    /// The next readable record, or `None` at the end of the stream.
    pub fn next_record(&mut self) -> io::Result<Option<RecordRef<'_>>> {
        loop {
            // What the current block holds at `pos`, without keeping the borrow.
            let found = match &mut self.current {
                Some(seg) if self.pos < seg.block_len() => {
                    Some(seg.read_at(self.pos, self.check_records).map_err(|_| seg.damaged_record()))
                }
                _ => None,
            };
            match found {
                Some(Ok(found)) => {
                    self.pos = found.next;
                    let Some(seg) = self.current.as_ref() else { return Ok(None) };
                    return Ok(Some(seg.record(&found)));
                }
                Some(Err(issue)) => {
                    self.issues.push(issue);
                    self.pos = usize::MAX;
                    continue;
                }
                None => {}
            }
            if let Some(seg) = self.current.as_mut() {
                if seg.next_block(&mut self.issues)? {
                    self.pos = 0;
                    continue;
                }
            }
            let Some(path) = self.segments.get(self.next_segment) else {
                self.current = None;
                return Ok(None);
            };
            self.next_segment += 1;
            self.current = Some(SegmentReader::open(path)?);
            self.pos = usize::MAX;
        }
    }

    /// The next record as an owned copy.
    pub fn next_owned(&mut self) -> io::Result<Option<Record>> {
        Ok(self.next_record()?.map(|r| Record {
            kind: r.kind,
            stamp_ns: r.stamp_ns,
            seq: r.seq,
            conn: r.conn,
            payload: r.payload.to_vec(),
        }))
    }

    /// Damage met so far.
    pub fn issues(&self) -> &[ReadIssue] {
        &self.issues
    }
}
