//! Shared helpers for the WriteBot schema tests (`tests/writebot_*.rs`).
//!
//! Every test gets its own temporary database file. Migrations are driven
//! through the real `strata` binary; the database is then inspected with
//! rusqlite.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use rusqlite::types::Value;
use rusqlite::Connection;
use tempfile::TempDir;

/// The WriteBot migrations folder (`migrations/versions` at the workspace root).
pub fn migrations_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/versions"))
}

/// Every migration file, sorted by name, with its text.
pub fn migration_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(migrations_dir())
        .expect("read migrations/versions")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("read migration");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

/// The `-- migrate:up` section of the migration file whose name starts with `prefix` (e.g. "009").
pub fn up_section(prefix: &str) -> String {
    let (_, text) = migration_files().into_iter().find(|(name, _)| name.starts_with(prefix)).expect("migration file");
    let start = text.find("-- migrate:up").expect("up marker");
    let after_marker = start + text[start..].find('\n').expect("newline after marker") + 1;
    let end = text[after_marker..].find("-- migrate:down").map_or(text.len(), |i| after_marker + i);
    text[after_marker..end].to_owned()
}

/// A WriteBot database in its own temporary folder.
pub struct Db {
    _dir: TempDir,
    pub path: PathBuf,
}

impl Db {
    pub fn new() -> Db {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("writebot.db");
        Db { _dir: dir, path }
    }

    pub fn url(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    /// Runs `strata --database <this db> --dir <migrations> ARGS` and returns its output.
    pub fn strata(&self, args: &[&str]) -> Output {
        Command::cargo_bin("strata")
            .expect("strata binary")
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .arg("--database")
            .arg(self.url())
            .arg("--dir")
            .arg(migrations_dir())
            .args(args)
            .output()
            .expect("run strata")
    }

    /// Runs strata and asserts it succeeded; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.strata(args);
        assert!(
            output.status.success(),
            "strata {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 stdout")
    }

    /// `strata up` (all pending).
    pub fn up(&self) -> String {
        self.ok(&["up"])
    }

    /// `strata up VERSION`.
    pub fn up_to(&self, version: u32) -> String {
        self.ok(&["up", &version.to_string()])
    }

    /// `strata down VERSION` (`--yes`: `down 0` asks first on a terminal).
    pub fn down(&self, version: u32) -> String {
        self.ok(&["down", &version.to_string(), "--yes"])
    }

    /// A connection with foreign keys OFF (SQLite's default; lets a test insert orphans).
    pub fn conn(&self) -> Connection {
        let conn = Connection::open(&self.path).expect("open db");
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        conn
    }

    /// A connection with foreign keys ON.
    pub fn conn_fk(&self) -> Connection {
        let conn = Connection::open(&self.path).expect("open db");
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        let on: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(on, 1, "foreign keys could not be turned on");
        conn
    }

    /// Versions in migration_history, ascending.
    pub fn versions(&self) -> Vec<i64> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT version FROM migration_history ORDER BY version").unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    /// The normalised WriteBot schema (see [`schema_of`]): sqlite_master
    /// without the tool's migration_history and SQLite's sqlite_sequence
    /// (which SQLite never drops once created).
    pub fn schema(&self) -> Vec<SchemaRow> {
        schema_of(&self.conn())
            .into_iter()
            .filter(|(_, name, _, _)| name != "migration_history" && name != "sqlite_sequence")
            .collect()
    }

    /// Sorted (type, name) of every sqlite_master entry.
    pub fn objects(&self) -> Vec<(String, String)> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT type, name FROM sqlite_master ORDER BY type, name").unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }
}

/// One sqlite_master entry: (type, name, tbl_name, normalised sql).
pub type SchemaRow = (String, String, String, Option<String>);

/// Drops identifier quotes (`"`, `` ` ``, `[`, `]`) and collapses white space.
pub fn normalise_sql(sql: &str) -> String {
    let unquoted: String = sql.chars().filter(|c| !matches!(c, '"' | '`' | '[' | ']')).collect();
    unquoted.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// sqlite_master as (type, name, tbl_name, normalised sql), sorted.
pub fn schema_of(conn: &Connection) -> Vec<SchemaRow> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master").unwrap();
    let rows = stmt
        .query_map([], |r| {
            let sql: Option<String> = r.get(3)?;
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, sql.map(|s| normalise_sql(&s))))
        })
        .unwrap();
    let mut all: Vec<SchemaRow> = rows.collect::<rusqlite::Result<_>>().unwrap();
    all.sort();
    all
}

/// Every row of a query, as values.
pub fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
    let n = stmt.column_count();
    let rows =
        stmt.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>()).unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap_or_else(|e| panic!("query {sql}: {e}"))
}

/// The one integer a query returns.
pub fn int(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("query {sql}: {e}"))
}

/// The one text (or NULL) a query returns.
pub fn text(conn: &Connection, sql: &str) -> Option<String> {
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("query {sql}: {e}"))
}

/// Column names of a table or view, in order.
pub fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")).unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

/// Full contents of a table, ordered by id.
pub fn dump(conn: &Connection, table: &str) -> Vec<Vec<Value>> {
    rows(conn, &format!("SELECT * FROM {table} ORDER BY id"))
}

/// The WriteBot tables, in creation order.
pub const TABLES: [&str; 7] = [
    "users",
    "user_activities",
    "usage_statistics",
    "page_size_presets",
    "template_presets",
    "character_override_collections",
    "character_overrides",
];

/// A value for literal expected rows: `row![1, "alice", NULL, 2.5]`.
pub trait Val {
    fn val(self) -> Value;
}
impl Val for i32 {
    fn val(self) -> Value {
        Value::Integer(self.into())
    }
}
impl Val for i64 {
    fn val(self) -> Value {
        Value::Integer(self)
    }
}
impl Val for f64 {
    fn val(self) -> Value {
        Value::Real(self)
    }
}
impl Val for &str {
    fn val(self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl Val for &String {
    fn val(self) -> Value {
        Value::Text(self.clone())
    }
}
impl Val for String {
    fn val(self) -> Value {
        Value::Text(self)
    }
}
impl Val for Option<&str> {
    fn val(self) -> Value {
        self.map_or(Value::Null, |s| Value::Text(s.to_owned()))
    }
}
impl Val for Option<String> {
    fn val(self) -> Value {
        self.map_or(Value::Null, Value::Text)
    }
}
impl Val for Option<i64> {
    fn val(self) -> Value {
        self.map_or(Value::Null, Value::Integer)
    }
}
impl Val for Value {
    fn val(self) -> Value {
        self
    }
}
pub const NULL: Value = Value::Null;

/// Needs `#[macro_use]` on the `mod support;` line.
macro_rules! row {
    ($($x:expr),* $(,)?) => { vec![$($crate::support::Val::val($x)),*] };
}

/// The error text of a statement that must fail.
pub fn error_of(conn: &Connection, sql: &str) -> String {
    match conn.execute_batch(sql) {
        Ok(()) => panic!("expected an error from: {sql}"),
        Err(e) => e.to_string(),
    }
}

/// Seconds between a stored timestamp and SQLite's `now`.
pub fn age_seconds(conn: &Connection, timestamp: &str) -> i64 {
    conn.query_row(
        "SELECT CAST(strftime('%s','now') AS INTEGER) - CAST(strftime('%s', ?1) AS INTEGER)",
        [timestamp],
        |r| r.get(0),
    )
    .unwrap()
}

pub fn path_str(path: &Path) -> String {
    path.display().to_string()
}
