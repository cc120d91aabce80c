use std::cell::Cell;

use super::*;
use crate::dialect::SCANNED;

fn split(script: &str) -> Vec<Statement<'_>> {
    SQLITE.statements(script).collect()
}

fn sqls(script: &str) -> Vec<(&str, usize)> {
    split(script).into_iter().map(|s| (s.sql, s.line)).collect()
}

#[test]
fn splits_on_semicolons_and_keeps_lines() {
    let script = "CREATE TABLE a (id INTEGER);\n\nINSERT INTO a VALUES (1);\n  INSERT INTO a VALUES (2)";
    assert_eq!(
        sqls(script),
        [("CREATE TABLE a (id INTEGER);", 1), ("INSERT INTO a VALUES (1);", 3), ("INSERT INTO a VALUES (2)", 4)]
    );
}

#[test]
fn keeps_trigger_bodies_whole() {
    let script = "CREATE TEMP TRIGGER t AFTER INSERT ON a\nBEGIN\n  UPDATE a SET x = CASE WHEN 1 THEN 2 END;\n  DELETE FROM b;\nEND;\nSELECT 1;";
    let statements = sqls(script);
    assert_eq!(statements.len(), 2);
    assert!(statements[0].0.ends_with("END;"));
    assert_eq!(statements[1], ("SELECT 1;", 6));
}

#[test]
fn ignores_semicolons_in_strings_identifiers_and_comments() {
    let script = "INSERT INTO t VALUES ('a;b', \"c;d\", [e;f], `g;h`, 'it''s;'); -- x; y\n/* z; */ SELECT 2;";
    let statements = sqls(script);
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[1], ("SELECT 2;", 2));
}

#[test]
fn reports_the_line_of_the_first_token_not_of_a_leading_comment() {
    let script = "-- creates b\n-- (really)\nCREATE TABLE b (id INTEGER);";
    assert_eq!(sqls(script), [("CREATE TABLE b (id INTEGER);", 3)]);
}

#[test]
fn drops_empty_statements_and_comment_only_tails() {
    assert_eq!(sqls(";;\n  ;\n-- nothing here\n"), Vec::<(&str, usize)>::new());
    assert_eq!(sqls("SELECT 1;;\n/* trailing */"), [("SELECT 1;", 1)]);
}

#[test]
fn a_word_containing_end_does_not_close_a_trigger() {
    let script =
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO weekend VALUES (1); SELECT ending; END; SELECT 3;";
    assert_eq!(split(script).len(), 2);
}

#[test]
fn unterminated_strings_and_comments_run_to_the_end() {
    assert_eq!(sqls("SELECT 'abc; def"), [("SELECT 'abc; def", 1)]);
    assert_eq!(sqls("SELECT 1; /* open"), [("SELECT 1;", 1)]);
}

#[test]
fn non_ascii_text_is_kept_intact() {
    assert_eq!(
        sqls("INSERT INTO t VALUES ('héllo; wörld'); SELECT 'ü';"),
        [("INSERT INTO t VALUES ('héllo; wörld');", 1), ("SELECT 'ü';", 1)]
    );
}

#[test]
fn line_numbers_cost_one_pass_over_the_script() {
    // 80,000 one-line INSERTs took over a minute when each statement's line was
    // counted from the start of the script: count the work instead of the time.
    let script: String = (1..=5_000).map(|i| format!("INSERT INTO t VALUES ({i}, 'row {i}');\n")).collect();
    SCANNED.with(|scanned| scanned.set(0));
    let mut count = 0;
    for (index, statement) in statements(&script).enumerate() {
        assert_eq!(statement.line, index + 1);
        count += 1;
    }
    assert_eq!(count, 5_000);
    let scanned = SCANNED.with(Cell::get);
    assert!(scanned <= script.len(), "read {scanned} bytes to number the lines of a {}-byte script", script.len());
}

#[test]
fn statements_are_found_one_at_a_time() {
    let script = "SELECT 1;\n-- two\nSELECT\n 2;\n\nSELECT 3";
    let mut iter = statements(script);
    assert_eq!(iter.next(), Some(Statement { sql: "SELECT 1;", line: 1 }));
    assert_eq!(iter.next(), Some(Statement { sql: "SELECT\n 2;", line: 3 }));
    assert_eq!(iter.next(), Some(Statement { sql: "SELECT 3", line: 6 }));
    assert_eq!(iter.next(), None);
    assert_eq!(iter.next(), None);
}

proptest::proptest! {
    /// Splitting never panics, and the statements appear in order, without overlap.
    #[test]
    fn split_is_total_and_ordered(script in "[a-zA-Z;'\"`\\[\\]\\-/* \n]{0,80}") {
        let mut last_end = 0;
        for statement in split(&script) {
            let start = statement.sql.as_ptr() as usize - script.as_ptr() as usize;
            proptest::prop_assert!(start >= last_end);
            last_end = start + statement.sql.len();
        }
    }

    /// Each statement's line is the line of its first byte, counted from scratch.
    #[test]
    fn lines_match_a_count_from_the_start(script in "[a-zA-Z;'\"`\\[\\]\\-/* \n]{0,80}") {
        for statement in statements(&script) {
            let start = statement.sql.as_ptr() as usize - script.as_ptr() as usize;
            proptest::prop_assert_eq!(statement.line, 1 + script[..start].matches('\n').count());
        }
    }
}

fn control(sql: &str) -> Option<String> {
    SQLITE.transaction_control(sql)
}

#[test]
fn transaction_control_is_begin_commit_end_and_rollback() {
    assert_eq!(control("COMMIT;").as_deref(), Some("COMMIT"));
    assert_eq!(control("end transaction;").as_deref(), Some("END TRANSACTION"));
    assert_eq!(control("BEGIN IMMEDIATE;").as_deref(), Some("BEGIN IMMEDIATE"));
    assert_eq!(control("ROLLBACK;").as_deref(), Some("ROLLBACK"));
    assert_eq!(control("ROLLBACK /* to */;").as_deref(), Some("ROLLBACK"), "a comment is not a word");
}

#[test]
fn savepoints_and_other_statements_are_not_transaction_control() {
    for sql in ["SAVEPOINT s;", "ROLLBACK TO s;", "ROLLBACK TRANSACTION TO SAVEPOINT s;", "RELEASE s;", "SELECT 1;"] {
        assert_eq!(control(sql), None, "{sql}");
    }
    assert_eq!(control("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;"), None);
}

#[test]
fn tokens_skip_comments_and_tell_names_from_strings() {
    let sql = "DELETE /* x */ FROM [a b] -- c\n WHERE \"q\" = 'it''s' AND `t`.x;";
    let tokens: Vec<(TokenKind, &str)> = SQLITE.tokens(sql).map(|t| (t.kind, t.text)).collect();
    use TokenKind::*;
    assert_eq!(
        tokens,
        [
            (Word, "DELETE"),
            (Word, "FROM"),
            (QuotedName, "[a b]"),
            (Word, "WHERE"),
            (QuotedName, "\"q\""),
            (Other, "="),
            (String, "'it'"),
            (String, "'s'"),
            (Word, "AND"),
            (QuotedName, "`t`"),
            (Other, "."),
            (Word, "x"),
            (Other, ";"),
        ]
    );
}

#[test]
fn names_compare_without_case_in_every_quoting() {
    for text in [
        "Migration_History",
        "\"MIGRATION_HISTORY\"",
        "[migration_history]",
        "`migration_history`",
        "'migration_history'",
    ] {
        let token = SQLITE.tokens(text).next().unwrap();
        assert!(SQLITE.is_name(&token, "migration_history"), "{text}");
    }
    for text in ["migration_history_x", "\"migration history\"", "+"] {
        let token = SQLITE.tokens(text).next().unwrap();
        assert!(!SQLITE.is_name(&token, "migration_history"), "{text}");
    }
}

#[test]
fn placeholders_are_question_marks_with_numbers() {
    assert_eq!(SQLITE.placeholder(3), "?3");
    assert_eq!(SQLITE.quote_ident("a\"b"), "\"a\"\"b\"");
}
