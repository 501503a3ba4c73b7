//! Exact P&L on known sequences (partial closes, flips, fees, totals) and a
//! property: realized + unrealized equals cash-flow accounting to the last unit.

use proptest::prelude::*;
use tickdesk::domain::{
    Fill, Instrument, InstrumentId, Liquidity, Notional, OrderId, Price, Qty, Side, StrategyId, Venue,
};
use tickdesk::portfolio::{Portfolio, PortfolioConfig};
use tickdesk::strategy::PortfolioView;

const BTC: InstrumentId = InstrumentId(0);
const ETH: InstrumentId = InstrumentId(1);

/// Price scale 2, qty scale 3.
fn inst(symbol: &str) -> Instrument {
    Instrument { price_scale: 2, qty_scale: 3, ..Instrument::with_defaults(Venue::BinanceSpot, symbol) }
}

fn px(s: &str) -> Price {
    inst("X").parse_price(s).expect("test fixture")
}

fn q(s: &str) -> Qty {
    inst("X").parse_qty(s).expect("test fixture")
}

fn n(s: &str) -> Notional {
    Notional::parse(s).expect("test fixture")
}

fn fill(id: InstrumentId, side: Side, qty: &str, price: &str, fee: &str) -> Fill {
    Fill {
        order_id: OrderId(1),
        instrument: id,
        side,
        price: px(price),
        qty: q(qty),
        fee: n(fee),
        liquidity: Liquidity::Taker,
        time_ms: 0,
        strategy: StrategyId(0),
    }
}

fn book() -> Portfolio {
    Portfolio::new(&PortfolioConfig { starting_cash: "10000".into() }).expect("test fixture")
}

#[test]
fn partial_closes_realize_fifo_lots_exactly() {
    let b = inst("BTCUSDT");
    let mut p = book();
    p.apply_fill(&fill(BTC, Side::Buy, "1", "100.00", "0.10"), &b);
    p.apply_fill(&fill(BTC, Side::Buy, "1", "110.00", "0.11"), &b);
    assert_eq!(p.avg_entry(BTC, &b), Some(px("105.00")));
    // Sell 1.5 @ 120: 1 × (120 − 100) + 0.5 × (120 − 110) = 25.
    p.apply_fill(&fill(BTC, Side::Sell, "1.5", "120.00", "0.18"), &b);
    let pos = p.position(BTC).unwrap();
    assert_eq!((pos.qty, pos.realized, pos.cost), (q("0.5"), n("25"), n("55")));
    assert_eq!(p.lot_count(BTC), 1);
    assert_eq!(p.avg_entry(BTC, &b), Some(px("110.00")));
    // Before any market mark, the first fill's price (100) is the mark: 0.5 × 100 − 55.
    assert_eq!(pos.unrealized, n("-5"));
    p.mark(BTC, px("130.00"), &b);
    assert_eq!(p.unrealized(), n("10"));
    assert_eq!(p.fees(), n("0.39"));
    assert_eq!(p.realized(), n("25"));
    assert_eq!(p.equity(), n("10034.61"));
    assert_eq!(p.gross_exposure(), n("65"));
    assert_eq!(p.position(BTC).unwrap().pnl(), n("34.61"));
}

#[test]
fn flips_through_zero_close_everything_then_open_the_rest() {
    let b = inst("BTCUSDT");
    let mut p = book();
    p.apply_fill(&fill(BTC, Side::Buy, "1", "100.00", "0"), &b);
    // Sell 3 @ 90: realize −10 on the long, open 2 short @ 90.
    p.apply_fill(&fill(BTC, Side::Sell, "3", "90.00", "0"), &b);
    let pos = p.position(BTC).unwrap();
    assert_eq!((pos.qty, pos.realized, pos.cost), (q("-2"), n("-10"), n("-180")));
    assert_eq!(p.avg_entry(BTC, &b), Some(px("90.00")));
    // Short gains when the price falls: cover 1 @ 80 realizes +10.
    p.apply_fill(&fill(BTC, Side::Buy, "1", "80.00", "0"), &b);
    assert_eq!(p.realized(), Notional::ZERO);
    p.mark(BTC, px("85.00"), &b);
    assert_eq!(p.unrealized(), n("5"));
    assert_eq!(p.gross_exposure(), n("85"));
    // Flip back long through zero: buy 2 @ 70 closes 1 short (+20), opens 1 long @ 70.
    p.apply_fill(&fill(BTC, Side::Buy, "2", "70.00", "0"), &b);
    let pos = p.position(BTC).unwrap();
    assert_eq!((pos.qty, pos.realized, pos.cost), (q("1"), n("20"), n("70")));
    assert_eq!(pos.unrealized, n("15"), "still marked at 85");
    // Flat again: no lots, no cost, no unrealized.
    p.apply_fill(&fill(BTC, Side::Sell, "1", "72.50", "0"), &b);
    let pos = p.position(BTC).unwrap();
    assert!(pos.is_flat());
    assert_eq!((pos.cost, pos.unrealized, pos.realized), (Notional::ZERO, Notional::ZERO, n("22.5")));
    assert_eq!(p.lot_count(BTC), 0);
    assert_eq!(p.avg_entry(BTC, &b), None);
}

#[test]
fn totals_across_instruments_peak_and_drawdown() {
    let (b, e) = (inst("BTCUSDT"), inst("ETHUSDT"));
    let mut p = book();
    p.apply_fill(&fill(BTC, Side::Buy, "2", "100.00", "0.5"), &b);
    p.apply_fill(&fill(ETH, Side::Sell, "3", "50.00", "0.25"), &e);
    p.mark(BTC, px("110.00"), &b); // +20
    p.mark(ETH, px("40.00"), &e); // +30
    assert_eq!(p.unrealized(), n("50"));
    assert_eq!(p.gross_exposure(), n("340"));
    assert_eq!(p.equity(), n("10049.25"));
    assert_eq!(p.peak_equity(), n("10049.25"));
    p.mark(BTC, px("90.00"), &b); // −20
    assert_eq!(p.equity(), n("10009.25"));
    assert_eq!(p.drawdown(), n("40"));
    p.mark(BTC, px("100.00"), &b);
    assert_eq!((p.drawdown(), p.max_drawdown()), (n("20"), n("40")));
    assert_eq!(p.positions().count(), 2);
    assert_eq!(p.fill_count(), 2);
    let v: &dyn PortfolioView = &p;
    assert_eq!(v.position_qty(ETH), q("-3"));
    assert_eq!(v.last_price(BTC), Some(px("100.00")));
    assert_eq!(v.position_qty(InstrumentId(9)), Qty::ZERO);
    assert_eq!(v.equity(), p.equity());
}

#[test]
fn config_errors_name_the_key() {
    let e = Portfolio::new(&PortfolioConfig { starting_cash: "10k".into() }).unwrap_err();
    assert!(e.contains("portfolio.starting-cash") && e.contains("\"10k\""), "{e}");
    assert_eq!(Portfolio::new(&PortfolioConfig::default()).unwrap().equity(), n("10000"));
    assert!(toml::from_str::<PortfolioConfig>("starting-cash = \"5\"\nleverage = 3").is_err());
}

#[derive(Debug, Clone)]
enum Step {
    Fill { eth: bool, buy: bool, qty: i64, price: i64, fee: i64 },
    Mark { eth: bool, price: i64 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (any::<bool>(), any::<bool>(), 1i64..5_000, 1i64..10_000_000, -100i64..1_000)
            .prop_map(|(eth, buy, qty, price, fee)| Step::Fill { eth, buy, qty, price, fee }),
        1 => (any::<bool>(), 1i64..10_000_000).prop_map(|(eth, price)| Step::Mark { eth, price }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn pnl_equals_cash_flow_accounting_exactly(steps in prop::collection::vec(step(), 1..80)) {
        let insts = [inst("BTCUSDT"), Instrument { price_scale: 4, qty_scale: 6, ..inst("ETHUSDT") }];
        let mut p = Portfolio::with_cash(n("1000"));
        // Independent accounting: cash moves by every trade and fee; holdings at the last price.
        let mut cash = n("1000");
        let mut held = [0i64; 2];
        let mut last: [Option<Price>; 2] = [None, None];
        for s in &steps {
            match *s {
                Step::Fill { eth, buy, qty, price, fee } => {
                    let i = usize::from(eth);
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let f = Fill {
                        order_id: OrderId(1),
                        instrument: InstrumentId(i as u32),
                        side,
                        price: Price(price),
                        qty: Qty(qty),
                        fee: Notional(i128::from(fee) * 1_000_000_000_000),
                        liquidity: Liquidity::Maker,
                        time_ms: 0,
                        strategy: StrategyId(0),
                    };
                    p.apply_fill(&f, &insts[i]);
                    let value = insts[i].notional(Price(price), Qty(qty));
                    cash = if buy { cash - value } else { cash + value };
                    cash -= f.fee;
                    held[i] += side.sign() * qty;
                    last[i] = last[i].or(Some(Price(price)));
                }
                Step::Mark { eth, price } => {
                    let i = usize::from(eth);
                    p.mark(InstrumentId(i as u32), Price(price), &insts[i]);
                    last[i] = Some(Price(price));
                }
            }
            let mut holdings = Notional::ZERO;
            let mut gross = Notional::ZERO;
            for i in 0..2 {
                let pos_qty = p.position_qty(InstrumentId(i as u32));
                prop_assert_eq!(pos_qty, Qty(held[i]));
                if let Some(l) = last[i] {
                    holdings += insts[i].notional(l, Qty(held[i]));
                    gross += insts[i].notional(l, Qty(held[i].abs()));
                }
            }
            prop_assert_eq!(p.equity(), cash + holdings);
            prop_assert_eq!(p.gross_exposure(), gross);
            // Incremental totals equal the sum over positions.
            let (mut r, mut u, mut fees) = (Notional::ZERO, Notional::ZERO, Notional::ZERO);
            for pos in p.positions() {
                r += pos.realized;
                u += pos.unrealized;
                fees += pos.fees;
            }
            prop_assert_eq!((p.realized(), p.unrealized(), p.fees()), (r, u, fees));
            prop_assert!(p.peak_equity() >= p.equity());
            prop_assert!(p.max_drawdown() >= p.drawdown());
        }
    }
}
