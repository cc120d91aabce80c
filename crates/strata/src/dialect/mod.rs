//! How each database reads and writes SQL: the Dialect seam.
//!
//! A dialect owns the lexical rules of its database: where a script's
//! statements end (strings, quoted names, comments, bodies that hold `;`),
//! which statements control a transaction, how a token names a table, how a
//! bound parameter and a quoted name are written. The engine owns the policy
//! built on them (`check.rs`: what a section may not hold; `run.rs`: running
//! each statement), and a driver says which dialect its database speaks
//! ([`crate::Driver::dialect`]).
//!
//! - [`SQLITE`]: SQLite's shell (`sqlite3_complete`), see [`sqlite`].
//! - [`POSTGRES`]: PostgreSQL's lexer (`scan.l`) and psql's splitting
//!   (`psqlscan.l`), see [`postgres`].

pub mod mysql;
pub mod postgres;
pub mod sqlite;

pub use mysql::{MySql, MYSQL, MYSQL_NO_BACKSLASH_ESCAPES};
pub use postgres::{Postgres, POSTGRES};
pub use sqlite::{Sqlite, SQLITE};

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement's text, from its first token through its `;` (if any).
    pub sql: &'a str,
    /// 1-based line of the statement's first token within the script.
    pub line: usize,
}

/// What a token of a statement is, as the checks see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare word: a keyword or an unquoted name.
    Word,
    /// A quoted name (`"…"`, and SQLite's `` `…` `` and `[…]`).
    QuotedName,
    /// A string literal of any kind (PostgreSQL's `$$…$$` bodies too).
    String,
    /// Anything else: punctuation, operators, numbers, parameters.
    Other,
}

/// A token of a statement; white space and comments are not tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    /// The token as written, quotes and prefixes included.
    pub text: &'a str,
    /// Byte offset of the token in the text it was read from.
    pub offset: usize,
}

/// How one database reads and writes SQL. Object safe: a driver returns
/// `&'static dyn Dialect`.
pub trait Dialect: Send + Sync {
    /// The database's name, for messages: `SQLite`, `PostgreSQL`.
    fn name(&self) -> &'static str;

    /// The statements of `script`, one at a time, each with the line it
    /// starts on. Text holding only white space, comments and `;` is no
    /// statement; a last statement without `;` is kept. One pass over the
    /// script, whatever its size.
    fn statements<'a>(&self, script: &'a str) -> Box<dyn Iterator<Item = Statement<'a>> + 'a>;

    /// The tokens of `sql` (one statement), skipping white space and comments.
    fn tokens<'a>(&self, sql: &'a str) -> Box<dyn Iterator<Item = Token<'a>> + 'a>;

    /// When `statement` starts, ends or otherwise controls a transaction in
    /// this database, the words to show for it (`COMMIT`, `BEGIN IMMEDIATE`);
    /// otherwise `None`. Savepoints are not transaction control.
    fn transaction_control(&self, statement: &str) -> Option<String>;

    /// Whether `token` names the table `name` (a plain identifier: letters,
    /// digits and `_`), as this database compares names.
    fn is_name(&self, token: &Token<'_>, name: &str) -> bool;

    /// The placeholder of the `n`-th (1-based) bound parameter.
    fn placeholder(&self, n: usize) -> String;

    /// `name` as a quoted identifier: in `"…"`, with `"` doubled.
    fn quote_ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// Whether `script` holds a statement at all.
    fn has_statement(&self, script: &str) -> bool {
        self.statements(script).next().is_some()
    }
}

impl std::fmt::Debug for dyn Dialect + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Line numbers of byte offsets asked for in increasing order: each answer
/// counts only the newlines since the previous one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineCounter {
    offset: usize,
    line: usize,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter { offset: 0, line: 1 }
    }
}

impl LineCounter {
    /// The 1-based line of `offset`, which is at or after the last one asked for.
    pub(crate) fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        self.line += count_newlines(&bytes[self.offset..offset]);
        self.offset = offset;
        self.line
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    #[cfg(test)]
    SCANNED.with(|scanned| scanned.set(scanned.get() + bytes.len()));
    bytes.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
thread_local! {
    /// Bytes read to count lines, by this thread's splits.
    pub(crate) static SCANNED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The upper-cased leading words of `statement` as `dialect` reads them: at
/// most `max`, stopping at the first token that is not a word.
pub(crate) fn leading_words(dialect: &dyn Dialect, statement: &str, max: usize) -> Vec<String> {
    dialect
        .tokens(statement)
        .take_while(|token| token.kind == TokenKind::Word)
        .take(max)
        .map(|token| token.text.to_ascii_uppercase())
        .collect()
}
