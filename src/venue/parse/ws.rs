//! WebSocket API frames: responses to our requests, and events.

use super::fields::{Obj, json};
use super::user::{UserEvent, event_value};
use crate::domain::Instruments;
use crate::feed::rest::BodyError;
use serde_json::Value;

/// A response to a WebSocket API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsResponse {
    /// The request id echoed (numbers as their decimal text); `None` when null.
    pub id: Option<String>,
    pub status: u16,
    /// `(code, msg)` of a failure.
    pub error: Option<(i64, String)>,
    /// `result.subscriptionId` of a subscribe answer.
    pub subscription_id: Option<u64>,
}

/// A frame on the WebSocket API connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFrame {
    Response(WsResponse),
    Event(UserEvent),
}

/// Is this frame an event (it has `event`, or is a bare event with `e`), not a response?
pub fn is_event_frame(frame: &[u8]) -> bool {
    match serde_json::from_slice::<Value>(frame) {
        Ok(Value::Object(m)) => is_event(&m),
        _ => false,
    }
}

fn is_event(m: &serde_json::Map<String, Value>) -> bool {
    !m.contains_key("status") && (m.contains_key("event") || m.contains_key("e"))
}

/// A response frame.
pub fn ws_response(frame: &[u8]) -> Result<WsResponse, BodyError> {
    let v = json(frame)?;
    response(&v)
}

/// A response or an event, told apart by their shape.
pub fn ws_frame(frame: &[u8], instruments: &Instruments) -> Result<WsFrame, BodyError> {
    let v = json(frame)?;
    match &v {
        Value::Object(m) if is_event(m) => event_value(&v, instruments).map(WsFrame::Event),
        _ => response(&v).map(WsFrame::Response),
    }
}

fn response(v: &Value) -> Result<WsResponse, BodyError> {
    let o = Obj::new(v, "")?;
    let id = match o.get("id") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => return Err(o.err("id", format_args!("expected a string or a number, got {other}"))),
    };
    let status = u16::try_from(o.i64("status")?).map_err(|_| o.err("status", "out of range"))?;
    let error = match o.get("error") {
        None => None,
        Some(e) => {
            let e = Obj::new(e, "error")?;
            Some((e.i64("code")?, e.opt_str("msg")?.unwrap_or_default().to_string()))
        }
    };
    let subscription_id = match o.get("result") {
        Some(r @ Value::Object(_)) => {
            let r = Obj::new(r, "result")?;
            match r.opt_i64("subscriptionId")? {
                None => None,
                Some(n) => Some(u64::try_from(n).map_err(|_| r.err("subscriptionId", "negative"))?),
            }
        }
        _ => None,
    };
    Ok(WsResponse { id, status, error, subscription_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_and_events_are_told_apart() {
        let ok = br#"{"id":"uds-1","status":200,"result":{"subscriptionId":3},"rateLimits":[]}"#;
        assert_eq!(
            ws_response(ok).unwrap(),
            WsResponse { id: Some("uds-1".into()), status: 200, error: None, subscription_id: Some(3) }
        );
        let err =
            br#"{"id":7,"status":400,"error":{"code":-2035,"msg":"User Data Stream subscription already active."}}"#;
        let r = ws_response(err).unwrap();
        assert_eq!((r.id.as_deref(), r.status), (Some("7"), 400));
        assert_eq!(r.error, Some((-2035, "User Data Stream subscription already active.".into())));
        assert!(!is_event_frame(ok));
        let ev = br#"{"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":1}}"#;
        assert!(is_event_frame(ev));
        assert!(!is_event_frame(b"nope"));
        let t = Instruments::default();
        assert_eq!(ws_frame(ev, &t).unwrap(), WsFrame::Event(UserEvent::StreamTerminated { time_ms: 1 }));
        assert!(matches!(ws_frame(ok, &t).unwrap(), WsFrame::Response(_)));
    }

    #[test]
    fn bad_responses_name_the_field() {
        assert!(ws_response(br#"{"id":"a"}"#).unwrap_err().0.starts_with("status: missing"));
        assert!(ws_response(br#"{"id":[],"status":200}"#).unwrap_err().0.starts_with("id: expected"));
        assert!(ws_response(br#"{"status":400,"error":{}}"#).unwrap_err().0.starts_with("error.code: missing"));
        assert!(ws_response(br#"{"status":70000}"#).unwrap_err().0.starts_with("status: out of range"));
        assert!(ws_response(br#"{"status":200,"result":{"subscriptionId":-1}}"#).is_err());
        assert!(ws_response(br#"{"status":2"#).unwrap_err().0.starts_with("body: not valid JSON"));
    }
}
