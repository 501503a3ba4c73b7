//! The tail of the log ring at or above the chosen level, newest at the
//! bottom. Risk rejections stand out because they explain missing orders.

use super::PaneCtx;
use super::util::{framed, key_for};
use crate::ui::action::Action;
use crate::ui::format;
use crate::ui::log_layer::LogLine;
use crate::ui::state::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use tracing::Level;

/// Width the shortened target is padded to.
const TARGET_W: usize = 10;

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let t = ctx.theme;
    let mut title = vec![Span::styled(
        format!(" ≥{} ({} cycles) ", ctx.state.log_filter.as_str(), key_for(ctx, Action::LogLevel)),
        t.muted(),
    )];
    if ctx.logs_dropped > 0 {
        title.push(Span::styled(format!("dropped {} ", ctx.logs_dropped), t.fg(t.warn)));
    }
    let title_w: usize = title.iter().map(Span::width).sum();
    let title =
        if usize::from(area.width) >= title_w + 9 { Line::from(title).right_aligned() } else { Line::default() };
    let inner = framed(ctx.block(Pane::Log).title(title), area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let rows = usize::from(inner.height);
    let shown: Vec<&LogLine> =
        ctx.logs.iter().rev().filter(|l| ctx.state.log_filter.admits(l.level)).take(rows).collect();
    // Newest at the bottom: the last admitted lines fill the pane from below.
    let top = inner.y + inner.height - u16::try_from(shown.len()).unwrap_or(inner.height);
    for (i, l) in shown.iter().rev().enumerate() {
        let Ok(dy) = u16::try_from(i) else { break };
        line(ctx, l).render(Rect { y: top + dy, height: 1, ..inner }, buf);
    }
}

fn line<'a>(ctx: &PaneCtx<'_>, l: &'a LogLine) -> Line<'a> {
    let t = ctx.theme;
    let (tag, level_style) = match l.level {
        Level::ERROR => ("ERROR", t.fg(t.error).add_modifier(Modifier::BOLD)),
        Level::WARN => ("WARN ", t.fg(t.warn)),
        Level::INFO => ("INFO ", t.text()),
        Level::DEBUG => ("DEBUG", t.muted()),
        Level::TRACE => ("TRACE", t.muted()),
    };
    let msg_style: Style = if l.message.starts_with("risk rejected order") {
        t.fg(t.warn).add_modifier(Modifier::BOLD)
    } else if l.level == Level::ERROR {
        t.fg(t.error)
    } else if l.level == Level::WARN {
        t.fg(t.warn)
    } else if matches!(l.level, Level::DEBUG | Level::TRACE) {
        t.muted()
    } else {
        t.text()
    };
    Line::from(vec![
        Span::styled(format::clock(l.time_ms), t.muted()),
        Span::raw(" "),
        Span::styled(tag, level_style),
        Span::raw(" "),
        Span::styled(format!("{:<TARGET_W$.TARGET_W$}", short_target(&l.target)), t.muted()),
        Span::raw(" "),
        Span::styled(l.message.as_str(), msg_style),
    ])
}

/// The last path segment (`tickdesk::feed::connection` → `connection`).
fn short_target(target: &str) -> &str {
    target.rsplit("::").next().unwrap_or(target)
}

#[cfg(test)]
mod tests {
    use super::super::util::draw_sample;
    use super::{render, short_target};
    use crate::ui::state::{LogFilter, Pane, UiState};

    #[test]
    fn log_typical() {
        let state = UiState { focus: Pane::Log, ..UiState::default() };
        insta::assert_snapshot!("log_typical", draw_sample(100, 8, &state, render));
    }

    #[test]
    fn log_filter_warn() {
        let state = UiState { log_filter: LogFilter::Warn, ..UiState::default() };
        insta::assert_snapshot!("log_filter_warn", draw_sample(100, 6, &state, render));
    }

    #[test]
    fn log_cramped_with_drops() {
        let s = crate::ui::sample::draw(36, 4, |area, buf| {
            crate::ui::sample::with_ctx(&UiState { log_filter: LogFilter::Trace, ..UiState::default() }, |ctx| {
                render(area, buf, &super::PaneCtx { logs_dropped: 7, ..*ctx })
            })
        });
        insta::assert_snapshot!("log_cramped", s);
    }

    #[test]
    fn targets_shorten() {
        assert_eq!(short_target("tickdesk::feed::rest"), "rest");
        assert_eq!(short_target("main"), "main");
    }
}
