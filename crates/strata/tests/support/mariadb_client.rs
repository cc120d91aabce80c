//! The `mariadb` command-line client (or `mysql`) run as a child process
//! against the server `STRATA_TEST_MYSQL_URL` names, for tests that compare
//! Strata with the client: a scratch database per test, and the statements
//! the client sends when it runs a script.
//!
//! The URL is `mysql://user[:password]@host[:port]/`; the password goes to
//! the client in `MYSQL_PWD`, never on its command line, and nothing here
//! shows it.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub const URL_VARIABLE: &str = "STRATA_TEST_MYSQL_URL";

/// The line `--verbose --verbose --verbose` prints before and after each statement it sends.
const RULE: &str = "--------------";

/// Where the server is, from the URL.
#[derive(Clone)]
struct Server {
    user: String,
    password: Option<String>,
    host: String,
    port: String,
}

/// A scratch database, created with the client and dropped when this goes out of scope.
pub struct ScratchDb {
    server: Server,
    program: &'static str,
    pub name: String,
}

/// What the client did with a script.
pub struct Run {
    /// The statements it sent, as it echoed them (its text: comments left out).
    pub sent: Vec<String>,
    /// Its exit status was success.
    pub success: bool,
    pub stderr: String,
}

impl ScratchDb {
    /// `None` (after saying so) when `STRATA_TEST_MYSQL_URL` is not set; a
    /// panic when it is set and the client or the server cannot be reached.
    pub fn new() -> Option<ScratchDb> {
        let Some(url) = std::env::var(URL_VARIABLE).ok().filter(|url| !url.is_empty()) else {
            eprintln!("skipped: {URL_VARIABLE} is not set (e.g. mysql://root@127.0.0.1:3306/)");
            return None;
        };
        let shown = strata::redact_text(&url);
        let server =
            parse(&url).unwrap_or_else(|| panic!("{URL_VARIABLE}={shown} is not a mysql://user@host:port/ URL"));
        let program = ["mariadb", "mysql"]
            .into_iter()
            .find(|program| Command::new(program).arg("--version").output().is_ok_and(|out| out.status.success()))
            .unwrap_or_else(|| panic!("{URL_VARIABLE} is set, but neither `mariadb` nor `mysql` runs here"));
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("strata_t_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let db = ScratchDb { server, program, name };
        let created = db.admin(&format!("CREATE DATABASE `{}`", db.name));
        if !created.status.success() {
            let error = strata::redact_text(&String::from_utf8_lossy(&created.stderr));
            panic!("{URL_VARIABLE} is set to {shown}, but creating a database there failed: {error}");
        }
        Some(db)
    }

    /// Runs `script` in the scratch database, as `mariadb --batch` reads a
    /// file, going on after errors (`--force`), after `init` (SQL run when
    /// connecting, if any).
    pub fn run(&self, script: &str, init: Option<&str>) -> Run {
        let mut command = self.command();
        command.args(["--batch", "--verbose", "--verbose", "--verbose", "--force", "--skip-comments"]);
        if let Some(init) = init {
            command.arg(format!("--init-command={init}"));
        }
        command.arg(&self.name).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("start the client");
        let mut stdin = child.stdin.take().unwrap();
        let input = script.as_bytes().to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child.wait_with_output().expect("run the client");
        writer.join().unwrap().expect("write the script to the client");
        Run {
            sent: echoed(&String::from_utf8_lossy(&output.stdout)),
            success: output.status.success(),
            stderr: strata::redact_text(&String::from_utf8_lossy(&output.stderr)),
        }
    }

    fn admin(&self, sql: &str) -> Output {
        self.command().args(["--batch", "-e", sql]).output().expect("run the client")
    }

    /// The client, connecting to the server, reading no option file, in UTF-8.
    fn command(&self) -> Command {
        let Server { user, password, host, port } = &self.server;
        let mut command = Command::new(self.program);
        command.args(["--no-defaults", "--default-character-set=utf8mb4", "--protocol=TCP"]);
        command.args(["-h", host, "-P", port, "-u", user]).env_remove("MYSQL_PWD");
        if let Some(password) = password {
            command.env("MYSQL_PWD", password);
        }
        command
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let dropped = self.admin(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
        if !dropped.status.success() {
            let message = format!(
                "could not drop the test database {}: {}",
                self.name,
                strata::redact_text(&String::from_utf8_lossy(&dropped.stderr))
            );
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

/// The statements between the rules the client prints around each one.
fn echoed(stdout: &str) -> Vec<String> {
    let mut sent = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in stdout.lines() {
        match (&mut current, line == RULE) {
            (None, true) => current = Some(Vec::new()),
            (Some(lines), true) => {
                sent.push(lines.join("\n"));
                current = None;
            }
            (Some(lines), false) => lines.push(line),
            (None, false) => {}
        }
    }
    sent
}

/// `mysql://user[:password]@host[:port][/]`, `%XX` decoded in user and password.
fn parse(url: &str) -> Option<Server> {
    let rest = url.strip_prefix("mysql://").or_else(|| url.strip_prefix("mariadb://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let (credentials, address) = authority.rsplit_once('@').unwrap_or(("root", authority));
    let (user, password) = match credentials.split_once(':') {
        Some((user, password)) => (decode(user)?, Some(decode(password)?)),
        None => (decode(credentials)?, None),
    };
    let (host, port) = address.rsplit_once(':').unwrap_or((address, "3306"));
    (!host.is_empty()).then(|| Server { user, password, host: host.to_owned(), port: port.to_owned() })
}

fn decode(text: &str) -> Option<String> {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}
