//! The exchange's own order record, its client id and the slab that holds
//! open orders, all plain `Copy` data so the hot path never allocates.

use super::types::Status;
use crate::domain::{OrderKind, Price, Qty, Side, TimeInForce};
use std::hash::{BuildHasherDefault, Hasher};

/// "No slot" in the intrusive price-level lists.
pub(super) const NIL: u32 = u32::MAX;
/// Binance's limit for client order ids.
const CLIENT_ID_MAX: usize = 36;

/// A client order id stored inline (`[A-Za-z0-9_-]{1,36}`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ClientId {
    len: u8,
    buf: [u8; CLIENT_ID_MAX],
}

impl ClientId {
    /// `None` unless 1-36 characters of `[A-Za-z0-9_-]`.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > CLIENT_ID_MAX || !b.iter().all(|c| c.is_ascii_alphanumeric() || b"_-".contains(c))
        {
            return None;
        }
        let mut buf = [0u8; CLIENT_ID_MAX];
        buf.get_mut(..b.len())?.copy_from_slice(b);
        Some(Self { len: b.len() as u8, buf })
    }

    /// `sim-<orderId>`, without going through a `String`.
    pub fn generated(order_id: i64) -> Self {
        let mut buf = [0u8; CLIENT_ID_MAX];
        buf[..4].copy_from_slice(b"sim-");
        let mut digits = [0u8; 20];
        let mut n = order_id.unsigned_abs();
        let mut k = 0;
        loop {
            digits[k] = b'0' + (n % 10) as u8;
            n /= 10;
            k += 1;
            if n == 0 || k == digits.len() {
                break;
            }
        }
        let mut len = 4;
        for d in digits[..k].iter().rev() {
            buf[len] = *d;
            len += 1;
        }
        Self { len: len as u8, buf }
    }

    pub fn as_str(&self) -> &str {
        self.buf.get(..usize::from(self.len)).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }
}

impl std::fmt::Debug for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An order while it lives in the exchange (and, finished, in an account's history).
#[derive(Debug, Clone, Copy)]
pub(super) struct Order {
    pub id: i64,
    pub acct: u32,
    pub sym: u32,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: TimeInForce,
    pub price: Price,
    pub stop_price: Price,
    pub orig_qty: Qty,
    pub executed: Qty,
    /// Σ price × qty over fills, 18 decimals.
    pub cum_quote: i128,
    pub status: Status,
    pub time_ms: i64,
    pub update_ms: i64,
    pub working: bool,
    pub client: ClientId,
    /// What the order still holds locked, in its lock asset (quote for
    /// buys, base for sells), 18 decimals.
    pub locked: i128,
    /// Neighbours in its price level's FIFO.
    pub prev: u32,
    pub next: u32,
}

impl Order {
    #[inline]
    pub fn remaining(&self) -> i64 {
        self.orig_qty.0.saturating_sub(self.executed.0)
    }
}

/// Open orders by slot, with a free list so slots (and memory) are reused.
#[derive(Debug, Default)]
pub(super) struct Slab {
    v: Vec<Option<Order>>,
    free: Vec<u32>,
}

impl Slab {
    pub fn insert(&mut self, o: Order) -> u32 {
        if let Some(s) = self.free.pop() {
            if let Some(e) = self.v.get_mut(s as usize) {
                *e = Some(o);
                return s;
            }
        }
        self.v.push(Some(o));
        (self.v.len() - 1) as u32
    }

    pub fn remove(&mut self, slot: u32) -> Option<Order> {
        let o = self.v.get_mut(slot as usize)?.take()?;
        self.free.push(slot);
        Some(o)
    }

    #[inline]
    pub fn get(&self, slot: u32) -> Option<&Order> {
        self.v.get(slot as usize)?.as_ref()
    }

    #[inline]
    pub fn get_mut(&mut self, slot: u32) -> Option<&mut Order> {
        self.v.get_mut(slot as usize)?.as_mut()
    }
}

/// FxHash: the maps are keyed by our own ids on a loopback sim, so speed
/// matters more than resistance to chosen keys.
#[derive(Default, Clone, Copy)]
pub(super) struct Fx(u64);

const FX_K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(FX_K);
    }
}

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type FxMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fx>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids() {
        assert_eq!(ClientId::generated(42).as_str(), "sim-42");
        assert_eq!(ClientId::generated(i64::MAX).as_str(), "sim-9223372036854775807");
        assert_eq!(ClientId::parse("abc_-9").map(|c| c.as_str().to_string()), Some("abc_-9".into()));
        assert!(ClientId::parse("").is_none());
        assert!(ClientId::parse("a b").is_none());
        assert!(ClientId::parse(&"x".repeat(37)).is_none());
        assert!(ClientId::parse(&"x".repeat(36)).is_some());
    }
}
