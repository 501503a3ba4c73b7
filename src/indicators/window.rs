//! The last `n` inputs, for indicators that must subtract what leaves the window.

/// A fixed ring of `n` mantissas, allocated once.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    buf: Vec<i64>,
    /// Next slot to write; the oldest value once full.
    head: usize,
    full: bool,
}

impl Window {
    /// `n` must be at least 1 (checked by the indicators' constructors).
    pub fn new(n: usize) -> Self {
        Self { buf: vec![0; n], head: 0, full: false }
    }

    /// Adds `x`; returns the value it pushed out once the window is full.
    #[inline]
    pub fn push(&mut self, x: i64) -> Option<i64> {
        let slot = self.buf.get_mut(self.head)?;
        let evicted = self.full.then_some(*slot);
        *slot = x;
        self.head += 1;
        if self.head == self.buf.len() {
            self.head = 0;
            self.full = true;
        }
        evicted
    }

    pub fn is_full(&self) -> bool {
        self.full
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// The values in the window (any order), for the rare slow path.
    pub fn values(&self) -> &[i64] {
        if self.full { &self.buf } else { &self.buf[..self.head] }
    }

    pub fn clear(&mut self) {
        self.head = 0;
        self.full = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_oldest_once_full() {
        let mut w = Window::new(3);
        assert_eq!([w.push(1), w.push(2), w.push(3)], [None, None, None]);
        assert!(w.is_full());
        assert_eq!(w.push(4), Some(1));
        assert_eq!(w.push(5), Some(2));
        let mut v = w.values().to_vec();
        v.sort();
        assert_eq!(v, [3, 4, 5]);
        w.clear();
        assert_eq!((w.push(9), w.values()), (None, &[9][..]));
    }
}
