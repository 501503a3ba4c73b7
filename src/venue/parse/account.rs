//! Account answers: balances (`GET /api/v3/account`) and trades (`GET /api/v3/myTrades`).

use super::fields::{Obj, json};
use crate::domain::{Instrument, Notional, Price, Qty};
use crate::feed::rest::BodyError;
use crate::feed::rest::error::describe;
use serde_json::Value;

/// One asset's balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub asset: String,
    /// Available.
    pub free: Notional,
    /// Reserved by open orders.
    pub locked: Notional,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    pub can_trade: bool,
    pub update_time_ms: i64,
    pub balances: Vec<Balance>,
}

/// One of our trades.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyTrade {
    pub symbol: String,
    /// The trade id (= `t` in execution reports).
    pub id: i64,
    pub order_id: i64,
    pub price: Price,
    pub qty: Qty,
    pub quote_qty: Notional,
    pub commission: Notional,
    pub commission_asset: String,
    pub time_ms: i64,
    pub is_buyer: bool,
    pub is_maker: bool,
}

/// `GET /api/v3/account`.
pub fn account(body: &[u8]) -> Result<AccountInfo, BodyError> {
    let v = json(body)?;
    let o = Obj::new(&v, "")?;
    let balances = o
        .array("balances")?
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let b = Obj::new(b, format!("balances[{i}]"))?;
            balance(&b, "asset", "free", "locked")
        })
        .collect::<Result<_, _>>()?;
    Ok(AccountInfo { can_trade: o.bool("canTrade")?, update_time_ms: o.i64("updateTime")?, balances })
}

pub(crate) fn balance(b: &Obj<'_>, asset: &str, free: &str, locked: &str) -> Result<Balance, BodyError> {
    Ok(Balance { asset: b.str(asset)?.to_string(), free: b.notional(free)?, locked: b.notional(locked)? })
}

/// `GET /api/v3/myTrades` for `inst`.
pub fn my_trades(body: &[u8], inst: &Instrument) -> Result<Vec<MyTrade>, BodyError> {
    let v = json(body)?;
    let Value::Array(list) = &v else {
        return Err(BodyError::at("body", format_args!("expected an array, got {}", describe(&v))));
    };
    list.iter()
        .enumerate()
        .map(|(i, t)| {
            let o = Obj::new(t, format!("[{i}]"))?;
            let symbol = o.str("symbol")?;
            if symbol != inst.symbol {
                return Err(o.err("symbol", format_args!("expected {}, got {symbol:?}", inst.symbol)));
            }
            Ok(MyTrade {
                symbol: symbol.to_string(),
                id: o.i64("id")?,
                order_id: o.i64("orderId")?,
                price: o.price("price", inst.price_scale)?,
                qty: o.qty("qty", inst.qty_scale)?,
                quote_qty: o.notional("quoteQty")?,
                commission: o.notional("commission")?,
                commission_asset: o.str("commissionAsset")?.to_string(),
                time_ms: o.i64("time")?,
                is_buyer: o.bool("isBuyer")?,
                is_maker: o.bool("isMaker")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::order::tests::inst;
    use super::*;

    const ACCOUNT: &str = r#"{"makerCommission":15,"canTrade":true,"updateTime":123456789,"accountType":"SPOT","balances":[{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"},{"asset":"LTC","free":"4763368.68006011","locked":"1.5"}],"permissions":["SPOT"]}"#;
    const TRADES: &str = r#"[{"symbol":"BNBBTC","id":28457,"orderId":100234,"orderListId":-1,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","commission":"10.10000000","commissionAsset":"BNB","time":1499865549590,"isBuyer":true,"isMaker":false,"isBestMatch":true}]"#;

    #[test]
    fn reads_balances() {
        let a = account(ACCOUNT.as_bytes()).unwrap();
        assert!(a.can_trade);
        assert_eq!(a.update_time_ms, 123_456_789);
        assert_eq!(a.balances.len(), 2);
        assert_eq!(a.balances[0].free, Notional::parse("4723846.89208129").unwrap());
        assert_eq!(a.balances[1].locked, Notional::parse("1.5").unwrap());
    }

    #[test]
    fn reads_trades() {
        let i = inst("BNBBTC", "0.00000001", "0.01");
        let t = my_trades(TRADES.as_bytes(), &i).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].id, t[0].order_id, t[0].is_buyer, t[0].is_maker), (28457, 100_234, true, false));
        assert_eq!(t[0].price, Price(400_000_100));
        assert_eq!(t[0].qty, Qty(1200));
        assert_eq!(t[0].quote_qty, Notional::parse("48.000012").unwrap());
    }

    #[test]
    fn bad_bodies_name_the_field() {
        let cases = [
            (ACCOUNT.replace(r#""canTrade":true,"#, ""), "canTrade: missing"),
            (ACCOUNT.replace(r#""locked":"1.5""#, r#""locked":"1..5""#), "balances[1].locked: bad decimal"),
            (ACCOUNT.replace(r#""asset":"BTC","#, ""), "balances[0].asset: missing"),
            (ACCOUNT[..40].to_string(), "body: not valid JSON"),
        ];
        for (body, want) in cases {
            let e = account(body.as_bytes()).unwrap_err();
            assert!(e.0.starts_with(want), "{want}: {e}");
        }
        let i = inst("BNBBTC", "0.00000001", "0.01");
        let e = my_trades(TRADES.replace(r#""isMaker":false"#, r#""isMaker":"no""#).as_bytes(), &i).unwrap_err();
        assert!(e.0.starts_with("[0].isMaker: expected a boolean"), "{e}");
        let e = my_trades(TRADES.replace(r#""qty":"12.00000000""#, r#""qty":"12.001""#).as_bytes(), &i).unwrap_err();
        assert!(e.0.starts_with("[0].qty: bad decimal"), "{e}");
    }
}
