//! Migrations read from a folder keep their scripts in their files and read
//! them again when they run: a file edited in between is refused, naming it.

use std::path::{Path, PathBuf};

use strata::{DatabaseUrl, Direction, Driver, Error, Migrator, Script};

const CREATE: &str = "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn database(dir: &Path) -> Box<dyn Driver> {
    strata::open(&DatabaseUrl::parse(&format!("sqlite:{}", dir.join("app.db").display())).unwrap()).unwrap()
}

fn applied(db: &mut dyn Driver) -> Vec<u64> {
    db.read_history().unwrap().iter().map(|row| row.version).collect()
}

#[test]
fn an_up_section_edited_after_loading_is_refused_and_nothing_runs() {
    let dir = folder(&[("001_a.sql", CREATE)]);
    let migrator = Migrator::from_dir(dir.path()).unwrap();
    // Same size, same second: only the content tells.
    let edited = CREATE.replace("id INTEGER", "id INTEGEX");
    assert_eq!(edited.len(), CREATE.len());
    std::fs::write(dir.path().join("001_a.sql"), edited).unwrap();

    let mut db = database(dir.path());
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    let file = dir.path().join("001_a.sql");
    assert_eq!(
        error.to_string(),
        format!("{}: changed since Strata read it (its up script differs now), so it was not run", file.display())
    );
    assert!(matches!(error, Error::FileChanged { direction: Direction::Up, .. }));
    assert_eq!(applied(db.as_mut()), Vec::<u64>::new());
}

#[test]
fn a_down_section_edited_after_loading_is_refused_by_up_and_by_down() {
    let dir = folder(&[("001_a.sql", CREATE)]);
    let migrator = Migrator::from_dir(dir.path()).unwrap();
    let file = dir.path().join("001_a.sql");
    std::fs::write(&file, CREATE.replace("DROP TABLE a;", "DROP TABLE b;")).unwrap();
    let mut db = database(dir.path());
    let error = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{}: changed since Strata read it (its down script differs now), so it was not run", file.display())
    );
    assert_eq!(applied(db.as_mut()), Vec::<u64>::new());

    std::fs::write(&file, CREATE).unwrap();
    let migrator = Migrator::from_dir(dir.path()).unwrap();
    migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    std::fs::write(&file, CREATE.replace("DROP TABLE a;", "DROP TABLE b;")).unwrap();
    let error = migrator.down(db.as_mut(), 0, &mut ()).unwrap_err();
    assert!(matches!(error, Error::FileChanged { direction: Direction::Down, .. }), "{error}");
    assert_eq!(applied(db.as_mut()), vec![1]);
}

#[test]
fn a_pair_file_edited_after_loading_is_refused() {
    let dir = folder(&[("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n"), ("001_a.down.sql", "DROP TABLE a;\n")]);
    let migrator = Migrator::from_dir(dir.path()).unwrap();
    let file = dir.path().join("001_a.up.sql");
    std::fs::write(&file, "CREATE TABLE a (id INTEGER, b TEXT);\n").unwrap();
    let error = migrator.up(database(dir.path()).as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(error.to_string().starts_with(&format!("{}: changed since Strata read it", file.display())), "{error}");
}

#[test]
fn a_file_removed_after_loading_is_named() {
    let dir = folder(&[("001_a.sql", CREATE)]);
    let migrator = Migrator::from_dir(dir.path()).unwrap();
    let file = dir.path().join("001_a.sql");
    std::fs::remove_file(&file).unwrap();
    let error = migrator.up(database(dir.path()).as_mut(), &strata::Up::default(), &mut ()).unwrap_err();
    assert!(error.to_string().starts_with(&format!("{}: cannot read it", file.display())), "{error}");
}

#[test]
fn unchanged_files_run_and_edits_outside_the_sections_do_not_matter() {
    let dir = folder(&[("001_a.sql", CREATE), ("002_b.sql", &CREATE.replace(" a", " b"))]);
    let migrator = Migrator::from_dir(dir.path()).unwrap();
    std::fs::write(dir.path().join("002_b.sql"), format!("-- Creates b.\n{}", CREATE.replace(" a", " b"))).unwrap();
    let mut db = database(dir.path());
    assert_eq!(migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap().count, 2);
    assert_eq!(migrator.down(db.as_mut(), 0, &mut ()).unwrap().count, 2);
}

#[test]
fn folder_migrations_keep_their_text_in_the_file_and_embedded_ones_hold_it() {
    let dir = folder(&[("001_a.sql", CREATE)]);
    let from_folder = Migrator::from_dir(dir.path()).unwrap();
    let migration = &from_folder.migrations()[0];
    assert!(matches!(migration.up.sql, Script::InFile { .. }));
    assert_eq!(migration.up.text().unwrap(), "CREATE TABLE a (id INTEGER);\n");
    assert_eq!(migration.down.as_ref().unwrap().text().unwrap(), "DROP TABLE a;\n");

    let embedded = strata::source::load_files([(PathBuf::from("001_a.sql"), CREATE.to_owned())]).unwrap();
    assert_eq!(embedded[0].up.sql, "CREATE TABLE a (id INTEGER);\n");
    assert_eq!(embedded[0].checksum, migration.checksum);
}

/// Enough files that the folder is read on several threads.
fn many(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=count {
        let text = format!("-- migrate:up\nCREATE TABLE t{i} (id INTEGER);\n-- migrate:down\nDROP TABLE t{i};\n");
        std::fs::write(dir.path().join(format!("{i:04}_create_t{i}.sql")), text).unwrap();
    }
    dir
}

#[test]
fn a_large_folder_loads_in_version_order() {
    let dir = many(1000);
    let migrator = Migrator::from_dir(dir.path()).unwrap();
    let versions: Vec<u64> = migrator.migrations().iter().map(|m| m.version).collect();
    assert_eq!(versions, (1..=1000).collect::<Vec<u64>>());
    let last = &migrator.migrations()[999];
    assert_eq!((last.label.as_str(), last.name.as_str()), ("1000", "create_t1000"));
    assert_eq!(last.down.as_ref().unwrap().text().unwrap(), "DROP TABLE t1000;\n");
}

#[test]
fn a_large_folder_reports_its_first_bad_file() {
    let dir = many(1000);
    for i in [900, 120] {
        std::fs::write(dir.path().join(format!("{i:04}_create_t{i}.sql")), "CREATE TABLE x (id INTEGER);\n").unwrap();
    }
    let error = Migrator::from_dir(dir.path()).unwrap_err();
    let file = dir.path().join("0120_create_t120.sql");
    // The first bad file in version order, whichever thread read it.
    assert!(error.to_string().starts_with(&format!("{}:1: SQL before the first", file.display())), "{error}");
}
