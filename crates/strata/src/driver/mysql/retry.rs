//! Strata's own writes retried when the server aborted them as the loser of
//! a conflict (error 1213, "Deadlock found"). On a Galera cluster that is
//! also how a transaction learns that a write certified first on another
//! node, or that DDL running in total order on every node aborted it; on a
//! plain server, an InnoDB deadlock. Such a write was rolled back whole, so
//! running it again is safe; but only a write that is a transaction of its
//! own (autocommitted, or a batch with its own `START TRANSACTION … COMMIT`):
//! inside a step's transaction the abort took the step's statements with
//! it, and the step fails, rolled back, as any other failure. Statements of
//! a migration are never retried here.

use std::time::Duration;

use super::error::code;

/// How many times a write is tried again.
pub const RETRIES: u32 = 5;

/// Error 1213: the transaction lost a conflict and was rolled back.
const DEADLOCK: u16 = 1213;

/// Whether a write that failed with `error`, on its `attempt`-th retry
/// (0: first try), outside any other transaction, runs again; then how
/// long to wait first (10, 20, 40, 80, 160 ms).
pub fn again(error: &mysql::Error, in_transaction: bool, attempt: u32) -> Option<Duration> {
    let conflict = code(error) == Some(DEADLOCK);
    (conflict && !in_transaction && attempt < RETRIES).then(|| Duration::from_millis(10 << attempt))
}

/// Runs `write` until it succeeds, fails otherwise, or has been retried [`RETRIES`] times.
pub fn write<T>(in_transaction: bool, mut write: impl FnMut() -> Result<T, mysql::Error>) -> Result<T, mysql::Error> {
    let mut attempt = 0;
    loop {
        match write() {
            Err(error) => match again(&error, in_transaction, attempt) {
                Some(pause) => {
                    std::thread::sleep(pause);
                    attempt += 1;
                }
                None => return Err(error),
            },
            done => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16) -> mysql::Error {
        mysql::Error::MySqlError(mysql::MySqlError { state: "40001".into(), message: "m".into(), code })
    }

    #[test]
    fn only_a_lost_conflict_outside_a_transaction_is_tried_again_a_few_times() {
        assert_eq!(again(&server(1213), false, 0), Some(Duration::from_millis(10)));
        assert_eq!(again(&server(1213), false, 4), Some(Duration::from_millis(160)));
        assert_eq!(again(&server(1213), false, RETRIES), None, "then the error stands");
        assert_eq!(again(&server(1213), true, 0), None, "a step's transaction is gone with it");
        assert_eq!(again(&server(1062), false, 0), None, "a duplicate is not a conflict lost");
    }

    #[test]
    fn a_write_that_loses_twice_then_succeeds_is_done_once() {
        let mut tries = 0;
        let done = write(false, || {
            tries += 1;
            if tries < 3 {
                Err(server(1213))
            } else {
                Ok(tries)
            }
        });
        assert_eq!(done.unwrap(), 3);
        let mut tries = 0;
        let failed = write(true, || -> Result<(), _> {
            tries += 1;
            Err(server(1213))
        });
        assert!(failed.is_err());
        assert_eq!(tries, 1, "inside a transaction, never again");
    }
}
