//! A `postgres://` URL as libpq reads it: the URL's own parts and query
//! parameters (parsed by `tokio_postgres::Config`, which knows libpq's
//! names), the TLS modes it does not know (`allow`, `verify-ca`,
//! `verify-full`, `sslrootcert`), and the `PG*` environment variables for
//! what the URL leaves out. Nothing here ever shows a password.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use postgres::config::SslMode;

use crate::error::{Error, Result};
use crate::redact::redact_text;

/// How the connection uses TLS, as libpq's `sslmode` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    /// `allow` and `prefer`: TLS when the server offers it, else plain.
    Prefer,
    /// Encrypted; the certificate is checked only when a root certificate is
    /// given (`sslrootcert`, or `~/.postgresql/root.crt`), as libpq does.
    Require,
    /// Encrypted, the server's certificate signed by a trusted root.
    VerifyCa,
    /// [`TlsMode::VerifyCa`], and the certificate names the host.
    VerifyFull,
}

/// Everything needed to connect.
#[derive(Debug, Clone)]
pub struct PgConfig {
    pub config: postgres::Config,
    pub tls: TlsMode,
    /// Root certificates to trust (`sslrootcert`), when given.
    pub root_cert: Option<PathBuf>,
}

/// The `PG*` variables libpq reads, looked up through `env` (so that tests
/// need not change the process's environment).
pub fn parse(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<PgConfig> {
    let (base, query) = url.split_once('?').map_or((url, ""), |(base, query)| (base, query));
    let mut kept = Vec::new();
    let mut sslmode = None;
    let mut root_cert = None;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => sslmode = Some(decode(value)),
            "sslrootcert" => root_cert = Some(PathBuf::from(decode(value))),
            "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "requiressl" | "gssencmode" | "krbsrvname"
            | "service" | "passfile" => {
                return Err(invalid(url, format!("the parameter `{key}` is not supported by Strata")));
            }
            _ => kept.push(pair),
        }
    }
    let rebuilt = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    let mut config = postgres::Config::from_str(&rebuilt).map_err(|error| {
        // The client says "invalid connection string"; its cause names the parameter.
        let cause = std::error::Error::source(&error).map_or(String::new(), |cause| format!(": {cause}"));
        invalid(url, format!("{error}{cause}"))
    })?;
    let sslmode = sslmode.or_else(|| env("PGSSLMODE"));
    let tls = match sslmode.as_deref() {
        None | Some("prefer") | Some("allow") => TlsMode::Prefer,
        Some("disable") => TlsMode::Disable,
        Some("require") => TlsMode::Require,
        Some("verify-ca") => TlsMode::VerifyCa,
        Some("verify-full") => TlsMode::VerifyFull,
        Some(other) => {
            return Err(invalid(
                url,
                format!("sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, verify-full"),
            ))
        }
    };
    config.ssl_mode(match tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    fill_from_env(&mut config, url, env)?;
    Ok(PgConfig { config, tls, root_cert: root_cert.or_else(|| env("PGSSLROOTCERT").map(PathBuf::from)) })
}

/// What the URL leaves out, from `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
/// `PGDATABASE` and `PGAPPNAME`, else libpq's defaults (the socket folder,
/// 5432, the login name, a database named after the user).
fn fill_from_env(config: &mut postgres::Config, url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    if config.get_hosts().is_empty() {
        let hosts = env("PGHOST").unwrap_or_else(default_host);
        for host in hosts.split(',') {
            config.host(host);
        }
    }
    if config.get_ports().is_empty() {
        if let Some(port) = env("PGPORT") {
            for port in port.split(',') {
                let port = port.parse().map_err(|_| invalid(url, format!("PGPORT `{port}` is not a port number")))?;
                config.port(port);
            }
        }
    }
    if config.get_user().is_none() {
        let user = env("PGUSER").or_else(|| env("USER")).ok_or_else(|| {
            invalid(url, "no user: write it in the URL (postgres://user@host/db) or set PGUSER".to_owned())
        })?;
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Some(password) = env("PGPASSWORD") {
            config.password(password);
        }
    }
    if config.get_dbname().is_none() {
        let database = env("PGDATABASE").or_else(|| config.get_user().map(str::to_owned));
        if let Some(database) = database {
            config.dbname(&database);
        }
    }
    if config.get_application_name().is_none() {
        config.application_name(env("PGAPPNAME").as_deref().unwrap_or("strata"));
    }
    Ok(())
}

/// libpq's default host: its socket folder when the server's socket is there, else localhost.
fn default_host() -> String {
    ["/var/run/postgresql", "/tmp"]
        .into_iter()
        .find(|dir| Path::new(dir).join(".s.PGSQL.5432").exists())
        .unwrap_or("localhost")
        .to_owned()
}

/// The database the connection works in, for messages and the lock key.
pub fn database_name(config: &postgres::Config) -> &str {
    config.get_dbname().unwrap_or_default()
}

/// The first host, as messages show it.
#[cfg(test)]
fn first_host(config: &postgres::Config) -> String {
    use postgres::config::Host;
    match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => String::new(),
    }
}

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
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn invalid(url: &str, why: String) -> Error {
    Error::Config(format!("{}: {why}", redact_text(url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
    }

    #[test]
    fn reads_the_url_and_libpq_parameters() {
        let url =
            "postgres://ann:p%40ss@db.example:6543/app?sslmode=verify-full&application_name=deploy&connect_timeout=5";
        let parsed = parse(url, &env(&[])).unwrap();
        assert_eq!(parsed.config.get_user(), Some("ann"));
        assert_eq!(parsed.config.get_password(), Some(&b"p@ss"[..]));
        assert_eq!(parsed.config.get_dbname(), Some("app"));
        assert_eq!(parsed.config.get_ports(), [6543]);
        assert_eq!(parsed.config.get_application_name(), Some("deploy"));
        assert_eq!(parsed.tls, TlsMode::VerifyFull);
        assert_eq!(first_host(&parsed.config), "db.example");
    }

    #[test]
    fn several_hosts_and_a_socket_folder() {
        let parsed = parse("postgresql://u@h1:5432,h2:5433/app?target_session_attrs=read-write", &env(&[])).unwrap();
        assert_eq!(parsed.config.get_hosts().len(), 2);
        assert_eq!(parsed.config.get_ports(), [5432, 5433]);
        assert_eq!(parsed.config.get_target_session_attrs(), postgres::config::TargetSessionAttrs::ReadWrite);
        let socket = parse("postgres://u@/app?host=/var/run/postgresql", &env(&[])).unwrap();
        assert_eq!(first_host(&socket.config), "/var/run/postgresql");
    }

    #[test]
    fn what_the_url_leaves_out_comes_from_pg_variables() {
        let vars = [
            ("PGHOST", "envhost"),
            ("PGPORT", "5999"),
            ("PGUSER", "envuser"),
            ("PGPASSWORD", "envpw"),
            ("PGDATABASE", "envdb"),
            ("PGSSLMODE", "require"),
            ("PGAPPNAME", "fleet"),
        ];
        let parsed = parse("postgres://", &env(&vars)).unwrap();
        assert_eq!(first_host(&parsed.config), "envhost");
        assert_eq!(parsed.config.get_ports(), [5999]);
        assert_eq!(parsed.config.get_user(), Some("envuser"));
        assert_eq!(parsed.config.get_password(), Some(&b"envpw"[..]));
        assert_eq!(parsed.config.get_dbname(), Some("envdb"));
        assert_eq!(parsed.config.get_application_name(), Some("fleet"));
        assert_eq!(parsed.tls, TlsMode::Require);
        let url_wins = parse("postgres://u:urlpw@h/db?sslmode=disable", &env(&vars)).unwrap();
        assert_eq!(url_wins.config.get_password(), Some(&b"urlpw"[..]));
        assert_eq!((url_wins.config.get_dbname(), url_wins.tls), (Some("db"), TlsMode::Disable));
        let defaults = parse("postgres://h", &env(&[("USER", "login")])).unwrap();
        assert_eq!((defaults.config.get_user(), defaults.config.get_dbname()), (Some("login"), Some("login")));
        assert_eq!(defaults.config.get_application_name(), Some("strata"));
    }

    #[test]
    fn bad_parameters_are_named_and_the_password_never_shown() {
        for (url, expected) in [
            ("postgres://u:secret@h/db?sslmode=always", "sslmode `always` is not one of"),
            ("postgres://u:secret@h/db?frobnicate=1", "invalid connection string: unknown option `frobnicate`"),
            ("postgres://u:secret@h/db?sslcert=/c.pem", "the parameter `sslcert` is not supported by Strata"),
            ("postgres://u:secret@h:notaport/db", "postgres://u:***@h:notaport/db"),
        ] {
            let error = parse(url, &env(&[])).unwrap_err().to_string();
            assert!(error.contains(expected), "{url}: {error}");
            assert!(!error.contains("secret"), "{url}: {error}");
        }
    }
}
