//! Bucket arithmetic: which interval a trade time falls in.

use crate::domain::Timeframe;

/// A configured timeframe with its length and epoch offset resolved once,
/// so the per-tick path never matches on the enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    pub tf: Timeframe,
    pub len_ms: i64,
    pub offset_ms: i64,
}

impl Frame {
    /// `None` for the calendar month, which has no fixed length.
    pub fn of(tf: Timeframe) -> Option<Self> {
        Some(Self { tf, len_ms: tf.duration_ms()?, offset_ms: tf.offset_ms() })
    }

    /// Start of the bucket holding `t`: `floor((t - offset) / len) * len + offset`.
    ///
    /// Floor (not truncating) division, so a time before the epoch or before the
    /// weekly offset lands in the bucket that contains it. Computed in `i128`
    /// because it only runs on rollover and must not overflow near `i64::MIN`;
    /// a start below `i64::MIN` is clamped there.
    pub fn bucket_start(self, t: i64) -> i64 {
        let len = i128::from(self.len_ms);
        let off = i128::from(self.offset_ms);
        let start = (i128::from(t) - off).div_euclid(len) * len + off;
        i64::try_from(start).unwrap_or(i64::MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_toward_minus_infinity() {
        let m1 = Frame::of(Timeframe::M1).unwrap();
        assert_eq!(m1.bucket_start(0), 0);
        assert_eq!(m1.bucket_start(59_999), 0);
        assert_eq!(m1.bucket_start(60_000), 60_000);
        assert_eq!(m1.bucket_start(-1), -60_000);
        assert_eq!(m1.bucket_start(-60_000), -60_000);
        assert_eq!(m1.bucket_start(-60_001), -120_000);
        assert!(m1.bucket_start(i64::MIN) == i64::MIN);
        assert_eq!(m1.bucket_start(i64::MAX), i64::MAX - i64::MAX % 60_000);
    }

    #[test]
    fn weeks_start_on_monday() {
        let w = Frame::of(Timeframe::W1).unwrap();
        const DAY: i64 = 86_400_000;
        // 1970-01-01 was a Thursday: its week began Monday 1969-12-29.
        assert_eq!(w.bucket_start(0), -3 * DAY);
        assert_eq!(w.bucket_start(4 * DAY - 1), -3 * DAY);
        assert_eq!(w.bucket_start(4 * DAY), 4 * DAY);
        // 2024-01-01 00:00 UTC was a Monday.
        let monday = 1_704_067_200_000;
        assert_eq!(w.bucket_start(monday), monday);
        assert_eq!(w.bucket_start(monday - 1), monday - 7 * DAY);
        assert_eq!(w.bucket_start(monday + 7 * DAY - 1), monday);
    }

    #[test]
    fn month_has_no_frame() {
        assert_eq!(Frame::of(Timeframe::Mo1), None);
    }
}
