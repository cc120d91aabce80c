//! Running `strata` as child processes: several at once, reading their output
//! while they run, waiting for them with bounds. For tests that include it
//! next to `mod common;`.
#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{Project, Run};

/// `strata ARGS` in the project, as a child process with piped output.
pub fn spawn(project: &Project, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", project.cache_dir().parent().unwrap())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strata")
}

/// What a finished child did, as a [`Run`].
pub fn finished(output: Output, args: &[&str]) -> Run {
    Run {
        code: output.status.code().expect("strata was killed by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        database_line: None,
    }
    .split_database_line(args)
}

/// Runs `strata ARGS`, failing the test if it has not finished within 30 s
/// (a command that must not wait for the lock: the default wait is 60 s).
pub fn run_bounded(project: &Project, args: &[&str]) -> Run {
    let mut child = spawn(project, args);
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!("strata {args:?} did not answer within 30 s; stderr: {}", String::from_utf8_lossy(&output.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    finished(child.wait_with_output().unwrap(), args)
}

/// Reads a child's pipe on a thread; the text arrives in chunks on the receiver.
pub fn stream(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut pipe = pipe;
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut buffer) {
            if sender.send(String::from_utf8_lossy(&buffer[..n]).into_owned()).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Reads from `receiver` into `text` until it contains `needle`; false when
/// the pipe closed or `limit` passed first.
pub fn wait_for_text(receiver: &mpsc::Receiver<String>, text: &mut String, needle: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while !text.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok(chunk) => text.push_str(&chunk),
            Err(_) => return text.contains(needle),
        }
    }
    true
}

/// Everything left on `receiver` until the pipe closes.
pub fn drain(receiver: &mpsc::Receiver<String>, text: &mut String) {
    while let Ok(chunk) = receiver.recv_timeout(Duration::from_secs(30)) {
        text.push_str(&chunk);
    }
}

/// Polls `done` until it holds, for at most `limit`; false if it never did.
pub fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Checks one `strata up` of a fleet that applies migrations 001–050 (`t01`
/// … `t50`) to `shown`: exit 0; its database line; on stderr nothing, or
/// one line saying it waited for `held by {holder}…`, which `waited_for`
/// then checks; on stdout its `Applying` lines and the summary that matches
/// them. Returns the `Applying` lines.
pub fn check_fleet_runner(run: &Run, shown: &str, holder: &str, waited_for: impl Fn(&str) -> bool) -> Vec<String> {
    use crate::common::normalize;
    assert_eq!(run.code, 0, "a concurrent `strata up` failed:\n{run}");
    assert_eq!(run.database_line.as_deref(), Some(format!("Database: {shown}\n").as_str()), "{run}");
    if !run.stderr.is_empty() {
        let prefix = format!("Waiting for the lock on {shown}: held by {holder}");
        let stderr = normalize(&run.stderr);
        let one_line = stderr.lines().count() == 1;
        assert!(
            one_line && stderr.starts_with(&prefix) && stderr.ends_with(" since <TIME> UTC; waiting up to 60 s...\n"),
            "unexpected stderr:\n{run}"
        );
        assert!(waited_for(&stderr), "waited for a runner not of this round:\n{run}");
    }
    let stdout = normalize(&run.stdout);
    let (applying, last): (Vec<&str>, Vec<&str>) = stdout.lines().partition(|line| line.starts_with("Applying "));
    match last.as_slice() {
        ["Nothing to apply: the database is at version 050 (t50)."] => assert!(applying.is_empty(), "{run}"),
        [summary] => assert_eq!(
            *summary,
            format!(
                "Applied {} migration{} in <DUR>; the database is at version 050 (t50).",
                applying.len(),
                if applying.len() == 1 { "" } else { "s" }
            ),
            "{run}"
        ),
        _ => panic!("unexpected stdout:\n{run}"),
    }
    applying.into_iter().map(str::to_owned).collect()
}
