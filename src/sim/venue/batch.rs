//! A batch: the messages of one hub step in one shared buffer.
//!
//! Each message is stored once, in its combined-stream form
//! `{"stream":"<name>","data":<payload>}`; the raw form is the `data` slice
//! of the same bytes. Connections take `Bytes` slices of the buffer, so
//! fanning out to any number of subscribers copies nothing.

use axum::body::Bytes;

/// One message of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Stream id (see `streams`).
    pub stream: u32,
    /// `buf[start..end]` is the combined form.
    pub start: u32,
    /// `buf[data..end - 1]` is the raw payload.
    pub data: u32,
    pub end: u32,
}

/// The messages of one hub step, shared by every connection.
#[derive(Debug)]
pub struct Batch {
    /// Sequence number of the first message: a connection that missed
    /// batches knows how many messages it missed.
    pub first_seq: u64,
    pub buf: Bytes,
    pub entries: Vec<Entry>,
}

impl Batch {
    /// The combined-stream frame.
    pub fn combined(&self, e: &Entry) -> Bytes {
        self.buf.slice(e.start as usize..e.end as usize)
    }

    /// The bare payload.
    pub fn raw(&self, e: &Entry) -> Bytes {
        self.buf.slice(e.data as usize..e.end as usize - 1)
    }

    /// Sequence number after the last message.
    pub fn next_seq(&self) -> u64 {
        self.first_seq + self.entries.len() as u64
    }
}

/// Builds batches; reused across steps.
#[derive(Debug)]
pub struct BatchBuilder {
    buf: Vec<u8>,
    entries: Vec<Entry>,
    /// Stream and offsets of the message being written.
    open: Option<(u32, u32, u32)>,
    seq: u64,
    capacity: usize,
}

/// Buffers above 4 GiB cannot be addressed by `u32` offsets: a batch is
/// closed long before (a few MB at most).
const MAX_BUF: usize = u32::MAX as usize - (1 << 20);

impl BatchBuilder {
    pub fn new(capacity_bytes: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity_bytes),
            entries: Vec::new(),
            open: None,
            seq: 0,
            capacity: capacity_bytes,
        }
    }

    /// Starts a message of `stream`; the caller writes the payload into
    /// [`BatchBuilder::payload`], then calls [`BatchBuilder::end`].
    pub fn begin(&mut self, stream: u32, name: &str) {
        let start = self.buf.len() as u32;
        self.buf.extend_from_slice(br#"{"stream":""#);
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(br#"","data":"#);
        self.open = Some((stream, start, self.buf.len() as u32));
    }

    /// Where the payload of the open message goes.
    pub fn payload(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Closes the open message.
    pub fn end(&mut self) {
        if let Some((stream, start, data)) = self.open.take() {
            self.buf.push(b'}');
            self.entries.push(Entry { stream, start, data, end: self.buf.len() as u32 });
        }
    }

    /// Adds a frame that is already in combined form, whose payload starts
    /// at `data_offset` and ends one byte before the frame does.
    pub fn push_combined(&mut self, stream: u32, frame: &[u8], data_offset: usize) {
        let start = self.buf.len();
        self.buf.extend_from_slice(frame);
        let end = self.buf.len();
        self.entries.push(Entry { stream, start: start as u32, data: (start + data_offset) as u32, end: end as u32 });
    }

    /// Sends the last message twice (the duplicate fault): same bytes.
    pub fn repeat_last(&mut self) {
        if let Some(e) = self.entries.last().copied() {
            self.entries.push(e);
        }
    }

    /// True when the batch should be sent before it grows further.
    pub fn is_full(&self, max_entries: usize) -> bool {
        self.entries.len() >= max_entries || self.buf.len() >= MAX_BUF
    }

    /// The batch so far (`None` if empty); the builder starts a new one.
    pub fn finish(&mut self) -> Option<Batch> {
        if self.entries.is_empty() {
            self.buf.clear();
            return None;
        }
        let cap = self.capacity.max(self.buf.len());
        let buf = std::mem::replace(&mut self.buf, Vec::with_capacity(cap));
        let entries = std::mem::take(&mut self.entries);
        let first_seq = self.seq;
        self.seq += entries.len() as u64;
        Some(Batch { first_seq, buf: Bytes::from(buf), entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_and_raw_views_share_one_buffer() {
        let mut b = BatchBuilder::new(64);
        b.begin(3, "btcusdt@trade");
        b.payload().extend_from_slice(br#"{"e":"trade"}"#);
        b.end();
        let frame = br#"{"stream":"x@bookTicker","data":{"u":1}}"#;
        b.push_combined(7, frame, frame.len() - 8);
        b.repeat_last();
        let batch = b.finish().unwrap();
        assert_eq!(batch.entries.len(), 3);
        assert_eq!(&batch.combined(&batch.entries[0])[..], br#"{"stream":"btcusdt@trade","data":{"e":"trade"}}"#);
        assert_eq!(&batch.raw(&batch.entries[0])[..], br#"{"e":"trade"}"#);
        assert_eq!(&batch.raw(&batch.entries[2])[..], br#"{"u":1}"#);
        assert_eq!(batch.entries[1], batch.entries[2]);
        assert!(b.finish().is_none());
        b.begin(1, "a@trade");
        b.payload().push(b'1');
        b.end();
        assert_eq!(b.finish().unwrap().first_seq, 3);
    }
}
