use std::cell::Cell;
use std::path::PathBuf;

use super::*;
use crate::check::{check_step, Rules};
use crate::dialect::SCANNED;
use crate::migration::{Step, StepOptions};

fn sqls(script: &str) -> Vec<(&str, usize)> {
    MYSQL.statements(script).map(|s| (s.sql, s.line)).collect()
}

fn texts(script: &str) -> Vec<&str> {
    MYSQL.statements(script).map(|s| s.sql).collect()
}

fn texts_without_escapes(script: &str) -> Vec<&str> {
    MYSQL_NO_BACKSLASH_ESCAPES.statements(script).map(|s| s.sql).collect()
}

#[test]
fn splits_at_semicolons_leaving_them_out_and_keeps_lines() {
    let script = "CREATE TABLE a (id int);\n\nINSERT INTO a VALUES (1);\n  INSERT INTO a VALUES (2)";
    assert_eq!(
        sqls(script),
        [("CREATE TABLE a (id int)", 1), ("INSERT INTO a VALUES (1)", 3), ("INSERT INTO a VALUES (2)", 4)]
    );
}

#[test]
fn empty_statements_and_comments_alone_are_no_statements() {
    assert_eq!(sqls(";;\n  ;\n-- nothing\n# here\n/* and; here */"), Vec::<(&str, usize)>::new());
    assert_eq!(sqls("SELECT 1;;\n/* trailing */"), [("SELECT 1", 1)]);
}

#[test]
fn a_statement_ends_at_its_last_character_before_comments_and_white_space() {
    assert_eq!(texts("SELECT 1 /* c; */ ;\nSELECT 2 -- done\n"), ["SELECT 1", "SELECT 2"]);
    assert_eq!(texts("SELECT 1 # done"), ["SELECT 1"]);
    // Comments inside a statement stay in its text.
    assert_eq!(texts("SELECT /* a; */ 1 -- b;\n, 2;"), ["SELECT /* a; */ 1 -- b;\n, 2"]);
}

#[test]
fn strings_hold_delimiters_doubled_quotes_and_backslash_escapes() {
    let script = r#"SELECT 'a;b', 'it''s;', 'it\'s;', "say \"hi\";", "x"";"; SELECT 'C:\\';"#;
    let first = r#"SELECT 'a;b', 'it''s;', 'it\'s;', "say \"hi\";", "x"";""#;
    assert_eq!(texts(script), [first, r"SELECT 'C:\\'"]);
}

#[test]
fn without_backslash_escapes_a_backslash_ends_nothing() {
    let script = r"SELECT 'C:\'; SELECT '\\'; SELECT 2;";
    assert_eq!(texts_without_escapes(script), [r"SELECT 'C:\'", r"SELECT '\\'", "SELECT 2"]);
    // With escapes, `\'` keeps the first string open to the next quote, and
    // the `\\` after it, outside strings, lets the last `'` open one.
    assert_eq!(texts(script), [script]);
}

#[test]
fn a_backslash_outside_strings_takes_the_next_character_as_text() {
    assert_eq!(texts(r"SELECT \N; SELECT 2;"), [r"SELECT \N", "SELECT 2"]);
    assert_eq!(texts_without_escapes(r"SELECT \'; SELECT 2;"), [r"SELECT \'", "SELECT 2"]);
}

#[test]
fn a_backslash_at_the_end_of_a_line_escapes_nothing() {
    // In the string, the line break after `\` is text: the string goes on.
    assert_eq!(texts("SELECT 'a\\\nb;'; SELECT 2;"), ["SELECT 'a\\\nb;'", "SELECT 2"]);
    assert_eq!(texts("SELECT 'a\\\r\nb;'; SELECT 2;"), ["SELECT 'a\\\r\nb;'", "SELECT 2"]);
}

#[test]
fn backtick_names_hold_delimiters_and_no_escapes() {
    assert_eq!(texts("SELECT 1 AS `a;b`, 2 AS `x``;`; SELECT 2;"), ["SELECT 1 AS `a;b`, 2 AS `x``;`", "SELECT 2"]);
    // A backslash in backticks is a character: `a\` closes there.
    assert_eq!(texts("SELECT `a\\`; SELECT 2;"), ["SELECT `a\\`", "SELECT 2"]);
}

#[test]
fn hash_comments_run_to_the_end_of_the_line_even_inside_a_word() {
    assert_eq!(sqls("SELECT 1 a#b; c\n, 2;\n#x;\nSELECT 3;"), [("SELECT 1 a#b; c\n, 2", 1), ("SELECT 3", 4)]);
}

#[test]
fn dash_comments_need_white_space_except_before_a_statement() {
    assert_eq!(texts("SELECT 1 -- a; b\n, 2;"), ["SELECT 1 -- a; b\n, 2"]);
    assert_eq!(texts("SELECT 1 --\tx;\n;"), ["SELECT 1"]);
    // `--` at the end of a line (also before `\r\n`) is a comment.
    assert_eq!(texts("SELECT 1 --\n;SELECT 2 --\r\n;"), ["SELECT 1", "SELECT 2"]);
    // Inside a statement, `--x` is two minus signs.
    assert_eq!(texts("SELECT 2--1; SELECT 3;"), ["SELECT 2--1", "SELECT 3"]);
    assert_eq!(texts("SELECT 1 --\u{1}; SELECT 2;"), ["SELECT 1 --", "SELECT 2"]);
    // Before a statement's first character, `--x` is a comment.
    assert_eq!(sqls("--x; y\nSELECT 1; --z;\nSELECT 2;"), [("SELECT 1", 2), ("SELECT 2", 3)]);
}

#[test]
fn block_comments_hide_delimiters_and_do_not_nest() {
    assert_eq!(texts("/* a; */ SELECT /* b; */ 1; SELECT 2;"), ["SELECT /* b; */ 1", "SELECT 2"]);
    // The first `*/` ends the comment: ` c */` is text.
    assert_eq!(texts("SELECT 1 /* a /* b */ c */; SELECT 2;"), ["SELECT 1 /* a /* b */ c */", "SELECT 2"]);
    // A comment spans lines.
    assert_eq!(sqls("/* a;\n b; */ SELECT 1;\nSELECT 2;"), [("SELECT 1", 2), ("SELECT 2", 3)]);
}

#[test]
fn a_slash_star_inside_a_comment_swallows_its_star() {
    // `/*/` inside a comment is `/*` then `/`: no `*/` there.
    assert_eq!(texts("SELECT 0 /* a /*/ b; */, 1; SELECT 2;"), ["SELECT 0 /* a /*/ b; */, 1", "SELECT 2"]);
}

#[test]
fn versioned_comments_are_text_so_a_delimiter_in_one_ends_the_statement() {
    assert_eq!(texts("/*!40101 SET NAMES utf8mb4 */;\nSELECT 1;"), ["/*!40101 SET NAMES utf8mb4 */", "SELECT 1"]);
    assert_eq!(texts("SELECT 0 /*!40101 ,1; SELECT 2 */;"), ["SELECT 0 /*!40101 ,1", "SELECT 2 */"]);
    assert_eq!(texts("SELECT 1 /*M!100100 , 2; */;"), ["SELECT 1 /*M!100100 , 2", "*/"]);
    assert_eq!(texts("SELECT 1 /*!, 'a;b' */;"), ["SELECT 1 /*!, 'a;b' */"]);
}

#[test]
fn after_a_versioned_comment_opens_on_a_line_its_star_slash_ends_no_comment() {
    // `/*!` inside a comment: the `*/` after it closes only the `/*!`.
    assert_eq!(texts("SELECT 0 /* a /*! b */ c; */, 1; SELECT 2;"), ["SELECT 0 /* a /*! b */ c; */, 1", "SELECT 2"]);
    // The same after a `/*!` outside comments earlier on the line.
    assert_eq!(texts("SELECT 0 /*!40101 /* c */ , 9; */ , 1;"), ["SELECT 0 /*!40101 /* c */ , 9; */ , 1"]);
    // The next line starts afresh.
    assert_eq!(texts("SELECT 0 /* a /*!\n */, 1; SELECT 2;"), ["SELECT 0 /* a /*!\n */, 1", "SELECT 2"]);
}

#[test]
fn a_delimiter_line_changes_the_delimiter_and_is_no_statement() {
    let script = "DELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND$$\nDELIMITER ;\nCALL p();";
    assert_eq!(sqls(script), [("CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND", 2), ("CALL p()", 8)]);
}

#[test]
fn delimiters_match_anywhere_byte_for_byte_outside_strings_and_comments() {
    let script = "delimiter //\nSELECT '//', `//` /* // */, 4 DIV 2 // SELECT 2//\n";
    assert_eq!(texts(script), ["SELECT '//', `//` /* // */, 4 DIV 2", "SELECT 2"]);
    // `end` ends a statement inside `spend` too, and `END` does not match it.
    assert_eq!(texts("DELIMITER end\nSELECT 1 AS spend, 2 AS END end"), ["SELECT 1 AS sp", ", 2 AS END"]);
    // After `DELIMITER ;;`, a single `;` is text.
    assert_eq!(texts("DELIMITER ;;\nSELECT 1;; SELECT 2;\nSELECT 3;;"), ["SELECT 1", "SELECT 2;\nSELECT 3"]);
}

#[test]
fn a_delimiter_comes_before_comments_and_quotes() {
    assert_eq!(texts("DELIMITER #\nSELECT 1# SELECT 2 # x"), ["SELECT 1", "SELECT 2", "x"]);
    assert_eq!(texts("DELIMITER \"'\"\nSELECT 1' SELECT 2"), ["SELECT 1", "SELECT 2"]);
}

#[test]
fn a_delimiter_line_counts_only_before_a_statement() {
    // Inside a statement, the line is text of it.
    assert_eq!(texts("SELECT 1\nDELIMITER $$\n, 2;"), ["SELECT 1\nDELIMITER $$\n, 2"]);
    // After a statement on the same line, or a comment ending on it: text.
    assert_eq!(texts("SELECT 1; DELIMITER $$\nSELECT 2;"), ["SELECT 1", "DELIMITER $$\nSELECT 2"]);
    assert_eq!(texts("/* x */ DELIMITER $$\nSELECT 2$$"), ["DELIMITER $$\nSELECT 2$$"]);
    // Inside a comment it is comment.
    assert_eq!(texts("/*\nDELIMITER $$\n*/ SELECT 1; SELECT 2;"), ["SELECT 1", "SELECT 2"]);
    // After comments and blank lines it counts.
    assert_eq!(texts("SELECT 1; -- a\n/* b */\n\n  DELIMITER $$\nSELECT 2$$"), ["SELECT 1", "SELECT 2"]);
}

#[test]
fn a_delimiter_line_that_sets_nothing_is_read_as_sql() {
    assert_eq!(sqls("DELIMITER\nSELECT 1;"), [("DELIMITER\nSELECT 1", 1)]);
    assert_eq!(sqls("DELIMITER a\\\\b\nSELECT 1;"), [("DELIMITER a\\\\b\nSELECT 1", 1)]);
    assert_eq!(sqls("DELIMITER '';"), [("DELIMITER ''", 1)]);
}

#[test]
fn a_delimiter_line_may_end_with_crlf_and_the_last_line_needs_no_newline() {
    assert_eq!(sqls("DELIMITER //\r\nSELECT 1//\r\nSELECT 2//"), [("SELECT 1", 2), ("SELECT 2", 3)]);
    assert_eq!(texts("SELECT 1;\nDELIMITER //"), ["SELECT 1"]);
}

#[test]
fn a_byte_order_mark_is_skipped_and_a_delimiter_line_may_follow_it() {
    assert_eq!(sqls("\u{feff}DELIMITER $$\nSELECT 1$$"), [("SELECT 1", 2)]);
    assert_eq!(texts("\u{feff}SELECT 1;"), ["SELECT 1"]);
}

#[test]
fn without_a_delimiter_line_a_routine_body_ends_at_its_first_semicolon() {
    // As in the client; the server then refuses the first piece.
    let script = "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;";
    assert_eq!(texts(script), ["CREATE PROCEDURE p() BEGIN SELECT 1", "SELECT 2", "END"]);
}

#[test]
fn control_characters_end_no_statement_and_lead_one() {
    // The client sends a statement without them at its end, and nothing when they are all it holds.
    assert_eq!(texts("SELECT 3\u{1}\u{7f} ;\u{1};SELECT 4"), ["SELECT 3", "SELECT 4"]);
    assert_eq!(texts("\u{1}SELECT 2;"), ["\u{1}SELECT 2"]);
    // A control character starts a statement: `--x` after it is no comment.
    assert_eq!(texts("\u{1}--x; SELECT 2;"), ["\u{1}--x", "SELECT 2"]);
}

#[test]
fn unterminated_strings_and_comments_run_to_the_end() {
    assert_eq!(texts("SELECT 'abc; def  \n"), ["SELECT 'abc; def"]);
    assert_eq!(texts("SELECT `a;"), ["SELECT `a;"]);
    assert_eq!(texts("SELECT 1 /* a; "), ["SELECT 1"]);
}

#[test]
fn non_ascii_text_is_kept_intact() {
    assert_eq!(
        texts("SELECT 'héllo; wörld', `ü;`, \\é; SELECT 'ü'"),
        ["SELECT 'héllo; wörld', `ü;`, \\é", "SELECT 'ü'"]
    );
    assert_eq!(texts("DELIMITER §\nSELECT 1§SELECT 2§"), ["SELECT 1", "SELECT 2"]);
}

#[test]
fn line_numbers_cost_one_pass_over_the_script() {
    let script: String = (1..=5_000).map(|i| format!("INSERT INTO t VALUES ({i}, 'row {i}');\n")).collect();
    SCANNED.with(|scanned| scanned.set(0));
    for (index, statement) in MYSQL.statements(&script).enumerate() {
        assert_eq!(statement.line, index + 1);
    }
    let scanned = SCANNED.with(Cell::get);
    assert!(scanned <= script.len(), "read {scanned} bytes to number the lines of a {}-byte script", script.len());
}

fn tokens(sql: &str) -> Vec<(TokenKind, &str)> {
    MYSQL.tokens(sql).map(|t| (t.kind, t.text)).collect()
}

#[test]
fn tokens_read_strings_names_comments_and_versioned_comments() {
    use TokenKind::*;
    let sql =
        "/*!40101 DELETE */ FROM `db`.`t``x` # c\nWHERE a = 'it\\'s' -- d\n AND b = \"q\"\"\" /* e */ AND 1e5 AND 2fa";
    assert_eq!(
        tokens(sql),
        [
            (Word, "DELETE"),
            (Word, "FROM"),
            (QuotedName, "`db`"),
            (Other, "."),
            (QuotedName, "`t``x`"),
            (Word, "WHERE"),
            (Word, "a"),
            (Other, "="),
            (String, "'it\\'s'"),
            (Word, "AND"),
            (Word, "b"),
            (Other, "="),
            (String, "\"q\"\"\""),
            (Word, "AND"),
            (Other, "1e5"),
            (Word, "AND"),
            (Word, "2fa"),
        ]
    );
    assert_eq!(tokens("/*M!100100 COMMIT */ /*+ hint */"), [(Word, "COMMIT")]);
    // Without backslash escapes `'a\'` is a whole string.
    let plain: Vec<&str> = MYSQL_NO_BACKSLASH_ESCAPES.tokens("'a\\' x").map(|t| t.text).collect();
    assert_eq!(plain, ["'a\\'", "x"]);
    // `--x` is two minus signs to the server.
    assert_eq!(tokens("1--x"), [(Other, "1"), (Other, "-"), (Other, "-"), (Word, "x")]);
}

fn control(sql: &str) -> Option<String> {
    MYSQL.transaction_control(sql)
}

#[test]
fn transaction_control_covers_every_way_to_start_or_end_a_transaction() {
    let cases = [
        ("BEGIN", "BEGIN"),
        ("begin work", "BEGIN WORK"),
        ("BEGIN;", "BEGIN"),
        ("START TRANSACTION READ ONLY", "START TRANSACTION"),
        ("start transaction with consistent snapshot", "START TRANSACTION"),
        ("COMMIT", "COMMIT"),
        ("COMMIT WORK AND NO CHAIN RELEASE", "COMMIT WORK"),
        ("ROLLBACK", "ROLLBACK"),
        ("ROLLBACK WORK", "ROLLBACK WORK"),
        ("XA START 'x'", "XA START"),
        ("xa commit 'x'", "XA COMMIT"),
        ("LOCK TABLES a WRITE", "LOCK TABLES"),
        ("LOCK TABLE a READ", "LOCK TABLE"),
        ("UNLOCK TABLES", "UNLOCK TABLES"),
        ("SET autocommit = 0", "SET autocommit"),
        ("SET @@autocommit := 1", "SET autocommit"),
        ("SET SESSION AUTOCOMMIT = ON", "SET autocommit"),
        ("set @@session.autocommit = 0", "SET autocommit"),
        ("SET NAMES utf8mb4, autocommit = 0", "SET autocommit"),
        ("/*!40101 COMMIT */", "COMMIT"),
        ("/* note */ COMMIT", "COMMIT"),
    ];
    for (sql, shown) in cases {
        assert_eq!(control(sql).as_deref(), Some(shown), "{sql}");
    }
}

#[test]
fn savepoints_compound_statements_and_set_transaction_are_not_transaction_control() {
    let allowed = [
        "SAVEPOINT s",
        "RELEASE SAVEPOINT s",
        "ROLLBACK TO s",
        "ROLLBACK WORK TO SAVEPOINT s",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "SET SESSION TRANSACTION READ ONLY",
        "BEGIN NOT ATOMIC SELECT 1; END",
        "CREATE PROCEDURE p() BEGIN COMMIT; END",
        "SET @autocommit = 0",
        "SET @x = @@autocommit",
        "SELECT 'COMMIT'",
        "LOCK INSTANCE FOR BACKUP",
    ];
    for sql in allowed {
        assert_eq!(control(sql), None, "{sql}");
    }
}

#[test]
fn only_data_changes_queries_and_session_sets_are_transactional() {
    let transactional = [
        "INSERT INTO t VALUES (1)",
        "insert ignore into t values (1)",
        "UPDATE t SET a = 1",
        "DELETE FROM t",
        "REPLACE INTO t VALUES (1)",
        "SELECT * FROM t FOR UPDATE",
        "(SELECT 1) UNION (SELECT 2)",
        "WITH c AS (SELECT 1) SELECT * FROM c",
        "VALUES (1), (2)",
        "TABLE t",
        "DO SLEEP(0)",
        "SET @x = 1, @`y` := (SELECT 1, 2)",
        "SET NAMES utf8mb4 COLLATE utf8mb4_bin",
        "SET CHARACTER SET utf8mb4",
        "SET foreign_key_checks = 0, @@session.sql_mode = 'ANSI', SESSION time_zone = '+00:00'",
        "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */",
        "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */",
        "SELECT 1;",
    ];
    for sql in transactional {
        assert!(MYSQL.transactional(sql), "{sql}");
    }
    let not = [
        "CREATE TABLE t (id int)",
        "ALTER TABLE t ADD c int",
        "DROP TABLE t",
        "TRUNCATE t",
        "RENAME TABLE a TO b",
        "CREATE INDEX i ON t (a)",
        "/*!40000 ALTER TABLE t DISABLE KEYS */",
        "GRANT SELECT ON t TO u",
        "CREATE USER u",
        "SET PASSWORD = PASSWORD('x')",
        "SET ROLE r",
        "SET DEFAULT ROLE r FOR u",
        "SET GLOBAL max_connections = 10",
        "SET @@global.sql_mode = ''",
        "SET PERSIST x = 1",
        "SET @x = 1, @@GLOBAL.y = 2",
        "SET autocommit = 1",
        "SET sql_log_bin = 0",
        "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
        "SET STATEMENT max_statement_time = 1 FOR SELECT 1",
        "SELECT * FROM t INTO OUTFILE '/tmp/x'",
        "SELECT 1 INTO DUMPFILE '/tmp/x'",
        "BEGIN",
        "COMMIT",
        "CALL p()",
        "LOCK TABLES t WRITE",
        "UNLOCK TABLES",
        "LOAD DATA INFILE 'x' INTO TABLE t",
        "ANALYZE TABLE t",
        "SAVEPOINT s",
        "EXECUTE s",
        "FLUSH TABLES",
        "SHOW TABLES",
        "(1)",
    ];
    for sql in not {
        assert!(!MYSQL.transactional(sql), "{sql}");
    }
}

#[test]
fn names_compare_without_case_bare_in_backticks_or_in_double_quotes() {
    let name = |text: &str| MYSQL.is_name(&MYSQL.tokens(text).next().unwrap(), "migration_history");
    assert!(name("Migration_History"));
    assert!(name("`MIGRATION_HISTORY`"));
    assert!(name("\"migration_history\""));
    assert!(!name("'migration_history'"), "a '…' string is never a name");
    assert!(!name("`migration_history_x`"));
    assert!(!name("migration_historyx"));
}

#[test]
fn placeholders_are_question_marks_and_names_are_quoted_in_backticks() {
    assert_eq!(MYSQL.placeholder(3), "?");
    assert_eq!(MYSQL.quote_ident("a`b"), "`a``b`");
    assert_eq!(MYSQL.name(), "MySQL/MariaDB");
}

fn check(sql: &str, no_transaction: bool) -> Result<(), String> {
    let options = StepOptions { no_transaction, foreign_keys_off: false };
    let step = Step::inline(sql, options, PathBuf::from("001_a.sql"), 2);
    let rules = Rules { history_table: "migration_history", dialect: &MYSQL };
    check_step(&step, &rules).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn the_checks_find_history_writes_and_transaction_control_as_mysql_writes_them() {
    for sql in [
        "DELETE FROM `migration_history`;",
        "UPDATE `db`.`Migration_History` SET name = 'x';",
        "DROP TABLE IF EXISTS migration_history;",
        "DELIMITER $$\nCREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN\n  DELETE FROM migration_history;\nEND$$",
        "/*!40000 ALTER TABLE `migration_history` DISABLE KEYS */;",
    ] {
        let error = check(sql, false).unwrap_err();
        assert!(error.contains("writes to or changes the history table `migration_history`"), "{sql}: {error}");
    }
    let error = check("CREATE TABLE a (id int);\nSTART TRANSACTION;", false).unwrap_err();
    assert!(error.starts_with("001_a.sql:3: `START TRANSACTION` in a section"), "{error}");
    let body = "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  START TRANSACTION;\n  COMMIT;\nEND//\nDELIMITER ;\n";
    assert_eq!(check(body, false), Ok(()));
    assert_eq!(check("SELECT 'DELETE FROM migration_history'; # DROP TABLE migration_history", false), Ok(()));
}

proptest::proptest! {
    /// Splitting never panics, and the statements are trimmed slices of the
    /// script, in order, without overlap, each on the line of its first byte.
    #[test]
    fn split_is_total_ordered_and_numbered(
        script in "([a-zA-Z0-9;'\"`#()/*!M\\\\ \t\n\r\u{1}\u{7f}-]|é|€|\u{feff}|DELIMITER |delimiter \\$\\$\n|DELIMITER ;\n|\\$\\$|/\\*!|-- |\\*/){0,60}"
    ) {
        for statements in [MYSQL.statements(&script), MYSQL_NO_BACKSLASH_ESCAPES.statements(&script)] {
            let mut last_end = 0;
            for statement in statements {
                let start = statement.sql.as_ptr() as usize - script.as_ptr() as usize;
                proptest::prop_assert!(start >= last_end);
                proptest::prop_assert!(!statement.sql.is_empty());
                proptest::prop_assert!(!statement.sql.starts_with(|c: char| c.is_ascii_whitespace()));
                proptest::prop_assert!(!statement.sql.ends_with(|c: char| c.is_ascii_whitespace() || c.is_ascii_control()));
                proptest::prop_assert_eq!(statement.line, 1 + script[..start].matches('\n').count());
                last_end = start + statement.sql.len();
            }
        }
    }

    /// Reading runs of plain bytes at once finds what reading a byte at a time does.
    #[test]
    fn skipping_plain_runs_changes_nothing(
        script in "([a-z;'\"`#/*!M\\\\ \n\u{1}-]|é|DELIMITER //\n|DELIMITER ;\n|/\\*!|\\*/|//){0,80}",
        escapes in proptest::bool::ANY,
    ) {
        let fast: Vec<_> = super::split::statements(&script, escapes).collect();
        let stepwise: Vec<_> = super::split::statements(&script, escapes).stepwise().collect();
        proptest::prop_assert_eq!(fast, stepwise);
    }

    /// Tokens never panic and are ordered slices of the text.
    #[test]
    fn tokens_are_ordered_slices_of_the_text(sql in "([a-zA-Z0-9;'\"`#()/*!M\\\\@. \n-]|é|/\\*!|\\*/|-- ){0,60}") {
        let mut last_end = 0;
        for token in MYSQL.tokens(&sql) {
            proptest::prop_assert!(token.offset >= last_end);
            proptest::prop_assert_eq!(&sql[token.offset..token.offset + token.text.len()], token.text);
            last_end = token.offset + token.text.len();
        }
        let _ = (MYSQL.transaction_control(&sql), MYSQL.transactional(&sql));
    }
}

#[test]
fn text_holding_several_statements_is_judged_by_each_as_the_server_runs_them_all() {
    // After `DELIMITER //` without `DELIMITER ;` back, one piece holds several statements.
    assert!(MYSQL.transactional("INSERT INTO a VALUES (8); UPDATE a SET id = 9;"));
    assert!(!MYSQL.transactional("INSERT INTO a VALUES (8); CREATE TABLE d (id INT)"));
    assert_eq!(control("INSERT INTO a VALUES (1); COMMIT"), Some("COMMIT".to_owned()));
    assert_eq!(control("BEGIN; INSERT INTO a VALUES (1)"), Some("BEGIN".to_owned()));
    // A stored program's COMMIT runs when it is called, not when it is created.
    let procedure = "CREATE PROCEDURE p() BEGIN INSERT INTO a VALUES (1); COMMIT; END";
    assert_eq!(control(procedure), None);
    assert!(!MYSQL.transactional(procedure));
}
