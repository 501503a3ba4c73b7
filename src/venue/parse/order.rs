//! Order answers: new order (RESULT/FULL), cancel, query, open orders.

use super::fields::{Obj, json, names};
use crate::domain::{Instrument, Notional, OrderKind, Price, Qty, Side, TimeInForce};
use crate::feed::rest::BodyError;
use crate::feed::rest::error::describe;
use serde_json::Value;

/// An order's status at the venue (REST `status`, stream `X`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VenueOrderStatus {
    New,
    PendingNew,
    PartiallyFilled,
    Filled,
    Canceled,
    PendingCancel,
    Rejected,
    Expired,
    ExpiredInMatch,
}

impl VenueOrderStatus {
    pub(crate) const NAMES: &'static [(&'static str, Self)] = &[
        ("NEW", Self::New),
        ("PENDING_NEW", Self::PendingNew),
        ("PARTIALLY_FILLED", Self::PartiallyFilled),
        ("FILLED", Self::Filled),
        ("CANCELED", Self::Canceled),
        ("PENDING_CANCEL", Self::PendingCancel),
        ("REJECTED", Self::Rejected),
        ("EXPIRED", Self::Expired),
        ("EXPIRED_IN_MATCH", Self::ExpiredInMatch),
    ];

    /// No further change will come.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Filled | Self::Canceled | Self::Rejected | Self::Expired | Self::ExpiredInMatch)
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES.iter().find(|(_, s)| *s == self).map_or("?", |(n, _)| n)
    }
}

/// One fill of a FULL new-order answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillLine {
    pub price: Price,
    pub qty: Qty,
    pub commission: Notional,
    pub commission_asset: String,
    pub trade_id: i64,
}

/// An order as the venue reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    pub symbol: String,
    pub order_id: i64,
    /// Always the order's own client id, also in cancel answers.
    pub client_order_id: String,
    /// In a cancel answer: the cancel request's own id (Binance swaps the
    /// two names there); `None` in other answers.
    pub orig_client_order_id: Option<String>,
    pub price: Price,
    pub orig_qty: Qty,
    pub executed_qty: Qty,
    /// Zero when the venue does not know it (negative for some old orders).
    pub cumulative_quote_qty: Notional,
    pub status: VenueOrderStatus,
    pub tif: Option<TimeInForce>,
    /// `None` for types the crate has no kind for (STOP_LOSS, TAKE_PROFIT...).
    pub kind: Option<OrderKind>,
    pub side: Side,
    /// `transactTime` (new order, cancel) or `time` (query).
    pub time_ms: Option<i64>,
    pub update_time_ms: Option<i64>,
    pub fills: Vec<FillLine>,
}

/// A new-order (RESULT/FULL), cancel or query answer for `inst`.
pub fn order(body: &[u8], inst: &Instrument) -> Result<OrderView, BodyError> {
    let v = json(body)?;
    view(&Obj::new(&v, "")?, inst)
}

/// An array of orders: `GET /api/v3/openOrders`, `DELETE /api/v3/openOrders`.
pub fn orders(body: &[u8], inst: &Instrument) -> Result<Vec<OrderView>, BodyError> {
    let v = json(body)?;
    let Value::Array(list) = &v else {
        return Err(BodyError::at("body", format_args!("expected an array, got {}", describe(&v))));
    };
    list.iter().enumerate().map(|(i, o)| view(&Obj::new(o, format!("[{i}]"))?, inst)).collect()
}

pub(crate) fn view(o: &Obj<'_>, inst: &Instrument) -> Result<OrderView, BodyError> {
    let symbol = o.str("symbol")?;
    if symbol != inst.symbol {
        return Err(o.err("symbol", format_args!("expected {}, got {symbol:?}", inst.symbol)));
    }
    let client = o.str("clientOrderId")?;
    // A cancel answer names the order's id `origClientOrderId` and its own `clientOrderId`.
    let (client_order_id, orig_client_order_id) = match o.opt_str("origClientOrderId")? {
        Some(orig) => (orig.to_string(), Some(client.to_string())),
        None => (client.to_string(), None),
    };
    let quote = o.notional("cummulativeQuoteQty")?;
    let fills = match o.get("fills") {
        None => Vec::new(),
        Some(_) => o
            .array("fills")?
            .iter()
            .enumerate()
            .map(|(i, f)| fill(&Obj::new(f, o.name(&format!("fills[{i}]")))?, inst))
            .collect::<Result<_, _>>()?,
    };
    Ok(OrderView {
        symbol: symbol.to_string(),
        order_id: o.i64("orderId")?,
        client_order_id,
        orig_client_order_id,
        price: o.price("price", inst.price_scale)?,
        orig_qty: o.qty("origQty", inst.qty_scale)?,
        executed_qty: o.qty("executedQty", inst.qty_scale)?,
        cumulative_quote_qty: if quote < Notional::ZERO { Notional::ZERO } else { quote },
        status: o.pick("status", VenueOrderStatus::NAMES)?,
        tif: o.opt_str("timeInForce")?.and_then(names::tif),
        kind: o.opt_str("type")?.and_then(names::kind),
        side: o.pick("side", names::SIDES)?,
        time_ms: match o.opt_i64("transactTime")? {
            Some(t) => Some(t),
            None => o.opt_i64("time")?,
        },
        update_time_ms: o.opt_i64("updateTime")?,
        fills,
    })
}

fn fill(o: &Obj<'_>, inst: &Instrument) -> Result<FillLine, BodyError> {
    Ok(FillLine {
        price: o.price("price", inst.price_scale)?,
        qty: o.qty("qty", inst.qty_scale)?,
        commission: o.notional("commission")?,
        commission_asset: o.str("commissionAsset")?.to_string(),
        trade_id: o.i64("tradeId")?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::{FilterStrings, Venue};

    pub(crate) fn inst(symbol: &str, tick: &str, step: &str) -> Instrument {
        let f = FilterStrings {
            symbol,
            base: "BTC",
            quote: "USDT",
            tick_size: tick,
            step_size: step,
            min_qty: "0",
            min_notional: "0",
        };
        Instrument::from_filters(Venue::BinanceSpot, &f).unwrap()
    }

    const FULL: &str = r#"{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595,"price":"0.00000000","origQty":"10.00000000","executedQty":"10.00000000","origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"10.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL","workingTime":1507725176595,"selfTradePreventionMode":"NONE","fills":[{"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56},{"price":"3999.00000000","qty":"5.00000000","commission":"19.99500000","commissionAsset":"USDT","tradeId":57}]}"#;

    const CANCEL: &str = r#"{"symbol":"LTCBTC","origClientOrderId":"myOrder1","orderId":4,"orderListId":-1,"clientOrderId":"cancelMyOrder1","transactTime":1684804350068,"price":"2.00000000","origQty":"1.00000000","executedQty":"0.00000000","origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC","type":"LIMIT","side":"BUY","selfTradePreventionMode":"NONE"}"#;

    const QUERY: &str = r#"{"symbol":"LTCBTC","orderId":1,"orderListId":-1,"clientOrderId":"myOrder1","price":"0.1","origQty":"1.0","executedQty":"0.0","cummulativeQuoteQty":"-1.0","status":"NEW","timeInForce":"GTC","type":"STOP_LOSS","side":"BUY","stopPrice":"0.0","icebergQty":"0.0","time":1499827319559,"updateTime":1499827319560,"isWorking":true}"#;

    #[test]
    fn full_answer_with_fills() {
        let i = inst("BTCUSDT", "0.01", "0.00001");
        let o = order(FULL.as_bytes(), &i).unwrap();
        assert_eq!(
            (o.order_id, o.client_order_id.as_str(), o.orig_client_order_id),
            (28, "6gCrw2kRUAF9CvJDGP16IP", None)
        );
        assert_eq!(o.status, VenueOrderStatus::Filled);
        assert!(o.status.is_terminal());
        assert_eq!((o.kind, o.tif, o.side), (Some(OrderKind::Market), Some(TimeInForce::Gtc), Side::Sell));
        assert_eq!(o.executed_qty, Qty(1_000_000));
        assert_eq!(o.cumulative_quote_qty, Notional::parse("10").unwrap());
        assert_eq!(o.time_ms, Some(1_507_725_176_595));
        assert_eq!(o.fills.len(), 2);
        assert_eq!(o.fills[1].price, Price(399_900));
        assert_eq!(o.fills[1].commission, Notional::parse("19.995").unwrap());
        assert_eq!(o.fills[1].trade_id, 57);
    }

    #[test]
    fn cancel_answer_keeps_the_orders_id() {
        let i = inst("LTCBTC", "0.000001", "0.01");
        let o = order(CANCEL.as_bytes(), &i).unwrap();
        assert_eq!(o.client_order_id, "myOrder1");
        assert_eq!(o.orig_client_order_id.as_deref(), Some("cancelMyOrder1"));
        assert_eq!(o.status, VenueOrderStatus::Canceled);
    }

    #[test]
    fn query_answer_unknown_kind_and_negative_quote() {
        let i = inst("LTCBTC", "0.000001", "0.01");
        let o = order(QUERY.as_bytes(), &i).unwrap();
        assert_eq!(o.kind, None);
        assert_eq!(o.cumulative_quote_qty, Notional::ZERO);
        assert_eq!((o.time_ms, o.update_time_ms), (Some(1_499_827_319_559), Some(1_499_827_319_560)));
        assert!(!o.status.is_terminal());
        let list = orders(format!("[{QUERY},{QUERY}]").as_bytes(), &i).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(orders(b"[]", &i).unwrap(), vec![]);
    }

    #[test]
    fn bad_answers_name_the_field() {
        let i = inst("BTCUSDT", "0.01", "0.00001");
        let cases: Vec<(String, &str)> = vec![
            (FULL[..FULL.len() / 2].to_string(), "body: not valid JSON"),
            (FULL.replace(r#""orderId":28,"#, ""), "orderId: missing"),
            (FULL.replace(r#""origQty":"10.00000000""#, r#""origQty":"1x""#), "origQty: bad decimal \"1x\""),
            (FULL.replace(r#""status":"FILLED""#, r#""status":"WEIRD""#), "status: unknown value \"WEIRD\""),
            (FULL.replace(r#""qty":"5.00000000""#, r#""qty":"5.000001""#), "fills[1].qty: bad decimal"),
            (FULL.replace(r#""side":"SELL""#, r#""side":1"#), "side: expected a string"),
            (FULL.replace("BTCUSDT", "ETHUSDT"), "symbol: expected BTCUSDT"),
            ("[1]".to_string(), "body: expected an object, got an array"),
        ];
        for (body, want) in cases {
            let e = order(body.as_bytes(), &i).unwrap_err();
            assert!(e.0.starts_with(want), "{want}: {e}");
        }
        let e = orders(b"[1]", &i).unwrap_err();
        assert!(e.0.starts_with("[0]: expected an object"), "{e}");
        let e = orders(format!("[{FULL},{}]", FULL.replace(r#""orderId":28"#, r#""orderId":"x""#)).as_bytes(), &i)
            .unwrap_err();
        assert!(e.0.starts_with("[1].orderId: expected an integer"), "{e}");
        assert!(orders(b"{}", &i).unwrap_err().0.starts_with("body: expected an array"));
    }
}
