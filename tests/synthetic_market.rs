//! The synthetic market, seen from outside: Binance-exact frames, exact
//! grids, monotone ids and times, and the statistical shape of a real feed
//! (clustered volatility, varying spreads, bursty arrivals).

use proptest::prelude::*;
use serde_json::Value;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use tickdesk::domain::{BookTicker, Instrument, MarketEvent, Price, Qty, Trade};
use tickdesk::sim::{FrameKind, Generator, SymbolSpec, SyntheticConfig};

const START_MS: i64 = 1_700_000_000_000;

fn generator(cfg: &SyntheticConfig) -> Generator {
    Generator::new(cfg, START_MS).expect("valid config")
}

fn stream_hash(seed: u64, frames: usize) -> u64 {
    let cfg = SyntheticConfig { seed, ..SyntheticConfig::default() };
    let mut g = generator(&cfg);
    let mut buf = Vec::new();
    let mut h = DefaultHasher::new();
    for _ in 0..frames {
        let meta = g.next_frame(&mut buf);
        buf.hash(&mut h);
        meta.time_ms.hash(&mut h);
    }
    h.finish()
}

#[test]
fn same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let a = stream_hash(7, 100_000);
    assert_eq!(a, stream_hash(7, 100_000));
    assert_ne!(a, stream_hash(8, 100_000));
}

/// A decoded frame, checked field by field against Binance Spot's shapes.
enum Decoded {
    Trade { symbol: String, e: i64, t: u64, p: String, q: String, tt: i64, m: bool },
    Book { symbol: String, u: u64, b: String, bq: String, a: String, aq: String },
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// A Binance spot decimal: digits, a point, exactly 8 decimals.
fn padded(v: &Value) -> String {
    let s = v.as_str().expect("decimal string");
    let (int, frac) = s.split_once('.').expect("a decimal point");
    assert!(!int.is_empty() && int.bytes().all(|c| c.is_ascii_digit()), "{s}");
    assert!(int == "0" || !int.starts_with('0'), "leading zero in {s}");
    assert!(frac.len() == 8 && frac.bytes().all(|c| c.is_ascii_digit()), "{s}");
    s.to_string()
}

fn decode(bytes: &[u8]) -> Decoded {
    let v: Value = serde_json::from_slice(bytes).expect("valid JSON");
    assert_eq!(keys(&v), ["data", "stream"]);
    let stream = v["stream"].as_str().expect("stream name");
    let d = &v["data"];
    let symbol = d["s"].as_str().expect("symbol").to_string();
    if stream.ends_with("@trade") {
        assert_eq!(stream, format!("{}@trade", symbol.to_lowercase()));
        assert_eq!(keys(d), ["E", "M", "T", "e", "m", "p", "q", "s", "t"]);
        assert_eq!(d["e"], "trade");
        assert_eq!(d["M"], true);
        Decoded::Trade {
            e: d["E"].as_i64().expect("E integer"),
            t: d["t"].as_u64().expect("t integer"),
            p: padded(&d["p"]),
            q: padded(&d["q"]),
            tt: d["T"].as_i64().expect("T integer"),
            m: d["m"].as_bool().expect("m bool"),
            symbol,
        }
    } else {
        assert_eq!(stream, format!("{}@bookTicker", symbol.to_lowercase()));
        assert_eq!(keys(d), ["A", "B", "a", "b", "s", "u"]);
        Decoded::Book {
            u: d["u"].as_u64().expect("u integer"),
            b: padded(&d["b"]),
            bq: padded(&d["B"]),
            a: padded(&d["a"]),
            aq: padded(&d["A"]),
            symbol,
        }
    }
}

fn on_grid_price(inst: &Instrument, s: &str) -> Price {
    let p = inst.parse_price(s).expect("price at the instrument's scale");
    assert!(p.0 > 0 && p.0 % inst.tick_size.0 == 0, "{s} off the tick grid of {}", inst.symbol);
    p
}

fn on_grid_qty(inst: &Instrument, s: &str) -> Qty {
    let q = inst.parse_qty(s).expect("qty at the instrument's scale");
    assert!(q.0 > 0 && q.0 % inst.step_size.0 == 0, "{s} off the step grid of {}", inst.symbol);
    q
}

/// Per-symbol view of the published book and the trades since, as a reader
/// of the feed would keep it.
#[derive(Default, Clone)]
struct Seen {
    book: Option<BookTicker>,
    taken_at_bid: i64,
    taken_at_ask: i64,
    trade_id: Option<u64>,
    trade_time: i64,
}

/// Checks every invariant of the stream over `frames` frames of `cfg`.
fn check_stream(cfg: &SyntheticConfig, frames: usize) -> (usize, usize) {
    let mut g = generator(cfg);
    let instruments = g.instruments();
    let mut seen = vec![Seen::default(); instruments.len()];
    let mut buf = Vec::new();
    let mut last_time = i64::MIN;
    let (mut trades, mut books) = (0, 0);
    for _ in 0..frames {
        let meta = g.next_frame(&mut buf);
        assert!(meta.time_ms >= last_time, "time went back");
        last_time = meta.time_ms;
        let i = meta.instrument.index();
        let inst = &instruments[i];
        let s = &mut seen[i];
        match decode(&buf) {
            Decoded::Trade { symbol, e, t, p, q, tt, m } => {
                trades += 1;
                assert_eq!(meta.kind, FrameKind::Trade);
                assert_eq!(symbol, inst.symbol);
                assert_eq!(e, meta.time_ms);
                assert!(tt <= e && tt >= s.trade_time, "trade time {tt} vs event {e}");
                s.trade_time = tt;
                if let Some(prev) = s.trade_id {
                    assert_eq!(t, prev + 1, "trade ids of {symbol} must be consecutive");
                }
                s.trade_id = Some(t);
                let (price, qty) = (on_grid_price(inst, &p), on_grid_qty(inst, &q));
                let book = s.book.expect("a trade only after a published book");
                // The aggressor sold into the bid when the buyer was the maker.
                if m {
                    assert_eq!(price, book.bid);
                    s.taken_at_bid += qty.0;
                    assert!(s.taken_at_bid <= book.bid_qty.0, "took more than the bid showed");
                } else {
                    assert_eq!(price, book.ask);
                    s.taken_at_ask += qty.0;
                    assert!(s.taken_at_ask <= book.ask_qty.0, "took more than the ask showed");
                }
            }
            Decoded::Book { symbol, u, b, bq, a, aq } => {
                books += 1;
                assert_eq!(meta.kind, FrameKind::BookTicker);
                assert_eq!(symbol, inst.symbol);
                let next = BookTicker {
                    instrument: meta.instrument,
                    update_id: u,
                    bid: on_grid_price(inst, &b),
                    bid_qty: on_grid_qty(inst, &bq),
                    ask: on_grid_price(inst, &a),
                    ask_qty: on_grid_qty(inst, &aq),
                    event_time_ms: 0,
                    transaction_time_ms: 0,
                };
                assert!(next.bid < next.ask, "crossed or locked book {b} / {a}");
                if let Some(prev) = s.book {
                    assert!(u > prev.update_id, "update ids must increase");
                }
                s.book = Some(next);
                s.taken_at_bid = 0;
                s.taken_at_ask = 0;
            }
        }
    }
    (trades, books)
}

#[test]
fn every_frame_is_binance_spot_json_on_the_grid_and_consistent_with_the_book() {
    let (trades, books) = check_stream(&SyntheticConfig::default(), 60_000);
    assert!(trades > 10_000 && books > 30_000, "{trades} trades, {books} books");
}

#[test]
fn frames_decode_to_the_structured_events() {
    let cfg = SyntheticConfig::default();
    let (mut bytes, mut events) = (generator(&cfg), generator(&cfg));
    let instruments = bytes.instruments();
    let mut buf = Vec::new();
    for _ in 0..20_000 {
        let meta = bytes.next_frame(&mut buf);
        let (meta2, event) = events.next_event();
        assert_eq!(meta, meta2);
        let inst = &instruments[meta.instrument.index()];
        let expected = match decode(&buf) {
            Decoded::Trade { t, p, q, tt, m, e, .. } => MarketEvent::Trade(Trade {
                instrument: meta.instrument,
                trade_id: t,
                price: on_grid_price(inst, &p),
                qty: on_grid_qty(inst, &q),
                time_ms: tt,
                event_time_ms: e,
                buyer_is_maker: m,
                aggregated: false,
                first_trade_id: t,
                last_trade_id: t,
            }),
            Decoded::Book { u, b, bq, a, aq, .. } => MarketEvent::BookTicker(BookTicker {
                instrument: meta.instrument,
                update_id: u,
                bid: on_grid_price(inst, &b),
                bid_qty: on_grid_qty(inst, &bq),
                ask: on_grid_price(inst, &a),
                ask_qty: on_grid_qty(inst, &aq),
                event_time_ms: 0,
                transaction_time_ms: 0,
            }),
        };
        assert_eq!(event, expected);
    }
}

#[test]
fn instruments_carry_the_configured_filters() {
    let g = generator(&SyntheticConfig::default());
    let i = g.instruments();
    let names: Vec<&str> = i.iter().map(|x| x.symbol.as_str()).collect();
    assert_eq!(names, ["BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"]);
    let shape = |x: &Instrument| (x.price_scale, x.qty_scale, x.tick_size, x.step_size);
    assert_eq!(shape(&i[0]), (2, 5, Price(1), Qty(1)));
    assert_eq!(shape(&i[3]), (5, 0, Price(1), Qty(1)));
    assert_eq!((i[3].base.as_str(), i[3].quote.as_str()), ("DOGE", "USDT"));
    assert_eq!(i[1].min_qty, Qty(1));
    assert_eq!(i[1].min_notional.to_string(), "5");
}

/// One symbol's market second by second.
struct Seconds {
    /// Mid at the end of each second (carried over when nothing changed).
    mids: Vec<f64>,
    /// Mean quoted spread in ticks over the second's book updates.
    mean_spread: Vec<f64>,
    /// Messages of all symbols in each second.
    counts: Vec<u32>,
}

fn per_second(cfg: &SyntheticConfig, which: usize, seconds: usize) -> Seconds {
    let mut g = generator(cfg);
    let tick = g.instruments()[which].tick_size.0 as f64;
    let mut mids = vec![f64::NAN; seconds];
    let mut spread_sum = vec![0.0; seconds];
    let mut books = vec![0u32; seconds];
    let mut counts = vec![0u32; seconds];
    loop {
        let (meta, event) = g.next_event();
        let Ok(sec) = usize::try_from((meta.time_ms - START_MS) / 1_000) else {
            continue;
        };
        if sec >= seconds {
            break;
        }
        counts[sec] += 1;
        if let MarketEvent::BookTicker(b) = event
            && b.instrument.index() == which
        {
            mids[sec] = (b.bid.0 + b.ask.0) as f64 / 2.0;
            spread_sum[sec] += (b.ask.0 - b.bid.0) as f64 / tick;
            books[sec] += 1;
        }
    }
    for s in 1..seconds {
        if mids[s].is_nan() {
            mids[s] = mids[s - 1];
        }
    }
    let mean_spread = spread_sum.iter().zip(&books).map(|(&s, &n)| s / f64::from(n.max(1))).collect();
    Seconds { mids, mean_spread, counts }
}

fn abs_returns(mids: &[f64]) -> Vec<f64> {
    mids.windows(2).filter(|w| w[0].is_finite() && w[1].is_finite()).map(|w| (w[1] / w[0]).ln().abs()).collect()
}

fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
    let cov = x.windows(lag + 1).map(|w| (w[0] - mean) * (w[lag] - mean)).sum::<f64>();
    cov / var
}

fn single_symbol(rate: f64) -> SyntheticConfig {
    SyntheticConfig {
        seed: 11,
        symbols: vec![SymbolSpec::new("ETHUSDT", "0.01", "0.0001", "3000").with_market(10.0, 1.0, "0.05", "20")],
        rate,
        ..SyntheticConfig::default()
    }
}

#[test]
fn volatility_clusters() {
    // Two hours of one symbol: absolute one-second returns are autocorrelated.
    let r = abs_returns(&per_second(&single_symbol(400.0), 0, 7_200).mids);
    let ac: Vec<f64> = (1..=5).map(|lag| autocorrelation(&r, lag)).collect();
    assert!(ac.iter().all(|&a| a > 0.15), "autocorrelation of |r| at lags 1..5: {ac:?}");
    // Far beyond the volatility half-life the memory fades.
    assert!(autocorrelation(&r, 900) < ac[0] / 2.0);
}

#[test]
fn realized_volatility_follows_the_configured_level() {
    let mids = per_second(&single_symbol(400.0), 0, 7_200).mids;
    let minute: Vec<f64> = mids.iter().step_by(60).copied().collect();
    let r: Vec<f64> = minute.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let sd_bps = (r.iter().map(|x| x * x).sum::<f64>() / r.len() as f64).sqrt() * 1e4;
    assert!((5.0..20.0).contains(&sd_bps), "one-minute volatility {sd_bps} bps for 10 configured");
}

#[test]
fn spread_varies_and_widens_with_volatility() {
    let cfg = SyntheticConfig::default();
    let mut g = generator(&cfg);
    let mut spreads = std::collections::BTreeMap::new();
    for _ in 0..200_000 {
        if let (_, MarketEvent::BookTicker(b)) = g.next_event()
            && b.instrument.index() == 1
        {
            *spreads.entry(b.ask.0 - b.bid.0).or_insert(0u32) += 1;
        }
    }
    assert!(spreads.len() >= 4, "spreads seen (in ticks): {spreads:?}");
    assert!(spreads.keys().all(|&s| (1..=20).contains(&s)));
    // A one-tick spread is the most common, as on a liquid market.
    assert_eq!(spreads.iter().max_by_key(|(_, n)| **n).map(|(s, _)| *s), Some(1));

    // Seconds with big moves have wider books on average.
    let seconds = per_second(&single_symbol(400.0), 0, 7_200);
    let r = abs_returns(&seconds.mids);
    let mut by_move: Vec<(f64, f64)> = r.iter().zip(&seconds.mean_spread[1..]).map(|(&r, &s)| (r, s)).collect();
    by_move.sort_by(|a, b| a.0.total_cmp(&b.0));
    let tenth = by_move.len() / 10;
    let calm: f64 = by_move[..tenth].iter().map(|x| x.1).sum();
    let wild: f64 = by_move[by_move.len() - tenth..].iter().map(|x| x.1).sum();
    assert!(wild > 1.3 * calm, "spread in wild seconds {wild} vs calm {calm}");
}

fn dispersion(counts: &[u32]) -> f64 {
    let n = counts.len() as f64;
    let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / n;
    let var = counts.iter().map(|&c| (f64::from(c) - mean).powi(2)).sum::<f64>() / n;
    var / mean
}

#[test]
fn arrivals_are_bursty_and_average_the_configured_rate() {
    let cfg = SyntheticConfig::default();
    let d = dispersion(&per_second(&cfg, 0, 600).counts);
    assert!(d > 2.0, "variance / mean of counts per second: {d}");

    // Short regimes, so ten minutes see enough of them to average out.
    let mean_rate = |cfg: &SyntheticConfig| f64::from(per_second(cfg, 0, 600).counts.iter().sum::<u32>()) / 600.0;
    let short = SyntheticConfig { regime_mean_s: 1.0, ..cfg.clone() };
    let rate = mean_rate(&short);
    assert!((rate / cfg.rate - 1.0).abs() < 0.1, "mean rate {rate} for {}", cfg.rate);
    let steady = SyntheticConfig { regime_mean_s: 0.0, ..cfg.clone() };
    let rate = mean_rate(&steady);
    assert!((rate / cfg.rate - 1.0).abs() < 0.05, "mean rate {rate} for {}", cfg.rate);

    // Without self-excitation or regimes the counts are Poisson: variance ≈ mean.
    let calm = SyntheticConfig { burstiness: 0.0, ..steady };
    let d = dispersion(&per_second(&calm, 0, 600).counts);
    assert!((0.8..1.2).contains(&d), "Poisson dispersion {d}");
}

#[test]
fn trade_sizes_are_heavy_tailed_and_sides_persist() {
    let mut g = generator(&SyntheticConfig::default());
    let mut sizes = Vec::new();
    let (mut same_side, mut pairs, mut last) = (0u32, 0u32, None);
    while sizes.len() < 20_000 {
        if let (_, MarketEvent::Trade(t)) = g.next_event()
            && t.instrument.index() == 2
        {
            sizes.push(t.qty.0);
            if let Some(prev) = last {
                pairs += 1;
                same_side += u32::from(prev == t.buyer_is_maker);
            }
            last = Some(t.buyer_is_maker);
        }
    }
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2] as f64;
    let p999 = sizes[sizes.len() * 999 / 1000] as f64;
    let mean = sizes.iter().sum::<i64>() as f64 / sizes.len() as f64;
    assert!(mean > 1.3 * median, "right-skewed: mean {mean}, median {median}");
    assert!(p999 > 20.0 * median, "heavy tail: p99.9 {p999}, median {median}");
    let persistence = f64::from(same_side) / f64::from(pairs);
    assert!(persistence > 0.6, "aggressor side repeats with momentum: {persistence}");
}

fn error_of(cfg: &SyntheticConfig) -> String {
    match Generator::new(cfg, START_MS) {
        Ok(_) => panic!("config should be refused"),
        Err(e) => e,
    }
}

#[test]
fn config_errors_name_the_field() {
    type Edit = fn(&mut SyntheticConfig);
    type SymbolEdit = fn(&mut SymbolSpec);
    let top: [(Edit, &str); 10] = [
        (|c| c.rate = -1.0, "rate"),
        (|c| c.rate = f64::NAN, "rate"),
        (|c| c.rate = 1e-9, "rate"),
        (|c| c.book_ratio = 1.5, "book-ratio"),
        (|c| c.burstiness = 1.0, "burstiness"),
        (|c| c.burst_decay_ms = 0.0, "burst-decay-ms"),
        (|c| c.vol_half_life_s = -3.0, "vol-half-life-s"),
        (|c| c.regime_mean_s = 0.01, "regime-mean-s"),
        (|c| c.symbols.clear(), "symbols"),
        (|c| c.symbols[0].symbol = "ETHUSDT".into(), "symbols[1].symbol"),
    ];
    let symbol: [(SymbolEdit, &str); 16] = [
        (|s| s.symbol = "eth usdt".into(), "symbol"),
        (|s| s.tick_size = "0.0x".into(), "tick-size"),
        (|s| s.tick_size = "0.000000001".into(), "tick-size"),
        (|s| s.tick_size = "0".into(), "tick-size"),
        (|s| s.step_size = "-1".into(), "step-size"),
        (|s| s.start_price = "3000.005".into(), "start-price"),
        (|s| s.start_price = "0.5".into(), "start-price"),
        (|s| s.min_qty = "0.00005".into(), "min-qty"),
        (|s| s.min_notional = "five".into(), "min-notional"),
        (|s| s.volatility_bps = f64::INFINITY, "volatility-bps"),
        (|s| s.weight = 0.0, "weight"),
        (|s| s.spread_ticks = 0.5, "spread-ticks"),
        (|s| s.max_spread_ticks = 0, "max-spread-ticks"),
        (|s| s.median_trade_qty = "0".into(), "median-trade-qty"),
        (|s| s.median_book_qty = "1.00001".into(), "median-book-qty"),
        (|s| s.median_book_qty = "1e3".into(), "median-book-qty"),
    ];
    let cases = top.into_iter().map(|(edit, field)| (edit, None, field.to_string()));
    let cases = cases.chain(symbol.into_iter().map(|(edit, field)| {
        let noop: Edit = |_| {};
        (noop, Some(edit), format!("symbols[1].{field}"))
    }));
    for (edit, symbol_edit, field) in cases {
        let mut cfg = SyntheticConfig::default();
        edit(&mut cfg);
        if let Some(e) = symbol_edit {
            e(&mut cfg.symbols[1]);
        }
        let e = error_of(&cfg);
        assert!(e.starts_with(&format!("{field}: ")), "{e:?} should name {field}");
        assert_eq!(cfg.validate(), Err(e));
    }
}

#[test]
fn toml_config_is_strict_and_fills_in_defaults() {
    let cfg: SyntheticConfig = toml::from_str(
        r#"
        seed = 5
        rate = 100.0
        [[symbols]]
        symbol = "XRPUSDT"
        tick-size = "0.0001"
        step-size = "0.1"
        start-price = "0.5"
        "#,
    )
    .expect("minimal config");
    assert_eq!((cfg.seed, cfg.rate, cfg.book_ratio), (5, 100.0, SyntheticConfig::default().book_ratio));
    let g = generator(&cfg);
    let x = &g.instruments()[0];
    assert_eq!((x.base.as_str(), x.quote.as_str(), x.price_scale, x.qty_scale), ("XRP", "USDT", 4, 1));
    check_stream(&cfg, 5_000);

    let e = toml::from_str::<SyntheticConfig>("rate = 1.0\nbogus = 2").expect_err("unknown key");
    assert!(e.to_string().contains("bogus"), "{e}");
    let e = toml::from_str::<SyntheticConfig>("[[symbols]]\nsymbol = \"X\"\ntick = \"1\"").expect_err("unknown key");
    assert!(e.to_string().contains("tick"), "{e}");

    let text = toml::to_string(&SyntheticConfig::default()).expect("serializes");
    assert_eq!(toml::from_str::<SyntheticConfig>(&text).ok(), Some(SyntheticConfig::default()));
}

#[test]
fn next_frame_does_not_allocate_once_the_buffer_has_grown() {
    let mut g = generator(&SyntheticConfig::default());
    let mut buf = Vec::new();
    g.next_frame(&mut buf);
    buf.reserve(512);
    let (ptr, cap) = (buf.as_ptr(), buf.capacity());
    for _ in 0..50_000 {
        g.next_frame(&mut buf);
    }
    assert_eq!((buf.as_ptr(), buf.capacity()), (ptr, cap));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn invariants_hold_for_any_seed_and_market_shape(
        seed in any::<u64>(),
        rate in 1.0f64..200_000.0,
        book_ratio in 0.0f64..=1.0,
        burstiness in 0.0f64..=0.95,
        burst_decay_ms in 1.0f64..5_000.0,
        vol in 0.0f64..500.0,
    ) {
        let mut cfg = SyntheticConfig { seed, rate, book_ratio, burstiness, burst_decay_ms, ..SyntheticConfig::default() };
        for s in &mut cfg.symbols {
            s.volatility_bps = vol;
        }
        check_stream(&cfg, 3_000);
    }
}
