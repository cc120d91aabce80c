//! Database URLs: which database to open, shown to people without passwords.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// A SQLite database: a file, or a private in-memory database.
#[derive(Clone, PartialEq, Eq)]
pub enum SqliteTarget {
    File(PathBuf),
    Memory,
}

/// A parsed database URL. `Display` and `Debug` never show a password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(SqliteTarget),
    Postgres(String),
    Mysql(String),
}

impl DatabaseUrl {
    /// Parses `sqlite:path`, `sqlite://path`, `sqlite::memory:`, a plain path,
    /// or a `postgres://` / `mysql://` URL.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Config("the database URL is empty".to_owned()));
        }
        if let Some(rest) = text.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split_once('?').map_or(path, |(path, _)| path);
            return match path {
                "" => Err(Error::Config(format!("`{}` names no file; write sqlite:path/to.db", redact(text)))),
                ":memory:" => Ok(DatabaseUrl::Sqlite(SqliteTarget::Memory)),
                path => Ok(DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(path)))),
            };
        }
        // Anything with `://` is a URL: never mistake one (say a JDBC URL) for a file name.
        match text.split_once("://").map(|(scheme, _)| scheme) {
            Some("postgres" | "postgresql") => Ok(DatabaseUrl::Postgres(text.to_owned())),
            Some("mysql" | "mariadb") => Ok(DatabaseUrl::Mysql(text.to_owned())),
            Some(scheme) => Err(Error::Config(format!(
                "unknown database URL scheme `{scheme}://` in `{}`; use sqlite:, postgres:// or mysql://",
                redact(text)
            ))),
            None => Ok(DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(text)))),
        }
    }

    /// The database's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "SQLite",
            DatabaseUrl::Postgres(_) => "PostgreSQL",
            DatabaseUrl::Mysql(_) => "MySQL/MariaDB",
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(SqliteTarget::File(path)) => write!(f, "sqlite:{}", path.display()),
            DatabaseUrl::Sqlite(SqliteTarget::Memory) => f.write_str("sqlite::memory:"),
            DatabaseUrl::Postgres(url) | DatabaseUrl::Mysql(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Replaces the password in `scheme://user:password@host/…` (and any
/// `password=` query parameter) with `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let start = scheme_end + 3;
        // The password runs to the last `@`: it may itself hold `/`, `?`, `#` or `@`.
        if let Some(at) = out[start..].rfind('@').map(|at| at + start) {
            if let Some(colon) = out[start..at].find(':').map(|colon| colon + start) {
                out.replace_range(colon + 1..at, "***");
            }
        }
    }
    if let Some(query_start) = out.find('?') {
        let (head, query) = out.split_at(query_start + 1);
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => param.to_owned(),
            })
            .collect();
        out = format!("{head}{}", params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_and_plain_paths_name_a_file() {
        let file = |p: &str| DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(p)));
        assert_eq!(DatabaseUrl::parse("sqlite:instance/writebot.db").unwrap(), file("instance/writebot.db"));
        assert_eq!(DatabaseUrl::parse("sqlite://instance/writebot.db").unwrap(), file("instance/writebot.db"));
        assert_eq!(DatabaseUrl::parse("sqlite:///tmp/a.db").unwrap(), file("/tmp/a.db"));
        assert_eq!(DatabaseUrl::parse("data/app.db").unwrap(), file("data/app.db"));
        assert_eq!(DatabaseUrl::parse("sqlite::memory:").unwrap(), DatabaseUrl::Sqlite(SqliteTarget::Memory));
    }

    #[test]
    fn rejects_empty_and_unknown_urls() {
        assert!(DatabaseUrl::parse("  ").is_err());
        assert!(DatabaseUrl::parse("sqlite:").is_err());
        let error = DatabaseUrl::parse("oracle://scott:tiger@db/x").unwrap_err().to_string();
        assert_eq!(error, "unknown database URL scheme `oracle://` in `oracle://scott:***@db/x`; use sqlite:, postgres:// or mysql://");
    }

    #[test]
    fn never_shows_a_password() {
        let url =
            DatabaseUrl::parse("postgres://app:s3cr%40t@db.example:5432/writebot?sslmode=require&password=hunter2")
                .unwrap();
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("s3cr") && !shown.contains("hunter2"), "{shown}");
        assert_eq!(url.to_string(), "postgres://app:***@db.example:5432/writebot?sslmode=require&password=***");
        assert_eq!(redact("mysql://root@localhost/test"), "mysql://root@localhost/test");
        assert_eq!(redact("oracle://scott:ti/ger@db/x"), "oracle://scott:***@db/x");
        assert_eq!(redact("oracle://scott:ti#g@r@db/x"), "oracle://scott:***@db/x");
    }

    #[test]
    fn a_url_is_never_taken_for_a_file_name() {
        let error = DatabaseUrl::parse("jdbc:postgresql://app:S3cret@db.example/writebot").unwrap_err().to_string();
        assert_eq!(
            error,
            "unknown database URL scheme `jdbc:postgresql://` in `jdbc:postgresql://app:***@db.example/writebot`; use sqlite:, postgres:// or mysql://"
        );
        let error = DatabaseUrl::parse("sqlite://?password=hunter2").unwrap_err().to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }
}
