//! The history table's name as a setting (`--history-table`, `history_table`
//! in strata.toml), for apps that already have a table called
//! migration_history; and `--no-lock`.

mod common;

use common::{count, has_table, Project};

/// A project whose app already keeps its own `migration_history` table.
fn app_with_own_history_table() -> Project {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    let db = rusqlite::Connection::open(project.join("app.db")).unwrap();
    db.execute_batch("CREATE TABLE migration_history (id INTEGER, note TEXT); INSERT INTO migration_history VALUES (1, 'the app''s');")
        .unwrap();
    project
}

#[test]
fn history_table_flag_keeps_strata_out_of_the_apps_own_table() {
    let project = app_with_own_history_table();
    let out = project.run(&["--history-table", "strata_history", "up"]);
    out.assert(
        0,
        "Applying 001 a ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (a).\n",
        "",
    );
    let db = project.db();
    assert_eq!(count(&db, "SELECT count(*) FROM strata_history WHERE version = 1"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM migration_history WHERE note = 'the app''s'"), 1, "untouched");
    let status = project.run(&["--history-table", "strata_history", "status"]);
    assert_eq!(status.code, 0, "{status}");
    assert!(status.stdout.contains("001      a     applied"), "{status}");
    project.ok(&["--history-table", "strata_history", "down", "0", "--yes"]);
    assert!(!has_table(&project.db(), "a"));
    assert_eq!(count(&project.db(), "SELECT count(*) FROM strata_history"), 0);
}

#[test]
fn history_table_in_strata_toml_is_used_by_every_command() {
    let project = app_with_own_history_table();
    project.write("strata.toml", "database = \"sqlite:app.db\"\nhistory_table = \"schema_versions\"\n");
    project.ok(&["up"]);
    assert_eq!(count(&project.db(), "SELECT count(*) FROM schema_versions"), 1);
    let check = project.run(&["check"]);
    assert_eq!(check.code, 0, "{check}");
    // The flag wins over the file.
    let other = project.run(&["--history-table", "other_history", "status"]);
    assert_eq!(other.stderr, "sqlite:app.db has no other_history table yet; every migration is pending.\n");
}

#[test]
fn without_the_setting_the_apps_own_table_is_refused_not_touched() {
    let project = app_with_own_history_table();
    let out = project.run(&["up"]);
    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("migration_history"), "{out}");
    assert_eq!(count(&project.db(), "SELECT count(*) FROM migration_history"), 1);
}

#[test]
fn a_history_table_name_that_is_not_a_plain_identifier_is_a_usage_error() {
    let project = app_with_own_history_table();
    project.run(&["--history-table", "my history", "up"]).assert_error(
        2,
        "Error: the history table name `my history` is not a plain identifier: use letters, digits and `_`, not \
         starting with a digit, at most 63 characters (e.g. `strata_history`) (from --history-table)\n",
    );
    project.write("strata.toml", "database = \"sqlite:app.db\"\nhistory_table = \"1st\"\n");
    let out = project.run(&["up"]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("(from `history_table` in strata.toml)"), "{out}");
}

#[test]
fn a_migration_that_writes_the_configured_history_table_is_refused_before_anything_runs() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.migration("002_b.sql", "-- migrate:up\nDELETE FROM strata_history;\n");
    let out = project.run(&["--history-table", "strata_history", "up"]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("writes to or changes the history table `strata_history`"), "{out}");
    assert!(!has_table(&project.db(), "a"), "nothing ran");
}

#[test]
fn no_lock_runs_while_another_runner_holds_the_lock_and_creates_no_lock_file() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.ok(&["--no-lock", "up"]);
    assert!(!project.exists("app.db-strata-lock"), "no lock file");
    // Another runner's lock (held by flock(1)) does not stop a --no-lock run.
    project.write("app.db-strata-lock", "");
    let mut holder = std::process::Command::new("flock")
        .args(["app.db-strata-lock", "sleep", "30"])
        .current_dir(project.path())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    project.table_migration("002_b.sql", "b");
    let locked = project.run(&["--lock-timeout", "0", "up"]);
    assert_eq!(locked.code, 5, "{locked}");
    let unlocked = project.run(&["--lock-timeout", "0", "--no-lock", "up"]);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(unlocked.code, 0, "{unlocked}");
    assert!(has_table(&project.db(), "b"));
}

#[test]
fn no_lock_help_says_what_it_gives_up() {
    let project = Project::new();
    let help = project.ok(&["--help"]).stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("--no-lock"), "{help}");
    assert!(help.contains("Gives up the guarantee that concurrent runners apply each migration once"), "{help}");
}
