//! SQLite, through rusqlite with the bundled SQLite.
//!
//! Every connection has `PRAGMA foreign_keys = ON`. Runners are kept apart by
//! an advisory lock on a file beside the database (`<db>-strata-lock`): the
//! kernel releases it when a process dies, so a killed runner never leaves a
//! stale lock behind. Transactions start with `BEGIN IMMEDIATE`, so a step
//! holds the write lock from its first statement.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::{Driver, Dropped, ExecError};
use crate::error::{Error, Result};
use crate::history::{Applied, Record, RowState, TABLE};
use crate::url::{DatabaseUrl, SqliteTarget};

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A SQLite database.
pub struct SqliteDriver {
    conn: Connection,
    lock_path: Option<PathBuf>,
    lock: Option<File>,
}

impl SqliteDriver {
    /// Opens (and creates, with its folder, when missing) the database.
    pub fn open(target: &SqliteTarget) -> Result<Self> {
        let (conn, lock_path) = match target {
            SqliteTarget::Memory => (Connection::open_in_memory().map_err(db)?, None),
            SqliteTarget::File(path) => {
                let conn = open_file(path)?;
                // The lock is per database file, whatever path (a symlink, `..`) names it.
                let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                (conn, Some(lock_path(&canonical)))
            }
        };
        // Reading the schema version makes a file that is not a database fail here, named.
        let setup = conn
            .busy_timeout(BUSY_TIMEOUT)
            .and_then(|()| conn.execute_batch("PRAGMA foreign_keys = ON"))
            .and_then(|()| conn.query_row("PRAGMA schema_version", [], |_| Ok(())));
        setup.map_err(|error| {
            Error::Database(format!("cannot open {}: {error}", DatabaseUrl::Sqlite(target.clone())))
        })?;
        Ok(SqliteDriver { conn, lock_path, lock: None })
    }

    /// The connection, for code that needs more than the [`Driver`] trait.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn open_file(path: &Path) -> Result<Connection> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::io(parent, source))?;
    }
    Connection::open(path).map_err(|error| Error::Database(format!("cannot open sqlite:{}: {error}", path.display())))
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-strata-lock");
    PathBuf::from(name)
}

fn db(error: rusqlite::Error) -> Error {
    Error::Database(error.to_string())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Driver for SqliteDriver {
    fn lock(&mut self, waiting: &mut dyn FnMut()) -> Result<()> {
        let Some(path) = &self.lock_path else {
            return Ok(());
        };
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|source| Error::io(path, source))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                waiting();
                file.lock().map_err(|source| Error::io(path, source))?;
            }
            Err(TryLockError::Error(source)) => return Err(Error::io(path, source)),
        }
        self.lock = Some(file);
        Ok(())
    }

    fn unlock(&mut self) -> Result<()> {
        if let (Some(file), Some(path)) = (self.lock.take(), &self.lock_path) {
            file.unlock().map_err(|source| Error::io(path, source))?;
        }
        Ok(())
    }

    fn ensure_history(&mut self) -> Result<()> {
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  execution_ms INTEGER NOT NULL,
  checksum TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'applied',
  up_sql TEXT NOT NULL,
  down_sql TEXT,
  down_options TEXT NOT NULL DEFAULT ''
)"
            ))
            .map_err(db)
    }

    fn read_history(&mut self) -> Result<Vec<Applied>> {
        let sql = format!(
            "SELECT version, name, checksum, applied_at, execution_ms, state, down_sql IS NOT NULL FROM {TABLE} ORDER BY version"
        );
        let mut statement = self.conn.prepare(&sql).map_err(db)?;
        let rows = statement
            .query_map([], |row| {
                Ok(Applied {
                    version: row.get(0)?,
                    name: row.get(1)?,
                    checksum: row.get(2)?,
                    applied_at: row.get(3)?,
                    execution_ms: row.get(4)?,
                    state: RowState::parse(&row.get::<_, String>(5)?),
                    has_down: row.get(6)?,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn stored_down(&mut self, version: u64) -> Result<Option<(String, String)>> {
        let sql = format!("SELECT down_sql, down_options FROM {TABLE} WHERE version = ?1 AND down_sql IS NOT NULL");
        self.conn.query_row(&sql, [version], |row| Ok((row.get(0)?, row.get(1)?))).optional().map_err(db)
    }

    // The history statements run once per migration: prepared once per command.
    fn insert_history(&mut self, r: &Record<'_>) -> Result<()> {
        let sql = format!(
            "INSERT INTO {TABLE} (version, name, applied_at, execution_ms, checksum, state, up_sql, down_sql, down_options)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        );
        let values = params![
            r.version,
            r.name,
            r.applied_at,
            r.execution_ms,
            r.checksum,
            r.state.as_str(),
            r.up_sql,
            r.down_sql,
            r.down_options
        ];
        self.conn.prepare_cached(&sql).and_then(|mut insert| insert.execute(values)).map(drop).map_err(db)
    }

    fn set_history_state(&mut self, version: u64, state: RowState, execution_ms: Option<u64>) -> Result<()> {
        let sql =
            format!("UPDATE {TABLE} SET state = ?1, execution_ms = COALESCE(?2, execution_ms) WHERE version = ?3");
        self.conn.execute(&sql, params![state.as_str(), execution_ms, version]).map(drop).map_err(db)
    }

    fn delete_history(&mut self, version: u64) -> Result<()> {
        let sql = format!("DELETE FROM {TABLE} WHERE version = ?1");
        self.conn.prepare_cached(&sql).and_then(|mut delete| delete.execute([version])).map(drop).map_err(db)
    }

    fn begin(&mut self) -> Result<()> {
        self.keep_journal()?;
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(db)
    }

    fn commit(&mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT").map_err(db)
    }

    fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    fn rollback(&mut self) -> Result<()> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn.execute_batch("ROLLBACK").map_err(db)
    }

    fn execute(&mut self, sql: &str) -> std::result::Result<(), ExecError> {
        self.conn.execute_batch(sql).map_err(|error| match error {
            rusqlite::Error::SqlInputError { msg, offset, .. } => {
                ExecError { message: msg, offset: usize::try_from(offset).ok() }
            }
            other => ExecError { message: other.to_string(), offset: None },
        })
    }

    fn set_foreign_keys(&mut self, enabled: bool) -> Result<()> {
        let value = if enabled { "ON" } else { "OFF" };
        self.conn.execute_batch(&format!("PRAGMA foreign_keys = {value}")).map_err(db)
    }

    fn foreign_key_violations(&mut self) -> Result<(usize, Vec<String>)> {
        let mut statement = self.conn.prepare("PRAGMA foreign_key_check").map_err(db)?;
        let rows = statement
            .query_map([], |row| {
                let table: String = row.get(0)?;
                let rowid: Option<i64> = row.get(1)?;
                let parent: String = row.get(2)?;
                Ok(format!(
                    "{table} row {} references a missing {parent} row",
                    rowid.map_or("?".into(), |id| id.to_string())
                ))
            })
            .map_err(db)?;
        let all: Vec<String> = rows.collect::<rusqlite::Result<_>>().map_err(db)?;
        let count = all.len();
        Ok((count, all.into_iter().take(3).collect()))
    }

    fn drop_all(&mut self) -> Result<Dropped> {
        self.set_foreign_keys(false)?;
        let result = self.drop_all_in_transaction();
        if result.is_err() {
            let _ = self.rollback();
        }
        self.set_foreign_keys(true)?;
        result
    }
}

impl SqliteDriver {
    /// In SQLite's default rollback-journal mode (`DELETE`), every transaction
    /// creates the `-journal` file and deletes it at commit. Strata runs one
    /// transaction per migration, so its connection keeps the file between
    /// them instead (`PERSIST`: at commit the journal's header is zeroed and
    /// synced, which is as safe). The mode belongs to this connection only;
    /// nothing in the database file records it. [`SqliteDriver::release_journal`]
    /// sets `DELETE` again. WAL and every other mode are left as they are.
    fn keep_journal(&mut self) -> Result<()> {
        if self.journal_mode()? == "delete" {
            self.conn.query_row("PRAGMA journal_mode = PERSIST", [], |_| Ok(())).map_err(db)?;
        }
        Ok(())
    }

    /// Back to the `DELETE` mode the connection started in, after
    /// [`SqliteDriver::keep_journal`]: SQLite then deletes the kept journal
    /// (taking the write lock first, so it never deletes another writer's).
    /// At worst (another writer holds the lock) the file stays, its header
    /// zeroed, and SQLite ignores it.
    fn release_journal(&mut self) {
        if self.journal_mode().is_ok_and(|mode| mode == "persist") {
            let _ = self.conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()));
        }
    }

    fn journal_mode(&self) -> Result<String> {
        self.conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).map_err(db)
    }

    fn drop_all_in_transaction(&mut self) -> Result<Dropped> {
        self.begin()?;
        let sql = format!(
            "SELECT type, name FROM sqlite_master
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> '{TABLE}'
             ORDER BY CASE type WHEN 'view' THEN 0 WHEN 'trigger' THEN 1 WHEN 'index' THEN 2 ELSE 3 END,
                      sql NOT LIKE 'CREATE VIRTUAL TABLE%', name"
        );
        let objects: Vec<(String, String)> = {
            let mut statement = self.conn.prepare(&sql).map_err(db)?;
            let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).map_err(db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(db)?
        };
        let mut dropped = Dropped::default();
        for (kind, name) in &objects {
            // Dropping a virtual table (dropped first) drops its shadow tables with it.
            let exists = "SELECT count(*) FROM sqlite_master WHERE type = ?1 AND name = ?2";
            if self.conn.query_row(exists, [kind, name], |row| row.get::<_, i64>(0)).map_err(db)? == 0 {
                continue;
            }
            let counter = match kind.as_str() {
                "view" => &mut dropped.views,
                "trigger" => &mut dropped.triggers,
                "index" => &mut dropped.indexes,
                "table" => &mut dropped.tables,
                _ => continue,
            };
            *counter += 1;
            let statement = format!("DROP {} IF EXISTS {}", kind.to_uppercase(), quote(name));
            self.conn.execute_batch(&statement).map_err(db)?;
        }
        self.conn.execute_batch(&format!("DELETE FROM {TABLE}")).map_err(db)?;
        self.commit()?;
        Ok(dropped)
    }
}

impl Drop for SqliteDriver {
    /// Leaves no journal file behind (the mode cannot change inside a transaction).
    fn drop(&mut self) {
        let _ = self.rollback();
        self.release_journal();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_per_database_file_whatever_path_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("app.db");
        let first = SqliteDriver::open(&SqliteTarget::File(real.clone())).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&real, dir.path().join("link.db")).unwrap();
        #[cfg(unix)]
        let second = SqliteDriver::open(&SqliteTarget::File(dir.path().join("link.db"))).unwrap();
        #[cfg(not(unix))]
        let second = SqliteDriver::open(&SqliteTarget::File(dir.path().join(".").join("app.db"))).unwrap();
        assert_eq!(first.lock_path, second.lock_path);
    }

    fn journal_mode(path: &Path) -> String {
        Connection::open(path).unwrap().query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap()
    }

    fn migrate(driver: &mut SqliteDriver, sql: &str) {
        driver.begin().unwrap();
        driver.execute(sql).unwrap();
        driver.commit().unwrap();
    }

    #[test]
    fn keeps_one_journal_for_all_its_transactions_and_leaves_none_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let journal = dir.path().join("app.db-journal");
        let mut driver = SqliteDriver::open(&SqliteTarget::File(path.clone())).unwrap();
        migrate(&mut driver, "CREATE TABLE a (id INTEGER)");
        // Not created, synced and deleted again for every migration.
        assert!(journal.exists(), "the journal is kept between transactions");
        assert_eq!(journal_mode(&path), "delete", "other connections keep their own mode");
        migrate(&mut driver, "CREATE TABLE b (id INTEGER)");
        drop(driver);
        assert!(!journal.exists(), "no journal file is left behind");
        assert_eq!(journal_mode(&path), "delete");
    }

    #[test]
    fn a_wal_database_stays_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE a (id INTEGER)")
            .unwrap();
        let mut driver = SqliteDriver::open(&SqliteTarget::File(path.clone())).unwrap();
        migrate(&mut driver, "CREATE TABLE b (id INTEGER)");
        migrate(&mut driver, "CREATE TABLE c (id INTEGER)");
        drop(driver);
        assert_eq!(journal_mode(&path), "wal");
        assert!(!dir.path().join("app.db-journal").exists());
    }

    #[test]
    fn a_step_that_switches_to_wal_leaves_no_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let mut driver = SqliteDriver::open(&SqliteTarget::File(path.clone())).unwrap();
        migrate(&mut driver, "CREATE TABLE a (id INTEGER)");
        driver.execute("PRAGMA journal_mode = WAL").unwrap();
        migrate(&mut driver, "CREATE TABLE b (id INTEGER)");
        drop(driver);
        assert_eq!(journal_mode(&path), "wal");
        assert!(!dir.path().join("app.db-journal").exists());
    }

    #[test]
    fn every_connection_has_foreign_keys_on() {
        let driver = SqliteDriver::open(&SqliteTarget::Memory).unwrap();
        let on: i64 = driver.connection().query_row("PRAGMA foreign_keys", [], |row| row.get(0)).unwrap();
        assert_eq!(on, 1);
    }
}
