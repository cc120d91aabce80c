//! MySQL and MariaDB, through the sync `mysql` client, TLS by rustls (ring).
//!
//! DDL commits implicitly here, so the engine records each step as under way
//! before it runs and finished after (`Capabilities::MYSQL`); a failure
//! midway leaves it `interrupted`. The driver knows, from the server, when a
//! transaction is open (`session.rs`), so a statement that committed one
//! implicitly is noticed. Runners are kept apart by a named lock held on a
//! connection of its own, taken before the working connection is opened;
//! on a Galera cluster, where named locks are local to a node, by a lease
//! (`lease.rs`), checked before each step; a write of Strata's that fails
//! once the lease is lost reports the lost lease.

pub(crate) mod config;
mod error;
mod foreign_keys;
mod history;
#[doc(hidden)]
pub mod lease;
mod lock;
mod reset;
mod retry;
mod session;
mod tls;

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, SslOpts, Value};

use self::config::MyConfig;
use self::error::db;
use self::session::{Role, Session};
use super::lock::{Holder, LockRequest, LockWait};
use super::{Capabilities, Connection, Driver, Dropped, ExecError, OpenOptions, Param, Record};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::history::{store, Cell, HistoryTable};

/// A MySQL or MariaDB database.
pub struct MysqlDriver {
    conn: Conn,
    config: MyConfig,
    /// The TLS options; `None` once `PREFERRED` found that the server offers no TLS.
    ssl: Option<SslOpts>,
    /// The URL as shown to people (no password).
    shown: String,
    table: HistoryTable,
    no_lock: bool,
    lock: Option<Locked>,
    /// How long a lease lasts, on a Galera cluster.
    lease: Option<Duration>,
    session: Session,
    /// A transaction is open: Strata's, or one a statement began; as the
    /// server reports it after each statement where it does (`session.rs`).
    in_transaction: bool,
}

impl MysqlDriver {
    /// Connects to the database `url` names.
    pub fn open(url: &str, shown: String, options: &OpenOptions) -> Result<Self> {
        let (config, mut ssl) = prepare(url, options)?;
        let sql_mode = options.mysql_sql_mode.as_deref();
        let (conn, session) = session::connect(&config, &mut ssl, &shown, Role::Work { sql_mode })?;
        Ok(Self::with(conn, session, (config, ssl), shown, options, None))
    }

    /// Takes the runners' lock on a connection of its own, waiting as
    /// `request` says, then connects.
    pub fn open_locked(
        url: &str,
        shown: String,
        options: &OpenOptions,
        request: &LockRequest,
        waiting: &mut dyn FnMut(&LockWait),
    ) -> Result<Self> {
        let (config, mut ssl) = prepare(url, options)?;
        let held =
            take_lock(&config, &mut ssl, &shown, (&options.history_table, options.lock_lease), request, waiting)?;
        let sql_mode = options.mysql_sql_mode.as_deref();
        let (conn, session) = session::connect(&config, &mut ssl, &shown, Role::Work { sql_mode })?;
        Ok(Self::with(conn, session, (config, ssl), shown, options, Some(held)))
    }

    fn with(
        conn: Conn,
        session: Session,
        (config, ssl): (MyConfig, Option<SslOpts>),
        shown: String,
        options: &OpenOptions,
        lock: Option<Locked>,
    ) -> Self {
        let table = options.history_table.clone();
        let (no_lock, lease) = (options.no_lock, options.lock_lease);
        MysqlDriver { conn, config, ssl, shown, table, no_lock, lock, lease, session, in_transaction: false }
    }

    /// The lease's settings for this database's history table.
    fn lease_config(&self) -> lease::LeaseConfig {
        lease_config(&self.shown, self.table.name(), self.lease)
    }

    /// Whether the server is a Galera cluster node (`wsrep_on`).
    pub fn is_galera(&self) -> bool {
        self.session.galera
    }

    /// `error`, unless this runner's lease was lost meanwhile: then the lost
    /// lease ([`Error::LockLost`]). On a Galera cluster, a write of Strata's
    /// that fails after another runner took the lease over (the step's history
    /// row already there, a failed certification) failed because that runner
    /// did the work: the step rolls back, and the run stops saying why.
    fn lost_lease_or(&mut self, error: Error) -> Error {
        match self.check_lock() {
            Err(lost) => lost,
            Ok(()) => error,
        }
    }

    /// After a statement: what the server said about the transaction.
    fn track(&mut self) {
        if let Some(open) = self.session.tracked.then(|| session::transaction_state(&self.conn)).flatten() {
            self.in_transaction = open;
        }
    }
}

/// The URL read, `--schema` refused, and the TLS options.
fn prepare(url: &str, options: &OpenOptions) -> Result<(MyConfig, Option<SslOpts>)> {
    if let Some(schema) = options.history_table.schema() {
        return Err(Error::Config(format!(
            "MySQL and MariaDB have no schemas apart from databases, so the schema `{schema}` cannot be used; \
             the history table lives in the URL's database: name another database in the URL instead of --schema \
             (or `schema` in strata.toml)"
        )));
    }
    let config = config::parse(url, std::env::var("USER").ok())?;
    let ssl = tls::ssl_opts(&config)?;
    Ok((config, ssl))
}

/// The runners' lock, as held.
enum Locked {
    /// A named lock (`GET_LOCK`) on a connection of its own: a plain server.
    Named(lock::Held),
    /// A lease row, renewed by a thread of its own: a Galera cluster, where
    /// named locks are local to one node.
    Lease(lease::Lease),
}

/// The lease's settings: the table `<history>_lock`, and its duration.
fn lease_config(shown: &str, table: &str, duration: Option<Duration>) -> lease::LeaseConfig {
    let config = lease::LeaseConfig::for_history(table, shown);
    lease::LeaseConfig { duration: duration.unwrap_or(config.duration), ..config }
}

/// The runners' lock: a named lock on a connection of its own on a plain
/// server; on a Galera cluster node, the cluster-wide lease.
fn take_lock(
    config: &MyConfig,
    ssl: &mut Option<SslOpts>,
    shown: &str,
    (table, duration): (&HistoryTable, Option<Duration>),
    request: &LockRequest,
    waiting: &mut dyn FnMut(&LockWait),
) -> Result<Locked> {
    let role = Role::Lock { command: &request.command };
    let (locker, session) = session::connect(config, ssl, shown, role)?;
    if !session.galera {
        let name = lock::name(&config.database, table.name());
        return lock::acquire(locker, name, shown, request, waiting).map(Locked::Named);
    }
    drop(locker);
    let lease = lease_config(shown, table.name(), duration);
    let mut previous = None;
    let opts = session::opts(config, ssl.clone(), role).into();
    let held = lease::Lease::acquire(opts, &lease, request, waiting, &mut |holder| previous = Some(holder.clone()))?;
    if let Some(holder) = previous {
        waiting(&LockWait { database: shown.to_owned(), holder, timeout: request.timeout, took_over: true });
    }
    Ok(Locked::Lease(held))
}

impl Connection for MysqlDriver {
    fn execute_params(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        // Without parameters, as text: DDL, and what cannot be prepared.
        let conn = &mut self.conn;
        let result = retry::write(self.in_transaction, || match params {
            [] => conn.query_drop(sql),
            _ => conn.exec_drop(sql, values(params)),
        });
        result.map_err(|error| self.lost_lease_or(db(error)))?;
        self.track();
        Ok(self.conn.affected_rows())
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Vec<Cell>>> {
        // Prepared, so values come typed (the text protocol sends all as text).
        let rows: Vec<mysql::Row> = self.conn.exec(sql, values(params)).map_err(db)?;
        self.track();
        Ok(rows.into_iter().map(|row| row.unwrap().into_iter().map(cell).collect()).collect())
    }
}

fn values(params: &[Param<'_>]) -> Vec<Value> {
    params
        .iter()
        .map(|param| match *param {
            Param::Int(value) => Value::Int(value),
            Param::Text(Some(text)) => Value::Bytes(text.as_bytes().to_vec()),
            Param::Text(None) => Value::NULL,
        })
        .collect()
}

/// A value as the history code reads it.
fn cell(value: Value) -> Cell {
    match value {
        Value::NULL => Cell::Null,
        Value::Int(value) => Cell::Integer(value),
        Value::UInt(value) => i64::try_from(value).map_or(Cell::Real(value as f64), Cell::Integer),
        Value::Float(value) => Cell::Real(f64::from(value)),
        Value::Double(value) => Cell::Real(value),
        Value::Bytes(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Cell::Text(text),
            Err(error) => Cell::Blob(error.into_bytes().len()),
        },
        // E.g. the `applied_at` of WriteBot's Python runner's table (`adopt`), as it was stored.
        Value::Date(year, month, day, hour, minute, second, _) => {
            Cell::Text(format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"))
        }
        Value::Time(negative, days, hours, minutes, seconds, _) => {
            let sign = if negative { "-" } else { "" };
            Cell::Text(format!("{sign}{:02}:{minutes:02}:{seconds:02}", u32::from(hours) + days * 24))
        }
    }
}

impl Driver for MysqlDriver {
    fn lock(&mut self, request: &LockRequest, waiting: &mut dyn FnMut(&LockWait)) -> Result<()> {
        if self.lock.is_some() || self.no_lock {
            return Ok(());
        }
        let table = (&self.table, self.lease);
        let held = take_lock(&self.config, &mut self.ssl, &self.shown, table, request, waiting)?;
        self.lock = Some(held);
        Ok(())
    }

    fn unlock(&mut self) -> Result<()> {
        match self.lock.take() {
            Some(Locked::Named(held)) => held.release(),
            Some(Locked::Lease(lease)) => lease.release()?,
            None => {}
        }
        Ok(())
    }

    /// The named lock's holder; on a Galera node, the lease's, unless it ran out.
    fn lock_holder(&mut self) -> Result<Option<Holder>> {
        if self.session.galera {
            let config = self.lease_config();
            let held = lease::holder(&mut self.conn, &config)?;
            return Ok(held.and_then(|(holder, expired)| (!expired).then_some(holder)));
        }
        lock::holder(&mut self.conn, &lock::name(&self.config.database, self.table.name()))
    }

    fn check_lock(&mut self) -> Result<()> {
        match &self.lock {
            Some(Locked::Lease(lease)) if lease.is_lost() => {
                Err(Error::LockLost { database: self.shown.clone(), lease: self.lease_config().duration })
            }
            _ => Ok(()),
        }
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn kind_name(&self) -> &'static str {
        if self.session.mariadb {
            "MariaDB"
        } else {
            "MySQL"
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::MYSQL
    }

    fn dialect(&self) -> &'static dyn Dialect {
        match self.session.no_backslash_escapes {
            true => &crate::dialect::MYSQL_NO_BACKSLASH_ESCAPES,
            false => &crate::dialect::MYSQL,
        }
    }

    fn history_table(&self) -> &HistoryTable {
        &self.table
    }

    fn history_columns(&mut self) -> Result<Vec<String>> {
        let columns = self.conn.exec(history::COLUMNS_SQL, (self.table.name(),)).map_err(db)?;
        self.track();
        Ok(columns)
    }

    fn history_ddl(&self) -> String {
        history::create_sql(&self.qualified_history())
    }

    fn replace_history(&mut self, backup: &str, records: &[Record<'_>]) -> Result<()> {
        history::replace(self, backup, records)
    }

    fn begin(&mut self) -> Result<()> {
        self.conn.query_drop("START TRANSACTION").map_err(db)?;
        self.in_transaction = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.in_transaction = false;
        self.conn.query_drop("COMMIT").map_err(|error| self.lost_lease_or(db(error)))
    }

    fn rollback(&mut self) -> Result<()> {
        if !self.in_transaction {
            return Ok(());
        }
        self.in_transaction = false;
        self.conn.query_drop("ROLLBACK").map_err(db)
    }

    fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// Reads every result: the text between two delimiters can hold several
    /// statements (a missing `DELIMITER ;` after a body), and the server
    /// runs them all; an error in any of them fails the statement, as the
    /// `mariadb` client fails the script.
    fn execute(&mut self, sql: &str) -> std::result::Result<(), ExecError> {
        let outcome = self.conn.query_iter(sql).and_then(|mut result| {
            while let Some(set) = result.iter() {
                for row in set {
                    row?;
                }
            }
            Ok(())
        });
        outcome.map_err(|error| error::exec(&error, sql))?;
        self.track();
        Ok(())
    }

    /// `foreign_key_checks` for the session. Ready, but not declared in
    /// `Capabilities::MYSQL`: every step runs recorded, outside a
    /// transaction, where a broken key could not be rolled back.
    fn set_foreign_keys(&mut self, enabled: bool) -> Result<()> {
        foreign_keys::set(&mut self.conn, enabled)
    }

    fn foreign_key_violations(&mut self) -> Result<(usize, Vec<String>)> {
        foreign_keys::violations(&mut self.conn)
    }

    fn drop_all(&mut self) -> Result<Dropped> {
        let database = self.dialect().quote_ident(&self.config.database);
        // On a Galera node the lease's table is the lock `reset` runs under.
        let mut keep = vec![self.table.name().to_owned()];
        keep.extend(self.session.galera.then(|| self.lease_config().table));
        let counts = reset::drop_all(&mut self.conn, &database, &keep)?;
        store::clear(self)?;
        // Seven kinds: the message names those there were (tables always).
        Ok(Dropped(counts.into_iter().filter(|(kind, n)| *n > 0 || *kind == "table").collect()))
    }
}

impl Drop for MysqlDriver {
    fn drop(&mut self) {
        let _ = self.rollback();
    }
}
