//! Printing: colours (only on a terminal, never with NO_COLOR, both handled by
//! `anstream`), durations, and the progress lines of `up` and `down`.

use std::io::Write;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use strata::plan::State;
use strata::{Action, LockWait, Observer, Summary};

pub const BOLD: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const GREEN: Style = AnsiColor::Green.on_default();
pub const RED: Style = AnsiColor::Red.on_default().bold();
pub const YELLOW: Style = AnsiColor::Yellow.on_default();

/// Standard output for a long report, colours handled as by `anstream::stdout()`.
/// The buffer sits under the colour filter: `anstream::stdout()` wraps the
/// line-buffered stdout, so a buffer above it still wrote every line (and every
/// piece between escape codes) with its own system call, 20,000 for a
/// 10,000-line `status`. Call `flush` at the end.
pub fn buffered_stdout() -> anstream::AutoStream<Box<dyn Write>> {
    let stdout = std::io::stdout().lock();
    let choice = anstream::AutoStream::choice(&stdout);
    anstream::AutoStream::new(Box::new(std::io::BufWriter::with_capacity(64 * 1024, stdout)), choice)
}

/// The colour of a state in `status`.
pub fn state_style(state: State) -> Style {
    match state {
        State::Applied => GREEN,
        State::Pending => YELLOW,
        State::OutOfOrder => AnsiColor::Magenta.on_default(),
        State::Modified | State::Missing | State::Interrupted => RED,
    }
}

/// `1 migration`, `2 migrations`.
pub fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}{}", if noun.ends_with('x') { "es" } else { "s" }),
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `3 ms`, `1.24 s`.
pub fn duration(elapsed: Duration) -> String {
    let ms = elapsed.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.2} s", elapsed.as_secs_f64())
    }
}

/// `version 014 (create_backup_utilities)`, or `no version (empty)`.
pub fn version_phrase(summary: &Summary) -> String {
    match &summary.current {
        Some((label, name)) => format!("the database is at version {label} ({name})"),
        None => "no migration is applied".to_owned(),
    }
}

/// Prints `Waiting for the lock on sqlite:app.db: held by strata up (pid 1234)
/// since 2026-11-25 05:40:12 UTC; waiting up to 60 s...` to stderr, or that
/// the lock was taken over from a holder whose lease ran out.
pub fn print_waiting(wait: &LockWait) {
    if wait.took_over {
        let _ = writeln!(
            anstream::stderr(),
            "Took over the lock on {} from {}: its lease ran out (that run stopped renewing it: killed, or cut off \
             from the cluster); what it left unfinished shows as interrupted",
            wait.database,
            wait.holder
        );
        return;
    }
    let _ = writeln!(
        anstream::stderr(),
        "Waiting for the lock on {}: held by {}; waiting up to {} s...",
        wait.database,
        wait.holder,
        wait.timeout.as_secs()
    );
}

/// Prints `Applying 001 create_users_table ... ok (3 ms)` as migrations run.
/// Output errors are ignored here: a closed pipe must not stop a migration midway.
pub struct Progress;

impl Observer for Progress {
    fn waiting_for_lock(&mut self, wait: &LockWait) {
        print_waiting(wait);
    }

    fn started(&mut self, action: Action, label: &str, name: &str) {
        let verb = match action {
            Action::Apply => "Applying",
            Action::Revert => "Reverting",
        };
        let mut out = anstream::stdout();
        let _ = write!(out, "{verb} {BOLD}{label}{BOLD:#} {name} ... ");
        let _ = out.flush();
    }

    fn finished(&mut self, elapsed: Duration) {
        let _ = writeln!(anstream::stdout(), "{GREEN}ok{GREEN:#} {DIM}({}){DIM:#}", duration(elapsed));
    }

    fn failed(&mut self) {
        let _ = writeln!(anstream::stdout(), "{RED}failed{RED:#}");
    }
}

/// Records the steps of `up`, `down` or `redo` for `--json`, printing nothing
/// on stdout (the wait for the lock is still said on stderr).
#[derive(Debug, Default)]
pub struct Recorder {
    steps: Vec<(Action, StepJson)>,
}

/// One applied or reverted migration in `--json` output.
#[derive(Debug, serde::Serialize)]
pub struct StepJson {
    pub version: u64,
    pub label: String,
    pub name: String,
    pub execution_ms: u64,
}

impl Observer for Recorder {
    fn waiting_for_lock(&mut self, wait: &LockWait) {
        Progress.waiting_for_lock(wait);
    }

    fn started(&mut self, action: Action, label: &str, name: &str) {
        let version = label.parse().unwrap_or_default();
        let step = StepJson { version, label: label.to_owned(), name: name.to_owned(), execution_ms: 0 };
        self.steps.push((action, step));
    }

    fn finished(&mut self, elapsed: Duration) {
        if let Some((_, step)) = self.steps.last_mut() {
            step.execution_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        }
    }
}

/// The document `up --json`, `down --json` and `redo --json` print: the
/// database, what was reverted and applied (in the order it ran), and the
/// version afterwards, as `status --json` calls it.
#[derive(Debug, serde::Serialize)]
pub struct RunJson {
    pub database: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverted: Option<Vec<StepJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<Vec<StepJson>>,
    pub current_version: Option<u64>,
}

impl Recorder {
    /// Prints the document for a finished command; `reverted` and `applied`
    /// say which lists the command has.
    pub fn print(
        self,
        database: &strata::DatabaseUrl,
        summary: &Summary,
        reverted: bool,
        applied: bool,
    ) -> std::io::Result<()> {
        let mut reverts = Vec::new();
        let mut applies = Vec::new();
        for (action, step) in self.steps {
            match action {
                Action::Revert => reverts.push(step),
                Action::Apply => applies.push(step),
            }
        }
        let document = RunJson {
            database: database.to_string(),
            reverted: reverted.then_some(reverts),
            applied: applied.then_some(applies),
            current_version: summary.current.as_ref().and_then(|(label, _)| label.parse().ok()),
        };
        writeln!(std::io::stdout().lock(), "{}", serde_json::to_string(&document).map_err(std::io::Error::other)?)
    }
}
