//! Running one step: its statements and its history change, as one atomic unit
//! wherever the database allows it.

use std::time::{Duration, Instant};

use crate::dialect::Statement;
use crate::driver::{Driver, ExecError, Writes};
use crate::error::{Error, Result};
use crate::history::{Record, RowState, Shape};
use crate::migration::Direction;
use crate::migration::Step;
use crate::prepared::Mode;

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

/// What the engine expects of the history table during a command: the rows
/// Strata itself has written to it since [`Driver::watch_history`].
#[derive(Debug, Default)]
pub(crate) struct Guard {
    writes: Writes,
}

impl Guard {
    /// After Strata wrote one row of the history table (`written`, counted by
    /// `count`), before the step commits: checks that nothing else wrote to
    /// it. A step that deleted, changed or added rows shows as more writes;
    /// one that dropped the table made Strata's write fail or, with the table
    /// created again, go uncounted. (A step that deleted the very row Strata
    /// then deletes leaves the history as it should be, and passes.)
    fn after_write(
        &mut self,
        driver: &mut dyn Driver,
        subject: &Subject<'_>,
        (written, count): (Result<()>, fn(&mut Writes) -> &mut u64),
        rolled_back: bool,
    ) -> Result<()> {
        let table = driver.history_table().to_string();
        let changed = |what: String| Error::HistoryChanged {
            version: subject.version,
            label: subject.label.to_owned(),
            name: subject.name.to_owned(),
            table: table.clone(),
            what,
            rolled_back,
            direction: subject.direction,
        };
        let actual = match written {
            Err(_) if driver.history_shape()? != Shape::Strata => {
                return Err(changed("the table is gone: dropped or renamed".to_owned()))
            }
            Err(error) => return Err(driver.history_writes()?.and_then(|w| self.excess(w)).map_or(error, changed)),
            Ok(()) => {
                *count(&mut self.writes) += 1;
                driver.history_writes()?
            }
        };
        match actual.and_then(|actual| self.excess(actual)) {
            None => Ok(()),
            Some(what) => Err(changed(what)),
        }
    }

    /// Strata wrote one row, counted by `count`, before a step's statements ran.
    fn wrote(&mut self, count: fn(&mut Writes) -> &mut u64) {
        *count(&mut self.writes) += 1;
    }

    /// What others wrote, when `actual` is not what Strata wrote.
    fn excess(&self, actual: Writes) -> Option<String> {
        let expected = self.writes;
        if actual == expected {
            return None;
        }
        let pairs = [
            (actual.inserted, expected.inserted, "inserted"),
            (actual.updated, expected.updated, "updated"),
            (actual.deleted, expected.deleted, "deleted"),
        ];
        // Strata's own UPDATE or DELETE finds no row when the step deleted it first.
        let parts: Vec<String> = pairs
            .iter()
            .filter(|(actual, expected, _)| actual > expected)
            .map(|(actual, expected, what)| {
                let rows = actual - expected;
                format!("{rows} row{} {what}", if rows == 1 { "" } else { "s" })
            })
            .collect();
        match parts.is_empty() {
            // Fewer writes than Strata's own: the counting triggers went with the table.
            true => Some("the table was dropped and created again".to_owned()),
            false => Some(parts.join(", ")),
        }
    }
}

fn inserted(writes: &mut Writes) -> &mut u64 {
    &mut writes.inserted
}

fn updated(writes: &mut Writes) -> &mut u64 {
    &mut writes.updated
}

fn deleted(writes: &mut Writes) -> &mut u64 {
    &mut writes.deleted
}

/// Runs `step`, whose text is `sql`, as `mode` says, and applies `change`; returns how long the step took.
pub(crate) fn run_step(
    driver: &mut dyn Driver,
    subject: &Subject<'_>,
    step: &Step,
    mode: Mode,
    sql: &str,
    change: HistoryChange<'_>,
    guard: &mut Guard,
) -> Result<Duration> {
    if mode == Mode::Recorded {
        return run_unguarded(driver, subject, step, sql, change, guard);
    }
    if step.options.foreign_keys_off {
        driver.set_foreign_keys(false)?;
    }
    let result = run_in_transaction(driver, subject, step, sql, change, guard);
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
    sql: &str,
    change: HistoryChange<'_>,
    guard: &mut Guard,
) -> Result<Duration> {
    let started = Instant::now();
    driver.begin()?;
    execute_all(driver, subject, step, sql, true)?;
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
    let written = match change {
        HistoryChange::Insert(mut record) => {
            record.execution_ms = millis(elapsed);
            (driver.insert_history(&record), inserted as fn(&mut Writes) -> &mut u64)
        }
        HistoryChange::Delete(version) => (driver.delete_history(version), deleted as _),
    };
    guard.after_write(driver, subject, written, true)?;
    // A deferred constraint fails here: name the migration, not just the database.
    driver.commit().map_err(|error| {
        let message = match error {
            // The lock went to another runner (Galera): that is the story, not the commit.
            lost @ Error::LockLost { .. } => return lost,
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
    sql: &str,
    change: HistoryChange<'_>,
    guard: &mut Guard,
) -> Result<Duration> {
    let started = Instant::now();
    let version = match &change {
        HistoryChange::Insert(record) => {
            let record = Record { state: RowState::Applying, ..record.clone() };
            driver.insert_history(&record)?;
            guard.wrote(inserted);
            record.version
        }
        HistoryChange::Delete(version) => {
            driver.set_history_state(*version, RowState::Reverting, None)?;
            guard.wrote(updated);
            *version
        }
    };
    let mut result = execute_all(driver, subject, step, sql, false);
    if result.is_ok() && driver.in_transaction() {
        let _ = driver.rollback();
        let message = "the section left a transaction open (BEGIN without COMMIT); it was rolled back";
        result = Err(failure(subject, step.file.display().to_string(), message, false));
    }
    if let Err(error) = result {
        return Err(record_failure(driver, version, error));
    }
    let elapsed = started.elapsed();
    let written = match change {
        HistoryChange::Insert(record) => (
            driver.set_history_state(record.version, RowState::Applied, Some(millis(elapsed))),
            updated as fn(&mut Writes) -> &mut u64,
        ),
        HistoryChange::Delete(version) => (driver.delete_history(version), deleted as _),
    };
    guard.after_write(driver, subject, written, false)?;
    Ok(elapsed)
}

/// The most of a failure's text the history row keeps.
const FAILURE_CHARS: usize = 4000;

/// Records in the history row of `version` why its step stopped, so that
/// `status` can show it; returns `error`. Recording is best effort: when the
/// connection is gone too, the row still says the step was interrupted.
fn record_failure(driver: &mut dyn Driver, version: u64, error: Error) -> Error {
    if let Error::Statement { location, message, ran, .. } = &error {
        let mut text = format!("{location}: {message}{}", crate::error::describe_ran(ran.as_deref()));
        // Every database's text column holds this much (MySQL's TEXT: 65,535 bytes).
        if let Some((cut, _)) = text.char_indices().nth(FAILURE_CHARS) {
            text.truncate(cut);
            text.push('…');
        }
        let _ = driver.set_history_failure(version, &text);
    }
    error
}

/// Runs every statement of `sql`, the text of `step`. In a transaction, a statement that ends it
/// (a COMMIT that slipped past the checks) stops the step: what follows must
/// not run outside the transaction that was promised.
fn execute_all(
    driver: &mut dyn Driver,
    subject: &Subject<'_>,
    step: &Step,
    sql: &str,
    in_transaction: bool,
) -> Result<()> {
    if in_transaction && driver.capabilities().whole_scripts {
        return execute_whole(driver, subject, step, sql);
    }
    // Outside a transaction, the lines of the statements that ran: they stay done.
    let mut ran = Vec::new();
    for statement in driver.dialect().statements(sql) {
        let line = step.line + statement.line - 1;
        let at = |offset| format!("{}:{}", step.file.display(), line + lines_before(&statement, offset));
        if let Err(error) = driver.execute(statement.sql) {
            let mut failed = failure(subject, at(error.offset), error, in_transaction);
            if let (false, Error::Statement { ran: done, .. }) = (in_transaction, &mut failed) {
                *done = Some(ran.into_boxed_slice());
            }
            return Err(failed);
        }
        if !in_transaction {
            ran.push(line);
        }
        if in_transaction && !driver.in_transaction() {
            let message = "this statement ended the migration's transaction, so what ran before it is committed without its history row";
            return Err(failure(subject, at(None), message, false));
        }
    }
    Ok(())
}

/// A transactional section sent whole, in one round trip. When the database
/// names no position (a constraint or another run-time error), the section
/// is rolled back and run again statement by statement in a transaction
/// that is rolled back too, to name the statement that fails.
fn execute_whole(driver: &mut dyn Driver, subject: &Subject<'_>, step: &Step, sql: &str) -> Result<()> {
    let Err(error) = driver.execute(sql) else {
        return Ok(());
    };
    let file = step.file.display();
    let line = match error.offset {
        Some(offset) => Some(step.line + lines_before(&Statement { sql, line: 1 }, Some(offset))),
        None => failing_line(driver, sql).map(|line| step.line + line - 1),
    };
    let location =
        line.map_or_else(|| format!("{file} (the section from line {})", step.line), |line| format!("{file}:{line}"));
    Err(failure(subject, location, error, true))
}

/// The line of the statement of `sql` that fails, found by running the
/// statements one by one in a transaction rolled back afterwards.
fn failing_line(driver: &mut dyn Driver, sql: &str) -> Option<usize> {
    driver.rollback().ok()?;
    driver.begin().ok()?;
    let line =
        driver.dialect().statements(sql).find(|statement| driver.execute(statement.sql).is_err()).map(|s| s.line);
    let _ = driver.rollback();
    line
}

fn failure(subject: &Subject<'_>, location: String, error: impl Into<Cause>, rolled_back: bool) -> Error {
    let Cause { message, code } = error.into();
    Error::Statement {
        version: subject.version,
        label: subject.label.to_owned(),
        name: subject.name.into(),
        location: location.into_boxed_str(),
        message: message.into_boxed_str(),
        code: code.map(String::into_boxed_str),
        rolled_back,
        direction: subject.direction,
        ran: None,
    }
}

/// What went wrong: the database's message and code, or Strata's own message.
struct Cause {
    message: String,
    code: Option<String>,
}

impl From<ExecError> for Cause {
    fn from(error: ExecError) -> Self {
        Cause { message: error.message, code: error.code }
    }
}

impl From<&str> for Cause {
    fn from(message: &str) -> Self {
        Cause { message: message.to_owned(), code: None }
    }
}

impl From<String> for Cause {
    fn from(message: String) -> Self {
        Cause { message, code: None }
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
            sql: sql.into(),
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
        let mode = if no_transaction { Mode::Recorded } else { Mode::Atomic };
        let result =
            run_step(&mut driver, &subject, &step, mode, sql, HistoryChange::Insert(record), &mut Guard::default());
        (driver, result)
    }

    #[test]
    fn a_step_that_drops_the_history_table_is_rolled_back_and_named() {
        let (mut driver, result) = apply("CREATE TABLE t (id INTEGER);\nDROP TABLE migration_history;", false);
        assert_eq!(
            result.unwrap_err().to_string(),
            "migration 001 (a) changed the history table migration_history (the table is gone: dropped or renamed); \
             it was rolled back"
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
            up_sql TEXT NOT NULL, down_sql TEXT, down_options TEXT NOT NULL DEFAULT '', failure TEXT);";
        let (_, result) = apply(&format!("DROP TABLE migration_history;\n{create}"), true);
        assert!(result.unwrap_err().to_string().ends_with(
            "(the table was dropped and created again); it ran outside a transaction, so this cannot be rolled back"
        ));
        let (_, result) = apply(&format!("DROP TABLE migration_history;\n{create}"), false);
        assert!(result
            .unwrap_err()
            .to_string()
            .ends_with("(the table was dropped and created again); it was rolled back"));
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
