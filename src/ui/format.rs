//! Number formatting shared by the panes. Exact values are formatted from
//! their integers; only ratios shown as percentages go through division.

use crate::domain::{Notional, Price, Qty};

/// `price` at the instrument's precision (`97012.35`).
pub fn price(p: Price, scale: u8) -> String {
    p.display(scale).to_string()
}

/// `qty` at the instrument's precision.
pub fn qty(q: Qty, scale: u8) -> String {
    q.display(scale).to_string()
}

/// Money rounded to `decimals` (`-3.21`).
pub fn money(n: Notional, decimals: u8) -> String {
    n.display_rounded(decimals).to_string()
}

/// Change from `from` to `to` in basis points, by integer arithmetic.
pub fn change_bp(from: Price, to: Price) -> Option<i64> {
    if from.0 == 0 {
        return None;
    }
    let bp = (i128::from(to.0) - i128::from(from.0)) * 10_000 / i128::from(from.0);
    i64::try_from(bp).ok()
}

/// Basis points as a signed percentage with two decimals (`+1.23%`).
pub fn percent_bp(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "+" };
    let a = bp.unsigned_abs();
    format!("{sign}{}.{:02}%", a / 100, a % 100)
}

/// A quantity in compact form (`12.34`, `45.6K`, `1.2M`), truncated, from its integer value.
pub fn compact(q: Qty, scale: u8) -> String {
    let unit = 10u128.pow(u32::from(scale));
    let abs = u128::from(q.0.unsigned_abs());
    let whole = abs / unit;
    let sign = if q.0 < 0 { "-" } else { "" };
    let (div, suffix) = match whole {
        0..=9_999 => {
            let cents = abs * 100 / unit;
            return format!("{sign}{}.{:02}", cents / 100, cents % 100);
        }
        10_000..=9_999_999 => (1_000, "K"),
        10_000_000..=9_999_999_999 => (1_000_000, "M"),
        _ => (1_000_000_000, "B"),
    };
    format!("{sign}{}.{}{suffix}", whole / div, (whole % div) * 10 / div)
}

/// A duration in nanoseconds, three significant figures (`812ns`, `1.21µs`, `3.40ms`, `2.00s`).
pub fn nanos(ns: u64) -> String {
    let f = ns as f64;
    match ns {
        0..=999 => format!("{ns}ns"),
        1_000..=999_999 => sig3(f / 1e3, "µs"),
        1_000_000..=999_999_999 => sig3(f / 1e6, "ms"),
        _ => sig3(f / 1e9, "s"),
    }
}

fn sig3(v: f64, unit: &str) -> String {
    if v >= 100.0 {
        format!("{v:.0}{unit}")
    } else if v >= 10.0 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.2}{unit}")
    }
}

/// `HH:MM:SS` (UTC) of a time in ms since the epoch.
pub fn clock(ms: i64) -> String {
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `YYYY-MM-DD HH:MM:SS.mmm` (UTC) of a time in ms since the epoch.
pub fn date_time(ms: i64) -> String {
    let (y, m, d) = crate::domain::calendar::civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02} {}.{:03}", clock(ms), ms.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_exact_integer_arithmetic() {
        assert_eq!(change_bp(Price(10_000), Price(10_123)), Some(123));
        assert_eq!(percent_bp(123), "+1.23%");
        assert_eq!(percent_bp(-5), "-0.05%");
        assert_eq!(change_bp(Price(0), Price(1)), None);
    }

    #[test]
    fn date_time_is_utc_with_milliseconds() {
        assert_eq!(date_time(1_764_762_601_234), "2025-12-03 11:50:01.234");
        assert_eq!(date_time(0), "1970-01-01 00:00:00.000");
    }

    #[test]
    fn durations_keep_three_figures() {
        assert_eq!(nanos(812), "812ns");
        assert_eq!(nanos(1_210), "1.21µs");
        assert_eq!(nanos(3_400_000), "3.40ms");
        assert_eq!(nanos(250_000_000), "250ms");
    }

    #[test]
    fn compact_volumes() {
        assert_eq!(compact(Qty(123_456_789), 5), "1234.56");
        assert_eq!(compact(Qty(12_345_600_000), 5), "123.4K");
        assert_eq!(compact(Qty(12_345_600_000_000), 5), "123.4M");
        assert_eq!(clock(3_723_000), "01:02:03");
    }
}
