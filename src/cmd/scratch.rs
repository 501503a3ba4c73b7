//! Scratch directories: a run's working files under the system's temporary
//! directory, removed with everything in them when the run is done,
//! however it ends.

use super::RunError;
use std::path::{Path, PathBuf};

/// `$TMPDIR/tickdesk-<what>-<pid>`, removed when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn create(what: &str) -> Result<Self, RunError> {
        let p = std::env::temp_dir().join(format!("tickdesk-{what}-{}", std::process::id()));
        // A directory of that name is a leftover of a killed run with the same id.
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).map_err(|e| RunError::Runtime(format!("{}: {e}", p.display())))?;
        Ok(Self(p))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
