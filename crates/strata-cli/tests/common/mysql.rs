//! MySQL/MariaDB for tests, shared by the integration tests of both crates:
//! `MyTest`, a scratch database on the server `STRATA_TEST_MYSQL_URL` names
//! (e.g. `mysql://root@127.0.0.1:3306/`, no database in it), dropped
//! afterwards.
//!
//! The variable is the signal that the machine has MySQL or MariaDB: unset,
//! these helpers print `skipped: STRATA_TEST_MYSQL_URL is not set` and the
//! test returns early (and passes); set, a server that cannot be reached
//! fails the test. Mount this file at the test crate's root as `mysql_db`
//! (the macro names `crate::mysql_db`):
//!
//! ```ignore
//! #[macro_use]
//! #[path = "common/mysql.rs"] // from crates/strata/tests: "../../strata-cli/tests/common/mysql.rs"
//! mod mysql_db;
//!
//! #[test]
//! fn up_creates_the_tables() {
//!     let Some(db) = my_test!() else { return };
//!     // db.url(): mysql://root@127.0.0.1:3306/strata_t_…; db.connect(): a mysql::Conn
//! }
//! ```

#![allow(dead_code, unused_macros)]

use std::ffi::OsString;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};

/// The variable naming the server tests create their databases on.
pub const ENV: &str = "STRATA_TEST_MYSQL_URL";

/// `Some(MyTest)`, or `None` after printing the skip line when
/// `STRATA_TEST_MYSQL_URL` is unset: `let Some(db) = my_test!() else { return };`
macro_rules! my_test {
    () => {
        $crate::mysql_db::MyTest::new().map_err(|skipped| skipped.report()).ok()
    };
}

/// The marker for "no MySQL here": `STRATA_TEST_MYSQL_URL` is unset.
#[derive(Debug, PartialEq, Eq)]
pub struct Skipped;

impl Skipped {
    /// Prints the line a skipped test leaves in its output.
    pub fn report(&self) {
        println!("skipped: {ENV} is not set");
    }
}

/// The rule: unset → skip (`Ok(None)`); a URL → `Ok(Some(url))`; set but
/// empty or not Unicode → a message to fail with.
pub fn server_setting(value: Option<OsString>) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    match value.into_string() {
        Ok(url) if url.trim().is_empty() => {
            Err(format!("{ENV} is set but empty; set it to a mysql:// URL, or unset it to skip the MySQL tests"))
        }
        Ok(url) => Ok(Some(url)),
        Err(_) => Err(format!("{ENV} is not valid Unicode")),
    }
}

/// A uniquely named scratch database, dropped when this is dropped.
pub struct MyTest {
    /// A connection to the server, kept for the drop.
    admin: Conn,
    server: String,
    name: String,
    url: String,
}

impl MyTest {
    /// A scratch database on the server `STRATA_TEST_MYSQL_URL` names;
    /// `Err(Skipped)` when it is unset. Panics, saying why, when it is set
    /// but the server cannot be reached or refuses to create the database.
    pub fn new() -> Result<MyTest, Skipped> {
        match server_setting(std::env::var_os(ENV)) {
            Ok(None) => Err(Skipped),
            Ok(Some(url)) => Ok(MyTest::create_on(&url).unwrap_or_else(|message| panic!("{message}"))),
            Err(message) => panic!("{message}"),
        }
    }

    /// Creates a scratch database on the server at `server_url`.
    pub fn create_on(server_url: &str) -> Result<MyTest, String> {
        let shown = strata::redact_text(server_url);
        let mut admin = connect_to(server_url, None).map_err(|e| {
            strata::redact_text(&format!(
                "{ENV} is set, but the MySQL server it names cannot be reached ({shown}): {e}. \
                 Start the server, or unset {ENV} to skip the MySQL tests."
            ))
        })?;
        let name = scratch_name();
        let url = with_database(server_url, &name)?;
        admin
            .query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .map_err(|e| strata::redact_text(&format!("cannot create the scratch database {name} on {shown}: {e}")))?;
        Ok(MyTest { admin, server: server_url.to_owned(), name, url })
    }

    /// The scratch database's URL: the server's, with this database's name.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's URL, without a database.
    pub fn server_url(&self) -> &str {
        &self.server
    }

    /// A new connection to the scratch database.
    pub fn connect(&self) -> Conn {
        connect_to(&self.server, Some(&self.name))
            .unwrap_or_else(|e| panic!("{}", strata::redact_text(&format!("cannot connect to {}: {e}", self.url))))
    }

    /// A new connection to the server, in no database.
    pub fn admin(&self) -> Conn {
        connect_to(&self.server, None).unwrap_or_else(|e| panic!("cannot connect to the server: {e}"))
    }
}

impl Drop for MyTest {
    fn drop(&mut self) {
        if let Err(e) = self.admin.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name)) {
            let message = format!("could not drop the scratch database {}: {e}", self.name);
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

/// `strata_t_<pid>_<n>_<nanos>`: unique across processes (pid), within one
/// (a counter), and across runs reusing a pid (the time). At most 64 bytes,
/// MySQL's limit for a database name.
pub fn scratch_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("strata_t_{}_{n}_{nanos}", std::process::id())
}

/// `url` with its database replaced by `name` (user, host, port and query kept).
pub fn with_database(url: &str, name: &str) -> Result<String, String> {
    let rest = ["mysql://", "mariadb://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme).map(|_| scheme.len()))
        .ok_or_else(|| format!("{ENV} must be a mysql:// URL, not {}", strata::redact_text(url)))?;
    let at = url[rest..].rfind('@').map_or(rest, |i| rest + i);
    let path = url[at..].find(['/', '?']).map_or(url.len(), |i| at + i);
    let query = url[path..].find('?').map_or(url.len(), |i| path + i);
    Ok(format!("{}/{name}{}", &url[..path], &url[query..]))
}

/// A connection to the server `url` names (its database, if any, ignored), in `database`.
fn connect_to(url: &str, database: Option<&str>) -> Result<Conn, mysql::Error> {
    let plain = match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => url.to_owned(),
    };
    let opts = Opts::from_url(&plain)?;
    let builder = OptsBuilder::from_opts(opts)
        .db_name(database)
        .prefer_socket(false)
        .tcp_connect_timeout(Some(Duration::from_secs(10)));
    Conn::new(builder)
}
