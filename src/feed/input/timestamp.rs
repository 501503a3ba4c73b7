//! Receive times of recorded lines, exactly, in Unix nanoseconds.
//!
//! Three spellings occur: integer nanoseconds (hftbacktest), float seconds
//! (cryptofeed, `1633998512.0633569`) and ISO-8601 (`2024-08-08T23:54:13.123456789Z`).
//! None goes through `f64`: the digits are the value.

/// Why a receive time was refused.
pub type TimeError = &'static str;

const NANOS: i64 = 1_000_000_000;

/// Integer nanoseconds: `1723161254087891268`.
pub fn parse_nanos(s: &[u8]) -> Result<i64, TimeError> {
    digits_i64(s).ok_or("expected integer nanoseconds")
}

/// Seconds with an optional fraction: `1633998512.0633569`, `1618677786`.
/// Digits past nanoseconds are dropped (truncation, never rounding up).
pub fn parse_seconds(s: &[u8]) -> Result<i64, TimeError> {
    let (int, frac) = match s.iter().position(|&c| c == b'.') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &b""[..]),
    };
    let secs = digits_i64(int).ok_or("expected seconds")?;
    if !frac.iter().all(u8::is_ascii_digit) || (frac.is_empty() && s.len() > int.len()) {
        return Err("bad fraction of a second");
    }
    let ns = fraction_nanos(frac);
    secs.checked_mul(NANOS).and_then(|v| v.checked_add(ns)).ok_or("time out of range")
}

/// ISO-8601 / RFC 3339 in UTC or with an offset:
/// `2024-08-08T23:54:13Z`, `2024-08-08T23:54:13.123456789Z`, `...+02:00`.
pub fn parse_iso8601(s: &[u8]) -> Result<i64, TimeError> {
    let num =
        |a: usize, b: usize| -> Result<i64, TimeError> { s.get(a..b).and_then(digits_i64).ok_or("bad ISO-8601 time") };
    let sep = |i: usize, c: &[u8]| s.get(i).is_some_and(|x| c.contains(x));
    if s.len() < 20 || !sep(4, b"-") || !sep(7, b"-") || !sep(10, b"Tt") || !sep(13, b":") || !sep(16, b":") {
        return Err("bad ISO-8601 time");
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, min, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || min > 59 || sec > 59 {
        return Err("ISO-8601 field out of range");
    }
    let mut i = 19;
    let mut ns = 0;
    if s.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err("bad fraction of a second");
        }
        ns = fraction_nanos(&s[start..i]);
    }
    let offset_s = match s.get(i..) {
        Some(b"Z" | b"z") => 0,
        Some([sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]) => {
            let h = digits_i64(&[*h1, *h2]).ok_or("bad UTC offset")?;
            let m = digits_i64(&[*m1, *m2]).ok_or("bad UTC offset")?;
            if h > 23 || m > 59 {
                return Err("bad UTC offset");
            }
            let off = h * 3600 + m * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return Err("expected Z or an offset like +02:00"),
    };
    let (month, day) = (u32::try_from(month).map_err(|_| "bad month")?, u32::try_from(day).map_err(|_| "bad day")?);
    let days = crate::domain::calendar::days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_s;
    secs.checked_mul(NANOS).and_then(|v| v.checked_add(ns)).ok_or("time out of range")
}

/// Up to nine fraction digits as nanoseconds (`"0633569"` → 63_356_900).
fn fraction_nanos(frac: &[u8]) -> i64 {
    let mut ns = 0i64;
    for i in 0..9 {
        ns = ns * 10 + frac.get(i).map_or(0, |&c| i64::from(c - b'0'));
    }
    ns
}

fn digits_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0i64, |v, &c| v.checked_mul(10)?.checked_add(i64::from(c - b'0')))
}

const fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

const fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_nanos_are_exact() {
        assert_eq!(parse_nanos(b"1723161254087891268"), Ok(1_723_161_254_087_891_268));
        assert_eq!(parse_seconds(b"1633998512.0633569"), Ok(1_633_998_512_063_356_900));
        assert_eq!(parse_seconds(b"1618677786.985"), Ok(1_618_677_786_985_000_000));
        assert_eq!(parse_seconds(b"1618677786"), Ok(1_618_677_786_000_000_000));
        assert_eq!(parse_seconds(b"1.1234567899"), Ok(1_123_456_789));
        assert!(parse_seconds(b"1.").is_err());
        assert!(parse_seconds(b"1.2.3").is_err());
        assert!(parse_seconds(b"-1").is_err());
        assert!(parse_nanos(b"12x").is_err());
    }

    #[test]
    fn iso_8601_matches_known_instants() {
        assert_eq!(parse_iso8601(b"1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_iso8601(b"2024-08-08T23:54:13.123456789Z"), Ok(1_723_161_253_123_456_789));
        assert_eq!(parse_iso8601(b"2024-08-09T01:54:13.5+02:00"), Ok(1_723_161_253_500_000_000));
        assert_eq!(parse_iso8601(b"2021-04-17T16:43:20.000Z"), Ok(1_618_677_800_000_000_000));
        assert_eq!(parse_iso8601(b"2000-02-29T00:00:00Z"), Ok(951_782_400_000_000_000));
        assert_eq!(parse_iso8601(b"1969-12-31T23:59:59Z"), Ok(-1_000_000_000));
        for bad in [
            &b"2023-02-29T00:00:00Z"[..],
            b"2024-13-01T00:00:00Z",
            b"2024-08-08T24:00:00Z",
            b"2024-08-08T23:54:13",
            b"2024-08-08T23:54:13.Z",
            b"2024-08-08 23:54:13Z",
            b"2024-08-08T23:54:13+2:00",
        ] {
            assert!(parse_iso8601(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
