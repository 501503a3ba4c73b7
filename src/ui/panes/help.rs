//! The help overlay: every binding with what it does, in as many columns as
//! the screen needs, centred over whatever is under it.

use super::PaneCtx;
use super::util::clip;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Widget};

/// Gap between two columns of bindings.
const GAP: u16 = 3;
/// Description characters a column must have room for.
const MIN_DESC: usize = 16;

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let t = ctx.theme;
    let entries: Vec<(&str, &str)> = ctx.bindings.iter().map(|(a, k)| (k.as_str(), a.describe())).collect();
    let kw = entries.iter().map(|e| e.0.chars().count()).max().unwrap_or(0);
    let dw = entries.iter().map(|e| e.1.chars().count()).max().unwrap_or(0);
    let col_w = u16::try_from(kw + 2 + dw).unwrap_or(u16::MAX);
    let max_rows = area.height.saturating_sub(2).max(1);
    let n = u16::try_from(entries.len()).unwrap_or(u16::MAX).max(1);
    // A column must show some of each description; more columns than that
    // allows would show keys alone, so the rest is summarised as "+N more".
    let min_col = col_w.min(u16::try_from(kw + 2 + MIN_DESC).unwrap_or(u16::MAX));
    let max_cols = (area.width.saturating_sub(4) + GAP) / (min_col + GAP);
    let cols = n.div_ceil(max_rows).clamp(1, max_cols.max(1));
    let rows = n.div_ceil(cols).min(max_rows);
    let capacity = usize::from(cols * rows);
    let shown = if entries.len() > capacity { capacity.saturating_sub(1) } else { entries.len() };
    let want_w = cols.saturating_mul(col_w).saturating_add((cols - 1) * GAP).saturating_add(4);
    let w = want_w.min(area.width);
    let h = (rows + 2).min(area.height);
    let rect = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(t.border(true))
        .title(Span::styled(" Help — Esc closes ", t.title()));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let inner = Rect { x: inner.x + 1, width: inner.width.saturating_sub(2), ..inner };
    let cw = inner.width.saturating_sub((cols - 1) * GAP) / cols;
    let cell = |i: usize| -> Option<Rect> {
        let i = u16::try_from(i).ok()?;
        let (c, r) = (i / rows, i % rows);
        let x = inner.x + c * (cw + GAP);
        (r < inner.height && x < inner.right()).then(|| Rect {
            x,
            y: inner.y + r,
            width: (inner.right() - x).min(cw),
            height: 1,
        })
    };
    let cwu = usize::from(cw);
    for (i, (keys, desc)) in entries.iter().take(shown).enumerate() {
        let Some(rect) = cell(i) else { continue };
        let key = clip(keys, kw.min(cwu));
        let d = clip(desc, cwu.saturating_sub(kw + 2));
        Line::from(vec![Span::styled(format!("{key:<kw$}  "), t.fg(t.focus)), Span::styled(d, t.text())])
            .render(rect, buf);
    }
    if shown < entries.len() {
        if let Some(rect) = cell(shown) {
            let more = format!("+{} more: enlarge the terminal", entries.len() - shown);
            Line::from(Span::styled(clip(&more, cwu), t.muted())).render(rect, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::draw_sample;
    use super::render;
    use crate::ui::state::{Modal, UiState};

    fn state() -> UiState {
        UiState { modal: Some(Modal::Help), ..UiState::default() }
    }

    #[test]
    fn help_one_column() {
        insta::assert_snapshot!("help_tall", draw_sample(80, 30, &state(), render));
    }

    #[test]
    fn help_columns() {
        insta::assert_snapshot!("help_columns", draw_sample(140, 16, &state(), render));
    }

    #[test]
    fn help_cramped() {
        insta::assert_snapshot!("help_cramped", draw_sample(40, 8, &state(), render));
        let _ = draw_sample(3, 2, &state(), render);
    }
}
