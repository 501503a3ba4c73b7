//! The JSON methods a client sends over a market-stream connection
//! (`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`,
//! `GET_PROPERTY`) and Binance's replies, as a pure function over the
//! connection's [`Subscriptions`]: text in, reply text out.
//!
//! Errors use the shapes of the Binance docs: `{"code":3,"msg":"Invalid
//! JSON: ..."}` when the text is not JSON (serde's own wording, as Binance's),
//! `{"code":2,"msg":"Invalid request: ..."}` for a bad request, `0` for an
//! unknown property and `1` for a non-boolean value; the request's `id` is
//! echoed whenever it could be read. A request naming an unknown stream is
//! refused whole (code 2), nothing of it applied.

use super::streams::StreamTable;
use serde::Deserialize;
use serde_json::Value;

/// Longest string id Binance accepts.
const MAX_STRING_ID: usize = 36;

/// The streams of one connection, in subscription order, and its framing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscriptions {
    bits: Vec<u64>,
    order: Vec<u32>,
    /// `{"stream":..,"data":..}` frames (`/stream`) or bare payloads (`/ws`).
    pub combined: bool,
}

impl Subscriptions {
    pub fn new(combined: bool) -> Self {
        Self { combined, ..Self::default() }
    }

    #[inline]
    pub fn has(&self, id: u32) -> bool {
        self.bits.get(id as usize / 64).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Adds `id`; false if it was there.
    pub fn add(&mut self, id: u32) -> bool {
        if self.has(id) {
            return false;
        }
        let w = id as usize / 64;
        if self.bits.len() <= w {
            self.bits.resize(w + 1, 0);
        }
        self.bits[w] |= 1 << (id % 64);
        self.order.push(id);
        true
    }

    pub fn remove(&mut self, id: u32) {
        if self.has(id) {
            self.bits[id as usize / 64] &= !(1 << (id % 64));
            self.order.retain(|&x| x != id);
        }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Ids in subscription order.
    pub fn ids(&self) -> &[u32] {
        &self.order
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Method {
    Subscribe,
    Unsubscribe,
    ListSubscriptions,
    SetProperty,
    GetProperty,
}

#[derive(Debug, Deserialize)]
struct Request {
    method: Method,
    #[serde(default)]
    params: Option<Value>,
    #[serde(default, rename = "id")]
    _id: Option<Value>,
}

/// A reply and whether it is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub error: bool,
}

fn ok(result: &str, id: &Value) -> Reply {
    Reply { text: format!(r#"{{"result":{result},"id":{id}}}"#), error: false }
}

fn err(code: i64, msg: &str, id: Option<&Value>) -> Reply {
    let msg = Value::String(msg.to_string());
    let text = match id {
        Some(id) => format!(r#"{{"code":{code},"msg":{msg},"id":{id}}}"#),
        None => format!(r#"{{"code":{code},"msg":{msg}}}"#),
    };
    Reply { text, error: true }
}

/// Answers one client text frame, applying it to `subs`.
pub fn handle(text: &str, subs: &mut Subscriptions, streams: &StreamTable, max_streams: usize) -> Reply {
    let value = match serde_json::from_str::<Value>(text) {
        Ok(v) => v,
        Err(e) => return err(3, &format!("Invalid JSON: {e}"), None),
    };
    let id = match value.get("id").cloned() {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Value::Number(n),
        Some(Value::String(s))
            if s.len() <= MAX_STRING_ID && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') =>
        {
            Value::String(s)
        }
        Some(_) => return err(2, "Invalid request: request ID must be an unsigned integer", None),
    };
    // Parsed again from the text so that errors carry serde's line and column, as Binance's do.
    let req: Request = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => return err(2, &format!("Invalid request: {e}"), value.get("id").map(|_| &id)),
    };
    let params = match req.params {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return err(2, "Invalid request: params must be an array", Some(&id)),
    };
    match req.method {
        Method::Subscribe | Method::Unsubscribe => {
            let subscribe = matches!(req.method, Method::Subscribe);
            let mut ids = Vec::with_capacity(params.len());
            for p in &params {
                let Value::String(name) = p else {
                    return err(2, "Invalid request: stream names must be strings", Some(&id));
                };
                match streams.resolve(name) {
                    Ok(sid) => ids.push(sid),
                    // Unsubscribing from what was never there is harmless.
                    Err(_) if !subscribe => {}
                    Err(e) => return err(2, &format!("Invalid request: {e}"), Some(&id)),
                }
            }
            if subscribe {
                let new = ids.iter().filter(|&&s| !subs.has(s)).count();
                if subs.len() + new > max_streams {
                    let msg = format!("Invalid request: at most {max_streams} streams per connection");
                    return err(2, &msg, Some(&id));
                }
                for s in ids {
                    subs.add(s);
                }
            } else {
                for s in ids {
                    subs.remove(s);
                }
            }
            ok("null", &id)
        }
        Method::ListSubscriptions => {
            if !params.is_empty() {
                return err(2, "Invalid request: too many parameters", Some(&id));
            }
            let names: Vec<Value> =
                subs.ids().iter().filter_map(|&s| streams.name(s)).map(|n| Value::String(n.to_string())).collect();
            ok(&Value::Array(names).to_string(), &id)
        }
        Method::SetProperty | Method::GetProperty => {
            let set = matches!(req.method, Method::SetProperty);
            let want = if set { 2 } else { 1 };
            if params.len() > want {
                return err(2, "Invalid request: too many parameters", Some(&id));
            }
            if params.len() < want {
                return err(2, "Invalid request: missing parameters", Some(&id));
            }
            let Value::String(name) = &params[0] else {
                return err(2, "Invalid request: property name must be a string", Some(&id));
            };
            if name != "combined" {
                return err(0, "Unknown property", Some(&id));
            }
            if !set {
                return ok(if subs.combined { "true" } else { "false" }, &id);
            }
            let Value::Bool(v) = params[1] else {
                return err(1, "Invalid value type: expected Boolean", Some(&id));
            };
            subs.combined = v;
            ok("null", &id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> StreamTable {
        StreamTable::fixed(&["BTCUSDT".into(), "ETHUSDT".into()])
    }

    #[test]
    fn subscribe_list_unsubscribe_echo_ids() {
        let t = table();
        let mut s = Subscriptions::new(false);
        let r =
            handle(r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@depth@100ms"],"id":1}"#, &mut s, &t, 9);
        assert_eq!(r, Reply { text: r#"{"result":null,"id":1}"#.into(), error: false });
        let r = handle(r#"{"method":"LIST_SUBSCRIPTIONS","id":"abc"}"#, &mut s, &t, 9);
        assert_eq!(r.text, r#"{"result":["btcusdt@trade","ethusdt@depth@100ms"],"id":"abc"}"#);
        let r = handle(r#"{"method":"UNSUBSCRIBE","params":["btcusdt@trade","btcusdt@nope"],"id":312}"#, &mut s, &t, 9);
        assert_eq!(r.text, r#"{"result":null,"id":312}"#);
        assert_eq!(s.len(), 1);
        assert!(s.has(t.resolve("ethusdt@depth@100ms").unwrap()));
        let r = handle(r#"{"method":"SUBSCRIBE","params":["btcusdt@trade"]}"#, &mut s, &t, 9);
        assert_eq!(r.text, r#"{"result":null,"id":null}"#);
    }

    #[test]
    fn properties() {
        let t = table();
        let mut s = Subscriptions::new(false);
        let get = |s: &mut Subscriptions| handle(r#"{"method":"GET_PROPERTY","params":["combined"],"id":2}"#, s, &t, 9);
        assert_eq!(get(&mut s).text, r#"{"result":false,"id":2}"#);
        let r = handle(r#"{"method":"SET_PROPERTY","params":["combined",true],"id":5}"#, &mut s, &t, 9);
        assert_eq!(r.text, r#"{"result":null,"id":5}"#);
        assert_eq!(get(&mut s).text, r#"{"result":true,"id":2}"#);
        let r = handle(r#"{"method":"SET_PROPERTY","params":["nope",true],"id":5}"#, &mut s, &t, 9);
        assert_eq!(r.text, r#"{"code":0,"msg":"Unknown property","id":5}"#);
        let r = handle(r#"{"method":"SET_PROPERTY","params":["combined","yes"],"id":6}"#, &mut s, &t, 9);
        assert_eq!(r.text, r#"{"code":1,"msg":"Invalid value type: expected Boolean","id":6}"#);
        let r = handle(r#"{"method":"GET_PROPERTY","params":[1],"id":7}"#, &mut s, &t, 9);
        assert_eq!(r.text, r#"{"code":2,"msg":"Invalid request: property name must be a string","id":7}"#);
    }

    #[test]
    fn errors_use_binance_codes() {
        let t = table();
        let mut s = Subscriptions::new(true);
        let cases = [
            ("{", r#"{"code":3,"msg":"Invalid JSON: EOF while parsing an object at line 1 column 1"}"#),
            ("hello", r#"{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}"#),
            (
                r#"{"method":"PING","id":1}"#,
                r#"{"code":2,"msg":"Invalid request: unknown variant `PING`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 16","id":1}"#,
            ),
            (
                r#"{"params":[],"id":1}"#,
                r#"{"code":2,"msg":"Invalid request: missing field `method` at line 1 column 20","id":1}"#,
            ),
            (r#"[1]"#, r#"{"code":2,"msg":"Invalid request: expected value at line 1 column 2"}"#),
            (
                r#"{"method":"SUBSCRIBE","params":["solusdt@trade"],"id":4}"#,
                r#"{"code":2,"msg":"Invalid request: unknown stream \"solusdt@trade\"","id":4}"#,
            ),
            (
                r#"{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":{"x":1}}"#,
                r#"{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"}"#,
            ),
            (
                r#"{"method":"LIST_SUBSCRIPTIONS","params":[1],"id":9}"#,
                r#"{"code":2,"msg":"Invalid request: too many parameters","id":9}"#,
            ),
            (
                r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@aggTrade","btcusdt@bookTicker"],"id":8}"#,
                r#"{"code":2,"msg":"Invalid request: at most 2 streams per connection","id":8}"#,
            ),
        ];
        for (req, want) in cases {
            let r = handle(req, &mut s, &t, 2);
            assert!(r.error, "{req}");
            assert_eq!(r.text, want, "{req}");
        }
        assert!(s.is_empty(), "refused requests change nothing");
    }
}
