use std::io::Write;

use clap::Args;

use crate::config::Settings;
use crate::failure::Failure;
use crate::output::{count, duration, version_phrase, Progress};

/// Revert every applied migration above VERSION, newest first (`down 0` reverts all)
#[derive(Debug, Args)]
pub struct DownArgs {
    /// The version to go back to: 0 or a known version
    #[arg(value_name = "VERSION")]
    pub version: u64,
}

pub fn cmd_down(settings: &Settings, args: &DownArgs) -> Result<(), Failure> {
    let migrator = super::load_migrations(&settings.dir)?;
    let mut db = super::open_locked(settings, "down")?;
    let summary = migrator.down(db.as_mut(), args.version, &mut Progress)?;
    let mut out = anstream::stdout().lock();
    match summary.count {
        0 => writeln!(out, "Nothing to revert: {}.", version_phrase(&summary))?,
        n => writeln!(
            out,
            "Reverted {} in {}; {}.",
            count(n, "migration"),
            duration(summary.elapsed),
            version_phrase(&summary)
        )?,
    }
    Ok(())
}
