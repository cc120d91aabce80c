//! The one trait every database implements, and opening a driver from a URL.
//!
//! A driver does only what differs per database: run a statement, open and
//! close transactions, lock out other runners, and read and write the history
//! table. Everything else (what to run, in which order, atomically with which
//! history change) is the engine's, in `migrator.rs` and `run.rs`.

pub mod capabilities;
pub mod connection;
pub mod lock;
pub mod mysql;
pub mod postgres;
pub mod sqlite;

pub use capabilities::Capabilities;
pub use connection::{Connection, Param};
pub use lock::{Holder, LockRequest, LockWait, DEFAULT_LOCK_TIMEOUT};

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::history::{store, Applied, Cell, HistoryTable, Record, RowState, Shape};
use crate::url::DatabaseUrl;

/// A statement that failed: the database's own message and, when the
/// database says, the byte offset in the statement where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    pub message: String,
    pub offset: Option<usize>,
    /// The database's own code for the error (PostgreSQL's SQLSTATE, SQLite's
    /// extended result code name), when it gives one.
    pub code: Option<String>,
}

/// SQLSTATE 25001, active SQL transaction: the statement cannot run inside a
/// transaction block (every driver reports it so; see [`ExecError::code`]).
pub const IN_TRANSACTION: &str = "25001";

/// What `reset` dropped: how many of each kind (singular, e.g. `table`,
/// `materialized view`), in the driver's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dropped(pub Vec<(&'static str, usize)>);

/// A row of WriteBot's Python runner's history table, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyRow {
    pub version: Cell,
    pub name: Cell,
    pub applied_at: Cell,
}

/// Rows written to the history table, by kind of write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Writes {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// A connection to one database, as the engine drives it. What every
/// database does alike (reading and writing the history table) is written
/// once, in provided methods over [`Connection`] and a few required ones.
pub trait Driver: Connection + Send {
    /// Takes the lock that keeps other Strata runners out until [`Driver::unlock`],
    /// waiting for it up to `request.timeout` ([`Error::LockTimeout`] after
    /// that); `waiting` is called once before waiting. Does nothing when this
    /// driver holds the lock already (see [`open_locked`]).
    fn lock(&mut self, request: &LockRequest, waiting: &mut dyn FnMut(&LockWait)) -> Result<()>;
    /// Releases the lock taken by [`Driver::lock`].
    fn unlock(&mut self) -> Result<()>;

    /// The database, as a URL without password, for messages.
    fn describe(&self) -> String;
    /// The kind of database, for messages: `SQLite`, `PostgreSQL`.
    fn kind_name(&self) -> &'static str;
    /// What this database can do; the engine plans with it.
    fn capabilities(&self) -> Capabilities;
    /// How this database writes SQL.
    fn dialect(&self) -> &'static dyn Dialect;

    /// The history table.
    fn history_table(&self) -> &HistoryTable;
    /// The history table as a statement names it (quoted, qualified).
    fn qualified_history(&self) -> String {
        let table = self.history_table();
        let name = self.dialect().quote_ident(table.name());
        match table.schema() {
            Some(schema) => format!("{}.{name}", self.dialect().quote_ident(schema)),
            None => name,
        }
    }
    /// The history table's columns, in order, from the catalog; empty when
    /// there is no such table.
    fn history_columns(&mut self) -> Result<Vec<String>>;
    /// The `CREATE TABLE` of Strata's history table, in this database's types.
    fn history_ddl(&self) -> String;

    /// Creates the history table if it does not exist.
    fn ensure_history(&mut self) -> Result<()> {
        store::ensure(self)
    }
    /// Every history row, ordered by version.
    fn read_history(&mut self) -> Result<Vec<Applied>> {
        store::read(self)
    }
    /// Every history row, or `None` when there is no history table; creates nothing.
    fn read_history_if_exists(&mut self) -> Result<Option<Vec<Applied>>> {
        store::read_if_exists(self)
    }
    /// The down script and its marker options stored when `version` was applied.
    fn stored_down(&mut self, version: u64) -> Result<Option<(String, String)>> {
        store::stored_down(self, version)
    }
    /// Inserts a history row.
    fn insert_history(&mut self, record: &Record<'_>) -> Result<()> {
        store::insert(self, record)
    }
    /// Sets a row's state (and, when finishing, its execution time).
    fn set_history_state(&mut self, version: u64, state: RowState, execution_ms: Option<u64>) -> Result<()> {
        store::set_state(self, version, state, execution_ms)
    }
    /// Records why the interrupted step of `version` stopped (see [`crate::history::FAILURE`]).
    fn set_history_failure(&mut self, version: u64, failure: &str) -> Result<()> {
        store::set_failure(self, version, failure)
    }
    /// Deletes a history row.
    fn delete_history(&mut self, version: u64) -> Result<()> {
        store::delete(self, version)
    }
    /// What the history table is (read before anything else touches it).
    fn history_shape(&mut self) -> Result<Shape> {
        store::shape(self)
    }
    /// The rows of WriteBot's Python runner's table, by id.
    fn legacy_history(&mut self) -> Result<Vec<LegacyRow>> {
        store::legacy(self)
    }
    /// Who holds the runners' lock now, asked over this connection, where the
    /// database itself keeps the lock (PostgreSQL); `None` otherwise (SQLite's
    /// lock file is probed before opening: [`runner_at_work`]).
    fn lock_holder(&mut self) -> Result<Option<Holder>> {
        Ok(None)
    }
    /// Fails ([`Error::LockLost`]) when the lock this driver took is no longer
    /// its own: a lease another runner took over after this one stalled
    /// (Galera). The engine asks before each step. Other locks cannot be lost
    /// while their connection lives.
    fn check_lock(&mut self) -> Result<()> {
        Ok(())
    }
    /// Starts counting the rows written to the history table (by anyone, in
    /// the transaction under way too), for [`Driver::history_writes`].
    fn watch_history(&mut self) -> Result<()> {
        Ok(())
    }
    /// The rows written to the history table since [`Driver::watch_history`];
    /// `None` when this database cannot count them. Dropping the table stops
    /// the count. One cheap query.
    fn history_writes(&mut self) -> Result<Option<Writes>> {
        Ok(None)
    }
    /// In one transaction: renames the history table to `backup`, creates
    /// Strata's table and inserts `records`.
    fn replace_history(&mut self, backup: &str, records: &[Record<'_>]) -> Result<()>;

    /// Starts a transaction that holds the write lock from the start.
    fn begin(&mut self) -> Result<()>;
    fn commit(&mut self) -> Result<()>;
    fn rollback(&mut self) -> Result<()>;
    /// Whether a transaction is open on this connection.
    fn in_transaction(&self) -> bool;
    /// Runs one statement; on failure returns the database's own message.
    fn execute(&mut self, sql: &str) -> std::result::Result<(), ExecError>;

    /// Turns foreign-key enforcement on or off for this connection
    /// (outside a transaction). Only databases that can do so implement it.
    fn set_foreign_keys(&mut self, enabled: bool) -> Result<()> {
        let _ = enabled;
        Err(Error::Config("this database does not support the foreign_keys:off option".to_owned()))
    }
    /// Rows that break a foreign key, described for a message (at most a few).
    fn foreign_key_violations(&mut self) -> Result<(usize, Vec<String>)> {
        Ok((0, Vec::new()))
    }

    /// Drops every table, view, trigger and index except the history table,
    /// and empties the history table.
    fn drop_all(&mut self) -> Result<Dropped>;
}

/// How to open a database: which history table to use, and whether runners lock each other out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// The history table (`migration_history` by default).
    pub history_table: HistoryTable,
    /// Run without the runners' lock (`--no-lock`): for connections where
    /// the database's lock cannot work (PgBouncer in transaction mode,
    /// CockroachDB). [`Driver::lock`] then does nothing, and nothing keeps
    /// two runners from running the same migration at once.
    pub no_lock: bool,
    /// MySQL/MariaDB: the session's `sql_mode` (`mysql_sql_mode` in
    /// strata.toml); `None` keeps the server's. Other databases ignore it.
    pub mysql_sql_mode: Option<String>,
    /// On a Galera cluster: how long the runners' lock (a lease) lasts after
    /// its holder's last renewal (`lock_lease` in strata.toml); `None`, 30 s.
    /// Other databases ignore it.
    pub lock_lease: Option<std::time::Duration>,
}

/// Opens the database `url` names (creating a SQLite file when missing),
/// with the default [`OpenOptions`].
/// [`crate::Migrator`] takes the lock when a command starts; to take it
/// before the database is even opened, use [`open_locked`].
pub fn open(url: &DatabaseUrl) -> Result<Box<dyn Driver>> {
    open_with(url, &OpenOptions::default())
}

/// [`open`], with `options`.
pub fn open_with(url: &DatabaseUrl, options: &OpenOptions) -> Result<Box<dyn Driver>> {
    match url {
        DatabaseUrl::Sqlite(target) => {
            no_schema(options)?;
            Ok(Box::new(sqlite::SqliteDriver::open(target)?.with_options(options)))
        }
        DatabaseUrl::Postgres(text) => Ok(Box::new(postgres::PostgresDriver::open(text, url.to_string(), options)?)),
        DatabaseUrl::Mysql(text) => Ok(Box::new(mysql::MysqlDriver::open(text, url.to_string(), options)?)),
    }
}

/// Takes the lock that keeps other runners out, then opens the database:
/// a runner never touches a database another runner is changing before its
/// turn. The lock is held until [`Driver::unlock`] or until the driver is
/// dropped. With `options.no_lock`, only opens it.
pub fn open_locked(
    url: &DatabaseUrl,
    options: &OpenOptions,
    request: &LockRequest,
    waiting: &mut dyn FnMut(&LockWait),
) -> Result<Box<dyn Driver>> {
    if options.no_lock {
        return open_with(url, options);
    }
    match url {
        DatabaseUrl::Sqlite(target) => {
            no_schema(options)?;
            Ok(Box::new(sqlite::SqliteDriver::open_locked(target, request, waiting)?.with_options(options)))
        }
        DatabaseUrl::Postgres(text) => {
            Ok(Box::new(postgres::PostgresDriver::open_locked(text, url.to_string(), options, request, waiting)?))
        }
        DatabaseUrl::Mysql(text) => {
            Ok(Box::new(mysql::MysqlDriver::open_locked(text, url.to_string(), options, request, waiting)?))
        }
    }
}

/// Opens the database for reading only: creates nothing, and is `None`
/// when the database does not exist.
pub fn open_read_only(url: &DatabaseUrl, options: &OpenOptions) -> Result<Option<Box<dyn Driver>>> {
    match url {
        DatabaseUrl::Sqlite(target) => Ok(no_schema(options)
            .and_then(|()| sqlite::SqliteDriver::open_read_only(target))?
            .map(|driver| Box::new(driver.with_options(options)) as Box<dyn Driver>)),
        DatabaseUrl::Postgres(text) => {
            Ok(Some(Box::new(postgres::PostgresDriver::open(text, url.to_string(), options)?)))
        }
        // A database that does not exist fails to connect, as on PostgreSQL.
        DatabaseUrl::Mysql(text) => Ok(Some(Box::new(mysql::MysqlDriver::open(text, url.to_string(), options)?))),
    }
}

/// Who holds the runners' lock on the database now, without waiting for it
/// or creating anything; `None` when no runner is at work.
pub fn runner_at_work(url: &DatabaseUrl) -> Result<Option<Holder>> {
    match url {
        DatabaseUrl::Sqlite(target) => sqlite::runner_at_work(target),
        // The server keeps the lock: ask over the connection (`Driver::lock_holder`).
        DatabaseUrl::Postgres(_) | DatabaseUrl::Mysql(_) => Ok(None),
    }
}

/// SQLite has no schemas: a schema setting is a mistake, not something to ignore.
fn no_schema(options: &OpenOptions) -> Result<()> {
    match options.history_table.schema() {
        None => Ok(()),
        Some(schema) => Err(Error::Config(format!(
            "SQLite databases have no schemas, so the schema `{schema}` cannot be used; \
             --schema (or `schema` in strata.toml) is for PostgreSQL"
        ))),
    }
}
