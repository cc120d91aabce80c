use super::*;
use crate::folder::check_size;

fn file(name: &str, text: &str) -> (PathBuf, String) {
    (PathBuf::from("m").join(name), text.to_owned())
}

const BOTH: &str = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n";

#[test]
fn parses_file_names() {
    let name = parse_file_name("005_create_users_table.sql").unwrap().unwrap();
    assert_eq!(
        (name.version, name.label.as_str(), name.name.as_str(), name.direction),
        (5, "005", "create_users_table", None)
    );
    assert_eq!(parse_file_name("7_x.up.sql").unwrap().unwrap().direction, Some(Direction::Up));
    assert_eq!(parse_file_name("7_x.down.sql").unwrap().unwrap().direction, Some(Direction::Down));
    assert_eq!(parse_file_name("README.md").unwrap(), None);
}

#[test]
fn rejects_names_that_do_not_fit() {
    for bad in [
        "create_users.sql",
        "001-create.sql",
        "001_.sql",
        "001_Create.sql",
        "001_a__b.sql",
        "000_zero.sql",
        "99999999999999999999_big.sql",
    ] {
        assert!(parse_file_name(bad).is_err(), "{bad} was accepted");
    }
}

#[test]
fn loads_sorted_by_numeric_version_and_ignores_other_files() {
    let migrations = load_files([
        file("10_c.sql", BOTH),
        file("002_b.sql", BOTH),
        file("README.md", "# notes"),
        file("1_a.sql", BOTH),
    ])
    .unwrap();
    let versions: Vec<u64> = migrations.iter().map(|m| m.version).collect();
    assert_eq!(versions, [1, 2, 10]);
}

#[test]
fn rejects_two_files_with_one_version() {
    let error = load_files([file("005_a.sql", BOTH), file("5_b.sql", BOTH)]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "m/005_a.sql and m/5_b.sql both have version 5; every migration needs its own version"
    );
    let error = load_files([file("005_a.sql", BOTH), file("005_a.up.sql", "SELECT 1;")]).unwrap_err();
    assert!(matches!(error, Error::DuplicateVersion { version: 5, .. }), "{error}");
}

#[test]
fn joins_pair_files() {
    let migrations =
        load_files([file("003_x.up.sql", "CREATE TABLE x (id INTEGER);\n"), file("003_x.down.sql", "DROP TABLE x;\n")])
            .unwrap();
    let migration = &migrations[0];
    assert_eq!(migration.down.as_ref().unwrap().sql, "DROP TABLE x;\n");
    assert_eq!(migration.checksum, crate::checksum("CREATE TABLE x (id INTEGER);\n"));
}

#[test]
fn rejects_files_without_an_up_section() {
    let error = load_files([file("004_x.sql", "-- migrate:down\nSELECT 1;\n")]).unwrap_err();
    assert_eq!(error.to_string(), "m/004_x.sql: no `-- migrate:up` section; a migration file needs one");
    let error = load_files([file("004_x.down.sql", "SELECT 1;\n")]).unwrap_err();
    assert!(error.to_string().contains("no 004_x.up.sql beside this down script"), "{error}");
}

#[test]
fn a_missing_down_section_is_allowed() {
    let migrations = load_files([file("001_x.sql", "-- migrate:up\nSELECT 1;\n")]).unwrap();
    assert!(migrations[0].down.is_none());
}

#[test]
fn load_dir_reads_sql_files_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_a.sql"), BOTH).unwrap();
    std::fs::write(dir.path().join("README.md"), "notes").unwrap();
    std::fs::write(dir.path().join(".#001_a.sql"), "editor lock").unwrap();
    std::fs::create_dir(dir.path().join("old.sql")).unwrap();
    let migrations = load_dir(dir.path()).unwrap();
    assert_eq!(migrations.len(), 1);
    assert_eq!(migrations[0].up.file, dir.path().join("001_a.sql"));
}

#[test]
fn load_dir_rejects_a_file_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_a.sql"), b"-- migrate:up\nSELECT '\xff';\n").unwrap();
    let error = load_dir(dir.path()).unwrap_err();
    assert!(matches!(error, Error::InvalidFile { line: 0, .. }), "{error}");
    assert!(error.to_string().ends_with("001_a.sql: not UTF-8 text; save the file as UTF-8"), "{error}");
}

#[cfg(unix)]
#[test]
fn an_unreadable_migration_file_is_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.sql"), dir.path().join("003_y.sql")).unwrap();
    let error = load_dir(dir.path()).unwrap_err();
    assert!(matches!(error, Error::InvalidFile { line: 0, .. }), "{error}");
    assert!(error.to_string().contains("003_y.sql: cannot read it: No such file or directory"), "{error}");
}

#[test]
fn flyway_style_names_are_named_as_such() {
    for name in ["V1__init.sql", "V1.2__add_users.sql", "U3__undo.sql", "R__views.sql", "V20190101_1__x.sql"] {
        let error = parse_file_name(name).unwrap_err();
        assert!(
            error.starts_with("a Flyway-style name (V{version}__{description}.sql); Strata's names are"),
            "{name}: {error}"
        );
    }
    for name in ["Vx__init.sql", "001__double.sql", "V1_init.sql"] {
        let error = parse_file_name(name).unwrap_err();
        assert!(!error.contains("Flyway"), "{name}: {error}");
    }
}

#[test]
fn a_comment_only_down_section_is_remembered_as_empty() {
    let migrations = load_files([
        file("001_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n-- TODO\n"),
        file("002_b.up.sql", "SELECT 1;\n"),
        file("002_b.down.sql", "/* later */\n"),
        file("003_c.sql", "-- migrate:up\nSELECT 1;\n"),
    ])
    .unwrap();
    let empty: Vec<(bool, bool)> = migrations.iter().map(|m| (m.down.is_none(), m.down_is_empty)).collect();
    assert_eq!(empty, [(true, true), (true, true), (true, false)]);
}

#[cfg(unix)]
#[test]
fn load_dir_names_a_sql_file_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"002_\xff.sql")), BOTH).unwrap();
    std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"notes-\xff.txt")), "ignored").unwrap();
    let error = load_dir(dir.path()).unwrap_err();
    assert!(matches!(error, Error::InvalidFile { line: 0, .. }), "{error}");
    assert!(
        error.to_string().ends_with("002_\u{fffd}.sql: the file name is not valid UTF-8; rename it to {version}_{description}.sql, e.g. 002_create_users.sql"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("001_a.sql");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let error = read_text(&fifo).unwrap_err();
    assert!(error.to_string().ends_with("001_a.sql: is a FIFO (named pipe), not a regular file; a migration must be a regular file or a link to one"), "{error}");
    let link = dir.path().join("002_b.sql");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let error = read_text(&link).unwrap_err();
    assert!(error.to_string().ends_with("002_b.sql: links to /dev/null, which is a character device, not a regular file; a migration must be a regular file or a link to one"), "{error}");
    let folder = dir.path().join("003_c.sql");
    std::os::unix::fs::symlink(dir.path(), &folder).unwrap();
    let error = read_text(&folder).unwrap_err();
    assert!(error.to_string().contains("003_c.sql: links to "), "{error}");
    assert!(error.to_string().contains(", which is a folder, not a regular file"), "{error}");
    let target = dir.path().join("real.txt");
    std::fs::write(&target, BOTH).unwrap();
    let good = dir.path().join("004_d.sql");
    std::os::unix::fs::symlink(&target, &good).unwrap();
    assert_eq!(read_text(&good).unwrap(), BOTH);
}

#[test]
fn files_over_the_limit_are_refused_with_their_size_and_at_the_limit_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("001_big.sql");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_FILE_SIZE + 1).unwrap(); // sparse
    let error = read_text(&path).unwrap_err();
    assert!(error.to_string().ends_with("001_big.sql: is 256.0 MiB (268435457 bytes), over the 256 MiB limit for a migration file; split it into smaller migrations"), "{error}");
    assert!(check_size(&path, MAX_FILE_SIZE).is_ok());
    assert!(check_size(&path, 50_000_000).is_ok(), "a 50 MB seed file loads");
}

#[test]
fn an_unreadable_folder_is_a_bad_setting_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, "x").unwrap();
    let error = load_dir(&not_a_folder).unwrap_err();
    assert!(matches!(error, Error::UnreadableFolder { .. }), "{error}");
    assert_eq!(error.kind(), crate::ErrorKind::Invalid);
    assert!(error.to_string().starts_with("cannot read the migrations folder "), "{error}");
}

#[test]
fn another_tools_layout_is_named_and_an_empty_folder_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    assert!(load_dir(dir.path()).unwrap().is_empty());
    for (folder, file) in
        [("b_other", "x.sql"), ("a_prisma", "migration.sql"), ("c_diesel", "down.sql"), ("d_diesel", "up.sql")]
    {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
        std::fs::write(dir.path().join(folder).join(file), "SELECT 1;").unwrap();
    }
    let error = load_dir(dir.path()).unwrap_err();
    assert!(matches!(error, Error::OtherLayout { .. }), "{error}");
    assert!(
        error
            .to_string()
            .ends_with(" holds no migrations, but 2 subfolders in diesel's layout, e.g. c_diesel/down.sql"),
        "{error}"
    );
    // With one migration beside them, subfolders are ignored as before.
    std::fs::write(dir.path().join("001_a.sql"), BOTH).unwrap();
    assert_eq!(load_dir(dir.path()).unwrap().len(), 1);
}

proptest::proptest! {
    /// Any file name is accepted, ignored or refused with a message: never a panic.
    #[test]
    fn file_names_never_panic(name in "[0-9a-zA-Z_.é-]{0,24}") {
        let _ = parse_file_name(&name);
    }
}

#[test]
fn a_decomposed_file_name_is_the_same_name_composed() {
    // macOS stores `é` as `e` + U+0301 in file names; a Linux checkout has `é`.
    let decomposed = parse_file_name("018_caf\u{65}\u{301}.sql").unwrap().unwrap();
    let composed = parse_file_name("018_caf\u{e9}.sql").unwrap().unwrap();
    assert_eq!(decomposed.name, "caf\u{e9}");
    assert_eq!(decomposed, composed);
}
