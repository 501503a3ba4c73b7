//! Rendering: each pane alone and the whole screen at 200x60 and 80x24 over
//! the deterministic sample screen (`tickdesk bench --mode render` reports
//! the per-frame percentiles with the environment).

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::hint::black_box;
use tickdesk::ui::panes::{self, PaneCtx};
use tickdesk::ui::state::UiState;
use tickdesk::ui::{sample, screen, theme::Theme};

type PaneFn = fn(Rect, &mut Buffer, &PaneCtx<'_>);

fn bench(c: &mut Criterion) {
    let data = sample::screen();
    let theme = Theme::dark();
    let logs = sample::logs();
    let render = sample::render_latency();
    let bindings = sample::bindings();
    let state = UiState::default();
    let ctx = PaneCtx {
        data: &data,
        state: &state,
        theme: &theme,
        logs: &logs,
        logs_dropped: 0,
        render: &render,
        bindings: &bindings,
    };
    let mut g = c.benchmark_group("render");
    for (w, h) in [(200u16, 60u16), (80, 24)] {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        g.bench_function(format!("screen_{w}x{h}"), |b| {
            b.iter(|| {
                buf.reset();
                black_box(screen::draw(area, &mut buf, black_box(&ctx)));
            })
        });
    }
    let pane_fns: [(&str, PaneFn, u16, u16); 11] = [
        ("status", panes::status::render, 200, 1),
        ("watchlist", panes::watchlist::render, 44, 10),
        ("chart", panes::chart::render, 104, 36),
        ("book", panes::book::render, 44, 48),
        ("positions", panes::positions::render, 47, 22),
        ("orders", panes::orders::render, 57, 22),
        ("strategies", panes::strategies::render, 52, 5),
        ("pnl", panes::pnl::render, 52, 11),
        ("latency", panes::latency::render, 52, 16),
        ("log", panes::log::render, 52, 27),
        ("help", panes::help::render, 200, 60),
    ];
    for (name, f, w, h) in pane_fns {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        g.bench_function(format!("pane_{name}"), |b| {
            b.iter(|| {
                buf.reset();
                f(area, &mut buf, black_box(&ctx));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
