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
/// Exit code: `status --exit-code` / `check` found the database not up to date.
pub const NOT_UP_TO_DATE: u8 = 4;
/// Exit code: the lock could not be taken within the lock timeout.
pub const LOCKED: u8 = 5;

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

    /// Exit with `code` and print nothing more: the command's output said it all.
    pub fn exit(code: u8) -> Self {
        Failure { message: String::new(), hint: None, code }
    }

    /// A database that could not be read or written (exit code 1).
    pub fn failed(message: impl Display, hint: impl Into<Option<String>>) -> Self {
        Failure { message: message.to_string(), hint: hint.into(), code: FAILED }
    }

    /// Prints `Error: …` and `Hint: …` to stderr and returns the exit code.
    /// Passwords are redacted, whichever layer wrote the message.
    /// Output that went to a closed pipe is not an error.
    pub fn report(self) -> ExitCode {
        if self.code == 0 {
            return ExitCode::SUCCESS;
        }
        let mut stderr = anstream::stderr().lock();
        if !self.message.is_empty() {
            let red = anstyle::AnsiColor::Red.on_default().bold();
            let _ = writeln!(stderr, "{red}Error:{red:#} {}", strata::redact_text(&self.message));
        }
        if let Some(hint) = self.hint {
            let cyan = anstyle::AnsiColor::Cyan.on_default();
            let _ = writeln!(stderr, "{cyan}Hint:{cyan:#} {}", strata::redact_text(&hint));
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
            ErrorKind::Locked => LOCKED,
        };
        Failure { hint: hint(&error), message: error.to_string(), code }
    }
}

fn hint(error: &Error) -> Option<String> {
    let text = match error {
        Error::Statement { code: Some(code), rolled_back: true, .. } if &**code == strata::driver::IN_TRANSACTION => {
            "this statement cannot run inside a transaction (VACUUM, CREATE INDEX CONCURRENTLY, or BEGIN/COMMIT written in the script): \
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
        Error::Statement { label, rolled_back: false, direction, .. } => unfinished_hint(label, *direction),
        Error::ForeignKeyViolations { .. } => "every foreign key must hold when a foreign_keys:off step commits, including rows that were broken before it; \
            `PRAGMA foreign_key_check` lists them. Fix those rows (or the migration), then run it again."
            .to_owned(),
        Error::Refused(problems) => refused_hint(problems),
        Error::RepairRefused { resolution, .. } => repair_refused_hint(*resolution),
        Error::Irreversible(stuck) => irreversible_hint(stuck),
        Error::UnknownVersion { .. } => "`strata status` lists every known version.".to_owned(),
        Error::InvalidFile { .. } | Error::DuplicateVersion { .. } => {
            "every .sql file in the migrations folder must be a migration; fix or move the file named above.".to_owned()
        }
        Error::ForeignHistory { writebot: true, .. } => "`strata adopt` converts it into Strata's history table in \
            place, in one transaction: it keeps each recorded version and when it was applied, takes names and \
            checksums from the migration files, and keeps the old table as migration_history_before_strata. \
            Back up the database first."
            .to_owned(),
        Error::ForeignHistory { writebot: false, .. } => "Strata's history table has the columns version, name, \
            applied_at, execution_ms, checksum, state, up_sql, down_sql, down_options; `strata adopt` converts only \
            the table of WriteBot's Python runner (id, version, name, applied_at). Rename this table, or point \
            Strata at another database."
            .to_owned(),
        Error::HistoryValue { table, version, column, .. } => history_value_hint(table, version, column),
        Error::HistoryChanged { label, rolled_back: true, direction, .. } => format!(
            "only Strata may write the history table. {} Remove what writes to it from {label} (a statement, or a \
             trigger that a statement sets off), then run `strata {}` again.",
            match direction {
                Direction::Up => format!("{label} was not applied; the migrations before it stay applied."),
                Direction::Down => format!("{label} stays applied, and so does everything below it."),
            },
            if *direction == Direction::Up { "up" } else { "down" }
        ),
        Error::HistoryChanged { label, rolled_back: false, .. } => format!(
            "what {label} did stays done, and the history table no longer records what is applied: restore the \
             database from a backup, or put the lost rows back by hand (`strata status` shows what Strata sees now)."
        ),
        Error::AdoptRefused { .. } => {
            "fix what is named above (back up the database first), then run `strata adopt` again.".to_owned()
        }
        Error::UnreadableFolder { path, .. } => format!(
            "make it readable for the user running strata (`chmod u+rx {}`), or point --dir or `migrations` in strata.toml at the right folder.",
            path.display()
        ),
        Error::OtherLayout { .. } => "Strata reads {version}_{description}.sql files (or .up.sql and .down.sql pairs) \
            directly in the migrations folder, with `-- migrate:up` and `-- migrate:down` sections; convert each migration \
            to one, or point --dir or `migrations` in strata.toml at the right folder."
            .to_owned(),
        Error::EmptyUp { .. } => format!("write its statements in the `-- migrate:up` section {NO_OP}."),
        Error::LockLost { .. } => "the run that took the lock over goes on with the work; `strata status` shows where \
            things stand. If this happens without a frozen process or a network cut, raise `lock_lease` in strata.toml."
            .to_owned(),
        Error::LockTimeout { .. } => "another strata run is at work on this database: let it finish, or wait longer \
            with --lock-timeout SECONDS (or `lock_timeout` in strata.toml)."
            .to_owned(),
        Error::FileChanged { direction: Direction::Up, .. } => "the file was edited while Strata ran: nothing of this migration ran, and what is reported done above stays done. `strata status` shows where the database is; run `strata up` to apply the file as it is now.".to_owned(),
        Error::FileChanged { direction: Direction::Down, .. } => "the file was edited while Strata ran: this migration was not reverted, and what is reported done above stays done. `strata status` shows where the database is; run `strata down` again to revert with the file as it is now.".to_owned(),
        _ => return None,
    };
    Some(text)
}

/// How to fix a history value Strata never writes.
fn history_value_hint(table: &str, version: &str, column: &str) -> String {
    let row = match version {
        "NULL" => "version IS NULL".to_owned(),
        version => format!("version = {version}"),
    };
    match column {
        "execution_ms" => format!("set it to a whole number, e.g. `UPDATE {table} SET execution_ms = 0 WHERE {row}`."),
        "state" => format!(
            "`UPDATE {table} SET state = 'applied' WHERE {row}` if the migration's changes are in the database, \
             `DELETE FROM {table} WHERE {row}` if they are not."
        ),
        "version" => format!(
            "set it to the version of the migration the row records (`UPDATE {table} SET version = … WHERE {row}`), \
             or delete the row if that migration's changes are not in the database."
        ),
        column => format!("give it a value, e.g. `UPDATE {table} SET {column} = '…' WHERE {row}`; a backup holds the one Strata wrote."),
    }
}

/// How to write a step that changes nothing on purpose: the same words for an
/// empty up and an empty down section.
const NO_OP: &str = "(`SELECT 1;` for a step that deliberately does nothing)";

/// `stuck` is newest first: going down to the first one crosses none of them.
fn irreversible_hint(stuck: &[strata::plan::NoDown]) -> String {
    let them = if stuck.len() == 1 { "it" } else { "each of them" };
    let mut text = format!("write the statements that undo {them} in its `-- migrate:down` section {NO_OP}");
    if let Some(newest) = stuck.first() {
        text.push_str(&format!(", or go down no further than {0} (`strata down {0}`)", newest.label));
    }
    text.push('.');
    text
}

/// A step that could not be rolled back: say what state it is in and how to settle it.
fn unfinished_hint(label: &str, direction: Direction) -> String {
    let (what, done, undone) = match direction {
        Direction::Up => (format!("migration {label}"), "--applied", "--reverted"),
        Direction::Down => (format!("the revert of {label}"), "--reverted", "--applied"),
    };
    format!(
        "{what} ran outside a transaction (transaction:false, or DDL that this database commits at once), so the \
         statements before the failing one stay done and history marks it interrupted (`strata status` shows \
         where it stopped). Finish or undo it by hand, then run `strata repair {label} {done}` (finished) or \
         `strata repair {label} {undone}` (undone)."
    )
}

/// `repair` of a version that is not interrupted: the command that does what was likely meant.
fn repair_refused_hint(resolution: strata::Resolution) -> String {
    let text = match resolution {
        strata::Resolution::Reverted => {
            "`strata down` reverts a migration by running its down script; add --force \
            only if its changes are not in the database."
        }
        strata::Resolution::Applied => {
            "`strata up` applies a pending migration; add --force only if its changes \
            are in the database already (made by hand or by another tool)."
        }
    };
    format!("`strata repair` settles interrupted migrations (`strata status` shows them). {text}")
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
    let interrupted: Vec<&str> =
        problems.iter().filter(|problem| problem.state == State::Interrupted).map(|p| p.label.as_str()).collect();
    let repair = match interrupted.as_slice() {
        [] => String::new(),
        [label] => format!(
            "finish or undo interrupted migration {label} by hand, then run `strata repair {label} --applied` (its changes are \
             in the database) or `strata repair {label} --reverted` (they are not)"
        ),
        _ => "finish or undo each interrupted migration by hand, then run `strata repair VERSION --applied` (its \
              changes are in the database) or `strata repair VERSION --reverted` (they are not)"
            .to_owned(),
    };
    if !repair.is_empty() {
        hints.push(&repair);
    }
    let mut text = hints.join("; ");
    text.push('.');
    text[..1].make_ascii_uppercase();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `redo` reverts, then finds the file edited: the migration is now
    /// reverted, so the way on is `strata up`, not running `redo` again (which
    /// would revert the migration below it).
    #[test]
    fn a_file_changed_before_its_apply_points_at_up_and_before_its_revert_at_down() {
        let changed = |direction| Failure::from(Error::FileChanged { file: "m/003_a.sql".into(), direction });
        let up = changed(Direction::Up);
        assert_eq!(up.code, INVALID);
        assert!(up.hint.as_deref().unwrap().ends_with("run `strata up` to apply the file as it is now."));
        let down = changed(Direction::Down);
        assert!(down.hint.as_deref().unwrap().contains("run `strata down` again"));
    }

    /// One interrupted migration is named in the repair commands; several get a placeholder.
    #[test]
    fn the_interrupted_refusal_names_the_repair_command() {
        use strata::plan::{Problem, State};
        let interrupted = |label: &str| Problem { label: label.into(), name: "a".into(), state: State::Interrupted };
        let one = Failure::from(Error::Refused(vec![interrupted("012")]));
        assert_eq!(one.code, REFUSED);
        assert!(one.hint.as_deref().unwrap().contains("run `strata repair 012 --applied`"), "{one:?}");
        let two = Failure::from(Error::Refused(vec![interrupted("012"), interrupted("013")]));
        assert!(two.hint.as_deref().unwrap().contains("`strata repair VERSION --reverted` (they are not)."), "{two:?}");
    }

    #[test]
    fn a_refused_repair_exits_3() {
        let refused = Error::RepairRefused {
            version: 3,
            label: "003".into(),
            name: "c".into(),
            state: strata::plan::State::Applied,
            resolution: strata::Resolution::Reverted,
        };
        assert_eq!(Failure::from(refused).code, REFUSED);
    }
}
