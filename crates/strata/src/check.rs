//! Statements a section must not hold, found before anything runs.
//!
//! Strata runs a section in a transaction together with its history row, and
//! owns the connection's foreign-key setting. A script that commits, rolls
//! back or switches foreign keys itself would break that silently, so such
//! statements are refused with the file and line, and nothing runs.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::history::TABLE;

/// What the checks need to know of the database: the history table's name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    pub history_table: &'a str,
}

impl Default for Rules<'_> {
    fn default() -> Self {
        Rules { history_table: TABLE }
    }
}
use crate::migration::{has_statement, Migration, Step};
use crate::split::statements;

/// The up and down scripts of a migration, as `up` runs and stores them.
pub(crate) type Scripts<'a> = [Option<Cow<'a, str>>; 2];

/// Checks the up step of a migration `up` will apply: it must hold a
/// statement (an empty one would be applied silently), and pass [`check_step`].
/// Returns the scripts read for it (up, down), for the run to use.
pub(crate) fn check_up<'m>(migration: &'m Migration, rules: &Rules<'_>) -> Result<Scripts<'m>> {
    let step = &migration.up;
    let (sql, down) = migration.scripts()?;
    if !has_statement(&sql) {
        return Err(Error::EmptyUp {
            version: migration.version,
            label: migration.label.clone(),
            name: migration.name.clone(),
            file: step.file.clone(),
            line: step.line.saturating_sub(1),
        });
    }
    check_statements(step, &sql, rules)?;
    Ok([Some(sql), down])
}

/// Checks every statement of `step` (reading a file-backed script); returns its text.
pub(crate) fn check_step<'s>(step: &'s Step, rules: &Rules<'_>) -> Result<Cow<'s, str>> {
    let sql = step.text()?;
    check_statements(step, &sql, rules)?;
    Ok(sql)
}

fn check_statements(step: &Step, sql: &str, rules: &Rules<'_>) -> Result<()> {
    for statement in statements(sql) {
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
        if let Some(lines) = changes_history_table(statement.sql, rules.history_table) {
            let message = format!(
                "this statement writes to or changes the history table `{}`: only Strata may, adding or \
                 removing each migration's row in the migration's own transaction; remove the statement \
                 (reading the table, as a view does, is fine)",
                rules.history_table
            );
            return Err(Error::file(&step.file, line + lines, message));
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

/// Whether `sql` writes to or changes the history table: names it (bare,
/// quoted as `"…"`, `[…]` or `` `…` ``, after a schema as in `main.…`, in any
/// case) as the target of INSERT, UPDATE, DELETE, DROP, ALTER, CREATE, or of
/// a trigger or index (`ON …`). A string counts where SQLite reads a string
/// as a table name (`DELETE FROM '…'`). Reading it (`SELECT … FROM …`, a view)
/// is fine, and so are strings and comments. Returns how many lines into
/// `sql` it is. One pass over `sql`.
fn changes_history_table(sql: &str, table: &str) -> Option<usize> {
    let bytes = sql.as_bytes();
    let (mut pos, mut line) = (0, 0);
    // The last significant tokens, most recent first.
    let mut recent: [&[u8]; 5] = [b""; 5];
    while pos < bytes.len() {
        let start = pos;
        let (end, name): (usize, Option<&[u8]>) = match bytes[pos] {
            b'-' if bytes.get(pos + 1) == Some(&b'-') => (until(bytes, pos + 2, b"\n"), None),
            b'/' if bytes.get(pos + 1) == Some(&b'*') => (until(bytes, pos + 2, b"*/"), None),
            b if b.is_ascii_whitespace() => (pos + 1, None),
            quote @ (b'\'' | b'"' | b'`' | b'[') => {
                let close = if quote == b'[' { b']' } else { quote };
                let end = until(bytes, pos + 1, &[close]);
                (end, Some(&bytes[pos + 1..end.saturating_sub(1).max(pos + 1)]))
            }
            b if is_word(b) => {
                let end = pos + bytes[pos..].iter().take_while(|&&b| is_word(b)).count();
                (end, Some(&bytes[pos..end]))
            }
            _ => (pos + 1, Some(&bytes[pos..pos + 1])),
        };
        if let Some(token) = name {
            let is_string = bytes[start] == b'\'';
            if token.eq_ignore_ascii_case(table.as_bytes()) && targets(&recent, is_string) && !qualifies(&bytes[end..])
            {
                return Some(line);
            }
            recent.rotate_right(1);
            recent[0] = if is_string { b"'" } else { token };
        }
        line += bytes[start..end].iter().filter(|&&b| b == b'\n').count();
        pos = end;
    }
    None
}

/// Whether a name after the tokens `recent` (most recent first) is what a
/// statement writes, drops, alters, creates or puts a trigger or index on.
fn targets(recent: &[&[u8]; 5], is_string: bool) -> bool {
    let is = |i: usize, word: &str| recent[i].eq_ignore_ascii_case(word.as_bytes());
    // `main.migration_history`: look before the schema.
    let at = if is(0, ".") { 2 } else { 0 };
    let delete_from = is(at, "FROM") && is(at + 1, "DELETE");
    let update_or = is(at + 1, "OR") && is(at + 2, "UPDATE");
    let keyword = ["INTO", "UPDATE", "TABLE", "EXISTS", "TO", "ON", "VIEW", "INDEX", "TRIGGER"];
    let after_keyword = keyword.iter().any(|word| is(at, word));
    // A string is a name only where SQLite takes one for a table.
    delete_from || update_or || (after_keyword && !(is_string && is(at, "TO")))
}

/// Whether a name followed by `rest` qualifies a column (`migration_history.version`).
fn qualifies(rest: &[u8]) -> bool {
    rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'.')
}

/// The position after the next `needle` at or after `from` (the end when there is none).
fn until(bytes: &[u8], from: usize, needle: &[u8]) -> usize {
    bytes[from.min(bytes.len())..]
        .windows(needle.len())
        .position(|window| window == needle)
        .map_or(bytes.len(), |at| from + at + needle.len())
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
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
        Step::inline(sql, options, PathBuf::from("001_a.sql"), 2)
    }

    fn error(sql: &str) -> String {
        check_step(&step(sql, false), &Rules::default()).unwrap_err().to_string()
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
        assert!(check_step(&step(sql, false), &Rules::default()).is_ok());
    }

    #[test]
    fn allows_transaction_control_outside_a_transaction() {
        assert!(check_step(&step("BEGIN; CREATE TABLE a (id INTEGER); COMMIT;", true), &Rules::default()).is_ok());
    }

    const CHANGES: &str = "001_a.sql:2: this statement writes to or changes the history table `migration_history`";

    #[test]
    fn refuses_statements_changing_the_history_table() {
        let changing = [
            "DELETE FROM migration_history;",
            "DROP TABLE Migration_History;",
            "drop table if exists \"migration_history\";",
            "UPDATE [MIGRATION_HISTORY] SET name = 'x';",
            "UPDATE OR REPLACE migration_history SET name = 'x';",
            "INSERT INTO `migration_history` (version) VALUES (99);",
            "REPLACE INTO migration_history (version) VALUES (99);",
            "DELETE FROM main.migration_history;",
            "DELETE FROM main . \"migration_history\";",
            "DROP TABLE 'migration_history';",
            "DELETE FROM /* the history */ 'migration_history';",
            "ALTER TABLE migration_history RENAME TO old;",
            "ALTER TABLE other RENAME TO migration_history;",
            "CREATE TABLE migration_history (id INTEGER);",
            "CREATE INDEX i ON migration_history (name);",
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM migration_history; END;",
            "CREATE TRIGGER t AFTER DELETE ON migration_history BEGIN SELECT 1; END;",
        ];
        for sql in changing {
            assert!(
                error(sql).starts_with(CHANGES),
                "{sql}: {}",
                check_step(&step(sql, false), &Rules::default()).map_or_else(|e| e.to_string(), |_| "ok".into())
            );
            assert!(check_step(&step(sql, true), &Rules::default()).is_err(), "{sql}");
        }
    }

    #[test]
    fn names_the_line_of_the_history_table_in_a_long_statement() {
        let sql = "CREATE TABLE a (id INTEGER);\nDELETE\n/* x\n */ FROM\n migration_history WHERE 1;";
        assert!(error(sql).starts_with("001_a.sql:6: this statement writes"), "{}", error(sql));
    }

    #[test]
    fn allows_reading_it_and_the_name_in_strings_and_comments() {
        let sql = "INSERT INTO notes VALUES ('see migration_history');\n\
                   -- DELETE FROM migration_history\n\
                   /* DROP TABLE migration_history; */\n\
                   SELECT count(*) FROM sqlite_master WHERE name = 'migration_history';\n\
                   CREATE TABLE migration_history_copy (id INTEGER);\n\
                   CREATE VIEW v AS SELECT COALESCE(MAX(version), 0) FROM migration_history;\n\
                   INSERT INTO notes SELECT name FROM main.migration_history JOIN a ON migration_history.version = a.id;\n\
                   UPDATE notes SET body = (SELECT max(version) FROM migration_history);\n\
                   INSERT INTO notes VALUES ('it''s DELETE FROM migration_history');";
        assert!(
            check_step(&step(sql, false), &Rules::default()).is_ok(),
            "{:?}",
            check_step(&step(sql, false), &Rules::default())
        );
    }

    #[test]
    fn refuses_setting_foreign_keys_anywhere() {
        for sql in ["PRAGMA foreign_keys = OFF;", "pragma main.foreign_keys=0;", "PRAGMA \"foreign_keys\"(OFF);"] {
            assert!(
                error(sql).starts_with("001_a.sql:2: set foreign keys with the `foreign_keys:off` option"),
                "{sql}"
            );
            assert!(check_step(&step(sql, true), &Rules::default()).is_err(), "{sql}");
        }
        assert!(check_step(
            &step("PRAGMA foreign_keys;\nPRAGMA foreign_key_check;\nPRAGMA foreign_keys_x = 1;", false),
            &Rules::default()
        )
        .is_ok());
    }
}
