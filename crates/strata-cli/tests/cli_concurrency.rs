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
        assert!(
            stderr.is_empty() || stderr == "Waiting for another strata run on this database to finish...\n",
            "unexpected stderr:\n{shown}"
        );
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
    project.ok(&["status"]); // creates the database
                             // Hold the runners' lock as another strata run would.
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
        "Waiting for another strata run on this database to finish...\n",
        Duration::from_secs(60),
    );
    if !waiting {
        let _ = child.kill();
    }
    assert!(waiting, "strata up did not say it waits for the lock; stderr: {text:?}");
    assert_eq!(child.try_wait().unwrap(), None, "strata up must wait while the lock is held");
    assert!(project.versions().is_empty(), "nothing may be applied while another runner holds the lock");

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
    assert!(text.starts_with("Applying 001 a ... ok"), "{text:?}");

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
