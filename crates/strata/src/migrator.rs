//! The engine's entry point: a set of migrations applied to, reverted from
//! and compared with a database through a [`Driver`].

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use crate::driver::{Driver, Dropped};
use crate::error::Result;
use crate::history::{utc_now, Applied, Record};
use crate::kept::Budget;
use crate::migration::{Direction, Migration};
use crate::plan::{Entry, Problem, Report, State};
use crate::prepared::{prepare_down, prepare_up, Plan, Planned, Target};
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
    /// The plan is prepared and checked; it runs next.
    fn planned(&mut self, _plan: &Plan<'_>) {}
    /// A migration starts.
    fn started(&mut self, _action: Action, _label: &str, _name: &str) {}
    /// The migration that started last finished.
    fn finished(&mut self, _elapsed: Duration) {}
    /// The migration that started last failed (the error follows as the result).
    fn failed(&mut self) {}
}

/// An observer that ignores everything.
impl Observer for () {}

/// What `up` is asked to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Up {
    /// Apply pending migrations up to and including this version (all when `None`).
    pub target: Option<u64>,
    /// Apply pending migrations older than the newest applied one too.
    pub allow_out_of_order: bool,
}

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
/// let summary = migrator.up(db.as_mut(), &strata::Up::default(), &mut ())?;
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

    /// Applies pending migrations in order, as `options` say.
    pub fn up(&self, driver: &mut dyn Driver, options: &Up, observer: &mut dyn Observer) -> Result<Summary> {
        locked(driver, observer, |driver, observer| {
            let history = self.history(driver)?;
            let report = Report::new(&self.migrations, &history);
            let chosen = report.plan_up(options.target, options.allow_out_of_order)?;
            let steps = prepare_up(Target::of(driver), &chosen, &mut Budget::new())?;
            let applied = |entry: &Entry<'_>| {
                entry.state.is_applied() || chosen.binary_search_by_key(&entry.version, |m| m.version).is_ok()
            };
            execute(driver, Plan { steps, after: after(&report, applied) }, observer)
        })
    }

    /// Reverts every applied migration above `target`, newest first (`0` reverts all).
    pub fn down(&self, driver: &mut dyn Driver, target: u64, observer: &mut dyn Observer) -> Result<Summary> {
        locked(driver, observer, |driver, observer| {
            let history = self.history(driver)?;
            let report = Report::new(&self.migrations, &history);
            let plan = prepare_revert(driver, &report, target, &mut Budget::new())?;
            execute(driver, plan, observer)
        })
    }

    /// Reverts the newest applied migration only (as dbmate's `rollback`).
    pub fn down_newest(&self, driver: &mut dyn Driver, observer: &mut dyn Observer) -> Result<Summary> {
        locked(driver, observer, |driver, observer| {
            let history = self.history(driver)?;
            let report = Report::new(&self.migrations, &history);
            let plan = prepare_revert(driver, &report, below_newest(&report), &mut Budget::new())?;
            execute(driver, plan, observer)
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
            let after = after(&report, |entry| entry.state.is_applied());
            let Some(newest) = report.current().and_then(|entry| entry.migration) else {
                return execute(driver, Plan { steps: Vec::new(), after }, observer);
            };
            let mut budget = Budget::new();
            let mut plan = prepare_revert(driver, &report, below_newest(&report), &mut budget)?;
            plan.steps.extend(prepare_up(Target::of(driver), &[newest], &mut budget)?);
            // A redo counts as one migration redone.
            let mut summary = execute(driver, Plan { steps: plan.steps, after }, observer)?;
            summary.count = 1;
            Ok(summary)
        })
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

/// The database's version after a command: the newest entry for which
/// `applied_after` holds, so that the history need not be read a second time.
fn after(report: &Report<'_>, applied_after: impl Fn(&Entry<'_>) -> bool) -> Option<(String, String)> {
    let current = report.entries.iter().rev().find(|entry| applied_after(entry));
    current.map(|entry| (entry.label.clone(), entry.name.clone()))
}

/// The plan of reverting every applied migration above `target`.
fn prepare_revert<'m>(
    driver: &mut dyn Driver,
    report: &Report<'m>,
    target: u64,
    budget: &mut Budget,
) -> Result<Plan<'m>> {
    let reverts = report.plan_down(target)?;
    let steps = prepare_down(driver, &reverts, budget)?;
    let kept = |entry: &Entry<'_>| entry.state.is_applied() && entry.version <= target;
    Ok(Plan { steps, after: after(report, kept) })
}

/// Runs a prepared plan, step by step, telling `observer`.
fn execute(driver: &mut dyn Driver, plan: Plan<'_>, observer: &mut dyn Observer) -> Result<Summary> {
    observer.planned(&plan);
    let mut guard = Guard::default();
    if !plan.steps.is_empty() {
        driver.watch_history()?;
    }
    let mut elapsed = Duration::ZERO;
    for step in &plan.steps {
        driver.check_lock()?;
        observer.started(step.action, &step.label, &step.name);
        elapsed += run_observed(observer, run_planned(driver, step, &mut guard))?;
    }
    Ok(Summary { count: plan.steps.len(), elapsed, current: plan.after })
}

/// Runs one step of a plan. A script not kept from the checks is read (and
/// verified) here; that read can fail too, and the observer hears of it as a
/// failed step.
fn run_planned(driver: &mut dyn Driver, planned: &Planned<'_>, guard: &mut Guard) -> Result<Duration> {
    let direction = match planned.action {
        Action::Apply => Direction::Up,
        Action::Revert => Direction::Down,
    };
    let subject = Subject { version: planned.version, label: &planned.label, name: &planned.name, direction };
    let Some(migration) = planned.migration else {
        let sql = match &planned.kept {
            Some([Some(sql), _]) => Cow::Borrowed(sql.as_ref()),
            _ => planned.step.text()?,
        };
        let change = HistoryChange::Delete(planned.version);
        return run_step(driver, &subject, &planned.step, planned.mode, &sql, change, guard);
    };
    let (up_sql, down_sql) = match &planned.kept {
        Some([Some(up), down]) => (Cow::Borrowed(up.as_ref()), down.as_deref().map(Cow::Borrowed)),
        _ => migration.scripts()?,
    };
    let record = Record {
        version: migration.version,
        name: &migration.name,
        checksum: &migration.checksum,
        applied_at: utc_now(),
        execution_ms: 0,
        state: crate::history::RowState::Applied,
        up_sql: &up_sql,
        down_sql: down_sql.as_deref(),
        down_options: migration.down.as_ref().map(|step| step.options.to_marker_text()).unwrap_or_default(),
    };
    run_step(driver, &subject, &migration.up, planned.mode, &up_sql, HistoryChange::Insert(record), guard)
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
