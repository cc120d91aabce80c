//! Memory held by migrations read from a folder: it must not grow with the
//! size of the files. A counting allocator measures the heap; this binary
//! holds one test so that nothing else allocates while it measures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use strata::{DatabaseUrl, Migrator};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The heap now, and the peak since the last call.
fn heap() -> (usize, usize) {
    let live = LIVE.load(Ordering::SeqCst);
    (live, PEAK.swap(live, Ordering::SeqCst))
}

const FILES: usize = 32;
const FILE_SIZE: usize = 256 * 1024;

#[test]
fn migrations_from_a_folder_hold_no_script_text() {
    let dir = tempfile::tempdir().unwrap();
    let padding =
        "-- padding padding padding padding padding padding padding padding padding padding\n".repeat(FILE_SIZE / 84);
    for i in 1..=FILES {
        let text =
            format!("-- migrate:up\nCREATE TABLE t{i} (id INTEGER);\n{padding}-- migrate:down\nDROP TABLE t{i};\n");
        std::fs::write(dir.path().join(format!("{i:03}_create_t{i}.sql")), text).unwrap();
    }
    drop(padding);
    let (before, _) = heap();

    let migrator = Migrator::from_dir(dir.path()).unwrap();
    let (after_load, peak_load) = heap();
    let held = after_load - before;
    assert!(held < FILES * 2048, "{FILES} migrations of {FILE_SIZE} bytes hold {held} bytes after loading");
    let peak = peak_load - before;
    assert!(peak < 4 * FILE_SIZE, "loading {FILES} files of {FILE_SIZE} bytes peaked at {peak} bytes");

    let mut db = strata::open(&DatabaseUrl::parse("sqlite::memory:").unwrap()).unwrap();
    let summary = migrator.up(db.as_mut(), &strata::Up::default(), &mut ()).unwrap();
    assert_eq!(summary.count, FILES);
    let (_, peak_up) = heap();
    // `up` keeps the scripts its checks read for the run, up to 4 MiB in all
    // (kept.rs); the 8 MiB of files here do not all fit, so a peak that grew
    // with their total would pass the bound.
    const KEPT: usize = 4 * 1024 * 1024;
    let peak = peak_up - before;
    assert!(peak < KEPT + 8 * FILE_SIZE, "applying {FILES} files of {FILE_SIZE} bytes peaked at {peak} bytes");
}
