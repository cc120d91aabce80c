//! The runners' lock on a plain MySQL or MariaDB server: a named lock
//! (`GET_LOCK`) derived from the database and the history table, held on a
//! connection of its own. `unlock` releases it (`RELEASE_LOCK`); closing the
//! connection releases it too: when the driver is dropped (also while a
//! panic unwinds) and, when the process dies outright, when the server sees
//! the connection go.
//!
//! On a Galera cluster a named lock is local to one node, so it keeps out
//! only the runners on that node: the driver never takes it there.

use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::Conn;
use sha2::{Digest, Sha256};

use super::error::db;
use crate::driver::lock::{Holder, LockRequest, LockWait};
use crate::error::{Error, Result};

/// How long a waiting runner sleeps between tries when less than a second is left.
const POLL: Duration = Duration::from_millis(50);

/// The lock's name: `strata:` and the first 16 bytes of SHA-256 over
/// `strata\0<database>\0<table>`, in hex (39 characters; the server takes 64).
/// Named locks are the server's, not a database's: the database is in the name.
pub fn name(database: &str, table: &str) -> String {
    let digest = Sha256::digest(format!("strata\0{database}\0{table}").as_bytes());
    let hex: String = digest[..16].iter().map(|byte| format!("{byte:02x}")).collect();
    format!("strata:{hex}")
}

/// A held lock: the connection that holds it.
pub struct Held {
    conn: Conn,
    name: String,
}

impl Held {
    /// Releases the lock (closing the connection would too; this says so at once).
    pub fn release(mut self) {
        let _ = self.conn.exec_drop("DO RELEASE_LOCK(?)", (&self.name,));
    }
}

/// Takes the lock `name` on `conn` (a connection of its own), waiting as
/// `request` says; `database` names the database in messages.
pub fn acquire(
    mut conn: Conn,
    name: String,
    database: &str,
    request: &LockRequest,
    waiting: &mut dyn FnMut(&LockWait),
) -> Result<Held> {
    let start = Instant::now();
    let mut announced = false;
    loop {
        // Once announced, the server waits (up to a second at a time) and
        // hands the lock over the moment it is released.
        let left = request.timeout.saturating_sub(start.elapsed());
        let wait = if announced { left.as_secs().min(1) } else { 0 };
        let got: Option<Option<i64>> = conn.exec_first("SELECT GET_LOCK(?, ?)", (&name, wait)).map_err(db)?;
        if got.flatten() == Some(1) {
            return Ok(Held { conn, name });
        }
        let found = holder(&mut conn, &name)?;
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
        if wait == 0 {
            std::thread::sleep(POLL.min(request.timeout.saturating_sub(waited)).max(Duration::from_millis(5)));
        }
    }
}

/// The holder's connection id, user, client address and since when it is idle.
type HolderRow = (Option<u64>, Option<String>, Option<String>, Option<String>);

/// Who holds the lock `name`, as the server tells: the connection
/// (`IS_USED_LOCK`), its user and client address and how long it has been
/// idle since the statement that took the lock (the process list), and,
/// where the server keeps connection attributes (`performance_schema` on,
/// MySQL's default, not MariaDB's), the runner's command and pid.
pub fn holder(conn: &mut Conn, name: &str) -> Result<Option<Holder>> {
    let row: Option<HolderRow> = conn
        .exec_first(
            "SELECT l.id, p.USER, p.HOST, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL p.TIME SECOND, '%Y-%m-%d %H:%i:%s') \
             FROM (SELECT IS_USED_LOCK(?) AS id) l LEFT JOIN information_schema.PROCESSLIST p ON p.ID = l.id",
            (name,),
        )
        .map_err(db)?;
    let Some((Some(id), user, host, since)) = row else {
        return Ok(None);
    };
    let (program, pid) = attributes(conn, id);
    let account = match (user, host) {
        (Some(user), Some(host)) => format!(", {user}@{host}"),
        _ => String::new(),
    };
    let program = program.unwrap_or_else(|| "strata".to_owned());
    Ok(Some(Holder { pid, command: Some(format!("{program} (connection {id}{account})")), since }))
}

/// The `program_name` and `_pid` the connection `id` sent, where the server
/// keeps them; best effort (nothing when `performance_schema` is off or not readable).
fn attributes(conn: &mut Conn, id: u64) -> (Option<String>, Option<u32>) {
    let rows: Vec<(String, String)> = conn
        .exec(
            "SELECT ATTR_NAME, ATTR_VALUE FROM performance_schema.session_connect_attrs \
             WHERE PROCESSLIST_ID = ? AND ATTR_NAME IN ('program_name', '_pid')",
            (id,),
        )
        .unwrap_or_default();
    let value = |key: &str| rows.iter().find(|(name, _)| name == key).map(|(_, value)| value.clone());
    (value("program_name").filter(|name| !name.is_empty()), value("_pid").and_then(|pid| pid.parse().ok()))
}

/// What a runner's lock connection tells others it is: its command, without
/// control characters, cut to what the server keeps.
pub fn program_name(command: &str) -> String {
    command.chars().filter(|c| !c.is_control()).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_depends_on_database_and_table_only_and_fits() {
        let a = name("app", "migration_history");
        assert_eq!(a, name("app", "migration_history"));
        assert_ne!(a, name("app2", "migration_history"));
        assert_ne!(a, name("app", "other"));
        // The separator keeps "ab"+"c" apart from "a"+"bc".
        assert_ne!(name("ab", "c"), name("a", "bc"));
        assert!(a.starts_with("strata:") && a.len() == 39, "{a}");
        assert!(name(&"d".repeat(64), &"t".repeat(63)).len() <= 64);
    }

    #[test]
    fn program_names_drop_control_characters() {
        assert_eq!(program_name("strata up\n--target 3"), "strata up--target 3");
        assert_eq!(program_name(&"x".repeat(100)).len(), 64);
    }
}
