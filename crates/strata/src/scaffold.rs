//! `create`: a new, empty migration file with the next version.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::migration::Migration;

/// Turns a description into a snake_case name: lowercase, and every run of
/// anything other than ASCII letters and digits becomes one `_`.
/// Returns `None` when nothing is left.
pub fn slug(description: &str) -> Option<String> {
    let mut slug = String::new();
    for c in description.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_end_matches('_');
    (!slug.is_empty()).then(|| slug.to_owned())
}

/// The file name of the next migration: the highest known version + 1,
/// zero-padded to the width already in use (three digits when there is none).
pub fn next_file_name(migrations: &[Migration], highest_applied: u64, slug: &str) -> String {
    let highest = migrations.iter().map(|m| m.version).chain([highest_applied]).max().unwrap_or(0);
    let width = migrations.iter().map(|m| m.label.len()).max().unwrap_or(3);
    format!("{:0width$}_{slug}.sql", highest + 1)
}

/// Writes a new migration file in `dir` (created when missing) and returns its path.
/// Never overwrites a file.
pub fn create(dir: &Path, file_name: &str, description: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|source| Error::io(dir, source))?;
    let path = dir.join(file_name);
    let open = std::fs::File::options().write(true).create_new(true).open(&path);
    let mut file = open.map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => Error::file(&path, 0, "already exists; strata create never overwrites"),
        _ => Error::io(&path, source),
    })?;
    let mut comment = description.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ");
    if comment.starts_with("migrate:") {
        // `-- migrate:…` would read as a marker line.
        comment.insert_str(0, "Migration: ");
    }
    let text = format!("-- {comment}\n-- migrate:up\n\n-- migrate:down\n\n");
    file.write_all(text.as_bytes()).map_err(|source| Error::io(&path, source))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::load_files;

    #[test]
    fn slugs_descriptions_to_snake_case() {
        assert_eq!(slug("add user preferences").as_deref(), Some("add_user_preferences"));
        assert_eq!(slug("  Add   User-Prefs!! (v2) ").as_deref(), Some("add_user_prefs_v2"));
        assert_eq!(slug("../../etc/passwd").as_deref(), Some("etc_passwd"));
        assert_eq!(slug("Ünïcode café").as_deref(), Some("n_code_caf"));
        assert_eq!(slug(" -- !! "), None);
        assert_eq!(slug(""), None);
    }

    #[test]
    fn next_version_keeps_the_width_in_use() {
        let none: Vec<Migration> = Vec::new();
        assert_eq!(next_file_name(&none, 0, "x"), "001_x.sql");
        let files = load_files([("0009_a.sql", "-- migrate:up\n".to_owned())]).unwrap();
        assert_eq!(next_file_name(&files, 0, "b"), "0010_b.sql");
        assert_eq!(next_file_name(&files, 41, "b"), "0042_b.sql");
    }

    #[test]
    fn creates_a_parseable_file_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("new/versions");
        let path = create(&folder, "001_add_notes.sql", "Add notes").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "-- Add notes\n-- migrate:up\n\n-- migrate:down\n\n");
        assert_eq!(load_files([(path.clone(), text)]).unwrap()[0].name, "add_notes");
        assert!(create(&folder, "001_add_notes.sql", "again").is_err());
        let path = create(&folder, "002_migrate_up_users.sql", "migrate:up users").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("-- Migration: migrate:up users\n-- migrate:up\n"), "{text}");
        assert!(load_files([(path, text)]).is_ok());
    }
}
