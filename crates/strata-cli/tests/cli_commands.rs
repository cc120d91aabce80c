//! Happy paths of every command and the exact output they print.

mod common;

use common::{count, has_table, Project, DIR};

const USERS_UP: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n";
/// sha256 of USERS_UP, computed with `sha256sum`.
const USERS_UP_SHA256: &str = "f202577af96fe5ff413f6456e176f80eb994ac7d349d89f8707fa32f79cef931";

/// 001 users, 002 notes (each with a down section).
fn two_migrations() -> Project {
    let project = Project::new();
    project
        .migration("001_create_users.sql", &format!("-- migrate:up\n{USERS_UP}-- migrate:down\nDROP TABLE users;\n"));
    project.up_down(
        "002_create_notes.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), body TEXT);",
        Some("DROP TABLE notes;"),
    );
    project
}

// ---------------------------------------------------------------- help

#[test]
fn help_lists_settings_and_exit_codes() {
    let project = Project::bare();
    let run = project.ok(&["--help"]);
    assert!(
        run.stdout
            .starts_with("Versioned, reversible database schema migrations\n\nUsage: strata [OPTIONS] <COMMAND>\n"),
        "{run}"
    );
    for command in ["status", "up", "down", "create", "reset", "redo", "check", "adopt", "repair"] {
        assert!(run.stdout.contains(&format!("\n  {command} ")), "--help does not list {command}:\n{run}");
    }
    assert!(
        run.stdout.ends_with(
            "Exit codes:\n  0  success\n  1  a migration or the database failed\n  2  bad usage, configuration or migration files, or a writing command\n     pointed at a read-only standby\n  3  refused: history and migration files disagree (modified, missing,\n     out-of-order or interrupted migrations), or the history table is not\n     Strata's (see `strata adopt`), or `repair` of a version that is not\n     interrupted; nothing was changed\n  4  status --exit-code or check: not up to date (pending, out-of-order,\n     modified, missing or interrupted migrations)\n  5  another strata run held the database's lock for longer than\n     --lock-timeout, or (Galera) took it over from this one after it stalled\n     past its lease\n"
        ),
        "{run}"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn subcommand_help_describes_its_arguments() {
    let project = Project::bare();
    let run = project.ok(&["up", "--help"]);
    assert!(run.stdout.contains("--allow-out-of-order"), "{run}");
    assert!(run.stdout.contains("[VERSION]"), "{run}");
    let run = project.ok(&["reset", "--help"]);
    assert!(run.stdout.contains("--yes"), "{run}");
}

// ---------------------------------------------------------------- status

#[test]
fn status_lists_pending_migrations_and_a_summary_line() {
    let project = two_migrations();
    project.run(&["status"]).assert(
        0,
        "Version  Name          State    Applied at (UTC)\n\
         001      create_users  pending\n\
         002      create_notes  pending\n\
         \n\
         Current version: none  | 0 applied, 2 pending\n",
        NO_DATABASE_YET,
    );
}

const NO_DATABASE_YET: &str = "sqlite:app.db does not exist yet; every migration is pending.\n";

#[test]
fn status_with_no_migrations_prints_only_the_summary_line() {
    let project = Project::new();
    project.run(&["status"]).assert(0, "Current version: none  | 0 applied, 0 pending\n", NO_DATABASE_YET);
}

#[test]
fn status_shows_applied_migrations_with_their_time() {
    let project = two_migrations();
    project.ok(&["up", "1"]);
    project.run(&["status"]).assert(
        0,
        "Version  Name          State    Applied at (UTC)\n\
         001      create_users  applied  <TIME>\n\
         002      create_notes  pending\n\
         \n\
         Current version: 001 (create_users)  | 1 applied, 1 pending\n",
        "",
    );
}

#[test]
fn status_shows_modified_missing_and_out_of_order_migrations() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.table_migration("003_c.sql", "c");
    project.table_migration("005_e.sql", "e");
    project.ok(&["up"]);
    project.up_down("002_b.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY, extra TEXT);", Some("DROP TABLE b;"));
    project.remove(&format!("{DIR}/003_c.sql"));
    project.table_migration("004_d.sql", "d");
    project.run(&["status"]).assert(
        0,
        "Version  Name  State         Applied at (UTC)\n\
         001      a     applied       <TIME>\n\
         002      b     modified      <TIME>\n\
         003      c     missing       <TIME>\n\
         004      d     out-of-order\n\
         005      e     applied       <TIME>\n\
         \n\
         Current version: 005 (e)  | 2 applied, 0 pending, 1 modified, 1 missing, 1 out-of-order\n",
        "",
    );
}

#[test]
fn status_json_is_one_json_document() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project.table_migration("004_d.sql", "d");
    project.ok(&["up"]);
    project.remove(&format!("{DIR}/002_b.sql"));
    project.table_migration("003_c.sql", "c");
    project.table_migration("005_e.sql", "e");
    let run = project.ok(&["status", "--json"]);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout.lines().count(), 1, "{run}");
    assert!(!run.stdout.contains('\x1b'));
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("status --json prints JSON");
    assert_eq!(json["current_version"], 4);
    assert_eq!(
        json["counts"],
        serde_json::json!({"applied": 2, "pending": 1, "modified": 0, "missing": 1, "out_of_order": 1, "interrupted": 0})
    );
    let migrations = json["migrations"].as_array().unwrap();
    let summary: Vec<(u64, &str, &str, &str)> = migrations
        .iter()
        .map(|m| {
            (
                m["version"].as_u64().unwrap(),
                m["label"].as_str().unwrap(),
                m["name"].as_str().unwrap(),
                m["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "001", "a", "applied"),
            (2, "002", "b", "missing"),
            (3, "003", "c", "out-of-order"),
            (4, "004", "d", "applied"),
            (5, "005", "e", "pending")
        ]
    );
    for m in migrations {
        let applied = m["state"] != "pending" && m["state"] != "out-of-order";
        assert_eq!(m["applied_at"].is_string(), applied, "{m}");
        assert_eq!(m["execution_ms"].is_u64(), applied, "{m}");
        let checksum = m["checksum"].as_str().unwrap();
        assert!(checksum.len() == 64 && checksum.bytes().all(|b| b.is_ascii_hexdigit()), "{m}");
    }
    let applied_at = migrations[0]["applied_at"].as_str().unwrap();
    assert_eq!(common::normalize(applied_at), "<TIME>");
}

#[test]
fn status_table_lines_have_no_trailing_spaces() {
    // A pending row's state is padded to the width of the State column; the
    // line is meant to be trimmed (there is no applied time after it).
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.ok(&["up"]);
    project.up_down("001_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY, changed TEXT);", Some("DROP TABLE a;"));
    project.table_migration("002_b.sql", "b");
    let run = project.ok(&["status"]);
    for line in run.stdout.lines() {
        assert_eq!(line, line.trim_end(), "status line ends with spaces: {line:?}\n{run}");
    }
}

// ---------------------------------------------------------------- up

#[test]
fn up_applies_pending_migrations_in_order_and_prints_each() {
    let project = two_migrations();
    project.run(&["up"]).assert(
        0,
        "Applying 001 create_users ... ok (<DUR>)\n\
         Applying 002 create_notes ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 002 (create_notes).\n",
        "",
    );
    assert_eq!(project.history(), [(1, "create_users".to_owned()), (2, "create_notes".to_owned())]);
    assert_eq!(project.schema(), ["table notes", "table users"]);
}

#[test]
fn up_with_nothing_pending_says_so() {
    let project = two_migrations();
    project.ok(&["up"]);
    project.run(&["up"]).assert(0, "Nothing to apply: the database is at version 002 (create_notes).\n", "");
}

#[test]
fn up_with_no_migrations_says_so() {
    let project = Project::new();
    project.run(&["up"]).assert(0, "Nothing to apply: there are no migrations in migrations/versions.\n", "");
}

#[test]
fn up_version_stops_after_that_version() {
    let project = two_migrations();
    project.table_migration("003_c.sql", "c");
    project.run(&["up", "2"]).assert(
        0,
        "Applying 001 create_users ... ok (<DUR>)\n\
         Applying 002 create_notes ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 002 (create_notes).\n",
        "",
    );
    assert_eq!(project.versions(), [1, 2]);
    project.run(&["up", "2"]).assert(0, "Nothing to apply: the database is at version 002 (create_notes).\n", "");
    project.run(&["up", "3"]).assert(
        0,
        "Applying 003 c ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 003 (c).\n",
        "",
    );
}

#[test]
fn up_allow_out_of_order_applies_an_older_pending_migration() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("003_c.sql", "c");
    project.ok(&["up"]);
    project.table_migration("002_b.sql", "b");
    project.run(&["up", "--allow-out-of-order"]).assert(
        0,
        "Applying 002 b ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 003 (c).\n",
        "",
    );
    assert_eq!(project.versions(), [1, 2, 3]);
    project.run(&["status"]).assert(
        0,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     applied  <TIME>\n\
         002      b     applied  <TIME>\n\
         003      c     applied  <TIME>\n\
         \n\
         Current version: 003 (c)  | 3 applied, 0 pending\n",
        "",
    );
}

// ---------------------------------------------------------------- history table

#[test]
fn history_row_holds_version_name_checksum_time_and_both_scripts() {
    let project = two_migrations();
    project.up_down("003_seed.sql", "INSERT INTO users (name) VALUES ('root');", None);
    project.ok(&["up"]);
    let db = project.db();
    let (version, name, checksum, up_sql, down_sql): (i64, String, String, String, Option<String>) = db
        .query_row(
            "SELECT version, name, checksum, up_sql, down_sql FROM migration_history WHERE version = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!((version, name.as_str()), (1, "create_users"));
    assert_eq!(checksum, USERS_UP_SHA256);
    assert_eq!(up_sql, USERS_UP);
    assert_eq!(down_sql.as_deref(), Some("DROP TABLE users;\n"));

    let down_sql: Option<String> =
        db.query_row("SELECT down_sql FROM migration_history WHERE version = 3", [], |r| r.get(0)).unwrap();
    assert_eq!(down_sql, None, "a migration without a down section stores no down script");

    let mut statement =
        db.prepare("SELECT applied_at, execution_ms, typeof(execution_ms) FROM migration_history").unwrap();
    let rows: Vec<(String, i64, String)> =
        statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    for (applied_at, execution_ms, kind) in rows {
        assert_eq!(common::normalize(&applied_at), "<TIME>", "applied_at is YYYY-MM-DD HH:MM:SS: {applied_at:?}");
        // UTC: within a few minutes of SQLite's own idea of now (UTC).
        let skew = count(&db, &format!("SELECT abs(strftime('%s', 'now') - strftime('%s', '{applied_at}'))"));
        assert!(skew < 300, "applied_at {applied_at} is {skew} s away from UTC now");
        assert!(execution_ms >= 0 && kind == "integer", "execution_ms {execution_ms} ({kind})");
    }
}

#[test]
fn checksum_ignores_crlf_line_endings_and_bom() {
    let project = two_migrations();
    project.ok(&["up"]);
    let lf = project.read(&format!("{DIR}/001_create_users.sql"));
    let crlf = lf.replace('\n', "\r\n");
    project.write(&format!("{DIR}/001_create_users.sql"), &crlf);
    let applied = "Version  Name          State    Applied at (UTC)\n\
                   001      create_users  applied  <TIME>\n\
                   002      create_notes  applied  <TIME>\n\
                   \n\
                   Current version: 002 (create_notes)  | 2 applied, 0 pending\n";
    project.run(&["status"]).assert(0, applied, "");
    project.write(&format!("{DIR}/001_create_users.sql"), &format!("\u{feff}{crlf}"));
    project.run(&["status"]).assert(0, applied, "");
    project.run(&["up"]).assert(0, "Nothing to apply: the database is at version 002 (create_notes).\n", "");
}

#[test]
fn a_migration_first_applied_from_a_crlf_file_has_the_lf_checksum() {
    let project = Project::new();
    project.migration("001_create_users.sql", &format!("\u{feff}-- migrate:up\r\n{}", USERS_UP.replace('\n', "\r\n")));
    project.ok(&["up"]);
    let checksum: String = project.db().query_row("SELECT checksum FROM migration_history", [], |r| r.get(0)).unwrap();
    assert_eq!(checksum, USERS_UP_SHA256);
}

// ---------------------------------------------------------------- migration files

#[test]
fn pair_layout_up_and_down_files_make_one_migration() {
    let project = Project::new();
    project.migration("001_create_users.up.sql", USERS_UP);
    project.migration("001_create_users.down.sql", "DROP TABLE users;\n");
    project.migration("002_create_tags.up.sql", "-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n");
    project.migration("002_create_tags.down.sql", "-- migrate:down\nDROP TABLE tags;\n");
    project.run(&["up"]).assert(
        0,
        "Applying 001 create_users ... ok (<DUR>)\n\
         Applying 002 create_tags ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 002 (create_tags).\n",
        "",
    );
    let (checksum, down_sql): (String, String) = project
        .db()
        .query_row("SELECT checksum, down_sql FROM migration_history WHERE version = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(checksum, USERS_UP_SHA256);
    assert_eq!(down_sql, "DROP TABLE users;\n");
    project.run(&["down", "0", "--yes"]).assert(
        0,
        "Reverting 002 create_tags ... ok (<DUR>)\n\
         Reverting 001 create_users ... ok (<DUR>)\n\
         Reverted 2 migrations in <DUR>; no migration is applied.\n",
        "",
    );
    assert!(project.schema().is_empty());
}

#[test]
fn files_that_are_not_sql_are_ignored() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.migration("README.md", "# Migrations\nNot SQL; not a migration.\n");
    project.migration("notes.txt", "SELECT nonsense;\n");
    project.migration(".#001_a.sql", "garbage from an editor");
    project.migration("archive/001_old.sql", "not a migration of this folder");
    project.run(&["up"]).assert(
        0,
        "Applying 001 a ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (a).\n",
        "",
    );
}

#[test]
fn triggers_strings_and_comments_holding_semicolons_run_as_written() {
    let project = Project::new();
    project.migration(
        "001_audit.sql",
        "-- migrate:up\n\
         CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE log (msg TEXT);\n\
         /* a block comment; with a semicolon */\n\
         CREATE TRIGGER users_ai AFTER INSERT ON users\n\
         BEGIN\n\
         \x20 INSERT INTO log VALUES ('inserted; ' || new.name); -- a comment; here\n\
         \x20 INSERT INTO log VALUES (CASE WHEN new.name = 'x' THEN 'x;' ELSE 'other' END);\n\
         END;\n\
         INSERT INTO users (name) VALUES ('a;b');\n\
         INSERT INTO users (name) VALUES ('x') -- no semicolon at the end\n\
         -- migrate:down\n\
         DROP TABLE log; DROP TABLE users;\n",
    );
    project.ok(&["up"]);
    let db = project.db();
    let mut statement = db.prepare("SELECT msg FROM log ORDER BY rowid").unwrap();
    let log: Vec<String> = statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(log, ["inserted; a;b", "other", "inserted; x", "x;"]);
    assert_eq!(project.schema(), ["table log", "table users", "trigger users_ai"]);
    project.ok(&["down", "0", "--yes"]);
    assert!(project.schema().is_empty());
}

#[test]
fn transaction_false_runs_statements_outside_a_transaction() {
    // VACUUM cannot run inside a transaction.
    let project = Project::new();
    project.migration(
        "001_vacuum.sql",
        "-- migrate:up transaction:false\nCREATE TABLE a (id INTEGER);\nVACUUM;\n-- migrate:down transaction:false\nDROP TABLE a;\nVACUUM;\n",
    );
    project.run(&["up"]).assert(
        0,
        "Applying 001 vacuum ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (vacuum).\n",
        "",
    );
    let state: String = project.db().query_row("SELECT state FROM migration_history", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "applied");
    project.ok(&["down", "0", "--yes"]);
    assert!(project.history().is_empty());
    assert!(project.schema().is_empty());
}

// ---------------------------------------------------------------- foreign_keys:off

fn parents_and_children() -> Project {
    let project = Project::new();
    project.up_down(
        "001_parents_children.sql",
        "CREATE TABLE parents (id INTEGER PRIMARY KEY);\n\
         CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents(id));\n\
         INSERT INTO parents VALUES (1);\n\
         INSERT INTO children VALUES (10, 1);",
        Some("DROP TABLE children;\nDROP TABLE parents;"),
    );
    project
}

const REBUILD_PARENTS: &str = "-- migrate:up foreign_keys:off\n\
    CREATE TABLE parents_new (id INTEGER PRIMARY KEY, label TEXT NOT NULL DEFAULT '');\n\
    INSERT INTO parents_new (id) SELECT id FROM parents;\n\
    DROP TABLE parents;\n\
    ALTER TABLE parents_new RENAME TO parents;\n\
    -- migrate:down foreign_keys:off\n\
    CREATE TABLE parents_old (id INTEGER PRIMARY KEY);\n\
    INSERT INTO parents_old (id) SELECT id FROM parents;\n\
    DROP TABLE parents;\n\
    ALTER TABLE parents_old RENAME TO parents;\n";

#[test]
fn foreign_keys_off_rebuild_that_keeps_keys_valid_succeeds() {
    let project = parents_and_children();
    project.migration("002_rebuild_parents.sql", REBUILD_PARENTS);
    project.run(&["up"]).assert(
        0,
        "Applying 001 parents_children ... ok (<DUR>)\n\
         Applying 002 rebuild_parents ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 002 (rebuild_parents).\n",
        "",
    );
    let db = project.db();
    assert_eq!(count(&db, "SELECT count(*) FROM children JOIN parents ON parents.id = children.parent_id"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM pragma_table_info('parents') WHERE name = 'label'"), 1);
    drop(db);
    project.ok(&["down", "1"]);
    assert_eq!(count(&project.db(), "SELECT count(*) FROM pragma_table_info('parents') WHERE name = 'label'"), 0);
}

#[test]
fn foreign_keys_are_enforced_again_after_a_foreign_keys_off_step() {
    // One run: the rebuild turns enforcement off for its step only; the next
    // migration's insert of an orphan must fail.
    let project = parents_and_children();
    project.migration("002_rebuild_parents.sql", REBUILD_PARENTS);
    project.up_down(
        "003_orphan.sql",
        "CREATE TABLE t3 (id INTEGER);\nINSERT INTO children VALUES (11, 99);",
        Some("DROP TABLE t3;"),
    );
    project.run(&["up"]).assert(
        1,
        "Applying 001 parents_children ... ok (<DUR>)\n\
         Applying 002 rebuild_parents ... ok (<DUR>)\n\
         Applying 003 orphan ... failed\n",
        "Error: migration 003 (orphan) failed at migrations/versions/003_orphan.sql:3: FOREIGN KEY constraint failed\n\
         Hint: migration 003 was rolled back and left no trace; the migrations before it stay applied. Fix it and run `strata up` again.\n",
    );
    assert_eq!(project.versions(), [1, 2]);
    let db = project.db();
    assert!(!has_table(&db, "t3"));
    assert_eq!(count(&db, "SELECT count(*) FROM children"), 1);
}

// ---------------------------------------------------------------- down

#[test]
fn down_reverts_newest_first_down_to_the_version() {
    let project = two_migrations();
    project.table_migration("003_c.sql", "c");
    project.ok(&["up"]);
    project.run(&["down", "1"]).assert(
        0,
        "Reverting 003 c ... ok (<DUR>)\n\
         Reverting 002 create_notes ... ok (<DUR>)\n\
         Reverted 2 migrations in <DUR>; the database is at version 001 (create_users).\n",
        "",
    );
    assert_eq!(project.versions(), [1]);
    assert_eq!(project.schema(), ["table users"]);
    project.run(&["down", "1"]).assert(0, "Nothing to revert: the database is at version 001 (create_users).\n", "");
}

#[test]
fn down_zero_reverts_everything() {
    let project = two_migrations();
    project.ok(&["up"]);
    project.run(&["down", "0", "--yes"]).assert(
        0,
        "Reverting 002 create_notes ... ok (<DUR>)\n\
         Reverting 001 create_users ... ok (<DUR>)\n\
         Reverted 2 migrations in <DUR>; no migration is applied.\n",
        "",
    );
    assert!(project.history().is_empty());
    assert!(project.schema().is_empty());
    project.run(&["down", "0", "--yes"]).assert(0, "Nothing to revert: no migration is applied.\n", "");
}

#[test]
fn down_reverts_a_migration_whose_file_was_deleted_using_the_stored_script() {
    let project = two_migrations();
    project.ok(&["up"]);
    project.remove(&format!("{DIR}/002_create_notes.sql"));
    project.run(&["down", "1"]).assert(
        0,
        "Reverting 002 create_notes ... ok (<DUR>)\n\
         Reverted 1 migration in <DUR>; the database is at version 001 (create_users).\n",
        "",
    );
    assert_eq!(project.versions(), [1]);
    assert_eq!(project.schema(), ["table users"]);
}

#[test]
fn down_with_a_stored_foreign_keys_off_script_keeps_its_option() {
    // The stored down script of a deleted file runs with its marker options.
    let project = parents_and_children();
    project.migration("002_rebuild_parents.sql", REBUILD_PARENTS);
    project.ok(&["up"]);
    project.remove(&format!("{DIR}/002_rebuild_parents.sql"));
    project.ok(&["down", "1"]);
    let db = project.db();
    assert_eq!(count(&db, "SELECT count(*) FROM pragma_table_info('parents') WHERE name = 'label'"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM children"), 1);
}

// ---------------------------------------------------------------- create

#[test]
fn create_starts_at_001_and_creates_the_folder() {
    let project = Project::bare();
    project.write("strata.toml", "database = \"sqlite:app.db\"\n");
    project.run(&["create", "Create users table"]).assert(
        0,
        "Created migrations/versions/001_create_users_table.sql\n",
        "",
    );
    assert_eq!(
        project.read(&format!("{DIR}/001_create_users_table.sql")),
        "-- Create users table\n-- migrate:up\n\n-- migrate:down\n\n"
    );
    assert!(!project.exists("app.db"), "create does not touch the database");
}

#[test]
fn create_needs_no_database() {
    let project = Project::bare();
    project.run(&["create", "first"]).assert(0, "Created migrations/versions/001_first.sql\n", "");
}

#[test]
fn create_uses_the_next_version_with_the_width_in_use() {
    let project = Project::new();
    project.table_migration("0009_a.sql", "a");
    project.run(&["create", "next one"]).assert(0, "Created migrations/versions/0010_next_one.sql\n", "");
    project.run(&["create", "and another"]).assert(0, "Created migrations/versions/0011_and_another.sql\n", "");
    assert_eq!(project.files_in(DIR), ["0009_a.sql", "0010_next_one.sql", "0011_and_another.sql"]);
    // The new files are valid migrations, but `up` refuses to apply an empty up section.
    project.ok(&["status"]);
    let run = project.run(&["up"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.starts_with("Error: migrations/versions/0010_next_one.sql:2: the up section of migration 0010 (next_one) has no statement"), "{run}");
    project.ok(&["up", "9"]);
    assert_eq!(project.versions(), [9], "nothing but the migration before them");
}

#[test]
fn create_slugs_the_description() {
    let project = Project::new();
    project.run(&["create", "  Add   User-Prefs!! (v2) "]).assert(
        0,
        "Created migrations/versions/001_add_user_prefs_v2.sql\n",
        "",
    );
    project.run(&["create", "../../etc/passwd"]).assert(0, "Created migrations/versions/002_etc_passwd.sql\n", "");
    assert_eq!(project.files_in(DIR), ["001_add_user_prefs_v2.sql", "002_etc_passwd.sql"]);
}

#[test]
fn create_writes_into_dir_flag_or_strata_toml_folder() {
    let project = Project::bare();
    project.run(&["--dir", "db/changes", "create", "one"]).assert(0, "Created db/changes/001_one.sql\n", "");
    project.write("strata.toml", "migrations = \"sql\"\n");
    project.run(&["create", "two"]).assert(0, "Created sql/001_two.sql\n", "");
    project.run(&["create", "three", "--dir", "db/changes"]).assert(0, "Created db/changes/002_three.sql\n", "");
}

#[test]
fn create_never_overwrites_an_existing_path() {
    // The only way the next name can already exist is a non-file in the way.
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    std::fs::create_dir_all(project.join(&format!("{DIR}/002_b.sql"))).unwrap();
    std::fs::write(project.join(&format!("{DIR}/002_b.sql/keep.txt")), "keep").unwrap();
    let run = project.run(&["create", "b"]);
    assert_ne!(run.code, 0, "{run}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("Error: migrations/versions/002_b.sql: "), "{run}");
    assert_eq!(project.read(&format!("{DIR}/002_b.sql/keep.txt")), "keep");
}

#[test]
fn create_never_reuses_the_version_of_an_applied_migration_whose_file_is_gone() {
    // History knows version 002 (its file was deleted). A new migration must
    // not take 002 again: it would show as a "modified" 002 and block `up`.
    let project = two_migrations();
    project.ok(&["up"]);
    project.remove(&format!("{DIR}/002_create_notes.sql"));
    project.run(&["create", "add tags"]).assert(0, "Created migrations/versions/003_add_tags.sql\n", "");
}

// ---------------------------------------------------------------- reset

#[test]
fn reset_yes_drops_every_table_view_trigger_and_index_and_empties_history() {
    let project = Project::new();
    project.up_down(
        "001_everything.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT UNIQUE);\n\
         CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));\n\
         CREATE INDEX b_a ON b(a_id);\n\
         CREATE VIEW av AS SELECT * FROM a;\n\
         CREATE TRIGGER a_ai AFTER INSERT ON a BEGIN INSERT INTO b (a_id) VALUES (new.id); END;\n\
         INSERT INTO a (v) VALUES ('x');",
        Some("DROP TABLE b; DROP TABLE a;"),
    );
    project.ok(&["up"]);
    assert_eq!(project.schema(), ["index b_a", "table a", "table b", "trigger a_ai", "view av"]);
    project.run(&["reset", "--yes"]).assert(
        0,
        "Reset sqlite:app.db: dropped 2 tables, 1 view, 1 trigger and 1 index; migration_history is empty.\n",
        "",
    );
    assert!(project.schema().is_empty());
    assert!(project.history().is_empty());
    assert!(has_table(&project.db(), "migration_history"));
    // Everything can be applied again.
    project.ok(&["up"]);
    assert_eq!(project.versions(), [1]);
}

#[test]
fn reset_counts_a_virtual_table_once() {
    // An FTS5 table keeps its data in shadow tables (docs_data, docs_idx, ...);
    // dropping `docs` drops them. They are not tables the user made.
    let project = Project::new();
    project.up_down(
        "001_search.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\nCREATE VIRTUAL TABLE docs USING fts5(body);",
        Some("DROP TABLE docs;\nDROP TABLE notes;"),
    );
    project.ok(&["up"]);
    project.run(&["reset", "--yes"]).assert(
        0,
        "Reset sqlite:app.db: dropped 2 tables, 0 views, 0 triggers and 0 indexes; migration_history is empty.\n",
        "",
    );
    assert!(project.schema().is_empty());
}

#[test]
fn reset_yes_on_an_empty_database() {
    let project = Project::new();
    project.run(&["reset", "--yes"]).assert(
        0,
        "Reset sqlite:app.db: dropped 0 tables, 0 views, 0 triggers and 0 indexes; migration_history is empty.\n",
        "",
    );
}

// ---------------------------------------------------------------- settings

#[test]
fn database_flag_beats_database_url_which_beats_strata_toml() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.write("strata.toml", "database = \"sqlite:toml.db\"\n");

    project.ok(&["up"]);
    let mut env = project.strata();
    env.env("DATABASE_URL", "sqlite:env.db").arg("up");
    let run = common::Run::of(&mut env);
    assert_eq!(run.code, 0, "{run}");
    let mut flag = project.strata();
    flag.env("DATABASE_URL", "sqlite:env.db").args(["--database", "sqlite:flag.db", "up"]);
    let run = common::Run::of(&mut flag);
    assert_eq!(run.code, 0, "{run}");

    for db in ["toml.db", "env.db", "flag.db"] {
        assert_eq!(common::history(&project.db_at(db)), [(1, "a".to_owned())], "{db}");
    }
    assert!(!project.exists("app.db"));
}

#[test]
fn an_empty_database_url_variable_counts_as_unset() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    let mut command = project.strata();
    command.env("DATABASE_URL", "").arg("up");
    let run = common::Run::of(&mut command);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(project.versions(), [1]);
}

#[test]
fn dir_flag_beats_strata_toml_which_beats_the_default_folder() {
    let project = Project::new();
    project.table_migration("001_default.sql", "from_default");
    project.write("toml_dir/001_toml.sql", "-- migrate:up\nCREATE TABLE from_toml (id INTEGER);\n");
    project.write("flag_dir/001_flag.sql", "-- migrate:up\nCREATE TABLE from_flag (id INTEGER);\n");

    project.run(&["--database", "default.db", "up"]).assert(
        0,
        "Applying 001 default ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (default).\n",
        "",
    );
    project.write("strata.toml", "database = \"sqlite:app.db\"\nmigrations = \"toml_dir\"\n");
    project.run(&["--database", "toml.db", "up"]).assert(
        0,
        "Applying 001 toml ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (toml).\n",
        "",
    );
    project.run(&["--database", "flag.db", "--dir", "flag_dir", "up"]).assert(
        0,
        "Applying 001 flag ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (flag).\n",
        "",
    );
    assert!(has_table(&project.db_at("default.db"), "from_default"));
    assert!(has_table(&project.db_at("toml.db"), "from_toml"));
    assert!(has_table(&project.db_at("flag.db"), "from_flag"));
}

#[test]
fn sqlite_urls_and_plain_paths_create_the_file_and_its_folders() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    for (url, file) in
        [("sqlite:one/a.db", "one/a.db"), ("sqlite://two/deeper/b.db", "two/deeper/b.db"), ("three/c.db", "three/c.db")]
    {
        project.ok(&["--database", url, "up"]);
        assert!(project.join(file).is_file(), "{url} should create {file}");
        assert_eq!(common::history(&project.db_at(file)), [(1, "a".to_owned())], "{url}");
    }
    let absolute = project.join("abs/d.db");
    project.ok(&["--database", &format!("sqlite://{}", absolute.display()), "up"]);
    assert!(absolute.is_file());
}

#[test]
fn global_options_may_follow_the_command() {
    let project = Project::bare();
    project.write("m/001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n");
    project.ok(&["up", "--database", "x.db", "--dir", "m"]);
    assert_eq!(common::history(&project.db_at("x.db")), [(1, "a".to_owned())]);
}

// ---------------------------------------------------------------- colour

fn colour_scenario() -> Project {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("003_c.sql", "c");
    project.ok(&["up"]);
    project.table_migration("002_b.sql", "b");
    project
}

/// Runs `args` with NO_COLOR and CLICOLOR_FORCE as given; returns stdout + stderr.
fn output_with(project: &Project, no_color: Option<&str>, force: Option<&str>, args: &[&str]) -> String {
    let mut command = project.strata();
    command.env_remove("NO_COLOR");
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    if let Some(value) = force {
        command.env("CLICOLOR_FORCE", value);
    }
    command.args(args);
    let run = common::Run::of(&mut command);
    format!("{}{}", run.stdout, run.stderr)
}

#[test]
fn no_escape_codes_when_output_is_not_a_terminal() {
    let project = colour_scenario();
    for args in [&["status"][..], &["up"], &["up", "--allow-out-of-order"], &["down", "0", "--yes"], &["down", "9"]] {
        let output = output_with(&project, None, None, args);
        assert!(!output.contains('\x1b'), "escape codes in `strata {args:?}` without a terminal: {output:?}");
        assert!(!output.is_empty());
    }
}

#[test]
fn no_color_removes_escape_codes_even_when_colour_is_forced() {
    let project = colour_scenario();
    // Sanity: forcing colour does colour the output, so the check below means something.
    let forced = output_with(&project, None, Some("1"), &["status"]);
    assert!(forced.contains('\x1b'), "CLICOLOR_FORCE=1 should colour: {forced:?}");
    let forced_error = output_with(&project, None, Some("1"), &["up"]);
    assert!(forced_error.contains("\x1b["), "{forced_error:?}");
    for args in [&["status"][..], &["up"], &["down", "9"]] {
        let output = output_with(&project, Some("1"), Some("1"), args);
        assert!(!output.contains('\x1b'), "escape codes with NO_COLOR in `strata {args:?}`: {output:?}");
    }
}

#[test]
fn reset_on_a_terminal_asks_to_type_yes() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.ok(&["up"]);
    let (code, screen) = project.on_terminal("reset", "no\n");
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("Type `yes` to continue: "), "{screen}");
    assert!(screen.contains("Error: reset cancelled; nothing was changed"), "{screen}");
    assert_eq!(project.schema(), ["table a"]);
    assert_eq!(project.versions(), [1]);

    let (code, screen) = project.on_terminal("reset", "yes\n");
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains(
            "This drops every table, view, trigger and index in sqlite:app.db and empties migration_history.\n"
        ),
        "{screen}"
    );
    assert!(
        screen.ends_with(
            "Reset sqlite:app.db: dropped 1 table, 0 views, 0 triggers and 0 indexes; migration_history is empty.\n"
        ),
        "{screen}"
    );
    assert!(project.schema().is_empty());
    assert!(project.history().is_empty());
}

// ---------------------------------------------------------------- journal

fn journal_mode(project: &Project) -> String {
    project.db().query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap()
}

#[test]
fn up_and_down_leave_no_journal_file_and_the_journal_mode_as_it_was() {
    let project = two_migrations();
    project.ok(&["up"]);
    project.ok(&["down", "1"]);
    assert!(!project.exists("app.db-journal"), "{:?}", project.files_in("."));
    assert_eq!(journal_mode(&project), "delete");

    project.db().execute_batch("PRAGMA journal_mode = WAL").unwrap();
    project.ok(&["up"]);
    assert_eq!(journal_mode(&project), "wal");
    assert!(!project.exists("app.db-journal"), "{:?}", project.files_in("."));
}
