//! Where settings come from: strata.toml found upward or named by --config,
//! paths relative to it, DATABASE_URL from .env, and which source wins.

mod common;

use common::{has_table, Project, Run};

/// A project whose strata.toml (in the root) names `sqlite:app.db`, with one
/// migration, and an empty folder `sub/deeper` to run from.
fn nested() -> Project {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    std::fs::create_dir_all(project.join("sub/deeper")).unwrap();
    project
}

/// `strata ARGS` run from `relative` inside the project.
fn run_in(project: &Project, relative: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = project.strata();
    command.current_dir(project.join(relative)).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    Run::of(&mut command).split_database_line(args)
}

#[test]
fn strata_toml_is_found_in_a_parent_folder_and_its_paths_are_relative_to_it() {
    let project = nested();
    run_in(&project, "sub/deeper", &[], &["up"]).assert(
        0,
        "Applying 001 a ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (a).\n",
        "",
    );
    assert_eq!(project.versions(), [1], "the database is app.db beside strata.toml");
    assert!(!project.exists("sub/deeper/app.db"));
    run_in(&project, "sub/deeper", &[], &["create", "b"]).assert(
        0,
        "Created ../../migrations/versions/002_b.sql\n",
        "",
    );
    assert!(project.exists("migrations/versions/002_b.sql"));
}

#[test]
fn the_nearest_strata_toml_wins() {
    let project = nested();
    project.write("sub/strata.toml", "database = \"sqlite:inner.db\"\nmigrations = \"m\"\n");
    project.write("sub/m/001_inner.sql", "-- migrate:up\nCREATE TABLE inner_t (id INTEGER);\n");
    run_in(&project, "sub/deeper", &[], &["up"]).assert(
        0,
        "Applying 001 inner ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (inner).\n",
        "",
    );
    assert!(has_table(&project.db_at("sub/inner.db"), "inner_t"));
    assert!(!project.exists("app.db"));
}

#[test]
fn config_flag_names_the_settings_file_and_paths_follow_it() {
    let project = Project::bare();
    project.write("conf/strata.toml", "database = \"sqlite:data/app.db\"\nmigrations = \"sql\"\n");
    project.write("conf/sql/001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n");
    project.write("strata.toml", "database = \"sqlite:wrong.db\"\n");
    project.ok(&["--config", "conf/strata.toml", "up"]);
    assert!(has_table(&project.db_at("conf/data/app.db"), "a"));
    assert!(!project.exists("wrong.db"));
    // --dir and --database stay relative to the current folder.
    project.write("here/001_h.sql", "-- migrate:up\nCREATE TABLE h (id INTEGER);\n");
    project.ok(&["--config", "conf/strata.toml", "--dir", "here", "--database", "here.db", "up"]);
    assert!(has_table(&project.db_at("here.db"), "h"));
}

#[test]
fn config_flag_naming_no_file_is_a_usage_error() {
    let project = Project::new();
    project.run(&["--config", "nowhere/strata.toml", "status"]).assert_error(
        2,
        "Error: the configuration file nowhere/strata.toml does not exist\n\
         Hint: --config takes the path of a strata.toml file.\n",
    );
}

#[test]
fn database_url_is_read_from_dot_env_beside_strata_toml() {
    let project = nested();
    project.write("strata.toml", "migrations = \"migrations/versions\"\n");
    project.write(".env", "# local settings\nOTHER=1\nDATABASE_URL=sqlite:from_env_file.db\n");
    run_in(&project, "sub/deeper", &[], &["up"]).assert(
        0,
        "Applying 001 a ... ok (<DUR>)\nApplied 1 migration in <DUR>; the database is at version 001 (a).\n",
        "",
    );
    assert!(has_table(&project.db_at("from_env_file.db"), "a"), "relative to the .env file's folder");
}

#[test]
fn dot_env_beats_strata_toml_and_loses_to_the_environment_and_the_flag() {
    let project = nested();
    project.write(".env", "DATABASE_URL=\"sqlite:dotenv.db\"\n");
    project.ok(&["up"]);
    run_in(&project, ".", &[("DATABASE_URL", "sqlite:environment.db")], &["up"]);
    run_in(&project, ".", &[("DATABASE_URL", "sqlite:environment.db")], &["--database", "flag.db", "up"]);
    for db in ["dotenv.db", "environment.db", "flag.db"] {
        assert!(has_table(&project.db_at(db), "a"), "{db}");
    }
    assert!(!project.exists("app.db"), "strata.toml's database loses to .env");
}

#[test]
fn dot_env_in_the_current_folder_counts_when_there_is_no_strata_toml() {
    let project = Project::bare();
    project.write("migrations/versions/001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n");
    project.write(".env", "export DATABASE_URL=sqlite:here.db\n");
    project.ok(&["up"]);
    assert!(has_table(&project.db_at("here.db"), "a"));
}

#[test]
fn a_bad_url_from_dot_env_says_where_it_came_from() {
    let project = nested();
    project.write(".env", "DATABASE_URL=oracle://scott:tiger@db/x\n");
    project.run(&["status"]).assert_error(
        2,
        "Error: unknown database URL scheme `oracle://` in `oracle://scott:***@db/x`; use sqlite:, postgres:// or mysql:// (from DATABASE_URL in .env)\n",
    );
}

#[test]
fn a_malformed_dot_env_names_the_file_and_line() {
    let project = nested();
    project.write(".env", "# settings\nOTHER=1\n\nDATABASE_URL='sqlite:app.db\nMORE=2\n");
    project.run(&["up"]).assert_error(
        2,
        "Error: .env:4: not a `NAME=value` line\n\
         Hint: .env holds lines like `DATABASE_URL=sqlite:app.db`; quote values with spaces or `#`.\n",
    );
    project.write(".env", "OK=1\nthis is not a setting\n");
    let run = run_in(&project, "sub", &[], &["status"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.starts_with("Error: ../.env:2: not a `NAME=value` line\n"), "{run}");
    assert!(!project.exists("app.db"));
}

#[test]
fn help_describes_where_settings_come_from() {
    let project = Project::bare();
    let run = project.ok(&["--help"]);
    assert!(run.stdout.contains("  --config <FILE>"), "{run}");
    assert!(
        run.stdout.contains(
            "Settings:\n  strata.toml is --config FILE, else the nearest strata.toml in the current\n  folder or a parent; paths in it are relative to its folder. The database is\n  --database, else the DATABASE_URL variable, else DATABASE_URL in the .env\n  file beside strata.toml (or in the current folder), else `database` in\n  strata.toml. The migrations folder is --dir, else `migrations` in\n  strata.toml, else migrations/versions beside it. The lock timeout is\n  --lock-timeout, else `lock_timeout` in strata.toml, else 60 seconds. On\n  MySQL/MariaDB, `mysql_sql_mode` in strata.toml sets the session's sql_mode\n  (e.g. \"STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES\"), else the server's. On a\n  Galera cluster, `lock_lease` in strata.toml (seconds, default 30) is how long\n  the runners' lock outlives its holder's last renewal.\n"
        ),
        "{run}"
    );
}

// ---------------------------------------------------------------- the database line

#[test]
fn every_command_that_works_on_the_database_names_it_first() {
    let project = nested();
    for args in
        [&["up"][..], &["status"], &["check"], &["redo"], &["down"], &["down", "0", "--yes"], &["reset", "--yes"]]
    {
        let run = project.run(args);
        assert_eq!(run.database_line.as_deref(), Some("Database: sqlite:app.db\n"), "strata {args:?}:\n{run}");
    }
    let run = run_in(&project, "sub/deeper", &[], &["status"]);
    assert_eq!(run.database_line.as_deref(), Some("Database: sqlite:../../app.db\n"), "{run}");
}

#[test]
fn the_database_line_says_when_database_url_overrides_strata_toml() {
    let project = nested();
    let run = run_in(&project, "", &[("DATABASE_URL", "sqlite:other.db")], &["up"]);
    assert_eq!(
        run.database_line.as_deref(),
        Some("Database: sqlite:other.db (from DATABASE_URL, which overrides `database` in strata.toml)\n"),
        "{run}"
    );
    project.write(".env", "DATABASE_URL=sqlite:env.db\n");
    let run = project.run(&["status"]);
    assert_eq!(
        run.database_line.as_deref(),
        Some("Database: sqlite:env.db (from DATABASE_URL in .env, which overrides `database` in strata.toml)\n"),
        "{run}"
    );
    let run = project.run(&["--database", "sqlite:flag.db", "status"]);
    assert_eq!(run.database_line.as_deref(), Some("Database: sqlite:flag.db\n"), "a flag is its own explanation");
}

#[test]
fn json_output_names_the_database_in_the_document_not_in_a_line() {
    let project = nested();
    let run = project.ok(&["status", "--json"]);
    assert!(run.stdout.starts_with("{\"database\":\"sqlite:app.db\",\"current_version\":null,"), "{run}");
    let run = project.ok(&["up", "--json"]);
    assert!(run.stdout.starts_with("{\"database\":\"sqlite:app.db\","), "{run}");
}

#[cfg(unix)]
#[test]
fn a_dot_env_or_config_that_is_not_a_regular_file_is_named_never_read() {
    let project = nested();
    // A FIFO would block every command; /dev/zero would never end.
    assert!(std::process::Command::new("mkfifo").arg(project.join(".env")).status().unwrap().success());
    project
        .run(&["--database", "sqlite:app.db", "status"])
        .assert_error(2, "Error: .env: is a FIFO (named pipe), not a regular file; a settings file must be a file\n");
    std::fs::remove_file(project.join(".env")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", project.join(".env")).unwrap();
    project
        .run(&["status"])
        .assert_error(2, "Error: .env: is a character device, not a regular file; a settings file must be a file\n");
    std::fs::remove_file(project.join(".env")).unwrap();
    std::fs::remove_file(project.join("strata.toml")).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(project.join("strata.toml")).status().unwrap().success());
    project.run(&["status"]).assert_error(
        2,
        "Error: strata.toml: is a FIFO (named pipe), not a regular file; a settings file must be a file\n",
    );
    std::fs::remove_file(project.join("strata.toml")).unwrap();
    project.run(&["--config", "sub", "status"]).assert_error(
        2,
        "Error: the configuration file sub is a folder, not a file\nHint: --config takes the path of a strata.toml file.\n",
    );
}
