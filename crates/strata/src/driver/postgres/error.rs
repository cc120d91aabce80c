//! PostgreSQL's errors as Strata's: the server's message with its SQLSTATE,
//! and for a failed statement the position it points at, as a byte offset.

use postgres::error::ErrorPosition;

use crate::driver::ExecError;
use crate::error::Error;
use crate::redact::redact_text;

/// A failure of the connection or of Strata's own statements.
pub fn db(error: postgres::Error) -> Error {
    Error::Database(message(&error))
}

/// The server's message and code (`… (SQLSTATE 42P01)`), or the client's.
pub fn message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        // The client's own errors (connecting, TLS) never hold a password, but make sure.
        None => redact_text(&error.to_string()),
    }
}

/// [`message`] with the client's causes (`error connecting to server: Connection refused`).
pub fn cause(error: &postgres::Error) -> String {
    let mut text = message(error);
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if error.as_db_error().is_none() {
            text = format!("{text}: {}", redact_text(&cause.to_string()));
        }
        source = cause.source();
    }
    text
}

/// A failed statement of `sql`: its message, SQLSTATE, and where in `sql` it failed.
pub fn exec(error: &postgres::Error, sql: &str) -> ExecError {
    let offset = error.as_db_error().and_then(|db| match db.position() {
        Some(ErrorPosition::Original(chars)) => char_offset(sql, *chars as usize),
        _ => None,
    });
    let code = error.as_db_error().map(|db| db.code().code().to_owned());
    ExecError { message: message(error), offset, code }
}

/// The byte offset of the 1-based character position `chars` in `sql`.
fn char_offset(sql: &str, chars: usize) -> Option<usize> {
    sql.char_indices().nth(chars.checked_sub(1)?).map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(char_offset("SELECT 1", 1), Some(0));
        assert_eq!(char_offset("SELECT 'é'; oops", 13), Some(13));
        assert_eq!(char_offset("ab", 0), None);
        assert_eq!(char_offset("ab", 9), None);
    }
}
