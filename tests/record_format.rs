//! The session format on its own: records written through the recording
//! thread come back in order across segments; a torn tail and a corrupt
//! block in the middle are reported with their offsets and everything else
//! is still read; a full queue drops, counts and leaves a gap marker;
//! blocks compressed at the packed level and at the default one read back;
//! a segment of format version 2 (frames packed as number changes) reads.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a panic is a failed test

use std::path::{Path, PathBuf};
use std::time::Duration;
use tickdesk::record::{
    Kind, ReadIssue, Recorder, SegmentWriter, SessionHeader, Stream, StreamReader, WriterConfig, WriterTotals,
    stream_segments,
};

fn header() -> SessionHeader {
    SessionHeader {
        format_version: tickdesk::record::format::FORMAT_VERSION,
        tickdesk_version: "test".into(),
        venue: "sim".into(),
        symbols: vec!["BTCUSDT".into()],
        config_hash: "0".into(),
        started_ns: 1,
        ..SessionHeader::default()
    }
}

fn small_blocks() -> WriterConfig {
    WriterConfig { block_bytes: 1 << 10, segment_bytes: 4 << 10, ..WriterConfig::default() }
}

fn frame(i: u64) -> Vec<u8> {
    format!(r#"{{"stream":"btcusdt@trade","data":{{"e":"trade","t":{i},"p":"100.{:02}","q":"0.5"}}}}"#, i % 100)
        .into_bytes()
}

/// Writes `n` frames to the feed stream of a fresh session in `dir`.
fn write_session(dir: &Path, n: u64) {
    write_session_with(dir, n, small_blocks());
}

fn write_session_with(dir: &Path, n: u64, config: WriterConfig) -> [WriterTotals; 2] {
    let feed = SegmentWriter::create(dir, Stream::Feed.prefix(), &header(), config.clone()).unwrap();
    let engine = SegmentWriter::create(dir, Stream::Engine.prefix(), &header(), config).unwrap();
    let (rec, thread) = Recorder::start(feed, engine, 1 << 16, Duration::from_millis(100)).unwrap();
    let mut buf = rec.buffer(Stream::Feed);
    for i in 0..n {
        buf.push(Kind::Frame, 1_000 + i, i, 1, &frame(i));
        if i % 100 == 99 {
            buf.flush();
        }
    }
    drop(buf);
    drop(rec);
    let totals = thread.finish().unwrap();
    assert!(totals[0].segments > 1, "small segments rotate: {totals:?}");
    totals
}

/// Every frame read back (seq numbers), and the issues.
fn read_back(dir: &Path) -> (Vec<u64>, Vec<ReadIssue>) {
    let mut r = StreamReader::open(dir, Stream::Feed).unwrap();
    let mut seqs = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        if rec.kind == Kind::Frame {
            assert_eq!(rec.payload, frame(rec.seq).as_slice());
            assert_eq!(rec.stamp_ns, 1_000 + rec.seq);
            seqs.push(rec.seq);
        }
    }
    (seqs, r.issues().to_vec())
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tickdesk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn records_come_back_in_order_across_segments() {
    let dir = tempdir("rt");
    write_session(&dir, 5_000);
    let (seqs, issues) = read_back(&dir);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(seqs, (0..5_000).collect::<Vec<_>>());
    // Every segment starts with the header, so each stands alone.
    for seg in stream_segments(&dir, Stream::Feed).unwrap() {
        let mut r = StreamReader::from_segments(vec![seg]);
        let first = r.next_owned().unwrap().unwrap();
        assert_eq!(first.kind, Kind::Header);
        let h: SessionHeader = serde_json::from_slice(&first.payload).unwrap();
        assert_eq!(h, header());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_segment_is_synced_once_complete_and_the_current_one_as_it_grows() {
    // Without periodic syncs: exactly one per segment (the last at the end).
    let dir = tempdir("sync-segments");
    let t = write_session_with(&dir, 5_000, WriterConfig { sync_bytes: 0, ..small_blocks() });
    assert_eq!(t[0].syncs, u64::from(t[0].segments), "{t:?}");
    assert_eq!(t[1].syncs, 1, "{t:?}");
    let _ = std::fs::remove_dir_all(&dir);

    // With them: more, although a request finding two waiting is skipped;
    // and every record still reads back.
    let dir = tempdir("sync-periodic");
    let t = write_session_with(&dir, 5_000, WriterConfig { sync_bytes: 1, ..small_blocks() });
    assert!(t[0].syncs > u64::from(t[0].segments), "{t:?}");
    let (seqs, issues) = read_back(&dir);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(seqs, (0..5_000).collect::<Vec<_>>());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_torn_tail_is_reported_and_everything_before_it_is_read() {
    let dir = tempdir("torn");
    write_session(&dir, 3_000);
    let last = stream_segments(&dir, Stream::Feed).unwrap().pop().unwrap();
    let len = std::fs::metadata(&last).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&last).unwrap();
    f.set_len(len - 7).unwrap();
    let (seqs, issues) = read_back(&dir);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(matches!(&issues[0], ReadIssue::TornTail { file, .. } if *file == last), "{issues:?}");
    assert!(issues[0].to_string().contains("torn tail at byte"), "{}", issues[0]);
    // What was lost is exactly the last block: a contiguous prefix survives.
    assert!(!seqs.is_empty() && seqs.len() < 3_000);
    assert_eq!(seqs, (0..seqs.len() as u64).collect::<Vec<_>>());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_corrupt_block_in_the_middle_is_reported_and_reading_goes_on() {
    let dir = tempdir("corrupt");
    write_session(&dir, 3_000);
    let first = stream_segments(&dir, Stream::Feed).unwrap().remove(0);
    let mut bytes = std::fs::read(&first).unwrap();
    // Damage the payload of the third block and the header of the fifth.
    let blocks: Vec<usize> = memchr::memmem::find_iter(&bytes, b"TDBK").collect();
    assert!(blocks.len() > 6, "enough blocks: {}", blocks.len());
    bytes[blocks[2] + 40] ^= 0xff;
    bytes[blocks[4] + 6] ^= 0x01;
    std::fs::write(&first, &bytes).unwrap();
    let (seqs, issues) = read_back(&dir);
    assert_eq!(issues.len(), 2, "{issues:?}");
    match &issues[0] {
        ReadIssue::CorruptBlock { offset, reason, resumed_at, .. } => {
            assert_eq!(*offset, blocks[2] as u64);
            assert!(reason.contains("payload"), "{reason}");
            assert_eq!(*resumed_at, Some(blocks[3] as u64));
        }
        other => panic!("{other:?}"),
    }
    match &issues[1] {
        ReadIssue::CorruptBlock { offset, resumed_at, .. } => {
            assert_eq!(*offset, blocks[4] as u64);
            assert_eq!(*resumed_at, Some(blocks[5] as u64));
        }
        other => panic!("{other:?}"),
    }
    // Two blocks lost, the rest (including later segments) read in order.
    assert!(seqs.len() < 3_000 && seqs.len() > 2_000, "{}", seqs.len());
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(*seqs.last().unwrap(), 2_999);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_queue_drops_counts_and_leaves_a_gap_marker() {
    let dir = tempdir("gap");
    let feed = SegmentWriter::create(&dir, Stream::Feed.prefix(), &header(), small_blocks()).unwrap();
    let engine = SegmentWriter::create(&dir, Stream::Engine.prefix(), &header(), small_blocks()).unwrap();
    // A queue of one chunk and a producer that never waits: most chunks drop.
    let (rec, thread) = Recorder::start(feed, engine, 1, Duration::from_millis(100)).unwrap();
    let mut buf = rec.buffer(Stream::Feed);
    for i in 0..20_000 {
        buf.push(Kind::Frame, 1_000 + i, i, 1, &frame(i));
        buf.flush();
    }
    drop(buf);
    let stats = rec.stats().clone();
    drop(rec);
    thread.finish().unwrap();
    let dropped = stats.dropped_total();
    assert!(dropped > 0, "the tiny queue must overflow");
    let mut r = StreamReader::open(&dir, Stream::Feed).unwrap();
    let (mut frames, mut gap_total) = (0u64, 0u64);
    while let Some(rec) = r.next_record().unwrap() {
        match rec.kind {
            Kind::Frame => frames += 1,
            Kind::Gap => gap_total += u64::from_le_bytes(rec.payload.try_into().unwrap()),
            _ => {}
        }
    }
    assert_eq!(frames + dropped, 20_000);
    assert_eq!(gap_total, dropped, "every dropped record is accounted for by a gap marker");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_existing_session_is_never_overwritten() {
    let dir = tempdir("exists");
    write_session(&dir, 3_000);
    let again = SegmentWriter::create(&dir, Stream::Feed.prefix(), &header(), small_blocks());
    assert!(again.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bytes that repeat no template: frames of them are stored whole.
fn noise(i: u64) -> Vec<u8> {
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..40 + i % 60)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Writes `frames` straight through a segment writer (one stream) and
/// returns the bytes written.
fn write_frames(dir: &Path, config: WriterConfig, frames: &[Vec<u8>]) -> u64 {
    let mut w = SegmentWriter::create(dir, Stream::Feed.prefix(), &header(), config).unwrap();
    for (i, f) in frames.iter().enumerate() {
        let r =
            tickdesk::record::RecordRef { kind: Kind::Frame, stamp_ns: i as u64, seq: i as u64, conn: 1, payload: f };
        w.append(r).unwrap();
    }
    w.finish().unwrap().bytes
}

#[test]
fn blocks_that_pack_well_and_blocks_that_do_not_both_read_back() {
    // Full-size blocks: tens of thousands of trades pack to a fraction of
    // their size (the packed zstd level); noise does not (the default one).
    let mut frames: Vec<Vec<u8>> = (0..40_000).map(frame).collect();
    frames.extend((0..3_000).map(noise));
    frames.extend((40_000..60_000).map(frame));
    let (packed_level, one_level) = (tempdir("levels-packed"), tempdir("levels-one"));
    let a = write_frames(&packed_level, WriterConfig::default(), &frames);
    // Never under 0 %: every block at the default level.
    let b = write_frames(&one_level, WriterConfig { packed_pct: 0, ..WriterConfig::default() }, &frames);
    assert_ne!(a, b, "well-packed blocks are compressed at their own level");
    for dir in [&packed_level, &one_level] {
        let mut r = StreamReader::open(dir, Stream::Feed).unwrap();
        let mut got = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            if rec.kind == Kind::Frame {
                got.push(rec.payload.to_vec());
            }
        }
        assert!(r.issues().is_empty(), "{:?}", r.issues());
        assert!(
            got == frames,
            "{} frames read back from {}, not the {} written",
            got.len(),
            dir.display(),
            frames.len()
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn a_version_2_segment_still_reads() {
    use tickdesk::record::format::{self, BlockHeader, FILE_MAGIC};
    use tickdesk::record::pack::RunPacker;
    // A segment as format version 2 wrote it: its header, then one block
    // whose frames are packed as number changes.
    let dir = tempdir("version-2");
    std::fs::create_dir_all(&dir).unwrap();
    let json = serde_json::to_vec(&SessionHeader { format_version: 2, ..header() }).unwrap();
    let frames: Vec<Vec<u8>> = (0..2_000).map(frame).collect();
    let mut packer = RunPacker::default();
    let mut raw = Vec::new();
    packer.push(
        &mut raw,
        tickdesk::record::RecordRef { kind: Kind::Header, stamp_ns: 0, seq: 0, conn: 0, payload: &json },
    );
    for (i, f) in frames.iter().enumerate() {
        let seq = i as u64;
        packer.push(
            &mut raw,
            tickdesk::record::RecordRef { kind: Kind::Frame, stamp_ns: 1_000 + seq, seq, conn: 1, payload: f },
        );
    }
    let compressed = zstd::bulk::compress(&raw, 3).unwrap();
    let block = BlockHeader {
        compressed_len: compressed.len() as u32,
        raw_len: raw.len() as u32,
        records: frames.len() as u32 + 1,
        payload_crc: crc32fast::hash(&compressed),
    };
    let mut file = FILE_MAGIC.to_vec();
    file.extend_from_slice(&2u32.to_le_bytes());
    file.extend_from_slice(&block.encode());
    file.extend_from_slice(&compressed);
    assert!(raw.len() * 3 < frames.iter().map(|f| f.len() + 29).sum::<usize>(), "the frames were packed");
    std::fs::write(dir.join(tickdesk::record::segment_name(Stream::Feed.prefix(), 1)), &file).unwrap();
    assert_eq!(
        file.len() as u64,
        format::FILE_HEADER_LEN as u64 + (format::BLOCK_HEADER_LEN + compressed.len()) as u64
    );
    let (seqs, issues) = read_back(&dir);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(seqs, (0..2_000).collect::<Vec<u64>>());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_writer_asked_for_version_2_writes_version_2_and_it_reads_back() {
    let dir = tempdir("write-version-2");
    let frames: Vec<Vec<u8>> = (0..5_000).map(frame).collect();
    let mut w = SegmentWriter::create(
        &dir,
        Stream::Feed.prefix(),
        &SessionHeader { format_version: 2, ..header() },
        WriterConfig::default(),
    )
    .unwrap();
    for (i, f) in frames.iter().enumerate() {
        let seq = i as u64;
        w.append(tickdesk::record::RecordRef { kind: Kind::Frame, stamp_ns: 1_000 + seq, seq, conn: 1, payload: f })
            .unwrap();
    }
    let bytes = w.finish().unwrap().bytes;
    let file = std::fs::read(dir.join(tickdesk::record::segment_name(Stream::Feed.prefix(), 1))).unwrap();
    assert_eq!(file[8..12], 2u32.to_le_bytes(), "the file says version 2");
    assert!(
        bytes * 4 < frames.iter().map(|f| f.len() as u64).sum::<u64>(),
        "and its frames were packed: {bytes} bytes"
    );
    let (seqs, issues) = read_back(&dir);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(seqs, (0..5_000).collect::<Vec<u64>>());
    let _ = std::fs::remove_dir_all(&dir);
}
