//! MySQL's and MariaDB's errors as Strata's: the server's message with its
//! error number and SQLSTATE, and for a syntax error (`… near 'oops' at
//! line 3`) the byte offset in the statement it points at.

use crate::driver::ExecError;
use crate::error::Error;
use crate::redact::redact_text;

/// A failure of the connection or of Strata's own statements.
pub fn db(error: mysql::Error) -> Error {
    Error::Database(message(&error))
}

/// The server's message and codes (`… (error 1146, SQLSTATE 42S02)`), or the client's.
pub fn message(error: &mysql::Error) -> String {
    match error {
        mysql::Error::MySqlError(server) => {
            format!("{} (error {}, SQLSTATE {})", server.message, server.code, server.state)
        }
        // The client's own errors (connecting, TLS) never hold a password, but make sure.
        other => redact_text(&client(other)),
    }
}

/// A client error's own words, without the client's `IoError { … }` wrapping.
fn client(error: &mysql::Error) -> String {
    match error {
        mysql::Error::IoError(error) => error.to_string(),
        mysql::Error::DriverError(error) => error.to_string(),
        mysql::Error::TlsError(error) => error.to_string(),
        mysql::Error::CodecError(error) => match std::error::Error::source(error) {
            Some(io) => io.to_string(),
            None => error.to_string(),
        },
        other => other.to_string(),
    }
}

/// The server's error number, when the server sent one.
pub fn code(error: &mysql::Error) -> Option<u16> {
    match error {
        mysql::Error::MySqlError(server) => Some(server.code),
        _ => None,
    }
}

/// A failed statement `sql`: its message, error number, and where in `sql` it failed.
pub fn exec(error: &mysql::Error, sql: &str) -> ExecError {
    let offset = match error {
        mysql::Error::MySqlError(server) => near(&server.message, sql),
        _ => None,
    };
    ExecError { message: message(error), offset, code: code(error).map(|code| code.to_string()) }
}

/// The byte offset in `sql` of a syntax error's `near '<text>' at line <n>`:
/// where `<text>` (the rest of the statement from the error on, cut short
/// by the server) starts on line `n` or after it, else the start of line `n`.
fn near(message: &str, sql: &str) -> Option<usize> {
    let start = message.find("near '")? + "near '".len();
    let end = message.rfind("' at line ")?;
    let line: usize = message.get(end + "' at line ".len()..)?.trim().parse().ok()?;
    let text = message.get(start..end)?;
    let line_start = if line <= 1 { 0 } else { sql.match_indices('\n').nth(line - 2).map(|(at, _)| at + 1)? };
    if text.is_empty() {
        // The statement ended too soon: point at its last line.
        return Some(line_start);
    }
    // The server may cut the text in the middle of a character: search with whole characters.
    let probe: String = text.chars().take(40).collect();
    Some(sql[line_start..].find(&probe).map_or(line_start, |at| line_start + at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16, state: &str, message: &str) -> mysql::Error {
        mysql::Error::MySqlError(mysql::MySqlError { state: state.to_owned(), code, message: message.to_owned() })
    }

    #[test]
    fn a_syntax_error_points_at_its_line_and_text() {
        let sql = "CREATE TABLE t (\n  id INT,\n  oops oops\n)";
        let message = "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB \
                       server version for the right syntax to use near 'oops\n)' at line 3";
        let error = exec(&server(1064, "42000", message), sql);
        assert_eq!(error.offset, Some(sql.find("oops oops").unwrap() + 5));
        assert_eq!(error.code.as_deref(), Some("1064"));
        assert_eq!(error.message, format!("{message} (error 1064, SQLSTATE 42000)"));
    }

    #[test]
    fn the_near_text_is_searched_from_its_line_on() {
        // `x` appears on line 1 too; the server says line 2.
        assert_eq!(near("… near 'x' at line 2", "SELECT x\nFROM x"), Some(14));
        assert_eq!(near("… near 'ÿ' at line 1", "SELECT 'é' ÿ"), Some(12));
        // Nothing after the error: the statement ended too soon.
        assert_eq!(near("… near '' at line 2", "SELECT (\n1"), Some(9));
        // A line the statement does not have: no position.
        assert_eq!(near("… near 'x' at line 9", "SELECT x"), None);
        assert_eq!(near("Table 't.x' doesn't exist", "SELECT * FROM x"), None);
    }

    #[test]
    fn other_errors_keep_the_servers_words_and_codes() {
        let error = exec(&server(1146, "42S02", "Table 'app.nowhere' doesn't exist"), "INSERT INTO nowhere VALUES (1)");
        assert_eq!(error.message, "Table 'app.nowhere' doesn't exist (error 1146, SQLSTATE 42S02)");
        assert_eq!((error.offset, error.code.as_deref()), (None, Some("1146")));
    }
}
