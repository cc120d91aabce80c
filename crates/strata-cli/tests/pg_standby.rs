//! The throw-away primary + hot standby (`scripts/pg-standby.sh`, `Standby`):
//! replication works, the standby refuses writes, and everything is stopped
//! and removed afterwards, also when a test panics.

#[macro_use]
#[path = "common/postgres.rs"]
mod postgres;

use std::net::TcpStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use ::postgres::error::SqlState;
use postgres::script;

#[test]
fn the_standby_replays_the_primary_and_refuses_writes() {
    let started = Instant::now();
    let Some(pair) = pg_standby!() else { return };
    println!("primary and standby started in {:?}", started.elapsed());
    let (mut primary, mut standby) = (pair.primary(), pair.standby());
    let in_recovery = |client: &mut ::postgres::Client| -> bool {
        client.query_one("SELECT pg_is_in_recovery()", &[]).unwrap().get(0)
    };
    assert!(!in_recovery(&mut primary));
    assert!(in_recovery(&mut standby));

    primary
        .batch_execute("CREATE TABLE replicated (id int PRIMARY KEY); INSERT INTO replicated VALUES (1), (2)")
        .unwrap();
    pair.wait_for_replay();
    let rows: i64 = standby.query_one("SELECT count(*) FROM replicated", &[]).unwrap().get(0);
    assert_eq!(rows, 2);

    for write in ["INSERT INTO replicated VALUES (3)", "CREATE TABLE on_standby (id int)"] {
        let error = standby.batch_execute(write).expect_err(write);
        assert_eq!(error.code(), Some(&SqlState::READ_ONLY_SQL_TRANSACTION), "{write}: {error}");
        assert_eq!(SqlState::READ_ONLY_SQL_TRANSACTION.code(), "25006");
    }
}

#[test]
fn the_pair_is_stopped_and_removed_when_the_test_panics() {
    let mut seen: Option<(PathBuf, Vec<String>)> = None;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let Some(pair) = pg_standby!() else { return };
        let addresses = [pair.primary_url(), pair.standby_url()].map(address).to_vec();
        assert!(addresses.iter().all(|a| TcpStream::connect(a).is_ok()), "both servers listen");
        seen = Some((pair.dir().to_owned(), addresses));
        panic!("a test failing while it holds the pair");
    }));
    let Some((dir, addresses)) = seen else { return };
    assert!(outcome.is_err());
    assert!(!dir.exists(), "{} is removed", dir.display());
    for a in addresses {
        assert!(TcpStream::connect(&a).is_err(), "nothing listens on {a} any more");
    }
}

#[test]
fn the_script_refuses_a_port_in_use_and_touches_nothing() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("pair");
    let output = script(&["start", dir.to_str().unwrap(), &port]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("port {port} on 127.0.0.1 is in use")), "{stderr}");
    assert!(!dir.exists());
}

#[test]
fn the_script_stops_only_folders_it_made() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let output = script(&["stop", dir.path().to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("was not made by"), "{stderr}");
    assert!(dir.path().join("keep.txt").exists());
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn address(url: &str) -> String {
    let authority = url.split('@').nth(1).and_then(|rest| rest.split('/').next()).unwrap();
    authority.to_owned()
}
