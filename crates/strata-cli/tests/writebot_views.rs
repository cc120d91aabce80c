//! WriteBot schema: the views of 013 and 014 (data_integrity_checks,
//! user_summary_stats, system_statistics, recent_activity) on realistic data,
//! every column checked against values worked out by hand.
//!
//! The data goes in at version 012 through a connection with foreign keys
//! off, so it can hold orphans and rows that 013's triggers would reject;
//! then `strata up` applies 013 and 014.

#[macro_use]
#[path = "support/writebot.rs"]
mod support;

use rusqlite::types::Value;
use rusqlite::{params, Connection};
use support::*;

/// Timestamps relative to now: 1, 2 and 10 days ago.
struct Recent {
    r1: String,
    r2: String,
    r10: String,
}

struct Activity {
    id: i64,
    user_id: i64,
    activity_type: &'static str,
    description: Option<String>,
    ip_address: Option<String>,
    created_at: String,
}

const TYPES: [&str; 4] = ["login", "generate", "logout", "template_create"];
const USERS: [i64; 5] = [1, 2, 3, 4, 99]; // 99 does not exist: orphaned activities

/// 116 activities. Ids 1–110 (g = id - 1): user USERS[g % 5], type TYPES[g % 4],
/// description "event g" unless g % 3 == 0, ip "10.0.0.g" when g is even,
/// at 2024-07-01 10:MM:00 with MM = g / 2 (so pairs share a timestamp).
/// Then six hand-written ones, 111–116.
fn activities(recent: &Recent) -> Vec<Activity> {
    let mut all: Vec<Activity> = (0..110)
        .map(|g: i64| Activity {
            id: g + 1,
            user_id: USERS[g as usize % 5],
            activity_type: TYPES[g as usize % 4],
            description: (g % 3 != 0).then(|| format!("event {g}")),
            ip_address: (g % 2 == 0).then(|| format!("10.0.0.{g}")),
            created_at: format!("2024-07-01 10:{:02}:00", g / 2),
        })
        .collect();
    let special =
        |id, user_id, activity_type, description: Option<&str>, ip: Option<&str>, created_at: &str| Activity {
            id,
            user_id,
            activity_type,
            description: description.map(String::from),
            ip_address: ip.map(String::from),
            created_at: created_at.to_owned(),
        };
    all.push(special(111, 1, "login", Some("signed in"), Some("192.168.1.1"), &recent.r1));
    all.push(special(112, 2, "generate", Some("3 pages"), None, &recent.r2));
    all.push(special(113, 1, "logout", None, Some("192.168.1.1"), "2024-07-01 10:30:00"));
    all.push(special(114, 3, "template_create", Some("made a template"), Some("10.1.1.1"), &recent.r10));
    all.push(special(115, 99, "login", Some("ghost"), None, &recent.r2));
    all.push(special(116, 2, "generate", Some("long ago"), None, "2023-12-31 23:59:59"));
    all
}

/// Loads the data set into a database at 012 (foreign keys off), returns the recent timestamps.
fn load(conn: &Connection) -> Recent {
    let at = |modifier: &str| text(conn, &format!("SELECT datetime('now', '{modifier}')")).unwrap();
    let recent = Recent { r1: at("-1 day"), r2: at("-2 days"), r10: at("-10 days") };
    conn.execute_batch(
        "INSERT INTO users (id, username, email, password_hash, role, is_active, created_at, last_login_at) VALUES
            (1, 'alice', 'alice@example.com',   'h', 'admin', 1, '2024-01-01 09:00:00', '2024-06-01 10:00:00'),
            (2, 'bob',   'bob@example.org',     'h', 'user',  1, '2024-02-01 09:00:00', NULL),
            (3, 'carol', 'carol@invalid',       'h', 'user',  0, '2024-03-01 09:00:00', '2024-05-05 05:05:05'),
            (4, 'dave',  'dave at example.com', 'h', 'admin', 1, '2024-04-01 09:00:00', NULL),
            (5, 'erin',  'erin@example.net',    'h', 'user',  1, '2024-05-01 09:00:00', NULL),
            (6, 'frank', 'frank@example..com',  'h', 'user',  0, '2024-06-01 09:00:00', NULL);
         INSERT INTO usage_statistics (user_id, date, generations, pages_generated, characters_generated, processing_ms) VALUES
            (1, '2024-06-01', 5, 10, 1000, 50),
            (1, '2024-06-02', 3, 4, 500, 20),
            (2, '2024-06-01', 2, 2, 200, 10),
            (3, '2024-06-01', -1, 0, 100, 5),
            (3, '2024-06-03', 4, 6, 300, 0),
            (4, '2024-06-01', 0, -2, -5, 0),
            (99, '2024-06-01', 7, 7, 700, 70);
         INSERT INTO page_size_presets (id, name, width, height, unit, is_system, user_id) VALUES
            (5, 'A4 custom', 210, 297, 'mm', 0, 1),
            (6, 'Square', 200, 200, 'mm', 0, 2);
         INSERT INTO template_presets (id, name, user_id, page_size_preset_id) VALUES
            (5, 'Alice letter', 1, 5),
            (6, 'Alice notes', 1, NULL),
            (7, 'Bob', 2, 2),
            (8, 'Carol', 3, 77),
            (9, 'Ghost', 99, 6);
         INSERT INTO character_override_collections (id, user_id, name) VALUES
            (1, 1, 'Alice hand'), (2, 1, 'Alice bold'), (3, 2, 'Bob hand'), (4, 99, 'Ghost');
         INSERT INTO character_overrides (id, collection_id, character, svg_data) VALUES
            (1, 1, 'a', '<svg>a</svg>'),
            (2, 1, 'b', '  \n<svg>b</svg>'),
            (3, 2, 'c', '<SVG>c</SVG>'),
            (4, 3, 'd', '<svg/>'),
            (5, 3, 'e', 'not svg'),
            (6, 4, 'f', '<svg/>'),
            (7, 50, 'g', '<svg/>'),
            (8, 2, 'h', '\t<svg/>');",
    )
    .unwrap();
    // Rust turned \n and \t above into a real line feed and tab.
    assert_eq!(
        text(conn, "SELECT svg_data FROM character_overrides WHERE id = 2").as_deref(),
        Some("  \n<svg>b</svg>")
    );
    assert_eq!(text(conn, "SELECT svg_data FROM character_overrides WHERE id = 8").as_deref(), Some("\t<svg/>"));
    for a in activities(&recent) {
        conn.execute(
            "INSERT INTO user_activities (id, user_id, activity_type, description, ip_address, user_agent, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'test-agent', ?6)",
            params![a.id, a.user_id, a.activity_type, a.description, a.ip_address, a.created_at],
        )
        .unwrap();
    }
    recent
}

/// A database at 014 holding the data set, loaded at 012.
fn loaded() -> (Db, Recent) {
    let db = Db::new();
    db.up_to(12);
    let conn = db.conn();
    let recent = load(&conn);
    assert!(recent.r10.as_str() > "2024-07-01 10:54:00", "the clock is before the test data");
    drop(conn);
    db.up();
    assert_eq!(db.versions(), (1..=14).collect::<Vec<i64>>());
    (db, recent)
}

fn names(conn: &Connection, sql: &str) -> Vec<String> {
    conn.prepare(sql).unwrap().column_names().map(String::from).collect()
}

#[test]
fn views_have_the_specified_columns() {
    let db = Db::new();
    db.up();
    let conn = db.conn();
    assert_eq!(names(&conn, "SELECT * FROM data_integrity_checks"), ["check_name", "issue_count", "status"]);
    assert_eq!(
        names(&conn, "SELECT * FROM user_summary_stats"),
        [
            "user_id",
            "username",
            "email",
            "role",
            "is_active",
            "created_at",
            "last_login_at",
            "activity_count",
            "last_activity_at",
            "total_generations",
            "total_pages",
            "total_characters",
            "template_count",
            "collection_count",
            "override_count"
        ]
    );
    assert_eq!(
        names(&conn, "SELECT * FROM system_statistics"),
        [
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
            "schema_version"
        ]
    );
    assert_eq!(
        names(&conn, "SELECT * FROM recent_activity"),
        ["activity_id", "user_id", "username", "activity_type", "description", "ip_address", "created_at"]
    );
}

#[test]
fn views_on_a_fresh_database() {
    let db = Db::new();
    db.up();
    let conn = db.conn();
    assert_eq!(
        rows(&conn, "SELECT * FROM data_integrity_checks"),
        vec![
            row!["orphaned_user_activities", 0, "ok"],
            row!["orphaned_usage_statistics", 0, "ok"],
            row!["orphaned_character_overrides", 0, "ok"],
            row!["orphaned_override_collections", 0, "ok"],
            row!["templates_missing_page_size", 0, "ok"],
            row!["invalid_user_emails", 0, "ok"],
            row!["negative_usage_counts", 0, "ok"],
            row!["invalid_svg_data", 0, "ok"],
        ]
    );
    assert_eq!(rows(&conn, "SELECT * FROM system_statistics"), vec![row![0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 0, 0, 14]]);
    assert!(rows(&conn, "SELECT * FROM user_summary_stats").is_empty());
    assert!(rows(&conn, "SELECT * FROM recent_activity").is_empty());

    // A user with nothing gets zeros, not NULLs.
    conn.execute_batch(
        "INSERT INTO users (username, email, password_hash, created_at) VALUES ('zed', 'zed@example.com', 'h', '2024-01-01 00:00:00')",
    )
    .unwrap();
    assert_eq!(
        rows(&conn, "SELECT * FROM user_summary_stats"),
        vec![row![1, "zed", "zed@example.com", "user", 1, "2024-01-01 00:00:00", NULL, 0, NULL, 0, 0, 0, 0, 0, 0]]
    );
}

#[test]
fn data_integrity_checks_counts_every_problem() {
    let (db, _) = loaded();
    let conn = db.conn();
    assert_eq!(
        rows(&conn, "SELECT * FROM data_integrity_checks"),
        vec![
            // 22 generated activities of user 99, and activity 115.
            row!["orphaned_user_activities", 23, "fail"],
            // the usage row of user 99.
            row!["orphaned_usage_statistics", 1, "fail"],
            // override 7 (collection 50).
            row!["orphaned_character_overrides", 1, "fail"],
            // collection 4 (user 99).
            row!["orphaned_override_collections", 1, "fail"],
            // template 6 (NULL) and template 8 (page size 77).
            row!["templates_missing_page_size", 2, "fail"],
            // carol@invalid, 'dave at example.com', frank@example..com.
            row!["invalid_user_emails", 3, "fail"],
            // carol's generations -1; dave's row with -2 and -5 counts once.
            row!["negative_usage_counts", 2, "fail"],
            // '<SVG>c</SVG>' (case) and 'not svg'; leading white space is fine.
            row!["invalid_svg_data", 2, "fail"],
        ]
    );

    // Fix each problem: every check goes back to 0 / 'ok'.
    conn.execute_batch(
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
    let checks = rows(&conn, "SELECT check_name, issue_count, status FROM data_integrity_checks");
    assert_eq!(checks.len(), 8);
    for check in checks {
        assert_eq!(check[1..], [0.val(), "ok".val()], "{check:?}");
    }
}

#[test]
fn user_summary_stats_has_one_row_per_user() {
    let (db, recent) = loaded();
    let conn = db.conn();
    let (r1, r2, r10) = (&recent.r1, &recent.r2, &recent.r10);
    // user_id, username, email, role, is_active, created_at, last_login_at, activity_count, last_activity_at,
    // total_generations, total_pages, total_characters, template_count, collection_count, override_count
    assert_eq!(
        rows(&conn, "SELECT * FROM user_summary_stats ORDER BY user_id"),
        vec![
            row![
                1,
                "alice",
                "alice@example.com",
                "admin",
                1,
                "2024-01-01 09:00:00",
                "2024-06-01 10:00:00",
                24,
                r1,
                8,
                14,
                1500,
                2,
                2,
                4
            ],
            row![2, "bob", "bob@example.org", "user", 1, "2024-02-01 09:00:00", NULL, 24, r2, 2, 2, 200, 1, 1, 2],
            row![
                3,
                "carol",
                "carol@invalid",
                "user",
                0,
                "2024-03-01 09:00:00",
                "2024-05-05 05:05:05",
                23,
                r10,
                3,
                6,
                400,
                1,
                0,
                0
            ],
            row![
                4,
                "dave",
                "dave at example.com",
                "admin",
                1,
                "2024-04-01 09:00:00",
                NULL,
                22,
                "2024-07-01 10:54:00",
                0,
                -2,
                -5,
                0,
                0,
                0
            ],
            row![5, "erin", "erin@example.net", "user", 1, "2024-05-01 09:00:00", NULL, 0, NULL, 0, 0, 0, 0, 0, 0],
            row![6, "frank", "frank@example..com", "user", 0, "2024-06-01 09:00:00", NULL, 0, NULL, 0, 0, 0, 0, 0, 0],
        ]
    );
}

#[test]
fn system_statistics_has_one_row_of_totals() {
    let (db, _) = loaded();
    let conn = db.conn();
    assert_eq!(
        rows(&conn, "SELECT * FROM system_statistics"),
        vec![row![
            6,    // total_users
            4,    // active_users: alice, bob, dave, erin
            2,    // admin_users: alice, dave
            116,  // total_activities (orphans included)
            3,    // activities_last_7_days: 111 (1 day ago), 112 and 115 (2 days ago)
            20,   // total_generations: 8 + 2 + 3 + 0 + 7
            27,   // total_pages: 14 + 2 + 6 - 2 + 7
            2795, // total_characters: 1500 + 200 + 400 - 5 + 700
            9,    // total_templates: 4 seeded + 5
            4,    // system_templates
            6,    // total_page_sizes: 4 seeded + 2
            4,    // total_collections
            8,    // total_overrides
            14,   // schema_version
        ]]
    );
}

#[test]
fn recent_activity_lists_the_100_newest_newest_first() {
    let (db, recent) = loaded();
    let conn = db.conn();
    let got = rows(&conn, "SELECT * FROM recent_activity");
    assert_eq!(got.len(), 100);
    let (r1, r2, r10) = (&recent.r1, &recent.r2, &recent.r10);
    // activity_id, user_id, username, activity_type, description, ip_address, created_at
    assert_eq!(
        got[..6],
        [
            row![111, 1, "alice", "login", "signed in", "192.168.1.1", r1],
            row![115, 99, NULL, "login", "ghost", NULL, r2], // same time as 112: higher id first
            row![112, 2, "bob", "generate", "3 pages", NULL, r2],
            row![114, 3, "carol", "template_create", "made a template", "10.1.1.1", r10],
            row![110, 99, NULL, "generate", "event 109", NULL, "2024-07-01 10:54:00"],
            row![109, 4, "dave", "login", NULL, "10.0.0.108", "2024-07-01 10:54:00"],
        ]
    );
    // 113 shares 10:30 with 61 and 62 and comes first, having the highest id.
    assert_eq!(
        got[52..55],
        [
            row![113, 1, "alice", "logout", NULL, "192.168.1.1", "2024-07-01 10:30:00"],
            row![62, 2, "bob", "generate", "event 61", NULL, "2024-07-01 10:30:00"],
            row![61, 1, "alice", "login", NULL, "10.0.0.60", "2024-07-01 10:30:00"],
        ]
    );
    // The cut falls inside a tie: 16 is in, 15 (same 10:07) and everything older is out.
    assert_eq!(got[99], row![16, 1, "alice", "template_create", NULL, NULL, "2024-07-01 10:07:00"]);

    // Every row, worked out from the activity list: newest first, ties by id, newest first.
    let username = |id: i64| match id {
        1 => Value::from("alice".to_owned()),
        2 => Value::from("bob".to_owned()),
        3 => Value::from("carol".to_owned()),
        4 => Value::from("dave".to_owned()),
        _ => Value::Null,
    };
    let mut all = activities(&recent);
    all.sort_by(|a, b| (&b.created_at, b.id).cmp(&(&a.created_at, a.id)));
    let expected: Vec<Vec<Value>> = all
        .iter()
        .take(100)
        .map(|a| {
            row![
                a.id,
                a.user_id,
                username(a.user_id),
                a.activity_type,
                a.description.clone(),
                a.ip_address.clone(),
                &a.created_at
            ]
        })
        .collect();
    assert_eq!(got, expected);
    let ids: Vec<i64> = got.iter().map(|r| if let Value::Integer(i) = r[0] { i } else { panic!() }).collect();
    assert!(!ids.contains(&15) && !ids.contains(&116) && ids.contains(&16));

    // A new activity goes to the top, pushing the oldest (16) out.
    conn.execute_batch("INSERT INTO user_activities (id, user_id, activity_type) VALUES (117, 5, 'login')").unwrap();
    let got = rows(&conn, "SELECT activity_id, username, activity_type, description, ip_address FROM recent_activity");
    assert_eq!(got.len(), 100);
    assert_eq!(got[0], row![117, "erin", "login", NULL, NULL]);
    assert_eq!(got[99][0], 17.val());
}

#[test]
fn rows_invalid_before_013_can_still_be_edited_but_not_made_invalid_again() {
    let (db, _) = loaded();
    let conn = db.conn_fk();
    conn.execute_batch(
        "UPDATE users SET updated_at = '2000-01-01 00:00:00' WHERE id = 3;
         UPDATE users SET display_name = 'Carol' WHERE id = 3;",
    )
    .unwrap();
    let updated_at = text(&conn, "SELECT updated_at FROM users WHERE id = 3").unwrap();
    assert!(age_seconds(&conn, &updated_at).abs() < 120, "012's trigger must still run on an old invalid row");
    let error = error_of(&conn, "UPDATE users SET email = 'carol@still-invalid' WHERE id = 3");
    assert!(error.contains("invalid email"), "{error}");
    conn.execute_batch("UPDATE usage_statistics SET date = '2024-06-04' WHERE user_id = 3 AND generations = -1")
        .unwrap();
    let error = error_of(&conn, "UPDATE usage_statistics SET processing_ms = 6 WHERE user_id = 3 AND generations = -1");
    assert!(error.contains("negative count"), "{error}");
    conn.execute_batch("UPDATE users SET email = 'carol@example.com' WHERE id = 3").unwrap();
    assert_eq!(int(&conn, "SELECT issue_count FROM data_integrity_checks WHERE check_name = 'invalid_user_emails'"), 2);
}
