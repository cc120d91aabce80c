//! Several runners on one SQLite file, and a runner killed midway.
//!
//! These tests use migrations that take a noticeable time (recursive CTEs) so
//! that processes really overlap. They never assert on timing: they wait with
//! generous bounds and check only outcomes that must hold however the
//! processes were scheduled.

mod common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{count, has_table, Project};

/// A migration that creates `table` and fills it with `rows` rows.
fn big_insert(table: &str, rows: u64) -> String {
    format!(
        "-- migrate:up\n\
         CREATE TABLE {table} (n INTEGER PRIMARY KEY, s TEXT NOT NULL);\n\
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows})\n\
         INSERT INTO {table} (n, s) SELECT x, hex(randomblob(8)) FROM c;\n\
         -- migrate:down\n\
         DROP TABLE {table};\n"
    )
}

/// `strata ARGS` in the project, as a child process with piped output.
fn spawn(project: &Project, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strata")
}

/// Reads a child's pipe on a thread; the text arrives in chunks on the receiver.
fn stream(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut pipe = pipe;
        let mut buffer = [0u8; 4096];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if sender.send(String::from_utf8_lossy(&buffer[..n]).into_owned()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    receiver
}

/// Reads from `receiver` into `text` until it contains `needle`; false when
/// the pipe closed or `limit` passed first.
fn wait_for(receiver: &mpsc::Receiver<String>, text: &mut String, needle: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while !text.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        match receiver.recv_timeout(left) {
            Ok(chunk) => text.push_str(&chunk),
            Err(_) => return text.contains(needle),
        }
    }
    true
}

#[test]
fn two_concurrent_up_runs_apply_each_migration_exactly_once() {
    let project = Project::new();
    project.migration(
        "001_big_a.sql",
        &big_insert("big_a", 200_000).replace(
            "-- migrate:down\n",
            "CREATE TABLE events (what TEXT NOT NULL);\n-- migrate:down\nDROP TABLE events;\n",
        ),
    );
    project.up_down(
        "002_event_one.sql",
        "INSERT INTO events VALUES ('002 ran');",
        Some("DELETE FROM events WHERE what = '002 ran';"),
    );
    project.migration("003_big_b.sql", &big_insert("big_b", 200_000));
    project.up_down(
        "004_event_two.sql",
        "INSERT INTO events VALUES ('004 ran');",
        Some("DELETE FROM events WHERE what = '004 ran';"),
    );

    let children = [spawn(&project, &["up"]), spawn(&project, &["up"])];
    let outputs: Vec<_> =
        children.into_iter().map(|child| child.wait_with_output().expect("wait for strata")).collect();

    let mut applying = Vec::new();
    for output in &outputs {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let shown = format!("exit {:?}\n--- stdout:\n{stdout}--- stderr:\n{stderr}", output.status.code());
        assert_eq!(output.status.code(), Some(0), "a concurrent `strata up` failed:\n{shown}");
        // The holder names itself just after taking the lock; a waiter that
        // looked in between (on a loaded machine) says so after a moment.
        let unnamed = "Waiting for the lock on sqlite:app.db: held by another strata run that has not said who it is; waiting up to 60 s...\n";
        let waited = stderr == unnamed
            || (stderr.starts_with("Waiting for the lock on sqlite:app.db: held by strata up (pid ")
                && stderr.ends_with(" UTC; waiting up to 60 s...\n")
                && stderr.lines().count() == 1);
        assert!(stderr.is_empty() || waited, "unexpected stderr:\n{shown}");
        let last = stdout.lines().last().unwrap_or_default();
        assert!(last.ends_with("the database is at version 004 (event_two)."), "{shown}");
        eprintln!("{shown}");
        applying.extend(stdout.lines().filter(|line| line.starts_with("Applying")).map(common::normalize));
    }
    applying.sort();
    assert_eq!(
        applying,
        [
            "Applying 001 big_a ... ok (<DUR>)",
            "Applying 002 event_one ... ok (<DUR>)",
            "Applying 003 big_b ... ok (<DUR>)",
            "Applying 004 event_two ... ok (<DUR>)",
        ],
        "between them, the two runs apply every migration once"
    );

    assert_eq!(project.versions(), [1, 2, 3, 4]);
    let db = project.db();
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2, "an INSERT-only migration ran twice");
    assert_eq!(count(&db, "SELECT count(*) FROM big_a"), 200_000);
    assert_eq!(count(&db, "SELECT count(*) FROM big_b"), 200_000);
}

#[test]
fn up_waits_for_a_runner_holding_the_lock() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    // Hold the runners' lock as a strata run would, before the database exists.
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(project.join("app.db-strata-lock"))
        .expect("open lock file");
    lock.lock().expect("take the lock");

    let mut child = spawn(&project, &["up"]);
    let stderr = stream(child.stderr.take().unwrap());
    let mut text = String::new();
    let waiting = wait_for(
        &stderr,
        &mut text,
        "Waiting for the lock on sqlite:app.db: held by another strata run that has not said who it is; waiting up to 60 s...\n",
        Duration::from_secs(60),
    );
    if !waiting {
        let _ = child.kill();
    }
    assert!(waiting, "strata up did not say it waits for the lock; stderr: {text:?}");
    assert_eq!(child.try_wait().unwrap(), None, "strata up must wait while the lock is held");
    assert!(!project.exists(common::DB), "the database is not even opened while another runner holds the lock");

    lock.unlock().expect("release the lock");
    let output = child.wait_with_output().expect("wait for strata");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    assert_eq!(project.versions(), [1]);
}

#[test]
fn killed_up_leaves_history_and_schema_consistent_and_a_rerun_finishes() {
    const SLOW_ROWS: u64 = 6_000_000;
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    // Creates its table, then spends a while computing its one row.
    project.migration(
        "003_slow.sql",
        &format!(
            "-- migrate:up\n\
             CREATE TABLE slow (total INTEGER NOT NULL);\n\
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {SLOW_ROWS})\n\
             INSERT INTO slow (total) SELECT count(*) FROM c;\n\
             -- migrate:down\n\
             DROP TABLE slow;\n"
        ),
    );
    project.table_migration("004_d.sql", "d");

    let mut child = spawn(&project, &["up"]);
    let stdout = stream(child.stdout.take().unwrap());
    let mut text = String::new();
    let started = wait_for(&stdout, &mut text, "Applying 003 slow ... ", Duration::from_secs(60));
    if started {
        // Let it get into the slow statement; a late kill is fine too.
        std::thread::sleep(Duration::from_millis(300));
    }
    let still_running = child.try_wait().expect("poll strata").is_none();
    child.kill().expect("kill strata"); // SIGKILL
    let status = child.wait().expect("reap strata");
    eprintln!("strata up was {} when killed", if still_running { "still running" } else { "already done" });
    assert!(started, "strata up never reached the slow migration; stdout: {text:?}, status {status:?}");
    while let Ok(chunk) = stdout.recv_timeout(Duration::from_secs(5)) {
        text.push_str(&chunk);
    }
    assert!(text.starts_with("Database: sqlite:app.db\nApplying 001 a ... ok"), "{text:?}");

    // strata itself must cope with whatever the kill left (e.g. a hot journal).
    let status_run = project.ok(&["status"]);

    let db = project.db();
    let versions = common::history(&db).into_iter().map(|(version, _)| version).collect::<Vec<_>>();
    for (version, table) in [(1, "a"), (2, "b"), (3, "slow"), (4, "d")] {
        assert_eq!(
            versions.contains(&version),
            has_table(&db, table),
            "history and schema disagree on {version} ({table}): history {versions:?}\n{status_run}"
        );
    }
    assert!(versions.starts_with(&[1, 2]), "001 and 002 finished before the kill: {versions:?}");
    if has_table(&db, "slow") {
        assert_eq!(count(&db, "SELECT total FROM slow"), SLOW_ROWS as i64, "a half-done slow migration");
    }
    if still_running {
        assert_eq!(versions, [1, 2], "killed while 003 ran: 003 must have left no trace");
        assert_eq!(
            common::normalize(&status_run.stdout),
            "Version  Name  State    Applied at (UTC)\n\
             001      a     applied  <TIME>\n\
             002      b     applied  <TIME>\n\
             003      slow  pending\n\
             004      d     pending\n\
             \n\
             Current version: 002 (b)  | 2 applied, 2 pending\n"
        );
    }
    drop(db);

    let rerun = project.ok(&["up"]);
    assert!(rerun.stdout.ends_with("the database is at version 004 (d).\n"), "{rerun}");
    assert_eq!(project.versions(), [1, 2, 3, 4]);
    let db = project.db();
    assert_eq!(count(&db, "SELECT count(*) FROM slow"), 1);
    assert_eq!(count(&db, "SELECT total FROM slow"), SLOW_ROWS as i64);
    assert!(has_table(&db, "d"));
}

/// Waits (with a generous bound) until the lock file names `child` as its holder.
fn wait_until_holder(project: &Project, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let pid = format!("pid={}\n", child.id());
    while !std::fs::read_to_string(project.join("app.db-strata-lock")).unwrap_or_default().contains(&pid) {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("strata up never took the lock");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `strata ARGS`, killing it if it has not finished within 30 s (a
/// command that must not wait); stdout, stderr and exit code as a `Run`.
fn run_bounded(project: &Project, args: &[&str]) -> common::Run {
    let mut child = spawn(project, args);
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "strata {args:?} did not answer within 30 s; stderr so far: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    common::Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        database_line: None,
    }
    .split_database_line(args)
}

/// A write-heavy migration holds SQLite's exclusive lock: nobody can even
/// read the database until it finishes. Here the first runner's migration
/// writes 100,000 rows in exclusive locking mode and then waits for a
/// `gate.db` that the test holds, so it keeps that lock as long as the test
/// likes. A second runner must not wait on SQLite (it used to wait silently
/// for SQLite's 60 s busy timeout and fail with "database is locked"): it
/// takes Strata's lock first, says at once whom it waits for, and then
/// either times out (exit 5) or finds nothing left to do. `status` says at
/// once who is at work and what it could not read.
#[test]
fn second_up_says_at_once_whom_it_waits_for_while_a_write_heavy_migration_runs() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.ok(&["up"]);
    project.migration(
        "002_heavy.sql",
        "-- migrate:up transaction:false\n\
         PRAGMA locking_mode = EXCLUSIVE;\n\
         CREATE TABLE heavy (n INTEGER PRIMARY KEY, s TEXT NOT NULL);\n\
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)\n\
         INSERT INTO heavy (n, s) SELECT x, hex(randomblob(16)) FROM c;\n\
         ATTACH DATABASE 'gate.db' AS gate;\n\
         INSERT INTO gate.passed VALUES (1);\n\
         DETACH DATABASE gate;\n\
         -- migrate:down\n\
         DROP TABLE heavy;\n",
    );
    let gate = rusqlite::Connection::open(project.join("gate.db")).unwrap();
    gate.execute_batch("CREATE TABLE passed (x INTEGER); BEGIN EXCLUSIVE;").unwrap();

    let mut first = spawn(&project, &["up"]);
    let pid = first.id();
    let first_out = stream(first.stdout.take().unwrap());
    let mut first_text = String::new();
    let started = wait_for(&first_out, &mut first_text, "Applying 002 heavy ... ", Duration::from_secs(60));
    assert!(started, "{first_text:?}");
    // Wait (boundedly) until the migration holds SQLite's lock against readers.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let probe = rusqlite::Connection::open(project.join("app.db")).unwrap();
        if probe.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())).is_err() {
            break;
        }
        assert!(Instant::now() < deadline, "the write-heavy migration never locked readers out");
        std::thread::sleep(Duration::from_millis(20));
    }

    let holder = format!("strata up (pid {pid}) since <TIME> UTC");
    let timed_out = run_bounded(&project, &["up", "--lock-timeout", "1"]);
    timed_out.assert(
        5,
        "",
        &format!(
            "Waiting for the lock on sqlite:app.db: held by {holder}; waiting up to 1 s...\n\
             Error: the lock on sqlite:app.db is still held by {holder} after waiting 1 s\n\
             Hint: another strata run is at work on this database: let it finish, or wait longer with --lock-timeout SECONDS (or `lock_timeout` in strata.toml).\n"
        ),
    );

    // `status` answers at once: a runner is at work; it reads what it can, never waits long.
    let status = run_bounded(&project, &["status"]);
    let at_work =
        format!("A strata run is at work on sqlite:app.db: {holder}; showing what it has committed so far.\n");
    assert!(common::normalize(&status.stderr).starts_with(&at_work), "{status}");
    // What it can read: the migration files, if not their states.
    status.assert(
        1,
        "Version  Name (state unknown until the history can be read)\n001      a\n002      heavy\n",
        &format!(
            "{at_work}Error: cannot read sqlite:app.db while {holder} writes to it: database error: cannot open sqlite:app.db: database is locked\n\
             Hint: run `strata status` again when that run has finished.\n"
        ),
    );

    let mut second = spawn(&project, &["up"]);
    let second_err = stream(second.stderr.take().unwrap());
    let mut second_text = String::new();
    let waiting = format!("Waiting for the lock on sqlite:app.db: held by strata up (pid {pid}) since ");
    let said = wait_for(&second_err, &mut second_text, &waiting, Duration::from_secs(20));
    let still_waiting = second.try_wait().unwrap().is_none();
    gate.execute_batch("COMMIT").unwrap();
    assert!(said, "the second runner did not say whom it waits for: {second_text:?}");
    assert!(still_waiting, "the second runner must wait for the first: {second_text:?}");

    let first = first.wait_with_output().unwrap();
    while let Ok(chunk) = first_out.recv_timeout(Duration::from_secs(5)) {
        first_text.push_str(&chunk);
    }
    assert_eq!(first.status.code(), Some(0), "{first_text}{}", String::from_utf8_lossy(&first.stderr));
    assert!(first_text.starts_with("Database: sqlite:app.db\nApplying 002 heavy ... ok"), "{first_text}");
    let second = second.wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(0), "{second_text}");
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        "Database: sqlite:app.db\nNothing to apply: the database is at version 002 (heavy).\n"
    );
    assert_eq!(project.versions(), [1, 2]);
}

/// A runner at work that holds only SQLite's reserved lock (here: waiting
/// for another writer): `status` says at once who is at work and shows what
/// is committed, exit 0.
#[test]
fn status_during_a_run_says_who_is_at_work_and_shows_what_is_committed() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.ok(&["up", "1"]);

    let writer = project.db();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut runner = spawn(&project, &["up"]);
    wait_until_holder(&project, &mut runner);

    let status = run_bounded(&project, &["status"]);
    writer.execute_batch("ROLLBACK").unwrap();
    status.assert(
        0,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     applied  <TIME>\n\
         002      b     pending\n\
         \n\
         Current version: 001 (a)  | 1 applied, 1 pending\n",
        &format!(
            "A strata run is at work on sqlite:app.db: strata up (pid {}) since <TIME> UTC; showing what it has committed so far.\n",
            runner.id()
        ),
    );
    let runner = runner.wait_with_output().unwrap();
    assert_eq!(runner.status.code(), Some(0), "{}", String::from_utf8_lossy(&runner.stderr));
    assert_eq!(project.versions(), [1, 2]);
}

#[test]
fn lock_timeout_comes_from_the_flag_then_strata_toml() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.write("strata.toml", "database = \"sqlite:app.db\"\nlock_timeout = 0\n");
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(project.join("app.db-strata-lock"))
        .expect("open lock file");
    lock.lock().expect("take the lock");
    let hint = "Hint: another strata run is at work on this database: let it finish, or wait longer with --lock-timeout SECONDS (or `lock_timeout` in strata.toml).\n";
    let holder = "another strata run that has not said who it is";
    project.run(&["up"]).assert_error(
        5,
        &format!("Error: the lock on sqlite:app.db is still held by {holder} after waiting 0 s\n{hint}"),
    );
    project.run(&["--lock-timeout", "1", "down", "0"]).assert_error(
        5,
        &format!(
            "Waiting for the lock on sqlite:app.db: held by {holder}; waiting up to 1 s...\n\
             Error: the lock on sqlite:app.db is still held by {holder} after waiting 1 s\n{hint}"
        ),
    );
    project.run(&["reset", "--yes"]).assert_error(
        5,
        &format!("Error: the lock on sqlite:app.db is still held by {holder} after waiting 0 s\n{hint}"),
    );
    assert!(!project.exists(common::DB), "no runner opened the database");
    drop(lock);
    project.ok(&["up"]);
}
