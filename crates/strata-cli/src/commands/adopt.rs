use std::io::Write;

use clap::Args;
use strata::adopt::{Adopted, Adoption, FileMatch};
use strata::history::{HistoryTable, Shape, ADOPT_BACKUP};
use strata::{DatabaseUrl, SqliteTarget};

use crate::config::Settings;
use crate::confirm::Question;
use crate::failure::Failure;

/// Convert the history table of WriteBot's Python runner into Strata's
///
/// WriteBot's old runner (migrations/migrate.py) recorded applied migrations in
/// migration_history with the columns id, version, name, applied_at. adopt
/// converts that table in place, in one transaction: each recorded version keeps
/// the time it was applied; names, checksums and scripts come from the migration
/// files with those versions; the old table is kept as
/// migration_history_before_strata. It lists versions whose file is gone (status
/// shows them as missing) and files whose name differs from the recorded one.
#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// Do not ask for confirmation
    #[arg(long)]
    pub yes: bool,
}

pub fn cmd_adopt(settings: &Settings, args: &AdoptArgs) -> Result<(), Failure> {
    let url = super::database(settings, false)?;
    if let DatabaseUrl::Sqlite(SqliteTarget::File(path)) = &url {
        if !path.exists() {
            return Err(Failure::invalid(format!("there is no database at {url}; nothing to adopt"), None));
        }
    }
    let migrator = super::load_migrations(&settings.dir)?;
    // The lock first, as for every command that writes: a runner at work is
    // waited for (and named), never raced. The question is asked holding it,
    // so that nothing changes between the answer and the conversion.
    let mut db = super::open_locked(settings, &url, "adopt")?;
    let table = &settings.open.history_table;
    if db.history_shape()? == Shape::WriteBot && !args.yes {
        confirm(&url, table)?;
    }
    let adoption = migrator.adopt(db.as_mut(), &mut crate::output::Progress)?;
    let mut out = anstream::stdout().lock();
    match adoption {
        Adoption::NoTable => {
            writeln!(out, "Nothing to adopt: {url} has no {table} table; `strata up` creates Strata's.")?
        }
        Adoption::AlreadyStrata => {
            writeln!(out, "Nothing to adopt: {table} in {url} is Strata's history table already.")?
        }
        Adoption::Converted(rows) => write_converted(&mut out, &url, table, &rows)?,
    }
    Ok(())
}

fn write_converted(
    out: &mut impl Write,
    url: &DatabaseUrl,
    table: &HistoryTable,
    rows: &[Adopted],
) -> std::io::Result<()> {
    writeln!(
        out,
        "Adopted {table} in {url}: {} converted to Strata's history table; the old table is kept as {ADOPT_BACKUP}.",
        crate::output::count(rows.len(), "version")
    )?;
    let v = rows.iter().map(|row| row.label.len()).max().unwrap_or(0);
    let n = rows.iter().map(|row| row.name.len()).max().unwrap_or(0);
    for row in rows {
        writeln!(out, "  {:v$}  {:n$}  applied {}", row.label, row.name, row.applied_at)?;
    }
    let gone: Vec<&Adopted> = rows.iter().filter(|row| row.file == FileMatch::Gone).collect();
    if !gone.is_empty() {
        writeln!(out, "No file has these versions (status shows them as missing; restore the files to revert them):")?;
        for row in gone {
            writeln!(out, "  {}  {}", row.label, row.name)?;
        }
    }
    let renamed: Vec<(&Adopted, &str)> = rows
        .iter()
        .filter_map(|row| match &row.file {
            FileMatch::Renamed { recorded } => Some((row, recorded.as_str())),
            _ => None,
        })
        .collect();
    if !renamed.is_empty() {
        writeln!(out, "These files' names differ from the recorded ones (history now has the file's name):")?;
        for (row, recorded) in renamed {
            writeln!(out, "  {}  {} (recorded as {recorded})", row.label, row.name)?;
        }
    }
    Ok(())
}

/// Asks to type `yes`; refuses without a terminal to ask on.
fn confirm(url: &DatabaseUrl, table: &HistoryTable) -> Result<(), Failure> {
    crate::confirm::confirm(&Question {
        action: "adopt",
        command: "adopt",
        warning: &format!(
            "This converts {table} in {url} into Strata's history table; the old table is kept as {ADOPT_BACKUP}."
        ),
        without_asking: "pass --yes to adopt without asking (back up the database first).",
    })
}
