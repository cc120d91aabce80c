//! Which file a database URL names, that the runners' lock follows it, that
//! URLs Strata does not understand create nothing, and that commands that
//! only read create nothing either.

mod common;

use common::{has_table, Project};

const NO_DATABASE_YET: &str = "sqlite:app.db does not exist yet; every migration is pending.\n";

fn two_pending() -> Project {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    project
}

/// Every entry of the project folder except the migrations and strata.toml.
fn created(project: &Project) -> Vec<String> {
    project.files_in(".").into_iter().filter(|name| name != "migrations" && name != "strata.toml").collect()
}

#[test]
fn status_on_a_missing_database_creates_nothing_and_lists_every_migration_as_pending() {
    let project = two_pending();
    let pending = "Version  Name  State    Applied at (UTC)\n\
                   001      a     pending\n\
                   002      b     pending\n\
                   \n\
                   Current version: none  | 0 applied, 2 pending\n";
    project.run(&["status"]).assert(0, pending, NO_DATABASE_YET);
    project.run(&["--database", "sqlite:typo/app.db", "status"]).assert(
        0,
        pending,
        "sqlite:typo/app.db does not exist yet; every migration is pending.\n",
    );
    let json = project.run(&["status", "--json"]);
    assert_eq!((json.code, json.stderr.as_str()), (0, NO_DATABASE_YET), "{json}");
    assert!(json.stdout.contains("\"pending\":2"), "{json}");
    assert_eq!(created(&project), Vec::<String>::new(), "status created a file or folder");
}

#[test]
fn status_and_create_on_a_database_without_history_create_no_table() {
    let project = two_pending();
    let db = rusqlite::Connection::open(project.join(common::DB)).unwrap();
    db.execute_batch("CREATE TABLE app_data (x INTEGER)").unwrap();
    drop(db);
    project.run(&["status"]).assert(
        0,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     pending\n\
         002      b     pending\n\
         \n\
         Current version: none  | 0 applied, 2 pending\n",
        "sqlite:app.db has no migration_history table yet; every migration is pending.\n",
    );
    project.ok(&["create", "add c"]);
    assert!(project.exists("migrations/versions/003_add_c.sql"));
    assert!(!has_table(&project.db(), "migration_history"), "a command that only reads created the history table");
    assert_eq!(created(&project), ["app.db"], "no lock file or journal left behind");
}

/// A writer that crashed mid-transaction leaves a hot journal; `status`
/// (which only reads) must still read the database as it was before.
#[test]
fn status_reads_a_database_whose_writer_crashed_mid_transaction() {
    let project = two_pending();
    project.ok(&["up", "1"]);
    std::fs::create_dir(project.join("crash")).unwrap();
    let writer = project.db();
    writer.execute_batch("PRAGMA cache_size = 10; BEGIN; CREATE TABLE big (s TEXT);").unwrap();
    writer
        .execute_batch(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
             INSERT INTO big SELECT hex(randomblob(32)) FROM c; DELETE FROM migration_history;",
        )
        .unwrap();
    // The files as a crash at this moment leaves them: a changed database and its journal.
    std::fs::copy(project.join("app.db"), project.join("crash/app.db")).unwrap();
    std::fs::copy(project.join("app.db-journal"), project.join("crash/app.db-journal")).unwrap();
    writer.execute_batch("ROLLBACK").unwrap();

    project.run(&["--database", "sqlite:crash/app.db", "status"]).assert(
        0,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     applied  <TIME>\n\
         002      b     pending\n\
         \n\
         Current version: 001 (a)  | 1 applied, 1 pending\n",
        "",
    );
}

#[test]
fn create_needs_no_database_this_build_can_open() {
    let project = two_pending();
    project.write("strata.toml", "database = \"postgres://app:hunter2@db/prod\"\n");
    project.run(&["create", "add c"]).assert(0, "Created migrations/versions/003_add_c.sql\n", "");
}

#[test]
fn urls_strata_does_not_understand_are_errors_that_create_nothing() {
    let project = two_pending();
    let cases = [
        (
            "file:data/x.db",
            "`file:data/x.db` is a SQLite URI, which Strata does not read; write sqlite:data/x.db",
        ),
        ("sqlite3:x.db", "unknown database URL scheme `sqlite3:` in `sqlite3:x.db`; use sqlite:, postgres:// or mysql://"),
        (
            "sqlite://user:hunter2@host/x.db",
            "`sqlite://user:***@host/x.db` names a user or host, but a SQLite database is a local file; write sqlite:path/to.db (sqlite:///abs/path.db for an absolute path)",
        ),
        (
            "postgres:app:hunter2@db/prod",
            "`postgres:app:***@db/prod` is missing the `//` after `postgres:`; write `postgres://app:***@db/prod`",
        ),
        (
            "mysql:root:hunter2@db/x",
            "`mysql:root:***@db/x` is missing the `//` after `mysql:`; write `mysql://root:***@db/x`",
        ),
    ];
    for (url, error) in cases {
        for command in ["up", "status", "down"] {
            let args: &[&str] = if command == "down" { &["down", "0"] } else { &[command] };
            let mut strata = project.strata();
            strata.arg("--database").arg(url).args(args);
            common::Run::of(&mut strata).assert_error(2, &format!("Error: {error} (from --database)\n"));
        }
        project.write("strata.toml", &format!("database = \"{url}\"\n"));
        project.run(&["up"]).assert_error(2, &format!("Error: {error} (from `database` in strata.toml)\n"));
        assert_eq!(created(&project), Vec::<String>::new(), "{url} created a file or folder");
    }
}

/// Holds the runners' lock on `data/x.db` as another runner would.
fn hold_lock(project: &Project) -> std::fs::File {
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(project.join("data/x.db-strata-lock"))
        .unwrap();
    lock.lock().unwrap();
    lock
}

#[test]
fn the_lock_follows_the_file_sqlite_opens_for_every_accepted_form() {
    let project = two_pending();
    std::fs::create_dir_all(project.join("data/sub")).unwrap();
    let absolute = project.join("data/x.db").display().to_string();
    let mut forms = vec![
        "sqlite:data/x.db".to_owned(),
        "sqlite://data/x.db".to_owned(),
        format!("sqlite://{absolute}"),
        "sqlite:data/x.db?mode=rwc".to_owned(),
        "data/x.db".to_owned(),
        "./data/sub/../x.db".to_owned(),
        absolute.clone(),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("data/x.db", project.join("link.db")).unwrap();
        forms.push("sqlite:link.db".to_owned());
    }
    for (i, form) in forms.iter().enumerate() {
        let held = hold_lock(&project);
        let run = project.run(&["--database", form, "--lock-timeout", "0", "up"]);
        assert_eq!(run.code, 5, "{form}: another runner holds the lock on data/x.db\n{run}");
        drop(held);
        if i == 0 {
            project.ok(&["--database", form, "up", "1"]);
        }
        let run = project.ok(&["--database", form, "status"]);
        assert!(run.stdout.contains("001      a     applied"), "{form} does not open data/x.db:\n{run}");
    }
    assert!(!project.exists("data/x.db?mode=rwc") && !project.exists("app.db"));
}

/// A lock file that is a symbolic link is refused: Strata never writes through it.
#[cfg(unix)]
#[test]
fn a_lock_file_that_is_a_symlink_is_refused_and_its_target_kept() {
    let project = two_pending();
    project.write("victim.txt", "precious\n");
    std::os::unix::fs::symlink("victim.txt", project.join("app.db-strata-lock")).unwrap();
    project.run(&["up"]).assert_error(
        2,
        "Error: the lock file app.db-strata-lock beside the database is a symbolic link, not a regular file; \
         remove it (Strata creates its own)\n",
    );
    assert_eq!(project.read("victim.txt"), "precious\n");
    assert!(!project.exists("app.db"), "the database was opened before the lock was taken");
    project.remove("app.db-strata-lock");
    std::fs::create_dir(project.join("app.db-strata-lock")).unwrap();
    let run = project.run(&["up"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.starts_with(
            "Error: the lock file app.db-strata-lock beside the database is a folder, not a regular file;"
        ),
        "{run}"
    );
}

/// A database path that is a device, a folder or a FIFO is named as such,
/// and nothing is created beside it.
#[cfg(unix)]
#[test]
fn a_database_path_that_is_not_a_regular_file_is_named_and_nothing_is_created() {
    let project = two_pending();
    std::fs::create_dir(project.join("folder.db")).unwrap();
    let fifo = project.join("fifo.db");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for (database, what) in [
        ("sqlite:///dev/null", "a character device"),
        ("sqlite:folder.db", "a folder"),
        ("sqlite:fifo.db", "a FIFO (named pipe)"),
    ] {
        for command in ["up", "status"] {
            project
                .run(&["--database", database, command])
                .assert_error(2, &format!("Error: {database} is {what}, not a database file\n"));
        }
    }
    assert!(!std::path::Path::new("/dev/null-strata-lock").exists());
    assert_eq!(created(&project), ["fifo.db", "folder.db"]);
    assert_eq!(project.files_in("folder.db"), Vec::<String>::new());
}

#[test]
fn a_text_file_named_as_the_database_is_not_a_sqlite_database() {
    let project = two_pending();
    project.write("notes.db", "just some text that is long enough to be read as a header, surely, yes\n");
    let run = project.run(&["--database", "notes.db", "up"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("file is not a database"), "{run}");
    assert_eq!(project.read("notes.db"), "just some text that is long enough to be read as a header, surely, yes\n");
}

/// The lock file cannot be created: the message says which file and why it matters.
#[cfg(target_os = "linux")]
#[test]
fn a_lock_file_that_cannot_be_created_is_named() {
    let project = two_pending();
    project.run(&["--database", "/proc/x.db", "up"]).assert_error(
        1,
        "Error: cannot create the lock file /proc/x.db-strata-lock beside the database: \
         No such file or directory (os error 2); Strata keeps other runners out with this file, \
         so the database's folder must be writable by the user running strata\n",
    );
}

/// A file where the database's folder should be is a configuration error.
#[test]
fn a_database_folder_that_is_a_file_is_a_configuration_error() {
    let project = two_pending();
    project.write("f", "not a folder\n");
    for command in ["up", "status"] {
        project
            .run(&["--database", "f/x.db", command])
            .assert_error(2, "Error: cannot create the folder f for the database: f is a file\n");
        project
            .run(&["--database", "f/sub/x.db", command])
            .assert_error(2, "Error: cannot create the folder f/sub for the database: f is a file\n");
    }
    assert_eq!(project.read("f"), "not a folder\n");
}

/// `status` reads a WAL database in a folder it cannot write to.
#[cfg(target_os = "linux")]
#[test]
fn status_reads_a_wal_database_in_a_read_only_folder() {
    use std::os::unix::fs::PermissionsExt;
    let project = two_pending();
    std::fs::create_dir(project.join("ro")).unwrap();
    rusqlite::Connection::open(project.join("ro/app.db")).unwrap().execute_batch("PRAGMA journal_mode = WAL").unwrap();
    project.ok(&["--database", "ro/app.db", "up", "1"]);
    project.remove("ro/app.db-strata-lock");
    let folder = project.join("ro");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let args = ["--database", "ro/app.db", "status"];
    let run = project.run_unprivileged(&args);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    run.assert(
        0,
        "Version  Name  State    Applied at (UTC)\n\
         001      a     applied  <TIME>\n\
         002      b     pending\n\
         \n\
         Current version: 001 (a)  | 1 applied, 1 pending\n",
        "",
    );
    assert_eq!(project.files_in("ro"), ["app.db"]);
}

/// A lock file left by another user, that this one cannot write, is named.
#[cfg(target_os = "linux")]
#[test]
fn a_lock_file_this_user_cannot_write_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let project = two_pending();
    project.write("app.db-strata-lock", "");
    std::fs::set_permissions(project.join("app.db-strata-lock"), std::fs::Permissions::from_mode(0o444)).unwrap();
    project.run_unprivileged(&["up"]).assert_error(
        1,
        "Error: cannot open the lock file app.db-strata-lock beside the database: Permission denied (os error 13); \
         Strata keeps other runners out with this file, so it must be readable and writable by the user running strata\n",
    );
    assert!(!project.exists("app.db"), "the database was opened without the lock");
}
