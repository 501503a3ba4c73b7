//! Environment overrides: `TICKDESK_<SECTION>__<KEY>=<value>`.
//!
//! `__` separates path segments; single underscores become dashes, so
//! `TICKDESK_RISK__MAX_OPEN_ORDERS=5` sets `risk.max-open-orders`. The value
//! is read as a TOML literal when it is one (`5`, `true`, `["1s","1m"]`),
//! otherwise as a string.

/// One override: where it came from, the key path, and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub var: String,
    pub path: Vec<String>,
    pub value: toml::Value,
}

/// The overrides found in `vars` (normally `std::env::vars()`).
pub fn overrides(vars: impl IntoIterator<Item = (String, String)>) -> Vec<Override> {
    let mut out: Vec<Override> = vars
        .into_iter()
        .filter_map(|(var, raw)| {
            let rest = var.strip_prefix("TICKDESK_")?;
            if !rest.contains("__") {
                return None;
            }
            let path = rest.split("__").map(|s| s.to_ascii_lowercase().replace('_', "-")).collect();
            Some(Override { value: literal(&raw), path, var })
        })
        .collect();
    out.sort_by(|a, b| a.var.cmp(&b.var));
    out
}

fn literal(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_and_literals() {
        let o = overrides(vec![
            ("TICKDESK_RISK__MAX_OPEN_ORDERS".to_string(), "5".to_string()),
            ("TICKDESK_LOG__LEVEL".to_string(), "debug".to_string()),
            ("TICKDESK_IGNORED".to_string(), "x".to_string()),
            ("HOME".to_string(), "/root".to_string()),
        ]);
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].path, vec!["log", "level"]);
        assert_eq!(o[0].value, toml::Value::String("debug".into()));
        assert_eq!(o[1].path, vec!["risk", "max-open-orders"]);
        assert_eq!(o[1].value, toml::Value::Integer(5));
    }
}
