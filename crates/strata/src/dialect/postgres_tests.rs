use std::cell::Cell;

use super::*;
use crate::dialect::SCANNED;

fn sqls(script: &str) -> Vec<(&str, usize)> {
    POSTGRES.statements(script).map(|s| (s.sql, s.line)).collect()
}

fn texts(script: &str) -> Vec<&str> {
    POSTGRES.statements(script).map(|s| s.sql).collect()
}

#[test]
fn splits_on_semicolons_and_keeps_lines() {
    let script = "CREATE TABLE a (id int);\n\nINSERT INTO a VALUES (1);\n  INSERT INTO a VALUES (2)";
    assert_eq!(
        sqls(script),
        [("CREATE TABLE a (id int);", 1), ("INSERT INTO a VALUES (1);", 3), ("INSERT INTO a VALUES (2)", 4)]
    );
}

#[test]
fn a_plpgsql_body_in_dollar_quotes_is_one_statement() {
    let script = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$;\nSELECT f();";
    assert_eq!(sqls(script), [(&script[..script.len() - 12], 1), ("SELECT f();", 6)]);
}

#[test]
fn a_tagged_dollar_quote_ends_only_at_its_own_tag() {
    let script = "SELECT $body$ a $$ b; $x$ c; $BODY$ d; $body$; SELECT 2;";
    assert_eq!(texts(script), ["SELECT $body$ a $$ b; $x$ c; $BODY$ d; $body$;", "SELECT 2;"]);
}

#[test]
fn a_dollar_quote_may_close_right_after_a_word_or_another_tag() {
    assert_eq!(texts("SELECT $a$x;y$a$; SELECT 2;"), ["SELECT $a$x;y$a$;", "SELECT 2;"]);
    assert_eq!(texts("SELECT $a$ $ab$a$; SELECT 2;"), ["SELECT $a$ $ab$a$;", "SELECT 2;"]);
}

#[test]
fn a_parameter_or_a_digit_is_no_dollar_quote_tag() {
    assert_eq!(texts("SELECT $1; SELECT $2;"), ["SELECT $1;", "SELECT $2;"]);
    assert_eq!(texts("SELECT $1x$; SELECT 2;"), ["SELECT $1x$;", "SELECT 2;"]);
}

#[test]
fn a_dollar_inside_a_word_starts_no_quote() {
    // `a$$b` is one identifier, so nothing is quoted.
    assert_eq!(texts("SELECT a$$b; SELECT $$;$$;"), ["SELECT a$$b;", "SELECT $$;$$;"]);
    // `$x` without a closing `$` is a lone `$`, then a word.
    assert_eq!(texts("SELECT $x; SELECT 2;"), ["SELECT $x;", "SELECT 2;"]);
}

#[test]
fn a_number_with_junk_after_it_is_one_token() {
    // PostgreSQL 15 reads `1e$$x` as one (bad) token: no dollar quote starts.
    assert_eq!(texts("SELECT 1e$$x; SELECT 2;"), ["SELECT 1e$$x;", "SELECT 2;"]);
    // After a number, a `$$` does start one.
    assert_eq!(texts("SELECT 1$$;$$; SELECT 2;"), ["SELECT 1$$;$$;", "SELECT 2;"]);
}

#[test]
fn a_backslash_is_literal_in_a_standard_string() {
    assert_eq!(texts(r"SELECT 'a\'; SELECT 'b';"), [r"SELECT 'a\';", "SELECT 'b';"]);
    assert_eq!(texts("SELECT 'it''s; fine'; SELECT 2;"), ["SELECT 'it''s; fine';", "SELECT 2;"]);
}

#[test]
fn an_escape_string_escapes_quotes_with_backslashes() {
    for prefix in ["E", "e"] {
        let script = format!(r"SELECT {prefix}'it\'s; fine', {prefix}'\\'; SELECT 2;");
        let first = script.find(" SELECT 2").unwrap();
        assert_eq!(texts(&script), [&script[..first], "SELECT 2;"]);
    }
    // Only a whole word `E` is a prefix: `be` is a name, then a standard string.
    assert_eq!(texts(r"SELECT be'\'; SELECT 2;"), [r"SELECT be'\';", "SELECT 2;"]);
}

#[test]
fn unicode_bit_and_hex_strings_read_like_standard_strings() {
    let script = r"SELECT U&'d\0061t\+000061;', u&'\', B'1;0', X'1F;', N'a;', U&&'x;'; SELECT 2;";
    assert_eq!(texts(script).len(), 2, "{:?}", texts(script));
}

#[test]
fn quoted_names_hold_semicolons_and_doubled_quotes() {
    let script = "SELECT 1 AS \"weird;name\", 2 AS \"say \"\"hi\"\";\", 3 AS U&\"x;\"; SELECT 2;";
    assert_eq!(texts(script).len(), 2);
}

#[test]
fn comments_nest_and_hide_semicolons_and_dollar_quotes() {
    let script = "/* a /* b; $$ */ c; */ SELECT 1 /* ; */; -- x; $$\nSELECT 2;";
    assert_eq!(sqls(script), [("SELECT 1 /* ; */;", 1), ("SELECT 2;", 2)]);
    // An operator runs into a comment: `*/*` is `*` then a comment.
    assert_eq!(texts("SELECT 2*/*;*/3; SELECT 4;"), ["SELECT 2*/*;*/3;", "SELECT 4;"]);
}

#[test]
fn a_line_comment_ends_at_a_carriage_return_too() {
    assert_eq!(texts("-- a\rSELECT 1;"), ["SELECT 1;"]);
}

#[test]
fn begin_atomic_bodies_are_one_statement() {
    let script = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 2 END;\nEND;\nSELECT 3;";
    let statements = sqls(script);
    assert_eq!(statements.len(), 2, "{statements:?}");
    assert!(statements[0].0.ends_with("END;"));
    assert_eq!(statements[1], ("SELECT 3;", 6));
    let replace = "create or replace procedure p() begin atomic insert into t values (1); end; select 1;";
    assert_eq!(texts(replace).len(), 2);
}

#[test]
fn begin_and_end_count_only_in_routine_definitions_outside_parentheses() {
    // A transaction's BEGIN; and END; are statements of their own.
    assert_eq!(texts("BEGIN; SELECT 1; END;"), ["BEGIN;", "SELECT 1;", "END;"]);
    // CASE … END outside a routine body changes nothing.
    assert_eq!(texts("SELECT CASE WHEN true THEN 1 END; SELECT 2;").len(), 2);
    // A parameter named `begin` is inside parentheses.
    assert_eq!(texts("CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN 1; SELECT 2;").len(), 2);
    // CREATE TABLE is no routine.
    assert_eq!(texts("CREATE TABLE begin (id int); SELECT 2;").len(), 2);
}

#[test]
fn semicolons_inside_parentheses_do_not_end_a_statement() {
    let script =
        "CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO c VALUES (2));\nSELECT 1;";
    assert_eq!(texts(script).len(), 2);
    // A stray `)` does not make the depth negative.
    assert_eq!(texts("SELECT 1); SELECT 2;"), ["SELECT 1);", "SELECT 2;"]);
}

#[test]
fn drops_empty_statements_and_keeps_a_last_one_without_semicolon() {
    assert_eq!(sqls(";;\n  ;\n-- nothing\n/* here */"), Vec::<(&str, usize)>::new());
    assert_eq!(sqls("SELECT 1;;\n/* trailing */"), [("SELECT 1;", 1)]);
    assert_eq!(sqls("SELECT 1;\nSELECT 2  \n"), [("SELECT 1;", 1), ("SELECT 2", 2)]);
}

#[test]
fn unterminated_strings_and_comments_run_to_the_end() {
    for script in ["SELECT 'abc; def", "SELECT E'abc\\", "SELECT \"a;", "SELECT $$ a;", "SELECT 1 /* a /* */ ;"] {
        assert_eq!(texts(script), [script], "{script:?}");
    }
}

#[test]
fn non_ascii_text_is_kept_intact() {
    assert_eq!(
        texts("SELECT 'héllo; wörld', $é$;$é$, E'\\é;', \"ü;\"; SELECT 'ü'"),
        ["SELECT 'héllo; wörld', $é$;$é$, E'\\é;', \"ü;\";", "SELECT 'ü'"]
    );
}

#[test]
fn line_numbers_cost_one_pass_over_the_script() {
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

fn control(sql: &str) -> Option<String> {
    POSTGRES.transaction_control(sql)
}

#[test]
fn transaction_control_covers_every_way_to_end_a_transaction() {
    let cases = [
        ("BEGIN;", "BEGIN"),
        ("begin work;", "BEGIN WORK"),
        ("BEGIN ISOLATION LEVEL SERIALIZABLE;", "BEGIN"),
        ("START TRANSACTION READ ONLY;", "START TRANSACTION"),
        ("COMMIT;", "COMMIT"),
        ("COMMIT TRANSACTION AND CHAIN;", "COMMIT TRANSACTION"),
        ("END;", "END"),
        ("ROLLBACK;", "ROLLBACK"),
        ("ROLLBACK WORK AND NO CHAIN;", "ROLLBACK WORK"),
        ("ABORT;", "ABORT"),
        ("PREPARE TRANSACTION 'x';", "PREPARE TRANSACTION"),
        ("COMMIT PREPARED 'x';", "COMMIT PREPARED"),
        ("ROLLBACK PREPARED 'x';", "ROLLBACK PREPARED"),
        ("/* note */ COMMIT;", "COMMIT"),
    ];
    for (sql, shown) in cases {
        assert_eq!(control(sql).as_deref(), Some(shown), "{sql}");
    }
}

#[test]
fn savepoints_set_transaction_and_routines_are_not_transaction_control() {
    let allowed = [
        "SAVEPOINT s;",
        "RELEASE SAVEPOINT s;",
        "ROLLBACK TO s;",
        "ROLLBACK TO SAVEPOINT s;",
        "ROLLBACK TRANSACTION TO SAVEPOINT s;",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;",
        "PREPARE transaction AS SELECT 1;",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
        "DO $$ BEGIN COMMIT; END $$;",
        "SELECT 'COMMIT';",
    ];
    for sql in allowed {
        assert_eq!(control(sql), None, "{sql}");
    }
}

#[test]
fn tokens_read_every_kind_of_string_as_one() {
    let sql = "DELETE FROM ONLY \"public\".t WHERE a = E'\\'' || $q$'$q$ || U&'\\0061' -- c\n/* d /* e */ */;";
    let tokens: Vec<(TokenKind, &str)> = POSTGRES.tokens(sql).map(|t| (t.kind, t.text)).collect();
    use TokenKind::*;
    assert_eq!(
        tokens,
        [
            (Word, "DELETE"),
            (Word, "FROM"),
            (Word, "ONLY"),
            (QuotedName, "\"public\""),
            (Other, "."),
            (Word, "t"),
            (Word, "WHERE"),
            (Word, "a"),
            (Other, "="),
            (String, "E'\\''"),
            (Other, "|"),
            (Other, "|"),
            (String, "$q$'$q$"),
            (Other, "|"),
            (Other, "|"),
            (String, "U&'\\0061'"),
            (Other, ";"),
        ]
    );
}

#[test]
fn bare_names_fold_to_lower_case_and_quoted_names_do_not() {
    let name = |text: &str, table: &str| POSTGRES.is_name(&POSTGRES.tokens(text).next().unwrap(), table);
    assert!(name("Migration_History", "migration_history"));
    assert!(name("\"migration_history\"", "migration_history"));
    assert!(name("U&\"migration_history\"", "migration_history"));
    assert!(!name("\"Migration_History\"", "migration_history"));
    assert!(name("\"Strata_History\"", "Strata_History"));
    assert!(!name("Strata_History", "Strata_History"), "folds to strata_history");
    assert!(!name("'migration_history'", "migration_history"), "a string is no name");
}

#[test]
fn placeholders_are_dollar_numbers() {
    assert_eq!(POSTGRES.placeholder(2), "$2");
    assert_eq!(POSTGRES.quote_ident("a\"b"), "\"a\"\"b\"");
}

proptest::proptest! {
    /// Splitting never panics, and the statements appear in order, without
    /// overlap, each starting where a token starts.
    #[test]
    fn split_is_total_and_ordered(script in "([a-zA-Z0-9;'\"$&\\\\()/*\\- \n\r]|é|BEGIN |END |CASE |CREATE |FUNCTION |E'|U&'|\\$\\$|\\$a\\$){0,60}") {
        let mut last_end = 0;
        for statement in POSTGRES.statements(&script) {
            let start = statement.sql.as_ptr() as usize - script.as_ptr() as usize;
            proptest::prop_assert!(start >= last_end);
            proptest::prop_assert!(!statement.sql.starts_with(char::is_whitespace));
            last_end = start + statement.sql.len();
        }
    }

    /// Each statement's line is the line of its first byte, counted from scratch.
    #[test]
    fn lines_match_a_count_from_the_start(script in "([a-z;'\"$()/*\\- \n]|\\$\\$|E'){0,60}") {
        for statement in POSTGRES.statements(&script) {
            let start = statement.sql.as_ptr() as usize - script.as_ptr() as usize;
            proptest::prop_assert_eq!(statement.line, 1 + script[..start].matches('\n').count());
        }
    }

    /// Tokens never panic and cover only the text outside white space and comments, in order.
    #[test]
    fn tokens_are_ordered_slices_of_the_text(sql in "([a-zA-Z0-9;'\"$&\\\\()/*\\- \n]|é|E'|U&\"|\\$t\\$){0,60}") {
        let mut last_end = 0;
        for token in POSTGRES.tokens(&sql) {
            proptest::prop_assert!(token.offset >= last_end);
            proptest::prop_assert_eq!(&sql[token.offset..token.offset + token.text.len()], token.text);
            last_end = token.offset + token.text.len();
        }
    }
}
