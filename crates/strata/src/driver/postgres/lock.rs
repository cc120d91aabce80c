//! The runners' lock on PostgreSQL: a session-level advisory lock on a key
//! derived from the database, schema and history table, held on a connection
//! of its own. Closing that connection releases it: on `unlock`, when the
//! driver is dropped (also while a panic unwinds), and, when the process dies
//! outright, when the server sees the connection go.

use std::time::{Duration, Instant};

use postgres::Client;
use sha2::{Digest, Sha256};

use super::error::db;
use crate::driver::lock::{Holder, LockRequest, LockWait};
use crate::error::{Error, Result};

/// How often a waiting runner asks again.
const POLL: Duration = Duration::from_millis(100);

/// The lock's key: the first 8 bytes of SHA-256 over
/// `strata\0<database>\0<schema>\0<table>`, as a signed 64-bit integer.
/// Stable across versions and machines, so every runner agrees.
pub fn key(database: &str, schema: &str, table: &str) -> i64 {
    let digest = Sha256::digest(format!("strata\0{database}\0{schema}\0{table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// A held lock: the connection that holds it.
pub struct Held {
    _client: Client,
}

/// Takes the lock on `client` (a connection of its own), waiting as `request` says.
pub fn acquire(
    mut client: Client,
    key: i64,
    database: &str,
    request: &LockRequest,
    waiting: &mut dyn FnMut(&LockWait),
) -> Result<Held> {
    let start = Instant::now();
    let mut announced = false;
    loop {
        let row = client.query_one("SELECT pg_try_advisory_lock($1)", &[&key]).map_err(db)?;
        if row.get::<_, bool>(0) {
            return Ok(Held { _client: client });
        }
        let found = holder(&mut client, key)?;
        let waited = start.elapsed();
        if waited >= request.timeout {
            let holder = found.unwrap_or_default();
            return Err(Error::LockTimeout { database: database.to_owned(), holder, waited: request.timeout });
        }
        // No holder: it let go between the two queries. Say nothing yet; try again.
        if let (false, Some(holder)) = (announced, found) {
            waiting(&LockWait { database: database.to_owned(), holder, timeout: request.timeout, took_over: false });
            announced = true;
        }
        std::thread::sleep(POLL.min(request.timeout.saturating_sub(waited)).max(Duration::from_millis(5)));
    }
}

/// Who holds the lock `key`, as the server tells: the runner's own pid and
/// command (from its connection's `application_name`, `strata up pid=123`),
/// else the server process; since when it holds the lock: its connection
/// has been idle since the query that took it.
pub fn holder(client: &mut Client, key: i64) -> Result<Option<Holder>> {
    let (high, low) = ((key >> 32) as u32, key as u32);
    let row = client
        .query_opt(
            "SELECT a.pid, a.application_name, to_char(a.state_change AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), \
                    host(a.client_addr) \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             LIMIT 1",
            &[&i64::from(high), &i64::from(low)],
        )
        .map_err(db)?;
    Ok(row.map(|row| {
        let server_pid: i32 = row.get(0);
        let name: Option<String> = row.get(1);
        let client_addr: Option<String> = row.get(3);
        let (command, pid) = match name.as_deref().and_then(|name| name.rsplit_once(" pid=")) {
            Some((command, pid)) => (command.to_owned(), pid.parse().ok()),
            None => (name.unwrap_or_default(), None),
        };
        let from = client_addr.map(|addr| format!(" from {addr}")).unwrap_or_default();
        Holder {
            pid: pid.or(u32::try_from(server_pid).ok()),
            command: Some(format!("{command}{from}").trim().to_owned()).filter(|c| !c.is_empty()),
            since: row.get(2),
        }
    }))
}

/// The `application_name` of a runner's lock connection: `strata up pid=123`
/// (PostgreSQL keeps 63 bytes).
pub fn application_name(command: &str) -> String {
    let pid = format!(" pid={}", std::process::id());
    let room = 63usize.saturating_sub(pid.len());
    let command: String = command.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').take(room).collect();
    format!("{command}{pid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_database_schema_and_table_only() {
        let a = key("app", "public", "migration_history");
        assert_eq!(a, key("app", "public", "migration_history"));
        assert_ne!(a, key("app2", "public", "migration_history"));
        assert_ne!(a, key("app", "ops", "migration_history"));
        assert_ne!(a, key("app", "public", "other"));
        // The separators keep "ab"+"c" apart from "a"+"bc".
        assert_ne!(key("ab", "c", "t"), key("a", "bc", "t"));
    }

    #[test]
    fn application_names_fit_and_carry_the_pid() {
        let name = application_name("strata up");
        assert_eq!(name, format!("strata up pid={}", std::process::id()));
        assert!(application_name(&"x".repeat(100)).len() <= 63);
    }
}
