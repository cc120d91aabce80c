//! MySQL's part of the history table: its columns from the catalog, its
//! `CREATE TABLE`, and the rename `adopt` needs. Reading and writing rows is
//! `history/store.rs`'s.
//!
//! The table is InnoDB, named explicitly (Galera replicates only InnoDB, and
//! a server's default engine may be another), `utf8mb4`, with the version as
//! its primary key, in the connection's database. Times are text written by
//! Strata in UTC, so the server's time zone never matters.

use mysql::prelude::Queryable;

use super::error::db;
use super::MysqlDriver;
use crate::driver::{Driver, Record};
use crate::error::{Error, Result};
use crate::history::store;

/// The columns of the table `name` in the connection's database, in order.
pub const COLUMNS_SQL: &str = "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION";

/// Strata's history table, named `table` (quoted).
pub fn create_sql(table: &str) -> String {
    format!(
        "CREATE TABLE {table} (
  version BIGINT NOT NULL,
  name VARCHAR(1024) NOT NULL,
  applied_at VARCHAR(32) NOT NULL,
  execution_ms BIGINT NOT NULL,
  checksum VARCHAR(128) NOT NULL,
  state VARCHAR(16) NOT NULL DEFAULT 'applied',
  up_sql LONGTEXT NOT NULL,
  down_sql LONGTEXT,
  down_options VARCHAR(1024) NOT NULL DEFAULT '',
  failure TEXT,
  PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    )
}

/// `adopt`'s conversion: renames the table to `backup`, creates Strata's and
/// inserts `records`. DDL commits on MySQL, so this cannot be one
/// transaction: the rows go in one transaction after the rename and the
/// create, and on any failure the new table is dropped and the old one
/// renamed back, leaving the database as it was.
pub fn replace(driver: &mut MysqlDriver, backup: &str, records: &[Record<'_>]) -> Result<()> {
    let table = driver.qualified_history();
    let backup = driver.dialect().quote_ident(backup);
    driver.conn.query_drop(format!("RENAME TABLE {table} TO {backup}")).map_err(db)?;
    let result = (|| {
        driver.conn.query_drop(driver.history_ddl()).map_err(db)?;
        driver.begin()?;
        records.iter().try_for_each(|record| store::insert(driver, record))?;
        driver.commit()
    })();
    if let Err(error) = result {
        let _ = driver.rollback();
        let undo = format!("DROP TABLE IF EXISTS {table}; RENAME TABLE {backup} TO {table}");
        if let Err(undo_error) = driver.conn.query_drop(undo) {
            return Err(Error::Database(format!(
                "{error}; and the old history table could not be renamed back from {backup} ({}): rename it by hand",
                super::error::message(&undo_error)
            )));
        }
        return Err(error);
    }
    Ok(())
}
