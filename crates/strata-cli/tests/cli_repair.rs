//! `strata repair VERSION --applied | --reverted`: settling a migration that a
//! `transaction:false` step left interrupted, after a person finished or undid it.

mod common;

use common::Project;

/// 001's up section runs outside a transaction and fails at its second
/// statement, leaving table `a` and its history row in state `applying`.
const FAILS_MIDWAY: &str = "-- migrate:up transaction:false\nCREATE TABLE a (id INTEGER);\n\
                            INSERT INTO seed VALUES (1);\n-- migrate:down\nDROP TABLE a;\n";

/// 001 interrupted while applying; 002 (table `b`) pending behind it.
fn interrupted_while_applying() -> Project {
    let project = Project::new();
    project.migration("001_a.sql", FAILS_MIDWAY);
    project.table_migration("002_b.sql", "b");
    assert_eq!(project.run(&["up"]).code, 1);
    assert_eq!(state(&project, 1).as_deref(), Some("applying"));
    project
}

/// The state of `version`'s history row; `None` without one.
fn state(project: &Project, version: i64) -> Option<String> {
    let db = project.db();
    db.query_row("SELECT state FROM migration_history WHERE version = ?1", [version], |row| row.get(0)).ok()
}

/// Everything of a history row but its state.
fn row(project: &Project, version: i64) -> (String, String, String, i64, String, Option<String>) {
    project
        .db()
        .query_row(
            "SELECT name, checksum, applied_at, execution_ms, up_sql, down_sql FROM migration_history WHERE version = ?1",
            [version],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap()
}

#[test]
fn repair_applied_records_a_finished_migration_and_up_continues() {
    let project = interrupted_while_applying();
    let before = row(&project, 1);
    // Finishing 001 by hand: what its failed statement was for.
    project.db().execute_batch("CREATE TABLE seed (id INTEGER); INSERT INTO seed VALUES (1);").unwrap();
    let run = project.run(&["repair", "1", "--applied"]);
    run.assert(0, "Recorded 001 (a) as applied (it was interrupted while applying).\n", "");
    assert_eq!(run.database_line.as_deref(), Some("Database: sqlite:app.db\n"));
    assert_eq!(state(&project, 1).as_deref(), Some("applied"));
    assert_eq!(row(&project, 1), before, "name, checksum, time and scripts stay as recorded");
    assert_eq!(before.3, 0, "an interrupted step recorded no execution time");
    project.run(&["up"]).assert(
        0,
        "Applying 002 b ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 002 (b).\n",
        "",
    );
    assert_eq!(project.versions(), [1, 2]);
}

#[test]
fn repair_reverted_forgets_an_undone_migration_and_up_runs_it_again() {
    let project = interrupted_while_applying();
    // Undoing 001 by hand, and fixing its file.
    project.db().execute_batch("DROP TABLE a;").unwrap();
    project.up_down("001_a.sql", "CREATE TABLE a (id INTEGER);", Some("DROP TABLE a;"));
    project.run(&["repair", "001", "--reverted"]).assert(
        0,
        "Recorded 001 (a) as not applied (it was interrupted while applying).\n",
        "",
    );
    assert_eq!(project.versions(), [] as [i64; 0]);
    project.run(&["up"]).assert(
        0,
        "Applying 001 a ... ok (<DUR>)\nApplying 002 b ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 002 (b).\n",
        "",
    );
    assert_eq!(project.schema(), ["table a", "table b"]);
}

#[test]
fn a_revert_interrupted_midway_is_settled_either_way() {
    let project = Project::new();
    project.migration(
        "001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n\
         -- migrate:down transaction:false\nDROP TABLE b;\nDROP TABLE nosuch;\nDROP TABLE a;\n",
    );
    project.ok(&["up"]);
    assert_eq!(project.run(&["down"]).code, 1);
    assert_eq!(state(&project, 1).as_deref(), Some("reverting"));
    // Undoing the half revert by hand: 001 is applied again.
    project.db().execute_batch("CREATE TABLE b (id INTEGER);").unwrap();
    project.run(&["repair", "1", "--applied"]).assert(
        0,
        "Recorded 001 (a) as applied (it was interrupted while reverting).\n",
        "",
    );
    assert_eq!(state(&project, 1).as_deref(), Some("applied"));

    assert_eq!(project.run(&["down"]).code, 1);
    // Finishing the revert by hand this time.
    project.db().execute_batch("DROP TABLE a;").unwrap();
    project.run(&["repair", "1", "--reverted"]).assert(
        0,
        "Recorded 001 (a) as not applied (it was interrupted while reverting).\n",
        "",
    );
    assert_eq!(project.versions(), [] as [i64; 0]);
    assert!(project.schema().is_empty());
}

#[test]
fn the_refusal_of_up_names_the_repair_commands() {
    let project = interrupted_while_applying();
    project.run(&["up"]).assert_error(
        3,
        "Error: history and migration files disagree; nothing was changed:\n\
         \x20 001 a: started outside a transaction and never finished: the database may hold part of it\n\
         Hint: Finish or undo interrupted migration 001 by hand, then run `strata repair 001 --applied` \
         (its changes are in the database) or `strata repair 001 --reverted` (they are not).\n",
    );
}

#[test]
fn a_version_that_is_not_interrupted_is_refused_without_force() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.ok(&["up", "1"]);
    let applied = row(&project, 1);
    project.run(&["repair", "1", "--reverted"]).assert_error(
        3,
        "Error: 001 (a) is applied, not interrupted; --force would delete its history row without running its down \
         script; nothing was changed\n\
         Hint: `strata repair` settles interrupted migrations (`strata status` shows them). `strata down` reverts a \
         migration by running its down script; add --force only if its changes are not in the database.\n",
    );
    project.run(&["repair", "2", "--applied"]).assert_error(
        3,
        "Error: 002 (b) is pending, not interrupted; --force would record it as applied without running its up \
         script; nothing was changed\n\
         Hint: `strata repair` settles interrupted migrations (`strata status` shows them). `strata up` applies a \
         pending migration; add --force only if its changes are in the database already (made by hand or by another \
         tool).\n",
    );
    assert_eq!(project.versions(), [1]);
    assert_eq!(row(&project, 1), applied);
}

#[test]
fn force_deletes_an_applied_row_or_records_a_pending_migration_without_running_it() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.ok(&["up", "1"]);
    project.run(&["repair", "1", "--reverted", "--force"]).assert(
        0,
        "Recorded 001 (a) as not applied (it was applied; its down script did not run).\n",
        "",
    );
    assert_eq!(project.versions(), [] as [i64; 0]);
    assert_eq!(project.schema(), ["table a"], "the down script did not run");

    project.db().execute_batch("DROP TABLE a; CREATE TABLE b (id INTEGER PRIMARY KEY);").unwrap();
    project.run(&["repair", "2", "--applied", "--force"]).assert(
        0,
        "Recorded 002 (b) as applied (it had no history row; its up script did not run).\n",
        "",
    );
    let (name, checksum, _, execution_ms, up_sql, down_sql) = row(&project, 2);
    assert_eq!((name.as_str(), execution_ms), ("b", 0));
    assert_eq!(up_sql, "CREATE TABLE b (id INTEGER PRIMARY KEY);\n", "the file's scripts are stored");
    assert_eq!(down_sql.as_deref(), Some("DROP TABLE b;\n"));
    assert_eq!(checksum.len(), 64);
    let status = project.run(&["status"]);
    assert!(common::normalize(&status.stdout).contains("002      b     applied       <TIME>\n"), "{status}");
    // 001 is older than 002 now: out of order, as for any version recorded below the newest.
    assert!(status.stdout.contains("001      a     out-of-order\n"), "{status}");
    project.ok(&["up", "--allow-out-of-order"]);
    assert_eq!(project.versions(), [1, 2]);
}

#[test]
fn what_history_records_already_is_nothing_to_repair() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.ok(&["up", "1"]);
    let applied = row(&project, 1);
    project.run(&["repair", "1", "--applied"]).assert(
        0,
        "Nothing to repair: 001 (a) is recorded as applied already.\n",
        "",
    );
    project.run(&["repair", "2", "--reverted"]).assert(
        0,
        "Nothing to repair: 002 (b) has no history row, so it is recorded as not applied already.\n",
        "",
    );
    assert_eq!(project.versions(), [1]);
    assert_eq!(row(&project, 1), applied);
}

#[test]
fn an_unknown_version_is_refused_even_with_force() {
    let project = interrupted_while_applying();
    for args in [["repair", "9", "--applied", "--force"], ["repair", "9", "--reverted", "--force"]] {
        project.run(&args).assert_error(
            2,
            "Error: unknown version 9: known versions run from 001 to 002\n\
             Hint: `strata status` lists every known version.\n",
        );
    }
    assert_eq!(state(&project, 1).as_deref(), Some("applying"));
}

#[test]
fn exactly_one_of_applied_and_reverted_is_required() {
    let project = interrupted_while_applying();
    project.run(&["repair", "1"]).assert_error(
        2,
        "error: the following required arguments were not provided:\n  <--applied|--reverted>\n\n\
         Usage: strata repair <--applied|--reverted> <VERSION>\n\nFor more information, try '--help'.\n",
    );
    project.run(&["repair", "1", "--applied", "--reverted"]).assert_error(
        2,
        "error: the argument '--applied' cannot be used with '--reverted'\n\n\
         Usage: strata repair <--applied|--reverted> <VERSION>\n\nFor more information, try '--help'.\n",
    );
    assert_eq!(state(&project, 1).as_deref(), Some("applying"));
}

#[test]
fn repair_json_prints_the_row_state_before_and_after() {
    let project = interrupted_while_applying();
    project.run(&["repair", "1", "--applied", "--json"]).assert(
        0,
        "{\"database\":\"sqlite:app.db\",\"version\":1,\"label\":\"001\",\"name\":\"a\",\"was\":\"applying\",\
         \"now\":\"applied\",\"changed\":true}\n",
        "",
    );
    project.run(&["repair", "1", "--reverted", "--force", "--json"]).assert(
        0,
        "{\"database\":\"sqlite:app.db\",\"version\":1,\"label\":\"001\",\"name\":\"a\",\"was\":\"applied\",\
         \"now\":null,\"changed\":true}\n",
        "",
    );
    project.run(&["repair", "1", "--reverted", "--json"]).assert(
        0,
        "{\"database\":\"sqlite:app.db\",\"version\":1,\"label\":\"001\",\"name\":\"a\",\"was\":null,\
         \"now\":null,\"changed\":false}\n",
        "",
    );
}

#[test]
fn repair_waits_for_the_runners_lock() {
    let project = interrupted_while_applying();
    let lock = std::fs::File::options()
        .write(true)
        .open(project.join("app.db-strata-lock"))
        .expect("the lock file beside the database");
    lock.lock().expect("take the lock");
    let holder = "another strata run that has not said who it is";
    project.run(&["--lock-timeout", "0", "repair", "1", "--applied"]).assert_error(
        5,
        &format!(
            "Error: the lock on sqlite:app.db is still held by {holder} after waiting 0 s\n\
             Hint: another strata run is at work on this database: let it finish, or wait longer with \
             --lock-timeout SECONDS (or `lock_timeout` in strata.toml).\n"
        ),
    );
    assert_eq!(state(&project, 1).as_deref(), Some("applying"));
    drop(lock);
    project.ok(&["repair", "1", "--applied"]);
}

#[test]
fn repair_applied_works_on_a_history_table_made_before_the_failure_column() {
    let project = interrupted_while_applying();
    // As a release before the `failure` column left it.
    project.db().execute_batch("ALTER TABLE migration_history DROP COLUMN failure").unwrap();
    project.run(&["repair", "1", "--applied"]).assert(
        0,
        "Recorded 001 (a) as applied (it was interrupted while applying).\n",
        "",
    );
    assert_eq!(state(&project, 1).as_deref(), Some("applied"));
    project.ok(&["up"]);
    assert_eq!(state(&project, 2).as_deref(), Some("applied"));
}
