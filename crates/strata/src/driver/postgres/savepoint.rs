//! Strata's own writes to the history table inside a step's transaction run
//! in a savepoint. When one fails (the step dropped or changed the table),
//! the savepoint is rolled back and the transaction stays usable, so the
//! engine can still ask what became of the table (`history_shape`, the
//! write count) and name it, instead of every later query failing with
//! "current transaction is aborted"; the engine then rolls it all back.

use super::error::db;
use super::PostgresDriver;
use crate::error::Result;

const NAME: &str = "strata_history";

/// Runs `write` (a history write), in a savepoint when a transaction is
/// open. The savepoint is not released on success: the commit or rollback
/// that follows ends it with the transaction (one round trip less).
pub(super) fn write(driver: &mut PostgresDriver, write: impl FnOnce(&mut PostgresDriver) -> Result<()>) -> Result<()> {
    if !driver.in_transaction {
        return write(driver);
    }
    driver.flush_begin()?;
    driver.client.batch_execute(&format!("SAVEPOINT {NAME}")).map_err(db)?;
    let written = write(driver);
    if written.is_err() {
        // The write's error is the one to report; the engine rolls back anyway.
        let _ = driver.client.batch_execute(&format!("ROLLBACK TO SAVEPOINT {NAME}"));
    }
    written
}
