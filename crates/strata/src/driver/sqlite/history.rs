//! SQLite: reading and writing the history table, strictly. A table that is
//! not Strata's, or a value Strata never writes, is a named error, never
//! rusqlite's bare message.

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::db;
use crate::driver::{LegacyRow, Writes};
use crate::error::{Error, Result};
use crate::history::{Applied, BadValue, Cell, Record, Shape, TABLE};

/// Strata's history table.
fn create_sql(table: &str) -> String {
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
  down_options TEXT NOT NULL DEFAULT ''
)"
    )
}

/// What the history table in `main` is, from its columns.
pub(super) fn shape(conn: &Connection) -> Result<Shape> {
    let mut statement =
        conn.prepare_cached("SELECT name FROM pragma_table_info(?1, 'main') ORDER BY cid").map_err(db)?;
    let columns = statement.query_map([TABLE], |row| row.get(0)).map_err(db)?;
    let columns: Vec<String> = columns.collect::<rusqlite::Result<_>>().map_err(db)?;
    Ok(Shape::of(&columns))
}

/// Fails unless the table is Strata's or absent; returns whether it exists.
fn require_strata(conn: &Connection, database: &str) -> Result<bool> {
    match shape(conn)? {
        Shape::Absent => Ok(false),
        Shape::Strata => Ok(true),
        Shape::WriteBot => Err(foreign(database, crate::history::WRITEBOT_COLUMNS.map(str::to_owned).to_vec(), true)),
        Shape::Other(columns) => Err(foreign(database, columns, false)),
    }
}

fn foreign(database: &str, columns: Vec<String>, writebot: bool) -> Error {
    Error::ForeignHistory { table: TABLE.to_owned(), database: database.to_owned(), columns, writebot }
}

pub(super) fn ensure(conn: &Connection, database: &str) -> Result<()> {
    if require_strata(conn, database)? {
        return Ok(());
    }
    conn.execute_batch(&create_sql(TABLE)).map_err(db)
}

fn cell(row: &Row<'_>, index: usize) -> rusqlite::Result<Cell> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(value) => Cell::Integer(value),
        ValueRef::Real(value) => Cell::Real(value),
        ValueRef::Text(text) => Cell::Text(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(blob) => Cell::Blob(blob.len()),
    })
}

fn bad_value(database: &str, bad: BadValue) -> Error {
    Error::HistoryValue {
        table: TABLE.to_owned(),
        database: database.to_owned(),
        version: bad.version,
        column: bad.column,
        found: bad.found.to_string(),
    }
}

/// Every row, by version; empty when there is no table.
pub(super) fn read(conn: &Connection, database: &str) -> Result<Vec<Applied>> {
    if !require_strata(conn, database)? {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT version, name, checksum, applied_at, execution_ms, state, down_sql IS NOT NULL FROM {TABLE} ORDER BY version"
    );
    let mut statement = conn.prepare(&sql).map_err(db)?;
    let rows = statement
        .query_map([], |row| {
            let cells = [cell(row, 0)?, cell(row, 1)?, cell(row, 2)?, cell(row, 3)?, cell(row, 4)?, cell(row, 5)?];
            Ok((cells, row.get::<_, bool>(6)?))
        })
        .map_err(db)?;
    let mut history = Vec::new();
    for row in rows {
        let (cells, has_down) = row.map_err(db)?;
        history.push(Applied::from_cells(cells, has_down).map_err(|bad| bad_value(database, bad))?);
    }
    Ok(history)
}

/// The stored down script and its options of `version`, if it has one.
pub(super) fn stored_down(conn: &Connection, database: &str, version: u64) -> Result<Option<(String, String)>> {
    let sql = format!("SELECT down_sql, down_options FROM {TABLE} WHERE version = ?1 AND down_sql IS NOT NULL");
    let cells = conn.query_row(&sql, [version], |row| Ok((cell(row, 0)?, cell(row, 1)?))).optional().map_err(db)?;
    let Some((down_sql, options)) = cells else {
        return Ok(None);
    };
    let bad = |column, found| bad_value(database, BadValue { version: version.to_string(), column, found });
    let down_sql = down_sql.clone().text().ok_or_else(|| bad("down_sql", down_sql))?;
    let options = options.clone().text().ok_or_else(|| bad("down_options", options))?;
    Ok(Some((down_sql, options)))
}

pub(super) fn insert(conn: &Connection, r: &Record<'_>) -> Result<()> {
    let sql = format!(
        "INSERT INTO {TABLE} (version, name, applied_at, execution_ms, checksum, state, up_sql, down_sql, down_options)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    );
    let values = params![
        r.version,
        r.name,
        r.applied_at,
        r.execution_ms,
        r.checksum,
        r.state.as_str(),
        r.up_sql,
        r.down_sql,
        r.down_options
    ];
    conn.prepare_cached(&sql).and_then(|mut statement| statement.execute(values)).map(drop).map_err(db)
}

/// A temporary table counting rows written to the history table, kept by
/// temporary triggers: only this connection sees them, they vanish with it,
/// and dropping the history table drops them (so the count stops).
const WATCH: &str = "strata_history_writes";

pub(super) fn watch(conn: &Connection) -> Result<()> {
    let trigger = |event: &str, column: &str| {
        format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS {WATCH}_{column} AFTER {event} ON main.{TABLE} \
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

/// The rows of WriteBot's Python runner's table, by id.
pub(super) fn legacy(conn: &Connection) -> Result<Vec<LegacyRow>> {
    let mut statement =
        conn.prepare(&format!("SELECT version, name, applied_at FROM {TABLE} ORDER BY id")).map_err(db)?;
    let rows = statement
        .query_map([], |row| Ok(LegacyRow { version: cell(row, 0)?, name: cell(row, 1)?, applied_at: cell(row, 2)? }))
        .map_err(db)?;
    rows.collect::<rusqlite::Result<_>>().map_err(db)
}

/// Renames the table to `backup`, creates Strata's and fills it, in the
/// transaction the caller opened.
pub(super) fn replace(conn: &Connection, database: &str, backup: &str, records: &[Record<'_>]) -> Result<()> {
    let taken: i64 = conn
        .query_row("SELECT count(*) FROM main.sqlite_master WHERE name = ?1 COLLATE NOCASE", [backup], |row| row.get(0))
        .map_err(db)?;
    if taken > 0 {
        return Err(Error::AdoptRefused {
            table: TABLE.to_owned(),
            database: database.to_owned(),
            reason: format!("{backup} already exists, and adopt keeps the old table under that name"),
        });
    }
    // Legacy renaming leaves views alone: WriteBot's `system_statistics` reads
    // MAX(version) from the history table, which must go on meaning Strata's.
    conn.execute_batch(&format!(
        "PRAGMA legacy_alter_table = ON;\nALTER TABLE {TABLE} RENAME TO {backup};\nPRAGMA legacy_alter_table = OFF;\n{};",
        create_sql(TABLE)
    ))
    .map_err(db)?;
    records.iter().try_for_each(|record| insert(conn, record))
}
