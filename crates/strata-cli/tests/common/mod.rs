//! Shared helpers for the CLI integration tests: a scratch project folder,
//! running the real `strata` binary in it, reading its SQLite database, and
//! normalizing timestamps and durations in output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use rusqlite::Connection;
use tempfile::TempDir;

/// The database file `Project::new` configures in strata.toml.
pub const DB: &str = "app.db";
/// The default migrations folder.
pub const DIR: &str = "migrations/versions";

/// A scratch folder that is the current directory of every `strata` run.
pub struct Project {
    dir: TempDir,
    /// `XDG_CACHE_HOME` of every run, outside the project.
    cache: TempDir,
}

impl Project {
    /// An empty folder: no strata.toml, no migrations folder.
    pub fn bare() -> Self {
        Project {
            dir: tempfile::tempdir().expect("create temp dir"),
            cache: tempfile::tempdir().expect("create temp dir"),
        }
    }

    /// A folder with `strata.toml` naming `sqlite:app.db` and an empty
    /// `migrations/versions`.
    pub fn new() -> Self {
        let project = Project::bare();
        project.write("strata.toml", "database = \"sqlite:app.db\"\n");
        std::fs::create_dir_all(project.join(DIR)).expect("create migrations folder");
        project
    }

    /// Strata's cache folder (`$XDG_CACHE_HOME/strata`) in this project's runs.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache.path().join("strata")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes a file (creating its folders).
    pub fn write(&self, relative: &str, text: &str) {
        self.write_bytes(relative, text.as_bytes());
    }

    pub fn write_bytes(&self, relative: &str, bytes: &[u8]) {
        let path = self.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Writes a file in the default migrations folder.
    pub fn migration(&self, file_name: &str, text: &str) {
        self.write(&format!("{DIR}/{file_name}"), text);
    }

    /// Writes `{file_name}` with an up section and, when given, a down section.
    pub fn up_down(&self, file_name: &str, up: &str, down: Option<&str>) {
        let mut text = format!("-- migrate:up\n{up}\n");
        if let Some(down) = down {
            text.push_str(&format!("-- migrate:down\n{down}\n"));
        }
        self.migration(file_name, &text);
    }

    /// A migration creating table `table`, reverted by dropping it.
    pub fn table_migration(&self, file_name: &str, table: &str) {
        self.up_down(
            file_name,
            &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY);"),
            Some(&format!("DROP TABLE {table};")),
        );
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.join(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
    }

    pub fn remove(&self, relative: &str) {
        std::fs::remove_file(self.join(relative)).unwrap_or_else(|e| panic!("remove {relative}: {e}"));
    }

    pub fn exists(&self, relative: &str) -> bool {
        self.join(relative).exists()
    }

    /// Files in a folder of the project, sorted.
    pub fn files_in(&self, relative: &str) -> Vec<String> {
        self.files_in_path(&self.join(relative))
    }

    /// The names in a folder, sorted.
    pub fn files_in_path(&self, path: &Path) -> Vec<String> {
        let relative = path.display();
        let mut names: Vec<String> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("list {relative}: {e}"))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// `strata` in this folder, with no DATABASE_URL and NO_COLOR=1,
    /// and stdin that is not a terminal.
    pub fn strata(&self) -> Command {
        let mut command = Command::cargo_bin("strata").expect("strata binary");
        command
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR")
            .env_remove("COLUMNS")
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", self.cache.path())
            .write_stdin("");
        command
    }

    /// Runs `strata ARGS` (see [`Project::strata`]). The `Database: …` line
    /// that starts the text output of up, down, redo, status, check, reset,
    /// adopt and repair must be there; it is moved from `stdout` to `database_line`.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = self.strata();
        command.args(args);
        Run::of(&mut command).split_database_line(args)
    }

    /// Runs `strata ARGS` and checks that it exits 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code, 0, "strata {args:?} failed:\n{run}");
        run
    }

    /// Runs `strata ARGS` on a pseudo-terminal (util-linux `script`), typing
    /// `input`; returns the exit code and everything the terminal showed.
    pub fn on_terminal(&self, args: &str, input: &str) -> (i32, String) {
        use std::io::Write;
        let binary = assert_cmd::cargo::cargo_bin("strata");
        let command = format!("{} {args}", binary.display());
        let mut child = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", self.cache.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("util-linux `script` runs a command on a pseudo-terminal");
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"))
    }

    /// Runs `strata ARGS` so that file permissions hold even for root: as
    /// root, the capabilities that bypass them are dropped (util-linux setpriv).
    #[cfg(target_os = "linux")]
    pub fn run_unprivileged(&self, args: &[&str]) -> Run {
        let root = std::process::Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        if !root {
            return self.run(args);
        }
        let mut command = Command::new("setpriv");
        command
            .arg("--bounding-set=-dac_override,-dac_read_search")
            .arg(assert_cmd::cargo::cargo_bin("strata"))
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", self.cache.path())
            .write_stdin("");
        Run::of(&mut command).split_database_line(args)
    }

    /// Opens the project's database (`app.db`), which must exist.
    pub fn db(&self) -> Connection {
        self.db_at(DB)
    }

    pub fn db_at(&self, relative: &str) -> Connection {
        let path = self.join(relative);
        assert!(path.exists(), "database {} does not exist", path.display());
        let conn = Connection::open(&path).expect("open database");
        conn.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
        conn
    }

    /// `(version, name)` of every history row of app.db, by version.
    pub fn history(&self) -> Vec<(i64, String)> {
        history(&self.db())
    }

    /// Versions in app.db's history.
    pub fn versions(&self) -> Vec<i64> {
        self.history().into_iter().map(|(version, _)| version).collect()
    }

    /// Every schema object of app.db except SQLite's own and the history
    /// table, as `type name`, sorted.
    pub fn schema(&self) -> Vec<String> {
        schema(&self.db())
    }
}

/// `(version, name)` of every history row, by version (empty without the table).
pub fn history(conn: &Connection) -> Vec<(i64, String)> {
    if !has_table(conn, "migration_history") {
        return Vec::new();
    }
    let mut statement = conn.prepare("SELECT version, name FROM migration_history ORDER BY version").unwrap();
    statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// Every schema object except SQLite's own and the history table, as `type name`.
pub fn schema(conn: &Connection) -> Vec<String> {
    let mut statement = conn
        .prepare(
            "SELECT type || ' ' || name FROM sqlite_master
             WHERE name NOT LIKE 'sqlite%' AND name <> 'migration_history' ORDER BY type, name",
        )
        .unwrap();
    statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
}

pub fn has_table(conn: &Connection, table: &str) -> bool {
    conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |row| {
        row.get::<_, i64>(0)
    })
    .unwrap()
        == 1
}

pub fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The hint of every error about a migration file.
pub const FILE_HINT: &str =
    "Hint: every .sql file in the migrations folder must be a migration; fix or move the file named above.\n";

/// 001_a applied; 002_ok pending (valid). A bad file added next must stop
/// every command before anything runs.
pub fn applied_one_pending_one() -> Project {
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.ok(&["up"]);
    project.table_migration("002_ok.sql", "ok");
    project
}

/// `up`, `status` and `down 0` fail with exit 2 and exactly `error` + the
/// file hint; nothing ran (on [`applied_one_pending_one`]).
#[track_caller]
pub fn assert_bad_files(project: &Project, error: &str) {
    let expected = format!("Error: {error}\n{FILE_HINT}");
    project.run(&["up"]).assert_error(2, &expected);
    project.run(&["status"]).assert_error(2, &expected);
    project.run(&["down", "0", "--yes"]).assert_error(2, &expected);
    assert_eq!(project.versions(), [1], "no history row may be added");
    assert_eq!(project.schema(), ["table a"], "no migration may run");
}

/// What a `strata` run did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The first line of stdout, `Database: …`, for the commands that print it
    /// (see [`Project::run`]).
    pub database_line: Option<String>,
}

/// Every subcommand; those in the first part name the database first.
const NAMING_DATABASE: [&str; 8] = ["up", "down", "redo", "status", "check", "reset", "adopt", "repair"];
const OTHERS: [&str; 2] = ["create", "help"];

impl Run {
    pub fn of(command: &mut Command) -> Run {
        let output = command.output().expect("run strata");
        Run {
            code: output.status.code().expect("strata was killed by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
            database_line: None,
        }
    }

    /// For a command that names its database (not with `--json` or `--help`):
    /// output on stdout must start with `Database: `, and that line moves to
    /// `database_line`.
    #[track_caller]
    pub fn split_database_line(mut self, args: &[&str]) -> Run {
        let command = args.iter().find(|arg| NAMING_DATABASE.contains(arg) || OTHERS.contains(arg));
        let quiet = args.iter().any(|arg| matches!(*arg, "--json" | "--help" | "-h"));
        if command.is_some_and(|command| NAMING_DATABASE.contains(command)) && !quiet && !self.stdout.is_empty() {
            assert!(self.stdout.starts_with("Database: "), "strata {args:?}: no `Database:` line first:\n{self}");
            let end = self.stdout.find('\n').map_or(self.stdout.len(), |at| at + 1);
            self.database_line = Some(self.stdout.drain(..end).collect());
        }
        self
    }

    /// Checks the exit code and the whole of stdout and stderr, after
    /// [`normalize`] (timestamps become `<TIME>`, durations `<DUR>`).
    #[track_caller]
    pub fn assert(&self, code: i32, stdout: &str, stderr: &str) {
        let (out, err) = (normalize(&self.stdout), normalize(&self.stderr));
        assert!(
            self.code == code && out == stdout && err == stderr,
            "\nexpected exit {code}\n--- stdout:\n{stdout}--- stderr:\n{stderr}---\n\ngot exit {}\n--- stdout:\n{out}--- stderr:\n{err}---\n",
            self.code
        );
    }

    /// Checks an error: exit `code`, nothing on stdout, and `stderr` exactly.
    #[track_caller]
    pub fn assert_error(&self, code: i32, stderr: &str) {
        self.assert(code, "", stderr);
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}\n--- stdout:\n{}--- stderr:\n{}---", self.code, self.stdout, self.stderr)
    }
}

/// Replaces timestamps (`2026-11-24 21:20:29`) with `<TIME>` and durations
/// (`0 ms`, `1.24 s`) with `<DUR>`, so that whole outputs can be compared.
pub fn normalize(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let at_boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_boundary && bytes[i].is_ascii_digit() {
            if let Some(len) = timestamp_len(&bytes[i..]) {
                out.push_str("<TIME>");
                i += len;
                continue;
            }
            if let Some(len) = duration_len(&bytes[i..]) {
                out.push_str("<DUR>");
                i += len;
                continue;
            }
        }
        let c = text[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// `DDDD-DD-DD DD:DD:DD`.
fn timestamp_len(bytes: &[u8]) -> Option<usize> {
    const SHAPE: &[u8] = b"dddd-dd-dd dd:dd:dd";
    if bytes.len() < SHAPE.len() {
        return None;
    }
    let fits = SHAPE.iter().zip(bytes).all(|(&shape, &b)| if shape == b'd' { b.is_ascii_digit() } else { shape == b });
    fits.then_some(SHAPE.len())
}

/// `N ms` or `N.NN s`, followed by something other than a letter or digit.
fn duration_len(bytes: &[u8]) -> Option<usize> {
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut end = digits(0);
    if bytes.get(end) == Some(&b'.') {
        let fraction = digits(end + 1);
        if fraction == 0 {
            return None;
        }
        end += 1 + fraction;
        if !bytes[end..].starts_with(b" s") {
            return None;
        }
        end += 2;
    } else if bytes[end..].starts_with(b" ms") {
        end += 3;
    } else {
        return None;
    }
    match bytes.get(end) {
        Some(b) if b.is_ascii_alphanumeric() => None,
        _ => Some(end),
    }
}

#[test]
fn normalize_replaces_timestamps_and_durations_only() {
    assert_eq!(
        normalize("001  a  applied  2026-11-24 21:20:29\nok (0 ms)\nApplied 2 migrations in 1.24 s; at 003 (x).\n"),
        "001  a  applied  <TIME>\nok (<DUR>)\nApplied 2 migrations in <DUR>; at 003 (x).\n"
    );
    assert_eq!(normalize("in 37 ms; 2 msgs, 3 s, 1.5x, v2 ms"), "in <DUR>; 2 msgs, 3 s, 1.5x, v2 ms");
}
