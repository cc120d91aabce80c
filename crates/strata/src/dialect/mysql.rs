//! MySQL's and MariaDB's dialect: statements split the way the `mariadb`
//! (and `mysql`) command-line client splits them.
//!
//! Where a statement ends is the client's rule (`split.rs`, after
//! `client/mysql.cc`): at the delimiter (`;`, or what a `DELIMITER` line set,
//! `delimiter.rs`) outside strings (`'…'`, `"…"`, `` `…` ``) and comments
//! (`#`, `-- `, `/* … */`), a `/*! … */` comment's text being code. A
//! routine's or trigger's `BEGIN … END` body holding `;` needs a `DELIMITER`,
//! as in the client; without one the statement ends at its first `;`, and
//! the server refuses the piece. A statement's text runs from its first
//! character to its last one before the delimiter, which it leaves out.
//!
//! The tokens the checks read are the server's (`lex.rs`), and what a
//! statement does to a transaction is `transaction.rs`'s. Strings read
//! backslash escapes as the server does by default ([`MYSQL`]); a session
//! whose `sql_mode` has `NO_BACKSLASH_ESCAPES` reads a backslash as an
//! ordinary character ([`MYSQL_NO_BACKSLASH_ESCAPES`]). A `SET sql_mode`
//! inside a script does not change how the rest of it is split.

mod delimiter;
mod lex;
mod split;
mod transaction;

use lex::{Lexeme, Lexer};

use super::{Dialect, Statement, Token, TokenKind};

/// MySQL's and MariaDB's dialect, for one setting of `NO_BACKSLASH_ESCAPES`.
#[derive(Debug, Clone, Copy)]
pub struct MySql {
    /// A backslash escapes the next character in `'…'` and `"…"`.
    backslash_escapes: bool,
}

/// MySQL's and MariaDB's dialect as servers start: a backslash escapes the
/// next character in a string.
pub static MYSQL: MySql = MySql { backslash_escapes: true };

/// The dialect of a session whose `sql_mode` holds `NO_BACKSLASH_ESCAPES`:
/// a backslash in a string is an ordinary character.
pub static MYSQL_NO_BACKSLASH_ESCAPES: MySql = MySql { backslash_escapes: false };

impl Dialect for MySql {
    fn name(&self) -> &'static str {
        "MySQL/MariaDB"
    }

    fn statements<'a>(&self, script: &'a str) -> Box<dyn Iterator<Item = Statement<'a>> + 'a> {
        Box::new(split::statements(script, self.backslash_escapes))
    }

    fn tokens<'a>(&self, sql: &'a str) -> Box<dyn Iterator<Item = Token<'a>> + 'a> {
        Box::new(Tokens { sql, lexer: Lexer::new(sql, self.backslash_escapes) })
    }

    /// `BEGIN` and `BEGIN WORK` (as whole statements: `BEGIN NOT ATOMIC` is
    /// a compound statement), `START TRANSACTION`, `COMMIT`, `ROLLBACK`,
    /// `XA …`, `LOCK TABLES`, `UNLOCK TABLES` and a `SET` of `autocommit`.
    /// Savepoints (`SAVEPOINT`, `RELEASE SAVEPOINT`, `ROLLBACK TO`) and
    /// `SET TRANSACTION` are not.
    fn transaction_control(&self, statement: &str) -> Option<String> {
        transaction::control(self.tokens(statement))
    }

    /// See [`Dialect::transactional`]: data changes, queries and session
    /// `SET`s only (`transaction.rs`); anything unknown is not.
    fn transactional(&self, statement: &str) -> bool {
        transaction::transactional(self.tokens(statement))
    }

    /// A bare word, a `` `…` `` name, or a `"…"` string (a name where
    /// `sql_mode` has `ANSI_QUOTES`), compared without regard to case: table
    /// names are case-sensitive on some servers and not on others, and the
    /// checks would rather catch too much.
    fn is_name(&self, token: &Token<'_>, name: &str) -> bool {
        let quote = match token.kind {
            TokenKind::Word => return token.text.eq_ignore_ascii_case(name),
            TokenKind::QuotedName => '`',
            TokenKind::String if token.text.starts_with('"') => '"',
            TokenKind::String | TokenKind::Other => return false,
        };
        let inner = token.text.strip_prefix(quote).unwrap_or(token.text);
        inner.strip_suffix(quote).unwrap_or(inner).eq_ignore_ascii_case(name)
    }

    fn placeholder(&self, _n: usize) -> String {
        "?".to_owned()
    }

    /// `name` in backticks, with `` ` `` doubled.
    fn quote_ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// The tokens of a statement, for the checks.
struct Tokens<'a> {
    sql: &'a str,
    lexer: Lexer<'a>,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let (lexeme, start, end) = self.lexer.next_token()?;
            let kind = match lexeme {
                Lexeme::Space => continue,
                Lexeme::Word => TokenKind::Word,
                Lexeme::QuotedName => TokenKind::QuotedName,
                Lexeme::String => TokenKind::String,
                Lexeme::Other => TokenKind::Other,
            };
            return Some(Token { kind, text: &self.sql[start..end], offset: start });
        }
    }
}

#[cfg(test)]
#[path = "mysql_tests.rs"]
mod tests;
