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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::driver::sqlite::SqliteDriver;
    use crate::migration::StepOptions;
    use crate::url::SqliteTarget;

    /// Runs `sql` as version 1's up step, as `up` would after the checks
    /// (which refuse these statements; this is what happens if one slips past).
    fn apply(sql: &str, no_transaction: bool) -> (SqliteDriver, Result<Duration>) {
        let mut driver = SqliteDriver::open(&SqliteTarget::Memory).unwrap();
        driver.ensure_history().unwrap();
        driver.watch_history().unwrap();
        let step = Step {
            sql: sql.to_owned(),
            options: StepOptions { no_transaction, foreign_keys_off: false },
            file: PathBuf::from("001_a.sql"),
            line: 2,
        };
        let subject = Subject { version: 1, label: "001", name: "a", direction: Direction::Up };
        let record = Record {
            version: 1,
            name: "a",
            checksum: "c",
            applied_at: crate::history::utc_now(),
            execution_ms: 0,
            state: RowState::Applied,
            up_sql: sql,
            down_sql: None,
            down_options: String::new(),
        };
        let result = run_step(&mut driver, &subject, &step, HistoryChange::Insert(record), &mut Guard::default());
        (driver, result)
    }

    #[test]
    fn a_step_that_drops_the_history_table_is_rolled_back_and_named() {
        let (mut driver, result) = apply("CREATE TABLE t (id INTEGER);\nDROP TABLE migration_history;", false);
        assert_eq!(
            result.unwrap_err().to_string(),
            "migration 001 (a) changed the history table migration_history (the table is gone: dropped, renamed or \
             replaced); it was rolled back"
        );
        assert_eq!(driver.read_history().unwrap(), [], "the table is back, empty");
        let tables: i64 = driver
            .connection()
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 't'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0, "the step left no trace");
    }

    #[test]
    fn a_step_that_replaces_the_history_table_is_caught() {
        let create = "CREATE TABLE migration_history (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
            applied_at TEXT NOT NULL, execution_ms INTEGER NOT NULL, checksum TEXT NOT NULL, state TEXT NOT NULL, \
            up_sql TEXT NOT NULL, down_sql TEXT, down_options TEXT NOT NULL DEFAULT '');";
        let (_, result) = apply(&format!("DROP TABLE migration_history;\n{create}"), true);
        assert!(result.unwrap_err().to_string().ends_with(
            "(the table is gone: dropped, renamed or replaced); it ran with transaction:false, so this cannot be rolled back"
        ));
    }

    #[test]
    fn a_step_that_leaves_the_history_table_alone_commits() {
        let (mut driver, result) = apply("CREATE TABLE t (id INTEGER);", false);
        result.unwrap();
        let (mut again, result) = apply("CREATE TABLE t (id INTEGER);", true);
        result.unwrap();
        assert_eq!(driver.read_history().unwrap().len(), 1);
        assert_eq!(again.read_history().unwrap()[0].state, RowState::Applied);
    }
}
