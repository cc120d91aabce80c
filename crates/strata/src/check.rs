//! Statements a section must not hold, found before anything runs.
//!
//! Strata runs a section in a transaction together with its history row, and
//! owns the connection's foreign-key setting. A script that commits, rolls
//! back or switches foreign keys itself would break that silently, so such
//! statements are refused with the file and line, and nothing runs.

use std::borrow::Cow;

use crate::dialect::{Dialect, Token, TokenKind, SQLITE};
use crate::error::{Error, Result};
use crate::history::TABLE;
use crate::migration::{has_statement, Migration, Step};

/// What the checks need to know of the database: the history table's name,
/// and the dialect that reads its scripts (statements, transaction control,
/// how a token names a table).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    pub history_table: &'a str,
    pub dialect: &'static dyn Dialect,
}

impl Default for Rules<'_> {
    /// SQLite's, with the default history table.
    fn default() -> Self {
        Rules { history_table: TABLE, dialect: &SQLITE }
    }
}

/// The up and down scripts of a migration, as `up` runs and stores them.
pub(crate) type Scripts<'a> = [Option<Cow<'a, str>>; 2];

/// Checks the up step of a migration `up` will apply: it must hold a
/// statement (an empty one would be applied silently), and pass [`check_step`].
/// Returns the scripts read for it (up, down), for the run to use.
pub(crate) fn check_up<'m>(migration: &'m Migration, rules: &Rules<'_>) -> Result<Scripts<'m>> {
    let step = &migration.up;
    let (sql, down) = migration.scripts()?;
    if !rules.dialect.has_statement(&sql) {
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
///
/// A script that holds something, but only comments as the dialect reads it
/// (PostgreSQL's block comments nest: `/* a /* b */ c */` is one comment), is
/// refused: it would run nothing and report success.
pub(crate) fn check_step<'s>(step: &'s Step, rules: &Rules<'_>) -> Result<Cow<'s, str>> {
    let sql = step.text()?;
    let count = check_statements(step, &sql, rules)?;
    if count == 0 && has_statement(&sql) {
        let message = format!(
            "this section holds no statement as {} reads it, only comments; write its statements, or remove \
             the section",
            rules.dialect.name()
        );
        return Err(Error::file(&step.file, step.line.saturating_sub(1), message));
    }
    Ok(sql)
}

/// Checks each statement of `sql`, the text of `step`; returns how many there are.
fn check_statements(step: &Step, sql: &str, rules: &Rules<'_>) -> Result<usize> {
    let mut count = 0;
    for statement in rules.dialect.statements(sql) {
        count += 1;
        let line = step.line + statement.line - 1;
        let control = rules.dialect.transaction_control(statement.sql);
        if let (false, Some(words)) = (step.options.no_transaction, control) {
            let message = format!(
                "`{words}` in a section that runs in a transaction: Strata commits each migration with its history \
                 row; remove it, or mark the section `transaction:false`"
            );
            return Err(Error::file(&step.file, line, message));
        }
        if let Some(lines) = changes_history_table(rules.dialect, statement.sql, rules.history_table) {
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
    Ok(count)
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

/// Whether `sql` writes to or changes the history table: names it (bare or
/// quoted as the dialect reads names, after a schema as in `main.…`) as the
/// target of INSERT, UPDATE, DELETE, TRUNCATE, DROP, ALTER, CREATE, MERGE, or
/// of a trigger, index, rule or policy (`ON …`, `TO …`). A string counts where
/// SQLite reads a string as a table name (`DELETE FROM '…'`). Reading it
/// (`SELECT … FROM …`, a view), granting or revoking access to it, strings
/// (PostgreSQL's `$$…$$` bodies too) and comments are fine. Returns how many
/// lines into `sql` it is. One pass over `sql`.
fn changes_history_table(dialect: &dyn Dialect, sql: &str, table: &str) -> Option<usize> {
    let mut tokens = dialect.tokens(sql).peekable();
    let first = tokens.peek().map_or("", |token| token.text);
    if ["GRANT", "REVOKE"].iter().any(|word| first.eq_ignore_ascii_case(word)) {
        return None;
    }
    // The last significant tokens, most recent first.
    let mut recent: [&str; 6] = [""; 6];
    // A name that is a target unless a `.` follows (then it is a schema or
    // qualifies a column: `migration_history.version`): its offset.
    let mut pending: Option<usize> = None;
    for token in tokens {
        if let Some(offset) = pending.take() {
            if token.text != "." {
                return Some(lines_before(sql, offset));
            }
        }
        let is_string = token.kind == TokenKind::String;
        if dialect.is_name(&token, table) && targets(&recent, is_string, first) {
            pending = Some(token.offset);
        }
        recent.rotate_right(1);
        recent[0] = shown(&token);
    }
    pending.map(|offset| lines_before(sql, offset))
}

/// How a token takes part in [`targets`]: words and punctuation as written.
fn shown<'a>(token: &Token<'a>) -> &'a str {
    match token.kind {
        TokenKind::Word | TokenKind::Other => token.text,
        TokenKind::String => "'",
        TokenKind::QuotedName => "\"",
    }
}

/// Whether a name after the tokens `recent` (most recent first), in a
/// statement starting with the word `first`, is what the statement writes,
/// drops, alters, creates or puts a trigger or index on.
fn targets(recent: &[&str; 6], is_string: bool, first: &str) -> bool {
    let is = |i: usize, word: &str| recent.get(i).is_some_and(|token| token.eq_ignore_ascii_case(word));
    // `main.migration_history`: look before the schema.
    let mut at = if is(0, ".") { 2 } else { 0 };
    // PostgreSQL's `DELETE FROM ONLY …`, `ALTER TABLE ONLY …`.
    if is(at, "ONLY") {
        at += 1;
    }
    let delete_from = is(at, "FROM") && is(at + 1, "DELETE");
    let update_or = is(at + 1, "OR") && is(at + 2, "UPDATE");
    let keyword = ["INTO", "UPDATE", "TABLE", "EXISTS", "TO", "ON", "VIEW", "INDEX", "TRIGGER", "TRUNCATE"];
    let after_keyword = keyword.iter().any(|word| is(at, word));
    // `DROP TABLE a, migration_history`, `TRUNCATE a, migration_history`.
    let listed = is(at, ",") && ["DROP", "TRUNCATE"].iter().any(|word| first.eq_ignore_ascii_case(word));
    // A string is a name only where SQLite takes one for a table.
    delete_from || update_or || listed || (after_keyword && !(is_string && is(at, "TO")))
}

/// How many lines of `sql` come before byte `offset`.
fn lines_before(sql: &str, offset: usize) -> usize {
    sql.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count()
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

    const PG: Rules<'static> = Rules { history_table: TABLE, dialect: &crate::dialect::POSTGRES };

    fn pg_error(sql: &str) -> String {
        check_step(&step(sql, false), &PG).map_or_else(|e| e.to_string(), |_| "ok".to_owned())
    }

    #[test]
    fn allows_postgres_function_bodies_that_hold_end_and_commit_words() {
        let sql = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$;\n\
                   CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n\
                   DO $$ BEGIN PERFORM 1; END $$;\nSAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE s;\n\
                   SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;";
        assert_eq!(pg_error(sql), "ok");
        // The same script as SQLite reads it: `END;` alone ends a transaction.
        assert!(error(sql).contains("`END` in a section that runs in a transaction"), "{}", error(sql));
    }

    #[test]
    fn refuses_postgres_transaction_control_with_its_line() {
        let sql = "CREATE TABLE a (id int);\nCOMMIT PREPARED 'x';";
        assert!(pg_error(sql).starts_with("001_a.sql:3: `COMMIT PREPARED` in a section"), "{}", pg_error(sql));
        assert!(pg_error("START TRANSACTION;").contains("`START TRANSACTION`"));
        assert!(pg_error("ABORT;").contains("`ABORT`"));
        assert!(check_step(&step("BEGIN; CREATE TABLE a (id int); COMMIT;", true), &PG).is_ok());
    }

    #[test]
    fn refuses_postgres_statements_changing_the_history_table() {
        let changing = [
            "DELETE FROM migration_history;",
            "DELETE FROM ONLY public.migration_history;",
            "delete from \"public\".\"migration_history\";",
            "TRUNCATE migration_history;",
            "TRUNCATE TABLE ONLY a, Migration_History RESTART IDENTITY;",
            "DROP TABLE a, migration_history CASCADE;",
            "ALTER TABLE IF EXISTS ONLY migration_history ADD COLUMN x int;",
            "UPDATE ONLY MIGRATION_HISTORY SET name = 'x';",
            "INSERT INTO U&\"migration_history\" (version) VALUES (99);",
            "MERGE INTO migration_history h USING a ON true WHEN MATCHED THEN DELETE;",
            "CREATE RULE r AS ON INSERT TO migration_history DO INSTEAD NOTHING;",
            "CREATE POLICY p ON migration_history USING (true);",
        ];
        for sql in changing {
            assert!(pg_error(sql).starts_with(CHANGES), "{sql}: {}", pg_error(sql));
        }
    }

    #[test]
    fn allows_postgres_reads_grants_strings_and_other_tables() {
        let allowed = [
            "SELECT * FROM migration_history;",
            "GRANT SELECT ON migration_history TO reporting;",
            "REVOKE ALL ON TABLE migration_history FROM public;",
            "DELETE FROM \"Migration_History\";",
            "DELETE FROM migration_history_copy;",
            "SELECT 'DELETE FROM migration_history';",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; -- DELETE FROM migration_history",
            "UPDATE notes SET n = (SELECT max(version) FROM migration_history);",
            "INSERT INTO notes SELECT migration_history.version FROM migration_history;",
        ];
        for sql in allowed {
            assert_eq!(pg_error(sql), "ok", "{sql}");
        }
    }

    #[test]
    fn a_history_table_with_capitals_is_the_quoted_name_in_postgres() {
        let rules = Rules { history_table: "Strata_History", dialect: &crate::dialect::POSTGRES };
        assert!(check_step(&step("DELETE FROM \"Strata_History\";", false), &rules).is_err());
        assert!(check_step(&step("DELETE FROM Strata_History;", false), &rules).is_ok(), "that is strata_history");
    }

    #[test]
    fn refuses_a_section_postgres_reads_as_comments_only() {
        let sql = "/* outer /* inner */ SELECT 1; */";
        assert_eq!(
            pg_error(sql),
            "001_a.sql:1: this section holds no statement as PostgreSQL reads it, only comments; write its \
             statements, or remove the section"
        );
        assert!(check_step(&step(sql, false), &Rules::default()).is_ok(), "SQLite reads `SELECT 1;` and `*/`");
        let up = Migration::new(1, "001", "a", step(sql, false), None);
        assert!(matches!(check_up(&up, &PG), Err(Error::EmptyUp { .. })));
    }

    #[test]
    fn writebot_postgres_migrations_pass_the_postgres_checks() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
        let migrations = crate::source::load_dir(&dir).unwrap();
        assert_eq!(migrations.len(), 14);
        for migration in &migrations {
            check_up(migration, &PG).unwrap_or_else(|e| panic!("{e}"));
            let down = migration.down.as_ref().unwrap();
            check_step(down, &PG).unwrap_or_else(|e| panic!("{e}"));
        }
        // Read as SQLite reads it, 012's PL/pgSQL body is cut at each `;` and its `END IF;` refused.
        let error = check_up(&migrations[11], &Rules::default()).unwrap_err().to_string();
        assert!(error.contains("012_add_audit_triggers.sql:24: `END IF` in a section"), "{error}");
    }
}
