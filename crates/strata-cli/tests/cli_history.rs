//! The history table stays Strata's: a table of another shape (WriteBot's
//! Python runner's) is named and `strata adopt` converts it; values Strata
//! never writes are named; migrations that write the history table are
//! refused before anything runs, or rolled back when they do it anyway.

mod common;

use common::{count, has_table, Project, DB, DIR};
use rusqlite::Connection;

/// The table WriteBot's Python runner (SQLAlchemy) created.
const PYTHON_TABLE: &str = "CREATE TABLE migration_history (
    id INTEGER PRIMARY KEY,
    version VARCHAR(50) NOT NULL UNIQUE,
    name VARCHAR(200) NOT NULL,
    applied_at DATETIME NOT NULL
)";

const WRITEBOT_NAMES: [&str; 5] = [
    "create_users_table",
    "create_user_activities_table",
    "create_usage_statistics_table",
    "create_page_size_presets_table",
    "create_template_presets_table",
];

/// A project whose migrations folder holds WriteBot's real migrations.
fn writebot_project() -> Project {
    let project = Project::new();
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/versions");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        project.write(&format!("{DIR}/{name}"), &std::fs::read_to_string(&path).unwrap());
    }
    project
}

/// app.db as WriteBot's Python runner left it: its history table with `rows`
/// (version, name, applied_at), and the schema of the project's migrations up
/// to `upto`, built by running their up sections as the runner did.
fn python_runner_db(project: &Project, rows: &[(&str, &str, &str)], upto: u64) -> Connection {
    let conn = Connection::open(project.join(DB)).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    conn.execute_batch(PYTHON_TABLE).unwrap();
    for (version, name, applied_at) in rows {
        conn.execute(
            "INSERT INTO migration_history (version, name, applied_at) VALUES (?1, ?2, ?3)",
            [version, name, applied_at],
        )
        .unwrap();
    }
    for migration in strata::source::load_dir(&project.join(DIR)).unwrap() {
        if migration.version <= upto {
            conn.execute_batch(&migration.up.text().unwrap()).unwrap();
        }
    }
    conn
}

/// Rows 001–005 of WriteBot's history as the Python runner recorded them.
fn writebot_rows() -> Vec<(String, String, String)> {
    WRITEBOT_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| (format!("00{}", i + 1), name.to_string(), format!("2024-01-15 10:30:4{i}.12345{i}")))
        .collect()
}

fn writebot_at_005() -> Project {
    let project = writebot_project();
    let rows = writebot_rows();
    let rows: Vec<(&str, &str, &str)> = rows.iter().map(|(v, n, t)| (v.as_str(), n.as_str(), t.as_str())).collect();
    python_runner_db(&project, &rows, 5);
    project
}

/// The old table's rows, as stored.
fn python_rows(conn: &Connection, table: &str) -> Vec<(i64, String, String, String)> {
    let sql = format!("SELECT id, version, name, applied_at FROM {table} ORDER BY id");
    let mut statement = conn.prepare(&sql).unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

const WRITEBOT_TABLE_ERROR: &str = "Error: migration_history in sqlite:app.db is not Strata's history table (columns: id, version, name, applied_at); it looks like WriteBot's Python runner's
Hint: `strata adopt` converts it into Strata's history table in place, in one transaction: it keeps each recorded version and when it was applied, takes names and checksums from the migration files, and keeps the old table as migration_history_before_strata. Back up the database first.
";

// ---------------------------------------------------------------- another shape

#[test]
fn every_command_names_a_writebot_history_table_and_strata_adopt() {
    let project = writebot_at_005();
    let before = python_rows(&project.db(), "migration_history");
    for args in [&["status"][..], &["status", "--json"], &["up"], &["down", "0"], &["reset", "--yes"]] {
        project.run(args).assert_error(3, WRITEBOT_TABLE_ERROR);
    }
    let conn = project.db();
    assert_eq!(python_rows(&conn, "migration_history"), before, "the old table must be untouched");
    assert!(has_table(&conn, "users") && !has_table(&conn, "user_activities_x"));
    assert_eq!(count(&conn, "SELECT count(*) FROM sqlite_master WHERE name = 'page_size_presets'"), 1);
}

#[test]
fn a_history_table_of_another_shape_is_described_by_its_columns_and_not_adopted() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    let conn = Connection::open(project.join(DB)).unwrap();
    conn.execute_batch("CREATE TABLE migration_history (id INTEGER PRIMARY KEY, ver TEXT, run_on TEXT)").unwrap();
    let expected = "Error: migration_history in sqlite:app.db is not Strata's history table (columns: id, ver, run_on)
Hint: Strata's history table has the columns version, name, applied_at, execution_ms, checksum, state, up_sql, down_sql, down_options; `strata adopt` converts only the table of WriteBot's Python runner (id, version, name, applied_at). Rename this table, or point Strata at another database.
";
    project.run(&["status"]).assert_error(3, expected);
    project.run(&["up"]).assert_error(3, expected);
    project.run(&["adopt", "--yes"]).assert_error(3, expected);
    assert!(!has_table(&project.db(), "a") && !has_table(&project.db(), "migration_history_before_strata"));
}

// ---------------------------------------------------------------- adopt

#[test]
fn help_lists_adopt_and_says_what_it_converts() {
    let project = Project::bare();
    let help = project.ok(&["--help"]).stdout;
    assert!(
        help.contains("\n  adopt   Convert the history table of WriteBot's Python runner into Strata's\n"),
        "{help}"
    );
    let help = project.ok(&["adopt", "--help"]).stdout;
    assert!(help.contains("id, version, name, applied_at") && help.contains("--yes"), "{help}");
}

#[test]
fn adopt_converts_writebot_history_then_status_up_and_down_work() {
    let project = writebot_at_005();
    project.ok(&["adopt", "--yes"]).assert(
        0,
        "Adopted migration_history in sqlite:app.db: 5 versions converted to Strata's history table; the old table is kept as migration_history_before_strata.
  001  create_users_table              applied <TIME>
  002  create_user_activities_table    applied <TIME>
  003  create_usage_statistics_table   applied <TIME>
  004  create_page_size_presets_table  applied <TIME>
  005  create_template_presets_table   applied <TIME>
",
        "",
    );
    let conn = project.db();
    let kept: Vec<(i64, String, String, i64, String)> = {
        let mut statement = conn
            .prepare("SELECT version, name, applied_at, execution_ms, state FROM migration_history ORDER BY version")
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let expected: Vec<(i64, String, String, i64, String)> = (0..5)
        .map(|i| {
            (i + 1, WRITEBOT_NAMES[i as usize].to_owned(), format!("2024-01-15 10:30:4{i}"), 0, "applied".to_owned())
        })
        .collect();
    assert_eq!(kept, expected, "versions keep their recorded time, to the second");
    let old = python_rows(&conn, "migration_history_before_strata");
    assert_eq!(old.len(), 5);
    assert_eq!(old[0], (1, "001".to_owned(), "create_users_table".to_owned(), "2024-01-15 10:30:40.123450".to_owned()));

    let status = project.ok(&["status"]).stdout;
    assert!(
        status.contains("005      create_template_presets_table                applied  2024-01-15 10:30:44\n"),
        "{status}"
    );
    assert!(
        status.ends_with("Current version: 005 (create_template_presets_table)  | 5 applied, 9 pending\n"),
        "{status}"
    );

    project.ok(&["up"]);
    assert_eq!(project.versions(), (1..=14).collect::<Vec<_>>());
    let schema_version = count(&project.db(), "SELECT schema_version FROM system_statistics");
    assert_eq!(schema_version, 14);
    project.ok(&["down", "0", "--yes"]);
    assert_eq!(project.versions(), Vec::<i64>::new());
    let left = project.schema();
    assert_eq!(left, ["table migration_history_before_strata"], "down 0 reverts 001–005 too; the old table stays");
}

#[test]
fn adopt_at_014_leaves_the_view_reading_strata_history() {
    let project = writebot_project();
    let names: Vec<String> =
        strata::source::load_dir(&project.join(DIR)).unwrap().into_iter().map(|m| m.name).collect();
    let rows: Vec<(String, String)> =
        names.iter().enumerate().map(|(i, name)| (format!("{:03}", i + 1), name.clone())).collect();
    let rows: Vec<(&str, &str, &str)> =
        rows.iter().map(|(v, n)| (v.as_str(), n.as_str(), "2024-02-01 08:00:00.5")).collect();
    python_runner_db(&project, &rows, 14);
    project.ok(&["adopt", "--yes"]);
    let status = project.ok(&["status"]).stdout;
    assert!(status.ends_with("Current version: 014 (create_backup_utilities)  | 14 applied, 0 pending\n"), "{status}");
    let view = common::count(
        &project.db(),
        "SELECT sql LIKE '%FROM migration_history)%' FROM sqlite_master WHERE name = 'system_statistics'",
    );
    assert_eq!(view, 1, "the view still reads migration_history, not the kept old table");
    assert_eq!(count(&project.db(), "SELECT schema_version FROM system_statistics"), 14);
    project.ok(&["down", "12"]);
    project.ok(&["up"]);
    assert_eq!(count(&project.db(), "SELECT schema_version FROM system_statistics"), 14);
}

#[test]
fn adopt_lists_versions_whose_file_is_gone_or_named_otherwise() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_bee.sql", "bee");
    project.table_migration("004_d.sql", "d");
    let rows = [
        ("001", "a", "2024-03-01 12:00:00.000001"),
        ("002", "b", "2024-03-01 12:00:01.000001"),
        ("003", "c", "2024-03-01 12:00:02.000001"),
    ];
    python_runner_db(&project, &rows, 2);
    project.ok(&["adopt", "--yes"]).assert(
        0,
        "Adopted migration_history in sqlite:app.db: 3 versions converted to Strata's history table; the old table is kept as migration_history_before_strata.
  001  a    applied <TIME>
  002  bee  applied <TIME>
  003  c    applied <TIME>
No file has these versions (status shows them as missing; restore the files to revert them):
  003  c
These files' names differ from the recorded ones (history now has the file's name):
  002  bee (recorded as b)
",
        "",
    );
    project.ok(&["status"]).assert(
        0,
        "Version  Name  State    Applied at (UTC)
001      a     applied  <TIME>
002      bee   applied  <TIME>
003      c     missing  <TIME>
004      d     pending

Current version: 003 (c)  | 2 applied, 1 pending, 1 missing
",
        "",
    );
}

#[test]
fn adopt_refuses_a_version_that_is_not_a_number_and_changes_nothing() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    python_runner_db(&project, &[("001", "a", "2024-03-01 12:00:00.5"), ("1b", "hotfix", "2024-03-02 12:00:00.5")], 1);
    project.run(&["adopt", "--yes"]).assert_error(
        3,
        "Error: cannot adopt migration_history in sqlite:app.db: version '1b' is not a number; Strata's versions are whole numbers; nothing was changed
Hint: fix what is named above (back up the database first), then run `strata adopt` again.
",
    );
    let conn = project.db();
    assert_eq!(python_rows(&conn, "migration_history").len(), 2);
    assert!(!has_table(&conn, "migration_history_before_strata"));
}

#[test]
fn adopt_refuses_when_the_name_for_the_old_table_is_taken() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    let conn = python_runner_db(&project, &[("001", "a", "2024-03-01 12:00:00.5")], 1);
    conn.execute_batch("CREATE TABLE migration_history_before_strata (x INTEGER)").unwrap();
    project.run(&["adopt", "--yes"]).assert_error(
        3,
        "Error: cannot adopt migration_history in sqlite:app.db: migration_history_before_strata already exists, and adopt keeps the old table under that name; nothing was changed
Hint: fix what is named above (back up the database first), then run `strata adopt` again.
",
    );
    assert_eq!(python_rows(&project.db(), "migration_history").len(), 1);
}

#[test]
fn adopt_needs_yes_without_a_terminal() {
    let project = writebot_at_005();
    project.run(&["adopt"]).assert_error(
        2,
        "Error: refusing to adopt without confirmation: there is no terminal to ask on; nothing was changed
Hint: pass --yes to adopt without asking (back up the database first).
",
    );
    assert!(!has_table(&project.db(), "migration_history_before_strata"));
}

#[test]
fn adopt_has_nothing_to_do_on_strata_history_or_without_a_table() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.run(&["adopt"]).assert_error(2, "Error: there is no database at sqlite:app.db; nothing to adopt\n");
    assert!(!project.exists(DB), "adopt creates no database");
    Connection::open(project.join(DB)).unwrap();
    project.ok(&["adopt"]).assert(
        0,
        "Nothing to adopt: sqlite:app.db has no migration_history table; `strata up` creates Strata's.\n",
        "",
    );
    project.ok(&["up"]);
    project.ok(&["adopt"]).assert(
        0,
        "Nothing to adopt: migration_history in sqlite:app.db is Strata's history table already.\n",
        "",
    );
    assert_eq!(project.versions(), [1]);
}

// ---------------------------------------------------------------- values Strata never writes

#[test]
fn tampered_values_name_the_table_the_version_and_the_column() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.ok(&["up"]);
    let conn = project.db();
    conn.execute_batch("UPDATE migration_history SET execution_ms = -5 WHERE version = 2").unwrap();
    let expected = "Error: migration_history in sqlite:app.db, version 2: column execution_ms holds -5; expected a whole number of milliseconds ≥ 0
Hint: set it to a whole number, e.g. `UPDATE migration_history SET execution_ms = 0 WHERE version = 2`.
";
    for args in [&["status"][..], &["up"], &["down", "0"]] {
        project.run(args).assert_error(3, expected);
    }
    conn.execute_batch("UPDATE migration_history SET execution_ms = 5, state = 'done' WHERE version = 2").unwrap();
    project.run(&["status"]).assert_error(
        3,
        "Error: migration_history in sqlite:app.db, version 2: column state holds 'done'; expected one of 'applied', 'applying', 'reverting'
Hint: `UPDATE migration_history SET state = 'applied' WHERE version = 2` if the migration's changes are in the database, `DELETE FROM migration_history WHERE version = 2` if they are not.
",
    );
    conn.execute_batch("UPDATE migration_history SET state = 'applied', version = -1 WHERE version = 2").unwrap();
    project.run(&["up"]).assert_error(
        3,
        "Error: migration_history in sqlite:app.db, version -1: column version holds -1; expected a migration's version, a whole number ≥ 0
Hint: set it to the version of the migration the row records (`UPDATE migration_history SET version = … WHERE version = -1`), or delete the row if that migration's changes are not in the database.
",
    );
    assert_eq!(project.schema(), ["table a", "table b"], "nothing ran");
}

// ---------------------------------------------------------------- migrations that write history

#[test]
fn a_section_that_writes_the_history_table_is_refused_before_anything_runs() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.ok(&["up"]);
    project.table_migration("002_b.sql", "b");
    project.migration("003_wipe.sql", "-- migrate:up\nCREATE TABLE c (id INTEGER);\nDELETE FROM \"Migration_History\";\n-- migrate:down\nDROP TABLE c;\n");
    project.run(&["up"]).assert_error(
        2,
        "Error: migrations/versions/003_wipe.sql:3: this statement writes to or changes the history table `migration_history`: only Strata may, adding or removing each migration's row in the migration's own transaction; remove the statement (reading the table, as a view does, is fine)
Hint: every .sql file in the migrations folder must be a migration; fix or move the file named above.
",
    );
    assert_eq!(project.versions(), [1]);
    assert_eq!(project.schema(), ["table a"], "002 did not run either");
    project.migration(
        "003_wipe.sql",
        "-- migrate:up\nCREATE TABLE c (id INTEGER);\n-- migrate:down\nDROP TABLE main.migration_history;\n",
    );
    project.ok(&["up"]);
    let error = project.run(&["down", "0", "--yes"]);
    assert_eq!(error.code, 2, "{error}");
    assert!(
        error.stderr.starts_with(
            "Error: migrations/versions/003_wipe.sql:4: this statement writes to or changes the history table"
        ),
        "{error}"
    );
    assert_eq!(project.versions(), [1, 2, 3]);
}

/// A trigger made outside Strata empties the history whenever `notes` gets a row.
fn project_with_history_wiping_trigger(options: &str) -> Project {
    let project = Project::new();
    project.up_down("001_notes.sql", "CREATE TABLE notes (body TEXT);", Some("DROP TABLE notes;"));
    project.ok(&["up"]);
    project
        .db()
        .execute_batch("CREATE TRIGGER wipe AFTER INSERT ON notes BEGIN DELETE FROM migration_history; END;")
        .unwrap();
    project.migration(
        "002_fill.sql",
        &format!("-- migrate:up{options}\nINSERT INTO notes VALUES ('x');\n-- migrate:down\nDELETE FROM notes;\n"),
    );
    project
}

#[test]
fn a_step_that_changes_the_history_table_anyway_is_rolled_back_and_named() {
    let project = project_with_history_wiping_trigger("");
    project.run(&["up"]).assert(
        1,
        "Applying 002 fill ... failed\n",
        "Error: migration 002 (fill) changed the history table migration_history (1 row deleted); it was rolled back
Hint: only Strata may write the history table. 002 was not applied; the migrations before it stay applied. Remove what writes to it from 002 (a statement, or a trigger that a statement sets off), then run `strata up` again.
",
    );
    assert_eq!(project.versions(), [1], "history keeps 001");
    assert_eq!(count(&project.db(), "SELECT count(*) FROM notes"), 0, "002 left no trace");
}

#[test]
fn a_transaction_false_step_that_changes_the_history_table_is_reported() {
    let project = project_with_history_wiping_trigger(" transaction:false");
    project.run(&["up"]).assert(
        1,
        "Applying 002 fill ... failed\n",
        "Error: migration 002 (fill) changed the history table migration_history (2 rows deleted); it ran outside a transaction, so this cannot be rolled back
Hint: what 002 did stays done, and the history table no longer records what is applied: restore the database from a backup, or put the lost rows back by hand (`strata status` shows what Strata sees now).
",
    );
    assert_eq!(project.versions(), Vec::<i64>::new());
}

#[test]
fn adopt_takes_the_lock_before_it_opens_the_database() {
    // Another runner holds Strata's lock and SQLite's write lock: adopt must
    // say at once that it cannot have the lock (exit 5), not wait on SQLite.
    let project = writebot_at_005();
    let lock = std::fs::File::create(project.join("app.db-strata-lock")).unwrap();
    lock.lock().unwrap();
    let writer = project.db();
    writer.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let run = project.run(&["--lock-timeout", "0", "adopt", "--yes"]);
    assert_eq!(run.code, 5, "{run}");
    assert!(run.stderr.starts_with("Error: the lock on sqlite:app.db is still held by "), "{run}");
    writer.execute_batch("ROLLBACK").unwrap();
    assert!(!has_table(&project.db(), "migration_history_before_strata"));
}
