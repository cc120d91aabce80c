//! The MySQL/MariaDB driver against the server `STRATA_TEST_MYSQL_URL`
//! names, where it differs from the other databases beyond what the
//! scenario suite covers: the history table's shape, the named lock,
//! `reset` of every kind of object in one database only, the session's
//! `sql_mode` and the dialect it picks, transactions DDL commits, the TLS
//! modes against a server without TLS, and error positions.

#[macro_use]
#[path = "../../strata-cli/tests/common/mysql.rs"]
mod mysql_db;

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql_db::MyTest;
use strata::history::{Record, RowState};
use strata::{DatabaseUrl, Driver, Error, LockRequest, OpenOptions};

fn open(db: &MyTest) -> Box<dyn Driver> {
    open_url(db.url())
}

fn open_url(url: &str) -> Box<dyn Driver> {
    strata::open(&DatabaseUrl::parse(url).unwrap()).unwrap()
}

fn open_with(db: &MyTest, options: &OpenOptions) -> strata::Result<Box<dyn Driver>> {
    strata::open_with(&DatabaseUrl::parse(db.url()).unwrap(), options)
}

fn request(command: &str, timeout: Duration) -> LockRequest {
    LockRequest { timeout, command: command.to_owned() }
}

fn record<'a>(version: u64, up_sql: &'a str, down_sql: Option<&'a str>) -> Record<'a> {
    Record {
        version,
        name: "users",
        checksum: "c0ffee",
        applied_at: "2026-01-02 03:04:05".to_owned(),
        execution_ms: 7,
        state: RowState::Applying,
        up_sql,
        down_sql,
        down_options: "foreign_keys:off".to_owned(),
    }
}

#[test]
fn the_history_table_is_innodb_utf8mb4_keyed_by_version_and_round_trips() {
    let Some(db) = my_test!() else { return };
    let mut driver = open(&db);
    assert_eq!(driver.history_columns().unwrap(), Vec::<String>::new());
    driver.ensure_history().unwrap();
    let (engine, collation): (String, String) = db
        .connect()
        .exec_first(
            "SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'migration_history'",
            (db.name(),),
        )
        .unwrap()
        .unwrap();
    assert_eq!(engine, "InnoDB");
    assert!(collation.starts_with("utf8mb4"), "{collation}");
    let key: Vec<String> = db
        .connect()
        .exec(
            "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? \
             AND TABLE_NAME = 'migration_history' AND CONSTRAINT_NAME = 'PRIMARY'",
            (db.name(),),
        )
        .unwrap();
    assert_eq!(key, ["version"]);
    let mut columns = strata::history::COLUMNS.to_vec();
    columns.push(strata::history::FAILURE);
    assert_eq!(driver.history_columns().unwrap(), columns);

    let up = "CREATE TABLE users (name TEXT);\n-- ünïcödé 🚀 and a 'quote'";
    driver.insert_history(&record(3, up, Some("DROP TABLE users;"))).unwrap();
    driver.insert_history(&record(1, "SELECT 1", None)).unwrap();
    driver.set_history_state(3, RowState::Applied, Some(42)).unwrap();
    let history = driver.read_history().unwrap();
    assert_eq!(
        history.iter().map(|a| (a.version, a.state, a.has_down)).collect::<Vec<_>>(),
        [(1, RowState::Applying, false), (3, RowState::Applied, true)]
    );
    assert_eq!((history[1].execution_ms, history[1].applied_at.as_str()), (42, "2026-01-02 03:04:05"));
    assert_eq!(driver.stored_down(3).unwrap(), Some(("DROP TABLE users;".to_owned(), "foreign_keys:off".to_owned())));
    let stored: String =
        db.connect().query_first("SELECT up_sql FROM migration_history WHERE version = 3").unwrap().unwrap();
    assert_eq!(stored, up);
    driver.delete_history(1).unwrap();
    assert_eq!(driver.read_history().unwrap().len(), 1);
}

#[test]
fn a_runner_waits_for_the_lock_names_its_holder_and_gives_up_at_the_timeout() {
    let Some(db) = my_test!() else { return };
    let mut holder = open(&db);
    holder.lock(&request("strata up", Duration::from_secs(5)), &mut |_| {}).unwrap();
    let mut waiter = open(&db);
    let mut waits = Vec::new();
    let error = waiter
        .lock(&request("strata down", Duration::from_millis(1500)), &mut |wait| waits.push(wait.clone()))
        .unwrap_err();
    assert_eq!(waits.len(), 1, "the waiter says once that it waits");
    let Error::LockTimeout { holder: named, database, .. } = &error else { panic!("unexpected error: {error}") };
    assert_eq!(database, &db.url().to_owned());
    let command = named.command.clone().unwrap_or_default();
    assert!(command.contains("(connection ") && command.contains("@127.0.0.1"), "{command}");
    assert!(named.since.is_some(), "{named:?}");
    // `since` is the server's clock less the seconds the holder's connection has idled: it may differ by one.
    let who = |holder: &strata::Holder| (holder.pid, holder.command.clone());
    assert_eq!(who(&waits[0].holder), who(named));
    // status's view: the same holder, without waiting.
    assert_eq!(waiter.lock_holder().unwrap().map(|holder| who(&holder)), Some(who(named)));
    // Two locks in one driver are one lock; unlock lets the other in.
    holder.lock(&request("strata up", Duration::ZERO), &mut |_| {}).unwrap();
    holder.unlock().unwrap();
    assert_eq!(waiter.lock_holder().unwrap(), None);
    waiter.lock(&request("strata down", Duration::ZERO), &mut |_| {}).unwrap();
}

#[test]
fn the_lock_goes_with_a_dropped_driver_and_is_handed_over_to_a_waiter() {
    let Some(db) = my_test!() else { return };
    let url = DatabaseUrl::parse(db.url()).unwrap();
    let options = OpenOptions::default();
    let holder = strata::open_locked(&url, &options, &request("strata up", Duration::ZERO), &mut |_| {}).unwrap();
    let waiter = std::thread::spawn(move || {
        let mut announced = 0;
        let driver = strata::open_locked(&url, &options, &request("strata up", Duration::from_secs(30)), &mut |_| {
            announced += 1
        });
        (driver.map(|_| ()), announced)
    });
    std::thread::sleep(Duration::from_millis(300));
    drop(holder);
    let (result, announced) = waiter.join().unwrap();
    result.unwrap();
    assert!(announced <= 1);
    // And the waiter's own drop released it in turn.
    let mut again = open(&db);
    again.lock(&request("strata up", Duration::ZERO), &mut |_| {}).unwrap();
}

#[test]
fn locks_of_two_databases_or_two_history_tables_are_apart() {
    let (Some(a), Some(b)) = (my_test!(), my_test!()) else { return };
    let mut first = open(&a);
    first.lock(&request("strata up", Duration::ZERO), &mut |_| {}).unwrap();
    open(&b).lock(&request("strata up", Duration::ZERO), &mut |_| {}).unwrap();
    let other_table =
        OpenOptions { history_table: strata::HistoryTable::new("other_history", None).unwrap(), ..Default::default() };
    open_with(&a, &other_table).unwrap().lock(&request("strata up", Duration::ZERO), &mut |_| {}).unwrap();
}

const EVERY_KIND: &str = "-- migrate:up
CREATE TABLE users (id INT PRIMARY KEY, name TEXT);
CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, FOREIGN KEY (user_id) REFERENCES users (id));
INSERT INTO users VALUES (1, 'a');
INSERT INTO posts VALUES (1, 1);
CREATE VIEW names AS SELECT name FROM users;
CREATE VIEW names2 AS SELECT name FROM names;
CREATE INDEX posts_user ON posts (user_id);
CREATE PROCEDURE p() SELECT 1;
CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1;
CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1;
CREATE SEQUENCE tickets;
CREATE TRIGGER t AFTER INSERT ON users FOR EACH ROW SET @x = 1;
";

fn objects(conn: &mut mysql::Conn, database: &str) -> Vec<String> {
    conn.exec(
        "SELECT CONCAT(TABLE_TYPE, ' ', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? \
         UNION ALL SELECT CONCAT('ROUTINE ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? \
         UNION ALL SELECT CONCAT('TRIGGER ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? \
         UNION ALL SELECT CONCAT('EVENT ', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1",
        (database, database, database, database),
    )
    .unwrap()
}

#[test]
fn reset_drops_every_kind_in_its_database_only_with_foreign_key_checks_back_on() {
    let (Some(db), Some(other)) = (my_test!(), my_test!()) else { return };
    let migrator =
        strata::Migrator::new(strata::source::load_files([("001_all.sql", EVERY_KIND.to_owned())]).unwrap()).unwrap();
    migrator.up(open(&other).as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let before = objects(&mut other.connect(), other.name());
    let mut driver = open(&db);
    migrator.up(driver.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    let dropped = migrator.reset(driver.as_mut(), &mut ()).unwrap();
    assert_eq!(
        dropped.0,
        [("table", 2), ("view", 2), ("sequence", 1), ("trigger", 1), ("procedure", 1), ("function", 1), ("event", 1)]
    );
    assert_eq!(objects(&mut db.connect(), db.name()), ["BASE TABLE migration_history"]);
    assert!(migrator.history(driver.as_mut()).unwrap().is_empty());
    assert_eq!(objects(&mut other.connect(), other.name()), before, "the other database is untouched");
    // Foreign-key checks are on again in the session that reset.
    driver.execute("CREATE TABLE a (id INT PRIMARY KEY)").unwrap();
    driver.execute("CREATE TABLE b (a_id INT, FOREIGN KEY (a_id) REFERENCES a (id))").unwrap();
    let error = driver.execute("INSERT INTO b VALUES (5)").unwrap_err();
    assert_eq!(error.code.as_deref(), Some("1452"), "{}", error.message);
    // An empty database: nothing but tables to report.
    driver.execute("DROP TABLE b, a").unwrap();
    assert_eq!(migrator.reset(driver.as_mut(), &mut ()).unwrap().0, [("table", 0)]);
}

#[test]
fn the_sql_mode_is_the_servers_unless_the_setting_says_and_picks_the_dialect() {
    let Some(db) = my_test!() else { return };
    let global: String = db.connect().query_first("SELECT @@GLOBAL.sql_mode").unwrap().unwrap();
    let mode = |driver: &mut Box<dyn Driver>| -> String {
        let rows = driver.query("SELECT @@SESSION.sql_mode", &[]).unwrap();
        rows[0][0].clone().text().unwrap()
    };
    let mut default = open(&db);
    assert_eq!(mode(&mut default), global);
    assert!(std::ptr::addr_eq(default.dialect(), &strata::dialect::MYSQL));
    let set = |modes: &str| OpenOptions { mysql_sql_mode: Some(modes.to_owned()), ..Default::default() };
    let mut ansi = open_with(&db, &set("ANSI_QUOTES,STRICT_ALL_TABLES")).unwrap();
    assert_eq!(mode(&mut ansi), "ANSI_QUOTES,STRICT_ALL_TABLES");
    assert!(std::ptr::addr_eq(ansi.dialect(), &strata::dialect::MYSQL));
    let mut plain = open_with(&db, &set("NO_BACKSLASH_ESCAPES")).unwrap();
    assert_eq!(mode(&mut plain), "NO_BACKSLASH_ESCAPES");
    assert!(std::ptr::addr_eq(plain.dialect(), &strata::dialect::MYSQL_NO_BACKSLASH_ESCAPES));
    let rows = plain.query("SELECT 'a\\b'", &[]).unwrap();
    assert_eq!(rows[0][0].clone().text().unwrap(), "a\\b", "a backslash is a backslash");
    // The character set is utf8mb4 whatever the server's default.
    let rows = plain.query("SELECT @@SESSION.character_set_client", &[]).unwrap();
    assert_eq!(rows[0][0].clone().text().unwrap(), "utf8mb4");
    for (modes, expected) in [
        ("NO_SUCH_MODE", "mysql_sql_mode `NO_SUCH_MODE` is refused by the server: "),
        ("ANSI'; DROP DATABASE x; --", "is not a list of SQL modes"),
    ] {
        let error = open_with(&db, &set(modes)).err().unwrap().to_string();
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn a_statement_that_commits_implicitly_ends_the_transaction_as_the_server_says() {
    let Some(db) = my_test!() else { return };
    let mut driver = open(&db);
    driver.execute("CREATE TABLE t (id INT)").unwrap();
    driver.begin().unwrap();
    driver.execute("INSERT INTO t VALUES (1)").unwrap();
    assert!(driver.in_transaction());
    driver.execute("CREATE TABLE u (id INT)").unwrap();
    assert!(!driver.in_transaction(), "CREATE TABLE committed the transaction");
    driver.rollback().unwrap();
    let count: i64 = db.connect().query_first("SELECT COUNT(*) FROM t").unwrap().unwrap();
    assert_eq!(count, 1, "the insert was committed by the DDL");
    // A statement outside Strata's transactions that begins one, and one that ends it.
    driver.execute("START TRANSACTION").unwrap();
    assert!(driver.in_transaction());
    driver.execute("COMMIT").unwrap();
    assert!(!driver.in_transaction());
    driver.execute("BEGIN").unwrap();
    driver.execute("INSERT INTO t VALUES (2)").unwrap();
    driver.rollback().unwrap();
    assert!(!driver.in_transaction());
    let count: i64 = db.connect().query_first("SELECT COUNT(*) FROM t").unwrap().unwrap();
    assert_eq!(count, 1, "the rollback undid the insert");
}

#[test]
fn an_implicit_commit_inside_an_atomic_step_is_caught_by_the_engine() {
    // What run.rs does for an atomic step, statement by statement, on this driver.
    let Some(db) = my_test!() else { return };
    let mut driver = open(&db);
    driver.execute("CREATE TABLE t (id INT)").unwrap();
    driver.begin().unwrap();
    let statements = ["INSERT INTO t VALUES (1)", "ALTER TABLE t ADD COLUMN c INT", "INSERT INTO t VALUES (2, 2)"];
    let ended = statements.iter().position(|sql| {
        driver.execute(sql).unwrap();
        !driver.in_transaction()
    });
    assert_eq!(ended, Some(1), "the ALTER TABLE is named as the statement that ended the transaction");
}

#[test]
fn a_syntax_error_is_named_at_its_line_with_the_servers_codes() {
    let Some(db) = my_test!() else { return };
    let mut driver = open(&db);
    let sql = "CREATE TABLE t (\n  id INT,\n  , oops INT\n)";
    let error = driver.execute(sql).unwrap_err();
    assert_eq!(error.code.as_deref(), Some("1064"));
    assert!(error.message.ends_with("(error 1064, SQLSTATE 42000)"), "{}", error.message);
    let offset = error.offset.expect("a position");
    assert_eq!(sql[..offset].matches('\n').count(), 2, "line 3: {}", &sql[offset..]);
    let missing = driver.execute("INSERT INTO nowhere VALUES (1)").unwrap_err();
    assert_eq!((missing.code.as_deref(), missing.offset), (Some("1146"), None));
    assert!(missing.message.contains("nowhere' doesn't exist (error 1146, SQLSTATE 42S02)"), "{}", missing.message);
}

#[test]
fn tls_modes_against_a_server_without_tls() {
    let Some(db) = my_test!() else { return };
    let have_ssl: Option<(String, String)> = db.connect().query_first("SHOW VARIABLES LIKE 'have_ssl'").unwrap();
    if have_ssl.is_some_and(|(_, value)| value == "YES") {
        println!("skipped: the server at {} offers TLS", mysql_db::ENV);
        return;
    }
    let with = |query: &str| format!("{}?{query}", db.url());
    for query in ["ssl-mode=DISABLED", "ssl-mode=PREFERRED", "ssl-mode=preferred"] {
        let mut driver = open_url(&with(query));
        driver.ensure_history().unwrap();
    }
    // PREFERRED (the default) on the lock connection and the working one.
    let url = DatabaseUrl::parse(db.url()).unwrap();
    strata::open_locked(&url, &OpenOptions::default(), &request("strata up", Duration::ZERO), &mut |_| {}).unwrap();
    for mode in ["REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"] {
        let error = strata::open(&DatabaseUrl::parse(&with(&format!("ssl-mode={mode}"))).unwrap()).err().unwrap();
        let message = error.to_string();
        assert!(message.starts_with("database error: cannot connect: "), "{message}");
        assert!(
            message.ends_with(&format!(
                "; the database is {}; the server offers no TLS, and ssl-mode={mode} requires it: enable TLS on the \
                 server, or connect with ?ssl-mode=PREFERRED (or DISABLED) where an unencrypted connection is acceptable",
                with(&format!("ssl-mode={mode}"))
            )),
            "{message}"
        );
    }
}

#[test]
fn a_schema_setting_and_bad_urls_are_configuration_errors() {
    let Some(db) = my_test!() else { return };
    let options = OpenOptions {
        history_table: strata::HistoryTable::new("migration_history", Some("app")).unwrap(),
        ..Default::default()
    };
    let error = open_with(&db, &options).err().unwrap();
    assert_eq!(error.kind(), strata::ErrorKind::Invalid);
    assert!(error
        .to_string()
        .starts_with("MySQL and MariaDB have no schemas apart from databases, so the schema `app`"));
    let no_database = strata::open(&DatabaseUrl::parse(db.server_url()).unwrap()).err().unwrap();
    assert_eq!(no_database.kind(), strata::ErrorKind::Invalid);
    assert!(no_database.to_string().contains("the URL names no database"), "{no_database}");
}

#[test]
fn a_wrong_password_fails_without_showing_it() {
    let Some(db) = my_test!() else { return };
    let rest = db.url().split_once("://").unwrap().1;
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let url = format!("mysql://strata_nobody:hunter2@{host}");
    let error = strata::open(&DatabaseUrl::parse(&url).unwrap()).err().unwrap().to_string();
    assert!(!error.contains("hunter2"), "{error}");
    assert!(error.contains("strata_nobody:***@"), "{error}");
    assert!(error.contains("(error 1045, SQLSTATE 28000)"), "{error}");
}

#[test]
fn the_server_is_not_a_galera_node_and_names_its_kind() {
    let Some(db) = my_test!() else { return };
    let driver = open(&db);
    let version: String = db.connect().query_first("SELECT VERSION()").unwrap().unwrap();
    let kind = if version.contains("MariaDB") { "MariaDB" } else { "MySQL" };
    assert_eq!(driver.kind_name(), kind);
    assert_eq!(driver.capabilities(), strata::Capabilities::MYSQL);
}

#[test]
fn scratch_urls_keep_the_server_and_name_the_database() {
    use mysql_db::with_database;
    assert_eq!(with_database("mysql://root@127.0.0.1:3306/", "x").unwrap(), "mysql://root@127.0.0.1:3306/x");
    assert_eq!(with_database("mysql://root@h", "x").unwrap(), "mysql://root@h/x");
    assert_eq!(
        with_database("mariadb://u:p/w@h/db?ssl-mode=DISABLED", "x").unwrap(),
        "mariadb://u:p/w@h/x?ssl-mode=DISABLED"
    );
}

fn table_names(db: &MyTest) -> Vec<String> {
    db.connect()
        .exec("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1", (db.name(),))
        .unwrap()
}

const LEGACY: &str =
    "CREATE TABLE migration_history (id INT AUTO_INCREMENT PRIMARY KEY, version TEXT, name TEXT, applied_at TEXT)";

#[test]
fn adopt_converts_writebots_table_and_keeps_the_old_one() {
    let Some(db) = my_test!() else { return };
    db.connect().query_drop(LEGACY).unwrap();
    db.connect()
        .query_drop(
            "INSERT INTO migration_history (version, name, applied_at) VALUES ('1', 'a', '2024-01-01 00:00:00')",
        )
        .unwrap();
    let files = [("001_a.sql", "-- migrate:up\nCREATE TABLE a (id INT);\n".to_owned())];
    let migrator = strata::Migrator::new(strata::source::load_files(files).unwrap()).unwrap();
    let mut driver = open(&db);
    assert!(
        matches!(migrator.adopt(driver.as_mut(), &mut ()).unwrap(), strata::adopt::Adoption::Converted(rows) if rows.len() == 1)
    );
    assert_eq!(table_names(&db), ["migration_history", "migration_history_before_strata"]);
    let history = driver.read_history().unwrap();
    assert_eq!((history[0].version, history[0].applied_at.as_str()), (1, "2024-01-01 00:00:00"));
}

#[test]
fn adopt_failing_midway_puts_the_old_table_back() {
    let Some(db) = my_test!() else { return };
    // The second version does not fit the history table's BIGINT: the insert fails after the rename.
    db.connect().query_drop(LEGACY).unwrap();
    db.connect()
        .query_drop(
            "INSERT INTO migration_history (version, name, applied_at) \
             VALUES ('1', 'a', '2024-01-01 00:00:00'), ('9223372036854775808', 'b', '2024-01-01 00:00:00')",
        )
        .unwrap();
    let migrator = strata::Migrator::new(Vec::new()).unwrap();
    let error = migrator.adopt(open(&db).as_mut(), &mut ()).unwrap_err().to_string();
    assert_eq!(error, "database error: 9223372036854775808 is too large for the history table");
    assert_eq!(table_names(&db), ["migration_history"], "the new table dropped, the old one renamed back");
    let rows: i64 = db.connect().query_first("SELECT COUNT(*) FROM migration_history WHERE id > 0").unwrap().unwrap();
    assert_eq!(rows, 2);
}

#[test]
fn foreign_keys_switch_off_and_every_broken_row_is_found_afterwards() {
    let Some(db) = my_test!() else { return };
    let mut driver = open(&db);
    for sql in [
        "CREATE TABLE users (id INT PRIMARY KEY)",
        "CREATE TABLE shops (id INT, region INT, PRIMARY KEY (id, region))",
        "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, shop_id INT, region INT, \
         CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id), \
         CONSTRAINT posts_shop FOREIGN KEY (shop_id, region) REFERENCES shops (id, region))",
        "INSERT INTO users VALUES (1)",
        "INSERT INTO shops VALUES (1, 1)",
        "INSERT INTO posts VALUES (1, 1, 1, 1), (2, NULL, 1, NULL)",
    ] {
        driver.execute(sql).unwrap();
    }
    assert_eq!(driver.foreign_key_violations().unwrap(), (0, vec![]), "NULL in a key column breaks nothing");
    driver.set_foreign_keys(false).unwrap();
    driver.execute("INSERT INTO posts VALUES (3, 42, 1, 1), (4, 43, 9, 9)").unwrap();
    driver.set_foreign_keys(true).unwrap();
    let (count, described) = driver.foreign_key_violations().unwrap();
    assert_eq!(count, 3);
    assert_eq!(
        described,
        [
            "posts (shop_id, region) = (9, 9) references a missing shops row (foreign key posts_shop)",
            "posts (user_id) = (42) references a missing users row (foreign key posts_user)",
            "posts (user_id) = (43) references a missing users row (foreign key posts_user)",
        ]
    );
    assert!(driver.execute("INSERT INTO posts VALUES (5, 44, NULL, NULL)").is_err(), "checks are on again");
}

#[test]
fn an_error_in_any_statement_of_one_piece_of_text_fails_it() {
    // What a script that set `DELIMITER //` and never set `;` back sends:
    // one piece of text, several statements, the server runs them all.
    let Some(db) = my_test!() else { return };
    let mut driver = open(&db);
    let error = driver.execute("CREATE TABLE b (id INT); INSERT INTO b VALUES (1); INSERT INTO nosuch VALUES (1)");
    let error = error.expect_err("the third statement fails");
    assert_eq!(error.code.as_deref(), Some("1146"), "{error:?}");
    assert!(error.message.contains("nosuch' doesn't exist"), "{error:?}");
    driver.execute("CREATE TABLE c (id INT); INSERT INTO c VALUES (1)").unwrap();
}
