//! PostgreSQL for tests, shared by the integration tests of both crates:
//! `PgTest`, a scratch database on the server `STRATA_TEST_POSTGRES_URL`
//! names, dropped afterwards; `Standby`, a throw-away primary and hot standby
//! from `scripts/pg-standby.sh`, stopped afterwards.
//!
//! The variable is the signal that the machine has PostgreSQL: unset, these
//! helpers print `skipped: STRATA_TEST_POSTGRES_URL is not set` and the test
//! returns early (and passes); set, a server that cannot be reached fails the
//! test. Mount this file at the test crate's root as `postgres` (the macros
//! name `crate::postgres`):
//!
//! ```ignore
//! #[macro_use]
//! #[path = "common/postgres.rs"] // from crates/strata/tests: "../../strata-cli/tests/common/postgres.rs"
//! mod postgres;
//!
//! #[test]
//! fn up_creates_the_tables() {
//!     let Some(db) = pg_test!() else { return };
//!     // db.url(): postgres://postgres@127.0.0.1:5432/strata_t_…; db.connect(): a postgres::Client
//! }
//! ```

#![allow(dead_code, unused_macros)]

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use postgres::{Client, Config, NoTls};

/// The variable naming the server tests create their databases on.
pub const ENV: &str = "STRATA_TEST_POSTGRES_URL";

/// `scripts/pg-standby.sh`; both crates sit at `crates/<name>`.
pub const STANDBY_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/pg-standby.sh");

/// `Some(PgTest)`, or `None` after printing the skip line when
/// `STRATA_TEST_POSTGRES_URL` is unset: `let Some(db) = pg_test!() else { return };`
macro_rules! pg_test {
    () => {
        $crate::postgres::PgTest::new().map_err(|skipped| skipped.report()).ok()
    };
}

/// `Some(Standby)`, or `None` after printing the skip line when
/// `STRATA_TEST_POSTGRES_URL` is unset: `let Some(pair) = pg_standby!() else { return };`
macro_rules! pg_standby {
    () => {
        $crate::postgres::Standby::start().map_err(|skipped| skipped.report()).ok()
    };
}

/// The marker for "no PostgreSQL here": `STRATA_TEST_POSTGRES_URL` is unset.
#[derive(Debug, PartialEq, Eq)]
pub struct Skipped;

impl Skipped {
    /// Prints the line a skipped test leaves in its output.
    pub fn report(&self) {
        println!("skipped: {ENV} is not set");
    }
}

/// The rule: unset → skip (`Ok(None)`); a URL → `Ok(Some(url))`; set but
/// empty or not Unicode → a message to fail with (an empty value is a broken
/// CI setting, not a request to skip).
pub fn server_setting(value: Option<OsString>) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    match value.into_string() {
        Ok(url) if url.trim().is_empty() => Err(format!(
            "{ENV} is set but empty; set it to a postgres:// URL, or unset it to skip the PostgreSQL tests"
        )),
        Ok(url) => Ok(Some(url)),
        Err(_) => Err(format!("{ENV} is not valid Unicode")),
    }
}

/// A uniquely named scratch database, dropped (with `WITH (FORCE)`, PostgreSQL
/// 13+, so leftover connections do not keep it) when this is dropped.
pub struct PgTest {
    /// A connection to the server's own database, kept for the drop.
    admin: Client,
    name: String,
    url: String,
}

impl PgTest {
    /// A scratch database on the server `STRATA_TEST_POSTGRES_URL` names;
    /// `Err(Skipped)` when it is unset. Panics, saying why, when it is set
    /// but the server cannot be reached or refuses to create the database.
    pub fn new() -> Result<PgTest, Skipped> {
        PgTest::from_setting(std::env::var_os(ENV))
    }

    /// `new` with the variable's value given (for testing the rule).
    pub fn from_setting(value: Option<OsString>) -> Result<PgTest, Skipped> {
        match server_setting(value) {
            Ok(None) => Err(Skipped),
            Ok(Some(url)) => Ok(PgTest::create_on(&url).unwrap_or_else(|message| panic!("{message}"))),
            Err(message) => panic!("{message}"),
        }
    }

    /// Creates a scratch database on the server at `server_url` (whose
    /// database is only used to create and drop it).
    pub fn create_on(server_url: &str) -> Result<PgTest, String> {
        let shown = strata::redact_text(server_url);
        let mut admin = connect_to(server_url).map_err(|e| {
            strata::redact_text(&format!(
                "{ENV} is set, but the PostgreSQL server it names cannot be reached ({shown}): {}. \
                 Start the server, or unset {ENV} to skip the PostgreSQL tests.",
                chain(&e)
            ))
        })?;
        let name = scratch_name();
        let url = with_database(server_url, &name)?;
        admin.batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name))).map_err(|e| {
            strata::redact_text(&format!("cannot create the scratch database {name} on {shown}: {}", chain(&e)))
        })?;
        Ok(PgTest { admin, name, url })
    }

    /// The scratch database's URL: the server's, with this database's name.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new connection to the scratch database.
    pub fn connect(&self) -> Client {
        connect(&self.url)
    }
}

impl Drop for PgTest {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&self.name));
        if let Err(e) = self.admin.batch_execute(&drop) {
            let message = format!("could not drop the scratch database {}: {}", self.name, chain(&e));
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

/// `strata_t_<pid>_<n>_<nanos>`: unique across processes (pid), within one
/// (a counter), and across runs reusing a pid (the time). At most 63 bytes,
/// PostgreSQL's limit for a name.
pub fn scratch_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("strata_t_{}_{n}_{nanos}", std::process::id())
}

/// `url` with its database replaced by `name` (user, host, port and query kept).
pub fn with_database(url: &str, name: &str) -> Result<String, String> {
    let rest = ["postgres://", "postgresql://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme).map(|_| scheme.len()))
        .ok_or_else(|| format!("{ENV} must be a postgres:// URL, not {}", strata::redact_text(url)))?;
    let path = url[rest..].find(['/', '?', '#']).map_or(url.len(), |i| rest + i);
    let query = url[path..].find(['?', '#']).map_or(url.len(), |i| path + i);
    Ok(format!("{}/{name}{}", &url[..path], &url[query..]))
}

/// A name as a quoted SQL identifier (names cannot be bound as parameters).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn connect_to(url: &str) -> Result<Client, postgres::Error> {
    let mut config: Config = url.parse()?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.connect(NoTls)
}

/// A connection to `url`; panics naming the URL (password redacted).
pub fn connect(url: &str) -> Client {
    connect_to(url)
        .unwrap_or_else(|e| panic!("{}", strata::redact_text(&format!("cannot connect to {url}: {}", chain(&e)))))
}

/// An error and its causes, `: `-separated (`postgres::Error` shows only its kind).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// A throw-away PostgreSQL primary and streaming hot standby, on free ports
/// in a temporary folder, stopped and removed when this is dropped (also when
/// the test panics).
pub struct Standby {
    dir: tempfile::TempDir,
    primary: String,
    standby: String,
}

impl Standby {
    /// Starts the pair; `Err(Skipped)` when `STRATA_TEST_POSTGRES_URL` is
    /// unset. Panics with the script's output when it cannot start them.
    pub fn start() -> Result<Standby, Skipped> {
        match server_setting(std::env::var_os(ENV)) {
            Ok(None) => Err(Skipped),
            Ok(Some(_)) => Ok(Standby::start_now()),
            Err(message) => panic!("{message}"),
        }
    }

    /// Starts the pair whatever the variable says. Tries other ports when
    /// another process took the free ones first.
    pub fn start_now() -> Standby {
        for _ in 0..3 {
            let dir = standby_dir();
            // Built before the script runs, so a failed start is cleaned up too.
            let mut pair = Standby { dir, primary: String::new(), standby: String::new() };
            let port = free_port_pair().to_string();
            let output = script(&["start", path_str(pair.dir()), &port]);
            if output.status.success() {
                pair.primary = url_line(&output, "primary: ");
                pair.standby = url_line(&output, "standby: ");
                return pair;
            }
            if !text(&output).contains("in use") {
                panic!("scripts/pg-standby.sh start failed ({}):\n{}", output.status, text(&output));
            }
        }
        panic!("scripts/pg-standby.sh start found its ports taken three times");
    }

    pub fn primary_url(&self) -> &str {
        &self.primary
    }

    pub fn standby_url(&self) -> &str {
        &self.standby
    }

    /// The folder holding both servers (removed on drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn primary(&self) -> Client {
        connect(&self.primary)
    }

    pub fn standby(&self) -> Client {
        connect(&self.standby)
    }

    /// Waits (at most 10 s) until the standby has replayed everything
    /// committed on the primary so far: call it after writing on the primary
    /// (e.g. `strata up` there) and before reading the standby.
    pub fn wait_for_replay(&self) {
        let lsn: String = self.primary().query_one("SELECT pg_current_wal_lsn()::text", &[]).unwrap().get(0);
        let mut standby = self.standby();
        let deadline = Instant::now() + Duration::from_secs(10);
        let caught_up = "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false)";
        while !standby.query_one(caught_up, &[&lsn]).unwrap().get::<_, bool>(0) {
            assert!(Instant::now() < deadline, "the standby did not replay the primary's WAL up to {lsn} within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let output = script(&["stop", path_str(self.dir())]);
        if !output.status.success() {
            let message = format!("scripts/pg-standby.sh stop failed ({}):\n{}", output.status, text(&output));
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

/// The pair's folder: in /dev/shm when it has room (writing the servers'
/// thousand files there takes a tenth of the time it takes on a busy disk),
/// else in the temporary folder.
fn standby_dir() -> tempfile::TempDir {
    const ROOM_KB: u64 = 512 * 1024;
    let free_kb = || {
        let df = Command::new("df").args(["-Pk", "/dev/shm"]).output().ok()?;
        let text = String::from_utf8(df.stdout).ok()?;
        text.lines().nth(1)?.split_whitespace().nth(3)?.parse::<u64>().ok()
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix("strata-pg-standby-");
    let in_shm = free_kb().is_some_and(|kb| kb >= ROOM_KB).then(|| builder.tempdir_in("/dev/shm").ok());
    in_shm.flatten().unwrap_or_else(|| builder.tempdir().expect("create temp dir"))
}

/// A port P, above 1024, such that P and P + 1 are free on 127.0.0.1 now.
pub fn free_port_pair() -> u16 {
    use std::net::TcpListener;
    for _ in 0..100 {
        let first = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = first.local_addr().unwrap().port();
        if port > 1024 && port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("found no two free consecutive ports on 127.0.0.1");
}

/// Runs `scripts/pg-standby.sh` with `args`, capturing its output.
pub fn script(args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(STANDBY_SCRIPT)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {STANDBY_SCRIPT}: {e}"))
}

/// The URL after `label` in the script's output.
fn url_line(output: &std::process::Output, label: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let url = stdout.lines().find_map(|line| line.strip_prefix(label)).map(str::to_owned);
    url.unwrap_or_else(|| panic!("scripts/pg-standby.sh start printed no `{label}` line:\n{}", text(output)))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp dir path is Unicode")
}

fn text(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
