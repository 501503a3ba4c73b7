//! User data stream events: execution reports, balances, stream ends.
//!
//! One-letter names mean different things per event type (`u`, `l`, `L`),
//! so each type is read by its own function.

use super::account::{Balance, balance};
use super::fields::{Obj, json, names};
use super::order::VenueOrderStatus;
use crate::domain::{Instruments, Notional, OrderKind, Price, Qty, Side, TimeInForce};
use crate::feed::rest::BodyError;
use serde_json::Value;

/// Execution type (`x`): what this event did to the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecType {
    New,
    Canceled,
    Replaced,
    Rejected,
    Trade,
    Expired,
    TradePrevention,
}

const EXEC_TYPES: &[(&str, ExecType)] = &[
    ("NEW", ExecType::New),
    ("CANCELED", ExecType::Canceled),
    ("REPLACED", ExecType::Replaced),
    ("REJECTED", ExecType::Rejected),
    ("TRADE", ExecType::Trade),
    ("EXPIRED", ExecType::Expired),
    ("TRADE_PREVENTION", ExecType::TradePrevention),
];

/// An `executionReport`: one order lifecycle change or one fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionReport {
    pub event_time_ms: i64,
    pub symbol: String,
    /// `c`: the order's id, but the cancel request's id on cancel events.
    pub client_order_id: String,
    /// `C` when non-empty: the cancelled order's id.
    pub orig_client_order_id: Option<String>,
    pub side: Side,
    pub kind: Option<OrderKind>,
    pub tif: Option<TimeInForce>,
    pub order_qty: Qty,
    pub order_price: Price,
    pub exec_type: ExecType,
    pub status: VenueOrderStatus,
    pub reject_reason: String,
    pub order_id: i64,
    pub last_qty: Qty,
    pub cum_qty: Qty,
    pub last_price: Price,
    pub commission: Notional,
    pub commission_asset: Option<String>,
    pub transact_time_ms: i64,
    /// -1 when the event is not a trade.
    pub trade_id: i64,
    /// Unique per event: dedupe by it.
    pub execution_id: i64,
    pub is_maker: bool,
    pub cum_quote: Notional,
}

impl ExecutionReport {
    /// The id of the order this event is about: `C` on cancel events, else `c`.
    pub fn order_client_id(&self) -> &str {
        match &self.orig_client_order_id {
            Some(orig) => orig,
            None => &self.client_order_id,
        }
    }
}

/// An `outboundAccountPosition`: the balances that may have changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPosition {
    pub event_time_ms: i64,
    pub balances: Vec<Balance>,
}

/// One user data stream event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEvent {
    Execution(Box<ExecutionReport>),
    Account(AccountPosition),
    /// Deposit, withdrawal or transfer: a signed delta.
    BalanceUpdate {
        asset: String,
        delta: Notional,
        time_ms: i64,
    },
    /// The subscription ended: resubscribe and reconcile.
    StreamTerminated {
        time_ms: i64,
    },
    /// An event type not read here (`listStatus`, `externalLockUpdate`...).
    Other(String),
}

/// A user data event: the WebSocket API frame `{"subscriptionId":N,"event":{...}}`,
/// a combined-stream `{"stream":..,"data":{...}}` or a bare event object.
pub fn user_event(frame: &[u8], instruments: &Instruments) -> Result<UserEvent, BodyError> {
    let v = json(frame)?;
    event_value(&v, instruments)
}

pub(crate) fn event_value(v: &Value, instruments: &Instruments) -> Result<UserEvent, BodyError> {
    let top = Obj::new(v, "")?;
    let (inner, at) = if let Some(e) = top.get("event") {
        (e, "event")
    } else if let Some(d) = top.get("data") {
        (d, "data")
    } else {
        (v, "")
    };
    let o = Obj::new(inner, at)?;
    match o.str("e")? {
        "executionReport" => execution(&o, instruments).map(|r| UserEvent::Execution(Box::new(r))),
        "outboundAccountPosition" => {
            let balances = o
                .array("B")?
                .iter()
                .enumerate()
                .map(|(i, b)| balance(&Obj::new(b, o.name(&format!("B[{i}]")))?, "a", "f", "l"))
                .collect::<Result<_, _>>()?;
            Ok(UserEvent::Account(AccountPosition { event_time_ms: o.i64("E")?, balances }))
        }
        "balanceUpdate" => Ok(UserEvent::BalanceUpdate {
            asset: o.str("a")?.to_string(),
            delta: o.notional("d")?,
            time_ms: o.i64("T")?,
        }),
        "eventStreamTerminated" => Ok(UserEvent::StreamTerminated { time_ms: o.i64("E")? }),
        other => Ok(UserEvent::Other(other.to_string())),
    }
}

fn execution(o: &Obj<'_>, instruments: &Instruments) -> Result<ExecutionReport, BodyError> {
    let symbol = o.str("s")?;
    let inst = instruments
        .find(symbol.as_bytes())
        .and_then(|id| instruments.try_get(id))
        .ok_or_else(|| o.err("s", format_args!("symbol {symbol:?} is not in the instrument table")))?;
    let (ps, qs) = (inst.price_scale, inst.qty_scale);
    Ok(ExecutionReport {
        event_time_ms: o.i64("E")?,
        symbol: symbol.to_string(),
        client_order_id: o.str("c")?.to_string(),
        orig_client_order_id: o.opt_str("C")?.filter(|c| !c.is_empty()).map(str::to_string),
        side: o.pick("S", names::SIDES)?,
        kind: o.opt_str("o")?.and_then(names::kind),
        tif: o.opt_str("f")?.and_then(names::tif),
        order_qty: o.qty("q", qs)?,
        order_price: o.price("p", ps)?,
        exec_type: o.pick("x", EXEC_TYPES)?,
        status: o.pick("X", VenueOrderStatus::NAMES)?,
        reject_reason: o.opt_str("r")?.unwrap_or("NONE").to_string(),
        order_id: o.i64("i")?,
        last_qty: o.qty("l", qs)?,
        cum_qty: o.qty("z", qs)?,
        last_price: o.price("L", ps)?,
        commission: o.notional("n")?,
        commission_asset: o.opt_str("N")?.map(str::to_string),
        transact_time_ms: o.i64("T")?,
        trade_id: o.i64("t")?,
        execution_id: o.i64("I")?,
        is_maker: o.bool("m")?,
        cum_quote: o.notional("Z")?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::order::tests::inst;
    use super::*;

    pub(crate) const NEW: &str = r#"{"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"NEW","X":"NEW","r":"NONE","i":4293153,"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0","N":null,"T":1499405658657,"t":-1,"I":8641984,"w":true,"m":false,"M":false,"O":1499405658657,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000","W":1499405658657,"V":"NONE"}}"#;

    fn table() -> Instruments {
        Instruments::fixed(vec![inst("ETHBTC", "0.00000001", "0.0001")])
    }

    #[test]
    fn execution_report_new_and_cancel() {
        let UserEvent::Execution(r) = user_event(NEW.as_bytes(), &table()).unwrap() else { panic!() };
        assert_eq!((r.exec_type, r.status, r.side), (ExecType::New, VenueOrderStatus::New, Side::Buy));
        assert_eq!((r.kind, r.tif), (Some(OrderKind::Limit), Some(TimeInForce::Gtc)));
        assert_eq!(r.order_price, Price(10_264_410));
        assert_eq!(r.order_qty, Qty(10_000));
        assert_eq!((r.trade_id, r.execution_id, r.order_id), (-1, 8_641_984, 4_293_153));
        assert_eq!((r.commission_asset.as_deref(), r.orig_client_order_id.as_deref()), (None, None));
        assert_eq!(r.order_client_id(), "mUvoqJxFIILMdfAW5iGSOW");
        let cancel = NEW
            .replace(r#""C":"""#, r#""C":"mine""#)
            .replace(r#""x":"NEW","X":"NEW""#, r#""x":"CANCELED","X":"CANCELED""#);
        let UserEvent::Execution(r) = user_event(cancel.as_bytes(), &table()).unwrap() else { panic!() };
        assert_eq!(r.order_client_id(), "mine");
        assert!(r.status.is_terminal());
        // A bare event reads the same.
        let bare = &NEW[NEW.find(r#"{"e""#).unwrap()..NEW.len() - 1];
        assert!(matches!(user_event(bare.as_bytes(), &table()).unwrap(), UserEvent::Execution(_)));
    }

    #[test]
    fn other_events() {
        let acct = r#"{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1564034571105,"u":1564034571073,"B":[{"a":"ETH","f":"10000.000000","l":"0.000000"}]}}"#;
        let UserEvent::Account(a) = user_event(acct.as_bytes(), &table()).unwrap() else { panic!() };
        assert_eq!((a.event_time_ms, a.balances[0].asset.as_str()), (1_564_034_571_105, "ETH"));
        let bu = r#"{"e":"balanceUpdate","E":1573200697110,"a":"BTC","d":"-100.5","T":1573200697068}"#;
        assert_eq!(
            user_event(bu.as_bytes(), &table()).unwrap(),
            UserEvent::BalanceUpdate {
                asset: "BTC".into(),
                delta: Notional::parse("-100.5").unwrap(),
                time_ms: 1_573_200_697_068
            }
        );
        let end = r#"{"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":7}}"#;
        assert_eq!(user_event(end.as_bytes(), &table()).unwrap(), UserEvent::StreamTerminated { time_ms: 7 });
        let ls = r#"{"subscriptionId":0,"event":{"e":"listStatus","E":7}}"#;
        assert_eq!(user_event(ls.as_bytes(), &table()).unwrap(), UserEvent::Other("listStatus".into()));
    }

    #[test]
    fn bad_events_name_the_field() {
        let t = table();
        let cases = [
            (NEW.replace("ETHBTC", "XRPBTC"), "event.s: symbol \"XRPBTC\" is not in the instrument table"),
            (NEW.replace(r#""X":"NEW""#, r#""X":"LOST""#), "event.X: unknown value \"LOST\""),
            (NEW.replace(r#""q":"1.00000000""#, r#""q":"1.000000001""#), "event.q: bad decimal"),
            (NEW.replace(r#""i":4293153,"#, ""), "event.i: missing"),
            (NEW[..100].to_string(), "body: not valid JSON"),
            (r#"{"subscriptionId":0,"event":[]}"#.to_string(), "event: expected an object"),
            (r#"{"x":1}"#.to_string(), "e: missing"),
        ];
        for (body, want) in cases {
            let e = user_event(body.as_bytes(), &t).unwrap_err();
            assert!(e.0.starts_with(want), "{want}: {e}");
        }
    }
}
