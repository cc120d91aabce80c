//! The migrations folder on disk: listing it (names and kinds of entries,
//! another tool's layout in subfolders) and reading one migration file (only
//! a regular file, or a link to one, of at most [`MAX_FILE_SIZE`]). The only
//! place, with the cache, that touches the file system for migrations.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The largest migration file Strata reads: 256 MiB. A larger `.sql` file is
/// refused with its size before it is read.
pub const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// The `.sql` files in `dir` (not hidden, not folders), in byte order of their paths.
/// A folder with no `.sql` file but with subfolders holding some (another
/// tool's layout) is an error.
pub(crate) fn list(dir: &Path) -> Result<Vec<PathBuf>> {
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

/// What one entry of the migrations folder is to [`crate::source::load_dir`].
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

pub(crate) fn check_size(path: &Path, size: u64) -> Result<()> {
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

/// Byte order of the whole path: cheaper than Path's component-wise order, and as stable.
fn sort_paths(paths: &mut [PathBuf]) {
    paths.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
}
