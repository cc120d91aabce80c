//! WriteBot's schema on MySQL/MariaDB (`migrations/mysql`): the views of 013
//! and 014 on the data set of `writebot_views.rs`, with the same expected
//! values (both from `common/writebot_data.rs`, shared with the PostgreSQL
//! tests), and the triggers, seeds and types that differ most from SQLite's.
//!
//! The server: `STRATA_TEST_MYSQL_URL`, e.g. `mysql://root@127.0.0.1:3306/`
//! (an account that may create databases). When it is not set, each test says
//! it is skipped and passes; when it is set and the server cannot be reached,
//! the test fails. Each test creates its own database,
//! `strata_t_<pid>_<n>_<nanos>`, and drops it afterwards, also when it fails
//! ([`TestDb`]'s `Drop`). Migrations are applied by the `strata` binary
//! ([`apply_with_strata`]); data goes in and views are read with the `mysql`
//! crate, through prepared statements, whose results come typed.
//!
//! Timestamps: the columns are `DATETIME` holding UTC, read back exactly as
//! written whatever the session's time zone, so a value read is
//! `ts("2024-07-01 10:54:00")` when it holds that text. Flags are `BOOLEAN`
//! (`TINYINT(1)`), read as 1 or 0, as in SQLite.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use mysql::consts::ColumnType;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Row, Value};

#[macro_use]
#[path = "common/writebot_data.rs"]
mod writebot_data;
use writebot_data::*;

/// The variable naming the server these tests create their databases on.
const ENV: &str = "STRATA_TEST_MYSQL_URL";

/// A uniquely named scratch database on the server `STRATA_TEST_MYSQL_URL`
/// names, dropped when this is dropped.
struct TestDb {
    /// A connection to the server, kept for the drop.
    admin: Conn,
    name: String,
    url: String,
}

impl TestDb {
    /// A scratch database, or `None` after printing the skip line when
    /// `STRATA_TEST_MYSQL_URL` is unset. Panics, saying why, when it is set
    /// but empty, or the server cannot be reached or refuses the database.
    fn new() -> Option<TestDb> {
        let Some(value) = std::env::var_os(ENV) else {
            println!("skipped: {ENV} is not set");
            return None;
        };
        let server = match value.into_string() {
            Ok(url) if url.trim().is_empty() => {
                panic!("{ENV} is set but empty; set it to a mysql:// URL, or unset it to skip the MySQL tests")
            }
            Ok(url) => url,
            Err(_) => panic!("{ENV} is not valid Unicode"),
        };
        let shown = strata::redact_text(&server);
        let mut admin = connect_to(&server).unwrap_or_else(|e| {
            panic!(
                "{}",
                strata::redact_text(&format!(
                    "{ENV} is set, but the MySQL server it names cannot be reached ({shown}): {e}. \
                     Start the server, or unset {ENV} to skip the MySQL tests."
                ))
            )
        });
        let name = scratch_name();
        let url = with_database(&server, &name);
        admin
            .query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .unwrap_or_else(|e| panic!("cannot create the scratch database {name} on {shown}: {e}"));
        Some(TestDb { admin, name, url })
    }

    /// The scratch database's URL: the server's, with this database's name.
    fn url(&self) -> &str {
        &self.url
    }

    /// A new connection to the scratch database.
    fn connect(&self) -> Conn {
        connect_to(&self.url)
            .unwrap_or_else(|e| panic!("{}", strata::redact_text(&format!("cannot connect to {}: {e}", self.url))))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Err(e) = self.admin.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name)) {
            let message = format!("could not drop the scratch database {}: {e}", self.name);
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

/// `strata_t_<pid>_<n>_<nanos>`: unique across processes (pid), within one
/// (a counter), and across runs reusing a pid (the time); under MySQL's 64.
fn scratch_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("strata_t_{}_{n}_{nanos}", std::process::id())
}

/// `url` with its database replaced by `name` (user, host, port and query kept).
fn with_database(url: &str, name: &str) -> String {
    let rest = ["mysql://", "mariadb://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme).map(|_| scheme.len()))
        .unwrap_or_else(|| panic!("{ENV} must be a mysql:// or mariadb:// URL, not {}", strata::redact_text(url)));
    let path = url[rest..].find(['/', '?', '#']).map_or(url.len(), |i| rest + i);
    let query = url[path..].find(['?', '#']).map_or(url.len(), |i| path + i);
    format!("{}/{name}{}", &url[..path], &url[query..])
}

/// A connection to `url` (`mariadb://` read as `mysql://`; the query, which
/// holds Strata's settings, left out), over TCP, in utf8mb4.
fn connect_to(url: &str) -> Result<Conn, mysql::Error> {
    let url = url.replacen("mariadb://", "mysql://", 1);
    let url = url.split(['?', '#']).next().unwrap_or_default();
    let opts = Opts::from_url(url)?;
    let builder = OptsBuilder::from_opts(opts).prefer_socket(false).tcp_connect_timeout(Some(Duration::from_secs(10)));
    let mut conn = Conn::new(builder)?;
    conn.query_drop("SET NAMES utf8mb4")?;
    Ok(conn)
}

fn migrations_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/mysql"))
}

/// The one way these tests apply migrations: `strata --database URL --dir DIR up [TARGET]`.
fn apply_with_strata(url: &str, dir: &Path, target: Option<u32>) {
    let mut command = Command::cargo_bin("strata").expect("strata binary");
    command.env_remove("DATABASE_URL").env("NO_COLOR", "1").arg("--database").arg(url).arg("--dir").arg(dir);
    command.arg("up").args(target.map(|t| t.to_string()));
    let output = command.output().expect("run strata");
    assert!(
        output.status.success(),
        "strata up {} on {} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        target.map_or("(all)".to_owned(), |t| t.to_string()),
        strata::redact_text(url),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Applies migrations/mysql up to `target` (all with `None`).
fn up(db: &TestDb, target: Option<u32>) {
    apply_with_strata(db.url(), &migrations_dir(), target);
}

/// A database at 014, or `None` when the tests are skipped.
fn db_at_014() -> Option<TestDb> {
    let db = TestDb::new()?;
    up(&db, None);
    Some(db)
}

/// Value `i` of `row` as a [`V`]; a type these tests do not expect (DECIMAL, say) fails.
fn value(row: &Row, i: usize) -> V {
    let column = &row.columns_ref()[i];
    let ty = column.column_type();
    match row.as_ref(i).expect("a value not taken") {
        Value::NULL => V::Null,
        Value::Int(v) => V::Int(*v),
        Value::UInt(v) => V::Int(i64::try_from(*v).expect("an unsigned value within i64")),
        Value::Double(v) => V::Real(*v),
        Value::Float(v) => V::Real(f64::from(*v)),
        Value::Bytes(bytes) if is_text(ty) => V::Text(String::from_utf8(bytes.clone()).expect("utf8mb4 text")),
        Value::Date(year, month, day, hour, minute, second, micros) if ty == ColumnType::MYSQL_TYPE_DATETIME => {
            let text = format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}");
            V::Time(if *micros == 0 { text } else { format!("{text}.{micros:06}") })
        }
        other => panic!("column {} is {ty:?} with {other:?}, which these tests do not read", column.name_str()),
    }
}

fn is_text(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::MYSQL_TYPE_VAR_STRING | ColumnType::MYSQL_TYPE_STRING | ColumnType::MYSQL_TYPE_BLOB)
}

/// The rows of `sql`, run as a prepared statement (so values come typed).
fn rows(conn: &mut Conn, sql: &str) -> Vec<Vec<V>> {
    let result: Vec<Row> = conn.exec(sql, ()).unwrap_or_else(|e| panic!("query {sql}: {e}"));
    result.iter().map(|row| (0..row.len()).map(|i| value(row, i)).collect()).collect()
}

fn int(conn: &mut Conn, sql: &str) -> i64 {
    match rows(conn, sql).as_slice() {
        [row] => match row[..] {
            [V::Int(i)] => i,
            _ => panic!("{sql} gave {row:?}, not one integer"),
        },
        other => panic!("{sql} gave {other:?}, not one row"),
    }
}

/// Runs each statement, failing on the first error.
fn run(conn: &mut Conn, statements: &[&str]) {
    for sql in statements {
        conn.query_drop(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// The server's error (SQLSTATE, message) from `result`, which must be one.
fn server_error<T: std::fmt::Debug>(result: mysql::Result<T>, what: &str) -> (String, String) {
    match result {
        Err(mysql::Error::MySqlError(e)) => (e.state, e.message),
        other => panic!("{what}: expected the server's error, got {other:?}"),
    }
}

/// The error of a statement that must fail.
fn error_of(conn: &mut Conn, sql: &str) -> (String, String) {
    server_error(conn.query_drop(sql), sql)
}

/// Seconds from a row's `updated_at` to the server's clock (UTC).
fn age_seconds(conn: &mut Conn, table: &str, id: i64) -> i64 {
    int(conn, &format!("SELECT TIMESTAMPDIFF(SECOND, updated_at, UTC_TIMESTAMP()) FROM {table} WHERE id = {id}"))
}

#[test]
fn mysql_migrations_have_the_sqlite_versions_and_names_and_strata_reads_them() {
    assert_mirrors_the_sqlite_folder(&migrations_dir());
}

#[test]
fn with_database_replaces_only_the_database() {
    assert_eq!(with_database("mysql://root@127.0.0.1:3306/", "s"), "mysql://root@127.0.0.1:3306/s");
    assert_eq!(with_database("mysql://root@127.0.0.1", "s"), "mysql://root@127.0.0.1/s");
    assert_eq!(with_database("mariadb://u:p@h/app?ssl-mode=required", "s"), "mariadb://u:p@h/s?ssl-mode=required");
}

/// Loads writebot_views.rs's data set into a database at 012, with foreign
/// key checks off for the session, so it can hold orphans (013's triggers do
/// not exist yet).
fn load(conn: &mut Conn, recent: &Recent) {
    conn.query_drop("SET foreign_key_checks = 0").unwrap();
    let statements = data_statements("`character`");
    run(conn, &statements.iter().map(String::as_str).collect::<Vec<_>>());
    let svg = rows(conn, "SELECT svg_data FROM character_overrides WHERE id IN (2, 8) ORDER BY id");
    assert_eq!(svg, loaded_svg_with_white_space());
    let insert = conn
        .prep(
            "INSERT INTO user_activities (id, user_id, activity_type, description, ip_address, user_agent, created_at)
             VALUES (?, ?, ?, ?, ?, 'test-agent', ?)",
        )
        .unwrap();
    for a in activities(recent) {
        let params = (a.id, a.user_id, a.activity_type, &a.description, &a.ip_address, &a.created_at);
        conn.exec_drop(&insert, params).unwrap();
    }
    conn.query_drop("SET foreign_key_checks = 1").unwrap();
}

/// A database at 014 holding the data set, loaded at 012.
fn loaded() -> Option<(TestDb, Recent)> {
    let db = TestDb::new()?;
    up(&db, Some(12));
    let recent = Recent::now();
    load(&mut db.connect(), &recent);
    up(&db, None);
    let versions = rows(&mut db.connect(), "SELECT CAST(version AS SIGNED) FROM migration_history ORDER BY version");
    assert_eq!(versions, (1..=14).map(|v: i64| row![v]).collect::<Vec<_>>());
    Some((db, recent))
}

/// "name TYPE" of each column `SELECT * FROM view` returns.
fn columns(conn: &mut Conn, view: &str) -> Vec<String> {
    let statement = conn.prep(format!("SELECT * FROM {view}")).unwrap();
    let name = |ty: ColumnType| match ty {
        ColumnType::MYSQL_TYPE_LONGLONG => "BIGINT",
        ColumnType::MYSQL_TYPE_TINY => "TINYINT",
        ColumnType::MYSQL_TYPE_VAR_STRING => "VARCHAR",
        ColumnType::MYSQL_TYPE_BLOB => "TEXT",
        ColumnType::MYSQL_TYPE_DATETIME => "DATETIME",
        other => panic!("{view}: a column of type {other:?}"),
    };
    statement.columns().iter().map(|c| format!("{} {}", c.name_str(), name(c.column_type()))).collect()
}

#[test]
fn views_have_the_specified_columns() {
    let Some(db) = db_at_014() else { return };
    let mut conn = db.connect();
    assert_eq!(
        columns(&mut conn, "data_integrity_checks"),
        ["check_name VARCHAR", "issue_count BIGINT", "status VARCHAR"]
    );
    assert_eq!(
        columns(&mut conn, "user_summary_stats"),
        [
            "user_id BIGINT",
            "username VARCHAR",
            "email VARCHAR",
            "role VARCHAR",
            "is_active TINYINT",
            "created_at DATETIME",
            "last_login_at DATETIME",
            "activity_count BIGINT",
            "last_activity_at DATETIME",
            "total_generations BIGINT",
            "total_pages BIGINT",
            "total_characters BIGINT",
            "template_count BIGINT",
            "collection_count BIGINT",
            "override_count BIGINT",
        ]
    );
    let totals = [
        "total_users",
        "active_users",
        "admin_users",
        "total_activities",
        "activities_last_7_days",
        "total_generations",
        "total_pages",
        "total_characters",
        "total_templates",
        "system_templates",
        "total_page_sizes",
        "total_collections",
        "total_overrides",
        "schema_version",
    ];
    assert_eq!(columns(&mut conn, "system_statistics"), totals.map(|name| format!("{name} BIGINT")));
    assert_eq!(
        columns(&mut conn, "recent_activity"),
        [
            "activity_id BIGINT",
            "user_id BIGINT",
            "username VARCHAR",
            "activity_type VARCHAR",
            "description TEXT",
            "ip_address TEXT",
            "created_at DATETIME",
        ]
    );
}

#[test]
fn views_on_a_fresh_database() {
    let Some(db) = db_at_014() else { return };
    let mut conn = db.connect();
    assert_eq!(rows(&mut conn, "SELECT * FROM data_integrity_checks"), fresh_checks());
    assert_eq!(rows(&mut conn, "SELECT * FROM system_statistics"), fresh_system_statistics());
    assert!(rows(&mut conn, "SELECT * FROM user_summary_stats").is_empty());
    assert!(rows(&mut conn, "SELECT * FROM recent_activity").is_empty());
    run(&mut conn, &[ZED]);
    assert_eq!(rows(&mut conn, "SELECT * FROM user_summary_stats"), zed_summary());
}

#[test]
fn data_integrity_checks_counts_every_problem() {
    let Some((db, _)) = loaded() else { return };
    let mut conn = db.connect();
    assert_eq!(rows(&mut conn, "SELECT * FROM data_integrity_checks"), loaded_checks());

    // Fix each problem (foreign key checks on): every check goes back to 0 / 'ok'.
    run(
        &mut conn,
        &[
            "DELETE FROM user_activities WHERE user_id = 99",
            "DELETE FROM usage_statistics WHERE user_id = 99",
            "DELETE FROM character_overrides WHERE id IN (6, 7)",
            "DELETE FROM character_override_collections WHERE id = 4",
            "UPDATE template_presets SET page_size_preset_id = 5 WHERE id IN (6, 8)",
            "UPDATE users SET email = CONCAT(username, '@example.com') WHERE id IN (3, 4, 6)",
            "UPDATE usage_statistics SET generations = 1, pages_generated = 1, characters_generated = 1 WHERE user_id IN (3, 4)",
            "UPDATE character_overrides SET svg_data = '<svg/>' WHERE id IN (3, 5)",
        ],
    );
    assert_eq!(rows(&mut conn, "SELECT * FROM data_integrity_checks"), fresh_checks());
}

#[test]
fn user_summary_stats_has_one_row_per_user() {
    let Some((db, recent)) = loaded() else { return };
    let got = rows(&mut db.connect(), "SELECT * FROM user_summary_stats ORDER BY user_id");
    assert_eq!(got, loaded_user_summary(&recent));
}

#[test]
fn system_statistics_has_one_row_of_totals() {
    let Some((db, _)) = loaded() else { return };
    assert_eq!(rows(&mut db.connect(), "SELECT * FROM system_statistics"), loaded_system_statistics());
}

#[test]
fn recent_activity_lists_the_100_newest_newest_first() {
    let Some((db, recent)) = loaded() else { return };
    let mut conn = db.connect();
    assert_recent_activity(&rows(&mut conn, "SELECT * FROM recent_activity"), &recent);
    run(&mut conn, &[NEWEST_ACTIVITY]);
    let sql = "SELECT activity_id, username, activity_type, description, ip_address FROM recent_activity";
    assert_newest_activity_on_top(&rows(&mut conn, sql));
}

/// 013's triggers fail a statement with SQLSTATE 23000 and the rule's message.
fn rule(message: &str) -> (String, String) {
    ("23000".to_owned(), message.to_owned())
}

#[test]
fn rows_invalid_before_013_can_still_be_edited_but_not_made_invalid_again() {
    let Some((db, _)) = loaded() else { return };
    let mut conn = db.connect();
    run(
        &mut conn,
        &[
            "UPDATE users SET updated_at = '2000-01-01 00:00:00' WHERE id = 3",
            "UPDATE users SET display_name = 'Carol' WHERE id = 3",
        ],
    );
    assert!(age_seconds(&mut conn, "users", 3).abs() < 120, "012's trigger must still run on an old invalid row");
    let error = error_of(&mut conn, "UPDATE users SET email = 'carol@still-invalid' WHERE id = 3");
    assert_eq!(error, rule(EMAIL_RULE));
    run(&mut conn, &["UPDATE usage_statistics SET date = '2024-06-04' WHERE user_id = 3 AND generations = -1"]);
    let error =
        error_of(&mut conn, "UPDATE usage_statistics SET processing_ms = 6 WHERE user_id = 3 AND generations = -1");
    assert_eq!(error, rule(COUNT_RULE));
    run(&mut conn, &["UPDATE users SET email = 'carol@example.com' WHERE id = 3"]);
    let sql = "SELECT issue_count FROM data_integrity_checks WHERE check_name = 'invalid_user_emails'";
    assert_eq!(int(&mut conn, sql), 2);
}

#[test]
fn validation_triggers_reject_bad_emails_and_negative_counts_with_the_rule() {
    let Some(db) = db_at_014() else { return };
    let mut conn = db.connect();
    let insert = "INSERT INTO users (username, email, password_hash) VALUES (?, ?, 'h')";
    for (i, email) in BAD_EMAILS.iter().enumerate() {
        let result = conn.exec_drop(insert, (format!("bad{i}"), email));
        assert_eq!(server_error(result, &format!("insert {email:?}")), rule(EMAIL_RULE));
    }
    for (i, email) in GOOD_EMAILS.iter().enumerate() {
        conn.exec_drop(insert, (format!("good{i}"), email))
            .unwrap_or_else(|e| panic!("valid email {email:?} rejected: {e}"));
    }
    for email in BAD_EMAILS {
        let result = conn.exec_drop("UPDATE users SET email = ? WHERE username = 'good0'", (email,));
        assert_eq!(server_error(result, &format!("update to {email:?}")), rule(EMAIL_RULE));
    }
    // A NULL email is NOT NULL's to refuse (1048, "cannot be null"), as in SQLite.
    let result = conn.query_drop("INSERT INTO users (username, email, password_hash) VALUES ('n', NULL, 'h')");
    let (state, message) = server_error(result, "a NULL email");
    assert_eq!(state, "23000");
    assert!(message.contains("'email' cannot be null"), "{message}");

    let user = int(&mut conn, "SELECT id FROM users WHERE username = 'good0'");
    for column in COUNTS {
        let sql = format!("INSERT INTO usage_statistics (user_id, date, {column}) VALUES ({user}, '2024-01-01', -1)");
        assert_eq!(error_of(&mut conn, &sql), rule(COUNT_RULE), "{column}");
    }
    run(&mut conn, &[&format!("INSERT INTO usage_statistics (user_id, date) VALUES ({user}, '2024-01-01')")]);
    for column in COUNTS {
        let sql = format!("UPDATE usage_statistics SET {column} = {column} - 1");
        assert_eq!(error_of(&mut conn, &sql), rule(COUNT_RULE), "{column}");
    }
    run(&mut conn, &["UPDATE usage_statistics SET generations = 5, processing_ms = 120"]);
    let sql = "SELECT generations, pages_generated, characters_generated, processing_ms FROM usage_statistics";
    assert_eq!(rows(&mut conn, sql), vec![row![5, 0, 0, 120]]);
}

const OLD: &str = "2000-01-01 00:00:00";

#[test]
fn updated_at_triggers_keep_updated_at_current() {
    let Some(db) = db_at_014() else { return };
    let mut conn = db.connect();
    run(
        &mut conn,
        &[
            "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h'), (2, 'bob', 'bob@example.com', 'h')",
            "INSERT INTO usage_statistics (id, user_id, date) VALUES (1, 1, '2024-01-01'), (2, 2, '2024-01-01')",
            "INSERT INTO page_size_presets (id, name, width, height, user_id) VALUES (5, 'Ann size', 100, 100, 1), (6, 'Bob size', 200, 200, 2)",
            "INSERT INTO character_override_collections (id, user_id, name) VALUES (1, 1, 'ann hand'), (2, 2, 'bob hand')",
            "INSERT INTO character_overrides (id, collection_id, `character`, svg_data) VALUES (1, 1, 'a', '<svg/>'), (2, 2, 'a', '<svg/>')",
            "INSERT INTO template_presets (id, name, user_id, page_size_preset_id, character_override_collection_id) VALUES
                 (5, 'T1', 1, 5, 1), (6, 'T2', 2, 6, 2)",
        ],
    );
    let mut triggers = rows(
        &mut conn,
        "SELECT trigger_name, event_object_table, action_timing, event_manipulation FROM information_schema.triggers
         WHERE trigger_schema = DATABASE() AND trigger_name LIKE '%updated_at'",
    );
    triggers.sort_by_key(|row| format!("{:?}", row[0]));
    let tables = [
        "character_override_collections",
        "character_overrides",
        "page_size_presets",
        "template_presets",
        "usage_statistics",
        "users",
    ];
    let expected = tables.map(|t| row![format!("trg_{t}_updated_at").as_str(), t, "BEFORE", "UPDATE"]);
    assert_eq!(triggers, expected.to_vec());
    // (table, SET clauses that each change one column other than updated_at), on row 5 or 1; the other row stays.
    let changes: [(&str, i64, &[&str]); 6] = [
        (
            "users",
            1,
            &[
                "email = 'ann2@example.com'",
                // utf8mb4_bin compares 'h' = 'h ', yet this is a change.
                "password_hash = 'h '",
                "is_active = false",
                "last_login_at = '2024-01-01 00:00:00'",
                "last_login_at = NULL",
                "created_at = '2020-01-01 00:00:00'",
            ],
        ),
        ("usage_statistics", 1, &["date = '2024-03-03'", "processing_ms = 9", "user_id = 2"]),
        ("page_size_presets", 5, &["width = 11", "unit = 'in'", "is_system = true"]),
        (
            "template_presets",
            5,
            &[
                "description = 'now described'",
                "margin_top = 1",
                "character_override_collection_id = 2",
                "paragraph_spacing = 3",
                "character_override_collection_id = NULL",
            ],
        ),
        ("character_override_collections", 1, &["name = 'renamed'", "is_active = false"]),
        ("character_overrides", 1, &["`character` = 'z'", "x_advance = 2", "x_advance = NULL"]),
    ];
    for (table, id, sets) in changes {
        let other = if id == 5 { 6 } else { 2 };
        let updated_at = |conn: &mut Conn, id: i64| {
            rows(conn, &format!("SELECT updated_at FROM {table} WHERE id = {id}")).remove(0).remove(0)
        };
        for set in sets {
            run(&mut conn, &[&format!("UPDATE {table} SET updated_at = '{OLD}' WHERE id IN ({id}, {other})")]);
            assert_eq!(updated_at(&mut conn, id), ts(OLD), "{table}: an explicit updated_at was overwritten");
            run(&mut conn, &[&format!("UPDATE {table} SET {set} WHERE id = {id}")]);
            assert!(age_seconds(&mut conn, table, id).abs() < 120, "{table}: SET {set} left updated_at old");
            assert_eq!(updated_at(&mut conn, other), ts(OLD), "{table}: SET {set} touched row {other}");
            // Changing a column and updated_at together keeps the given updated_at.
            run(&mut conn, &[&format!("UPDATE {table} SET updated_at = '{OLD}' WHERE id = {id}")]);
            run(&mut conn, &[&format!("UPDATE {table} SET {set}, updated_at = '2001-02-03 04:05:06' WHERE id = {id}")]);
            assert_eq!(
                updated_at(&mut conn, id),
                ts("2001-02-03 04:05:06"),
                "{table}: SET {set}, updated_at = … was overwritten"
            );
        }
        // A no-op update changes nothing, so updated_at stays.
        run(&mut conn, &[&format!("UPDATE {table} SET updated_at = '{OLD}' WHERE id = {id}")]);
        run(&mut conn, &[&format!("UPDATE {table} SET created_at = created_at WHERE id = {id}")]);
        assert_eq!(updated_at(&mut conn, id), ts(OLD), "{table}: a no-op update changed updated_at");
    }
    // InnoDB fires no trigger for what a foreign key's ON DELETE SET NULL
    // changes: T2 loses its page size and keeps its updated_at (unlike on
    // PostgreSQL; migrations/mysql/README.md says so).
    run(&mut conn, &[&format!("UPDATE template_presets SET updated_at = '{OLD}'")]);
    run(&mut conn, &["DELETE FROM page_size_presets WHERE id = 6"]);
    assert_eq!(rows(&mut conn, "SELECT page_size_preset_id FROM template_presets WHERE id = 6"), vec![row![NULL]]);
    assert_eq!(int(&mut conn, &format!("SELECT COUNT(*) FROM template_presets WHERE updated_at = '{OLD}'")), 6);
}

#[test]
fn timestamps_are_utc_whatever_the_session_time_zone() {
    let Some(db) = db_at_014() else { return };
    let mut conn = db.connect();
    run(
        &mut conn,
        &[
            "SET time_zone = '+09:30'",
            "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h')",
            "INSERT INTO user_activities (user_id, activity_type) VALUES (1, 'login')",
        ],
    );
    let sql = "SELECT TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP()) FROM users";
    assert!(int(&mut conn, sql).abs() < 120, "created_at is not UTC");
    run(&mut conn, &["UPDATE users SET updated_at = '2000-01-01 00:00:00'", "UPDATE users SET display_name = 'Ann'"]);
    assert!(age_seconds(&mut conn, "users", 1).abs() < 120, "012's trigger did not write UTC");
    // The activity is in the last 7 days, counted in UTC, not in the session's time zone.
    assert_eq!(int(&mut conn, "SELECT activities_last_7_days FROM system_statistics"), 1);
    // A value is read back as written, whatever the time zone.
    run(&mut conn, &["UPDATE users SET last_login_at = '2024-07-01 10:54:00'", "SET time_zone = '-07:00'"]);
    assert_eq!(rows(&mut conn, "SELECT last_login_at FROM users"), vec![row![ts("2024-07-01 10:54:00")]]);
}

#[test]
fn text_keys_and_checks_behave_as_in_sqlite() {
    let Some(db) = db_at_014() else { return };
    let mut conn = db.connect();
    run(
        &mut conn,
        &[
            "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h')",
            // utf8mb4_bin: names that differ only in case are different names.
            "INSERT INTO users (id, username, email, password_hash) VALUES (2, 'Ann', 'Ann@example.com', 'h')",
            "INSERT INTO character_override_collections (id, user_id, name) VALUES (1, 1, 'hand')",
            "INSERT INTO character_overrides (collection_id, `character`, svg_data) VALUES (1, 'a', '<svg/>'), (1, 'A', '<svg/>'), (1, 'é', '<svg/>')",
        ],
    );
    let sql = "SELECT `character`, CHAR_LENGTH(`character`) FROM character_overrides ORDER BY id";
    assert_eq!(rows(&mut conn, sql), vec![row!["a", 1], row!["A", 1], row!["é", 1]]);
    let (state, _) =
        error_of(&mut conn, "INSERT INTO users (username, email, password_hash) VALUES ('ann', 'x@y.z', 'h')");
    assert_eq!(state, "23000", "a duplicate username");
    // Not one character: refused by the CHECK ('') or by the column's length ('ab', strict mode).
    for character in ["", "ab"] {
        let sql = format!(
            "INSERT INTO character_overrides (collection_id, `character`, svg_data) VALUES (1, '{character}', '<svg/>')"
        );
        conn.query_drop(&sql).expect_err(&format!("{character:?} was accepted"));
    }
    // metadata: NULL or valid JSON, kept as written.
    let metadata = r#"{"b": 1,  "a": [true]}"#;
    conn.exec_drop("INSERT INTO user_activities (user_id, activity_type, metadata) VALUES (1, 'x', ?)", (metadata,))
        .unwrap();
    run(&mut conn, &["INSERT INTO user_activities (user_id, activity_type, metadata) VALUES (1, 'x', NULL)"]);
    assert_eq!(rows(&mut conn, "SELECT metadata FROM user_activities ORDER BY id"), vec![row![metadata], row![NULL]]);
    conn.query_drop("INSERT INTO user_activities (user_id, activity_type, metadata) VALUES (1, 'x', '{oops')")
        .expect_err("invalid JSON was accepted");
    // A flag is 0 or 1.
    conn.query_drop("UPDATE users SET is_active = 2 WHERE id = 1").expect_err("is_active = 2 was accepted");
}

/// The statements of the `-- migrate:DIRECTION` section of the migration
/// whose file name starts with `prefix` (a seed: no DELIMITER, no `;` but at
/// the ends of lines).
fn section(prefix: &str, direction: &str) -> Vec<String> {
    let name = file_names(&migrations_dir()).into_iter().find(|n| n.starts_with(prefix)).expect("migration file");
    let text = std::fs::read_to_string(migrations_dir().join(name)).unwrap();
    let (up, down) = text.split_once("-- migrate:down\n").expect("down marker");
    let up = up.split_once("-- migrate:up\n").expect("up marker").1;
    let section = if direction == "up" { up } else { down };
    let code: String = section.lines().filter(|l| !l.starts_with("--")).map(|l| format!("{l}\n")).collect();
    code.split(";\n").map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

#[test]
fn seeds_run_twice_add_nothing_and_their_downgrades_keep_users_rows() {
    let Some(db) = db_at_014() else { return };
    let mut conn = db.connect();
    let seeded = "SELECT 'page size', name, is_system, p.id FROM page_size_presets p
                  UNION ALL SELECT 'template', name, is_public + is_system, t.id FROM template_presets t
                  ORDER BY 1, 2";
    let before = rows(&mut conn, seeded);
    #[rustfmt::skip]
    assert_eq!(
        before,
        vec![
            row!["page size", "A4", 1, 2], row!["page size", "A5", 1, 1],
            row!["page size", "Legal", 1, 4], row!["page size", "Letter", 1, 3],
            row!["template", "A4 Landscape", 2, 2], row!["template", "Default", 2, 1],
            row!["template", "Notebook", 2, 3], row!["template", "US Letter", 2, 4],
        ]
    );
    for sql in [section("009", "up"), section("010", "up")].concat() {
        run(&mut conn, &[&sql]);
    }
    assert_eq!(rows(&mut conn, seeded), before, "running 009 and 010 again changed the seeds");
    let template = "SELECT t.name, p.name, t.orientation, t.background_style FROM template_presets t
                    JOIN page_size_presets p ON p.id = t.page_size_preset_id WHERE t.name = 'Default'";
    assert_eq!(rows(&mut conn, template), vec![row!["Default", "A4", "portrait", "blank"]]);

    // A user's own template may be called Default, and a user's own page size
    // is not a seed. (MySQL has no partial unique index: unlike on
    // PostgreSQL, nothing refuses a second system Default.)
    run(
        &mut conn,
        &[
            "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h')",
            "INSERT INTO page_size_presets (name, width, height, user_id) VALUES ('Mine', 1, 1, 1)",
            "INSERT INTO template_presets (name, user_id, is_system) VALUES ('Default', 1, false), ('Default', 1, true)",
        ],
    );
    // 010's and 009's downgrades remove only the system rows they added.
    for sql in [section("010", "down"), section("009", "down")].concat() {
        run(&mut conn, &[&sql]);
    }
    let left = "SELECT 'page size', name FROM page_size_presets UNION ALL SELECT 'template', name FROM template_presets ORDER BY 1, 2";
    assert_eq!(
        rows(&mut conn, left),
        vec![row!["page size", "Mine"], row!["template", "Default"], row!["template", "Default"]]
    );
}
