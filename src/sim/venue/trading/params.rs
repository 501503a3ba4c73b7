//! Request parameters of signed endpoints, typed, with Binance's error
//! codes. The query string and the form body are both read (the query wins
//! on a duplicate); decimals are parsed straight into the instrument's
//! fixed-point scale, never through `f64`.

use super::rest::Fail;
use crate::domain::{FixedError, Instrument, OrderKind, Price, Qty, Side, TimeInForce};
use percent_encoding::percent_decode_str;

/// Decoded `name=value` pairs: the query's first, then the body's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

/// `newOrderRespType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RespType {
    Ack,
    Result,
    Full,
}

impl Params {
    /// From the raw query string and the raw `application/x-www-form-urlencoded` body.
    pub fn parse(query: &str, body: &str) -> Self {
        let mut v = Vec::new();
        for part in query.split('&').chain(body.split('&')).filter(|p| !p.is_empty()) {
            let (k, val) = part.split_once('=').unwrap_or((part, ""));
            v.push((decode(k), decode(val)));
        }
        Self(v)
    }

    /// The first value of `name` (the query's when both carry it).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| !v.is_empty())
    }

    /// A mandatory, non-empty value.
    pub fn req(&self, name: &str) -> Result<&str, Fail> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| missing(name))
    }

    /// An optional value; present but empty is refused as malformed.
    pub fn opt(&self, name: &str) -> Result<Option<&str>, Fail> {
        match self.get(name) {
            None => Ok(None),
            Some("") => Err(missing(name)),
            Some(v) => Ok(Some(v)),
        }
    }

    /// An optional integer (`orderId`, `fromId`, `limit`).
    pub fn int(&self, name: &str) -> Result<Option<i64>, Fail> {
        match self.opt(name)? {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                Fail::bad(
                    -1100,
                    format!("Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'."),
                )
            }),
        }
    }

    /// An optional boolean (`omitZeroBalances`).
    pub fn boolean(&self, name: &str) -> Result<bool, Fail> {
        match self.opt(name)? {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(illegal(name, "true, false")),
        }
    }

    pub fn side(&self) -> Result<Side, Fail> {
        match self.req("side")? {
            "BUY" => Ok(Side::Buy),
            "SELL" => Ok(Side::Sell),
            _ => Err(illegal("side", "BUY, SELL")),
        }
    }

    pub fn kind(&self) -> Result<OrderKind, Fail> {
        match self.req("type")? {
            "LIMIT" => Ok(OrderKind::Limit),
            "MARKET" => Ok(OrderKind::Market),
            "LIMIT_MAKER" => Ok(OrderKind::LimitMaker),
            "STOP_LOSS_LIMIT" => Ok(OrderKind::StopLossLimit),
            "TAKE_PROFIT_LIMIT" => Ok(OrderKind::TakeProfitLimit),
            "STOP_LOSS" | "TAKE_PROFIT" => Err(Fail::bad(-1116, "Invalid orderType.")),
            _ => Err(illegal("type", "LIMIT, MARKET, STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT, LIMIT_MAKER")),
        }
    }

    pub fn tif(&self) -> Result<Option<TimeInForce>, Fail> {
        match self.opt("timeInForce")? {
            None => Ok(None),
            Some("GTC") => Ok(Some(TimeInForce::Gtc)),
            Some("IOC") => Ok(Some(TimeInForce::Ioc)),
            Some("FOK") => Ok(Some(TimeInForce::Fok)),
            Some(_) => Err(illegal("timeInForce", "GTC, IOC, FOK")),
        }
    }

    pub fn resp_type(&self) -> Result<Option<RespType>, Fail> {
        match self.opt("newOrderRespType")? {
            None => Ok(None),
            Some("ACK") => Ok(Some(RespType::Ack)),
            Some("RESULT") => Ok(Some(RespType::Result)),
            Some("FULL") => Ok(Some(RespType::Full)),
            Some(_) => Err(illegal("newOrderRespType", "ACK, RESULT, FULL")),
        }
    }

    /// An optional price at the instrument's scale.
    pub fn price(&self, name: &str, inst: &Instrument) -> Result<Option<Price>, Fail> {
        self.opt(name)?
            .map(|v| Price::parse_unsigned(v.as_bytes(), inst.price_scale).map_err(|e| decimal_error(name, e)))
            .transpose()
    }

    /// An optional quantity at the instrument's scale.
    pub fn qty(&self, name: &str, inst: &Instrument) -> Result<Option<Qty>, Fail> {
        self.opt(name)?
            .map(|v| Qty::parse_unsigned(v.as_bytes(), inst.qty_scale).map_err(|e| decimal_error(name, e)))
            .transpose()
    }

    /// `timestamp` in ms (a 16-digit microsecond timestamp is accepted too).
    pub fn timestamp(&self) -> Result<i64, Fail> {
        let v = self.req("timestamp")?;
        let t: i64 = v.parse().map_err(|_| missing("timestamp"))?;
        Ok(if t >= 100_000_000_000_000 { t / 1000 } else { t })
    }

    /// `recvWindow` in ms (up to 3 decimals, truncated), default 5000.
    pub fn recv_window(&self) -> Result<i64, Fail> {
        match self.opt("recvWindow")? {
            None => Ok(5000),
            Some(v) => {
                Price::parse_unsigned(v.as_bytes(), 3).map(|p| p.0 / 1000).map_err(|e| decimal_error("recvWindow", e))
            }
        }
    }
}

fn decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_decode_str(&plus).decode_utf8_lossy().into_owned()
}

/// -1102 for a missing, empty or malformed mandatory parameter.
pub fn missing(name: &str) -> Fail {
    Fail::bad(-1102, format!("Mandatory parameter '{name}' was not sent, was empty/null, or malformed."))
}

fn illegal(name: &str, range: &str) -> Fail {
    Fail::bad(-1100, format!("Illegal characters found in parameter '{name}'; legal range is '{range}'."))
}

fn decimal_error(name: &str, e: FixedError) -> Fail {
    match e {
        FixedError::TooManyDecimals { .. } => Fail::bad(-1111, format!("Parameter '{name}' has too much precision.")),
        _ => illegal(name, r"^([0-9]{1,20})(\.[0-9]{1,20})?$"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Venue;

    fn inst() -> Instrument {
        let mut i = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
        i.price_scale = 2;
        i.qty_scale = 5;
        i
    }

    #[test]
    fn the_query_wins_and_values_are_decoded() {
        let p = Params::parse("symbol=BTCUSDT&newClientOrderId=a%2Fb", "symbol=ETHUSDT&price=1.5");
        assert_eq!(p.get("symbol"), Some("BTCUSDT"));
        assert_eq!(p.get("newClientOrderId"), Some("a/b"));
        assert_eq!(p.price("price", &inst()).ok().flatten(), Some(Price(150)));
    }

    #[test]
    fn binance_codes_for_bad_parameters() {
        let p = Params::parse("price=1.005&quantity=0.1000000&side=UP&timestamp=&x=", "");
        assert_eq!(p.price("price", &inst()).unwrap_err().code, -1111);
        assert_eq!(p.qty("quantity", &inst()).ok().flatten(), Some(Qty(10_000)), "trailing zeros are fine");
        assert_eq!(p.side().unwrap_err().code, -1100);
        assert_eq!(p.timestamp().unwrap_err().code, -1102);
        assert_eq!(p.kind().unwrap_err().msg, "Mandatory parameter 'type' was not sent, was empty/null, or malformed.");
        assert_eq!(Params::parse("recvWindow=6000.346", "").recv_window().ok(), Some(6000));
    }
}
