//! One file per command: its arguments (whose doc comments are its `--help`)
//! and a `cmd_*` function.

pub mod adopt;
pub mod check;
pub mod create;
pub mod down;
pub mod redo;
pub mod reset;
pub mod status;
pub mod up;

use std::path::Path;

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
    Ok(Migrator::from_dir(dir)?)
}
