//! The UI's behaviour: keys and clicks become [`Action`]s, actions change the
//! [`UiState`] or become engine [`Command`]s. No drawing and no terminal I/O
//! here, so every path is testable with synthetic key events.

use crate::domain::{OrderId, StrategyId};
use crate::engine::{Command, Event, EventKind};
use crate::ui::action::Action;
use crate::ui::keymap::KeyMap;
use crate::ui::layout::ScreenLayout;
use crate::ui::model::{ScreenData, ViewRequest};
use crate::ui::state::{CHART_TIMEFRAMES, Modal, Pane, UiState, ZOOM_WIDTHS};
use crate::ui::theme::{Theme, ThemeSet};
use crate::ui::ticket::{Ticket, TicketInput, TicketOutcome};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Candles the chart needs beyond what it shows, for indicator warm-up.
const WARMUP_CANDLES: usize = 60;

pub struct App {
    pub state: UiState,
    pub keymap: KeyMap,
    pub themes: ThemeSet,
    pub theme: Theme,
    pub screen: Arc<ScreenData>,
    /// Where commands go (the engine's channel); `None` until the run is up.
    pub commands: Option<mpsc::Sender<Vec<Event>>>,
    /// Commands refused because the engine's channel was full.
    pub commands_dropped: u64,
    pub request: Arc<Mutex<ViewRequest>>,
    /// The layout of the last frame, for mouse clicks and focus.
    pub layout: ScreenLayout,
    /// Default of the kill-switch confirmation's flatten choice.
    pub flatten_on_kill: bool,
    pub quit: bool,
    /// Replays: the player's pause, speed and jump.
    pub replay: Option<Arc<crate::replay::ReplayControl>>,
}

impl App {
    pub fn new(keymap: KeyMap, themes: ThemeSet, theme: Theme, request: Arc<Mutex<ViewRequest>>) -> Self {
        Self {
            state: UiState::default(),
            keymap,
            themes,
            theme,
            screen: Arc::new(ScreenData::default()),
            commands: None,
            commands_dropped: 0,
            request,
            layout: ScreenLayout::default(),
            flatten_on_kill: false,
            replay: None,
            quit: false,
        }
    }

    /// A terminal event: keys, clicks; resizes need nothing (the next frame lays out again).
    pub fn on_event(&mut self, ev: &TermEvent) {
        match ev {
            TermEvent::Key(k) if k.kind != KeyEventKind::Release => self.on_key(k),
            TermEvent::Mouse(m) => self.on_mouse(m),
            _ => {}
        }
        self.sync_request();
    }

    pub fn on_key(&mut self, key: &KeyEvent) {
        match self.state.modal.take() {
            None => {
                if let Some(a) = self.keymap.action(key) {
                    self.apply(a);
                }
            }
            Some(modal) => self.state.modal = self.on_modal_key(modal, key),
        }
    }

    /// Keys while an overlay is open; returns the overlay to keep, if any.
    fn on_modal_key(&mut self, modal: Modal, key: &KeyEvent) -> Option<Modal> {
        let action = self.keymap.action(key);
        match modal {
            Modal::Help => match action {
                Some(Action::Quit) => {
                    self.quit = true;
                    None
                }
                Some(Action::Close | Action::Help | Action::Confirm) => None,
                _ => Some(Modal::Help),
            },
            Modal::Search { mut query, mut selected } => {
                match key.code {
                    KeyCode::Esc => return None,
                    KeyCode::Enter => {
                        if let Some(i) = self.search_hits(&query).get(selected) {
                            self.select_symbol(*i);
                        }
                        return None;
                    }
                    KeyCode::Backspace => {
                        query.pop();
                        selected = 0;
                    }
                    KeyCode::Up => selected = selected.saturating_sub(1),
                    KeyCode::Down => selected = (selected + 1).min(self.search_hits(&query).len().saturating_sub(1)),
                    KeyCode::Char(c) if !c.is_control() => {
                        query.push(c);
                        selected = 0;
                    }
                    _ => {}
                }
                Some(Modal::Search { query, selected })
            }
            Modal::ConfirmKill { flatten } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Char('f' | 'F') => Some(Modal::ConfirmKill { flatten: !flatten }),
                KeyCode::Enter | KeyCode::Char('y' | 'Y') => {
                    if self.send(Command::KillSwitch { flatten }) {
                        self.state.notice =
                            Some(format!("kill switch sent{}", if flatten { " (flatten)" } else { "" }));
                    }
                    None
                }
                _ => Some(Modal::ConfirmKill { flatten }),
            },
            Modal::ConfirmCancelAll => match key.code {
                KeyCode::Enter | KeyCode::Char('y' | 'Y') => {
                    if self.send(Command::CancelAll) {
                        self.state.notice = Some("cancel all sent".into());
                    }
                    None
                }
                KeyCode::Esc | KeyCode::Char('n' | 'N') => None,
                _ => Some(Modal::ConfirmCancelAll),
            },
            Modal::Ticket(t) => self.on_ticket_key(t, key),
        }
    }

    /// Keys in the order ticket: typing edits the focused field; the
    /// ticket validates, confirms and hands back the intent.
    fn on_ticket_key(&mut self, mut ticket: Box<Ticket>, key: &KeyEvent) -> Option<Modal> {
        let input = match key.code {
            KeyCode::Esc => TicketInput::Esc,
            KeyCode::Enter => TicketInput::Enter,
            KeyCode::Tab | KeyCode::Down => TicketInput::NextField,
            KeyCode::BackTab | KeyCode::Up => TicketInput::PrevField,
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') => TicketInput::Toggle,
            KeyCode::Backspace => TicketInput::Backspace,
            KeyCode::Char(c) if !key.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) => {
                TicketInput::Char(c)
            }
            _ => return Some(Modal::Ticket(ticket)),
        };
        match ticket.on_input(input) {
            TicketOutcome::Pending => Some(Modal::Ticket(ticket)),
            TicketOutcome::Cancelled => None,
            TicketOutcome::Submit(intent) => {
                let what = ticket.summary().unwrap_or_default();
                if self.send(Command::Submit(intent)) {
                    self.state.notice = Some(format!("sent: {what}"));
                }
                None
            }
        }
    }

    /// Symbols whose name contains the query (any case), as watchlist indices.
    pub fn search_hits(&self, query: &str) -> Vec<usize> {
        crate::ui::panes::ticket::search_matches(&self.screen.symbols, query)
    }

    fn select_symbol(&mut self, i: usize) {
        if i != self.state.symbol {
            self.state.symbol = i;
            self.state.scroll = 0;
        }
    }

    pub fn apply(&mut self, action: Action) {
        let scroll_step = self.scroll_step();
        let s = &mut self.state;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => s.modal = Some(Modal::Help),
            Action::Close => s.notice = None,
            Action::Confirm => {}
            Action::FocusNext => self.cycle_focus(1),
            Action::FocusPrev => self.cycle_focus(-1),
            Action::Up => self.move_row(-1),
            Action::Down => self.move_row(1),
            Action::Left => s.scroll = s.scroll.saturating_add(scroll_step),
            Action::Right => s.scroll = s.scroll.saturating_sub(scroll_step),
            Action::ZoomIn => s.zoom = (s.zoom + 1).min(ZOOM_WIDTHS.len() - 1),
            Action::ZoomOut => s.zoom = s.zoom.saturating_sub(1),
            Action::NextTimeframe => {
                let i = CHART_TIMEFRAMES.iter().position(|t| *t == s.timeframe).map_or(0, |i| i + 1);
                s.timeframe = CHART_TIMEFRAMES[i % CHART_TIMEFRAMES.len()];
                s.scroll = 0;
            }
            Action::SymbolSearch => s.modal = Some(Modal::Search { query: String::new(), selected: 0 }),
            Action::Buy | Action::Sell => self.open_ticket(action == Action::Buy),
            Action::CancelSelected => self.cancel_selected(),
            Action::CancelAll => s.modal = Some(Modal::ConfirmCancelAll),
            Action::KillSwitch => s.modal = Some(Modal::ConfirmKill { flatten: self.flatten_on_kill }),
            Action::NextStage => s.stage = (s.stage + 1) % crate::ui::panes::latency::rows(&self.screen.latency).max(1),
            Action::NextTheme => self.next_theme(),
            Action::LogLevel => s.log_filter = s.log_filter.next(),
            Action::TogglePause => self.toggle_pause(),
            Action::ToggleOverlays => s.overlays = !s.overlays,
            Action::ReplayPause | Action::ReplayFaster | Action::ReplaySlower | Action::ReplayJump => {
                let Some(c) = &self.replay else {
                    s.notice = Some("not a replay: nothing to pause or speed up".into());
                    return;
                };
                match action {
                    Action::ReplayPause => c.toggle_pause(),
                    Action::ReplayFaster => c.faster(),
                    Action::ReplaySlower => c.slower(),
                    _ => c.jump(),
                }
                s.replay = Some(c.status());
            }
        }
    }

    fn scroll_step(&self) -> usize {
        let w = self.layout.area(Pane::Chart).map_or(40, |r| usize::from(r.width));
        (w / usize::from(self.state.candle_width() + 1) / 4).max(1)
    }

    fn cycle_focus(&mut self, dir: isize) {
        let visible: Vec<Pane> = Pane::ALL.into_iter().filter(|p| self.layout.is_visible(*p)).collect();
        if visible.is_empty() {
            return;
        }
        let n = visible.len() as isize;
        let at = visible.iter().position(|p| *p == self.state.focus).map_or(-1, |i| i as isize);
        let next = if at < 0 { 0 } else { (at + dir).rem_euclid(n) };
        self.state.focus = visible[next as usize];
    }

    fn move_row(&mut self, d: isize) {
        let step =
            |v: usize, len: usize| -> usize { if len == 0 { 0 } else { v.saturating_add_signed(d).min(len - 1) } };
        let sc = &self.screen;
        let s = &mut self.state;
        match s.focus {
            Pane::Watchlist | Pane::Chart | Pane::Book => {
                let i = step(s.symbol, sc.symbols.len());
                if i != s.symbol {
                    s.symbol = i;
                    s.scroll = 0;
                }
            }
            Pane::Orders => s.order_row = step(s.order_row, sc.orders.len()),
            Pane::Positions => s.position_row = step(s.position_row, sc.core.positions.len()),
            Pane::Strategies => s.strategy_row = step(s.strategy_row, sc.strategies.len()),
            Pane::Latency => s.stage = step(s.stage, crate::ui::panes::latency::rows(&sc.latency)),
            Pane::Pnl | Pane::Log => {}
        }
    }

    fn open_ticket(&mut self, buy: bool) {
        let Some(sym) = self.screen.symbols.get(self.state.symbol) else {
            self.state.notice = Some("no symbol to trade yet".into());
            return;
        };
        let side = if buy { crate::domain::Side::Buy } else { crate::domain::Side::Sell };
        let ticket = Ticket::new(side, self.state.symbol, sym).with_min_notional(sym.min_notional);
        self.state.modal = Some(Modal::Ticket(Box::new(ticket)));
    }

    fn cancel_selected(&mut self) {
        match self.screen.orders.get(self.state.order_row) {
            Some(o) => {
                let id = o.id;
                if self.send(Command::Cancel(OrderId(id))) {
                    self.state.notice = Some(format!("cancel sent for order {id}"));
                }
            }
            None => self.state.notice = Some("no open order selected".into()),
        }
    }

    fn toggle_pause(&mut self) {
        let Some(st) = self.screen.strategies.get(self.state.strategy_row) else {
            self.state.notice = Some("no strategy selected".into());
            return;
        };
        let (id, paused, name) = (StrategyId(st.id), st.paused, st.name.clone());
        if self.send(if paused { Command::ResumeStrategy(id) } else { Command::PauseStrategy(id) }) {
            self.state.notice = Some(format!("{} {name}", if paused { "resuming" } else { "pausing" }));
        }
    }

    fn next_theme(&mut self) {
        self.theme = self.themes.next_after(&self.theme.name).clone();
        self.state.notice = Some(format!("theme {}", self.theme.name));
    }

    /// Sends a command to the engine, stamped with the engine's latest time;
    /// never waits (a full channel refuses it, counted and shown).
    pub fn send(&mut self, command: Command) -> bool {
        let ev = Event {
            seq: 0,
            stamp: Default::default(),
            kind: EventKind::Command { time_ms: self.screen.core.now_ms, command },
        };
        let sent = self.commands.as_ref().is_some_and(|tx| tx.try_send(vec![ev]).is_ok());
        if !sent {
            self.commands_dropped += 1;
            self.state.notice = Some("engine busy or not started: command not sent".into());
        }
        sent
    }

    fn on_mouse(&mut self, m: &MouseEvent) {
        if m.kind != MouseEventKind::Down(MouseButton::Left) {
            if matches!(m.kind, MouseEventKind::ScrollUp) {
                self.apply(Action::Up);
            } else if matches!(m.kind, MouseEventKind::ScrollDown) {
                self.apply(Action::Down);
            }
            return;
        }
        if self.state.modal.is_some() {
            return;
        }
        let Some(pane) = self.layout.pane_at(m.column, m.row) else { return };
        self.state.focus = pane;
        if let (Pane::Watchlist, Some(area)) = (pane, self.layout.area(pane)) {
            // Border, then the header row, then one row per symbol.
            let row = usize::from(m.row.saturating_sub(area.y + 2));
            if m.row >= area.y + 2 && row < self.screen.symbols.len() {
                self.select_symbol(row);
            }
        }
    }

    /// Tells the engine thread which chart to build.
    pub fn sync_request(&mut self) {
        let width = self.layout.area(Pane::Chart).map_or(200, |r| usize::from(r.width));
        let per = usize::from(self.state.candle_width()) + 1;
        let want = ViewRequest {
            symbol: self.state.symbol,
            timeframe: self.state.timeframe,
            candles: width / per.max(1) + self.state.scroll + WARMUP_CANDLES,
        };
        if let Ok(mut r) = self.request.lock() {
            *r = want;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::{Side, Timeframe};
    use crate::ui::sample;
    use crossterm::event::KeyModifiers;
    use ratatui::layout::Rect;

    fn app() -> (App, mpsc::Receiver<Vec<Event>>) {
        let themes = ThemeSet::builtin().unwrap();
        let theme = themes.get("dark").unwrap().clone();
        let mut a = App::new(KeyMap::defaults(), themes, theme, Arc::new(Mutex::new(ViewRequest::default())));
        a.screen = Arc::new(sample::screen());
        a.layout = crate::ui::layout::compute(Rect::new(0, 0, 200, 60), 3);
        let (tx, rx) = mpsc::channel(8);
        a.commands = Some(tx);
        (a, rx)
    }

    fn press(a: &mut App, code: KeyCode) {
        a.on_event(&TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn command(rx: &mut mpsc::Receiver<Vec<Event>>) -> Command {
        match rx.try_recv().unwrap().pop().unwrap().kind {
            EventKind::Command { command, .. } => command,
            other => panic!("not a command: {other:?}"),
        }
    }

    #[test]
    fn buy_through_the_ticket_sends_a_manual_order_after_confirmation() {
        let (mut a, mut rx) = app();
        press(&mut a, KeyCode::Char('b'));
        assert!(matches!(a.state.modal, Some(Modal::Ticket(_))));
        press(&mut a, KeyCode::Enter);
        assert!(rx.try_recv().is_err(), "nothing is sent before the confirmation");
        press(&mut a, KeyCode::Enter);
        match command(&mut rx) {
            Command::Submit(i) => {
                assert_eq!((i.side, i.strategy), (Side::Buy, StrategyId::MANUAL));
                assert_eq!(i.limit_price, sample::screen().symbols[0].book.map(|b| b.ask));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(a.state.modal, None);
    }

    #[test]
    fn esc_closes_the_ticket_without_sending() {
        let (mut a, mut rx) = app();
        press(&mut a, KeyCode::Char('s'));
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.state.modal, None);
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn kill_switch_asks_then_sends_with_the_chosen_flatten() {
        let (mut a, mut rx) = app();
        press(&mut a, KeyCode::Char('K'));
        assert_eq!(a.state.modal, Some(Modal::ConfirmKill { flatten: false }));
        press(&mut a, KeyCode::Char('f'));
        press(&mut a, KeyCode::Enter);
        assert_eq!(command(&mut rx), Command::KillSwitch { flatten: true });
    }

    #[test]
    fn cancel_selected_and_cancel_all() {
        let (mut a, mut rx) = app();
        a.state.focus = Pane::Orders;
        press(&mut a, KeyCode::Down);
        press(&mut a, KeyCode::Char('c'));
        assert_eq!(command(&mut rx), Command::Cancel(OrderId(39)));
        press(&mut a, KeyCode::Char('x'));
        assert!(rx.try_recv().is_err(), "cancel all asks first");
        press(&mut a, KeyCode::Enter);
        assert_eq!(command(&mut rx), Command::CancelAll);
    }

    #[test]
    fn pause_and_resume_strategies() {
        let (mut a, mut rx) = app();
        press(&mut a, KeyCode::Char('p'));
        assert_eq!(command(&mut rx), Command::PauseStrategy(StrategyId(0)));
        a.state.strategy_row = 1;
        press(&mut a, KeyCode::Char('p'));
        assert_eq!(command(&mut rx), Command::ResumeStrategy(StrategyId(1)));
    }

    #[test]
    fn chart_keys_change_the_view_and_the_request() {
        let (mut a, _rx) = app();
        press(&mut a, KeyCode::Char('t'));
        assert_eq!(a.state.timeframe, Timeframe::M5);
        press(&mut a, KeyCode::Char('+'));
        press(&mut a, KeyCode::Char('-'));
        press(&mut a, KeyCode::Char('-'));
        assert_eq!(a.state.zoom, 1);
        press(&mut a, KeyCode::Left);
        assert!(a.state.scroll > 0);
        press(&mut a, KeyCode::Right);
        assert_eq!(a.state.scroll, 0);
        let req = *a.request.lock().unwrap();
        assert_eq!((req.symbol, req.timeframe), (0, Timeframe::M5));
    }

    #[test]
    fn search_selects_a_symbol() {
        let (mut a, _rx) = app();
        press(&mut a, KeyCode::Char('/'));
        for c in "eth".chars() {
            press(&mut a, KeyCode::Char(c));
        }
        press(&mut a, KeyCode::Enter);
        assert_eq!((a.state.symbol, &a.state.modal), (1, &None));
        assert_eq!(a.request.lock().unwrap().symbol, 1);
    }

    #[test]
    fn focus_cycles_over_visible_panes_only() {
        let (mut a, _rx) = app();
        a.layout = crate::ui::layout::compute(Rect::new(0, 0, 80, 24), 3);
        let mut seen = Vec::new();
        for _ in 0..4 {
            press(&mut a, KeyCode::Tab);
            seen.push(a.state.focus);
        }
        assert_eq!(seen, [Pane::Positions, Pane::Watchlist, Pane::Chart, Pane::Positions]);
        press(&mut a, KeyCode::BackTab);
        assert_eq!(a.state.focus, Pane::Chart);
    }

    #[test]
    fn a_full_engine_channel_refuses_and_counts() {
        let (mut a, _rx) = app();
        let (tx, _keep) = mpsc::channel(1);
        tx.try_send(Vec::new()).unwrap();
        a.commands = Some(tx);
        press(&mut a, KeyCode::Char('p'));
        assert_eq!(a.commands_dropped, 1);
        assert!(a.state.notice.as_deref().unwrap_or("").contains("not sent"));
    }

    #[test]
    fn mouse_click_selects_a_watchlist_row_and_focuses_the_pane() {
        let (mut a, _rx) = app();
        let w = a.layout.area(Pane::Watchlist).unwrap();
        let click = MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: w.x + 3,
            row: w.y + 4,
            modifiers: KeyModifiers::NONE,
        };
        a.on_event(&TermEvent::Mouse(click));
        assert_eq!((a.state.focus, a.state.symbol), (Pane::Watchlist, 2));
    }

    #[test]
    fn help_closes_with_esc_and_q_quits_from_it() {
        let (mut a, _rx) = app();
        press(&mut a, KeyCode::Char('?'));
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.state.modal, None);
        press(&mut a, KeyCode::Char('?'));
        press(&mut a, KeyCode::Char('q'));
        assert!(a.quit);
    }
}
