//! `create` follows the folder (pairs, timestamps), keeps Unicode letters,
//! refuses what cannot be a file name or a version, never writes a version
//! twice even when run concurrently, and needs no database.

mod common;

use common::{Project, Run, DIR};

/// The current UTC time as `YYYYMMDDHHMMSS`, from `date`.
fn utc_stamp() -> u64 {
    let output = std::process::Command::new("date").args(["-u", "+%Y%m%d%H%M%S"]).output().unwrap();
    String::from_utf8(output.stdout).unwrap().trim().parse().unwrap()
}

#[test]
fn create_keeps_unicode_letters_in_the_name() {
    let project = Project::new();
    project.run(&["create", "Add Ünïcode"]).assert(0, "Created migrations/versions/001_add_ünïcode.sql\n", "");
    project.run(&["create", "Таблица пользователей"]).assert(
        0,
        "Created migrations/versions/002_таблица_пользователей.sql\n",
        "",
    );
    assert_eq!(
        project.read(&format!("{DIR}/001_add_ünïcode.sql")),
        "-- Add Ünïcode\n-- migrate:up\n\n-- migrate:down\n\n"
    );
    // Every command reads the new files.
    let run = project.ok(&["status"]);
    assert!(run.stdout.contains("001      add_ünïcode"), "{run}");
    assert!(run.stdout.contains("002      таблица_пользователей"), "{run}");
}

#[test]
fn create_refuses_a_description_too_long_for_a_file_name() {
    let project = Project::new();
    let description = "add a column ".repeat(30);
    project.run(&["create", &description]).assert_error(
        2,
        "Error: the description is too long for a file name: it makes a name of 389 bytes, at most 200 are allowed; nothing was written\n\
         Hint: describe the change in a few words; say more in the comment at the top of the file.\n",
    );
    assert!(project.files_in(DIR).is_empty());
}

#[test]
fn create_writes_a_pair_where_the_folder_uses_pairs() {
    let project = Project::new();
    project.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    project.migration("001_a.down.sql", "DROP TABLE a;\n");
    project.run(&["create", "add b"]).assert(
        0,
        "Created migrations/versions/002_add_b.up.sql\nCreated migrations/versions/002_add_b.down.sql\n",
        "",
    );
    assert_eq!(project.read(&format!("{DIR}/002_add_b.up.sql")), "-- add b\n-- migrate:up\n\n");
    assert_eq!(project.read(&format!("{DIR}/002_add_b.down.sql")), "-- add b\n-- migrate:down\n\n");
    let run = project.ok(&["status"]);
    assert!(run.stdout.contains("002      add_b  pending"), "{run}");
}

#[test]
fn create_uses_a_utc_timestamp_where_versions_are_timestamps() {
    let project = Project::new();
    project.table_migration("20200101120000_a.sql", "a");
    let before = utc_stamp();
    let run = project.ok(&["create", "add b"]);
    let after = utc_stamp();
    let name = run.stdout.strip_prefix("Created migrations/versions/").unwrap().trim_end().to_owned();
    let version: u64 = name.strip_suffix("_add_b.sql").unwrap_or_else(|| panic!("{run}")).parse().unwrap();
    assert!(before <= version && version <= after, "{version} not between {before} and {after}");
    assert_eq!(project.files_in(DIR), ["20200101120000_a.sql", name.as_str()]);
}

#[test]
fn a_timestamp_not_above_the_highest_version_becomes_the_highest_plus_one() {
    let project = Project::new();
    project.table_migration("29991231235959_future.sql", "future");
    project.run(&["create", "next"]).assert(0, "Created migrations/versions/29991231235960_next.sql\n", "");
}

#[test]
fn timestamp_and_sequential_flags_choose_the_numbering() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.run(&["create", "seq", "--sequential"]).assert(0, "Created migrations/versions/002_seq.sql\n", "");
    let before = utc_stamp();
    let run = project.ok(&["create", "stamped", "--timestamp"]);
    let version: u64 = run
        .stdout
        .trim_end()
        .strip_prefix("Created migrations/versions/")
        .unwrap()
        .split('_')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(version >= before && version <= utc_stamp(), "{run}");
    project.run(&["create", "then", "--sequential"]).assert(
        0,
        &format!("Created migrations/versions/{}_then.sql\n", version + 1),
        "",
    );
    let run = project.run(&["create", "both", "--timestamp", "--sequential"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("cannot be used with"), "{run}");
}

#[test]
fn create_after_the_largest_version_is_refused_before_writing() {
    let project = Project::new();
    project.table_migration("9223372036854775807_last.sql", "last");
    project.run(&["create", "one more"]).assert_error(
        2,
        "Error: the next version would be 9223372036854775808, above the largest version Strata accepts (9223372036854775807); nothing was written\n",
    );
    assert_eq!(project.files_in(DIR), ["9223372036854775807_last.sql"]);
}

#[test]
fn create_needs_no_database_even_one_this_build_cannot_open() {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    for url in ["postgres://u:pw@nowhere/x", "oracle://u:pw@nowhere/x"] {
        let mut command = project.strata();
        command.env("DATABASE_URL", url).args(["create", &format!("from {}", &url[..6])]);
        let run = Run::of(&mut command);
        assert_eq!(run.code, 0, "{url}: {run}");
        assert_eq!(run.stderr, "");
    }
    assert_eq!(project.files_in(DIR), ["001_a.sql", "002_from_postgr.sql", "003_from_oracle.sql"]);
}

#[test]
fn concurrent_creates_each_write_their_own_version() {
    let project = Project::new();
    let binary = assert_cmd::cargo::cargo_bin("strata");
    for round in 0..3 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                std::process::Command::new(&binary)
                    .args(["create", &format!("round {round} number {i}")])
                    .current_dir(project.path())
                    .env_remove("DATABASE_URL")
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut child in children {
            assert!(child.wait().unwrap().success());
        }
    }
    let files = project.files_in(DIR);
    assert_eq!(files.len(), 24, "{files:?}");
    let mut versions: Vec<&str> = files.iter().map(|name| name.split('_').next().unwrap()).collect();
    versions.dedup();
    assert_eq!(versions.len(), 24, "one version written twice: {files:?}");
    assert_eq!(versions.first(), Some(&"001"));
    assert_eq!(versions.last(), Some(&"024"));
    assert!(project.files_in(DIR).iter().all(|name| name.ends_with(".sql")), "no lock file is left behind");
}
