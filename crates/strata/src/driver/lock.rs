//! Keeping runners apart: who holds the lock, how long to wait for it, and
//! the lock file that file-based databases (SQLite) use.
//!
//! The lock is an advisory (`flock`-style) lock on a file beside the
//! database. The kernel releases it when its holder dies, so a killed runner
//! never leaves a stale lock. After taking it, the holder writes who it is
//! into the file (`pid=…`, `command=…`, `since=…` lines), so that a runner
//! that must wait, or a `status`, can say for whom. The file is emptied when
//! the lock is released; a reader tolerates an empty or half-written file.

use std::fmt;
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How long a runner waits for the lock when nothing else says.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a waiting runner tries the lock again.
const POLL: Duration = Duration::from_millis(50);
/// How long a waiting runner gives a new holder to write who it is before
/// saying that it waits anyway (or, with a zero timeout, giving up).
const GRACE: Duration = Duration::from_millis(300);

/// How to take the lock: how long to wait, and what to tell other runners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    /// How long to wait for another runner; zero fails at once if the lock is held.
    pub timeout: Duration,
    /// What this runner is, as others will see it (e.g. `strata up`).
    pub command: String,
}

impl Default for LockRequest {
    /// Waits [`DEFAULT_LOCK_TIMEOUT`]; names this program.
    fn default() -> Self {
        let program = std::env::args_os()
            .next()
            .and_then(|arg| Path::new(&arg).file_name().map(|name| name.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "a strata migration".to_owned());
        LockRequest { timeout: DEFAULT_LOCK_TIMEOUT, command: program }
    }
}

/// Who holds a lock, as far as it said. Every part may be unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    pub pid: Option<u32>,
    pub command: Option<String>,
    /// When it took the lock, UTC `YYYY-MM-DD HH:MM:SS`.
    pub since: Option<String>,
}

impl Holder {
    /// This process, running `command`, from now.
    fn current(command: &str) -> Self {
        Holder {
            pid: Some(std::process::id()),
            command: Some(command.to_owned()),
            since: Some(crate::history::utc_now()),
        }
    }

    /// Reads what a holder wrote. Only whole lines count (a line still being
    /// written is ignored); unknown keys and bad values are skipped.
    pub fn parse(text: &str) -> Self {
        let mut holder = Holder::default();
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        for line in complete.lines() {
            let Some((key, value)) = line.split_once('=') else { continue };
            let value = value.trim();
            match key.trim() {
                "pid" => holder.pid = value.parse().ok(),
                "command" if !value.is_empty() => holder.command = Some(value.to_owned()),
                "since" if !value.is_empty() => holder.since = Some(value.to_owned()),
                _ => {}
            }
        }
        holder
    }

    /// The lock file's text for this holder.
    fn to_text(&self) -> String {
        let mut text = String::new();
        if let Some(pid) = self.pid {
            text.push_str(&format!("pid={pid}\n"));
        }
        if let Some(command) = &self.command {
            text.push_str(&format!("command={}\n", command.replace('\n', " ")));
        }
        if let Some(since) = &self.since {
            text.push_str(&format!("since={since}\n"));
        }
        text
    }

    fn is_unknown(&self) -> bool {
        *self == Holder::default()
    }
}

impl fmt::Display for Holder {
    /// `strata up (pid 1234) since 2026-11-25 05:40:12 UTC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unknown() {
            return f.write_str("another strata run that has not said who it is");
        }
        f.write_str(self.command.as_deref().unwrap_or("another strata run"))?;
        if let Some(pid) = self.pid {
            write!(f, " (pid {pid})")?;
        }
        if let Some(since) = &self.since {
            write!(f, " since {since} UTC")?;
        }
        Ok(())
    }
}

/// What a runner that has to wait for the lock is told, once, before it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockWait {
    /// The database, as shown to people (no password).
    pub database: String,
    pub holder: Holder,
    /// How long it will wait at most.
    pub timeout: Duration,
    /// Not a wait: the holder's lease (on a Galera cluster) had run out, as
    /// when its runner was killed, and this runner took the lock over from it.
    pub took_over: bool,
}

/// A held lock file; dropping it empties the file and releases the lock.
#[derive(Debug)]
pub(crate) struct LockFile {
    file: File,
}

impl LockFile {
    /// Takes the lock on `path` (creating the file), waiting up to
    /// `request.timeout`; `waiting` is called once when it has to wait.
    pub(crate) fn acquire(
        path: &LockPath,
        database: &str,
        request: &LockRequest,
        waiting: &mut dyn FnMut(&LockWait),
    ) -> Result<Self> {
        let file = open(path, true)?;
        let start = Instant::now();
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => return Err(path.error("lock", source)),
            }
            let waited = start.elapsed();
            // A holder that has not said who it is yet may be one that has just
            // taken the lock, or a `status` looking for a moment: give it GRACE.
            let holder = read_holder(&file);
            let settled = !holder.is_unknown() || waited >= GRACE;
            if waited >= request.timeout && settled {
                return Err(Error::LockTimeout { database: database.to_owned(), holder, waited: request.timeout });
            }
            if !announced && settled {
                waiting(&LockWait {
                    database: database.to_owned(),
                    holder,
                    timeout: request.timeout,
                    took_over: false,
                });
                announced = true;
            }
            std::thread::sleep(POLL.min(request.timeout.saturating_sub(waited)).max(Duration::from_millis(5)));
        }
        let lock = LockFile { file };
        lock.write_holder(&Holder::current(&request.command)).map_err(|source| path.error("write", source))?;
        Ok(lock)
    }

    fn write_holder(&self, holder: &Holder) -> std::io::Result<()> {
        let mut file = &self.file;
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(holder.to_text().as_bytes())
    }

    /// Who holds the lock on `path` now, without waiting and without creating
    /// anything; `None` when nobody does (or there is no lock file).
    pub(crate) fn probe(path: &LockPath) -> Result<Option<Holder>> {
        let file = match open(path, false) {
            Ok(file) => file,
            Err(Error::LockFile { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        // A shared lock: two `status` runs never get in each other's way.
        match file.try_lock_shared() {
            Ok(()) => Ok(None),
            Err(TryLockError::WouldBlock) => Ok(Some(read_holder(&file))),
            Err(TryLockError::Error(source)) => Err(path.error("lock", source)),
        }
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // Say nobody holds it any more; closing the file releases the lock.
        let _ = self.file.set_len(0);
    }
}

/// What the holder of the lock wrote in `file`; unknown when unreadable.
fn read_holder(mut file: &File) -> Holder {
    let mut bytes = Vec::new();
    match file.seek(SeekFrom::Start(0)).and_then(|_| file.read_to_end(&mut bytes)) {
        Ok(_) => Holder::parse(&String::from_utf8_lossy(&bytes)),
        Err(_) => Holder::default(),
    }
}

/// A lock file: the one to open, and the same as the user named the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LockPath {
    /// `<database file>-strata-lock`, beside the resolved database file.
    pub(crate) real: PathBuf,
    /// For messages: beside the database as the user named it.
    pub(crate) shown: PathBuf,
}

impl LockPath {
    /// The lock file of `resolved`, the file SQLite opens for `named`.
    pub(crate) fn of(named: &Path, resolved: &Path) -> Self {
        let shown = if named.file_name() == resolved.file_name() { named } else { resolved };
        LockPath { real: lock_path(resolved), shown: lock_path(shown) }
    }

    fn error(&self, action: &'static str, source: std::io::Error) -> Error {
        Error::LockFile { path: self.shown.clone(), action, source }
    }
}

/// Opens the lock file (creating it when `create`), never through a
/// symbolic link and never anything but a regular file: the holder empties
/// and writes the file, which must never be someone else's.
fn open(path: &LockPath, create: bool) -> Result<File> {
    if let Ok(meta) = std::fs::symlink_metadata(&path.real) {
        if !meta.is_file() {
            return Err(not_regular(path, &meta));
        }
    }
    let mut options = File::options();
    options.read(true).write(create).create(create).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A link or a FIFO swapped in since the check fails here, or below.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(&path.real).map_err(|source| match std::fs::symlink_metadata(&path.real) {
        Ok(meta) if !meta.is_file() => not_regular(path, &meta),
        Ok(_) if create => path.error("open", source),
        _ => path.error(if create { "create" } else { "read" }, source),
    })?;
    match file.metadata() {
        Ok(meta) if !meta.is_file() => Err(not_regular(path, &meta)),
        Ok(meta) if links(&meta) > 1 => Err(Error::Config(format!(
            "the lock file {} beside the database has other names (hard links), so writing it would change \
             another file; remove it (Strata creates its own)",
            path.shown.display()
        ))),
        Ok(_) => Ok(file),
        Err(source) => Err(path.error("read", source)),
    }
}

/// How many names the file has (1 where the system cannot tell).
fn links(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.nlink()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        1
    }
}

fn not_regular(path: &LockPath, meta: &std::fs::Metadata) -> Error {
    Error::Config(format!(
        "the lock file {} beside the database is {}, not a regular file; remove it (Strata creates its own)",
        path.shown.display(),
        file_kind(meta)
    ))
}

/// What a file that is not a regular file is, for messages: `a folder`, ….
pub(crate) fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    crate::folder::kind_name(meta.file_type())
}

/// `<database file>-strata-lock`.
pub(crate) fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-strata-lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_round_trips_and_tolerates_partial_text() {
        let holder = Holder {
            pid: Some(1234),
            command: Some("strata up".to_owned()),
            since: Some("2026-11-25 05:40:12".to_owned()),
        };
        assert_eq!(Holder::parse(&holder.to_text()), holder);
        assert_eq!(holder.to_string(), "strata up (pid 1234) since 2026-11-25 05:40:12 UTC");
        assert_eq!(Holder::parse(""), Holder::default());
        assert_eq!(Holder::parse("pid=12"), Holder::default(), "a line still being written is ignored");
        assert_eq!(Holder::parse("pid=12\ncommand=strata do").pid, Some(12));
        assert_eq!(
            Holder::parse("pid=x\n\u{fffd}\nsince=\n").to_string(),
            "another strata run that has not said who it is"
        );
        assert_eq!(Holder::parse("pid=7\n").to_string(), "another strata run (pid 7)");
    }

    #[test]
    fn a_held_lock_times_out_naming_its_holder_and_a_released_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("app.db");
        let path = LockPath::of(&database, &database);
        let request = LockRequest { timeout: Duration::ZERO, command: "strata up".to_owned() };
        let held = LockFile::acquire(&path, "sqlite:app.db", &request, &mut |_| panic!("nothing to wait for")).unwrap();
        let holder = LockFile::probe(&path).unwrap().expect("the lock is held");
        assert_eq!((holder.pid, holder.command.as_deref()), (Some(std::process::id()), Some("strata up")));

        let mut told = Vec::new();
        let request = LockRequest { timeout: Duration::from_millis(400), command: "strata down".to_owned() };
        let error =
            LockFile::acquire(&path, "sqlite:app.db", &request, &mut |wait| told.push(wait.clone())).unwrap_err();
        assert!(matches!(&error, Error::LockTimeout { holder: h, .. } if *h == holder), "{error:?}");
        assert_eq!(told.len(), 1, "told once that it waits");
        assert_eq!((told[0].holder.pid, told[0].timeout), (Some(std::process::id()), request.timeout));

        drop(held);
        assert_eq!(std::fs::read_to_string(&path.real).unwrap(), "", "released: nobody is named");
        assert_eq!(LockFile::probe(&path).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_not_a_regular_file_is_refused_and_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("app.db");
        let path = LockPath::of(&database, &database);
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious\n").unwrap();
        std::os::unix::fs::symlink(&victim, &path.real).unwrap();
        let request = LockRequest { timeout: Duration::ZERO, command: "strata up".to_owned() };
        let error = LockFile::acquire(&path, "sqlite:app.db", &request, &mut |_| {}).unwrap_err();
        let expected = format!(
            "the lock file {} beside the database is a symbolic link, not a regular file; remove it (Strata creates its own)",
            path.shown.display()
        );
        assert!(matches!(&error, Error::Config(message) if *message == expected), "{error:?}");
        assert!(matches!(LockFile::probe(&path), Err(Error::Config(_))));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

        std::fs::remove_file(&path.real).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(&path.real).status().unwrap().success());
        let error = LockFile::acquire(&path, "sqlite:app.db", &request, &mut |_| {}).unwrap_err();
        assert!(error.to_string().contains("is a FIFO (named pipe), not a regular file"), "{error}");
    }

    #[test]
    fn a_lock_file_that_cannot_be_created_is_named_as_the_database_was() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("missing/app.db");
        let path = LockPath::of(Path::new("missing/app.db"), &database);
        let request = LockRequest { timeout: Duration::ZERO, command: "strata up".to_owned() };
        let error = LockFile::acquire(&path, "sqlite:missing/app.db", &request, &mut |_| {}).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "cannot create the lock file missing/app.db-strata-lock beside the database: No such file or directory"
            ),
            "{error}"
        );
        assert_eq!(LockFile::probe(&path).unwrap(), None, "no lock file: nobody holds the lock");
    }

    #[test]
    fn a_lock_file_with_another_name_is_refused_and_that_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("app.db");
        let path = LockPath::of(&database, &database);
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        std::fs::hard_link(&victim, &path.real).unwrap();
        let request = LockRequest { timeout: Duration::ZERO, command: "strata up".to_owned() };
        let error = LockFile::acquire(&path, "sqlite:app.db", &request, &mut |_| {}).unwrap_err();
        assert!(error.to_string().contains("has other names (hard links)"), "{error}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }
}
