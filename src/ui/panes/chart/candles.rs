//! Candle and volume glyphs. Each terminal row is two half-rows, so bodies
//! and wicks can end mid-cell: bodies use the half blocks, wicks the light
//! line halves, and width-1 candles use heavy lines for their bodies so the
//! wick stays joined to the body inside a cell.

use super::scale::PriceScale;
use crate::domain::Candle;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// What one half-row of a candle column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Empty,
    Wick,
    Body,
}

/// Inclusive half-row spans of a candle's wick and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spans {
    pub wick: (usize, usize),
    pub body: (usize, usize),
}

impl Spans {
    pub fn of(c: &Candle, scale: &PriceScale) -> Self {
        let (hi_body, lo_body) = if c.open >= c.close { (c.open, c.close) } else { (c.close, c.open) };
        let body = (scale.half_row(hi_body.raw() as f64), scale.half_row(lo_body.raw() as f64));
        let wick = (scale.half_row(c.high.raw() as f64).min(body.0), scale.half_row(c.low.raw() as f64).max(body.1));
        Self { wick, body }
    }

    pub fn part(&self, half: usize) -> Part {
        if (self.body.0..=self.body.1).contains(&half) {
            Part::Body
        } else if (self.wick.0..=self.wick.1).contains(&half) {
            Part::Wick
        } else {
            Part::Empty
        }
    }
}

/// A width-1 candle: light line for the wick, heavy line for the body (a doji
/// is a heavy half line).
pub fn thin_glyph(top: Part, bottom: Part) -> Option<char> {
    use Part::{Body as B, Empty as E, Wick as W};
    Some(match (top, bottom) {
        (B, B) => '┃',
        (W, W) => '│',
        (W, B) => '╽',
        (B, W) => '╿',
        (B, E) => '╹',
        (E, B) => '╻',
        (W, E) => '╵',
        (E, W) => '╷',
        (E, E) => return None,
    })
}

/// The wick column of a wider candle: the body's half blocks win over the wick.
pub fn centre_glyph(top: Part, bottom: Part) -> Option<char> {
    use Part::{Body as B, Empty as E, Wick as W};
    Some(match (top, bottom) {
        (B, B) => '█',
        (B, _) => '▀',
        (_, B) => '▄',
        (W, W) => '│',
        (W, E) => '╵',
        (E, W) => '╷',
        (E, E) => return None,
    })
}

/// A body-only column beside the wick.
pub fn side_glyph(top: Part, bottom: Part) -> Option<char> {
    match (top == Part::Body, bottom == Part::Body) {
        (true, true) => Some('█'),
        (true, false) => Some('▀'),
        (false, true) => Some('▄'),
        (false, false) => None,
    }
}

/// Column of the wick within a candle `width` wide: centred from 3 columns up.
pub fn wick_offset(width: u16) -> u16 {
    if width >= 3 { width / 2 } else { 0 }
}

/// Writes `ch` at `(x, y)` if that cell is inside `clip` and the buffer.
pub fn put(buf: &mut Buffer, clip: Rect, x: i32, y: i32, ch: char, style: Style) {
    let (Ok(x), Ok(y)) = (u16::try_from(x), u16::try_from(y)) else { return };
    if x < clip.x || y < clip.y || x >= clip.right() || y >= clip.bottom() {
        return;
    }
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_char(ch).set_style(style);
    }
}

/// Draws one candle whose left column is `x` into the price area `plot`.
pub fn draw(buf: &mut Buffer, plot: Rect, x: i32, width: u16, spans: Spans, style: Style) {
    let centre = wick_offset(width);
    for row in spans.wick.0 / 2..=spans.wick.1 / 2 {
        let (top, bottom) = (spans.part(2 * row), spans.part(2 * row + 1));
        let y = i32::from(plot.y) + row as i32;
        for dx in 0..width {
            let g = match (width, dx == centre) {
                (1, _) => thin_glyph(top, bottom),
                (_, true) => centre_glyph(top, bottom),
                (_, false) => side_glyph(top, bottom),
            };
            if let Some(g) = g {
                put(buf, plot, x + i32::from(dx), y, g, style);
            }
        }
    }
}

/// Eighth-block glyphs, index = eighths filled.
const EIGHTHS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Height of a volume bar in eighths of a row, by integer arithmetic; any
/// traded volume shows at least one eighth.
pub fn volume_eighths(vol: i64, max: i64, rows: u16) -> u32 {
    if vol <= 0 || max <= 0 {
        return 0;
    }
    let full = i128::from(rows) * 8;
    let e = (i128::from(vol) * full + i128::from(max) / 2) / i128::from(max);
    e.clamp(1, full) as u32
}

/// Draws a volume bar `eighths` high, bottom-aligned in `area`.
pub fn draw_volume(buf: &mut Buffer, area: Rect, x: i32, width: u16, eighths: u32, style: Style) {
    let mut left = eighths;
    let mut y = i32::from(area.bottom()) - 1;
    while left > 0 && y >= i32::from(area.y) {
        let g = EIGHTHS[left.min(8) as usize];
        for dx in 0..width {
            put(buf, area, x + i32::from(dx), y, g, style);
        }
        left = left.saturating_sub(8);
        y -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Part::{Body, Empty, Wick};

    #[test]
    fn glyphs_at_half_row_boundaries() {
        assert_eq!(thin_glyph(Wick, Body), Some('╽'));
        assert_eq!(thin_glyph(Body, Wick), Some('╿'));
        assert_eq!(thin_glyph(Empty, Wick), Some('╷'));
        assert_eq!(thin_glyph(Body, Empty), Some('╹'));
        assert_eq!(thin_glyph(Empty, Empty), None);
        assert_eq!(centre_glyph(Wick, Body), Some('▄'));
        assert_eq!(centre_glyph(Body, Wick), Some('▀'));
        assert_eq!(centre_glyph(Wick, Empty), Some('╵'));
        assert_eq!(centre_glyph(Wick, Wick), Some('│'));
        assert_eq!(side_glyph(Wick, Body), Some('▄'));
        assert_eq!(side_glyph(Wick, Wick), None);
        assert_eq!(wick_offset(1), 0);
        assert_eq!(wick_offset(2), 0);
        assert_eq!(wick_offset(3), 1);
        assert_eq!(wick_offset(7), 3);
    }

    #[test]
    fn spans_split_wick_and_body() {
        use crate::domain::{Price, Timeframe};
        let scale = PriceScale { top: 100.0, bottom: 0.0, rows: 5 };
        let mut c = crate::ui::sample::candles(1)[0];
        c.timeframe = Timeframe::M1;
        (c.open, c.close, c.high, c.low) = (Price(70), Price(40), Price(95), Price(5));
        let s = Spans::of(&c, &scale);
        assert_eq!(s, Spans { wick: (0, 9), body: (3, 6) });
        assert_eq!([s.part(0), s.part(3), s.part(6), s.part(7)], [Wick, Body, Body, Wick]);
        // A doji still has a one half-row body.
        (c.open, c.close) = (Price(50), Price(50));
        let d = Spans::of(&c, &scale);
        assert_eq!(d.body, (5, 5));
        assert_eq!(thin_glyph(d.part(4), d.part(5)), Some('╽'));
    }

    #[test]
    fn volume_in_eighths() {
        assert_eq!(volume_eighths(100, 100, 3), 24);
        assert_eq!(volume_eighths(50, 100, 3), 12);
        assert_eq!(volume_eighths(1, 1_000_000, 3), 1);
        assert_eq!(volume_eighths(0, 100, 3), 0);
        assert_eq!(volume_eighths(5, 0, 3), 0);
    }
}
