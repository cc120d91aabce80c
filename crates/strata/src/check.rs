//! Statements a section must not hold, found before anything runs.
//!
//! Strata runs a section in a transaction together with its history row, and
//! owns the connection's foreign-key setting. A script that commits, rolls
//! back or switches foreign keys itself would break that silently, so such
//! statements are refused with the file and line, and nothing runs.

use crate::error::{Error, Result};
use crate::migration::Step;
use crate::split::statements;

/// Checks every statement of `step`.
pub(crate) fn check_step(step: &Step) -> Result<()> {
    for statement in statements(&step.sql) {
        let line = step.line + statement.line - 1;
        let words = leading_words(statement.sql);
        if !step.options.no_transaction && ends_transaction(&words) {
            let message = format!(
                "`{}` in a section that runs in a transaction: Strata commits each migration with its history row; \
                 remove it, or mark the section `transaction:false`",
                words.join(" ")
            );
            return Err(Error::file(&step.file, line, message));
        }
        if sets_foreign_keys(statement.sql) {
            let message = "set foreign keys with the `foreign_keys:off` option on the marker line, not with \
                 `PRAGMA foreign_keys`: inside a transaction the pragma does nothing (and a table rebuild would then \
                 fire ON DELETE actions), outside one it would stay off for the migrations after this one";
            return Err(Error::file(&step.file, line, message));
        }
    }
    Ok(())
}

/// The first few words of a statement, upper-cased.
fn leading_words(sql: &str) -> Vec<String> {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .take(3)
        .map(str::to_ascii_uppercase)
        .collect()
}

/// `BEGIN`, `COMMIT`, `END` and `ROLLBACK` (but not `ROLLBACK TO` a savepoint).
fn ends_transaction(words: &[String]) -> bool {
    let word = |i: usize| words.get(i).map_or("", String::as_str);
    match word(0) {
        "BEGIN" | "COMMIT" | "END" => true,
        "ROLLBACK" => !(word(1) == "TO" || (word(1) == "TRANSACTION" && word(2) == "TO")),
        _ => false,
    }
}

/// `PRAGMA [schema.]foreign_keys = …` or `PRAGMA foreign_keys(…)`; reading it is fine.
fn sets_foreign_keys(sql: &str) -> bool {
    let Some(rest) = strip_word(sql, "pragma") else {
        return false;
    };
    let name_end = rest.find(['=', '(', ';']).unwrap_or(rest.len());
    let name: String =
        rest[..name_end].chars().filter(|c| !matches!(c, '"' | '`' | '[' | ']' | '\'') && !c.is_whitespace()).collect();
    let name = name.rsplit('.').next().unwrap_or_default();
    name.eq_ignore_ascii_case("foreign_keys") && matches!(rest[name_end..].chars().next(), Some('=' | '('))
}

fn strip_word<'a>(sql: &'a str, word: &str) -> Option<&'a str> {
    let head = sql.get(..word.len())?;
    let rest = &sql[word.len()..];
    let boundary = !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
    (head.eq_ignore_ascii_case(word) && boundary).then_some(rest)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::migration::StepOptions;

    fn step(sql: &str, no_transaction: bool) -> Step {
        let options = StepOptions { no_transaction, foreign_keys_off: false };
        Step { sql: sql.to_owned(), options, file: PathBuf::from("001_a.sql"), line: 2 }
    }

    fn error(sql: &str) -> String {
        check_step(&step(sql, false)).unwrap_err().to_string()
    }

    #[test]
    fn refuses_transaction_control_in_a_transactional_section() {
        assert!(error("CREATE TABLE a (id INTEGER);\nCOMMIT;")
            .starts_with("001_a.sql:3: `COMMIT` in a section that runs in a transaction"));
        assert!(error("end transaction;").starts_with("001_a.sql:2: `END TRANSACTION` in a section"));
        assert!(error("BEGIN IMMEDIATE;").contains("`BEGIN IMMEDIATE`"));
        assert!(error("ROLLBACK;").contains("`ROLLBACK`"));
    }

    #[test]
    fn allows_savepoints_triggers_and_columns_named_end() {
        let sql = "SAVEPOINT s; ROLLBACK TO s; ROLLBACK TRANSACTION TO SAVEPOINT s; RELEASE s;\n\
                   CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\nSELECT \"end\" FROM a;";
        assert!(check_step(&step(sql, false)).is_ok());
    }

    #[test]
    fn allows_transaction_control_outside_a_transaction() {
        assert!(check_step(&step("BEGIN; CREATE TABLE a (id INTEGER); COMMIT;", true)).is_ok());
    }

    #[test]
    fn refuses_setting_foreign_keys_anywhere() {
        for sql in ["PRAGMA foreign_keys = OFF;", "pragma main.foreign_keys=0;", "PRAGMA \"foreign_keys\"(OFF);"] {
            assert!(
                error(sql).starts_with("001_a.sql:2: set foreign keys with the `foreign_keys:off` option"),
                "{sql}"
            );
            assert!(check_step(&step(sql, true)).is_err(), "{sql}");
        }
        assert!(check_step(&step(
            "PRAGMA foreign_keys;\nPRAGMA foreign_key_check;\nPRAGMA foreign_keys_x = 1;",
            false
        ))
        .is_ok());
    }
}
