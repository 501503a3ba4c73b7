//! Frame packing: the compact form of repeated frames inside a block.
//!
//! The frames of one stream repeat the same text around different numbers,
//! so a block stores a frame as what changed since the last frame of its
//! kind. The writer packs with [`NibblePacker`] (format version 3, see
//! [`nibbles`]); [`RunPacker`] is the packing of version 2, kept so that
//! the sessions it wrote stay readable and tested. [`Unpacker`] reads both.
//!
//! Version 2: a block keeps up to [`SLOTS`] templates, learned from the
//! frames it stores whole; a later frame that differs from a template only
//! inside its digit runs (same length, digits exactly where the template
//! has them) is stored as the template's slot and each number's change
//! since the slot's last frame. That shrinks a frame to about a sixth
//! before compression, which is what makes recording cheap: zstd's time
//! grows with its input, and the numbers are the part it cannot skip.
//!
//! The frame comes back byte for byte. A packed record's checksum covers
//! its body as stored, like every other record's (checksumming the whole
//! frame again cost the writer a fifth of its time). Templates and deltas
//! start afresh with every block, so a block still reads on its own after
//! a damaged one.

mod nibbles;

pub use nibbles::{NibblePacker, PACKED_NIBBLES};

use super::format::{self, Kind, RECORD_PREFIX_LEN, RecordError, RecordRef};
use crate::domain::fixed::{POW10, digit_values};

/// Body kind byte of a version-2 packed frame. Never a [`Kind`]: the
/// reader hands the record out as the [`Kind::Frame`] it was.
pub const PACKED: u8 = 0x80;

/// The high half of every byte of a word.
const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;

/// Templates a block holds at once; a new one replaces the oldest.
pub const SLOTS: usize = 240;

/// Frames longer than this are stored whole (templates stay small).
const MAX_TEXT: usize = 4096;
/// Frames with more digit runs than this are stored whole.
const MAX_RUNS: usize = 64;
/// A longer digit run does not fit a u64; such frames are stored whole.
const MAX_RUN_DIGITS: usize = 19;

/// A learned frame: its text and where its numbers are.
#[derive(Default, Clone)]
struct Template {
    /// The writer: the frame it was learned from. The reader: the slot's
    /// last frame, expanded in place.
    text: Vec<u8>,
    /// Start and length of each digit run.
    runs: Vec<(u16, u8)>,
    /// Each run's number in the slot's last frame.
    values: Vec<u64>,
    /// Writer only: per 8-byte word of the text, 0xff on the digit bytes
    /// (a frame must have digits exactly there and repeat the rest).
    digits: Vec<u64>,
}

impl Template {
    /// Learns `frame` into `self`; false (and `self` unusable) when it
    /// cannot be a template. Writer and reader call this on the same
    /// frames, so both hold the same templates.
    fn learn(&mut self, frame: &[u8], masks: bool) -> bool {
        self.runs.clear();
        self.values.clear();
        self.text.clear();
        if frame.len() > MAX_TEXT {
            return false;
        }
        let mut i = 0;
        while i < frame.len() {
            if !frame[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            let mut v = 0u64;
            while i < frame.len() && frame[i].is_ascii_digit() {
                if i - start == MAX_RUN_DIGITS {
                    return false;
                }
                v = v * 10 + u64::from(frame[i] - b'0');
                i += 1;
            }
            if self.runs.len() == MAX_RUNS {
                return false;
            }
            self.runs.push((start as u16, (i - start) as u8));
            self.values.push(v);
        }
        self.text.extend_from_slice(frame);
        if masks {
            self.digits.clear();
            self.digits.extend(words(frame).map(digit_mask));
        }
        true
    }
}

/// The frame's 8-byte words, little-endian, the last one padded with 0xff
/// (never a digit, never equal to JSON text).
#[inline]
fn words(frame: &[u8]) -> impl Iterator<Item = u64> + '_ {
    let whole = frame.chunks_exact(8);
    let rest = whole.remainder();
    let last = (!rest.is_empty()).then(|| {
        let mut w = [0xffu8; 8];
        w[..rest.len()].copy_from_slice(rest);
        u64::from_le_bytes(w)
    });
    whole.map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0xff; 8]))).chain(last)
}

/// 0xff on each byte of `w` that is an ASCII digit, 0 elsewhere. Exact per
/// byte: the additions work on seven bits and cannot carry across bytes.
#[inline]
fn digit_mask(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = w & LOW7;
    let at_least_0 = x + 0x5050_5050_5050_5050; // bit 7 set when x >= '0'
    let above_9 = x + 0x4646_4646_4646_4646; // bit 7 set when x > '9'
    let d = at_least_0 & !above_9 & !w & HIGH;
    (d >> 7) * 0xff
}

/// Reads the word at `at`, padded past the end of `b`. Near the end it
/// shifts the slice's last word instead of copying bytes (a call to
/// `memcpy` there was a fifth of the writer's template check).
#[inline]
fn word_at(b: &[u8], at: usize) -> u64 {
    let le = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap_or([0xff; 8]));
    if let Some(w) = b.get(at..at + 8) {
        return le(w);
    }
    let rest = b.len().saturating_sub(at);
    if rest == 0 {
        return u64::MAX;
    }
    let keep = 8 * rest as u32;
    if b.len() >= 8 {
        return (le(&b[b.len() - 8..]) >> (64 - keep)) | (u64::MAX << keep);
    }
    let mut w = [0xffu8; 8];
    w[..rest].copy_from_slice(&b[at..]);
    u64::from_le_bytes(w)
}

/// The number in `len` digits at `at` of `b`, which are known to be digits.
#[inline]
fn run_value(b: &[u8], at: usize, len: usize) -> u64 {
    let mut v = 0u64;
    let (mut p, mut rest) = (at, len);
    while rest > 0 {
        let c = rest.min(8);
        let d = word_at(b, p).wrapping_sub(0x3030_3030_3030_3030);
        v = v * POW10[c] as u64 + digit_values(d << (8 * (8 - c)));
        p += c;
        rest -= c;
    }
    v
}

/// Fills in the body length and checksum of the packed record that starts
/// at `start` and ends `out`.
fn seal_packed(out: &mut [u8], start: usize) {
    let body_len = (out.len() - start - RECORD_PREFIX_LEN) as u32;
    out[start..start + 4].copy_from_slice(&body_len.to_le_bytes());
    format::seal_record(&mut out[start..]);
}

fn put_varint(out: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

fn zigzag(d: u64) -> u64 {
    let d = d as i64;
    ((d << 1) ^ (d >> 63)) as u64
}

fn unzigzag(z: u64) -> u64 {
    ((z >> 1) as i64 ^ -((z & 1) as i64)) as u64
}

/// Reads a varint at `*at` of `b`, moving `*at` past it.
fn get_varint(b: &[u8], at: &mut usize) -> Result<u64, RecordError> {
    let mut x = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at).ok_or(RecordError::Truncated)?;
        *at += 1;
        x |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(x);
        }
    }
    Err(RecordError::Truncated)
}

/// The templates of one block and the last stamp and sequence number, which
/// packed records store as changes.
#[derive(Default)]
struct BlockState {
    slots: Vec<Template>,
    /// Where the next learned template goes.
    next: usize,
    /// A template being learned (its buffers are the replaced slot's).
    spare: Template,
    stamp: u64,
    seq: u64,
}

impl BlockState {
    fn reset(&mut self) {
        self.next = 0;
        self.stamp = 0;
        self.seq = 0;
        for s in &mut self.slots {
            s.runs.clear();
            s.text.clear();
        }
    }

    /// Starts a packed record of body kind `kind` for `r` against `slot`:
    /// its prefix (see [`seal_packed`]), kind, stamp and sequence changes,
    /// connection and slot. Returns where it starts.
    fn begin_packed(&self, out: &mut Vec<u8>, kind: u8, r: RecordRef<'_>, slot: usize) -> usize {
        let start = out.len();
        out.extend_from_slice(&[0; RECORD_PREFIX_LEN]);
        out.push(kind);
        put_varint(out, zigzag(r.stamp_ns.wrapping_sub(self.stamp)));
        put_varint(out, zigzag(r.seq.wrapping_sub(self.seq)));
        put_varint(out, u64::from(r.conn));
        out.push(slot as u8);
        start
    }

    /// Reads what [`BlockState::begin_packed`] wrote after the kind byte,
    /// from `*p` of `body`: stamp, sequence number, connection and slot.
    fn read_head(&self, body: &[u8], p: &mut usize) -> Result<(u64, u64, u32, usize), RecordError> {
        let stamp_ns = self.stamp.wrapping_add(unzigzag(get_varint(body, p)?));
        let seq = self.seq.wrapping_add(unzigzag(get_varint(body, p)?));
        let conn = u32::try_from(get_varint(body, p)?).map_err(|_| RecordError::Packing)?;
        let slot = usize::from(*body.get(*p).ok_or(RecordError::Truncated)?);
        *p += 1;
        Ok((stamp_ns, seq, conn, slot))
    }

    /// Learns `frame` into the next slot; its index when it could be.
    fn learn(&mut self, frame: &[u8], masks: bool) -> Option<usize> {
        if !self.spare.learn(frame, masks) {
            return None;
        }
        Some(self.take_spare())
    }

    /// Version 3: keeps `frame` as the next slot's text (no numbers); its
    /// index when it may be a slot's.
    fn learn_text(&mut self, frame: &[u8]) -> Option<usize> {
        if !nibbles::learnable(frame) {
            return None;
        }
        self.spare.runs.clear();
        self.spare.values.clear();
        self.spare.text.clear();
        self.spare.text.extend_from_slice(frame);
        Some(self.take_spare())
    }

    /// Moves the spare template into the next slot.
    fn take_spare(&mut self) -> usize {
        let at = self.next;
        if at == self.slots.len() {
            self.slots.push(Template::default());
        }
        std::mem::swap(&mut self.slots[at], &mut self.spare);
        self.next = (at + 1) % SLOTS;
        at
    }
}

/// Lookup entries of the writer: key of a frame's shape to its slot.
const LOOKUP: usize = 1024;
/// Entries of the writer's head-key lookup.
const RECENT: usize = 256;
/// Slots remembered per head key.
const WAYS: usize = 4;

/// The packing of the format version a segment is written in.
pub enum Packer {
    /// Version 2: numbers' changes.
    Runs(RunPacker),
    /// Version 3 (the current one): changed nibbles.
    Nibbles(NibblePacker),
}

impl Packer {
    /// The packer of format `version`: 2, or the current one otherwise.
    pub fn for_version(version: u32) -> Self {
        if version == 2 { Self::Runs(RunPacker::default()) } else { Self::Nibbles(NibblePacker::default()) }
    }

    /// The format version this packer writes.
    pub fn version(&self) -> u32 {
        match self {
            Self::Runs(_) => 2,
            Self::Nibbles(_) => format::FORMAT_VERSION,
        }
    }

    /// Starts a new block.
    pub fn reset(&mut self) {
        match self {
            Self::Runs(p) => p.reset(),
            Self::Nibbles(p) => p.reset(),
        }
    }

    /// Appends `r` to the block payload `out`, packed if it can be.
    #[inline]
    pub fn push(&mut self, out: &mut Vec<u8>, r: RecordRef<'_>) {
        match self {
            Self::Runs(p) => p.push(out, r),
            Self::Nibbles(p) => p.push(out, r),
        }
    }
}

/// The writer's memory of where frames went: head key (see [`head_key`])
/// to the slots + 1 its frames last fitted, most recent first (frames of
/// one stream and length take a few shapes as their numbers change width).
struct Recent(Box<[(u64, [u8; WAYS]); RECENT]>);

impl Default for Recent {
    fn default() -> Self {
        Self(Box::new([(0, [0; WAYS]); RECENT]))
    }
}

impl Recent {
    fn clear(&mut self) {
        self.0.fill((0, [0; WAYS]));
    }

    /// The first of the slots remembered for `head` that `fits` accepts,
    /// with what `fits` found; that slot moves to the front.
    #[inline]
    fn find(&mut self, head: u64, mut fits: impl FnMut(usize) -> Option<u64>) -> Option<(usize, u64)> {
        let entry = &mut self.0[head as usize % RECENT];
        if entry.0 != head {
            return None;
        }
        for i in 0..WAYS {
            let slot = usize::from(entry.1[i]).checked_sub(1)?;
            if let Some(found) = fits(slot) {
                to_front(&mut entry.1, i);
                return Some((slot, found));
            }
        }
        None
    }

    /// Puts `slot1` first among the slots remembered for `head`.
    fn remember(&mut self, head: u64, slot1: u8) {
        let entry = &mut self.0[head as usize % RECENT];
        if entry.0 != head {
            *entry = (head, [0; WAYS]);
        }
        let at = entry.1.iter().position(|&s| s == slot1).unwrap_or(WAYS - 1);
        entry.1[at] = slot1;
        to_front(&mut entry.1, at);
    }
}

/// The writer's side of version 2: packs records into a block payload.
/// No longer what the recorder writes; kept to make version-2 blocks for
/// the tests that read them.
pub struct RunPacker {
    state: BlockState,
    /// Shape key (see [`shape_key`]) to slot + 1 (0 = none).
    lookup: Box<[(u64, u8); LOOKUP]>,
    recent: Recent,
}

impl Default for RunPacker {
    fn default() -> Self {
        Self { state: BlockState::default(), lookup: Box::new([(0, 0); LOOKUP]), recent: Recent::default() }
    }
}

/// One word of a frame against the same word of the slot's last frame:
/// `None` when it breaks the template, else whether it changed.
#[inline]
fn word_fits(w: u64, tw: u64, digits: u64) -> Option<bool> {
    let x = w ^ tw;
    if x == 0 {
        return Some(false);
    }
    (x & !digits == 0 && digit_mask(w) == digits).then_some(true)
}

/// A frame's shape key: its length, its text with the digits blanked, and
/// where the digits are. Frames of one template share it; a collision only
/// costs a frame stored whole.
fn shape_key(frame: &[u8]) -> u64 {
    let mut h = frame.len() as u64;
    for w in words(frame) {
        let m = digit_mask(w);
        h = h.rotate_left(7) ^ (w & !m) ^ m;
    }
    mix(h)
}

/// Spreads every bit of `h` over the low ones the tables index by (the
/// murmur3 finalizer); without it, frames of one stream that differ only
/// in length fell on the same entries.
#[inline]
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// A cheaper key: the length and the first 48 bytes with the digits
/// blanked, which name the stream in Binance's frames.
#[inline]
fn head_key(frame: &[u8]) -> u64 {
    let mut h = frame.len() as u64;
    for i in 0..6 {
        let w = word_at(frame, i * 8);
        h = h.rotate_left(7) ^ (w & !digit_mask(w));
    }
    mix(h)
}

impl RunPacker {
    /// Starts a new block: templates and deltas begin again.
    pub fn reset(&mut self) {
        self.state.reset();
        self.lookup.fill((0, 0));
        self.recent.clear();
    }

    /// Appends `r` to the block payload `out`, packed when it is a frame
    /// matching a template, whole (and learned, when a frame) otherwise.
    pub fn push(&mut self, out: &mut Vec<u8>, r: RecordRef<'_>) {
        let start = out.len();
        let packed = r.kind == Kind::Frame && self.try_pack(out, r);
        if !packed {
            format::encode_record(out, r);
            if r.kind == Kind::Frame {
                if let Some(slot) = self.state.learn(r.payload, true) {
                    let key = shape_key(r.payload);
                    self.lookup[key as usize % LOOKUP] = (key, slot as u8 + 1);
                    self.recent.remember(head_key(r.payload), slot as u8 + 1);
                }
            }
        }
        debug_assert!(out.len() > start);
        self.state.stamp = r.stamp_ns;
        self.state.seq = r.seq;
    }

    /// The slot whose template `frame` fits, trying the slot last used
    /// for frames that begin like it first (the common case: one pass over
    /// the frame), then the one learned for its whole shape. Also returns
    /// which of the frame's first 64 words differ from the slot's last
    /// frame (bit n for word n), so unchanged numbers are not parsed.
    fn find_slot(&mut self, frame: &[u8]) -> Option<(usize, u64)> {
        let head = head_key(frame);
        let slots = &self.state.slots;
        if let Some(hit) = self.recent.find(head, |slot| fits(&slots[slot], frame)) {
            return Some(hit);
        }
        let key = shape_key(frame);
        let (k, slot1) = self.lookup[key as usize % LOOKUP];
        if k != key || slot1 == 0 {
            return None;
        }
        let slot = usize::from(slot1 - 1);
        let changed = fits(&self.state.slots[slot], frame)?;
        self.recent.remember(head, slot1);
        Some((slot, changed))
    }

    /// Writes `r` packed if a template fits it; false (nothing written) if not.
    fn try_pack(&mut self, out: &mut Vec<u8>, r: RecordRef<'_>) -> bool {
        let frame = r.payload;
        if frame.len() > MAX_TEXT {
            return false;
        }
        let Some((slot, changed)) = self.find_slot(frame) else {
            return false;
        };
        let start = self.state.begin_packed(out, PACKED, r, slot);
        let t = &mut self.state.slots[slot];
        for (&(pos, len), last) in t.runs.iter().zip(t.values.iter_mut()) {
            let (pos, len) = (usize::from(pos), usize::from(len));
            if !run_changed(changed, pos, len) {
                out.push(0);
                continue;
            }
            let v = run_value(frame, pos, len);
            put_varint(out, zigzag(v.wrapping_sub(*last)));
            *last = v;
        }
        t.text.copy_from_slice(frame);
        seal_packed(out, start);
        true
    }
}

/// Moves way `i` to the front, the ones before it back by one (in line: a
/// slice rotation is a call, and most lookups hit the first way).
#[inline]
fn to_front(ways: &mut [u8; WAYS], i: usize) {
    let s = ways[i];
    for j in (1..=i).rev() {
        ways[j] = ways[j - 1];
    }
    ways[0] = s;
}

/// Whether the run at `pos` of `len` digits lies in a word marked in
/// `changed` (or past the words it covers).
#[inline]
fn run_changed(changed: u64, pos: usize, len: usize) -> bool {
    let (first, last) = (pos / 8, (pos + len - 1) / 8);
    if last >= 63 {
        return true;
    }
    changed >> first & ((2u64 << (last - first)) - 1) != 0
}

/// Whether `frame` fits template `t`: same length, the same text outside
/// the digits, digits exactly where `t` has them. When it does, the words
/// (of the first 64) that differ from the slot's last frame. A word equal
/// to the last frame's needs no digit check, and most are.
#[inline]
fn fits(t: &Template, frame: &[u8]) -> Option<u64> {
    if t.text.len() != frame.len() || t.text.is_empty() {
        return None;
    }
    let mut changed = 0u64;
    let whole = frame.len() / 8;
    for i in 0..whole {
        let w = u64::from_le_bytes(frame[i * 8..i * 8 + 8].try_into().unwrap_or([0xff; 8]));
        let tw = u64::from_le_bytes(t.text[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        changed |= u64::from(word_fits(w, tw, t.digits[i])?) << i.min(63);
    }
    if whole < t.digits.len() {
        let (w, tw) = (word_at(frame, whole * 8), word_at(&t.text, whole * 8));
        changed |= u64::from(word_fits(w, tw, t.digits[whole])?) << whole.min(63);
    }
    Some(changed)
}

/// The reader's side: reads records of a block payload, expanding packed
/// frames.
#[derive(Default)]
pub struct Unpacker {
    state: BlockState,
    /// The segment's format version: 1 packs nothing, 2 numbers, 3 nibbles.
    version: u32,
}

/// Where a record read by [`Unpacker::read`] keeps its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// In the block, at this range.
    Block(usize, usize),
    /// The text of this template slot (see [`Unpacker::payload`]).
    Slot(usize),
}

/// A record's fields as [`Unpacker::read`] found them.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub kind: Kind,
    pub stamp_ns: u64,
    pub seq: u64,
    pub conn: u32,
    pub payload: Payload,
    /// Offset of the next record.
    pub next: usize,
}

impl Unpacker {
    /// Starts a new block of a segment of format `version`.
    pub fn reset(&mut self, version: u32) {
        self.state.reset();
        self.version = version;
    }

    /// The payload of a record found in `block`.
    pub fn payload<'a>(&'a self, block: &'a [u8], p: Payload) -> &'a [u8] {
        match p {
            Payload::Block(a, b) => &block[a..b],
            Payload::Slot(s) => &self.state.slots[s].text,
        }
    }

    /// Reads the record at `at` of `block`, which must follow the block's
    /// records before it; `check` verifies its checksum (for a packed
    /// frame, of its body as stored).
    pub fn read(&mut self, block: &[u8], at: usize, check: bool) -> Result<Found, RecordError> {
        let prefix = block.get(at..at + RECORD_PREFIX_LEN).ok_or(RecordError::Truncated)?;
        let body_len = u32::from_le_bytes(prefix[..4].try_into().unwrap_or([0; 4])) as usize;
        let kind = *block.get(at + RECORD_PREFIX_LEN).ok_or(RecordError::Truncated)?;
        let found = if kind == PACKED && self.version == 2 {
            self.read_packed(block, at, body_len, check)?
        } else if kind == PACKED_NIBBLES && self.version >= 3 {
            let end = (at + RECORD_PREFIX_LEN).checked_add(body_len).ok_or(RecordError::Truncated)?;
            let body = self.checked_body(block, at, end, check)?;
            let (slot, stamp_ns, seq, conn) = nibbles::read(&mut self.state, body, 1)?;
            Found { kind: Kind::Frame, stamp_ns, seq, conn, payload: Payload::Slot(slot), next: end }
        } else {
            let (r, next) = format::read_record(block, at, check)?;
            let start = next - r.payload.len();
            if r.kind == Kind::Frame {
                match self.version {
                    2 => _ = self.state.learn(r.payload, false),
                    3.. => _ = self.state.learn_text(r.payload),
                    _ => {}
                }
            }
            Found {
                kind: r.kind,
                stamp_ns: r.stamp_ns,
                seq: r.seq,
                conn: r.conn,
                payload: Payload::Block(start, next),
                next,
            }
        };
        self.state.stamp = found.stamp_ns;
        self.state.seq = found.seq;
        Ok(found)
    }

    /// The body of the packed record at `at` of `block`, ending at `end`,
    /// its checksum verified when `check`.
    fn checked_body<'a>(&self, block: &'a [u8], at: usize, end: usize, check: bool) -> Result<&'a [u8], RecordError> {
        let body = block.get(at + RECORD_PREFIX_LEN..end).ok_or(RecordError::Truncated)?;
        if check && crc32fast::hash(body) != u32::from_le_bytes(block[at + 4..at + 8].try_into().unwrap_or([0; 4])) {
            return Err(RecordError::Checksum);
        }
        Ok(body)
    }

    fn read_packed(&mut self, block: &[u8], at: usize, body_len: usize, check: bool) -> Result<Found, RecordError> {
        let end = (at + RECORD_PREFIX_LEN).checked_add(body_len).ok_or(RecordError::Truncated)?;
        let body = self.checked_body(block, at, end, check)?;
        let mut p = 1;
        let (stamp_ns, seq, conn, slot) = self.state.read_head(body, &mut p)?;
        let t = self.state.slots.get_mut(slot).filter(|t| !t.text.is_empty()).ok_or(RecordError::Packing)?;
        for (&(pos, len), last) in t.runs.iter().zip(t.values.iter_mut()) {
            let v = last.wrapping_add(unzigzag(get_varint(body, &mut p)?));
            if v == *last {
                continue;
            }
            let len = usize::from(len);
            if !fits_digits(v, len) {
                return Err(RecordError::Packing);
            }
            write_digits(&mut t.text[usize::from(pos)..usize::from(pos) + len], v);
            *last = v;
        }
        if p != body.len() {
            return Err(RecordError::Packing);
        }
        Ok(Found { kind: Kind::Frame, stamp_ns, seq, conn, payload: Payload::Slot(slot), next: end })
    }
}

/// Whether `v` has at most `len` digits.
fn fits_digits(v: u64, len: usize) -> bool {
    match POW10.get(len) {
        Some(&limit) => v < limit as u64,
        None => len == MAX_RUN_DIGITS && v < 10_000_000_000_000_000_000,
    }
}

/// Two-digit strings "00" to "99".
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `v` into `dst` as decimal digits, zero-padded to its length
/// (`v` fits: the caller checked it against the length).
#[inline]
fn write_digits(dst: &mut [u8], mut v: u64) {
    let mut i = dst.len();
    while i >= 2 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        dst[i - 2..i].copy_from_slice(&PAIRS[pair..pair + 2]);
        i -= 2;
    }
    if i == 1 {
        dst[0] = b'0' + (v % 10) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_near_the_end_is_padded_like_a_copied_one() {
        let text: Vec<u8> = (0u8..24).map(|i| b'0' + i).collect();
        for len in 0..=text.len() {
            let b = &text[..len];
            for at in 0..len + 9 {
                let mut w = [0xffu8; 8];
                let rest = b.get(at..).unwrap_or(&[]);
                let n = rest.len().min(8);
                w[..n].copy_from_slice(&rest[..n]);
                assert_eq!(word_at(b, at), u64::from_le_bytes(w), "len {len} at {at}");
            }
        }
    }

    /// A record's fields, owned: kind, stamp, seq, conn, payload.
    type Rec = (Kind, u64, u64, u32, Vec<u8>);

    fn trade(sym: &str, t: u64, p: &str, q: &str, m: bool) -> Vec<u8> {
        format!(
            r#"{{"stream":"{l}@trade","data":{{"e":"trade","E":{e},"s":"{sym}","t":{t},"p":"{p}","q":"{q}","T":{e1},"m":{m},"M":true}}}}"#,
            l = sym.to_lowercase(),
            e = 1_700_000_000_000u64 + t,
            e1 = 1_700_000_000_000u64 + t - 1,
        )
        .into_bytes()
    }

    fn frames() -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        for i in 0..500u64 {
            let p = format!("{}.{:08}", 59_990 + i % 20, (i * 7_919) % 100_000_000);
            v.push(trade("BTCUSDT", 1_000 + i, &p, "0.00100000", i % 3 == 0));
            v.push(
                format!(
                    r#"{{"stream":"ethusdt@bookTicker","data":{{"u":{},"s":"ETHUSDT","b":"2999.{:02}000000","B":"18.69740000","a":"3000.01000000","A":"7.60970000"}}}}"#,
                    14_159_474_837 + i * 3,
                    i % 100
                )
                .into_bytes(),
            );
        }
        v.push(b"not json at all".to_vec());
        v.push(vec![b'9'; 40]);
        v
    }

    /// Packs `records` as format `version` (2 or 3) packs them.
    fn pack_all(records: &[Rec], version: u32) -> Vec<u8> {
        let (mut v2, mut v3) = (RunPacker::default(), NibblePacker::default());
        let mut out = Vec::new();
        for (kind, stamp_ns, seq, conn, payload) in records {
            let r = RecordRef { kind: *kind, stamp_ns: *stamp_ns, seq: *seq, conn: *conn, payload };
            if version == 2 { v2.push(&mut out, r) } else { v3.push(&mut out, r) }
        }
        out
    }

    fn read_all(block: &[u8], version: u32, check: bool) -> Result<Vec<Rec>, RecordError> {
        let mut u = Unpacker::default();
        u.reset(version);
        let mut at = 0;
        let mut out = Vec::new();
        while at < block.len() {
            let f = u.read(block, at, check)?;
            out.push((f.kind, f.stamp_ns, f.seq, f.conn, u.payload(block, f.payload).to_vec()));
            at = f.next;
        }
        Ok(out)
    }

    fn records() -> Vec<Rec> {
        let mut stamp = 1_700_000_000_000_000_000u64;
        frames()
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                stamp += 350 + (i as u64 % 7) * 1_000;
                let kind = if i % 97 == 5 { Kind::Input } else { Kind::Frame };
                (kind, stamp, i as u64 * 2, 1 + (i as u32 % 2), f)
            })
            .collect()
    }

    fn packed_count(block: &[u8]) -> usize {
        let mut at = 0;
        let mut n = 0;
        while at < block.len() {
            let len = u32::from_le_bytes(block[at..at + 4].try_into().unwrap()) as usize;
            n += usize::from(matches!(block[at + RECORD_PREFIX_LEN], PACKED | PACKED_NIBBLES));
            at += RECORD_PREFIX_LEN + len;
        }
        n
    }

    #[test]
    fn frames_come_back_byte_for_byte_and_most_are_packed() {
        let recs = records();
        for version in [2, 3] {
            let block = pack_all(&recs, version);
            assert_eq!(read_all(&block, version, true).unwrap(), recs, "version {version}");
            assert_eq!(read_all(&block, version, false).unwrap(), recs, "version {version}");
            let plain: usize = recs.iter().map(|r| RECORD_PREFIX_LEN + format::RECORD_FIXED_LEN + r.4.len()).sum();
            let packed = packed_count(&block);
            assert!(packed > recs.len() * 9 / 10, "version {version}: {packed} of {} packed", recs.len());
            assert!(block.len() * 4 < plain, "version {version}: packed {} bytes of {}", block.len(), plain);
        }
    }

    #[test]
    fn a_block_reads_only_as_the_version_that_packed_it() {
        let recs = records();
        for (packed, read) in [(2, 3), (3, 2), (2, 1), (3, 1)] {
            let block = pack_all(&recs, packed);
            assert!(read_all(&block, read, true).is_err(), "packed as {packed}, read as {read}");
        }
    }

    #[test]
    fn a_damaged_packed_record_fails_its_checksum_or_its_templates() {
        let recs = records();
        for version in [2, 3] {
            let block = pack_all(&recs, version);
            // Flip a byte inside a late record: whatever it hits, the read of
            // the block either fails or (never) returns other records unnoticed.
            for at in [block.len() - 3, block.len() - 9, block.len() / 2] {
                let mut bad = block.clone();
                bad[at] ^= 0x01;
                if let Ok(back) = read_all(&bad, version, true) {
                    assert_eq!(back, recs, "version {version}: a flip at {at} went unnoticed");
                }
            }
        }
    }

    #[test]
    fn a_version_1_block_is_read_as_stored() {
        let recs = records();
        let mut plain = Vec::new();
        for (kind, stamp_ns, seq, conn, payload) in &recs {
            format::encode_record(
                &mut plain,
                RecordRef { kind: *kind, stamp_ns: *stamp_ns, seq: *seq, conn: *conn, payload },
            );
        }
        let mut u = Unpacker::default();
        u.reset(1);
        let f = u.read(&plain, 0, true).unwrap();
        assert_eq!(u.payload(&plain, f.payload), &recs[0].4[..]);
    }

    #[test]
    fn digit_masks_are_exact_per_byte() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = [b'"'; 8];
                w[pos] = b;
                let m = digit_mask(u64::from_le_bytes(w)).to_le_bytes();
                for (i, &x) in m.iter().enumerate() {
                    let want = if w[i].is_ascii_digit() { 0xff } else { 0 };
                    assert_eq!(x, want, "byte {b:#x} at {pos}");
                }
            }
        }
    }

    #[test]
    fn numbers_keep_their_width() {
        let mut b = [0u8; 8];
        write_digits(&mut b, 1_234);
        assert_eq!(&b, b"00001234");
        let mut c = [0u8; 19];
        write_digits(&mut c, 9_999_999_999_999_999_999);
        assert_eq!(&c, b"9999999999999999999");
        assert!(fits_digits(9_999_999_999_999_999_999, 19) && !fits_digits(10_000_000_000_000_000_000, 19));
        assert!(fits_digits(99, 2) && !fits_digits(100, 2));
        assert_eq!(run_value(b"x0012345678901y", 1, 13), 12_345_678_901);
    }
}
