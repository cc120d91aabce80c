//! Where the `mariadb` (and `mysql`) command-line client ends a statement:
//! `read_and_execute` and `add_line` in `client/mysql.cc` (MariaDB 10.11),
//! with comments skipped as by default (`--skip-comments`).
//!
//! The client reads a line at a time and keeps, across characters, whether
//! it is inside a quoted string (`'…'`, `"…"`, `` `…` ``) and inside a
//! `/* … */` comment; and, for the rest of a line only, inside a `/*! … */`
//! comment. At each character, in this order:
//!
//! 1. White space before a statement's first character is skipped.
//! 2. A backslash, outside comments and backticks (and outside strings
//!    only, with `NO_BACKSLASH_ESCAPES`), takes the next character with it;
//!    at the end of a line it is dropped.
//! 3. Outside strings and comments, the delimiter (`;`, or what a
//!    `DELIMITER` line set, compared byte for byte anywhere, even inside a
//!    word) ends the statement.
//! 4. Outside strings and comments, `#`, and `--` followed by white space or
//!    the end of the line (or anything, before a statement's first
//!    character), start a comment to the end of the line.
//! 5. Outside strings, `/*` not followed by `!` or `M!` starts a comment
//!    (comments do not nest: `/*` inside one only skips its `*`).
//! 6. In a comment, `*/` ends it, unless a `/*!` came before on the same
//!    line: then that `*/` only ends the `/*!` (so `/* a /*! b */ c */` is
//!    one comment).
//! 7. Anything else is the statement's text: a quote opens or closes a
//!    string, and `/*!`, `/*M!` and their `*/` are text like any other, so
//!    a delimiter inside a versioned comment ends the statement.
//!
//! A line that starts with the word `DELIMITER` before any statement
//! character (see `delimiter.rs`) changes the delimiter and is no statement.
//! A byte order mark at the start is skipped. The client sends a statement
//! without the white space and control characters at its end (`\x01` and
//! the like; those at its start stay), and nothing when that leaves nothing.
//!
//! Not read, as a migration is SQL for the server, not a client script: the
//! client's other commands (`\g`, `\G`, `\c`, `\d`, `source`, `use` and the
//! rest: a backslash outside strings takes the next character as text), and
//! `ANSI_QUOTES` (`"…"` as a name, in which a backslash escapes nothing). A
//! `DELIMITER` after a statement on the same line or after a comment that
//! ends on its line is text (the client would glue it to the lines after it
//! and read them as a garbled delimiter).

use super::delimiter::{self, is_space, Delimiter};
use crate::dialect::{LineCounter, Statement};

/// The statements of `script`, one at a time: one pass, counting lines as it goes.
pub(crate) fn statements(script: &str, backslash_escapes: bool) -> Statements<'_> {
    let begin = if script.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    Statements {
        script,
        pos: begin,
        begin,
        backslash_escapes,
        delimiter: Delimiter::SEMICOLON,
        versioned: false,
        lines: LineCounter::default(),
        skip_runs: true,
    }
}

/// The iterator [`statements`] returns.
#[derive(Debug, Clone)]
pub(crate) struct Statements<'a> {
    script: &'a str,
    /// The next byte to read.
    pos: usize,
    /// Where the first line starts (after a byte order mark).
    begin: usize,
    backslash_escapes: bool,
    delimiter: Delimiter,
    /// After `/*!` on this line, until its `*/` (the client's `ss_comment`).
    versioned: bool,
    lines: LineCounter,
    /// Reads runs of plain bytes at once (`skip_plain`); off only to test it.
    skip_runs: bool,
}

/// Where the scan is within one statement.
#[derive(Debug, Default)]
struct Scan {
    /// The quote of the string the scan is in, or 0.
    quote: u8,
    /// Inside `/* … */`.
    comment: bool,
    /// The statement's first byte of text (white space is none).
    start: Option<usize>,
    /// The end of its last byte of text that is no control character.
    end: usize,
}

impl Scan {
    /// Byte `b` at `at` is text, followed by `next` when a backslash takes it.
    fn text(&mut self, at: usize, b: u8, next: Option<u8>) {
        if is_space(b) {
            return;
        }
        self.start.get_or_insert(at);
        if next.is_some_and(|next| !is_space(next) && !is_control(next)) {
            self.end = at + 2;
        } else if !is_control(b) {
            self.end = at + 1;
        }
    }

    /// The statement's text, when it has some that the client would send.
    fn range(&self) -> Option<(usize, usize)> {
        self.start.filter(|&first| self.end > first).map(|first| (first, self.end))
    }
}

impl<'a> Iterator for Statements<'a> {
    type Item = Statement<'a>;

    fn next(&mut self) -> Option<Statement<'a>> {
        let bytes = self.script.as_bytes();
        let mut scan = Scan::default();
        while self.pos < bytes.len() {
            if self.pos == self.begin || bytes[self.pos - 1] == b'\n' {
                self.versioned = false;
                if scan.start.is_none() && !scan.comment && self.delimiter_line(bytes) {
                    continue;
                }
            }
            if self.skip_runs && self.skip_plain(bytes, &mut scan) {
                continue;
            }
            if self.step(bytes, &mut scan) {
                if let Some((first, end)) = scan.range() {
                    return Some(self.statement(first, end));
                }
                scan = Scan::default();
            }
        }
        let (first, end) = scan.range()?;
        Some(self.statement(first, end))
    }
}

impl<'a> Statements<'a> {
    /// The same statements, read one `step` at a time.
    #[cfg(test)]
    pub(crate) fn stepwise(self) -> Self {
        Statements { skip_runs: false, ..self }
    }

    fn statement(&mut self, first: usize, end: usize) -> Statement<'a> {
        Statement { sql: &self.script[first..end], line: self.lines.line_at(self.script.as_bytes(), first) }
    }

    /// At the start of a line: when it is a `DELIMITER` line, takes its
    /// delimiter, moves to its end and says so.
    fn delimiter_line(&mut self, bytes: &[u8]) -> bool {
        let Some((delimiter, length)) = delimiter::read(&bytes[self.pos..]) else {
            return false;
        };
        self.delimiter = delimiter;
        self.pos += length;
        true
    }

    /// Reads what is at `pos` (rules 1 to 7 of the module's documentation);
    /// says whether it was the delimiter.
    fn step(&mut self, bytes: &[u8], scan: &mut Scan) -> bool {
        let pos = self.pos;
        let b = bytes[pos];
        let at = |offset: usize| bytes.get(pos + offset).copied();
        if scan.start.is_none() && is_space(b) {
            self.pos += 1;
            return false;
        }
        if !scan.comment && b == b'\\' && self.escapes(scan.quote) {
            if line_ends_at(bytes, pos + 1) {
                self.pos += 1;
            } else {
                scan.text(pos, b, Some(bytes[pos + 1]));
                self.pos += 2;
            }
            return false;
        }
        if !scan.comment && scan.quote == 0 {
            if bytes[pos..].starts_with(self.delimiter.as_bytes()) {
                self.pos += self.delimiter.as_bytes().len();
                return true;
            }
            let dashes = b == b'-' && at(1) == Some(b'-') && (scan.start.is_none() || at(2).is_none_or(is_space));
            if b == b'#' || dashes {
                self.pos = line_end(bytes, pos);
                return false;
            }
        }
        let opens = b == b'/' && at(1) == Some(b'*');
        if scan.quote == 0 && opens && !(at(2) == Some(b'!') || (at(2) == Some(b'M') && at(3) == Some(b'!'))) {
            scan.comment = true;
            self.pos += 2;
            return false;
        }
        let closes = b == b'*' && at(1) == Some(b'/');
        if scan.comment && !self.versioned && closes {
            scan.comment = false;
            self.pos += 2;
            return false;
        }
        if scan.quote == 0 && opens {
            self.versioned = true;
        } else if scan.quote == 0 && self.versioned && closes {
            self.versioned = false;
        }
        if b == scan.quote {
            scan.quote = 0;
        } else if !scan.comment && scan.quote == 0 && matches!(b, b'\'' | b'"' | b'`') {
            scan.quote = b;
        }
        if !scan.comment {
            scan.text(pos, b, None);
        }
        self.pos += 1;
        false
    }

    /// Moves over the bytes from `pos` that `step` would read as plain text
    /// or comment, changing nothing but where the text ends: the bulk of a
    /// script, read without `step`'s questions. Stops before any byte that
    /// may matter, and at each line's end; says whether it moved.
    fn skip_plain(&mut self, bytes: &[u8], scan: &mut Scan) -> bool {
        let rest = &bytes[self.pos..];
        let delimiter = self.delimiter.as_bytes()[0];
        let matters = |b: u8| match (scan.comment, scan.quote) {
            (true, _) => matches!(b, b'*' | b'/' | b'\n'),
            (false, 0) => {
                b == delimiter || matches!(b, b'\\' | b'#' | b'-' | b'/' | b'*' | b'\'' | b'"' | b'`' | b'\n')
            }
            (false, quote) => b == quote || matches!(b, b'\\' | b'\n'),
        };
        // Before a statement's first character, white space counts too.
        if scan.start.is_none() && !scan.comment {
            return false;
        }
        let run = rest.iter().position(|&b| matters(b)).unwrap_or(rest.len());
        if !scan.comment {
            if let Some(last) = rest[..run].iter().rposition(|&b| !is_space(b) && !is_control(b)) {
                scan.end = self.pos + last + 1;
            }
        }
        self.pos += run;
        run > 0
    }

    /// Whether a backslash takes the next character with it, in the string
    /// opened by `quote` (0: outside strings, where the client reads a command).
    fn escapes(&self, quote: u8) -> bool {
        match quote {
            0 => true,
            b'`' => false,
            _ => self.backslash_escapes,
        }
    }
}

/// An ASCII control character that is not white space (`my_iscntrl`).
fn is_control(b: u8) -> bool {
    (b < 0x20 && !is_space(b)) || b == 0x7f
}

/// Whether a line ends at `at`: the end of the text, `\n`, or `\r\n` (the
/// client reads lines without them).
fn line_ends_at(bytes: &[u8], at: usize) -> bool {
    match bytes.get(at) {
        None | Some(b'\n') => true,
        Some(b'\r') => bytes.get(at + 1) == Some(&b'\n'),
        Some(_) => false,
    }
}

/// The position of the `\n` that ends the line holding `from`, or the end of the text.
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |at| from + at)
}
