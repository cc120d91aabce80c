//! A plan that is data. `up`, `down` and `redo` run in four stages: under the
//! lock, read the history; plan (the pure planner, `plan.rs`); prepare, which
//! finds every step's script, checks it against the dialect's rules and the
//! database's capabilities and decides how it runs; then execute the plan
//! (`migrator.rs`). A [`Plan`] is the value between the last two: it can be
//! shown (`Display`), handed to an [`crate::Observer`], and holds everything
//! the run needs, so nothing is decided midway.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use crate::check::{check_step, check_up, Rules, Scripts};
use crate::driver::{Capabilities, Driver};
use crate::error::{Error, Result};
use crate::kept::Budget;
use crate::migration::{Migration, Step, StepOptions};
use crate::migrator::Action;
use crate::plan::Revert;

/// How a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In one transaction with its history change: all or nothing.
    Atomic,
    /// Statement by statement, outside a transaction (`transaction:false`, or
    /// a database whose DDL commits implicitly): the history row says the step
    /// is under way before it starts and finished after, so a failure or crash
    /// midway shows as `interrupted`.
    Recorded,
}

/// One step of a plan.
#[derive(Debug)]
pub struct Planned<'m> {
    pub action: Action,
    pub version: u64,
    /// The version as written in the file name.
    pub label: String,
    pub name: String,
    pub mode: Mode,
    /// The step's script (for a revert whose file is gone, the one stored in history).
    pub(crate) step: Cow<'m, Step>,
    /// The migration being applied (`None` for reverts).
    pub(crate) migration: Option<&'m Migration>,
    /// The texts the checks read, when kept (`kept.rs`): for an apply, up and
    /// down; for a revert, the down script.
    pub(crate) kept: Option<Scripts<'m>>,
}

impl Planned<'_> {
    /// The file (or history row) the step's script comes from.
    pub fn file(&self) -> &Path {
        &self.step.file
    }

    /// The line of the script's first statement's section marker.
    pub fn line(&self) -> usize {
        self.step.line
    }

    /// The step's marker options.
    pub fn options(&self) -> StepOptions {
        self.step.options
    }
}

/// What a command will do, in order, and where the database stands after it.
#[derive(Debug)]
pub struct Plan<'m> {
    pub steps: Vec<Planned<'m>>,
    /// The database's version (label, name) once every step has run.
    pub after: Option<(String, String)>,
}

impl fmt::Display for Plan<'_> {
    /// One line a step: `apply 003 (add_posts) from m/003_add_posts.sql:1, in one transaction`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return writeln!(f, "nothing to do");
        }
        for step in &self.steps {
            let verb = match step.action {
                Action::Apply => "apply",
                Action::Revert => "revert",
            };
            let how = match step.mode {
                Mode::Atomic => "in one transaction with its history row",
                Mode::Recorded => "outside a transaction, recorded as under way until it finishes",
            };
            let at = format!("{}:{}", step.file().display(), step.line());
            writeln!(f, "{verb} {} ({}) from {at}, {how}", step.label, step.name)?;
        }
        Ok(())
    }
}

/// The facts about the database a plan is prepared for.
#[derive(Clone, Copy)]
pub(crate) struct Target<'d> {
    pub capabilities: Capabilities,
    pub kind: &'d str,
    pub rules: Rules<'d>,
}

impl<'d> Target<'d> {
    pub fn of(driver: &'d dyn Driver) -> Self {
        Target {
            capabilities: driver.capabilities(),
            kind: driver.kind_name(),
            rules: Rules { history_table: driver.history_table().name(), dialect: driver.dialect() },
        }
    }

    /// How `step`, whose text is `sql` (`None`: not read yet), runs here; an
    /// error, naming file and line, when the step asks for what this database
    /// cannot do. Where DDL commits implicitly, a step runs atomically only
    /// when the dialect reads every statement as one that rolls back (data
    /// changes); a text not read yet counts as one that does not.
    fn mode(&self, step: &Step, sql: Option<&str>) -> Result<Mode> {
        if step.options.foreign_keys_off && !self.capabilities.foreign_keys_switch {
            return Err(Error::file(
                &step.file,
                step.line.saturating_sub(1),
                format!(
                    "`foreign_keys:off` cannot be honoured on {}: it has no switch for foreign-key enforcement; \
                     remove the option (and order the statements so every foreign key holds)",
                    self.kind
                ),
            ));
        }
        let dialect = self.rules.dialect;
        let rolls_back = |sql: &str| dialect.statements(sql).all(|statement| dialect.transactional(statement.sql));
        let atomic =
            !step.options.no_transaction && (self.capabilities.transactional_ddl || sql.is_some_and(rolls_back));
        Ok(if atomic { Mode::Atomic } else { Mode::Recorded })
    }
}

/// Prepares applying `migrations` (the planner's choice, in order).
pub(crate) fn prepare_up<'m>(
    target: Target<'_>,
    migrations: &[&'m Migration],
    budget: &mut Budget,
) -> Result<Vec<Planned<'m>>> {
    migrations
        .iter()
        .map(|migration| {
            let scripts = check_up(migration, &target.rules)?;
            let mode = target.mode(&migration.up, scripts[0].as_deref())?;
            if let Some(down) = &migration.down {
                target.mode(down, scripts[1].as_deref())?;
            }
            let kept = budget.keep(scripts);
            Ok(Planned {
                action: Action::Apply,
                version: migration.version,
                label: migration.label.clone(),
                name: migration.name.clone(),
                mode,
                step: Cow::Borrowed(&migration.up),
                migration: Some(migration),
                kept,
            })
        })
        .collect()
}

/// Prepares the reverts the planner chose, newest first. The down step of each
/// is the file's, or the one stored in history when the file is gone; all are
/// found and checked before anything runs.
pub(crate) fn prepare_down<'m>(
    driver: &mut dyn Driver,
    reverts: &[Revert<'m>],
    budget: &mut Budget,
) -> Result<Vec<Planned<'m>>> {
    let mut planned = Vec::with_capacity(reverts.len());
    for revert in reverts {
        let step = match revert.step {
            Some(step) => Cow::Borrowed(step),
            None => {
                let (sql, options) = driver.stored_down(revert.version)?.ok_or_else(|| revert.not_stored())?;
                let file = format!("{}[{}].down_sql", driver.history_table(), revert.version);
                let options = StepOptions::parse(&options, Path::new(&file), 1)?;
                Cow::Owned(Step::inline(sql, options, file, 1))
            }
        };
        let target = Target::of(driver);
        let (mode, kept) = match &step {
            Cow::Borrowed(step) => {
                let sql = check_step(step, &target.rules)?;
                (target.mode(step, Some(&sql))?, budget.keep([Some(sql), None]))
            }
            Cow::Owned(step) => {
                let sql = check_step(step, &target.rules)?;
                (target.mode(step, Some(&sql))?, None)
            }
        };
        planned.push(Planned {
            action: Action::Revert,
            version: revert.version,
            label: revert.label.clone(),
            name: revert.name.clone(),
            mode,
            step,
            migration: None,
            kept,
        });
    }
    Ok(planned)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::dialect::sqlite::SQLITE;
    use crate::dialect::{Dialect, Statement, Token};
    use crate::migration::Script;

    fn step(no_transaction: bool, foreign_keys_off: bool) -> Step {
        let options = StepOptions { no_transaction, foreign_keys_off };
        Step {
            sql: Script::Inline("CREATE TABLE a (id INTEGER);".into()),
            options,
            file: PathBuf::from("m/002_a.sql"),
            line: 2,
        }
    }

    fn target(capabilities: Capabilities) -> Target<'static> {
        Target { capabilities, kind: "PostgreSQL", rules: Rules::default() }
    }

    #[test]
    fn an_option_the_database_cannot_honour_is_refused_with_file_and_line() {
        let error = target(Capabilities::POSTGRES).mode(&step(false, true), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "m/002_a.sql:1: `foreign_keys:off` cannot be honoured on PostgreSQL: it has no switch for foreign-key \
             enforcement; remove the option (and order the statements so every foreign key holds)"
        );
        assert_eq!(target(Capabilities::SQLITE).mode(&step(false, true), None).unwrap(), Mode::Atomic);
    }

    #[test]
    fn a_step_runs_atomically_only_where_its_ddl_can_roll_back() {
        let sql = Some("CREATE TABLE a (id INTEGER);");
        assert_eq!(target(Capabilities::POSTGRES).mode(&step(false, false), sql).unwrap(), Mode::Atomic);
        assert_eq!(target(Capabilities::POSTGRES).mode(&step(true, false), sql).unwrap(), Mode::Recorded);
    }

    /// SQLite's reading, except that only data changes roll back (as on MySQL).
    struct DataOnly;

    impl Dialect for DataOnly {
        fn name(&self) -> &'static str {
            "DataOnly"
        }
        fn statements<'a>(&self, script: &'a str) -> Box<dyn Iterator<Item = Statement<'a>> + 'a> {
            SQLITE.statements(script)
        }
        fn tokens<'a>(&self, sql: &'a str) -> Box<dyn Iterator<Item = Token<'a>> + 'a> {
            SQLITE.tokens(sql)
        }
        fn transaction_control(&self, statement: &str) -> Option<String> {
            SQLITE.transaction_control(statement)
        }
        fn transactional(&self, statement: &str) -> bool {
            ["INSERT", "UPDATE", "DELETE"].iter().any(|word| statement.starts_with(word))
        }
        fn is_name(&self, token: &Token<'_>, name: &str) -> bool {
            SQLITE.is_name(token, name)
        }
        fn placeholder(&self, n: usize) -> String {
            SQLITE.placeholder(n)
        }
    }

    #[test]
    fn where_ddl_commits_at_once_a_step_of_data_changes_only_still_runs_atomically() {
        static DATA_ONLY: DataOnly = DataOnly;
        let capabilities = Capabilities { transactional_ddl: false, ..Capabilities::POSTGRES };
        let target = Target { capabilities, kind: "MySQL", rules: Rules { dialect: &DATA_ONLY, ..Rules::default() } };
        let mode = |sql: Option<&str>, no_transaction| target.mode(&step(no_transaction, false), sql).unwrap();
        let seeds = "INSERT INTO a VALUES (1);\nUPDATE a SET id = 2;\nDELETE FROM a WHERE id = 3;";
        assert_eq!(mode(Some(seeds), false), Mode::Atomic);
        assert_eq!(mode(Some(seeds), true), Mode::Recorded, "transaction:false is honoured");
        assert_eq!(mode(Some("INSERT INTO a VALUES (1);\nCREATE INDEX i ON a (id);"), false), Mode::Recorded);
        assert_eq!(mode(None, false), Mode::Recorded, "a text not read yet is not known to roll back");
    }

    #[test]
    fn a_plan_shows_each_step_its_source_and_how_it_runs() {
        let (atomic, recorded) = (step(false, false), step(true, false));
        let planned = |action, step: &Step, mode| Planned {
            action,
            version: 2,
            label: "002".into(),
            name: "a".into(),
            mode,
            step: Cow::Owned(step.clone()),
            migration: None,
            kept: None,
        };
        let plan = Plan {
            steps: vec![
                planned(Action::Revert, &recorded, Mode::Recorded),
                planned(Action::Apply, &atomic, Mode::Atomic),
            ],
            after: Some(("002".into(), "a".into())),
        };
        assert_eq!(
            plan.to_string(),
            "revert 002 (a) from m/002_a.sql:2, outside a transaction, recorded as under way until it finishes\n\
             apply 002 (a) from m/002_a.sql:2, in one transaction with its history row\n"
        );
        assert_eq!(Plan { steps: Vec::new(), after: None }.to_string(), "nothing to do\n");
    }
}
