//! SQLite's dialect: statements split the way SQLite's own shell splits them.
//!
//! This follows `sqlite3_complete()`: a `;` ends a statement unless it is in a
//! string, a quoted identifier or a comment, or inside the `BEGIN … END` body
//! of a `CREATE TRIGGER`. Each statement keeps the line it starts on, so an
//! error can name the file and line of the statement that failed.

use super::{leading_words, Dialect, LineCounter, Statement, Token, TokenKind};

/// SQLite's dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

/// SQLite's dialect, for [`crate::Driver::dialect`].
pub static SQLITE: Sqlite = Sqlite;

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn statements<'a>(&self, script: &'a str) -> Box<dyn Iterator<Item = Statement<'a>> + 'a> {
        Box::new(statements(script))
    }

    fn tokens<'a>(&self, sql: &'a str) -> Box<dyn Iterator<Item = Token<'a>> + 'a> {
        Box::new(Tokens { sql, pos: 0 })
    }

    /// `BEGIN`, `COMMIT`, `END` and `ROLLBACK` (but not `ROLLBACK TO` a
    /// savepoint); shown as the statement's first words (at most three).
    fn transaction_control(&self, statement: &str) -> Option<String> {
        let words = leading_words(self, statement, 3);
        let word = |i: usize| words.get(i).map_or("", String::as_str);
        let controls = match word(0) {
            "BEGIN" | "COMMIT" | "END" => true,
            "ROLLBACK" => !(word(1) == "TO" || (word(1) == "TRANSACTION" && word(2) == "TO")),
            _ => false,
        };
        controls.then(|| words.join(" "))
    }

    /// Names compare without regard to ASCII case, quoted or not; a string
    /// is a name where SQLite takes one for a table (the checks decide where).
    fn is_name(&self, token: &Token<'_>, name: &str) -> bool {
        match token.kind {
            TokenKind::Word => token.text.eq_ignore_ascii_case(name),
            TokenKind::QuotedName | TokenKind::String => unquoted(token.text).eq_ignore_ascii_case(name),
            TokenKind::Other => false,
        }
    }

    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }
}

/// The text inside a quoted token's quotes (an unterminated one runs to the end).
fn unquoted(text: &str) -> &str {
    let close = match text.as_bytes()[0] {
        b'[' => b']',
        quote => quote,
    };
    let end = if text.len() > 1 && text.as_bytes()[text.len() - 1] == close { text.len() - 1 } else { text.len() };
    &text[1..end]
}

/// Classes of tokens `sqlite3_complete()` tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Semi,
    Space,
    Other,
    Explain,
    Create,
    Temp,
    Trigger,
    End,
}

/// States of `sqlite3_complete()`'s machine.
const START: u8 = 1;
const TRANSITIONS: [[u8; 8]; 8] = [
    // SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END
    [1, 0, 2, 3, 4, 2, 2, 2], // 0 invalid (nothing seen yet)
    [1, 1, 2, 3, 4, 2, 2, 2], // 1 start (after a complete statement)
    [1, 2, 2, 2, 2, 2, 2, 2], // 2 normal
    [1, 3, 3, 2, 4, 2, 2, 2], // 3 explain
    [1, 4, 2, 2, 2, 4, 5, 2], // 4 create
    [6, 5, 5, 5, 5, 5, 5, 5], // 5 trigger body
    [6, 6, 5, 5, 5, 5, 5, 7], // 6 semicolon in a trigger body
    [1, 7, 5, 5, 5, 5, 5, 5], // 7 END after a semicolon
];

/// The statements of `script`, one at a time.
///
/// One pass over the script whatever its size: each byte is read once by the
/// tokenizer and once when counting lines, and nothing is kept but the
/// position, so a file of a million statements needs no list of them.
pub(crate) fn statements(script: &str) -> Statements<'_> {
    Statements { script, pos: 0, state: 0, lines: LineCounter::default() }
}

/// The iterator [`statements`] returns.
#[derive(Debug, Clone)]
pub(crate) struct Statements<'a> {
    script: &'a str,
    /// Where the next token starts.
    pos: usize,
    /// `sqlite3_complete()`'s state.
    state: u8,
    lines: LineCounter,
}

impl<'a> Iterator for Statements<'a> {
    type Item = Statement<'a>;

    fn next(&mut self) -> Option<Statement<'a>> {
        let bytes = self.script.as_bytes();
        let mut start: Option<usize> = None;
        while self.pos < bytes.len() {
            let (lexeme, end) = lex(bytes, self.pos);
            let class = classify(lexeme, &bytes[self.pos..end]);
            if class != Class::Space && start.is_none() {
                start = Some(self.pos);
            }
            self.state = TRANSITIONS[self.state as usize][class as usize];
            self.pos = end;
            if class == Class::Semi && self.state == START {
                if let Some(first) = start.take() {
                    let sql = &self.script[first..end];
                    if !only_semicolons(sql) {
                        return Some(self.statement(first, sql));
                    }
                }
            }
        }
        let first = start?;
        let sql = self.script[first..].trim_end();
        (!only_semicolons(sql)).then(|| self.statement(first, sql))
    }
}

impl<'a> Statements<'a> {
    fn statement(&mut self, first: usize, sql: &'a str) -> Statement<'a> {
        Statement { sql, line: self.lines.line_at(self.script.as_bytes(), first) }
    }
}

fn only_semicolons(sql: &str) -> bool {
    sql.bytes().all(|b| b == b';' || b.is_ascii_whitespace())
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
                Lexeme::Quoted(b'\'') => TokenKind::String,
                Lexeme::Quoted(_) => TokenKind::QuotedName,
                Lexeme::Semi | Lexeme::Other => TokenKind::Other,
            };
            return Some(Token { kind, text: &self.sql[offset..end], offset });
        }
        None
    }
}

/// What SQLite's tokenizer sees, as far as splitting and the checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lexeme {
    Semi,
    /// White space or a comment.
    Space,
    Word,
    /// A string or quoted name, by its opening quote (`'`, `"`, `` ` ``, `[`).
    Quoted(u8),
    /// Any other single character.
    Other,
}

/// Reads the token at `pos`; returns it and the position after it.
/// An unterminated string or comment runs to the end of the script.
fn lex(bytes: &[u8], pos: usize) -> (Lexeme, usize) {
    let rest = &bytes[pos..];
    match rest[0] {
        b';' => (Lexeme::Semi, pos + 1),
        b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => (Lexeme::Space, pos + 1),
        b'/' if rest.get(1) == Some(&b'*') => {
            let end = find(bytes, pos + 2, b"*/").map_or(bytes.len(), |at| at + 2);
            (Lexeme::Space, end)
        }
        b'-' if rest.get(1) == Some(&b'-') => {
            let end = find(bytes, pos + 2, b"\n").map_or(bytes.len(), |at| at + 1);
            (Lexeme::Space, end)
        }
        quote @ (b'`' | b'"' | b'\'' | b'[') => {
            let close = if quote == b'[' { b']' } else { quote };
            (Lexeme::Quoted(quote), find(bytes, pos + 1, &[close]).map_or(bytes.len(), |at| at + 1))
        }
        b if is_id_char(b) => (Lexeme::Word, pos + rest.iter().take_while(|&&b| is_id_char(b)).count()),
        _ => (Lexeme::Other, pos + 1),
    }
}

fn classify(lexeme: Lexeme, text: &[u8]) -> Class {
    match lexeme {
        Lexeme::Semi => Class::Semi,
        Lexeme::Space => Class::Space,
        Lexeme::Word => keyword(text),
        Lexeme::Quoted(_) | Lexeme::Other => Class::Other,
    }
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn keyword(word: &[u8]) -> Class {
    let is = |name: &str| word.eq_ignore_ascii_case(name.as_bytes());
    if is("create") {
        Class::Create
    } else if is("trigger") {
        Class::Trigger
    } else if is("temp") || is("temporary") {
        Class::Temp
    } else if is("end") {
        Class::End
    } else if is("explain") {
        Class::Explain
    } else {
        Class::Other
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..].windows(needle.len()).position(|w| w == needle).map(|at| at + from)
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
