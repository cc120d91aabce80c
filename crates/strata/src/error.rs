//! The library's one error type.
//!
//! Every variant carries the context a user needs to act: the file and line of
//! a bad migration file, the version of a failed migration, the problems that
//! made a command refuse. [`Error::kind`] sorts them into the three outcomes the
//! command line maps to exit codes.

use std::path::PathBuf;

use crate::plan::Problem;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is: the command line maps each to one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A migration or the database failed (exit code 1).
    Failed,
    /// Bad usage, configuration or migration files (exit code 2).
    Invalid,
    /// Refused because history and files disagree (exit code 3).
    Refused,
    /// Another runner held the lock for longer than this one would wait (exit code 5).
    Locked,
}

/// Everything that can go wrong in Strata.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A migration file (or its name) is malformed.
    #[error("{}: {message}", at(file, *line))]
    InvalidFile {
        file: PathBuf,
        /// 1-based line; 0 when the problem is the file name or the file as a whole.
        line: usize,
        message: String,
    },
    /// Two migration files claim one version.
    #[error("{} and {} both have version {version}; every migration needs its own version", first.display(), second.display())]
    DuplicateVersion { version: u64, first: PathBuf, second: PathBuf },
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A statement of a migration failed; the migration was rolled back.
    #[error("{} {label} ({name}) failed at {location}: {message}{}", match direction { crate::Direction::Up => "migration", crate::Direction::Down => "reverting migration" }, describe_ran(ran.as_deref()))]
    Statement {
        version: u64,
        /// The version as written in the file name.
        label: String,
        name: Box<str>,
        /// `file:line` of the failing statement (or `history:line` for a stored script).
        location: Box<str>,
        /// The database's own message.
        message: Box<str>,
        /// The database's own code for the error (PostgreSQL's SQLSTATE), when it gave one.
        code: Option<Box<str>>,
        /// Whether the step's changes were rolled back.
        rolled_back: bool,
        /// Whether the migration was being applied or reverted.
        direction: crate::Direction,
        /// For a step run statement by statement outside a transaction: the
        /// file lines of the statements that ran before the failing one, and
        /// stay done (`None` when not known, or rolled back).
        ran: Option<Box<[usize]>>,
    },
    /// A `foreign_keys:off` step left rows that break a foreign key.
    #[error(
        "migration {label} ({name}) was rolled back: it leaves {count} row(s) breaking foreign keys, first: {first}"
    )]
    ForeignKeyViolations { version: u64, label: String, name: String, count: usize, first: String },
    /// The database itself failed (connecting, reading history, committing).
    #[error("database error: {0}")]
    Database(String),
    /// A database URL or setting is wrong.
    #[error("{0}")]
    Config(String),
    /// A version named on the command line is not known from files or history.
    #[error("unknown version {version}: {known}")]
    UnknownVersion { version: u64, known: String },
    /// `down` would have to cross migrations without a down script (all of
    /// them are listed, newest first); nothing was reverted.
    #[error("{}", describe_irreversible(.0))]
    Irreversible(Vec<crate::plan::NoDown>),
    /// History and files disagree; nothing was changed.
    #[error("{}", describe_problems(.0))]
    Refused(Vec<Problem>),
    /// The history table exists but is not Strata's; nothing was changed.
    #[error("{table} in {database} is not Strata's history table (columns: {}){}", columns.join(", "), if *writebot { "; it looks like WriteBot's Python runner's" } else { "" })]
    ForeignHistory {
        table: String,
        /// The database, as a URL without password.
        database: String,
        columns: Vec<String>,
        /// Whether it is the table of WriteBot's Python runner, which `adopt` converts.
        writebot: bool,
    },
    /// A history row holds a value Strata never writes.
    #[error(
        "{table} in {database}, version {version}: column {column} holds {found}; expected {}",
        crate::history::expected(column)
    )]
    HistoryValue {
        table: String,
        database: String,
        /// The row's version as SQL writes it (`3`, `-1`, `'abc'`, `NULL`).
        version: String,
        column: &'static str,
        /// The value found, as SQL writes it.
        found: String,
    },
    /// A migration's statements changed the history table.
    #[error("{} {label} ({name}) changed the history table {table} ({what}); {}", match direction { crate::Direction::Up => "migration", crate::Direction::Down => "reverting migration" }, if *rolled_back { "it was rolled back" } else { "it ran outside a transaction, so this cannot be rolled back" })]
    HistoryChanged {
        version: u64,
        label: String,
        name: String,
        table: String,
        /// What changed, e.g. `the table is gone`.
        what: String,
        rolled_back: bool,
        direction: crate::Direction,
    },
    /// `adopt` cannot convert the history table; nothing was changed.
    #[error("cannot adopt {table} in {database}: {reason}; nothing was changed")]
    AdoptRefused { table: String, database: String, reason: String },
    /// The migrations folder (or an entry while listing it) cannot be read.
    #[error("cannot read the migrations folder {}: {source}", path.display())]
    UnreadableFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The migrations folder holds no migration, but subfolders laid out for
    /// another tool (`found` says what, with an example).
    #[error("the migrations folder {} holds no migrations, but {found}", dir.display())]
    OtherLayout { dir: PathBuf, found: String },
    /// A migration `up` would apply has no statement in its up section;
    /// nothing was applied.
    #[error("{}: the up section of migration {label} ({name}) has no statement; nothing was applied", at(file, *line))]
    EmptyUp {
        version: u64,
        label: String,
        name: String,
        file: PathBuf,
        /// The marker's line; 0 for a pair file without a marker.
        line: usize,
    },
    /// Another runner held the lock for the whole time this one would wait.
    #[error("the lock on {database} is still held by {holder} after waiting {} s", waited.as_secs())]
    LockTimeout { database: String, holder: crate::driver::Holder, waited: std::time::Duration },
    /// This runner's lock was taken over by another runner: its lease (on a
    /// Galera cluster) ran out while this one stalled. Nothing more was run.
    #[error("the lock on {database} is no longer this run's: it stalled for longer than its lease ({} s) and another runner took the lock over, so this run stopped and recorded nothing more", lease.as_secs())]
    LockLost { database: String, lease: std::time::Duration },
    /// A command that writes was pointed at a read-only standby server.
    #[error("{database} is a read-only standby (pg_is_in_recovery() is true): nothing can be migrated there; point strata at the primary")]
    ReadOnlyStandby { database: String },
    /// A migration file changed between reading it and running it; the step did not run.
    #[error("{}: changed since Strata read it (its {} script differs now), so it was not run", file.display(), match direction { crate::Direction::Up => "up", crate::Direction::Down => "down" })]
    FileChanged { file: PathBuf, direction: crate::Direction },
    /// The runners' lock file beside the database cannot be created, read or locked.
    #[error("cannot {action} the lock file {} beside the database: {source}{}", path.display(), match *action { "create" => "; Strata keeps other runners out with this file, so the database's folder must be writable by the user running strata", "open" => "; Strata keeps other runners out with this file, so it must be readable and writable by the user running strata", _ => "" })]
    LockFile {
        /// The lock file, as the user named the database.
        path: PathBuf,
        /// `create`, `open`, `read`, `lock` or `write`.
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// `repair` was asked to settle a migration that is not interrupted, without `force`; nothing was changed.
    #[error("{}", crate::repair::describe_refusal(label, name, *state, *resolution))]
    RepairRefused {
        version: u64,
        label: String,
        name: String,
        /// The version's state, as `status` shows it.
        state: crate::plan::State,
        resolution: crate::repair::Resolution,
    },
}

impl Error {
    /// The outcome this error stands for.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Statement { .. } | Error::ForeignKeyViolations { .. } | Error::Database(_) => ErrorKind::Failed,
            Error::Io { .. } => ErrorKind::Failed,
            Error::Refused(_) => ErrorKind::Refused,
            Error::InvalidFile { .. }
            | Error::DuplicateVersion { .. }
            | Error::Config(_)
            | Error::UnknownVersion { .. }
            | Error::Irreversible(_) => ErrorKind::Invalid,
            Error::ForeignHistory { .. } | Error::HistoryValue { .. } | Error::AdoptRefused { .. } => {
                ErrorKind::Refused
            }
            Error::HistoryChanged { .. } => ErrorKind::Failed,
            Error::UnreadableFolder { .. } | Error::OtherLayout { .. } | Error::EmptyUp { .. } => ErrorKind::Invalid,
            Error::LockTimeout { .. } | Error::LockLost { .. } => ErrorKind::Locked,
            Error::FileChanged { .. } => ErrorKind::Invalid,
            Error::LockFile { .. } => ErrorKind::Failed,
            Error::RepairRefused { .. } => ErrorKind::Refused,
            Error::ReadOnlyStandby { .. } => ErrorKind::Invalid,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    pub(crate) fn file(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::InvalidFile { file: file.into(), line, message: message.into() }
    }
}

fn at(file: &std::path::Path, line: usize) -> String {
    match line {
        0 => file.display().to_string(),
        _ => format!("{}:{line}", file.display()),
    }
}

/// What a step outside a transaction did before its failing statement:
/// `; before it, 2 statements ran and stay done (lines 3, 8)`.
pub(crate) fn describe_ran(ran: Option<&[usize]>) -> String {
    const SHOWN: usize = 10;
    match ran {
        None => String::new(),
        Some([]) => "; no statement before it had run".to_owned(),
        Some(lines) => {
            let mut shown: Vec<String> = lines.iter().take(SHOWN).map(usize::to_string).collect();
            if lines.len() > SHOWN {
                shown.push(format!("and {} more", lines.len() - SHOWN));
            }
            let (count, noun, line) = match lines.len() {
                1 => ("1".to_owned(), "statement ran and stays", "line"),
                n => (n.to_string(), "statements ran and stay", "lines"),
            };
            format!("; before it, {count} {noun} done ({line} {})", shown.join(", "))
        }
    }
}

fn describe_problems(problems: &[Problem]) -> String {
    let mut text = String::from("history and migration files disagree; nothing was changed:");
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(&problem.to_string());
    }
    text
}

/// How many migrations without a down script an error lists; the rest are counted.
const IRREVERSIBLE_LISTED: usize = 20;

fn describe_irreversible(stuck: &[crate::plan::NoDown]) -> String {
    let (count, have) = match stuck.len() {
        1 => ("1 migration".to_owned(), "has"),
        n => (format!("{n} migrations"), "have"),
    };
    let mut text = format!("{count} on the way down {have} no down script, so nothing was reverted:");
    for migration in stuck.iter().take(IRREVERSIBLE_LISTED) {
        text.push_str("\n  ");
        text.push_str(&migration.to_string());
    }
    if stuck.len() > IRREVERSIBLE_LISTED {
        text.push_str(&format!("\n  and {} more", stuck.len() - IRREVERSIBLE_LISTED));
    }
    text
}
