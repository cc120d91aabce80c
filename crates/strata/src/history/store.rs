//! Reading and writing the history table, written once for every database
//! over [`Connection`]: the driver supplies its dialect (placeholders,
//! quoting), the table's columns from its catalog and the `CREATE TABLE`
//! with its types; everything else is here. Values are bound, never
//! formatted into a statement, and read strictly: a table that is not
//! Strata's, or a value Strata never writes, is a named error.

use crate::driver::{Driver, LegacyRow, Param};
use crate::error::{Error, Result};
use crate::history::{Applied, BadValue, Cell, Record, RowState, Shape};

/// What the history table is, from its columns.
pub(crate) fn shape<D: Driver + ?Sized>(driver: &mut D) -> Result<Shape> {
    Ok(Shape::of(&driver.history_columns()?))
}

/// Fails unless the table is Strata's or absent; returns whether it exists.
fn require_strata<D: Driver + ?Sized>(driver: &mut D) -> Result<bool> {
    match shape(driver)? {
        Shape::Absent => Ok(false),
        Shape::Strata => Ok(true),
        Shape::WriteBot => Err(foreign(driver, crate::history::WRITEBOT_COLUMNS.map(str::to_owned).to_vec(), true)),
        Shape::Other(columns) => Err(foreign(driver, columns, false)),
    }
}

/// The history table is some other tool's (or WriteBot's old runner's).
pub(crate) fn foreign<D: Driver + ?Sized>(driver: &D, columns: Vec<String>, writebot: bool) -> Error {
    Error::ForeignHistory { table: driver.history_table().to_string(), database: driver.describe(), columns, writebot }
}

/// Creates Strata's table unless it exists; refuses another tool's.
pub(crate) fn ensure<D: Driver + ?Sized>(driver: &mut D) -> Result<()> {
    if require_strata(driver)? {
        return Ok(());
    }
    let create = driver.history_ddl();
    driver.execute_params(&create, &[]).map(drop)
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
    if !require_strata(driver)? {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT version, name, checksum, applied_at, execution_ms, state, \
         CASE WHEN down_sql IS NULL THEN 0 ELSE 1 END FROM {} ORDER BY version",
        driver.qualified_history()
    );
    let rows = driver.query(&sql, &[])?;
    let mut history = Vec::with_capacity(rows.len());
    for row in rows {
        let Ok([version, name, checksum, applied_at, execution_ms, state, has_down]) = <[Cell; 7]>::try_from(row)
        else {
            return Err(Error::Database("the history query returned a row of another width".to_owned()));
        };
        let cells = [version, name, checksum, applied_at, execution_ms, state];
        let applied = Applied::from_cells(cells, has_down == Cell::Integer(1)).map_err(|bad| bad_value(driver, bad))?;
        history.push(applied);
    }
    Ok(history)
}

/// Every row, or `None` when there is no history table; creates nothing.
pub(crate) fn read_if_exists<D: Driver + ?Sized>(driver: &mut D) -> Result<Option<Vec<Applied>>> {
    match require_strata(driver)? {
        false => Ok(None),
        true => read(driver).map(Some),
    }
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

/// Sets a row's state (and, when finishing, its execution time).
pub(crate) fn set_state<D: Driver + ?Sized>(
    driver: &mut D,
    version: u64,
    state: RowState,
    execution_ms: Option<u64>,
) -> Result<()> {
    let p = |n| driver.dialect().placeholder(n);
    let table = driver.qualified_history();
    let sql = match execution_ms {
        Some(_) => format!("UPDATE {table} SET state = {}, execution_ms = {} WHERE version = {}", p(1), p(2), p(3)),
        None => format!("UPDATE {table} SET state = {} WHERE version = {}", p(1), p(2)),
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
