//! The venue's symbol filters checked before an order leaves, so an order
//! that would break one is refused locally with the code and message the
//! venue would give (`-1013 Filter failure: LOT_SIZE`), at no request weight.

use crate::domain::{Instrument, OrderIntent, OrderKind, Price};

/// The filter an order breaks, as the venue would name it.
pub fn check(intent: &OrderIntent, inst: &Instrument, reference: Option<Price>) -> Result<(), (i64, String)> {
    let fail = |name: &str| Err((-1013, format!("Filter failure: {name}")));
    let priced = !matches!(intent.kind, OrderKind::Market);
    for p in [intent.limit_price.filter(|_| priced), intent.stop_price].into_iter().flatten() {
        if p.0 <= 0 || (inst.tick_size.0 > 0 && p.0 % inst.tick_size.0 != 0) {
            return fail("PRICE_FILTER");
        }
    }
    let q = intent.qty.0;
    if q <= 0 || q < inst.min_qty.0 || (inst.step_size.0 > 0 && q % inst.step_size.0 != 0) {
        return fail("LOT_SIZE");
    }
    let price = if priced { intent.limit_price } else { reference };
    if let Some(p) = price {
        if inst.min_notional.0 > 0 && inst.notional(p, intent.qty) < inst.min_notional {
            return fail("NOTIONAL");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentId, Notional, Qty, Side, StrategyId, Venue};

    fn inst() -> Instrument {
        let mut i = Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT");
        i.price_scale = 2;
        i.qty_scale = 5;
        i.tick_size = Price(1);
        i.step_size = Qty(1);
        i.min_qty = Qty(1);
        i.min_notional = Notional::parse("5").unwrap();
        i
    }

    #[test]
    fn each_filter_is_named_with_the_venue_code() {
        let i = inst();
        let ok = OrderIntent::limit(InstrumentId(0), Side::Buy, Qty(100), Price(5_000_000), StrategyId(0));
        assert_eq!(check(&ok, &i, None), Ok(()));
        let mut i2 = i.clone();
        i2.tick_size = Price(100);
        let off_tick = OrderIntent { limit_price: Some(Price(5_000_001)), ..ok };
        assert_eq!(check(&off_tick, &i2, None), Err((-1013, "Filter failure: PRICE_FILTER".into())));
        let mut i3 = i.clone();
        i3.step_size = Qty(10);
        assert_eq!(check(&OrderIntent { qty: Qty(105), ..ok }, &i3, None).unwrap_err().1, "Filter failure: LOT_SIZE");
        // 0.00100 BTC at 100.00 = 0.1 USDT < 5.
        let small = OrderIntent { limit_price: Some(Price(10_000)), ..ok };
        assert_eq!(check(&small, &i, None).unwrap_err().1, "Filter failure: NOTIONAL");
        let mkt = OrderIntent::market(InstrumentId(0), Side::Sell, Qty(100), StrategyId(0));
        assert_eq!(check(&mkt, &i, None), Ok(()), "a market order without a reference price is left to the venue");
        assert_eq!(check(&mkt, &i, Some(Price(10_000))).unwrap_err().1, "Filter failure: NOTIONAL");
    }
}
