use super::*;

const TEXT: &str = "-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\nSELECT 1;\n";

fn stat(ctime: i64) -> FileStat {
    FileStat { size: 10, mtime: (ctime - 5, 0), ctime: (ctime, 7), inode: 3, device: 4 }
}

fn entry(ctime: i64) -> Entry {
    let options = StepOptions { no_transaction: true, foreign_keys_off: false };
    let up = Section { line: 2, options, checksum: "ab".repeat(32) };
    Entry { stat: stat(ctime), up: Some(up), down: None, down_is_empty: false }
}

fn cache(stamp: i64, entries: &[(&str, Entry)]) -> Cache {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.cache");
    Cache::write(&file, (stamp, 0), entries.iter().map(|(name, entry)| (*name, entry)));
    Cache::read(&file)
}

#[test]
fn an_entry_is_trusted_only_with_the_same_stat_and_well_before_the_cache() {
    let cache = cache(1000, &[("001_a.sql", entry(900)), ("002_b.sql", entry(999)), ("003_c.sql", entry(998))]);
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.get("001_a.sql", &stat(900)), Some(&entry(900)));
    assert_eq!(cache.get("001_a.sql", &FileStat { size: 11, ..stat(900) }), None, "another size");
    assert_eq!(cache.get("001_a.sql", &FileStat { inode: 9, ..stat(900) }), None, "another inode");
    assert_eq!(cache.get("001_a.sql", &stat(901)), None, "another ctime");
    // Changed in the two seconds before the cache was made: an edit of the same
    // size in the same tick would leave this very stat, so it is read again.
    assert_eq!(cache.get("002_b.sql", &stat(999)), None);
    assert_eq!(cache.get("003_c.sql", &stat(998)), None);
    assert_eq!(cache.get("004_d.sql", &stat(900)), None);
}

#[test]
fn a_corrupt_cache_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.cache");
    Cache::write(&file, (1000, 0), [("001_a.sql", &entry(900))].into_iter());
    let good = std::fs::read_to_string(&file).unwrap();
    assert_eq!(Cache::read(&file).len(), 1);
    for bad in [
        String::new(),
        "garbage".to_owned(),
        good.replace("strata-cache-1", "strata-cache-0"),
        good.replace(&build(), "0.0.1+1"),
        good.replace(&"ab".repeat(32), "xyz"),
        good.replace("\t2,10,", "\t2,12,"),
        good.replace("\t-\n", "\n"),
        format!("{good}001_b.sql\t1\n"),
    ] {
        std::fs::write(&file, &bad).unwrap();
        assert_eq!(Cache::read(&file).len(), 0, "{bad:?}");
    }
    assert_eq!(Cache::read(&dir.path().join("none")).len(), 0);
}

fn checksum_of(dir: &Path, cache_dir: &Path) -> String {
    crate::source::load_dir_cached(dir, cache_dir).unwrap()[0].checksum.clone()
}

/// Replaces every checksum in the cache file, and its stamp if `stamp` is given.
fn tamper(file: &Path, stamp: Option<(i64, i64)>) {
    let cache = Cache::read(file);
    let stamp = stamp.unwrap_or(cache.stamp);
    let mut entries = cache.entries.clone();
    for entry in entries.values_mut() {
        entry.up.as_mut().unwrap().checksum = "0".repeat(64);
    }
    Cache::write(file, stamp, entries.iter().map(|(name, entry)| (name.as_str(), entry)));
}

#[test]
fn a_file_just_written_is_read_again_and_an_older_one_comes_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_a.sql"), TEXT).unwrap();
    let real = crate::checksum("VACUUM;\n");
    assert_eq!(checksum_of(dir.path(), cache_dir.path()), real);
    let file = cache_file(cache_dir.path(), dir.path()).unwrap();
    assert_eq!(Cache::read(&file).len(), 1);

    // The file changed less than two seconds before the cache was made: its
    // stat cannot vouch for it, so the (tampered) entry is not used.
    tamper(&file, None);
    assert_eq!(checksum_of(dir.path(), cache_dir.path()), real);

    // A cache made long after the file's last change is used as it is...
    let (seconds, nanos) = now();
    tamper(&file, Some((seconds + 60, nanos)));
    assert_eq!(checksum_of(dir.path(), cache_dir.path()), "0".repeat(64));
    // ...until the file changes, even to the same size.
    std::fs::write(dir.path().join("001_a.sql"), TEXT.replace("VACUUM", "vacuum")).unwrap();
    assert_eq!(checksum_of(dir.path(), cache_dir.path()), crate::checksum("vacuum;\n"));
}

#[test]
fn a_cache_that_cannot_be_written_or_read_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_a.sql"), TEXT).unwrap();
    let not_a_folder = dir.path().join("001_a.sql");
    let migrations = crate::source::load_dir_cached(dir.path(), &not_a_folder).unwrap();
    assert_eq!(migrations, crate::source::load_dir(dir.path()).unwrap());

    let cache_dir = tempfile::tempdir().unwrap();
    let file = cache_file(cache_dir.path(), dir.path()).unwrap();
    std::fs::write(&file, format!("strata-cache-1\t99999999999\t0\t{}\n001_a.sql\tnonsense\n", build())).unwrap();
    assert_eq!(crate::source::load_dir_cached(dir.path(), cache_dir.path()).unwrap(), migrations);
    assert_eq!(Cache::read(&file).len(), 1, "the corrupt cache was replaced");
}
