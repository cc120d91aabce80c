//! MySQL's and MariaDB's splitter (`strata::dialect::MYSQL`): the scripts
//! of `tests/data/mysql_split` and generated scripts split into exactly the
//! statements and lines expected; and, with a server, the `mariadb` client
//! splits them the same way.
//!
//! The server: `STRATA_TEST_MYSQL_URL`, e.g. `mysql://root@127.0.0.1:3306/`.
//! When it is not set, the live tests say they are skipped and pass; when it
//! is set and the client or the server cannot be reached, they fail. Each
//! creates its own database, `strata_t_<pid>_<n>_<nanos>`, with the client,
//! and drops it afterwards, also on failure.
//!
//! How the comparison works: the client runs each script as it runs a file
//! (`mariadb --batch --verbose --verbose --verbose --force --skip-comments
//! DB < script`), and echoes each statement it sends between two lines of
//! dashes; that text is the client's, with comments left out (and a
//! backslash ending a line inside a string dropped). The client must send
//! as many statements as Strata finds, and each one it sends must start and
//! end with the same character as Strata's, its other characters appearing
//! in Strata's in the same order, white space aside. Corpus scripts and
//! generated ones must also run without an error; the `QUIRKS` below,
//! where the client and the server read a comment differently, may fail on
//! the server, as they would with the client: only their splitting counts.

#[path = "support/mariadb_client.rs"]
mod client;

use std::path::{Path, PathBuf};

use client::ScratchDb;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use strata::dialect::{Dialect, MySql, MYSQL, MYSQL_NO_BACKSLASH_ESCAPES};

/// In a `.expected` file, the line before each statement: `-- ---- line N ----`,
/// N the line the statement starts on in the `.sql` file.
const MARK: (&str, &str) = ("-- ---- line ", " ----");

/// Makes the client's session (and so its splitting) read `\` as the dialect without escapes does.
const NO_BACKSLASH_ESCAPES: &str = "SET sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')";

/// A statement: its text and 1-based line.
type Expected = Vec<(String, usize)>;

fn split(dialect: &MySql, script: &str) -> Expected {
    dialect.statements(script).map(|s| (s.sql.to_owned(), s.line)).collect()
}

/// A corpus script: its name, the dialect that reads it (the files named
/// `no_backslash_escapes*` are read without escapes), its text and statements.
struct Script {
    name: String,
    dialect: &'static MySql,
    text: String,
    expected: Expected,
}

impl Script {
    /// SQL to run when the client connects, so it reads `\` as the dialect does.
    fn init(&self) -> Option<&'static str> {
        std::ptr::eq(self.dialect, &MYSQL_NO_BACKSLASH_ESCAPES).then_some(NO_BACKSLASH_ESCAPES)
    }
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mysql_split"))
}

/// Every script of the corpus, by file name.
fn corpus() -> Vec<Script> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("read tests/data/mysql_split")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    paths.sort();
    let script = |path: &PathBuf| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let dialect = if name.starts_with("no_backslash_escapes") { &MYSQL_NO_BACKSLASH_ESCAPES } else { &MYSQL };
        Script { name, dialect, text: read(path), expected: expected(&read(&path.with_extension("expected"))) }
    };
    paths.iter().map(script).collect()
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
    assert!(corpus.len() >= 12, "the corpus is in {}", corpus_dir().display());
    for script in corpus {
        // `.expected` files are read by lines: a `\r\n` in a statement reads as `\n`.
        let found: Expected = split(script.dialect, &script.text)
            .into_iter()
            .map(|(sql, line)| (sql.replace("\r\n", "\n"), line))
            .collect();
        assert_eq!(found, script.expected, "{}", script.name);
    }
}

/// A statement of the generated scripts, valid on MariaDB 10.11, and
/// whether it holds `;` outside strings (a body: it needs another delimiter).
const FRAGMENTS: &[(&str, bool)] = &[
    ("SELECT 1", false),
    ("SELECT 'a;b' AS s", false),
    ("SELECT 'it''s; x', 'C:\\\\dir\\\\' AS p", false),
    ("SELECT \"say \\\"hi\\\";\" AS q", false),
    ("SELECT 1 AS `weird;name`, 2 AS `a``b;`", false),
    ("SELECT 1 /* a; 'b $$ */ AS c", false),
    ("SELECT 1 -- a; 'b //\n  AS d", false),
    ("SELECT 1 # a; 'b ;;\n  AS e", false),
    ("SELECT 2--1 AS f", false),
    ("SELECT 1 /*!40101 , 2 */ AS g", false),
    ("/*!40101 SET @strata_x = 1 */", false),
    ("SET @strata_y := 'x;y'", false),
    ("DO 1", false),
    ("SELECT 'multi\nline; string' AS h", false),
    ("SELECT 'a\\\nb;' AS i", false),
    ("SELECT \\N IS NULL AS j", false),
    ("VALUES (1, 'x;'), (2, ')')", false),
    ("SELECT 'ü; é' AS `ключ`", false),
    ("CREATE OR REPLACE PROCEDURE strata_p()\nBEGIN\n  SELECT 1;\n  SELECT 'a;b';\nEND", true),
    ("BEGIN NOT ATOMIC\n  DECLARE i int DEFAULT 0;\n  SET i = i + 1;\nEND", true),
    ("CREATE OR REPLACE FUNCTION strata_f(x int) RETURNS int DETERMINISTIC\nBEGIN\n  RETURN x; -- one; two\nEND", true),
];

/// The delimiters a generated script switches between.
const DELIMITERS: &[&str] = &[";", "$$", "//", ";;"];

/// What may come between two statements (after the delimiter): white space,
/// comments, an empty statement (`{d}`: the delimiter).
const GAPS: &[&str] =
    &["\n", " ", "\n\n  ", "\t", " -- x; $$\n", " # x; //\n", "\n/* ; $$ // */\n", " {d}", "\n--x;\n"];

/// A script of fragments with random gaps and `DELIMITER` lines, and the
/// statements (text, line) it was built from. The last one may lack its delimiter.
fn script() -> impl Strategy<Value = (String, Expected)> {
    let statement = (0..FRAGMENTS.len(), 0..GAPS.len(), 0..DELIMITERS.len() * 2);
    (0..GAPS.len(), proptest::collection::vec(statement, 1..8), any::<bool>()).prop_map(
        |(lead, statements, last_delimited)| {
            let mut script = GAPS[lead].replace("{d}", ";");
            let mut delimiter = ";";
            let mut expected = Vec::new();
            let count = statements.len();
            for (index, (fragment, gap, switch)) in statements.into_iter().enumerate() {
                let (sql, body) = FRAGMENTS[fragment];
                // Half the time, or when a body needs it, a `DELIMITER` line first;
                // `…*/` then `//` would end at `///`'s first `//`.
                let fits = |d: &str| (!body || d != ";") && !sql.ends_with(&d[..1]);
                let wanted = DELIMITERS.get(switch).copied().filter(|&d| fits(d));
                let needed = (!fits(delimiter)).then_some("$$");
                if let Some(new) = wanted.or(needed) {
                    script.push_str(&format!("\nDELIMITER {new}\n"));
                    delimiter = new;
                }
                expected.push((sql.to_owned(), 1 + script.matches('\n').count()));
                script.push_str(sql);
                if index + 1 < count || last_delimited {
                    script.push_str(delimiter);
                    script.push_str(&GAPS[gap].replace("{d}", delimiter));
                }
            }
            (script, expected)
        },
    )
}

proptest! {
    /// Scripts built from tricky statements split into exactly those statements, on their lines.
    #[test]
    fn generated_scripts_split_into_the_statements_they_were_built_from((script, expected) in script()) {
        prop_assert_eq!(split(&MYSQL, &script), expected, "{:?}", script);
    }
}

/// Scripts where the client's reading of comments is not the server's (a
/// `/*!` or `/*/` inside a comment, a `;` in a versioned comment), or of a
/// `DELIMITER` argument: only where the client splits them counts.
const QUIRKS: &[&str] = &[
    "SELECT 0 /* a /*! b */ c; */, 1;\nSELECT 2;",
    "SELECT 0 /* a /*/ b; */, 1;\nSELECT 2;",
    "SELECT 0 /*!40101 ,1; SELECT 2 */;\nSELECT 3;",
    "SELECT 0 /*!40101 /* c */ , 9; */ , 1;\nSELECT 2;",
    "SELECT 1 /*M!100100 , 2; */;",
    "--x;\nSELECT 1; --y;\nSELECT 2;",
    "SELECT 1 --\u{1}; SELECT 2;",
    "SELECT 1 a#b; c\n, 2;",
    "SELECT `a\\`; SELECT 2;",
    "DELIMITER $$\t\nSELECT 1$$\t SELECT 2;",
    "DELIMITER 'a''b'\nSELECT 1a'b SELECT 2;",
    "DELIMITER \"x y\" ignored\nSELECT 1x y SELECT 2;",
    "DELIMITER a\\b\nSELECT 1ab SELECT 2;",
    "DELIMITER 0123456789abcdefXYZ\nSELECT 10123456789abcdefXYZ SELECT 2;",
    "DELIMITER end\nSELECT 1 AS spend, 2 AS END end",
    "DELIMITER #\nSELECT 1# SELECT 2 # x",
    "DELIMITER ''\nSELECT 1;",
    "DELIMITER '$$\nSELECT 1$$",
    "/* x */ DELIMITER $$\nSELECT 2$$",
    "\u{feff}DELIMITER $$\nSELECT 1$$ SELECT 2",
];

#[test]
fn the_client_splits_the_corpus_as_strata_does() {
    let Some(db) = ScratchDb::new() else { return };
    for script in corpus() {
        let run = db.run(&script.text, script.init());
        assert!(run.success, "{}: the client reports errors: {}", script.name, run.stderr);
        agree(script.dialect, &script.text, &run.sent).unwrap_or_else(|e| panic!("{}: {e}", script.name));
    }
}

#[test]
fn the_client_splits_its_quirks_as_strata_does() {
    let Some(db) = ScratchDb::new() else { return };
    for quirk in QUIRKS {
        let run = db.run(quirk, None);
        agree(&MYSQL, quirk, &run.sent).unwrap_or_else(|e| panic!("{quirk:?}: {e}\n{}", run.stderr));
    }
}

#[test]
fn the_client_splits_generated_scripts_as_strata_does() {
    let Some(db) = ScratchDb::new() else { return };
    let config = RunnerConfig { cases: 48, failure_persistence: None, ..RunnerConfig::default() };
    TestRunner::new(config)
        .run(&script(), |(script, _)| {
            let run = db.run(&script, None);
            if !run.success {
                return Err(TestCaseError::fail(format!("the client reports errors: {}\n{script}", run.stderr)));
            }
            agree(&MYSQL, &script, &run.sent).map_err(TestCaseError::fail)
        })
        .unwrap();
}

/// Whether the client sent the statements `dialect` finds in `script` (see
/// the module's documentation for what counts as the same statement).
fn agree(dialect: &MySql, script: &str, sent: &[String]) -> Result<(), String> {
    let found = split(dialect, script);
    if found.len() != sent.len() {
        return Err(format!(
            "the client sent {} statements, Strata found {}:\n{sent:#?}\n{found:#?}",
            sent.len(),
            found.len()
        ));
    }
    for ((sql, line), sent) in found.iter().zip(sent) {
        let ours: Vec<char> = sql.chars().filter(|c| !c.is_whitespace()).collect();
        let theirs: Vec<char> = sent.chars().filter(|c| !c.is_whitespace()).collect();
        let ends = |text: &[char]| (text.first().copied(), text.last().copied());
        if ends(&ours) != ends(&theirs) || !is_subsequence(&theirs, &ours) {
            return Err(format!("the statement on line {line} differs: Strata's\n{sql}\nthe client's\n{sent}"));
        }
    }
    Ok(())
}

/// Whether `short` appears in `long` in order, with gaps allowed.
fn is_subsequence(short: &[char], long: &[char]) -> bool {
    let mut rest = long.iter();
    short.iter().all(|c| rest.any(|d| d == c))
}
