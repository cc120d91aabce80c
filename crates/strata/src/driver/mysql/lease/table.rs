//! The lock table and the lease's statements on it. Every write is one
//! autocommitted statement, conditioned on what the writer saw, so that
//! the server (and on Galera, certification) lets at most one runner's
//! write through; its affected-row count says whether it did.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mysql::prelude::Queryable;
use mysql::Conn;

use super::{code, db, error_code, LeaseConfig};
use crate::driver::lock::Holder;
use crate::error::Result;

/// The longest host or command stored (the columns' size, in characters).
const TEXT_MAX: usize = 255;
/// How often a write that lost to DDL on the lock table (1213) is tried again.
const DDL_RETRIES: usize = 5;
/// How often creating the lock table is tried again after meeting another
/// runner's creation (1213), with growing pauses (about 4 s in all).
const CREATE_RETRIES: usize = 20;

/// One runner's lease: which row, and who it is.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    /// The lock table, quoted.
    pub(crate) table: String,
    pub(crate) name: String,
    /// Random, 32 hex digits: this lease and no other.
    pub(crate) token: String,
    pub(crate) host: String,
    pub(crate) pid: u32,
    pub(crate) command: String,
    /// The lease's duration, in microseconds.
    pub(crate) micros: u64,
}

impl Key {
    pub(crate) fn new(config: &LeaseConfig, command: &str) -> Self {
        Key {
            table: quote(&config.table),
            name: config.name.clone(),
            token: token(),
            host: clip(&host_name()),
            pid: std::process::id(),
            command: clip(command),
            micros: u64::try_from(config.duration.as_micros()).unwrap_or(u64::MAX),
        }
    }
}

/// The lock's row, as a waiter reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) token: String,
    pub(crate) host: String,
    pub(crate) pid: u64,
    pub(crate) command: String,
    /// When its holder took it, UTC `YYYY-MM-DD HH:MM:SS`.
    pub(crate) since: String,
    /// How often it was written since inserted: any renewal changes it.
    pub(crate) renewals: u64,
    /// Whether `expires_at` has passed, by the reading server's clock.
    pub(crate) expired: bool,
}

impl Row {
    /// `strata up on web-1 (pid 1234) since 2026-11-25 05:40:12 UTC`.
    pub(crate) fn holder(&self) -> Holder {
        Holder {
            pid: u32::try_from(self.pid).ok(),
            command: Some(format!("{} on {}", self.command, self.host)),
            since: Some(self.since.clone()),
        }
    }
}

/// Creates the lock table unless it exists. Several runners may create it
/// at once: on Galera, DDL runs in one order on every node, and a `CREATE`
/// that met another node's gets 1213; it looks again (the table is likely
/// there now) after a pause.
pub(crate) fn ensure(conn: &mut Conn, config: &LeaseConfig) -> Result<()> {
    let context = || format!("cannot create the lock table {} in {}", config.table, config.database);
    let mut tries = 0;
    loop {
        match create(conn, config) {
            Err(e) if error_code(&e) == Some(code::DEADLOCK) && tries < CREATE_RETRIES => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20 * tries as u64));
            }
            outcome => return outcome.map_err(|e| db(&context(), &e)),
        }
    }
}

fn create(conn: &mut Conn, config: &LeaseConfig) -> mysql::Result<()> {
    let exists = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?";
    let found: Option<u64> = conn.exec_first(exists, (&config.table,))?;
    if found.unwrap_or(0) > 0 {
        return Ok(());
    }
    let create = format!(
        "CREATE TABLE IF NOT EXISTS {} (\
           name VARCHAR(191) NOT NULL, \
           token CHAR(32) NOT NULL, \
           host VARCHAR({TEXT_MAX}) NOT NULL, \
           pid BIGINT UNSIGNED NOT NULL, \
           command VARCHAR({TEXT_MAX}) NOT NULL, \
           acquired_at DATETIME(6) NOT NULL, \
           renewed_at DATETIME(6) NOT NULL, \
           expires_at DATETIME(6) NOT NULL, \
           renewals BIGINT UNSIGNED NOT NULL, \
           PRIMARY KEY (name)\
         ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        quote(&config.table)
    );
    match conn.query_drop(&create) {
        Err(e) if error_code(&e) == Some(code::TABLE_EXISTS) => Ok(()),
        other => other,
    }
}

/// The row of lock `name` in `table` (as [`quote`] gives it), if any.
pub(crate) fn read(conn: &mut Conn, table: &str, name: &str) -> mysql::Result<Option<Row>> {
    let sql = format!(
        "SELECT token, host, pid, command, DATE_FORMAT(acquired_at, '%Y-%m-%d %H:%i:%s'), renewals, \
                expires_at < UTC_TIMESTAMP(6) \
         FROM {table} WHERE name = ?"
    );
    let row: Option<(String, String, u64, String, String, u64, i64)> = conn.exec_first(sql, (name,))?;
    Ok(row.map(|(token, host, pid, command, since, renewals, expired)| Row {
        token,
        host,
        pid,
        command,
        since,
        renewals,
        expired: expired != 0,
    }))
}

/// Inserts `key`'s row: `Ok(true)` once committed.
pub(crate) fn insert(conn: &mut Conn, key: &Key) -> mysql::Result<bool> {
    let sql = format!(
        "INSERT INTO {} (name, token, host, pid, command, acquired_at, renewed_at, expires_at, renewals) \
         VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, 0)",
        key.table
    );
    conn.exec_drop(sql, (&key.name, &key.token, &key.host, key.pid, &key.command, key.micros))?;
    Ok(conn.affected_rows() == 1)
}

/// Replaces the expired lease `seen` by `key`'s, unless it changed since it
/// was read (renewed, released, taken by another) or has not expired by
/// this server's clock: `Ok(true)` once committed.
pub(crate) fn take_over(conn: &mut Conn, key: &Key, seen: &Row) -> mysql::Result<bool> {
    let sql = format!(
        "UPDATE {} SET token = ?, host = ?, pid = ?, command = ?, acquired_at = UTC_TIMESTAMP(6), \
                renewed_at = UTC_TIMESTAMP(6), expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, \
                renewals = renewals + 1 \
         WHERE name = ? AND token = ? AND renewals = ? AND expires_at < UTC_TIMESTAMP(6)",
        key.table
    );
    let params = (&key.token, &key.host, key.pid, &key.command, key.micros, &key.name, &seen.token, seen.renewals);
    conn.exec_drop(sql, params)?;
    Ok(conn.affected_rows() == 1)
}

/// Extends `key`'s lease by its duration from now: `Ok(true)` once
/// committed, `Ok(false)` when the row is no longer `key`'s.
pub(crate) fn renew(conn: &mut Conn, key: &Key) -> mysql::Result<bool> {
    let sql = format!(
        "UPDATE {} SET renewed_at = UTC_TIMESTAMP(6), expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, \
                renewals = renewals + 1 \
         WHERE name = ? AND token = ?",
        key.table
    );
    retry_ddl(|| {
        conn.exec_drop(&sql, (key.micros, &key.name, &key.token))?;
        Ok(conn.affected_rows() == 1)
    })
}

/// Deletes `key`'s row, if it is still `key`'s.
pub(crate) fn delete(conn: &mut Conn, key: &Key) -> mysql::Result<()> {
    let sql = format!("DELETE FROM {} WHERE name = ? AND token = ?", key.table);
    retry_ddl(|| conn.exec_drop(&sql, (&key.name, &key.token)))
}

/// Runs `write` again while it fails with 1213, which on a statement of
/// this runner's own row only DDL on the table (or a takeover, which the
/// next try sees) causes.
fn retry_ddl<T>(mut write: impl FnMut() -> mysql::Result<T>) -> mysql::Result<T> {
    let mut tries = 0;
    loop {
        match write() {
            Err(e) if error_code(&e) == Some(code::DEADLOCK) && tries < DDL_RETRIES => tries += 1,
            other => return other,
        }
    }
}

/// A name as a MySQL identifier (backquoted; names cannot be bound).
pub(crate) fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// 32 hex digits, unique across processes, threads and time.
fn token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let half = || {
        // RandomState's keys are random per process (and differ per call).
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.write_u128(nanos);
        hasher.write_u64(n);
        hasher.finish()
    };
    format!("{:016x}{:016x}", half(), half())
}

/// This machine's name, for people: the kernel's, else the environment's.
fn host_name() -> String {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let named = kernel.map(|name| name.trim().to_owned()).filter(|name| !name.is_empty());
    named
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|name| !name.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|name| !name.is_empty()))
        .unwrap_or_else(|| "an unknown host".to_owned())
}

/// At most [`TEXT_MAX`] characters, on one line.
fn clip(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(TEXT_MAX).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_hex_digits_and_unique() {
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| token()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())));
    }

    #[test]
    fn names_are_quoted_and_text_is_clipped_to_one_line() {
        assert_eq!(quote("migration_history_lock"), "`migration_history_lock`");
        assert_eq!(quote("a`b"), "`a``b`");
        assert_eq!(clip("strata up\n--yes"), "strata up --yes");
        assert_eq!(clip(&"é".repeat(300)).chars().count(), TEXT_MAX);
    }

    #[test]
    fn a_holder_is_shown_with_its_host() {
        let row = Row {
            token: "t".into(),
            host: "web-1".into(),
            pid: 1234,
            command: "strata up".into(),
            since: "2026-11-25 05:40:12".into(),
            renewals: 3,
            expired: false,
        };
        assert_eq!(row.holder().to_string(), "strata up on web-1 (pid 1234) since 2026-11-25 05:40:12 UTC");
    }
}
