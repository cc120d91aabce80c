//! Everyday use: `down` without a version, `redo`, `down 0` confirmation,
//! `check` / `status --exit-code`, `--json` for up and down, and passwords
//! kept out of every message.

mod common;

use common::{count, Project, Run, DIR};

/// 001 a, 002 b, 003 c (tables of those names), all applied.
fn three_applied() -> Project {
    let project = Project::new();
    for name in ["a", "b", "c"] {
        project.table_migration(&format!("00{}_{name}.sql", 1 + (name.as_bytes()[0] - b'a')), name);
    }
    project.ok(&["up"]);
    project
}

// ---------------------------------------------------------------- down, redo

#[test]
fn down_without_a_version_reverts_the_newest_migration_only() {
    let project = three_applied();
    project.run(&["down"]).assert(
        0,
        "Reverting 003 c ... ok (<DUR>)\nReverted 1 migration in <DUR>; the database is at version 002 (b).\n",
        "",
    );
    assert_eq!(project.versions(), [1, 2]);
    assert_eq!(project.schema(), ["table a", "table b"]);
    project.ok(&["down"]);
    project.ok(&["down"]);
    project.run(&["down"]).assert(0, "Nothing to revert: no migration is applied.\n", "");
    assert!(project.schema().is_empty());
}

#[test]
fn down_without_a_version_reverts_the_newest_even_when_its_file_is_gone() {
    let project = three_applied();
    project.remove(&format!("{DIR}/003_c.sql"));
    project.run(&["down"]).assert(
        0,
        "Reverting 003 c ... ok (<DUR>)\nReverted 1 migration in <DUR>; the database is at version 002 (b).\n",
        "",
    );
    assert_eq!(project.versions(), [1, 2]);
}

#[test]
fn redo_reverts_and_applies_the_newest_migration_again() {
    let project = three_applied();
    project.db().execute("INSERT INTO c (id) VALUES (7)", []).unwrap();
    project.run(&["redo"]).assert(
        0,
        "Reverting 003 c ... ok (<DUR>)\n\
         Applying 003 c ... ok (<DUR>)\n\
         Redid 003 (c) in <DUR>; the database is at version 003 (c).\n",
        "",
    );
    assert_eq!(project.versions(), [1, 2, 3]);
    assert_eq!(count(&project.db(), "SELECT count(*) FROM c"), 0, "the table was dropped and created again");
}

#[test]
fn redo_refuses_a_modified_newest_migration_and_changes_nothing() {
    // An edited (modified) newest migration is refused as `up` refuses it.
    let project = three_applied();
    project.up_down("003_c.sql", "CREATE TABLE c (id INTEGER PRIMARY KEY, more TEXT);", Some("DROP TABLE c;"));
    project.run(&["redo"]).assert_error(
        3,
        "Error: history and migration files disagree; nothing was changed:\n  \
         003 c: applied, but its file has changed since (checksum differs)\n\
         Hint: Restore a modified file to what was applied (history keeps it in up_sql), and put new changes in a new migration (`strata create`).\n",
    );
    assert_eq!(project.versions(), [1, 2, 3]);
    assert_eq!(count(&project.db(), "SELECT count(*) FROM pragma_table_info('c')"), 1);
}

#[test]
fn redo_with_nothing_applied_does_nothing() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.run(&["redo"]).assert(0, "Nothing to redo: no migration is applied.\n", "");
    assert!(project.history().is_empty());
}

#[test]
fn down_zero_without_a_terminal_needs_yes() {
    let project = three_applied();
    project.run(&["down", "0"]).assert_error(
        2,
        "Error: refusing to revert every applied migration (3) without confirmation: there is no terminal to ask on; nothing was changed\n\
         Hint: pass --yes to revert everything without asking, or `strata down VERSION` to keep the versions up to VERSION.\n",
    );
    assert_eq!(project.versions(), [1, 2, 3]);
    project.ok(&["down", "1"]);
    project.ok(&["down", "0", "--yes"]);
    assert!(project.history().is_empty());
    project.run(&["down", "0"]).assert(0, "Nothing to revert: no migration is applied.\n", "");
}

#[test]
fn down_zero_on_a_terminal_asks_to_type_yes() {
    let project = three_applied();
    let (code, screen) = project.on_terminal("down 0", "no\n");
    assert_eq!(code, 2, "{screen}");
    assert!(
        screen.contains("This reverts every applied migration (3) in sqlite:app.db.\nType `yes` to continue: "),
        "{screen}"
    );
    assert!(screen.contains("Error: down 0 cancelled; nothing was changed"), "{screen}");
    assert_eq!(project.versions(), [1, 2, 3]);
    let (code, screen) = project.on_terminal("down 0", "yes\n");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Reverting 001 a ... ok"), "{screen}");
    assert!(screen.contains("; no migration is applied.\n"), "{screen}");
    assert!(project.history().is_empty());
}

// ---------------------------------------------------------------- check

#[test]
fn check_and_status_exit_code_pass_when_everything_is_applied() {
    let project = three_applied();
    project.run(&["check"]).assert(0, "Up to date: the database is at version 003 (c).\n", "");
    let run = project.run(&["status", "--exit-code"]);
    assert_eq!(run.code, 0, "{run}");
    let empty = Project::new();
    empty.run(&["check"]).assert(
        0,
        "Up to date: there are no migrations.\n",
        "sqlite:app.db does not exist yet; every migration is pending.\n",
    );
}

#[test]
fn check_lists_every_problem_and_exits_4() {
    let project = Project::new();
    for (file, table) in [("001_a.sql", "a"), ("002_b.sql", "b"), ("004_d.sql", "d")] {
        project.table_migration(file, table);
    }
    project.ok(&["up"]);
    project.up_down("001_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);", Some("DROP TABLE a;"));
    project.remove(&format!("{DIR}/002_b.sql"));
    project.table_migration("003_c.sql", "c");
    project.table_migration("005_e.sql", "e");
    project.db().execute("UPDATE migration_history SET state = 'applying' WHERE version = 4", []).unwrap();
    project.run(&["check"]).assert(
        4,
        "001 a: applied, but its file has changed since (checksum differs)\n\
         002 b: applied, but its file is gone\n\
         003 c: pending, but older than the newest applied migration (out of order)\n\
         004 d: started outside a transaction and never finished: the database may hold part of it\n\
         005 e: pending\n",
        "",
    );
    assert_eq!(project.run(&["status", "--exit-code"]).code, 4);
}

#[test]
fn status_exit_code_prints_the_table_and_exits_4_when_something_is_pending() {
    let project = three_applied();
    project.table_migration("004_d.sql", "d");
    project.run(&["status", "--exit-code"]).assert(
        4,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     applied  <TIME>\n\
         002      b     applied  <TIME>\n\
         003      c     applied  <TIME>\n\
         004      d     pending\n\
         \n\
         Current version: 003 (c)  | 3 applied, 1 pending\n",
        "",
    );
    assert_eq!(project.run(&["status"]).code, 0, "without --exit-code, status succeeds");
    assert_eq!(project.run(&["status", "--json", "--exit-code"]).code, 4);
}

// ---------------------------------------------------------------- --json

/// Parses a JSON document with every `execution_ms` set to 0.
fn json(text: &str) -> serde_json::Value {
    fn zero(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => map.iter_mut().for_each(|(key, value)| match key.as_str() {
                "execution_ms" => *value = 0.into(),
                _ => zero(value),
            }),
            serde_json::Value::Array(items) => items.iter_mut().for_each(zero),
            _ => {}
        }
    }
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let mut value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    zero(&mut value);
    value
}

#[test]
fn up_and_down_json_print_one_document_and_no_progress() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    let run = project.ok(&["up", "--json"]);
    assert_eq!(run.stderr, "");
    assert_eq!(
        json(&run.stdout),
        serde_json::json!({"database": "sqlite:app.db", "applied": [
            {"version": 1, "label": "001", "name": "a", "execution_ms": 0},
            {"version": 2, "label": "002", "name": "b", "execution_ms": 0}
        ], "current_version": 2})
    );
    let run = project.ok(&["up", "--json"]);
    assert_eq!(
        json(&run.stdout),
        serde_json::json!({"database": "sqlite:app.db", "applied": [], "current_version": 2})
    );
    let run = project.ok(&["redo", "--json"]);
    assert_eq!(
        json(&run.stdout),
        serde_json::json!({"database": "sqlite:app.db",
            "reverted": [{"version": 2, "label": "002", "name": "b", "execution_ms": 0}],
            "applied": [{"version": 2, "label": "002", "name": "b", "execution_ms": 0}],
            "current_version": 2})
    );
    let run = project.ok(&["down", "0", "--yes", "--json"]);
    assert_eq!(
        json(&run.stdout),
        serde_json::json!({"database": "sqlite:app.db", "reverted": [
            {"version": 2, "label": "002", "name": "b", "execution_ms": 0},
            {"version": 1, "label": "001", "name": "a", "execution_ms": 0}
        ], "current_version": null})
    );
}

#[test]
fn a_failing_up_json_prints_the_error_on_stderr_only() {
    let project = Project::new();
    project.up_down("001_a.sql", "CREATE TABLE a (id INTEGER);\nINSERT INTO nowhere VALUES (1);", None);
    let run = project.run(&["up", "--json"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(
            "Error: migration 001 (a) failed at migrations/versions/001_a.sql:3: no such table: nowhere\n"
        ),
        "{run}"
    );
}

// ---------------------------------------------------------------- passwords

#[test]
fn a_url_given_where_a_version_belongs_is_echoed_without_its_password() {
    let project = Project::new();
    project.run(&["up", "postgres://app:hunter2@db/x"]).assert_error(
        2,
        "error: invalid value 'postgres://app:***@db/x' for '[VERSION]': invalid digit found in string\n\nFor more information, try '--help'.\n",
    );
    project.run(&["down", "postgres:app:hunter2@db/prod"]).assert_error(
        2,
        "error: invalid value 'postgres:app:***@db/prod' for '[VERSION]': invalid digit found in string\n\nFor more information, try '--help'.\n",
    );
}

#[test]
fn no_argument_error_shows_a_password() {
    let project = Project::new();
    for args in [
        &["up", "1", "mysql://root:hunter2@db/x"][..],
        &["frobnicate", "postgres://app:hunter2@db/x"],
        &["status", "--bogus=postgres://app:hunter2@db/x"],
        &["create"],
        &["up", "--database"],
        &["check", "sqlite:x.db?password=hunter2"],
    ] {
        let mut command = project.strata();
        command.args(args).env("CLICOLOR_FORCE", "1").env_remove("NO_COLOR");
        let run = Run::of(&mut command);
        assert_eq!(run.code, 2, "strata {args:?}: {run}");
        assert!(!format!("{}{}", run.stdout, run.stderr).contains("hunter2"), "strata {args:?}: {run}");
    }
}

#[test]
fn a_database_message_holding_a_password_is_redacted() {
    // The message comes from SQLite, through the library, to the CLI.
    let project = Project::new();
    project.up_down("001_a.sql", "SELECT * FROM \"postgres://app:hunter2@db/x\";", None);
    project.run(&["up"]).assert(
        1,
        "Applying 001 a ... failed\n",
        "Error: migration 001 (a) failed at migrations/versions/001_a.sql:2: no such table: postgres://app:***@db/x\n\
         Hint: migration 001 was rolled back and left no trace; the migrations before it stay applied. Fix it and run `strata up` again.\n",
    );
}
