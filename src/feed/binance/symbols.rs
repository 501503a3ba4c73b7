//! Symbol bytes → instrument, in O(1).
//!
//! `Instruments::find` scans its list, which is fine for a handful of
//! symbols but costs microseconds per frame once an exchangeInfo has loaded
//! 1,700 of them. The decoder keeps this hash index in front of it.

use super::error::{DecodeError, Malformed, excerpt};
use super::fields::{Fields, Key};
use crate::domain::{Instrument, InstrumentId, Instruments};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A tiny multiplicative hash (the Fx hash of rustc): symbols are short and
/// come from the exchange, not from an adversary choosing collisions.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// What a decoder needs to know about a symbol: its id and its scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub id: InstrumentId,
    pub price_scale: u8,
    pub qty_scale: u8,
}

/// The decoder's instrument table plus its hash index, fronted by a small
/// cache of recent symbols (a feed interleaves a few symbols, so a single
/// "last symbol" misses on nearly every frame).
#[derive(Debug, Clone)]
pub struct Symbols {
    table: Instruments,
    index: HashMap<Box<[u8]>, InstrumentId, BuildHasherDefault<FxHasher>>,
    recent: [Option<(ShortSymbol, Resolved)>; RECENT],
}

/// Slots of the recent-symbol cache (direct-mapped).
const RECENT: usize = 16;

/// A symbol of at most 23 bytes as three words (zero-padded, length in the
/// last byte), so a cache check is three integer compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShortSymbol([u64; 3]);

impl ShortSymbol {
    #[inline]
    fn new(s: &[u8]) -> Option<Self> {
        let mut b = [0u8; 24];
        b.get_mut(..s.len()).filter(|_| s.len() < 24)?.copy_from_slice(s);
        b[23] = s.len() as u8;
        let w =
            |i: usize| u64::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]]);
        Some(Self([w(0), w(8), w(16)]))
    }

    #[inline]
    fn slot(&self) -> usize {
        let h = (self.0[0] ^ self.0[1].rotate_left(21) ^ self.0[2].rotate_left(42)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 60) as usize % RECENT
    }
}

impl Symbols {
    pub fn new(table: Instruments) -> Self {
        Self { table, index: HashMap::default(), recent: [None; RECENT] }
    }

    pub fn table(&self) -> &Instruments {
        &self.table
    }

    /// Mutable access drops the index: the caller may replace the table.
    pub fn table_mut(&mut self) -> &mut Instruments {
        self.index.clear();
        self.recent = [None; RECENT];
        &mut self.table
    }

    /// Looks a symbol up, registering it when the table allows; `None` when unknown.
    #[inline]
    pub fn resolve(&mut self, symbol: &[u8]) -> Option<Resolved> {
        self.cached(symbol, true)
    }

    /// Looks up a symbol the decoder has met before, never registering one
    /// (the fast path leaves a symbol's first frame to the general decoder).
    #[inline]
    pub fn known(&mut self, symbol: &[u8]) -> Option<Resolved> {
        self.cached(symbol, false)
    }

    /// The recent-symbol cache in front of [`Symbols::lookup`].
    #[inline]
    fn cached(&mut self, symbol: &[u8], register: bool) -> Option<Resolved> {
        let key = ShortSymbol::new(symbol);
        if let Some(k) = key {
            if let Some((cached, r)) = &self.recent[k.slot()] {
                if *cached == k {
                    return Some(*r);
                }
            }
        }
        let r = self.lookup(symbol, register)?;
        if let Some(k) = key {
            self.recent[k.slot()] = Some((k, r));
        }
        Some(r)
    }

    /// Through the index; a symbol not in it is looked for in the table
    /// (and registered there, when the table allows) only if `register`.
    fn lookup(&mut self, symbol: &[u8], register: bool) -> Option<Resolved> {
        let id = match self.index.get(symbol) {
            Some(&id) => id,
            None if register => self.miss(symbol)?,
            None => return None,
        };
        let i = self.table.try_get(id)?;
        Some(Resolved { id, price_scale: i.price_scale, qty_scale: i.qty_scale })
    }

    /// Resolves the symbol held in field `k`, or says which symbol is unknown.
    #[inline]
    pub fn resolve_field(&mut self, f: &Fields<'_>, k: Key) -> Result<Resolved, DecodeError> {
        let sym = f.str(k)?;
        self.resolve(sym)
            .ok_or_else(|| f.error(Malformed::UnknownSymbol, k, format_args!("unknown symbol \"{}\"", excerpt(sym))))
    }

    /// Resolves a symbol that came from outside the frame (a stream name, a URL).
    pub fn resolve_hint(&mut self, symbol: &[u8], origin: &str) -> Result<Resolved, DecodeError> {
        self.resolve(symbol).ok_or_else(|| {
            DecodeError::new(Malformed::UnknownSymbol, format!("{origin}: unknown symbol \"{}\"", excerpt(symbol)))
        })
    }

    /// Adds or replaces an instrument. Ids never change, so the index stays
    /// valid; scales may, so the recent-symbol cache is dropped.
    pub fn upsert(&mut self, inst: Instrument) -> InstrumentId {
        self.recent = [None; RECENT];
        self.table.upsert(inst)
    }

    #[cold]
    fn miss(&mut self, symbol: &[u8]) -> Option<InstrumentId> {
        let id = self.table.resolve(symbol)?;
        self.index.insert(symbol.into(), id);
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Instrument, Venue};

    #[test]
    fn resolves_through_the_index_and_survives_table_edits() {
        let mut s = Symbols::new(Instruments::fixed(vec![Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT")]));
        let a = s.resolve(b"BTCUSDT").unwrap();
        assert_eq!(s.resolve(b"BTCUSDT"), Some(a));
        assert_eq!(s.resolve(b"ETHUSDT"), None);
        let mut eth = Instrument::with_defaults(Venue::BinanceSpot, "ETHUSDT");
        eth.price_scale = 2;
        s.table_mut().upsert(eth);
        let e = s.resolve(b"ETHUSDT").unwrap();
        assert_eq!(e.price_scale, 2);
        let mut eth = Instrument::with_defaults(Venue::BinanceSpot, "ETHUSDT");
        eth.price_scale = 3;
        s.upsert(eth);
        assert_eq!(s.resolve(b"ETHUSDT").unwrap().price_scale, 3);
        assert_eq!(s.resolve(b"BTCUSDT"), Some(a));
        let long = [b'A'; 30];
        assert_eq!(s.resolve(&long), None);
        assert_ne!(e.id, a.id);
        *s.table_mut() = Instruments::fixed(vec![]);
        assert_eq!(s.resolve(b"BTCUSDT"), None);
    }
}
