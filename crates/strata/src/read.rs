//! Reading the files of a migrations folder: on a few threads, through the
//! stat-keyed cache when there is one.

use std::path::{Path, PathBuf};

use crate::cache::{Cache, Entry, FileStat};
use crate::error::Result;
use crate::migration::{Direction, Script, Sections, Step};
use crate::source::{parse_file, parse_file_name, read_text, FileName};

/// One migration file, read or found in the cache; its sections hold no text.
pub(crate) struct Read<'a> {
    pub path: PathBuf,
    pub name: FileName,
    pub sections: Sections,
    /// The file's cache entry (`None` without a cache).
    pub entry: Option<Cached<'a>>,
}

/// A cache entry: found in the cache, or made from the file just read.
pub(crate) enum Cached<'a> {
    Hit(&'a Entry),
    Fresh(Entry),
}

impl Cached<'_> {
    pub fn entry(&self) -> &Entry {
        match self {
            Cached::Hit(entry) => entry,
            Cached::Fresh(entry) => entry,
        }
    }
}

/// Reads and parses `paths` on a few threads, in contiguous runs, and returns
/// the results in the order of `paths`; each run stops at its first error, so
/// the first error met in that order is the one a sequential read would give.
/// Reading 10,000 small files takes half the time on two cores.
pub(crate) fn read_parallel<'a>(paths: &[PathBuf], cache: Option<&'a Cache>) -> Vec<Result<Option<Read<'a>>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    let threads = if paths.len() < 256 { 1 } else { threads };
    let run = |paths: &[PathBuf]| {
        let mut results = Vec::with_capacity(paths.len());
        for path in paths {
            let result = read_one(path, cache);
            let failed = result.is_err();
            results.push(result);
            if failed {
                break;
            }
        }
        results
    };
    if threads == 1 {
        return run(paths);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> =
            paths.chunks(paths.len().div_ceil(threads)).map(|chunk| scope.spawn(move || run(chunk))).collect();
        let joined =
            workers.into_iter().map(|worker| worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        joined.flatten().collect()
    })
}

/// Reads one file, or takes it from the cache when its stat vouches for it.
/// The stat is taken before the file is read, so that an edit in between
/// leaves a stat that no longer matches.
fn read_one<'a>(path: &Path, cache: Option<&'a Cache>) -> Result<Option<Read<'a>>> {
    let stat = cache.and_then(|_| std::fs::metadata(path).ok()).and_then(|meta| FileStat::of(&meta));
    if let (Some(cache), Some(stat)) = (cache, &stat) {
        if let Some(read) = from_cache(path, cache, stat) {
            return Ok(Some(read));
        }
    }
    let text = read_text(path)?;
    let Some((path, name, sections)) = parse_file(path.to_owned(), &text, true)? else {
        return Ok(None);
    };
    let entry = stat.map(|stat| Cached::Fresh(Entry::new(stat, &sections)));
    Ok(Some(Read { path, name, sections, entry }))
}

fn from_cache<'a>(path: &Path, cache: &'a Cache, stat: &FileStat) -> Option<Read<'a>> {
    let file_name = path.file_name()?.to_str()?;
    let entry = cache.get(file_name, stat)?;
    let name = parse_file_name(file_name).ok()??;
    let step = |direction, section: &crate::cache::Section| Step {
        sql: Script::InFile { direction, layout: name.direction, checksum: section.checksum.clone() },
        options: section.options,
        file: path.to_owned(),
        line: section.line,
    };
    let sections = Sections {
        up: entry.up.as_ref().map(|section| step(Direction::Up, section)),
        down: entry.down.as_ref().map(|section| step(Direction::Down, section)),
        down_is_empty: entry.down_is_empty,
    };
    Some(Read { path: path.to_owned(), name, sections, entry: Some(Cached::Hit(entry)) })
}
