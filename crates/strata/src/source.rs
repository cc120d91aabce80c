//! Finding migrations: in a folder of `.sql` files, or in files embedded in a
//! program. Both end as a list of [`Migration`]s sorted by version; the rest
//! of the engine never sees a path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cache::{self, Cache};
use crate::error::{Error, Result};
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
        && name
            .split('_')
            .all(|word| !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase()))
}

/// The largest migration file Strata reads: 256 MiB. A larger `.sql` file is
/// refused with its size before it is read.
pub const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

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

/// The `.sql` files in `dir` (not hidden, not folders), in byte order of their paths.
/// A folder with no `.sql` file but with subfolders holding some (another
/// tool's layout) is an error.
fn list(dir: &Path) -> Result<Vec<PathBuf>> {
    let unreadable = |source| Error::UnreadableFolder { path: dir.to_owned(), source };
    let entries = std::fs::read_dir(dir).map_err(unreadable)?;
    let mut paths = Vec::new();
    let mut folders = Vec::new();
    for entry in entries {
        match check_entry(&entry.map_err(unreadable)?)? {
            Listed::Migration(path) => paths.push(path),
            Listed::Folder(path) => folders.push(path),
            Listed::Ignored => {}
        }
    }
    if paths.is_empty() {
        check_layout(dir, folders)?;
    }
    sort_paths(&mut paths);
    Ok(paths)
}

/// What one entry of the migrations folder is to [`load_dir`].
enum Listed {
    /// A `.sql` file (or something else named `.sql`: reading it tells).
    Migration(PathBuf),
    /// A subfolder: ignored, unless the folder holds no migration at all.
    Folder(PathBuf),
    /// Not `.sql`, or hidden.
    Ignored,
}

/// Sorts a folder entry by its name and type, without following links.
/// A `.sql` name that is not UTF-8 is an error (it cannot be parsed, and
/// skipping it would hide a migration).
fn check_entry(entry: &std::fs::DirEntry) -> Result<Listed> {
    let name = entry.file_name();
    let bytes = name.as_encoded_bytes();
    if bytes.starts_with(b".") {
        return Ok(Listed::Ignored);
    }
    if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
        return Ok(Listed::Folder(entry.path()));
    }
    if !bytes.ends_with(b".sql") {
        return Ok(Listed::Ignored);
    }
    if name.to_str().is_none() {
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        let version = if digits == 0 { "001" } else { std::str::from_utf8(&bytes[..digits]).unwrap_or("001") };
        let message = format!(
            "the file name is not valid UTF-8; rename it to {{version}}_{{description}}.sql, e.g. {version}_create_users.sql"
        );
        return Err(Error::file(entry.path(), 0, message));
    }
    Ok(Listed::Migration(entry.path()))
}

/// Reads one migration file. Only a regular file (or a link to one) of at most
/// [`MAX_FILE_SIZE`] bytes is read: its type and size are checked first, so a
/// FIFO is never opened (that would block) and a device never read (`/dev/zero`
/// never ends).
pub fn read_text(path: &Path) -> Result<String> {
    use std::io::Read;
    let cannot_read = |error: std::io::Error| Error::file(path, 0, format!("cannot read it: {error}"));
    let metadata = std::fs::metadata(path).map_err(cannot_read)?;
    if !metadata.is_file() {
        return Err(not_a_file(path, metadata.file_type()));
    }
    check_size(path, metadata.len())?;
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or_default());
    // `take`: a file that grows while it is read still stops at the limit.
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).map_err(cannot_read)?;
    check_size(path, bytes.len() as u64)?;
    String::from_utf8(bytes).map_err(|_| Error::file(path, 0, "not UTF-8 text; save the file as UTF-8"))
}

fn check_size(path: &Path, size: u64) -> Result<()> {
    if size <= MAX_FILE_SIZE {
        return Ok(());
    }
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    let message = format!(
        "is {:.1} MiB ({size} bytes), over the {} MiB limit for a migration file; split it into smaller migrations",
        mib(size),
        MAX_FILE_SIZE / (1024 * 1024)
    );
    Err(Error::file(path, 0, message))
}

/// The error for a `.sql` entry that is not a regular file, naming what it
/// is, and where it leads when it is a link.
fn not_a_file(path: &Path, kind: std::fs::FileType) -> Error {
    let what = match std::fs::read_link(path) {
        Ok(target) => format!("links to {}, which is {}", target.display(), kind_name(kind)),
        Err(_) => format!("is {}", kind_name(kind)),
    };
    Error::file(path, 0, format!("{what}, not a regular file; a migration must be a regular file or a link to one"))
}

/// What a file system entry is, for messages: "a folder", "a FIFO (named pipe)", ….
pub fn kind_name(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        } else if kind.is_char_device() {
            return "a character device";
        } else if kind.is_block_device() {
            return "a block device";
        } else if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else if kind.is_file() {
        "a file"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Another tool's layout: migrations in subfolders, which Strata does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// diesel: `VERSION_name/up.sql` and `down.sql`.
    Diesel,
    /// Prisma: `VERSION_name/migration.sql`.
    Prisma,
    /// Any other subfolder holding `.sql` files.
    Other,
}

/// For a folder without any `.sql` file: subfolders holding `.sql` files are
/// another tool's layout (or a wrong `--dir`), not "nothing to apply".
fn check_layout(dir: &Path, mut folders: Vec<PathBuf>) -> Result<()> {
    folders.sort();
    let mut seen: Vec<(Layout, PathBuf)> = folders.iter().filter_map(|folder| layout_of(folder)).collect();
    seen.sort_by_key(|(layout, _)| *layout as u8);
    let Some((layout, example)) = seen.first() else {
        return Ok(());
    };
    let count = seen.iter().filter(|(other, _)| other == layout).count();
    let what = match layout {
        Layout::Diesel => "in diesel's layout",
        Layout::Prisma => "in Prisma's layout",
        Layout::Other => "holding .sql files",
    };
    let folders = if count == 1 { "subfolder" } else { "subfolders" };
    let found = format!("{count} {folders} {what}, e.g. {}", example.display());
    Err(Error::OtherLayout { dir: dir.to_owned(), found })
}

/// The layout a subfolder's `.sql` files suggest, with an example path
/// (`subfolder/file.sql`); `None` when it holds none.
fn layout_of(folder: &Path) -> Option<(Layout, PathBuf)> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".sql") && !name.starts_with('.'))
        .collect();
    names.sort();
    let has = |name: &str| names.iter().any(|found| found == name);
    let (layout, name) = if has("up.sql") || has("down.sql") {
        (Layout::Diesel, if has("up.sql") { "up.sql" } else { "down.sql" })
    } else if has("migration.sql") {
        (Layout::Prisma, "migration.sql")
    } else {
        (Layout::Other, names.first()?.as_str())
    };
    Some((layout, Path::new(folder.file_name()?).join(name)))
}

/// The text of the `direction` section of `file`, which must have the checksum
/// `expected` (see [`crate::Step::text`]).
pub(crate) fn read_section(
    file: &Path,
    direction: Direction,
    layout: Option<Direction>,
    expected: &str,
) -> Result<String> {
    let changed = || Error::FileChanged { file: file.to_owned(), direction };
    let text = read_text(file)?;
    let mut sections = parse_sections(file, &text, layout).map_err(|_| changed())?;
    match sections.slot(direction).take().map(|step| step.sql) {
        Some(Script::Inline(sql)) if crate::checksum(&sql) == expected => Ok(sql),
        _ => Err(changed()),
    }
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

/// Byte order of the whole path: cheaper than Path's component-wise order, and as stable.
fn sort_paths(paths: &mut [PathBuf]) {
    paths.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
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
