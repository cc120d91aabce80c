//! Finding migrations: in a folder of `.sql` files, or in files embedded in a
//! program. Both end as a list of [`Migration`]s sorted by version; the rest
//! of the engine never sees a path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::cache::{self, Cache};
use crate::error::{Error, Result};
use crate::folder::list;
pub use crate::folder::{kind_name, read_text, MAX_FILE_SIZE};
use crate::migration::{parse_sections, Direction, Migration, Script, Sections};
use crate::read;

/// What a migration file's name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub version: u64,
    /// The version as written (`005`).
    pub label: String,
    /// The description (`create_users_table`).
    pub name: String,
    /// `Some` for the pair layout (`.up.sql` / `.down.sql`).
    pub direction: Option<Direction>,
}

/// Parses `{version}_{description}.sql`, `.up.sql` or `.down.sql`.
/// Returns `Ok(None)` for files that are not SQL (a README), which are ignored.
pub fn parse_file_name(file_name: &str) -> Result<Option<FileName>, String> {
    let Some(stem) = file_name.strip_suffix(".sql") else {
        return Ok(None);
    };
    let (stem, direction) = if let Some(stem) = stem.strip_suffix(".up") {
        (stem, Some(Direction::Up))
    } else if let Some(stem) = stem.strip_suffix(".down") {
        (stem, Some(Direction::Down))
    } else {
        (stem, None)
    };
    if is_flyway(stem) {
        return Err("a Flyway-style name (V{version}__{description}.sql); Strata's names are {version}_{description}.sql, e.g. 001_create_users.sql, with a snake_case description".to_owned());
    }
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    let (label, rest) = stem.split_at(digits);
    let expected =
        "the name must be {version}_{description}.sql, e.g. 001_create_users.sql, with a snake_case description";
    let Some(name) = rest.strip_prefix('_') else {
        return Err(format!("{expected} (no version number and `_` at the start)"));
    };
    if label.is_empty() {
        return Err(format!("{expected} (no version number at the start)"));
    }
    // Composed (NFC): a name macOS stored decomposed is the same name.
    let name: String = name.nfc().collect();
    let name = name.as_str();
    if !is_snake_case(name) {
        return Err(format!(
            "{expected} (`{name}` is not snake_case: use lowercase letters (of any script), digits and single `_`)"
        ));
    }
    let version: u64 = label
        .parse()
        .ok()
        .filter(|&v| i64::try_from(v).is_ok())
        .ok_or_else(|| format!("version {label} is too large"))?;
    if version == 0 {
        return Err("version 0 is reserved for `down 0` (the empty database); start at 1".to_owned());
    }
    Ok(Some(FileName { version, label: label.to_owned(), name: name.to_owned(), direction }))
}

/// `V1__init`, `V1.2__x`, `U3__undo`, `R__views`: Flyway's (and refinery's) names.
fn is_flyway(stem: &str) -> bool {
    let Some((prefix, _)) = stem.split_once("__") else {
        return false;
    };
    match prefix.as_bytes() {
        [b'R'] => true,
        [b'V' | b'U', version @ ..] => {
            version.first().is_some_and(u8::is_ascii_digit)
                && version.iter().all(|&b| b.is_ascii_digit() || b == b'.' || b == b'_')
        }
        _ => false,
    }
}

/// Words of lowercase letters (of any script; letters without case count) and
/// digits, joined by single `_`.
fn is_snake_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('_').all(|word| {
            word.starts_with(char::is_alphanumeric)
                && word.chars().all(|c| (c.is_alphanumeric() && !c.is_uppercase()) || is_combining_mark(c))
        })
}

/// Reads every migration in `dir`. Files that do not end in `.sql`, hidden
/// files and subfolders are ignored; every `.sql` file must be a valid migration.
///
/// Files are read one at a time (on each of a few threads) and only what the
/// planner needs is kept (names, checksums, where each section is): each
/// step's text is read again from its file when it runs (see
/// [`crate::Step::text`]), so memory does not grow with the size of the files.
pub fn load_dir(dir: &Path) -> Result<Vec<Migration>> {
    load(dir, None)
}

/// [`load_dir`], with a cache in `cache_dir` of what each file held, keyed by
/// the file's size, times, inode and device (as git's index): unchanged files
/// are not read again. A file changed within two seconds of the cache's making
/// is always read. A cache that is corrupt or cannot be written is ignored.
pub fn load_dir_cached(dir: &Path, cache_dir: &Path) -> Result<Vec<Migration>> {
    load(dir, Some(cache_dir))
}

fn load(dir: &Path, cache_dir: Option<&Path>) -> Result<Vec<Migration>> {
    let paths = list(dir)?;
    let cache_file = cache_dir.and_then(|cache_dir| cache::cache_file(cache_dir, dir));
    let stamp = cache::now();
    let cache = cache_file.as_deref().map(Cache::read);
    let mut found = BTreeMap::new();
    let (mut entries, mut missed) = (Vec::new(), false);
    for file in read::read_parallel(&paths, cache.as_ref()) {
        let Some(file) = file? else { continue };
        if let Some(entry) = file.entry {
            missed |= matches!(entry, read::Cached::Fresh(_));
            entries.push((file.path.clone(), entry));
        }
        add(&mut found, file.path, &file.name, file.sections)?;
    }
    if let (Some(cache_file), Some(cache)) = (cache_file, &cache) {
        if missed || entries.len() != cache.len() {
            let named = entries.iter().filter_map(|(path, entry)| Some((path.file_name()?.to_str()?, entry.entry())));
            Cache::write(&cache_file, stamp, named);
        }
    }
    found.into_values().map(Found::finish).collect()
}

/// The text of the `direction` section of `file`, which must have the checksum
/// `expected` (see [`crate::Step::text`]).
pub(crate) fn read_section(
    file: &Path,
    direction: Direction,
    layout: Option<Direction>,
    expected: &str,
) -> Result<String> {
    let [text] = read_sections(file, layout, [(direction, expected)])?;
    Ok(text)
}

/// The texts of several sections of `file`, read and parsed once; each must
/// have its expected checksum, or the file changed since it was loaded.
pub(crate) fn read_sections<const N: usize>(
    file: &Path,
    layout: Option<Direction>,
    wanted: [(Direction, &str); N],
) -> Result<[String; N]> {
    let text = read_text(file)?;
    let changed = |direction| Error::FileChanged { file: file.to_owned(), direction };
    // A file that no longer parses says why, with its line (it changed since it was loaded).
    let mut sections = parse_sections(file, &text, layout)?;
    let mut texts = Vec::with_capacity(N);
    for (direction, expected) in wanted {
        match sections.slot(direction).take().map(|step| step.sql) {
            Some(Script::Inline(sql)) if crate::checksum(&sql) == expected => texts.push(sql),
            _ => return Err(changed(direction)),
        }
    }
    Ok(texts.try_into().unwrap_or_else(|_| unreachable!("one text per wanted section")))
}

/// Builds migrations from `(path, text)` pairs, as [`load_dir`] does for a folder;
/// the migrations hold their text. Use it for migrations embedded in a program
/// with `include_str!`.
pub fn load_files<P: Into<PathBuf>>(files: impl IntoIterator<Item = (P, String)>) -> Result<Vec<Migration>> {
    let mut found = BTreeMap::new();
    let mut files: Vec<(PathBuf, String)> = files.into_iter().map(|(path, text)| (path.into(), text)).collect();
    files.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    for (path, text) in files {
        if let Some((path, parsed, sections)) = parse_file(path, &text, false)? {
            add(&mut found, path, &parsed, sections)?;
        }
    }
    found.into_values().map(Found::finish).collect()
}

/// A migration file read and parsed.
pub(crate) type Parsed = (PathBuf, FileName, Sections);

/// Parses one file (`None` when its name is not a migration's); `in_file`
/// leaves the sections' text in the file.
pub(crate) fn parse_file(path: PathBuf, text: &str, in_file: bool) -> Result<Option<Parsed>> {
    let file_name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
    let Some(parsed) = parse_file_name(file_name).map_err(|message| Error::file(&path, 0, message))? else {
        return Ok(None);
    };
    let mut sections = parse_sections(&path, text, parsed.direction)?;
    if in_file {
        sections.up = sections.up.map(|step| step.into_file(Direction::Up, parsed.direction));
        sections.down = sections.down.map(|step| step.into_file(Direction::Down, parsed.direction));
    }
    Ok(Some((path, parsed, sections)))
}

fn add(found: &mut BTreeMap<u64, Found>, path: PathBuf, parsed: &FileName, sections: Sections) -> Result<()> {
    found.entry(parsed.version).or_insert_with(|| Found::new(parsed)).add(path, parsed, sections)
}

/// The files seen so far for one version.
struct Found {
    version: u64,
    label: String,
    name: String,
    paths: Vec<PathBuf>,
    sections: Sections,
    layout: Option<Direction>,
}

impl Found {
    fn new(parsed: &FileName) -> Self {
        Found {
            version: parsed.version,
            label: parsed.label.clone(),
            name: parsed.name.clone(),
            paths: Vec::new(),
            sections: Sections::default(),
            layout: parsed.direction,
        }
    }

    fn add(&mut self, path: PathBuf, parsed: &FileName, sections: Sections) -> Result<()> {
        let pairs = |a: Option<Direction>, b: Option<Direction>| a.is_some() && b.is_some() && a != b;
        let fits = self.paths.is_empty()
            || (pairs(self.layout, parsed.direction) && parsed.name == self.name && parsed.label == self.label);
        if !fits {
            return Err(Error::DuplicateVersion { version: self.version, first: self.paths[0].clone(), second: path });
        }
        if parsed.direction == Some(Direction::Down) {
            self.sections.down = sections.down;
            self.sections.down_is_empty = sections.down_is_empty;
        } else {
            self.sections.up = sections.up;
            if parsed.direction.is_none() {
                self.sections.down = sections.down;
                self.sections.down_is_empty = sections.down_is_empty;
            }
        }
        self.paths.push(path);
        Ok(())
    }

    fn finish(self) -> Result<Migration> {
        let Some(up) = self.sections.up else {
            let message = match self.layout {
                Some(_) => format!(
                    "no {}_{}.up.sql beside this down script; a migration needs an up script",
                    self.label, self.name
                ),
                None => "no `-- migrate:up` section; a migration file needs one".to_owned(),
            };
            return Err(Error::file(&self.paths[0], 0, message));
        };
        let mut migration = Migration::new(self.version, &self.label, &self.name, up, self.sections.down);
        migration.down_is_empty = self.sections.down_is_empty;
        Ok(migration)
    }
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
