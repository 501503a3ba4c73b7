//! Frame packing of format version 3: a frame as the bytes that changed
//! since the last frame of its slot.
//!
//! A frame of a stream repeats the last one of its stream except in the
//! low digits of its numbers. Where version 2 parsed every changed number
//! and stored its difference, this one compares the frame with the slot's
//! last frame eight bytes at a time and stores, for each word that differs,
//! the span of bytes from the first to the last that differ, as the XOR of
//! their low halves. Two ASCII digits differ only in their low half, so
//! every change of a number fits; any other change (a byte whose high half
//! differs, another length) stores the frame whole. Nothing is parsed and
//! nothing is divided: the writer's work per frame fell by about a third,
//! at about the same size (see `benches/record.rs`).
//!
//! Body of a packed record, after the kind byte [`PACKED_NIBBLES`]:
//! zigzag varint stamp change, zigzag varint sequence change, varint
//! connection id, slot byte, varint bitmap of the changed words (bit n for
//! the frame's word n), then for each changed word in order a span byte
//! (bits 0-2: first changed byte, bits 3-5: span length less one; bits 6-7
//! zero) and the span's nibbles, two to a byte, the first in the low half
//! (an odd count leaves the last high half zero).

use super::{BlockState, HIGH_NIBBLES, Recent, get_varint, head_key, put_varint, seal_packed, word_at};
use crate::record::format::{self, Kind, RecordError, RecordRef};

/// Body kind byte of a version-3 packed frame.
pub const PACKED_NIBBLES: u8 = 0x81;

/// Frames longer than this are stored whole (64 words: the bitmap is a u64).
pub const MAX_TEXT: usize = 512;

/// The writer's side of version 3: packs records into a block payload.
#[derive(Default)]
pub struct NibblePacker {
    state: BlockState,
    recent: Recent,
}

/// Whether a frame may become a slot's text (reader and writer agree).
pub(super) fn learnable(frame: &[u8]) -> bool {
    !frame.is_empty() && frame.len() <= MAX_TEXT
}

/// The words of `frame` (bit n for word n) that differ from `last`, when
/// every difference is in the low half of a byte; `None` otherwise.
#[inline]
fn changed_words(last: &[u8], frame: &[u8]) -> Option<u64> {
    if last.len() != frame.len() || !learnable(frame) {
        return None;
    }
    let le = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap_or([0xff; 8]));
    let (mut any, mut changed) = (0u64, 0u64);
    for (i, (f, l)) in frame.chunks_exact(8).zip(last.chunks_exact(8)).enumerate() {
        let x = le(f) ^ le(l);
        any |= x;
        changed |= u64::from(x != 0) << i;
    }
    let whole = frame.len() / 8;
    if frame.len() % 8 != 0 {
        let x = word_at(frame, whole * 8) ^ word_at(last, whole * 8);
        any |= x;
        changed |= u64::from(x != 0) << whole;
    }
    (any & HIGH_NIBBLES == 0).then_some(changed)
}

/// The low halves of the bytes of `x`, two to a byte, the first in the
/// low half of the first byte.
#[inline]
fn gather_nibbles(x: u64) -> u64 {
    let y = (x | (x >> 4)) & 0x00ff_00ff_00ff_00ff;
    let y = (y | (y >> 8)) & 0x0000_ffff_0000_ffff;
    (y | (y >> 16)) & 0xffff_ffff
}

/// The inverse of [`gather_nibbles`]: eight nibbles back to one per byte.
#[inline]
fn spread_nibbles(y: u64) -> u64 {
    let y = y & 0xffff_ffff;
    let y = (y | (y << 16)) & 0x0000_ffff_0000_ffff;
    let y = (y | (y << 8)) & 0x00ff_00ff_00ff_00ff;
    (y | (y << 4)) & 0x0f0f_0f0f_0f0f_0f0f
}

impl NibblePacker {
    /// Starts a new block: slots and changes begin again.
    pub fn reset(&mut self) {
        self.state.reset();
        self.recent.clear();
    }

    /// Appends `r` to the block payload `out`: packed when it is a frame
    /// that differs from a slot's last frame only in low halves of bytes,
    /// whole (and learned, when a frame) otherwise.
    pub fn push(&mut self, out: &mut Vec<u8>, r: RecordRef<'_>) {
        let head = (r.kind == Kind::Frame).then(|| head_key(r.payload));
        let packed = head.is_some_and(|h| self.try_pack(out, r, h));
        if !packed {
            format::encode_record(out, r);
            if let Some(h) = head {
                if let Some(slot) = self.state.learn_text(r.payload) {
                    self.recent.remember(h, slot as u8 + 1);
                }
            }
        }
        self.state.stamp = r.stamp_ns;
        self.state.seq = r.seq;
    }

    /// Writes `r` packed if a slot fits it; false (nothing written) if not.
    fn try_pack(&mut self, out: &mut Vec<u8>, r: RecordRef<'_>, head: u64) -> bool {
        let frame = r.payload;
        let slots = &self.state.slots;
        let found = self.recent.find(head, |slot| changed_words(&slots[slot].text, frame));
        let Some((slot, changed)) = found else {
            return false;
        };
        let start = self.state.begin_packed(out, PACKED_NIBBLES, r, slot);
        put_varint(out, changed);
        let last = &mut self.state.slots[slot].text;
        let mut words = changed;
        while words != 0 {
            let w = words.trailing_zeros() as usize;
            words &= words - 1;
            let at = w * 8;
            let x = word_at(frame, at) ^ word_at(last, at);
            let first = x.trailing_zeros() / 8;
            let len = 8 - x.leading_zeros() / 8 - first;
            out.push((first | ((len - 1) << 3)) as u8);
            // Eight bytes written and the tail cut: a copy of a variable
            // length is a call to memcpy.
            let keep = out.len() + (len as usize).div_ceil(2);
            out.extend_from_slice(&gather_nibbles(x >> (8 * first)).to_le_bytes());
            out.truncate(keep);
            match (last.get_mut(at..at + 8), frame.get(at..at + 8)) {
                (Some(l), Some(f)) => l.copy_from_slice(f),
                _ => last[at..].copy_from_slice(&frame[at..]),
            }
        }
        seal_packed(out, start);
        true
    }
}

/// Applies the body of a version-3 packed record (after its kind byte, at
/// `p`) to its slot; the slot, stamp, sequence number and connection.
pub(super) fn read(state: &mut BlockState, body: &[u8], mut p: usize) -> Result<(usize, u64, u64, u32), RecordError> {
    let (stamp_ns, seq, conn, slot) = state.read_head(body, &mut p)?;
    let mut words = get_varint(body, &mut p)?;
    let text = &mut state.slots.get_mut(slot).filter(|t| !t.text.is_empty()).ok_or(RecordError::Packing)?.text;
    while words != 0 {
        let at = words.trailing_zeros() as usize * 8;
        words &= words - 1;
        let span = *body.get(p).ok_or(RecordError::Truncated)?;
        p += 1;
        let (first, len) = (usize::from(span & 7), usize::from((span >> 3) & 7) + 1);
        let bytes = len.div_ceil(2);
        if p + bytes > body.len() {
            return Err(RecordError::Truncated);
        }
        // One load of a whole word, cut to the span's bytes (at most 4):
        // copying them into a zeroed word first made the load wait for the
        // copy's byte stores (a third of this function's time in a replay).
        let y = word_at(body, p) & ((1u64 << (8 * bytes)) - 1);
        p += bytes;
        let from = at + first;
        let to = from + len;
        if span >> 6 != 0 || first + len > 8 || to > text.len() || y >> (4 * len) != 0 {
            return Err(RecordError::Packing);
        }
        // The span's changes, in place in the word (zero outside the span).
        let x = spread_nibbles(y) << (8 * first);
        match text.get_mut(at..at + 8) {
            Some(w) => {
                let v = u64::from_le_bytes(w.try_into().unwrap_or([0; 8])) ^ x;
                w.copy_from_slice(&v.to_le_bytes());
            }
            None => {
                for (b, d) in text[at..].iter_mut().zip(x.to_le_bytes()) {
                    *b ^= d;
                }
            }
        }
    }
    if p != body.len() {
        return Err(RecordError::Packing);
    }
    Ok((slot, stamp_ns, seq, conn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nibbles_gather_and_spread_back() {
        for x in [0u64, 0x0102_0304_0506_0708, 0x0f0f_0f0f_0f0f_0f0f, 0x0000_0000_0009_0001, 0x0a00_0000_0000_0000] {
            let y = gather_nibbles(x);
            assert!(y >> 32 == 0, "{x:#x}");
            assert_eq!(spread_nibbles(y), x, "{x:#x}");
        }
        assert_eq!(gather_nibbles(0x0000_0000_0000_0201), 0x21);
    }

    #[test]
    fn only_changes_in_low_halves_fit() {
        let a = br#"{"p":"61837.63000000","q":"0.02"}"#;
        let b = br#"{"p":"61840.07000000","q":"0.19"}"#;
        let c = br#"{"p":"61840.07000000","q":"0.1a"}"#; // 'a' (0x61) against '9' (0x39)
        assert_eq!(changed_words(a, a), Some(0));
        let words = changed_words(a, b).unwrap();
        assert!(words != 0 && words >> a.len().div_ceil(8) == 0);
        assert_eq!(changed_words(b, c), None);
        assert_eq!(changed_words(a, &a[1..]), None, "another length");
        assert_eq!(changed_words(b"", b""), None, "an empty frame is never a slot's");
    }
}
