//! Connecting, and what every connection is set to.
//!
//! - `utf8mb4`, whatever the server's default character set.
//! - `sql_mode` as the server sets it, unless `mysql_sql_mode` says otherwise.
//! - The server's time zone is left alone and never relied on: Strata writes
//!   its times as UTC text, and reads the server's clock as `UTC_TIMESTAMP()`.
//! - The server reports the transaction state after each statement
//!   (`session_track_transaction_info`, MySQL 5.7+, MariaDB 10.3+), so the
//!   driver knows when a statement (DDL) committed a transaction implicitly.
//! - A lock connection never times out while idle (`wait_timeout`): it idles
//!   for as long as the migrations run, and a server that closed it would let
//!   the next runner in. Its TCP keepalives keep a NAT or load balancer from
//!   dropping it.
//!
//! What is learnt on connecting: whether the server is a Galera node
//! (`wsrep_on`; no such variable, as on MySQL, is off), whether it is
//! MariaDB, and whether `sql_mode` has `NO_BACKSLASH_ESCAPES`.

use std::collections::HashMap;
use std::time::Duration;

use mysql::consts::{CapabilityFlags, SessionStateType};
use mysql::prelude::Queryable;
use mysql::session_state_change::SessionStateChange;
use mysql::{Conn, OptsBuilder, SslOpts};

use super::config::MyConfig;
use super::error::{code, db, message};
use super::tls::{self, TlsMode};
use crate::error::{Error, Result};

/// MySQL's error for an unknown system variable.
const UNKNOWN_VARIABLE: u16 = 1193;
/// MySQL's error for a variable set to a value it does not take.
const WRONG_VALUE: u16 = 1231;

/// What a connection is for.
#[derive(Debug, Clone, Copy)]
pub enum Role<'a> {
    /// The working connection, with the `sql_mode` setting, if any.
    Work { sql_mode: Option<&'a str> },
    /// A runner's lock connection, named `command` to others.
    Lock { command: &'a str },
}

/// What the server said about the session.
#[derive(Debug, Clone, Copy, Default)]
pub struct Session {
    pub galera: bool,
    pub mariadb: bool,
    pub no_backslash_escapes: bool,
    /// The server reports the transaction state after each statement.
    pub tracked: bool,
}

/// Connects as `config` says. `ssl` is the TLS to use; under `PREFERRED`,
/// when the server offers no TLS, it becomes `None` and the connection is
/// made again without it (the caller keeps it for its next connections).
pub fn connect(config: &MyConfig, ssl: &mut Option<SslOpts>, shown: &str, role: Role<'_>) -> Result<(Conn, Session)> {
    let conn = match Conn::new(opts(config, ssl.clone(), role)) {
        Err(error) if config.tls == TlsMode::Preferred && ssl.is_some() && tls::not_offered(&error) => {
            *ssl = None;
            Conn::new(opts(config, None, role))
        }
        other => other,
    };
    let mut conn = conn.map_err(|error| {
        let advice = tls::advice(config, &error).map(|advice| format!("; {advice}")).unwrap_or_default();
        Error::Database(format!("cannot connect: {}; the database is {shown}{advice}", message(&error)))
    })?;
    let session = settings(&mut conn, role)?;
    Ok((conn, session))
}

pub(super) fn opts(config: &MyConfig, ssl: Option<SslOpts>, role: Role<'_>) -> OptsBuilder {
    let builder = OptsBuilder::new()
        .user(Some(&config.user))
        .pass(config.password.clone())
        .db_name(Some(&config.database))
        .prefer_socket(false)
        .tcp_connect_timeout(Some(Duration::from_secs(30)))
        .additional_capabilities(CapabilityFlags::CLIENT_SESSION_TRACK);
    let builder = match &config.socket {
        // The client cannot encrypt a socket, and a socket needs no encryption.
        Some(socket) => builder.socket(Some(socket.to_string_lossy())),
        None => {
            let host = if config.host.contains(':') { format!("[{}]", config.host) } else { config.host.clone() };
            builder.ip_or_hostname(Some(host)).tcp_port(config.port).ssl_opts(ssl)
        }
    };
    match role {
        Role::Work { .. } => builder,
        Role::Lock { command } => builder
            .tcp_keepalive_time_ms(Some(30_000))
            .connect_attrs(Some(HashMap::from([("program_name", super::lock::program_name(command))]))),
    }
}

/// Sets the session up and reads what it is, in one round trip when the
/// server tracks transaction state (two when it does not).
fn settings(conn: &mut Conn, role: Role<'_>) -> Result<Session> {
    let mut sets = vec!["NAMES utf8mb4".to_owned()];
    match role {
        Role::Work { sql_mode: Some(mode) } => sets.push(format!("SESSION sql_mode = '{}'", checked_sql_mode(mode)?)),
        Role::Work { sql_mode: None } => {}
        Role::Lock { .. } => sets.push("SESSION wait_timeout = 31536000".to_owned()),
    }
    const SHOW: &str = "SHOW VARIABLES WHERE Variable_name IN ('sql_mode', 'wsrep_on', 'version')";
    let tracked = format!("SET {}, SESSION session_track_transaction_info = 'STATE'; {SHOW}", sets.join(", "));
    let read = match read_variables(conn, &tracked) {
        Err(error) if code(&error) == Some(UNKNOWN_VARIABLE) => {
            read_variables(conn, &format!("SET {}; {SHOW}", sets.join(", "))).map(|variables| (variables, false))
        }
        other => other.map(|variables| (variables, true)),
    };
    let (variables, tracked) = read.map_err(|error| match (code(&error), role) {
        (Some(WRONG_VALUE), Role::Work { sql_mode: Some(mode) }) => Error::Config(format!(
            "mysql_sql_mode `{mode}` is refused by the server: {}; see the server's list of SQL modes",
            message(&error)
        )),
        _ => db(error),
    })?;
    let value = |name: &str| variables.get(name).map(String::as_str).unwrap_or_default();
    Ok(Session {
        galera: value("wsrep_on").eq_ignore_ascii_case("ON"),
        mariadb: value("version").contains("MariaDB"),
        no_backslash_escapes: value("sql_mode").split(',').any(|mode| mode == "NO_BACKSLASH_ESCAPES"),
        tracked,
    })
}

/// The rows of every result set of `sql` (`SHOW VARIABLES`'s), by name.
fn read_variables(conn: &mut Conn, sql: &str) -> mysql::Result<HashMap<String, String>> {
    let mut variables = HashMap::new();
    let mut result = conn.query_iter(sql)?;
    while let Some(set) = result.iter() {
        for row in set {
            let (name, value): (String, String) = mysql::from_row_opt(row?).map_err(mysql::Error::from)?;
            variables.insert(name.to_ascii_lowercase(), value);
        }
    }
    Ok(variables)
}

/// `mysql_sql_mode` as a string literal's content: mode names, letters,
/// digits and `_`, separated by commas (or nothing: no mode at all).
fn checked_sql_mode(mode: &str) -> Result<&str> {
    if mode.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b',') {
        return Ok(mode);
    }
    Err(Error::Config(format!(
        "mysql_sql_mode `{}` is not a list of SQL modes: write names separated by commas, \
         e.g. mysql_sql_mode = \"STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES\"",
        mode.escape_default()
    )))
}

/// Whether the statement that just ran left a transaction open, as the
/// server reported it; `None` when it reported no change.
pub fn transaction_state(conn: &Conn) -> Option<bool> {
    let changes = conn.session_state_changes().ok()?;
    let state = changes.iter().rev().find(|c| c.data_type() == SessionStateType::SESSION_TRACK_TRANSACTION_STATE)?;
    match state.decode() {
        // `T`: an explicit transaction; `I`: an implicit one (autocommit off); `_`: none.
        Ok(SessionStateChange::TransactionState(state)) => Some(matches!(state.as_bytes().first(), Some(b'T' | b'I'))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_modes_are_names_and_commas_only() {
        assert_eq!(checked_sql_mode("STRICT_ALL_TABLES,ANSI_QUOTES").unwrap(), "STRICT_ALL_TABLES,ANSI_QUOTES");
        assert_eq!(checked_sql_mode("").unwrap(), "");
        let error = checked_sql_mode("ANSI'; DROP TABLE x; --").unwrap_err().to_string();
        assert!(error.starts_with("mysql_sql_mode `ANSI\\'; DROP TABLE x; --` is not a list of SQL modes"), "{error}");
    }
}
