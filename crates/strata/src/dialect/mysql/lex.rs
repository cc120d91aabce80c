//! MySQL's and MariaDB's tokens as the server reads them, as far as the
//! checks need them (`sql/sql_lex.cc`): white space; `#` comments and `--`
//! comments (the dashes followed by white space, a control character or the
//! end) to the end of the line; `/* … */` comments, not nested; `'…'` and
//! `"…"` strings, where a doubled quote stands for one and a backslash
//! escapes the next character (not with `NO_BACKSLASH_ESCAPES`); `` `…` ``
//! names, where a doubled backtick stands for one.
//!
//! The text of a versioned comment (`/*!…*/`, `/*!50001 …*/`, MariaDB's
//! `/*M!100100 …*/`) is read as code, whatever the version: its opening
//! and its `*/` are white space. The checks would rather see a statement
//! that one server skips than miss one that another runs.

/// What a token is, as far as the checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lexeme {
    /// White space, a comment, or the opening or end of a versioned comment.
    Space,
    /// A keyword or a name without quotes (MySQL's may start with a digit: `1a`).
    Word,
    /// `` `…` ``.
    QuotedName,
    /// `'…'` or `"…"`.
    String,
    /// A number, an operator, punctuation.
    Other,
}

/// Reads the tokens of one statement: the position of the next one, and
/// whether a versioned comment is open.
#[derive(Debug, Clone)]
pub(super) struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    backslash_escapes: bool,
    versioned: bool,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str, backslash_escapes: bool) -> Lexer<'a> {
        Lexer { bytes: text.as_bytes(), pos: 0, backslash_escapes, versioned: false }
    }

    /// The next token and where it starts and ends (on character boundaries).
    pub(super) fn next_token(&mut self) -> Option<(Lexeme, usize, usize)> {
        let start = self.pos;
        let bytes = self.bytes;
        let b = *bytes.get(start)?;
        let at = |offset: usize| bytes.get(start + offset).copied();
        let (lexeme, end) = match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => (Lexeme::Space, start + 1),
            b'#' => (Lexeme::Space, line_end(bytes, start)),
            b'-' if at(1) == Some(b'-') && at(2).is_none_or(|c| c <= b' ' || c == 0x7f) => {
                (Lexeme::Space, line_end(bytes, start))
            }
            b'/' if at(1) == Some(b'*') => self.comment(start),
            b'*' if self.versioned && at(1) == Some(b'/') => {
                self.versioned = false;
                (Lexeme::Space, start + 2)
            }
            b'\'' | b'"' => (Lexeme::String, self.quoted_end(start + 1, b)),
            b'`' => (Lexeme::QuotedName, quoted_end(bytes, start + 1, b'`', false)),
            b if is_ident_char(b) => word(bytes, start),
            _ => (Lexeme::Other, start + 1),
        };
        self.pos = end;
        Some((lexeme, start, end))
    }

    /// At `/*`: a comment to the first `*/`, or the opening of a versioned
    /// comment (`/*!`, `/*M!`, with up to six digits of version).
    fn comment(&mut self, start: usize) -> (Lexeme, usize) {
        let bytes = self.bytes;
        let marker = match (bytes.get(start + 2), bytes.get(start + 3)) {
            (Some(b'!'), _) => 3,
            (Some(b'M'), Some(b'!')) => 4,
            _ => {
                let end =
                    bytes[start + 2..].windows(2).position(|w| w == b"*/").map_or(bytes.len(), |at| start + at + 4);
                return (Lexeme::Space, end);
            }
        };
        self.versioned = true;
        let digits = bytes[start + marker..].iter().take(6).take_while(|b| b.is_ascii_digit()).count();
        (Lexeme::Space, start + marker + digits)
    }

    fn quoted_end(&self, from: usize, quote: u8) -> usize {
        quoted_end(self.bytes, from, quote, self.backslash_escapes)
    }
}

/// After an opening `quote` at `from - 1`: the position after the closing
/// one (or the end of the text), where a doubled quote stands for itself
/// and, with `escapes`, a backslash escapes the next byte.
fn quoted_end(bytes: &[u8], from: usize, quote: u8, escapes: bool) -> usize {
    let mut at = from;
    while let Some(found) = bytes[at.min(bytes.len())..].iter().position(|&b| b == quote || (escapes && b == b'\\')) {
        let hit = at + found;
        if bytes[hit] == quote && bytes.get(hit + 1) != Some(&quote) {
            return hit + 1;
        }
        // `\x` and a doubled quote are one character each.
        at = hit + 2;
    }
    bytes.len()
}

/// `[A-Za-z0-9_$]` and any byte of a non-ASCII character.
fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// A run of identifier characters: a word, or a number (`12`, `0x1F`,
/// `0b101`, `1e10`) when it starts with a digit and reads as one.
fn word(bytes: &[u8], start: usize) -> (Lexeme, usize) {
    let end = start + bytes[start..].iter().take_while(|&&b| is_ident_char(b)).count();
    let run = &bytes[start..end];
    let number = run[0].is_ascii_digit() && {
        let digits = |text: &[u8], radix: u32| text.iter().all(|&b| char::from(b).is_digit(radix));
        let mantissa = run.iter().take_while(|b| b.is_ascii_digit()).count();
        digits(run, 10)
            || (run.len() > 2 && run[0] == b'0' && run[1] == b'x' && digits(&run[2..], 16))
            || (run.len() > 2 && run[0] == b'0' && run[1] == b'b' && digits(&run[2..], 2))
            || (matches!(run[mantissa], b'e' | b'E') && digits(&run[mantissa + 1..], 10))
    };
    (if number { Lexeme::Other } else { Lexeme::Word }, end)
}

/// The position of the `\n` that ends the line holding `from`, or the end of the text.
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |at| from + at)
}
