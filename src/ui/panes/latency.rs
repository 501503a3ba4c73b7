//! Per-stage latency percentiles, the frame render time as a stage of its
//! own, and a log-scale histogram of the selected stage (powers-of-two
//! buckets, merged pairwise when there are more buckets than rows).

use super::PaneCtx;
use super::util::{clip, fit_columns, framed, hbar, hint as hint_line, key_for, pick};
use crate::ui::action::Action;
use crate::ui::format;
use crate::ui::model::StageLatency;
use crate::ui::state::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState, Widget};

const HEADERS: [&str; 7] = ["Stage", "Count", "p50", "p90", "p99", "p99.9", "Max"];
const PRIORITY: [u8; 7] = [0, 5, 1, 4, 2, 3, 2];
/// Table width beside which the histogram goes to the right instead of below.
const SIDE_BY_SIDE: u16 = 120;

/// The engine's own stages, the frame render time, then the venue round
/// trips once any was measured (a paper run has none).
fn shown<'a>(ctx: &PaneCtx<'a>) -> Vec<&'a StageLatency> {
    let pipeline = ctx.data.latency.len().min(VENUE_FROM);
    let venue = ctx.data.latency.get(VENUE_FROM..).unwrap_or_default().iter().filter(|s| s.stats.count > 0);
    ctx.data.latency[..pipeline].iter().chain(std::iter::once(ctx.render)).chain(venue).collect()
}

/// Index of the first venue round-trip stage in `Stage::ALL`.
const VENUE_FROM: usize = 9;

/// Rows the table shows for `latency` (render time included): what the
/// next-stage key cycles through.
pub fn rows(latency: &[StageLatency]) -> usize {
    latency.len().min(VENUE_FROM)
        + 1
        + latency.get(VENUE_FROM..).unwrap_or_default().iter().filter(|s| s.stats.count > 0).count()
}

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let stages = shown(ctx);
    let selected = ctx.state.stage.min(stages.len() - 1);
    let name = stages.get(selected).map_or("", |s| s.name);
    let hint = format!(" {name} · {} next stage ", key_for(ctx, Action::NextStage));
    let block = ctx.block(Pane::Latency).title(hint_line(area, Pane::Latency, &hint, ctx.theme.muted()));
    let inner = framed(block, area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let table_h = u16::try_from(stages.len() + 1).unwrap_or(u16::MAX);
    if inner.width >= SIDE_BY_SIDE {
        let left = 80.min(inner.width / 2 + 20);
        draw_table(Rect { width: left, ..inner }, buf, ctx, &stages, selected);
        let right = Rect { x: inner.x + left + 1, width: inner.width - left - 1, ..inner };
        if let Some(s) = stages.get(selected) {
            draw_histogram(right, buf, ctx, s);
        }
    } else if inner.height >= 8 {
        let th = table_h.min(inner.height / 2).max(3);
        draw_table(Rect { height: th, ..inner }, buf, ctx, &stages, selected);
        let hist = Rect { y: inner.y + th, height: inner.height - th, ..inner };
        if let Some(s) = stages.get(selected) {
            draw_histogram(hist, buf, ctx, s);
        }
    } else {
        draw_table(inner, buf, ctx, &stages, selected);
    }
}

fn draw_table(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>, stages: &[&StageLatency], selected: usize) {
    let t = ctx.theme;
    let texts: Vec<[String; 7]> = stages
        .iter()
        .map(|s| {
            let st = &s.stats;
            [
                s.name.to_string(),
                st.count.to_string(),
                format::nanos(st.p50),
                format::nanos(st.p90),
                format::nanos(st.p99),
                format::nanos(st.p999),
                format::nanos(st.max),
            ]
        })
        .collect();
    let mut w = HEADERS.map(|h| h.chars().count());
    for r in &texts {
        for (x, c) in w.iter_mut().zip(r) {
            *x = (*x).max(c.chars().count());
        }
    }
    let mut widths = w.map(|x| u16::try_from(x).unwrap_or(u16::MAX));
    // The stage name may be clipped rather than pushing the percentiles out.
    widths[0] = widths[0].min(area.width.saturating_sub(8).max(6));
    let keep = fit_columns(&widths, &PRIORITY, area.width);
    let name_w = usize::from(widths[0]);
    let rows: Vec<Row> = texts
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let name_style = if i + 1 == texts.len() { t.fg(t.overlay_1) } else { t.text() };
            let mut cells = vec![Cell::from(Span::styled(clip(&r[0], name_w), name_style))];
            for (j, c) in r.iter().enumerate().skip(1) {
                let style = if j == 1 { t.muted() } else { t.text() };
                cells.push(Cell::from(Line::from(Span::styled(c.clone(), style)).right_aligned()));
            }
            Row::new(pick(&cells, &keep))
        })
        .collect();
    let heads = HEADERS.map(|h| Cell::from(if h == "Stage" { Line::from(h) } else { Line::from(h).right_aligned() }));
    let header = Row::new(pick(&heads, &keep)).style(t.muted());
    let c: Vec<Constraint> = pick(&widths, &keep).into_iter().map(Constraint::Length).collect();
    let table = Table::new(rows, c).header(header).row_highlight_style(t.selected()).column_spacing(1);
    let mut st = TableState::default().with_selected(Some(selected));
    StatefulWidget::render(table, area, buf, &mut st);
}

/// Horizontal bars, one per bucket (`≤ upper`), longest for the fullest bucket.
fn draw_histogram(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>, stage: &StageLatency) {
    let t = ctx.theme;
    if area.height == 0 || area.width < 10 {
        return;
    }
    let buckets = merged(trimmed(&stage.buckets), usize::from(area.height));
    if buckets.is_empty() {
        Line::from(Span::styled("no samples yet", t.muted())).render(Rect { height: 1, ..area }, buf);
        return;
    }
    let labels: Vec<String> = buckets.iter().map(|(u, _)| format!("≤{}", format::nanos(*u))).collect();
    let counts: Vec<String> = buckets.iter().map(|(_, c)| c.to_string()).collect();
    let lw = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let cw = counts.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    let max = buckets.iter().map(|b| b.1).max().unwrap_or(0);
    let bar_w = area.width.saturating_sub(u16::try_from(lw + cw + 2).unwrap_or(u16::MAX));
    for (i, ((_, count), (label, ctext))) in buckets.iter().zip(labels.iter().zip(&counts)).enumerate() {
        let Ok(dy) = u16::try_from(i) else { break };
        if dy >= area.height {
            break;
        }
        let bar = hbar(u128::from(*count), u128::from(max), bar_w);
        let pad = usize::from(bar_w).saturating_sub(bar.chars().count());
        Line::from(vec![
            Span::styled(format!("{label:>lw$} "), t.muted()),
            Span::styled(bar, t.fg(t.overlay_1)),
            Span::raw(" ".repeat(pad)),
            Span::styled(format!(" {ctext:>cw$}"), t.text()),
        ])
        .render(Rect { y: area.y + dy, height: 1, ..area }, buf);
    }
}

/// The buckets from the first to the last non-empty one.
fn trimmed(b: &[(u64, u64)]) -> &[(u64, u64)] {
    let start = b.iter().position(|x| x.1 > 0).unwrap_or(b.len());
    let end = b.iter().rposition(|x| x.1 > 0).map_or(start, |e| e + 1);
    b.get(start..end).unwrap_or(&[])
}

/// Merges neighbours pairwise until at most `rows` buckets remain.
fn merged(b: &[(u64, u64)], rows: usize) -> Vec<(u64, u64)> {
    let mut v = b.to_vec();
    while v.len() > rows.max(1) {
        v = v.chunks(2).map(|c| (c.iter().map(|x| x.0).max().unwrap_or(0), c.iter().map(|x| x.1).sum())).collect();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::super::util::draw_sample;
    use super::{merged, render, trimmed};
    use crate::ui::state::UiState;

    #[test]
    fn latency_typical() {
        let state = UiState { stage: 9, focus: crate::ui::state::Pane::Latency, ..UiState::default() };
        insta::assert_snapshot!("latency_typical", draw_sample(80, 26, &state, render));
    }

    #[test]
    fn latency_wide_selected_stage() {
        let state = UiState { stage: 1, ..UiState::default() };
        insta::assert_snapshot!("latency_wide", draw_sample(140, 13, &state, render));
    }

    #[test]
    fn latency_cramped() {
        insta::assert_snapshot!(
            "latency_cramped",
            draw_sample(30, 6, &UiState { stage: 99, ..UiState::default() }, render)
        );
    }

    #[test]
    fn venue_round_trips_show_once_measured() {
        use crate::telemetry::Stage;
        assert_eq!(Stage::ALL[super::VENUE_FROM], Stage::SubmitToAck);
        let mut data = crate::ui::sample::screen();
        assert_eq!(super::rows(&data.latency), 10, "a paper session hides the venue stages");
        for s in &mut data.latency[super::VENUE_FROM..] {
            s.stats.count = 7;
        }
        assert_eq!(super::rows(&data.latency), 13);
        let state = UiState { stage: 10, focus: crate::ui::state::Pane::Latency, ..UiState::default() };
        let shown = crate::ui::sample::with_data(&data, &state, |ctx| {
            crate::ui::sample::draw(100, 30, |area, buf| render(area, buf, ctx))
        });
        assert!(shown.contains("submit_to_ack") && shown.contains("cancel_round_trip"), "{shown}");
    }

    #[test]
    fn buckets_trim_and_merge() {
        let b = [(1, 0), (2, 3), (4, 0), (8, 5), (16, 0)];
        assert_eq!(trimmed(&b), &[(2, 3), (4, 0), (8, 5)]);
        assert_eq!(merged(trimmed(&b), 2), vec![(4, 3), (8, 5)]);
        assert_eq!(merged(&[], 2), vec![]);
    }
}
