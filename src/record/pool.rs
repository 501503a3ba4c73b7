//! Chunk buffers on their way back from the writer to the producers.
//!
//! A buffer is handed out again only once [`DEPTH`] others have come back
//! after it (first in, first out). The writer has just read every line of
//! the buffer it returns; a producer that writes into it again at once
//! (last in, first out, as this pool did before) makes each store wait
//! for the writer's core to give up its copy of the line. That costs
//! little when the two cores share a cache and a lot when they do not,
//! which on a small VM can change from one second to the next. By the
//! time a buffer comes round again here, the writer's core has evicted
//! it. Figures are in the README (Performance, recording cost).

use std::collections::VecDeque;
use std::sync::Mutex;

/// Buffers that come back after a buffer before it is handed out again:
/// 64 chunks of 64 KiB are 4 MiB, past a core's 1 MiB L2 cache.
pub const DEPTH: usize = 64;

/// Emptied buffers, oldest first.
pub struct Pool {
    free: Mutex<VecDeque<Vec<u8>>>,
    /// Capacity of a new buffer.
    capacity: usize,
    depth: usize,
    /// Buffers kept at most; more are freed (a producer's burst can bring
    /// back more than the pool needs).
    keep: usize,
}

impl Pool {
    /// A pool of `capacity`-byte buffers, each reused after `depth` others.
    pub fn new(capacity: usize, depth: usize) -> Self {
        Self { free: Mutex::new(VecDeque::with_capacity(depth + 1)), capacity, depth, keep: depth + 16 }
    }

    /// The oldest returned buffer once `depth` others came back after it,
    /// else a new one. Depth 0 hands out the newest, as the pool did before
    /// (kept to measure the two against each other).
    pub fn take(&self) -> Vec<u8> {
        let old = self.free.lock().ok().and_then(|mut q| match self.depth {
            0 => q.pop_back(),
            d if q.len() > d => q.pop_front(),
            _ => None,
        });
        old.unwrap_or_else(|| Vec::with_capacity(self.capacity))
    }

    /// Gives an emptied buffer back.
    pub fn give(&self, mut b: Vec<u8>) {
        b.clear();
        if let Ok(mut q) = self.free.lock() {
            if q.len() < self.keep {
                q.push_back(b);
            }
        }
    }

    /// Buffers waiting to be handed out again.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.free.lock().map(|q| q.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_comes_back_only_after_depth_others_and_oldest_first() {
        let pool = Pool::new(64, 2);
        let bufs: Vec<Vec<u8>> = (0..3).map(|_| pool.take()).collect();
        let ptrs: Vec<*const u8> = bufs.iter().map(|b| b.as_ptr()).collect();
        for mut b in bufs {
            b.extend_from_slice(b"written");
            pool.give(b);
        }
        // Three waiting, depth 2: the first one given comes back, emptied.
        let first = pool.take();
        assert_eq!(first.as_ptr(), ptrs[0]);
        assert!(first.is_empty());
        assert!(first.capacity() >= 64);
        // Two waiting: not enough behind the oldest, so a new buffer.
        let fresh = pool.take();
        assert!(!ptrs.contains(&fresh.as_ptr()));
        assert_eq!(pool.waiting(), 2);
    }

    #[test]
    fn depth_zero_hands_out_the_newest() {
        let pool = Pool::new(64, 0);
        let (a, b) = (pool.take(), pool.take());
        let newest = b.as_ptr();
        pool.give(a);
        pool.give(b);
        let again = pool.take();
        assert_eq!(again.as_ptr(), newest);
    }

    #[test]
    fn the_pool_frees_what_it_does_not_need() {
        let pool = Pool::new(16, 4);
        for _ in 0..100 {
            pool.give(Vec::with_capacity(16));
        }
        assert_eq!(pool.waiting(), 4 + 16);
    }
}
