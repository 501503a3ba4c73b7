//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The real recorded data in `../shared/data/real`, next to the worktree.
/// When it is missing: a failure on CI (`CI=true`), a skip with a reason elsewhere.
pub fn shared_data() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real");
    if dir.join("PROVENANCE.md").is_file() {
        return Some(dir);
    }
    let msg = format!("shared data not found at {}", dir.display());
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    None
}
