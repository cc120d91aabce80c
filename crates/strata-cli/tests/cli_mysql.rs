//! `strata` on MySQL/MariaDB, driving the real binary: the everyday commands
//! with their exact output, a failing migration left interrupted (DDL
//! commits, so nothing is rolled back), waiting for the lock and giving up
//! naming the holder, `status` that does not wait, the `mysql_sql_mode`
//! setting, passwords never printed, and a fleet of runners at once.
//!
//! The server: `STRATA_TEST_MYSQL_URL`, e.g. `mysql://root@127.0.0.1:3306/`.
//! Without it each test says it is skipped and passes; with it, a server
//! that cannot be reached fails the test. Each test works in scratch
//! databases of its own ([`MyTest`]), dropped afterwards.

#[path = "support/children.rs"]
mod children;
mod common;
#[macro_use]
#[path = "common/mysql.rs"]
mod mysql_db;

use std::collections::BTreeSet;
use std::process::Child;
use std::time::{Duration, Instant};

use ::mysql::prelude::Queryable;
use ::mysql::Conn;
use children::{finished, run_bounded};
use common::{normalize, Project, Run};
use mysql_db::MyTest;

/// A project whose strata.toml names a scratch MySQL/MariaDB database.
struct My {
    project: Project,
    db: MyTest,
    /// The database as strata shows it (`Database: …`, messages).
    shown: String,
}

impl My {
    /// `None` (the test is skipped) when `STRATA_TEST_MYSQL_URL` is not set.
    fn new() -> Option<My> {
        let db = my_test!()?;
        Some(My::on(Project::new(), db, ""))
    }

    /// `project`, pointed at `db`, with `more` settings.
    fn on(project: Project, db: MyTest, more: &str) -> My {
        project.write("strata.toml", &format!("database = {:?}\n{more}", db.url()));
        let shown = strata::DatabaseUrl::parse(db.url()).expect("a MySQL URL").to_string();
        My { project, db, shown }
    }

    fn conn(&self) -> Conn {
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
        self.conn().query("SELECT version, name, state FROM migration_history ORDER BY version").unwrap()
    }

    fn versions(&self) -> Vec<i64> {
        self.history().into_iter().map(|(version, _, _)| version).collect()
    }

    /// Every table and view of the database, sorted.
    fn tables(&self) -> Vec<String> {
        self.conn()
            .exec(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
                (self.db.name(),),
            )
            .unwrap()
    }

    fn int(&self, sql: &str) -> i64 {
        self.conn().query_first(sql).unwrap_or_else(|e| panic!("{sql}: {e}")).unwrap()
    }

    /// Takes the runners' lock on `conn`, as a runner would, so that runners wait.
    fn hold_lock(&self, conn: &mut Conn) {
        let got: Option<i64> =
            conn.exec_first(format!("SELECT GET_LOCK({}, 0)", LOCK_NAME), (self.db.name(),)).unwrap();
        assert_eq!(got, Some(1));
    }

    /// How runners name the holder of the lock held on `conn`, after [`normalize`].
    fn holder(&self, conn: &mut Conn) -> String {
        let (id, user, host): (u64, String, String) = conn
            .query_first("SELECT ID, USER, HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()")
            .unwrap()
            .unwrap();
        format!("strata (connection {id}, {user}@{host}) since <TIME> UTC")
    }
}

/// The runners' lock of database `?` and `migration_history`, as the driver names it.
const LOCK_NAME: &str =
    "CONCAT('strata:', LEFT(SHA2(CONCAT('strata', CHAR(0), ?, CHAR(0), 'migration_history'), 256), 32))";

const LOCK_HINT: &str = "Hint: another strata run is at work on this database: let it finish, or wait longer with --lock-timeout SECONDS (or `lock_timeout` in strata.toml).\n";

// ---------------------------------------------------------------------------
// 1. The everyday commands.

#[test]
fn up_status_down_and_reset_say_what_they_did() {
    let Some(my) = My::new() else { return };
    my.project.table_migration("001_users.sql", "users");
    my.project.up_down(
        "002_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, FOREIGN KEY (user_id) REFERENCES users (id));\n\
         INSERT INTO users VALUES (1);\nINSERT INTO posts VALUES (1, 1);",
        Some("DROP TABLE posts;\nDELETE FROM users;"),
    );
    my.project.up_down(
        "003_names.sql",
        "CREATE VIEW user_ids AS SELECT id FROM users;\nCREATE PROCEDURE count_users() SELECT COUNT(*) FROM users;",
        Some("DROP PROCEDURE count_users;\nDROP VIEW user_ids;"),
    );
    my.run(&["status"]).assert(
        0,
        "Version  Name   State    Applied at (UTC)\n\
         001      users  pending\n\
         002      posts  pending\n\
         003      names  pending\n\
         \n\
         Current version: none  | 0 applied, 3 pending\n",
        &format!("{} has no migration_history table yet; every migration is pending.\n", my.shown),
    );
    assert_eq!(my.tables(), Vec::<String>::new(), "status creates nothing");
    my.run(&["up"]).assert(
        0,
        "Applying 001 users ... ok (<DUR>)\nApplying 002 posts ... ok (<DUR>)\nApplying 003 names ... ok (<DUR>)\n\
         Applied 3 migrations in <DUR>; the database is at version 003 (names).\n",
        "",
    );
    my.run(&["status"]).assert(
        0,
        "Version  Name   State    Applied at (UTC)\n\
         001      users  applied  <TIME>\n\
         002      posts  applied  <TIME>\n\
         003      names  applied  <TIME>\n\
         \n\
         Current version: 003 (names)  | 3 applied, 0 pending\n",
        "",
    );
    my.run(&["down", "1"]).assert(
        0,
        "Reverting 003 names ... ok (<DUR>)\nReverting 002 posts ... ok (<DUR>)\n\
         Reverted 2 migrations in <DUR>; the database is at version 001 (users).\n",
        "",
    );
    assert_eq!(my.tables(), ["migration_history", "users"]);
    my.run(&["up"]).assert(
        0,
        "Applying 002 posts ... ok (<DUR>)\nApplying 003 names ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 003 (names).\n",
        "",
    );
    my.run(&["reset", "--yes"]).assert(
        0,
        &format!("Reset {}: dropped 2 tables, 1 view and 1 procedure; migration_history is empty.\n", my.shown),
        "",
    );
    assert_eq!(my.tables(), ["migration_history"]);
    assert_eq!(my.history(), []);
}

#[test]
fn a_failing_migration_is_left_interrupted_named_at_its_line_with_the_servers_error() {
    let Some(my) = My::new() else { return };
    my.project.table_migration("001_a.sql", "a");
    my.project.migration(
        "002_bad.sql",
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
    let run = my.run(&["up"]);
    let error = format!(
        "Error: migration 002 (bad) failed at migrations/versions/002_bad.sql:4: \
         Table '{}.missing_table' doesn't exist (error 1146, SQLSTATE 42S02); before it, 2 statements ran and stay \
         done (lines 2, 3)\n",
        my.db.name()
    );
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(normalize(&run.stdout), "Applying 001 a ... ok (<DUR>)\nApplying 002 bad ... failed\n");
    assert!(run.stderr.starts_with(&error), "{run}");
    assert!(run.stderr.contains("\nHint: migration 002 "), "{run}");
    assert!(run.stderr.contains("`strata repair 002 --applied`"), "{run}");
    // DDL commits: what ran stays, and history says the step is unfinished.
    assert_eq!(my.tables(), ["a", "bad", "migration_history"]);
    assert_eq!(my.history()[1], (2, "bad".to_owned(), "applying".to_owned()));
    let status = my.run(&["status"]);
    let stopped = format!(
        "\n         stopped at migrations/versions/002_bad.sql:4: Table '{}.missing_table' doesn't exist (error 1146, \
         SQLSTATE 42S02); before it, 2 statements ran and stay done (lines 2, 3)\n",
        my.db.name()
    );
    assert!(status.stdout.contains(&stopped), "status shows where it stopped:\n{status}");
    let refused = my.run(&["up"]);
    assert_eq!(refused.code, 3, "{refused}");
    assert!(
        refused.stderr.starts_with("Error: history and migration files disagree; nothing was changed:\n"),
        "{refused}"
    );
    assert!(refused.stderr.contains("002 bad: "), "{refused}");
    assert_eq!(my.run(&["down", "0", "--yes"]).code, 3);
    // A person finished it by hand, fixed the file, and says so.
    my.conn().query_drop("DROP TABLE bad").unwrap();
    my.run(&["repair", "2", "--reverted"]).assert(
        0,
        "Recorded 002 (bad) as not applied (it was interrupted while applying).\n",
        "",
    );
    my.project.table_migration("002_bad.sql", "bad");
    assert_eq!(my.run(&["up"]).code, 0);
    assert_eq!(my.versions(), [1, 2]);
}

#[test]
fn the_mysql_sql_mode_setting_is_the_sessions() {
    let Some(db) = my_test!() else { return };
    let my = My::on(Project::new(), db, "mysql_sql_mode = \"ANSI_QUOTES,STRICT_ALL_TABLES\"\n");
    // Double quotes name a table only under ANSI_QUOTES.
    my.project.up_down("001_quoted.sql", "CREATE TABLE \"quoted\" (id INTEGER);", Some("DROP TABLE \"quoted\";"));
    my.run(&["up"]).assert(
        0,
        "Applying 001 quoted ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (quoted).\n",
        "",
    );
    assert_eq!(my.tables(), ["migration_history", "quoted"]);
    my.project.write("strata.toml", &format!("database = {:?}\nmysql_sql_mode = \"NOT A MODE\"\n", my.db.url()));
    my.run(&["status"]).assert_error(
        2,
        "Error: mysql_sql_mode `NOT A MODE` is not a list of SQL modes: write names separated by commas, \
         e.g. mysql_sql_mode = \"STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES\"\n",
    );
}

// ---------------------------------------------------------------------------
// 2. Waiting for the lock, and giving up.

#[test]
fn runners_wait_for_the_holder_name_it_and_give_up_and_status_does_not_wait() {
    let Some(my) = My::new() else { return };
    my.project.table_migration("001_a.sql", "a");
    my.run(&["up"]);
    my.project.table_migration("002_b.sql", "b");
    let mut gate = my.conn();
    my.hold_lock(&mut gate);
    let holder = my.holder(&mut gate);
    run_bounded(&my.project, &["--lock-timeout", "1", "up"]).assert(
        5,
        "",
        &format!(
            "Waiting for the lock on {shown}: held by {holder}; waiting up to 1 s...\n\
             Error: the lock on {shown} is still held by {holder} after waiting 1 s\n{LOCK_HINT}",
            shown = my.shown
        ),
    );
    let started = Instant::now();
    run_bounded(&my.project, &["status"]).assert(
        0,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     applied  <TIME>\n\
         002      b     pending\n\
         \n\
         Current version: 001 (a)  | 1 applied, 1 pending\n",
        &format!("A strata run is at work on {}: {holder}; showing what it has committed so far.\n", my.shown),
    );
    assert!(started.elapsed() < Duration::from_secs(10), "status must not wait");
    // The holder lets go: a waiting runner goes on at once.
    let waiter = children::spawn(&my.project, &["up"]);
    std::thread::sleep(Duration::from_millis(500));
    drop(gate);
    let run = finished(waiter.wait_with_output().unwrap(), &["up"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(my.versions(), [1, 2]);
}

// ---------------------------------------------------------------------------
// 3. Passwords.

#[test]
fn a_password_is_never_printed() {
    let Some(db) = my_test!() else { return };
    let rest = db.url().split_once("://").unwrap().1;
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let project = Project::new();
    for (url, expected) in [
        // A user the server does not know.
        (format!("mysql://strata_nobody:hunter2@{host}"), "(error 1045, SQLSTATE 28000)"),
        // Nothing listens on port 1.
        ("mysql://root:hunter2@127.0.0.1:1/app".to_owned(), "cannot connect: "),
        // A bad parameter.
        (format!("mysql://root:hunter2@{host}?frobnicate=1"), "unknown parameter `frobnicate`"),
    ] {
        project.write("strata.toml", &format!("database = {url:?}\n"));
        let run = project.run(&["up"]);
        assert_ne!(run.code, 0, "{run}");
        let all = format!("{run}{}", run.database_line.as_deref().unwrap_or_default());
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains(":***@"), "{all}");
        assert!(all.contains(expected), "{all}");
    }
}

// ---------------------------------------------------------------------------
// 4. Many runners at once.

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

/// Checks one runner of a round: exit 0 and its output. Returns the migrations it applied.
fn check_runner(my: &My, run: &Run) -> Vec<String> {
    children::check_fleet_runner(run, &my.shown, "strata", |_| true)
}

#[test]
fn sixteen_runners_started_together_apply_fifty_migrations_exactly_once_twenty_times() {
    const RUNNERS: usize = 16;
    const ROUNDS: usize = 20;
    let Some(db) = my_test!() else { return };
    let project = Project::new();
    (1..=50).for_each(|n| fleet_migration(&project, n));
    let expected: Vec<String> = (1..=50).map(|n| format!("Applying {n:03} t{n:02} ... ok (<DUR>)")).collect();
    let started = Instant::now();
    let mut my = My::on(project, db, "");
    for round in 1..=ROUNDS {
        if round > 1 {
            // A fresh database each round: the first runner also creates the history table.
            let fresh = MyTest::new().expect("the server was there a moment ago");
            my = My::on(my.project, fresh, "");
        }
        let round_started = Instant::now();
        let children: Vec<Child> = (0..RUNNERS).map(|_| children::spawn(&my.project, &["up"])).collect();
        let pids: BTreeSet<u32> = children.iter().map(Child::id).collect();
        assert_eq!(pids.len(), RUNNERS);
        let runs: Vec<Run> =
            children.into_iter().map(|child| finished(child.wait_with_output().unwrap(), &["up"])).collect();
        let mut applied: Vec<String> = runs.iter().flat_map(|run| check_runner(&my, run)).collect();
        applied.sort();
        assert_eq!(applied, expected, "round {round}: between them, the runners apply every migration once");

        let history = my.history();
        assert_eq!(history.len(), 50, "round {round}");
        for (n, (version, name, state)) in (1..).zip(&history) {
            assert_eq!((*version, name.as_str(), state.as_str()), (n, format!("t{n:02}").as_str(), "applied"));
        }
        let mut tables: Vec<String> = (1..=50).map(|n| format!("t{n:02}")).collect();
        tables.extend(["events".to_owned(), "migration_history".to_owned()]);
        tables.sort();
        assert_eq!(my.tables(), tables, "round {round}: every table once, nothing else");
        assert_eq!(my.int("SELECT COUNT(*) FROM events"), 50, "round {round}: a migration ran twice");
        assert_eq!(my.int("SELECT COUNT(DISTINCT migration) FROM events"), 50, "round {round}");
        eprintln!("round {round}: {RUNNERS} runners in {:.2} s", round_started.elapsed().as_secs_f64());
    }
    eprintln!("{ROUNDS} rounds of {RUNNERS} runners in {:.1} s", started.elapsed().as_secs_f64());
}
