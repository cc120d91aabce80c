//! A migration and the parsing of its text: `-- migrate:up` / `-- migrate:down`
//! sections and the options on their marker lines.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::marker::parse_marker;

/// One direction of a migration: the SQL to run and how to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The script, held in memory or read from `file` when it runs; see [`Step::text`].
    pub sql: Script,
    /// Options from the section's marker line.
    pub options: StepOptions,
    /// Where the script comes from (a file path, or a label for stored and embedded scripts).
    pub file: PathBuf,
    /// 1-based line in `file` of the script's first line.
    pub line: usize,
}

/// Where a step's script is.
///
/// Migrations read from a folder keep only where each section is and its
/// checksum, so memory does not grow with the size of the files; the text is
/// read again when the step is about to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    /// The script itself, exactly as written in its section (migrations built in
    /// code or embedded with [`crate::source::load_files`], scripts stored in history).
    Inline(String),
    /// The `direction` section of the migration file [`Step::file`], which had
    /// this `checksum` when it was read.
    InFile {
        direction: Direction,
        /// `Some` for the pair layout (`.up.sql` / `.down.sql`), as in [`crate::source::FileName`].
        layout: Option<Direction>,
        checksum: String,
    },
}

impl Script {
    /// The script's checksum (see [`checksum`]), computed for inline text.
    pub fn checksum(&self) -> String {
        match self {
            Script::Inline(sql) => checksum(sql),
            Script::InFile { checksum, .. } => checksum.clone(),
        }
    }
}

/// An inline script equals its text; a file-backed one equals no text.
impl PartialEq<&str> for Script {
    fn eq(&self, other: &&str) -> bool {
        matches!(self, Script::Inline(sql) if sql == other)
    }
}

impl From<String> for Script {
    fn from(sql: String) -> Self {
        Script::Inline(sql)
    }
}

impl From<&str> for Script {
    fn from(sql: &str) -> Self {
        Script::Inline(sql.to_owned())
    }
}

impl Step {
    /// A step whose script is held in memory.
    pub fn inline(sql: impl Into<String>, options: StepOptions, file: impl Into<PathBuf>, line: usize) -> Self {
        Step { sql: Script::Inline(sql.into()), options, file: file.into(), line }
    }

    /// The script's text. A file-backed script is read again from its file,
    /// which must still hold the section it held when it was loaded: a file
    /// edited since is refused with [`Error::FileChanged`], so that nothing runs unverified.
    pub fn text(&self) -> Result<Cow<'_, str>> {
        match &self.sql {
            Script::Inline(sql) => Ok(Cow::Borrowed(sql)),
            Script::InFile { direction, layout, checksum } => {
                crate::source::read_section(&self.file, *direction, *layout, checksum).map(Cow::Owned)
            }
        }
    }

    /// The same step with its text left in its file (it must be inline).
    pub(crate) fn into_file(self, direction: Direction, layout: Option<Direction>) -> Self {
        let checksum = self.sql.checksum();
        Step { sql: Script::InFile { direction, layout, checksum }, ..self }
    }
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
    /// The migration has a down section that holds no statement (only comments
    /// or white space); it counts as none, so `down` is `None`.
    pub down_is_empty: bool,
}

impl Migration {
    /// Builds a migration from its parts; the checksum is `up`'s.
    pub fn new(version: u64, label: &str, name: &str, up: Step, down: Option<Step>) -> Self {
        let checksum = up.sql.checksum();
        Migration { version, label: label.to_owned(), name: name.to_owned(), checksum, up, down, down_is_empty: false }
    }

    /// The up script and the down script, if any: what `up` stores in history.
    /// A file that holds both is read once.
    pub fn scripts(&self) -> Result<(Cow<'_, str>, Option<Cow<'_, str>>)> {
        let same_file = |down: &Step| down.file == self.up.file;
        if let (Script::InFile { layout: None, checksum: up, .. }, Some(down)) = (&self.up.sql, &self.down) {
            if let (Script::InFile { layout: None, checksum: down_sum, .. }, true) = (&down.sql, same_file(down)) {
                let both = [(Direction::Up, up.as_str()), (Direction::Down, down_sum.as_str())];
                let [up, down] = crate::source::read_sections(&self.up.file, None, both)?;
                return Ok((Cow::Owned(up), Some(Cow::Owned(down))));
            }
        }
        Ok((self.up.text()?, self.down.as_ref().map(Step::text).transpose()?))
    }
}

/// Hex SHA-256 of a script, with a leading BOM ignored and CRLF read as LF,
/// so that a checkout on another operating system gives the same checksum.
/// A script without any LF whose lines end in CR (see [`is_cr_only`]) is read
/// as LF too.
pub fn checksum(sql: &str) -> String {
    let text = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let mut hasher = Sha256::new();
    let mut lines = text.split(if is_cr_only(text) { "\r" } else { "\r\n" });
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
    /// The file has a down section without a statement (so `down` is `None`).
    pub down_is_empty: bool,
}

impl Sections {
    pub fn slot(&mut self, direction: Direction) -> &mut Option<Step> {
        match direction {
            Direction::Up => &mut self.up,
            Direction::Down => &mut self.down,
        }
    }

    /// Keeps `step`, except a down script without a statement (such as the
    /// empty section `strata create` writes): reverting with it would report
    /// success and change nothing, so it counts as no down script at all.
    /// (An up script without a statement is kept: `up` refuses to apply it.)
    fn set(&mut self, direction: Direction, step: Step) {
        if direction == Direction::Down && matches!(&step.sql, Script::Inline(sql) if !has_statement(sql)) {
            self.down_is_empty = true;
            return;
        }
        *self.slot(direction) = Some(step);
    }
}

/// A section whose marker has been read and whose end has not.
struct Open {
    direction: Direction,
    options: StepOptions,
    /// Line of the section's first script line.
    line: usize,
    /// Byte offset of the section's script.
    start: usize,
}

impl Open {
    fn close(self, sections: &mut Sections, file: &Path, sql: &str) {
        let step = Step::inline(sql, self.options, file, self.line);
        sections.set(self.direction, step);
    }
}

/// Whether `text` ends its lines with CR alone (classic Mac OS): it holds a CR
/// and no LF. Such a text is read as if each CR were LF. A text with any LF
/// keeps LF and CRLF as its line ends, and a lone CR in it is a character (as
/// SQLite reads it), so the checksums of LF and CRLF files never change.
pub(crate) fn is_cr_only(text: &str) -> bool {
    !text.contains('\n') && text.contains('\r')
}

/// A NUL byte ends SQLite's reading of a statement: whatever follows it in
/// the section would be skipped while the migration is recorded as applied.
fn refuse_nul(file: &Path, text: &str) -> Result<()> {
    let Some(at) = text.find('\0') else {
        return Ok(());
    };
    let line = 1 + text[..at].matches('\n').count();
    let message = "holds a NUL byte (\\0), where SQLite would stop reading the statement and skip the rest \
                   of the section; remove it (a file saved as UTF-16 looks like this: save it as UTF-8)";
    Err(Error::file(file, line, message))
}

/// Parses a file's text into its sections.
///
/// `only` is set for the pair layout (`.up.sql` / `.down.sql`): the file holds
/// that one direction, and a file without a marker is all script. CR-only text
/// is read as LF (see [`is_cr_only`]): sections, lines and scripts are those of
/// the same text with LF.
pub(crate) fn parse_sections(file: &Path, text: &str, only: Option<Direction>) -> Result<Sections> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = match is_cr_only(text) {
        true => Cow::Owned(text.replace('\r', "\n")),
        false => Cow::Borrowed(text),
    };
    let text = text.as_ref();
    refuse_nul(file, text)?;
    let mut sections = Sections::default();
    let mut open: Option<Open> = None;
    let mut sql_before_marker: Option<usize> = None;
    let mut comment: Option<usize> = None;
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some((direction, rest)) = parse_marker(line, file, number)? {
            check_marker(file, number, direction, only, &mut sections, open.as_ref())?;
            if let Some(sql_line) = sql_before_marker {
                return Err(Error::file(
                    file,
                    sql_line,
                    "SQL before the first `-- migrate:` marker; put it inside a section",
                ));
            }
            if let Some(start) = comment.filter(|_| open.is_none()) {
                let message =
                    format!("the `/*` comment on line {start} is not closed before this marker; close it with `*/`");
                return Err(Error::file(file, number, message));
            }
            if let Some(previous) = open.take() {
                let sql = &text[previous.start..offset];
                previous.close(&mut sections, file, sql);
            }
            let options = StepOptions::parse(rest, file, number)?;
            open = Some(Open { direction, options, line: number + 1, start: offset + raw.len() });
        } else if open.is_none() && sql_before_marker.is_none() && has_sql(line, number, &mut comment) {
            // A single file must open a section first; a pair file may be all script.
            if only.is_none() {
                return Err(Error::file(
                    file,
                    number,
                    "SQL before the first `-- migrate:up` marker; put it inside a section",
                ));
            }
            sql_before_marker = Some(number);
        }
        offset += raw.len();
    }
    match (open, only) {
        (Some(last), _) => {
            let sql = &text[last.start..];
            last.close(&mut sections, file, sql);
        }
        (None, Some(direction)) => {
            let step = Step::inline(text, StepOptions::default(), file, 1);
            sections.set(direction, step);
        }
        (None, None) => {}
    }
    Ok(sections)
}

/// A marker must suit the file's layout and open a section not seen before.
fn check_marker(
    file: &Path,
    line: usize,
    direction: Direction,
    only: Option<Direction>,
    sections: &mut Sections,
    open: Option<&Open>,
) -> Result<()> {
    if let Some(only) = only.filter(|&only| only != direction) {
        let message = format!(
            "`-- {}` does not belong in this file: it holds only the {} script",
            direction.keyword(),
            only.keyword()
        );
        return Err(Error::file(file, line, message));
    }
    if sections.slot(direction).is_some() || open.is_some_and(|open| open.direction == direction) {
        let message = format!("second `-- {}` marker; a file has one section per direction", direction.keyword());
        return Err(Error::file(file, line, message));
    }
    Ok(())
}

/// Whether `line` (number `number`) holds anything but white space, `--`
/// comments and `/* … */` comments. `comment` holds the line where a `/*`
/// comment still open at the end of the line began.
fn has_sql(line: &str, number: usize, comment: &mut Option<usize>) -> bool {
    let mut rest = line;
    loop {
        if comment.is_some() {
            let Some(end) = rest.find("*/") else {
                return false;
            };
            rest = &rest[end + 2..];
            *comment = None;
        }
        let text = rest.trim_start();
        if text.is_empty() || text.starts_with("--") {
            return false;
        }
        let Some(inside) = text.strip_prefix("/*") else {
            return true;
        };
        rest = inside;
        *comment = Some(number);
    }
}

/// Whether a script holds a statement: anything but white space, `;` and
/// comments. Stops at the first statement, so it costs little on a long script.
///
/// Read before the database is known (a down section without a statement
/// counts as none), so it reads comments as SQLite does: exactly what
/// SQLite's splitter returns nothing for. PostgreSQL reads the same except
/// for nested block comments (`/* a /* b */ c */` is one comment there) and a
/// `--` comment ended by a lone CR; `check.rs` asks the dialect itself
/// before anything runs. Strings are statements in both (a `$$` body holding
/// `--` starts with `$`).
pub(crate) fn has_statement(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        pos += if rest.starts_with(b"--") {
            rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |at| at + 1)
        } else if rest.starts_with(b"/*") {
            rest[2..].windows(2).position(|w| w == b"*/").map_or(rest.len(), |at| at + 4)
        } else if rest[0] == b';' || rest[0].is_ascii_whitespace() {
            1
        } else {
            return true;
        };
    }
    false
}

#[cfg(test)]
#[path = "migration_tests.rs"]
mod tests;
