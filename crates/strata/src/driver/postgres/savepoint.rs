//! Savepoints, and what they tell.
//!
//! Strata's own writes to the history table inside a step's transaction run
//! in a savepoint. When one fails (the step dropped or changed the table),
//! the savepoint is rolled back and the transaction stays usable, so the
//! engine can still ask what became of the table (`history_shape`, the
//! write count) and name it, instead of every later query failing with
//! "current transaction is aborted"; the engine then rolls it all back.
//!
//! Setting one is also how the driver learns whether a statement of a
//! `transaction:false` section left a transaction block open.

use super::error::db;
use super::PostgresDriver;
use crate::error::Result;

const NAME: &str = "strata_history";
/// The statement that sets it.
pub(super) const SET: &str = "SAVEPOINT strata_history";

/// Runs `write` (a history write), in a savepoint when a transaction is
/// open. The savepoint is not released on success: the commit or rollback
/// that follows ends it with the transaction (one round trip less).
pub(super) fn write(driver: &mut PostgresDriver, write: impl FnOnce(&mut PostgresDriver) -> Result<()>) -> Result<()> {
    if !driver.in_transaction {
        return write(driver);
    }
    driver.flush_begin()?;
    if !std::mem::take(&mut driver.savepoint_set) {
        driver.client.batch_execute(SET).map_err(db)?;
    }
    let written = write(driver);
    if written.is_err() {
        // The write's error is the one to report; the engine rolls back anyway.
        let _ = driver.client.batch_execute(&format!("ROLLBACK TO SAVEPOINT {NAME}"));
    }
    written
}

/// Whether a transaction block is open on the connection (also an aborted
/// one): a statement run outside Strata's transactions (a `transaction:false`
/// section's) may have begun one and not ended it. One round trip: a
/// savepoint can be set only inside a block.
pub(super) fn block_open(client: &mut postgres::Client) -> bool {
    match client.batch_execute("SAVEPOINT strata_probe; RELEASE SAVEPOINT strata_probe") {
        Ok(()) => true,
        // 25P02: in a block a statement failed in; 25P01 (none open) or a lost connection: no block.
        Err(error) => error.code() == Some(&postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION),
    }
}
