//! The planner: pure functions from (migrations, history) to each version's
//! state and to the steps a command will run. No I/O happens here; every rule
//! about pending, out-of-order, missing and modified migrations lives here.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Error, Result};
use crate::history::{Applied, RowState};
use crate::migration::{Migration, Step};

/// The state of one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// In history, and its file (if any) has the checksum that was applied.
    Applied,
    /// Has a file, not in history, above every applied version.
    Pending,
    /// In history, but the file's up script has changed since.
    Modified,
    /// In history, but no file has this version any more.
    Missing,
    /// Has a file, not in history, below the highest applied version.
    OutOfOrder,
    /// A step run outside a transaction was started and never finished.
    Interrupted,
}

impl State {
    /// The word `status` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified",
            State::Missing => "missing",
            State::OutOfOrder => "out-of-order",
            State::Interrupted => "interrupted",
        }
    }

    /// Whether the database holds this version's changes (fully or in part).
    pub fn is_applied(self) -> bool {
        matches!(self, State::Applied | State::Modified | State::Missing | State::Interrupted)
    }
}

/// One version as `status` reports it.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub version: u64,
    /// The version as written in its file name, or zero-padded like the files.
    pub label: String,
    pub name: String,
    pub state: State,
    pub migration: Option<&'a Migration>,
    pub applied: Option<&'a Applied>,
}

/// Every version known from files or history, in order.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    pub entries: Vec<Entry<'a>>,
}

impl<'a> Report<'a> {
    /// Compares `migrations` (sorted by version) with `history`.
    pub fn new(migrations: &'a [Migration], history: &'a [Applied]) -> Self {
        let width = migrations.first().map_or(3, |m| m.label.len());
        let highest = history.iter().map(|row| row.version).max().unwrap_or(0);
        let mut rows: BTreeMap<u64, (Option<&Migration>, Option<&Applied>)> = BTreeMap::new();
        for migration in migrations {
            rows.entry(migration.version).or_default().0 = Some(migration);
        }
        for row in history {
            rows.entry(row.version).or_default().1 = Some(row);
        }
        let entries = rows
            .into_iter()
            .map(|(version, (migration, applied))| {
                let state = match (migration, applied) {
                    (_, Some(row)) if row.state != RowState::Applied => State::Interrupted,
                    // An empty checksum was never recorded (adopted while its file was gone):
                    // there is nothing to compare the file with, so it is taken as what ran.
                    (Some(m), Some(row)) if !row.checksum.is_empty() && m.checksum != row.checksum => State::Modified,
                    (Some(_), Some(_)) => State::Applied,
                    (None, Some(_)) => State::Missing,
                    (Some(_), None) if version < highest => State::OutOfOrder,
                    (Some(_), None) | (None, None) => State::Pending,
                };
                Entry {
                    version,
                    label: migration.map_or_else(|| format!("{version:0width$}"), |m| m.label.clone()),
                    name: migration
                        .map_or_else(|| applied.map(|row| row.name.clone()).unwrap_or_default(), |m| m.name.clone()),
                    state,
                    migration,
                    applied,
                }
            })
            .collect();
        Report { entries }
    }

    /// The highest version in history, if any.
    pub fn current(&self) -> Option<&Entry<'a>> {
        self.entries.iter().rev().find(|entry| entry.state.is_applied())
    }

    /// How many versions are in `state`.
    pub fn count(&self, state: State) -> usize {
        self.entries.iter().filter(|entry| entry.state == state).count()
    }

    /// The entry of `version`, or [`Error::UnknownVersion`] naming the known range.
    pub(crate) fn find(&self, version: u64) -> Result<&Entry<'a>> {
        self.entries.iter().find(|entry| entry.version == version).ok_or_else(|| Error::UnknownVersion {
            version,
            known: match (self.entries.first(), self.entries.last()) {
                (Some(first), Some(last)) => format!("known versions run from {} to {}", first.label, last.label),
                _ => "no migrations are known".to_owned(),
            },
        })
    }

    /// What stops `up` (or `down`) from running: modified, missing or interrupted versions.
    fn conflicts(&self, states: &[State]) -> Vec<Problem> {
        self.entries.iter().filter(|entry| states.contains(&entry.state)).map(Problem::of).collect()
    }

    /// The migrations `up` applies, in order: pending ones up to `target`.
    pub fn plan_up(&self, target: Option<u64>, allow_out_of_order: bool) -> Result<Vec<&'a Migration>> {
        if let Some(target) = target {
            self.find(target)?;
        }
        let mut problems = self.conflicts(&[State::Modified, State::Missing, State::Interrupted]);
        let chosen: Vec<&Entry<'a>> = self
            .entries
            .iter()
            .filter(|entry| matches!(entry.state, State::Pending | State::OutOfOrder))
            .filter(|entry| target.is_none_or(|target| entry.version <= target))
            .collect();
        if !allow_out_of_order {
            problems
                .extend(chosen.iter().filter(|entry| entry.state == State::OutOfOrder).map(|entry| Problem::of(entry)));
        }
        if !problems.is_empty() {
            return Err(Error::Refused(problems));
        }
        Ok(chosen.into_iter().filter_map(|entry| entry.migration).collect())
    }

    /// The reverts `down` runs, newest first: every applied version above `target`.
    pub fn plan_down(&self, target: u64) -> Result<Vec<Revert<'a>>> {
        if target != 0 {
            self.find(target)?;
        }
        let problems = self.conflicts(&[State::Interrupted]);
        if !problems.is_empty() {
            return Err(Error::Refused(problems));
        }
        let mut reverts = Vec::new();
        let mut stuck = Vec::new();
        for entry in self.entries.iter().rev().filter(|entry| entry.state.is_applied() && entry.version > target) {
            match Revert::of(entry) {
                Ok(revert) => reverts.push(revert),
                Err(no_down) => stuck.push(no_down),
            }
        }
        match stuck.is_empty() {
            true => Ok(reverts),
            false => Err(Error::Irreversible(stuck)),
        }
    }
}

/// One migration to revert and where its down script comes from.
#[derive(Debug, Clone)]
pub struct Revert<'a> {
    pub version: u64,
    pub label: String,
    pub name: String,
    /// The file's down section, or `None` when the file is gone and the
    /// script stored in history at apply time must be used.
    pub step: Option<&'a Step>,
}

impl<'a> Revert<'a> {
    /// The revert of an applied entry, or why it has none.
    fn of(entry: &Entry<'a>) -> Result<Self, NoDown> {
        let step = match entry.migration {
            Some(migration) => Some(migration.down.as_ref().ok_or_else(|| NoDown::of(entry, migration))?),
            None if entry.applied.is_some_and(|row| row.has_down) => None,
            None => return Err(NoDown::new(entry.version, &entry.label, &entry.name, Why::NotStored)),
        };
        Ok(Revert { version: entry.version, label: entry.label.clone(), name: entry.name.clone(), step })
    }

    /// The error when history turns out to hold no down script for this revert.
    pub(crate) fn not_stored(&self) -> Error {
        Error::Irreversible(vec![NoDown::new(self.version, &self.label, &self.name, Why::NotStored)])
    }
}

/// A migration `down` would cross that has no down script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoDown {
    pub version: u64,
    pub label: String,
    pub name: String,
    pub why: Why,
}

/// Why a migration has no down script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Its file has no `-- migrate:down` section.
    NoSection,
    /// Its pair layout has no `.down.sql` file.
    NoFile,
    /// Its down section holds only comments or white space.
    NoStatement,
    /// Its file is gone and history stored no down script when it was applied.
    NotStored,
}

impl NoDown {
    pub fn new(version: u64, label: &str, name: &str, why: Why) -> Self {
        NoDown { version, label: label.to_owned(), name: name.to_owned(), why }
    }

    fn of(entry: &Entry<'_>, migration: &Migration) -> Self {
        let pair = migration.up.file.to_str().is_some_and(|file| file.ends_with(".up.sql"));
        let why = match (migration.down_is_empty, pair) {
            (true, _) => Why::NoStatement,
            (false, true) => Why::NoFile,
            (false, false) => Why::NoSection,
        };
        NoDown::new(entry.version, &entry.label, &entry.name, why)
    }
}

impl fmt::Display for NoDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.why {
            Why::NoSection => "has no `-- migrate:down` section",
            Why::NoFile => "has no .down.sql file",
            Why::NoStatement => "its `-- migrate:down` section has no statement",
            Why::NotStored => "its file is gone, and history holds no down script for it",
        };
        write!(f, "{} {}: {why}", self.label, self.name)
    }
}

/// Why history and files disagree, for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub label: String,
    pub name: String,
    pub state: State,
}

impl Problem {
    fn of(entry: &Entry<'_>) -> Self {
        Problem { label: entry.label.clone(), name: entry.name.clone(), state: entry.state }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.state {
            State::Modified => "applied, but its file has changed since (checksum differs)",
            State::Missing => "applied, but its file is gone",
            State::OutOfOrder => "pending, but older than the newest applied migration (out of order)",
            State::Interrupted => "started outside a transaction and never finished: the database may hold part of it",
            State::Applied | State::Pending => "fine",
        };
        write!(f, "{} {}: {why}", self.label, self.name)
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
