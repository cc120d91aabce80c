//! Strata's own writes to the history table sent as one multi-statement
//! query: `START TRANSACTION; …; COMMIT` in one round trip. Where a step
//! with DDL writes its history row before and after its statements, the
//! finish of one step and the start of the next go together, so that a run
//! makes no more round trips or commits than the `mariadb` client running
//! the same SQL with one history row a migration.
//!
//! The values go into the text as hexadecimal literals of their UTF-8
//! bytes (`CONVERT(X'…' USING utf8mb4)`), which read the same whatever the
//! session's `sql_mode` (`NO_BACKSLASH_ESCAPES`, `ANSI_QUOTES`) and cannot
//! end a string early: nothing a value holds is ever read as SQL.

use std::fmt::Write;

use mysql::prelude::Queryable;
use mysql::Conn;

use crate::driver::{Bound, Param};

/// `statements` in one transaction, as one query's text.
pub fn text(statements: &[Bound<'_>]) -> String {
    let mut text = String::from("START TRANSACTION");
    for (sql, params) in statements {
        text.push_str(";\n");
        inline(&mut text, sql, params);
    }
    text.push_str(";\nCOMMIT");
    text
}

/// Runs `text` (from [`text`]), reading every result; on an error, rolls
/// back what the transaction did and returns the error.
pub fn run(conn: &mut Conn, text: &str) -> Result<(), mysql::Error> {
    let outcome = conn.query_iter(text).and_then(|mut result| {
        while let Some(set) = result.iter() {
            for row in set {
                row?;
            }
        }
        Ok(())
    });
    if outcome.is_err() {
        let _ = conn.query_drop("ROLLBACK");
    }
    outcome
}

/// Appends `sql` with each `?` replaced by its value's literal. Strata's
/// history statements hold `?` only as placeholders (their table names are
/// plain identifiers).
fn inline(text: &mut String, sql: &str, params: &[Param<'_>]) {
    let mut values = params.iter();
    for piece in sql.split_inclusive('?') {
        match piece.strip_suffix('?') {
            Some(head) => {
                text.push_str(head);
                literal(text, values.next().copied().unwrap_or(Param::Text(None)));
            }
            None => text.push_str(piece),
        }
    }
}

fn literal(text: &mut String, value: Param<'_>) {
    match value {
        Param::Int(value) => {
            let _ = write!(text, "{value}");
        }
        Param::Text(None) => text.push_str("NULL"),
        Param::Text(Some("")) => text.push_str("''"),
        Param::Text(Some(value)) => {
            text.push_str("CONVERT(X'");
            for byte in value.bytes() {
                let _ = write!(text, "{byte:02X}");
            }
            text.push_str("' USING utf8mb4)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_literals_that_no_quote_or_backslash_can_end() {
        let params = vec![Param::Int(-7), Param::Text(Some("it's \\ 'x'")), Param::Text(None), Param::Text(Some(""))];
        let statement = ("UPDATE `h` SET a = ?, b = ?, c = ?, d = ? WHERE v = ?".to_owned(), params);
        assert_eq!(
            text(&[statement]),
            "START TRANSACTION;\nUPDATE `h` SET a = -7, b = CONVERT(X'69742773205C20277827' USING utf8mb4), \
             c = NULL, d = '' WHERE v = NULL;\nCOMMIT"
        );
    }

    #[test]
    fn statements_go_in_order_in_one_transaction() {
        let one = ("DELETE FROM `h` WHERE version = ?".to_owned(), vec![Param::Int(1)]);
        let two =
            ("UPDATE `h` SET state = ? WHERE version = ?".to_owned(), vec![Param::Text(Some("é")), Param::Int(2)]);
        assert_eq!(
            text(&[one, two]),
            "START TRANSACTION;\nDELETE FROM `h` WHERE version = 1;\n\
             UPDATE `h` SET state = CONVERT(X'C3A9' USING utf8mb4) WHERE version = 2;\nCOMMIT"
        );
    }
}
