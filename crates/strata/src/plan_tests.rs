use super::*;
use crate::source::load_files;

const SQL: &str = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n";

fn migrations(versions: &[u64]) -> Vec<Migration> {
    load_files(versions.iter().map(|v| (format!("{v:03}_m{v}.sql"), SQL.to_owned()))).unwrap()
}

fn row(version: u64, checksum: &str) -> Applied {
    Applied {
        version,
        name: format!("m{version}"),
        checksum: checksum.to_owned(),
        applied_at: "2026-01-01 00:00:00".to_owned(),
        execution_ms: 1,
        state: RowState::Applied,
        has_down: true,
        failure: None,
    }
}

fn applied(versions: &[u64]) -> Vec<Applied> {
    let sum = crate::checksum("SELECT 1;\n");
    versions.iter().map(|&v| row(v, &sum)).collect()
}

fn states(report: &Report<'_>) -> Vec<(u64, State)> {
    report.entries.iter().map(|e| (e.version, e.state)).collect()
}

#[test]
fn every_state_is_recognised() {
    let files = migrations(&[1, 2, 3, 5]);
    let mut history = applied(&[1, 3, 4]);
    history[1].checksum = "edited".to_owned();
    history.push(Applied { state: RowState::Applying, ..row(6, "x") });
    let report = Report::new(&files, &history);
    assert_eq!(
        states(&report),
        [
            (1, State::Applied),
            (2, State::OutOfOrder),
            (3, State::Modified),
            (4, State::Missing),
            (5, State::OutOfOrder),
            (6, State::Interrupted)
        ]
    );
    assert_eq!(report.entries[3].label, "004");
    assert_eq!(report.entries[3].name, "m4");
    assert_eq!(report.current().unwrap().version, 6);
}

#[test]
fn pending_migrations_above_the_newest_applied_are_pending() {
    let files = migrations(&[1, 2, 3]);
    let history = applied(&[1]);
    let report = Report::new(&files, &history);
    assert_eq!(states(&report), [(1, State::Applied), (2, State::Pending), (3, State::Pending)]);
    assert_eq!((report.count(State::Applied), report.count(State::Pending)), (1, 2));
}

#[test]
fn up_plans_pending_migrations_up_to_the_target() {
    let files = migrations(&[1, 2, 3, 4]);
    let history = applied(&[1]);
    let report = Report::new(&files, &history);
    let versions = |plan: Vec<&Migration>| plan.iter().map(|m| m.version).collect::<Vec<_>>();
    assert_eq!(versions(report.plan_up(None, false).unwrap()), [2, 3, 4]);
    assert_eq!(versions(report.plan_up(Some(3), false).unwrap()), [2, 3]);
    assert_eq!(versions(report.plan_up(Some(1), false).unwrap()), Vec::<u64>::new());
}

#[test]
fn up_rejects_an_unknown_target() {
    let files = migrations(&[1, 2]);
    let error = Report::new(&files, &[]).plan_up(Some(7), false).unwrap_err();
    assert_eq!(error.to_string(), "unknown version 7: known versions run from 001 to 002");
    let error = Report::new(&[], &[]).plan_down(3).unwrap_err();
    assert_eq!(error.to_string(), "unknown version 3: no migrations are known");
}

#[test]
fn up_refuses_modified_missing_and_interrupted_migrations() {
    let files = migrations(&[1, 2, 3]);
    let mut history = applied(&[1, 2]);
    history[0].checksum = "edited".to_owned();
    let error = Report::new(&files, &history).plan_up(None, false).unwrap_err();
    assert_eq!(
        error.to_string(),
        "history and migration files disagree; nothing was changed:\n  001 m1: applied, but its file has changed since (checksum differs)"
    );
    let history = applied(&[1, 2, 9]);
    assert!(
        matches!(Report::new(&files, &history).plan_up(None, true), Err(Error::Refused(p)) if p[0].state == State::Missing)
    );
    let history = vec![Applied { state: RowState::Applying, ..applied(&[1])[0].clone() }];
    assert!(
        matches!(Report::new(&files, &history).plan_up(None, true), Err(Error::Refused(p)) if p[0].state == State::Interrupted)
    );
}

#[test]
fn up_refuses_out_of_order_unless_allowed() {
    let files = migrations(&[1, 2, 3, 4]);
    let history = applied(&[1, 3]);
    let report = Report::new(&files, &history);
    let error = report.plan_up(None, false).unwrap_err();
    assert!(
        error.to_string().ends_with("002 m2: pending, but older than the newest applied migration (out of order)"),
        "{error}"
    );
    let plan: Vec<u64> = report.plan_up(None, true).unwrap().iter().map(|m| m.version).collect();
    assert_eq!(plan, [2, 4]);
}

#[test]
fn down_reverts_newest_first_down_to_the_target() {
    let files = migrations(&[1, 2, 3]);
    let history = applied(&[1, 2, 3]);
    let report = Report::new(&files, &history);
    let versions = |target| report.plan_down(target).unwrap().iter().map(|r| r.version).collect::<Vec<_>>();
    assert_eq!(versions(1), [3, 2]);
    assert_eq!(versions(0), [3, 2, 1]);
    assert_eq!(versions(3), Vec::<u64>::new());
}

#[test]
fn down_uses_the_stored_script_when_the_file_is_gone() {
    let files = migrations(&[1]);
    let history = applied(&[1, 2]);
    let plan = Report::new(&files, &history).plan_down(0).unwrap();
    assert_eq!(plan[0].version, 2);
    assert!(plan[0].step.is_none());
    assert!(plan[1].step.is_some());
}

#[test]
fn down_refuses_to_cross_a_migration_without_down() {
    let mut files = migrations(&[1, 2, 3]);
    files[1].down = None;
    let history = applied(&[1, 2, 3]);
    let report = Report::new(&files, &history);
    let error = report.plan_down(1).unwrap_err();
    assert_eq!(
        error.to_string(),
        "1 migration on the way down has no down script, so nothing was reverted:\n  002 m2: has no `-- migrate:down` section"
    );
    assert_eq!(report.plan_down(2).unwrap().len(), 1);
    let mut history = applied(&[1, 2, 3, 4]);
    history[3].has_down = false;
    let error = Report::new(&files, &history).plan_down(3).unwrap_err();
    assert!(matches!(&error, Error::Irreversible(stuck) if stuck == &[NoDown::new(4, "004", "m4", Why::NotStored)]));
}

#[test]
fn down_lists_every_migration_without_down_newest_first_and_why() {
    let mut files = migrations(&[1, 2, 3, 4, 5]);
    files[1].down = None;
    files[3].down = None;
    files[3].down_is_empty = true;
    let mut history = applied(&[1, 2, 3, 4, 5, 6]);
    history[5].has_down = false;
    let error = Report::new(&files, &history).plan_down(0).unwrap_err();
    let Error::Irreversible(stuck) = &error else { panic!("{error}") };
    let why: Vec<(u64, Why)> = stuck.iter().map(|s| (s.version, s.why)).collect();
    assert_eq!(why, [(6, Why::NotStored), (4, Why::NoStatement), (2, Why::NoSection)]);
    assert_eq!(
        error.to_string(),
        "3 migrations on the way down have no down script, so nothing was reverted:\n  \
         006 m6: its file is gone, and history holds no down script for it\n  \
         004 m4: its `-- migrate:down` section has no statement\n  \
         002 m2: has no `-- migrate:down` section"
    );
}

#[test]
fn down_error_lists_twenty_and_counts_the_rest() {
    let versions: Vec<u64> = (1..=23).collect();
    let mut files = migrations(&versions);
    for file in &mut files {
        file.down = None;
    }
    let history = applied(&versions);
    let error = Report::new(&files, &history).plan_down(0).unwrap_err();
    assert!(matches!(&error, Error::Irreversible(stuck) if stuck.len() == 23));
    let text = error.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 20 + 1, "{text}");
    assert_eq!(lines[1], "  023 m23: has no `-- migrate:down` section");
    assert_eq!(lines[20], "  004 m4: has no `-- migrate:down` section");
    assert_eq!(lines[21], "  and 3 more");
}

#[test]
fn up_refuses_a_migration_whose_up_section_has_no_statement() {
    let mut files = migrations(&[1, 2, 3]);
    files[2].up.sql = crate::Script::Inline("-- TODO\n/* later */ ;\n".to_owned());
    let error = crate::check::check_up(&files[2], &Default::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "003_m3.sql:1: the up section of migration 003 (m3) has no statement; nothing was applied"
    );
    assert!(crate::check::check_up(&files[1], &Default::default()).is_ok(), "the one before it is fine");
    let history = applied(&[1, 2, 3]);
    assert!(Report::new(&files, &history).plan_down(0).is_ok(), "an applied one can still be reverted");
}

#[test]
fn down_refuses_interrupted_migrations() {
    let files = migrations(&[1]);
    let history = vec![Applied { state: RowState::Reverting, ..applied(&[1])[0].clone() }];
    assert!(matches!(Report::new(&files, &history).plan_down(0), Err(Error::Refused(_))));
}

#[test]
fn labels_of_history_only_versions_follow_the_files_width() {
    let files = load_files([("0001_a.sql", SQL.to_owned())]).unwrap();
    let history = applied(&[1, 12]);
    let report = Report::new(&files, &history);
    assert_eq!(report.entries[1].label, "0012");
}

#[test]
fn a_file_restored_for_a_row_recorded_without_a_checksum_is_applied() {
    // `adopt` records no checksum for a version whose file was gone; when the
    // file comes back there is nothing to compare it with.
    let files = migrations(&[1, 2]);
    let history = vec![row(1, ""), row(2, "0000")];
    let report = Report::new(&files, &history);
    assert_eq!(states(&report), [(1, State::Applied), (2, State::Modified)]);
}
