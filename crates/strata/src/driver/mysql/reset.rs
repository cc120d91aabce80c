//! `reset` on MySQL and MariaDB: drops what the connection's database holds,
//! and nothing else: never another database's objects, never users. Foreign
//! key checks are off for the session while it drops (so tables go in any
//! order) and on again afterwards, also when a drop fails. DDL commits on
//! MySQL, so a failure midway leaves what was dropped dropped; running
//! `reset` again finishes the work.

use mysql::prelude::Queryable;
use mysql::Conn;

use super::error::db;
use crate::error::Result;

/// The kinds, in the order they are reported, with the query listing each
/// (quoted names) in the connection's database, leaving out the history
/// table `?`, and the statement dropping them.
const KINDS: [(&str, &str, &str); 7] = [
    (
        "table",
        "SELECT CONCAT('`', REPLACE(TABLE_NAME, '`', '``'), '`') FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_NAME <> ? \
         ORDER BY TABLE_NAME",
        "DROP TABLE",
    ),
    (
        "view",
        "SELECT CONCAT('`', REPLACE(TABLE_NAME, '`', '``'), '`') FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'VIEW' AND ? IS NOT NULL ORDER BY TABLE_NAME",
        "DROP VIEW",
    ),
    (
        "sequence",
        "SELECT CONCAT('`', REPLACE(TABLE_NAME, '`', '``'), '`') FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SEQUENCE' AND ? IS NOT NULL ORDER BY TABLE_NAME",
        "DROP SEQUENCE",
    ),
    (
        "trigger",
        "SELECT CONCAT('`', REPLACE(TRIGGER_NAME, '`', '``'), '`') FROM information_schema.TRIGGERS \
         WHERE TRIGGER_SCHEMA = DATABASE() AND ? IS NOT NULL ORDER BY TRIGGER_NAME",
        "DROP TRIGGER",
    ),
    (
        "procedure",
        "SELECT CONCAT('`', REPLACE(ROUTINE_NAME, '`', '``'), '`') FROM information_schema.ROUTINES \
         WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'PROCEDURE' AND ? IS NOT NULL ORDER BY ROUTINE_NAME",
        "DROP PROCEDURE",
    ),
    (
        "function",
        "SELECT CONCAT('`', REPLACE(ROUTINE_NAME, '`', '``'), '`') FROM information_schema.ROUTINES \
         WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'FUNCTION' AND ? IS NOT NULL ORDER BY ROUTINE_NAME",
        "DROP FUNCTION",
    ),
    (
        "event",
        "SELECT CONCAT('`', REPLACE(EVENT_NAME, '`', '``'), '`') FROM information_schema.EVENTS \
         WHERE EVENT_SCHEMA = DATABASE() AND ? IS NOT NULL ORDER BY EVENT_NAME",
        "DROP EVENT",
    ),
];

/// The order kinds are dropped in (indexes into `KINDS`): events and
/// triggers before the tables they act on, views before tables, routines last.
const DROP_ORDER: [usize; 7] = [6, 3, 1, 0, 2, 4, 5];

/// Drops everything the connection's database `database` (quoted) holds but
/// the tables `keep` (the history table first, then the lease's lock
/// table on a Galera cluster, in use while `reset` runs); counts by kind.
pub fn drop_all(conn: &mut Conn, database: &str, keep: &[String]) -> Result<Vec<(&'static str, usize)>> {
    let mut names = Vec::with_capacity(KINDS.len());
    let table = keep.first().map_or("", String::as_str);
    for (_, list, _) in KINDS {
        names.push(conn.exec::<String, _, _>(list, (table,)).map_err(db)?);
    }
    let quoted: Vec<String> = keep.iter().map(|name| format!("`{}`", name.replace('`', "``"))).collect();
    names[0].retain(|name| !quoted.contains(name));
    conn.query_drop("SET SESSION foreign_key_checks = 0").map_err(db)?;
    let dropped = drop_kinds(conn, database, &names);
    // On every path; a lost connection loses the setting with it.
    let restored = conn.query_drop("SET SESSION foreign_key_checks = 1").map_err(db);
    dropped.and(restored)?;
    Ok(KINDS.iter().zip(&names).map(|((kind, _, _), names)| (*kind, names.len())).collect())
}

/// One `DROP` a kind for tables and views (which take a list), one an object otherwise.
fn drop_kinds(conn: &mut Conn, database: &str, names: &[Vec<String>]) -> Result<()> {
    for index in DROP_ORDER {
        let (_, _, drop) = KINDS[index];
        let qualified: Vec<String> = names[index].iter().map(|name| format!("{database}.{name}")).collect();
        if qualified.is_empty() {
            continue;
        }
        match drop {
            "DROP TABLE" | "DROP VIEW" | "DROP SEQUENCE" => {
                conn.query_drop(format!("{drop} {}", qualified.join(", "))).map_err(db)?
            }
            _ => {
                for name in &qualified {
                    conn.query_drop(format!("{drop} {name}")).map_err(db)?;
                }
            }
        }
    }
    Ok(())
}
