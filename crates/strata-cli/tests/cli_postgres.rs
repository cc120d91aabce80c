//! What a fleet of app instances relies on when each runs `strata up` against
//! one PostgreSQL database at start-up, driving the real `strata` binary:
//! many runners at once, a runner killed while it holds the lock, waiting for
//! the lock and giving up, `transaction:false` steps (and one killed midway),
//! a failing migration, `reset` within one schema, a failed `adopt` or
//! `reset` changing nothing, and `status` that only looks.
//!
//! The server: `STRATA_TEST_POSTGRES_URL`, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`. Without it each test says
//! it is skipped and passes; with it, a server that cannot be reached fails
//! the test. Each test works in scratch databases of its own ([`PgTest`]),
//! dropped afterwards. Waits are bounded generously and no assertion depends
//! on how the processes were scheduled, except the few that say how promptly
//! something must happen, with bounds far from the times they guard against.

#[path = "support/children.rs"]
mod children;
mod common;
#[macro_use]
#[path = "common/postgres.rs"]
mod postgres;

use std::collections::BTreeSet;
use std::process::Child;
use std::time::{Duration, Instant};

use ::postgres::Client;
use children::{drain, eventually, finished, run_bounded, spawn, stream, wait_for_text};
use common::{normalize, Project, Run};
use postgres::PgTest;

/// A project whose strata.toml names a scratch PostgreSQL database.
struct Pg {
    project: Project,
    db: PgTest,
    /// The database as strata shows it (`Database: …`, messages).
    shown: String,
}

impl Pg {
    /// `None` (the test is skipped) when `STRATA_TEST_POSTGRES_URL` is not set.
    fn new() -> Option<Pg> {
        let db = pg_test!()?;
        Some(Pg::on(Project::new(), db))
    }

    /// `project`, pointed at `db`.
    fn on(project: Project, db: PgTest) -> Pg {
        project.write("strata.toml", &format!("database = {:?}\n", db.url()));
        let shown = strata::DatabaseUrl::parse(db.url()).expect("a PostgreSQL URL").to_string();
        Pg { project, db, shown }
    }

    fn client(&self) -> Client {
        self.db.connect()
    }

    /// `strata ARGS`, checked to name the database first.
    fn run(&self, args: &[&str]) -> Run {
        let run = self.project.run(args);
        if let Some(line) = &run.database_line {
            assert_eq!(line, &format!("Database: {}\n", self.shown));
        }
        run
    }

    /// `(version, name, state)` of every history row.
    fn history(&self) -> Vec<(i64, String, String)> {
        let rows =
            self.client().query("SELECT version, name, state FROM migration_history ORDER BY version", &[]).unwrap();
        rows.iter().map(|row| (row.get(0), row.get(1), row.get(2))).collect()
    }

    fn versions(&self) -> Vec<i64> {
        self.history().into_iter().map(|(version, _, _)| version).collect()
    }

    /// Every table outside PostgreSQL's own schemas, as `schema.table`, sorted.
    fn tables(&self) -> Vec<String> {
        tables(&mut self.client())
    }

    /// `strata ARGS` as a child process with piped output.
    fn spawn(&self, args: &[&str]) -> Child {
        spawn(&self.project, args)
    }
}

fn tables(client: &mut Client) -> Vec<String> {
    let sql = "SELECT schemaname || '.' || tablename FROM pg_tables \
               WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1";
    client.query(sql, &[]).unwrap().iter().map(|row| row.get(0)).collect()
}

fn int(client: &mut Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// The `application_name` of the lock connection of the runner `pid`.
fn lock_connection(pid: u32, command: &str) -> String {
    format!("strata {command} pid={pid}")
}

/// Whether the runner `pid` holds an advisory lock, as the server says.
fn holds_lock(client: &mut Client, pid: u32) -> bool {
    let sql = "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1";
    client.query_one(sql, &[&lock_connection(pid, "up")]).unwrap().get::<_, i64>(0) == 1
}

/// Whether any strata runner holds an advisory lock on this database.
fn any_runner_holds_a_lock(client: &mut Client) -> bool {
    let sql = "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'strata % pid=%' \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    client.query_one(sql, &[]).unwrap().get::<_, i64>(0) > 0
}

/// Whether another session of this database is running `statement` now
/// (alone, or within the text it sent).
fn running(client: &mut Client, statement: &str) -> bool {
    let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
               AND pid <> pg_backend_pid() AND state = 'active' AND strpos(query, $1) > 0";
    client.query_one(sql, &[&statement]).unwrap().get::<_, i64>(0) > 0
}

/// Waits until the runner `child` holds the lock and runs `statement`;
/// kills it and fails if it exits or 60 s pass first.
fn wait_until_running(client: &mut Client, child: &mut Child, statement: &str) {
    let pid = child.id();
    let ready = eventually(Duration::from_secs(60), || {
        child.try_wait().unwrap().is_none() && holds_lock(client, pid) && running(client, statement)
    });
    if !ready {
        let _ = child.kill();
        let status = child.wait().unwrap();
        panic!("strata up never held the lock while running {statement:?} (it ended: {status})");
    }
}

/// How other runners name the runner `pid` holding the lock for `command`:
/// `strata up from 127.0.0.1 (pid 123) since <TIME> UTC` (no `from` over a
/// Unix socket), after [`normalize`].
fn holder(client: &mut Client, pid: u32, command: &str) -> String {
    let sql = "SELECT coalesce(' from ' || host(client_addr), '') FROM pg_stat_activity WHERE application_name = $1";
    let from: String = client.query_one(sql, &[&lock_connection(pid, command)]).unwrap().get(0);
    format!("strata {command}{from} (pid {pid}) since <TIME> UTC")
}

const LOCK_HINT: &str = "Hint: another strata run is at work on this database: let it finish, or wait longer with --lock-timeout SECONDS (or `lock_timeout` in strata.toml).\n";

// ---------------------------------------------------------------------------
// 1. Many runners at once.

/// Migration `n` of 50: a table of its own and a row in `events`, which only
/// an INSERT that ran twice could double.
fn fleet_migration(project: &Project, n: u32) {
    let create_events = if n == 1 { "CREATE TABLE events (migration INTEGER NOT NULL);\n" } else { "" };
    project.migration(
        &format!("{n:03}_t{n:02}.sql"),
        &format!(
            "-- migrate:up\n{create_events}CREATE TABLE t{n:02} (id INTEGER PRIMARY KEY);\n\
             INSERT INTO t{n:02} VALUES ({n});\nINSERT INTO events VALUES ({n});\n\
             -- migrate:down\nDROP TABLE t{n:02};\n"
        ),
    );
}

/// Checks one runner of a round: exit 0, its output, and that a runner it
/// waited for was one of the round's. Returns the migrations it applied.
fn check_runner(pg: &Pg, run: &Run, pids: &BTreeSet<u32>) -> Vec<String> {
    children::check_fleet_runner(run, &pg.shown, "strata up", |stderr| {
        let pid = stderr.split("(pid ").nth(1).and_then(|rest| rest.split(')').next()).unwrap_or_default();
        pid.parse().is_ok_and(|pid: u32| pids.contains(&pid))
    })
}

#[test]
fn sixteen_runners_started_together_apply_fifty_migrations_exactly_once_twenty_times() {
    const RUNNERS: usize = 16;
    const ROUNDS: usize = 20;
    let Some(db) = pg_test!() else { return };
    let project = Project::new();
    (1..=50).for_each(|n| fleet_migration(&project, n));
    let expected: Vec<String> = (1..=50).map(|n| format!("Applying {n:03} t{n:02} ... ok (<DUR>)")).collect();
    let started = Instant::now();
    let mut pg = Pg::on(project, db);
    for round in 1..=ROUNDS {
        if round > 1 {
            // A fresh database each round: the first runner also creates the history table.
            let fresh = PgTest::new().expect("the server was there a moment ago");
            pg = Pg::on(pg.project, fresh);
        }
        let round_started = Instant::now();
        let children: Vec<Child> = (0..RUNNERS).map(|_| pg.spawn(&["up"])).collect();
        let pids: BTreeSet<u32> = children.iter().map(Child::id).collect();
        let runs: Vec<Run> =
            children.into_iter().map(|child| finished(child.wait_with_output().unwrap(), &["up"])).collect();
        let mut applied: Vec<String> = runs.iter().flat_map(|run| check_runner(&pg, run, &pids)).collect();
        applied.sort();
        assert_eq!(applied, expected, "round {round}: between them, the runners apply every migration once");

        let history = pg.history();
        assert_eq!(history.len(), 50, "round {round}");
        for (n, (version, name, state)) in (1..).zip(&history) {
            assert_eq!((*version, name.as_str(), state.as_str()), (n, format!("t{n:02}").as_str(), "applied"));
        }
        let mut tables: Vec<String> = (1..=50).map(|n| format!("public.t{n:02}")).collect();
        tables.extend(["public.events".to_owned(), "public.migration_history".to_owned()]);
        tables.sort();
        assert_eq!(pg.tables(), tables, "round {round}: every table once, nothing else");
        let mut client = pg.client();
        assert_eq!(int(&mut client, "SELECT count(*) FROM events"), 50, "round {round}: a migration ran twice");
        assert_eq!(int(&mut client, "SELECT count(DISTINCT migration) FROM events"), 50, "round {round}");
        eprintln!("round {round}: {RUNNERS} runners in {:.2} s", round_started.elapsed().as_secs_f64());
    }
    eprintln!("{ROUNDS} rounds of {RUNNERS} runners in {:.1} s", started.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------
// 2. A runner killed while it holds the lock.

const SLEEP_30: &str = "SELECT pg_sleep(30);";

#[test]
fn a_runner_killed_holding_the_lock_leaves_nothing_half_done_and_the_next_takes_over_at_once() {
    let Some(pg) = Pg::new() else { return };
    pg.project.table_migration("001_a.sql", "a");
    let slow = |sleep: &str| {
        format!(
            "-- migrate:up\nCREATE TABLE slow (id INTEGER);\nINSERT INTO slow VALUES (1);\n{sleep}\n\
             INSERT INTO slow VALUES (2);\n-- migrate:down\nDROP TABLE slow;\n"
        )
    };
    pg.project.migration("002_slow.sql", &slow(SLEEP_30));
    pg.project.table_migration("003_c.sql", "c");

    let mut client = pg.client();
    let mut runner = pg.spawn(&["up"]);
    wait_until_running(&mut client, &mut runner, SLEEP_30);
    runner.kill().expect("SIGKILL strata up");
    runner.wait().unwrap();
    let killed = Instant::now();

    // The server drops a dead runner's lock connection, and with it the lock.
    assert!(
        eventually(Duration::from_secs(10), || !any_runner_holds_a_lock(&mut client)),
        "the lock outlived its runner"
    );
    // And it stops the dead runner's statement, which would otherwise run
    // its 30 s (holding what the migration locked) before anyone noticed.
    let stopped = eventually(Duration::from_secs(10), || !running(&mut client, SLEEP_30));
    eprintln!("the killed runner's statement stopped {:.2} s after the kill", killed.elapsed().as_secs_f64());
    assert!(stopped, "the killed runner's `{SLEEP_30}` is still running 10 s after the kill");

    // Nothing of 002 is left: it was one transaction.
    assert_eq!(pg.history(), [(1, "a".to_owned(), "applied".to_owned())]);
    assert_eq!(pg.tables(), ["public.a", "public.migration_history"]);
    pg.run(&["status"]).assert(
        0,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     applied  <TIME>\n\
         002      slow  pending\n\
         003      c     pending\n\
         \n\
         Current version: 001 (a)  | 1 applied, 2 pending\n",
        "",
    );

    // The next runner (its 002 without the sleep, so the test is quick)
    // takes the lock without waiting and applies 002 whole.
    pg.project.migration("002_slow.sql", &slow("SELECT pg_sleep(0);"));
    let rerun_started = Instant::now();
    let rerun = run_bounded(&pg.project, &["up"]);
    let rerun_took = rerun_started.elapsed();
    rerun.assert(
        0,
        "Applying 002 slow ... ok (<DUR>)\nApplying 003 c ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 003 (c).\n",
        "",
    );
    eprintln!("the next runner finished in {:.2} s", rerun_took.as_secs_f64());
    assert!(rerun_took < Duration::from_secs(15), "the next runner took {rerun_took:?}");
    assert_eq!(pg.versions(), [1, 2, 3]);
    let rows: Vec<i32> =
        client.query("SELECT id FROM slow ORDER BY id", &[]).unwrap().iter().map(|row| row.get(0)).collect();
    assert_eq!(rows, [1, 2], "002 ran once, whole");
}

// ---------------------------------------------------------------------------
// 3. Waiting for the lock, and giving up.

/// An advisory lock the test holds to keep a migration waiting as long as it likes.
const GATE: i64 = 7_042_001;

#[test]
fn runners_wait_for_the_holder_and_name_it_and_status_does_not_wait() {
    let Some(pg) = Pg::new() else { return };
    pg.project.table_migration("001_a.sql", "a");
    let wait_at_gate = format!("SELECT pg_advisory_xact_lock({GATE});");
    pg.project.up_down("002_gated.sql", &format!("CREATE TABLE gated (id INTEGER);\n{wait_at_gate}"), None);
    pg.project.table_migration("003_c.sql", "c");

    let mut gate = pg.client();
    gate.execute("SELECT pg_advisory_lock($1)", &[&GATE]).unwrap();
    let mut client = pg.client();
    let mut first = pg.spawn(&["up"]);
    let first_out = stream(first.stdout.take().unwrap());
    wait_until_running(&mut client, &mut first, &wait_at_gate);
    let holder = holder(&mut client, first.id(), "up");

    let timed_out = run_bounded(&pg.project, &["--lock-timeout", "1", "up"]);
    timed_out.assert(
        5,
        "",
        &format!(
            "Waiting for the lock on {shown}: held by {holder}; waiting up to 1 s...\n\
             Error: the lock on {shown} is still held by {holder} after waiting 1 s\n{LOCK_HINT}",
            shown = pg.shown
        ),
    );

    let status_started = Instant::now();
    let status = run_bounded(&pg.project, &["status"]);
    let status_took = status_started.elapsed();
    status.assert(
        0,
        "Version  Name   State    Applied at (UTC)\n\
         001      a      applied  <TIME>\n\
         002      gated  pending\n\
         003      c      pending\n\
         \n\
         Current version: 001 (a)  | 1 applied, 2 pending\n",
        &format!("A strata run is at work on {}: {holder}; showing what it has committed so far.\n", pg.shown),
    );
    assert!(status_took < Duration::from_secs(10), "status took {status_took:?}: it must not wait");

    let mut second = pg.spawn(&["up"]);
    let second_err = stream(second.stderr.take().unwrap());
    let mut second_text = String::new();
    let waiting = format!("Waiting for the lock on {}: held by {}", pg.shown, holder.replace(" <TIME> UTC", " "));
    let said = wait_for_text(&second_err, &mut second_text, &waiting, Duration::from_secs(20));
    let still_waiting = second.try_wait().unwrap().is_none();
    gate.execute("SELECT pg_advisory_unlock($1)", &[&GATE]).unwrap();
    assert!(said, "the second runner did not say at once whom it waits for: {second_text:?}");
    assert!(still_waiting, "the second runner must wait for the first: {second_text:?}");

    let first_status = first.wait().unwrap();
    let mut first_text = String::new();
    drain(&first_out, &mut first_text);
    assert_eq!(first_status.code(), Some(0), "{first_text}");
    assert_eq!(
        normalize(&first_text),
        format!(
            "Database: {}\nApplying 001 a ... ok (<DUR>)\nApplying 002 gated ... ok (<DUR>)\n\
             Applying 003 c ... ok (<DUR>)\nApplied 3 migrations in <DUR>; the database is at version 003 (c).\n",
            pg.shown
        )
    );
    let second = second.wait_with_output().unwrap();
    drain(&second_err, &mut second_text);
    assert_eq!(second.status.code(), Some(0), "{second_text}");
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        format!("Database: {}\nNothing to apply: the database is at version 003 (c).\n", pg.shown)
    );
    assert_eq!(
        normalize(&second_text),
        format!("Waiting for the lock on {}: held by {holder}; waiting up to 60 s...\n", pg.shown),
        "one line, then nothing"
    );
    assert_eq!(pg.versions(), [1, 2, 3]);
}

/// A holder that waited for its turn is named from when it took the lock, not
/// from when it connected (which, in a fleet, can be long before).
#[test]
fn a_runner_that_waited_its_turn_is_named_from_when_it_took_the_lock() {
    const SECOND_GATE: i64 = GATE + 1;
    let Some(pg) = Pg::new() else { return };
    let gated = |n: i64| format!("SELECT pg_advisory_xact_lock({n});");
    pg.project.up_down("001_first.sql", &format!("CREATE TABLE a (id INTEGER);\n{}", gated(GATE)), None);
    pg.project.up_down("002_second.sql", &format!("CREATE TABLE b (id INTEGER);\n{}", gated(SECOND_GATE)), None);

    let mut gate = pg.client();
    gate.execute("SELECT pg_advisory_lock($1), pg_advisory_lock($2)", &[&GATE, &SECOND_GATE]).unwrap();
    let mut client = pg.client();
    let mut first = pg.spawn(&["up", "1"]);
    wait_until_running(&mut client, &mut first, &gated(GATE));
    let mut second = pg.spawn(&["up"]);
    let second_err = stream(second.stderr.take().unwrap());
    let mut second_text = String::new();
    let waiting = format!("Waiting for the lock on {}: held by {}", pg.shown, holder(&mut client, first.id(), "up"));
    let waiting = waiting.replace(" <TIME> UTC", " ");
    assert!(wait_for_text(&second_err, &mut second_text, &waiting, Duration::from_secs(20)), "{second_text:?}");
    // The second runner has been connected for a while when its turn comes.
    std::thread::sleep(Duration::from_millis(1_200));
    let now = "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')";
    let turn: String = client.query_one(now, &[]).unwrap().get(0);
    gate.execute("SELECT pg_advisory_unlock($1)", &[&GATE]).unwrap();
    assert_eq!(first.wait().unwrap().code(), Some(0));
    wait_until_running(&mut client, &mut second, &gated(SECOND_GATE));

    let status = run_bounded(&pg.project, &["status"]);
    // Named while it still holds the lock: once let go, it finishes and its lock connection goes.
    let named = holder(&mut client, second.id(), "up").replace("<TIME> UTC", "");
    gate.execute("SELECT pg_advisory_unlock($1)", &[&SECOND_GATE]).unwrap();
    let at_work = format!("A strata run is at work on {}: {named}", pg.shown);
    let since = status.stderr.strip_prefix(&at_work).and_then(|rest| rest.get(..19)).unwrap_or_default();
    assert!(since >= turn.as_str(), "the holder is named from {since:?}, before its turn came at {turn}:\n{status}");
    assert_eq!(second.wait().unwrap().code(), Some(0));
    assert_eq!(pg.versions(), [1, 2]);
}

/// A server that closes idle sessions (`idle_session_timeout`, set here on the
/// database, as managed services often do) must not close a runner's lock
/// connection, idle while the migration runs: the lock would go with it and
/// let a second runner run the same migration.
#[test]
fn the_lock_outlasts_the_servers_idle_session_timeout() {
    let Some(pg) = Pg::new() else { return };
    pg.project.table_migration("001_a.sql", "a");
    let wait_at_gate = format!("SELECT pg_advisory_xact_lock({GATE});");
    pg.project.up_down("002_gated.sql", &format!("CREATE TABLE gated (id INTEGER);\n{wait_at_gate}"), None);
    // Sessions opened before the setting keep none.
    let (mut gate, mut client) = (pg.client(), pg.client());
    gate.execute("SELECT pg_advisory_lock($1)", &[&GATE]).unwrap();
    client.batch_execute(&format!("ALTER DATABASE \"{}\" SET idle_session_timeout = '1s'", pg.db.name())).unwrap();

    let mut first = pg.spawn(&["up"]);
    wait_until_running(&mut client, &mut first, &wait_at_gate);
    std::thread::sleep(Duration::from_millis(2_500));
    if !holds_lock(&mut client, first.id()) {
        gate.execute("SELECT pg_advisory_unlock($1)", &[&GATE]).unwrap();
        panic!("the server closed the lock connection of a runner at work");
    }
    let holder = holder(&mut client, first.id(), "up");
    let second = run_bounded(&pg.project, &["--lock-timeout", "0", "up"]);
    gate.execute("SELECT pg_advisory_unlock($1)", &[&GATE]).unwrap();
    second.assert_error(
        5,
        &format!("Error: the lock on {} is still held by {holder} after waiting 0 s\n{LOCK_HINT}", pg.shown),
    );
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(pg.versions(), [1, 2]);
}

// ---------------------------------------------------------------------------
// 4. transaction:false.

const SLEEP_BETWEEN: &str = "SELECT pg_sleep(30);";

#[test]
fn transaction_false_steps_run_statement_by_statement_and_a_killed_one_is_interrupted_until_repaired() {
    let Some(pg) = Pg::new() else { return };
    let project = &pg.project;
    project.up_down(
        "001_people.sql",
        "CREATE TYPE mood AS ENUM ('happy');\n\
         CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, feeling mood NOT NULL);",
        None,
    );
    // Neither may run in a transaction, nor in one multi-statement query (an implicit one).
    project.migration(
        "002_indexes.sql",
        "-- migrate:up transaction:false\n\
         CREATE INDEX CONCURRENTLY people_name ON people (name);\n\
         CREATE INDEX CONCURRENTLY people_feeling ON people (feeling);\n",
    );
    // A new enum value can be used only once the ALTER TYPE has committed.
    project.migration(
        "003_sad.sql",
        "-- migrate:up transaction:false\n\
         ALTER TYPE mood ADD VALUE 'sad';\n\
         INSERT INTO people VALUES (1, 'eeyore', 'sad');\n",
    );
    project.migration(
        "004_two_steps.sql",
        &format!(
            "-- migrate:up transaction:false\nCREATE TABLE step_one (id INTEGER);\n{SLEEP_BETWEEN}\n\
             CREATE TABLE step_two (id INTEGER);\n"
        ),
    );
    project.table_migration("005_after.sql", "after_all");

    pg.run(&["up", "3"]).assert(
        0,
        "Applying 001 people ... ok (<DUR>)\nApplying 002 indexes ... ok (<DUR>)\n\
         Applying 003 sad ... ok (<DUR>)\nApplied 3 migrations in <DUR>; the database is at version 003 (sad).\n",
        "",
    );
    let mut client = pg.client();
    let valid = "SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid IN ('people_name'::regclass, 'people_feeling'::regclass)";
    assert_eq!(int(&mut client, valid), 2, "both indexes built, and valid");
    assert_eq!(int(&mut client, "SELECT count(*) FROM people WHERE feeling = 'sad'"), 1);

    // Killed between its two statements: the first stays, the history says so.
    let mut runner = pg.spawn(&["up"]);
    wait_until_running(&mut client, &mut runner, SLEEP_BETWEEN);
    runner.kill().expect("SIGKILL strata up");
    runner.wait().unwrap();
    assert!(eventually(Duration::from_secs(10), || !any_runner_holds_a_lock(&mut client)));
    // Its sleep is stopped too: a person repairing by hand must not race a statement still running.
    let stopped = eventually(Duration::from_secs(10), || !running(&mut client, SLEEP_BETWEEN));
    assert!(stopped, "the killed runner's `{SLEEP_BETWEEN}` is still running 10 s after the kill");
    let tables = ["public.migration_history", "public.people", "public.step_one"];
    assert_eq!(pg.tables(), tables);
    pg.run(&["status"]).assert(
        0,
        "Version  Name       State        Applied at (UTC)\n\
         001      people     applied      <TIME>\n\
         002      indexes    applied      <TIME>\n\
         003      sad        applied      <TIME>\n\
         004      two_steps  interrupted  <TIME>\n\
         005      after      pending\n\
         \n\
         Current version: 004 (two_steps)  | 3 applied, 1 pending, 1 interrupted\n",
        "",
    );

    let refused = pg.run(&["up"]);
    let error = "Error: history and migration files disagree; nothing was changed:\n  \
                 004 two_steps: started outside a transaction and never finished: the database may hold part of it\n";
    assert_eq!((refused.code, refused.stdout.as_str()), (3, ""), "{refused}");
    assert!(refused.stderr.starts_with(error), "{refused}");
    let hint = &refused.stderr[error.len()..];
    assert!(hint.starts_with("Hint: ") && hint.lines().count() == 1, "{refused}");
    assert!(hint.contains("`strata repair 004 --applied`"), "{refused}");
    assert!(hint.contains("`strata repair 004 --reverted`"), "{refused}");
    assert_eq!(pg.tables(), tables, "up refused, changing nothing");

    // A person finishes 004 by hand and says so.
    client.batch_execute("CREATE TABLE step_two (id INTEGER)").unwrap();
    pg.run(&["repair", "4", "--applied"]).assert(
        0,
        "Recorded 004 (two_steps) as applied (it was interrupted while applying).\n",
        "",
    );
    pg.run(&["up"]).assert(
        0,
        "Applying 005 after ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 005 (after).\n",
        "",
    );
    let states: Vec<String> = pg.history().into_iter().map(|(_, _, state)| state).collect();
    assert_eq!(states, ["applied"; 5]);
}

// ---------------------------------------------------------------------------
// 5. A failing migration.

#[test]
fn a_failing_migration_is_named_at_its_line_with_the_sqlstate_and_leaves_nothing() {
    let Some(pg) = Pg::new() else { return };
    pg.project.table_migration("001_a.sql", "a");
    pg.project.table_migration("002_b.sql", "b");
    pg.project.migration(
        "003_bad.sql",
        "-- migrate:up\n\
         CREATE TABLE bad (id INTEGER);\n\
         INSERT INTO bad VALUES (1);\n\
         INSERT INTO bad\n\
         SELECT id\n\
         FROM missing_table;\n\
         CREATE TABLE never (id INTEGER);\n\
         -- migrate:down\n\
         DROP TABLE bad;\n",
    );
    pg.project.table_migration("004_d.sql", "d");

    pg.run(&["up"]).assert(
        1,
        "Applying 001 a ... ok (<DUR>)\nApplying 002 b ... ok (<DUR>)\nApplying 003 bad ... failed\n",
        "Error: migration 003 (bad) failed at migrations/versions/003_bad.sql:6: \
         relation \"missing_table\" does not exist (SQLSTATE 42P01)\n\
         Hint: migration 003 was rolled back and left no trace; the migrations before it stay applied. \
         Fix it and run `strata up` again.\n",
    );
    assert_eq!(pg.versions(), [1, 2]);
    assert_eq!(pg.tables(), ["public.a", "public.b", "public.migration_history"]);
    assert!(!any_runner_holds_a_lock(&mut pg.client()), "the failed runner let the lock go");
}

// ---------------------------------------------------------------------------
// 6. reset.

#[test]
fn reset_drops_the_schemas_objects_by_kind_and_leaves_other_schemas_and_extensions_alone() {
    let Some(pg) = Pg::new() else { return };
    let mut client = pg.client();
    client
        .batch_execute(
            "CREATE SCHEMA other;
             CREATE TABLE other.kept (id INTEGER PRIMARY KEY);
             CREATE VIEW other.kept_view AS SELECT id FROM other.kept;
             CREATE FUNCTION other.kept_function() RETURNS INTEGER LANGUAGE sql AS 'SELECT 1';
             CREATE TYPE other.kept_type AS ENUM ('x');
             CREATE SEQUENCE other.kept_sequence;",
        )
        .unwrap();
    pg.project.up_down(
        "001_everything.sql",
        "CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TYPE point3 AS (x INTEGER, y INTEGER, z INTEGER);
CREATE DOMAIN email AS citext CHECK (VALUE LIKE '%@%');
CREATE SEQUENCE ticket_numbers;
CREATE TABLE users (id SERIAL PRIMARY KEY, email email NOT NULL UNIQUE, feeling mood);
CREATE TABLE posts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users,
  body TEXT NOT NULL
);
CREATE INDEX posts_body ON posts USING gin (body gin_trgm_ops);
CREATE VIEW user_posts AS SELECT u.email, p.body FROM users u JOIN posts p ON p.user_id = u.id;
CREATE VIEW busy_users AS SELECT email FROM user_posts GROUP BY email HAVING count(*) > 1;
CREATE MATERIALIZED VIEW post_counts AS SELECT user_id, count(*) AS posts FROM posts GROUP BY user_id;
CREATE FUNCTION keep_email_lower() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.email := lower(NEW.email);
  RETURN NEW;
END
$$;
CREATE TRIGGER users_email BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION keep_email_lower();
CREATE FUNCTION add(a INTEGER, b INTEGER) RETURNS INTEGER LANGUAGE sql AS 'SELECT a + b';
CREATE PROCEDURE add_user(address TEXT) LANGUAGE sql AS $$ INSERT INTO users (email) VALUES (address) $$;
CALL add_user('Ann@Example.com');
INSERT INTO posts (user_id, body) VALUES (1, 'hello'), (1, 'again');",
        None,
    );
    pg.run(&["up"]).assert(
        0,
        "Applying 001 everything ... ok (<DUR>)\n\
         Applied 1 migration in <DUR>; the database is at version 001 (everything).\n",
        "",
    );
    assert_eq!(int(&mut client, "SELECT count(*) FROM busy_users WHERE email = 'ann@example.com'"), 1);
    let extension_objects = "SELECT count(*) FROM pg_depend WHERE deptype = 'e' \
        AND refobjid IN (SELECT oid FROM pg_extension WHERE extname IN ('citext', 'pg_trgm'))";
    let members = int(&mut client, extension_objects);
    assert!(members > 50, "citext and pg_trgm put their objects in public");

    // A view elsewhere on one of the schema's tables: reset names it and drops nothing.
    client.batch_execute("CREATE VIEW other.user_emails AS SELECT email FROM public.users").unwrap();
    let tables = pg.tables();
    let blocked = pg.run(&["reset", "--yes"]);
    assert_eq!((blocked.code, blocked.stdout.as_str()), (1, ""), "{blocked}");
    assert!(blocked.stderr.starts_with("Error: database error: cannot reset the schema public: "), "{blocked}");
    assert!(blocked.stderr.contains("(view other.user_emails depends on table users)"), "{blocked}");
    assert!(blocked.stderr.contains("(SQLSTATE 2BP01); nothing was dropped."), "{blocked}");
    assert_eq!(pg.tables(), tables);
    assert_eq!(pg.versions(), [1]);
    assert_eq!(int(&mut client, "SELECT count(*) FROM busy_users"), 1);
    client.batch_execute("DROP VIEW other.user_emails").unwrap();

    pg.run(&["reset", "--yes"]).assert(
        0,
        &format!(
            "Reset {}: dropped 1 materialized view, 2 views, 2 tables, 1 sequence, 2 functions, 1 procedure, \
             1 domain and 2 types; migration_history is empty.\n",
            pg.shown
        ),
        "",
    );
    assert_eq!(pg.tables(), ["other.kept", "public.migration_history"]);
    assert_eq!(pg.history(), []);
    let left_in_public = "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                                   WHERE n.nspname = 'public' AND c.relname NOT LIKE 'migration_history%') \
                          + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                                   WHERE n.nspname = 'public' AND t.typname NOT LIKE '%migration_history' \
                                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e') \
                                   AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_type e ON d.refobjid = e.oid \
                                                   WHERE d.objid = t.oid AND d.deptype = 'i')) \
                          + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                                   WHERE n.nspname = 'public' \
                                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e'))";
    assert_eq!(int(&mut client, left_in_public), 0, "nothing of the migration is left in public");
    assert_eq!(int(&mut client, extension_objects), members, "the extensions' objects are all there");
    assert_eq!(int(&mut client, "SELECT count(*) FROM pg_extension WHERE extname IN ('citext', 'pg_trgm')"), 2);
    assert_eq!(int(&mut client, "SELECT round(similarity('strata', 'strata'))::bigint"), 1, "pg_trgm works");
    let kept = "SELECT count(*) FROM other.kept_view, other.kept_function(), \
                (SELECT 'x'::other.kept_type) t, (SELECT nextval('other.kept_sequence')) s";
    assert_eq!(int(&mut client, kept), 0, "the other schema's view, function, type and sequence are there");

    // And the migration applies again on the reset database.
    pg.run(&["up"]).assert(
        0,
        "Applying 001 everything ... ok (<DUR>)\n\
         Applied 1 migration in <DUR>; the database is at version 001 (everything).\n",
        "",
    );
}

/// `adopt` converts WriteBot's Python runner's table in one transaction: a
/// failure after the rename (here an event trigger refusing the new table)
/// leaves the old table as it was, under its own name.
#[test]
fn a_failed_adopt_leaves_the_old_history_table_as_it_was() {
    let Some(pg) = Pg::new() else { return };
    pg.project.table_migration("001_a.sql", "a");
    let mut client = pg.client();
    client
        .batch_execute(
            "CREATE TABLE a (id INTEGER PRIMARY KEY);
             CREATE TABLE migration_history (
               id SERIAL PRIMARY KEY,
               version VARCHAR(50) NOT NULL UNIQUE,
               name VARCHAR(200) NOT NULL,
               applied_at TIMESTAMP NOT NULL
             );
             INSERT INTO migration_history (version, name, applied_at) VALUES ('001', 'a', '2024-01-15 10:30:40');
             CREATE FUNCTION no_new_tables() RETURNS event_trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'no new tables today'; END $$;
             CREATE EVENT TRIGGER no_new_tables ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
               EXECUTE FUNCTION no_new_tables();",
        )
        .unwrap();
    let columns = "SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute \
                   WHERE attrelid = 'migration_history'::regclass AND attnum > 0 AND NOT attisdropped";
    let old_columns = "id, version, name, applied_at";

    let failed = pg.run(&["adopt", "--yes"]);
    assert_eq!(failed.code, 1, "{failed}");
    assert!(failed.stderr.contains("no new tables today (SQLSTATE P0001)"), "{failed}");
    assert_eq!(pg.tables(), ["public.a", "public.migration_history"], "no backup table: the rename was undone");
    let kept: String = client.query_one(columns, &[]).unwrap().get(0);
    assert_eq!(kept, old_columns);

    client.batch_execute("DROP EVENT TRIGGER no_new_tables").unwrap();
    let adopted = pg.run(&["adopt", "--yes"]);
    assert_eq!(adopted.code, 0, "{adopted}");
    assert_eq!(pg.history(), [(1, "a".to_owned(), "applied".to_owned())]);
    let kept = "SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute \
                WHERE attrelid = 'migration_history_before_strata'::regclass AND attnum > 0 AND NOT attisdropped";
    let backup: String = client.query_one(kept, &[]).unwrap().get(0);
    assert_eq!(backup, old_columns);
}

// ---------------------------------------------------------------------------
// 7. status only looks.

#[test]
fn status_on_a_database_without_history_creates_nothing() {
    let Some(pg) = Pg::new() else { return };
    pg.project.table_migration("001_a.sql", "a");
    let mut client = pg.client();
    let objects = "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";
    let schemas = "SELECT count(*) FROM pg_namespace";
    let before = (int(&mut client, objects), int(&mut client, schemas));
    pg.run(&["status"]).assert(
        0,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     pending\n\
         \n\
         Current version: none  | 0 applied, 1 pending\n",
        &format!("{} has no migration_history table yet; every migration is pending.\n", pg.shown),
    );
    assert_eq!(pg.tables(), [] as [&str; 0], "no table in pg_tables");
    assert_eq!((int(&mut client, objects), int(&mut client, schemas)), before, "nothing created at all");
}
