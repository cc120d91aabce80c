//! One scenario suite, written once and run against every database driver.
//! Each scenario gets a fresh, private database from its backend.

use std::path::PathBuf;

use strata::plan::{Report, State};
use strata::{DatabaseUrl, Driver, Error, ErrorKind, Migration, Migrator};

#[macro_use]
#[path = "../../strata-cli/tests/common/postgres.rs"]
mod postgres;

#[macro_use]
#[path = "../../strata-cli/tests/common/mysql.rs"]
mod mysql_db;

/// A database to run scenarios on.
trait Backend {
    /// A new connection to this scenario's database.
    fn connect(&self) -> Box<dyn Driver>;
    /// A migration creating a view, an index and a trigger on `users`, in this
    /// database's SQL, and what `reset` then reports dropping.
    fn reset_fixture(&self) -> (&'static str, Vec<(&'static str, usize)>);
    /// A statement dropping the history table that the checks cannot see,
    /// where this database's SQL has one.
    fn hidden_history_drop(&self) -> Option<&'static str>;
    /// A migration that creates `numbers` and takes a while.
    fn slow_step(&self) -> &'static str {
        "-- migrate:up\nCREATE TABLE numbers (n INTEGER);\nWITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000) INSERT INTO numbers SELECT n FROM c;\n"
    }
    /// Whether a runner waiting for the lock learns the holder's command.
    fn names_the_holders_command(&self) -> bool {
        true
    }
}

struct Sqlite {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Sqlite {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db/scenario.db");
        Sqlite { _dir: dir, path }
    }
}

impl Backend for Sqlite {
    fn connect(&self) -> Box<dyn Driver> {
        strata::open(&DatabaseUrl::parse(&format!("sqlite:{}", self.path.display())).unwrap()).unwrap()
    }

    fn reset_fixture(&self) -> (&'static str, Vec<(&'static str, usize)>) {
        (
            "-- migrate:up\nCREATE VIEW names AS SELECT name FROM users;\nCREATE INDEX idx_posts_user ON posts (user_id);\nCREATE TRIGGER t AFTER INSERT ON users BEGIN SELECT 1; END;\n",
            vec![("table", 2), ("view", 1), ("trigger", 1), ("index", 1)],
        )
    }

    /// None: SQLite runs no SQL it is not shown (`run.rs`'s tests drop it behind the checks).
    fn hidden_history_drop(&self) -> Option<&'static str> {
        None
    }
}

/// A scratch database on the server `STRATA_TEST_POSTGRES_URL` names.
struct Postgres(postgres::PgTest);

impl Backend for Postgres {
    fn connect(&self) -> Box<dyn Driver> {
        strata::open(&DatabaseUrl::parse(self.0.url()).unwrap()).unwrap()
    }

    fn reset_fixture(&self) -> (&'static str, Vec<(&'static str, usize)>) {
        (
            "-- migrate:up\nCREATE VIEW names AS SELECT name FROM users;\nCREATE INDEX idx_posts_user ON posts (user_id);\n\
             CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;\n\
             CREATE TRIGGER t AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION noop();\n\
             CREATE TYPE mood AS ENUM ('ok');\nCREATE SEQUENCE tickets;\n",
            vec![("view", 1), ("table", 2), ("sequence", 1), ("function", 1), ("type", 1)],
        )
    }

    fn hidden_history_drop(&self) -> Option<&'static str> {
        Some("DO $$ BEGIN EXECUTE 'DROP TABLE migration_history'; END $$;")
    }
}

/// A scratch database on the server `STRATA_TEST_MYSQL_URL` names (MySQL or MariaDB).
struct Mysql {
    db: mysql_db::MyTest,
    /// Connection attributes are kept (`performance_schema` on).
    attributes: bool,
}

impl Mysql {
    fn new(db: mysql_db::MyTest) -> Self {
        use mysql::prelude::Queryable;
        let on: Option<i64> = db.connect().query_first("SELECT @@performance_schema").unwrap();
        Mysql { db, attributes: on == Some(1) }
    }
}

impl Backend for Mysql {
    fn connect(&self) -> Box<dyn Driver> {
        strata::open(&DatabaseUrl::parse(self.db.url()).unwrap()).unwrap()
    }

    fn reset_fixture(&self) -> (&'static str, Vec<(&'static str, usize)>) {
        (
            "-- migrate:up\nCREATE VIEW names AS SELECT name FROM users;\nCREATE INDEX idx_posts_user ON posts (user_id);\n\
             CREATE PROCEDURE p() SELECT 1;\nCREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1;\n\
             CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1;\n\
             CREATE TRIGGER t AFTER INSERT ON users FOR EACH ROW SET @x = 1;\n",
            vec![("table", 2), ("view", 1), ("trigger", 1), ("procedure", 1), ("function", 1), ("event", 1)],
        )
    }

    fn hidden_history_drop(&self) -> Option<&'static str> {
        Some("SET @s = CONCAT('DROP TABLE migration', '_history');\nPREPARE s FROM @s;\nEXECUTE s;")
    }

    /// MySQL stops recursive CTEs at 1,000 rows by default: a sleep instead.
    fn slow_step(&self) -> &'static str {
        "-- migrate:up\nCREATE TABLE numbers (n INTEGER);\nINSERT INTO numbers SELECT SLEEP(0.3);\n"
    }

    fn names_the_holders_command(&self) -> bool {
        self.attributes
    }
}

macro_rules! for_every_driver {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $scenario() { super::$scenario(&super::Sqlite::new()) } )*
        }
        mod on_postgres {
            $( #[test] fn $scenario() {
                if let Some(db) = pg_test!() {
                    super::$scenario(&super::Postgres(db))
                }
            } )*
        }
        mod on_mysql {
            $( #[test] fn $scenario() {
                if let Some(db) = my_test!() {
                    super::$scenario(&super::Mysql::new(db))
                }
            } )*
        }
    };
}

for_every_driver!(
    up_applies_in_order_and_status_reports_applied,
    up_to_a_target_and_down_to_a_target,
    failed_migration_leaves_no_trace_and_keeps_earlier_ones,
    a_step_that_drops_the_history_table_is_named_and_leaves_nothing,
    a_run_time_error_names_the_statement_that_failed,
    modified_and_missing_migrations_refuse_up_and_change_nothing,
    down_uses_the_stored_script_when_the_file_is_gone,
    foreign_keys_off_step_is_checked_and_restored,
    interrupted_no_transaction_step_stops_later_runs,
    repair_settles_an_interrupted_step_and_up_goes_on,
    out_of_order_migrations_are_refused_unless_allowed,
    a_runner_waiting_past_the_lock_timeout_gives_up_naming_the_holder,
    a_no_transaction_step_leaving_a_transaction_open_is_rolled_back_and_interrupted,
    reset_drops_everything_and_empties_history,
    concurrent_runners_apply_each_migration_once,
    down_newest_reverts_one_migration_at_a_time,
    redo_reverts_and_reapplies_the_newest_and_refuses_a_modified_set,
    a_ddl_failure_midway_is_interrupted_until_repaired_as_applied,
    a_ddl_failure_midway_is_interrupted_until_repaired_as_reverted,
);

fn migrations(files: &[(&str, &str)]) -> Migrator {
    let files = files.iter().map(|(name, text)| (PathBuf::from(name), text.to_string()));
    Migrator::new(strata::source::load_files(files).unwrap()).unwrap()
}

const USERS: (&str, &str) = (
    "001_users.sql",
    "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n-- migrate:down\nDROP TABLE users;\n",
);
const POSTS: (&str, &str) = (
    "002_posts.sql",
    "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));\n-- migrate:down\nDROP TABLE posts;\n",
);
const SEED: (&str, &str) = (
    "003_seed.sql",
    "-- migrate:up\nINSERT INTO users (id, name) VALUES (1, 'ada; lovelace');\nINSERT INTO posts (id, user_id) VALUES (1, 1);\n-- migrate:down\nDELETE FROM posts;\nDELETE FROM users;\n",
);

fn states(migrator: &Migrator, db: &mut dyn Driver) -> Vec<(u64, State)> {
    let history = migrator.history(db).unwrap();
    Report::new(migrator.migrations(), &history).entries.iter().map(|e| (e.version, e.state)).collect()
}

fn table_exists(db: &mut dyn Driver, table: &str) -> bool {
    db.execute(&format!("SELECT 1 FROM {table} LIMIT 1")).is_ok()
}

fn up_applies_in_order_and_status_reports_applied(backend: &dyn Backend) {
    let migrator = migrations(&[USERS, POSTS, SEED]);
    let mut db = backend.connect();
    let summary = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    assert_eq!(summary.count, 3);
    assert_eq!(summary.current, Some(("003".to_owned(), "seed".to_owned())));
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Applied), (3, State::Applied)]);
    let again = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    assert_eq!(again.count, 0);
}

fn up_to_a_target_and_down_to_a_target(backend: &dyn Backend) {
    let migrator = migrations(&[USERS, POSTS, SEED]);
    let mut db = backend.connect();
    assert_eq!(
        migrator.up(db.as_mut(), &strata::Up { target: Some(2), ..Default::default() }, &mut ()).unwrap().count,
        2
    );
    assert_eq!(states(&migrator, db.as_mut())[2], (3, State::Pending));
    migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let summary = migrator.down(db.as_mut(), 1, &mut ()).unwrap();
    assert_eq!((summary.count, summary.current), (2, Some(("001".to_owned(), "users".to_owned()))));
    assert!(table_exists(db.as_mut(), "users") && !table_exists(db.as_mut(), "posts"));
    assert_eq!(migrator.down(db.as_mut(), 0, &mut ()).unwrap().current, None);
    assert!(!table_exists(db.as_mut(), "users"));
    assert!(matches!(migrator.down(db.as_mut(), 9, &mut ()), Err(Error::UnknownVersion { version: 9, .. })));
}

fn failed_migration_leaves_no_trace_and_keeps_earlier_ones(backend: &dyn Backend) {
    let broken =
        ("003_broken.sql", "-- migrate:up\nCREATE TABLE extra (id INTEGER);\n\nINSERT INTO nowhere VALUES (1);\n");
    let migrator = migrations(&[USERS, POSTS, broken]);
    let mut db = backend.connect();
    let transactional = db.capabilities().transactional_ddl;
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    match &error {
        Error::Statement { version: 3, location, rolled_back, .. } => {
            assert_eq!((&**location, *rolled_back), ("003_broken.sql:4", transactional))
        }
        other => panic!("unexpected error: {other}"),
    }
    // Where DDL commits (MySQL), the step is left half done and says so.
    let (extra, third) = if transactional { (false, State::Pending) } else { (true, State::Interrupted) };
    assert_eq!(table_exists(db.as_mut(), "extra"), extra);
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Applied), (3, third)]);
}

fn a_step_that_drops_the_history_table_is_named_and_leaves_nothing(backend: &dyn Backend) {
    let mut db = backend.connect();
    let step = |sql: &str| ("001_drop.sql", format!("-- migrate:up\nCREATE TABLE extra (id INTEGER);\n{sql}\n"));
    // Named in the script: refused before anything runs.
    let (name, text) = step("DROP TABLE migration_history;");
    let error = migrations(&[(name, &text)]).up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(
        error.to_string().contains("001_drop.sql:3: this statement writes to or changes the history table"),
        "{error}"
    );
    let Some(hidden) = backend.hidden_history_drop() else { return };
    // Behind the checks: the engine names what the step did to the table and rolls it all back.
    let (name, text) = step(hidden);
    let migrator = migrations(&[(name, &text)]);
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    let table = db.history_table().to_string();
    let transactional = db.capabilities().transactional_ddl;
    let outcome = if transactional {
        "it was rolled back"
    } else {
        "it ran outside a transaction, so this cannot be rolled back"
    };
    assert_eq!(
        error.to_string(),
        format!(
            "migration 001 (drop) changed the history table {table} (the table is gone: dropped or renamed); {outcome}"
        )
    );
    assert_eq!(error.kind(), ErrorKind::Failed);
    assert_eq!(table_exists(db.as_mut(), "extra"), !transactional);
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Pending)]);
}

fn a_run_time_error_names_the_statement_that_failed(backend: &dyn Backend) {
    // A duplicate key has no position in the statement: the line still names it.
    let duplicate = (
        "002_dup.sql",
        "-- migrate:up\nCREATE TABLE extra (id INTEGER);\nINSERT INTO users (id, name) VALUES (7, 'a');\n\n\
         INSERT INTO users (id, name) VALUES (7, 'b');\nINSERT INTO extra VALUES (1);\n",
    );
    let migrator = migrations(&[USERS, duplicate]);
    let mut db = backend.connect();
    let transactional = db.capabilities().transactional_ddl;
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    match &error {
        Error::Statement { version: 2, location, rolled_back, .. } => {
            assert_eq!((&**location, *rolled_back), ("002_dup.sql:5", transactional))
        }
        other => panic!("unexpected error: {other}"),
    }
    if !transactional {
        // DDL committed (MySQL): the step ran statement by statement up to the duplicate.
        assert!(table_exists(db.as_mut(), "extra"));
        assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Interrupted)]);
        return;
    }
    assert!(!table_exists(db.as_mut(), "extra"), "the replay to find the line was rolled back too");
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Pending)]);
}

fn modified_and_missing_migrations_refuse_up_and_change_nothing(backend: &dyn Backend) {
    let mut db = backend.connect();
    migrations(&[USERS]).up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let edited = ("001_users.sql", "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n");
    let error = migrations(&[edited, POSTS]).up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(matches!(&error, Error::Refused(p) if p[0].state == State::Modified), "{error}");
    let error = migrations(&[POSTS]).up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(matches!(&error, Error::Refused(p) if p[0].state == State::Missing), "{error}");
    assert!(!table_exists(db.as_mut(), "posts"));
}

fn down_uses_the_stored_script_when_the_file_is_gone(backend: &dyn Backend) {
    let mut db = backend.connect();
    migrations(&[USERS, POSTS]).up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let summary = migrations(&[USERS]).down(db.as_mut(), 1, &mut ()).unwrap();
    assert_eq!(summary.count, 1);
    assert!(!table_exists(db.as_mut(), "posts"));
}

fn foreign_keys_off_step_is_checked_and_restored(backend: &dyn Backend) {
    let orphan = ("003_orphan.sql", "-- migrate:up foreign_keys:off\nINSERT INTO posts (user_id) VALUES (42);\n");
    let migrator = migrations(&[USERS, POSTS, orphan]);
    let mut db = backend.connect();
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    if !db.capabilities().foreign_keys_switch {
        // Refused before anything runs, naming the file and the option.
        assert!(matches!(&error, Error::InvalidFile { line: 1, .. }), "{error}");
        assert!(error.to_string().contains("`foreign_keys:off` cannot be honoured"), "{error}");
        assert_eq!(states(&migrator, db.as_mut())[0], (1, State::Pending), "nothing ran");
        return;
    }
    assert!(matches!(&error, Error::ForeignKeyViolations { version: 3, count: 1, .. }), "{error}");
    assert_eq!(states(&migrator, db.as_mut())[2], (3, State::Pending));
    assert!(db.execute("INSERT INTO posts (user_id) VALUES (42)").is_err(), "foreign keys are on again");
}

fn interrupted_no_transaction_step_stops_later_runs(backend: &dyn Backend) {
    let half = (
        "002_half.sql",
        "-- migrate:up transaction:false\nCREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n",
    );
    let migrator = migrations(&[USERS, half]);
    let mut db = backend.connect();
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(matches!(&error, Error::Statement { version: 2, rolled_back: false, .. }), "{error}");
    assert_eq!(states(&migrator, db.as_mut())[1], (2, State::Interrupted));
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(matches!(&error, Error::Refused(p) if p[0].state == State::Interrupted), "{error}");
}

fn repair_settles_an_interrupted_step_and_up_goes_on(backend: &dyn Backend) {
    let half = (
        "002_half.sql",
        "-- migrate:up transaction:false\nCREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n",
    );
    let mut db = backend.connect();
    migrations(&[USERS, half]).up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    // A person finishes the step by hand, fixes the file and records it as applied.
    let fixed = ("002_half.sql", "-- migrate:up transaction:false\nCREATE TABLE half (id INTEGER);\n");
    let migrator = migrations(&[USERS, fixed, POSTS_3]);
    let repaired = migrator.repair(db.as_mut(), 2, strata::Resolution::Applied, false, &mut ()).unwrap();
    assert_eq!(repaired.version, 2);
    // The recorded checksum is the broken file's: the fixed one reads as modified until recorded again.
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(matches!(&error, Error::Refused(p) if p[0].state == State::Modified), "{error}");
    migrator.repair(db.as_mut(), 2, strata::Resolution::Reverted, true, &mut ()).unwrap();
    db.execute("DROP TABLE half").unwrap();
    assert_eq!(migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap().count, 2);
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Applied), (3, State::Applied)]);
}

/// `posts` as version 3.
const POSTS_3: (&str, &str) = (
    "003_posts.sql",
    "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));\n-- migrate:down\nDROP TABLE posts;\n",
);

fn out_of_order_migrations_are_refused_unless_allowed(backend: &dyn Backend) {
    let mut db = backend.connect();
    migrations(&[USERS]).up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let late = ("003_late.sql", "-- migrate:up\nCREATE TABLE late (id INTEGER);\n-- migrate:down\nDROP TABLE late;\n");
    migrations(&[USERS, late]).up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    // 002 appears after 003 was applied.
    let migrator = migrations(&[USERS, POSTS, late]);
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(matches!(&error, Error::Refused(p) if p[0].state == State::OutOfOrder), "{error}");
    assert!(!table_exists(db.as_mut(), "posts"));
    let allowed = strata::Up { allow_out_of_order: true, ..Default::default() };
    assert_eq!(migrator.up(db.as_mut(), &allowed, &mut ()).unwrap().count, 1);
    assert!(table_exists(db.as_mut(), "posts"));
}

fn a_runner_waiting_past_the_lock_timeout_gives_up_naming_the_holder(backend: &dyn Backend) {
    let mut holder = backend.connect();
    migrations(&[USERS]).up(holder.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let request = strata::LockRequest { timeout: std::time::Duration::from_secs(30), command: "strata up".into() };
    holder.lock(&request, &mut |_| {}).unwrap();
    let mut waiter = backend.connect();
    let short = strata::LockRequest { timeout: std::time::Duration::from_millis(300), command: "strata down".into() };
    let mut announced = 0;
    let error = waiter.lock(&short, &mut |_| announced += 1).unwrap_err();
    assert_eq!(announced, 1, "the waiter said once that it waits");
    match &error {
        Error::LockTimeout { holder, .. } if backend.names_the_holders_command() => {
            assert!(holder.to_string().contains("strata up"), "{holder}")
        }
        // The server names the holder's connection only (MariaDB without performance_schema).
        Error::LockTimeout { holder, .. } => assert!(holder.to_string().contains("(connection "), "{holder}"),
        other => panic!("unexpected error: {other}"),
    }
    holder.unlock().unwrap();
    waiter.lock(&short, &mut |_| {}).unwrap();
    waiter.unlock().unwrap();
}

fn a_no_transaction_step_leaving_a_transaction_open_is_rolled_back_and_interrupted(backend: &dyn Backend) {
    // An INSERT, which no database commits implicitly (MySQL's DDL would end the transaction).
    let open =
        ("002_open.sql", "-- migrate:up transaction:false\nBEGIN;\nINSERT INTO users (id, name) VALUES (9, 'x');\n");
    let migrator = migrations(&[USERS, open]);
    let mut db = backend.connect();
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "migration 002 (open) failed at 002_open.sql: the section left a transaction open (BEGIN without COMMIT); \
         it was rolled back"
    );
    assert!(!db.in_transaction());
    assert!(db.execute("INSERT INTO users (id, name) VALUES (9, 'y')").is_ok(), "the first insert was rolled back");
    assert_eq!(states(&migrator, db.as_mut())[1], (2, State::Interrupted));
}

fn reset_drops_everything_and_empties_history(backend: &dyn Backend) {
    let (text, expected) = backend.reset_fixture();
    let view = ("004_view.sql", text);
    let migrator = migrations(&[USERS, POSTS, SEED, view]);
    let mut db = backend.connect();
    migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let dropped = migrator.reset(db.as_mut(), &mut ()).unwrap();
    assert_eq!(dropped.0, expected);
    assert!(!table_exists(db.as_mut(), "users"));
    assert!(migrator.history(db.as_mut()).unwrap().is_empty());
    assert_eq!(migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap().count, 4);
}

fn concurrent_runners_apply_each_migration_once(backend: &dyn Backend) {
    let slow = ("004_slow.sql", backend.slow_step());
    let migrator = migrations(&[USERS, POSTS, SEED, slow]);
    let results: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..3)
            .map(|_| {
                let mut db = backend.connect();
                let migrator = &migrator;
                scope.spawn(move || migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).map(|s| s.count))
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    let counts: Vec<usize> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(counts.iter().sum::<usize>(), 4, "{counts:?}");
    // The seed inserts fixed ids, so applying it twice would have failed one runner.
    assert_eq!(migrator.history(backend.connect().as_mut()).unwrap().len(), 4);
}

#[test]
fn migrations_built_in_code_must_have_distinct_versions() {
    let mut list = strata::source::load_files([USERS, POSTS].map(|(name, text)| (name, text.to_owned()))).unwrap();
    list[1].version = 1;
    assert!(matches!(Migrator::new(list), Err(Error::DuplicateVersion { version: 1, .. })));
}

#[test]
fn embedded_migrations_need_no_folder() {
    const FILES: [(&str, &str); 2] = [USERS, POSTS];
    let list: Vec<Migration> =
        strata::source::load_files(FILES.iter().map(|(name, text)| (format!("embedded/{name}"), text.to_string())))
            .unwrap();
    let migrator = Migrator::new(list).unwrap();
    let mut db = strata::open(&DatabaseUrl::parse("sqlite::memory:").unwrap()).unwrap();
    assert_eq!(migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap().count, 2);
}

fn down_newest_reverts_one_migration_at_a_time(backend: &dyn Backend) {
    let migrator = migrations(&[USERS, POSTS, SEED]);
    let mut db = backend.connect();
    migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let summary = migrator.down_newest(db.as_mut(), &mut ()).unwrap();
    assert_eq!((summary.count, summary.current), (1, Some(("002".to_owned(), "posts".to_owned()))));
    assert_eq!(states(&migrator, db.as_mut())[2], (3, State::Pending));
    migrator.down_newest(db.as_mut(), &mut ()).unwrap();
    assert_eq!(migrator.down_newest(db.as_mut(), &mut ()).unwrap().current, None);
    assert_eq!(migrator.down_newest(db.as_mut(), &mut ()).unwrap().count, 0);
    assert!(!table_exists(db.as_mut(), "users"));
}

fn redo_reverts_and_reapplies_the_newest_and_refuses_a_modified_set(backend: &dyn Backend) {
    let migrator = migrations(&[USERS, POSTS]);
    let mut db = backend.connect();
    assert_eq!(migrator.redo(db.as_mut(), &mut ()).unwrap().count, 0);
    migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    db.execute("INSERT INTO users (id, name) VALUES (1, 'a')").unwrap();
    db.execute("INSERT INTO posts (id, user_id) VALUES (1, 1)").unwrap();
    let summary = migrator.redo(db.as_mut(), &mut ()).unwrap();
    assert_eq!((summary.count, summary.current), (1, Some(("002".to_owned(), "posts".to_owned()))));
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Applied)]);
    // posts was dropped and created again (empty); users kept its row.
    db.execute("INSERT INTO posts (id, user_id) VALUES (1, 1)").unwrap();
    let edited = ("001_users.sql", "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n");
    let error = migrations(&[edited, POSTS]).redo(db.as_mut(), &mut ()).unwrap_err();
    assert!(matches!(&error, Error::Refused(p) if p[0].state == State::Modified), "{error}");
    assert!(table_exists(db.as_mut(), "posts"));
}

/// Migration 2 fails at its second statement after its first (DDL) ran:
/// as written where DDL commits (MySQL), `transaction:false` elsewhere.
/// Returns the migrator and the connection, the step left interrupted.
fn fail_midway(backend: &dyn Backend) -> (Migrator, Box<dyn Driver>) {
    let mut db = backend.connect();
    let option = if db.capabilities().transactional_ddl { " transaction:false" } else { "" };
    let text = format!(
        "-- migrate:up{option}\nCREATE TABLE half (id INTEGER);\nCREATE TABLE half (id INTEGER);\n-- migrate:down\nDROP TABLE half;\n"
    );
    let migrator = migrations(&[USERS, ("002_half.sql", &text)]);
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    match &error {
        Error::Statement { version: 2, location, rolled_back: false, .. } => assert_eq!(&**location, "002_half.sql:3"),
        other => panic!("unexpected error: {other}"),
    }
    assert!(table_exists(db.as_mut(), "half"), "the first statement ran");
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Interrupted)]);
    // `up` and `down` refuse (exit 3) until a person has looked.
    for refused in [
        migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err(),
        migrator.down(db.as_mut(), 0, &mut ()).unwrap_err(),
    ] {
        assert!(matches!(&refused, Error::Refused(p) if p[0].state == State::Interrupted), "{refused}");
        assert_eq!(refused.kind(), ErrorKind::Refused);
    }
    (migrator, db)
}

fn a_ddl_failure_midway_is_interrupted_until_repaired_as_applied(backend: &dyn Backend) {
    let (migrator, mut db) = fail_midway(backend);
    // The person found the step's work done (the one table it makes is there) and says so.
    migrator.repair(db.as_mut(), 2, strata::Resolution::Applied, false, &mut ()).unwrap();
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Applied)]);
    assert_eq!(migrator.down(db.as_mut(), 1, &mut ()).unwrap().count, 1);
    assert!(!table_exists(db.as_mut(), "half"), "its down section ran");
}

fn a_ddl_failure_midway_is_interrupted_until_repaired_as_reverted(backend: &dyn Backend) {
    let (migrator, mut db) = fail_midway(backend);
    // The person undid what ran, fixed the file, and says the step is not applied.
    db.execute("DROP TABLE half").unwrap();
    migrator.repair(db.as_mut(), 2, strata::Resolution::Reverted, false, &mut ()).unwrap();
    assert_eq!(states(&migrator, db.as_mut()), [(1, State::Applied), (2, State::Pending)]);
    let fixed = migrations(&[USERS, ("002_half.sql", "-- migrate:up\nCREATE TABLE half (id INTEGER);\n")]);
    assert_eq!(fixed.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap().count, 1);
    assert!(table_exists(db.as_mut(), "half"));
}
