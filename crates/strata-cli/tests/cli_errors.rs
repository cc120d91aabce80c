//! Every error: its exact message, its exit code, and that it changed nothing
//! it should not have.

mod common;

use common::{applied_one_pending_one, assert_bad_files, count, has_table, Project, Run, DIR, FILE_HINT};

// ---------------------------------------------------------------- migration files

#[test]
fn up_rejects_unknown_marker_option_naming_file_and_line() {
    let project = applied_one_pending_one();
    project.migration(
        "003_b.sql",
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down transaction:maybe\nDROP TABLE b;\n",
    );
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:3: unknown option `transaction:maybe` on the marker line; known options are transaction:false and foreign_keys:off",
    );
}

#[test]
fn up_rejects_foreign_keys_off_without_a_transaction() {
    let project = applied_one_pending_one();
    project.migration("003_b.sql", "-- migrate:up transaction:false foreign_keys:off\nCREATE TABLE b (id INTEGER);\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:1: foreign_keys:off needs a transaction (foreign keys are checked before commit); remove transaction:false",
    );
}

#[test]
fn up_rejects_sql_file_whose_name_is_not_version_and_snake_case_description() {
    let project = applied_one_pending_one();
    project.migration("003_Add-B.sql", "-- migrate:up\nCREATE TABLE b (id INTEGER);\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_Add-B.sql: the name must be {version}_{description}.sql, e.g. 001_create_users.sql, with a snake_case description (`Add-B` is not snake_case: use lowercase letters (of any script), digits and single `_`)",
    );
}

#[test]
fn up_rejects_sql_file_without_a_version() {
    let project = applied_one_pending_one();
    project.migration("add_b.sql", "-- migrate:up\nCREATE TABLE b (id INTEGER);\n");
    assert_bad_files(
        &project,
        "migrations/versions/add_b.sql: the name must be {version}_{description}.sql, e.g. 001_create_users.sql, with a snake_case description (no version number and `_` at the start)",
    );
}

#[test]
fn up_rejects_version_zero() {
    let project = applied_one_pending_one();
    project.migration("000_b.sql", "-- migrate:up\nCREATE TABLE b (id INTEGER);\n");
    assert_bad_files(
        &project,
        "migrations/versions/000_b.sql: version 0 is reserved for `down 0` (the empty database); start at 1",
    );
}

#[test]
fn up_rejects_two_files_with_one_version() {
    let project = applied_one_pending_one();
    project.migration("003_b.sql", "-- migrate:up\nCREATE TABLE b (id INTEGER);\n");
    project.migration("03_other.sql", "-- migrate:up\nCREATE TABLE other (id INTEGER);\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql and migrations/versions/03_other.sql both have version 3; every migration needs its own version",
    );
}

#[test]
fn up_rejects_a_single_file_beside_a_pair_with_the_same_version() {
    let project = applied_one_pending_one();
    project.migration("003_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    project.migration("003_b.sql", "-- migrate:up\nCREATE TABLE b (id INTEGER);\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql and migrations/versions/003_b.up.sql both have version 3; every migration needs its own version",
    );
}

#[test]
fn up_rejects_a_file_without_an_up_section() {
    let project = applied_one_pending_one();
    project.migration("003_b.sql", "-- only a comment\n-- migrate:down\nDROP TABLE b;\n");
    assert_bad_files(&project, "migrations/versions/003_b.sql: no `-- migrate:up` section; a migration file needs one");
}

#[test]
fn up_rejects_a_down_file_without_its_up_file() {
    let project = applied_one_pending_one();
    project.migration("003_b.down.sql", "DROP TABLE b;\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.down.sql: no 003_b.up.sql beside this down script; a migration needs an up script",
    );
}

#[test]
fn up_rejects_a_marker_given_twice() {
    let project = applied_one_pending_one();
    project.migration(
        "003_b.sql",
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n-- migrate:down\nSELECT 1;\n",
    );
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:5: second `-- migrate:down` marker; a file has one section per direction",
    );
}

#[test]
fn up_rejects_a_misspelt_marker() {
    let project = applied_one_pending_one();
    project.migration("003_b.sql", "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:dwon\nDROP TABLE b;\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:3: unknown marker `-- migrate:dwon`; did you mean `-- migrate:down`?",
    );
}

#[test]
fn up_rejects_sql_before_the_first_marker() {
    let project = applied_one_pending_one();
    project.migration("003_b.sql", "-- a comment is fine\n\nCREATE TABLE b (id INTEGER);\n-- migrate:up\nSELECT 1;\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:3: SQL before the first `-- migrate:up` marker; put it inside a section",
    );
}

#[test]
fn up_rejects_the_wrong_marker_in_a_pair_file() {
    let project = applied_one_pending_one();
    project.migration("003_b.up.sql", "CREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n");
    project.migration("003_b.down.sql", "DROP TABLE b;\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.up.sql:2: `-- migrate:down` does not belong in this file: it holds only the migrate:up script",
    );
}

#[test]
fn up_rejects_a_migration_file_that_is_not_utf8() {
    let project = applied_one_pending_one();
    project.write_bytes(&format!("{DIR}/003_b.sql"), b"-- migrate:up\nINSERT INTO a VALUES (1); -- caf\xe9\n");
    assert_bad_files(&project, "migrations/versions/003_b.sql: not UTF-8 text; save the file as UTF-8");
}

#[test]
fn bad_migration_file_stops_up_on_a_fresh_database_before_it_exists() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.migration("002_b.sql", "-- migrate:up foo:bar\nSELECT 1;\n");
    project.run(&["up"]).assert_error(
        2,
        &format!(
            "Error: migrations/versions/002_b.sql:1: unknown option `foo:bar` on the marker line; known options are transaction:false and foreign_keys:off\n{FILE_HINT}"
        ),
    );
    assert!(!project.exists(common::DB), "the database is not even created");
}

// ---------------------------------------------------------------- failing migrations

#[test]
fn failing_statement_names_migration_file_line_and_sqlite_message() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.migration(
        "002_bad.sql",
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n\n-- a comment\nINSERT INTO b VALUES (1); INSERT INTO nosuch\n  VALUES (1);\n-- migrate:down\nDROP TABLE b;\n",
    );
    project.table_migration("003_c.sql", "c");
    project.run(&["up"]).assert(
        1,
        "Applying 001 a ... ok (<DUR>)\nApplying 002 bad ... failed\n",
        "Error: migration 002 (bad) failed at migrations/versions/002_bad.sql:5: no such table: nosuch\n\
         Hint: migration 002 was rolled back and left no trace; the migrations before it stay applied. Fix it and run `strata up` again.\n",
    );
    assert_eq!(project.versions(), [1], "the earlier migration stays applied; the failed one has no history row");
    assert_eq!(project.schema(), ["table a"], "the failed migration's table was rolled back");
}

#[test]
fn failing_statement_after_a_trigger_body_has_the_right_line() {
    let project = Project::new();
    project.migration(
        "001_trigger.sql",
        "-- migrate:up\n\
         CREATE TABLE t (v TEXT);\n\
         CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN\n\
         \x20 INSERT INTO t VALUES ('a;');\n\
         \x20 SELECT 'b;';\n\
         END;\n\
         SELEC 'typo';\n",
    );
    project.run(&["up"]).assert(
        1,
        "Applying 001 trigger ... failed\n",
        "Error: migration 001 (trigger) failed at migrations/versions/001_trigger.sql:7: near \"SELEC\": syntax error\n\
         Hint: migration 001 was rolled back and left no trace; the migrations before it stay applied. Fix it and run `strata up` again.\n",
    );
    assert!(project.history().is_empty());
    assert!(project.schema().is_empty());
}

#[test]
fn failing_statement_in_a_pair_up_file_counts_lines_from_the_top() {
    let project = Project::new();
    project.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n\nINSERT INTO a VALUES ('x', 'too many');\n");
    project.migration("001_a.down.sql", "DROP TABLE a;\n");
    project.run(&["up"]).assert(
        1,
        "Applying 001 a ... failed\n",
        "Error: migration 001 (a) failed at migrations/versions/001_a.up.sql:3: table a has 1 columns but 2 values were supplied\n\
         Hint: migration 001 was rolled back and left no trace; the migrations before it stay applied. Fix it and run `strata up` again.\n",
    );
    assert!(project.history().is_empty());
    assert!(project.schema().is_empty());
}

#[test]
fn a_fixed_migration_applies_after_a_failure() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.up_down("002_b.sql", "CREATE TABLE b (id INTEGER);\nINSERT INTO nosuch VALUES (1);", Some("DROP TABLE b;"));
    assert_eq!(project.run(&["up"]).code, 1);
    project.up_down("002_b.sql", "CREATE TABLE b (id INTEGER);\nINSERT INTO b VALUES (1);", Some("DROP TABLE b;"));
    project.run(&["up"]).assert(
        0,
        "Applying 002 b ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 002 (b).\n",
        "",
    );
    assert_eq!(project.versions(), [1, 2]);
}

#[test]
fn foreign_keys_off_step_leaving_violations_is_rolled_back() {
    let project = Project::new();
    project.up_down(
        "001_parents_children.sql",
        "CREATE TABLE parents (id INTEGER PRIMARY KEY);\n\
         CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents(id));\n\
         INSERT INTO parents VALUES (1);\n\
         INSERT INTO children VALUES (10, 1);",
        Some("DROP TABLE children;\nDROP TABLE parents;"),
    );
    project.migration(
        "002_orphan.sql",
        "-- migrate:up foreign_keys:off\nCREATE TABLE t2 (id INTEGER);\nINSERT INTO children VALUES (11, 99);\nDELETE FROM parents;\n-- migrate:down\nDROP TABLE t2;\n",
    );
    project.run(&["up"]).assert(
        1,
        "Applying 001 parents_children ... ok (<DUR>)\nApplying 002 orphan ... failed\n",
        "Error: migration 002 (orphan) was rolled back: it leaves 2 row(s) breaking foreign keys, first: children row 10 references a missing parents row; children row 11 references a missing parents row\n\
         Hint: every foreign key must hold when a foreign_keys:off step commits, including rows that were broken before it; `PRAGMA foreign_key_check` lists them. Fix those rows (or the migration), then run it again.\n",
    );
    assert_eq!(project.versions(), [1]);
    let db = project.db();
    assert!(!has_table(&db, "t2"));
    assert_eq!(count(&db, "SELECT count(*) FROM children"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM parents"), 1);
}

#[test]
fn failing_down_leaves_the_migration_applied_and_names_the_down_section_line() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.migration(
        "002_b.sql",
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\nDROP TABLE nosuch;\n",
    );
    project.table_migration("003_c.sql", "c");
    project.ok(&["up"]);
    let run = project.run(&["down", "0", "--yes"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(common::normalize(&run.stdout), "Reverting 003 c ... ok (<DUR>)\nReverting 002 b ... failed\n", "{run}");
    assert!(
        run.stderr.starts_with(
            "Error: reverting migration 002 (b) failed at migrations/versions/002_b.sql:5: no such table: nosuch\n"
        ),
        "{run}"
    );
    assert_eq!(project.versions(), [1, 2], "003 stays reverted, 002 stays applied");
    assert_eq!(project.schema(), ["table a", "table b"], "002's revert was rolled back");
}

#[test]
fn failing_down_hint_does_not_tell_to_run_up() {
    // The hint after a failed revert must be about reverting: "the migrations
    // before it stay applied ... run `strata up` again" is the hint for a failed
    // apply and sends the user the wrong way.
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project
        .migration("002_b.sql", "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE nosuch;\n");
    project.ok(&["up"]);
    let run = project.run(&["down", "0", "--yes"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(!run.stderr.contains("strata up"), "a failed revert's hint points at `strata up`:\n{run}");
    assert!(run.stderr.contains("strata down"), "a failed revert's hint should point at `strata down`:\n{run}");
}

#[test]
fn failing_stored_down_script_names_the_history_row() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.migration(
        "002_b.sql",
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nSELECT 1;\nDROP TABLE nosuch;\n",
    );
    project.ok(&["up"]);
    project.remove(&format!("{DIR}/002_b.sql"));
    let run = project.run(&["down", "0", "--yes"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.stdout, "Reverting 002 b ... failed\n");
    assert!(
        run.stderr.starts_with(
            "Error: reverting migration 002 (b) failed at migration_history[2].down_sql:2: no such table: nosuch\n"
        ),
        "{run}"
    );
    assert_eq!(project.versions(), [1, 2]);
}

#[test]
fn failing_transaction_false_migration_is_marked_interrupted_and_blocks_up_and_down() {
    let project = Project::new();
    project.migration(
        "001_a.sql",
        "-- migrate:up transaction:false\nCREATE TABLE a (id INTEGER);\nINSERT INTO nosuch VALUES (1);\n-- migrate:down\nDROP TABLE a;\n",
    );
    project.table_migration("002_b.sql", "b");
    project.run(&["up"]).assert(
        1,
        "Applying 001 a ... failed\n",
        "Error: migration 001 (a) failed at migrations/versions/001_a.sql:3: no such table: nosuch; before it, \
         1 statement ran and stays done (line 2)\n\
         Hint: migration 001 ran outside a transaction (transaction:false, or DDL that this database commits at once), \
         so the statements before the failing one stay done and history marks it interrupted (`strata status` shows \
         where it stopped). Finish or undo it by hand, then run `strata repair 001 --applied` (finished) or \
         `strata repair 001 --reverted` (undone).\n",
    );
    assert_eq!(project.schema(), ["table a"], "the statement before the failing one stays applied");
    let state: String =
        project.db().query_row("SELECT state FROM migration_history WHERE version = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "applying");
    let status = project.run(&["status"]);
    assert!(
        status.stdout.contains(
            "\n         stopped at migrations/versions/001_a.sql:3: no such table: nosuch; before it, 1 statement ran \
             and stays done (line 2)\n"
        ),
        "status shows where the interrupted step stopped:\n{status}"
    );

    let refused = "Error: history and migration files disagree; nothing was changed:\n\
                   \x20 001 a: started outside a transaction and never finished: the database may hold part of it\n\
                   Hint: Finish or undo interrupted migration 001 by hand, then run `strata repair 001 --applied` \
                   (its changes are in the database) or `strata repair 001 --reverted` (they are not).\n";
    project.run(&["up"]).assert_error(3, refused);
    project.run(&["down", "0", "--yes"]).assert_error(3, refused);
    let status = project.ok(&["status"]);
    assert!(common::normalize(&status.stdout).contains("001      a     interrupted  <TIME>\n"), "{status}");

    // Finishing by hand and saying so, as the hint says, unblocks it.
    project.db().execute("INSERT INTO a VALUES (1)", []).unwrap();
    project.ok(&["repair", "1", "--applied"]);
    project.run(&["up"]).assert(
        0,
        "Applying 002 b ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 002 (b).\n",
        "",
    );
}

// ---------------------------------------------------------------- refusals (exit 3)

/// 001 a, 002 b, 003 c applied.
fn three_applied() -> Project {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.table_migration("003_c.sql", "c");
    project.ok(&["up"]);
    project
}

const MODIFIED_HINT: &str =
    "Restore a modified file to what was applied (history keeps it in up_sql), and put new changes in a new migration (`strata create`)";

#[test]
fn up_refuses_modified_applied_migration() {
    let project = three_applied();
    project.up_down("002_b.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY, extra TEXT);", Some("DROP TABLE b;"));
    project.table_migration("004_d.sql", "d");
    let refused = format!(
        "Error: history and migration files disagree; nothing was changed:\n\
         \x20 002 b: applied, but its file has changed since (checksum differs)\n\
         Hint: {MODIFIED_HINT}.\n"
    );
    project.run(&["up"]).assert_error(3, &refused);
    project.run(&["up", "--allow-out-of-order"]).assert_error(3, &refused);
    project.run(&["up", "4"]).assert_error(3, &refused);
    assert_eq!(project.versions(), [1, 2, 3]);
    assert!(!has_table(&project.db(), "d"));
}

#[test]
fn up_refuses_when_an_applied_migration_file_is_missing() {
    let project = three_applied();
    project.remove(&format!("{DIR}/002_b.sql"));
    project.table_migration("004_d.sql", "d");
    project.run(&["up"]).assert_error(
        3,
        "Error: history and migration files disagree; nothing was changed:\n\
         \x20 002 b: applied, but its file is gone\n\
         Hint: Restore a missing file, or revert it with `strata down` (history keeps its down script).\n",
    );
    assert_eq!(project.versions(), [1, 2, 3]);
    assert!(!has_table(&project.db(), "d"));
}

#[test]
fn up_refuses_pending_migration_older_than_the_newest_applied() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("003_c.sql", "c");
    project.ok(&["up"]);
    project.table_migration("002_b.sql", "b");
    project.table_migration("004_d.sql", "d");
    project.run(&["up"]).assert_error(
        3,
        "Error: history and migration files disagree; nothing was changed:\n\
         \x20 002 b: pending, but older than the newest applied migration (out of order)\n\
         Hint: Apply out-of-order migrations anyway with `strata up --allow-out-of-order`.\n",
    );
    assert_eq!(project.versions(), [1, 3], "not even the in-order 004 is applied");
    project.run(&["up", "--allow-out-of-order"]).assert(
        0,
        "Applying 002 b ... ok (<DUR>)\n\
         Applying 004 d ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 004 (d).\n",
        "",
    );
    assert_eq!(project.versions(), [1, 2, 3, 4]);
}

#[test]
fn up_refusal_lists_every_problem_with_every_hint() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.table_migration("004_d.sql", "d");
    project.ok(&["up"]);
    project.up_down("001_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY, extra TEXT);", Some("DROP TABLE a;"));
    project.remove(&format!("{DIR}/002_b.sql"));
    project.table_migration("003_c.sql", "c");
    project.run(&["up"]).assert_error(
        3,
        &format!(
            "Error: history and migration files disagree; nothing was changed:\n\
             \x20 001 a: applied, but its file has changed since (checksum differs)\n\
             \x20 002 b: applied, but its file is gone\n\
             \x20 003 c: pending, but older than the newest applied migration (out of order)\n\
             Hint: {MODIFIED_HINT}; restore a missing file, or revert it with `strata down` (history keeps its down script); \
             apply out-of-order migrations anyway with `strata up --allow-out-of-order`.\n"
        ),
    );
    assert_eq!(project.versions(), [1, 2, 4]);
}

// ---------------------------------------------------------------- versions on the command line

#[test]
fn up_rejects_unknown_version() {
    let project = three_applied();
    project.table_migration("004_d.sql", "d");
    project.run(&["up", "7"]).assert_error(
        2,
        "Error: unknown version 7: known versions run from 001 to 004\nHint: `strata status` lists every known version.\n",
    );
    assert_eq!(project.versions(), [1, 2, 3]);
}

#[test]
fn down_rejects_unknown_version() {
    let project = three_applied();
    project.run(&["down", "9"]).assert_error(
        2,
        "Error: unknown version 9: known versions run from 001 to 003\nHint: `strata status` lists every known version.\n",
    );
    assert_eq!(project.versions(), [1, 2, 3]);
}

#[test]
fn down_rejects_any_version_but_zero_when_nothing_is_known() {
    let project = Project::new();
    project.run(&["down", "1"]).assert_error(
        2,
        "Error: unknown version 1: no migrations are known\nHint: `strata status` lists every known version.\n",
    );
    project.run(&["down", "0", "--yes"]).assert(0, "Nothing to revert: no migration is applied.\n", "");
}

#[test]
fn down_accepts_a_version_known_only_from_history() {
    let project = three_applied();
    project.remove(&format!("{DIR}/002_b.sql"));
    project.remove(&format!("{DIR}/003_c.sql"));
    project.run(&["down", "2"]).assert(
        0,
        "Reverting 003 c ... ok (<DUR>)\nReverted 1 migration in <DUR>; the database is at version 002 (b).\n",
        "",
    );
}

#[test]
fn down_refuses_to_cross_a_migration_without_down_section_before_reverting_anything() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.up_down("002_b.sql", "CREATE TABLE b (id INTEGER);", None);
    project.table_migration("003_c.sql", "c");
    project.ok(&["up"]);
    let irreversible = "Error: 1 migration on the way down has no down script, so nothing was reverted:\n  002 b: has no `-- migrate:down` section\n\
                        Hint: write the statements that undo it in its `-- migrate:down` section (`SELECT 1;` for a step that deliberately does nothing), or go down no further than 002 (`strata down 002`).\n";
    project.run(&["down", "0", "--yes"]).assert_error(2, irreversible);
    project.run(&["down", "1"]).assert_error(2, irreversible);
    assert_eq!(project.versions(), [1, 2, 3], "003 is not reverted either");
    assert_eq!(project.schema(), ["table a", "table b", "table c"]);
    // Going down to it is fine.
    project.ok(&["down", "2"]);
    assert_eq!(project.versions(), [1, 2]);
}

#[test]
fn down_refuses_a_deleted_migration_that_had_no_down_section() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.up_down("002_b.sql", "CREATE TABLE b (id INTEGER);", None);
    project.ok(&["up"]);
    project.remove(&format!("{DIR}/002_b.sql"));
    project.run(&["down", "0", "--yes"]).assert_error(
        2,
        "Error: 1 migration on the way down has no down script, so nothing was reverted:\n  002 b: its file is gone, and history holds no down script for it\n\
         Hint: write the statements that undo it in its `-- migrate:down` section (`SELECT 1;` for a step that deliberately does nothing), or go down no further than 002 (`strata down 002`).\n",
    );
    assert_eq!(project.versions(), [1, 2]);
}

#[test]
fn malformed_version_arguments_are_usage_errors() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    for args in [&["up", "abc"][..], &["down", "-1"], &["down", "x"], &["frobnicate"], &[], &["up", "--bogus"]] {
        let run = project.run(args);
        assert_eq!(run.code, 2, "strata {args:?}:\n{run}");
        assert!(!run.stdout.contains("Applying"), "{run}");
        assert!(
            run.stderr.contains("Usage:") || run.stderr.contains("--help") || run.stdout.contains("Usage:"),
            "{run}"
        );
    }
    assert!(!project.exists(common::DB), "no usage error opens the database");
}

// ---------------------------------------------------------------- settings

const NO_DATABASE: &str = "Error: no database given\n\
    Hint: pass --database URL, set DATABASE_URL (or write it in .env), or write `database = \"sqlite:path/to.db\"` in strata.toml.\n";

#[test]
fn no_database_configured_is_a_usage_error_with_a_hint() {
    let project = Project::bare();
    project.write("migrations/versions/001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n");
    for args in [&["status"][..], &["up"], &["down", "0", "--yes"], &["reset", "--yes"]] {
        project.run(args).assert_error(2, NO_DATABASE);
    }
    assert_eq!(project.files_in("."), ["migrations"], "nothing was created");
}

#[test]
fn strata_toml_without_database_is_no_database() {
    let project = Project::bare();
    project.write("strata.toml", "migrations = \"m\"\n");
    project.write("m/001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n");
    project.run(&["up"]).assert_error(2, NO_DATABASE);
}

#[test]
fn missing_migrations_folder_is_a_usage_error() {
    let project = Project::bare();
    project.write("strata.toml", "database = \"sqlite:app.db\"\n");
    let missing = "Error: the migrations folder migrations/versions does not exist\n\
                   Hint: create it (`strata create` does), or point --dir or `migrations` in strata.toml at the right folder.\n";
    for args in [&["status"][..], &["up"], &["down", "0", "--yes"]] {
        project.run(args).assert_error(2, missing);
    }
    project.run(&["--dir", "nowhere", "up"]).assert_error(
        2,
        "Error: the migrations folder nowhere does not exist\n\
         Hint: create it (`strata create` does), or point --dir or `migrations` in strata.toml at the right folder.\n",
    );
    assert!(!project.exists(common::DB));
}

const TOML_HINT: &str =
    "Hint: strata.toml takes `database = \"URL\"`, `migrations = \"folder\"`, `lock_timeout = SECONDS`, `history_table = \"name\"`, `schema = \"name\"`, `mysql_sql_mode = \"MODES\"`, `lock_lease = SECONDS`.\n";

#[test]
fn strata_toml_with_unknown_key_is_rejected_naming_file_and_line() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.write("strata.toml", "# settings\ndatabase = \"sqlite:app.db\"\ndatabse_url = \"sqlite:other.db\"\n");
    let expected =
        format!("Error: strata.toml:3: unknown field `databse_url`, expected one of `database`, `migrations`, `lock_timeout`, `history_table`, `schema`, `mysql_sql_mode`, `lock_lease`\n{TOML_HINT}");
    for args in [&["status"][..], &["up"], &["create", "x"], &["reset", "--yes"]] {
        project.run(args).assert_error(2, &expected);
    }
    assert!(!project.exists(common::DB));
    assert_eq!(project.files_in(DIR), ["001_a.sql"]);
}

#[test]
fn strata_toml_that_is_not_toml_is_rejected_naming_file_and_line() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    for (text, line) in [
        ("\n\ndatabase = sqlite:app.db\n", 3),
        ("database = \"sqlite:app.db\"\n[unclosed\n", 2),
        ("migrations = 5\n", 1),
        ("database = \"sqlite:a.db\"\n\ndatabase = \"sqlite:b.db\"\n", 3),
        ("[database]\nurl = \"sqlite:app.db\"\n", 1),
    ] {
        project.write("strata.toml", text);
        let run = project.run(&["up"]);
        assert_eq!(run.code, 2, "{text:?}:\n{run}");
        assert_eq!(run.stdout, "");
        assert!(run.stderr.starts_with(&format!("Error: strata.toml:{line}: ")), "{text:?}:\n{run}");
        assert!(run.stderr.ends_with(&format!("\n{TOML_HINT}")), "{text:?}:\n{run}");
        assert_eq!(run.stderr.lines().count(), 2, "{run}");
    }
    assert!(!project.exists(common::DB));
}

#[test]
fn postgres_url_password_is_never_shown() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    // Nothing listens on port 1: every command fails connecting.
    let url = "postgres://app:s3cr%40t@127.0.0.1:1/app?sslmode=require&password=hunter2";
    let shown = "postgres://app:***@127.0.0.1:1/app?sslmode=require&password=***";

    let mut runs = vec![project.run(&["--database", url, "up"]), project.run(&["--database", url, "status"])];
    let mut env = project.strata();
    env.env("DATABASE_URL", url).env("PGPASSWORD", "pgpass-secret").arg("up");
    let run = Run::of(&mut env);
    assert!(run.stdout.starts_with(&format!("Database: {shown} (from DATABASE_URL, which overrides")), "{run}");
    runs.push(run.split_database_line(&[]));
    project.write("strata.toml", &format!("database = \"{url}\"\n"));
    runs.push(project.run(&["up"]));
    runs.push(project.run(&["reset", "--yes"]));
    runs.push(project.run(&["repair", "1", "--applied"]));
    for run in &runs {
        assert_eq!(run.code, 1, "{run}");
        assert!(run.stderr.starts_with("Error: database error: cannot connect: error connecting to server"), "{run}");
        assert!(run.stderr.contains(&format!("the database is {shown}")), "{run}");
        for secret in ["s3cr", "hunter2", "pgpass-secret"] {
            assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{secret} shown:\n{run}");
        }
    }
}

#[test]
fn unknown_url_scheme_shows_the_url_without_its_password() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.run(&["--database", "oracle://scott:tiger@db/x?password=hunter2", "up"]).assert_error(
        2,
        "Error: unknown database URL scheme `oracle://` in `oracle://scott:***@db/x?password=***`; use sqlite:, postgres:// or mysql:// (from --database)\n",
    );
    let mut env = project.strata();
    env.env("DATABASE_URL", "redis://user:tiger@cache:6379/0").arg("status");
    Run::of(&mut env).assert_error(
        2,
        "Error: unknown database URL scheme `redis://` in `redis://user:***@cache:6379/0`; use sqlite:, postgres:// or mysql:// (from DATABASE_URL)\n",
    );
    project.write("strata.toml", "database = \"sqlite:\"\n");
    project
        .run(&["up"])
        .assert_error(2, "Error: `sqlite:` names no file; write sqlite:path/to.db (from `database` in strata.toml)\n");
}

#[test]
fn a_file_that_is_not_a_database_fails_with_exit_1() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.write(common::DB, &"this is not a SQLite database. ".repeat(40));
    project.run(&["up"]).assert_error(1, "Error: database error: cannot open sqlite:app.db: file is not a database\n");
    project
        .run(&["status"])
        .assert_error(1, "Error: database error: cannot open sqlite:app.db: file is not a database\n");
}

// ---------------------------------------------------------------- reset and create

#[test]
fn reset_without_a_terminal_and_without_yes_refuses_and_changes_nothing() {
    let project = three_applied();
    let refusal =
        "Error: refusing to reset without confirmation: there is no terminal to ask on; nothing was changed\n\
                   Hint: pass --yes to reset without asking.\n";
    project.run(&["reset"]).assert_error(2, refusal);
    // Typing yes on a pipe is not a confirmation either.
    let mut piped = project.strata();
    piped.arg("reset").write_stdin("yes\n");
    Run::of(&mut piped).split_database_line(&["reset"]).assert_error(2, refusal);
    assert_eq!(project.versions(), [1, 2, 3]);
    assert_eq!(project.schema(), ["table a", "table b", "table c"]);
}

#[test]
fn create_refuses_a_description_without_letters_or_digits() {
    let project = Project::new();
    project.run(&["create", " -- !! "]).assert_error(
        2,
        "Error: the description \" -- !! \" has no letters or digits to name a file with\n\
         Hint: describe the change in words, e.g. `strata create \"add user preferences\"`.\n",
    );
    project.run(&["create", ""]).assert_error(
        2,
        "Error: the description \"\" has no letters or digits to name a file with\n\
         Hint: describe the change in words, e.g. `strata create \"add user preferences\"`.\n",
    );
    assert!(project.files_in(DIR).is_empty());
}

#[test]
fn create_refuses_when_the_folder_holds_a_bad_migration_file() {
    let project = Project::new();
    project.migration("001_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n");
    project.run(&["create", "next"]).assert_error(
        2,
        &format!("Error: migrations/versions/001_a.sql:3: second `-- migrate:up` marker; a file has one section per direction\n{FILE_HINT}"),
    );
    assert_eq!(project.files_in(DIR), ["001_a.sql"]);
}

#[test]
fn syntax_error_inside_a_long_statement_names_the_line_of_the_bad_token() {
    let project = Project::new();
    project.migration(
        "001_a.sql",
        "-- migrate:up\nCREATE TABLE a (\n  id INTEGER PRIMARY KEY,\n  name TEXT NOT NULL DEFALT 'x'\n);\n",
    );
    let run = project.run(&["up"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.starts_with(
            "Error: migration 001 (a) failed at migrations/versions/001_a.sql:4: near \"DEFALT\": syntax error\n"
        ),
        "{run}"
    );
}

#[test]
fn vacuum_inside_a_transaction_fails_with_a_hint_to_use_transaction_false() {
    let project = Project::new();
    project.migration("001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\nVACUUM;\n");
    project.run(&["up"]).assert(
        1,
        "Applying 001 a ... failed\n",
        "Error: migration 001 (a) failed at migrations/versions/001_a.sql:3: cannot VACUUM from within a transaction\n\
         Hint: this statement cannot run inside a transaction (VACUUM, CREATE INDEX CONCURRENTLY, or BEGIN/COMMIT written in the script): \
         Strata runs every section in one; remove the BEGIN/COMMIT, or mark the section `transaction:false` \
         (e.g. `-- migrate:up transaction:false`).\n",
    );
    assert!(project.schema().is_empty());
}

#[test]
fn commit_inside_a_migration_is_refused_before_anything_runs() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project
        .migration("002_b.sql", "-- migrate:up\nCREATE TABLE b (id INTEGER);\nCOMMIT;\nCREATE TABLE c (id INTEGER);\n");
    project.run(&["up"]).assert(
        2,
        "",
        "Error: migrations/versions/002_b.sql:3: `COMMIT` in a section that runs in a transaction: Strata commits each \
         migration with its history row; remove it, or mark the section `transaction:false`\n\
         Hint: every .sql file in the migrations folder must be a migration; fix or move the file named above.\n",
    );
    assert!(project.schema().is_empty(), "nothing ran, not even 001");
}

#[test]
fn pragma_foreign_keys_in_a_migration_is_refused_before_anything_runs() {
    let project = Project::new();
    project.migration("001_a.sql", "-- migrate:up transaction:false\nPRAGMA foreign_keys = OFF;\nVACUUM;\n");
    let run = project.run(&["up"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.starts_with(
            "Error: migrations/versions/001_a.sql:2: set foreign keys with the `foreign_keys:off` option on the marker line"
        ),
        "{run}"
    );
    assert!(project.history().is_empty());
}

#[test]
fn begin_without_commit_in_a_transaction_false_section_fails_and_is_marked_interrupted() {
    let project = Project::new();
    project.migration("001_a.sql", "-- migrate:up transaction:false\nBEGIN;\nCREATE TABLE a (id INTEGER);\n");
    project.table_migration("002_b.sql", "b");
    let run = project.run(&["up"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.starts_with(
            "Error: migration 001 (a) failed at migrations/versions/001_a.sql: the section left a transaction open \
             (BEGIN without COMMIT); it was rolled back\n"
        ),
        "{run}"
    );
    assert!(project.schema().is_empty());
    assert_eq!(project.run(&["up"]).code, 3, "the interrupted migration stops later runs");
}

#[test]
fn failing_transaction_false_down_hint_settles_the_row_the_other_way() {
    let project = Project::new();
    project.migration(
        "001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n\
         -- migrate:down transaction:false\nDROP TABLE b;\nDROP TABLE nosuch;\nDROP TABLE a;\n",
    );
    project.ok(&["up"]);
    project.run(&["down", "0", "--yes"]).assert(
        1,
        "Reverting 001 a ... failed\n",
        "Error: reverting migration 001 (a) failed at migrations/versions/001_a.sql:6: no such table: nosuch; \
         before it, 1 statement ran and stays done (line 5)\n\
         Hint: the revert of 001 ran outside a transaction (transaction:false, or DDL that this database commits at \
         once), so the statements before the failing one stay done and history marks it interrupted (`strata status` \
         shows where it stopped). Finish or undo it by hand, then run `strata repair 001 --reverted` (finished) or \
         `strata repair 001 --applied` (undone).\n",
    );
    assert_eq!(project.schema(), ["table a"]);
}

#[test]
fn a_password_in_a_url_without_its_scheme_or_in_a_plain_path_is_never_shown() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.run(&["--database", "app:hunter2@db/x", "status"]).assert_error(
        2,
        "Error: unknown database URL scheme `app:` in `app:***@db/x`; use sqlite:, postgres:// or mysql:// (from --database)\n",
    );
    project.run(&["--database", "host=db password=hunter2 user=app", "status"]).assert_error(
        2,
        "Error: `host=db password=*** user=app` looks like a PostgreSQL connection string (key=value words), which \
         Strata does not read; write a URL instead: postgres://user@host/database, with `:password` after the \
         user if one is needed (from --database)\n",
    );
    assert!(!project.exists("host=db password=hunter2 user=app"));
}
