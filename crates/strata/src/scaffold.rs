//! `create`: a new, empty migration with the next version, in the layout
//! and numbering the folder already uses.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::source::FileName;

/// The longest description part of a file name, in bytes: with the version
/// and `.down.sql`, a name stays well under the 255 bytes file systems allow.
pub const MAX_SLUG_BYTES: usize = 200;
/// The longest file name most file systems accept, in bytes.
pub const MAX_FILE_NAME_BYTES: usize = 255;
/// The largest version Strata accepts (history stores it as a signed 64-bit integer).
pub const MAX_VERSION: u64 = i64::MAX as u64;

/// How versions are numbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// The highest version + 1, zero-padded to the width in use (`001`).
    Sequential,
    /// The UTC time as `YYYYMMDDHHMMSS`, or the highest version + 1 when that is not above it.
    Timestamp,
}

/// Turns a description into a snake_case name: lowercase, letters (of any
/// script) and digits kept, and every run of anything else becomes one `_`.
/// Returns `None` when nothing is left.
pub fn slug(description: &str) -> Option<String> {
    let mut slug = String::new();
    // Composed first (NFC), as macOS and some keyboards send `e` + U+0301 for `é`.
    for c in description.nfc() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase().filter(|c| c.is_alphanumeric() && !c.is_uppercase()));
        } else if is_combining_mark(c) && slug.ends_with(|last: char| last.is_alphanumeric()) {
            slug.push(c); // a mark that has no composed form stays with its letter
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_end_matches('_');
    (!slug.is_empty()).then(|| slug.to_owned())
}

/// What a new migration will be.
#[derive(Debug, Clone, Copy)]
pub struct NewMigration<'a> {
    /// The snake_case name (see [`slug`]).
    pub slug: &'a str,
    /// The description as given, for the comment at the top of the file.
    pub description: &'a str,
    /// `None`: the numbering the folder already uses (sequential when it is empty).
    pub numbering: Option<Numbering>,
    /// The highest version in the database's history, so that a new file
    /// never takes the version of an applied migration whose file is gone.
    pub highest_applied: u64,
}

/// Writes a new migration in `dir` (created when missing) and returns the
/// paths written: one file, or an `.up.sql` / `.down.sql` pair when the
/// folder's newest migration is a pair. Never overwrites a file and never
/// writes a version that exists: the folder is locked while it is read and
/// written, so that concurrent runs each get their own version.
pub fn create(dir: &Path, new: &NewMigration<'_>) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::io(dir, source))?;
    let folder = File::open(dir).map_err(|source| Error::io(dir, source))?;
    folder.lock().map_err(|source| Error::io(dir, source))?;
    let existing = scan(dir)?;
    let newest = existing.iter().max_by_key(|name| name.version);
    let pair = newest.is_some_and(|name| name.direction.is_some());
    let numbering = new.numbering.unwrap_or(match newest {
        Some(name) if is_timestamp(&name.label) => Numbering::Timestamp,
        _ => Numbering::Sequential,
    });
    let highest = existing.iter().map(|name| name.version).chain([new.highest_applied]).max().unwrap_or(0);
    let label = next_label(&existing, highest, numbering, utc_stamp())?;
    let names: Vec<String> = match pair {
        true => vec![format!("{label}_{}.up.sql", new.slug), format!("{label}_{}.down.sql", new.slug)],
        false => vec![format!("{label}_{}.sql", new.slug)],
    };
    if let Some(long) = names.iter().find(|name| name.len() > MAX_FILE_NAME_BYTES) {
        let message = format!("the file name would be {} bytes; at most {MAX_FILE_NAME_BYTES} are allowed", long.len());
        return Err(Error::file(dir.join(long), 0, message));
    }
    let comment = comment(new.description);
    let mut written = Vec::new();
    for (name, direction) in names.iter().zip(["up", "down"]) {
        let text = match pair {
            true => format!("-- {comment}\n-- migrate:{direction}\n\n"),
            false => format!("-- {comment}\n-- migrate:up\n\n-- migrate:down\n\n"),
        };
        match write_new(&dir.join(name), &text) {
            Ok(path) => written.push(path),
            Err(error) => {
                written.iter().for_each(|path| drop(std::fs::remove_file(path)));
                return Err(error);
            }
        }
    }
    Ok(written)
}

/// The migrations in `dir`, read as every command reads them (a bad file
/// stops `create` too): version, label, and whether it is a pair.
fn scan(dir: &Path) -> Result<Vec<FileName>> {
    let migrations = crate::source::load_dir(dir)?;
    let names = migrations.into_iter().map(|migration| {
        let pair = migration.up.file.to_str().is_some_and(|name| name.ends_with(".up.sql"));
        FileName {
            version: migration.version,
            label: migration.label,
            name: migration.name,
            direction: pair.then_some(crate::migration::Direction::Up),
        }
    });
    Ok(names.collect())
}

/// `YYYYMMDDHHMMSS` with a plausible date: a folder numbered by time.
fn is_timestamp(label: &str) -> bool {
    let number = |range: std::ops::Range<usize>| label[range].parse::<u32>().unwrap_or(0);
    label.len() == 14
        && label.bytes().all(|b| b.is_ascii_digit())
        && (1..=12).contains(&number(4..6))
        && (1..=31).contains(&number(6..8))
        && number(8..10) < 24
}

/// The next version as written in the file name.
fn next_label(existing: &[FileName], highest: u64, numbering: Numbering, now: u64) -> Result<String> {
    let next = match numbering {
        Numbering::Timestamp if now > highest => now,
        _ => highest.saturating_add(1),
    };
    if next > MAX_VERSION {
        return Err(Error::Config(format!(
            "the next version would be {next}, above the largest version Strata accepts ({MAX_VERSION}); nothing was written"
        )));
    }
    Ok(match numbering {
        Numbering::Timestamp => next.to_string(),
        Numbering::Sequential => {
            let width = existing.iter().map(|name| name.label.len()).max().unwrap_or(3);
            format!("{next:0width$}")
        }
    })
}

/// The current UTC time as the number `YYYYMMDDHHMMSS`.
fn utc_stamp() -> u64 {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let digits: String = crate::history::format_utc(seconds).chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(0)
}

/// The description on one line, safe as a `-- ` comment above the first marker.
fn comment(description: &str) -> String {
    let mut comment = description.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ");
    if comment.starts_with("migrate:") {
        // `-- migrate:…` would read as a marker line.
        comment.insert_str(0, "Migration: ");
    }
    comment
}

fn write_new(path: &Path, text: &str) -> Result<PathBuf> {
    let open = File::options().write(true).create_new(true).open(path);
    let mut file = open.map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => Error::file(path, 0, "already exists; strata create never overwrites"),
        _ => Error::io(path, source),
    })?;
    file.write_all(text.as_bytes()).map_err(|source| Error::io(path, source))?;
    Ok(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{load_dir, parse_file_name};

    #[test]
    fn slugs_descriptions_to_snake_case_keeping_letters_of_any_script() {
        assert_eq!(slug("add user preferences").as_deref(), Some("add_user_preferences"));
        assert_eq!(slug("  Add   User-Prefs!! (v2) ").as_deref(), Some("add_user_prefs_v2"));
        assert_eq!(slug("../../etc/passwd").as_deref(), Some("etc_passwd"));
        assert_eq!(slug("Add Ünïcode").as_deref(), Some("add_ünïcode"));
        assert_eq!(slug("Ünïcode café, ΣΟΦΊΑ İstanbul 用户表").as_deref(), Some("ünïcode_café_σοφία_istanbul_用户表"));
        assert_eq!(slug("Add e\u{301}te\u{301}").as_deref(), Some("add_été"), "decomposed, as macOS sends it");
        assert_eq!(slug(" -- !! "), None);
        assert_eq!(slug(""), None);
    }

    #[test]
    fn every_slug_is_a_valid_file_name_description() {
        for description in ["Add Ünïcode", "ΣΟΦΊΑ", "İstanbul", "用户表 2", "ǅungla", "x\u{301}y"] {
            let slug = slug(description).unwrap();
            let name = format!("001_{slug}.sql");
            assert!(parse_file_name(&name).is_ok_and(|parsed| parsed.is_some()), "{description:?} -> {name}");
        }
    }

    fn names(labels: &[&str]) -> Vec<FileName> {
        labels.iter().map(|label| parse_file_name(&format!("{label}_x.sql")).unwrap().unwrap()).collect()
    }

    #[test]
    fn next_version_keeps_the_width_in_use_or_takes_the_time() {
        assert_eq!(next_label(&[], 0, Numbering::Sequential, 0).unwrap(), "001");
        assert_eq!(next_label(&names(&["0009"]), 9, Numbering::Sequential, 0).unwrap(), "0010");
        assert_eq!(next_label(&names(&["0009"]), 41, Numbering::Sequential, 0).unwrap(), "0042");
        let now = 20261125063000;
        assert_eq!(
            next_label(&names(&["20260101000000"]), 20260101000000, Numbering::Timestamp, now).unwrap(),
            "20261125063000"
        );
        // A version from the future (or a clock behind): the highest + 1.
        assert_eq!(
            next_label(&names(&["20300101000000"]), 20300101000000, Numbering::Timestamp, now).unwrap(),
            "20300101000001"
        );
        assert_eq!(next_label(&names(&["001"]), 1, Numbering::Timestamp, now).unwrap(), "20261125063000");
    }

    #[test]
    fn next_version_above_the_largest_is_refused() {
        let error = next_label(&[], MAX_VERSION, Numbering::Sequential, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the next version would be 9223372036854775808, above the largest version Strata accepts (9223372036854775807); nothing was written"
        );
        assert!(next_label(&[], u64::MAX, Numbering::Timestamp, 0).is_err());
        assert_eq!(next_label(&[], MAX_VERSION - 1, Numbering::Sequential, 0).unwrap(), MAX_VERSION.to_string());
    }

    #[test]
    fn timestamps_are_fourteen_digits_of_a_plausible_date() {
        assert!(is_timestamp("20261125063000"));
        assert!(!is_timestamp("00000000000001"));
        assert!(!is_timestamp("20261325063000"));
        assert!(!is_timestamp("2026112506300"));
        assert!(!is_timestamp("001"));
    }

    fn new<'a>(slug: &'a str, description: &'a str) -> NewMigration<'a> {
        NewMigration { slug, description, numbering: None, highest_applied: 0 }
    }

    #[test]
    fn creates_a_parseable_file_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("new/versions");
        let paths = create(&folder, &new("add_notes", "Add notes")).unwrap();
        assert_eq!(paths, [folder.join("001_add_notes.sql")]);
        assert_eq!(std::fs::read_to_string(&paths[0]).unwrap(), "-- Add notes\n-- migrate:up\n\n-- migrate:down\n\n");
        let paths = create(&folder, &new("migrate_up_users", "migrate:up users")).unwrap();
        let text = std::fs::read_to_string(&paths[0]).unwrap();
        assert!(text.starts_with("-- Migration: migrate:up users\n-- migrate:up\n"), "{text}");
        assert_eq!(load_dir(&folder).unwrap().len(), 2);
    }

    #[test]
    fn follows_a_folder_of_pairs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("007_a.up.sql"), "CREATE TABLE a (id INTEGER);\n").unwrap();
        std::fs::write(dir.path().join("007_a.down.sql"), "DROP TABLE a;\n").unwrap();
        let paths = create(dir.path(), &new("b", "B")).unwrap();
        assert_eq!(paths, [dir.path().join("008_b.up.sql"), dir.path().join("008_b.down.sql")]);
        assert_eq!(std::fs::read_to_string(&paths[0]).unwrap(), "-- B\n-- migrate:up\n\n");
        assert_eq!(std::fs::read_to_string(&paths[1]).unwrap(), "-- B\n-- migrate:down\n\n");
        let migrations = load_dir(dir.path()).unwrap();
        assert_eq!(migrations.iter().map(|m| m.version).collect::<Vec<_>>(), [7, 8]);
    }

    #[test]
    fn a_pair_half_in_the_way_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("001_a.up.sql"), "SELECT 1;\n").unwrap();
        std::fs::create_dir(dir.path().join("002_b.down.sql")).unwrap();
        assert!(create(dir.path(), &new("b", "b")).is_err());
        assert!(!dir.path().join("002_b.up.sql").exists());
    }
}
