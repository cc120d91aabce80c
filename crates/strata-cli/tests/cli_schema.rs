//! `--schema` / `schema` in strata.toml: where the history table lives and
//! where `reset` works, on PostgreSQL; an error on SQLite.

mod common;
#[macro_use]
#[path = "common/postgres.rs"]
mod postgres;

use common::Project;

#[test]
fn sqlite_has_no_schemas() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.run(&["--schema", "ops", "up"]).assert_error(
        2,
        "Error: SQLite databases have no schemas, so the schema `ops` cannot be used; --schema (or `schema` in \
         strata.toml) is for PostgreSQL\n",
    );
    assert!(!project.exists("app.db"), "nothing was created");
}

fn tables(db: &postgres::PgTest, schema: &str) -> Vec<String> {
    let rows = db
        .connect()
        .query("SELECT tablename::text FROM pg_tables WHERE schemaname = $1 ORDER BY 1", &[&schema])
        .unwrap();
    rows.iter().map(|row| row.get(0)).collect()
}

#[test]
fn the_history_table_lives_in_the_schema_and_reset_works_only_there() {
    let Some(db) = pg_test!() else { return };
    db.connect().batch_execute("CREATE SCHEMA ops; CREATE TABLE public.keep (id int);").unwrap();
    let project = Project::new();
    project.migration("001_a.sql", "-- migrate:up\nCREATE TABLE ops.a (id int);\n-- migrate:down\nDROP TABLE ops.a;\n");
    project.write("strata.toml", &format!("database = \"{}\"\nschema = \"ops\"\n", db.url()));
    project.ok(&["up"]);
    assert_eq!(tables(&db, "ops"), ["a", "migration_history"]);
    assert_eq!(tables(&db, "public"), ["keep"]);
    let status = project.ok(&["status"]);
    assert!(status.stdout.contains("001      a     applied"), "{status}");
    // The flag wins over the file: public has no history table.
    let public = project.run(&["--schema", "public", "status"]);
    assert!(public.stderr.contains("has no public.migration_history table yet"), "{public}");
    let reset = project.ok(&["reset", "--yes"]);
    assert_eq!(reset.stdout, format!("Reset {}: dropped 1 table; ops.migration_history is empty.\n", db.url()));
    assert_eq!(tables(&db, "ops"), ["migration_history"]);
    assert_eq!(tables(&db, "public"), ["keep"], "another schema is never touched");
}

#[test]
fn a_schema_that_does_not_exist_is_named() {
    let Some(db) = pg_test!() else { return };
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    let out = project.run(&["--database", db.url(), "--schema", "nowhere", "up"]);
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "Error: the schema `nowhere` does not exist in {}; create it (CREATE SCHEMA nowhere) or name another with --schema\n",
            db.url()
        )
    );
}
