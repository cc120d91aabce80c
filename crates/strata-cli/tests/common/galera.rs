//! A throw-away three-node MariaDB Galera cluster for tests, shared by the
//! integration tests of both crates: `Cluster`, started by
//! `scripts/galera.sh` on free ports of 127.0.0.1 in a temporary folder,
//! stopped and removed when dropped (also when the test panics) or, should
//! the test process die outright, by the script's watcher once it has.
//!
//! A cluster takes about 15 s to start, so a test binary starts one and runs
//! its cluster scenarios in it, each in its own database (`Cluster::scratch`).
//! `STRATA_TEST_GALERA=1` asks for these tests: unset (or `0`), the helper
//! prints `skipped: STRATA_TEST_GALERA is not 1` and the test returns early
//! (and passes); set, a cluster that cannot start fails the test. Mount this
//! file at the test crate's root as `galera` (the macro names
//! `crate::galera`):
//!
//! ```ignore
//! #[macro_use]
//! #[path = "common/galera.rs"] // from crates/strata/tests: "../../strata-cli/tests/common/galera.rs"
//! mod galera;
//!
//! #[test]
//! fn on_a_cluster() {
//!     let Some(cluster) = galera!() else { return };
//!     let db = cluster.scratch(); // db.urls[0..3]: mysql://root@127.0.0.1:PORT/strata_t_…, one a node
//!     let mut node2 = cluster.connect(2); // a mysql::Conn to node 2 (nodes are 1, 2, 3)
//! }
//! ```

#![allow(dead_code, unused_macros)]

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};

/// The variable asking for the cluster tests: `1`.
pub const ENV: &str = "STRATA_TEST_GALERA";

/// `scripts/galera.sh`; both crates sit at `crates/<name>`.
pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/galera.sh");

/// `Some(Cluster)`, or `None` after printing the skip line when
/// `STRATA_TEST_GALERA` is not `1`: `let Some(cluster) = galera!() else { return };`
macro_rules! galera {
    () => {
        $crate::galera::Cluster::start().map_err(|skipped| skipped.report()).ok()
    };
}

/// The marker for "no cluster tests here": `STRATA_TEST_GALERA` is unset or `0`.
#[derive(Debug, PartialEq, Eq)]
pub struct Skipped;

impl Skipped {
    /// Prints the line a skipped test leaves in its output.
    pub fn report(&self) {
        println!("skipped: {ENV} is not 1");
    }
}

/// The rule: unset or `0` → skip (`Ok(false)`); `1` → run (`Ok(true)`);
/// anything else → a message to fail with (a typo in CI must not skip).
pub fn setting(value: Option<OsString>) -> Result<bool, String> {
    match value.as_deref().map(|v| v.to_str()) {
        None => Ok(false),
        Some(Some("0")) => Ok(false),
        Some(Some("1")) => Ok(true),
        Some(_) => Err(format!("{ENV} must be 1 (run the Galera cluster tests) or 0 (skip them), not {value:?}")),
    }
}

/// A running three-node cluster; nodes are numbered 1, 2, 3.
pub struct Cluster {
    dir: tempfile::TempDir,
    /// `mysql://root@127.0.0.1:PORT/` of nodes 1, 2 and 3.
    pub urls: [String; 3],
}

/// A database made on the cluster, with its URL on each node.
pub struct Scratch {
    pub name: String,
    /// `mysql://root@127.0.0.1:PORT/<name>` of nodes 1, 2 and 3.
    pub urls: [String; 3],
}

impl Scratch {
    /// A new connection to this database on `node` (1, 2 or 3).
    pub fn connect(&self, node: usize) -> Conn {
        connect(&self.urls[node - 1])
    }

    /// [`Scratch::connect`], with `wsrep_sync_wait = 1`: each read first
    /// waits until the node has applied what the cluster committed before
    /// it (nodes apply other nodes' writes after those have answered).
    pub fn synced(&self, node: usize) -> Conn {
        let mut conn = self.connect(node);
        conn.query_drop("SET SESSION wsrep_sync_wait = 1").expect("set wsrep_sync_wait");
        conn
    }
}

impl Cluster {
    /// Starts a cluster; `Err(Skipped)` unless `STRATA_TEST_GALERA` is `1`.
    /// Panics with the script's output when it cannot start one.
    pub fn start() -> Result<Cluster, Skipped> {
        match setting(std::env::var_os(ENV)) {
            Ok(false) => Err(Skipped),
            Ok(true) => Ok(Cluster::start_now()),
            Err(message) => panic!("{message}"),
        }
    }

    /// Starts a cluster whatever the variable says. Tries other ports when
    /// another process took the free ones first.
    pub fn start_now() -> Cluster {
        let pid = std::process::id().to_string();
        for _ in 0..3 {
            // Built before the script runs, so a failed start is cleaned up too.
            let mut cluster = Cluster { dir: cluster_dir(), urls: Default::default() };
            let output = script(&["start", "--watch", &pid, path_str(cluster.dir())]);
            if output.status.success() {
                cluster.urls = [1, 2, 3].map(|node| url_line(&output, &format!("node{node}: ")));
                return cluster;
            }
            if !text(&output).contains("in use") {
                panic!("scripts/galera.sh start failed ({}):\n{}", output.status, text(&output));
            }
        }
        panic!("scripts/galera.sh start found its ports taken three times");
    }

    /// `mysql://root@127.0.0.1:PORT/` of `node` (1, 2 or 3).
    pub fn url(&self, node: usize) -> &str {
        &self.urls[node - 1]
    }

    /// A new connection to `node` (1, 2 or 3), no database selected.
    pub fn connect(&self, node: usize) -> Conn {
        connect(self.url(node))
    }

    /// Creates a uniquely named database on node 1, and returns once every
    /// node has it (the other nodes apply DDL after node 1 has answered).
    pub fn scratch(&self) -> Scratch {
        let name = scratch_name();
        self.connect(1).query_drop(format!("CREATE DATABASE `{name}`")).expect("create a scratch database");
        for node in [2, 3] {
            let mut conn = self.connect(node);
            conn.query_drop("SET SESSION wsrep_sync_wait = 1").unwrap();
            let found: Option<String> = conn
                .exec_first("SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?", (&name,))
                .unwrap();
            assert_eq!(found.as_deref(), Some(name.as_str()), "node {node} has the new database");
        }
        let urls = [1, 2, 3].map(|node| format!("{}{name}", self.url(node)));
        Scratch { name, urls }
    }

    /// The folder holding the nodes (removed on drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let output = script(&["stop", path_str(self.dir())]);
        if !output.status.success() {
            let message = format!("scripts/galera.sh stop failed ({}):\n{}", output.status, text(&output));
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

/// `strata_t_<pid>_<n>_<nanos>`: unique across processes, within one, and
/// across runs reusing a pid.
pub fn scratch_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("strata_t_{}_{n}_{nanos}", std::process::id())
}

/// The connection options of `url`, with a connect timeout.
pub fn opts(url: &str) -> Opts {
    let opts = Opts::from_url(url).unwrap_or_else(|e| panic!("{url} is not a MySQL URL: {e}"));
    OptsBuilder::from_opts(opts).tcp_connect_timeout(Some(Duration::from_secs(10))).into()
}

/// A connection to `url`; panics naming it.
pub fn connect(url: &str) -> Conn {
    Conn::new(opts(url)).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// The cluster's folder: in /dev/shm when it has room (the nodes write
/// their data there, a few times faster than on a busy disk), else in the
/// temporary folder.
fn cluster_dir() -> tempfile::TempDir {
    const ROOM_KB: u64 = 512 * 1024;
    let free_kb = || {
        let df = Command::new("df").args(["-Pk", "/dev/shm"]).output().ok()?;
        let text = String::from_utf8(df.stdout).ok()?;
        text.lines().nth(1)?.split_whitespace().nth(3)?.parse::<u64>().ok()
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix("strata-galera-");
    let in_shm = free_kb().is_some_and(|kb| kb >= ROOM_KB).then(|| builder.tempdir_in("/dev/shm").ok());
    in_shm.flatten().unwrap_or_else(|| builder.tempdir().expect("create temp dir"))
}

/// Runs `scripts/galera.sh` with `args`, capturing its output.
pub fn script(args: &[&str]) -> std::process::Output {
    Command::new("bash").arg(SCRIPT).args(args).output().unwrap_or_else(|e| panic!("cannot run bash {SCRIPT}: {e}"))
}

/// The URL after `label` in the script's output.
fn url_line(output: &std::process::Output, label: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let url = stdout.lines().find_map(|line| line.strip_prefix(label)).map(str::to_owned);
    url.unwrap_or_else(|| panic!("scripts/galera.sh start printed no `{label}` line:\n{}", text(output)))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp dir path is Unicode")
}

fn text(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
