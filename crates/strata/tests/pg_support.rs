//! The scratch-database helper both crates' PostgreSQL tests use
//! (`crates/strata-cli/tests/common/postgres.rs`): unique names, the
//! skip/fail rule of `STRATA_TEST_POSTGRES_URL`, and that a scratch database
//! lives exactly as long as its `PgTest`.

#[macro_use]
#[path = "../../strata-cli/tests/common/postgres.rs"]
mod postgres;

use std::collections::HashSet;
use std::ffi::OsString;
use std::panic::catch_unwind;

use postgres::{scratch_name, with_database, PgTest, Skipped, ENV};

#[test]
fn scratch_names_are_unique_across_threads_and_fit_a_postgres_name() {
    let threads: Vec<_> =
        (0..4).map(|_| std::thread::spawn(|| (0..500).map(|_| scratch_name()).collect::<Vec<_>>())).collect();
    let names: Vec<String> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), 2000);
    let prefix = format!("strata_t_{}_", std::process::id());
    for name in &names {
        let rest = name.strip_prefix(&prefix).unwrap_or_else(|| panic!("{name} starts with {prefix}"));
        let parts: Vec<&str> = rest.split('_').collect();
        assert_eq!(parts.len(), 2, "{name}: strata_t_<pid>_<n>_<nanos>");
        assert!(parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())), "{name}");
        assert!(name.len() <= 63, "{name} is longer than PostgreSQL's 63-byte names");
    }
}

#[test]
fn an_unset_variable_skips() {
    assert!(matches!(PgTest::from_setting(None), Err(Skipped)));
}

#[test]
fn an_empty_variable_fails_the_test() {
    let message = panic_message(|| PgTest::from_setting(Some(OsString::from(""))));
    assert!(message.contains(&format!("{ENV} is set but empty")), "{message}");
}

#[test]
fn a_server_that_cannot_be_reached_fails_the_test_without_showing_the_password() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("postgres://postgres:hunter2@127.0.0.1:{closed}/postgres");
    let message = panic_message(|| PgTest::from_setting(Some(url.into())));
    assert!(
        message.contains(&format!("{ENV} is set, but the PostgreSQL server it names cannot be reached")),
        "{message}"
    );
    assert!(message.contains(&format!("127.0.0.1:{closed}")), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn the_scratch_url_keeps_user_host_port_and_query() {
    let cases = [
        ("postgres://postgres@127.0.0.1:5432/postgres", "postgres://postgres@127.0.0.1:5432/db"),
        ("postgresql://u:p@h:1/x?sslmode=disable", "postgresql://u:p@h:1/db?sslmode=disable"),
        ("postgres://u@h", "postgres://u@h/db"),
        ("postgres://u@h?application_name=t", "postgres://u@h/db?application_name=t"),
    ];
    for (server, scratch) in cases {
        assert_eq!(with_database(server, "db").unwrap(), scratch);
    }
    let error = with_database("host=localhost password=hunter2", "db").unwrap_err();
    assert!(error.contains("must be a postgres:// URL") && !error.contains("hunter2"), "{error}");
}

#[test]
fn a_scratch_database_lives_as_long_as_its_pg_test() {
    let Some(db) = pg_test!() else { return };
    let other = PgTest::new().unwrap();
    assert_ne!(db.name(), other.name());
    let current: String = db.connect().query_one("SELECT current_database()", &[]).unwrap().get(0);
    assert_eq!(current, db.name());
    assert!(db.url().ends_with(&format!("/{}", db.name())), "{}", db.url());

    let name = db.name().to_owned();
    let _left_open = db.connect();
    drop(db);
    let mut server = postgres::connect(&std::env::var(ENV).unwrap());
    let exists = |server: &mut ::postgres::Client, name: &str| -> bool {
        server.query_one("SELECT count(*) FROM pg_database WHERE datname = $1", &[&name]).unwrap().get::<_, i64>(0) == 1
    };
    assert!(!exists(&mut server, &name), "{name} was dropped despite a connection left open");
    assert!(exists(&mut server, other.name()));
}

fn panic_message<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> String {
    let payload = catch_unwind(f).map(|_| ()).expect_err("the test fails");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
