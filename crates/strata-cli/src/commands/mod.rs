//! One file per command: its arguments (whose doc comments are its `--help`)
//! and a `cmd_*` function.

pub mod create;
pub mod down;
pub mod reset;
pub mod status;
pub mod up;

use std::path::Path;

use strata::Migrator;

use crate::config::Settings;
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

/// Opens the configured database after taking the runners' lock, saying at
/// once when another run holds it and waiting up to the lock timeout.
pub fn open_locked(settings: &Settings, command: &str) -> Result<Box<dyn strata::Driver>, Failure> {
    let request = strata::LockRequest { timeout: settings.lock_timeout, command: format!("strata {command}") };
    Ok(strata::open_locked(&settings.database()?, &request, &mut crate::output::print_waiting)?)
}
