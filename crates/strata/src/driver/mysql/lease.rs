//! The runners' lock on a Galera cluster: a lease, held as a row of an
//! InnoDB table and renewed while its holder works.
//!
//! On Galera, `GET_LOCK`, `LOCK TABLES` and `SELECT … FOR UPDATE` lock on
//! one node only: two runners talking to two nodes would both hold them.
//! What the cluster does agree on is the order of committed writes, so the
//! lock is a row (one per lock name, the primary key) that a runner inserts
//! and commits. Galera's certification lets exactly one of several runners
//! racing on several nodes commit it; the others get error 1213 ("Deadlock
//! found") at their commit, or 1062 (duplicate key) when the server retried
//! their statement after the winner's row arrived. A runner believes it
//! holds the lock only once its own commit succeeded.
//!
//! The row is a lease: `expires_at` is the server's `UTC_TIMESTAMP(6)` plus
//! the lease's duration, and a thread of the holder's renews it on a
//! connection of its own every third of the duration (one replicated write).
//! A runner killed outright stops renewing, and once the lease has expired
//! another runner takes it over, with a conditional `UPDATE` that
//! certification again gives to one runner only, and says whose lease it
//! took. A killed runner thus blocks others for at most one lease. A holder
//! whose renewal finds the row taken over (it stalled for longer than the
//! lease) marks the lease lost: [`Lease::is_lost`], which the engine asks
//! before each step.
//!
//! Two refinements keep a live holder's lease from being taken. A waiter
//! that has watched the row change (a renewal, a new holder) treats its
//! holder as alive for one more lease, whatever the clocks say: while a
//! DDL statement runs under Galera's total-order isolation every commit in
//! the cluster waits, renewals included, and the renewal that was waiting
//! lands when the DDL ends. And a holder whose renewal took long renews
//! again at once. Clocks: `expires_at` is written by one node and compared
//! with another's clock, so the nodes' clocks must agree to well within a
//! lease (NTP does).

mod renew;
mod table;

use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};

use crate::driver::lock::{Holder, LockRequest, LockWait};
use crate::error::{Error, Result};

pub use renew::Lease;
use table::{Key, Row};

/// How long a lease lasts unless renewed, when nothing else says.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// How often a waiting runner looks at the lock again.
const POLL: Duration = Duration::from_millis(100);
/// The pause after losing a race (someone else's commit won), before looking again.
const RACE_PAUSE: Duration = Duration::from_millis(10);
/// How long connecting may take, unless the URL says.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// MySQL's error codes the lease handles.
pub(crate) mod code {
    /// `ER_DUP_ENTRY`: the row is there (another runner committed it first).
    pub const DUPLICATE: u16 = 1062;
    /// `ER_LOCK_DEADLOCK`: on Galera also a failed certification.
    pub const DEADLOCK: u16 = 1213;
    /// `ER_LOCK_WAIT_TIMEOUT`: a row lock on this node was held too long.
    pub const LOCK_WAIT_TIMEOUT: u16 = 1205;
    /// `ER_TABLE_EXISTS_ERROR`.
    pub const TABLE_EXISTS: u16 = 1050;
    /// `ER_NO_SUCH_TABLE`.
    pub const NO_SUCH_TABLE: u16 = 1146;
}

/// Which lease: the table holding it, the lock's name (its row), how long
/// it lasts, and the database as shown to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseConfig {
    /// The lock table, in the connection's database; created (InnoDB, with a
    /// primary key) when missing.
    pub table: String,
    /// The lock's name: its row's key.
    pub name: String,
    /// How long a lease lasts without renewal: the longest a killed runner
    /// keeps others out. It is renewed every third of it.
    pub duration: Duration,
    /// The database, as a URL without password, for messages.
    pub database: String,
}

impl LeaseConfig {
    /// The lease of the history table `history`: table `<history>_lock`,
    /// lock name `history`, [`DEFAULT_LEASE`].
    pub fn for_history(history: &str, database: impl Into<String>) -> Self {
        LeaseConfig {
            table: format!("{history}_lock"),
            name: history.to_owned(),
            duration: DEFAULT_LEASE,
            database: database.into(),
        }
    }
}

impl Lease {
    /// Takes the lease on a connection of its own (made from `opts`),
    /// creating the lock table when missing, waiting up to
    /// `request.timeout` for a live holder ([`Error::LockTimeout`] naming
    /// it); `waiting` is called once, before waiting. An expired lease is
    /// taken over, even with a zero timeout, and `took_over` is told whose
    /// it was. The returned lease is renewed until released or dropped.
    pub fn acquire(
        opts: Opts,
        config: &LeaseConfig,
        request: &LockRequest,
        waiting: &mut dyn FnMut(&LockWait),
        took_over: &mut dyn FnMut(&Holder),
    ) -> Result<Lease> {
        if config.duration < Duration::from_millis(30) {
            return Err(Error::Config(format!(
                "the lock lease on {} must last at least 30 ms, not {:?}",
                config.database, config.duration
            )));
        }
        let opts = with_connect_timeout(opts);
        let mut conn = connect(&opts, &config.database)?;
        table::ensure(&mut conn, config)?;
        let key = Key::new(config, &request.command);
        let taken = take(&mut conn, &key, config, request, waiting, took_over)?;
        match Lease::start(conn, opts.clone(), key.clone(), config.duration, taken, &config.database) {
            Ok(lease) => Ok(lease),
            Err(error) => {
                // Not renewed: give it back rather than keep others out for a lease.
                if let Ok(mut conn) = connect(&opts, &config.database) {
                    let _ = table::delete(&mut conn, &key);
                }
                Err(error)
            }
        }
    }
}

/// Who holds the lease, and whether it has expired (by the server's clock);
/// `None` when nobody does, or there is no lock table. Creates nothing.
#[doc(hidden)]
pub fn holder(conn: &mut Conn, config: &LeaseConfig) -> Result<Option<(Holder, bool)>> {
    match table::read(conn, &table::quote(&config.table), &config.name) {
        Ok(row) => Ok(row.map(|row| (row.holder(), row.expired))),
        Err(error) if error_code(&error) == Some(code::NO_SUCH_TABLE) => Ok(None),
        Err(error) => Err(db(&format!("cannot read the lock table {}", config.table), &error)),
    }
}

/// What a waiter has seen of the row: evidence that its holder is alive.
#[derive(Default)]
struct Watch {
    /// The row's token and renewal count when last read.
    last: Option<(String, u64)>,
    /// Until when the holder counts as alive: a lease after the row changed
    /// before this waiter's eyes.
    alive_until: Option<Instant>,
}

impl Watch {
    /// Whether `row` may be taken over: expired by the server's clock, and
    /// not seen changing within the last lease.
    fn may_take(&mut self, row: &Row, duration: Duration) -> bool {
        let now = Instant::now();
        let seen = (row.token.clone(), row.renewals);
        if self.last.as_ref().is_some_and(|last| *last != seen) {
            self.alive_until = Some(now + duration);
        }
        self.last = Some(seen);
        row.expired && self.alive_until.is_none_or(|until| now >= until)
    }
}

/// The waiting loop: insert the row when there is none, take it over when
/// it has expired, else wait (and time out) for its holder. Returns when
/// the write that took it was sent.
fn take(
    conn: &mut Conn,
    key: &Key,
    config: &LeaseConfig,
    request: &LockRequest,
    waiting: &mut dyn FnMut(&LockWait),
    took_over: &mut dyn FnMut(&Holder),
) -> Result<Instant> {
    let start = Instant::now();
    let mut announced = false;
    let mut watch = Watch::default();
    loop {
        let row = table::read(conn, &key.table, &key.name).map_err(|e| db("cannot read the lock table", &e))?;
        let sent = Instant::now();
        let row = match try_take(conn, key, row, &mut watch, config.duration, took_over)? {
            Attempt::Won => return Ok(sent),
            // Someone else's write came first: look at once at whose.
            Attempt::Lost => {
                std::thread::sleep(RACE_PAUSE);
                continue;
            }
            Attempt::Held(row) => row,
        };
        let holder = row.holder();
        let waited = start.elapsed();
        if waited >= request.timeout {
            return Err(Error::LockTimeout { database: config.database.clone(), holder, waited: request.timeout });
        }
        if !announced {
            waiting(&LockWait {
                database: config.database.clone(),
                holder,
                timeout: request.timeout,
                took_over: false,
            });
            announced = true;
        }
        std::thread::sleep(POLL.min(request.timeout.saturating_sub(waited)).max(RACE_PAUSE));
    }
}

/// What one look at the lock came to.
enum Attempt {
    Won,
    /// Raced another runner's write, which came first.
    Lost,
    /// A live holder has it.
    Held(Row),
}

/// Inserts the row when there is none, takes it over when it has expired
/// (telling `took_over` whose it was).
fn try_take(
    conn: &mut Conn,
    key: &Key,
    row: Option<Row>,
    watch: &mut Watch,
    duration: Duration,
    took_over: &mut dyn FnMut(&Holder),
) -> Result<Attempt> {
    let won = match row {
        None => race(table::insert(conn, key), "cannot insert into the lock table")?,
        Some(row) if watch.may_take(&row, duration) => {
            let won = race(table::take_over(conn, key, &row), "cannot take over the lock")?;
            if won {
                took_over(&row.holder());
            }
            won
        }
        Some(row) => return Ok(Attempt::Held(row)),
    };
    Ok(if won { Attempt::Won } else { Attempt::Lost })
}

/// A write racing other runners': `Ok(true)` when it committed and changed
/// the row, `Ok(false)` when another runner's write won (1213, 1062, 1205,
/// or no row matched any more).
fn race(outcome: mysql::Result<bool>, context: &str) -> Result<bool> {
    match outcome {
        Ok(won) => Ok(won),
        Err(error) if is_lost_race(&error) => Ok(false),
        Err(error) => Err(db(context, &error)),
    }
}

/// Whether `error` says another runner's write came first.
pub(crate) fn is_lost_race(error: &mysql::Error) -> bool {
    matches!(error_code(error), Some(code::DEADLOCK | code::DUPLICATE | code::LOCK_WAIT_TIMEOUT))
}

/// The server's error code, when the server sent the error.
pub(crate) fn error_code(error: &mysql::Error) -> Option<u16> {
    match error {
        mysql::Error::MySqlError(e) => Some(e.code),
        _ => None,
    }
}

/// A failure of the lease's own statements or connection.
/// The server's errors as its client shows them: `ERROR 1047 (08S01): …`.
pub(crate) fn db(context: &str, error: &mysql::Error) -> Error {
    let error = match error {
        mysql::Error::MySqlError(e) => e.to_string(),
        other => other.to_string(),
    };
    Error::Database(crate::redact::redact_text(&format!("{context}: {error}")))
}

/// `opts`, with a connect timeout when it has none.
fn with_connect_timeout(opts: Opts) -> Opts {
    match opts.get_tcp_connect_timeout() {
        Some(_) => opts,
        None => OptsBuilder::from_opts(opts).tcp_connect_timeout(Some(CONNECT_TIMEOUT)).into(),
    }
}

/// A new connection for the lease, in autocommit mode (whatever the
/// server's default): each of the lease's statements is a transaction of its
/// own, committed (on Galera: certified) before the server answers.
pub(crate) fn open(opts: &Opts) -> mysql::Result<Conn> {
    let mut conn = Conn::new(opts.clone())?;
    conn.query_drop("SET SESSION autocommit = 1")?;
    Ok(conn)
}

/// [`open`], its error naming the database.
fn connect(opts: &Opts, database: &str) -> Result<Conn> {
    open(opts).map_err(|e| db(&format!("cannot connect to {database} for the lock"), &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(token: &str, renewals: u64, expired: bool) -> Row {
        Row {
            token: token.to_owned(),
            host: "web-1".to_owned(),
            pid: 42,
            command: "strata up".to_owned(),
            since: "2026-11-25 10:00:00".to_owned(),
            renewals,
            expired,
        }
    }

    #[test]
    fn an_expired_lease_is_taken_unless_its_holder_was_seen_alive_within_a_lease() {
        let lease = Duration::from_secs(3600);
        let mut watch = Watch::default();
        assert!(!watch.may_take(&row("a", 0, false), lease));
        assert!(watch.may_take(&row("a", 0, true), lease), "expired, never seen renewing: dead");

        let mut watch = Watch::default();
        assert!(!watch.may_take(&row("a", 0, false), lease));
        assert!(!watch.may_take(&row("a", 1, true), lease), "renewed before our eyes: alive for a lease");
        assert!(!watch.may_take(&row("b", 0, true), lease), "a new holder: alive too");

        let mut watch = Watch::default();
        assert!(!watch.may_take(&row("a", 0, false), Duration::ZERO));
        assert!(watch.may_take(&row("a", 1, true), Duration::ZERO), "seen alive, but a lease ago");
    }

    #[test]
    fn the_history_tables_lease_is_named_after_it() {
        let config = LeaseConfig::for_history("migration_history", "mysql://root@db/app");
        assert_eq!(config.table, "migration_history_lock");
        assert_eq!(config.name, "migration_history");
        assert_eq!(config.duration, DEFAULT_LEASE);
    }

    #[test]
    fn lost_races_are_told_from_failures() {
        let server =
            |code| mysql::Error::MySqlError(mysql::MySqlError { state: "HY000".into(), message: "m".into(), code });
        assert!(is_lost_race(&server(code::DEADLOCK)));
        assert!(is_lost_race(&server(code::DUPLICATE)));
        assert!(!is_lost_race(&server(1047)), "a node that is not ready is an error");
        assert!(!race(Err(server(code::DEADLOCK)), "x").unwrap());
        let error = race(Err(server(1047)), "cannot insert into the lock table").unwrap_err();
        assert_eq!(error.to_string(), "database error: cannot insert into the lock table: ERROR 1047 (HY000): m");
    }
}
