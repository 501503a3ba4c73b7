//! Why a frame was refused, in a few stable reasons that become counters.

use std::fmt;

/// The class of a refused frame. Stable names (`as_str`) go into summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Malformed {
    /// Not valid JSON (or not UTF-8).
    BadJson,
    /// A field the event needs is absent.
    MissingField,
    /// A field holds the wrong JSON type (`"t":"12"`, `"m":1`, `"E":1.5`),
    /// an integer out of range, or an unknown enumeration value.
    WrongType,
    /// A price or quantity string the instrument's scale cannot hold exactly
    /// (exponent, sign, too many decimals, stray characters, overflow).
    BadDecimal,
    /// The frame is larger than the configured limit; it was not parsed.
    TooLarge,
    /// The symbol is not in the instrument table (fixed mode) or is not a
    /// plausible symbol at all.
    UnknownSymbol,
}

impl Malformed {
    pub const ALL: [Self; 6] =
        [Self::BadJson, Self::MissingField, Self::WrongType, Self::BadDecimal, Self::TooLarge, Self::UnknownSymbol];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadJson => "bad_json",
            Self::MissingField => "missing_field",
            Self::WrongType => "wrong_type",
            Self::BadDecimal => "bad_decimal",
            Self::TooLarge => "too_large",
            Self::UnknownSymbol => "unknown_symbol",
        }
    }

    #[inline]
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused frame: the reason for the counters and a detail for the log
/// that names the field (`data.p: bad decimal "1e5": exponent notation not allowed`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct DecodeError {
    pub reason: Malformed,
    pub detail: String,
}

impl DecodeError {
    pub fn new(reason: Malformed, detail: impl Into<String>) -> Self {
        Self { reason, detail: detail.into() }
    }
}

/// Shows at most 64 bytes of a wire value in an error message.
pub(crate) fn excerpt(raw: &[u8]) -> String {
    const MAX: usize = 64;
    if raw.len() <= MAX {
        String::from_utf8_lossy(raw).into_owned()
    } else {
        format!("{}…", String::from_utf8_lossy(&raw[..MAX]))
    }
}
