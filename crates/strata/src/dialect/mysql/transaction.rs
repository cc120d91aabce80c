//! What a MySQL or MariaDB statement does to the transaction it runs in:
//! whether it controls it (`transaction_control`), and whether it stays
//! inside it and rolls back with it (`transactional`).
//!
//! Both read only the statement's tokens, so both are about the text: a
//! write to a table that cannot roll back (MyISAM, Aria) looks like any
//! other write, and a procedure's body is not seen from its `CALL`.

use crate::dialect::{Token, TokenKind};

/// The statement's tokens, without a `;` at its end.
fn significant<'a>(tokens: impl Iterator<Item = Token<'a>>) -> Vec<Token<'a>> {
    let mut tokens: Vec<Token<'a>> = tokens.collect();
    while tokens.last().is_some_and(|token| token.text == ";") {
        tokens.pop();
    }
    tokens
}

/// The statements the server reads in the text between two delimiters: more
/// than one where a `;` stands inside it (a script that set another
/// delimiter and did not set `;` back), as the server runs them all.
fn parts<'a>(tokens: Vec<Token<'a>>) -> Vec<Vec<Token<'a>>> {
    tokens.split(|token| token.text == ";").filter(|part| !part.is_empty()).map(<[Token<'a>]>::to_vec).collect()
}

/// The upper-cased word at `index`, or "" when that token is no word.
fn word(tokens: &[Token<'_>], index: usize) -> String {
    tokens.get(index).filter(|t| t.kind == TokenKind::Word).map_or_else(String::new, |t| t.text.to_ascii_uppercase())
}

/// `BEGIN` and `BEGIN WORK` as whole statements (not `BEGIN NOT ATOMIC …`,
/// a compound statement), `START TRANSACTION`, `COMMIT`, `ROLLBACK` (not
/// `ROLLBACK TO`, a savepoint's), `XA …`, `LOCK TABLES`, `UNLOCK TABLES`,
/// and a `SET` of `autocommit`: the words to show for it.
pub(super) fn control<'a>(tokens: impl Iterator<Item = Token<'a>>) -> Option<String> {
    let tokens = significant(tokens);
    // A stored program's body holds `;`s and may hold COMMIT: it runs when called, not now.
    if matches!(word(&tokens, 0).as_str(), "CREATE" | "ALTER" | "BEGIN" | "IF" | "CASE" | "LOOP" | "WHILE" | "REPEAT")
        || tokens.get(1).is_some_and(|token| token.text == ":")
    {
        return control_one(&tokens[..tokens.iter().position(|t| t.text == ";").unwrap_or(tokens.len())]);
    }
    parts(tokens).iter().find_map(|part| control_one(part))
}

fn control_one(tokens: &[Token<'_>]) -> Option<String> {
    let words: Vec<String> = (0..3).map(|i| word(tokens, i)).collect();
    let work = |i: usize| usize::from(words[i] == "WORK");
    let shown = |count: usize| Some(words[..count].join(" "));
    match words[0].as_str() {
        "BEGIN" if tokens.len() == 1 => shown(1),
        "BEGIN" if tokens.len() == 2 && work(1) == 1 => shown(2),
        "START" if words[1] == "TRANSACTION" => shown(2),
        "COMMIT" => shown(1 + work(1)),
        "ROLLBACK" if words[1 + work(1)] == "TO" => None,
        "ROLLBACK" => shown(1 + work(1)),
        "XA" if !words[1].is_empty() => shown(2),
        "LOCK" | "UNLOCK" if matches!(words[1].as_str(), "TABLE" | "TABLES") => shown(2),
        "SET" if assignments(tokens).any(|target| !target.user && target.name.eq_ignore_ascii_case("autocommit")) => {
            Some("SET autocommit".to_owned())
        }
        _ => None,
    }
}

/// Whether the statement stays inside the transaction and rolls back with
/// it: data changes and queries (`INSERT`, `UPDATE`, `DELETE`, `REPLACE`,
/// `SELECT` but `… INTO OUTFILE|DUMPFILE`, `WITH`, `VALUES`, `TABLE`, `DO`),
/// and `SET` of user variables and of the session settings in
/// [`SESSION_SETTINGS`]. Anything else (DDL, account changes, `LOCK TABLES`,
/// `CALL`, `LOAD`, a `SET` of another or a global setting, what is not known)
/// is not: in MySQL and MariaDB most statements commit implicitly.
/// Where the text holds several statements (see [`parts`]), each must be.
pub(super) fn transactional<'a>(tokens: impl Iterator<Item = Token<'a>>) -> bool {
    parts(significant(tokens)).iter().all(|part| transactional_one(part))
}

fn transactional_one(tokens: &[Token<'_>]) -> bool {
    let opening = tokens.iter().take_while(|token| token.text == "(").count();
    match word(tokens, opening).as_str() {
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "DO" => true,
        "SELECT" | "WITH" | "VALUES" | "TABLE" => !writes_a_file(tokens),
        "SET" => opening == 0 && assignments(tokens).all(|target| target.stays_in_session()),
        _ => false,
    }
}

/// Session settings a migration may set inside its transaction: they commit
/// nothing and the server allows them there (unlike `sql_log_bin`,
/// `binlog_format`, `gtid_domain_id`, the transaction's own characteristics).
pub(super) const SESSION_SETTINGS: &[&str] = &[
    "names",
    "character",
    "charset",
    "character_set_client",
    "character_set_connection",
    "character_set_results",
    "collation_connection",
    "sql_mode",
    "time_zone",
    "foreign_key_checks",
    "unique_checks",
    "check_constraint_checks",
    "sql_notes",
    "sql_warnings",
    "sql_safe_updates",
    "sql_quote_show_create",
    "sql_auto_is_null",
    "sql_big_selects",
    "sql_select_limit",
    "max_join_size",
    "group_concat_max_len",
    "auto_increment_increment",
    "auto_increment_offset",
    "insert_id",
    "last_insert_id",
    "timestamp",
    "div_precision_increment",
    "lc_time_names",
    "lock_wait_timeout",
    "innodb_lock_wait_timeout",
    "innodb_strict_mode",
    "max_statement_time",
    "max_execution_time",
    "optimizer_switch",
];

/// `SELECT … INTO OUTFILE` and `INTO DUMPFILE` write a file, which no rollback removes.
fn writes_a_file(tokens: &[Token<'_>]) -> bool {
    tokens.windows(2).any(|pair| {
        pair[0].text.eq_ignore_ascii_case("INTO")
            && ["OUTFILE", "DUMPFILE"].iter().any(|word| pair[1].text.eq_ignore_ascii_case(word))
    })
}

/// Where an assignment of a `SET` statement writes.
#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    /// `@name`.
    user: bool,
    /// `GLOBAL`, `PERSIST`, `PERSIST_ONLY`, `@@global.`.
    global: bool,
    /// The variable as written (a quoted user variable keeps its quotes).
    name: &'a str,
}

impl Target<'_> {
    fn stays_in_session(&self) -> bool {
        self.user || (!self.global && SESSION_SETTINGS.iter().any(|name| self.name.eq_ignore_ascii_case(name)))
    }
}

/// The targets of the assignments of `SET a = 1, @b := 2, SESSION c = 3`
/// (`tokens` start with `SET`): each after `SET` or after a `,` outside
/// parentheses. `SET TRANSACTION …`, `SET PASSWORD …`, `SET ROLE …`,
/// `SET STATEMENT … FOR …` read as targets named after their keyword.
fn assignments<'t, 'a>(tokens: &'t [Token<'a>]) -> impl Iterator<Item = Target<'a>> + 't {
    let mut depth = 0usize;
    let starts = tokens.iter().enumerate().skip(1).filter_map(move |(index, token)| {
        let first = index == 1 || (depth == 0 && tokens[index - 1].text == ",");
        match token.text {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        first.then_some(index)
    });
    starts.map(|index| target(&tokens[index..]))
}

/// The target of one assignment, whose tokens start at `tokens[0]`.
fn target<'a>(tokens: &[Token<'a>]) -> Target<'a> {
    let text = |i: usize| tokens.get(i).map_or("", |token| token.text);
    let is = |i: usize, word: &str| text(i).eq_ignore_ascii_case(word);
    if text(0) == "@" && text(1) == "@" {
        // `@@name`, `@@session.name`, `@@global.name`.
        let scoped = text(3) == "." && ["global", "session", "local"].iter().any(|scope| is(2, scope));
        return Target { user: false, global: scoped && is(2, "global"), name: text(if scoped { 4 } else { 2 }) };
    }
    if text(0) == "@" {
        return Target { user: true, global: false, name: text(1) };
    }
    let global = ["GLOBAL", "PERSIST", "PERSIST_ONLY"].iter().any(|scope| is(0, scope));
    let scoped = global || is(0, "SESSION") || is(0, "LOCAL");
    Target { user: false, global, name: text(usize::from(scoped)) }
}
