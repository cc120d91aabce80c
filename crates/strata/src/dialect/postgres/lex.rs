//! PostgreSQL's tokens, as far as splitting and the checks need them.
//!
//! The rules are those of the server's lexer (`src/backend/parser/scan.l`,
//! PostgreSQL 15), which psql copies into `psqlscan.l` to find where a
//! statement ends, with `standard_conforming_strings` on (the default since
//! PostgreSQL 9.1): a backslash is an ordinary character in `'…'`, and
//! escapes only in `E'…'`. Each string, quoted name and comment is one token,
//! so the splitter keeps no state across tokens but parentheses and
//! `BEGIN … END` depth. An unterminated string, name or comment runs to the
//! end of the text.

/// What a token is, as far as splitting and the checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lexeme {
    /// White space, a `--` comment or a (nested) `/* … */` comment.
    Space,
    Semi,
    Open,
    Close,
    /// An identifier or keyword.
    Word,
    /// `"…"` or `U&"…"`.
    QuotedName,
    /// `'…'`, `E'…'`, `B'…'`, `X'…'`, `N'…'`, `U&'…'`, or `$tag$…$tag$`.
    String,
    /// A number, a parameter (`$1`), an operator or punctuation character.
    Other,
}

/// Reads the token at `pos` (which is before the end); returns it and the
/// position after it, always on a character boundary.
pub(super) fn lex(bytes: &[u8], pos: usize) -> (Lexeme, usize) {
    let next = bytes.get(pos + 1).copied();
    match bytes[pos] {
        b';' => (Lexeme::Semi, pos + 1),
        b'(' => (Lexeme::Open, pos + 1),
        b')' => (Lexeme::Close, pos + 1),
        b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => (Lexeme::Space, pos + 1),
        b'-' if next == Some(b'-') => (Lexeme::Space, line_end(bytes, pos + 2)),
        b'/' if next == Some(b'*') => (Lexeme::Space, comment_end(bytes, pos + 2)),
        b'\'' => (Lexeme::String, quoted_end(bytes, pos + 1, b'\'')),
        b'"' => (Lexeme::QuotedName, quoted_end(bytes, pos + 1, b'"')),
        b'$' => dollar(bytes, pos),
        b'0'..=b'9' => (Lexeme::Other, number_end(bytes, pos)),
        b'.' if next.is_some_and(|b| b.is_ascii_digit()) => (Lexeme::Other, number_end(bytes, pos)),
        b if is_ident_start(b) => word(bytes, pos),
        _ => (Lexeme::Other, pos + 1),
    }
}

/// `[A-Za-z\200-\377_]`: what starts an identifier or a dollar-quote tag.
fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// What continues a dollar-quote tag: an identifier's characters but `$`.
fn is_tag_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

/// What continues an identifier: `[A-Za-z\200-\377_0-9$]`.
fn is_ident_char(b: u8) -> bool {
    is_tag_char(b) || b == b'$'
}

/// The end of the run of `accept` bytes starting at `from`.
fn run_end(bytes: &[u8], from: usize, accept: fn(u8) -> bool) -> usize {
    from + bytes[from.min(bytes.len())..].iter().take_while(|&&b| accept(b)).count()
}

/// An identifier, or the one-letter prefix of a string: `E'…'` (backslash
/// escapes), `B'…'`, `X'…'`, `N'…'`, `U&'…'` (read like `'…'`), `U&"…"`.
/// The prefix counts only as a whole word: `be'x'` is the name `be`, then a string.
fn word(bytes: &[u8], pos: usize) -> (Lexeme, usize) {
    let end = run_end(bytes, pos, is_ident_char);
    if end != pos + 1 {
        return (Lexeme::Word, end);
    }
    let (after, then) = (bytes.get(end).copied(), bytes.get(end + 1).copied());
    match (bytes[pos].to_ascii_lowercase(), after) {
        (b'e', Some(b'\'')) => (Lexeme::String, escape_end(bytes, end + 1)),
        (b'b' | b'x' | b'n', Some(b'\'')) => (Lexeme::String, quoted_end(bytes, end + 1, b'\'')),
        (b'u', Some(b'&')) => match then {
            Some(b'\'') => (Lexeme::String, quoted_end(bytes, end + 2, b'\'')),
            Some(b'"') => (Lexeme::QuotedName, quoted_end(bytes, end + 2, b'"')),
            // scan.l's `xufailed`: the letter alone, then `&`.
            _ => (Lexeme::Other, end),
        },
        _ => (Lexeme::Word, end),
    }
}

/// After an opening `quote` at `from - 1`: the position after the closing
/// one, where a doubled quote (`''`, `""`) stands for itself.
fn quoted_end(bytes: &[u8], from: usize, quote: u8) -> usize {
    let mut at = from;
    while let Some(found) = bytes[at.min(bytes.len())..].iter().position(|&b| b == quote) {
        let close = at + found;
        if bytes.get(close + 1) != Some(&quote) {
            return close + 1;
        }
        at = close + 2;
    }
    bytes.len()
}

/// After `E'`: the position after the closing quote, where a backslash
/// escapes the byte after it (`\'` is a quote) and `''` is a quote too.
fn escape_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(found) = bytes[at.min(bytes.len())..].iter().position(|&b| b == b'\'' || b == b'\\') {
        let hit = at + found;
        // `\x` and `''` stand for one character each; a lone `'` closes.
        if bytes[hit] != b'\\' && bytes.get(hit + 1) != Some(&b'\'') {
            return hit + 1;
        }
        at = hit + 2;
    }
    bytes.len()
}

/// After `--`: the end of the line (a `\n` or a `\r`, as in scan.l), or of the text.
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(bytes.len(), |at| from + at)
}

/// After `/*`: the position after the `*/` that closes it. Comments nest:
/// `/* a /* b */ c */` is one comment.
fn comment_end(bytes: &[u8], from: usize) -> usize {
    let (mut depth, mut at) = (1usize, from);
    while at + 1 < bytes.len() {
        match (bytes[at], bytes[at + 1]) {
            (b'/', b'*') => {
                depth += 1;
                at += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                at += 2;
                if depth == 0 {
                    return at;
                }
            }
            _ => at += 1,
        }
    }
    bytes.len()
}

/// At `$`: a parameter (`$1`), a dollar-quoted string (`$$…$$`,
/// `$tag$…$tag$`, the tag an identifier without `$`, case-sensitive, its body
/// ending at the first identical delimiter), or a lone `$`.
fn dollar(bytes: &[u8], pos: usize) -> (Lexeme, usize) {
    match bytes.get(pos + 1) {
        Some(b) if b.is_ascii_digit() => {
            // `$1`, and scan.l's `param_junk`: `$1abc` is one (bad) token.
            let digits = run_end(bytes, pos + 1, |b| b.is_ascii_digit());
            (Lexeme::Other, junk_end(bytes, digits))
        }
        Some(&b) if b == b'$' || is_ident_start(b) => {
            let tag_end = run_end(bytes, pos + 1, is_tag_char);
            if bytes.get(tag_end) != Some(&b'$') {
                // scan.l's `dolqfailed`: the `$` alone; the rest is read again.
                return (Lexeme::Other, pos + 1);
            }
            let delimiter = &bytes[pos..=tag_end];
            let body = tag_end + 1;
            let end = bytes[body..]
                .windows(delimiter.len())
                .position(|window| window == delimiter)
                .map_or(bytes.len(), |at| body + at + delimiter.len());
            (Lexeme::String, end)
        }
        _ => (Lexeme::Other, pos + 1),
    }
}

/// A number: `1`, `1.5`, `.5`, `1e10`, `1.5E-3` (`1..2` is `1` then `..`).
/// An identifier right after it is trailing junk of the same token, as
/// PostgreSQL 15 reads it (`1abc`, `1e$$x$$`: an error on the server).
fn number_end(bytes: &[u8], pos: usize) -> usize {
    let digits = |from| run_end(bytes, from, |b| b.is_ascii_digit());
    let mut at = digits(pos);
    if bytes.get(at) == Some(&b'.') && bytes.get(at + 1) != Some(&b'.') {
        at = digits(at + 1);
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(at + 1), Some(b'+' | b'-')));
        if bytes.get(at + 1 + sign).is_some_and(u8::is_ascii_digit) {
            at = digits(at + 1 + sign);
        } else if sign == 1 {
            // scan.l's `realfail`: `1e+` is one (bad) token.
            return at + 2;
        }
    }
    junk_end(bytes, at)
}

/// The end of an identifier stuck to the token that ends at `at`, if any.
fn junk_end(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(&b) if is_ident_start(b) => run_end(bytes, at, is_ident_char),
        _ => at,
    }
}
