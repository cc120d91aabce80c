use std::io::Write;

use clap::Args;

use crate::config::Settings;
use crate::failure::Failure;
use crate::output::{duration, version_phrase};

/// Revert the newest applied migration and apply it again, under one lock
///
/// For the migration being written: edit it, then `strata redo`. Refuses,
/// changing nothing, when a migration is modified, missing or interrupted,
/// as `up` does.
#[derive(Debug, Args)]
pub struct RedoArgs {
    /// Print one JSON document (what was reverted and applied, the version afterwards) instead of progress lines
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_redo(settings: &Settings, args: &RedoArgs) -> Result<(), Failure> {
    let url = super::database(settings, args.json)?;
    let migrator = super::load_migrations(&settings.dir)?;
    let mut db = super::open_locked(settings, &url, "redo")?;
    let redo = |observer: &mut dyn strata::Observer| migrator.redo(db.as_mut(), observer);
    let Some(summary) = super::run_reported(&url, args.json, (true, true), redo)? else {
        return Ok(());
    };
    let mut out = anstream::stdout().lock();
    match &summary.current {
        Some((label, name)) if summary.count > 0 => {
            writeln!(out, "Redid {label} ({name}) in {}; {}.", duration(summary.elapsed), version_phrase(&summary))?
        }
        _ => writeln!(out, "Nothing to redo: {}.", version_phrase(&summary))?,
    }
    Ok(())
}
