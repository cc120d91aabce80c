//! The history table (`migration_history` unless `history_table` says
//! otherwise): its name, shapes and rows, and the UTC timestamps it stores.
//! Reading and writing it is written once, in `store.rs`, over the small
//! connection interface every driver implements.

pub(crate) mod store;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// The history table's default name.
pub const TABLE: &str = "migration_history";

/// Which table holds the history: its name, and the schema it lives in on
/// databases that have schemas (`None`: the connection's current one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryTable {
    name: String,
    schema: Option<String>,
}

impl Default for HistoryTable {
    fn default() -> Self {
        HistoryTable { name: TABLE.to_owned(), schema: None }
    }
}

impl HistoryTable {
    /// The table `name` (in `schema`, where the database has schemas). Both
    /// must be plain identifiers, letters, digits and `_`, not starting with a
    /// digit, at most 63 bytes (PostgreSQL's limit), so that the name reads the
    /// same on every database and in every message.
    pub fn new(name: &str, schema: Option<&str>) -> Result<Self> {
        check_identifier("history table", name)?;
        if let Some(schema) = schema {
            check_identifier("schema", schema)?;
        }
        Ok(HistoryTable { name: name.to_owned(), schema: schema.map(str::to_owned) })
    }

    /// The table's own name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The schema named for it, if any.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The same table in `schema` (a driver fills in the current schema).
    pub fn in_schema(&self, schema: &str) -> Self {
        HistoryTable { name: self.name.clone(), schema: Some(schema.to_owned()) }
    }
}

impl std::fmt::Display for HistoryTable {
    /// `schema.name` when a schema is known, else `name`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

fn check_identifier(what: &str, name: &str) -> Result<()> {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain && name.len() <= 63 {
        return Ok(());
    }
    Err(Error::Config(format!(
        "the {what} name `{}` is not a plain identifier: use letters, digits and `_`, not starting with a digit, \
         at most 63 characters (e.g. `strata_history`)",
        name.escape_default()
    )))
}

/// Whether a history row stands for a finished migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Applied and finished.
    Applied,
    /// A `transaction:false` up step started and has not finished.
    Applying,
    /// A `transaction:false` down step started and has not finished.
    Reverting,
}

impl RowState {
    /// The text stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Applying => "applying",
            RowState::Reverting => "reverting",
        }
    }

    /// Reads the `state` column; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "applied" => Some(RowState::Applied),
            "applying" => Some(RowState::Applying),
            "reverting" => Some(RowState::Reverting),
            _ => None,
        }
    }
}

/// Strata's columns of the history table, in order.
pub const COLUMNS: [&str; 9] =
    ["version", "name", "applied_at", "execution_ms", "checksum", "state", "up_sql", "down_sql", "down_options"];

/// The column saying why an interrupted step stopped: the statement that
/// failed, where, the database's error, and what ran before it. Added after
/// the others; a table without it is Strata's all the same, and gains it
/// the next time a command that writes history opens it (`store::ensure`).
pub const FAILURE: &str = "failure";

/// The columns of the table WriteBot's Python runner (`migrations/migrate.py`) created.
pub const WRITEBOT_COLUMNS: [&str; 4] = ["id", "version", "name", "applied_at"];

/// Where `strata adopt` keeps the table it converted.
pub const ADOPT_BACKUP: &str = "migration_history_before_strata";

/// What a database's history table is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// There is no history table.
    Absent,
    /// Strata's table.
    Strata,
    /// WriteBot's Python runner's table, which `strata adopt` converts.
    WriteBot,
    /// Some other table, with these columns.
    Other(Vec<String>),
}

impl Shape {
    /// Sorts a table by its column names (as `PRAGMA table_info` lists them).
    pub fn of(columns: &[String]) -> Shape {
        let has = |name: &str| columns.iter().any(|column| column.eq_ignore_ascii_case(name));
        if columns.is_empty() {
            Shape::Absent
        } else if COLUMNS.iter().all(|name| has(name)) {
            Shape::Strata
        } else if columns.len() == WRITEBOT_COLUMNS.len() && WRITEBOT_COLUMNS.iter().all(|name| has(name)) {
            Shape::WriteBot
        } else {
            Shape::Other(columns.to_vec())
        }
    }
}

/// A value as a history table holds it, for reading it strictly and naming
/// what was found when it is not what Strata wrote.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(usize),
}

impl std::fmt::Display for Cell {
    /// As SQL would write it: `NULL`, `-5`, `2.5`, `'done'`, or a blob's size.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => f.write_str("NULL"),
            Cell::Integer(value) => write!(f, "{value}"),
            Cell::Real(value) => write!(f, "{value:?}"),
            Cell::Text(text) => write!(f, "'{}'", text.replace('\'', "''")),
            Cell::Blob(len) => write!(f, "a blob of {len} bytes"),
        }
    }
}

impl Cell {
    /// A whole number ≥ 0.
    pub fn whole(&self) -> Option<u64> {
        match self {
            Cell::Integer(value) => u64::try_from(*value).ok(),
            _ => None,
        }
    }

    /// Text (a number stored in a text column reads as its digits).
    pub fn text(self) -> Option<String> {
        match self {
            Cell::Text(text) => Some(text),
            Cell::Integer(value) => Some(value.to_string()),
            _ => None,
        }
    }
}

/// What a column of Strata's history table must hold, in words, for messages.
pub fn expected(column: &str) -> &'static str {
    match column {
        "version" => "a migration's version, a whole number ≥ 0",
        "execution_ms" => "a whole number of milliseconds ≥ 0",
        "state" => "one of 'applied', 'applying', 'reverting'",
        "down_sql" => "text or NULL",
        _ => "text",
    }
}

/// A history row as commands read it (without the stored scripts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: u64,
    pub name: String,
    pub checksum: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub applied_at: String,
    pub execution_ms: u64,
    pub state: RowState,
    /// Whether a down script is stored.
    pub has_down: bool,
    /// Why an interrupted step stopped, as recorded when it failed (`None`
    /// when it finished, or when it was killed before it could say).
    pub failure: Option<String>,
}

/// A value of a history row that is not what Strata writes: the row's version
/// (as SQL writes it), the column, and the value found.
#[derive(Debug, Clone, PartialEq)]
pub struct BadValue {
    pub version: String,
    pub column: &'static str,
    pub found: Cell,
}

impl Applied {
    /// Reads a row from its cells (version, name, checksum, applied_at,
    /// execution_ms, state) strictly: anything Strata never writes is a [`BadValue`].
    pub fn from_cells(cells: [Cell; 6], has_down: bool) -> Result<Applied, BadValue> {
        let [version, name, checksum, applied_at, execution_ms, state] = cells;
        let Some(number) = version.whole() else {
            return Err(BadValue { version: version.to_string(), column: "version", found: version });
        };
        let bad = |column, found| BadValue { version: number.to_string(), column, found };
        let text = |column, cell: Cell| cell.clone().text().ok_or_else(|| bad(column, cell));
        let execution_ms = execution_ms.whole().ok_or_else(|| bad("execution_ms", execution_ms.clone()))?;
        let state_text = text("state", state.clone())?;
        Ok(Applied {
            version: number,
            name: text("name", name)?,
            checksum: text("checksum", checksum)?,
            applied_at: text("applied_at", applied_at)?,
            execution_ms,
            state: RowState::parse(&state_text).ok_or_else(|| bad("state", state))?,
            has_down,
            failure: None,
        })
    }
}

/// A history row to insert when a migration is applied.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub version: u64,
    pub name: &'a str,
    pub checksum: &'a str,
    pub applied_at: String,
    pub execution_ms: u64,
    pub state: RowState,
    pub up_sql: &'a str,
    pub down_sql: Option<&'a str>,
    /// The down section's marker options, e.g. `foreign_keys:off`.
    pub down_options: String,
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS`, like SQLite's `CURRENT_TIMESTAMP`.
pub fn utc_now() -> String {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format_utc(seconds)
}

/// Formats seconds since 1970 (UTC) as `YYYY-MM-DD HH:MM:SS`.
pub fn format_utc(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60)
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_like_sqlite_current_timestamp() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_795_986_153), "2026-11-29 21:02:33");
        assert_eq!(format_utc(4_107_542_399), "2100-02-28 23:59:59");
    }

    #[test]
    fn only_the_three_row_states_parse() {
        assert_eq!(RowState::parse("applied"), Some(RowState::Applied));
        assert_eq!(RowState::parse("applying"), Some(RowState::Applying));
        assert_eq!(RowState::parse("reverting"), Some(RowState::Reverting));
        assert_eq!(RowState::parse("done"), None);
        assert_eq!(RowState::parse("Applied"), None);
    }

    fn row(execution_ms: Cell, state: &str) -> [Cell; 6] {
        let text = |s: &str| Cell::Text(s.to_owned());
        [Cell::Integer(3), text("c"), text("ab"), text("2026-01-01 00:00:00"), execution_ms, text(state)]
    }

    #[test]
    fn reads_rows_strictly_naming_the_bad_value() {
        let good = Applied::from_cells(row(Cell::Integer(5), "applied"), true).unwrap();
        assert_eq!((good.version, good.execution_ms, good.state), (3, 5, RowState::Applied));
        let bad = Applied::from_cells(row(Cell::Integer(-5), "applied"), false).unwrap_err();
        assert_eq!((bad.version.as_str(), bad.column, bad.found), ("3", "execution_ms", Cell::Integer(-5)));
        let bad = Applied::from_cells(row(Cell::Integer(0), "done"), false).unwrap_err();
        assert_eq!((bad.column, bad.found), ("state", Cell::Text("done".into())));
        let mut cells = row(Cell::Integer(0), "applied");
        cells[0] = Cell::Text("x".into());
        let bad = Applied::from_cells(cells, false).unwrap_err();
        assert_eq!((bad.version.as_str(), bad.column), ("'x'", "version"));
        let mut cells = row(Cell::Integer(0), "applied");
        cells[1] = Cell::Null;
        assert_eq!(Applied::from_cells(cells, false).unwrap_err().column, "name");
    }

    #[test]
    fn history_table_names_are_plain_identifiers() {
        assert_eq!(HistoryTable::default().to_string(), "migration_history");
        assert_eq!(HistoryTable::new("app_migrations", Some("ops")).unwrap().to_string(), "ops.app_migrations");
        for bad in ["", "1st", "a-b", "a.b", "a b", "\"x\"", &"x".repeat(64)] {
            let error = HistoryTable::new(bad, None).unwrap_err().to_string();
            assert!(error.starts_with("the history table name `"), "{error}");
        }
        let error = HistoryTable::new("t", Some("my schema")).unwrap_err().to_string();
        assert!(error.starts_with("the schema name `my schema` is not a plain identifier"), "{error}");
    }

    #[test]
    fn sorts_tables_by_their_columns() {
        let names = |list: &[&str]| list.iter().map(|name| name.to_string()).collect::<Vec<_>>();
        assert_eq!(Shape::of(&[]), Shape::Absent);
        assert_eq!(Shape::of(&names(&COLUMNS)), Shape::Strata);
        assert_eq!(Shape::of(&names(&["ID", "version", "name", "applied_at"])), Shape::WriteBot);
        assert_eq!(Shape::of(&names(&["id", "version"])), Shape::Other(names(&["id", "version"])));
    }

    #[test]
    fn cells_read_as_sql_writes_them() {
        assert_eq!(Cell::Integer(-5).to_string(), "-5");
        assert_eq!(Cell::Text("it's".into()).to_string(), "'it''s'");
        assert_eq!(Cell::Real(2.0).to_string(), "2.0");
        assert_eq!(Cell::Null.to_string(), "NULL");
        assert_eq!(Cell::Integer(-5).whole(), None);
        assert_eq!(Cell::Integer(7).whole(), Some(7));
    }
}
