//! Splitting a script into statements, the way SQLite's own shell does.
//!
//! This follows `sqlite3_complete()`: a `;` ends a statement unless it is in a
//! string, a quoted identifier or a comment, or inside the `BEGIN … END` body
//! of a `CREATE TRIGGER`. Each statement keeps the line it starts on, so an
//! error can name the file and line of the statement that failed.

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement's text, from its first token through its `;` (if any).
    pub sql: &'a str,
    /// 1-based line of the statement's first token within the script.
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
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

/// Splits `script` into its statements. Text that holds only white space and
/// comments is dropped; a last statement without `;` is kept.
///
/// Collects [`statements`]; iterate that instead when the script may be large.
pub fn split(script: &str) -> Vec<Statement<'_>> {
    statements(script).collect()
}

/// The statements of `script`, one at a time, as [`split`] returns them.
///
/// One pass over the script whatever its size: each byte is read once by the
/// tokenizer and once when counting lines, and nothing is kept but the
/// position, so a file of a million statements needs no list of them.
pub fn statements(script: &str) -> Statements<'_> {
    Statements { script, pos: 0, state: 0, lines: LineCounter::default() }
}

/// The iterator [`statements`] returns.
#[derive(Debug, Clone)]
pub struct Statements<'a> {
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
            let (token, end) = next_token(bytes, self.pos);
            if token != Token::Space && start.is_none() {
                start = Some(self.pos);
            }
            self.state = TRANSITIONS[self.state as usize][token as usize];
            self.pos = end;
            if token == Token::Semi && self.state == START {
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

/// Line numbers of byte offsets asked for in increasing order: each answer
/// counts only the newlines since the previous one.
#[derive(Debug, Clone, Copy)]
struct LineCounter {
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
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        self.line += count_newlines(&bytes[self.offset..offset]);
        self.offset = offset;
        self.line
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    #[cfg(test)]
    tests::SCANNED.with(|scanned| scanned.set(scanned.get() + bytes.len()));
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fn only_semicolons(sql: &str) -> bool {
    sql.bytes().all(|b| b == b';' || b.is_ascii_whitespace())
}

/// Reads the token at `pos`; returns it and the position after it.
/// An unterminated string or comment runs to the end of the script.
fn next_token(bytes: &[u8], pos: usize) -> (Token, usize) {
    let rest = &bytes[pos..];
    match rest[0] {
        b';' => (Token::Semi, pos + 1),
        b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => (Token::Space, pos + 1),
        b'/' if rest.get(1) == Some(&b'*') => {
            let end = find(bytes, pos + 2, b"*/").map_or(bytes.len(), |at| at + 2);
            (Token::Space, end)
        }
        b'-' if rest.get(1) == Some(&b'-') => {
            let end = find(bytes, pos + 2, b"\n").map_or(bytes.len(), |at| at + 1);
            (Token::Space, end)
        }
        b'[' => (Token::Other, find(bytes, pos + 1, b"]").map_or(bytes.len(), |at| at + 1)),
        quote @ (b'`' | b'"' | b'\'') => {
            (Token::Other, find(bytes, pos + 1, &[quote]).map_or(bytes.len(), |at| at + 1))
        }
        b if is_id_char(b) => {
            let end = pos + rest.iter().take_while(|&&b| is_id_char(b)).count();
            (keyword(&bytes[pos..end]), end)
        }
        _ => (Token::Other, pos + 1),
    }
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn keyword(word: &[u8]) -> Token {
    let is = |name: &str| word.eq_ignore_ascii_case(name.as_bytes());
    if is("create") {
        Token::Create
    } else if is("trigger") {
        Token::Trigger
    } else if is("temp") || is("temporary") {
        Token::Temp
    } else if is("end") {
        Token::End
    } else if is("explain") {
        Token::Explain
    } else {
        Token::Other
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..].windows(needle.len()).position(|w| w == needle).map(|at| at + from)
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
