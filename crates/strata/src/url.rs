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
    /// Parses a database URL. SQLite: `sqlite:path`, `sqlite://path`,
    /// `sqlite:///abs/path`, `sqlite::memory:`, or a plain path (one that does
    /// not start with `scheme:`; a Windows drive `C:\` is a path), each with
    /// an optional `?mode=rwc`. Others: `postgres://…`, `mysql://…`.
    ///
    /// Anything else that starts with `scheme:` is an error, never a file
    /// name: `file:` URIs, `sqlite3:`, a known scheme without `//`, or a SQLite
    /// URL with a user, password or host.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Config("the database URL is empty".to_owned()));
        }
        if is_conninfo(text) {
            return Err(Error::Config(format!(
                "`{}` looks like a PostgreSQL connection string (key=value words), which Strata does not read; \
                 write a URL instead: postgres://user@host/database, with `:password` after the user if one is needed",
                crate::redact::redact_text(text)
            )));
        }
        let Some(scheme) = scheme(text) else {
            return Ok(DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(text))));
        };
        let rest = &text[scheme.len() + 1..];
        let slashes = rest.starts_with("//");
        match (scheme.to_ascii_lowercase().as_str(), slashes) {
            ("sqlite", _) => parse_sqlite(text, rest),
            ("postgres" | "postgresql", true) => Ok(DatabaseUrl::Postgres(text.to_owned())),
            ("mysql" | "mariadb", true) => Ok(DatabaseUrl::Mysql(text.to_owned())),
            ("postgres" | "postgresql" | "mysql" | "mariadb", false) => Err(Error::Config(format!(
                "`{}` is missing the `//` after `{scheme}:`; write `{}`",
                redact(text),
                redact(&format!("{scheme}://{rest}"))
            ))),
            ("file", _) => Err(Error::Config(format!(
                "`{}` is a SQLite URI, which Strata does not read; write sqlite:{}",
                redact(text),
                rest.split_once('?').map_or(rest, |(path, _)| path)
            ))),
            _ => {
                let shown = text.split_once("://").map_or(format!("{scheme}:"), |(scheme, _)| format!("{scheme}://"));
                Err(Error::Config(format!(
                    "unknown database URL scheme `{shown}` in `{}`; use sqlite:, postgres:// or mysql://",
                    redact_unknown(text, rest)
                )))
            }
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

/// The scheme of `text` when it starts with `scheme:` (RFC 3986: a letter,
/// then letters, digits, `+`, `-`, `.`), except a Windows drive letter (`C:\`).
fn scheme(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let drive = scheme.len() == 1 && (rest.starts_with('\\') || rest.starts_with('/'));
    (valid && !drive).then_some(scheme)
}

/// `rest` is what follows `sqlite:` in `text`.
fn parse_sqlite(text: &str, rest: &str) -> Result<DatabaseUrl> {
    let (path, query) = rest.split_once('?').map_or((rest, None), |(path, query)| (path, Some(query)));
    if let Some(query) = query.filter(|query| !matches!(*query, "" | "mode=rwc")) {
        return Err(Error::Config(format!(
            "`{}`: Strata takes no `?{}` in a SQLite URL (only ?mode=rwc, which is what it does anyway); write sqlite:{path}",
            redact(text),
            redact(query)
        )));
    }
    let path = match path.strip_prefix("//") {
        Some(path) => {
            // `sqlite://user:password@host/…`: a SQLite database is a local file.
            let authority = path.split('/').next().unwrap_or_default();
            if authority.contains('@') {
                return Err(Error::Config(format!(
                    "`{}` names a user or host, but a SQLite database is a local file; write sqlite:path/to.db (sqlite:///abs/path.db for an absolute path)",
                    redact(text)
                )));
            }
            path
        }
        None => path,
    };
    match path {
        "" => Err(Error::Config(format!("`{}` names no file; write sqlite:path/to.db", redact(text)))),
        ":memory:" => Ok(DatabaseUrl::Sqlite(SqliteTarget::Memory)),
        path => Ok(DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(path)))),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(SqliteTarget::File(path)) => f.write_str(&show_path(path)),
            DatabaseUrl::Sqlite(SqliteTarget::Memory) => f.write_str("sqlite::memory:"),
            DatabaseUrl::Postgres(url) | DatabaseUrl::Mysql(url) => f.write_str(&redact(url)),
        }
    }
}

/// libpq's `host=db user=app password=…` form: words of `key=value` with
/// one of its keys. Never a file name.
fn is_conninfo(text: &str) -> bool {
    const KEYS: [&str; 7] = ["host", "hostaddr", "port", "dbname", "user", "password", "sslmode"];
    let words: Vec<&str> = text.split_whitespace().collect();
    words.len() > 1
        && words.iter().all(|word| word.contains('='))
        && words.iter().any(|word| word.split_once('=').is_some_and(|(key, _)| KEYS.contains(&key)))
}

/// A URL of an unknown scheme, for a message: a password hidden, also in
/// `user:password@host` typed without its scheme (`app:hunter2@db/x`, where
/// `app` reads as the scheme).
fn redact_unknown(text: &str, rest: &str) -> String {
    match rest.rfind('@') {
        Some(at) if !rest.contains("//") && at > 0 => {
            format!("{}***{}", &text[..text.len() - rest.len()], &rest[at..])
        }
        _ => redact(text),
    }
}

/// A SQLite file as a URL that parses back to the same file (`sqlite:app.db`,
/// `sqlite:///abs/app.db`), with control characters escaped (a newline in a
/// name must not forge a line of output).
fn show_path(path: &std::path::Path) -> String {
    let text: String = path
        .display()
        .to_string()
        .chars()
        .flat_map(|c| match c.is_control() {
            true => c.escape_default().collect::<Vec<_>>(),
            false => vec![c],
        })
        .collect();
    let url = match text.starts_with('/') {
        true => format!("sqlite://{text}"),
        false => format!("sqlite:{text}"),
    };
    // `?` starts a query in a `sqlite:` URL, and `:memory:` is not a file
    // there: then the plain path (or `./path`) is what reads back as this file.
    let same = |shown: &str| {
        DatabaseUrl::parse(shown).is_ok_and(|url| url == DatabaseUrl::Sqlite(SqliteTarget::File(path.to_owned())))
    };
    [url.clone(), text.clone(), format!("./{text}")].into_iter().find(|shown| same(shown)).unwrap_or(url)
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Replaces the password in `scheme://user:password@host/…` (and any
/// `password=` query parameter) with `***`.
pub fn redact(url: &str) -> String {
    crate::redact::redact_text(url)
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

    #[test]
    fn accepted_sqlite_forms_name_the_file_sqlite_opens() {
        let file = |p: &str| DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(p)));
        assert_eq!(DatabaseUrl::parse("sqlite:data/x.db?mode=rwc").unwrap(), file("data/x.db"));
        assert_eq!(DatabaseUrl::parse("sqlite://data/x.db?mode=rwc").unwrap(), file("data/x.db"));
        assert_eq!(DatabaseUrl::parse("./file:x.db").unwrap(), file("./file:x.db"));
        assert_eq!(DatabaseUrl::parse("sqlite:file:x.db").unwrap(), file("file:x.db"));
        assert_eq!(DatabaseUrl::parse(r"C:\data\x.db").unwrap(), file(r"C:\data\x.db"));
        assert_eq!(DatabaseUrl::parse("C:/data/x.db").unwrap(), file("C:/data/x.db"));
        assert_eq!(DatabaseUrl::parse("sqlite://:memory:").unwrap(), DatabaseUrl::Sqlite(SqliteTarget::Memory));
    }

    #[test]
    fn urls_strata_does_not_understand_are_errors_without_passwords() {
        let error = |url: &str| DatabaseUrl::parse(url).unwrap_err().to_string();
        assert_eq!(
            error("file:data/x.db"),
            "`file:data/x.db` is a SQLite URI, which Strata does not read; write sqlite:data/x.db"
        );
        assert_eq!(
            error("file:///tmp/x.db?mode=ro"),
            "`file:///tmp/x.db?mode=ro` is a SQLite URI, which Strata does not read; write sqlite:///tmp/x.db"
        );
        assert_eq!(
            error("sqlite3:x.db"),
            "unknown database URL scheme `sqlite3:` in `sqlite3:x.db`; use sqlite:, postgres:// or mysql://"
        );
        assert_eq!(
            error("backup:2026.db"),
            "unknown database URL scheme `backup:` in `backup:2026.db`; use sqlite:, postgres:// or mysql://"
        );
        assert_eq!(
            error("postgres:app:pw@db/prod"),
            "`postgres:app:***@db/prod` is missing the `//` after `postgres:`; write `postgres://app:***@db/prod`"
        );
        assert_eq!(
            error("mysql:root:pw@db/x"),
            "`mysql:root:***@db/x` is missing the `//` after `mysql:`; write `mysql://root:***@db/x`"
        );
        assert_eq!(
            error("sqlite://user:pw@host/x.db"),
            "`sqlite://user:***@host/x.db` names a user or host, but a SQLite database is a local file; write sqlite:path/to.db (sqlite:///abs/path.db for an absolute path)"
        );
        assert_eq!(
            error("sqlite:x.db?mode=ro&password=pw"),
            "`sqlite:x.db?mode=ro&password=***`: Strata takes no `?mode=ro&password=***` in a SQLite URL (only ?mode=rwc, which is what it does anyway); write sqlite:x.db"
        );
    }

    #[test]
    fn a_postgres_connection_string_is_never_a_file_name_and_hides_its_password() {
        let error = DatabaseUrl::parse("host=db password=hunter2 user=app").unwrap_err().to_string();
        assert_eq!(
            error,
            "`host=db password=*** user=app` looks like a PostgreSQL connection string (key=value words), which \
             Strata does not read; write a URL instead: postgres://user@host/database, with `:password` after the \
             user if one is needed"
        );
        let error = DatabaseUrl::parse("app:hunter2@db/x").unwrap_err().to_string();
        assert_eq!(error, "unknown database URL scheme `app:` in `app:***@db/x`; use sqlite:, postgres:// or mysql://");
    }

    #[test]
    fn a_shown_file_url_parses_back_to_the_same_file_and_hides_what_it_must() {
        for text in ["sqlite:app.db", "sqlite:///tmp/app.db", "sqlite:////tmp/app.db", "data/app.db", "/abs/x.db"] {
            let url = DatabaseUrl::parse(text).unwrap();
            assert_eq!(DatabaseUrl::parse(&url.to_string()).unwrap(), url, "{text} shown as {url}");
        }
        assert_eq!(DatabaseUrl::parse("/abs/x.db").unwrap().to_string(), "sqlite:///abs/x.db");
        let forged = DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from("a.db\nDatabase: b.db")));
        assert_eq!(forged.to_string(), "sqlite:a.db\\nDatabase: b.db");
        for text in ["q?x.db", ":memory:", "backup@2024.db", "v1:x@y/app.db", "/tmp/a b?c#d%20e/app.db"] {
            let url = DatabaseUrl::Sqlite(SqliteTarget::File(PathBuf::from(text)));
            assert_eq!(DatabaseUrl::parse(&url.to_string()).unwrap(), url, "{text} shown as {url}");
        }
        assert_eq!(DatabaseUrl::Sqlite(SqliteTarget::File(":memory:".into())).to_string(), ":memory:");
        assert_eq!(DatabaseUrl::parse("backup@2024.db").unwrap().to_string(), "sqlite:backup@2024.db");
    }
}
