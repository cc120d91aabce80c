//! WriteBot's schema on PostgreSQL (`migrations/postgres`): the views of 013
//! and 014 on the data set of `writebot_views.rs`, with the same expected
//! values (both from `common/writebot_data.rs`, shared with the MySQL tests),
//! and the PL/pgSQL triggers and seeds that differ most from SQLite's.
//!
//! The server: `STRATA_TEST_POSTGRES_URL`, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres` (a superuser: loading orphans
//! needs `session_replication_role`). When it is not set, each test says it is
//! skipped and passes; when it is set and the server cannot be reached, the
//! test fails. Each test creates its own database, `strata_test_<pid>_<n>_<nanos>`,
//! and drops it afterwards, also when it fails ([`TestDb`]'s `Drop`).
//! Migrations are applied by the `strata` binary ([`apply_with_strata`]);
//! data goes in and views are read with the `postgres` crate.
//!
//! Timestamps: SQLite stores `YYYY-MM-DD HH:MM:SS` text and the SQLite suite
//! expects that text; here the columns are `timestamptz`. A `timestamptz` is
//! read as an instant and shown in UTC in that same form (with `.ffffff` only
//! when it has fractions of a second), so a value read equals
//! `ts("2024-07-01 10:54:00")` exactly when it is that instant in UTC. Text
//! written into `timestamptz` columns is read in the session's time zone,
//! which [`TestDb::client`] sets to UTC. Flags are booleans in the tables;
//! `user_summary_stats.is_active` gives 1 or 0 as SQLite's view does.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ::postgres::error::SqlState;
use ::postgres::types::Type;
use ::postgres::{Client, Row};
use assert_cmd::Command;

#[macro_use]
#[path = "common/postgres.rs"]
mod postgres;
use postgres::PgTest as TestDb;

#[macro_use]
#[path = "common/writebot_data.rs"]
mod writebot_data;
use writebot_data::*;

fn migrations_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/postgres"))
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

/// A connection to the scratch database, its time zone UTC.
fn utc_client(db: &TestDb) -> Client {
    let mut client = db.connect();
    client.batch_execute("SET TIME ZONE 'UTC'").unwrap();
    client
}

/// Applies migrations/postgres up to `target` (all with `None`).
fn up(db: &TestDb, target: Option<u32>) {
    apply_with_strata(db.url(), &migrations_dir(), target);
}

/// A database at 014, or `None` when the tests are skipped.
fn db_at_014() -> Option<TestDb> {
    let db = pg_test!()?;
    up(&db, None);
    Some(db)
}

/// Column `i` of `row` as a [`V`]; a type these tests do not expect (numeric, say) fails.
fn value(row: &Row, i: usize) -> V {
    let ty = row.columns()[i].type_();
    let got = if *ty == Type::INT8 {
        row.get::<_, Option<i64>>(i).map(V::Int)
    } else if *ty == Type::INT4 {
        row.get::<_, Option<i32>>(i).map(|v| V::Int(v.into()))
    } else if *ty == Type::FLOAT8 {
        row.get::<_, Option<f64>>(i).map(V::Real)
    } else if *ty == Type::TEXT {
        row.get::<_, Option<String>>(i).map(V::Text)
    } else if *ty == Type::BOOL {
        row.get::<_, Option<bool>>(i).map(V::Bool)
    } else if *ty == Type::TIMESTAMPTZ {
        row.get::<_, Option<SystemTime>>(i).map(|t| V::Time(utc_text(t)))
    } else {
        panic!("column {} is of type {ty}, which these tests do not read", row.columns()[i].name())
    };
    got.unwrap_or(V::Null)
}

fn rows(client: &mut Client, sql: &str) -> Vec<Vec<V>> {
    let got = client.query(sql, &[]).unwrap_or_else(|e| panic!("query {sql}: {e}"));
    got.iter().map(|row| (0..row.len()).map(|i| value(row, i)).collect()).collect()
}

fn int(client: &mut Client, sql: &str) -> i64 {
    match rows(client, sql).as_slice() {
        [row] => match row[..] {
            [V::Int(i)] => i,
            _ => panic!("{sql} gave {row:?}, not one integer"),
        },
        other => panic!("{sql} gave {other:?}, not one row"),
    }
}

/// The error (SQLSTATE, message) of a statement that must fail.
fn error_of(client: &mut Client, sql: &str) -> (SqlState, String) {
    let error = client.batch_execute(sql).expect_err(&format!("expected an error from: {sql}"));
    let db = error.as_db_error().unwrap_or_else(|| panic!("{sql}: not a database error: {error}"));
    (db.code().clone(), db.message().to_owned())
}

/// Seconds from a `timestamptz` column's value to the server's clock.
fn age_seconds(client: &mut Client, table: &str, id: i64) -> i64 {
    int(
        client,
        &format!("SELECT extract(epoch FROM clock_timestamp() - updated_at)::bigint FROM {table} WHERE id = {id}"),
    )
}

#[test]
fn utc_text_is_sqlite_current_timestamp_form() {
    let at = |secs: i64| {
        if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(-secs as u64)
        }
    };
    // Worked out with `date -u -d @SECONDS`.
    assert_eq!(utc_text(at(0)), "1970-01-01 00:00:00");
    assert_eq!(utc_text(at(-1)), "1969-12-31 23:59:59");
    assert_eq!(utc_text(at(951_782_400)), "2000-02-29 00:00:00");
    assert_eq!(utc_text(at(1_709_208_000)), "2024-02-29 12:00:00");
    assert_eq!(utc_text(at(1_719_830_040)), "2024-07-01 10:34:00");
    assert_eq!(utc_text(at(4_107_542_399)), "2100-02-28 23:59:59");
    assert_eq!(utc_text(at(1_719_830_040) + Duration::from_micros(120)), "2024-07-01 10:34:00.000120");
    assert_eq!(utc_text(at(-1) - Duration::from_micros(250_000)), "1969-12-31 23:59:58.750000");
}

#[test]
fn postgres_migrations_have_the_sqlite_versions_and_names_and_strata_reads_them() {
    assert_mirrors_the_sqlite_folder(&migrations_dir());
}

/// Loads writebot_views.rs's data set into a database at 012, with foreign keys
/// (and every trigger) off for the session, so it can hold orphans.
fn load(client: &mut Client, recent: &Recent) {
    client.batch_execute("SET session_replication_role = replica").unwrap();
    client.batch_execute(&data_statements("character").join(";\n")).unwrap();
    let svg = rows(client, "SELECT svg_data FROM character_overrides WHERE id IN (2, 8) ORDER BY id");
    assert_eq!(svg, loaded_svg_with_white_space());
    let insert = client
        .prepare(
            "INSERT INTO user_activities (id, user_id, activity_type, description, ip_address, user_agent, created_at)
             VALUES ($1, $2, $3, $4, $5, 'test-agent', $6::text::timestamptz)",
        )
        .unwrap();
    for a in activities(recent) {
        client
            .execute(&insert, &[&a.id, &a.user_id, &a.activity_type, &a.description, &a.ip_address, &a.created_at])
            .unwrap();
    }
    client.batch_execute("RESET session_replication_role").unwrap();
}

/// A database at 014 holding the data set, loaded at 012.
fn loaded() -> Option<(TestDb, Recent)> {
    let db = pg_test!()?;
    up(&db, Some(12));
    let recent = Recent::now();
    load(&mut utc_client(&db), &recent);
    up(&db, None);
    let versions = rows(&mut utc_client(&db), "SELECT version::bigint FROM migration_history ORDER BY version");
    assert_eq!(versions, (1..=14).map(|v: i64| row![v]).collect::<Vec<_>>());
    Some((db, recent))
}

/// "name type" of each column `SELECT * FROM view` returns.
fn columns(client: &mut Client, view: &str) -> Vec<String> {
    let statement = client.prepare(&format!("SELECT * FROM {view}")).unwrap();
    statement.columns().iter().map(|c| format!("{} {}", c.name(), c.type_())).collect()
}

#[test]
fn views_have_the_specified_columns() {
    let Some(db) = db_at_014() else { return };
    let mut client = utc_client(&db);
    assert_eq!(columns(&mut client, "data_integrity_checks"), ["check_name text", "issue_count int8", "status text"]);
    assert_eq!(
        columns(&mut client, "user_summary_stats"),
        [
            "user_id int8",
            "username text",
            "email text",
            "role text",
            "is_active int4",
            "created_at timestamptz",
            "last_login_at timestamptz",
            "activity_count int8",
            "last_activity_at timestamptz",
            "total_generations int8",
            "total_pages int8",
            "total_characters int8",
            "template_count int8",
            "collection_count int8",
            "override_count int8",
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
    assert_eq!(columns(&mut client, "system_statistics"), totals.map(|name| format!("{name} int8")));
    assert_eq!(
        columns(&mut client, "recent_activity"),
        [
            "activity_id int8",
            "user_id int8",
            "username text",
            "activity_type text",
            "description text",
            "ip_address text",
            "created_at timestamptz",
        ]
    );
}

#[test]
fn views_on_a_fresh_database() {
    let Some(db) = db_at_014() else { return };
    let mut client = utc_client(&db);
    assert_eq!(rows(&mut client, "SELECT * FROM data_integrity_checks"), fresh_checks());
    assert_eq!(rows(&mut client, "SELECT * FROM system_statistics"), fresh_system_statistics());
    assert!(rows(&mut client, "SELECT * FROM user_summary_stats").is_empty());
    assert!(rows(&mut client, "SELECT * FROM recent_activity").is_empty());
    client.batch_execute(ZED).unwrap();
    assert_eq!(rows(&mut client, "SELECT * FROM user_summary_stats"), zed_summary());
}

#[test]
fn data_integrity_checks_counts_every_problem() {
    let Some((db, _)) = loaded() else { return };
    let mut client = utc_client(&db);
    assert_eq!(rows(&mut client, "SELECT * FROM data_integrity_checks"), loaded_checks());

    // Fix each problem (foreign keys on): every check goes back to 0 / 'ok'.
    client
        .batch_execute(
            "DELETE FROM user_activities WHERE user_id = 99;
         DELETE FROM usage_statistics WHERE user_id = 99;
         DELETE FROM character_overrides WHERE id IN (6, 7);
         DELETE FROM character_override_collections WHERE id = 4;
         UPDATE template_presets SET page_size_preset_id = 5 WHERE id IN (6, 8);
         UPDATE users SET email = username || '@example.com' WHERE id IN (3, 4, 6);
         UPDATE usage_statistics SET generations = 1, pages_generated = 1, characters_generated = 1 WHERE user_id IN (3, 4);
         UPDATE character_overrides SET svg_data = '<svg/>' WHERE id IN (3, 5);",
        )
        .unwrap();
    assert_eq!(rows(&mut client, "SELECT * FROM data_integrity_checks"), fresh_checks());
}

#[test]
fn user_summary_stats_has_one_row_per_user() {
    let Some((db, recent)) = loaded() else { return };
    let got = rows(&mut utc_client(&db), "SELECT * FROM user_summary_stats ORDER BY user_id");
    assert_eq!(got, loaded_user_summary(&recent));
}

#[test]
fn system_statistics_has_one_row_of_totals() {
    let Some((db, _)) = loaded() else { return };
    assert_eq!(rows(&mut utc_client(&db), "SELECT * FROM system_statistics"), loaded_system_statistics());
}

#[test]
fn recent_activity_lists_the_100_newest_newest_first() {
    let Some((db, recent)) = loaded() else { return };
    let mut client = utc_client(&db);
    assert_recent_activity(&rows(&mut client, "SELECT * FROM recent_activity"), &recent);
    client.batch_execute(NEWEST_ACTIVITY).unwrap();
    let sql = "SELECT activity_id, username, activity_type, description, ip_address FROM recent_activity";
    assert_newest_activity_on_top(&rows(&mut client, sql));
}

#[test]
fn rows_invalid_before_013_can_still_be_edited_but_not_made_invalid_again() {
    let Some((db, _)) = loaded() else { return };
    let mut client = utc_client(&db);
    client
        .batch_execute(
            "UPDATE users SET updated_at = '2000-01-01 00:00:00' WHERE id = 3;
             UPDATE users SET display_name = 'Carol' WHERE id = 3;",
        )
        .unwrap();
    assert!(age_seconds(&mut client, "users", 3).abs() < 120, "012's trigger must still run on an old invalid row");
    let error = error_of(&mut client, "UPDATE users SET email = 'carol@still-invalid' WHERE id = 3");
    assert_eq!(error, (SqlState::CHECK_VIOLATION, EMAIL_RULE.to_owned()));
    client
        .batch_execute("UPDATE usage_statistics SET date = '2024-06-04' WHERE user_id = 3 AND generations = -1")
        .unwrap();
    let error =
        error_of(&mut client, "UPDATE usage_statistics SET processing_ms = 6 WHERE user_id = 3 AND generations = -1");
    assert_eq!(error, (SqlState::CHECK_VIOLATION, COUNT_RULE.to_owned()));
    client.batch_execute("UPDATE users SET email = 'carol@example.com' WHERE id = 3").unwrap();
    let sql = "SELECT issue_count FROM data_integrity_checks WHERE check_name = 'invalid_user_emails'";
    assert_eq!(int(&mut client, sql), 2);
}

#[test]
fn validation_triggers_reject_bad_emails_and_negative_counts_with_the_rule() {
    let Some(db) = db_at_014() else { return };
    let mut client = utc_client(&db);
    for (i, email) in BAD_EMAILS.iter().enumerate() {
        let error = client
            .execute(
                "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, 'h')",
                &[&format!("bad{i}"), email],
            )
            .expect_err(&format!("email {email:?} was accepted"));
        assert_eq!(error.as_db_error().map(|e| e.message()), Some(EMAIL_RULE), "insert {email:?}");
    }
    for (i, email) in GOOD_EMAILS.iter().enumerate() {
        client
            .execute(
                "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, 'h')",
                &[&format!("good{i}"), email],
            )
            .unwrap_or_else(|e| panic!("valid email {email:?} rejected: {e}"));
    }
    for email in BAD_EMAILS {
        let error = client
            .execute("UPDATE users SET email = $1 WHERE username = 'good0'", &[&email])
            .expect_err(&format!("update to {email:?} was accepted"));
        assert_eq!(error.code(), Some(&SqlState::CHECK_VIOLATION), "update {email:?}: {error}");
        assert_eq!(error.as_db_error().map(|e| e.message()), Some(EMAIL_RULE), "update {email:?}");
    }
    // A NULL email is NOT NULL's to refuse, as in SQLite.
    let (code, _) = error_of(&mut client, "INSERT INTO users (username, email, password_hash) VALUES ('n', NULL, 'h')");
    assert_eq!(code, SqlState::NOT_NULL_VIOLATION);

    let user = int(&mut client, "SELECT id FROM users WHERE username = 'good0'");
    for column in COUNTS {
        let sql = format!("INSERT INTO usage_statistics (user_id, date, {column}) VALUES ({user}, '2024-01-01', -1)");
        assert_eq!(error_of(&mut client, &sql), (SqlState::CHECK_VIOLATION, COUNT_RULE.to_owned()), "{column}");
    }
    client
        .batch_execute(&format!("INSERT INTO usage_statistics (user_id, date) VALUES ({user}, '2024-01-01')"))
        .unwrap();
    for column in COUNTS {
        let sql = format!("UPDATE usage_statistics SET {column} = {column} - 1");
        assert_eq!(error_of(&mut client, &sql), (SqlState::CHECK_VIOLATION, COUNT_RULE.to_owned()), "{column}");
    }
    client.batch_execute("UPDATE usage_statistics SET generations = 5, processing_ms = 120").unwrap();
    let sql = "SELECT generations, pages_generated, characters_generated, processing_ms FROM usage_statistics";
    assert_eq!(rows(&mut client, sql), vec![row![5, 0, 0, 120]]);
}

const OLD: &str = "2000-01-01 00:00:00";

#[test]
fn updated_at_triggers_keep_updated_at_current() {
    let Some(db) = db_at_014() else { return };
    let mut client = utc_client(&db);
    client
        .batch_execute(
            "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h'), (2, 'bob', 'bob@example.com', 'h');
             INSERT INTO usage_statistics (id, user_id, date) VALUES (1, 1, '2024-01-01'), (2, 2, '2024-01-01');
             INSERT INTO page_size_presets (id, name, width, height, user_id) VALUES (5, 'Ann size', 100, 100, 1), (6, 'Bob size', 200, 200, 2);
             INSERT INTO character_override_collections (id, user_id, name) VALUES (1, 1, 'ann hand'), (2, 2, 'bob hand');
             INSERT INTO character_overrides (id, collection_id, character, svg_data) VALUES (1, 1, 'a', '<svg/>'), (2, 2, 'a', '<svg/>');
             INSERT INTO template_presets (id, name, user_id, page_size_preset_id, character_override_collection_id) VALUES
                 (5, 'T1', 1, 5, 1), (6, 'T2', 2, 6, 2);",
        )
        .unwrap();
    let triggers = rows(
        &mut client,
        "SELECT tgname::text, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%updated_at' ORDER BY tgname",
    );
    let tables = [
        "character_override_collections",
        "character_overrides",
        "page_size_presets",
        "template_presets",
        "usage_statistics",
        "users",
    ];
    assert_eq!(triggers, tables.map(|t| row![format!("trg_{t}_updated_at").as_str(), t]).to_vec());
    // (table, SET clauses that each change one column other than updated_at), on row 5 or 1; the other row stays.
    let changes: [(&str, i64, &[&str]); 6] = [
        (
            "users",
            1,
            &[
                "email = 'ann2@example.com'",
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
        ("character_overrides", 1, &["character = 'z'", "x_advance = 2", "x_advance = NULL"]),
    ];
    for (table, id, sets) in changes {
        let other = if id == 5 { 6 } else { 2 };
        let updated_at = |client: &mut Client, id: i64| {
            rows(client, &format!("SELECT updated_at FROM {table} WHERE id = {id}")).remove(0).remove(0)
        };
        for set in sets {
            client
                .batch_execute(&format!("UPDATE {table} SET updated_at = '{OLD}' WHERE id IN ({id}, {other})"))
                .unwrap();
            assert_eq!(updated_at(&mut client, id), ts(OLD), "{table}: an explicit updated_at was overwritten");
            client.batch_execute(&format!("UPDATE {table} SET {set} WHERE id = {id}")).unwrap();
            assert!(age_seconds(&mut client, table, id).abs() < 120, "{table}: SET {set} left updated_at old");
            assert_eq!(updated_at(&mut client, other), ts(OLD), "{table}: SET {set} touched row {other}");
            // Changing a column and updated_at together keeps the given updated_at.
            client.batch_execute(&format!("UPDATE {table} SET updated_at = '{OLD}' WHERE id = {id}")).unwrap();
            client
                .batch_execute(&format!("UPDATE {table} SET {set}, updated_at = '2001-02-03 04:05:06' WHERE id = {id}"))
                .unwrap();
            assert_eq!(
                updated_at(&mut client, id),
                ts("2001-02-03 04:05:06"),
                "{table}: SET {set}, updated_at = … was overwritten"
            );
        }
        // A no-op update changes nothing, so updated_at stays.
        client.batch_execute(&format!("UPDATE {table} SET updated_at = '{OLD}' WHERE id = {id}")).unwrap();
        client.batch_execute(&format!("UPDATE {table} SET created_at = created_at WHERE id = {id}")).unwrap();
        assert_eq!(updated_at(&mut client, id), ts(OLD), "{table}: a no-op update changed updated_at");
    }
    // ON DELETE SET NULL updates the template, so its updated_at is current; the other template stays.
    client.batch_execute(&format!("UPDATE template_presets SET updated_at = '{OLD}'")).unwrap();
    client.batch_execute("DELETE FROM page_size_presets WHERE id = 6").unwrap();
    assert_eq!(rows(&mut client, "SELECT page_size_preset_id FROM template_presets WHERE id = 6"), vec![row![NULL]]);
    assert!(age_seconds(&mut client, "template_presets", 6).abs() < 120, "SET NULL left T2's updated_at old");
    assert_eq!(int(&mut client, &format!("SELECT count(*) FROM template_presets WHERE updated_at = '{OLD}'")), 5);
}

/// The `-- migrate:DIRECTION` section of the migration whose file name starts with `prefix`.
fn section(prefix: &str, direction: &str) -> String {
    let name = file_names(&migrations_dir()).into_iter().find(|n| n.starts_with(prefix)).expect("migration file");
    let text = std::fs::read_to_string(migrations_dir().join(name)).unwrap();
    let (up, down) = text.split_once("-- migrate:down\n").expect("down marker");
    let up = up.split_once("-- migrate:up\n").expect("up marker").1;
    if direction == "up" {
        up.to_owned()
    } else {
        down.to_owned()
    }
}

#[test]
fn seeds_run_twice_add_nothing_and_their_downgrades_keep_users_rows() {
    let Some(db) = db_at_014() else { return };
    let mut client = utc_client(&db);
    let seeded = "SELECT 'page size', name, is_system::text FROM page_size_presets
                  UNION ALL SELECT 'template', name, is_public::text || ' ' || is_system::text FROM template_presets
                  ORDER BY 1, 2";
    let before = rows(&mut client, seeded);
    assert_eq!(before.len(), 8);
    client.batch_execute(&format!("{}{}", section("009", "up"), section("010", "up"))).unwrap();
    assert_eq!(rows(&mut client, seeded), before, "running 009 and 010 again changed the seeds");
    let template = "SELECT t.name, p.name, t.orientation, t.background_style FROM template_presets t
                    JOIN page_size_presets p ON p.id = t.page_size_preset_id WHERE t.name = 'Default'";
    assert_eq!(rows(&mut client, template), vec![row!["Default", "A4", "portrait", "blank"]]);

    // A user's own template may be called Default; a second system Default may not.
    client
        .batch_execute(
            "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h');
             INSERT INTO page_size_presets (name, width, height, user_id) VALUES ('Mine', 1, 1, 1);
             INSERT INTO template_presets (name, user_id, is_system) VALUES ('Default', 1, false), ('Default', 1, true);",
        )
        .unwrap();
    let (code, _) = error_of(&mut client, "INSERT INTO template_presets (name, is_system) VALUES ('Default', true)");
    assert_eq!(code, SqlState::UNIQUE_VIOLATION);
    // 010's and 009's downgrades remove only the system rows they added.
    client.batch_execute(&format!("{}{}", section("010", "down"), section("009", "down"))).unwrap();
    let left = rows(&mut client, "SELECT 'page size', name FROM page_size_presets UNION ALL SELECT 'template', name FROM template_presets ORDER BY 1, 2");
    assert_eq!(left, vec![row!["page size", "Mine"], row!["template", "Default"], row!["template", "Default"]]);
}
