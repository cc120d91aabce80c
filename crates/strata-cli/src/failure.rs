//! What a command reports when it fails: the error, a hint, and the exit code.

use std::fmt::Display;
use std::io::{self, Write};
use std::process::ExitCode;

use strata::{Direction, Error, ErrorKind};

/// Exit code: a migration or the database failed.
pub const FAILED: u8 = 1;
/// Exit code: bad usage, configuration or migration files.
pub const INVALID: u8 = 2;
/// Exit code: refused because history and files disagree.
pub const REFUSED: u8 = 3;

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    message: String,
    hint: Option<String>,
    code: u8,
}

impl Failure {
    /// Bad usage or configuration (exit code 2).
    pub fn invalid(message: impl Display, hint: impl Into<Option<String>>) -> Self {
        Failure { message: message.to_string(), hint: hint.into(), code: INVALID }
    }

    /// Prints `Error: …` and `Hint: …` to stderr and returns the exit code.
    /// Output that went to a closed pipe is not an error.
    pub fn report(self) -> ExitCode {
        if self.code == 0 {
            return ExitCode::SUCCESS;
        }
        let mut stderr = anstream::stderr().lock();
        let red = anstyle::AnsiColor::Red.on_default().bold();
        let _ = writeln!(stderr, "{red}Error:{red:#} {}", self.message);
        if let Some(hint) = self.hint {
            let cyan = anstyle::AnsiColor::Cyan.on_default();
            let _ = writeln!(stderr, "{cyan}Hint:{cyan:#} {hint}");
        }
        ExitCode::from(self.code)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            return Failure { message: String::new(), hint: None, code: 0 };
        }
        Failure { message: format!("cannot write output: {error}"), hint: None, code: FAILED }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = match error.kind() {
            ErrorKind::Failed => FAILED,
            ErrorKind::Invalid => INVALID,
            ErrorKind::Refused => REFUSED,
        };
        Failure { hint: hint(&error), message: error.to_string(), code }
    }
}

fn hint(error: &Error) -> Option<String> {
    let text = match error {
        Error::Statement { message, rolled_back: true, .. } if message.contains("within a transaction") => {
            "this statement cannot run inside a transaction (VACUUM, or BEGIN/COMMIT written in the script): \
             Strata runs every section in one; remove the BEGIN/COMMIT, or mark the section `transaction:false` \
             (e.g. `-- migrate:up transaction:false`)."
                .to_owned()
        }
        Error::Statement { label, rolled_back: true, direction: Direction::Up, .. } => format!(
            "migration {label} was rolled back and left no trace; the migrations before it stay applied. Fix it and run `strata up` again."
        ),
        Error::Statement { label, rolled_back: true, direction: Direction::Down, .. } => format!(
            "the revert of {label} was rolled back: {label} stays applied, and so does everything below it. Fix its down section and run `strata down` again."
        ),
        Error::Statement { version, label, rolled_back: false, direction, .. } => unfinished_hint(*version, label, *direction),
        Error::ForeignKeyViolations { .. } => "every foreign key must hold when a foreign_keys:off step commits, including rows that were broken before it; \
            `PRAGMA foreign_key_check` lists them. Fix those rows (or the migration), then run it again."
            .to_owned(),
        Error::Refused(problems) => refused_hint(problems),
        Error::Irreversible { .. } => "write the statements that undo it in its `-- migrate:down` section (`SELECT 1;` if nothing needs undoing), or go down to a version at or above it.".to_owned(),
        Error::UnknownVersion { .. } => "`strata status` lists every known version.".to_owned(),
        Error::InvalidFile { .. } | Error::DuplicateVersion { .. } => {
            "every .sql file in the migrations folder must be a migration; fix or move the file named above.".to_owned()
        }
        Error::FileChanged { .. } => "the file was edited while Strata ran; the migrations reported done before it stay done. Run the command again to use the file as it is now.".to_owned(),
        _ => return None,
    };
    Some(text)
}

/// A step that could not be rolled back: say what state it is in and how to settle it.
fn unfinished_hint(version: u64, label: &str, direction: Direction) -> String {
    let (what, done, undone) = match direction {
        Direction::Up => (
            format!("migration {label}"),
            "UPDATE migration_history SET state = 'applied'",
            "DELETE FROM migration_history",
        ),
        Direction::Down => (
            format!("the revert of {label}"),
            "DELETE FROM migration_history",
            "UPDATE migration_history SET state = 'applied'",
        ),
    };
    format!(
        "{what} ran outside a transaction (transaction:false), so the statements before the failing one stay done \
         and history marks it interrupted. Finish or undo it by hand, then run `{done} WHERE version = {version}` \
         (finished) or `{undone} WHERE version = {version}` (undone)."
    )
}

fn refused_hint(problems: &[strata::plan::Problem]) -> String {
    use strata::plan::State;
    let has = |state| problems.iter().any(|problem| problem.state == state);
    let mut hints = Vec::new();
    if has(State::Modified) {
        hints.push("restore a modified file to what was applied (history keeps it in up_sql), and put new changes in a new migration (`strata create`)");
    }
    if has(State::Missing) {
        hints.push("restore a missing file, or revert it with `strata down` (history keeps its down script)");
    }
    if has(State::OutOfOrder) {
        hints.push("apply out-of-order migrations anyway with `strata up --allow-out-of-order`");
    }
    if has(State::Interrupted) {
        hints.push("finish or undo an interrupted migration by hand, then settle its history row: state 'applied' if its changes are in the database, no row if they are not");
    }
    let mut text = hints.join("; ");
    text.push('.');
    text[..1].make_ascii_uppercase();
    text
}
