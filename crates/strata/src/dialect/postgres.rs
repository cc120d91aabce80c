//! PostgreSQL's dialect: statements split the way psql splits them.
//!
//! The tokens are the server's (`scan.l`, see `lex.rs`); where a statement
//! ends is psql's rule (`psqlscan.l`): at a `;` outside strings, quoted
//! names, dollar-quoted bodies and comments, at parenthesis depth 0 (so
//! `CREATE RULE … DO ALSO (…; …)` is one statement, as the server's grammar
//! reads it), and outside the `BEGIN ATOMIC … END` body of a
//! `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (PostgreSQL 14's SQL-standard
//! bodies: psql counts `BEGIN`, `CASE` inside it, and `END` at parenthesis
//! depth 0 in such a statement).
//!
//! Not supported: psql's meta-commands (`\i`, `\copy`, `\;`, `:variables`)
//! and `COPY … FROM stdin` with its data in the script; and
//! `standard_conforming_strings = off` (a backslash in `'…'` escaping the quote).

mod lex;

use lex::{lex, Lexeme};

use super::{leading_words, Dialect, LineCounter, Statement, Token, TokenKind};

/// PostgreSQL's dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

/// PostgreSQL's dialect, for [`crate::Driver::dialect`].
pub static POSTGRES: Postgres = Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn statements<'a>(&self, script: &'a str) -> Box<dyn Iterator<Item = Statement<'a>> + 'a> {
        Box::new(statements(script))
    }

    fn tokens<'a>(&self, sql: &'a str) -> Box<dyn Iterator<Item = Token<'a>> + 'a> {
        Box::new(Tokens { sql, pos: 0 })
    }

    /// `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`,
    /// `PREPARE TRANSACTION`, `COMMIT PREPARED` and `ROLLBACK PREPARED`.
    /// Savepoints (`SAVEPOINT`, `RELEASE`, `ROLLBACK TO`) and `SET TRANSACTION`
    /// stay inside Strata's transaction, so they are not.
    fn transaction_control(&self, statement: &str) -> Option<String> {
        let words = leading_words(self, statement, 3);
        let word = |i: usize| words.get(i).map_or("", String::as_str);
        let optional = |i: usize| usize::from(matches!(word(i), "WORK" | "TRANSACTION"));
        let shown = |count: usize| Some(words[..count].join(" "));
        match word(0) {
            "BEGIN" if word(1) == "ATOMIC" => None,
            "BEGIN" | "END" | "ABORT" => shown(1 + optional(1)),
            "START" if word(1) == "TRANSACTION" => shown(2),
            "COMMIT" | "ROLLBACK" if word(1) == "PREPARED" => shown(2),
            "COMMIT" => shown(1 + optional(1)),
            "ROLLBACK" if word(1 + optional(1)) == "TO" => None,
            "ROLLBACK" => shown(1 + optional(1)),
            // `PREPARE TRANSACTION 'id'`, not a prepared statement named `transaction`.
            "PREPARE" if word(1) == "TRANSACTION" => {
                let id = self.tokens(statement).nth(2);
                id.is_some_and(|token| token.kind == TokenKind::String).then(|| words[..2].join(" "))
            }
            _ => None,
        }
    }

    /// A bare word is folded to lower case, as PostgreSQL folds it; a quoted
    /// name is compared as written. A string is never a table name.
    fn is_name(&self, token: &Token<'_>, name: &str) -> bool {
        match token.kind {
            TokenKind::Word => {
                token.text.len() == name.len()
                    && token.text.bytes().zip(name.bytes()).all(|(a, b)| a.to_ascii_lowercase() == b)
            }
            TokenKind::QuotedName => {
                let quoted = token.text.trim_start_matches(['U', 'u']).trim_start_matches('&');
                let inner = quoted.strip_prefix('"').unwrap_or(quoted);
                inner.strip_suffix('"').unwrap_or(inner) == name
            }
            TokenKind::String | TokenKind::Other => false,
        }
    }

    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }
}

/// The statements of `script`, one at a time: one pass, counting lines as it goes.
pub(crate) fn statements(script: &str) -> Statements<'_> {
    Statements { script, pos: 0, lines: LineCounter::default() }
}

/// The iterator [`statements`] returns.
#[derive(Debug, Clone)]
pub(crate) struct Statements<'a> {
    script: &'a str,
    /// Where the next token starts.
    pos: usize,
    lines: LineCounter,
}

impl<'a> Iterator for Statements<'a> {
    type Item = Statement<'a>;

    fn next(&mut self) -> Option<Statement<'a>> {
        let bytes = self.script.as_bytes();
        let mut start: Option<usize> = None;
        let mut depth = Depth::default();
        while self.pos < bytes.len() {
            let (lexeme, end) = lex(bytes, self.pos);
            let at = std::mem::replace(&mut self.pos, end);
            match lexeme {
                Lexeme::Space => continue,
                Lexeme::Semi if depth.ends_at_semicolon() => match start {
                    Some(first) => return Some(self.statement(first, &self.script[first..end])),
                    // Nothing before this `;`: no statement.
                    None => continue,
                },
                Lexeme::Open => depth.parens += 1,
                Lexeme::Close => depth.parens = depth.parens.saturating_sub(1),
                Lexeme::Word => depth.word(&bytes[at..end]),
                _ => {}
            }
            start.get_or_insert(at);
        }
        let first = start?;
        Some(self.statement(first, self.script[first..].trim_end()))
    }
}

impl<'a> Statements<'a> {
    fn statement(&mut self, first: usize, sql: &'a str) -> Statement<'a> {
        Statement { sql, line: self.lines.line_at(self.script.as_bytes(), first) }
    }
}

/// psql's state within a statement: parentheses, and `BEGIN … END` in a
/// statement that starts `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
#[derive(Debug, Default)]
struct Depth {
    parens: usize,
    begins: usize,
    /// How many words the statement has had (counting stops at 4).
    words: usize,
    /// The first letter of each of the first four words when it is one of
    /// `create`, `or`, `replace`, `function`, `procedure`; else 0.
    leading: [u8; 4],
}

impl Depth {
    fn ends_at_semicolon(&self) -> bool {
        self.parens == 0 && self.begins == 0
    }

    /// psqlscan.l's rule for an identifier.
    fn word(&mut self, word: &[u8]) {
        let is = |keyword: &str| word.eq_ignore_ascii_case(keyword.as_bytes());
        if self.words < self.leading.len() {
            if ["create", "or", "replace", "function", "procedure"].iter().any(|keyword| is(keyword)) {
                self.leading[self.words] = word[0].to_ascii_lowercase();
            }
            self.words += 1;
        }
        if self.parens > 0 || !self.defines_routine() {
            return;
        }
        if is("begin") {
            self.begins += 1;
        } else if is("case") {
            // CASE … END only matters inside a BEGIN.
            if self.begins > 0 {
                self.begins += 1;
            }
        } else if is("end") {
            self.begins = self.begins.saturating_sub(1);
        }
    }

    /// Whether the statement starts `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
    fn defines_routine(&self) -> bool {
        let [create, second, third, fourth] = self.leading;
        let routine = |letter: u8| letter == b'f' || letter == b'p';
        create == b'c' && (routine(second) || (second == b'o' && third == b'r' && routine(fourth)))
    }
}

/// The tokens of a statement, for the checks.
struct Tokens<'a> {
    sql: &'a str,
    pos: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.sql.as_bytes();
        while self.pos < bytes.len() {
            let (lexeme, end) = lex(bytes, self.pos);
            let offset = std::mem::replace(&mut self.pos, end);
            let kind = match lexeme {
                Lexeme::Space => continue,
                Lexeme::Word => TokenKind::Word,
                Lexeme::QuotedName => TokenKind::QuotedName,
                Lexeme::String => TokenKind::String,
                Lexeme::Semi | Lexeme::Open | Lexeme::Close | Lexeme::Other => TokenKind::Other,
            };
            return Some(Token { kind, text: &self.sql[offset..end], offset });
        }
        None
    }
}

#[cfg(test)]
#[path = "postgres_tests.rs"]
mod tests;
