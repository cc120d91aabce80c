//! Scratch PostgreSQL databases for tests: each test gets its own, uniquely
//! named, on the server `STRATA_TEST_POSTGRES_URL` names, dropped when the
//! test ends (also when it fails). Without the variable the test says it is
//! skipped and passes; with it, a server that cannot be reached fails the test.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::{Client, Config, NoTls};

pub const URL_VARIABLE: &str = "STRATA_TEST_POSTGRES_URL";

/// `url` with its database name replaced by `name` (user, host and `?` options kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = base[authority..].find('/').map_or(base, |i| &base[..authority + i]);
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// A scratch database on the test server, dropped when this goes out of scope.
pub struct TestDb {
    server: Config,
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// `None` (after saying so) when `STRATA_TEST_POSTGRES_URL` is not set.
    pub fn new() -> Option<TestDb> {
        let Some(url) = std::env::var(URL_VARIABLE).ok().filter(|url| !url.is_empty()) else {
            eprintln!("skipped: {URL_VARIABLE} is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)");
            return None;
        };
        let shown = strata::redact_text(&url);
        let mut server: Config =
            url.parse().unwrap_or_else(|e| panic!("{URL_VARIABLE}={shown} is not a PostgreSQL URL: {e}"));
        server.connect_timeout(Duration::from_secs(10));
        let mut admin = server.connect(NoTls).unwrap_or_else(|e| {
            let cause = std::error::Error::source(&e).map_or(String::new(), |cause| format!(": {cause}"));
            let error = strata::redact_text(&format!("{e}{cause}"));
            panic!("{URL_VARIABLE} is set to {shown}, but that server cannot be reached: {error}")
        });
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("strata_test_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).expect("create the test database");
        let url = with_database(&url, &name);
        Some(TestDb { server, name, url })
    }

    /// A connection to the scratch database, its time zone UTC.
    pub fn client(&self) -> Client {
        let mut client = self.server.clone().dbname(&self.name).connect(NoTls).expect("connect to the test database");
        client.batch_execute("SET TIME ZONE 'UTC'").unwrap();
        client
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let dropped = self.server.connect(NoTls).and_then(|mut admin| {
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
        });
        if let Err(e) = dropped {
            let message = format!("could not drop the test database {}: {e}", self.name);
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}
