//! SQLite's part of the history table: its columns from the catalog, its
//! `CREATE TABLE`, the write counter behind `history_writes`, and the rename
//! `adopt` needs. Reading and writing rows is `history/store.rs`'s.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};

use super::{db, SqliteDriver};
use crate::driver::{Driver, Writes};
use crate::error::{Error, Result};
use crate::history::{Cell, Record};

/// Strata's history table, named `table` (quoted and qualified).
pub(super) fn create_sql(table: &str) -> String {
    format!(
        "CREATE TABLE {table} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  execution_ms INTEGER NOT NULL,
  checksum TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'applied',
  up_sql TEXT NOT NULL,
  down_sql TEXT,
  down_options TEXT NOT NULL DEFAULT '',
  failure TEXT
)"
    )
}

/// The columns of the table `name` in `main`, in order; empty when there is none.
pub(super) fn columns(conn: &Connection, name: &str) -> Result<Vec<String>> {
    let mut statement =
        conn.prepare_cached("SELECT name FROM pragma_table_info(?1, 'main') ORDER BY cid").map_err(db)?;
    let columns = statement.query_map([name], |row| row.get(0)).map_err(db)?;
    columns.collect::<rusqlite::Result<_>>().map_err(db)
}

/// A value as the history code reads it.
pub(super) fn cell(row: &Row<'_>, index: usize) -> rusqlite::Result<Cell> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(value) => Cell::Integer(value),
        ValueRef::Real(value) => Cell::Real(value),
        ValueRef::Text(text) => Cell::Text(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(blob) => Cell::Blob(blob.len()),
    })
}

/// A temporary table counting rows written to the history table, kept by
/// temporary triggers: only this connection sees them, they vanish with it,
/// and dropping the history table drops them (so the count stops).
const WATCH: &str = "strata_history_writes";

/// Starts counting writes to `table` (quoted, in `main`).
pub(super) fn watch(conn: &Connection, table: &str) -> Result<()> {
    let trigger = |event: &str, column: &str| {
        format!(
            "DROP TRIGGER IF EXISTS temp.{WATCH}_{column};
             CREATE TEMP TRIGGER {WATCH}_{column} AFTER {event} ON {table} \
             BEGIN UPDATE {WATCH} SET {column} = {column} + 1; END;"
        )
    };
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {WATCH} (inserted INTEGER NOT NULL, updated INTEGER NOT NULL, deleted INTEGER NOT NULL);
         DELETE FROM temp.{WATCH};
         INSERT INTO temp.{WATCH} VALUES (0, 0, 0);
         {}{}{}",
        trigger("INSERT", "inserted"),
        trigger("UPDATE", "updated"),
        trigger("DELETE", "deleted")
    ))
    .map_err(db)
}

pub(super) fn writes(conn: &Connection) -> Result<Writes> {
    let sql = format!("SELECT inserted, updated, deleted FROM temp.{WATCH}");
    let read = |row: &Row<'_>| Ok(Writes { inserted: row.get(0)?, updated: row.get(1)?, deleted: row.get(2)? });
    conn.prepare_cached(&sql).and_then(|mut statement| statement.query_row([], read)).map_err(db)
}

/// Renames the table to `backup`, creates Strata's and fills it, in the
/// transaction the caller opened.
pub(super) fn replace(driver: &mut SqliteDriver, backup: &str, records: &[Record<'_>]) -> Result<()> {
    let taken: i64 = driver
        .conn
        .query_row("SELECT count(*) FROM main.sqlite_master WHERE name = ?1 COLLATE NOCASE", [backup], |row| row.get(0))
        .map_err(db)?;
    if taken > 0 {
        return Err(Error::AdoptRefused {
            table: driver.history_table().to_string(),
            database: driver.describe(),
            reason: format!("{backup} already exists, and adopt keeps the old table under that name"),
        });
    }
    // Legacy renaming leaves views alone: WriteBot's `system_statistics` reads
    // MAX(version) from the history table, which must go on meaning Strata's.
    let table = driver.qualified_history();
    let backup = driver.dialect().quote_ident(backup);
    driver
        .conn
        .execute_batch(&format!(
            "PRAGMA legacy_alter_table = ON;\nALTER TABLE {table} RENAME TO {backup};\nPRAGMA legacy_alter_table = OFF;\n{};",
            create_sql(&table)
        ))
        .map_err(db)?;
    records.iter().try_for_each(|record| driver.insert_history(record))
}
