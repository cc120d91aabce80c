//! PostgreSQL's errors as the CLI shows them: the server's message and
//! SQLSTATE, the file and line, and a hint chosen by the code.

mod common;
#[macro_use]
#[path = "common/postgres.rs"]
mod postgres;

use common::Project;

#[test]
fn a_statement_that_cannot_run_in_a_transaction_gets_the_transaction_false_hint() {
    let Some(db) = pg_test!() else { return };
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.migration("002_index.sql", "-- migrate:up\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n");
    let out = project.run(&["--database", db.url(), "up"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(
        common::normalize(&out.stderr),
        "Error: migration 002 (index) failed at migrations/versions/002_index.sql:2: CREATE INDEX CONCURRENTLY cannot \
         run inside a transaction block (SQLSTATE 25001)\n\
         Hint: this statement cannot run inside a transaction (VACUUM, CREATE INDEX CONCURRENTLY, or BEGIN/COMMIT \
         written in the script): Strata runs every section in one; remove the BEGIN/COMMIT, or mark the section \
         `transaction:false` (e.g. `-- migrate:up transaction:false`).\n"
    );
    project.migration("002_index.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n");
    let out = project.run(&["--database", db.url(), "up"]);
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn a_syntax_error_names_its_line_inside_a_section_sent_whole() {
    let Some(db) = pg_test!() else { return };
    let project = Project::new();
    project.migration(
        "001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id int);\n\nCREATE TABLE b (id int,\n  oops oops oops);\n",
    );
    let out = project.run(&["--database", db.url(), "up"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.starts_with(
            "Error: migration 001 (a) failed at migrations/versions/001_a.sql:5: syntax error at or near \"oops\" (SQLSTATE 42601)\n"
        ),
        "{out}"
    );
}
