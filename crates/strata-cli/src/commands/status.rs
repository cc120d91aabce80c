use std::io::Write;

use clap::Args;
use serde::Serialize;
use strata::history::Applied;
use strata::plan::{Report, State};
use strata::DatabaseUrl;

use crate::config::Settings;
use crate::failure::Failure;
use crate::output::{state_style, BOLD, DIM};

/// Show every migration known from files or history, with its state
///
/// States: applied; pending; modified (applied, but the file's up script has
/// changed); missing (applied, file gone); out-of-order (pending, but older
/// than the newest applied); interrupted (a transaction:false step that never
/// finished).
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print one JSON document instead of a table
    #[arg(long)]
    pub json: bool,

    /// Exit with code 4 when anything is pending, out-of-order, modified, missing or interrupted (for CI)
    #[arg(long)]
    pub exit_code: bool,
}

pub fn cmd_status(settings: &Settings, args: &StatusArgs) -> Result<(), Failure> {
    with_report(settings, args.json, |url, report| {
        let mut out = crate::output::buffered_stdout();
        if args.json {
            writeln!(out, "{}", to_json(url, report).map_err(std::io::Error::other)?)?;
        } else {
            write_table(&mut out, report)?;
            writeln!(out, "{}", summary_line(report))?;
        }
        out.flush()?;
        match args.exit_code && !is_up_to_date(report) {
            true => Err(Failure::exit(crate::failure::NOT_UP_TO_DATE)),
            false => Ok(()),
        }
    })
}

/// Names the database (unless `json`), reads the migrations and the
/// database's history, and hands `work` their comparison. When a runner at
/// work keeps even readers out, the migration files are still listed.
pub fn with_report<T>(
    settings: &Settings,
    json: bool,
    work: impl FnOnce(&DatabaseUrl, &Report<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let url = super::database(settings, json)?;
    let migrator = super::load_migrations(&settings.dir)?;
    let history = match read_history(&url, &settings.open)? {
        History::Read(history) => history,
        History::Busy(failure) => {
            if !json {
                write_files(&mut crate::output::buffered_stdout(), migrator.migrations())?;
            }
            return Err(failure);
        }
    };
    work(&url, &Report::new(migrator.migrations(), &history))
}

/// Whether every known migration is applied as its file says.
pub fn is_up_to_date(report: &Report<'_>) -> bool {
    report.entries.iter().all(|entry| entry.state == State::Applied)
}

/// The history, or why a runner at work keeps it from being read now.
enum History {
    Read(Vec<Applied>),
    Busy(Failure),
}

/// The database's history, read without writing anything and without
/// waiting for a runner at work: notes on stderr say when a runner is at
/// work, or when there is no database or no history table yet (every
/// migration is then pending).
fn read_history(url: &DatabaseUrl, options: &strata::OpenOptions) -> Result<History, Failure> {
    let mut err = anstream::stderr();
    let at_work = |err: &mut dyn Write, holder: &strata::Holder| {
        writeln!(err, "A strata run is at work on {url}: {holder}; showing what it has committed so far.")
    };
    // SQLite's lock file is probed before opening; a server is asked once connected.
    let runner = strata::runner_at_work(url)?;
    if let Some(holder) = &runner {
        at_work(&mut err, holder)?;
    }
    let busy = |error: strata::Error| match &runner {
        Some(holder) => Ok(History::Busy(Failure::failed(
            format!("cannot read {url} while {holder} writes to it: {error}"),
            "run `strata status` again when that run has finished.".to_owned(),
        ))),
        None => Err(Failure::from(error)),
    };
    let db = match strata::open_read_only(url, options) {
        Ok(db) => db,
        Err(error) => return busy(error),
    };
    let Some(mut db) = db else {
        writeln!(err, "{url} does not exist yet; every migration is pending.")?;
        return Ok(History::Read(Vec::new()));
    };
    if runner.is_none() {
        if let Some(holder) = db.lock_holder()? {
            at_work(&mut err, &holder)?;
        }
    }
    match db.read_history_if_exists() {
        Ok(Some(history)) => Ok(History::Read(history)),
        Ok(None) => {
            writeln!(err, "{url} has no {} table yet; every migration is pending.", options.history_table)?;
            Ok(History::Read(Vec::new()))
        }
        Err(error) => busy(error),
    }
}

/// The migration files alone, when their states cannot be read.
fn write_files(out: &mut impl Write, migrations: &[strata::Migration]) -> std::io::Result<()> {
    if migrations.is_empty() {
        return Ok(());
    }
    let width = migrations.iter().map(|m| m.label.len()).max().unwrap_or(0).max("Version".len());
    writeln!(out, "{BOLD}{:width$}  Name (state unknown until the history can be read){BOLD:#}", "Version")?;
    for migration in migrations {
        writeln!(out, "{:width$}  {}", migration.label, migration.name)?;
    }
    out.flush()
}

const STATES: [State; 6] =
    [State::Applied, State::Pending, State::Modified, State::Missing, State::OutOfOrder, State::Interrupted];

fn write_table(out: &mut impl Write, report: &Report<'_>) -> std::io::Result<()> {
    if report.entries.is_empty() {
        return Ok(());
    }
    let width = |header: &str, cell: &dyn Fn(&strata::plan::Entry<'_>) -> usize| {
        report.entries.iter().map(cell).max().unwrap_or(0).max(header.len())
    };
    let (v, n, s) = (
        width("Version", &|e| e.label.len()),
        width("Name", &|e| e.name.len()),
        width("State", &|e| e.state.as_str().len()),
    );
    writeln!(out, "{BOLD}{:v$}  {:n$}  {:s$}  Applied at (UTC){BOLD:#}", "Version", "Name", "State")?;
    for entry in &report.entries {
        let style = state_style(entry.state);
        let state = entry.state.as_str();
        match entry.applied {
            Some(row) => {
                writeln!(out, "{:v$}  {:n$}  {style}{state:s$}{style:#}  {}", entry.label, entry.name, row.applied_at)?
            }
            None => writeln!(out, "{:v$}  {:n$}  {style}{state}{style:#}", entry.label, entry.name)?,
        }
        if let (State::Interrupted, Some(failure)) = (entry.state, entry.applied.and_then(|r| r.failure.as_deref())) {
            writeln!(out, "{:v$}  {DIM}stopped at {}{DIM:#}", "", failure.replace('\n', " "))?;
        }
    }
    writeln!(out)
}

fn summary_line(report: &Report<'_>) -> String {
    let current =
        report.current().map_or_else(|| "none".to_owned(), |entry| format!("{} ({})", entry.label, entry.name));
    let counts: Vec<String> = STATES
        .iter()
        .filter(|&&state| matches!(state, State::Applied | State::Pending) || report.count(state) > 0)
        .map(|&state| format!("{} {}", report.count(state), state.as_str()))
        .collect();
    format!("{BOLD}Current version:{BOLD:#} {current}  {DIM}|{DIM:#} {}", counts.join(", "))
}

/// `status --json`: fields in this order, so the document reads like the table.
#[derive(Serialize)]
struct StatusJson<'a> {
    /// The database, password redacted.
    database: String,
    current_version: Option<u64>,
    counts: Counts,
    migrations: Vec<MigrationJson<'a>>,
}

#[derive(Serialize)]
struct Counts {
    applied: usize,
    pending: usize,
    modified: usize,
    missing: usize,
    out_of_order: usize,
    interrupted: usize,
}

#[derive(Serialize)]
struct MigrationJson<'a> {
    version: u64,
    label: &'a str,
    name: &'a str,
    state: State,
    applied_at: Option<&'a str>,
    execution_ms: Option<u64>,
    /// The file's checksum, or the applied one when the file is gone.
    checksum: Option<&'a str>,
    /// Why an interrupted step stopped, when it could say.
    failure: Option<&'a str>,
}

fn to_json(url: &DatabaseUrl, report: &Report<'_>) -> serde_json::Result<String> {
    let migrations = report
        .entries
        .iter()
        .map(|entry| MigrationJson {
            version: entry.version,
            label: &entry.label,
            name: &entry.name,
            state: entry.state,
            applied_at: entry.applied.map(|row| row.applied_at.as_str()),
            execution_ms: entry.applied.map(|row| row.execution_ms),
            checksum: entry.migration.map(|m| m.checksum.as_str()).or(entry.applied.map(|row| row.checksum.as_str())),
            failure: entry.applied.and_then(|row| row.failure.as_deref()),
        })
        .collect();
    let counts = Counts {
        applied: report.count(State::Applied),
        pending: report.count(State::Pending),
        modified: report.count(State::Modified),
        missing: report.count(State::Missing),
        out_of_order: report.count(State::OutOfOrder),
        interrupted: report.count(State::Interrupted),
    };
    let current_version = report.current().map(|entry| entry.version);
    let document = StatusJson { database: url.to_string(), current_version, counts, migrations };
    serde_json::to_string(&document)
}
