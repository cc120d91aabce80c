//! Where the database and the migrations are: flags, then the environment,
//! then `strata.toml` in the current folder, then defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use strata::DatabaseUrl;

use crate::failure::Failure;

/// The configuration file, looked for in the current folder.
pub const CONFIG_FILE: &str = "strata.toml";
/// The migrations folder when nothing else says.
pub const DEFAULT_DIR: &str = "migrations/versions";

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
}

/// Settings every command runs with.
#[derive(Debug)]
pub struct Settings {
    database: Option<(String, &'static str)>,
    pub dir: PathBuf,
    /// How long to wait for another runner's lock: `--lock-timeout`, then
    /// `lock_timeout` in strata.toml, then 60 s.
    pub lock_timeout: Duration,
}

impl Settings {
    /// Resolves the settings; `strata.toml` is read when present.
    pub fn load(database: Option<&str>, dir: Option<&Path>) -> Result<Self, Failure> {
        let file = read_config_file(Path::new(CONFIG_FILE))?;
        let env = std::env::var("DATABASE_URL").ok().filter(|url| !url.trim().is_empty());
        let database = database
            .map(|url| (url.to_owned(), "--database"))
            .or(env.map(|url| (url, "DATABASE_URL")))
            .or(file.database.map(|url| (url, "`database` in strata.toml")));
        let dir = dir.map(Path::to_owned).or(file.migrations).unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
        let lock_timeout = file.lock_timeout.map_or(strata::driver::DEFAULT_LOCK_TIMEOUT, Duration::from_secs);
        Ok(Settings { database, dir, lock_timeout })
    }

    /// The database URL, parsed; an error says which setting was wrong.
    pub fn database(&self) -> Result<DatabaseUrl, Failure> {
        self.database_if_given()?.ok_or_else(|| {
            let hint =
                "pass --database URL, set DATABASE_URL, or write `database = \"sqlite:path/to.db\"` in strata.toml.";
            Failure::invalid("no database given", hint.to_owned())
        })
    }

    /// The database URL when one is configured.
    pub fn database_if_given(&self) -> Result<Option<DatabaseUrl>, Failure> {
        let Some((url, from)) = &self.database else {
            return Ok(None);
        };
        let url = DatabaseUrl::parse(url).map_err(|error| Failure::invalid(format!("{error} (from {from})"), None))?;
        Ok(Some(url))
    }
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
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
        Err(error) => return Err(Failure::invalid(format!("{}: {error}", path.display()), None)),
    };
    toml::from_str(&text).map_err(|error| {
        let line = error.span().map(|span| 1 + text[..span.start].matches('\n').count());
        let at = line.map_or_else(|| path.display().to_string(), |line| format!("{}:{line}", path.display()));
        Failure::invalid(
            format!("{at}: {}", error.message()),
            "strata.toml takes `database = \"URL\"`, `migrations = \"folder\"` and `lock_timeout = SECONDS`."
                .to_owned(),
        )
    })
}
