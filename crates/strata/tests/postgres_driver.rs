//! The PostgreSQL driver against the server `STRATA_TEST_POSTGRES_URL`
//! names, where it differs from SQLite beyond what the scenario suite
//! covers: counting writes to the history table (the engine's guard) from
//! the server's statistics, and `reset` with objects of different kinds
//! depending on each other.

#[macro_use]
#[path = "../../strata-cli/tests/common/postgres.rs"]
mod postgres;

use std::path::PathBuf;

use strata::driver::Writes;
use strata::{DatabaseUrl, Driver, Migrator};

fn migrations(files: &[(&str, &str)]) -> Migrator {
    let files = files.iter().map(|(name, text)| (PathBuf::from(name), text.to_string()));
    Migrator::new(strata::source::load_files(files).unwrap()).unwrap()
}

fn open(db: &postgres::PgTest) -> Box<dyn Driver> {
    strata::open(&DatabaseUrl::parse(db.url()).unwrap()).unwrap()
}

fn up(migrator: &Migrator, db: &postgres::PgTest) -> Result<usize, String> {
    migrator.up(open(db).as_mut(), &strata::Up::default(), &mut ()).map(|s| s.count).map_err(|e| e.to_string())
}

fn versions(db: &postgres::PgTest) -> Vec<(i64, String)> {
    let rows = db.connect().query("SELECT version, state FROM migration_history ORDER BY version", &[]).unwrap();
    rows.iter().map(|row| (row.get(0), row.get(1))).collect()
}

fn tables(db: &postgres::PgTest) -> Vec<String> {
    let sql = "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace \
               AND relkind IN ('r', 'v', 'm') ORDER BY 1";
    db.connect().query(sql, &[]).unwrap().iter().map(|row| row.get(0)).collect()
}

/// A function that writes the history table: the checks cannot see it.
const SNEAK: (&str, &str) = (
    "001_sneak.sql",
    "-- migrate:up\nCREATE FUNCTION sneak() RETURNS void LANGUAGE sql AS \
     'INSERT INTO migration_history (version, name, applied_at, execution_ms, checksum, up_sql) \
     VALUES (99, ''x'', '''', 0, '''', '''')';\n\
     CREATE FUNCTION wipe() RETURNS void LANGUAGE sql AS 'TRUNCATE migration_history';\n",
);

#[test]
fn a_step_writing_the_history_table_through_a_function_is_caught() {
    for (options, outcome) in [
        ("", "it was rolled back"),
        (" transaction:false", "it ran outside a transaction, so this cannot be rolled back"),
    ] {
        let Some(db) = pg_test!() else { return };
        let step = format!("-- migrate:up{options}\nCREATE TABLE t (id INT);\nSELECT sneak();\n");
        let error = up(&migrations(&[SNEAK, ("002_step.sql", &step)]), &db).unwrap_err();
        assert_eq!(
            error,
            format!(
                "migration 002 (step) changed the history table public.migration_history (1 row inserted); {outcome}"
            )
        );
        if options.is_empty() {
            assert_eq!(versions(&db), [(1, "applied".to_owned())], "the step and the sneaked row are rolled back");
            assert_eq!(tables(&db), ["migration_history"]);
        }
    }
}

#[test]
fn a_step_truncating_the_history_table_is_caught() {
    let Some(db) = pg_test!() else { return };
    let step = ("002_wipe.sql", "-- migrate:up\nCREATE TABLE t (id INT);\nSELECT wipe();\n");
    let error = up(&migrations(&[SNEAK, step]), &db).unwrap_err();
    assert_eq!(
        error,
        "migration 002 (wipe) changed the history table public.migration_history \
         (the table was dropped and created again); it was rolled back"
    );
    assert_eq!(versions(&db), [(1, "applied".to_owned())]);
    assert_eq!(tables(&db), ["migration_history"]);
}

#[test]
fn a_vacuum_full_rewriting_the_history_table_is_not_a_change() {
    let Some(db) = pg_test!() else { return };
    let vacuum = ("002_vacuum.sql", "-- migrate:up transaction:false\nVACUUM FULL;\n");
    let after = ("003_after.sql", "-- migrate:up\nCREATE TABLE t (id INT);\n");
    assert_eq!(up(&migrations(&[SNEAK, vacuum, after]), &db), Ok(3));
}

#[test]
fn history_writes_count_this_sessions_writes_inside_and_between_transactions() {
    let Some(scratch) = pg_test!() else { return };
    let mut db = open(&scratch);
    db.ensure_history().unwrap();
    db.execute("INSERT INTO migration_history (version, name, applied_at, execution_ms, checksum, up_sql) VALUES (1, 'a', '', 0, '', '')").unwrap();
    db.watch_history().unwrap();
    let insert = "INSERT INTO migration_history (version, name, applied_at, execution_ms, checksum, up_sql) \
                  VALUES (7, 'x', '', 0, '', '')";
    db.begin().unwrap();
    db.execute(insert).unwrap();
    db.execute("UPDATE migration_history SET name = 'y' WHERE version = 7").unwrap();
    let counted = db.history_writes().unwrap();
    assert_eq!(counted, Some(Writes { inserted: 1, updated: 1, deleted: 0 }), "inside the transaction");
    db.commit().unwrap();
    // Each statement a transaction of its own: the session flushes its counts between them.
    for _ in 0..3 {
        db.execute("DELETE FROM migration_history WHERE version = 7").unwrap();
        db.execute(insert).unwrap();
    }
    assert_eq!(db.history_writes().unwrap(), Some(Writes { inserted: 4, updated: 1, deleted: 3 }));
}

#[test]
fn history_writes_are_unknown_when_the_server_does_not_count() {
    let Some(scratch) = pg_test!() else { return };
    let mut db = open(&scratch);
    db.ensure_history().unwrap();
    db.execute("SET track_counts = off").unwrap();
    db.watch_history().unwrap();
    assert_eq!(db.history_writes().unwrap(), None);
    db.execute("SET track_counts = on").unwrap();
    db.watch_history().unwrap();
    assert_eq!(db.history_writes().unwrap(), Some(Writes::default()));
}

#[test]
fn reset_drops_kinds_that_depend_on_each_other_in_rounds() {
    let Some(db) = pg_test!() else { return };
    // A view on a materialized view on a view; a function taking a table's
    // row type (dropped after tables); a domain checked by a function
    // (dropped after functions).
    let objects = (
        "001_objects.sql",
        "-- migrate:up\nCREATE TABLE t (id INT);\nCREATE VIEW v AS SELECT id FROM t;\n\
         CREATE MATERIALIZED VIEW mv AS SELECT id FROM v;\nCREATE VIEW vv AS SELECT id FROM mv;\n\
         CREATE FUNCTION of_row(t) RETURNS INT LANGUAGE sql AS 'SELECT 1';\n\
         CREATE FUNCTION positive(INT) RETURNS BOOL LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0';\n\
         CREATE DOMAIN amount AS INT CHECK (positive(VALUE));\n",
    );
    let migrator = migrations(&[objects]);
    assert_eq!(up(&migrator, &db), Ok(1));
    let dropped = migrator.reset(open(&db).as_mut(), &mut ()).unwrap();
    assert_eq!(dropped.0, [("materialized view", 1), ("view", 2), ("table", 1), ("function", 2), ("domain", 1)]);
    assert_eq!(tables(&db), ["migration_history"]);
    assert_eq!(versions(&db), []);
}

#[test]
fn reset_blocked_by_another_schema_names_the_blocker_and_drops_nothing() {
    let Some(db) = pg_test!() else { return };
    let objects = (
        "001_objects.sql",
        "-- migrate:up\nCREATE TABLE t (id INT);\nCREATE VIEW v AS SELECT id FROM t;\n\
         CREATE MATERIALIZED VIEW mv AS SELECT id FROM v;\nCREATE VIEW vv AS SELECT id FROM mv;\n",
    );
    let migrator = migrations(&[objects]);
    assert_eq!(up(&migrator, &db), Ok(1));
    db.connect().batch_execute("CREATE SCHEMA other; CREATE VIEW other.o AS SELECT id FROM t").unwrap();
    let error = migrator.reset(open(&db).as_mut(), &mut ()).unwrap_err().to_string();
    assert_eq!(
        error,
        "database error: cannot reset the schema public: cannot drop table t because other objects depend on it \
         (view other.o depends on table t) (SQLSTATE 2BP01); nothing was dropped. reset never drops another \
         schema's objects and never uses CASCADE: drop or change what depends on this schema's objects first"
    );
    assert_eq!(tables(&db), ["migration_history", "mv", "t", "v", "vv"], "one transaction: nothing dropped");
    assert_eq!(versions(&db), [(1, "applied".to_owned())]);
}

#[test]
fn adopt_failing_midway_leaves_the_old_table_as_it_was() {
    let Some(db) = pg_test!() else { return };
    // The second version does not fit the history table's BIGINT: the insert fails after the rename.
    db.connect()
        .batch_execute(
            "CREATE TABLE migration_history (id SERIAL PRIMARY KEY, version TEXT, name TEXT, applied_at TEXT);
             INSERT INTO migration_history (version, name, applied_at)
             VALUES ('1', 'a', '2024-01-01 00:00:00'), ('9223372036854775808', 'b', '2024-01-01 00:00:00');",
        )
        .unwrap();
    let error = migrations(&[]).adopt(open(&db).as_mut(), &mut ()).unwrap_err().to_string();
    assert_eq!(error, "database error: 9223372036854775808 is too large for the history table");
    assert_eq!(tables(&db), ["migration_history"], "the rename and the new table were rolled back");
    let rows: i64 = db.connect().query_one("SELECT count(*) FROM migration_history WHERE id > 0", &[]).unwrap().get(0);
    assert_eq!(rows, 2);
}
