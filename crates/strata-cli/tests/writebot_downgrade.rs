//! WriteBot schema: downgrades keep users' data. 008's downgrade rebuilds
//! template_presets without losing a row or a value, keeps its foreign keys
//! working, and refuses (rolling back) when foreign keys are broken; 009 and
//! 010's downgrades remove only the seeded rows.

#[macro_use]
#[path = "support/writebot.rs"]
mod support;

use rusqlite::types::Value;
use rusqlite::{params, Connection};
use support::*;

/// template_presets' columns before 008, in order.
const BASE_COLUMNS: [&str; 18] = [
    "id",
    "name",
    "description",
    "user_id",
    "page_size_preset_id",
    "orientation",
    "margin_top",
    "margin_right",
    "margin_bottom",
    "margin_left",
    "line_height",
    "handwriting_style",
    "legibility_bias",
    "ink_color",
    "is_public",
    "is_system",
    "created_at",
    "updated_at",
];

const ADVANCED_COLUMNS: [&str; 5] =
    ["character_override_collection_id", "background_style", "text_alignment", "stroke_width", "paragraph_spacing"];

fn base_rows(conn: &Connection) -> Vec<Vec<Value>> {
    rows(conn, &format!("SELECT {} FROM template_presets ORDER BY id", BASE_COLUMNS.join(", ")))
}

fn foreign_keys(conn: &Connection, table: &str) -> Vec<(String, String, String, String)> {
    let mut stmt = conn
        .prepare(&format!("SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"))
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
    let mut all: Vec<_> = rows.collect::<rusqlite::Result<_>>().unwrap();
    all.sort();
    all
}

fn fk(table: &str, from: &str, to: &str, on_delete: &str) -> (String, String, String, String) {
    (table.into(), from.into(), to.into(), on_delete.into())
}

/// Users 1–5; eight page sizes, the first two system-wide and the others
/// owned by user 1 (none named like 009's seeds), with ids after the existing
/// ones (returned: the highest id before them); collections 1–4 (users 1, 1,
/// 2, 3) with an override each.
fn load_owners(conn: &Connection) -> i64 {
    let offset = int(conn, "SELECT COALESCE(MAX(id), 0) FROM page_size_presets");
    for u in 1..=5 {
        conn.execute(
            "INSERT INTO users (id, username, email, password_hash, display_name, role) VALUES (?1, ?2, ?3, 'hash', ?4, ?5)",
            params![u, format!("user{u}"), format!("user{u}@example.com"), if u == 3 { None } else { Some(format!("User {u}")) }, if u == 1 { "admin" } else { "user" }],
        )
        .unwrap();
    }
    for p in 1..=8 {
        let (is_system, user_id) = if p <= 2 { (1, None) } else { (0, Some(1)) };
        conn.execute(
            "INSERT INTO page_size_presets (id, name, width, height, unit, is_system, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![offset + p, format!("Size {p}"), 100.0 + p as f64, 150.5 + p as f64, ["mm", "in", "px"][p as usize % 3], is_system, user_id],
        )
        .unwrap();
    }
    for (c, user) in [(1, 1), (2, 1), (3, 2), (4, 3)] {
        conn.execute(
            "INSERT INTO character_override_collections (id, user_id, name, description) VALUES (?1, ?2, ?3, NULL)",
            params![c, user, format!("Collection {c}")],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO character_overrides (collection_id, character, svg_data, x_advance) VALUES (?1, 'a', '<svg/>', ?2)",
            params![c, if c % 2 == 0 { None } else { Some(1.5) }],
        )
        .unwrap();
    }
    offset
}

/// Inserts template `i` with varied values in every column (NULLs included);
/// user_id NULL means a system template. `sizes` is load_owners' offset.
fn insert_template(conn: &Connection, i: i64, sizes: i64) {
    let name = if i % 17 == 0 { format!("O'Brien \"quoted\" ünïcode {i}") } else { format!("Template {i}") };
    let description = if i % 5 == 0 { None } else { Some(format!("desc {i}")) };
    let user_id = if i % 4 == 0 { None } else { Some(i % 5 + 1) };
    let page_size = if i % 3 == 0 { None } else { Some(sizes + i % 8 + 1) };
    let orientation = if i % 2 == 0 { "portrait" } else { "landscape" };
    let handwriting_style = if i % 7 == 0 { None } else { Some(i % 12) };
    let collection = if i % 2 == 0 { None } else { Some(i % 5 % 4 + 1) };
    conn.execute(
        "INSERT INTO template_presets (
            name, description, user_id, page_size_preset_id, orientation,
            margin_top, margin_right, margin_bottom, margin_left, line_height,
            handwriting_style, legibility_bias, ink_color, is_public, is_system,
            created_at, updated_at,
            character_override_collection_id, background_style, text_alignment, stroke_width, paragraph_spacing)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
        params![
            name,
            description,
            user_id,
            page_size,
            orientation,
            i as f64 * 0.5,
            20.0 + (i % 7) as f64,
            0.125 * i as f64,
            5.0,
            8.0 + (i % 4) as f64 * 0.5,
            handwriting_style,
            (i % 100) as f64 / 100.0,
            format!("#{:06x}", i * 4099 % 0xff_ffff),
            i64::from(i % 3 == 1),
            i64::from(user_id.is_none()),
            format!("2024-{:02}-{:02} {:02}:{:02}:{:02}", i % 12 + 1, i % 28 + 1, i % 24, i % 60, i * 7 % 60),
            format!("2025-{:02}-{:02} {:02}:{:02}:{:02}", i % 12 + 1, i % 28 + 1, i % 24, i * 11 % 60, i % 60),
            collection,
            ["blank", "lined", "grid", "dotted"][i as usize % 4],
            ["left", "center", "right", "justify"][i as usize / 4 % 4],
            0.5 + (i % 5) as f64 * 0.25,
            (i % 6) as f64,
        ],
    )
    .unwrap();
}

/// 203 templates inserted, ids 50, 202 and 203 deleted: 200 rows, sqlite_sequence at 203.
fn load_templates(conn: &Connection, sizes: i64) {
    for i in 1..=203 {
        insert_template(conn, i, sizes);
    }
    conn.execute_batch("DELETE FROM template_presets WHERE id IN (50, 202, 203)").unwrap();
    assert_eq!(int(conn, "SELECT COUNT(*) FROM template_presets"), 200);
}

fn other_tables(conn: &Connection) -> Vec<Vec<Vec<Value>>> {
    TABLES.iter().filter(|t| **t != "template_presets").map(|t| dump(conn, t)).collect()
}

#[test]
fn down_7_from_008_keeps_every_template_row_and_value() {
    let db = Db::new();
    db.up_to(8);
    let conn = db.conn_fk();
    let sizes = load_owners(&conn);
    assert_eq!(sizes, 0);
    load_templates(&conn, sizes);
    // Sanity: the fill really covers NULLs, system and user templates, page sizes and collections.
    assert!(int(&conn, "SELECT COUNT(*) FROM template_presets WHERE user_id IS NULL AND is_system = 1") >= 40);
    assert!(int(&conn, "SELECT COUNT(*) FROM template_presets WHERE description IS NULL") >= 30);
    assert!(int(&conn, "SELECT COUNT(*) FROM template_presets WHERE handwriting_style IS NULL") >= 20);
    assert!(int(&conn, "SELECT COUNT(DISTINCT page_size_preset_id) FROM template_presets") == 8);
    assert!(int(&conn, "SELECT COUNT(DISTINCT character_override_collection_id) FROM template_presets") == 4);
    let before = base_rows(&conn);
    let others_before = other_tables(&conn);
    drop(conn);

    let out = db.down(7);
    assert!(out.contains("Reverted 1 migration in "), "{out}");
    assert_eq!(db.versions(), (1..=7).collect::<Vec<i64>>());

    let conn = db.conn_fk();
    assert_eq!(
        columns(&conn, "template_presets"),
        BASE_COLUMNS.to_vec(),
        "the 5 columns of 008 must be gone, the rest kept in order"
    );
    for column in ADVANCED_COLUMNS {
        assert!(!columns(&conn, "template_presets").iter().any(|c| c == column));
    }
    assert_eq!(dump(&conn, "template_presets"), before, "a template row or value changed");
    assert_eq!(other_tables(&conn), others_before, "another table changed");
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'template_presets_new'"), 0);
    assert_eq!(text(&conn, "PRAGMA integrity_check").as_deref(), Some("ok"));
    assert_eq!(rows(&conn, "PRAGMA foreign_key_check"), Vec::<Vec<Value>>::new());
    assert_eq!(
        foreign_keys(&conn, "template_presets"),
        vec![fk("page_size_presets", "page_size_preset_id", "id", "SET NULL"), fk("users", "user_id", "id", "CASCADE")]
    );
    // AUTOINCREMENT keeps its high-water mark: deleted ids are not reused.
    assert_eq!(int(&conn, "SELECT seq FROM sqlite_sequence WHERE name = 'template_presets'"), 203);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'template_presets_new'"), 0);

    // The foreign keys still act: deleting user 2 cascades to their templates,
    // deleting page size 3 sets template page_size_preset_id to NULL.
    let user_2 = int(&conn, "SELECT COUNT(*) FROM template_presets WHERE user_id = 2");
    let on_size_3 =
        int(&conn, "SELECT COUNT(*) FROM template_presets WHERE page_size_preset_id = 3 AND user_id IS NOT 2");
    assert!(user_2 > 0 && on_size_3 > 0);
    conn.execute_batch("DELETE FROM users WHERE id = 2; DELETE FROM page_size_presets WHERE id = 3;").unwrap();
    let expected: Vec<Vec<Value>> = before
        .iter()
        .filter(|row| row[3] != Value::Integer(2))
        .map(|row| {
            let mut row = row.clone();
            if row[4] == Value::Integer(3) {
                row[4] = Value::Null;
            }
            row
        })
        .collect();
    assert_eq!(expected.len() as i64, 200 - user_2);
    assert_eq!(dump(&conn, "template_presets"), expected);
    conn.execute("INSERT INTO template_presets (name, user_id) VALUES ('after', 1)", []).unwrap();
    assert_eq!(conn.last_insert_rowid(), 204, "a deleted template id was handed out again");
    drop(conn);

    // Up again: the five columns come back with their defaults, views work on the kept rows.
    db.up();
    let conn = db.conn_fk();
    assert_eq!(columns(&conn, "template_presets")[18..], ADVANCED_COLUMNS.map(String::from));
    let kept = expected.len() as i64 + 1;
    assert_eq!(int(&conn, "SELECT total_templates FROM system_statistics"), kept + 4);
    assert_eq!(
        int(&conn, "SELECT COUNT(*) FROM template_presets WHERE character_override_collection_id IS NULL AND background_style = 'blank' AND text_alignment = 'left' AND stroke_width = 1.0 AND paragraph_spacing = 0"),
        kept + 4 - 1, // the seeded 'Notebook' is lined
    );
    assert_eq!(
        rows(&conn, "SELECT user_id, template_count FROM user_summary_stats ORDER BY user_id"),
        rows(
            &conn,
            "SELECT u.id, (SELECT COUNT(*) FROM template_presets t WHERE t.user_id = u.id) FROM users u ORDER BY u.id"
        )
    );
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM data_integrity_checks"), 8);
}

#[test]
fn down_7_from_014_keeps_user_templates_and_removes_only_the_seeds() {
    let db = Db::new();
    db.up();
    let conn = db.conn_fk();
    let sizes = load_owners(&conn);
    assert_eq!(sizes, 4);
    // Ids 5.. (1–4 are 010's seeds); some point at the seeded A4 and Letter by name.
    for i in 1..=120 {
        insert_template(&conn, i, sizes);
    }
    conn.execute_batch(
        "UPDATE template_presets SET page_size_preset_id = (SELECT id FROM page_size_presets WHERE name = 'A4')
             WHERE id % 10 = 1 AND is_system = 0;
         UPDATE template_presets SET page_size_preset_id = (SELECT id FROM page_size_presets WHERE name = 'Letter')
             WHERE id % 10 = 2 AND is_system = 0;
         INSERT INTO template_presets (name, user_id, is_system, is_public) VALUES ('Holiday', NULL, 1, 1);
         INSERT INTO template_presets (name, user_id, page_size_preset_id) VALUES ('Default', 1, (SELECT id FROM page_size_presets WHERE name = 'A4'));",
    )
    .unwrap();
    let seeded_sizes: Vec<Value> =
        rows(&conn, "SELECT id FROM page_size_presets WHERE name IN ('A5', 'A4', 'Letter', 'Legal') AND is_system = 1")
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
    assert_eq!(seeded_sizes.len(), 4);
    let seeded_templates =
        int(&conn, "SELECT COUNT(*) FROM template_presets WHERE id <= 4 AND is_system = 1 AND user_id IS NULL");
    assert_eq!(seeded_templates, 4);
    let before = base_rows(&conn);
    let on_seeded = int(&conn, "SELECT COUNT(*) FROM template_presets WHERE id > 4 AND page_size_preset_id IN (SELECT id FROM page_size_presets WHERE is_system = 1 AND name IN ('A4', 'Letter'))");
    assert!(on_seeded >= 10, "only {on_seeded} templates on seeded sizes");
    drop(conn);

    db.down(7);
    assert_eq!(db.versions(), (1..=7).collect::<Vec<i64>>());
    let conn = db.conn_fk();
    // Every template but 010's four seeds is kept; those on a seeded page size now have none (SET NULL).
    let expected: Vec<Vec<Value>> = before
        .iter()
        .filter(|row| !matches!(&row[0], Value::Integer(id) if *id <= 4))
        .map(|row| {
            let mut row = row.clone();
            if seeded_sizes.contains(&row[4]) {
                row[4] = Value::Null;
            }
            row
        })
        .collect();
    assert_eq!(expected.len(), 122);
    assert_eq!(dump(&conn, "template_presets"), expected);
    assert_eq!(
        rows(&conn, "SELECT id FROM page_size_presets ORDER BY id"),
        (5..=12).map(|id| row![id]).collect::<Vec<_>>(),
        "only 009's four rows may go"
    );
    assert_eq!(text(&conn, "PRAGMA integrity_check").as_deref(), Some("ok"));
    assert_eq!(rows(&conn, "PRAGMA foreign_key_check"), Vec::<Vec<Value>>::new());
}

#[test]
fn down_008_refuses_when_a_foreign_key_is_broken_and_leaves_008_intact() {
    let db = Db::new();
    db.up_to(8);
    let conn = db.conn_fk();
    let sizes = load_owners(&conn);
    for i in 1..=30 {
        insert_template(&conn, i, sizes);
    }
    conn.execute_batch("INSERT INTO user_activities (user_id, activity_type) VALUES (1, 'login')").unwrap();
    drop(conn);
    // An orphan elsewhere, written by a connection without foreign keys.
    let conn = db.conn();
    conn.execute_batch("INSERT INTO user_activities (id, user_id, activity_type) VALUES (2, 999, 'login')").unwrap();
    let schema_before = schema_of(&conn);
    let data_before: Vec<_> = TABLES.iter().map(|t| dump(&conn, t)).collect();
    let history_before = rows(&conn, "SELECT * FROM migration_history ORDER BY version");
    let seq_before = rows(&conn, "SELECT * FROM sqlite_sequence ORDER BY name");
    drop(conn);

    let output = db.strata(&["down", "7"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "down 7 must fail with exit 1; stderr:\n{stderr}");
    assert!(
        stderr.contains(
            "Error: migration 008 (add_template_advanced_features) was rolled back: it leaves 1 row(s) breaking foreign keys, first: user_activities row 2 references a missing users row"
        ),
        "stderr:\n{stderr}"
    );

    assert_eq!(db.versions(), (1..=8).collect::<Vec<i64>>());
    let conn = db.conn();
    assert_eq!(schema_of(&conn), schema_before, "the schema changed although 008's downgrade was refused");
    assert_eq!(TABLES.iter().map(|t| dump(&conn, t)).collect::<Vec<_>>(), data_before);
    assert_eq!(rows(&conn, "SELECT * FROM migration_history ORDER BY version"), history_before);
    assert_eq!(rows(&conn, "SELECT * FROM sqlite_sequence ORDER BY name"), seq_before);
    assert_eq!(columns(&conn, "template_presets").len(), 23);

    // Once the orphan is gone, the same downgrade goes through.
    conn.execute_batch("DELETE FROM user_activities WHERE id = 2").unwrap();
    drop(conn);
    db.down(7);
    assert_eq!(db.versions(), (1..=7).collect::<Vec<i64>>());
    assert_eq!(db.conn().query_row("SELECT COUNT(*) FROM template_presets", [], |r| r.get::<_, i64>(0)).unwrap(), 30);
}

#[test]
fn reverting_009_and_010_removes_only_the_seeded_rows() {
    let db = Db::new();
    db.up();
    let conn = db.conn_fk();
    conn.execute_batch(
        "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', 'h');
         INSERT INTO page_size_presets (name, width, height, unit, is_system, user_id) VALUES ('A4 custom', 210, 297, 'mm', 0, 1);
         INSERT INTO template_presets (name, user_id, page_size_preset_id, is_public)
             VALUES ('Default', 1, (SELECT id FROM page_size_presets WHERE name = 'A4'), 1);
         INSERT INTO template_presets (name, user_id, page_size_preset_id)
             VALUES ('Notebook', 1, (SELECT id FROM page_size_presets WHERE name = 'A4 custom'));",
    )
    .unwrap();
    // 009 and 010's up scripts, run a second time by hand, add nothing.
    conn.execute_batch(&up_section("009")).unwrap();
    conn.execute_batch(&up_section("010")).unwrap();
    assert_eq!(
        rows(&conn, "SELECT name, width, height, unit, is_system, user_id FROM page_size_presets ORDER BY id"),
        vec![
            row!["A5", 148.0, 210.0, "mm", 1, NULL],
            row!["A4", 210.0, 297.0, "mm", 1, NULL],
            row!["Letter", 8.5, 11.0, "in", 1, NULL],
            row!["Legal", 8.5, 14.0, "in", 1, NULL],
            row!["A4 custom", 210.0, 297.0, "mm", 0, 1],
        ]
    );
    let a4 = int(&conn, "SELECT id FROM page_size_presets WHERE name = 'A4'");
    let a5 = int(&conn, "SELECT id FROM page_size_presets WHERE name = 'A5'");
    let letter = int(&conn, "SELECT id FROM page_size_presets WHERE name = 'Letter'");
    assert_eq!(
        rows(&conn, "SELECT name, user_id, page_size_preset_id, orientation, is_public, is_system FROM template_presets WHERE is_system = 1 ORDER BY name"),
        vec![
            row!["A4 Landscape", NULL, a4, "landscape", 1, 1],
            row!["Default", NULL, a4, "portrait", 1, 1],
            row!["Notebook", NULL, a5, "portrait", 1, 1],
            row!["US Letter", NULL, letter, "portrait", 1, 1],
        ]
    );
    let custom = int(&conn, "SELECT id FROM page_size_presets WHERE name = 'A4 custom'");
    drop(conn);

    db.down(9);
    let conn = db.conn();
    assert_eq!(
        rows(&conn, "SELECT name, user_id, page_size_preset_id, is_system FROM template_presets ORDER BY id"),
        vec![row!["Default", 1, a4, 0], row!["Notebook", 1, custom, 0]],
        "reverting 010 must remove its system templates and nothing else"
    );
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM page_size_presets"), 5);
    drop(conn);

    db.down(8);
    let conn = db.conn();
    assert_eq!(
        rows(&conn, "SELECT name, width, height, unit, is_system, user_id FROM page_size_presets ORDER BY id"),
        vec![row!["A4 custom", 210.0, 297.0, "mm", 0, 1]],
        "reverting 009 must remove its system page sizes and nothing else"
    );
    assert_eq!(
        rows(&conn, "SELECT name, user_id, page_size_preset_id FROM template_presets ORDER BY id"),
        vec![row!["Default", 1, NULL], row!["Notebook", 1, custom]]
    );
    drop(conn);

    // Up again: the seeds come back once each, next to the user's rows.
    db.up();
    let conn = db.conn();
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM page_size_presets"), 5);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM template_presets WHERE is_system = 1 AND user_id IS NULL"), 4);
    assert_eq!(int(&conn, "SELECT COUNT(*) FROM template_presets WHERE user_id = 1"), 2);
}
