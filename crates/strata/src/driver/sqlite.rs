//! SQLite, through rusqlite with the bundled SQLite.
//!
//! Every connection has `PRAGMA foreign_keys = ON`. Runners are kept apart by
//! an advisory lock on a file beside the database (`<db>-strata-lock`, see
//! [`super::lock`]), taken before the database is opened. Transactions start
//! with `BEGIN IMMEDIATE`, so a step holds the write lock from its first statement.
//!
//! The file SQLite opens and the lock file are derived from one resolved
//! path: the database path made absolute with symlinks and `..` resolved.
//! SQLite gets that absolute path (never a `file:` URI), so the two always agree.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod history;

use rusqlite::{Connection, OpenFlags};

use super::lock::{file_kind, Holder, LockFile, LockPath, LockRequest, LockWait};
use super::{Capabilities, Driver, Dropped, ExecError, Param, Record, Writes};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::history::{Cell, HistoryTable};
use crate::url::{DatabaseUrl, SqliteTarget};

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a read-only look waits for a writer: briefly, it never hangs.
const READ_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// A SQLite database.
pub struct SqliteDriver {
    conn: Connection,
    /// The database as shown to people, e.g. `sqlite:app.db`.
    shown: String,
    lock_path: Option<LockPath>,
    lock: Option<LockFile>,
    table: HistoryTable,
}

impl SqliteDriver {
    /// Opens (and creates, with its folder, when missing) the database.
    pub fn open(target: &SqliteTarget) -> Result<Self> {
        match target {
            SqliteTarget::Memory => Self::connect(target, None),
            SqliteTarget::File(path) => Self::connect(target, Some((path, &resolve(target, path)?))),
        }
    }

    /// Takes the runners' lock, waiting as `request` says, then opens (and
    /// creates) the database; the driver holds the lock until unlocked or dropped.
    pub fn open_locked(
        target: &SqliteTarget,
        request: &LockRequest,
        waiting: &mut dyn FnMut(&LockWait),
    ) -> Result<Self> {
        let SqliteTarget::File(path) = target else {
            return Self::open(target);
        };
        let resolved = resolve(target, path)?;
        let database = DatabaseUrl::Sqlite(target.clone()).to_string();
        let lock = LockFile::acquire(&LockPath::of(path, &resolved), &database, request, waiting)?;
        let mut driver = Self::connect(target, Some((path, &resolved)))?;
        driver.lock = Some(lock);
        Ok(driver)
    }

    /// Opens an existing database for reading only; `None` when the file does
    /// not exist. Creates nothing.
    pub fn open_read_only(target: &SqliteTarget) -> Result<Option<Self>> {
        let SqliteTarget::File(path) = target else {
            return Self::open(target).map(Some);
        };
        let resolved = match std::fs::canonicalize(path) {
            Ok(resolved) => resolved,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(blocked_folder(path).unwrap_or_else(|| Error::io(path, source))),
        };
        regular_file(target, &resolved)?;
        let shown = DatabaseUrl::Sqlite(target.clone());
        let conn = read_only_connection(&resolved)
            .map_err(|error| Error::Database(format!("cannot open {shown}: {error}")))?;
        conn.execute_batch("PRAGMA query_only = ON").map_err(db)?;
        Ok(Some(SqliteDriver {
            conn,
            shown: shown.to_string(),
            lock_path: Some(LockPath::of(path, &resolved)),
            lock: None,
            table: HistoryTable::default(),
        }))
    }

    /// Opens `named` (the path `target` names and the file it resolves to;
    /// `None` for memory).
    fn connect(target: &SqliteTarget, named: Option<(&Path, &Path)>) -> Result<Self> {
        let shown = || DatabaseUrl::Sqlite(target.clone());
        let conn = match named {
            None => Connection::open_in_memory().and_then(|conn| setup(conn, BUSY_TIMEOUT)),
            Some((_, resolved)) => {
                Connection::open_with_flags(resolved, READ_WRITE).and_then(|conn| setup(conn, BUSY_TIMEOUT))
            }
        };
        let conn = conn.map_err(|error| Error::Database(format!("cannot open {}: {error}", shown())))?;
        let lock_path = named.map(|(path, resolved)| LockPath::of(path, resolved));
        Ok(SqliteDriver { conn, shown: shown().to_string(), lock_path, lock: None, table: HistoryTable::default() })
    }

    /// Uses `options`: the history table, and no lock with `no_lock`.
    pub fn with_options(mut self, options: &super::OpenOptions) -> Self {
        self.table = options.history_table.clone();
        if options.no_lock {
            self.lock_path = None;
        }
        self
    }

    /// The connection, for code that needs more than the [`Driver`] trait.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// SQLite's code for a failed statement, as a name (`ConstraintViolation`).
/// SQLite has no code of its own for a statement that cannot run inside a
/// transaction (`VACUUM`, a change of journal mode); it gets SQLSTATE 25001
/// (active SQL transaction), the one PostgreSQL gives, so that the CLI chooses
/// its hint by code on every database. This is the only place that reads
/// SQLite's message for it.
fn code(error: &rusqlite::Error, message: &str) -> Option<String> {
    if message.contains("within a transaction") {
        return Some(crate::driver::IN_TRANSACTION.to_owned());
    }
    error.sqlite_error().map(|error| format!("{:?}", error.code))
}

/// Opened files: no `SQLITE_OPEN_URI` (and the path is absolute, so never a URI).
const READ_WRITE: OpenFlags =
    OpenFlags::SQLITE_OPEN_READ_WRITE.union(OpenFlags::SQLITE_OPEN_CREATE).union(OpenFlags::SQLITE_OPEN_NO_MUTEX);
/// An existing file, for reading: not created when missing, and opened for
/// writing only so that SQLite can roll back what a crashed writer left in a
/// hot journal (a read-only connection cannot, and fails); `PRAGMA
/// query_only` then keeps every statement from writing.
const EXISTING: OpenFlags = OpenFlags::SQLITE_OPEN_READ_WRITE.union(OpenFlags::SQLITE_OPEN_NO_MUTEX);
/// When [`EXISTING`] fails because the file or its folder cannot be written.
const READ_ONLY: OpenFlags = OpenFlags::SQLITE_OPEN_READ_ONLY.union(OpenFlags::SQLITE_OPEN_NO_MUTEX);

/// Sets up a new connection. Reading the schema version makes a file that
/// is not a database (or one SQLite cannot read) fail here.
fn setup(conn: Connection, busy: Duration) -> rusqlite::Result<Connection> {
    conn.busy_timeout(busy)?;
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    conn.query_row("PRAGMA schema_version", [], |_| Ok(()))?;
    Ok(conn)
}

/// A connection that reads `resolved`, an existing file: read-write when it
/// can be (see [`EXISTING`]); when the file or its folder cannot be written,
/// read-only; and when SQLite cannot even do that (a WAL database needs its
/// `-shm` file, which a read-only folder cannot hold) but no `-wal` file
/// exists, so that no WAL writer is at work and the file is complete, as an
/// immutable file. The first error is the one reported.
fn read_only_connection(resolved: &Path) -> rusqlite::Result<Connection> {
    let open = |flags| Connection::open_with_flags(resolved, flags).and_then(|conn| setup(conn, READ_BUSY_TIMEOUT));
    let first = match open(EXISTING) {
        Ok(conn) => return Ok(conn),
        Err(error) if not_writable(&error) => error,
        Err(error) => return Err(error),
    };
    if let Ok(conn) = open(READ_ONLY) {
        return Ok(conn);
    }
    let mut wal = resolved.as_os_str().to_owned();
    wal.push("-wal");
    match immutable_uri(resolved) {
        Some(uri) if !Path::new(&wal).exists() => {
            Connection::open_with_flags(uri, READ_ONLY.union(OpenFlags::SQLITE_OPEN_URI))
                .and_then(|conn| setup(conn, READ_BUSY_TIMEOUT))
                .map_err(|_| first)
        }
        _ => Err(first),
    }
}

/// Whether SQLite failed because it could not write the file or its folder.
fn not_writable(error: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, PermissionDenied, ReadOnly};
    matches!(error.sqlite_error_code(), Some(ReadOnly | CannotOpen | PermissionDenied))
}

/// `file:/abs/path?immutable=1`, every byte outside `[A-Za-z0-9/._~-]`
/// percent-encoded; `None` where paths are not bytes.
fn immutable_uri(resolved: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut uri = String::from("file:");
        for &byte in resolved.as_os_str().as_bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'.' | b'_' | b'~' | b'-' => uri.push(byte as char),
                _ => uri.push_str(&format!("%{byte:02X}")),
            }
        }
        uri.push_str("?immutable=1");
        Some(uri)
    }
    #[cfg(not(unix))]
    {
        let _ = resolved;
        None
    }
}

/// The file `path` names, absolute, with symlinks and `..` resolved: the
/// file SQLite opens and the one the lock file is named after. Creates the
/// folder when missing; refuses a path that is not a regular file.
fn resolve(target: &SqliteTarget, path: &Path) -> Result<PathBuf> {
    let existing =
        || std::fs::canonicalize(path).ok().map(|resolved| regular_file(target, &resolved).map(|()| resolved));
    if let Some(resolved) = existing() {
        return resolved;
    }
    if let Ok(meta) = path.symlink_metadata() {
        // Another runner may have created the file since: resolve it again.
        if let Some(resolved) = existing() {
            return resolved;
        }
        if meta.file_type().is_symlink() {
            return Err(Error::Config(format!(
                "sqlite:{} is a symbolic link to a file that does not exist; point it at the database or name the database itself",
                path.display()
            )));
        }
    }
    let Some(name) = path.file_name() else {
        return Err(Error::Config(format!("sqlite:{} names a folder, not a database file", path.display())));
    };
    if let Some(error) = blocked_folder(path) {
        return Err(error);
    }
    let parent = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|source| Error::io(parent, source))?;
    let parent = std::fs::canonicalize(parent).map_err(|source| Error::io(parent, source))?;
    Ok(parent.join(name))
}

/// Refuses an existing database path that is a folder, a device, a FIFO…:
/// SQLite would fail on it, or worse, after Strata created its lock file.
fn regular_file(target: &SqliteTarget, resolved: &Path) -> Result<()> {
    match std::fs::metadata(resolved) {
        Ok(meta) if !meta.is_file() => Err(Error::Config(format!(
            "{} is {}, not a database file",
            DatabaseUrl::Sqlite(target.clone()),
            file_kind(&meta)
        ))),
        _ => Ok(()),
    }
}

/// When something that is not a folder stands where a folder of `path`
/// should be: the error saying so.
fn blocked_folder(path: &Path) -> Option<Error> {
    let parent = path.parent().filter(|parent| !parent.as_os_str().is_empty())?;
    let (blocker, meta) = parent.ancestors().find_map(|at| std::fs::metadata(at).ok().map(|meta| (at, meta)))?;
    if meta.is_dir() {
        return None;
    }
    Some(Error::Config(format!(
        "cannot create the folder {} for the database: {} is {}",
        parent.display(),
        blocker.display(),
        file_kind(&meta)
    )))
}

/// Who holds the runners' lock on the database, if anyone; creates nothing.
pub fn runner_at_work(target: &SqliteTarget) -> Result<Option<Holder>> {
    let SqliteTarget::File(path) = target else {
        return Ok(None);
    };
    match std::fs::canonicalize(path) {
        Ok(resolved) => LockFile::probe(&LockPath::of(path, &resolved)),
        Err(_) => Ok(None),
    }
}

fn db(error: rusqlite::Error) -> Error {
    Error::Database(error.to_string())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl super::Connection for SqliteDriver {
    fn execute_params(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        let mut statement = self.conn.prepare_cached(sql).map_err(db)?;
        let changed = statement.execute(rusqlite::params_from_iter(params.iter().map(value))).map_err(db)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Vec<Cell>>> {
        let mut statement = self.conn.prepare_cached(sql).map_err(db)?;
        let width = statement.column_count();
        let rows = statement
            .query_map(rusqlite::params_from_iter(params.iter().map(value)), |row| {
                (0..width).map(|index| history::cell(row, index)).collect::<rusqlite::Result<Vec<Cell>>>()
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }
}

/// A bound parameter as rusqlite takes it.
fn value<'a>(param: &'a Param<'a>) -> rusqlite::types::ToSqlOutput<'a> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    match param {
        Param::Int(value) => ToSqlOutput::Borrowed(ValueRef::Integer(*value)),
        Param::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
        Param::Text(None) => ToSqlOutput::Borrowed(ValueRef::Null),
    }
}

impl Driver for SqliteDriver {
    fn lock(&mut self, request: &LockRequest, waiting: &mut dyn FnMut(&LockWait)) -> Result<()> {
        let Some(path) = &self.lock_path else {
            return Ok(());
        };
        if self.lock.is_none() {
            self.lock = Some(LockFile::acquire(path, &self.shown, request, waiting)?);
        }
        Ok(())
    }

    fn unlock(&mut self) -> Result<()> {
        self.lock = None;
        Ok(())
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn kind_name(&self) -> &'static str {
        "SQLite"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::SQLITE
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &crate::dialect::SQLITE
    }

    fn history_table(&self) -> &HistoryTable {
        &self.table
    }

    /// In `main`, so that a temporary table of the same name never stands in for it.
    fn qualified_history(&self) -> String {
        format!("main.{}", self.dialect().quote_ident(self.table.name()))
    }

    fn history_columns(&mut self) -> Result<Vec<String>> {
        history::columns(&self.conn, self.table.name())
    }

    fn history_ddl(&self) -> String {
        history::create_sql(&self.qualified_history())
    }

    fn watch_history(&mut self) -> Result<()> {
        history::watch(&self.conn, &self.qualified_history())
    }

    fn history_writes(&mut self) -> Result<Option<Writes>> {
        history::writes(&self.conn).map(Some)
    }

    fn replace_history(&mut self, backup: &str, records: &[Record<'_>]) -> Result<()> {
        self.begin()?;
        let result = history::replace(self, backup, records).and_then(|()| self.commit());
        if result.is_err() {
            let _ = self.rollback();
            let _ = self.conn.execute_batch("PRAGMA legacy_alter_table = OFF");
        }
        result
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
                ExecError { message: msg, offset: usize::try_from(offset).ok(), code: Some("SQLITE_ERROR".to_owned()) }
            }
            other => {
                let message = other.to_string();
                ExecError { code: code(&other, &message), message, offset: None }
            }
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
        let sql = "SELECT type, name FROM sqlite_master
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> ?1
             ORDER BY CASE type WHEN 'view' THEN 0 WHEN 'trigger' THEN 1 WHEN 'index' THEN 2 ELSE 3 END,
                      sql NOT LIKE 'CREATE VIRTUAL TABLE%', name";
        let objects: Vec<(String, String)> = {
            let mut statement = self.conn.prepare(sql).map_err(db)?;
            let rows = statement.query_map([self.table.name()], |row| Ok((row.get(0)?, row.get(1)?))).map_err(db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(db)?
        };
        let mut dropped = Dropped(vec![("table", 0), ("view", 0), ("trigger", 0), ("index", 0)]);
        for (kind, name) in &objects {
            // Dropping a virtual table (dropped first) drops its shadow tables with it.
            let exists = "SELECT count(*) FROM sqlite_master WHERE type = ?1 AND name = ?2";
            if self.conn.query_row(exists, [kind, name], |row| row.get::<_, i64>(0)).map_err(db)? == 0 {
                continue;
            }
            let Some((_, counter)) = dropped.0.iter_mut().find(|(counted, _)| counted == kind) else {
                continue;
            };
            *counter += 1;
            let statement = format!("DROP {} IF EXISTS {}", kind.to_uppercase(), quote(name));
            self.conn.execute_batch(&statement).map_err(db)?;
        }
        crate::history::store::clear(self)?;
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
    use super::super::lock::lock_path;
    use super::*;

    /// The file SQLite has open, as it reports it.
    fn opened_file(driver: &SqliteDriver) -> PathBuf {
        let file: String = driver.connection().query_row("PRAGMA database_list", [], |row| row.get(2)).unwrap();
        PathBuf::from(file)
    }

    #[test]
    fn the_lock_follows_the_file_sqlite_opens_for_every_accepted_form() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let mut forms = vec![
            format!("sqlite:{}/data/x.db", dir.path().display()),
            format!("sqlite://{}/data/x.db", dir.path().display()),
            format!("sqlite:{}/data/x.db?mode=rwc", dir.path().display()),
            format!("{}/data/../data/x.db", dir.path().display()),
            format!("{}/data/./x.db", dir.path().display()),
        ];
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(data.join("x.db"), dir.path().join("link.db")).unwrap();
            std::os::unix::fs::symlink(&data, dir.path().join("linked")).unwrap();
            forms.push(format!("sqlite:{}/link.db", dir.path().display()));
            forms.push(format!("{}/linked/x.db", dir.path().display()));
        }
        for (i, form) in forms.iter().enumerate() {
            let DatabaseUrl::Sqlite(target) = DatabaseUrl::parse(form).unwrap() else { panic!("{form}") };
            let driver = SqliteDriver::open(&target).unwrap();
            let real = std::fs::canonicalize(data.join("x.db")).unwrap();
            assert_eq!(opened_file(&driver), real, "{form}");
            assert_eq!(driver.lock_path.as_ref().map(|lock| &lock.real), Some(&lock_path(&real)), "{form}");
            if i == 0 {
                continue;
            }
            // Another runner, named by another form, is kept out.
            let request = LockRequest { timeout: Duration::ZERO, command: "strata up".to_owned() };
            let mut first = SqliteDriver::open(&target).unwrap();
            first.lock(&request, &mut |_| {}).unwrap();
            let DatabaseUrl::Sqlite(other) = DatabaseUrl::parse(&forms[0]).unwrap() else { unreachable!() };
            let second = SqliteDriver::open_locked(&other, &request, &mut |_| {});
            assert!(matches!(second, Err(Error::LockTimeout { .. })), "{form}");
        }
    }

    #[test]
    fn read_only_opening_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = SqliteTarget::File(dir.path().join("sub/typo.db"));
        assert!(SqliteDriver::open_read_only(&missing).unwrap().is_none());
        assert!(runner_at_work(&missing).unwrap().is_none());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file or folder created");

        let existing = SqliteTarget::File(dir.path().join("app.db"));
        drop(SqliteDriver::open(&existing).unwrap());
        let mut driver = SqliteDriver::open_read_only(&existing).unwrap().unwrap();
        assert_eq!(driver.read_history_if_exists().unwrap(), None);
        assert!(driver.ensure_history().is_err(), "a read-only connection cannot write");
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
