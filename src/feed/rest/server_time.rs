//! `/api/v3/time` bodies: `{"serverTime":1499827319559}` → epoch milliseconds.

use super::error::{BodyError, describe, json_body};
use serde_json::Value;

/// Parses a server time body into Unix milliseconds.
pub fn parse(body: &[u8]) -> Result<i64, BodyError> {
    let v = json_body(body)?;
    let Value::Object(map) = &v else {
        return Err(BodyError::at("body", format_args!("expected an object, got {}", describe(&v))));
    };
    match map.get("serverTime") {
        None => Err(BodyError::at("serverTime", "missing")),
        Some(t) => t
            .as_i64()
            .filter(|&ms| ms >= 0)
            .ok_or_else(|| BodyError::at("serverTime", format_args!("expected a non-negative integer, got {t}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_time_and_names_what_is_wrong() {
        assert_eq!(parse(br#"{"serverTime":1499827319559}"#), Ok(1_499_827_319_559));
        assert_eq!(parse(b"{\n  \"serverTime\": 1633835466289\n}"), Ok(1_633_835_466_289));
        let cases = [
            (&br#"{}"#[..], "serverTime: missing"),
            (br#"{"serverTime":"1"}"#, "serverTime: expected a non-negative integer, got \"1\""),
            (br#"{"serverTime":1.5}"#, "serverTime: expected a non-negative integer, got 1.5"),
            (br#"{"serverTime":-1}"#, "serverTime: expected a non-negative integer, got -1"),
            (br#"[1]"#, "body: expected an object, got an array"),
        ];
        for (body, want) in cases {
            assert_eq!(parse(body).unwrap_err().0, want);
        }
        assert!(parse(b"").unwrap_err().0.starts_with("body: not valid JSON"));
    }
}
