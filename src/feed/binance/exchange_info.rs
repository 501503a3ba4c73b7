//! exchangeInfo → instruments, through serde_json: a cold path, once per run.
//!
//! Every symbol is read on its own, so one odd entry is skipped and counted
//! instead of failing the whole table. Spot and USD-M/COIN-M bodies differ
//! only in where the minimum notional sits (`minNotional` vs `notional`).

use super::error::{DecodeError, Malformed};
use crate::domain::{FilterStrings, Instrument, Venue};
use serde::Deserialize;

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "futuresType", default)]
    futures_type: Option<String>,
    symbols: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct SymbolEntry {
    symbol: String,
    #[serde(rename = "baseAsset", default)]
    base: String,
    #[serde(rename = "quoteAsset", default)]
    quote: String,
    #[serde(default)]
    filters: Vec<FilterEntry>,
}

#[derive(Deserialize)]
struct FilterEntry {
    #[serde(rename = "filterType")]
    kind: String,
    #[serde(rename = "tickSize")]
    tick_size: Option<String>,
    #[serde(rename = "stepSize")]
    step_size: Option<String>,
    #[serde(rename = "minQty")]
    min_qty: Option<String>,
    #[serde(rename = "minNotional")]
    min_notional: Option<String>,
    /// The futures spelling of `minNotional`.
    notional: Option<String>,
}

/// The instruments of an exchangeInfo body and how many symbols were skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeInfo {
    pub venue: Venue,
    pub instruments: Vec<Instrument>,
    pub skipped: u64,
}

/// Parses an exchangeInfo body (spot or futures).
pub fn parse(body: &[u8]) -> Result<ExchangeInfo, DecodeError> {
    let b: Body = serde_json::from_slice(body).map_err(classify)?;
    let venue = match b.futures_type.as_deref() {
        Some("U_MARGINED") => Venue::BinanceUsdm,
        Some("COIN_MARGINED") => Venue::BinanceCoinm,
        _ => Venue::BinanceSpot,
    };
    let mut instruments = Vec::with_capacity(b.symbols.len());
    let mut skipped = 0;
    for v in b.symbols {
        match serde_json::from_value::<SymbolEntry>(v).ok().and_then(|e| instrument(venue, &e)) {
            Some(i) => instruments.push(i),
            None => skipped += 1,
        }
    }
    Ok(ExchangeInfo { venue, instruments, skipped })
}

fn instrument(venue: Venue, e: &SymbolEntry) -> Option<Instrument> {
    let find = |kind: &str| e.filters.iter().find(|f| f.kind == kind);
    let price = find("PRICE_FILTER")?;
    let lot = find("LOT_SIZE")?;
    let min_notional = find("NOTIONAL")
        .or_else(|| find("MIN_NOTIONAL"))
        .and_then(|f| f.min_notional.as_deref().or(f.notional.as_deref()))
        .unwrap_or("0");
    let f = FilterStrings {
        symbol: &e.symbol,
        base: &e.base,
        quote: &e.quote,
        tick_size: price.tick_size.as_deref()?,
        step_size: lot.step_size.as_deref()?,
        min_qty: lot.min_qty.as_deref().unwrap_or("0"),
        min_notional,
    };
    Instrument::from_filters(venue, &f).ok()
}

fn classify(e: serde_json::Error) -> DecodeError {
    use serde_json::error::Category;
    let reason = match e.classify() {
        Category::Data if e.to_string().starts_with("missing field") => Malformed::MissingField,
        Category::Data => Malformed::WrongType,
        Category::Io | Category::Syntax | Category::Eof => Malformed::BadJson,
    };
    DecodeError::new(reason, format!("exchangeInfo: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Notional, Price, Qty};

    #[test]
    fn builds_spot_and_futures_instruments() {
        let spot = br#"{"timezone":"UTC","serverTime":1,"symbols":[
            {"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","filters":[
              {"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},
              {"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},
              {"filterType":"MIN_NOTIONAL","minNotional":"10.00000000","applyToMarket":true,"avgPriceMins":5},
              {"filterType":"ICEBERG_PARTS","limit":10}]},
            {"symbol":"ODD","filters":[{"filterType":"LOT_SIZE","minQty":"1","stepSize":"1"}]},
            {"symbol":"WEIRD","filters":"not a list"}]}"#;
        let info = parse(spot).unwrap();
        assert_eq!((info.venue, info.skipped), (Venue::BinanceSpot, 2));
        let btc = &info.instruments[0];
        assert_eq!((btc.price_scale, btc.qty_scale), (2, 5));
        assert_eq!((btc.tick_size, btc.step_size, btc.min_qty), (Price(1), Qty(1), Qty(1)));
        assert_eq!(btc.min_notional, Notional::parse("10").unwrap());

        let fut = br#"{"futuresType":"U_MARGINED","symbols":[{"symbol":"BTCUSDT","baseAsset":"BTC","quoteAsset":"USDT","filters":[
            {"minPrice":"556.72","filterType":"PRICE_FILTER","tickSize":"0.01"},
            {"stepSize":"0.001","filterType":"LOT_SIZE","maxQty":"1000","minQty":"0.001"},
            {"notional":"5","filterType":"MIN_NOTIONAL"}]}]}"#;
        let info = parse(fut).unwrap();
        assert_eq!(info.venue, Venue::BinanceUsdm);
        assert_eq!(info.instruments[0].min_notional, Notional::parse("5").unwrap());
        assert_eq!(info.instruments[0].qty_scale, 3);
    }

    #[test]
    fn classifies_body_errors() {
        assert_eq!(parse(br#"{"timezone":"UTC"}"#).unwrap_err().reason, Malformed::MissingField);
        assert_eq!(parse(br#"{"symbols":{}}"#).unwrap_err().reason, Malformed::WrongType);
        assert_eq!(parse(br#"{"symbols":["#).unwrap_err().reason, Malformed::BadJson);
    }
}
