//! `repair`: settling the history row of a migration that a `transaction:false`
//! step left unfinished (state `applying` or `reverting`, which the planner
//! shows as interrupted), once a person has finished or undone it by hand.
//! Nothing runs; only that one history row changes, through the [`Driver`]
//! trait, so every database gets it.
//!
//! The rules (one pure function, unit-tested below): an interrupted row
//! becomes `applied` ([`Resolution::Applied`]) or is deleted
//! ([`Resolution::Reverted`]). A version that is not interrupted is
//! refused unless forced: forcing deletes an applied row without running its
//! down script, or inserts a row for a version that is not in history, as
//! applied from its file, without running its up script. A version whose
//! history already records the resolution is left alone.

use crate::driver::Driver;
use crate::error::{Error, Result};
use crate::history::{utc_now, Record, RowState};
use crate::migration::Migration;
use crate::plan::{Report, State};

/// What the person who looked found: the migration's changes are in the
/// database, or they are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Its changes are in the database: history records it as applied.
    Applied,
    /// Its changes are not in the database: history has no row for it.
    Reverted,
}

/// What `repair` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    pub version: u64,
    /// The version as written in its file name, or zero-padded like the files.
    pub label: String,
    pub name: String,
    pub resolution: Resolution,
    /// The history row's state before; `None` when history had no row for the version.
    pub was: Option<RowState>,
    /// Whether history changed; `false` when it recorded `resolution` already.
    pub changed: bool,
}

/// The one history change a repair makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// None: history records the resolution already.
    Nothing,
    /// The row's state becomes `applied`; name, checksum, scripts and execution time stay.
    MarkApplied,
    /// The row is deleted.
    Delete,
    /// A row is inserted as applied, from the migration's file.
    InsertFromFile,
}

/// Why a repair is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The version is not interrupted, and only `force` changes its row.
    NotInterrupted,
    /// Neither history nor a file knows the version.
    Unknown,
}

/// The change settling a version whose history row is in state `was` (`None`:
/// no row) and which has a file or not, as `resolution` says. Pure.
pub(crate) fn rule(
    was: Option<RowState>,
    has_file: bool,
    resolution: Resolution,
    force: bool,
) -> Result<Change, Refusal> {
    use Resolution::{Applied, Reverted};
    match (was, resolution) {
        (None, _) if !has_file => Err(Refusal::Unknown),
        (Some(RowState::Applying | RowState::Reverting), Applied) => Ok(Change::MarkApplied),
        (Some(RowState::Applying | RowState::Reverting), Reverted) => Ok(Change::Delete),
        (Some(RowState::Applied), Applied) | (None, Reverted) => Ok(Change::Nothing),
        _ if !force => Err(Refusal::NotInterrupted),
        (Some(RowState::Applied), Reverted) => Ok(Change::Delete),
        (None, Applied) => Ok(Change::InsertFromFile),
    }
}

/// Settles `version` as `resolution` says; see the module documentation.
/// The caller holds the lock. `migrations` are sorted by version.
pub(crate) fn repair(
    driver: &mut dyn Driver,
    migrations: &[Migration],
    version: u64,
    resolution: Resolution,
    force: bool,
) -> Result<Repaired> {
    // Read without creating the table: a refused repair leaves the database as it was.
    let history = driver.read_history_if_exists()?.unwrap_or_default();
    let report = Report::new(migrations, &history);
    let entry = report.find(version)?;
    let was = entry.applied.map(|row| row.state);
    let change = rule(was, entry.migration.is_some(), resolution, force).map_err(|refusal| match refusal {
        Refusal::NotInterrupted => Error::RepairRefused {
            version,
            label: entry.label.clone(),
            name: entry.name.clone(),
            state: entry.state,
            resolution,
        },
        // `find` refused an unknown version already.
        Refusal::Unknown => Error::UnknownVersion { version, known: "neither history nor a file has it".to_owned() },
    })?;
    match (change, entry.migration) {
        (Change::MarkApplied, _) => {
            // A table made before the `failure` column gains it first (the update clears it).
            driver.ensure_history()?;
            driver.set_history_state(version, RowState::Applied, None)?
        }
        (Change::Delete, _) => driver.delete_history(version)?,
        (Change::InsertFromFile, Some(migration)) => record_applied(driver, migration)?,
        (Change::InsertFromFile, None) | (Change::Nothing, _) => {}
    }
    Ok(Repaired {
        version,
        label: entry.label.clone(),
        name: entry.name.clone(),
        resolution,
        was,
        changed: change != Change::Nothing,
    })
}

/// Inserts `migration`'s row as applied now, with its file's scripts, as if
/// `up` had run it in no time.
fn record_applied(driver: &mut dyn Driver, migration: &Migration) -> Result<()> {
    let (up_sql, down_sql) = migration.scripts()?;
    driver.ensure_history()?;
    driver.insert_history(&Record {
        version: migration.version,
        name: &migration.name,
        checksum: &migration.checksum,
        applied_at: utc_now(),
        execution_ms: 0,
        state: RowState::Applied,
        up_sql: &up_sql,
        down_sql: down_sql.as_deref(),
        down_options: migration.down.as_ref().map(|step| step.options.to_marker_text()).unwrap_or_default(),
    })
}

/// The message of [`Error::RepairRefused`]: the version's state, and what `--force` would do.
pub(crate) fn describe_refusal(label: &str, name: &str, state: State, resolution: Resolution) -> String {
    let forced = match resolution {
        Resolution::Reverted => "delete its history row without running its down script",
        Resolution::Applied => "record it as applied without running its up script",
    };
    format!("{label} ({name}) is {}, not interrupted; --force would {forced}; nothing was changed", state.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::sqlite::SqliteDriver;
    use crate::history::Applied;
    use crate::url::SqliteTarget;
    use Resolution::{Applied as A, Reverted as R};

    #[test]
    fn an_interrupted_row_is_marked_applied_or_deleted_without_force() {
        for was in [RowState::Applying, RowState::Reverting] {
            for force in [false, true] {
                assert_eq!(rule(Some(was), true, A, force), Ok(Change::MarkApplied));
                assert_eq!(rule(Some(was), true, R, force), Ok(Change::Delete));
                // The file may be gone: history holds what ran.
                assert_eq!(rule(Some(was), false, A, force), Ok(Change::MarkApplied));
                assert_eq!(rule(Some(was), false, R, force), Ok(Change::Delete));
            }
        }
    }

    #[test]
    fn what_history_records_already_is_left_alone() {
        for (has_file, force) in [(true, false), (false, false), (true, true)] {
            assert_eq!(rule(Some(RowState::Applied), has_file, A, force), Ok(Change::Nothing));
        }
        assert_eq!(rule(None, true, R, false), Ok(Change::Nothing));
        assert_eq!(rule(None, true, R, true), Ok(Change::Nothing));
    }

    #[test]
    fn a_version_that_is_not_interrupted_changes_only_with_force() {
        assert_eq!(rule(Some(RowState::Applied), true, R, false), Err(Refusal::NotInterrupted));
        assert_eq!(rule(Some(RowState::Applied), false, R, false), Err(Refusal::NotInterrupted));
        assert_eq!(rule(Some(RowState::Applied), true, R, true), Ok(Change::Delete));
        assert_eq!(rule(None, true, A, false), Err(Refusal::NotInterrupted));
        assert_eq!(rule(None, true, A, true), Ok(Change::InsertFromFile));
    }

    #[test]
    fn a_version_neither_history_nor_a_file_knows_is_unknown_even_forced() {
        for (resolution, force) in [(A, false), (A, true), (R, false), (R, true)] {
            assert_eq!(rule(None, false, resolution, force), Err(Refusal::Unknown));
        }
    }

    #[test]
    fn the_refusal_names_the_state_and_what_force_would_do() {
        assert_eq!(
            describe_refusal("003", "c", State::Applied, R),
            "003 (c) is applied, not interrupted; --force would delete its history row without running its down \
             script; nothing was changed"
        );
        assert_eq!(
            describe_refusal("004", "d", State::Pending, A),
            "004 (d) is pending, not interrupted; --force would record it as applied without running its up script; \
             nothing was changed"
        );
    }

    const SQL: &str = "-- migrate:up transaction:false\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n";

    /// A database where version 1 stopped midway in `state`, with version 2's file pending.
    fn interrupted(state: RowState) -> (SqliteDriver, Vec<Migration>) {
        let files = [("001_t.sql", SQL), ("002_u.sql", "-- migrate:up\nCREATE TABLE u (id INTEGER);\n")];
        let migrations = crate::source::load_files(files.map(|(n, t)| (n.to_owned(), t.to_owned()))).unwrap();
        let mut driver = SqliteDriver::open(&SqliteTarget::Memory).unwrap();
        driver.ensure_history().unwrap();
        let record = Record {
            version: 1,
            name: "t",
            checksum: "sum",
            applied_at: "2026-01-01 00:00:00".to_owned(),
            execution_ms: 7,
            state,
            up_sql: "CREATE TABLE t (id INTEGER);",
            down_sql: Some("DROP TABLE t;"),
            down_options: String::new(),
        };
        driver.insert_history(&record).unwrap();
        (driver, migrations)
    }

    fn rows(driver: &mut SqliteDriver) -> Vec<Applied> {
        driver.read_history().unwrap()
    }

    #[test]
    fn marking_applied_keeps_the_recorded_row() {
        let (mut driver, migrations) = interrupted(RowState::Applying);
        let repaired = repair(&mut driver, &migrations, 1, A, false).unwrap();
        assert_eq!((repaired.label.as_str(), repaired.was, repaired.changed), ("001", Some(RowState::Applying), true));
        let row = &rows(&mut driver)[0];
        assert_eq!(
            (row.state, row.checksum.as_str(), row.execution_ms, row.applied_at.as_str(), row.has_down),
            (RowState::Applied, "sum", 7, "2026-01-01 00:00:00", true)
        );
    }

    #[test]
    fn reverted_deletes_the_row_and_a_second_repair_has_nothing_to_do() {
        let (mut driver, migrations) = interrupted(RowState::Reverting);
        assert!(repair(&mut driver, &migrations, 1, R, false).unwrap().changed);
        assert_eq!(rows(&mut driver), []);
        let again = repair(&mut driver, &migrations, 1, R, false).unwrap();
        assert_eq!((again.was, again.changed), (None, false));
    }

    #[test]
    fn forcing_a_pending_version_records_it_from_its_file() {
        let (mut driver, migrations) = interrupted(RowState::Applied);
        let refused = repair(&mut driver, &migrations, 2, A, false).unwrap_err();
        assert!(matches!(refused, Error::RepairRefused { state: State::Pending, .. }), "{refused}");
        assert_eq!(rows(&mut driver).len(), 1, "a refusal changes nothing");
        assert!(repair(&mut driver, &migrations, 2, A, true).unwrap().changed);
        let row = &rows(&mut driver)[1];
        assert_eq!((row.version, row.name.as_str(), row.state), (2, "u", RowState::Applied));
        assert_eq!(row.checksum, migrations[1].checksum);
        assert!(driver.connection().prepare("SELECT * FROM u").is_err(), "its up script did not run");
    }

    #[test]
    fn an_unknown_version_is_named_with_the_known_ones() {
        let (mut driver, migrations) = interrupted(RowState::Applying);
        let error = repair(&mut driver, &migrations, 9, A, true).unwrap_err();
        assert_eq!(error.to_string(), "unknown version 9: known versions run from 001 to 002");
    }
}
