use std::io::Write;

use clap::Args;
use strata::history::RowState;
use strata::{Repaired, Resolution};

use crate::config::Settings;
use crate::failure::Failure;

/// Record an interrupted migration as applied or not, after finishing or undoing it by hand
///
/// A transaction:false step that fails or is killed midway leaves its
/// migration interrupted (status shows it), and up, down and redo refuse until
/// you have looked. Finish the migration by hand, then run
/// `strata repair VERSION --applied`; or undo what it did, then
/// `strata repair VERSION --reverted`. repair runs no SQL of the migration: it
/// only changes its history row, under the lock. A version that is not
/// interrupted is refused unless --force is given.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("resolution").required(true).args(["applied", "reverted"]))]
pub struct RepairArgs {
    /// The interrupted migration's version
    #[arg(value_name = "VERSION")]
    pub version: u64,

    /// Its changes are in the database: record it as applied (keeping its recorded scripts and checksum)
    #[arg(long)]
    pub applied: bool,

    /// Its changes are not in the database: delete its history row, so `up` applies it again
    #[arg(long)]
    pub reverted: bool,

    /// Also for a version that is not interrupted: with --reverted, delete an applied migration's row
    /// without running its down script; with --applied, record a pending migration as applied from its
    /// file without running its up script
    #[arg(long)]
    pub force: bool,

    /// Print one JSON document (the version, its history row's state before and after) instead of a line
    #[arg(long)]
    pub json: bool,
}

/// The document `repair --json` prints: the states are the history row's
/// (`applying`, `reverting`, `applied`), `null` when there is no row.
#[derive(Debug, serde::Serialize)]
struct RepairJson<'a> {
    database: String,
    version: u64,
    label: &'a str,
    name: &'a str,
    was: Option<&'static str>,
    now: Option<&'static str>,
    changed: bool,
}

pub fn cmd_repair(settings: &Settings, args: &RepairArgs) -> Result<(), Failure> {
    let url = super::database(settings, args.json)?;
    let migrator = super::load_migrations(&settings.dir)?;
    let resolution = if args.applied { Resolution::Applied } else { Resolution::Reverted };
    let mut db = super::open_locked(settings, &url, "repair")?;
    let repaired = migrator.repair(db.as_mut(), args.version, resolution, args.force, &mut crate::output::Progress)?;
    let mut out = anstream::stdout().lock();
    if args.json {
        let document = RepairJson {
            database: url.to_string(),
            version: repaired.version,
            label: &repaired.label,
            name: &repaired.name,
            was: repaired.was.map(RowState::as_str),
            now: (resolution == Resolution::Applied).then_some(RowState::Applied.as_str()),
            changed: repaired.changed,
        };
        writeln!(out, "{}", serde_json::to_string(&document).map_err(std::io::Error::other)?)?;
    } else {
        writeln!(out, "{}", describe(&repaired))?;
    }
    Ok(())
}

/// `Recorded 012 (add_audit_triggers) as applied (it was interrupted while applying).`
fn describe(repaired: &Repaired) -> String {
    let Repaired { label, name, resolution, was, changed, .. } = repaired;
    let recorded = match resolution {
        Resolution::Applied => "applied",
        Resolution::Reverted => "not applied",
    };
    if !changed {
        let already = match was {
            Some(_) => "is recorded as applied already",
            None => "has no history row, so it is recorded as not applied already",
        };
        return format!("Nothing to repair: {label} ({name}) {already}.");
    }
    let why = match was {
        Some(RowState::Applying) => "it was interrupted while applying",
        Some(RowState::Reverting) => "it was interrupted while reverting",
        Some(RowState::Applied) => "it was applied; its down script did not run",
        None => "it had no history row; its up script did not run",
    };
    format!("Recorded {label} ({name}) as {recorded} ({why}).")
}
