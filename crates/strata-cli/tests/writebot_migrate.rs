//! WriteBot schema: applying and reverting migrations 001–014 through `strata`,
//! what history and `status` say, and that down → up rebuilds the same schema.

#[macro_use]
#[path = "support/writebot.rs"]
mod support;

use support::*;

const NAMES: [&str; 14] = [
    "create_users_table",
    "create_user_activities_table",
    "create_usage_statistics_table",
    "create_page_size_presets_table",
    "create_template_presets_table",
    "create_character_override_collections_table",
    "create_character_overrides_table",
    "add_template_advanced_features",
    "seed_default_page_sizes",
    "seed_default_templates",
    "add_performance_indexes",
    "add_audit_triggers",
    "add_data_integrity_constraints",
    "create_backup_utilities",
];

fn last_line(text: &str) -> &str {
    text.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("")
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    v.sort();
    v
}

/// Puts a little of everything into a database at 014.
fn add_data(db: &Db) {
    let conn = db.conn_fk();
    conn.execute_batch(
        "INSERT INTO users (username, email, password_hash) VALUES ('ann', 'ann@example.com', 'h');
         INSERT INTO user_activities (user_id, activity_type) VALUES (1, 'login');
         INSERT INTO usage_statistics (user_id, date, generations) VALUES (1, '2024-01-01', 3);
         INSERT INTO page_size_presets (name, width, height, user_id) VALUES ('Mine', 100, 100, 1);
         INSERT INTO character_override_collections (user_id, name) VALUES (1, 'c');
         INSERT INTO character_overrides (collection_id, character, svg_data) VALUES (1, 'a', '<svg/>');
         INSERT INTO template_presets (name, user_id, page_size_preset_id, character_override_collection_id)
             VALUES ('T', 1, 5, 1);",
    )
    .unwrap();
}

#[test]
fn up_on_a_fresh_database_applies_all_fourteen() {
    let db = Db::new();
    let out = db.up();
    assert!(
        last_line(&out).ends_with("; the database is at version 014 (create_backup_utilities)."),
        "unexpected up output:\n{out}"
    );
    assert!(last_line(&out).starts_with("Applied 14 migrations in "), "unexpected up output:\n{out}");
    assert_eq!(db.versions(), (1..=14).collect::<Vec<i64>>());

    // History: one row per migration with its name, a UTC time and a checksum.
    let conn = db.conn();
    let history = rows(&conn, "SELECT version, name, applied_at, checksum FROM migration_history ORDER BY version");
    assert_eq!(history.len(), 14);
    for (i, row) in history.iter().enumerate() {
        assert_eq!(row[0], (i as i64 + 1).val());
        assert_eq!(row[1], NAMES[i].val());
        let rusqlite::types::Value::Text(applied_at) = &row[2] else { panic!("applied_at is not text: {row:?}") };
        assert_eq!(applied_at.len(), 19, "applied_at {applied_at:?} is not YYYY-MM-DD HH:MM:SS");
        assert!(age_seconds(&conn, applied_at).abs() < 300, "applied_at {applied_at} is not now (UTC)");
        let rusqlite::types::Value::Text(checksum) = &row[3] else { panic!("checksum is not text: {row:?}") };
        assert!(!checksum.is_empty());
    }

    let status = db.ok(&["status"]);
    assert_eq!(last_line(&status), "Current version: 014 (create_backup_utilities)  | 14 applied, 0 pending");
    for (i, name) in NAMES.iter().enumerate() {
        let label = format!("{:03}", i + 1);
        let line = status
            .lines()
            .find(|line| line.starts_with(&format!("{label} ")))
            .unwrap_or_else(|| panic!("status has no line for {label}:\n{status}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&words[..3], &[label.as_str(), name, "applied"], "status line {line:?}");
    }

    // Running up again applies nothing.
    let again = db.up();
    assert_eq!(last_line(&again), "Nothing to apply: the database is at version 014 (create_backup_utilities).");
    assert_eq!(db.versions(), (1..=14).collect::<Vec<i64>>());
}

#[test]
fn up_005_on_an_empty_database_stops_at_005() {
    let db = Db::new();
    let out = db.up_to(5);
    assert!(last_line(&out).ends_with("the database is at version 005 (create_template_presets_table)."), "{out}");
    assert_eq!(db.versions(), vec![1, 2, 3, 4, 5]);
    let conn = db.conn();
    let tables = rows(
        &conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('migration_history', 'sqlite_sequence') ORDER BY name",
    );
    assert_eq!(
        tables,
        vec![
            row!["page_size_presets"],
            row!["template_presets"],
            row!["usage_statistics"],
            row!["user_activities"],
            row!["users"]
        ]
    );
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM sqlite_master WHERE type IN ('view', 'trigger')"), 0);
    let status = db.ok(&["status"]);
    assert_eq!(last_line(&status), "Current version: 005 (create_template_presets_table)  | 5 applied, 9 pending");
}

#[test]
fn down_3_from_014_leaves_exactly_the_first_three() {
    let db = Db::new();
    db.up();
    add_data(&db);
    let out = db.down(3);
    assert_eq!(
        last_line(&out).split_once(" in ").map(|(a, _)| a),
        Some("Reverted 11 migrations"),
        "unexpected down output:\n{out}"
    );
    assert!(last_line(&out).ends_with("the database is at version 003 (create_usage_statistics_table)."), "{out}");
    assert_eq!(db.versions(), vec![1, 2, 3]);
    assert_eq!(
        db.objects(),
        owned(&[
            ("index", "sqlite_autoindex_usage_statistics_1"),
            ("index", "sqlite_autoindex_users_1"),
            ("index", "sqlite_autoindex_users_2"),
            ("table", "migration_history"),
            ("table", "sqlite_sequence"),
            ("table", "usage_statistics"),
            ("table", "user_activities"),
            ("table", "users"),
        ])
    );
    // The first three tables keep their rows.
    let conn = db.conn();
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM users"), 1);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM user_activities"), 1);
    assert_eq!(int(&conn, "SELECT generations FROM usage_statistics"), 3);
    // sqlite_sequence only names tables that still exist.
    let seq = rows(&conn, "SELECT name FROM sqlite_sequence ORDER BY name");
    assert_eq!(seq, vec![row!["usage_statistics"], row!["user_activities"], row!["users"]]);
    let status = db.ok(&["status"]);
    assert_eq!(last_line(&status), "Current version: 003 (create_usage_statistics_table)  | 3 applied, 11 pending");
}

#[test]
fn down_0_leaves_nothing_and_up_again_rebuilds_the_same_schema() {
    let single = Db::new();
    single.up();
    let expected = single.schema();

    let db = Db::new();
    db.up();
    add_data(&db);
    let out = db.down(0);
    assert_eq!(last_line(&out).split_once(" in ").map(|(a, _)| a), Some("Reverted 14 migrations"), "{out}");
    assert!(last_line(&out).ends_with("; no migration is applied."), "{out}");
    assert_eq!(db.versions(), Vec::<i64>::new());
    assert_eq!(db.objects(), owned(&[("table", "migration_history"), ("table", "sqlite_sequence")]));
    let conn = db.conn();
    assert_eq!(rows(&conn, "SELECT * FROM sqlite_sequence"), Vec::<Vec<rusqlite::types::Value>>::new());
    drop(conn);
    let status = db.ok(&["status"]);
    assert_eq!(last_line(&status), "Current version: none  | 0 applied, 14 pending");

    db.up();
    assert_eq!(db.versions(), (1..=14).collect::<Vec<i64>>());
    assert_eq!(db.schema(), expected, "up → down 0 → up differs from a single up");
    // The seeds are back too, once each.
    let conn = db.conn();
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM page_size_presets WHERE is_system = 1"), 4);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM template_presets WHERE is_system = 1"), 4);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM users"), 0);
}

/// Goes up one migration at a time; returns the schema at 0, 1, …, 14.
fn schemas_one_step_at_a_time(db: &Db, check_step: bool) -> Vec<Vec<SchemaRow>> {
    let mut at = vec![db.schema()];
    for k in 1..=14u32 {
        db.up_to(k);
        assert_eq!(db.versions(), (1..=i64::from(k)).collect::<Vec<_>>());
        let schema = db.schema();
        if check_step {
            // k → k-1 → k
            db.down(k - 1);
            assert_eq!(db.versions(), (1..i64::from(k)).collect::<Vec<_>>());
            assert_eq!(
                db.schema(),
                at[k as usize - 1],
                "down {} from {k} does not restore the schema at {}",
                k - 1,
                k - 1
            );
            db.up_to(k);
            assert_eq!(db.schema(), schema, "{k} → {} → {k} does not give the schema at {k}", k - 1);
        }
        at.push(schema);
    }
    at
}

#[test]
fn each_single_step_down_and_up_gives_the_same_schema() {
    let db = Db::new();
    let at = schemas_one_step_at_a_time(&db, true);
    // Stepwise ups give the same schema as a single up.
    let single = Db::new();
    single.up();
    assert_eq!(at[14], single.schema());
}

#[test]
fn going_down_from_014_to_each_version_gives_that_version_schema() {
    let stepwise = Db::new();
    let at = schemas_one_step_at_a_time(&stepwise, false);
    let db = Db::new();
    db.up();
    for k in (0..14u32).rev() {
        db.down(k);
        assert_eq!(db.versions(), (1..=i64::from(k)).collect::<Vec<_>>());
        assert_eq!(db.schema(), at[k as usize], "down {k} from {} does not give the schema of up {k}", k + 1);
    }
}
