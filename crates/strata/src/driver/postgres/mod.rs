//! PostgreSQL, through the sync `postgres` client, TLS by rustls.
//!
//! DDL is transactional here, so each step runs in one transaction with its
//! history row, its section sent as one batch (one round trip). Runners are
//! kept apart by an advisory lock held on a connection of its own, taken
//! before the working connection is opened. A hot standby can be read
//! (`status`) but never written: commands that write fail at once.

pub(crate) mod config;
mod error;
mod lock;
mod reset;
mod savepoint;
mod tls;
mod watch;

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::types::{ToSql, Type};
use postgres::{Client, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use self::config::PgConfig;
use self::error::db;
use super::lock::{Holder, LockRequest, LockWait};
use super::{Capabilities, Connection, Driver, Dropped, ExecError, OpenOptions, Param, Record, Writes};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::history::{store, Cell, HistoryTable, RowState};

/// A PostgreSQL database.
pub struct PostgresDriver {
    client: Client,
    pg: PgConfig,
    /// The TLS connector, built once (it may read the system's certificates).
    tls: MakeRustlsConnect,
    /// The URL as shown to people (no password).
    shown: String,
    /// The history table, its schema resolved.
    table: HistoryTable,
    no_lock: bool,
    lock: Option<lock::Held>,
    in_transaction: bool,
    /// `BEGIN` not sent yet: it goes with the next statement, in the same
    /// round trip (a step's section), or before the next query.
    begin_pending: bool,
    /// Statements prepared on this connection, by text.
    prepared: HashMap<String, Statement>,
    /// Where the count of history writes started (`watch.rs`).
    watch: Option<watch::Watch>,
    /// The savepoint for Strata's history write is set already (it went with
    /// the section's statements).
    savepoint_set: bool,
}

impl PostgresDriver {
    /// Connects to the database `url` names (the history table in the schema
    /// `options` names, else the connection's current one).
    pub fn open(url: &str, shown: String, options: &OpenOptions) -> Result<Self> {
        let pg = config::parse(url, &|name| std::env::var(name).ok())?;
        let tls = tls::connector(&pg)?;
        let mut client = connect(&pg, &tls, &shown, None)?;
        let table = resolve_table(&mut client, &options.history_table, &shown)?;
        Ok(Self::with(client, (pg, tls), shown, table, options, None))
    }

    /// Refuses a standby, takes the runners' lock on a connection of its own,
    /// waiting as `request` says, then connects.
    pub fn open_locked(
        url: &str,
        shown: String,
        options: &OpenOptions,
        request: &LockRequest,
        waiting: &mut dyn FnMut(&LockWait),
    ) -> Result<Self> {
        let pg = config::parse(url, &|name| std::env::var(name).ok())?;
        let tls = tls::connector(&pg)?;
        let mut locker = locker(&pg, &tls, &shown, &request.command)?;
        let table = resolve_table(&mut locker, &options.history_table, &shown)?;
        let held = lock::acquire(locker, lock_key(&pg, &table), &shown, request, waiting)?;
        let client = connect(&pg, &tls, &shown, None)?;
        Ok(Self::with(client, (pg, tls), shown, table, options, Some(held)))
    }

    fn with(
        client: Client,
        (pg, tls): (PgConfig, MakeRustlsConnect),
        shown: String,
        table: HistoryTable,
        options: &OpenOptions,
        lock: Option<lock::Held>,
    ) -> Self {
        let no_lock = options.no_lock;
        let prepared = HashMap::new();
        PostgresDriver {
            client,
            pg,
            tls,
            shown,
            table,
            no_lock,
            lock,
            in_transaction: false,
            begin_pending: false,
            prepared,
            watch: None,
            savepoint_set: false,
        }
    }

    /// Sends a pending `BEGIN` on its own, before a query that cannot carry it.
    fn flush_begin(&mut self) -> Result<()> {
        if std::mem::take(&mut self.begin_pending) {
            self.client.batch_execute("BEGIN").map_err(db)?;
        }
        Ok(())
    }

    /// A transaction begun at once, for work sent to the client directly
    /// (which would otherwise run before the pending `BEGIN`, outside it).
    fn begin_now(&mut self) -> Result<()> {
        self.begin()?;
        self.flush_begin()
    }

    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(db)?;
        self.prepared.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

fn lock_key(pg: &PgConfig, table: &HistoryTable) -> i64 {
    lock::key(config::database_name(&pg.config), table.schema().unwrap_or_default(), table.name())
}

/// A connection for a runner's lock, named `command` to others; refused on a
/// standby, before any lock is waited for.
fn locker(pg: &PgConfig, tls: &MakeRustlsConnect, shown: &str, command: &str) -> Result<Client> {
    let mut client = connect(pg, tls, shown, Some(command))?;
    refuse_standby(&mut client, shown)?;
    Ok(client)
}

/// A connection; `command` names a runner's lock connection to others.
fn connect(pg: &PgConfig, tls: &MakeRustlsConnect, shown: &str, command: Option<&str>) -> Result<Client> {
    let mut config = pg.config.clone();
    if let Some(command) = command {
        config.application_name(&lock::application_name(command));
        // The lock connection idles for the whole command: TCP keepalives every
        // 30 s keep a NAT or load balancer from dropping it (and the lock) midway.
        config.keepalives(true).keepalives_idle(std::time::Duration::from_secs(30));
    }
    let mut client = config.connect(tls.clone()).map_err(|error| {
        let advice = tls::advice(pg, &error).map(|advice| format!("; {advice}")).unwrap_or_default();
        Error::Database(format!("cannot connect: {}; the database is {shown}{advice}", error::cause(&error)))
    })?;
    session_settings(&mut client);
    Ok(client)
}

/// Settings of every connection, where the server has them (PostgreSQL 14+):
/// - `idle_session_timeout` off: the lock connection is idle as long as a
///   migration runs; a server that closed it would let the next runner in
///   while this one is still at work.
/// - `client_connection_check_interval` 1 s (unless the URL set one): the
///   server checks, while a statement runs, that the runner is still there.
///   Without it, a runner killed during a long statement leaves that statement
///   running to its end, holding what the migration locked, while its lock
///   connection (idle, so closed at once) lets the next runner in to wait
///   behind it.
///
/// Best effort: a server without a setting skips it, and one that fails the
/// query fails the next one too.
fn session_settings(client: &mut Client) {
    let _ = client.batch_execute(
        "SELECT set_config('idle_session_timeout', '0', false) \
         WHERE current_setting('idle_session_timeout', true) IS NOT NULL; \
         SELECT set_config('client_connection_check_interval', '1s', false) \
         WHERE current_setting('client_connection_check_interval', true) = '0'",
    );
}

/// Writing commands fail at once on a hot standby, before waiting for any lock.
fn refuse_standby(client: &mut Client, shown: &str) -> Result<()> {
    let row = client.query_one("SELECT pg_is_in_recovery()", &[]).map_err(db)?;
    match row.get::<_, bool>(0) {
        true => Err(Error::ReadOnlyStandby { database: shown.to_owned() }),
        false => Ok(()),
    }
}

/// The history table with its schema: the one named, which must exist, else
/// the connection's current schema.
fn resolve_table(client: &mut Client, table: &HistoryTable, shown: &str) -> Result<HistoryTable> {
    let schema: Option<String> = match table.schema() {
        Some(schema) => {
            let found = client
                .query_opt("SELECT nspname::text FROM pg_namespace WHERE nspname = $1", &[&schema])
                .map_err(db)?;
            if found.is_none() {
                return Err(Error::Config(format!(
                    "the schema `{schema}` does not exist in {shown}; create it (CREATE SCHEMA {schema}) or name another with --schema"
                )));
            }
            Some(schema.to_owned())
        }
        None => client.query_one("SELECT current_schema()::text", &[]).map_err(db)?.get(0),
    };
    let schema = schema.ok_or_else(|| {
        Error::Config(format!(
            "{shown} has no current schema (its search_path names none that exists); name one with --schema"
        ))
    })?;
    Ok(table.in_schema(&schema))
}

impl Connection for PostgresDriver {
    fn execute_params(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        self.flush_begin()?;
        let statement = self.statement(sql)?;
        let values = values(params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|value| value.as_ref()).collect();
        self.client.execute(&statement, &refs).map_err(db)
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Vec<Cell>>> {
        self.flush_begin()?;
        let statement = self.statement(sql)?;
        let values = values(params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|value| value.as_ref()).collect();
        let rows = self.client.query(&statement, &refs).map_err(db)?;
        rows.iter().map(|row| (0..row.len()).map(|index| cell(row, index)).collect()).collect()
    }
}

fn values<'a>(params: &[Param<'a>]) -> Vec<Box<dyn ToSql + Sync + 'a>> {
    params
        .iter()
        .map(|param| match *param {
            Param::Int(value) => Box::new(value) as Box<dyn ToSql + Sync>,
            Param::Text(text) => Box::new(text),
        })
        .collect()
}

/// A value as the history code reads it.
fn cell(row: &postgres::Row, index: usize) -> Result<Cell> {
    let column = &row.columns()[index];
    let bad = |error: postgres::Error| Error::Database(format!("column {}: {}", column.name(), error::cause(&error)));
    let ty = column.type_();
    Ok(match *ty {
        Type::INT2 => row.try_get::<_, Option<i16>>(index).map_err(bad)?.map(i64::from).map(Cell::Integer),
        Type::INT4 => row.try_get::<_, Option<i32>>(index).map_err(bad)?.map(i64::from).map(Cell::Integer),
        Type::INT8 => row.try_get::<_, Option<i64>>(index).map_err(bad)?.map(Cell::Integer),
        Type::BOOL => row.try_get::<_, Option<bool>>(index).map_err(bad)?.map(|b| Cell::Integer(i64::from(b))),
        Type::FLOAT4 => row.try_get::<_, Option<f32>>(index).map_err(bad)?.map(|f| Cell::Real(f64::from(f))),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(index).map_err(bad)?.map(Cell::Real),
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(index).map_err(bad)?.map(|b| Cell::Blob(b.len())),
        // E.g. the `applied_at` of WriteBot's Python runner's table (`adopt`), in UTC as Strata writes times.
        Type::TIMESTAMP | Type::TIMESTAMPTZ => match row.try_get::<_, Option<SystemTime>>(index).map_err(bad)? {
            Some(time) => Some(Cell::Text(crate::history::format_utc(
                time.duration_since(UNIX_EPOCH)
                    .map_err(|_| Error::Database(format!("column {}: a time before 1970", column.name())))?
                    .as_secs(),
            ))),
            None => None,
        },
        _ => row.try_get::<_, Option<String>>(index).map_err(bad)?.map(Cell::Text),
    }
    .unwrap_or(Cell::Null))
}

impl Driver for PostgresDriver {
    fn lock(&mut self, request: &LockRequest, waiting: &mut dyn FnMut(&LockWait)) -> Result<()> {
        if self.lock.is_some() || self.no_lock {
            return Ok(());
        }
        let locker = locker(&self.pg, &self.tls, &self.shown, &request.command)?;
        let key = lock_key(&self.pg, &self.table);
        self.lock = Some(lock::acquire(locker, key, &self.shown, request, waiting)?);
        Ok(())
    }

    fn unlock(&mut self) -> Result<()> {
        self.lock = None;
        Ok(())
    }

    fn lock_holder(&mut self) -> Result<Option<Holder>> {
        let key = lock_key(&self.pg, &self.table);
        lock::holder(&mut self.client, key)
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn kind_name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::POSTGRES
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &crate::dialect::POSTGRES
    }

    fn history_table(&self) -> &HistoryTable {
        &self.table
    }

    fn history_columns(&mut self) -> Result<Vec<String>> {
        let sql = "SELECT attname::text FROM pg_attribute \
                   WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum";
        let statement = self.statement(sql)?;
        let rows = self.client.query(&statement, &[&self.qualified_history()]).map_err(db)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn history_ddl(&self) -> String {
        format!(
            "CREATE TABLE {} (
  version BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  execution_ms BIGINT NOT NULL,
  checksum TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'applied',
  up_sql TEXT NOT NULL,
  down_sql TEXT,
  down_options TEXT NOT NULL DEFAULT '',
  failure TEXT
)",
            self.qualified_history()
        )
    }

    fn insert_history(&mut self, record: &Record<'_>) -> Result<()> {
        savepoint::write(self, |driver| store::insert(driver, record))
    }

    fn set_history_state(&mut self, version: u64, state: RowState, execution_ms: Option<u64>) -> Result<()> {
        savepoint::write(self, |driver| store::set_state(driver, version, state, execution_ms))
    }

    fn delete_history(&mut self, version: u64) -> Result<()> {
        savepoint::write(self, |driver| store::delete(driver, version))
    }

    fn watch_history(&mut self) -> Result<()> {
        self.watch = watch::start(self)?;
        Ok(())
    }

    fn history_writes(&mut self) -> Result<Option<Writes>> {
        match self.watch {
            Some(watch) => watch::writes(self, &watch),
            None => Ok(None),
        }
    }

    fn replace_history(&mut self, backup: &str, records: &[Record<'_>]) -> Result<()> {
        self.begin_now()?;
        let result = (|| {
            self.flush_begin()?;
            let rename =
                format!("ALTER TABLE {} RENAME TO {}", self.qualified_history(), self.dialect().quote_ident(backup));
            self.client.batch_execute(&rename).map_err(db)?;
            let create = self.history_ddl();
            self.client.batch_execute(&create).map_err(db)?;
            records.iter().try_for_each(|record| store::insert(self, record))
        })();
        match result {
            Ok(()) => self.commit(),
            Err(error) => {
                let _ = self.rollback();
                Err(error)
            }
        }
    }

    /// Sent with the next statement (one round trip less per migration).
    fn begin(&mut self) -> Result<()> {
        self.begin_pending = true;
        self.in_transaction = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.in_transaction = false;
        self.savepoint_set = false;
        if std::mem::take(&mut self.begin_pending) {
            return Ok(());
        }
        self.client.batch_execute("COMMIT").map_err(db)
    }

    fn rollback(&mut self) -> Result<()> {
        self.savepoint_set = false;
        if !self.in_transaction {
            return Ok(());
        }
        self.in_transaction = false;
        if std::mem::take(&mut self.begin_pending) {
            return Ok(());
        }
        self.client.batch_execute("ROLLBACK").map_err(db)
    }

    fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    fn execute(&mut self, sql: &str) -> std::result::Result<(), ExecError> {
        if !std::mem::take(&mut self.begin_pending) {
            let result = self.client.batch_execute(sql).map_err(|error| error::exec(&error, sql));
            // Outside Strata's transaction the statement may have opened one (BEGIN without COMMIT).
            if !self.in_transaction {
                self.in_transaction = savepoint::block_open(&mut self.client);
            }
            return result;
        }
        // `BEGIN;`, the statements and the savepoint for Strata's history write
        // (savepoint.rs) in one round trip; positions are the script's. Should
        // the script hide the savepoint (it cannot: an unterminated comment or
        // string fails the whole batch), the batch would have failed.
        const BEGIN: &str = "BEGIN;\n";
        let whole = format!("{BEGIN}{sql}\n;{}", savepoint::SET);
        let result = self.client.batch_execute(&whole).map_err(|error| {
            let mut failed = error::exec(&error, &whole);
            failed.offset = failed.offset.and_then(|offset| offset.checked_sub(BEGIN.len()));
            failed
        });
        self.savepoint_set = result.is_ok();
        result
    }

    fn drop_all(&mut self) -> Result<Dropped> {
        self.begin_now()?;
        let schema = self.table.schema().unwrap_or_default().to_owned();
        let table = self.table.name().to_owned();
        let result = self
            .flush_begin()
            .and_then(|()| reset::drop_all(&mut self.client, &schema, &table))
            .and_then(|counts| crate::history::store::clear(self).map(|()| counts));
        match result {
            Ok(counts) => {
                self.commit()?;
                // Nine kinds: the message names those there were (tables always).
                let named = counts.into_iter().filter(|(kind, n)| *n > 0 || *kind == "table").collect();
                Ok(Dropped(named))
            }
            Err(error) => {
                let _ = self.rollback();
                Err(error)
            }
        }
    }
}

impl Drop for PostgresDriver {
    fn drop(&mut self) {
        let _ = self.rollback();
    }
}
