//! The venue's own request-weight limit, from the `rateLimits` of exchangeInfo.
//!
//! Limits change over time (1200/min in 2021, 6000/min since), so the client
//! reads the live value instead of trusting a constant.

use serde::Deserialize;

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "rateLimits", default)]
    rate_limits: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Limit {
    #[serde(rename = "rateLimitType")]
    kind: String,
    interval: String,
    #[serde(rename = "intervalNum")]
    interval_num: u64,
    limit: u64,
}

/// The REQUEST_WEIGHT limit per one minute, when the body states one.
pub fn request_weight_per_minute(exchange_info: &[u8]) -> Option<u32> {
    let body: Body = serde_json::from_slice(exchange_info).ok()?;
    body.rate_limits
        .into_iter()
        .filter_map(|v| serde_json::from_value::<Limit>(v).ok())
        .find(|l| l.kind == "REQUEST_WEIGHT" && l.interval == "MINUTE" && l.interval_num == 1)
        .and_then(|l| u32::try_from(l.limit).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minute_weight_limit() {
        let body = br#"{"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":50},
            {"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000}],"symbols":[]}"#;
        assert_eq!(request_weight_per_minute(body), Some(6000));
        assert_eq!(request_weight_per_minute(br#"{"symbols":[]}"#), None);
        assert_eq!(request_weight_per_minute(br#"{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT"}]}"#), None);
        assert_eq!(request_weight_per_minute(b"[1"), None);
    }
}
