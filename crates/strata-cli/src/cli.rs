//! Command-line arguments and dispatch to one function per command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands;
use crate::config::Settings;

const AFTER_HELP: &str = "\
Settings:
  The database is --database, else the DATABASE_URL variable, else `database`
  in ./strata.toml. The migrations folder is --dir, else `migrations` in
  ./strata.toml, else migrations/versions.

Exit codes:
  0  success
  1  a migration or the database failed
  2  bad usage, configuration or migration files
  3  refused: history and migration files disagree (modified, missing,
     out-of-order or interrupted migrations); nothing was changed
  5  another strata run held the database's lock for longer than
     --lock-timeout";

/// Versioned, reversible database schema migrations.
#[derive(Debug, Parser)]
#[command(name = "strata", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// Database URL: sqlite:path/to.db, sqlite://path/to.db or a plain path
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,

    /// Folder of migration files
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// How long to wait for another strata run on the database (0: fail at
    /// once) [default: `lock_timeout` in strata.toml, else 60]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Status(commands::status::StatusArgs),
    Up(commands::up::UpArgs),
    Down(commands::down::DownArgs),
    Create(commands::create::CreateArgs),
    Reset(commands::reset::ResetArgs),
}

/// Parses the arguments, runs the command and turns the outcome into an exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = Settings::load(cli.database.as_deref(), cli.dir.as_deref());
    let settings = settings.map(|settings| settings.with_lock_timeout(cli.lock_timeout));
    let result = settings.and_then(|settings| match &cli.command {
        Command::Status(args) => commands::status::cmd_status(&settings, args),
        Command::Up(args) => commands::up::cmd_up(&settings, args),
        Command::Down(args) => commands::down::cmd_down(&settings, args),
        Command::Create(args) => commands::create::cmd_create(&settings, args),
        Command::Reset(args) => commands::reset::cmd_reset(&settings, args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
