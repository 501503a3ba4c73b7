//! Session recordings: an append-only, segmented, checksummed log of what a
//! session received, sent and decided, so `replay` can feed the same engine
//! the same inputs.
//!
//! The byte layout lives in `docs/recording.md`; [`format`](mod@format) is its code.
//! [`SegmentWriter`] writes blocks synchronously, [`Recorder`] puts the two
//! streams of a session (feed and engine) on their own thread behind a
//! bounded queue so neither the source nor the engine waits on a disk, and
//! [`StreamReader`] reads a stream back, reporting torn tails and corrupt
//! blocks instead of stopping at them.

pub mod format;
pub mod input;
pub mod pack;
mod pool;
mod reader;
mod recorder;
mod session;
mod syncer;
mod writer;

pub use format::{InstrumentRec, Kind, Record, RecordRef, SessionHeader};
pub use pool::DEPTH as POOL_DEPTH;
pub use reader::{ReadIssue, SegmentReader, StreamReader, stream_segments};
pub use recorder::{RecordBuf, Recorder, RecorderStats, RecorderThread, Stream};
pub use session::{RecordingReport, RestRecording, SessionOptions, SessionRecorder, utc_stamp};
pub use writer::{SegmentWriter, WriterConfig, WriterTotals, segment_name};
