//! Where each pane goes. Three tiers by terminal size; when space runs out,
//! panes collapse in priority order (chart, watchlist, positions, orders,
//! book, P&L, latency, log, strategies), and focus only visits what is shown.

use crate::ui::state::Pane;
use ratatui::layout::{Constraint, Direction, Layout, Rect};

/// The status bar and the visible panes with their areas.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScreenLayout {
    pub status: Rect,
    pub panes: Vec<(Pane, Rect)>,
}

impl ScreenLayout {
    pub fn area(&self, pane: Pane) -> Option<Rect> {
        self.panes.iter().find(|(p, _)| *p == pane).map(|(_, r)| *r)
    }

    pub fn is_visible(&self, pane: Pane) -> bool {
        self.area(pane).is_some()
    }

    /// The pane under a screen cell (mouse clicks).
    pub fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        self.panes.iter().find(|(_, r)| r.contains(ratatui::layout::Position { x, y })).map(|(p, _)| *p)
    }
}

fn split(dir: Direction, area: Rect, c: &[Constraint]) -> Vec<Rect> {
    Layout::default().direction(dir).constraints(c.to_vec()).split(area).to_vec()
}

/// Lays out `area` for `symbols` watchlist rows.
pub fn compute(area: Rect, symbols: usize) -> ScreenLayout {
    use Constraint::{Length, Min, Percentage};
    use Direction::{Horizontal, Vertical};
    let rows = split(Vertical, area, &[Length(1), Min(0)]);
    let (status, body) = (rows[0], rows[1]);
    let watch_h = u16::try_from(symbols.clamp(1, 12)).unwrap_or(12) + 3;
    let mut panes = Vec::with_capacity(9);
    if body.width >= 150 && body.height >= 38 {
        // Large: watchlist + book | chart over positions/orders | P&L, latency, strategies, log.
        let cols = split(Horizontal, body, &[Length(44), Min(60), Length(52)]);
        let left = split(Vertical, cols[0], &[Length(watch_h), Min(8)]);
        let mid = split(Vertical, cols[1], &[Percentage(62), Min(8)]);
        let below = split(Horizontal, mid[1], &[Percentage(45), Percentage(55)]);
        let right = split(Vertical, cols[2], &[Length(11), Length(24), Length(5), Min(4)]);
        panes.extend([
            (Pane::Watchlist, left[0]),
            (Pane::Book, left[1]),
            (Pane::Chart, mid[0]),
            (Pane::Positions, below[0]),
            (Pane::Orders, below[1]),
            (Pane::Pnl, right[0]),
            (Pane::Latency, right[1]),
            (Pane::Strategies, right[2]),
            (Pane::Log, right[3]),
        ]);
    } else if body.width >= 100 && body.height >= 28 {
        // Medium: watchlist + book | chart over positions/orders, log strip.
        let cols = split(Horizontal, body, &[Length(38), Min(50)]);
        let left = split(Vertical, cols[0], &[Length(watch_h), Min(6), Length(9)]);
        let mid = split(Vertical, cols[1], &[Percentage(60), Min(6)]);
        let below = split(Horizontal, mid[1], &[Percentage(45), Percentage(55)]);
        panes.extend([
            (Pane::Watchlist, left[0]),
            (Pane::Book, left[1]),
            (Pane::Pnl, left[2]),
            (Pane::Chart, mid[0]),
            (Pane::Positions, below[0]),
            (Pane::Orders, below[1]),
        ]);
    } else {
        // Small (down to 80x24): chart on top, watchlist and positions below.
        let watch_h = watch_h.min(body.height / 3).max(4);
        let parts = split(Vertical, body, &[Min(8), Length(watch_h)]);
        let below = split(Horizontal, parts[1], &[Percentage(50), Percentage(50)]);
        panes.extend([(Pane::Chart, parts[0]), (Pane::Watchlist, below[0]), (Pane::Positions, below[1])]);
    }
    panes.retain(|(_, r)| r.width >= 3 && r.height >= 3);
    ScreenLayout { status, panes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers_without_overlap(l: &ScreenLayout, area: Rect) {
        for (i, (_, a)) in l.panes.iter().enumerate() {
            assert!(area.contains(a.as_position()) && a.right() <= area.right() && a.bottom() <= area.bottom());
            for (_, b) in &l.panes[i + 1..] {
                assert!(!a.intersects(*b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn every_pane_shows_on_a_large_screen() {
        let area = Rect::new(0, 0, 200, 60);
        let l = compute(area, 3);
        assert_eq!(l.panes.len(), Pane::ALL.len());
        covers_without_overlap(&l, area);
    }

    #[test]
    fn small_screens_keep_the_chart_watchlist_and_positions() {
        for (w, h) in [(80, 24), (100, 27), (120, 30)] {
            let area = Rect::new(0, 0, w, h);
            let l = compute(area, 3);
            for p in [Pane::Chart, Pane::Watchlist, Pane::Positions] {
                assert!(l.is_visible(p), "{p:?} hidden at {w}x{h}");
            }
            covers_without_overlap(&l, area);
        }
    }

    #[test]
    fn tiny_terminals_do_not_panic() {
        for (w, h) in [(0, 0), (1, 1), (10, 3), (30, 8)] {
            let _ = compute(Rect::new(0, 0, w, h), 5);
        }
    }

    #[test]
    fn clicks_find_their_pane() {
        let l = compute(Rect::new(0, 0, 200, 60), 3);
        let chart = l.area(Pane::Chart).unwrap_or_default();
        assert_eq!(l.pane_at(chart.x + 1, chart.y + 1), Some(Pane::Chart));
        assert_eq!(l.pane_at(0, 0), None);
    }
}
