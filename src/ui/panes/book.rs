//! The book of the selected symbol: the top (sizes, prices, spread, mid)
//! and, when depth is subscribed, a ladder with asks above and bids below,
//! best prices meeting in the middle, and cumulative-size bars.

use super::PaneCtx;
use super::util::{framed, hbar};
use crate::domain::{Level, Price};
use crate::ui::format;
use crate::ui::state::Pane;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn render(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>) {
    let inner = framed(ctx.block(Pane::Book), area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let t = ctx.theme;
    let b = &ctx.data.book;
    let sym = ctx.data.symbols.get(b.symbol);
    let (ps, qs) = sym.map_or((0, 0), |s| (s.price_scale, s.qty_scale));
    let mut lines: Vec<Line> = Vec::new();
    match b.top {
        Some(top) => {
            let prices = [
                Span::styled(format::price(top.bid, ps), t.fg(t.bid).add_modifier(Modifier::BOLD)),
                Span::styled(" │ ", t.muted()),
                Span::styled(format::price(top.ask, ps), t.fg(t.ask).add_modifier(Modifier::BOLD)),
            ];
            let full = Line::from(
                [Span::styled(format::qty(top.bid_qty, qs), t.fg(t.bid)), Span::raw(" ")]
                    .into_iter()
                    .chain(prices.iter().cloned())
                    .chain([Span::raw(" "), Span::styled(format::qty(top.ask_qty, qs), t.fg(t.ask))])
                    .collect::<Vec<_>>(),
            );
            // Sizes give way to prices when the pane is narrow.
            let short = Line::from(prices.to_vec());
            lines.push(if full.width() <= usize::from(inner.width) {
                full
            } else if short.width() <= usize::from(inner.width) {
                short
            } else {
                Line::from(vec![prices[0].clone(), Span::raw(" "), prices[2].clone()])
            });
            let spread = top.ask.0 - top.bid.0;
            let tick = sym.map_or(0, |s| s.tick_size.0);
            let mut info =
                vec![Span::styled("spread ", t.muted()), Span::styled(format::price(Price(spread), ps), t.text())];
            if tick > 0 {
                info.push(Span::styled(format!(" ({}t)", spread / tick), t.muted()));
            }
            info.push(Span::styled("  mid ", t.muted()));
            info.push(Span::styled(format::price(top.mid(), ps), t.text()));
            lines.push(Line::from(info));
        }
        None => lines.push(Line::from(Span::styled("no quote yet", t.muted()))),
    }
    if !b.has_depth {
        lines.push(Line::from(Span::styled("depth not subscribed (--depth)", t.muted())));
    }
    let top_rows = u16::try_from(lines.len()).unwrap_or(u16::MAX).min(inner.height);
    for (i, line) in lines.into_iter().take(usize::from(top_rows)).enumerate() {
        let y = inner.y + u16::try_from(i).unwrap_or(0);
        line.render(Rect { y, height: 1, ..inner }, buf);
    }
    if b.has_depth && inner.height > top_rows + 2 {
        let ladder = Rect { y: inner.y + top_rows, height: inner.height - top_rows, ..inner };
        draw_ladder(ladder, buf, ctx, ps, qs);
    }
}

/// A header row, then asks (worst at the top) and bids (best at the top).
fn draw_ladder(area: Rect, buf: &mut Buffer, ctx: &PaneCtx<'_>, ps: u8, qs: u8) {
    let t = ctx.theme;
    let b = &ctx.data.book;
    let rows = area.height.saturating_sub(1);
    let n_asks = usize::from(rows / 2);
    let n_bids = usize::from(rows) - n_asks;
    let asks = cumulative(&b.asks[..n_asks.min(b.asks.len())]);
    let bids = cumulative(&b.bids[..n_bids.min(b.bids.len())]);
    let max_cum = asks.iter().chain(&bids).map(|x| x.1).max().unwrap_or(0);
    let text = |l: &Level, cum: i64| (format::price(l.price, ps), format::qty(l.qty, qs), compact(cum, qs));
    let all: Vec<(String, String, String)> = asks.iter().chain(&bids).map(|(l, c)| text(l, *c)).collect();
    let w = |f: fn(&(String, String, String)) -> &String, min: usize| {
        all.iter().map(|x| f(x).chars().count()).max().unwrap_or(0).max(min)
    };
    let (pw, qw, cw) = (w(|x| &x.0, 5), w(|x| &x.1, 3), w(|x| &x.2, 3));
    let used = u16::try_from(pw + qw + cw + 3).unwrap_or(u16::MAX);
    let bar_w = area.width.saturating_sub(used);
    let header = format!("{:>pw$} {:>qw$} {:>cw$} ", "Price", "Qty", "Cum");
    let mut spans = vec![Span::styled(header, t.muted())];
    if !b.synced {
        spans.push(Span::styled("unsynced", t.fg(t.warn)));
    }
    Line::from(spans).render(Rect { height: 1, ..area }, buf);
    let mut y = area.y + 1;
    let pad = u16::try_from(n_asks.saturating_sub(asks.len())).unwrap_or(0);
    y += pad;
    let mut row = |l: &Level, cum: i64, colour: Color, y: u16| {
        let (p, q, c) = text(l, cum);
        let bar = hbar(u128::from(cum.unsigned_abs()), u128::from(max_cum.unsigned_abs()), bar_w);
        Line::from(vec![
            Span::styled(format!("{p:>pw$} "), t.fg(colour)),
            Span::styled(format!("{q:>qw$} "), t.text()),
            Span::styled(format!("{c:>cw$} "), t.muted()),
            Span::styled(bar, t.fg(colour)),
        ])
        .render(Rect { y, height: 1, ..area }, buf);
    };
    for (l, cum) in asks.iter().rev() {
        row(l, *cum, t.ask, y);
        y += 1;
    }
    for (l, cum) in &bids {
        if y >= area.bottom() {
            break;
        }
        row(l, *cum, t.bid, y);
        y += 1;
    }
}

/// Each level with the size summed from the best price out to it.
fn cumulative(levels: &[Level]) -> Vec<(Level, i64)> {
    let mut sum = 0i64;
    levels
        .iter()
        .map(|l| {
            sum = sum.saturating_add(l.qty.0);
            (*l, sum)
        })
        .collect()
}

fn compact(q: i64, qs: u8) -> String {
    format::compact(crate::domain::Qty(q), qs)
}

#[cfg(test)]
mod tests {
    use super::super::util::{draw_sample, draw_with};
    use super::render;
    use crate::ui::state::UiState;

    #[test]
    fn book_ladder() {
        let state = UiState { focus: crate::ui::state::Pane::Book, ..UiState::default() };
        insta::assert_snapshot!("book_ladder", draw_sample(44, 18, &state, render));
    }

    #[test]
    fn book_cramped() {
        insta::assert_snapshot!("book_cramped", draw_sample(20, 5, &UiState::default(), render));
        let unsynced = draw_with(40, 10, &UiState::default(), |d| d.book.synced = false, render);
        assert!(unsynced.contains("unsynced"), "{unsynced}");
    }

    #[test]
    fn book_without_depth() {
        let s = draw_with(
            40,
            8,
            &UiState::default(),
            |d| {
                d.book.has_depth = false;
                d.book.bids.clear();
                d.book.asks.clear();
            },
            render,
        );
        insta::assert_snapshot!("book_no_depth", s);
        let none = draw_with(30, 6, &UiState::default(), |d| d.book = Default::default(), render);
        assert!(none.contains("no quote yet"), "{none}");
    }
}
