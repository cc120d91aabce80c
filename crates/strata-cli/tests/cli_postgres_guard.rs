//! The history table guarded on PostgreSQL, as the CLI reports it: a step
//! that changed the table behind the checks stops with exit code 1, naming
//! what it did, and leaves nothing.

mod common;
#[macro_use]
#[path = "common/postgres.rs"]
mod postgres;

use common::Project;

#[test]
fn a_step_that_drops_the_history_table_is_named_and_exits_1_leaving_nothing() {
    let Some(db) = pg_test!() else { return };
    let project = Project::new();
    project.migration(
        "001_drop.sql",
        "-- migrate:up\nCREATE TABLE a (id INT);\nDO $$ BEGIN EXECUTE 'DROP TABLE migration_history'; END $$;\n",
    );
    let out = project.run(&["--database", db.url(), "up"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.starts_with(
            "Error: migration 001 (drop) changed the history table public.migration_history (the table is gone: \
             dropped or renamed); it was rolled back\n"
        ),
        "{out}"
    );
    let tables: Vec<String> = db
        .connect()
        .query("SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(tables, ["migration_history"]);
    let rows: i64 = db.connect().query_one("SELECT count(*) FROM migration_history", &[]).unwrap().get(0);
    assert_eq!(rows, 0);
}

#[test]
fn a_step_that_writes_the_history_table_through_a_function_exits_1() {
    let Some(db) = pg_test!() else { return };
    let project = Project::new();
    project.migration(
        "001_sneak.sql",
        "-- migrate:up\nCREATE FUNCTION sneak() RETURNS void LANGUAGE sql AS \
         'DELETE FROM migration_history';\n",
    );
    project.migration("002_b.sql", "-- migrate:up\nCREATE TABLE b (id INT);\n");
    project.migration("003_c.sql", "-- migrate:up transaction:false\nSELECT sneak();\n");
    let out = project.run(&["--database", db.url(), "up"]);
    assert_eq!(out.code, 1, "{out}");
    // The rows of 001, 002 and 003's own `applying` row.
    assert!(
        out.stderr.starts_with(
            "Error: migration 003 (c) changed the history table public.migration_history (3 rows deleted); it ran \
             outside a transaction, so this cannot be rolled back\n"
        ),
        "{out}"
    );
}
