use std::io::Write;

use clap::Args;
use strata::plan::{Problem, State};

use crate::config::Settings;
use crate::failure::{Failure, NOT_UP_TO_DATE};

/// Exit 0 when every migration is applied, else list what is not and exit 4 (for CI)
///
/// The same test as `status --exit-code`: pending, out-of-order, modified,
/// missing and interrupted migrations each get one line.
#[derive(Debug, Args)]
pub struct CheckArgs {}

pub fn cmd_check(settings: &Settings, _args: &CheckArgs) -> Result<(), Failure> {
    super::status::with_report(settings, false, |_, report| {
        let mut out = anstream::stdout().lock();
        if super::status::is_up_to_date(report) {
            match report.current() {
                Some(entry) => {
                    writeln!(out, "Up to date: the database is at version {} ({}).", entry.label, entry.name)?
                }
                None => writeln!(out, "Up to date: there are no migrations.")?,
            }
            return Ok(());
        }
        for entry in report.entries.iter().filter(|entry| entry.state != State::Applied) {
            match entry.state {
                State::Pending => writeln!(out, "{} {}: pending", entry.label, entry.name)?,
                state => {
                    let problem = Problem { label: entry.label.clone(), name: entry.name.clone(), state };
                    writeln!(out, "{problem}")?
                }
            }
        }
        Err(Failure::exit(NOT_UP_TO_DATE))
    })
}
