//! Where the database and the migrations are: flags, then the environment
//! (and a `.env` file), then `strata.toml` (found in the current folder or the
//! nearest parent, or named by `--config`), then defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use strata::{DatabaseUrl, SqliteTarget};

use crate::failure::Failure;

/// The configuration file, looked for in the current folder and its parents.
pub const CONFIG_FILE: &str = "strata.toml";
/// The migrations folder when nothing else says.
pub const DEFAULT_DIR: &str = "migrations/versions";
/// The file of environment variables read for `DATABASE_URL`.
pub const ENV_FILE: &str = ".env";

/// What the global flags say; `None` where a flag is not given.
#[derive(Debug, Default, Clone, Copy)]
pub struct Flags<'a> {
    pub config: Option<&'a Path>,
    pub database: Option<&'a str>,
    pub dir: Option<&'a Path>,
    pub history_table: Option<&'a str>,
    pub schema: Option<&'a str>,
    pub no_lock: bool,
}

/// The lock leases `lock_lease` may set, in seconds: renewed every third of
/// it, a lease shorter than 3 s would not survive one slow commit.
const LEASES: std::ops::RangeInclusive<u64> = 3..=3600;

/// `strata.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    /// Database URL.
    database: Option<String>,
    /// Migrations folder.
    migrations: Option<PathBuf>,
    /// Seconds to wait for another runner's lock.
    lock_timeout: Option<u64>,
    /// The history table's name.
    history_table: Option<String>,
    /// The schema of the history table and of `reset` (PostgreSQL).
    schema: Option<String>,
    /// The session's `sql_mode` (MySQL/MariaDB).
    mysql_sql_mode: Option<String>,
    /// Seconds the runners' lock lasts after its last renewal (Galera).
    lock_lease: Option<u64>,
}

/// The database URL as configured, and where it came from.
#[derive(Debug)]
struct Configured {
    url: String,
    /// For messages: `--database`, `DATABASE_URL in ../.env`, `` `database` in strata.toml ``.
    source: String,
    /// The folder a relative SQLite path is relative to (`None`: the current folder).
    base: Option<PathBuf>,
}

/// Settings every command runs with.
#[derive(Debug)]
pub struct Settings {
    database: Option<Configured>,
    /// The `database` setting that `DATABASE_URL` overrides, for the first line of output.
    overridden: Option<String>,
    pub dir: PathBuf,
    /// How long to wait for another runner's lock: `--lock-timeout`, then
    /// `lock_timeout` in strata.toml, then 60 s.
    pub lock_timeout: Duration,
    /// How to open the database: the history table (`--history-table`, then
    /// `history_table` in strata.toml, then `migration_history`), `--no-lock`,
    /// and `mysql_sql_mode` in strata.toml (used on MySQL/MariaDB only).
    pub open: strata::OpenOptions,
}

impl Settings {
    /// Resolves the settings: finds and reads `strata.toml` and `.env`.
    pub fn load(flags: &Flags<'_>) -> Result<Self, Failure> {
        let config_path = match flags.config {
            Some(path) if !path.is_file() => {
                let what = match std::fs::metadata(path) {
                    Ok(metadata) => format!("is {}, not a file", strata::source::kind_name(metadata.file_type())),
                    Err(_) => "does not exist".to_owned(),
                };
                return Err(Failure::invalid(
                    format!("the configuration file {} {what}", path.display()),
                    "--config takes the path of a strata.toml file.".to_owned(),
                ));
            }
            Some(path) => Some(path.to_owned()),
            None => find_config_file(),
        };
        let file = match &config_path {
            Some(path) => read_config_file(path)?,
            None => FileConfig::default(),
        };
        // The folder paths in strata.toml (and .env) are relative to; "" is the current folder.
        let base = config_path.as_deref().and_then(Path::parent).map(Path::to_owned).unwrap_or_default();
        let env_file = base.join(ENV_FILE);
        let from_env_file = read_env_file(&env_file)?;
        let env = std::env::var("DATABASE_URL").ok().filter(|url| !url.trim().is_empty());
        let in_file = file
            .database
            .as_ref()
            .map(|_| format!("`database` in {}", config_path.as_deref().unwrap_or(Path::new(CONFIG_FILE)).display()));
        let configured = |url: String, source: String, base: Option<&Path>| Configured {
            url,
            source,
            base: base.map(Path::to_owned),
        };
        let database = flags
            .database
            .map(|url| configured(url.to_owned(), "--database".to_owned(), None))
            .or_else(|| env.map(|url| configured(url, "DATABASE_URL".to_owned(), None)))
            .or_else(|| {
                from_env_file.map(|url| configured(url, format!("DATABASE_URL in {}", env_file.display()), Some(&base)))
            })
            .or_else(|| {
                let path = config_path.as_deref().unwrap_or(Path::new(CONFIG_FILE));
                file.database.map(|url| configured(url, format!("`database` in {}", path.display()), Some(&base)))
            });
        let dir = match (flags.dir, file.migrations) {
            (Some(dir), _) => dir.to_owned(),
            (None, Some(dir)) => base.join(dir),
            (None, None) => base.join(DEFAULT_DIR),
        };
        let lock_timeout = file.lock_timeout.map_or(strata::driver::DEFAULT_LOCK_TIMEOUT, Duration::from_secs);
        let overridden = database.as_ref().filter(|chosen| chosen.source.starts_with("DATABASE_URL")).and(in_file);
        let in_file = |key: &str| {
            let path = config_path.as_deref().unwrap_or(Path::new(CONFIG_FILE));
            format!("`{key}` in {}", path.display())
        };
        let name = match (flags.history_table, &file.history_table) {
            (Some(name), _) => Some((name, "--history-table".to_owned())),
            (None, Some(name)) => Some((name.as_str(), in_file("history_table"))),
            (None, None) => None,
        };
        let schema = match (flags.schema, &file.schema) {
            (Some(schema), _) => Some((schema, "--schema".to_owned())),
            (None, Some(schema)) => Some((schema.as_str(), in_file("schema"))),
            (None, None) => None,
        };
        let history_table = history_table(name, schema)?;
        let lock_lease = match file.lock_lease {
            Some(seconds) if !LEASES.contains(&seconds) => {
                return Err(Failure::invalid(
                    format!("{}: lock_lease = {seconds} is out of range", in_file("lock_lease")),
                    format!(
                        "the lease is how long a Galera lock outlives its last renewal (renewed every third of it): \
                         give {} to {} seconds (30 when not set).",
                        LEASES.start(),
                        LEASES.end()
                    ),
                ))
            }
            seconds => seconds.map(Duration::from_secs),
        };
        let mysql_sql_mode = file.mysql_sql_mode;
        let open = strata::OpenOptions { history_table, no_lock: flags.no_lock, mysql_sql_mode, lock_lease };
        Ok(Settings { database, overridden, dir, lock_timeout, open })
    }

    /// The database URL, parsed; an error says which setting was wrong.
    pub fn database(&self) -> Result<DatabaseUrl, Failure> {
        self.database_if_given()?.ok_or_else(|| {
            let hint = "pass --database URL, set DATABASE_URL (or write it in .env), or write \
                        `database = \"sqlite:path/to.db\"` in strata.toml.";
            Failure::invalid("no database given", hint.to_owned())
        })
    }

    /// The database URL when one is configured. A relative SQLite path from
    /// `strata.toml` or `.env` is relative to that file's folder.
    pub fn database_if_given(&self) -> Result<Option<DatabaseUrl>, Failure> {
        let Some(configured) = &self.database else {
            return Ok(None);
        };
        let from = self.database_source().unwrap_or_default();
        let url = DatabaseUrl::parse(&configured.url)
            .map_err(|error| Failure::invalid(format!("{error} (from {from})"), None))?;
        Ok(Some(match (url, &configured.base) {
            (DatabaseUrl::Sqlite(SqliteTarget::File(path)), Some(base)) if path.is_relative() => {
                DatabaseUrl::Sqlite(SqliteTarget::File(base.join(path)))
            }
            (url, _) => url,
        }))
    }

    /// The `database` setting of strata.toml that `DATABASE_URL` (from the
    /// environment or `.env`) overrides, e.g. `` `database` in strata.toml ``.
    pub fn overridden(&self) -> Option<&str> {
        self.overridden.as_deref()
    }

    /// Where the database URL came from, for messages: `--database`,
    /// `DATABASE_URL`, `DATABASE_URL in .env`, `` `database` in strata.toml ``;
    /// `None` when no database is configured.
    pub fn database_source(&self) -> Option<&str> {
        self.database.as_ref().map(|configured| configured.source.as_str())
    }
}

/// The history table (`name`) in `schema`, each with the setting it came from.
fn history_table(
    name: Option<(&str, String)>,
    schema: Option<(&str, String)>,
) -> Result<strata::HistoryTable, Failure> {
    let invalid = |error: strata::Error, setting: &str| Failure::invalid(format!("{error} (from {setting})"), None);
    let (name, name_setting) = name.unwrap_or((strata::history::TABLE, String::new()));
    let table = strata::HistoryTable::new(name, None).map_err(|error| invalid(error, &name_setting))?;
    match schema {
        None => Ok(table),
        Some((schema, setting)) => {
            strata::HistoryTable::new(name, Some(schema)).map_err(|error| invalid(error, &setting))
        }
    }
}

/// `strata.toml` in the current folder or the nearest parent that has one, as
/// a relative path (`strata.toml`, `../strata.toml`, …) so that messages stay short.
/// Anything of that name counts, so that a folder or FIFO there is named, not skipped.
fn find_config_file() -> Option<PathBuf> {
    let depth = std::env::current_dir().map_or(1, |cwd| cwd.ancestors().count());
    let mut candidate = PathBuf::new();
    for _ in 0..depth {
        let path = candidate.join(CONFIG_FILE);
        if path.exists() {
            return Some(path);
        }
        candidate.push("..");
    }
    None
}

impl Settings {
    /// `--lock-timeout SECONDS`, when given, wins over strata.toml.
    pub fn with_lock_timeout(mut self, seconds: Option<u64>) -> Self {
        if let Some(seconds) = seconds {
            self.lock_timeout = Duration::from_secs(seconds);
        }
        self
    }
}

fn read_config_file(path: &Path) -> Result<FileConfig, Failure> {
    let text = match read_settings_file(path) {
        Ok(text) => text,
        Err(error) => return Err(Failure::invalid(format!("{}: {error}", path.display()), None)),
    };
    toml::from_str(&text).map_err(|error| {
        let line = error.span().map(|span| 1 + text[..span.start].matches('\n').count());
        let at = line.map_or_else(|| path.display().to_string(), |line| format!("{}:{line}", path.display()));
        Failure::invalid(
            format!("{at}: {}", error.message()),
            "strata.toml takes `database = \"URL\"`, `migrations = \"folder\"`, `lock_timeout = SECONDS`, \
             `history_table = \"name\"`, `schema = \"name\"`, `mysql_sql_mode = \"MODES\"`, `lock_lease = SECONDS`."
                .to_owned(),
        )
    })
}

/// `DATABASE_URL` from a `.env` file (dotenvy's syntax), when the file exists.
/// The whole file must parse: a bad line is named with its number.
fn read_env_file(path: &Path) -> Result<Option<String>, Failure> {
    let text = match read_settings_file(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Failure::invalid(format!("{}: {error}", path.display()), None)),
    };
    let mut url = None;
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((key, value)) if key == "DATABASE_URL" && url.is_none() => url = Some(value),
            Ok(_) => {}
            Err(dotenvy::Error::LineParse(line, _)) => {
                return Err(Failure::invalid(
                    format!("{}:{}: not a `NAME=value` line", path.display(), line_number(&text, &line)),
                    ".env holds lines like `DATABASE_URL=sqlite:app.db`; quote values with spaces or `#`.".to_owned(),
                ))
            }
            Err(error) => return Err(Failure::invalid(format!("{}: {error}", path.display()), None)),
        }
    }
    Ok(url.filter(|url| !url.trim().is_empty()))
}

/// The largest strata.toml or .env Strata reads.
const MAX_SETTINGS_FILE: u64 = 1024 * 1024;

/// Reads a settings file, which must be a regular file (or a link to one) of
/// at most 1 MiB: a FIFO would block every command, `/dev/zero` never ends.
fn read_settings_file(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        let what = strata::source::kind_name(metadata.file_type());
        return Err(Error::other(format!("is {what}, not a regular file; a settings file must be a file")));
    }
    if metadata.len() > MAX_SETTINGS_FILE {
        return Err(Error::other(format!("is {} bytes, over the 1 MiB a settings file may hold", metadata.len())));
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(MAX_SETTINGS_FILE).read_to_string(&mut text).map_err(|error| {
        match error.kind() {
            ErrorKind::InvalidData => Error::other("is not UTF-8 text; save it as UTF-8"),
            _ => error,
        }
    })?;
    Ok(text)
}

/// The 1-based number of the line where `line` (a whole entry, as dotenvy
/// quotes it in its error) starts in `text`.
fn line_number(text: &str, line: &str) -> usize {
    let mut starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
    let whole = |start: usize| {
        text[start..].strip_prefix(line).is_some_and(|rest| rest.is_empty() || rest.starts_with(['\r', '\n']))
    };
    let start = starts.find(|&start| whole(start)).unwrap_or(0);
    1 + text[..start].matches('\n').count()
}
