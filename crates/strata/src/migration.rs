//! A migration and the parsing of its text: `-- migrate:up` / `-- migrate:down`
//! sections and the options on their marker lines.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One direction of a migration: the SQL to run and how to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The script, exactly as written in its section.
    pub sql: String,
    /// Options from the section's marker line.
    pub options: StepOptions,
    /// Where the script comes from (a file path, or a label for stored and embedded scripts).
    pub file: PathBuf,
    /// 1-based line in `file` of the script's first line.
    pub line: usize,
}

/// Options written on a section's marker line, e.g. `-- migrate:up transaction:false`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepOptions {
    /// `transaction:false`: run the statements outside a transaction.
    pub no_transaction: bool,
    /// `foreign_keys:off` (SQLite): foreign-key enforcement off for this step,
    /// checked with `PRAGMA foreign_key_check` before commit.
    pub foreign_keys_off: bool,
}

impl StepOptions {
    /// The options as they are written on a marker line (empty for the defaults).
    pub fn to_marker_text(self) -> String {
        let mut words = Vec::new();
        if self.no_transaction {
            words.push("transaction:false");
        }
        if self.foreign_keys_off {
            words.push("foreign_keys:off");
        }
        words.join(" ")
    }

    /// Parses whitespace-separated options; `file` and `line` locate errors.
    pub fn parse(text: &str, file: &Path, line: usize) -> Result<Self> {
        let mut options = StepOptions::default();
        for word in text.split_whitespace() {
            match word {
                "transaction:false" => options.no_transaction = true,
                "transaction:true" => options.no_transaction = false,
                "foreign_keys:off" => options.foreign_keys_off = true,
                "foreign_keys:on" => options.foreign_keys_off = false,
                _ => {
                    return Err(Error::file(
                        file,
                        line,
                        format!("unknown option `{word}` on the marker line; known options are transaction:false and foreign_keys:off"),
                    ))
                }
            }
        }
        if options.no_transaction && options.foreign_keys_off {
            return Err(Error::file(
                file,
                line,
                "foreign_keys:off needs a transaction (foreign keys are checked before commit); remove transaction:false",
            ));
        }
        Ok(options)
    }
}

/// A versioned, reversible change to a database schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The version, compared as a number (`005` and `5` are the same).
    pub version: u64,
    /// The version as written in the file name (`005`).
    pub label: String,
    /// The snake_case description (`create_users_table`).
    pub name: String,
    /// The up step.
    pub up: Step,
    /// The down step, if the migration can be reverted.
    pub down: Option<Step>,
    /// Hex SHA-256 of the up script, see [`checksum`].
    pub checksum: String,
}

impl Migration {
    /// Builds a migration from its parts; the checksum is computed from `up`.
    pub fn new(version: u64, label: &str, name: &str, up: Step, down: Option<Step>) -> Self {
        Migration { version, label: label.to_owned(), name: name.to_owned(), checksum: checksum(&up.sql), up, down }
    }
}

/// Hex SHA-256 of a script, with a leading BOM ignored and CRLF read as LF,
/// so that a checkout on another operating system gives the same checksum.
pub fn checksum(sql: &str) -> String {
    let text = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let mut hasher = Sha256::new();
    let mut lines = text.split("\r\n");
    hasher.update(lines.next().unwrap_or_default());
    for line in lines {
        hasher.update("\n");
        hasher.update(line);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = hasher.finalize();
    digest.iter().flat_map(|byte| [HEX[usize::from(byte >> 4)] as char, HEX[usize::from(byte & 0xf)] as char]).collect()
}

/// Which section a marker line opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    fn keyword(self) -> &'static str {
        match self {
            Direction::Up => "migrate:up",
            Direction::Down => "migrate:down",
        }
    }
}

/// The sections found in one file.
#[derive(Debug, Default)]
pub(crate) struct Sections {
    pub up: Option<Step>,
    pub down: Option<Step>,
}

/// Parses a file's text into its sections.
///
/// `only` is set for the pair layout (`.up.sql` / `.down.sql`): the file holds
/// that one direction, and a file without a marker is all script.
pub(crate) fn parse_sections(file: &Path, text: &str, only: Option<Direction>) -> Result<Sections> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections = Sections::default();
    let mut open: Option<(Direction, StepOptions, usize, usize)> = None; // dir, options, first line, byte start
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some((direction, rest)) = parse_marker(line, file, number)? {
            if only.is_some_and(|only| only != direction) {
                return Err(Error::file(
                    file,
                    number,
                    format!(
                        "`-- {}` does not belong in this file: it holds only the {} script",
                        direction.keyword(),
                        only.map_or("", |d| d.keyword())
                    ),
                ));
            }
            if let Some(previous) = open.take() {
                close(&mut sections, file, previous, &text[previous.3..offset]);
            }
            let taken = match direction {
                Direction::Up => sections.up.is_some(),
                Direction::Down => sections.down.is_some(),
            };
            if taken {
                return Err(Error::file(
                    file,
                    number,
                    format!("second `-- {}` marker; a file has one section per direction", direction.keyword()),
                ));
            }
            let options = StepOptions::parse(rest, file, number)?;
            open = Some((direction, options, number + 1, offset + raw.len()));
        } else if open.is_none() && only.is_none() && !is_comment_or_blank(line) {
            return Err(Error::file(
                file,
                number,
                "SQL before the first `-- migrate:up` marker; put it inside a section",
            ));
        }
        offset += raw.len();
    }
    match (open, only) {
        (Some(last), _) => close(&mut sections, file, last, &text[last.3..]),
        (None, Some(direction)) if sections.up.is_none() && sections.down.is_none() => {
            let step = Step { sql: text.to_owned(), options: StepOptions::default(), file: file.to_owned(), line: 1 };
            match direction {
                Direction::Up => sections.up = Some(step),
                Direction::Down => sections.down = Some(step),
            }
        }
        _ => {}
    }
    Ok(sections)
}

fn close(sections: &mut Sections, file: &Path, open: (Direction, StepOptions, usize, usize), sql: &str) {
    let (direction, options, line, _) = open;
    let step = Step { sql: sql.to_owned(), options, file: file.to_owned(), line };
    match direction {
        Direction::Up => sections.up = Some(step),
        Direction::Down => sections.down = Some(step),
    }
}

fn is_comment_or_blank(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.starts_with("--")
}

/// Recognises `-- migrate:up [options]` / `-- migrate:down [options]`.
/// Any other `-- migrate:…` line is an error, so that a typo is not taken for SQL.
fn parse_marker<'a>(line: &'a str, file: &Path, number: usize) -> Result<Option<(Direction, &'a str)>> {
    let Some(rest) = line.trim_start().strip_prefix("--") else {
        return Ok(None);
    };
    let rest = rest.trim_start();
    if !rest.starts_with("migrate:") {
        return Ok(None);
    }
    let (word, options) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let direction = match word {
        "migrate:up" => Direction::Up,
        "migrate:down" => Direction::Down,
        _ => {
            return Err(Error::file(
                file,
                number,
                format!("unknown marker `{word}`; a section starts with `-- migrate:up` or `-- migrate:down`"),
            ))
        }
    };
    Ok(Some((direction, options)))
}

#[cfg(test)]
#[path = "migration_tests.rs"]
mod tests;
