//! The cache of what migration files held ($XDG_CACHE_HOME/strata): it lives
//! outside the project, never hides an edit, and never breaks a command.

mod common;

use common::{normalize, Project};

const UP: &str = "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";

fn applied() -> Project {
    let project = Project::new();
    project.migration("001_create_a.sql", UP);
    project.ok(&["up"]);
    project
}

#[test]
fn the_cache_lives_outside_the_project_and_holds_one_file_per_folder() {
    let project = applied();
    project.ok(&["status"]);
    let files = project.files_in(".");
    assert!(files.iter().all(|name| !name.contains("cache")), "{files:?}");
    assert_eq!(project.files_in(common::DIR), ["001_create_a.sql"]);
    let cached = project.files_in_path(&project.cache_dir());
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].ends_with(".cache"), "{cached:?}");
}

#[test]
fn a_same_size_edit_right_after_a_cached_run_is_modified() {
    let project = applied();
    project.ok(&["status"]);
    project.migration("001_create_a.sql", &UP.replace("id INTEGER", "id INTEGEX"));
    let run = project.run(&["status"]);
    assert_eq!(
        normalize(&run.stdout),
        "Version  Name      State     Applied at (UTC)\n\
         001      create_a  modified  <TIME>\n\n\
         Current version: 001 (create_a)  | 0 applied, 0 pending, 1 modified\n"
    );
}

#[test]
fn a_corrupt_or_unwritable_cache_changes_nothing() {
    let project = applied();
    let expected = normalize(&project.ok(&["status"]).stdout);
    for name in project.files_in_path(&project.cache_dir()) {
        let file = project.cache_dir().join(name);
        let header = std::fs::read_to_string(&file).unwrap().lines().next().unwrap().to_owned();
        std::fs::write(&file, format!("{header}\n001_create_a.sql\t1\n")).unwrap();
    }
    assert_eq!(normalize(&project.ok(&["status"]).stdout), expected);

    std::fs::remove_dir_all(project.cache_dir()).unwrap();
    std::fs::write(project.cache_dir(), "a file where the cache folder belongs").unwrap();
    assert_eq!(normalize(&project.ok(&["status"]).stdout), expected);
    project.migration("002_create_b.sql", &UP.replace(" a", " b"));
    project.ok(&["up"]);
    project.ok(&["down", "0", "--yes"]);
    assert_eq!(project.versions(), Vec::<i64>::new());
}
