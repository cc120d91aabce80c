use super::*;

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

proptest::proptest! {
    /// Any file name is accepted, ignored or refused with a message: never a panic.
    #[test]
    fn file_names_never_panic(name in "[0-9a-zA-Z_.é-]{0,24}") {
        let _ = parse_file_name(&name);
    }
}
