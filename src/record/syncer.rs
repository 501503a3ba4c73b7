//! Background syncs of a stream's segments.
//!
//! The writer hands a handle of its segment to this thread after every
//! [`super::WriterConfig::sync_bytes`] it writes and at each rotation, and
//! the thread asks the disk to make those bytes durable. So the disk takes a
//! session's bytes while it runs, a crash of the machine loses at most the
//! last few megabytes, and the end of a session waits only for what was
//! written since the last sync, never for the whole session's writeback
//! (23-40 ms at the end of a 2 s run at full speed, when the end synced
//! everything). The writer never waits on the disk for a periodic sync,
//! nor at a rotation (it used to sync the finished segment itself).

use std::fs::File;
use std::io;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

/// What the thread is asked to sync.
struct Job {
    file: File,
    /// A segment that is complete (rotated out): sync its metadata too.
    whole: bool,
}

/// The sync thread of one stream.
pub struct Syncer {
    tx: SyncSender<Job>,
    handle: JoinHandle<io::Result<u64>>,
}

/// Requests waiting for the thread; a periodic one finding the queue full
/// is skipped, since a request still waiting will sync those bytes too.
const QUEUE: usize = 2;

impl Syncer {
    pub fn start(name: &str) -> io::Result<Self> {
        let (tx, rx) = sync_channel(QUEUE);
        let handle = std::thread::Builder::new().name(format!("tickdesk-sync-{name}")).spawn(move || run(rx))?;
        Ok(Self { tx, handle })
    }

    /// Asks for what was written to `file` so far to be synced, without
    /// waiting.
    pub fn periodic(&self, file: &File) -> io::Result<()> {
        match self.tx.try_send(Job { file: file.try_clone()?, whole: false }) {
            Ok(()) | Err(TrySendError::Full(_)) => Ok(()),
            Err(TrySendError::Disconnected(_)) => Err(io::Error::other("the sync thread stopped")),
        }
    }

    /// Hands over a segment that is complete; waits only when two syncs
    /// are already queued.
    pub fn complete(&self, file: File) -> io::Result<()> {
        self.tx.send(Job { file, whole: true }).map_err(|_| io::Error::other("the sync thread stopped"))
    }

    /// Waits for every queued sync; how many ran, or the first error any
    /// of them met.
    pub fn finish(self) -> io::Result<u64> {
        drop(self.tx);
        self.handle.join().map_err(|_| io::Error::other("the sync thread panicked"))?
    }
}

/// Syncs until the writer hangs up, then reports the count or the first
/// failure.
fn run(rx: Receiver<Job>) -> io::Result<u64> {
    let (mut synced, mut first_error) = (0, None);
    for job in rx {
        match if job.whole { job.file.sync_all() } else { job.file.sync_data() } {
            Ok(()) => synced += 1,
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(synced), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn syncs_what_it_is_handed_and_reports_the_first_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        let mut f = File::create(&path).unwrap();
        f.write_all(b"abc").unwrap();
        let s = Syncer::start("t").unwrap();
        for _ in 0..10 {
            s.periodic(&f).unwrap();
        }
        s.complete(f).unwrap();
        let synced = s.finish().unwrap();
        // Periodic requests that found two waiting were skipped.
        assert!((3..=11).contains(&synced), "{synced} syncs");
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");

        // Linux refuses to sync a character device: the failure surfaces at
        // the end, after the syncs queued behind it ran.
        let Ok(null) = File::open("/dev/null") else { return };
        let s = Syncer::start("t").unwrap();
        s.complete(null).unwrap();
        s.complete(File::open(&path).unwrap()).unwrap();
        assert!(s.finish().is_err());
    }
}
