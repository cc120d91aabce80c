use std::io::Write;

use clap::Args;
use strata::plan::Report;
use strata::{DatabaseUrl, Migrator};

use crate::config::Settings;
use crate::confirm::Question;
use crate::failure::Failure;
use crate::output::{count, duration, version_phrase};

/// Revert the newest migration, or every applied migration above VERSION, newest first
///
/// `down` reverts the newest applied migration; `down VERSION` reverts every
/// applied migration above VERSION; `down 0` reverts all, after asking (or
/// with --yes).
#[derive(Debug, Args)]
pub struct DownArgs {
    /// The version to go back to: 0 or a known version (default: the one below the newest)
    #[arg(value_name = "VERSION")]
    pub version: Option<u64>,

    /// Do not ask before `down 0` reverts everything
    #[arg(long)]
    pub yes: bool,

    /// Print one JSON document (what was reverted, the version afterwards) instead of progress lines
    #[arg(long)]
    pub json: bool,
}

pub fn cmd_down(settings: &Settings, args: &DownArgs) -> Result<(), Failure> {
    let url = super::database(settings, args.json)?;
    let migrator = super::load_migrations(&settings.dir)?;
    if args.version == Some(0) && !args.yes {
        confirm_all(&migrator, &url, &settings.open)?;
    }
    let mut db = super::open_locked(settings, &url, "down")?;
    let down = |observer: &mut dyn strata::Observer| match args.version {
        Some(version) => migrator.down(db.as_mut(), version, observer),
        None => migrator.down_newest(db.as_mut(), observer),
    };
    let Some(summary) = super::run_reported(&url, args.json, (true, false), down)? else {
        return Ok(());
    };
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

/// `down 0` with something applied: asks to type `yes`; refuses without a terminal.
/// What would refuse the revert (a migration without a down, an interrupted
/// one) is reported first, so nobody confirms a command that cannot run.
/// The history is read without the lock, so that nobody waits on a person typing.
fn confirm_all(migrator: &Migrator, url: &DatabaseUrl, options: &strata::OpenOptions) -> Result<(), Failure> {
    let Some(mut db) = strata::open_read_only(url, options)? else {
        return Ok(());
    };
    let history = db.read_history_if_exists()?.unwrap_or_default();
    let report = Report::new(migrator.migrations(), &history);
    let applied = report.plan_down(0)?.len();
    if applied == 0 {
        return Ok(());
    }
    crate::confirm::confirm(&Question {
        action: &format!("revert every applied migration ({applied})"),
        command: "down 0",
        warning: &format!("This reverts every applied migration ({applied}) in {url}."),
        without_asking: "pass --yes to revert everything without asking, or `strata down VERSION` to keep the versions up to VERSION.",
    })
}
