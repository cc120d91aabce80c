//! One file per command: its arguments (whose doc comments are its `--help`)
//! and a `cmd_*` function.

pub mod adopt;
pub mod check;
pub mod create;
pub mod down;
pub mod redo;
pub mod repair;
pub mod reset;
pub mod status;
pub mod up;

use std::io::Write;
use std::path::{Path, PathBuf};

use strata::Migrator;

use crate::config::Settings;
use crate::failure::Failure;

/// Reads the migrations folder; a missing folder, or something else in its
/// place, is a configuration error.
pub fn load_migrations(dir: &Path) -> Result<Migrator, Failure> {
    check_folder(dir)?;
    Ok(match cache_dir() {
        Some(cache_dir) => Migrator::from_dir_cached(dir, &cache_dir)?,
        None => Migrator::from_dir(dir)?,
    })
}

/// Where Strata keeps what it read from migration files, so that `status` need
/// not read 10,000 unchanged files again: `$XDG_CACHE_HOME/strata`, else
/// `~/.cache/strata`; no cache when neither is set.
fn cache_dir() -> Option<PathBuf> {
    let absolute = |path: PathBuf| path.is_absolute().then_some(path);
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .and_then(absolute)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")).and_then(absolute))?;
    Some(base.join("strata"))
}

/// Says what `dir` is when it is not a folder. A folder that cannot be read
/// is left to the library, which names the reason.
fn check_folder(dir: &Path) -> Result<(), Failure> {
    let what = match std::fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => return Ok(()),
        Ok(metadata) if metadata.is_file() => "is a file, not a folder".to_owned(),
        Ok(metadata) => format!("is {}, not a folder", strata::source::kind_name(metadata.file_type())),
        Err(_) if is_link_loop(dir) => "is a symbolic link loop".to_owned(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => match std::fs::read_link(dir) {
            Ok(target) => format!("is a symbolic link to {}, which does not exist", target.display()),
            Err(_) => return Err(missing_folder(dir)),
        },
        Err(_) => return Ok(()),
    };
    Err(Failure::invalid(
        format!("the migrations folder {} {what}", dir.display()),
        "point --dir or `migrations` in strata.toml at the folder that holds the migrations.".to_owned(),
    ))
}

fn missing_folder(dir: &Path) -> Failure {
    Failure::invalid(
        format!("the migrations folder {} does not exist", dir.display()),
        "create it (`strata create` does), or point --dir or `migrations` in strata.toml at the right folder."
            .to_owned(),
    )
}

/// Whether following `path`'s symbolic links never ends (the system gives up
/// after 40 links, as Linux does).
fn is_link_loop(path: &Path) -> bool {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&current) {
            Ok(target) => current = current.parent().unwrap_or(Path::new("")).join(target),
            Err(_) => return false,
        }
    }
    true
}

/// The configured database, named on the first line of output (unless the
/// output is JSON, which names it in the document): `Database: sqlite:app.db`,
/// with where it came from when `DATABASE_URL` overrides strata.toml.
pub fn database(settings: &Settings, json: bool) -> Result<strata::DatabaseUrl, Failure> {
    let url = settings.database()?;
    if !json {
        let mut out = anstream::stdout().lock();
        let bold = crate::output::BOLD;
        write!(out, "{bold}Database:{bold:#} {url}")?;
        if let (Some(source), Some(overridden)) = (settings.database_source(), settings.overridden()) {
            write!(out, " (from {source}, which overrides {overridden})")?;
        }
        writeln!(out)?;
    }
    Ok(url)
}

/// Runs a command's migrations reporting to the `--json` recorder or as
/// progress lines. With `json` the document (with its `reverted` and
/// `applied` lists as `lists` says) is printed and `None` returned; else the
/// summary, for the command's own last line.
pub fn run_reported(
    url: &strata::DatabaseUrl,
    json: bool,
    lists: (bool, bool),
    work: impl FnOnce(&mut dyn strata::Observer) -> Result<strata::Summary, strata::Error>,
) -> Result<Option<strata::Summary>, Failure> {
    if !json {
        return Ok(Some(work(&mut crate::output::Progress)?));
    }
    let mut recorder = crate::output::Recorder::default();
    let summary = work(&mut recorder)?;
    recorder.print(url, &summary, lists.0, lists.1)?;
    Ok(None)
}

/// Opens the configured database after taking the runners' lock, saying at
/// once when another run holds it and waiting up to the lock timeout.
pub fn open_locked(
    settings: &Settings,
    url: &strata::DatabaseUrl,
    command: &str,
) -> Result<Box<dyn strata::Driver>, Failure> {
    let request = strata::LockRequest { timeout: settings.lock_timeout, command: format!("strata {command}") };
    Ok(strata::open_locked(url, &settings.open, &request, &mut crate::output::print_waiting)?)
}
