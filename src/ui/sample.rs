//! A deterministic, fully populated screen for snapshot tests and the render
//! benchmark: three symbols, a 1m chart with a gap and fills, a depth ladder,
//! orders, fills, strategies, an equity curve and latency histograms.

use super::log_layer::LogLine;
use super::model::{
    BookView, ChartData, EquityPoint, FillMark, FillRow, OrderRow, PnlNumbers, ScreenData, SessionInfo, StageLatency,
    StrategyRow, SymbolView,
};
use crate::domain::feed_status::{ConnState, ConnStatsSnapshot};
use crate::domain::{BookTicker, Candle, InstrumentId, Level, Notional, Price, Qty, Side, Timeframe};
use crate::engine::Snapshot;
use crate::engine::snapshot::{OrderCounts, PnlView, PositionView};
use crate::telemetry::{LatencyStats, Stage};

/// 2026-11-23 10:00:00 UTC.
pub const T0_MS: i64 = 1_795_428_000_000;

/// A tiny deterministic generator (no dependence on `rand`'s value stability).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// Uniform in `-span..=span`.
    fn step(&mut self, span: i64) -> i64 {
        (self.next() % (2 * span as u64 + 1)) as i64 - span
    }
}

fn money(s: &str) -> Notional {
    Notional::parse(s).unwrap_or_default()
}

/// 1m candles of BTCUSDT around 97,000.00 (price scale 2), oldest first, with
/// buckets 150..155 missing (a gap) and the last one forming.
pub fn candles(n: usize) -> Vec<Candle> {
    let mut rng = Lcg(7);
    let mut price: i64 = 9_700_000;
    let mut out = Vec::with_capacity(n);
    for i in 0..n as i64 {
        let open = price;
        let mut high = open;
        let mut low = open;
        for _ in 0..6 {
            price += rng.step(2_500);
            high = high.max(price);
            low = low.min(price);
        }
        if (150..155).contains(&i) {
            continue;
        }
        let vol = 50_000 + (rng.next() % 400_000) as i64;
        out.push(Candle {
            instrument: InstrumentId(0),
            timeframe: Timeframe::M1,
            open_time_ms: T0_MS - (n as i64 - i) * 60_000,
            open: Price(open),
            high: Price(high),
            low: Price(low),
            close: Price(price),
            volume: Qty(vol),
            quote_volume: Notional::of(Price(price), Qty(vol), 2, 5),
            trades: 10 + rng.next() % 90,
        });
    }
    out
}

#[allow(clippy::too_many_arguments)] // one sample row, positional for brevity
fn symbol(symbol: &str, ps: u8, qs: u8, last: i64, open: i64, spread: i64, stale: bool, seed: u64) -> SymbolView {
    let mut rng = Lcg(seed);
    let mut p = open;
    let spark = (0..40)
        .map(|_| {
            p += rng.step(last.max(100) / 400);
            Price(p)
        })
        .collect();
    SymbolView {
        symbol: symbol.into(),
        price_scale: ps,
        qty_scale: qs,
        tick_size: Price(1),
        step_size: Qty(1),
        min_qty: Qty(1),
        min_notional: Notional::parse("5").unwrap_or_default(),
        last: Some(Price(last)),
        ref_open: Some(Price(open)),
        volume: Qty(123_456_789),
        book: Some(BookTicker {
            instrument: InstrumentId(0),
            update_id: 1,
            bid: Price(last - spread / 2),
            bid_qty: Qty(150_000),
            ask: Price(last - spread / 2 + spread),
            ask_qty: Qty(90_000),
            event_time_ms: 0,
            transaction_time_ms: 0,
        }),
        stale,
        spark,
    }
}

fn latency() -> Vec<StageLatency> {
    Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let base = 200u64 << i.min(6);
            let buckets: Vec<(u64, u64)> =
                (6..24).map(|b| (1u64 << b, if (1u64 << b) < base { 0 } else { 4000 >> (b - 6).min(12) })).collect();
            StageLatency {
                name: s.as_str(),
                stats: LatencyStats {
                    // The sample is a paper session: no venue round trips.
                    count: if i >= 9 { 0 } else { 120_000 + i as u64 },
                    p50: base,
                    p90: base * 2,
                    p99: base * 5,
                    p999: base * 11,
                    max: base * 40,
                    mean: base as f64 * 1.3,
                },
                buckets,
            }
        })
        .collect()
}

/// The whole sample screen.
pub fn screen() -> ScreenData {
    let candles = candles(240);
    let last = candles.last().map_or(Price(9_700_000), |c| c.close);
    let symbols = vec![
        symbol("BTCUSDT", 2, 5, last.0, 9_650_012, 1, false, 11),
        symbol("ETHUSDT", 2, 4, 361_245, 365_010, 2, false, 12),
        symbol("SOLUSDT", 2, 3, 24_117, 23_790, 1, true, 13),
    ];
    let fills = vec![
        FillMark { time_ms: candles[200].open_time_ms + 5_000, side: Side::Buy, price: candles[200].low },
        FillMark { time_ms: candles[220].open_time_ms + 9_000, side: Side::Sell, price: candles[220].high },
    ];
    let bids: Vec<Level> =
        (0..20).map(|i| Level { price: Price(last.0 - i), qty: Qty(10_000 + (i * 7_919) % 90_000) }).collect();
    let asks: Vec<Level> =
        (1..21).map(|i| Level { price: Price(last.0 + i), qty: Qty(12_000 + (i * 6_007) % 80_000) }).collect();
    let equity: Vec<EquityPoint> = {
        let mut rng = Lcg(3);
        let mut e: i128 = 100_000_000_000_000_000_000_000;
        (0..300)
            .map(|i| {
                e += i128::from(rng.step(40)) * 1_000_000_000_000_000_000;
                EquityPoint { time_ms: T0_MS - (300 - i) * 1000, equity: Notional(e) }
            })
            .collect()
    };
    let core = Snapshot {
        now_ms: T0_MS,
        counters: crate::engine::EngineCounters {
            trades: 182_345,
            book_tickers: 90_112,
            depth_updates: 4_510,
            candles_closed: 1_204,
            intents: 41,
            orders_submitted: 37,
            risk_rejected: 4,
            fills: 29,
            seq_gaps: 3,
            ..Default::default()
        },
        orders: OrderCounts { submitted: 37, filled: 29, rejected: 4, canceled: 3, expired: 1, open: 3 },
        positions: vec![
            PositionView {
                symbol: "BTCUSDT".into(),
                qty: "0.01500".into(),
                avg_price: "96912.40".into(),
                last: last.display(2).to_string(),
                realized: "12.5".into(),
                unrealized: "-3.21".into(),
                fees: "0.97".into(),
            },
            PositionView {
                symbol: "ETHUSDT".into(),
                qty: "-0.2500".into(),
                avg_price: "3620.00".into(),
                last: "3612.45".into(),
                realized: "0".into(),
                unrealized: "1.8875".into(),
                fees: "0.45".into(),
            },
        ],
        pnl: PnlView {
            realized: "12.5".into(),
            unrealized: "-1.3225".into(),
            fees: "1.42".into(),
            total: "9.7575".into(),
            equity: "100009.7575".into(),
            max_drawdown: "4.1".into(),
        },
        kill_switch: None,
        out_of_order_dropped: 0,
        clock_offset_ms: Some(-3),
        feeds: vec![ConnStatsSnapshot {
            conn_id: 1,
            state: ConnState::Connected,
            messages: 402_117,
            messages_per_sec: 10_012.0,
            reconnects: 1,
            last_frame_age_ms: Some(2),
            streams: vec!["btcusdt@trade".into(), "btcusdt@bookTicker".into()],
            ..Default::default()
        }],
        stale: vec!["SOLUSDT".into()],
    };
    ScreenData {
        core,
        session: SessionInfo { venue: "sim".into(), route: "paper".into(), replay: false, source_drops: 0 },
        chart: ChartData {
            symbol: 0,
            timeframe: Timeframe::M1,
            price_scale: 2,
            qty_scale: 5,
            candles,
            last_forming: true,
            fills,
        },
        book: BookView { symbol: 0, top: symbols[0].book, bids, asks, has_depth: true, synced: true },
        symbols,
        orders: vec![
            OrderRow {
                id: 41,
                symbol: "BTCUSDT".into(),
                side: Some(Side::Buy),
                kind: "LIMIT",
                qty: "0.01000".into(),
                filled: "0.00000".into(),
                price: "96850.00".into(),
                state: "NEW".into(),
                owner: "manual".into(),
                created_ms: T0_MS - 30_000,
            },
            OrderRow {
                id: 39,
                symbol: "ETHUSDT".into(),
                side: Some(Side::Sell),
                kind: "LIMIT",
                qty: "0.5000".into(),
                filled: "0.2000".into(),
                price: "3630.00".into(),
                state: "PARTIALLY_FILLED".into(),
                owner: "ma_cross".into(),
                created_ms: T0_MS - 90_000,
            },
        ],
        fills: (0..6)
            .map(|i| FillRow {
                order_id: 30 + i as u64,
                time_ms: T0_MS - i * 17_000,
                symbol: if i % 2 == 0 { "BTCUSDT".into() } else { "ETHUSDT".into() },
                side: Some(if i % 3 == 0 { Side::Sell } else { Side::Buy }),
                price: format!("{}.{:02}", 96_900 + i * 3, i * 7),
                qty: "0.00500".into(),
                fee: "0.048".into(),
                liquidity: if i % 2 == 0 { "taker" } else { "maker" },
            })
            .collect(),
        strategies: vec![
            StrategyRow { id: 0, name: "ma_cross".into(), paused: false },
            StrategyRow { id: 1, name: "rsi_reversion".into(), paused: true },
        ],
        equity,
        pnl: PnlNumbers {
            realized: money("12.5"),
            unrealized: money("-1.3225"),
            fees: money("1.42"),
            total: money("9.7575"),
            equity: money("100009.7575"),
        },
        latency: latency(),
        halted: false,
    }
}

/// Frame render time for the latency pane's `render` row.
pub fn render_latency() -> StageLatency {
    StageLatency {
        name: "render",
        stats: LatencyStats {
            count: 900,
            p50: 410_000,
            p90: 520_000,
            p99: 800_000,
            p999: 1_100_000,
            max: 1_400_000,
            mean: 430_000.0,
        },
        buckets: (14..22).map(|b| (1u64 << b, if b >= 18 { 300 >> (b - 18) } else { 0 })).collect(),
    }
}

/// A few log lines of every level, including a risk rejection.
pub fn logs() -> Vec<LogLine> {
    let l = |i: i64, level, target: &str, msg: &str| LogLine {
        time_ms: T0_MS - 60_000 + i * 1_000,
        level,
        target: target.into(),
        message: msg.into(),
    };
    use tracing::Level;
    vec![
        l(0, Level::INFO, "tickdesk::cmd::live", "connected to ws://127.0.0.1:40111/stream (2 streams)"),
        l(1, Level::DEBUG, "tickdesk::feed::connection", "subscribed id=1"),
        l(2, Level::WARN, "tickdesk::feed::connection", "feed stale: no frame for 5000 ms; reconnecting"),
        l(
            3,
            Level::INFO,
            "tickdesk::engine",
            "risk rejected order: max order notional 5000 exceeded (rejection #4) symbol=BTCUSDT side=BUY",
        ),
        l(4, Level::ERROR, "tickdesk::feed::rest", "GET /api/v3/depth: HTTP 429, retry after 2 s"),
        l(5, Level::INFO, "tickdesk::route", "order 41 accepted: BUY 0.01000 BTCUSDT LIMIT 96850.00"),
    ]
}

/// Draws with ratatui's `TestBackend` at `width`×`height` and returns the
/// screen as text, one line per row (what the snapshot tests compare).
pub fn draw(width: u16, height: u16, f: impl FnOnce(ratatui::layout::Rect, &mut ratatui::buffer::Buffer)) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let Ok(mut term) = ratatui::Terminal::new(backend) else { return String::new() };
    let mut f = Some(f);
    let _ = term.draw(|frame| {
        let area = frame.area();
        if let Some(f) = f.take() {
            f(area, frame.buffer_mut());
        }
    });
    term.backend().to_string()
}

/// A pane context over the sample screen with the dark theme.
pub fn with_ctx<R>(state: &super::state::UiState, f: impl FnOnce(&super::panes::PaneCtx<'_>) -> R) -> R {
    with_data(&screen(), state, f)
}

/// A pane context over `data` with the dark theme and the sample logs.
pub fn with_data<R>(
    data: &ScreenData,
    state: &super::state::UiState,
    f: impl FnOnce(&super::panes::PaneCtx<'_>) -> R,
) -> R {
    let theme = super::theme::Theme::dark();
    let logs = logs();
    let render = render_latency();
    let bindings = bindings();
    let ctx = super::panes::PaneCtx {
        data,
        state,
        theme: &theme,
        logs: &logs,
        logs_dropped: 0,
        render: &render,
        bindings: &bindings,
    };
    f(&ctx)
}

/// The default bindings as the help overlay lists them.
pub fn bindings() -> Vec<(super::action::Action, String)> {
    use super::action::Action as A;
    let keys = |a: A| match a {
        A::Quit => "q, ctrl-c",
        A::Help => "?",
        A::Close => "esc",
        A::Confirm => "enter",
        A::FocusNext => "tab",
        A::FocusPrev => "shift-tab",
        A::Up => "up, k",
        A::Down => "down, j",
        A::Left => "left, h",
        A::Right => "right, l",
        A::ZoomIn => "+, =",
        A::ZoomOut => "-",
        A::NextTimeframe => "t",
        A::SymbolSearch => "/",
        A::Buy => "b",
        A::Sell => "s",
        A::CancelSelected => "c",
        A::CancelAll => "x",
        A::KillSwitch => "K",
        A::NextStage => "L",
        A::NextTheme => "T",
        A::LogLevel => "v",
        A::TogglePause => "p",
        A::ToggleOverlays => "o",
        A::ReplayPause => "space",
        A::ReplayFaster => ">",
        A::ReplaySlower => "<",
        A::ReplayJump => "]",
    };
    A::ALL.iter().map(|&a| (a, keys(a).to_string())).collect()
}
