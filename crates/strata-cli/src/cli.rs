//! Command-line arguments and dispatch to one function per command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands;
use crate::config::{Flags, Settings};

const AFTER_HELP: &str = "\
Settings:
  strata.toml is --config FILE, else the nearest strata.toml in the current
  folder or a parent; paths in it are relative to its folder. The database is
  --database, else the DATABASE_URL variable, else DATABASE_URL in the .env
  file beside strata.toml (or in the current folder), else `database` in
  strata.toml. The migrations folder is --dir, else `migrations` in
  strata.toml, else migrations/versions beside it. The lock timeout is
  --lock-timeout, else `lock_timeout` in strata.toml, else 60 seconds. On
  MySQL/MariaDB, `mysql_sql_mode` in strata.toml sets the session's sql_mode
  (e.g. \"STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES\"), else the server's. On a
  Galera cluster, `lock_lease` in strata.toml (seconds, default 30) is how long
  the runners' lock outlives its holder's last renewal.

Exit codes:
  0  success
  1  a migration or the database failed
  2  bad usage, configuration or migration files, or a writing command
     pointed at a read-only standby
  3  refused: history and migration files disagree (modified, missing,
     out-of-order or interrupted migrations), or the history table is not
     Strata's (see `strata adopt`), or `repair` of a version that is not
     interrupted; nothing was changed
  4  status --exit-code or check: not up to date (pending, out-of-order,
     modified, missing or interrupted migrations)
  5  another strata run held the database's lock for longer than
     --lock-timeout, or (Galera) took it over from this one after it stalled
     past its lease";

/// Versioned, reversible database schema migrations.
#[derive(Debug, Parser)]
#[command(name = "strata", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// Database URL: sqlite:path/to.db, sqlite://path/to.db, a plain path,
    /// postgres://user:password@host:port/database, or
    /// mysql://user:password@host:port/database (mariadb:// too)
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,

    /// Folder of migration files
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Settings file to use instead of the nearest strata.toml
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How long to wait for another strata run on the database (0: fail at
    /// once) [default: `lock_timeout` in strata.toml, else 60]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,

    /// Name of the history table, for a database that already has a table
    /// called migration_history [default: `history_table` in strata.toml, else
    /// migration_history]
    #[arg(long, global = true, value_name = "NAME")]
    pub history_table: Option<String>,

    /// PostgreSQL: the schema that holds the history table and that `reset`
    /// empties [default: `schema` in strata.toml, else the connection's current
    /// schema]. Migrations run with the connection's own search_path
    #[arg(long, global = true, value_name = "NAME")]
    pub schema: Option<String>,

    /// Run without the lock that keeps two strata runs apart, for connections
    /// where it cannot work (PgBouncer in transaction mode, CockroachDB). Gives
    /// up the guarantee that concurrent runners apply each migration once:
    /// make sure only one runner works on the database at a time
    #[arg(long, global = true)]
    pub no_lock: bool,

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
    Redo(commands::redo::RedoArgs),
    Check(commands::check::CheckArgs),
    Adopt(commands::adopt::AdoptArgs),
    Repair(commands::repair::RepairArgs),
}

/// Parses the arguments, runs the command and turns the outcome into an exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let flags = Flags {
        config: cli.config.as_deref(),
        database: cli.database.as_deref(),
        dir: cli.dir.as_deref(),
        history_table: cli.history_table.as_deref(),
        schema: cli.schema.as_deref(),
        no_lock: cli.no_lock,
    };
    let settings = Settings::load(&flags).map(|settings| settings.with_lock_timeout(cli.lock_timeout));
    let result = settings.and_then(|settings| match &cli.command {
        Command::Status(args) => commands::status::cmd_status(&settings, args),
        Command::Up(args) => commands::up::cmd_up(&settings, args),
        Command::Down(args) => commands::down::cmd_down(&settings, args),
        Command::Create(args) => commands::create::cmd_create(&settings, args),
        Command::Reset(args) => commands::reset::cmd_reset(&settings, args),
        Command::Redo(args) => commands::redo::cmd_redo(&settings, args),
        Command::Check(args) => commands::check::cmd_check(&settings, args),
        Command::Adopt(args) => commands::adopt::cmd_adopt(&settings, args),
        Command::Repair(args) => commands::repair::cmd_repair(&settings, args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

/// Prints clap's message (help and version to stdout; an argument error to
/// stderr, with any password it echoes redacted) and returns clap's exit code.
fn usage_error(error: &clap::Error) -> ExitCode {
    use std::io::Write;
    let code = u8::try_from(error.exit_code()).unwrap_or(crate::failure::INVALID);
    if !error.use_stderr() {
        let _ = error.print();
        return ExitCode::from(code);
    }
    let text = strata::redact_text(&error.render().ansi().to_string());
    let _ = write!(anstream::stderr(), "{text}");
    ExitCode::from(code)
}
