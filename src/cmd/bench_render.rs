//! `tickdesk bench --mode render`: full workstation frames at a fixed size
//! over the deterministic sample screen, through ratatui's double buffer
//! (TestBackend, so the terminal's own speed is not measured).
//!
//! Every other frame changes the forming candle, the book and the clock, as
//! a live market does between two frames, so the diff has real work.

use super::RunError;
use super::bench::{Environment, environment};
use crate::telemetry::LatencyStats;
use crate::ui::model::ScreenData;
use crate::ui::model::build::stage_latency;
use crate::ui::panes::PaneCtx;
use crate::ui::state::UiState;
use crate::ui::{sample, screen, theme::Theme};
use hdrhistogram::Histogram;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct RenderReport {
    pub bench: &'static str,
    pub width: u16,
    pub height: u16,
    pub frames: usize,
    /// Per frame: building the buffer, diffing it and flushing to the backend, ns.
    pub frame_ns: LatencyStats,
    pub environment: Environment,
}

pub fn run(frames: usize, width: u16, height: u16) -> Result<RenderReport, RunError> {
    let err = |e: String| RunError::Runtime(format!("render bench: {e}"));
    let screens = [sample::screen(), moved(sample::screen())];
    let theme = Theme::dark();
    let logs = sample::logs();
    let render = sample::render_latency();
    let bindings = sample::bindings();
    let state = UiState::default();
    let mut term = Terminal::new(TestBackend::new(width, height)).map_err(|e| err(e.to_string()))?;
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).map_err(|e| err(e.to_string()))?;
    for i in 0..frames + frames / 10 {
        let data = &screens[i % 2];
        let ctx = PaneCtx {
            data,
            state: &state,
            theme: &theme,
            logs: &logs,
            logs_dropped: 0,
            render: &render,
            bindings: &bindings,
        };
        let t0 = Instant::now();
        term.draw(|f| {
            let area = f.area();
            screen::draw(area, f.buffer_mut(), &ctx);
        })
        .map_err(|e| err(e.to_string()))?;
        let ns = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        // The first tenth warms caches and is not counted.
        if i >= frames / 10 {
            hist.saturating_record(ns.max(1));
        }
    }
    Ok(RenderReport {
        bench: "render",
        width,
        height,
        frames,
        frame_ns: stage_latency("render", &hist).stats,
        environment: environment(),
    })
}

/// The sample screen one market step later.
fn moved(mut s: ScreenData) -> ScreenData {
    if let Some(c) = s.chart.candles.last_mut() {
        c.close.0 += 137;
        c.high.0 = c.high.0.max(c.close.0);
        c.volume.0 += 5_000;
    }
    for l in s.book.bids.iter_mut().chain(s.book.asks.iter_mut()) {
        l.qty.0 += 1_000;
    }
    s.core.now_ms += 1_000;
    s.core.counters.trades += 10;
    s
}
