//! Any bytes as a decimal at any scale: accepted values print back to
//! themselves and equal a slow reference; nothing else is accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tickdesk::domain::{Price, Qty};

/// The exact value of a plain decimal at `scale`, if an i64 mantissa holds it.
fn reference(s: &[u8], scale: u8, signed: bool) -> Option<i64> {
    let (neg, body) = match s.first() {
        Some(b'-') if signed => (true, &s[1..]),
        Some(b'+') if signed => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = match body.iter().position(|&c| c == b'.') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &b""[..]),
    };
    if int.is_empty() || !int.iter().all(u8::is_ascii_digit) || !frac.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let sig = frac.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
    if sig > usize::from(scale) {
        return None;
    }
    let mut m: i128 = 0;
    for &c in int {
        m = m.checked_mul(10)?.checked_add(i128::from(c - b'0'))?;
    }
    for i in 0..usize::from(scale) {
        m = m
            .checked_mul(10)?
            .checked_add(frac.get(i).map_or(0, |&c| i128::from(c - b'0')))?;
    }
    i64::try_from(if neg { -m } else { m }).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&s, text)) = data.split_first() else {
        return;
    };
    let scale = s % 19;
    let signed = Price::parse_bytes(text, scale).ok().map(|p| p.0);
    assert_eq!(signed, reference(text, scale, true));
    let unsigned = Price::parse_unsigned(text, scale).ok().map(|p| p.0);
    assert_eq!(unsigned, reference(text, scale, false));
    assert_eq!(Qty::parse_unsigned(text, scale).ok().map(|q| q.0), unsigned);
    if let Some(v) = signed {
        let shown = Price(v).display(scale).to_string();
        assert_eq!(Price::parse(&shown, scale), Ok(Price(v)));
    }
});
