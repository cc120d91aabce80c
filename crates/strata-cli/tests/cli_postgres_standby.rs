//! Strata against a hot standby: `status` reads it, writing commands fail at
//! once, before waiting for any lock, saying to point at the primary.

#[macro_use]
#[path = "common/postgres.rs"]
mod postgres;
mod common;

use common::{Project, Run};

fn run(project: &Project, url: &str, args: &[&str]) -> Run {
    let mut command = project.strata();
    command.arg("--database").arg(url).args(args);
    Run::of(&mut command).split_database_line(args)
}

#[test]
fn status_reads_a_standby_and_writing_commands_are_refused_at_once() {
    let Some(pair) = pg_standby!() else { return };
    let project = Project::new();
    project.table_migration("001_a.sql", "a");
    project.table_migration("002_b.sql", "b");
    let out = run(&project, pair.primary_url(), &["up", "1"]);
    assert_eq!(out.code, 0, "{out}");
    pair.wait_for_replay();

    let status = run(&project, pair.standby_url(), &["status"]);
    assert_eq!(status.code, 0, "{status}");
    assert!(status.stdout.contains("001      a     applied"), "{status}");
    assert!(status.stdout.contains("002      b     pending"), "{status}");

    let refused = format!(
        "Error: {} is a read-only standby (pg_is_in_recovery() is true): nothing can be migrated there; point strata \
         at the primary\n",
        pair.standby_url()
    );
    for args in [&["up"][..], &["down", "--yes"], &["reset", "--yes"], &["redo"], &["repair", "1", "--applied"]] {
        let started = std::time::Instant::now();
        let out = run(&project, pair.standby_url(), args);
        assert_eq!((out.code, out.stderr.as_str()), (2, refused.as_str()), "{args:?}: {out}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{args:?} failed at once");
    }
}
