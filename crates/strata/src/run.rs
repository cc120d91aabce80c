//! Running one step: its statements and its history change, as one atomic unit
//! wherever the database allows it.

use std::time::{Duration, Instant};

use crate::driver::{Driver, HistoryCheck};
use crate::error::{Error, Result};
use crate::history::{Record, RowState, TABLE};
use crate::migration::Direction;
use crate::migration::Step;
use crate::split::{split, Statement};

/// What a step does to the history table when it succeeds.
pub(crate) enum HistoryChange<'a> {
    /// Applying: insert this row (its time is filled in at the end).
    Insert(Record<'a>),
    /// Reverting: delete the row of this version.
    Delete(u64),
}

/// Names the migration a step belongs to, for error messages.
pub(crate) struct Subject<'a> {
    pub version: u64,
    pub label: &'a str,
    pub name: &'a str,
    pub direction: Direction,
}

/// What the engine expects of the history table during a command: how many
/// rows Strata itself has written to it since [`Driver::watch_history`].
#[derive(Debug, Default)]
pub(crate) struct Guard {
    writes: u64,
}

impl Guard {
    /// Checks, after a step's statements ran, that they left the history table
    /// as Strata's own writes made it, with or without the step's row.
    fn verify(&self, driver: &mut dyn Driver, subject: &Subject<'_>, has_row: bool, rolled_back: bool) -> Result<()> {
        let version = subject.version;
        let what = match driver.history_check(version)? {
            HistoryCheck::Unwatched => return Ok(()),
            HistoryCheck::Gone => "the table is gone: dropped, renamed or replaced".to_owned(),
            HistoryCheck::Present { writes, .. } if writes != self.writes => {
                let rows = writes.abs_diff(self.writes);
                format!("{rows} row{} inserted, updated or deleted", if rows == 1 { "" } else { "s" })
            }
            HistoryCheck::Present { has_version, .. } if has_version != has_row => match has_row {
                true => format!("the row of version {version} is gone"),
                false => format!("a row for version {version} appeared"),
            },
            HistoryCheck::Present { .. } => return Ok(()),
        };
        Err(Error::HistoryChanged {
            version,
            label: subject.label.to_owned(),
            name: subject.name.to_owned(),
            table: TABLE.to_owned(),
            what,
            rolled_back,
            direction: subject.direction,
        })
    }

    /// Strata wrote one row of the history table.
    fn wrote(&mut self) {
        self.writes += 1;
    }
}

/// Runs `step` and applies `change`; returns how long the step took.
pub(crate) fn run_step(
    driver: &mut dyn Driver,
    subject: &Subject<'_>,
    step: &Step,
    change: HistoryChange<'_>,
    guard: &mut Guard,
) -> Result<Duration> {
    if step.options.no_transaction {
        return run_unguarded(driver, subject, step, change, guard);
    }
    if step.options.foreign_keys_off {
        driver.set_foreign_keys(false)?;
    }
    let result = run_in_transaction(driver, subject, step, change, guard);
    if result.is_err() {
        // The error that made us stop is the one worth reporting.
        let _ = driver.rollback();
    }
    if step.options.foreign_keys_off {
        driver.set_foreign_keys(true)?;
    }
    result
}

fn run_in_transaction(
    driver: &mut dyn Driver,
    subject: &Subject<'_>,
    step: &Step,
    change: HistoryChange<'_>,
    guard: &mut Guard,
) -> Result<Duration> {
    let started = Instant::now();
    driver.begin()?;
    execute_all(driver, subject, step, true)?;
    if step.options.foreign_keys_off {
        let (count, rows) = driver.foreign_key_violations()?;
        if count > 0 {
            return Err(Error::ForeignKeyViolations {
                version: subject.version,
                label: subject.label.to_owned(),
                name: subject.name.to_owned(),
                count,
                first: rows.join("; "),
            });
        }
    }
    let elapsed = started.elapsed();
    guard.verify(driver, subject, subject.direction == Direction::Down, true)?;
    match change {
        HistoryChange::Insert(mut record) => {
            record.execution_ms = millis(elapsed);
            driver.insert_history(&record)?;
        }
        HistoryChange::Delete(version) => driver.delete_history(version)?,
    }
    guard.wrote();
    // A deferred constraint fails here: name the migration, not just the database.
    driver.commit().map_err(|error| {
        let message = match error {
            Error::Database(message) => message,
            other => other.to_string(),
        };
        failure(subject, format!("{} (commit)", step.file.display()), message, true)
    })?;
    Ok(elapsed)
}

/// A `transaction:false` step: the history row says the step is under way
/// before it starts, so a crash or failure midway is never silent.
fn run_unguarded(
    driver: &mut dyn Driver,
    subject: &Subject<'_>,
    step: &Step,
    change: HistoryChange<'_>,
    guard: &mut Guard,
) -> Result<Duration> {
    let started = Instant::now();
    match &change {
        HistoryChange::Insert(record) => {
            let record = Record { state: RowState::Applying, ..record.clone() };
            driver.insert_history(&record)?;
        }
        HistoryChange::Delete(version) => driver.set_history_state(*version, RowState::Reverting, None)?,
    }
    guard.wrote();
    execute_all(driver, subject, step, false)?;
    if driver.in_transaction() {
        let _ = driver.rollback();
        let message = "the section left a transaction open (BEGIN without COMMIT); it was rolled back";
        return Err(failure(subject, step.file.display().to_string(), message, false));
    }
    guard.verify(driver, subject, true, false)?;
    let elapsed = started.elapsed();
    match change {
        HistoryChange::Insert(record) => {
            driver.set_history_state(record.version, RowState::Applied, Some(millis(elapsed)))?
        }
        HistoryChange::Delete(version) => driver.delete_history(version)?,
    }
    guard.wrote();
    Ok(elapsed)
}

/// Runs every statement of `step`. In a transaction, a statement that ends it
/// (a COMMIT that slipped past the checks) stops the step: what follows must
/// not run outside the transaction that was promised.
fn execute_all(driver: &mut dyn Driver, subject: &Subject<'_>, step: &Step, in_transaction: bool) -> Result<()> {
    for statement in split(&step.sql) {
        let at = |offset| {
            format!("{}:{}", step.file.display(), step.line + statement.line - 1 + lines_before(&statement, offset))
        };
        if let Err(error) = driver.execute(statement.sql) {
            return Err(failure(subject, at(error.offset), error.message, in_transaction));
        }
        if in_transaction && !driver.in_transaction() {
            let message = "this statement ended the migration's transaction, so what ran before it is committed without its history row";
            return Err(failure(subject, at(None), message, false));
        }
    }
    Ok(())
}

fn failure(subject: &Subject<'_>, location: String, message: impl ToString, rolled_back: bool) -> Error {
    Error::Statement {
        version: subject.version,
        label: subject.label.to_owned(),
        name: subject.name.to_owned(),
        location,
        message: message.to_string(),
        rolled_back,
        direction: subject.direction,
    }
}

/// How many lines of `statement` come before the byte `offset` the database pointed at.
fn lines_before(statement: &Statement<'_>, offset: Option<usize>) -> usize {
    let head = offset.and_then(|offset| statement.sql.get(..offset)).unwrap_or_default();
    head.matches('\n').count()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
