//! Field access on a JSON object, with errors that say where.

use crate::domain::{Notional, Price, Qty};
use crate::feed::rest::BodyError;
use crate::feed::rest::error::describe;
use serde_json::{Map, Value};

/// Parses a whole body as JSON.
pub(crate) fn json(body: &[u8]) -> Result<Value, BodyError> {
    serde_json::from_slice(body).map_err(|e| BodyError::at("body", format_args!("not valid JSON: {e}")))
}

/// An object and where it sits in the body (`""` at the top, `[2]`, `fills[0]`).
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    at: String,
}

impl<'a> Obj<'a> {
    pub(crate) fn new(v: &'a Value, at: impl Into<String>) -> Result<Self, BodyError> {
        let at = at.into();
        match v {
            Value::Object(map) => Ok(Self { map, at }),
            other => {
                let name = if at.is_empty() { "body" } else { at.as_str() };
                Err(BodyError::at(name, format_args!("expected an object, got {}", describe(other))))
            }
        }
    }

    /// The full name of `key` for error messages.
    pub(crate) fn name(&self, key: &str) -> String {
        if self.at.is_empty() { key.to_string() } else { format!("{}.{key}", self.at) }
    }

    pub(crate) fn err(&self, key: &str, detail: impl std::fmt::Display) -> BodyError {
        BodyError::at(self.name(key), detail)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn need(&self, key: &str) -> Result<&'a Value, BodyError> {
        self.get(key).ok_or_else(|| self.err(key, "missing"))
    }

    pub(crate) fn str(&self, key: &str) -> Result<&'a str, BodyError> {
        let v = self.need(key)?;
        v.as_str().ok_or_else(|| self.err(key, format_args!("expected a string, got {}", describe(v))))
    }

    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<&'a str>, BodyError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| self.err(key, format_args!("expected a string, got {}", describe(v)))),
        }
    }

    pub(crate) fn i64(&self, key: &str) -> Result<i64, BodyError> {
        let v = self.need(key)?;
        v.as_i64().ok_or_else(|| self.err(key, format_args!("expected an integer, got {v}")))
    }

    pub(crate) fn opt_i64(&self, key: &str) -> Result<Option<i64>, BodyError> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.i64(key).map(Some),
        }
    }

    pub(crate) fn bool(&self, key: &str) -> Result<bool, BodyError> {
        let v = self.need(key)?;
        v.as_bool().ok_or_else(|| self.err(key, format_args!("expected a boolean, got {}", describe(v))))
    }

    pub(crate) fn array(&self, key: &str) -> Result<&'a Vec<Value>, BodyError> {
        let v = self.need(key)?;
        v.as_array().ok_or_else(|| self.err(key, format_args!("expected an array, got {}", describe(v))))
    }

    pub(crate) fn price(&self, key: &str, scale: u8) -> Result<Price, BodyError> {
        let s = self.str(key)?;
        Price::parse_unsigned(s.as_bytes(), scale).map_err(|e| self.err(key, format_args!("bad decimal {s:?}: {e}")))
    }

    pub(crate) fn qty(&self, key: &str, scale: u8) -> Result<Qty, BodyError> {
        let s = self.str(key)?;
        Qty::parse_unsigned(s.as_bytes(), scale).map_err(|e| self.err(key, format_args!("bad decimal {s:?}: {e}")))
    }

    pub(crate) fn notional(&self, key: &str) -> Result<Notional, BodyError> {
        let s = self.str(key)?;
        Notional::parse(s).map_err(|e| self.err(key, format_args!("bad decimal {s:?}: {e}")))
    }

    /// A string one of `table`'s names, mapped.
    pub(crate) fn pick<T: Copy>(&self, key: &str, table: &[(&str, T)]) -> Result<T, BodyError> {
        let s = self.str(key)?;
        table
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, t)| *t)
            .ok_or_else(|| self.err(key, format_args!("unknown value {s:?}")))
    }
}

/// `(name, value)` tables shared by the answers and the events.
pub(crate) mod names {
    use crate::domain::{OrderKind, Side, TimeInForce};

    pub(crate) const SIDES: &[(&str, Side)] = &[("BUY", Side::Buy), ("SELL", Side::Sell)];

    /// Types the crate has no [`OrderKind`] for (STOP_LOSS, TAKE_PROFIT) map to `None`.
    pub(crate) fn kind(s: &str) -> Option<OrderKind> {
        Some(match s {
            "MARKET" => OrderKind::Market,
            "LIMIT" => OrderKind::Limit,
            "LIMIT_MAKER" => OrderKind::LimitMaker,
            "STOP_LOSS_LIMIT" => OrderKind::StopLossLimit,
            "TAKE_PROFIT_LIMIT" => OrderKind::TakeProfitLimit,
            _ => return None,
        })
    }

    /// Time in force, `None` for one the crate does not know (GTD...).
    pub(crate) fn tif(s: &str) -> Option<TimeInForce> {
        Some(match s {
            "GTC" => TimeInForce::Gtc,
            "IOC" => TimeInForce::Ioc,
            "FOK" => TimeInForce::Fok,
            _ => return None,
        })
    }
}
