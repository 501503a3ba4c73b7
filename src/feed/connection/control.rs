//! The JSON control protocol of a Binance stream connection (doc §1.4):
//! requests we send, and telling replies and `serverShutdown` apart from
//! market data in what we receive.
//!
//! Every frame still goes to the sink (the decoder counts replies and
//! garbage too); this only decides what the connection itself must act on.
//! Data frames on a combined stream start with `{"stream":"`, so they are
//! recognised from their first bytes; anything else (rare) is parsed.

use serde_json::Value;

/// A control method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Subscribe,
    Unsubscribe,
    ListSubscriptions,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Self::Subscribe => "SUBSCRIBE",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::ListSubscriptions => "LIST_SUBSCRIPTIONS",
        }
    }
}

/// The request text: `{"method":"SUBSCRIBE","params":[..],"id":7}`.
pub fn request(method: Method, params: &[String], id: u64) -> String {
    let v = match method {
        Method::ListSubscriptions => serde_json::json!({ "method": method.name(), "id": id }),
        _ => serde_json::json!({ "method": method.name(), "params": params, "id": id }),
    };
    v.to_string()
}

/// What a received frame means to the connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// Market data (or anything else for the decoder): nothing to do here.
    Data,
    /// `{"result":..,"id":..}`.
    Reply { id: Option<u64>, result: Value },
    /// `{"error":{"code","msg"},"id"}` or `{"code","msg","id"}`.
    Error { id: Option<u64>, code: i64, msg: String },
    /// The server is about to go away: reconnect now.
    ServerShutdown,
}

const DATA_PREFIX: &[u8] = br#"{"stream":""#;

/// Classifies one frame; never fails (garbage is `Data` for the decoder to count).
#[inline]
pub fn classify(frame: &[u8]) -> Control {
    if frame.starts_with(DATA_PREFIX) && frame.get(DATA_PREFIX.len()) != Some(&b'!') {
        return Control::Data;
    }
    classify_slow(frame)
}

#[cold]
fn classify_slow(frame: &[u8]) -> Control {
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(frame) else {
        return Control::Data;
    };
    let id = obj.get("id").and_then(Value::as_u64);
    let is_shutdown = |v: Option<&Value>| v.and_then(Value::as_str) == Some("serverShutdown");
    if let Some(data) = obj.get("data") {
        return if is_shutdown(data.get("e")) { Control::ServerShutdown } else { Control::Data };
    }
    if is_shutdown(obj.get("e")) {
        return Control::ServerShutdown;
    }
    let error = |e: &serde_json::Map<String, Value>| Control::Error {
        id,
        code: e.get("code").and_then(Value::as_i64).unwrap_or(-1),
        msg: e.get("msg").and_then(Value::as_str).unwrap_or("(no message)").to_owned(),
    };
    if let Some(Value::Object(e)) = obj.get("error") {
        return error(e);
    }
    if let Some(result) = obj.get("result") {
        return Control::Reply { id, result: result.clone() };
    }
    if obj.contains_key("code") && obj.contains_key("msg") {
        return error(&obj);
    }
    Control::Data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let p = vec!["btcusdt@trade".to_owned(), "btcusdt@depth@100ms".to_owned()];
        let r: Value = serde_json::from_str(&request(Method::Subscribe, &p, 1)).unwrap();
        assert_eq!(
            r,
            serde_json::json!({"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@depth@100ms"],"id":1})
        );
        let r: Value = serde_json::from_str(&request(Method::ListSubscriptions, &[], 3)).unwrap();
        assert_eq!(r, serde_json::json!({"method":"LIST_SUBSCRIPTIONS","id":3}));
        assert!(request(Method::Unsubscribe, &p[..1], 312).contains(r#""method":"UNSUBSCRIBE""#));
    }

    #[test]
    fn frames() {
        let data = br#"{"stream":"btcusdt@trade","data":{"e":"trade"}}"#;
        assert_eq!(classify(data), Control::Data);
        assert_eq!(classify(b"not json at all"), Control::Data);
        assert_eq!(classify(b"[1,2]"), Control::Data);
        assert_eq!(classify(br#"{"result":null,"id":1}"#), Control::Reply { id: Some(1), result: Value::Null });
        assert_eq!(
            classify(br#"{"result":["a@trade"],"id":3}"#),
            Control::Reply { id: Some(3), result: serde_json::json!(["a@trade"]) }
        );
        assert_eq!(
            classify(br#"{"error":{"code":2,"msg":"Invalid request"},"id":9}"#),
            Control::Error { id: Some(9), code: 2, msg: "Invalid request".into() }
        );
        assert_eq!(
            classify(br#"{"code":3,"msg":"Invalid JSON","id":null}"#),
            Control::Error { id: None, code: 3, msg: "Invalid JSON".into() }
        );
        assert_eq!(
            classify(br#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}"#),
            Control::ServerShutdown
        );
        assert_eq!(classify(br#"{"e":"serverShutdown","E":1770123456789}"#), Control::ServerShutdown);
        assert_eq!(classify(br#" { "stream" : "x@trade", "data" : {} }"#), Control::Data);
    }
}
