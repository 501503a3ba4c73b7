//! Writes a session directory: segment files of compressed blocks.
//!
//! Records gather in one reusable buffer; [`SegmentWriter::flush`] seals
//! them into a block (zstd, checksums) and hands it to the OS, so a killed
//! process loses only what was not yet flushed. A segment closes when it
//! passes its size or age and the next one opens with the header again.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::format::{self, BlockHeader, Kind, RecordRef, SessionHeader};
use super::pack::Packer;
use super::syncer::Syncer;

/// Sizes and ages of blocks and segments.
#[derive(Clone, Debug)]
pub struct WriterConfig {
    /// Seal a block once this many uncompressed bytes are buffered.
    pub block_bytes: usize,
    /// Start a new segment once the current one holds this many bytes.
    pub segment_bytes: u64,
    /// Start a new segment once the current one spans this much record time.
    pub segment_ns: u64,
    /// zstd level. -5 (a fast level): packed frames leave zstd little to
    /// find beyond repeated text, and on them it compresses about twice as
    /// fast as level 1 for a session about a fifth larger (17.6 % of the
    /// JSON lines on synthetic frames, 19-24 % on recorded Binance depth).
    pub zstd_level: i32,
    /// A block that packing shrank to under this percentage of its
    /// records' size is compressed at `packed_level` instead.
    pub packed_pct: usize,
    /// zstd level of such a block, with a small hash table
    /// ([`PACKED_HASH_LOG`]): packing already took what its frames repeat,
    /// and a deeper search finds little more (synthetic frames: 18 instead
    /// of 46 ns per frame, 19.6 instead of 17.6 % of the JSON lines;
    /// recorded Binance depth packs to about half and keeps `zstd_level`).
    pub packed_level: i32,
    /// Ask the disk to sync a segment after this many bytes or this long,
    /// whichever comes first, checked as blocks are written (0 bytes: only
    /// when a segment is complete and at the end). A background thread
    /// does it, so a crash of the machine loses about that much at most,
    /// and the end of a session waits only for what came after. Every sync
    /// also costs the disk a journal commit; at the full synthetic rate
    /// 32 MiB is a sync about every half second.
    pub sync_bytes: u64,
    /// See [`Self::sync_bytes`].
    pub sync_interval: Duration,
}

/// log2 of the hash table entries of `packed_level` compression.
pub const PACKED_HASH_LOG: u32 = 10;

impl WriterConfig {
    /// The compression context of blocks that packed well.
    pub fn packed_compressor(&self) -> io::Result<zstd::bulk::Compressor<'static>> {
        let mut z = zstd::bulk::Compressor::new(self.packed_level)?;
        z.set_parameter(zstd::zstd_safe::CParameter::HashLog(PACKED_HASH_LOG))?;
        Ok(z)
    }
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            block_bytes: 256 << 10,
            segment_bytes: 64 << 20,
            segment_ns: 3_600_000_000_000,
            zstd_level: -5,
            packed_pct: 30,
            packed_level: -10,
            sync_bytes: 32 << 20,
            sync_interval: Duration::from_secs(1),
        }
    }
}

/// Name of segment `n` of the stream with file prefix `prefix`.
pub fn segment_name(prefix: &str, n: u32) -> String {
    format!("{prefix}-{n:06}.tdr")
}

/// Writes records into a session directory.
pub struct SegmentWriter {
    dir: PathBuf,
    prefix: &'static str,
    config: WriterConfig,
    header: Vec<u8>,
    file: File,
    segment: u32,
    segment_bytes: u64,
    segment_first_ns: Option<u64>,
    raw: Vec<u8>,
    records: u32,
    /// Bytes of the block's records before packing.
    unpacked: usize,
    compressed: Vec<u8>,
    /// One compression context per level for every block (a fresh one per
    /// block costs an allocation and a table setup each time).
    compressor: zstd::bulk::Compressor<'static>,
    /// For blocks that packed well (see [`WriterConfig::packed_level`]).
    packed_compressor: zstd::bulk::Compressor<'static>,
    /// Packs frames against the block's last frames (see [`super::pack`]).
    packer: Packer,
    blocks_written: u64,
    bytes_written: u64,
    /// Syncs segments in the background (see [`super::syncer`]).
    syncer: Syncer,
    /// Bytes written since the last sync was asked for, and when.
    unsynced: u64,
    last_sync: Instant,
}

impl SegmentWriter {
    /// Creates `dir` (and parents) and opens the first segment of the
    /// stream `prefix`. Refuses a directory that already holds that
    /// stream, so no session is overwritten.
    pub fn create(dir: &Path, prefix: &'static str, header: &SessionHeader, config: WriterConfig) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        if dir.join(segment_name(prefix, 1)).exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} already holds a recorded session", dir.display()),
            ));
        }
        // The header names the version: 2 for a reader before version 3
        // (and for measurements), the current one otherwise.
        let packer = Packer::for_version(header.format_version);
        let header = serde_json::to_vec(header).map_err(io::Error::other)?;
        let file = open_segment(dir, prefix, 1, packer.version())?;
        let compressor = zstd::bulk::Compressor::new(config.zstd_level)?;
        let packed_compressor = config.packed_compressor()?;
        let mut w = Self {
            dir: dir.to_path_buf(),
            prefix,
            config,
            header,
            file,
            segment: 1,
            segment_bytes: format::FILE_HEADER_LEN as u64,
            segment_first_ns: None,
            raw: Vec::with_capacity(256 << 10),
            records: 0,
            unpacked: 0,
            compressed: Vec::new(),
            compressor,
            packed_compressor,
            packer,
            blocks_written: 0,
            bytes_written: format::FILE_HEADER_LEN as u64,
            syncer: Syncer::start(prefix)?,
            unsynced: 0,
            last_sync: Instant::now(),
        };
        w.push_header(0);
        Ok(w)
    }

    /// The session directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Buffers one record; seals a block when the buffer is full.
    pub fn append(&mut self, r: RecordRef<'_>) -> io::Result<()> {
        self.rotate_if_due(r.stamp_ns)?;
        self.buffer(r);
        self.seal_if_full()
    }

    /// Packs one record into the block and counts it.
    fn buffer(&mut self, r: RecordRef<'_>) {
        self.packer.push(&mut self.raw, r);
        self.records += 1;
        self.unpacked += format::RECORD_PREFIX_LEN + format::RECORD_FIXED_LEN + r.payload.len();
    }

    /// Buffers records already encoded by a producer with their checksums
    /// blank (see [`format::encode_unsealed`]); packing and checksums
    /// happen here, off the producer's thread. `first_ns` is the first
    /// one's stamp.
    pub fn append_encoded(&mut self, bytes: &[u8], first_ns: u64) -> io::Result<()> {
        warm(bytes);
        // Checked whole first: the packer's slots must only ever see
        // records that stay in the block, or a reader's would differ.
        let mut at = 0;
        let mut n = 0u32;
        while at < bytes.len() {
            match format::read_record(bytes, at, false) {
                Ok((_, next)) => at = next,
                Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a chunk does not end on a record boundary",
                    ));
                }
            }
            n += 1;
        }
        self.rotate_if_due(first_ns)?;
        let mut at = 0;
        while let Ok((r, next)) = format::read_record(bytes, at, false) {
            self.packer.push(&mut self.raw, r);
            at = next;
        }
        self.records += n;
        self.unpacked += bytes.len();
        self.seal_if_full()
    }

    fn rotate_if_due(&mut self, stamp_ns: u64) -> io::Result<()> {
        let first = *self.segment_first_ns.get_or_insert(stamp_ns);
        if stamp_ns.saturating_sub(first) >= self.config.segment_ns || self.segment_bytes >= self.config.segment_bytes {
            self.rotate(stamp_ns)?;
        }
        Ok(())
    }

    fn seal_if_full(&mut self) -> io::Result<()> {
        if self.raw.len() >= self.config.block_bytes {
            self.flush()?;
        }
        Ok(())
    }

    /// Seals the buffered records into a block and writes it to the OS.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.records == 0 {
            return Ok(());
        }
        self.compressed.clear();
        self.compressed.reserve(zstd::zstd_safe::compress_bound(self.raw.len()));
        let packed_well = self.raw.len() * 100 < self.unpacked * self.config.packed_pct;
        let zstd = if packed_well { &mut self.packed_compressor } else { &mut self.compressor };
        zstd.compress_to_buffer(&self.raw[..], &mut self.compressed)?;
        let header = BlockHeader {
            compressed_len: self.compressed.len() as u32,
            raw_len: self.raw.len() as u32,
            records: self.records,
            payload_crc: crc32fast::hash(&self.compressed),
        };
        self.file.write_all(&header.encode())?;
        self.file.write_all(&self.compressed)?;
        let n = (format::BLOCK_HEADER_LEN + self.compressed.len()) as u64;
        self.segment_bytes += n;
        self.bytes_written += n;
        self.blocks_written += 1;
        self.unsynced += n;
        if self.config.sync_bytes > 0
            && (self.unsynced >= self.config.sync_bytes || self.last_sync.elapsed() >= self.config.sync_interval)
        {
            self.syncer.periodic(&self.file)?;
            self.unsynced = 0;
            self.last_sync = Instant::now();
        }
        self.raw.clear();
        self.records = 0;
        self.unpacked = 0;
        self.packer.reset();
        Ok(())
    }

    /// Flushes and syncs the file to disk: the end of a session.
    pub fn finish(mut self) -> io::Result<WriterTotals> {
        self.flush()?;
        let mut totals = self.totals();
        self.syncer.complete(self.file)?;
        totals.syncs = self.syncer.finish()?;
        Ok(totals)
    }

    /// What was written so far (syncs are counted at the end).
    pub fn totals(&self) -> WriterTotals {
        WriterTotals { segments: self.segment, blocks: self.blocks_written, bytes: self.bytes_written, syncs: 0 }
    }

    fn rotate(&mut self, stamp_ns: u64) -> io::Result<()> {
        self.flush()?;
        self.segment += 1;
        let done = std::mem::replace(
            &mut self.file,
            open_segment(&self.dir, self.prefix, self.segment, self.packer.version())?,
        );
        self.syncer.complete(done)?;
        self.unsynced = 0;
        self.last_sync = Instant::now();
        self.segment_bytes = format::FILE_HEADER_LEN as u64;
        self.bytes_written += format::FILE_HEADER_LEN as u64;
        self.segment_first_ns = Some(stamp_ns);
        self.push_header(stamp_ns);
        Ok(())
    }

    fn push_header(&mut self, stamp_ns: u64) {
        let header = std::mem::take(&mut self.header);
        self.buffer(RecordRef { kind: Kind::Header, stamp_ns, seq: 0, conn: 0, payload: &header });
        self.header = header;
    }
}

/// Touches every cache line of a chunk in one pass of independent loads.
/// The chunk was written on another core; walking its records reads each
/// one's length to find the next, and without this every such read waited
/// for its line to cross over (a profile put a fifth of the writer's time
/// on that one load).
fn warm(bytes: &[u8]) {
    let x = bytes.iter().step_by(64).fold(0u8, |x, b| x ^ b);
    std::hint::black_box(x);
}

/// Counts of what a writer produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterTotals {
    pub segments: u32,
    pub blocks: u64,
    pub bytes: u64,
    /// Syncs the disk completed (periodic, per segment and the last one);
    /// known once the writer has finished.
    pub syncs: u64,
}

fn open_segment(dir: &Path, prefix: &str, n: u32, version: u32) -> io::Result<File> {
    let mut f = OpenOptions::new().create_new(true).write(true).open(dir.join(segment_name(prefix, n)))?;
    f.write_all(&format::file_header_of(version))?;
    Ok(f)
}
