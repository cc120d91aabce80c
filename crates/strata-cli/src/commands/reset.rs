use std::io::Write;

use clap::Args;

use crate::config::Settings;
use crate::confirm::Question;
use crate::failure::Failure;
use crate::output::count;

/// Drop every table, view, trigger and index and empty the history table
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Do not ask for confirmation
    #[arg(long)]
    pub yes: bool,
}

pub fn cmd_reset(settings: &Settings, args: &ResetArgs) -> Result<(), Failure> {
    let url = super::database(settings, false)?;
    let table = &settings.open.history_table;
    if !args.yes {
        confirm(&url, table)?;
    }
    let migrator = strata::Migrator::new(Vec::new())?;
    let mut db = super::open_locked(settings, &url, "reset")?;
    let dropped = migrator.reset(db.as_mut(), &mut crate::output::Progress)?;
    let counts: Vec<String> = dropped.0.iter().map(|(kind, n)| count(*n, kind)).collect();
    writeln!(anstream::stdout(), "Reset {url}: dropped {}; {table} is empty.", crate::output::and_list(&counts))?;
    Ok(())
}

/// Asks to type `yes`; refuses without a terminal to ask on.
fn confirm(url: &strata::DatabaseUrl, table: &strata::HistoryTable) -> Result<(), Failure> {
    crate::confirm::confirm(&Question {
        action: "reset",
        command: "reset",
        warning: &format!("This drops every table, view, trigger and index in {url} and empties {table}."),
        without_asking: "pass --yes to reset without asking.",
    })
}
