//! The engine's entry point: a set of migrations applied to, reverted from
//! and compared with a database through a [`Driver`].

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use crate::check::{check_step, check_up, Scripts};
use crate::driver::{Driver, Dropped};
use crate::error::Result;
use crate::history::{utc_now, Applied, Record};
use crate::kept::Budget;
use crate::migration::{Direction, Migration, Step, StepOptions};
use crate::plan::{Entry, Problem, Report, Revert, State};
use crate::run::{run_step, Guard, HistoryChange, Subject};

/// Which way a step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Apply,
    Revert,
}

/// Hears about progress, e.g. to print it. Every method does nothing by default.
pub trait Observer {
    /// Another runner holds the lock; this one waits for it, at most `wait.timeout`.
    fn waiting_for_lock(&mut self, _wait: &crate::driver::LockWait) {}
    /// A migration starts.
    fn started(&mut self, _action: Action, _label: &str, _name: &str) {}
    /// The migration that started last finished.
    fn finished(&mut self, _elapsed: Duration) {}
    /// The migration that started last failed (the error follows as the result).
    fn failed(&mut self) {}
}

/// An observer that ignores everything.
impl Observer for () {}

/// What `up` or `down` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// How many migrations were applied or reverted.
    pub count: usize,
    /// The time spent in migrations.
    pub elapsed: Duration,
    /// The database's version afterwards (label and name), `None` when empty.
    pub current: Option<(String, String)>,
}

/// A set of migrations, ready to be run against databases.
///
/// ```
/// use strata::{Migrator, DatabaseUrl};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("001_create_notes.sql"),
///     "-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n-- migrate:down\nDROP TABLE notes;\n")?;
/// let migrator = Migrator::from_dir(dir.path())?;
/// let mut db = strata::open(&DatabaseUrl::parse("sqlite::memory:")?)?;
/// let summary = migrator.up(db.as_mut(), None, false, &mut ())?;
/// assert_eq!(summary.count, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Migrator {
    migrations: Vec<Migration>,
}

impl Migrator {
    /// Uses `migrations` (from files, embedded, or built in code); two with
    /// one version are an error.
    pub fn new(mut migrations: Vec<Migration>) -> Result<Self> {
        migrations.sort_by_key(|migration| migration.version);
        if let Some(pair) = migrations.windows(2).find(|pair| pair[0].version == pair[1].version) {
            return Err(crate::Error::DuplicateVersion {
                version: pair[0].version,
                first: pair[0].up.file.clone(),
                second: pair[1].up.file.clone(),
            });
        }
        Ok(Migrator { migrations })
    }

    /// Reads every migration in `dir`; see [`crate::source::load_dir`].
    pub fn from_dir(dir: &Path) -> Result<Self> {
        Migrator::new(crate::source::load_dir(dir)?)
    }

    /// [`Migrator::from_dir`], keeping a cache of what each file held in
    /// `cache_dir`; see [`crate::source::load_dir_cached`].
    pub fn from_dir_cached(dir: &Path, cache_dir: &Path) -> Result<Self> {
        Migrator::new(crate::source::load_dir_cached(dir, cache_dir)?)
    }

    /// The migrations, sorted by version.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// Reads the database's history (creating the table on first use).
    pub fn history(&self, driver: &mut dyn Driver) -> Result<Vec<Applied>> {
        driver.ensure_history()?;
        driver.read_history()
    }

    /// Applies pending migrations in order, up to and including `target`.
    pub fn up(
        &self,
        driver: &mut dyn Driver,
        target: Option<u64>,
        allow_out_of_order: bool,
        observer: &mut dyn Observer,
    ) -> Result<Summary> {
        locked(driver, observer, |driver, observer| {
            let history = self.history(driver)?;
            let report = Report::new(&self.migrations, &history);
            let plan = report.plan_up(target, allow_out_of_order)?;
            let mut budget = Budget::new();
            let checked = plan.iter().map(|m| Ok(budget.keep(check_up(m)?))).collect::<Result<Vec<_>>>()?;
            let mut guard = watch(driver, !plan.is_empty())?;
            let mut elapsed = Duration::ZERO;
            for (migration, scripts) in plan.iter().zip(checked) {
                observer.started(Action::Apply, &migration.label, &migration.name);
                elapsed += run_observed(observer, apply(driver, migration, scripts, &mut guard))?;
            }
            let applied = |entry: &Entry<'_>| {
                entry.state.is_applied() || plan.binary_search_by_key(&entry.version, |m| m.version).is_ok()
            };
            Ok(summary(&report, plan.len(), elapsed, applied))
        })
    }

    /// Reverts every applied migration above `target`, newest first (`0` reverts all).
    pub fn down(&self, driver: &mut dyn Driver, target: u64, observer: &mut dyn Observer) -> Result<Summary> {
        locked(driver, observer, |driver, observer| {
            let history = self.history(driver)?;
            self.revert_above(driver, &Report::new(&self.migrations, &history), target, observer)
        })
    }

    /// Reverts the newest applied migration only (as dbmate's `rollback`).
    pub fn down_newest(&self, driver: &mut dyn Driver, observer: &mut dyn Observer) -> Result<Summary> {
        locked(driver, observer, |driver, observer| {
            let history = self.history(driver)?;
            let report = Report::new(&self.migrations, &history);
            let target = below_newest(&report);
            self.revert_above(driver, &report, target, observer)
        })
    }

    /// Reverts the newest applied migration and applies it again from its
    /// file, under one lock; each step is its own transaction. Refuses,
    /// changing nothing, when any migration is modified, missing or
    /// interrupted, as `up` would. `count` is 0 when nothing is applied.
    pub fn redo(&self, driver: &mut dyn Driver, observer: &mut dyn Observer) -> Result<Summary> {
        locked(driver, observer, |driver, observer| {
            let history = self.history(driver)?;
            let report = Report::new(&self.migrations, &history);
            let problems: Vec<Problem> = report
                .entries
                .iter()
                .filter(|entry| matches!(entry.state, State::Modified | State::Missing | State::Interrupted))
                .map(|entry| Problem { label: entry.label.clone(), name: entry.name.clone(), state: entry.state })
                .collect();
            if !problems.is_empty() {
                return Err(crate::Error::Refused(problems));
            }
            let Some(newest) = report.current().and_then(|entry| entry.migration) else {
                return Ok(summary(&report, 0, Duration::ZERO, |entry| entry.state.is_applied()));
            };
            let scripts = Budget::new().keep(check_up(newest)?);
            let reverted = self.revert_above(driver, &report, below_newest(&report), observer)?;
            observer.started(Action::Apply, &newest.label, &newest.name);
            let mut guard = watch(driver, true)?;
            let elapsed = reverted.elapsed + run_observed(observer, apply(driver, newest, scripts, &mut guard))?;
            Ok(summary(&report, 1, elapsed, |entry| entry.state.is_applied()))
        })
    }

    /// The body of `down`, with the lock held and the history read.
    fn revert_above(
        &self,
        driver: &mut dyn Driver,
        report: &Report<'_>,
        target: u64,
        observer: &mut dyn Observer,
    ) -> Result<Summary> {
        let plan = report.plan_down(target)?;
        let steps = down_steps(driver, &plan)?;
        let mut budget = Budget::new();
        let checked =
            steps.iter().map(|step| Ok(budget.keep([Some(check_step(step)?)]))).collect::<Result<Vec<_>>>()?;
        let mut guard = watch(driver, !plan.is_empty())?;
        let mut elapsed = Duration::ZERO;
        for ((revert, step), kept) in plan.iter().zip(&steps).zip(checked) {
            observer.started(Action::Revert, &revert.label, &revert.name);
            let subject = Subject {
                version: revert.version,
                label: &revert.label,
                name: &revert.name,
                direction: Direction::Down,
            };
            // Reading the file again can fail too: the observer hears of it as a failed step.
            let sql = match kept {
                Some([Some(sql)]) => Ok(sql),
                _ => step.text(),
            };
            let change = HistoryChange::Delete(revert.version);
            let result = sql.and_then(|sql| run_step(driver, &subject, step, &sql, change, &mut guard));
            elapsed += run_observed(observer, result)?;
        }
        let kept = |entry: &Entry<'_>| entry.state.is_applied() && entry.version <= target;
        Ok(summary(report, plan.len(), elapsed, kept))
    }

    /// Converts the history table of WriteBot's Python runner into Strata's,
    /// under the lock and in one transaction; see [`crate::adopt`].
    pub fn adopt(&self, driver: &mut dyn Driver, observer: &mut dyn Observer) -> Result<crate::adopt::Adoption> {
        locked(driver, observer, |driver, _| crate::adopt::adopt(driver, &self.migrations))
    }

    /// Records an interrupted migration (a `transaction:false` step that never
    /// finished) as applied or as not applied, under the lock, after a person
    /// finished or undid it by hand; runs nothing. A version that is not
    /// interrupted is refused unless `force`; see [`crate::repair`].
    pub fn repair(
        &self,
        driver: &mut dyn Driver,
        version: u64,
        resolution: crate::repair::Resolution,
        force: bool,
        observer: &mut dyn Observer,
    ) -> Result<crate::repair::Repaired> {
        locked(driver, observer, |driver, _| {
            crate::repair::repair(driver, &self.migrations, version, resolution, force)
        })
    }

    /// Drops every table, view, trigger and index and empties the history.
    pub fn reset(&self, driver: &mut dyn Driver, observer: &mut dyn Observer) -> Result<Dropped> {
        locked(driver, observer, |driver, _| {
            driver.ensure_history()?;
            driver.drop_all()
        })
    }
}

/// The version just below the newest applied one (0 when there is none), so
/// that going down to it reverts the newest only.
fn below_newest(report: &Report<'_>) -> u64 {
    let mut applied = report.entries.iter().rev().filter(|entry| entry.state.is_applied());
    applied.nth(1).map_or(0, |entry| entry.version)
}

/// The summary of a command that ran `count` steps; the database's version
/// afterwards is the newest entry for which `applied_after` holds, so that
/// the history need not be read a second time.
fn summary(
    report: &Report<'_>,
    count: usize,
    elapsed: Duration,
    applied_after: impl Fn(&Entry<'_>) -> bool,
) -> Summary {
    let current = report.entries.iter().rev().find(|entry| applied_after(entry));
    Summary { count, elapsed, current: current.map(|entry| (entry.label.clone(), entry.name.clone())) }
}

/// Starts watching the history table for writes that are not Strata's, when steps will run.
fn watch(driver: &mut dyn Driver, steps_to_run: bool) -> Result<Guard> {
    if steps_to_run {
        driver.watch_history()?;
    }
    Ok(Guard::default())
}

/// Applies one migration; file-backed scripts are read (and verified) here, one migration at a time.
/// `scripts` are the texts the checks read, when they were kept; else the file is read again.
fn apply(
    driver: &mut dyn Driver,
    migration: &Migration,
    scripts: Option<Scripts<'_>>,
    guard: &mut Guard,
) -> Result<Duration> {
    let (up_sql, down_sql) = match scripts {
        Some([Some(up), down]) => (up, down),
        _ => migration.scripts()?,
    };
    let down = migration.down.as_ref();
    let record = Record {
        version: migration.version,
        name: &migration.name,
        checksum: &migration.checksum,
        applied_at: utc_now(),
        execution_ms: 0,
        state: crate::history::RowState::Applied,
        up_sql: &up_sql,
        down_sql: down_sql.as_deref(),
        down_options: down.map(|step| step.options.to_marker_text()).unwrap_or_default(),
    };
    let subject = Subject {
        version: migration.version,
        label: &migration.label,
        name: &migration.name,
        direction: Direction::Up,
    };
    run_step(driver, &subject, &migration.up, &up_sql, HistoryChange::Insert(record), guard)
}

/// The down step of every revert: the file's, or the one stored in history when
/// the file is gone. All are found before anything runs, so that a missing one
/// stops `down` before it starts.
fn down_steps<'a>(driver: &mut dyn Driver, plan: &[Revert<'a>]) -> Result<Vec<Cow<'a, Step>>> {
    plan.iter()
        .map(|revert| {
            if let Some(step) = revert.step {
                return Ok(Cow::Borrowed(step));
            }
            let (sql, options) = driver.stored_down(revert.version)?.ok_or_else(|| revert.not_stored())?;
            let file = format!("{}[{}].down_sql", crate::history::TABLE, revert.version);
            let options = StepOptions::parse(&options, Path::new(&file), 1)?;
            Ok(Cow::Owned(Step::inline(sql, options, file, 1)))
        })
        .collect()
}

fn run_observed(observer: &mut dyn Observer, result: Result<Duration>) -> Result<Duration> {
    match &result {
        Ok(elapsed) => observer.finished(*elapsed),
        Err(_) => observer.failed(),
    }
    result
}

/// Runs `work` while holding the driver's lock, and always releases it. A
/// driver from [`crate::open_locked`] holds it already (with the caller's
/// timeout); any other waits up to [`crate::driver::DEFAULT_LOCK_TIMEOUT`].
fn locked<T>(
    driver: &mut dyn Driver,
    observer: &mut dyn Observer,
    work: impl FnOnce(&mut dyn Driver, &mut dyn Observer) -> Result<T>,
) -> Result<T> {
    driver.lock(&crate::driver::LockRequest::default(), &mut |wait| observer.waiting_for_lock(wait))?;
    let result = work(driver, observer);
    let unlocked = driver.unlock();
    let value = result?;
    unlocked?;
    Ok(value)
}
