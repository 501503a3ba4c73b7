//! The built-in strategies driven candle by candle against a fake portfolio
//! that fills every intent at once.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use std::collections::HashMap;
use tickdesk::domain::{
    Candle, Instrument, InstrumentId, Instruments, Notional, OrderIntent, OrderKind, Price, Qty, Side, StrategyId,
    Timeframe, Venue,
};
use tickdesk::strategy::ma_cross::{MaCross, MaCrossConfig};
use tickdesk::strategy::rsi_reversion::{RsiReversion, RsiReversionConfig};
use tickdesk::strategy::{PortfolioView, Strategy, StrategyCtx};

const BTC: InstrumentId = InstrumentId(0);
const ETH: InstrumentId = InstrumentId(1);

fn instruments() -> Instruments {
    let mk = |s: &str| {
        let mut i = Instrument::with_defaults(Venue::BinanceSpot, s);
        i.price_scale = 2;
        i.qty_scale = 5;
        i
    };
    Instruments::fixed(vec![mk("BTCUSDT"), mk("ETHUSDT")])
}

/// Positions only; every intent fills in full.
#[derive(Default)]
struct Fake {
    pos: HashMap<InstrumentId, i64>,
}

impl PortfolioView for Fake {
    fn position_qty(&self, i: InstrumentId) -> Qty {
        Qty(self.pos.get(&i).copied().unwrap_or(0))
    }
    fn last_price(&self, _: InstrumentId) -> Option<Price> {
        None
    }
    fn equity(&self) -> Notional {
        Notional::ZERO
    }
}

fn candle(instrument: InstrumentId, timeframe: Timeframe, n: i64, close: i64) -> Candle {
    Candle {
        instrument,
        timeframe,
        open_time_ms: n * 60_000,
        open: Price(close),
        high: Price(close),
        low: Price(close),
        close: Price(close),
        volume: Qty(1),
        quote_volume: Notional::ZERO,
        trades: 1,
    }
}

/// Feeds one candle; fills what the strategy asked for; returns the intents.
fn step(s: &mut dyn Strategy, pf: &mut Fake, insts: &Instruments, c: &Candle) -> Vec<OrderIntent> {
    let mut intents = Vec::new();
    let mut ctx = StrategyCtx {
        id: StrategyId(3),
        now_ms: c.open_time_ms,
        instruments: insts,
        portfolio: &*pf,
        intents: &mut intents,
    };
    s.on_candle(c, &mut ctx);
    for i in &intents {
        *pf.pos.entry(i.instrument).or_default() += i.side.sign() * i.qty.0;
    }
    intents
}

/// Feeds 1m BTC candles with these closes; returns `(candle index, side, qty)` per intent.
fn run(s: &mut dyn Strategy, pf: &mut Fake, closes: &[i64]) -> Vec<(usize, Side, i64)> {
    let insts = instruments();
    let mut out = Vec::new();
    for (n, &close) in closes.iter().enumerate() {
        for i in step(s, pf, &insts, &candle(BTC, Timeframe::M1, n as i64, close)) {
            assert_eq!((i.instrument, i.kind, i.strategy), (BTC, OrderKind::Market, StrategyId(3)));
            out.push((n, i.side, i.qty.0));
        }
    }
    out
}

fn ma_cfg(fast: usize, slow: usize, average: &str, allow_short: bool) -> MaCrossConfig {
    MaCrossConfig {
        symbol: "BTCUSDT".into(),
        timeframe: Timeframe::M1,
        fast,
        slow,
        qty: "0.5".into(),
        average: average.into(),
        allow_short,
    }
}

fn ma(cfg: &MaCrossConfig) -> MaCross {
    MaCross::build(cfg, StrategyId(3), &instruments()).unwrap()
}

/// Down, then up, then down. SMA2 vs SMA4: below from candle 3, equal (75) at 5,
/// above at 6 (105 > 85), below again at 9 (120 < 127.5).
const V_THEN_DOWN: [i64; 12] = [100, 90, 80, 70, 60, 90, 120, 150, 140, 100, 60, 20];

#[test]
fn ma_cross_goes_long_on_the_cross_up_and_flat_on_the_cross_down() {
    let mut s = ma(&ma_cfg(2, 4, "sma", false));
    let mut pf = Fake::default();
    let got = run(&mut s, &mut pf, &V_THEN_DOWN);
    assert_eq!(got, [(6, Side::Buy, 50_000), (9, Side::Sell, 50_000)]);
    assert_eq!(pf.position_qty(BTC), Qty(0));
}

#[test]
fn ma_cross_goes_short_when_allowed() {
    let mut s = ma(&ma_cfg(2, 4, "sma", true));
    let mut pf = Fake::default();
    let got = run(&mut s, &mut pf, &V_THEN_DOWN);
    assert_eq!(got, [(6, Side::Buy, 50_000), (9, Side::Sell, 100_000)]);
    assert_eq!(pf.position_qty(BTC), Qty(-50_000));
}

#[test]
fn ma_cross_first_warm_reading_is_not_a_cross() {
    let mut s = ma(&ma_cfg(2, 3, "sma", false));
    let mut pf = Fake::default();
    // Rising from the start: fast above slow as soon as both are warm, never crossing.
    assert!(run(&mut s, &mut pf, &[1, 2, 3, 4, 5, 6, 7, 8]).is_empty());
}

#[test]
fn ma_cross_orders_only_the_difference_to_the_target() {
    let mut s = ma(&ma_cfg(2, 4, "sma", false));
    let mut pf = Fake::default();
    pf.pos.insert(BTC, 20_000);
    let got = run(&mut s, &mut pf, &V_THEN_DOWN[..8]);
    assert_eq!(got, [(6, Side::Buy, 30_000)]);
    // Already at the target when the cross comes: nothing to do.
    let mut s = ma(&ma_cfg(2, 4, "sma", false));
    let mut pf = Fake::default();
    pf.pos.insert(BTC, 50_000);
    assert!(run(&mut s, &mut pf, &V_THEN_DOWN[..8]).is_empty());
}

#[test]
fn ma_cross_with_ema_crosses_too() {
    let mut s = ma(&ma_cfg(2, 4, "ema", true));
    let mut pf = Fake::default();
    let got = run(&mut s, &mut pf, &V_THEN_DOWN);
    assert_eq!(got.first().map(|g| g.1), Some(Side::Buy));
    assert_eq!(got.last().map(|g| (g.1, g.2)), Some((Side::Sell, 100_000)));
    assert_eq!(got.len(), 2);
}

#[test]
fn ma_cross_ignores_other_symbols_and_timeframes() {
    let mut s = ma(&ma_cfg(2, 4, "sma", false));
    let mut pf = Fake::default();
    let insts = instruments();
    for (n, &close) in V_THEN_DOWN.iter().enumerate() {
        assert!(step(&mut s, &mut pf, &insts, &candle(ETH, Timeframe::M1, n as i64, close)).is_empty());
        assert!(step(&mut s, &mut pf, &insts, &candle(BTC, Timeframe::M5, n as i64, close)).is_empty());
    }
    assert!(s.name().contains("BTCUSDT") && s.name().contains("1m"));
    assert_eq!(s.id(), StrategyId(3));
}

#[test]
fn ma_cross_build_names_the_bad_field() {
    let err = |cfg: MaCrossConfig| MaCross::build(&cfg, StrategyId(0), &instruments()).unwrap_err();
    let base = ma_cfg(2, 4, "sma", false);
    let e = err(MaCrossConfig { symbol: "DOGEUSDT".into(), ..base.clone() });
    assert!(e.contains("symbol") && e.contains("DOGEUSDT"), "{e}");
    let e = err(MaCrossConfig { qty: "0.000001".into(), ..base.clone() });
    assert!(e.contains("qty") && e.contains("0.000001") && e.contains("5 decimals"), "{e}");
    let e = err(MaCrossConfig { qty: "0".into(), ..base.clone() });
    assert!(e.contains("qty") && e.contains("positive"), "{e}");
    let e = err(MaCrossConfig { qty: "-1".into(), ..base.clone() });
    assert!(e.contains("qty") && e.contains("-1"), "{e}");
    let e = err(MaCrossConfig { fast: 4, slow: 4, ..base.clone() });
    assert!(e.contains("fast = 4") && e.contains("slow = 4"), "{e}");
    let e = err(MaCrossConfig { fast: 0, ..base.clone() });
    assert!(e.contains("fast = 0"), "{e}");
    let e = err(MaCrossConfig { average: "wma".into(), ..base.clone() });
    assert!(e.contains("average") && e.contains("wma"), "{e}");
    // Symbols are matched in any case.
    assert!(MaCross::build(&MaCrossConfig { symbol: "btcusdt".into(), ..base }, StrategyId(0), &instruments()).is_ok());
}

#[test]
fn ma_cross_config_reads_kebab_case_toml_with_defaults() {
    let cfg: MaCrossConfig =
        toml::from_str("symbol = \"BTCUSDT\"\ntimeframe = \"5m\"\nfast = 5\nslow = 20\nqty = \"0.01\"").unwrap();
    assert_eq!((cfg.timeframe, cfg.average.as_str(), cfg.allow_short), (Timeframe::M5, "sma", false));
    let bad = "symbol = \"BTCUSDT\"\ntimeframe = \"5m\"\nfast = 5\nslow = 20\nqty = \"0.01\"\nallow_short = true";
    assert!(toml::from_str::<MaCrossConfig>(bad).is_err());
}

fn rsi_cfg(allow_short: bool) -> RsiReversionConfig {
    RsiReversionConfig {
        symbol: "BTCUSDT".into(),
        timeframe: Timeframe::M1,
        period: 2,
        oversold: 30.0,
        overbought: 70.0,
        qty: "0.5".into(),
        allow_short,
    }
}

fn rsi(cfg: &RsiReversionConfig) -> RsiReversion {
    RsiReversion::build(cfg, StrategyId(3), &instruments()).unwrap()
}

#[test]
fn rsi_reversion_buys_oversold_and_sells_overbought() {
    let mut s = rsi(&rsi_cfg(false));
    let mut pf = Fake::default();
    // RSI(2): candles 2..=3 falling (RSI 0), candles 4..=5 rising (RSI > 70), then falling again.
    let got = run(&mut s, &mut pf, &[100, 90, 80, 70, 90, 110, 100, 60, 50]);
    assert_eq!(got, [(2, Side::Buy, 50_000), (5, Side::Sell, 50_000), (7, Side::Buy, 50_000)]);
    assert_eq!(pf.position_qty(BTC), Qty(50_000));
}

#[test]
fn rsi_reversion_goes_short_when_allowed() {
    let mut s = rsi(&rsi_cfg(true));
    let mut pf = Fake::default();
    let got = run(&mut s, &mut pf, &[100, 90, 80, 70, 90, 110, 120, 60, 50]);
    // Long 0.5, then to −0.5 when overbought; the next overbought candle finds
    // it short and does nothing; oversold buys back to +0.5.
    assert_eq!(got, [(2, Side::Buy, 50_000), (5, Side::Sell, 100_000), (7, Side::Buy, 100_000)]);
}

#[test]
fn rsi_reversion_short_from_flat_only_when_allowed() {
    let rising = [100, 110, 120, 130];
    let mut pf = Fake::default();
    assert!(run(&mut rsi(&rsi_cfg(false)), &mut pf, &rising).is_empty());
    let got = run(&mut rsi(&rsi_cfg(true)), &mut pf, &rising);
    assert_eq!(got, [(2, Side::Sell, 50_000)]);
}

#[test]
fn rsi_reversion_does_not_add_to_a_long() {
    let mut s = rsi(&rsi_cfg(false));
    let mut pf = Fake::default();
    pf.pos.insert(BTC, 10_000);
    assert!(run(&mut s, &mut pf, &[100, 90, 80, 70, 60]).is_empty());
}

#[test]
fn rsi_reversion_build_names_the_bad_field() {
    let err = |cfg: RsiReversionConfig| RsiReversion::build(&cfg, StrategyId(0), &instruments()).unwrap_err();
    let base = rsi_cfg(false);
    let e = err(RsiReversionConfig { period: 0, ..base.clone() });
    assert!(e.contains("period = 0"), "{e}");
    let e = err(RsiReversionConfig { oversold: -1.0, ..base.clone() });
    assert!(e.contains("oversold = -1"), "{e}");
    let e = err(RsiReversionConfig { overbought: 120.0, ..base.clone() });
    assert!(e.contains("overbought = 120"), "{e}");
    let e = err(RsiReversionConfig { overbought: f64::NAN, ..base.clone() });
    assert!(e.contains("overbought = NaN"), "{e}");
    let e = err(RsiReversionConfig { oversold: 70.0, overbought: 30.0, ..base.clone() });
    assert!(e.contains("oversold = 70") && e.contains("overbought = 30"), "{e}");
    let e = err(RsiReversionConfig { symbol: "NOPE".into(), ..base.clone() });
    assert!(e.contains("symbol") && e.contains("NOPE"), "{e}");
    let e = err(RsiReversionConfig { qty: "1.2.3".into(), ..base });
    assert!(e.contains("qty") && e.contains("1.2.3"), "{e}");
}

#[test]
fn strategies_work_as_trait_objects() {
    let insts = instruments();
    let mut all: Vec<Box<dyn Strategy>> = vec![
        Box::new(MaCross::build(&ma_cfg(2, 4, "sma", false), StrategyId(3), &insts).unwrap()),
        Box::new(RsiReversion::build(&rsi_cfg(false), StrategyId(3), &insts).unwrap()),
    ];
    let mut pf = Fake::default();
    let mut total = 0;
    for s in &mut all {
        total += run(s.as_mut(), &mut pf, &V_THEN_DOWN).len();
    }
    assert!(total > 0);
    assert!(all[1].name().starts_with("rsi-reversion"));
}
