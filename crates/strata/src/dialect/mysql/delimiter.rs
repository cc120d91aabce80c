//! `DELIMITER` lines, read as the `mariadb` client reads them
//! (`com_delimiter` and `get_arg` in `client/mysql.cc`, MariaDB 10.11).
//!
//! A line is a `DELIMITER` command when it starts (after white space) with
//! the word `delimiter` in any case, followed by a space or a tab, and no
//! statement is under way. Its argument:
//!
//! - is quoted (`'…'`, `"…"`, `` `…` ``) and ends at the closing quote (a
//!   doubled quote stands for one; a backslash keeps the next character,
//!   except between backticks), or is bare and ends at the first space (a
//!   tab is part of it; a backslash keeps the next character);
//! - is cut to 15 bytes, the client's buffer (here never inside a character);
//! - is refused when it is empty, unterminated, or holds a backslash.
//!
//! The rest of the line is ignored (`DELIMITER $$ ;` sets `$$`). The client
//! reads a line without its `\n`, nor a `\r` before it.
//!
//! A refused or empty argument is where the client reports an error (or,
//! for `DELIMITER ''`, sends the line to the server); the dialect cannot
//! report errors, so the line is read as SQL, and the server refuses it,
//! naming its line.

/// The longest delimiter the client keeps (`char delimiter[16]`).
const MAX_LEN: usize = 15;

/// How much of the line `com_delimiter` copies before reading the argument.
const LINE_BUFFER: usize = 255;

/// A statement delimiter: 1 to 15 bytes of UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Delimiter {
    bytes: [u8; MAX_LEN],
    len: u8,
}

impl Delimiter {
    /// `;`, where every script starts.
    pub(super) const SEMICOLON: Delimiter = Delimiter { bytes: [b';'; MAX_LEN], len: 1 };

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The first 15 bytes of `text` that are whole characters; `None` when that is nothing.
    fn new(text: &[u8]) -> Option<Delimiter> {
        let cut = &text[..text.len().min(MAX_LEN)];
        let valid = match std::str::from_utf8(cut) {
            Ok(_) => cut.len(),
            Err(e) => e.valid_up_to(),
        };
        let mut bytes = [0; MAX_LEN];
        bytes[..valid].copy_from_slice(&cut[..valid]);
        (valid > 0).then_some(Delimiter { bytes, len: valid as u8 })
    }
}

/// When `rest` (the text from the start of a line) is a `DELIMITER` line
/// that sets a delimiter: the delimiter and the length of the line, up to
/// its `\n` or the end of the text.
pub(super) fn read(rest: &[u8]) -> Option<(Delimiter, usize)> {
    let word = skip_space(rest, 0);
    let after = word + b"delimiter".len();
    if !rest.get(word..after)?.eq_ignore_ascii_case(b"delimiter") {
        return None;
    }
    if !matches!(rest.get(after), None | Some(b' ' | b'\t' | b'\n')) {
        return None;
    }
    let length = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let mut line = &rest[..length];
    if length < rest.len() {
        line = line.strip_suffix(b"\r").unwrap_or(line);
    }
    let argument = argument(&line[..line.len().min(LINE_BUFFER)], after)?;
    if argument.contains(&b'\\') {
        return None;
    }
    Some((Delimiter::new(&argument)?, length))
}

/// `get_arg`: the argument after the command word (which ends at `from`),
/// unescaped; `None` when it is empty or its quote is not closed.
fn argument(line: &[u8], from: usize) -> Option<Vec<u8>> {
    let mut at = skip_space(line, from);
    let quote = match line.get(at) {
        Some(&b @ (b'\'' | b'"' | b'`')) => {
            at += 1;
            Some(b)
        }
        _ => None,
    };
    let mut argument = Vec::new();
    while let Some(&b) = line.get(at) {
        let next = line.get(at + 1).copied();
        let escaped = (b == b'\\' && next.is_some() && quote != Some(b'`')) || (quote == Some(b) && next == Some(b));
        if escaped {
            argument.push(line[at + 1]);
            at += 2;
        } else if b == quote.unwrap_or(b' ') {
            return (!argument.is_empty()).then_some(argument);
        } else {
            argument.push(b);
            at += 1;
        }
    }
    (quote.is_none() && !argument.is_empty()).then_some(argument)
}

/// The position of the first byte at or after `from` that is not white
/// space as the client's `my_isspace` sees it (`\n` never is in a line).
fn skip_space(line: &[u8], from: usize) -> usize {
    from + line[from.min(line.len())..].iter().take_while(|&&b| is_space(b)).count()
}

/// Space, `\t`, `\n`, `\v`, `\f`, `\r`: white space to the client.
pub(super) fn is_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(line: &str) -> Option<String> {
        read(line.as_bytes()).map(|(d, _)| String::from_utf8(d.as_bytes().to_vec()).unwrap())
    }

    #[test]
    fn a_bare_argument_ends_at_a_space_and_keeps_tabs() {
        assert_eq!(set("DELIMITER $$"), Some("$$".into()));
        assert_eq!(set("  delimiter\t//  ignored ;"), Some("//".into()));
        assert_eq!(set("Delimiter $$\t\nSELECT 1"), Some("$$\t".into()));
        assert_eq!(set("DELIMITER ;;\r\nSELECT 1"), Some(";;".into()));
        // A `\r` not before a `\n` is part of the line.
        assert_eq!(set("DELIMITER ;;\r"), Some(";;\r".into()));
    }

    #[test]
    fn the_line_length_runs_to_the_newline() {
        assert_eq!(read(b"DELIMITER $$\r\nSELECT").map(|(_, n)| n), Some(13));
        assert_eq!(read(b"DELIMITER $$").map(|(_, n)| n), Some(12));
    }

    #[test]
    fn a_quoted_argument_ends_at_its_quote() {
        assert_eq!(set("DELIMITER \"x y\" z"), Some("x y".into()));
        assert_eq!(set("DELIMITER 'a''b'"), Some("a'b".into()));
        assert_eq!(set("DELIMITER 'a\\'b'"), Some("a'b".into()));
        assert_eq!(set("DELIMITER \"ab\"cd"), Some("ab".into()));
        assert_eq!(set("DELIMITER `a``b`"), Some("a`b".into()));
    }

    #[test]
    fn a_backslash_keeps_the_next_character_and_may_not_stay() {
        assert_eq!(set("DELIMITER a\\b"), Some("ab".into()));
        assert_eq!(set("DELIMITER \\$\\$"), Some("$$".into()));
        assert_eq!(set("DELIMITER a\\\\b"), None);
        assert_eq!(set("DELIMITER `a\\b`"), None);
        assert_eq!(set("DELIMITER ab\\"), None);
    }

    #[test]
    fn a_missing_empty_or_unterminated_argument_sets_nothing() {
        for line in ["DELIMITER", "DELIMITER   ", "DELIMITER ''", "DELIMITER '$$", "DELIMITER\n$$"] {
            assert_eq!(set(line), None, "{line:?}");
        }
    }

    #[test]
    fn only_the_word_delimiter_then_a_space_or_tab_is_the_command() {
        for line in ["DELIMITER;", "DELIMITERS $$", "DELIMITER\u{b}$$", "-- DELIMITER $$", "SET DELIMITER $$"] {
            assert_eq!(set(line), None, "{line:?}");
        }
        assert_eq!(set("\u{b}\u{c} DELIMITER $$"), Some("$$".into()));
    }

    #[test]
    fn a_long_delimiter_is_cut_to_fifteen_bytes_of_whole_characters() {
        assert_eq!(set("DELIMITER 0123456789abcdefXYZ"), Some("0123456789abcde".into()));
        // 7 × `é` is 14 bytes; the 8th would end at byte 16.
        assert_eq!(set("DELIMITER éééééééé"), Some("ééééééé".into()));
    }

    #[test]
    fn the_argument_is_read_from_the_first_255_bytes_of_the_line() {
        let far = format!("DELIMITER{}$$", " ".repeat(250));
        assert_eq!(set(&far), None);
        let near = format!("DELIMITER{}$$", " ".repeat(200));
        assert_eq!(set(&near), Some("$$".into()));
    }
}
