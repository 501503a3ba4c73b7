//! Pre-trade risk: each reason from a minimal case, the check order, the rate
//! window on event time and the kill switch.

use tickdesk::domain::{
    Instrument, InstrumentId, Instruments, Notional, OrderIntent, Price, Qty, Side, StrategyId, Venue,
};
use tickdesk::risk::{KillReason, RiskConfig, RiskContext, RiskEngine, RiskReason, SymbolLimits};

const BTC: InstrumentId = InstrumentId(0);
const DAY: i64 = 86_400_000;

/// BTCUSDT at 2 price / 5 qty decimals, tick 0.10, step 0.001, min qty 0.001, min notional 5.
fn btc() -> Instrument {
    Instrument {
        tick_size: Price(10),
        step_size: Qty(100),
        min_qty: Qty(100),
        min_notional: Notional::parse("5").expect("test fixture"),
        price_scale: 2,
        qty_scale: 5,
        ..Instrument::with_defaults(Venue::BinanceSpot, "BTCUSDT")
    }
}

fn table() -> Instruments {
    Instruments::fixed(vec![btc()])
}

fn px(s: &str) -> Price {
    btc().parse_price(s).expect("test fixture")
}

fn qty(s: &str) -> Qty {
    btc().parse_qty(s).expect("test fixture")
}

fn n(s: &str) -> Notional {
    Notional::parse(s).expect("test fixture")
}

/// Everything generous, so a test turns on only what it checks.
fn loose() -> RiskConfig {
    RiskConfig {
        max_order_notional: "0".into(),
        max_position_notional: "0".into(),
        max_gross_exposure: "0".into(),
        price_band_bps: 0,
        max_orders_per_sec: 0,
        max_open_orders: 0,
        stale_after_ms: 0,
        daily_loss_limit: "0".into(),
        max_drawdown: "0".into(),
        ..RiskConfig::default()
    }
}

fn engine(cfg: &RiskConfig) -> RiskEngine {
    RiskEngine::new(cfg, &table()).expect("test fixture")
}

fn ctx(inst: &Instrument) -> RiskContext<'_> {
    RiskContext {
        instrument: inst,
        last_price: Some(px("60000")),
        mid: Some(px("60000")),
        position_qty: Qty::ZERO,
        open_orders: 0,
        gross_exposure: Notional::ZERO,
        last_market_data_ms: Some(1_000),
        now_ms: 1_000,
    }
}

fn buy(q: &str, p: &str) -> OrderIntent {
    OrderIntent::limit(BTC, Side::Buy, qty(q), px(p), StrategyId(0))
}

fn reason(e: &mut RiskEngine, i: &OrderIntent, c: &RiskContext<'_>) -> Option<RiskReason> {
    e.check(i, c).err().map(|r| r.reason)
}

#[test]
fn a_plain_order_passes_the_defaults() {
    let inst = btc();
    let mut e = engine(&RiskConfig::default());
    assert_eq!(e.check(&buy("0.01", "60000"), &ctx(&inst)), Ok(()));
    assert_eq!(e.accepted(), 1);
    assert_eq!(e.rejections().count(), 0);
}

#[test]
fn invalid_orders() {
    let inst = btc();
    let mut e = engine(&loose());
    let c = ctx(&inst);
    assert_eq!(reason(&mut e, &buy("0", "60000"), &c), Some(RiskReason::InvalidOrder));
    let mut no_price = buy("0.01", "60000");
    no_price.limit_price = None;
    assert_eq!(reason(&mut e, &no_price, &c), Some(RiskReason::InvalidOrder));
}

#[test]
fn exchange_filters() {
    let inst = btc();
    let mut e = engine(&loose());
    let c = ctx(&inst);
    assert_eq!(reason(&mut e, &buy("0.01", "60000.05"), &c), Some(RiskReason::TickSize));
    assert_eq!(reason(&mut e, &buy("0.0105", "60000"), &c), Some(RiskReason::StepSize));
    let tiny = OrderIntent::limit(BTC, Side::Buy, Qty(0), px("1"), StrategyId(0));
    assert_eq!(reason(&mut e, &tiny, &c), Some(RiskReason::InvalidOrder));
    let mut below = btc();
    below.min_qty = qty("0.002");
    assert_eq!(reason(&mut e, &buy("0.001", "60000"), &ctx(&below)), Some(RiskReason::MinQty));
    // 0.001 × 4000 = 4 < 5
    let mut cheap = ctx(&inst);
    cheap.mid = Some(px("4000"));
    assert_eq!(reason(&mut e, &buy("0.001", "4000"), &cheap), Some(RiskReason::MinNotional));
    assert_eq!(e.check(&buy("0.002", "4000"), &cheap), Ok(()));
}

#[test]
fn stale_market_data() {
    let inst = btc();
    let mut e = engine(&RiskConfig { stale_after_ms: 5_000, ..loose() });
    let mut c = ctx(&inst);
    c.last_market_data_ms = None;
    assert_eq!(reason(&mut e, &buy("0.01", "60000"), &c), Some(RiskReason::StaleMarketData));
    c.last_market_data_ms = Some(1_000);
    c.now_ms = 6_000;
    assert_eq!(e.check(&buy("0.01", "60000"), &c), Ok(()));
    c.now_ms = 6_001;
    assert_eq!(reason(&mut e, &buy("0.01", "60000"), &c), Some(RiskReason::StaleMarketData));
    // The feed's flag, independent of time.
    let mut e = engine(&loose());
    let c = ctx(&inst);
    e.set_stale(BTC, true);
    assert_eq!(reason(&mut e, &buy("0.01", "60000"), &c), Some(RiskReason::StaleMarketData));
    e.set_stale(BTC, false);
    assert_eq!(e.check(&buy("0.01", "60000"), &c), Ok(()));
}

#[test]
fn market_orders_need_a_reference_price() {
    let inst = btc();
    let mut e = engine(&RiskConfig { max_order_notional: "1000".into(), ..loose() });
    let mut c = ctx(&inst);
    c.mid = None;
    c.last_price = None;
    let m = OrderIntent::market(BTC, Side::Buy, qty("0.01"), StrategyId(0));
    assert_eq!(reason(&mut e, &m, &c), Some(RiskReason::NoMarketPrice));
    // With a last price, the market order is valued at it: 0.02 × 60000 = 1200 > 1000.
    c.last_price = Some(px("60000"));
    assert_eq!(e.check(&m, &c), Ok(()));
    let big = OrderIntent::market(BTC, Side::Buy, qty("0.02"), StrategyId(0));
    assert_eq!(reason(&mut e, &big, &c), Some(RiskReason::MaxOrderNotional));
    // A limit order under a price band needs a reference too.
    let mut e = engine(&RiskConfig { price_band_bps: 100, ..loose() });
    c.last_price = None;
    assert_eq!(reason(&mut e, &buy("0.01", "60000"), &c), Some(RiskReason::NoMarketPrice));
}

#[test]
fn price_band_around_the_mid() {
    let inst = btc();
    let mut e = engine(&RiskConfig { price_band_bps: 100, ..loose() }); // ±1% of 60000 = ±600
    let c = ctx(&inst);
    assert_eq!(e.check(&buy("0.01", "60600"), &c), Ok(()));
    assert_eq!(e.check(&buy("0.01", "59400"), &c), Ok(()));
    assert_eq!(reason(&mut e, &buy("0.01", "60600.1"), &c), Some(RiskReason::PriceBand));
    assert_eq!(reason(&mut e, &buy("0.01", "59399.9"), &c), Some(RiskReason::PriceBand));
    // The mid wins over the last trade when both exist.
    let mut c = ctx(&inst);
    c.last_price = Some(px("70000"));
    assert_eq!(reason(&mut e, &buy("0.01", "70000"), &c), Some(RiskReason::PriceBand));
}

#[test]
fn order_size_limits() {
    let inst = btc();
    let mut cfg = RiskConfig { max_order_notional: "1200".into(), ..loose() };
    cfg.symbols.insert("BTCUSDT".into(), SymbolLimits { max_order_qty: Some("0.05".into()), max_position_qty: None });
    let mut e = engine(&cfg);
    let c = ctx(&inst);
    assert_eq!(e.check(&buy("0.02", "60000"), &c), Ok(())); // exactly 1200
    assert_eq!(reason(&mut e, &buy("0.02", "60000.1"), &c), Some(RiskReason::MaxOrderNotional));
    assert_eq!(reason(&mut e, &buy("0.051", "100"), &c), Some(RiskReason::MaxOrderQty));
    assert_eq!(e.check(&buy("0.05", "100"), &c), Ok(()));
}

#[test]
fn position_limits_refuse_only_growth() {
    let inst = btc();
    let mut cfg = RiskConfig { max_position_notional: "3000".into(), ..loose() };
    cfg.symbols.insert("BTCUSDT".into(), SymbolLimits { max_order_qty: None, max_position_qty: Some("0.1".into()) });
    let mut e = engine(&cfg);
    let mut c = ctx(&inst);
    c.position_qty = qty("0.04");
    // 0.04 + 0.01 = 0.05 × 60000 = 3000: at the limit.
    assert_eq!(e.check(&buy("0.01", "60000"), &c), Ok(()));
    let err = e.check(&buy("0.011", "60000"), &c).unwrap_err();
    assert_eq!(err.reason, RiskReason::MaxPosition);
    assert!(err.detail.contains("3060"), "{err}");
    // Quantity limit, priced low enough to pass the notional one.
    assert_eq!(reason(&mut e, &buy("0.061", "100"), &c), Some(RiskReason::MaxPosition));
    // Short side counts by absolute size; reducing always passes, even over the limit.
    c.position_qty = Qty(-qty("0.2").0);
    let sell = |q: &str| OrderIntent::limit(BTC, Side::Sell, qty(q), px("60000"), StrategyId(0));
    assert_eq!(reason(&mut e, &sell("0.001"), &c), Some(RiskReason::MaxPosition));
    assert_eq!(e.check(&buy("0.15", "60000"), &c), Ok(()));
    // A flip that ends larger than it started is growth: -0.2 + 0.5 = +0.3.
    assert_eq!(reason(&mut e, &buy("0.5", "60000"), &c), Some(RiskReason::MaxPosition));
}

#[test]
fn gross_exposure_after_the_order() {
    let inst = btc();
    let mut e = engine(&RiskConfig { max_gross_exposure: "10000".into(), ..loose() });
    let mut c = ctx(&inst);
    c.gross_exposure = n("9400");
    assert_eq!(e.check(&buy("0.01", "60000"), &c), Ok(())); // 9400 + 600
    assert_eq!(reason(&mut e, &buy("0.011", "60000"), &c), Some(RiskReason::MaxGrossExposure));
    c.gross_exposure = n("20000");
    c.position_qty = qty("0.1");
    let sell = OrderIntent::limit(BTC, Side::Sell, qty("0.05"), px("60000"), StrategyId(0));
    assert_eq!(e.check(&sell, &c), Ok(()));
}

#[test]
fn open_orders_limit() {
    let inst = btc();
    let mut e = engine(&RiskConfig { max_open_orders: 2, ..loose() });
    let mut c = ctx(&inst);
    c.open_orders = 1;
    assert_eq!(e.check(&buy("0.01", "60000"), &c), Ok(()));
    c.open_orders = 2;
    assert_eq!(reason(&mut e, &buy("0.01", "60000"), &c), Some(RiskReason::MaxOpenOrders));
}

#[test]
fn rate_window_slides_on_event_time_and_counts_only_accepted_orders() {
    let inst = btc();
    let mut e = engine(&RiskConfig { max_orders_per_sec: 3, ..loose() });
    let mut c = ctx(&inst);
    for t in [1_000, 1_100, 1_200] {
        c.now_ms = t;
        assert_eq!(e.check(&buy("0.01", "60000"), &c), Ok(()));
    }
    c.now_ms = 1_999;
    assert_eq!(reason(&mut e, &buy("0.01", "60000"), &c), Some(RiskReason::OrderRate));
    // A refused order (tick size) uses no slot.
    assert_eq!(reason(&mut e, &buy("0.01", "60000.05"), &c), Some(RiskReason::TickSize));
    c.now_ms = 2_000; // the 1_000 order left the window
    assert_eq!(e.check(&buy("0.01", "60000"), &c), Ok(()));
    assert_eq!(reason(&mut e, &buy("0.01", "60000"), &c), Some(RiskReason::OrderRate));
    assert_eq!(e.orders_in_window(2_000), 3);
    c.now_ms = 3_000;
    for _ in 0..3 {
        assert_eq!(e.check(&buy("0.01", "60000"), &c), Ok(()));
    }
}

#[test]
fn checks_run_in_the_documented_order() {
    let inst = btc();
    let mut cfg = RiskConfig {
        max_order_notional: "50".into(),
        max_position_notional: "100".into(),
        max_gross_exposure: "100".into(),
        price_band_bps: 10,
        max_orders_per_sec: 1,
        max_open_orders: 1,
        stale_after_ms: 1_000,
        ..loose()
    };
    cfg.symbols.insert(
        "BTCUSDT".into(),
        SymbolLimits { max_order_qty: Some("0.001".into()), max_position_qty: Some("0.001".into()) },
    );
    let mut e = engine(&cfg);
    // Fill the rate window with one small, valid order.
    let mut calm = ctx(&inst);
    calm.mid = Some(px("40000"));
    assert_eq!(e.check(&buy("0.001", "40000"), &calm), Ok(()));

    let mut c = ctx(&inst);
    c.open_orders = 5;
    c.gross_exposure = n("1000");
    c.position_qty = qty("0.0005");
    c.last_market_data_ms = Some(-10_000);
    let mut bad = buy("0.0105", "70000.05");
    e.trip_kill_switch(KillReason::Manual, 1_000);
    let mut seen = vec![];
    while let Err(r) = e.check(&bad, &c) {
        seen.push(r.reason);
        match r.reason {
            RiskReason::KillSwitch => e.reset_kill_switch(),
            RiskReason::StaleMarketData => c.last_market_data_ms = Some(1_000),
            RiskReason::TickSize => bad.limit_price = Some(px("70000")),
            RiskReason::StepSize => bad.qty = qty("0.01"),
            RiskReason::PriceBand => bad.limit_price = Some(px("60000")),
            RiskReason::MaxOrderQty => bad.qty = qty("0.001"),
            RiskReason::MaxOrderNotional => {
                c.mid = Some(px("40000"));
                bad.limit_price = Some(px("40000"));
            }
            RiskReason::MaxPosition => c.position_qty = Qty::ZERO,
            RiskReason::MaxGrossExposure => c.gross_exposure = Notional::ZERO,
            RiskReason::MaxOpenOrders => c.open_orders = 0,
            RiskReason::OrderRate => c.now_ms = 2_000,
            other => panic!("unexpected {other}"),
        }
    }
    use RiskReason::*;
    assert_eq!(
        seen,
        [
            KillSwitch,
            StaleMarketData,
            TickSize,
            StepSize,
            PriceBand,
            MaxOrderQty,
            MaxOrderNotional,
            MaxPosition,
            MaxGrossExposure,
            MaxOpenOrders,
            OrderRate,
        ]
    );
    let counts: Vec<(RiskReason, u64)> = e.rejections().collect();
    assert_eq!(counts.len(), seen.len());
    assert!(counts.iter().all(|&(_, k)| k == 1));
}

#[test]
fn kill_switch_trips_on_daily_loss_once_and_rejects_everything() {
    let inst = btc();
    let mut e = engine(&RiskConfig { daily_loss_limit: "1000".into(), max_drawdown: "0".into(), ..loose() });
    let t0 = 10 * DAY + 1_000;
    assert_eq!(e.on_pnl(n("10000"), t0), None);
    assert_eq!(e.on_pnl(n("9000.01"), t0 + 1), None);
    let trip = e.on_pnl(n("9000"), t0 + 2).expect("trips at the limit");
    assert_eq!(trip.reason, KillReason::DailyLoss);
    assert_eq!(trip.time_ms, t0 + 2);
    assert_eq!(e.on_pnl(n("8000"), t0 + 3), None, "trips only once");
    assert_eq!(e.kill_switch().map(|t| t.reason), Some(KillReason::DailyLoss));
    let sell = OrderIntent::limit(BTC, Side::Sell, qty("0.01"), px("60000"), StrategyId(0));
    assert_eq!(reason(&mut e, &sell, &ctx(&inst)), Some(RiskReason::KillSwitch));
    assert!(e.cancel_on_kill());
    // Reset: the loss already taken does not trip it again.
    e.reset_kill_switch();
    assert_eq!(e.on_pnl(n("8000"), t0 + 4), None);
    assert_eq!(e.check(&sell, &ctx(&inst)), Ok(()));
}

#[test]
fn daily_loss_counts_from_the_first_equity_of_each_utc_day() {
    let mut e = engine(&RiskConfig { daily_loss_limit: "1000".into(), max_drawdown: "0".into(), ..loose() });
    assert_eq!(e.on_pnl(n("10000"), DAY - 10), None);
    assert_eq!(e.on_pnl(n("9200"), DAY - 1), None); // -800 on day 0
    assert_eq!(e.on_pnl(n("9100"), DAY), None); // day 1 starts at 9100
    assert_eq!(e.day_start_equity(), Some(n("9100")));
    assert_eq!(e.on_pnl(n("8200"), DAY + 5), None); // -900 today, -1800 overall
    assert!(e.on_pnl(n("8100"), DAY + 6).is_some());
}

#[test]
fn kill_switch_trips_on_drawdown_from_peak() {
    let inst = btc();
    let mut e = engine(&RiskConfig { daily_loss_limit: "0".into(), max_drawdown: "2000".into(), ..loose() });
    assert_eq!(e.on_pnl(n("10000"), 0), None);
    assert_eq!(e.on_pnl(n("12500"), 1), None);
    assert_eq!(e.on_pnl(n("10500.01"), 2), None);
    assert_eq!(e.peak_equity(), Some(n("12500")));
    let trip = e.on_pnl(n("10500"), 3).expect("2000 below the peak");
    assert_eq!(trip.reason, KillReason::Drawdown);
    assert_eq!(trip.equity, Some(n("10500")));
    assert_eq!(reason(&mut e, &buy("0.01", "60000"), &ctx(&inst)), Some(RiskReason::KillSwitch));
    assert_eq!(e.trip_kill_switch(KillReason::Manual, 4), None, "already tripped");
}

#[test]
fn config_errors_name_key_and_value() {
    let e = RiskEngine::new(&RiskConfig { max_gross_exposure: "lots".into(), ..RiskConfig::default() }, &table())
        .unwrap_err();
    assert!(e.contains("risk.max-gross-exposure") && e.contains("\"lots\""), "{e}");
    let mut cfg = RiskConfig::default();
    cfg.symbols
        .insert("BTCUSDT".into(), SymbolLimits { max_order_qty: Some("0.000001".into()), max_position_qty: None });
    let e = RiskEngine::new(&cfg, &table()).unwrap_err();
    assert!(e.contains("risk.symbols.BTCUSDT.max-order-qty") && e.contains("0.000001"), "{e}");
    let e =
        RiskEngine::new(&RiskConfig { max_orders_per_sec: u32::MAX, ..RiskConfig::default() }, &table()).unwrap_err();
    assert!(e.contains("risk.max-orders-per-sec"), "{e}");
}

#[test]
fn config_is_strict_kebab_case_toml_with_defaults() {
    let cfg: RiskConfig = toml::from_str(
        "max-order-notional = \"250.5\"\nprice-band-bps = 50\n[symbols.BTCUSDT]\nmax-order-qty = \"0.5\"\n",
    )
    .unwrap();
    assert_eq!(cfg.max_order_notional, "250.5");
    assert_eq!(cfg.max_open_orders, RiskConfig::default().max_open_orders);
    assert_eq!(cfg.symbols["BTCUSDT"].max_order_qty.as_deref(), Some("0.5"));
    assert!(toml::from_str::<RiskConfig>("max-order-notionl = \"1\"").is_err());
    let round: RiskConfig = toml::from_str(&toml::to_string(&RiskConfig::default()).unwrap()).unwrap();
    assert_eq!(round, RiskConfig::default());
}

#[test]
fn symbols_met_later_get_their_limits_on_first_check() {
    // A bare recorded file: the table is empty when risk starts.
    let mut cfg = loose();
    cfg.symbols.insert("btcusdt".into(), SymbolLimits { max_order_qty: Some("0.05".into()), max_position_qty: None });
    let mut e = RiskEngine::new(&cfg, &Instruments::auto(Venue::BinanceSpot)).unwrap();
    let inst = btc();
    assert_eq!(reason(&mut e, &buy("0.051", "60000"), &ctx(&inst)), Some(RiskReason::MaxOrderQty));
    assert_eq!(e.check(&buy("0.05", "60000"), &ctx(&inst)), Ok(()));
}
