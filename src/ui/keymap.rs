//! Keys to actions. Defaults are what traders expect; `[ui.keys]` in the
//! config overrides them per action.

use crate::ui::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Placeholder until the key map lands: the defaults only.
#[derive(Debug, Clone, Default)]
pub struct KeyMap;

impl KeyMap {
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        Some(match key.code {
            KeyCode::Char('c') if ctrl => Action::Quit,
            KeyCode::Char('q') => Action::Quit,
            KeyCode::Char('?') => Action::Help,
            KeyCode::Esc => Action::Close,
            KeyCode::Enter => Action::Confirm,
            KeyCode::Tab => Action::FocusNext,
            KeyCode::BackTab => Action::FocusPrev,
            KeyCode::Up | KeyCode::Char('k') => Action::Up,
            KeyCode::Down | KeyCode::Char('j') => Action::Down,
            KeyCode::Left | KeyCode::Char('h') => Action::Left,
            KeyCode::Right | KeyCode::Char('l') => Action::Right,
            KeyCode::Char('+') | KeyCode::Char('=') => Action::ZoomIn,
            KeyCode::Char('-') => Action::ZoomOut,
            KeyCode::Char('t') => Action::NextTimeframe,
            KeyCode::Char('/') => Action::SymbolSearch,
            KeyCode::Char('b') => Action::Buy,
            KeyCode::Char('s') => Action::Sell,
            KeyCode::Char('c') => Action::CancelSelected,
            KeyCode::Char('x') => Action::CancelAll,
            KeyCode::Char('K') => Action::KillSwitch,
            KeyCode::Char('L') => Action::NextStage,
            KeyCode::Char('T') => Action::NextTheme,
            KeyCode::Char('v') => Action::LogLevel,
            KeyCode::Char('p') => Action::TogglePause,
            KeyCode::Char('o') => Action::ToggleOverlays,
            _ => return None,
        })
    }
}
