//! Printing: colours (only on a terminal, never with NO_COLOR, both handled by
//! `anstream`), durations, and the progress lines of `up` and `down`.

use std::io::Write;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use strata::plan::State;
use strata::{Action, Observer, Summary};

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

/// Prints `Applying 001 create_users_table ... ok (3 ms)` as migrations run.
/// Output errors are ignored here: a closed pipe must not stop a migration midway.
pub struct Progress;

impl Observer for Progress {
    fn waiting_for_lock(&mut self) {
        let _ = writeln!(anstream::stderr(), "Waiting for another strata run on this database to finish...");
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
