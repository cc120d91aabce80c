//! A `mysql://` or `mariadb://` URL: user, password, host, port, database,
//! and the parameters Strata takes (`socket`, `ssl-mode`, `ssl-ca`), named as
//! the `mysql` client names them. The user, password and database are
//! percent-decoded. Nothing here ever shows a password.

use std::path::PathBuf;

use super::tls::TlsMode;
use crate::error::{Error, Result};
use crate::redact::redact_text;

/// The port when the URL names none.
pub const DEFAULT_PORT: u16 = 3306;

/// The parameters a URL may hold, for messages.
const PARAMETERS: &str = "socket, ssl-mode, ssl-ca";

/// Everything needed to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyConfig {
    pub user: String,
    pub password: Option<String>,
    pub host: String,
    pub port: u16,
    /// A Unix socket to connect through instead of TCP (`?socket=/path`).
    pub socket: Option<PathBuf>,
    /// The database Strata works in (its history table lives there).
    pub database: String,
    pub tls: TlsMode,
    /// Root certificates to trust (`ssl-ca`), when given.
    pub ca: Option<PathBuf>,
}

/// Reads `url`; `login` is the user when the URL names none (the `mysql`
/// client's default: the login name).
pub fn parse(url: &str, login: Option<String>) -> Result<MyConfig> {
    let invalid = |why: String| Error::Config(format!("{}: {why}", redact_text(url)));
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    if rest.contains('#') || query.contains('#') {
        return Err(invalid("a MySQL URL has no `#` part; percent-encode `#` in a password as %23".to_owned()));
    }
    // The password may hold `/` or `@`: the authority ends at the first `/` after the last `@`.
    let at = rest.rfind('@');
    let path_start = rest[at.map_or(0, |at| at + 1)..].find('/').map(|i| i + at.map_or(0, |at| at + 1));
    let (authority, path) = match path_start {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((user, password)) => (decode(user), Some(decode(password))),
            None => (decode(info), None),
        },
        None => (String::new(), None),
    };
    let (host, port) = host_port(hostport).map_err(invalid)?;
    let database = decode(path);
    if database.is_empty() {
        return Err(invalid(
            "the URL names no database; write mysql://user@host:3306/database (Strata keeps its history table in that database)"
                .to_owned(),
        ));
    }
    if database.contains('/') {
        return Err(invalid(format!("`{database}` is not a database name: it holds a `/`")));
    }
    let mut config = MyConfig {
        user: if user.is_empty() { login.unwrap_or_default() } else { user },
        password,
        host: if host.is_empty() { "localhost".to_owned() } else { host },
        port,
        socket: None,
        database,
        tls: TlsMode::Preferred,
        ca: None,
    };
    parameters(&mut config, query).map_err(invalid)?;
    Ok(config)
}

/// The query's parameters into `config`; a `ssl-ca` without `ssl-mode` means `VERIFY_CA`, as for the `mysql` client.
fn parameters(config: &mut MyConfig, query: &str) -> std::result::Result<(), String> {
    let mut mode = None;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        match key {
            "socket" if !value.is_empty() => config.socket = Some(PathBuf::from(value)),
            "ssl-mode" | "sslmode" | "ssl_mode" => mode = Some(TlsMode::parse(&value)?),
            "ssl-ca" | "sslca" | "ssl_ca" if !value.is_empty() => config.ca = Some(PathBuf::from(value)),
            "socket" | "ssl-ca" | "sslca" | "ssl_ca" => return Err(format!("the parameter `{key}` needs a path")),
            _ => {
                return Err(format!(
                    "unknown parameter `{key}`; a MySQL/MariaDB URL takes {PARAMETERS} (e.g. ?ssl-mode=REQUIRED)"
                ))
            }
        }
    }
    config.tls = match (mode, &config.ca) {
        (Some(mode), _) => mode,
        (None, Some(_)) => TlsMode::VerifyCa,
        (None, None) => TlsMode::Preferred,
    };
    Ok(())
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; the host percent-decoded.
fn host_port(text: &str) -> std::result::Result<(String, u16), String> {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (host, after) =
                rest.split_once(']').ok_or_else(|| format!("`{text}`: an IPv6 address needs its `]`"))?;
            (host, after.strip_prefix(':'))
        }
        None => match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        },
    };
    let port = match port {
        None | Some("") => DEFAULT_PORT,
        Some(port) => port.parse().map_err(|_| format!("`{port}` is not a port number"))?,
    };
    Ok((decode(host), port))
}

/// Percent-decoding (`%40` is `@`); anything else as written.
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> MyConfig {
        parse(url, Some("login".to_owned())).unwrap()
    }

    fn error(url: &str) -> String {
        parse(url, None).unwrap_err().to_string()
    }

    #[test]
    fn reads_user_password_host_port_and_database() {
        let config = parsed("mysql://ann:p%40ss%2Fw@db.example:3307/app");
        assert_eq!((config.user.as_str(), config.password.as_deref()), ("ann", Some("p@ss/w")));
        assert_eq!((config.host.as_str(), config.port, config.database.as_str()), ("db.example", 3307, "app"));
        assert_eq!((config.tls, config.socket, config.ca), (TlsMode::Preferred, None, None));
        let maria = parsed("mariadb://root@127.0.0.1/strata_t_1");
        assert_eq!((maria.port, maria.password), (3306, None));
    }

    #[test]
    fn an_unencoded_at_or_slash_in_the_password_still_reads() {
        let config = parsed("mysql://ann:a@b/c@db:3306/app");
        assert_eq!((config.password.as_deref(), config.host.as_str()), (Some("a@b/c"), "db"));
        assert_eq!(config.database, "app");
    }

    #[test]
    fn defaults_and_ipv6() {
        let config = parsed("mysql:///app?socket=/run/mysqld/mysqld.sock");
        assert_eq!((config.user.as_str(), config.host.as_str()), ("login", "localhost"));
        assert_eq!(config.socket, Some(PathBuf::from("/run/mysqld/mysqld.sock")));
        let v6 = parsed("mysql://u@[::1]:3310/app");
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 3310));
    }

    #[test]
    fn ssl_mode_as_the_mysql_client_names_it() {
        for (query, mode) in [
            ("ssl-mode=DISABLED", TlsMode::Disabled),
            ("ssl-mode=preferred", TlsMode::Preferred),
            ("sslmode=Required", TlsMode::Required),
            ("ssl-mode=VERIFY_CA&ssl-ca=/ca.pem", TlsMode::VerifyCa),
            ("ssl-mode=VERIFY_IDENTITY", TlsMode::VerifyIdentity),
            ("ssl-ca=/ca.pem", TlsMode::VerifyCa),
        ] {
            assert_eq!(parsed(&format!("mysql://u@h/app?{query}")).tls, mode, "{query}");
        }
        assert_eq!(parsed("mysql://u@h/app?ssl-ca=%2Fetc%2Fca.pem").ca, Some(PathBuf::from("/etc/ca.pem")));
    }

    #[test]
    fn bad_urls_are_named_without_the_password() {
        for (url, expected) in [
            (
                "mysql://u:secret@h:3306/",
                "mysql://u:***@h:3306/: the URL names no database; write mysql://user@host:3306/database",
            ),
            ("mysql://u:secret@h", "the URL names no database"),
            (
                "mysql://u:secret@h/app?frobnicate=1",
                "unknown parameter `frobnicate`; a MySQL/MariaDB URL takes socket, ssl-mode, ssl-ca",
            ),
            ("mysql://u:secret@h/app?ssl-mode=ALWAYS", "ssl-mode `ALWAYS` is not one of DISABLED, PREFERRED"),
            ("mysql://u:secret@h:port/app", "`port` is not a port number"),
            ("mysql://u:secret@h/a/b", "`a/b` is not a database name"),
            ("mysql://u:secret@h/app?socket=", "the parameter `socket` needs a path"),
        ] {
            let message = error(url);
            assert!(message.contains(expected), "{url}: {message}");
            assert!(!message.contains("secret"), "{url}: {message}");
        }
    }
}
