//! Reading and writing the history table, written once for every database
//! over [`Connection`]: the driver supplies its dialect (placeholders,
//! quoting), the table's columns from its catalog and the `CREATE TABLE`
//! with its types; everything else is here. Values are bound, never
//! formatted into a statement, and read strictly: a table that is not
//! Strata's, or a value Strata never writes, is a named error.

use crate::driver::{Driver, LegacyRow, Param};
use crate::error::{Error, Result};
use crate::history::{Applied, BadValue, Cell, Record, RowState, Shape, FAILURE};

/// What the history table is, from its columns.
pub(crate) fn shape<D: Driver + ?Sized>(driver: &mut D) -> Result<Shape> {
    Ok(Shape::of(&driver.history_columns()?))
}

/// Fails unless the table is Strata's or absent; returns `None` when there
/// is none, else whether it has the [`FAILURE`] column (added after the others).
fn require_strata<D: Driver + ?Sized>(driver: &mut D) -> Result<Option<bool>> {
    let columns = driver.history_columns()?;
    match Shape::of(&columns) {
        Shape::Absent => Ok(None),
        Shape::Strata => Ok(Some(columns.iter().any(|column| column.eq_ignore_ascii_case(FAILURE)))),
        Shape::WriteBot => Err(foreign(driver, crate::history::WRITEBOT_COLUMNS.map(str::to_owned).to_vec(), true)),
        Shape::Other(columns) => Err(foreign(driver, columns, false)),
    }
}

/// The history table is some other tool's (or WriteBot's old runner's).
pub(crate) fn foreign<D: Driver + ?Sized>(driver: &D, columns: Vec<String>, writebot: bool) -> Error {
    Error::ForeignHistory { table: driver.history_table().to_string(), database: driver.describe(), columns, writebot }
}

/// Creates Strata's table unless it exists, and adds the [`FAILURE`] column
/// to a table made before it; refuses another tool's.
pub(crate) fn ensure<D: Driver + ?Sized>(driver: &mut D) -> Result<()> {
    let sql = match require_strata(driver)? {
        Some(true) => return Ok(()),
        Some(false) => format!("ALTER TABLE {} ADD COLUMN {FAILURE} TEXT", driver.qualified_history()),
        None => driver.history_ddl(),
    };
    driver.execute_params(&sql, &[]).map(drop)
}

fn bad_value<D: Driver + ?Sized>(driver: &D, bad: BadValue) -> Error {
    Error::HistoryValue {
        table: driver.history_table().to_string(),
        database: driver.describe(),
        version: bad.version,
        column: bad.column,
        found: bad.found.to_string(),
    }
}

/// Every row, by version; empty when there is no table.
pub(crate) fn read<D: Driver + ?Sized>(driver: &mut D) -> Result<Vec<Applied>> {
    Ok(read_if_exists(driver)?.unwrap_or_default())
}

/// Every row, or `None` when there is no history table; creates nothing.
pub(crate) fn read_if_exists<D: Driver + ?Sized>(driver: &mut D) -> Result<Option<Vec<Applied>>> {
    match require_strata(driver)? {
        None => Ok(None),
        Some(has_failure) => rows(driver, has_failure).map(Some),
    }
}

/// Every row of Strata's table, which has the [`FAILURE`] column or not.
fn rows<D: Driver + ?Sized>(driver: &mut D, has_failure: bool) -> Result<Vec<Applied>> {
    let sql = format!(
        "SELECT version, name, checksum, applied_at, execution_ms, state, \
         CASE WHEN down_sql IS NULL THEN 0 ELSE 1 END, {} FROM {} ORDER BY version",
        if has_failure { FAILURE } else { "NULL" },
        driver.qualified_history()
    );
    let rows = driver.query(&sql, &[])?;
    let mut history = Vec::with_capacity(rows.len());
    for row in rows {
        let Ok([version, name, checksum, applied_at, execution_ms, state, has_down, failure]) =
            <[Cell; 8]>::try_from(row)
        else {
            return Err(Error::Database("the history query returned a row of another width".to_owned()));
        };
        let cells = [version, name, checksum, applied_at, execution_ms, state];
        let mut applied =
            Applied::from_cells(cells, has_down == Cell::Integer(1)).map_err(|bad| bad_value(driver, bad))?;
        applied.failure = match failure {
            Cell::Null => None,
            Cell::Text(text) => Some(text),
            found => {
                let bad = BadValue { version: applied.version.to_string(), column: FAILURE, found };
                return Err(bad_value(driver, bad));
            }
        };
        history.push(applied);
    }
    Ok(history)
}

/// The stored down script and its options of `version`, if it has one.
pub(crate) fn stored_down<D: Driver + ?Sized>(driver: &mut D, version: u64) -> Result<Option<(String, String)>> {
    let sql = format!(
        "SELECT down_sql, down_options FROM {} WHERE version = {} AND down_sql IS NOT NULL",
        driver.qualified_history(),
        driver.dialect().placeholder(1)
    );
    let mut rows = driver.query(&sql, &[Param::Int(whole(version)?)])?;
    let Some(row) = rows.pop() else {
        return Ok(None);
    };
    let Ok([down_sql, options]) = <[Cell; 2]>::try_from(row) else {
        return Err(Error::Database("the history query returned a row of another width".to_owned()));
    };
    let bad = |column, found| bad_value(driver, BadValue { version: version.to_string(), column, found });
    let down_sql = down_sql.clone().text().ok_or_else(|| bad("down_sql", down_sql))?;
    let options = options.clone().text().ok_or_else(|| bad("down_options", options))?;
    Ok(Some((down_sql, options)))
}

/// Inserts a row.
pub(crate) fn insert<D: Driver + ?Sized>(driver: &mut D, r: &Record<'_>) -> Result<()> {
    let p = |n| driver.dialect().placeholder(n);
    let sql = format!(
        "INSERT INTO {} (version, name, applied_at, execution_ms, checksum, state, up_sql, down_sql, down_options) \
         VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})",
        driver.qualified_history(),
        p(1),
        p(2),
        p(3),
        p(4),
        p(5),
        p(6),
        p(7),
        p(8),
        p(9)
    );
    let params = [
        Param::Int(whole(r.version)?),
        Param::Text(Some(r.name)),
        Param::Text(Some(&r.applied_at)),
        Param::Int(whole(r.execution_ms)?),
        Param::Text(Some(r.checksum)),
        Param::Text(Some(r.state.as_str())),
        Param::Text(Some(r.up_sql)),
        Param::Text(r.down_sql),
        Param::Text(Some(&r.down_options)),
    ];
    driver.execute_params(&sql, &params).map(drop)
}

/// Records why the interrupted step of `version` stopped.
pub(crate) fn set_failure<D: Driver + ?Sized>(driver: &mut D, version: u64, failure: &str) -> Result<()> {
    let p = |n| driver.dialect().placeholder(n);
    let sql = format!("UPDATE {} SET {FAILURE} = {} WHERE version = {}", driver.qualified_history(), p(1), p(2));
    driver.execute_params(&sql, &[Param::Text(Some(failure)), Param::Int(whole(version)?)]).map(drop)
}

/// Sets a row's state (and, when finishing, its execution time), and
/// forgets a recorded failure.
pub(crate) fn set_state<D: Driver + ?Sized>(
    driver: &mut D,
    version: u64,
    state: RowState,
    execution_ms: Option<u64>,
) -> Result<()> {
    let p = |n| driver.dialect().placeholder(n);
    let table = driver.qualified_history();
    let sql = match execution_ms {
        Some(_) => format!(
            "UPDATE {table} SET state = {}, execution_ms = {}, {FAILURE} = NULL WHERE version = {}",
            p(1),
            p(2),
            p(3)
        ),
        None => format!("UPDATE {table} SET state = {}, {FAILURE} = NULL WHERE version = {}", p(1), p(2)),
    };
    let mut params = vec![Param::Text(Some(state.as_str()))];
    if let Some(ms) = execution_ms {
        params.push(Param::Int(whole(ms)?));
    }
    params.push(Param::Int(whole(version)?));
    driver.execute_params(&sql, &params).map(drop)
}

/// Deletes a row.
pub(crate) fn delete<D: Driver + ?Sized>(driver: &mut D, version: u64) -> Result<()> {
    let sql = format!("DELETE FROM {} WHERE version = {}", driver.qualified_history(), driver.dialect().placeholder(1));
    driver.execute_params(&sql, &[Param::Int(whole(version)?)]).map(drop)
}

/// Deletes every row (`reset`).
pub(crate) fn clear<D: Driver + ?Sized>(driver: &mut D) -> Result<()> {
    let sql = format!("DELETE FROM {}", driver.qualified_history());
    driver.execute_params(&sql, &[]).map(drop)
}

/// The rows of WriteBot's Python runner's table, by id.
pub(crate) fn legacy<D: Driver + ?Sized>(driver: &mut D) -> Result<Vec<LegacyRow>> {
    let sql = format!("SELECT version, name, applied_at FROM {} ORDER BY id", driver.qualified_history());
    let rows = driver.query(&sql, &[])?;
    rows.into_iter()
        .map(|row| match <[Cell; 3]>::try_from(row) {
            Ok([version, name, applied_at]) => Ok(LegacyRow { version, name, applied_at }),
            Err(_) => Err(Error::Database("the history query returned a row of another width".to_owned())),
        })
        .collect()
}

/// A version or a duration as the database's signed 64-bit integer.
fn whole(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::Database(format!("{value} is too large for the history table")))
}

#[cfg(test)]
mod tests {
    use crate::driver::sqlite::SqliteDriver;
    use crate::driver::Driver;
    use crate::history::RowState;
    use crate::url::SqliteTarget;

    /// Strata's table as the releases before the `failure` column made it.
    const NINE_COLUMNS: &str = "CREATE TABLE migration_history (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
        applied_at TEXT NOT NULL, execution_ms INTEGER NOT NULL, checksum TEXT NOT NULL, \
        state TEXT NOT NULL DEFAULT 'applied', up_sql TEXT NOT NULL, down_sql TEXT, \
        down_options TEXT NOT NULL DEFAULT '');
        INSERT INTO migration_history VALUES (1, 'a', '2026-01-01 00:00:00', 3, 'c', 'applying', 'SELECT 1;', NULL, '');";

    #[test]
    fn a_table_made_before_the_failure_column_is_read_as_is_and_gains_it_when_written() {
        let mut driver = SqliteDriver::open(&SqliteTarget::Memory).unwrap();
        driver.connection().execute_batch(NINE_COLUMNS).unwrap();
        let rows = driver.read_history().unwrap();
        assert_eq!((rows[0].state, rows[0].failure.as_deref()), (RowState::Applying, None), "read without the column");
        assert_eq!(driver.history_columns().unwrap().len(), 9, "reading changes nothing");

        driver.ensure_history().unwrap();
        assert_eq!(driver.history_columns().unwrap().last().map(String::as_str), Some("failure"));
        driver.set_history_failure(1, "001_a.sql:3: no such table: nosuch").unwrap();
        let rows = driver.read_history().unwrap();
        assert_eq!(rows[0].failure.as_deref(), Some("001_a.sql:3: no such table: nosuch"));
        driver.set_history_state(1, RowState::Applied, Some(5)).unwrap();
        assert_eq!(driver.read_history().unwrap()[0].failure, None, "a settled row forgets its failure");
    }
}
