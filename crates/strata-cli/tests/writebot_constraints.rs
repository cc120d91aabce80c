//! WriteBot schema at 014: tables, keys and indexes as specified; with
//! foreign keys on, cascades and SET NULLs act; 012's triggers keep
//! updated_at current; 013's triggers reject bad emails and negative counts.

#[macro_use]
#[path = "support/writebot.rs"]
mod support;

use rusqlite::types::Value;
use rusqlite::Connection;
use support::*;

const OLD: &str = "2000-01-01 00:00:00";

fn db_at_014() -> Db {
    let db = Db::new();
    db.up();
    db
}

/// `name TYPE [NOT NULL] [DEFAULT x] [PK]` for every column of `table`.
fn column_specs(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY cid"
        ))
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let (name, ty, notnull, dflt, pk): (String, String, i64, Option<String>, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let mut spec = format!("{name} {ty}");
            if notnull == 1 {
                spec.push_str(" NOT NULL");
            }
            if let Some(dflt) = dflt {
                spec.push_str(&format!(" DEFAULT {dflt}"));
            }
            if pk == 1 {
                spec.push_str(" PK");
            }
            Ok(spec)
        })
        .unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn tables_have_the_specified_columns() {
    let db = db_at_014();
    let conn = db.conn();
    let id = "id INTEGER PK";
    let stamps =
        ["created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP", "updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"];
    let expected: [(&str, Vec<&str>); 7] = [
        (
            "users",
            [
                vec![
                    id,
                    "username TEXT NOT NULL",
                    "email TEXT NOT NULL",
                    "password_hash TEXT NOT NULL",
                    "display_name TEXT",
                    "role TEXT NOT NULL DEFAULT 'user'",
                    "is_active INTEGER NOT NULL DEFAULT 1",
                    "email_verified INTEGER NOT NULL DEFAULT 0",
                ],
                stamps.to_vec(),
                vec!["last_login_at TEXT"],
            ]
            .concat(),
        ),
        (
            "user_activities",
            vec![
                id,
                "user_id INTEGER NOT NULL",
                "activity_type TEXT NOT NULL",
                "description TEXT",
                "ip_address TEXT",
                "user_agent TEXT",
                "metadata TEXT",
                "created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP",
            ],
        ),
        (
            "usage_statistics",
            [
                vec![
                    id,
                    "user_id INTEGER NOT NULL",
                    "date TEXT NOT NULL",
                    "generations INTEGER NOT NULL DEFAULT 0",
                    "pages_generated INTEGER NOT NULL DEFAULT 0",
                    "characters_generated INTEGER NOT NULL DEFAULT 0",
                    "processing_ms INTEGER NOT NULL DEFAULT 0",
                ],
                stamps.to_vec(),
            ]
            .concat(),
        ),
        (
            "page_size_presets",
            [
                vec![
                    id,
                    "name TEXT NOT NULL",
                    "width REAL NOT NULL",
                    "height REAL NOT NULL",
                    "unit TEXT NOT NULL DEFAULT 'mm'",
                    "is_system INTEGER NOT NULL DEFAULT 0",
                    "user_id INTEGER",
                ],
                stamps.to_vec(),
            ]
            .concat(),
        ),
        (
            "template_presets",
            [
                vec![
                    id,
                    "name TEXT NOT NULL",
                    "description TEXT",
                    "user_id INTEGER",
                    "page_size_preset_id INTEGER",
                    "orientation TEXT NOT NULL DEFAULT 'portrait'",
                    "margin_top REAL NOT NULL DEFAULT 20",
                    "margin_right REAL NOT NULL DEFAULT 20",
                    "margin_bottom REAL NOT NULL DEFAULT 20",
                    "margin_left REAL NOT NULL DEFAULT 20",
                    "line_height REAL NOT NULL DEFAULT 10",
                    "handwriting_style INTEGER",
                    "legibility_bias REAL NOT NULL DEFAULT 0.75",
                    "ink_color TEXT NOT NULL DEFAULT '#000000'",
                    "is_public INTEGER NOT NULL DEFAULT 0",
                    "is_system INTEGER NOT NULL DEFAULT 0",
                ],
                stamps.to_vec(),
                vec![
                    "character_override_collection_id INTEGER",
                    "background_style TEXT NOT NULL DEFAULT 'blank'",
                    "text_alignment TEXT NOT NULL DEFAULT 'left'",
                    "stroke_width REAL NOT NULL DEFAULT 1.0",
                    "paragraph_spacing REAL NOT NULL DEFAULT 0",
                ],
            ]
            .concat(),
        ),
        (
            "character_override_collections",
            [
                vec![
                    id,
                    "user_id INTEGER NOT NULL",
                    "name TEXT NOT NULL",
                    "description TEXT",
                    "is_active INTEGER NOT NULL DEFAULT 1",
                ],
                stamps.to_vec(),
            ]
            .concat(),
        ),
        (
            "character_overrides",
            [
                vec![
                    id,
                    "collection_id INTEGER NOT NULL",
                    "character TEXT NOT NULL",
                    "svg_data TEXT NOT NULL",
                    "baseline_offset REAL NOT NULL DEFAULT 0",
                    "x_advance REAL",
                ],
                stamps.to_vec(),
            ]
            .concat(),
        ),
    ];
    for (table, columns) in expected {
        assert_eq!(column_specs(&conn, table), columns, "columns of {table}");
        // Every table's id is AUTOINCREMENT.
        let sql =
            text(&conn, &format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'")).unwrap();
        assert!(
            normalise_sql(&sql).contains("id INTEGER PRIMARY KEY AUTOINCREMENT"),
            "{table}.id is not INTEGER PRIMARY KEY AUTOINCREMENT: {sql}"
        );
    }
}

fn foreign_keys(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"))
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} -> {}({}) ON DELETE {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?
            ))
        })
        .unwrap();
    let mut all: Vec<String> = rows.collect::<rusqlite::Result<_>>().unwrap();
    all.sort();
    all
}

#[test]
fn foreign_keys_are_declared_with_the_specified_actions() {
    let db = db_at_014();
    let conn = db.conn();
    let expected: [(&str, &[&str]); 7] = [
        ("users", &[]),
        ("user_activities", &["user_id -> users(id) ON DELETE CASCADE"]),
        ("usage_statistics", &["user_id -> users(id) ON DELETE CASCADE"]),
        ("page_size_presets", &["user_id -> users(id) ON DELETE CASCADE"]),
        (
            "template_presets",
            &[
                "character_override_collection_id -> character_override_collections(id) ON DELETE SET NULL",
                "page_size_preset_id -> page_size_presets(id) ON DELETE SET NULL",
                "user_id -> users(id) ON DELETE CASCADE",
            ],
        ),
        ("character_override_collections", &["user_id -> users(id) ON DELETE CASCADE"]),
        ("character_overrides", &["collection_id -> character_override_collections(id) ON DELETE CASCADE"]),
    ];
    for (table, fks) in expected {
        assert_eq!(foreign_keys(&conn, table), fks.to_vec(), "foreign keys of {table}");
    }
}

/// (name, columns) of each index of `table` that `strata`'s migrations named, plus unique ones.
fn indexes(conn: &Connection, table: &str) -> Vec<(String, i64, String)> {
    let list = rows(conn, &format!("SELECT name, \"unique\" FROM pragma_index_list('{table}')"));
    let mut all: Vec<(String, i64, String)> = list
        .into_iter()
        .map(|row| {
            let (Value::Text(name), Value::Integer(unique)) = (&row[0], &row[1]) else { panic!("{row:?}") };
            let cols: Vec<String> = rows(conn, &format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"))
                .into_iter()
                .map(|r| match &r[0] {
                    Value::Text(t) => t.clone(),
                    other => panic!("{other:?}"),
                })
                .collect();
            let name =
                if name.starts_with("sqlite_autoindex_") { "(unique constraint)".to_owned() } else { name.clone() };
            (name, *unique, cols.join(","))
        })
        .collect();
    all.sort();
    all
}

#[test]
fn indexes_and_unique_constraints_are_as_specified() {
    let db = db_at_014();
    let conn = db.conn();
    let ix = |name: &str, unique: i64, cols: &str| (name.to_owned(), unique, cols.to_owned());
    let u = "(unique constraint)";
    let expected = [
        ("users", vec![ix(u, 1, "email"), ix(u, 1, "username")]),
        (
            "user_activities",
            vec![
                ix("idx_user_activities_activity_type", 0, "activity_type"),
                ix("idx_user_activities_user_id_created_at", 0, "user_id,created_at"),
            ],
        ),
        ("usage_statistics", vec![ix(u, 1, "user_id,date"), ix("idx_usage_statistics_date", 0, "date")]),
        ("page_size_presets", vec![ix(u, 1, "name"), ix("idx_page_size_presets_user_id", 0, "user_id")]),
        (
            "template_presets",
            vec![
                ix("idx_template_presets_character_override_collection_id", 0, "character_override_collection_id"),
                ix("idx_template_presets_page_size_preset_id", 0, "page_size_preset_id"),
                ix("idx_template_presets_user_id", 0, "user_id"),
            ],
        ),
        (
            "character_override_collections",
            vec![ix(u, 1, "user_id,name"), ix("idx_character_override_collections_user_id", 0, "user_id")],
        ),
        (
            "character_overrides",
            vec![ix(u, 1, "collection_id,character"), ix("idx_character_overrides_collection_id", 0, "collection_id")],
        ),
    ];
    for (table, mut want) in expected {
        want.sort();
        assert_eq!(indexes(&conn, table), want, "indexes of {table}");
    }
}

#[test]
fn check_and_unique_constraints_reject_invalid_rows() {
    let db = db_at_014();
    let conn = db.conn_fk();
    conn.execute_batch(
        "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h');
         INSERT INTO character_override_collections (id, user_id, name) VALUES (1, 1, 'c');",
    )
    .unwrap();
    let bad = [
        "INSERT INTO users (username, email, password_hash, role) VALUES ('b', 'b@example.com', 'h', 'root')",
        "INSERT INTO users (username, email, password_hash, is_active) VALUES ('b', 'b@example.com', 'h', 2)",
        "INSERT INTO users (username, email, password_hash, email_verified) VALUES ('b', 'b@example.com', 'h', -1)",
        "INSERT INTO users (username, email, password_hash) VALUES ('ann', 'other@example.com', 'h')",
        "INSERT INTO users (username, email, password_hash) VALUES ('other', 'ann@example.com', 'h')",
        "INSERT INTO users (username, email) VALUES ('b', 'b@example.com')",
        "INSERT INTO user_activities (user_id, activity_type, metadata) VALUES (1, 'login', '{not json')",
        "INSERT INTO user_activities (user_id, activity_type) VALUES (2, 'login')",
        "INSERT INTO usage_statistics (user_id, date) VALUES (1, '2024-01-01'), (1, '2024-01-01')",
        "INSERT INTO page_size_presets (name, width, height) VALUES ('z', 0, 10)",
        "INSERT INTO page_size_presets (name, width, height) VALUES ('z', 10, -1)",
        "INSERT INTO page_size_presets (name, width, height, unit) VALUES ('z', 10, 10, 'cm')",
        "INSERT INTO page_size_presets (name, width, height, is_system) VALUES ('z', 10, 10, 2)",
        "INSERT INTO page_size_presets (name, width, height) VALUES ('A4', 10, 10)",
        "INSERT INTO template_presets (name, orientation) VALUES ('t', 'sideways')",
        "INSERT INTO template_presets (name, is_public) VALUES ('t', 2)",
        "INSERT INTO template_presets (name, is_system) VALUES ('t', 5)",
        "INSERT INTO template_presets (name, background_style) VALUES ('t', 'plaid')",
        "INSERT INTO template_presets (name, text_alignment) VALUES ('t', 'middle')",
        "INSERT INTO template_presets (name, page_size_preset_id) VALUES ('t', 999)",
        "INSERT INTO template_presets (name, character_override_collection_id) VALUES ('t', 999)",
        "INSERT INTO character_override_collections (user_id, name) VALUES (1, 'c')",
        "INSERT INTO character_override_collections (user_id, name, is_active) VALUES (1, 'd', 3)",
        "INSERT INTO character_overrides (collection_id, character, svg_data) VALUES (1, 'ab', '<svg/>')",
        "INSERT INTO character_overrides (collection_id, character, svg_data) VALUES (1, '', '<svg/>')",
        "INSERT INTO character_overrides (collection_id, character, svg_data) VALUES (1, 'a', '<svg/>'), (1, 'a', '<svg/>')",
    ];
    for sql in bad {
        let error = error_of(&conn, sql);
        assert!(
            error.contains("constraint failed") || error.contains("NOT NULL") || error.contains("FOREIGN KEY"),
            "{sql}: unexpected error {error}"
        );
    }
    // The same tables accept good rows (one-character non-ASCII glyphs included).
    conn.execute_batch(
        "INSERT INTO user_activities (user_id, activity_type, metadata) VALUES (1, 'login', '{\"ok\": true}'), (1, 'logout', NULL);
         INSERT INTO usage_statistics (user_id, date) VALUES (1, '2024-01-01'), (1, '2024-01-02');
         INSERT INTO character_overrides (collection_id, character, svg_data) VALUES (1, 'é', '<svg/>'), (1, 'ß', '<svg/>');",
    )
    .unwrap();
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM users"), 1);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM template_presets"), 4);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM character_overrides"), 2);
}

/// Ann (1) and Bob (2), each with activities, usage, a page size, a
/// collection with overrides and templates; one of Bob's templates uses Ann's
/// page size and collection.
fn load_two_users(conn: &Connection) {
    conn.execute_batch(
        "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h'), (2, 'bob', 'bob@example.com', 'h');
         INSERT INTO user_activities (user_id, activity_type) VALUES (1, 'login'), (1, 'generate'), (2, 'login'), (1, 'logout'), (2, 'logout');
         INSERT INTO usage_statistics (user_id, date, generations) VALUES (1, '2024-01-01', 1), (2, '2024-01-01', 2), (1, '2024-01-02', 3);
         INSERT INTO page_size_presets (id, name, width, height, user_id) VALUES (5, 'Ann size', 100, 100, 1), (6, 'Bob size', 200, 200, 2);
         INSERT INTO character_override_collections (id, user_id, name) VALUES (1, 1, 'ann hand'), (2, 2, 'bob hand');
         INSERT INTO character_overrides (collection_id, character, svg_data) VALUES (1, 'a', '<svg/>'), (1, 'b', '<svg/>'), (2, 'a', '<svg/>');
         INSERT INTO template_presets (id, name, user_id, page_size_preset_id, character_override_collection_id) VALUES
             (5, 'T1', 1, 5, 1), (6, 'T2', 2, 5, 1), (7, 'T3', 2, 6, 2), (8, 'T4', 2, 2, NULL);",
    )
    .unwrap();
}

#[test]
fn deleting_a_user_cascades_to_everything_they_own() {
    let db = db_at_014();
    let conn = db.conn_fk();
    load_two_users(&conn);
    conn.execute_batch(&format!("UPDATE template_presets SET updated_at = '{OLD}'")).unwrap();
    conn.execute_batch("DELETE FROM users WHERE id = 1").unwrap();

    assert_eq!(rows(&conn, "SELECT id, username FROM users"), vec![row![2, "bob"]]);
    assert_eq!(rows(&conn, "SELECT id, user_id FROM user_activities ORDER BY id"), vec![row![3, 2], row![5, 2]]);
    assert_eq!(rows(&conn, "SELECT user_id, date, generations FROM usage_statistics"), vec![row![2, "2024-01-01", 2]]);
    assert_eq!(
        rows(&conn, "SELECT id FROM page_size_presets ORDER BY id"),
        vec![row![1], row![2], row![3], row![4], row![6]],
        "Ann's own page size goes, the system ones stay"
    );
    assert_eq!(rows(&conn, "SELECT id, user_id FROM character_override_collections"), vec![row![2, 2]]);
    assert_eq!(rows(&conn, "SELECT collection_id, character FROM character_overrides"), vec![row![2, "a"]]);
    assert_eq!(
        rows(&conn, "SELECT id, name, user_id, page_size_preset_id, character_override_collection_id FROM template_presets ORDER BY id"),
        vec![
            row![1, "Default", NULL, 2, NULL],
            row![2, "A4 Landscape", NULL, 2, NULL],
            row![3, "Notebook", NULL, 1, NULL],
            row![4, "US Letter", NULL, 3, NULL],
            row![6, "T2", 2, NULL, NULL],
            row![7, "T3", 2, 6, 2],
            row![8, "T4", 2, 2, NULL],
        ],
        "Ann's template goes; Bob's template loses Ann's page size and collection (SET NULL)"
    );
    // The SET NULL changed T2, so 012's trigger made its updated_at current; the others are untouched.
    let t2 = text(&conn, "SELECT updated_at FROM template_presets WHERE id = 6").unwrap();
    assert!(age_seconds(&conn, &t2).abs() < 120, "T2.updated_at = {t2}");
    assert_eq!(int(&conn, &format!("SELECT COUNT(*) FROM template_presets WHERE id <> 6 AND updated_at = '{OLD}'")), 6);
    assert_eq!(rows(&conn, "PRAGMA foreign_key_check"), Vec::<Vec<Value>>::new());
}

#[test]
fn deleting_a_page_size_or_a_collection_sets_templates_to_null() {
    let db = db_at_014();
    let conn = db.conn_fk();
    load_two_users(&conn);
    // The seeded A4 (id 2) is used by Default, A4 Landscape and T4.
    conn.execute_batch("DELETE FROM page_size_presets WHERE name = 'A4'").unwrap();
    assert_eq!(
        rows(&conn, "SELECT id, page_size_preset_id FROM template_presets ORDER BY id"),
        vec![row![1, NULL], row![2, NULL], row![3, 1], row![4, 3], row![5, 5], row![6, 5], row![7, 6], row![8, NULL]]
    );
    conn.execute_batch("DELETE FROM character_override_collections WHERE id = 1").unwrap();
    assert_eq!(
        rows(&conn, "SELECT id, character_override_collection_id FROM template_presets WHERE id >= 5 ORDER BY id"),
        vec![row![5, NULL], row![6, NULL], row![7, 2], row![8, NULL]]
    );
    assert_eq!(rows(&conn, "SELECT collection_id, character FROM character_overrides"), vec![row![2, "a"]]);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM template_presets"), 8, "no template is deleted by these");
    // Deleting a user's page size sets NULL too, even on another user's template.
    conn.execute_batch("DELETE FROM page_size_presets WHERE id = 5").unwrap();
    assert_eq!(
        rows(&conn, "SELECT id FROM template_presets WHERE page_size_preset_id IS NULL ORDER BY id"),
        vec![row![1], row![2], row![5], row![6], row![8]]
    );
}

/// (table, id of a row, SET clauses that each change one column other than updated_at).
fn changes() -> Vec<(&'static str, i64, Vec<&'static str>)> {
    vec![
        (
            "users",
            1,
            vec![
                "username = 'ann2'",
                "email = 'ann2@example.com'",
                "password_hash = 'h2'",
                "display_name = 'Ann'",
                "role = 'admin'",
                "is_active = 0",
                "email_verified = 1",
                "created_at = '2020-01-01 00:00:00'",
                "last_login_at = '2024-01-01 00:00:00'",
                "last_login_at = NULL",
            ],
        ),
        (
            "usage_statistics",
            1,
            vec![
                "date = '2024-03-03'",
                "user_id = 2",
                "generations = 9",
                "pages_generated = 9",
                "characters_generated = 9",
                "processing_ms = 9",
                "created_at = '2020-01-01 00:00:00'",
            ],
        ),
        (
            "page_size_presets",
            5,
            vec![
                "name = 'Ann size 2'",
                "width = 11",
                "height = 12",
                "unit = 'in'",
                "is_system = 1",
                "user_id = 2",
                "created_at = '2020-01-01 00:00:00'",
            ],
        ),
        (
            "template_presets",
            5,
            vec![
                "name = 'T1b'",
                "description = 'now described'",
                "user_id = 2",
                "page_size_preset_id = 6",
                "orientation = 'landscape'",
                "margin_top = 1",
                "margin_right = 2",
                "margin_bottom = 3",
                "margin_left = 4",
                "line_height = 5",
                "handwriting_style = 3",
                "legibility_bias = 0.5",
                "ink_color = '#ff0000'",
                "is_public = 1",
                "is_system = 1",
                "created_at = '2020-01-01 00:00:00'",
                "character_override_collection_id = 2",
                "background_style = 'grid'",
                "text_alignment = 'justify'",
                "stroke_width = 2.5",
                "paragraph_spacing = 3",
            ],
        ),
        (
            "character_override_collections",
            1,
            vec![
                "user_id = 2",
                "name = 'renamed'",
                "description = 'described'",
                "is_active = 0",
                "created_at = '2020-01-01 00:00:00'",
            ],
        ),
        (
            "character_overrides",
            1,
            vec![
                "character = 'z'",
                "collection_id = 2",
                "svg_data = '<svg>z</svg>'",
                "baseline_offset = 1.5",
                "x_advance = 2",
                "created_at = '2020-01-01 00:00:00'",
            ],
        ),
    ]
}

#[test]
fn updated_at_triggers_keep_updated_at_current() {
    let db = db_at_014();
    let conn = db.conn_fk();
    load_two_users(&conn);
    // One trigger per table with updated_at, named trg_<table>_updated_at.
    let with_updated_at: Vec<&str> =
        TABLES.iter().copied().filter(|t| columns(&conn, t).iter().any(|c| c == "updated_at")).collect();
    assert_eq!(with_updated_at, changes().iter().map(|(t, _, _)| *t).collect::<Vec<_>>());
    let triggers = rows(
        &conn,
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%updated_at' ORDER BY name",
    );
    let mut want: Vec<Vec<Value>> = with_updated_at.iter().map(|t| row![format!("trg_{t}_updated_at"), *t]).collect();
    want.sort_by_key(|r| format!("{:?}", r[0]));
    assert_eq!(triggers, want);

    for (table, id, sets) in changes() {
        let updated_at = |id: i64| text(&conn, &format!("SELECT updated_at FROM {table} WHERE id = {id}")).unwrap();
        let other = int(&conn, &format!("SELECT MIN(id) FROM {table} WHERE id <> {id}"));
        for set in sets {
            // An UPDATE that sets updated_at itself keeps that value.
            conn.execute_batch(&format!("UPDATE {table} SET updated_at = '{OLD}' WHERE id IN ({id}, {other})"))
                .unwrap();
            assert_eq!(updated_at(id), OLD, "{table}: an explicit updated_at was overwritten");
            conn.execute_batch(&format!("UPDATE {table} SET {set} WHERE id = {id}")).unwrap();
            let now = updated_at(id);
            assert_eq!(now.len(), 19, "{table}.updated_at = {now:?} is not YYYY-MM-DD HH:MM:SS");
            assert!(age_seconds(&conn, &now).abs() < 120, "{table}: SET {set} left updated_at at {now}");
            assert_eq!(updated_at(other), OLD, "{table}: SET {set} on row {id} touched row {other}'s updated_at");
            // Changing a column and updated_at together keeps the given updated_at.
            conn.execute_batch(&format!(
                "UPDATE {table} SET {set}, updated_at = '2001-02-03 04:05:06' WHERE id = {id}"
            ))
            .unwrap();
            assert_eq!(updated_at(id), "2001-02-03 04:05:06", "{table}: SET {set}, updated_at = … was overwritten");
        }
        // A no-op update changes nothing, so updated_at stays.
        conn.execute_batch(&format!("UPDATE {table} SET updated_at = '{OLD}' WHERE id = {id}")).unwrap();
        conn.execute_batch(&format!("UPDATE {table} SET created_at = created_at WHERE id = {id}")).unwrap();
        assert_eq!(updated_at(id), OLD, "{table}: a no-op update changed updated_at");
    }
    // created_at is never touched by the triggers.
    assert_eq!(text(&conn, "SELECT created_at FROM users WHERE id = 1").as_deref(), Some("2020-01-01 00:00:00"));
    // With recursive triggers on, there is no runaway recursion.
    conn.execute_batch("PRAGMA recursive_triggers = ON; UPDATE users SET display_name = 'again' WHERE id = 1;")
        .unwrap();
    let t = text(&conn, "SELECT updated_at FROM users WHERE id = 1").unwrap();
    assert!(age_seconds(&conn, &t).abs() < 120);
}

const EMAIL_RULE: &str =
    "invalid email: users.email must look like name@domain.tld (one @, no spaces, a dot inside the domain)";
const COUNT_RULE: &str =
    "negative count: usage_statistics generations, pages_generated, characters_generated and processing_ms must be >= 0";

#[test]
fn validation_triggers_reject_bad_emails_with_the_rule() {
    let db = db_at_014();
    let conn = db.conn_fk();
    let bad = [
        "x@y",
        "@y.z",
        "x@.z",
        "x@y.",
        "x@y..z",
        "x@@y.z",
        "x y@z.w",
        "plainaddress",
        "",
        "x@y.z ",
        "x@y.z\n",
        "\tx@y.z",
        "a@b@c.d",
    ];
    for (i, email) in bad.iter().enumerate() {
        let result = conn.execute(
            "INSERT INTO users (username, email, password_hash) VALUES (?1, ?2, 'h')",
            (format!("bad{i}"), email),
        );
        let error = result.expect_err(&format!("email {email:?} was accepted")).to_string();
        assert!(error.contains(EMAIL_RULE), "insert {email:?}: message {error:?} does not name the rule");
    }
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM users"), 0);

    for (i, email) in ["x@y.z", "first.last+tag@mail.example.org", "ANN_B-1@sub.example.co.uk"].iter().enumerate() {
        conn.execute(
            "INSERT INTO users (username, email, password_hash) VALUES (?1, ?2, 'h')",
            (format!("good{i}"), email),
        )
        .unwrap_or_else(|e| panic!("valid email {email:?} rejected: {e}"));
    }
    for email in bad {
        let error = conn
            .execute("UPDATE users SET email = ?1 WHERE username = 'good0'", [email])
            .expect_err(&format!("update to {email:?} was accepted"))
            .to_string();
        assert!(error.contains(EMAIL_RULE), "update {email:?}: message {error:?} does not name the rule");
    }
    assert_eq!(text(&conn, "SELECT email FROM users WHERE username = 'good0'").as_deref(), Some("x@y.z"));
    conn.execute_batch("UPDATE users SET email = 'new@example.com', display_name = 'G' WHERE username = 'good0'")
        .unwrap();
    assert_eq!(text(&conn, "SELECT email FROM users WHERE username = 'good0'").as_deref(), Some("new@example.com"));
}

#[test]
fn validation_triggers_reject_negative_counts_with_the_rule() {
    let db = db_at_014();
    let conn = db.conn_fk();
    conn.execute_batch(
        "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h')",
    )
    .unwrap();
    let columns = ["generations", "pages_generated", "characters_generated", "processing_ms"];
    for column in columns {
        let error = error_of(
            &conn,
            &format!("INSERT INTO usage_statistics (user_id, date, {column}) VALUES (1, '2024-01-01', -1)"),
        );
        assert!(error.contains(COUNT_RULE), "insert negative {column}: message {error:?} does not name the rule");
    }
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM usage_statistics"), 0);
    conn.execute_batch(
        "INSERT INTO usage_statistics (user_id, date, generations, pages_generated, characters_generated, processing_ms)
             VALUES (1, '2024-01-01', 0, 0, 0, 0)",
    )
    .unwrap();
    for column in columns {
        let error = error_of(&conn, &format!("UPDATE usage_statistics SET {column} = {column} - 1"));
        assert!(error.contains(COUNT_RULE), "update negative {column}: message {error:?} does not name the rule");
    }
    assert_eq!(
        rows(&conn, "SELECT generations, pages_generated, characters_generated, processing_ms FROM usage_statistics"),
        vec![row![0, 0, 0, 0]]
    );
    conn.execute_batch("UPDATE usage_statistics SET generations = 5, processing_ms = 120").unwrap();
    assert_eq!(rows(&conn, "SELECT generations, processing_ms FROM usage_statistics"), vec![row![5, 120]]);
}
