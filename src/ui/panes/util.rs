//! Small helpers the panes share: column fitting for narrow areas, sign
//! colours for exact decimal strings, sparklines and key hints.

use super::PaneCtx;
use crate::ui::action::Action;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

/// Draws `block` and returns the area inside it.
pub fn framed(block: Block<'_>, area: Rect, buf: &mut Buffer) -> Rect {
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// Which of `widths` (in priority order given by `priority`, lower = more
/// important) fit into `avail` cells with one cell between columns.
pub fn fit_columns(widths: &[u16], priority: &[u8], avail: u16) -> Vec<bool> {
    let mut keep = vec![false; widths.len()];
    let mut order: Vec<usize> = (0..widths.len()).collect();
    order.sort_by_key(|&i| (priority.get(i).copied().unwrap_or(u8::MAX), i));
    let mut used: u32 = 0;
    for i in order {
        let w = u32::from(widths.get(i).copied().unwrap_or(0));
        let need = if used == 0 { w } else { w + 1 };
        if used + need <= u32::from(avail) {
            used += need;
            keep[i] = true;
        }
    }
    keep
}

/// The items of `v` whose flag in `keep` is set.
pub fn pick<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
    v.iter().zip(keep).filter(|(_, k)| **k).map(|(x, _)| x.clone()).collect()
}

/// The sign of an exact decimal string (`-1.5` → -1, `0.00` → 0).
pub fn sign_of(s: &str) -> i8 {
    let t = s.trim();
    if t.chars().all(|c| matches!(c, '0' | '.' | '-' | '+')) {
        0
    } else if t.starts_with('-') {
        -1
    } else {
        1
    }
}

/// Up for positive, down for negative, plain text for zero.
pub fn signed_style(ctx: &PaneCtx<'_>, sign: i8) -> Style {
    match sign {
        1.. => ctx.theme.fg(ctx.theme.up),
        0 => ctx.theme.text(),
        _ => ctx.theme.fg(ctx.theme.down),
    }
}

/// The first key bound to `action` (`p`), or its config name when unbound.
pub fn key_for(ctx: &PaneCtx<'_>, action: Action) -> String {
    ctx.bindings
        .iter()
        .find(|(a, _)| *a == action)
        .and_then(|(_, keys)| keys.split(',').next().map(|k| k.trim().to_string()))
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| action.name().to_string())
}

/// A right-aligned title hint (`p pause/resume`), or nothing when `area` is
/// too narrow to show it beside the pane's own title.
pub fn hint(area: Rect, pane: crate::ui::state::Pane, text: &str, style: Style) -> Line<'static> {
    let need = pane.title().chars().count() + text.chars().count() + 6;
    if usize::from(area.width) >= need {
        Line::from(Span::styled(text.to_string(), style)).right_aligned()
    } else {
        Line::default()
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The last `width` values as block characters scaled between their min and max.
pub fn sparkline(values: &[i64], width: usize) -> String {
    let tail = &values[values.len().saturating_sub(width)..];
    let (Some(&lo), Some(&hi)) = (tail.iter().min(), tail.iter().max()) else { return String::new() };
    let span = i128::from(hi) - i128::from(lo);
    tail.iter()
        .map(|&v| {
            if span == 0 {
                BARS[3]
            } else {
                let i = (i128::from(v) - i128::from(lo)) * 7 / span;
                BARS[usize::try_from(i).unwrap_or(0).min(7)]
            }
        })
        .collect()
}

const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A horizontal bar of `value / max` of `width` cells, in eighths of a cell.
pub fn hbar(value: u128, max: u128, width: u16) -> String {
    if max == 0 || width == 0 {
        return String::new();
    }
    let eighths = value.min(max) * u128::from(width) * 8 / max;
    let full = usize::try_from(eighths / 8).unwrap_or(0);
    let part = usize::try_from(eighths % 8).unwrap_or(0);
    let mut s = "█".repeat(full);
    if part > 0 {
        s.push(EIGHTHS[part]);
    }
    s
}

/// `s` cut to `width` characters (with `…` when cut).
pub fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Draws `render` over the sample screen with `state` (for the snapshot tests).
#[cfg(test)]
pub fn draw_sample(
    w: u16,
    h: u16,
    state: &crate::ui::state::UiState,
    render: fn(Rect, &mut Buffer, &PaneCtx<'_>),
) -> String {
    crate::ui::sample::draw(w, h, |area, buf| crate::ui::sample::with_ctx(state, |ctx| render(area, buf, ctx)))
}

/// Like [`draw_sample`], over a changed copy of the sample screen.
#[cfg(test)]
pub fn draw_with(
    w: u16,
    h: u16,
    state: &crate::ui::state::UiState,
    change: impl FnOnce(&mut crate::ui::model::ScreenData),
    render: fn(Rect, &mut Buffer, &PaneCtx<'_>),
) -> String {
    crate::ui::sample::draw(w, h, |area, buf| {
        crate::ui::sample::with_ctx(state, |ctx| {
            let mut data = ctx.data.clone();
            change(&mut data);
            let ctx = PaneCtx { data: &data, ..*ctx };
            render(area, buf, &ctx);
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_drop_by_priority() {
        assert_eq!(fit_columns(&[8, 10, 6], &[0, 2, 1], 15), vec![true, false, true]);
        assert_eq!(fit_columns(&[8, 10, 6], &[0, 2, 1], 3), vec![false, false, false]);
    }

    #[test]
    fn signs_of_exact_strings() {
        assert_eq!(sign_of("-1.3225"), -1);
        assert_eq!(sign_of("0"), 0);
        assert_eq!(sign_of("0.000"), 0);
        assert_eq!(sign_of("12.5"), 1);
    }

    #[test]
    fn sparks_and_bars() {
        assert_eq!(sparkline(&[1, 2, 3, 8], 3), "▁▂█");
        assert_eq!(sparkline(&[5, 5], 4), "▄▄");
        assert_eq!(sparkline(&[], 4), "");
        assert_eq!(hbar(1, 2, 3), "█▌");
        assert_eq!(hbar(5, 0, 3), "");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
