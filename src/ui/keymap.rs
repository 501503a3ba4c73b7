//! Keys to actions. Defaults are what traders expect; `[ui.keys]` in the
//! config overrides them per action (`buy = ["b", "f2"]`).
//!
//! A key is written as an optional chain of `ctrl-`, `alt-`, `shift-` and then
//! one character (`q`, `K`, `?`, `+`) or a name (`esc`, `enter`, `tab`,
//! `backtab`, `up`, `pgdn`, `f5`, `space`, ...). Shifted letters are written
//! upper case: terminals report them as the upper-case character, some with
//! the SHIFT modifier and some without, so matching ignores SHIFT on
//! characters.

use crate::ui::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

/// One key with its modifiers, normalised so that equal keys compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    /// Only CONTROL, ALT and (for non-character keys) SHIFT.
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        Self::normalise(code, mods)
    }

    /// What a terminal event means as a key: SHIFT folded into characters,
    /// `shift-tab` as BackTab, control letters lower case.
    fn normalise(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                let shift = mods.contains(KeyModifiers::SHIFT);
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else if shift {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Self { code, mods }
    }
}

/// Names of the non-character keys, canonical spelling first.
const NAMED: [(&str, KeyCode); 16] = [
    ("esc", KeyCode::Esc),
    ("enter", KeyCode::Enter),
    ("tab", KeyCode::Tab),
    ("shift-tab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("space", KeyCode::Char(' ')),
];

/// Other accepted spellings.
const ALIASES: [(&str, KeyCode); 7] = [
    ("escape", KeyCode::Esc),
    ("return", KeyCode::Enter),
    ("backtab", KeyCode::BackTab),
    ("del", KeyCode::Delete),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("pgdown", KeyCode::PageDown),
];

impl FromStr for Key {
    type Err = String;
    fn from_str(spec: &str) -> Result<Self, String> {
        let bad =
            || format!("{spec:?} is not a key (examples: q, K, ?, ctrl-c, alt-x, esc, enter, shift-tab, pgdn, f5)");
        let mut mods = KeyModifiers::NONE;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && !lower.eq_ignore_ascii_case("shift-tab") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            mods |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() && c != ' ' => KeyCode::Char(c),
            _ => {
                let lower = rest.to_ascii_lowercase();
                if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    if !(1..=12).contains(&n) {
                        return Err(bad());
                    }
                    KeyCode::F(n)
                } else {
                    NAMED.iter().chain(ALIASES.iter()).find(|(n, _)| *n == lower).map(|&(_, c)| c).ok_or_else(bad)?
                }
            }
        };
        Ok(Self::normalise(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            code => f.write_str(NAMED.iter().find(|(_, c)| *c == code).map_or("?", |(n, _)| n)),
        }
    }
}

/// A binding the config asked for that cannot be used. `key` is the config
/// path (`ui.keys.buy`), `value` what was written there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMapError {
    pub key: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for KeyMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: {}", self.key, self.value, self.message)
    }
}

impl std::error::Error for KeyMapError {}

/// Every action with its keys, and the reverse lookup used on each key press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    /// In [`Action::ALL`] order; an action may have no key.
    keys: Vec<(Action, Vec<Key>)>,
    lookup: HashMap<Key, Action>,
}

impl Default for KeyMap {
    fn default() -> Self {
        Self::defaults()
    }
}

impl KeyMap {
    /// The default key specs of `action`.
    pub const fn default_specs(action: Action) -> &'static [&'static str] {
        match action {
            Action::Quit => &["q", "ctrl-c"],
            Action::Help => &["?"],
            Action::Close => &["esc"],
            Action::Confirm => &["enter"],
            Action::FocusNext => &["tab"],
            Action::FocusPrev => &["shift-tab"],
            Action::Up => &["up", "k"],
            Action::Down => &["down", "j"],
            Action::Left => &["left", "h"],
            Action::Right => &["right", "l"],
            Action::ZoomIn => &["+", "="],
            Action::ZoomOut => &["-"],
            Action::NextTimeframe => &["t"],
            Action::SymbolSearch => &["/"],
            Action::Buy => &["b"],
            Action::Sell => &["s"],
            Action::CancelSelected => &["c"],
            Action::CancelAll => &["x"],
            Action::KillSwitch => &["K"],
            Action::NextStage => &["L"],
            Action::NextTheme => &["T"],
            Action::LogLevel => &["v"],
            Action::TogglePause => &["p"],
            Action::ToggleOverlays => &["o"],
            Action::ReplayPause => &["space"],
            Action::ReplayFaster => &[">"],
            Action::ReplaySlower => &["<"],
            Action::ReplayJump => &["]"],
        }
    }

    /// The built-in bindings.
    pub fn defaults() -> Self {
        let keys = Action::ALL
            .iter()
            .map(|&a| (a, Self::default_specs(a).iter().filter_map(|s| s.parse().ok()).collect()))
            .collect();
        Self::index(keys)
    }

    /// The defaults with each action named in `overrides` (config name →
    /// key specs) rebound to exactly those keys. Unknown actions, bad specs
    /// and a key bound to two actions are errors naming `ui.keys.<action>`.
    pub fn from_config(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, KeyMapError> {
        let mut keys: Vec<(Action, Vec<Key>)> = Self::defaults().keys;
        let mut changed = Vec::new();
        for (name, specs) in overrides {
            let err =
                |message: String| KeyMapError { key: format!("ui.keys.{name}"), value: format!("{specs:?}"), message };
            let action = name.parse::<Action>().map_err(|_| {
                let names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
                err(format!("unknown action; expected one of {}", names.join(", ")))
            })?;
            let parsed = specs.iter().map(|s| s.parse::<Key>()).collect::<Result<Vec<_>, _>>().map_err(err)?;
            if let Some(slot) = keys.iter_mut().find(|(a, _)| *a == action) {
                slot.1 = parsed;
            }
            changed.push((name.clone(), action));
        }
        // Report a clash on an action the config changed, so the key path points at the edit.
        for (name, action) in &changed {
            let mine = keys.iter().find(|(a, _)| a == action).map(|(_, k)| k.clone()).unwrap_or_default();
            for key in mine {
                if let Some((other, _)) = keys.iter().find(|(a, ks)| a != action && ks.contains(&key)) {
                    return Err(KeyMapError {
                        key: format!("ui.keys.{name}"),
                        value: format!("{:?}", key.to_string()),
                        message: format!("key {key} is bound to both {action} and {other}"),
                    });
                }
            }
        }
        Ok(Self::index(keys))
    }

    fn index(keys: Vec<(Action, Vec<Key>)>) -> Self {
        let mut lookup = HashMap::new();
        for (a, ks) in &keys {
            for k in ks {
                lookup.entry(*k).or_insert(*a);
            }
        }
        Self { keys, lookup }
    }

    /// The action a key press asks for; releases ask for nothing.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        self.lookup.get(&Key::normalise(key.code, key.modifiers)).copied()
    }

    /// The keys of `action`.
    pub fn keys(&self, action: Action) -> &[Key] {
        self.keys.iter().find(|(a, _)| *a == action).map_or(&[], |(_, k)| k.as_slice())
    }

    /// Every action with its keys joined (`q, ctrl-c`), for the help overlay.
    pub fn bindings(&self) -> Vec<(Action, String)> {
        self.keys
            .iter()
            .map(|(a, ks)| (*a, ks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn over(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs.iter().map(|(a, ks)| (a.to_string(), ks.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn parses_and_displays_specs() {
        for spec in [
            "q",
            "?",
            "K",
            "+",
            "-",
            "=",
            "/",
            "esc",
            "enter",
            "tab",
            "shift-tab",
            "up",
            "down",
            "left",
            "right",
            "pgup",
            "pgdn",
            "home",
            "end",
            "f1",
            "f12",
            "space",
            "ctrl-c",
            "alt-x",
            "ctrl-alt-x",
            "backspace",
            "shift-up",
        ] {
            let k: Key = spec.parse().unwrap();
            assert_eq!(k.to_string(), spec, "round trip of {spec}");
        }
        assert_eq!("backtab".parse::<Key>().unwrap().to_string(), "shift-tab");
        assert_eq!("Esc".parse::<Key>().unwrap().to_string(), "esc");
        assert_eq!("shift-k".parse::<Key>().unwrap().to_string(), "K");
        assert_eq!("ctrl-C".parse::<Key>().unwrap().to_string(), "ctrl-c");
        assert_eq!("ctrl--".parse::<Key>().unwrap().to_string(), "ctrl--");
    }

    #[test]
    fn bad_specs_are_refused() {
        for spec in ["", "ctrl-foo", "f0", "f13", "escc", "qq", "ctrl-", " "] {
            let e = spec.parse::<Key>().unwrap_err();
            assert!(e.contains("is not a key"), "{spec}: {e}");
        }
    }

    #[test]
    fn defaults_match_the_documented_bindings() {
        let m = KeyMap::defaults();
        let none = KeyModifiers::NONE;
        assert_eq!(m.action(&ev(KeyCode::Char('q'), none)), Some(Action::Quit));
        assert_eq!(m.action(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(m.action(&ev(KeyCode::Char('c'), none)), Some(Action::CancelSelected));
        assert_eq!(m.action(&ev(KeyCode::Esc, none)), Some(Action::Close));
        assert_eq!(m.action(&ev(KeyCode::Up, none)), Some(Action::Up));
        assert_eq!(m.action(&ev(KeyCode::Char('='), none)), Some(Action::ZoomIn));
        assert_eq!(m.action(&ev(KeyCode::Char('z'), none)), None);
        let b = m.bindings();
        assert_eq!(b.len(), Action::ALL.len());
        assert_eq!(b, crate::ui::sample::bindings());
    }

    #[test]
    fn shifted_letters_match_with_or_without_the_shift_flag() {
        let m = KeyMap::defaults();
        assert_eq!(m.action(&ev(KeyCode::Char('K'), KeyModifiers::SHIFT)), Some(Action::KillSwitch));
        assert_eq!(m.action(&ev(KeyCode::Char('K'), KeyModifiers::NONE)), Some(Action::KillSwitch));
        assert_eq!(m.action(&ev(KeyCode::Char('k'), KeyModifiers::SHIFT)), Some(Action::KillSwitch));
        assert_eq!(m.action(&ev(KeyCode::Char('k'), KeyModifiers::NONE)), Some(Action::Up));
        assert_eq!(m.action(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)), Some(Action::Help));
        assert_eq!(m.action(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Action::FocusPrev));
        assert_eq!(m.action(&ev(KeyCode::Tab, KeyModifiers::SHIFT)), Some(Action::FocusPrev));
    }

    #[test]
    fn releases_are_ignored() {
        let m = KeyMap::defaults();
        let mut e = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        e.kind = KeyEventKind::Release;
        assert_eq!(m.action(&e), None);
    }

    #[test]
    fn overrides_replace_an_actions_keys() {
        let m = KeyMap::from_config(&over(&[("buy", &["B", "f2"]), ("quit", &["ctrl-q"])])).unwrap();
        assert_eq!(m.action(&ev(KeyCode::Char('b'), KeyModifiers::NONE)), None);
        assert_eq!(m.action(&ev(KeyCode::Char('B'), KeyModifiers::SHIFT)), Some(Action::Buy));
        assert_eq!(m.action(&ev(KeyCode::F(2), KeyModifiers::NONE)), Some(Action::Buy));
        assert_eq!(m.action(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(m.action(&ev(KeyCode::Char('q'), KeyModifiers::CONTROL)), Some(Action::Quit));
        let b = m.bindings();
        assert!(b.contains(&(Action::Buy, "B, f2".to_string())), "{b:?}");
        assert!(b.contains(&(Action::Sell, "s".to_string())));
    }

    #[test]
    fn an_empty_list_unbinds() {
        let m = KeyMap::from_config(&over(&[("overlays", &[])])).unwrap();
        assert_eq!(m.action(&ev(KeyCode::Char('o'), KeyModifiers::NONE)), None);
        assert!(m.keys(Action::ToggleOverlays).is_empty());
    }

    #[test]
    fn unknown_action_and_bad_key_name_the_config_path() {
        let e = KeyMap::from_config(&over(&[("buyy", &["b"])])).unwrap_err();
        assert_eq!(e.key, "ui.keys.buyy");
        assert!(e.message.starts_with("unknown action; expected one of quit, help"), "{e}");
        let e = KeyMap::from_config(&over(&[("buy", &["ctrl-foo"])])).unwrap_err();
        assert_eq!(e.key, "ui.keys.buy");
        assert!(e.message.contains("\"ctrl-foo\" is not a key"), "{e}");
    }

    #[test]
    fn a_key_bound_twice_names_both_actions() {
        let e = KeyMap::from_config(&over(&[("buy", &["s"])])).unwrap_err();
        assert_eq!(e.key, "ui.keys.buy");
        assert!(e.message.contains("buy") && e.message.contains("sell"), "{e}");
        // Moving sell away first makes it legal.
        assert!(KeyMap::from_config(&over(&[("buy", &["s"]), ("sell", &["S"])])).is_ok());
    }
}
