//! PostgreSQL's splitter (`strata::dialect::POSTGRES`): the scripts of
//! `tests/data/postgres_split` and generated scripts split into exactly the
//! statements and lines expected; and, on a live server, PostgreSQL's own
//! parser agrees, on those and on WriteBot's `migrations/postgres`.
//!
//! The server: `STRATA_TEST_POSTGRES_URL`, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`. When it is not set, the
//! live test says it is skipped and passes; when it is set and the server
//! cannot be reached, it fails. It creates its own database,
//! `strata_test_<pid>_<n>_<nanos>`, and drops it afterwards, also on failure.
//! Each script runs in a transaction that is rolled back: once whole, through
//! the simple query protocol as one string (the server must complete as many
//! statements as the splitter found), then piece by piece (each piece must be
//! exactly one statement to the server).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::{Client, Config, NoTls, SimpleQueryMessage};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use strata::dialect::{Dialect, POSTGRES};

const URL_VARIABLE: &str = "STRATA_TEST_POSTGRES_URL";

/// In a `.expected` file, the line before each statement: `-- ---- line N ----`,
/// N the line the statement starts on in the `.sql` file.
const MARK: (&str, &str) = ("-- ---- line ", " ----");

/// A statement: its text and 1-based line.
type Expected = Vec<(String, usize)>;

fn split(script: &str) -> Expected {
    POSTGRES.statements(script).map(|s| (s.sql.to_owned(), s.line)).collect()
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/postgres_split"))
}

/// Every `(name, script, expected)` of the corpus, by file name.
fn corpus() -> Vec<(String, String, Expected)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("read tests/data/postgres_split")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    paths.sort();
    paths.iter().map(|path| (name(path), read(path), expected(&read(&path.with_extension("expected"))))).collect()
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The statements a `.expected` file lists.
fn expected(text: &str) -> Expected {
    let mut statements: Expected = Vec::new();
    for line in text.lines() {
        let mark = line.strip_prefix(MARK.0).and_then(|rest| rest.strip_suffix(MARK.1));
        match (mark.map(str::parse::<usize>), statements.last_mut()) {
            (Some(Ok(number)), _) => statements.push((String::new(), number)),
            (Some(Err(e)), _) => panic!("bad mark {line:?}: {e}"),
            (None, Some((sql, _))) if sql.is_empty() => sql.push_str(line),
            (None, Some((sql, _))) => {
                sql.push('\n');
                sql.push_str(line);
            }
            (None, None) => panic!("a .expected file starts with a `{}N{}` line", MARK.0, MARK.1),
        }
    }
    statements
}

#[test]
fn corpus_scripts_split_into_the_expected_statements_and_lines() {
    let corpus = corpus();
    assert!(corpus.len() >= 9, "the corpus is in {}", corpus_dir().display());
    for (name, script, expected) in corpus {
        assert_eq!(split(&script), expected, "{name}");
    }
}

/// Statements that hold the constructs the splitter must see through, each
/// valid on PostgreSQL 15 (no `;` at the end).
const FRAGMENTS: &[&str] = &[
    "SELECT 1",
    "SELECT 'a;b' AS s",
    "SELECT 'it''s; x', 'C:\\dir\\'",
    "SELECT E'it\\'s; fine', e'\\\\;'",
    "SELECT U&'d\\0061t;\\+000061', X'1F', B'10', N'n;'",
    "SELECT 'one; '\n  'continued' AS c",
    "SELECT $$ ; ' \" $$",
    "SELECT $tag$ $$ ; $TAG$ $tag$",
    "SELECT 1 AS \"weird;name\", 2 AS \"say \"\"hi\"\";\"",
    "SELECT 1 AS a$$b",
    "SELECT 1 /* a /* ; $$ */ ' */ AS c",
    "SELECT 1 -- ; $$ '\n  AS d",
    "SELECT (SELECT 2) AS p",
    "VALUES (1, 'x;'), (2, ')')",
    "DO $$ BEGIN PERFORM 1; END $$",
    "DO $do$ BEGIN IF true THEN PERFORM $$;$$; END IF; END $do$",
    "CREATE OR REPLACE FUNCTION strata_f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 2 END;\nEND",
    "CREATE OR REPLACE FUNCTION strata_g() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$body$",
    "CREATE OR REPLACE PROCEDURE strata_p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
];

/// What may come between two statements (after the `;`): white space,
/// comments, empty statements.
const GAPS: &[&str] = &["\n", " ", "\n\n  ", "\t", " -- x; $$\n", "\n/* ; /* $$ */ */\n", ";\n", " ; ;"];

/// A script of `statements` fragments with random gaps, and the statements
/// (text, line) it was built from. The last one may lack its `;`.
fn script() -> impl Strategy<Value = (String, Expected)> {
    let statement = (0..FRAGMENTS.len(), 0..GAPS.len());
    (0..GAPS.len(), proptest::collection::vec(statement, 1..8), any::<bool>()).prop_map(
        |(lead, statements, last_semi)| {
            let mut script = GAPS[lead].to_owned();
            let mut expected = Vec::new();
            let count = statements.len();
            for (index, (fragment, gap)) in statements.into_iter().enumerate() {
                let line = 1 + script.matches('\n').count();
                let last = index + 1 == count;
                let sql = if last && !last_semi {
                    FRAGMENTS[fragment].to_owned()
                } else {
                    format!("{};", FRAGMENTS[fragment])
                };
                script.push_str(&sql);
                if !last || last_semi {
                    script.push_str(GAPS[gap]);
                }
                expected.push((sql, line));
            }
            (script, expected)
        },
    )
}

proptest! {
    /// Scripts built from tricky statements split into exactly those statements, on their lines.
    #[test]
    fn generated_scripts_split_into_the_statements_they_were_built_from((script, expected) in script()) {
        prop_assert_eq!(split(&script), expected, "{:?}", script);
    }
}

#[test]
fn the_server_completes_the_statements_the_splitter_finds() {
    let Some(db) = TestDb::new() else { return };
    let mut client = db.client();
    for (name, script, _) in corpus() {
        agree(&mut client, &script).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let config = RunnerConfig { cases: 48, failure_persistence: None, ..RunnerConfig::default() };
    let client = std::cell::RefCell::new(client);
    TestRunner::new(config)
        .run(&script(), |(script, _)| agree(&mut client.borrow_mut(), &script).map_err(TestCaseError::fail))
        .unwrap();
}

#[test]
fn writebot_postgres_migrations_split_as_the_server_reads_them() {
    let Some(db) = TestDb::new() else { return };
    let mut client = db.client();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
    let migrations = strata::source::load_dir(&dir).expect("load migrations/postgres");
    assert_eq!(migrations.len(), 14);
    // 014's views read the history table Strata would have created.
    client.batch_execute("CREATE TABLE migration_history (version bigint PRIMARY KEY, name text NOT NULL)").unwrap();
    for migration in &migrations {
        let up = migration.up.text().unwrap();
        agree(&mut client, &up).unwrap_or_else(|e| panic!("{} up: {e}", migration.label));
        // Applied for real, so the next one finds what it builds on.
        client.batch_execute(&format!("BEGIN;\n{up}\n;COMMIT;")).unwrap_or_else(|e| panic!("{}: {e}", migration.label));
        let down = migration.down.as_ref().unwrap().text().unwrap();
        agree(&mut client, &down).unwrap_or_else(|e| panic!("{} down: {e}", migration.label));
    }
}

/// Runs `script` whole and piece by piece in transactions rolled back: the
/// server must complete one statement per piece the splitter cut.
fn agree(client: &mut Client, script: &str) -> Result<(), String> {
    let pieces = split(script);
    let whole = in_rolled_back_transaction(client, |client| completed(client, script))
        .map_err(|e| format!("the whole script fails: {e}\n{script}"))?;
    if whole != pieces.len() {
        return Err(format!(
            "the server completed {whole} statements, the splitter found {}: {pieces:#?}",
            pieces.len()
        ));
    }
    in_rolled_back_transaction(client, |client| {
        for (sql, line) in &pieces {
            match completed(client, sql) {
                Ok(1) => {}
                Ok(n) => return Err(format!("the piece on line {line} is {n} statements to the server: {sql}")),
                Err(e) => return Err(format!("the piece on line {line} fails alone: {e}\n{sql}")),
            }
        }
        Ok(())
    })
}

/// How many statements the server completed running `sql` through the simple query protocol.
fn completed(client: &mut Client, sql: &str) -> Result<usize, String> {
    let messages = client.simple_query(sql).map_err(|e| error_text(&e))?;
    Ok(messages.iter().filter(|message| matches!(message, SimpleQueryMessage::CommandComplete(_))).count())
}

fn in_rolled_back_transaction<T>(
    client: &mut Client,
    run: impl FnOnce(&mut Client) -> Result<T, String>,
) -> Result<T, String> {
    client.batch_execute("BEGIN").map_err(|e| error_text(&e))?;
    let result = run(client);
    client.batch_execute("ROLLBACK").map_err(|e| error_text(&e))?;
    result
}

fn error_text(error: &postgres::Error) -> String {
    error.as_db_error().map_or_else(|| error.to_string(), |db| format!("{}: {}", db.code().code(), db.message()))
}

/// A scratch database on the test server, dropped when this goes out of scope.
struct TestDb {
    server: Config,
    name: String,
}

impl TestDb {
    /// `None` (after saying so) when `STRATA_TEST_POSTGRES_URL` is not set.
    fn new() -> Option<TestDb> {
        let Some(url) = std::env::var(URL_VARIABLE).ok().filter(|url| !url.is_empty()) else {
            eprintln!("skipped: {URL_VARIABLE} is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)");
            return None;
        };
        let shown = strata::redact_text(&url);
        let mut server: Config =
            url.parse().unwrap_or_else(|e| panic!("{URL_VARIABLE}={shown} is not a PostgreSQL URL: {e}"));
        server.connect_timeout(Duration::from_secs(10));
        let mut admin = server.connect(NoTls).unwrap_or_else(|e| {
            let cause = std::error::Error::source(&e).map_or(String::new(), |cause| format!(": {cause}"));
            let error = strata::redact_text(&format!("{e}{cause}"));
            panic!("{URL_VARIABLE} is set to {shown}, but that server cannot be reached: {error}")
        });
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("strata_test_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).expect("create the test database");
        Some(TestDb { server, name })
    }

    /// A connection to the scratch database, reading `'…'` as the splitter
    /// does (`standard_conforming_strings`, the default, set for this session).
    fn client(&self) -> Client {
        let mut client = self.server.clone().dbname(&self.name).connect(NoTls).expect("connect to the test database");
        client.batch_execute("SET standard_conforming_strings = on").unwrap();
        client
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let dropped = self.server.connect(NoTls).and_then(|mut admin| {
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
        });
        if let Err(e) = dropped {
            let message = format!("could not drop the test database {}: {e}", self.name);
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}
