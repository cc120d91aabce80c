//! One file per command: its arguments (whose doc comments are its `--help`)
//! and a `cmd_*` function.

pub mod create;
pub mod down;
pub mod reset;
pub mod status;
pub mod up;

use std::path::{Path, PathBuf};

use strata::Migrator;

use crate::failure::Failure;

/// Reads the migrations folder; a missing folder is a configuration error.
pub fn load_migrations(dir: &Path) -> Result<Migrator, Failure> {
    if !dir.is_dir() {
        return Err(Failure::invalid(
            format!("the migrations folder {} does not exist", dir.display()),
            "create it (`strata create` does), or point --dir or `migrations` in strata.toml at the right folder."
                .to_owned(),
        ));
    }
    Ok(match cache_dir() {
        Some(cache_dir) => Migrator::from_dir_cached(dir, &cache_dir)?,
        None => Migrator::from_dir(dir)?,
    })
}

/// Where Strata keeps what it read from migration files, so that `status` need
/// not read 10,000 unchanged files again: `$XDG_CACHE_HOME/strata`, else
/// `~/.cache/strata`; no cache when neither is set.
fn cache_dir() -> Option<PathBuf> {
    let absolute = |path: PathBuf| path.is_absolute().then_some(path);
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .and_then(absolute)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")).and_then(absolute))?;
    Some(base.join("strata"))
}
