use std::io::Write;

use clap::Args;

use crate::config::Settings;
use crate::failure::Failure;
use crate::output::{count, duration, version_phrase};

/// Apply pending migrations in order, each in one transaction with its history row
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Stop after this version (default: apply all pending)
    #[arg(value_name = "VERSION")]
    pub version: Option<u64>,

    /// Apply pending migrations older than the newest applied one instead of refusing
    #[arg(long)]
    pub allow_out_of_order: bool,

    /// Print one JSON document (what was applied, the version afterwards) instead of progress lines
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_up(settings: &Settings, args: &UpArgs) -> Result<(), Failure> {
    let url = super::database(settings, args.json)?;
    let migrator = super::load_migrations(&settings.dir)?;
    let mut db = super::open_locked(settings, &url, "up")?;
    let up = |observer: &mut dyn strata::Observer| {
        migrator.up(
            db.as_mut(),
            &strata::Up { target: args.version, allow_out_of_order: args.allow_out_of_order },
            observer,
        )
    };
    let Some(summary) = super::run_reported(&url, args.json, (false, true), up)? else {
        return Ok(());
    };
    let mut out = anstream::stdout().lock();
    match summary.count {
        0 if migrator.migrations().is_empty() => {
            writeln!(out, "Nothing to apply: there are no migrations in {}.", settings.dir.display())?
        }
        0 => writeln!(out, "Nothing to apply: {}.", version_phrase(&summary))?,
        n => writeln!(
            out,
            "Applied {} in {}; {}.",
            count(n, "migration"),
            duration(summary.elapsed),
            version_phrase(&summary)
        )?,
    }
    Ok(())
}
