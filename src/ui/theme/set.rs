//! The themes available at run time: the built-in files compiled in, then
//! `*.toml` files from theme folders, each adding a theme or replacing the
//! one of the same name (the file stem).

use super::Theme;
use ratatui::style::Color;
use std::fmt;
use std::path::{Path, PathBuf};

/// The built-in themes, embedded so the binary runs from any directory.
pub const BUILTIN: [(&str, &str); 3] = [
    ("dark", include_str!("../../../themes/dark.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    ("high-contrast", include_str!("../../../themes/high-contrast.toml")),
];

/// A theme that cannot be used: where (file or theme), which key, which value, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeError {
    /// A file path, `built-in theme <name>`, or `theme <name>` for a lookup.
    pub origin: String,
    pub key: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl fmt::Display for ThemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid theme ({})", self.origin)?;
        if let Some(k) = &self.key {
            write!(f, ": key `{k}`")?;
        }
        if let Some(v) = &self.value {
            write!(f, " = {v}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ThemeError {}

/// How a meaning is spelled in a file: `selection_text` → `selection-text`.
fn file_key(field: &str) -> String {
    field.replace('_', "-")
}

impl Theme {
    /// Parses a theme file's text. Every meaning is required; unknown keys,
    /// non-string values and bad colours are errors naming `origin` and the key.
    pub fn from_toml(name: &str, origin: &str, text: &str) -> Result<Self, ThemeError> {
        let err = |key: Option<&str>, value: Option<String>, message: String| ThemeError {
            origin: origin.to_string(),
            key: key.map(str::to_string),
            value,
            message,
        };
        let table: toml::Table =
            text.parse().map_err(|e: toml::de::Error| err(None, None, format!("not valid TOML: {}", e.message())))?;
        let mut colours: Vec<(&'static str, Color)> = Vec::with_capacity(table.len());
        for (key, value) in &table {
            let Some(field) = Self::MEANINGS.iter().find(|m| file_key(m) == *key) else {
                let expected: Vec<String> = Self::MEANINGS.iter().map(|m| file_key(m)).collect();
                return Err(err(
                    Some(key),
                    Some(value.to_string()),
                    format!("unknown meaning; expected one of {}", expected.join(", ")),
                ));
            };
            let colour = value.as_str().and_then(|s| s.parse::<Color>().ok()).ok_or_else(|| {
                err(
                    Some(key),
                    Some(value.to_string()),
                    "not a colour; expected a name (green, darkgray), \"#rrggbb\", an index 0-255 (\"238\") or \"reset\""
                        .into(),
                )
            })?;
            colours.push((field, colour));
        }
        Self::from_meanings(name, |m| colours.iter().find(|(f, _)| *f == m).map(|&(_, c)| c)).map_err(|missing| {
            err(Some(&file_key(missing)), None, "missing meaning: every meaning needs a colour".into())
        })
    }
}

/// Every theme by name: built-ins first in their order, then added ones by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeSet {
    themes: Vec<Theme>,
}

impl ThemeSet {
    /// Only the themes compiled into the binary.
    pub fn builtin() -> Result<Self, ThemeError> {
        let themes = BUILTIN
            .iter()
            .map(|(name, text)| Theme::from_toml(name, &format!("built-in theme {name}"), text))
            .collect::<Result<_, _>>()?;
        Ok(Self { themes })
    }

    /// The folders searched at start, lowest precedence first: `themes/` in
    /// the working directory, the user's config folder, then the configured
    /// `[ui] themes-dir`.
    pub fn standard_dirs(themes_dir: Option<&Path>) -> Vec<PathBuf> {
        let mut dirs = vec![PathBuf::from("themes")];
        dirs.extend(user_dir(std::env::var_os("XDG_CONFIG_HOME"), std::env::var_os("HOME")));
        dirs.extend(themes_dir.map(Path::to_path_buf));
        dirs
    }

    /// The built-ins, then every `*.toml` of `dirs` in order; a later file
    /// replaces a theme of the same name. Missing folders are skipped (check a
    /// configured one exists before calling, to report it).
    pub fn load(dirs: &[PathBuf]) -> Result<Self, ThemeError> {
        let mut set = Self::builtin()?;
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            for path in files {
                let origin = path.display().to_string();
                let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| ThemeError {
                    origin: origin.clone(),
                    key: None,
                    value: None,
                    message: format!("cannot read the file: {e}"),
                })?;
                set.insert(Theme::from_toml(&name, &origin, &text)?);
            }
        }
        Ok(set)
    }

    fn insert(&mut self, theme: Theme) {
        if let Some(slot) = self.themes.iter_mut().find(|t| t.name == theme.name) {
            *slot = theme;
        } else {
            let at = self
                .themes
                .iter()
                .rposition(|t| BUILTIN.iter().any(|(b, _)| *b == t.name) || t.name < theme.name)
                .map_or(0, |i| i + 1);
            self.themes.insert(at, theme);
        }
    }

    /// The theme called `name`; the error lists the available ones.
    pub fn get(&self, name: &str) -> Result<&Theme, ThemeError> {
        self.themes.iter().find(|t| t.name == name).ok_or_else(|| ThemeError {
            origin: format!("theme {name}"),
            key: Some("ui.theme".into()),
            value: Some(format!("{name:?}")),
            message: format!("unknown theme; expected one of {}", self.names().join(", ")),
        })
    }

    pub fn names(&self) -> Vec<&str> {
        self.themes.iter().map(|t| t.name.as_str()).collect()
    }

    /// The theme after `name`, wrapping around (the first if `name` is unknown).
    pub fn next_after(&self, name: &str) -> &Theme {
        let i = self.themes.iter().position(|t| t.name == name).map_or(0, |i| (i + 1) % self.themes.len());
        &self.themes[i]
    }
}

/// `$XDG_CONFIG_HOME/tickdesk/themes`, else `~/.config/tickdesk/themes`.
fn user_dir(xdg: Option<std::ffi::OsString>, home: Option<std::ffi::OsString>) -> Option<PathBuf> {
    let xdg = xdg.map(PathBuf::from).filter(|p| p.is_absolute());
    let base = xdg.or_else(|| home.map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("tickdesk").join("themes"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn dark_text() -> &'static str {
        BUILTIN[0].1
    }

    #[test]
    fn every_builtin_loads_and_dark_matches_the_code() {
        let set = ThemeSet::builtin().unwrap();
        assert_eq!(set.names(), vec!["dark", "light", "high-contrast"]);
        assert_eq!(set.get("dark").unwrap(), &Theme::dark());
    }

    #[test]
    fn every_file_defines_every_meaning_and_nothing_else() {
        // Parsing already requires each meaning; this checks the shipped files
        // line by line too, so a new struct field fails here with its name.
        for (name, text) in BUILTIN {
            let table: toml::Table = text.parse().unwrap();
            for m in Theme::MEANINGS {
                assert!(table.contains_key(&file_key(m)), "themes/{name}.toml lacks `{}`", file_key(m));
            }
            assert_eq!(table.len(), Theme::MEANINGS.len(), "themes/{name}.toml has extra keys");
        }
        let disk = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        for (name, text) in BUILTIN {
            assert_eq!(std::fs::read_to_string(disk.join(format!("{name}.toml"))).unwrap(), text);
        }
    }

    #[test]
    fn high_contrast_avoids_red_and_green_for_direction() {
        let t = ThemeSet::builtin().unwrap().get("high-contrast").unwrap().clone();
        for c in [t.up, t.down, t.bid, t.ask] {
            assert!(!matches!(c, Color::Red | Color::Green | Color::LightRed | Color::LightGreen), "{c:?}");
        }
        assert_ne!(t.up, t.down);
    }

    #[test]
    fn a_folder_adds_and_overrides_themes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dark.toml"), dark_text().replace("up = \"green\"", "up = \"#00ff00\""))
            .unwrap();
        std::fs::write(dir.path().join("amber.toml"), dark_text()).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let set = ThemeSet::load(&[PathBuf::from("/nonexistent/tickdesk"), dir.path().to_path_buf()]).unwrap();
        assert_eq!(set.names(), vec!["dark", "light", "high-contrast", "amber"]);
        assert_eq!(set.get("dark").unwrap().up, Color::Rgb(0, 255, 0));
        assert_eq!(set.get("amber").unwrap().name, "amber");
        assert_eq!(set.next_after("dark").name, "light");
        assert_eq!(set.next_after("amber").name, "dark");
        assert_eq!(set.next_after("nope").name, "dark");
    }

    #[test]
    fn unknown_theme_name_lists_the_choices() {
        let e = ThemeSet::builtin().unwrap().get("solarized").unwrap_err();
        assert_eq!(e.value.as_deref(), Some("\"solarized\""));
        assert!(e.to_string().contains("expected one of dark, light, high-contrast"), "{e}");
    }

    #[test]
    fn unknown_meaning_is_named() {
        let text = format!("{}\nglow = \"red\"\n", dark_text());
        let e = Theme::from_toml("x", "x.toml", &text).unwrap_err();
        assert_eq!((e.origin.as_str(), e.key.as_deref()), ("x.toml", Some("glow")));
        assert!(e.message.contains("unknown meaning"), "{e}");
    }

    #[test]
    fn missing_meaning_is_named() {
        let text = dark_text().replace("selection-text = \"white\"\n", "");
        let e = Theme::from_toml("x", "x.toml", &text).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("selection-text"));
        assert!(e.message.contains("missing"), "{e}");
    }

    #[test]
    fn bad_colour_is_named_with_its_value() {
        for bad in ["\"greenish\"", "\"#12345\"", "\"256\"", "3"] {
            let text = dark_text().replace("up = \"green\"", &format!("up = {bad}"));
            let e = Theme::from_toml("x", "x.toml", &text).unwrap_err();
            assert_eq!(e.key.as_deref(), Some("up"), "{bad}");
            assert_eq!(e.value.as_deref(), Some(bad));
            assert!(e.message.contains("not a colour"), "{e}");
        }
    }

    #[test]
    fn bad_file_in_a_folder_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.toml"), "up = [").unwrap();
        let e = ThemeSet::load(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(e.origin.ends_with("broken.toml"), "{e}");
        assert!(e.message.contains("not valid TOML"), "{e}");
    }

    #[test]
    fn colour_forms() {
        let text = dark_text()
            .replace("up = \"green\"", "up = \"#0a0B0c\"")
            .replace("down = \"red\"", "down = \"238\"")
            .replace("title = \"white\"", "title = \"Light Blue\"");
        let t = Theme::from_toml("x", "x.toml", &text).unwrap();
        assert_eq!(
            (t.up, t.down, t.title, t.background),
            (Color::Rgb(10, 11, 12), Color::Indexed(238), Color::LightBlue, Color::Reset)
        );
    }

    #[test]
    fn user_folder_prefers_xdg() {
        assert_eq!(user_dir(Some("/x".into()), Some("/h".into())), Some(PathBuf::from("/x/tickdesk/themes")));
        assert_eq!(user_dir(Some("rel".into()), Some("/h".into())), Some(PathBuf::from("/h/.config/tickdesk/themes")));
        assert_eq!(user_dir(None, None), None);
    }
}
