//! Loading and merging the configuration layers, with errors that name the key.

use super::env::{Override, overrides};
use super::{Config, DEFAULT_TOML};
use std::fmt;
use std::path::Path;
use toml::{Table, Value};

/// A configuration that cannot be used. The process exits with code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the bad value came from: a file, an environment variable, or the defaults.
    pub origin: String,
    /// Dotted key path such as `risk.max-open-orders`, when known.
    pub key: Option<String>,
    /// The offending value as written, when known.
    pub value: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration ({})", self.origin)?;
        if let Some(k) = &self.key {
            write!(f, ": key `{k}`")?;
        }
        if let Some(v) = &self.value {
            write!(f, " = {v}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Loads defaults, then `path` if given, then the process environment.
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    let file = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| ConfigError {
                origin: p.display().to_string(),
                key: None,
                value: None,
                message: format!("cannot read the file: {e}"),
            })?;
            Some((p.display().to_string(), text))
        }
        None => None,
    };
    let env = overrides(std::env::vars());
    from_layers(file.as_ref().map(|(n, t)| (n.as_str(), t.as_str())), &env)
}

/// Loads defaults, then an optional `(name, text)` file, then `env` overrides.
pub fn from_layers(file: Option<(&str, &str)>, env: &[Override]) -> Result<Config, ConfigError> {
    let mut merged = parse_table("built-in defaults", DEFAULT_TOML)?;
    let user = match file {
        Some((name, text)) => {
            let t = parse_table(name, text)?;
            merge(&mut merged, t.clone());
            Some((name, t))
        }
        None => None,
    };
    for o in env {
        set_path(&mut merged, &o.path, o.value.clone()).map_err(|message| ConfigError {
            origin: format!("environment variable {}", o.var),
            key: Some(o.path.join(".")),
            value: Some(o.value.to_string()),
            message,
        })?;
    }
    let root = Value::Table(merged);
    let config = deserialize(&root, user.as_ref(), env)?;
    config.ui.check().map_err(|(key, value, message)| {
        let segments: Vec<String> = key.split('.').map(str::to_string).collect();
        ConfigError { origin: origin_of(&segments, user.as_ref(), env), key: Some(key), value: Some(value), message }
    })?;
    Ok(config)
}

/// Where the value at `segments` came from: the last env override touching
/// it, else the user file if it sets it, else the defaults.
fn origin_of(segments: &[String], user: Option<&(&str, Table)>, env: &[Override]) -> String {
    env.iter()
        .rev()
        .find(|o| segments.starts_with(&o.path) || o.path.starts_with(segments))
        .map(|o| format!("environment variable {}", o.var))
        .or_else(|| {
            user.filter(|(_, t)| lookup(&Value::Table(t.clone()), segments).is_some()).map(|(n, _)| n.to_string())
        })
        .unwrap_or_else(|| user.map_or("built-in defaults".to_string(), |(n, _)| n.to_string()))
}

fn deserialize(root: &Value, user: Option<&(&str, Table)>, env: &[Override]) -> Result<Config, ConfigError> {
    serde_path_to_error::deserialize::<_, Config>(root.clone()).map_err(|e| {
        let key = e.path().to_string();
        let segments: Vec<String> = e
            .path()
            .iter()
            .filter_map(|seg| match seg {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        let origin = origin_of(&segments, user, env);
        let value = lookup(root, &segments).map(|v| v.to_string());
        ConfigError {
            origin,
            key: (key != "." && !key.is_empty()).then_some(key),
            value,
            message: clean(&e.into_inner().to_string()),
        }
    })
}

/// The toml deserializer appends "in `path`" lines; the key is reported already.
fn clean(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("in `")).collect::<Vec<_>>().join(" ")
}

fn parse_table(origin: &str, text: &str) -> Result<Table, ConfigError> {
    text.parse::<Table>().map_err(|e| ConfigError {
        origin: origin.to_string(),
        key: None,
        value: None,
        message: format!("not valid TOML: {}", e.to_string().trim()),
    })
}

/// Deep-merges `over` into `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut Table, over: Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn set_path(root: &mut Table, path: &[String], value: Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("empty key".into());
    };
    let mut t = root;
    for p in parents {
        // A missing section is created: the strict deserializer then names
        // any key that does not exist.
        t = match t.entry(p.clone()).or_insert_with(|| Value::Table(Table::new())) {
            Value::Table(inner) => inner,
            _ => return Err(format!("`{p}` is not a section")),
        };
    }
    t.insert(last.clone(), value);
    Ok(())
}

fn lookup<'a>(root: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut v = root;
    for p in path {
        v = match v {
            Value::Table(t) => t.get(p)?,
            Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ConfigError {
        from_layers(Some(("test.toml", text)), &[]).expect_err("should be refused")
    }

    #[test]
    fn wrong_type_names_key_value_and_expectation() {
        let e = err("[engine]\nbatch-size = \"many\"\n");
        assert_eq!(e.key.as_deref(), Some("engine.batch-size"));
        assert_eq!(e.value.as_deref(), Some("\"many\""));
        assert!(e.message.contains("expected"), "{e}");
        assert_eq!(e.origin, "test.toml");
    }

    #[test]
    fn unknown_key_is_named() {
        let e = err("[engine]\nbatchsize = 3\n");
        assert!(e.to_string().contains("batchsize"), "{e}");
    }

    #[test]
    fn bad_toml_is_reported() {
        let e = err("[engine\n");
        assert!(e.message.contains("not valid TOML"), "{e}");
    }

    #[test]
    fn env_overrides_win_and_are_named_on_error() {
        let env = overrides(vec![("TICKDESK_ENGINE__BATCH_SIZE".to_string(), "7".to_string())]);
        let c = from_layers(None, &env).unwrap();
        assert_eq!(c.engine.batch_size, 7);
        let env = overrides(vec![("TICKDESK_ENGINE__BATCH_SIZE".to_string(), "x".to_string())]);
        let e = from_layers(None, &env).unwrap_err();
        assert_eq!(e.origin, "environment variable TICKDESK_ENGINE__BATCH_SIZE");
        let env = overrides(vec![("TICKDESK_NOPE__X".to_string(), "1".to_string())]);
        let e = from_layers(None, &env).unwrap_err();
        assert!(e.message.contains("unknown field `nope`"), "{e}");
        assert_eq!(e.origin, "environment variable TICKDESK_NOPE__X");
    }

    #[test]
    fn ui_section_defaults_and_overrides() {
        let c = from_layers(None, &[]).unwrap();
        assert_eq!(c.ui.fps, 30);
        assert_eq!(c.ui.theme, "dark");
        assert!(!c.ui.flatten_on_kill);
        assert!(c.ui.keys.is_empty());
        let c = from_layers(Some(("t", "[ui]\nfps = 60\n[ui.keys]\nbuy = [\"B\"]\nquit = [\"q\", \"ctrl-c\"]\n")), &[])
            .unwrap();
        assert_eq!(c.ui.fps, 60);
        assert_eq!(c.ui.key_map().unwrap().bindings()[14], (crate::ui::action::Action::Buy, "B".to_string()));
    }

    #[test]
    fn ui_keys_errors_name_the_key_path_and_value() {
        let e = err("[ui.keys]\nbuyy = [\"b\"]\n");
        assert_eq!(e.key.as_deref(), Some("ui.keys.buyy"));
        assert!(e.message.contains("unknown action; expected one of"), "{e}");
        assert_eq!(e.origin, "test.toml");
        let e = err("[ui.keys]\nbuy = [\"ctrl-foo\"]\n");
        assert_eq!(e.key.as_deref(), Some("ui.keys.buy"));
        assert!(e.to_string().contains("\"ctrl-foo\" is not a key"), "{e}");
        let e = err("[ui.keys]\nbuy = [\"s\"]\n");
        assert!(e.message.contains("buy") && e.message.contains("sell"), "{e}");
        let e = err("[ui]\nfps = 0\n");
        assert_eq!(e.key.as_deref(), Some("ui.fps"));
        assert_eq!(e.value.as_deref(), Some("0"));
        let e = err("[ui]\nfps = 241\n");
        assert!(e.message.contains("1..=240"), "{e}");
        let e = err("[ui]\ncolour = 1\n");
        assert!(e.to_string().contains("colour"), "{e}");
    }

    #[test]
    fn ui_env_overrides() {
        let env = overrides(vec![
            ("TICKDESK_UI__FPS".to_string(), "120".to_string()),
            ("TICKDESK_UI__KEYS__CANCEL_ALL".to_string(), "[\"X\"]".to_string()),
        ]);
        let c = from_layers(None, &env).unwrap();
        assert_eq!(c.ui.fps, 120);
        assert_eq!(c.ui.keys.get("cancel-all"), Some(&vec!["X".to_string()]));
        let env = overrides(vec![("TICKDESK_UI__KEYS__SELL".to_string(), "[\"b\"]".to_string())]);
        let e = from_layers(None, &env).unwrap_err();
        assert_eq!(e.origin, "environment variable TICKDESK_UI__KEYS__SELL");
        assert_eq!(e.key.as_deref(), Some("ui.keys.sell"));
    }

    #[test]
    fn file_merges_over_defaults() {
        let c = from_layers(Some(("t", "[headless]\nduration = \"5s\"\n")), &[]).unwrap();
        assert_eq!(c.headless.duration, "5s");
        assert_eq!(c.headless.status_interval_secs, 5);
    }
}
