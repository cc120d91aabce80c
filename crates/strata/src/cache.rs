//! A stat-keyed cache of what reading each migration file found (the checksum,
//! line and options of each section), in the manner of git's index: a file
//! whose size, times, inode and device are those recorded is not read again.
//!
//! As in git ("racy git"), an entry is trusted only when the file's mtime and
//! ctime are older than the moment the cache was made, less a margin for
//! coarse file-system clocks: otherwise an edit of the same size within the
//! same tick would look unchanged. The cache is only an aid: a cache that is
//! missing, corrupt or cannot be written is ignored, and scripts that run are
//! still read from their files and checked (see [`crate::Step::text`]).

use std::collections::HashMap;
use std::fs::Metadata;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::migration::{Script, Sections, StepOptions};

const HEADER: &str = "strata-cache-1";
/// Files changed this close to the making of the cache are read again.
const RACY: Duration = Duration::from_secs(2);

/// What a file's metadata says; a file whose stat differs is read again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileStat {
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    inode: u64,
    device: u64,
}

impl FileStat {
    #[cfg(unix)]
    pub fn of(meta: &Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        Some(FileStat {
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
            device: meta.dev(),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_meta: &Metadata) -> Option<Self> {
        None
    }

    /// Changed too close to `stamp` for its stat to vouch for its content.
    fn is_racy(&self, stamp: (i64, i64)) -> bool {
        let limit = (stamp.0 - RACY.as_secs() as i64, stamp.1);
        self.mtime >= limit || self.ctime >= limit
    }
}

/// One section as read: its first line, options and checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    pub line: usize,
    pub options: StepOptions,
    pub checksum: String,
}

/// One file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub stat: FileStat,
    pub up: Option<Section>,
    pub down: Option<Section>,
    /// The file has a down section without a statement (see [`Sections`]).
    pub down_is_empty: bool,
}

impl Entry {
    /// The entry for `sections`, whose scripts are in their file.
    pub fn new(stat: FileStat, sections: &Sections) -> Self {
        let section = |step: &crate::Step| Section {
            line: step.line,
            options: step.options,
            checksum: match &step.sql {
                Script::InFile { checksum, .. } => checksum.clone(),
                Script::Inline(sql) => crate::checksum(sql),
            },
        };
        let (up, down) = (sections.up.as_ref().map(section), sections.down.as_ref().map(section));
        Entry { stat, up, down, down_is_empty: sections.down_is_empty }
    }
}

/// The cache of one migrations folder.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// When the cache was made (seconds, nanoseconds since the epoch).
    stamp: (i64, i64),
    entries: HashMap<String, Entry>,
}

/// The cache file of `dir` in `cache_dir`: named by a hash of the folder's full path.
pub(crate) fn cache_file(cache_dir: &Path, dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let hash = crate::checksum(&dir.to_string_lossy());
    Some(cache_dir.join(format!("{}.cache", &hash[..32])))
}

/// The program that made a cache: its version and the time its executable was
/// written, so that a cache made by another build (which may parse files
/// differently) is not used.
fn build() -> String {
    let built = std::env::current_exe()
        .and_then(std::fs::metadata)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    format!("{}+{built}", env!("CARGO_PKG_VERSION"))
}

/// Now, as the stamp of a cache about to be made.
pub(crate) fn now() -> (i64, i64) {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    (since.as_secs() as i64, i64::from(since.subsec_nanos()))
}

impl Cache {
    /// Reads a cache file; anything wrong with it gives an empty cache.
    pub fn read(file: &Path) -> Cache {
        std::fs::read_to_string(file).ok().and_then(|text| Cache::parse(&text)).unwrap_or_default()
    }

    /// The entry of `name`, if its file still has `stat` and is not racy.
    pub fn get(&self, name: &str, stat: &FileStat) -> Option<&Entry> {
        self.entries.get(name).filter(|entry| entry.stat == *stat && !stat.is_racy(self.stamp))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn parse(text: &str) -> Option<Cache> {
        let mut lines = text.lines();
        let mut header = lines.next()?.split('\t');
        if header.next()? != HEADER {
            return None;
        }
        let stamp = (header.next()?.parse().ok()?, header.next()?.parse().ok()?);
        if header.next()? != build() {
            return None;
        }
        let mut entries = HashMap::new();
        for line in lines {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, size, ms, mn, cs, cn, inode, device, up, down] = fields[..] else {
                return None;
            };
            let number = |field: &str| field.parse::<i64>().ok();
            let stat = FileStat {
                size: size.parse().ok()?,
                mtime: (number(ms)?, number(mn)?),
                ctime: (number(cs)?, number(cn)?),
                inode: inode.parse().ok()?,
                device: device.parse().ok()?,
            };
            let (up, down_is_empty) = (parse_section(up)?, down == EMPTY);
            let down = if down_is_empty { None } else { parse_section(down)? };
            entries.insert(name.to_owned(), Entry { stat, up, down, down_is_empty });
        }
        Some(Cache { stamp, entries })
    }

    /// Writes `entries` with `stamp` to `file` (through a temporary file and a
    /// rename, so that a reader never sees half of it); errors are ignored.
    pub fn write<'a>(file: &Path, stamp: (i64, i64), entries: impl Iterator<Item = (&'a str, &'a Entry)>) {
        let mut text = format!("{HEADER}\t{}\t{}\t{}\n", stamp.0, stamp.1, build());
        for (name, entry) in entries {
            let s = &entry.stat;
            text.push_str(&format!(
                "{name}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                s.size,
                s.mtime.0,
                s.mtime.1,
                s.ctime.0,
                s.ctime.1,
                s.inode,
                s.device,
                write_section(entry.up.as_ref()),
                match entry.down_is_empty {
                    true => EMPTY.to_owned(),
                    false => write_section(entry.down.as_ref()),
                }
            ));
        }
        let Some(parent) = file.parent() else { return };
        let temporary = file.with_extension(format!("{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(parent)
            .and_then(|()| std::fs::File::create(&temporary))
            .and_then(|mut out| out.write_all(text.as_bytes()))
            .and_then(|()| std::fs::rename(&temporary, file));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

/// A down section without a statement (counted as no down, named as such).
const EMPTY: &str = "0";

/// `-` for no section, else `line,flags,checksum` (flags: no_transaction, foreign_keys_off).
fn write_section(section: Option<&Section>) -> String {
    section.map_or_else(
        || "-".to_owned(),
        |s| {
            let flag = |on: bool| if on { '1' } else { '0' };
            format!("{},{}{},{}", s.line, flag(s.options.no_transaction), flag(s.options.foreign_keys_off), s.checksum)
        },
    )
}

fn parse_section(field: &str) -> Option<Option<Section>> {
    if field == "-" {
        return Some(None);
    }
    let mut parts = field.split(',');
    let line = parts.next()?.parse().ok()?;
    let flags = parts.next()?.as_bytes();
    let checksum = parts.next()?;
    let valid = flags.len() == 2
        && flags.iter().all(|&b| b == b'0' || b == b'1')
        && checksum.len() == 64
        && checksum.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid || parts.next().is_some() {
        return None;
    }
    let options = StepOptions { no_transaction: flags[0] == b'1', foreign_keys_off: flags[1] == b'1' };
    Some(Some(Section { line, options, checksum: checksum.to_owned() }))
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
