//! Exact fixed-point numbers parsed straight from the exchange's decimal strings.
//!
//! A [`Price`] or [`Qty`] is an `i64` mantissa whose scale (number of decimals)
//! belongs to the instrument, so the value itself stays 8 bytes and `Copy`.
//! Money ([`Notional`]) always uses [`Notional::SCALE`] = 18 decimals in an
//! `i128`: the product of any price and quantity whose scales add up to at most
//! 18 is exact, and sums across instruments need no rescaling.
//!
//! Parsing never goes through `f64` and never rounds: a digit that the scale
//! cannot hold is an error unless it is a trailing zero (`"61837.63000000"`
//! parses at scale 2).

use std::fmt;

/// The largest scale any price or quantity may have.
pub const MAX_SCALE: u8 = 18;

/// Powers of ten up to 10^18, the reach of an `i64` mantissa.
pub const POW10: [i64; 19] = {
    let mut t = [1i64; 19];
    let mut i = 1;
    while i < 19 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Why a decimal string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FixedError {
    #[error("empty number")]
    Empty,
    #[error("sign not allowed here")]
    SignNotAllowed,
    #[error("exponent notation not allowed")]
    Exponent,
    #[error("invalid character {0:?} in number")]
    InvalidChar(char),
    #[error("no digits")]
    NoDigits,
    #[error("more than {scale} decimals with a non-zero digit beyond them")]
    TooManyDecimals { scale: u8 },
    #[error("number out of range")]
    Overflow,
    #[error("scale {0} above the maximum of 18")]
    BadScale(u8),
}

/// Parses a decimal string into a mantissa at `scale` decimals.
///
/// Accepts `123`, `123.`, `0.5`, `.5` is refused (no integer digits is a
/// common corruption sign), `+`/`-` only when `signed`. Trailing zeros past
/// the scale are accepted because they do not change the value.
#[inline]
pub fn parse_decimal(s: &[u8], scale: u8, signed: bool) -> Result<i64, FixedError> {
    fast_unsigned(s, scale).map_or_else(|| parse_decimal_checked(s, scale, signed), Ok)
}

/// The common case without overflow checks: no sign, digits, an optional
/// fraction, and at most 18 significant digits in all (so `u64` cannot
/// overflow). Anything else, including every error, goes to the checked path.
/// Digits are taken eight at a time (one load, one check, three multiplies).
#[inline]
fn fast_unsigned(s: &[u8], scale: u8) -> Option<i64> {
    if scale > MAX_SCALE {
        return None;
    }
    let (int, frac) = match s.iter().position(|&c| c == b'.') {
        Some(dot) => (&s[..dot], &s[dot + 1..]),
        None => (s, &[][..]),
    };
    let scale = usize::from(scale);
    if int.is_empty() || int.len() + scale > 18 {
        return None;
    }
    let used = frac.len().min(scale);
    let (kept, rest) = frac.split_at(used);
    if !rest.iter().all(|&c| c == b'0') {
        return None;
    }
    let acc = digits(int)? * POW10[used] as u64 + digits(kept)?;
    // int.len() + scale <= 18 digits: below 10^18, inside i64.
    Some((acc * POW10[scale - used] as u64) as i64)
}

/// The value of at most 18 ASCII digits; `None` if any byte is not one.
#[inline]
fn digits(d: &[u8]) -> Option<u64> {
    let mut acc = 0u64;
    let mut chunks = d.chunks_exact(8);
    for c in &mut chunks {
        let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        acc = acc * 100_000_000 + eight_digits(word)?;
    }
    for &c in chunks.remainder() {
        let v = c.wrapping_sub(b'0');
        if v > 9 {
            return None;
        }
        acc = acc * 10 + u64::from(v);
    }
    Some(acc)
}

/// Eight ASCII digits in a little-endian word (first digit in the lowest
/// byte) to their value; `None` if any byte is not a digit.
#[inline]
fn eight_digits(word: u64) -> Option<u64> {
    let (d, k) = leading_digits(word);
    (k == 8).then(|| digit_values(d))
}

/// The bytes of a little-endian word less `'0'` each, and how many of the
/// first bytes were ASCII digits. A digit gives 0..=9; a byte below '0'
/// wraps to 0xd0 or more and one above '9' passes 0x7f once 0x76 is added,
/// so the lowest byte with a high bit set ends the digits (borrows and
/// carries only travel up from such a byte, so the bytes below it are exact).
#[inline]
pub(crate) fn leading_digits(word: u64) -> (u64, u32) {
    let d = word.wrapping_sub(0x3030_3030_3030_3030);
    let stop = (d | d.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
    (d, if stop == 0 { 8 } else { stop.trailing_zeros() / 8 })
}

/// Eight digit values (0..=9, one per byte, the most significant in the
/// lowest byte) to their number: three multiplies instead of eight.
#[inline]
pub(crate) fn digit_values(d: u64) -> u64 {
    let d = (d.wrapping_mul(10) + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    let d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_ffff_0000_ffff;
    (d.wrapping_mul(10_000) + (d >> 32)) & 0xffff_ffff
}

fn parse_decimal_checked(s: &[u8], scale: u8, signed: bool) -> Result<i64, FixedError> {
    if scale > MAX_SCALE {
        return Err(FixedError::BadScale(scale));
    }
    let (neg, digits) = match s.first() {
        None => return Err(FixedError::Empty),
        Some(b'-') if signed => (true, &s[1..]),
        Some(b'+') if signed => (false, &s[1..]),
        Some(b'-' | b'+') => return Err(FixedError::SignNotAllowed),
        Some(_) => (false, s),
    };
    let mut acc: u64 = 0;
    let mut i = 0;
    let n = digits.len();
    // Integer part: accumulate while checking overflow only when it could happen.
    while i < n {
        let c = digits[i];
        if c.is_ascii_digit() {
            acc = acc.checked_mul(10).and_then(|v| v.checked_add(u64::from(c - b'0'))).ok_or(FixedError::Overflow)?;
            i += 1;
        } else {
            break;
        }
    }
    if i == 0 {
        return Err(match digits.first() {
            None => FixedError::NoDigits,
            Some(&c) => classify(c),
        });
    }
    let mut frac_digits: u8 = 0;
    if i < n {
        if digits[i] != b'.' {
            return Err(classify(digits[i]));
        }
        i += 1;
        while i < n {
            let c = digits[i];
            if !c.is_ascii_digit() {
                return Err(classify(c));
            }
            if frac_digits < scale {
                acc =
                    acc.checked_mul(10).and_then(|v| v.checked_add(u64::from(c - b'0'))).ok_or(FixedError::Overflow)?;
                frac_digits += 1;
            } else if c != b'0' {
                return Err(FixedError::TooManyDecimals { scale });
            }
            i += 1;
        }
    }
    let pad = POW10[usize::from(scale - frac_digits)] as u64;
    let v = acc.checked_mul(pad).ok_or(FixedError::Overflow)?;
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return Err(FixedError::Overflow);
        }
        Ok((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).map_err(|_| FixedError::Overflow)
    }
}

fn classify(c: u8) -> FixedError {
    match c {
        b'e' | b'E' => FixedError::Exponent,
        b'+' | b'-' => FixedError::SignNotAllowed,
        _ => FixedError::InvalidChar(char::from(c)),
    }
}

/// Writes `raw` at `scale` decimals, always with exactly `scale` decimals.
pub fn write_fixed(f: &mut impl fmt::Write, raw: i128, scale: u8) -> fmt::Result {
    let neg = raw < 0;
    let abs = raw.unsigned_abs();
    if scale == 0 {
        return write!(f, "{}{}", if neg { "-" } else { "" }, abs);
    }
    let p = 10u128.pow(u32::from(scale));
    write!(f, "{}{}.{:0width$}", if neg { "-" } else { "" }, abs / p, abs % p, width = usize::from(scale))
}

/// Displays a mantissa at a given scale (`Price(6183763).display(2)` is `61837.63`).
#[derive(Clone, Copy)]
pub struct FixedDisplay {
    raw: i128,
    scale: u8,
    trim: bool,
}

impl fmt::Display for FixedDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.trim {
            return write_fixed(f, self.raw, self.scale);
        }
        let mut s = String::with_capacity(48);
        write_fixed(&mut s, self.raw, self.scale)?;
        if s.contains('.') {
            let t = s.trim_end_matches('0').trim_end_matches('.');
            f.write_str(if t == "-0" { "0" } else { t })
        } else {
            f.write_str(&s)
        }
    }
}

macro_rules! scaled_i64 {
    ($name:ident, $signed:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub i64);

        impl $name {
            pub const ZERO: Self = Self(0);

            /// Parses a decimal string at `scale` decimals; see [`parse_decimal`].
            #[inline]
            pub fn parse(s: &str, scale: u8) -> Result<Self, FixedError> {
                Self::parse_bytes(s.as_bytes(), scale)
            }

            /// Parses decimal bytes at `scale` decimals; see [`parse_decimal`].
            #[inline]
            pub fn parse_bytes(s: &[u8], scale: u8) -> Result<Self, FixedError> {
                parse_decimal(s, scale, $signed).map(Self)
            }

            /// The mantissa.
            #[inline]
            pub const fn raw(self) -> i64 {
                self.0
            }

            /// Shows the value with exactly `scale` decimals.
            pub fn display(self, scale: u8) -> FixedDisplay {
                FixedDisplay { raw: i128::from(self.0), scale, trim: false }
            }

            /// Re-expresses the value at a larger or smaller scale; `None` when
            /// that would lose a digit or overflow.
            pub fn rescale(self, from: u8, to: u8) -> Option<Self> {
                if to >= from {
                    self.0.checked_mul(*POW10.get(usize::from(to - from))?).map(Self)
                } else {
                    let d = *POW10.get(usize::from(from - to))?;
                    (self.0 % d == 0).then_some(Self(self.0 / d))
                }
            }
        }
    };
}

scaled_i64!(
    Price,
    true,
    "A price as a mantissa at the instrument's price scale. Signed because spreads and differences are prices too."
);
scaled_i64!(
    Qty,
    true,
    "A quantity as a mantissa at the instrument's quantity scale. Parsed unsigned from the wire; signed in positions."
);

impl Price {
    /// Parses an exchange price: a negative price is refused.
    #[inline]
    pub fn parse_unsigned(s: &[u8], scale: u8) -> Result<Self, FixedError> {
        parse_decimal(s, scale, false).map(Self)
    }
}

impl Qty {
    /// Parses an exchange quantity: a sign is refused.
    #[inline]
    pub fn parse_unsigned(s: &[u8], scale: u8) -> Result<Self, FixedError> {
        parse_decimal(s, scale, false).map(Self)
    }
}

/// An amount of money (quote asset) at a fixed 18 decimals, exact for any
/// `price × qty` whose scales add up to at most 18.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Notional(pub i128);

impl Notional {
    pub const SCALE: u8 = 18;
    pub const ZERO: Self = Self(0);

    /// `price × qty`, exact. `scales` is `price_scale + qty_scale` (at most 18).
    #[inline]
    pub fn of(price: Price, qty: Qty, price_scale: u8, qty_scale: u8) -> Self {
        let raw = i128::from(price.0) * i128::from(qty.0);
        let shift = Self::SCALE.saturating_sub(price_scale + qty_scale);
        Self(raw * i128::from(POW10[usize::from(shift)]))
    }

    /// Parses a decimal string (signed) into 18-decimal money.
    pub fn parse(s: &str) -> Result<Self, FixedError> {
        // Split so that the integer part may exceed i64: parse both halves.
        let b = s.as_bytes();
        let (neg, body) = match b.first() {
            Some(b'-') => (true, &b[1..]),
            Some(b'+') => (false, &b[1..]),
            _ => (false, b),
        };
        let (int, frac) = match body.iter().position(|&c| c == b'.') {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, &b""[..]),
        };
        if int.is_empty() {
            return Err(if body.is_empty() { FixedError::Empty } else { FixedError::NoDigits });
        }
        let mut acc: i128 = 0;
        for &c in int {
            if !c.is_ascii_digit() {
                return Err(classify(c));
            }
            acc = acc.checked_mul(10).and_then(|v| v.checked_add(i128::from(c - b'0'))).ok_or(FixedError::Overflow)?;
        }
        let mut n = 0u8;
        for &c in frac {
            if !c.is_ascii_digit() {
                return Err(classify(c));
            }
            if n < Self::SCALE {
                acc = acc * 10 + i128::from(c - b'0');
                n += 1;
            } else if c != b'0' {
                return Err(FixedError::TooManyDecimals { scale: Self::SCALE });
            }
        }
        acc = acc.checked_mul(10i128.pow(u32::from(Self::SCALE - n))).ok_or(FixedError::Overflow)?;
        Ok(Self(if neg { -acc } else { acc }))
    }

    /// Money from a price or quantity mantissa at `scale`.
    pub fn from_scaled(raw: i64, scale: u8) -> Self {
        let shift = Self::SCALE.saturating_sub(scale);
        Self(i128::from(raw) * i128::from(POW10[usize::from(shift)]))
    }

    /// Exact, with trailing zeros trimmed (`"-12.5"`, `"0"`).
    pub fn display(self) -> FixedDisplay {
        FixedDisplay { raw: self.0, scale: Self::SCALE, trim: true }
    }

    /// Rounded half away from zero to `scale` decimals, for screens and CSV.
    pub fn display_rounded(self, scale: u8) -> FixedDisplay {
        let scale = scale.min(Self::SCALE);
        let d = 10i128.pow(u32::from(Self::SCALE - scale));
        let half = d / 2;
        let raw = if self.0 >= 0 { (self.0 + half) / d } else { (self.0 - half) / d };
        FixedDisplay { raw, scale, trim: false }
    }
}

impl fmt::Display for Notional {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.display().fmt(f)
    }
}

impl std::ops::Add for Notional {
    type Output = Self;
    #[inline]
    fn add(self, o: Self) -> Self {
        Self(self.0 + o.0)
    }
}
impl std::ops::Sub for Notional {
    type Output = Self;
    #[inline]
    fn sub(self, o: Self) -> Self {
        Self(self.0 - o.0)
    }
}
impl std::ops::AddAssign for Notional {
    #[inline]
    fn add_assign(&mut self, o: Self) {
        self.0 += o.0;
    }
}
impl std::ops::SubAssign for Notional {
    #[inline]
    fn sub_assign(&mut self, o: Self) {
        self.0 -= o.0;
    }
}
impl std::ops::Neg for Notional {
    type Output = Self;
    fn neg(self) -> Self {
        Self(-self.0)
    }
}

/// The number of decimals in a step such as `"0.01000000"` (2) or `"1.00000000"` (0).
pub fn scale_of_step(s: &str) -> Result<u8, FixedError> {
    let b = s.as_bytes();
    let frac = b.iter().position(|&c| c == b'.').map_or(&b""[..], |i| &b[i + 1..]);
    let significant = frac.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
    let scale = u8::try_from(significant).map_err(|_| FixedError::BadScale(u8::MAX))?;
    parse_decimal(b, scale, false)?;
    Ok(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_digits_at_a_time() {
        let w = |t: &[u8; 8]| u64::from_le_bytes(*t);
        assert_eq!(eight_digits(w(b"12345678")), Some(12_345_678));
        assert_eq!(eight_digits(w(b"00000000")), Some(0));
        assert_eq!(eight_digits(w(b"99999999")), Some(99_999_999));
        for bad in [b"1234567/", b"1234567:", b"/2345678", b"12.45678", b"\xff2345678", b"1234 678"] {
            let mut t = [0u8; 8];
            t.copy_from_slice(&bad[..8]);
            assert_eq!(eight_digits(w(&t)), None, "{bad:?}");
        }
        assert_eq!(digits(b"123456789012345678"), Some(123_456_789_012_345_678));
        assert_eq!(digits(b"1234567890x"), None);
        assert_eq!(digits(b""), Some(0));
    }

    #[test]
    fn parses_binance_padded_strings_at_a_smaller_scale() {
        assert_eq!(Price::parse("61837.63000000", 2), Ok(Price(6_183_763)));
        assert_eq!(Price::parse("61837.63000000", 8), Ok(Price(6_183_763_000_000)));
        assert_eq!(Qty::parse("0.02000000", 5), Ok(Qty(2_000)));
        assert_eq!(Qty::parse("7", 3), Ok(Qty(7_000)));
        assert_eq!(Qty::parse("7.", 3), Ok(Qty(7_000)));
    }

    #[test]
    fn refuses_what_it_cannot_represent() {
        assert_eq!(Price::parse("", 2), Err(FixedError::Empty));
        assert_eq!(Price::parse("1.005", 2), Err(FixedError::TooManyDecimals { scale: 2 }));
        assert_eq!(Price::parse("1e5", 2), Err(FixedError::Exponent));
        assert_eq!(Price::parse_unsigned(b"-1", 2), Err(FixedError::SignNotAllowed));
        assert_eq!(Price::parse(".5", 2), Err(FixedError::InvalidChar('.')));
        assert_eq!(Price::parse("1.2.3", 2), Err(FixedError::InvalidChar('.')));
        assert_eq!(Price::parse("92233720368.54775808", 8), Err(FixedError::Overflow));
        assert_eq!(Price::parse("99999999999999999999", 0), Err(FixedError::Overflow));
        assert_eq!(Price::parse("-", 2), Err(FixedError::NoDigits));
        assert_eq!(Price::parse("NaN", 2), Err(FixedError::InvalidChar('N')));
    }

    #[test]
    fn extremes_round_trip() {
        assert_eq!(Price::parse("92233720368.54775807", 8), Ok(Price(i64::MAX)));
        assert_eq!(Price::parse("-92233720368.54775808", 8), Ok(Price(i64::MIN)));
        assert_eq!(Price(i64::MIN).display(8).to_string(), "-92233720368.54775808");
    }

    #[test]
    fn prints_back_exactly() {
        assert_eq!(Price(6_183_763).display(2).to_string(), "61837.63");
        assert_eq!(Price(-5).display(2).to_string(), "-0.05");
        assert_eq!(Qty(2_000).display(8).to_string(), "0.00002000");
        assert_eq!(Qty(42).display(0).to_string(), "42");
    }

    #[test]
    fn notional_is_exact_and_trimmed() {
        let n = Notional::of(Price(6_183_763), Qty(2_000), 2, 5);
        assert_eq!(n.to_string(), "1236.7526");
        assert_eq!(Notional::parse("-12.50").map(|n| n.to_string()), Ok("-12.5".into()));
        assert_eq!(Notional::ZERO.to_string(), "0");
        assert_eq!(Notional::parse("0.125").map(|n| n.display_rounded(2).to_string()), Ok("0.13".into()));
        assert_eq!(Notional::parse("-0.125").map(|n| n.display_rounded(2).to_string()), Ok("-0.13".into()));
    }

    #[test]
    fn step_scales() {
        assert_eq!(scale_of_step("0.01000000"), Ok(2));
        assert_eq!(scale_of_step("1.00000000"), Ok(0));
        assert_eq!(scale_of_step("0.00001"), Ok(5));
        assert_eq!(scale_of_step("10"), Ok(0));
    }
}
