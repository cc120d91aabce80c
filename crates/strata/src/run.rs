//! Running one step: its statements and its history change, as one atomic unit
//! wherever the database allows it.

use std::time::{Duration, Instant};

use crate::driver::Driver;
use crate::error::{Error, Result};
use crate::history::{Record, RowState};
use crate::migration::Direction;
use crate::migration::Step;
use crate::split::{statements, Statement};

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

/// Runs `step` and applies `change`; returns how long the step took.
pub(crate) fn run_step(
    driver: &mut dyn Driver,
    subject: &Subject<'_>,
    step: &Step,
    change: HistoryChange<'_>,
) -> Result<Duration> {
    if step.options.no_transaction {
        return run_unguarded(driver, subject, step, change);
    }
    if step.options.foreign_keys_off {
        driver.set_foreign_keys(false)?;
    }
    let result = run_in_transaction(driver, subject, step, change);
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
    match change {
        HistoryChange::Insert(mut record) => {
            record.execution_ms = millis(elapsed);
            driver.insert_history(&record)?;
        }
        HistoryChange::Delete(version) => driver.delete_history(version)?,
    }
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
) -> Result<Duration> {
    let started = Instant::now();
    match &change {
        HistoryChange::Insert(record) => {
            let record = Record { state: RowState::Applying, ..record.clone() };
            driver.insert_history(&record)?;
        }
        HistoryChange::Delete(version) => driver.set_history_state(*version, RowState::Reverting, None)?,
    }
    execute_all(driver, subject, step, false)?;
    if driver.in_transaction() {
        let _ = driver.rollback();
        let message = "the section left a transaction open (BEGIN without COMMIT); it was rolled back";
        return Err(failure(subject, step.file.display().to_string(), message, false));
    }
    let elapsed = started.elapsed();
    match change {
        HistoryChange::Insert(record) => {
            driver.set_history_state(record.version, RowState::Applied, Some(millis(elapsed)))?
        }
        HistoryChange::Delete(version) => driver.delete_history(version)?,
    }
    Ok(elapsed)
}

/// Runs every statement of `step`. In a transaction, a statement that ends it
/// (a COMMIT that slipped past the checks) stops the step: what follows must
/// not run outside the transaction that was promised.
fn execute_all(driver: &mut dyn Driver, subject: &Subject<'_>, step: &Step, in_transaction: bool) -> Result<()> {
    for statement in statements(&step.sql) {
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
