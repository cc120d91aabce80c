//! Migration files and folders that are not what they seem: odd names, file
//! kinds, line endings, marker look-alikes, empty sections, another tool's
//! layout, unreadable folders, and rollbacks across migrations without a down.

mod common;

use common::{applied_one_pending_one, assert_bad_files, Project, DIR, FILE_HINT};

// ---------------------------------------------------------------- names and kinds

#[cfg(unix)]
#[test]
fn a_sql_file_name_that_is_not_utf8_is_an_error_not_skipped() {
    use std::os::unix::ffi::OsStrExt;
    let project = applied_one_pending_one();
    let name = std::ffi::OsStr::from_bytes(b"003_caf\xe9.sql");
    std::fs::write(project.join(DIR).join(name), "-- migrate:up\nCREATE TABLE b (id INTEGER);\n").unwrap();
    assert_bad_files(
        &project,
        "migrations/versions/003_caf\u{fffd}.sql: the file name is not valid UTF-8; rename it to {version}_{description}.sql, e.g. 003_create_users.sql",
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_sql_is_named_as_an_error_without_hanging() {
    let project = applied_one_pending_one();
    let fifo = project.join(&format!("{DIR}/003_b.sql"));
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
    assert!(made.success());
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql: is a FIFO (named pipe), not a regular file; a migration must be a regular file or a link to one",
    );
}

#[cfg(unix)]
#[test]
fn a_link_to_a_device_is_named_as_an_error_without_reading_it() {
    let project = applied_one_pending_one();
    std::os::unix::fs::symlink("/dev/zero", project.join(&format!("{DIR}/003_b.sql"))).unwrap();
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql: links to /dev/zero, which is a character device, not a regular file; a migration must be a regular file or a link to one",
    );
}

#[cfg(unix)]
#[test]
fn a_link_to_a_regular_file_is_read() {
    let project = Project::new();
    project.write("shared/create_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n");
    std::os::unix::fs::symlink(project.join("shared/create_a.sql"), project.join(&format!("{DIR}/001_a.sql"))).unwrap();
    project.ok(&["up"]);
    assert_eq!(project.schema(), ["table a"]);
}

#[test]
fn a_file_over_the_size_limit_is_refused_with_its_size_before_it_is_read() {
    let project = applied_one_pending_one();
    let file = std::fs::File::create(project.join(&format!("{DIR}/003_huge.sql"))).unwrap();
    file.set_len(257 * 1024 * 1024).unwrap(); // sparse: no disk space, and reading it would take 257 MiB
    assert_bad_files(
        &project,
        "migrations/versions/003_huge.sql: is 257.0 MiB (269484032 bytes), over the 256 MiB limit for a migration file; split it into smaller migrations",
    );
}

#[test]
fn a_flyway_style_name_is_named_as_such() {
    let project = applied_one_pending_one();
    project.migration("V3__add_b.sql", "CREATE TABLE b (id INTEGER);\n");
    assert_bad_files(
        &project,
        "migrations/versions/V3__add_b.sql: a Flyway-style name (V{version}__{description}.sql); Strata's names are {version}_{description}.sql, e.g. 001_create_users.sql, with a snake_case description",
    );
}

// ---------------------------------------------------------------- line endings

#[test]
fn cr_only_line_endings_read_like_lf() {
    let project = Project::new();
    project.migration(
        "001_a.sql",
        "-- Creates a.\r-- migrate:up\rCREATE TABLE a (id INTEGER); -- a comment\rCREATE TABLE b (id INTEGER);\r-- migrate:down\rDROP TABLE b;\rDROP TABLE a;\r",
    );
    project.ok(&["up"]);
    assert_eq!(project.schema(), ["table a", "table b"]);
    // The same script with LF endings has the same checksum: not modified.
    project.migration(
        "001_a.sql",
        "-- Creates a.\n-- migrate:up\nCREATE TABLE a (id INTEGER); -- a comment\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\nDROP TABLE a;\n",
    );
    project.ok(&["up"]);
    project.ok(&["down", "0", "--yes"]);
    assert!(project.schema().is_empty());
}

#[test]
fn a_failing_statement_in_a_cr_only_file_names_its_line() {
    let project = Project::new();
    project.migration("001_a.sql", "-- migrate:up\rCREATE TABLE a (id INTEGER);\r\rINSERT INTO nowhere VALUES (1);\r");
    let run = project.run(&["up"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.starts_with(
            "Error: migration 001 (a) failed at migrations/versions/001_a.sql:4: no such table: nowhere\n"
        ),
        "{run}"
    );
}

// ---------------------------------------------------------------- markers

#[test]
fn comments_and_block_comments_before_the_first_marker_are_fine() {
    let project = Project::new();
    project.migration(
        "001_a.sql",
        "/* Creates a.\n   Reviewed by: ops */\n-- Migrate the users table to the new layout\n-- Migration: adds a\n/* one */ /* two */ -- three\n\n-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
    );
    project.ok(&["up"]);
    assert_eq!(project.schema(), ["table a"]);
}

#[test]
fn sql_after_a_block_comment_before_the_first_marker_is_still_refused() {
    let project = applied_one_pending_one();
    project.migration("003_b.sql", "/* a comment */ CREATE TABLE b (id INTEGER);\n-- migrate:up\nSELECT 1;\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:1: SQL before the first `-- migrate:up` marker; put it inside a section",
    );
}

#[test]
fn a_marker_with_the_wrong_case_gets_did_you_mean() {
    let project = applied_one_pending_one();
    project.migration("003_b.sql", "-- Migrate:Up\nCREATE TABLE b (id INTEGER);\n");
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:1: unknown marker `-- Migrate:Up`; did you mean `-- migrate:up`?",
    );
}

#[test]
fn a_look_alike_down_marker_inside_the_up_section_is_an_error_not_a_comment() {
    // Read as a comment, it would put DROP TABLE b into the up section.
    let project = applied_one_pending_one();
    project.migration(
        "003_b.sql",
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- MIGRATE:DOWN transaction:false\nDROP TABLE b;\n",
    );
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:3: unknown marker `-- MIGRATE:DOWN transaction:false`; did you mean `-- migrate:down transaction:false`?",
    );
}

#[test]
fn marker_typos_get_did_you_mean() {
    let cases = [
        ("-- migrate:upp", "-- migrate:up"),
        ("-- migrate: up", "-- migrate:up"),
        ("-- migrations:up", "-- migrate:up"),
        ("-- migrate up", "-- migrate:up"),
        ("--Migrate:Down", "-- migrate:down"),
        ("-- migrate:dwon", "-- migrate:down"),
        ("-- +migrate Up", "-- migrate:up"),
        ("-- +goose Down", "-- migrate:down"),
    ];
    for (line, suggestion) in cases {
        let project = applied_one_pending_one();
        project
            .migration("003_b.sql", &format!("-- migrate:up\nCREATE TABLE b (id INTEGER);\n{line}\nDROP TABLE b;\n"));
        let expected = format!(
            "Error: migrations/versions/003_b.sql:3: unknown marker `{line}`; did you mean `{suggestion}`?\n{FILE_HINT}"
        );
        project.run(&["up"]).assert_error(2, &expected);
    }
}

#[test]
fn prose_comments_that_mention_migrating_are_comments() {
    let project = Project::new();
    project.migration(
        "001_a.sql",
        "-- migrate:up\n-- Migrate up the old rows first.\n-- Migration: down the road, drop b\nCREATE TABLE a (id INTEGER);\n-- migrating down is below\n-- migrate:down\nDROP TABLE a;\n",
    );
    project.ok(&["up"]);
    assert_eq!(project.schema(), ["table a"]);
}

// ---------------------------------------------------------------- empty sections

const NO_OP: &str = "(`SELECT 1;` for a step that deliberately does nothing)";

#[test]
fn an_up_section_without_a_statement_is_refused_before_anything_runs() {
    let project = applied_one_pending_one();
    project.migration("003_b.sql", "-- migrate:up\n-- TODO\n\n-- migrate:down\nDROP TABLE b;\n");
    project.run(&["up"]).assert_error(
        2,
        &format!(
            "Error: migrations/versions/003_b.sql:1: the up section of migration 003 (b) has no statement; nothing was applied\n\
             Hint: write its statements in the `-- migrate:up` section {NO_OP}.\n"
        ),
    );
    assert_eq!(project.versions(), [1], "002 is not applied either");
    // Up to the migration before it is fine, and so is a deliberate no-op.
    project.ok(&["up", "2"]);
    project.migration("003_b.sql", "-- migrate:up\nSELECT 1;\n");
    project.ok(&["up"]);
    assert_eq!(project.versions(), [1, 2, 3]);
}

#[test]
fn an_empty_pair_up_file_is_refused() {
    let project = Project::new();
    project.migration("001_a.up.sql", "\n  \n");
    project.migration("001_a.down.sql", "SELECT 1;\n");
    project.run(&["up"]).assert_error(
        2,
        &format!(
            "Error: migrations/versions/001_a.up.sql: the up section of migration 001 (a) has no statement; nothing was applied\n\
             Hint: write its statements in the `-- migrate:up` section {NO_OP}.\n"
        ),
    );
}

// ---------------------------------------------------------------- rollbacks across missing downs

#[test]
fn down_lists_every_migration_it_would_cross_without_a_down() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.up_down("002_b.sql", "CREATE TABLE b (id INTEGER);", None);
    project.table_migration("003_c.sql", "c");
    project.up_down("004_d.sql", "CREATE TABLE d (id INTEGER);", Some("-- nothing to undo yet"));
    project.migration("005_e.up.sql", "CREATE TABLE e (id INTEGER);\n");
    project.ok(&["up"]);
    let expected = format!(
        "Error: 3 migrations on the way down have no down script, so nothing was reverted:\n  \
         005 e: has no .down.sql file\n  \
         004 d: its `-- migrate:down` section has no statement\n  \
         002 b: has no `-- migrate:down` section\n\
         Hint: write the statements that undo each of them in its `-- migrate:down` section {NO_OP}, \
         or go down no further than 005 (`strata down 005`).\n"
    );
    project.run(&["down", "0"]).assert_error(2, &expected);
    assert_eq!(project.versions(), [1, 2, 3, 4, 5], "nothing was reverted");
    project.run(&["down", "3"]).assert_error(
        2,
        &format!(
            "Error: 2 migrations on the way down have no down script, so nothing was reverted:\n  \
             005 e: has no .down.sql file\n  \
             004 d: its `-- migrate:down` section has no statement\n\
             Hint: write the statements that undo each of them in its `-- migrate:down` section {NO_OP}, \
             or go down no further than 005 (`strata down 005`).\n"
        ),
    );
}

#[test]
fn down_lists_the_first_twenty_and_counts_the_rest() {
    let project = Project::new();
    for version in 1..=25 {
        project.up_down(
            &format!("{version:03}_m{version}.sql"),
            &format!("CREATE TABLE t{version} (id INTEGER);"),
            None,
        );
    }
    project.ok(&["up"]);
    let mut expected =
        String::from("Error: 25 migrations on the way down have no down script, so nothing was reverted:\n");
    for version in (6..=25).rev() {
        expected.push_str(&format!("  {version:03} m{version}: has no `-- migrate:down` section\n"));
    }
    expected.push_str("  and 5 more\n");
    expected.push_str(&format!(
        "Hint: write the statements that undo each of them in its `-- migrate:down` section {NO_OP}, \
         or go down no further than 025 (`strata down 025`).\n"
    ));
    project.run(&["down", "0"]).assert_error(2, &expected);
    assert_eq!(project.versions().len(), 25);
}

// ---------------------------------------------------------------- the folder itself

const DIR_HINT: &str = "Hint: point --dir or `migrations` in strata.toml at the folder that holds the migrations.\n";

#[test]
fn dir_that_is_a_file_says_so() {
    let project = Project::new();
    project
        .run(&["--dir", "strata.toml", "up"])
        .assert_error(2, &format!("Error: the migrations folder strata.toml is a file, not a folder\n{DIR_HINT}"));
    assert!(!project.exists(common::DB));
}

#[cfg(unix)]
#[test]
fn dir_that_is_a_symlink_loop_says_so() {
    let project = Project::new();
    std::os::unix::fs::symlink("loop", project.join("loop")).unwrap();
    project
        .run(&["--dir", "loop", "status"])
        .assert_error(2, &format!("Error: the migrations folder loop is a symbolic link loop\n{DIR_HINT}"));
}

const LAYOUT_HINT: &str = "Hint: Strata reads {version}_{description}.sql files (or .up.sql and .down.sql pairs) directly in the migrations folder, with `-- migrate:up` and `-- migrate:down` sections; convert each migration to one, or point --dir or `migrations` in strata.toml at the right folder.\n";

#[test]
fn a_folder_in_diesels_layout_is_named_and_exits_2() {
    let project = Project::new();
    project.migration("2019-01-01-000000_create_users/up.sql", "CREATE TABLE users (id INTEGER);\n");
    project.migration("2019-01-01-000000_create_users/down.sql", "DROP TABLE users;\n");
    project.migration("2019-01-02-000000_create_posts/up.sql", "CREATE TABLE posts (id INTEGER);\n");
    let expected = format!(
        "Error: the migrations folder migrations/versions holds no migrations, but 2 subfolders in diesel's layout, e.g. 2019-01-01-000000_create_users/up.sql\n{LAYOUT_HINT}"
    );
    project.run(&["up"]).assert_error(2, &expected);
    project.run(&["status"]).assert_error(2, &expected);
    assert!(!project.exists(common::DB));
}

#[test]
fn a_folder_with_sql_files_only_in_subfolders_says_what_it_found() {
    let project = Project::new();
    project.migration("20210101000000_init/migration.sql", "CREATE TABLE users (id INTEGER);\n");
    project.run(&["up"]).assert_error(
        2,
        &format!("Error: the migrations folder migrations/versions holds no migrations, but 1 subfolder in Prisma's layout, e.g. 20210101000000_init/migration.sql\n{LAYOUT_HINT}"),
    );
    let project = Project::new();
    project.migration("old/001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    project.run(&["up"]).assert_error(
        2,
        &format!("Error: the migrations folder migrations/versions holds no migrations, but 1 subfolder holding .sql files, e.g. old/001_a.up.sql\n{LAYOUT_HINT}"),
    );
}

#[test]
fn a_folder_with_only_empty_subfolders_has_nothing_to_apply() {
    let project = Project::new();
    std::fs::create_dir(project.join(&format!("{DIR}/archive"))).unwrap();
    project.migration("notes/README.md", "# notes\n");
    project.run(&["up"]).assert(0, "Nothing to apply: there are no migrations in migrations/versions.\n", "");
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_migrations_folder_exits_2_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let project = applied_one_pending_one();
    let dir = project.join(DIR);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = project.run_unprivileged(&["up"]);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    run.assert_error(
        2,
        "Error: cannot read the migrations folder migrations/versions: Permission denied (os error 13)\n\
         Hint: make it readable for the user running strata (`chmod u+rx migrations/versions`), or point --dir or `migrations` in strata.toml at the right folder.\n",
    );
    assert_eq!(project.versions(), [1]);
}

#[test]
fn a_nul_byte_is_refused_rather_than_ending_the_section_early() {
    // SQLite stops reading a statement at NUL: `b` would be skipped and the
    // migration recorded as applied.
    let project = applied_one_pending_one();
    project.write_bytes(
        &format!("{DIR}/003_b.sql"),
        b"-- migrate:up\nCREATE TABLE b (x);\0\nCREATE TABLE c (x);\n-- migrate:down\nDROP TABLE b;\n",
    );
    assert_bad_files(
        &project,
        "migrations/versions/003_b.sql:2: holds a NUL byte (\\0), where SQLite would stop reading the statement and \
         skip the rest of the section; remove it (a file saved as UTF-16 looks like this: save it as UTF-8)",
    );
}
