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
                "" => Err(Error::Config(format!("`{text}` names no file; write sqlite:path/to.db"))),
                ":memory:" => Ok(DatabaseUrl::Sqlite(SqliteTarget::Memory)),
                path => Ok(DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(path)))),
            };
        }
        match text.split_once("://").map(|(scheme, _)| scheme) {
            Some("postgres" | "postgresql") => Ok(DatabaseUrl::Postgres(text.to_owned())),
            Some("mysql" | "mariadb") => Ok(DatabaseUrl::Mysql(text.to_owned())),
            Some(scheme) if scheme.len() > 1 && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+') => {
                Err(Error::Config(format!(
                    "unknown database URL scheme `{scheme}://` in `{}`; use sqlite:, postgres:// or mysql://",
                    redact(text)
                )))
            }
            _ => Ok(DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(text)))),
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
        let authority_start = scheme_end + 3;
        let authority_end = out[authority_start..].find(['/', '?', '#']).map_or(out.len(), |at| at + authority_start);
        if let Some(at) = out[authority_start..authority_end].rfind('@') {
            let userinfo = &out[authority_start..authority_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(authority_start + colon + 1..authority_start + at, "***");
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
    }
}
