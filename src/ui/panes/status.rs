//! The one-line status bar: venue, route, feed health, throughput, drops,
//! kill switch and the event clock. Items are ranked; on a narrow terminal
//! the least important ones go first so the kill switch is always visible.

use super::PaneCtx;
use crate::domain::feed_status::ConnState;
use crate::ui::format;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

const SEP: &str = " │ ";

/// One item: its rank (0 = kept longest) and its spans.
struct Item {
    rank: u8,
    spans: Vec<Span<'static>>,
}

impl Item {
    fn width(&self) -> usize {
        self.spans.iter().map(Span::width).sum()
    }
}

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let items = items(ctx);
    let keep = fit(&items, usize::from(area.width));
    let mut spans = Vec::new();
    for (item, _) in items.iter().zip(&keep).filter(|(_, k)| **k) {
        if !spans.is_empty() {
            spans.push(Span::styled(SEP, ctx.theme.muted()));
        }
        spans.extend(item.spans.iter().cloned());
    }
    Line::from(spans).render(Rect { height: 1, ..area }, buf);
}

/// Keeps items by rank while they fit, separators included.
fn fit(items: &[Item], width: usize) -> Vec<bool> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].rank, i));
    let mut keep = vec![false; items.len()];
    let mut used = 0;
    for i in order {
        let need = items[i].width() + if used == 0 { 0 } else { SEP.chars().count() };
        if used + need <= width {
            used += need;
            keep[i] = true;
        }
    }
    keep
}

fn items(ctx: &PaneCtx<'_>) -> Vec<Item> {
    let t = ctx.theme;
    let d = ctx.data;
    let s = &d.session;
    let mut v = vec![Item {
        rank: 1,
        spans: vec![
            Span::styled(s.venue.clone(), t.title()),
            Span::styled(" ", t.text()),
            Span::styled(s.route.clone(), t.fg(if s.route == "paper" { t.muted } else { t.warn })),
        ],
    }];
    if !d.core.feeds.is_empty() {
        let mut spans = Vec::new();
        for f in &d.core.feeds {
            let colour = match f.state {
                ConnState::Connected => t.ok,
                ConnState::Connecting | ConnState::Backoff => t.warn,
                ConnState::Stale | ConnState::Closed => t.error,
            };
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(format!("ws{} ", f.conn_id), t.muted()));
            spans.push(Span::styled(format!("{:?}", f.state), t.fg(colour)));
        }
        v.push(Item { rank: 2, spans });
        let rate: f64 = d.core.feeds.iter().map(|f| f.messages_per_sec).sum();
        v.push(Item {
            rank: 6,
            spans: vec![Span::styled(format!("{rate:.0}"), t.text()), Span::styled(" msg/s", t.muted())],
        });
    }
    let drops = s.source_drops;
    let gaps = d.core.counters.seq_gaps;
    let warn_if = |n: u64| if n > 0 { t.fg(t.warn) } else { t.text() };
    v.push(Item {
        rank: 5,
        spans: vec![
            Span::styled("drops ", t.muted()),
            Span::styled(drops.to_string(), warn_if(drops)),
            Span::styled(" gaps ", t.muted()),
            Span::styled(gaps.to_string(), warn_if(gaps)),
        ],
    });
    if !d.core.feeds.is_empty() {
        let rc: u64 = d.core.feeds.iter().map(|f| f.reconnects).sum();
        v.push(Item {
            rank: 7,
            spans: vec![Span::styled("reconn ", t.muted()), Span::styled(rc.to_string(), warn_if(rc))],
        });
    }
    if let Some(o) = d.core.clock_offset_ms {
        v.push(Item {
            rank: 8,
            spans: vec![Span::styled("offset ", t.muted()), Span::styled(format!("{o:+}ms"), t.text())],
        });
    }
    let kill = match &d.core.kill_switch {
        None => Span::styled("ARMED", t.fg(t.ok)),
        Some(reason) => Span::styled(format!("KILLED: {reason}"), t.fg(t.error).add_modifier(Modifier::BOLD)),
    };
    v.push(Item { rank: 0, spans: vec![kill] });
    let clock = format::clock(d.core.now_ms);
    v.push(Item {
        rank: 3,
        spans: if s.replay {
            let mut text = match &ctx.state.replay {
                // Before the first event there is no replay time to show (not 1970).
                Some(r) if d.core.now_ms <= 0 => format!("REPLAY ---------- --:--:--.--- {}", replay_pace(r)),
                Some(r) => format!("REPLAY {} {}", format::date_time(d.core.now_ms), replay_pace(r)),
                None => format!("REPLAY {clock}"),
            };
            if ctx.state.replay.is_some_and(|r| r.ended) {
                text.push_str(" END");
            }
            vec![Span::styled(text, t.fg(t.warn).add_modifier(Modifier::BOLD))]
        } else {
            vec![Span::styled(clock, t.text())]
        },
    });
    if let Some(n) = &ctx.state.notice {
        v.push(Item { rank: 4, spans: vec![Span::styled(n.clone(), Style::default().fg(t.title))] });
    }
    v
}

/// `10x`, `max`, `PAUSED`.
fn replay_pace(r: &crate::replay::ReplayStatus) -> String {
    if r.paused {
        return "PAUSED".into();
    }
    match r.speed_pct {
        None => "max".into(),
        Some(p) if p % 100 == 0 => format!("{}x", p / 100),
        Some(p) => format!("{}.{:02}x", p / 100, p % 100).replace("0x", "x"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{draw_sample, draw_with};
    use super::render;
    use crate::domain::feed_status::ConnState;
    use crate::ui::state::UiState;

    #[test]
    fn status_wide() {
        let state = UiState { notice: Some("order 41 sent".into()), ..UiState::default() };
        insta::assert_snapshot!("status_wide", draw_sample(140, 1, &state, render));
    }

    #[test]
    fn status_80_columns() {
        let state = UiState { notice: Some("order 41 sent".into()), ..UiState::default() };
        insta::assert_snapshot!("status_80", draw_sample(80, 1, &state, render));
    }

    #[test]
    fn status_cramped() {
        insta::assert_snapshot!("status_cramped", draw_sample(30, 1, &UiState::default(), render));
    }

    #[test]
    fn status_killed_replay_backoff() {
        let s = draw_with(
            120,
            1,
            &UiState::default(),
            |d| {
                d.core.kill_switch = Some("max drawdown 500 exceeded".into());
                d.session.replay = true;
                d.session.source_drops = 12;
                if let Some(f) = d.core.feeds.first_mut() {
                    f.state = ConnState::Backoff;
                }
            },
            render,
        );
        insta::assert_snapshot!("status_killed_replay", s);
        let narrow = draw_with(
            60,
            1,
            &UiState::default(),
            |d| d.core.kill_switch = Some("max drawdown 500 exceeded".into()),
            render,
        );
        assert!(narrow.contains("KILLED: max drawdown"), "{narrow}");
    }

    #[test]
    fn status_replay_speed_and_pause() {
        let mut state = UiState {
            replay: Some(crate::replay::ReplayStatus { speed_pct: Some(1000), paused: false, ended: false }),
            ..UiState::default()
        };
        let replay = |d: &mut crate::ui::model::ScreenData| d.session.replay = true;
        let s = draw_with(140, 1, &state, replay, render);
        insta::assert_snapshot!("status_replay_10x", s);
        state.replay = Some(crate::replay::ReplayStatus { speed_pct: None, paused: true, ended: false });
        let s = draw_with(140, 1, &state, replay, render);
        assert!(s.contains("PAUSED"), "{s}");
        state.replay = Some(crate::replay::ReplayStatus { speed_pct: None, paused: false, ended: true });
        let s = draw_with(140, 1, &state, replay, render);
        assert!(s.contains("max END"), "{s}");
    }

    #[test]
    fn status_replay_before_its_first_event_shows_no_time() {
        let state = UiState {
            replay: Some(crate::replay::ReplayStatus { speed_pct: Some(100), paused: false, ended: false }),
            ..UiState::default()
        };
        let fresh = |d: &mut crate::ui::model::ScreenData| {
            d.session.replay = true;
            d.core.now_ms = 0;
        };
        let s = draw_with(140, 1, &state, fresh, render);
        assert!(s.contains("REPLAY ---------- --:--:--.--- 1x"), "{s}");
        assert!(!s.contains("1970"), "{s}");
    }
}
