//! Eight bytes at a time in a `u64` (SWAR): the scanner's inner tests for
//! strings and digits, in safe integer arithmetic.
//!
//! Each function marks bytes by setting their high bit. Borrows between
//! bytes can mark bytes *above* a real mark, never below, so only the lowest
//! mark is exact, and that is the only one the scanner reads.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Marks (high bit of the byte) every byte of `w` that ends a plain ASCII
/// string run: a quote, a backslash, a control character or a non-ASCII
/// byte (which sends the string to UTF-8 validation). Only the lowest mark
/// is exact (borrows may mark bytes above it), which is the one we use.
#[inline(always)]
pub const fn string_stops(w: u64) -> u64 {
    zero_bytes(w ^ (ONES * b'"' as u64))
        | zero_bytes(w ^ (ONES * b'\\' as u64))
        | (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
        | (w & HIGH)
}

/// Marks the bytes of `w` that are not ASCII digits (exact for the lowest).
#[inline(always)]
pub const fn non_digits(w: u64) -> u64 {
    let x = w ^ (ONES * b'0' as u64);
    (x.wrapping_add(ONES * (127 - 9)) | x) & HIGH
}

/// Marks the zero bytes of `x` (exact for the lowest one).
#[inline(always)]
const fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The value of eight ASCII digits read little-endian (first digit in the
/// lowest byte), by pairwise multiply-adds (Lemire's method).
#[inline(always)]
pub const fn eight_digits(w: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 100 + (1_000_000 << 32);
    const MUL2: u64 = 1 + (10_000 << 32);
    let w = w.wrapping_sub(ONES * b'0' as u64);
    let w = w.wrapping_mul(10).wrapping_add(w >> 8);
    ((w & MASK).wrapping_mul(MUL1).wrapping_add(((w >> 16) & MASK).wrapping_mul(MUL2))) >> 32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_stops_finds_the_first_stop() {
        let first = |b: &[u8; 8]| {
            let m = string_stops(u64::from_le_bytes(*b));
            (m != 0).then(|| m.trailing_zeros() / 8)
        };
        assert_eq!(first(b"abcdefgh"), None);
        assert_eq!(first(b"abc\"efgh"), Some(3));
        assert_eq!(first(b"\\\"\"\"\"\"\"\""), Some(0));
        assert_eq!(first(b"ab\x01\"efgh"), Some(2));
        assert_eq!(first(b"\x7f !~a\x1fb\""), Some(5));
        assert_eq!(first(b"ab\xc3\xa9cdef"), Some(2));
        for i in 0..8 {
            for bad in [b'"', b'\\', 0u8, 0x1f] {
                let mut b = *b"zzzzzzzz";
                b[i] = bad;
                assert_eq!(first(&b), Some(i as u32));
            }
        }
    }

    #[test]
    fn non_digits_finds_the_first() {
        let first = |b: &[u8; 8]| {
            let m = non_digits(u64::from_le_bytes(*b));
            (m != 0).then(|| m.trailing_zeros() / 8)
        };
        assert_eq!(first(b"01234567"), None);
        assert_eq!(first(b"0123456,"), Some(7));
        for i in 0..8 {
            for bad in [b'/', b':', b'.', b'e', 0u8, 0x80, 0xb0, 0xff, b' '] {
                let mut b = *b"99999999";
                b[i] = bad;
                assert_eq!(first(&b), Some(i as u32), "{bad:#x} at {i}");
            }
        }
    }

    #[test]
    fn eight_digits_is_the_value() {
        for n in [0u64, 1, 12_345_678, 99_999_999, 10_000_000, 31_415_926] {
            let w = u64::from_le_bytes(*format!("{n:08}").as_bytes().first_chunk::<8>().unwrap());
            assert_eq!(eight_digits(w), n);
        }
    }
}
