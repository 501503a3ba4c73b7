//! The orders pane (placeholder until it lands).

use super::PaneCtx;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let _ = (area, buf, ctx);
}
