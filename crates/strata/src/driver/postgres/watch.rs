//! The count behind `history_writes` on PostgreSQL: rows inserted, updated
//! and deleted in the history table, from the server's statistics.
//!
//! The server keeps, per table, what every session has flushed
//! (`pg_stat_get_tuples_*`) and each session keeps what it has not flushed
//! yet (`pg_stat_get_xact_tuples_*`, which includes the transaction under
//! way). A session flushes only between transactions, moving counts from
//! the one to the other, so their sum is exact for this session's writes
//! whenever it is read, inside a step's transaction too. TRUNCATE and
//! table rewrites count no rows but give the table new storage
//! (`relfilenode`): then the rows must be those the counted writes account
//! for. Without statistics (`track_counts` off) there is no count.
//!
//! Another session's writes to the table count once it has flushed them
//! (at the latest about a second after its transaction, or when it
//! disconnects): a write by someone else just before a command starts may
//! be counted during it, which makes the command stop, safely.

use super::PostgresDriver;
use crate::driver::{Connection, Driver, Param, Writes};
use crate::error::{Error, Result};
use crate::history::Cell;

/// What the count starts from: the table, its storage, its rows and the
/// writes counted so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Watch {
    counts: Counts,
    rows: u64,
}

/// The table's oid and storage, and every write counted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    oid: i64,
    filenode: i64,
    writes: Writes,
}

/// One query: the table (`$1`, qualified and quoted), its storage, the
/// server's counts plus this session's unflushed ones, and whether the
/// server counts at all. No row when there is no such table.
const COUNTS: &str = "SELECT c.oid::int8, pg_relation_filenode(c.oid)::int8, \
     pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_inserted(c.oid), \
     pg_stat_get_tuples_updated(c.oid) + pg_stat_get_xact_tuples_updated(c.oid), \
     pg_stat_get_tuples_deleted(c.oid) + pg_stat_get_xact_tuples_deleted(c.oid), \
     current_setting('track_counts')::bool \
     FROM pg_class c WHERE c.oid = to_regclass($1)";

/// The counts now: `Ok(None)` when the server does not count (`track_counts`
/// off), `Ok(Some(None))` when there is no history table.
fn counts(driver: &mut PostgresDriver) -> Result<Option<Option<Counts>>> {
    let table = driver.qualified_history();
    let rows = driver.query(COUNTS, &[Param::Text(Some(&table))])?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(Some(None));
    };
    let number = |index: usize| match row.get(index) {
        Some(Cell::Integer(value)) => Ok(*value),
        other => Err(Error::Database(format!("the history table's statistics: column {index} is {other:?}"))),
    };
    if number(5)? != 1 {
        return Ok(None);
    }
    let count = |index| number(index).map(|value| u64::try_from(value).unwrap_or(0));
    let writes = Writes { inserted: count(2)?, updated: count(3)?, deleted: count(4)? };
    Ok(Some(Some(Counts { oid: number(0)?, filenode: number(1)?, writes })))
}

/// How many rows the history table holds (read at the start, and again
/// only after its storage changed).
fn rows(driver: &mut PostgresDriver) -> Result<u64> {
    let sql = format!("SELECT count(*) FROM {}", driver.qualified_history());
    match driver.query(&sql, &[])?.first().and_then(|row| row.first()) {
        Some(Cell::Integer(rows)) => Ok(u64::try_from(*rows).unwrap_or(0)),
        other => Err(Error::Database(format!("counting the history table's rows gave {other:?}"))),
    }
}

/// Starts counting; `None` when the server does not count or there is no
/// history table.
pub(super) fn start(driver: &mut PostgresDriver) -> Result<Option<Watch>> {
    let Some(Some(counts)) = counts(driver)? else {
        return Ok(None);
    };
    Ok(Some(Watch { counts, rows: rows(driver)? }))
}

/// The rows written since `watch`; `None` when the server stopped counting.
/// A table dropped (or dropped and created again), or one whose rows are
/// not what the writes account for after a TRUNCATE, counts nothing, which
/// the engine reports as a table dropped and created again. A rewrite that
/// kept the rows (VACUUM FULL, CLUSTER) goes on counting.
pub(super) fn writes(driver: &mut PostgresDriver, watch: &Watch) -> Result<Option<Writes>> {
    let now = match counts(driver)? {
        None => return Ok(None),
        Some(None) => return Ok(Some(Writes::default())),
        Some(Some(now)) => now,
    };
    if now.oid != watch.counts.oid {
        return Ok(Some(Writes::default()));
    }
    let written = since(watch.counts.writes, now.writes);
    if now.filenode != watch.counts.filenode {
        let expected = (watch.rows + written.inserted).checked_sub(written.deleted);
        if expected != Some(rows(driver)?) {
            return Ok(Some(Writes::default()));
        }
    }
    Ok(Some(written))
}

fn since(before: Writes, now: Writes) -> Writes {
    Writes {
        inserted: now.inserted.saturating_sub(before.inserted),
        updated: now.updated.saturating_sub(before.updated),
        deleted: now.deleted.saturating_sub(before.deleted),
    }
}
