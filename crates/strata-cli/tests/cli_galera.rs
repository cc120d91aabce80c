//! `strata` on a three-node MariaDB Galera cluster, driving the real binary,
//! runners spread over the nodes: sixteen runners at once applying fifty DDL
//! migrations exactly once; a runner killed while it holds the lease, taken
//! over from another node once the lease ran out (a DDL step left
//! interrupted, a DML step rolled back with its connection); a runner stalled
//! for longer than its lease stopping (after its DDL step, or rolling back
//! its DML step) and saying it lost the lock; `status` naming the holder of
//! the lease from another node, and a runner giving up on it; `reset`
//! keeping the lock table.
//!
//! The cluster: `STRATA_TEST_GALERA=1` (`common/galera.rs`, over
//! `scripts/galera.sh`). Without it the test says it is skipped and passes.
//! A cluster takes about 15 s to start, so one test starts it and runs every
//! scenario in it, each in a database of its own. Reads of the cluster's
//! state go through `Scratch::synced` (`wsrep_sync_wait = 1`), so a node
//! answers with everything the cluster committed before. Waits are bounded
//! generously; no assertion depends on how long anything took.

#![cfg(unix)]

#[path = "support/children.rs"]
mod children;
mod common;
#[macro_use]
#[path = "common/galera.rs"]
mod galera;

use std::collections::BTreeSet;
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use ::mysql::prelude::Queryable;
use ::mysql::Conn;
use children::{drain, eventually, finished, stream, wait_for_text};
use common::{normalize, Project, Run};
use galera::{Cluster, Scratch};

#[test]
fn strata_keeps_runners_on_three_nodes_apart() {
    let started = Instant::now();
    let Some(cluster) = galera!() else { return };
    println!("cluster started in {:.1?}", started.elapsed());
    let scenarios: [(&str, Scenario); 7] = [
        ("status_names_the_holder_of_the_lease_on_another_node", status_names_the_holder_of_the_lease_on_another_node),
        ("a_killed_runners_ddl_step_is_interrupted_and_finished_from_another_node", killed_in_a_ddl_step),
        ("a_killed_runners_dml_step_rolls_back_and_is_applied_once_from_another_node", killed_in_a_dml_step),
        ("a_stalled_runner_finishes_its_step_and_stops_before_the_next", stalled_in_a_ddl_step),
        ("a_stalled_runners_dml_step_rolls_back_and_it_says_it_lost_the_lock", stalled_in_a_dml_step),
        ("reset_keeps_the_lock_table_and_runners_lock_again", reset_keeps_the_lock_table_and_runners_lock_again),
        ("sixteen_runners_on_three_nodes_apply_fifty_migrations_once_ten_times", sixteen_runners_on_three_nodes),
    ];
    for (name, scenario) in scenarios {
        let started = Instant::now();
        scenario(&cluster);
        println!("{name}: ok in {:.1?}", started.elapsed());
    }
    let stopping = Instant::now();
    drop(cluster);
    println!("cluster stopped in {:.1?}; whole test {:.1?}", stopping.elapsed(), started.elapsed());
}

type Scenario = fn(&Cluster);

/// The node-local named lock a migration waits at (`DO GET_LOCK`) while the
/// test holds it on node 1: a runner there holds the lease for as long as
/// the test wants.
const GATE: &str = "strata_test_gate";

/// A project whose runners reach one scratch database of the cluster through
/// the node each is given (`--database`).
struct OnCluster {
    project: Project,
    db: Scratch,
}

impl OnCluster {
    /// A new scratch database, and a project whose strata.toml says `settings`.
    fn new(cluster: &Cluster, settings: &str) -> Self {
        Self::with(Project::new(), cluster, settings)
    }

    fn with(project: Project, cluster: &Cluster, settings: &str) -> Self {
        project.write("strata.toml", settings);
        OnCluster { project, db: cluster.scratch() }
    }

    /// The database, as strata shows it, through `node` (1, 2 or 3).
    fn shown(&self, node: usize) -> String {
        strata::DatabaseUrl::parse(&self.db.urls[node - 1]).expect("a MySQL URL").to_string()
    }

    /// `--database URL-of-node ARGS`.
    fn args<'a>(&'a self, node: usize, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["--database", self.db.urls[node - 1].as_str()];
        all.extend_from_slice(args);
        all
    }

    /// `strata ARGS` through `node`, bounded, checked to name the database first.
    fn run(&self, node: usize, args: &[&str]) -> Run {
        let args = self.args(node, args);
        let run = children::run_bounded(&self.project, &args);
        if let Some(line) = &run.database_line {
            assert_eq!(line, &format!("Database: {}\n", self.shown(node)), "{run}");
        }
        run
    }

    /// `strata ARGS` through `node`, as a child process with piped output.
    fn spawn(&self, node: usize, args: &[&str]) -> Child {
        children::spawn(&self.project, &self.args(node, args))
    }

    /// `(version, name, state)` of every history row, as `node` has it.
    fn history(&self, node: usize) -> Vec<(i64, String, String)> {
        self.db.synced(node).query("SELECT version, name, state FROM migration_history ORDER BY version").unwrap()
    }

    /// Every table of the database, as `node` has it, sorted.
    fn tables(&self, node: usize) -> Vec<String> {
        let sql = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME";
        self.db.synced(node).exec(sql, (&self.db.name,)).unwrap()
    }

    /// The migrations that wrote to `events`, as `node` has it, sorted.
    fn events(&self, node: usize) -> Vec<i64> {
        self.db.synced(node).query("SELECT migration FROM events ORDER BY migration").unwrap()
    }

    /// The lease's row, as `node` has it: how runners name its holder
    /// (`strata up on HOST (pid N) since TIME UTC`), and its pid.
    fn lease_holder(&self, node: usize) -> Option<(String, u32)> {
        let sql =
            "SELECT command, host, pid, DATE_FORMAT(acquired_at, '%Y-%m-%d %H:%i:%s') FROM migration_history_lock";
        let row: Option<(String, String, u32, String)> = self.db.synced(node).query_first(sql).unwrap();
        row.map(|(command, host, pid, since)| (format!("{command} on {host} (pid {pid}) since {since} UTC"), pid))
    }

    /// Every node: the history of versions 1..=`last`, all applied (names
    /// `names(version)`), and each migration's event written once.
    fn assert_all_applied(&self, last: i64, names: impl Fn(i64) -> String) {
        let expected: Vec<(i64, String, String)> = (1..=last).map(|v| (v, names(v), "applied".to_owned())).collect();
        for node in 1..=3 {
            assert_eq!(self.history(node), expected, "the history on node {node}");
            assert_eq!(self.events(node), (1..=last).collect::<Vec<_>>(), "every migration ran once (node {node})");
        }
    }
}

/// Migration `n`: a table of its own and a row in `events` (made by
/// migration 1), which a migration that ran twice would double. DDL, so each
/// step runs recorded and its `CREATE TABLE` in Galera's total order.
fn table_migration(project: &Project, n: u32) {
    let events = match n {
        1 => "CREATE TABLE events (id INTEGER AUTO_INCREMENT PRIMARY KEY, migration INTEGER NOT NULL);\n",
        _ => "",
    };
    project.migration(
        &format!("{n:03}_t{n:02}.sql"),
        &format!(
            "-- migrate:up\n{events}CREATE TABLE t{n:02} (id INTEGER PRIMARY KEY);\n\
             INSERT INTO t{n:02} VALUES ({n});\nINSERT INTO events (migration) VALUES ({n});\n\
             -- migrate:down\nDROP TABLE t{n:02};\n"
        ),
    );
}

fn table_name(version: i64) -> String {
    format!("t{version:02}")
}

/// Takes the gate on node 1 ([`GATE`]); runners pass it once the connection
/// is dropped. Waits for a runner of an earlier scenario killed at the gate:
/// its server thread passes the gate when it is opened, and holds it until
/// the server has noticed that its client is gone.
fn close_gate(db: &Scratch) -> Conn {
    let mut gate = db.connect(1);
    let got: Option<i64> = gate.query_first(format!("SELECT GET_LOCK('{GATE}', 30)")).unwrap();
    assert_eq!(got, Some(1), "the test holds the gate");
    gate
}

/// Waits until `child` (a runner through node 1) waits at the gate; kills it
/// and fails if it ended or 60 s passed first.
fn wait_at_gate(db: &Scratch, child: &mut Child) {
    let mut node1 = db.connect(1);
    let sql = format!(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'DO GET_LOCK(''{GATE}''%'"
    );
    let at_gate = eventually(Duration::from_secs(60), || {
        let waiting: Option<i64> = node1.exec_first(&sql, (&db.name,)).unwrap();
        child.try_wait().unwrap().is_none() && waiting == Some(1)
    });
    if !at_gate {
        let _ = child.kill();
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        panic!("the runner never waited at the gate ({status}); its stderr:\n{stderr}");
    }
}

/// Waits for `child` (at most `limit`); kills it and fails past that.
fn wait_bounded(mut child: Child, args: &[&str], limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!("strata {args:?} did not finish within {limit:?}: {}", text(&output));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `Applying VERSION NAME ... ok (<DUR>)` lines for `versions`, and the summary.
fn applied(versions: std::ops::RangeInclusive<u32>) -> String {
    let last = *versions.end();
    let count = versions.clone().count();
    let lines: String = versions.map(|n| format!("Applying {n:03} t{n:02} ... ok (<DUR>)\n")).collect();
    let plural = if count == 1 { "" } else { "s" };
    format!("{lines}Applied {count} migration{plural} in <DUR>; the database is at version {last:03} (t{last:02}).\n")
}

// ---------------------------------------------------------------------------
// `status` from another node.

/// A runner through node 1 holds the lease, waiting at the gate inside its
/// second migration (one transaction: it commits nothing yet); `status`
/// through node 2 names it, and when it took the lease, as the lease's row
/// says, and shows what the cluster has committed.
fn status_names_the_holder_of_the_lease_on_another_node(cluster: &Cluster) {
    let on = OnCluster::new(cluster, "");
    table_migration(&on.project, 1);
    on.project.up_down(
        "002_gated.sql",
        &format!("INSERT INTO events (migration) VALUES (2);\nDO GET_LOCK('{GATE}', 600);"),
        Some("DELETE FROM events WHERE migration = 2;"),
    );
    let gate = close_gate(&on.db);
    let mut runner = on.spawn(1, &["up"]);
    wait_at_gate(&on.db, &mut runner);
    let (holder, pid) = on.lease_holder(2).expect("the runner holds the lease");
    assert_eq!(pid, runner.id());
    assert!(holder.starts_with("strata up on "), "{holder}");
    // What status reads on node 2 includes migration 001 (a synced read waited for it).
    assert_eq!(on.history(2), [(1, "t01".to_owned(), "applied".to_owned())]);

    let status = on.run(2, &["status"]);
    status.assert(
        0,
        "Version  Name   State    Applied at (UTC)\n\
         001      t01    applied  <TIME>\n\
         002      gated  pending\n\
         \n\
         Current version: 001 (t01)  | 1 applied, 1 pending\n",
        &normalize(&format!(
            "A strata run is at work on {}: {holder}; showing what it has committed so far.\n",
            on.shown(2)
        )),
    );
    assert!(status.stderr.contains(&holder), "the time is the lease's own:\n{status}");
    on.run(3, &["--lock-timeout", "1", "up"]).assert(
        5,
        "",
        &normalize(&format!(
            "Waiting for the lock on {shown}: held by {holder}; waiting up to 1 s...\n\
             Error: the lock on {shown} is still held by {holder} after waiting 1 s\n\
             Hint: another strata run is at work on this database: let it finish, or wait longer with \
             --lock-timeout SECONDS (or `lock_timeout` in strata.toml).\n",
            shown = on.shown(3)
        )),
    );

    drop(gate);
    let run = finished(wait_bounded(runner, &["up"], Duration::from_secs(60)), &["up"]);
    run.assert(
        0,
        "Applying 001 t01 ... ok (<DUR>)\nApplying 002 gated ... ok (<DUR>)\n\
         Applied 2 migrations in <DUR>; the database is at version 002 (gated).\n",
        "",
    );
    assert_eq!(on.lease_holder(3), None, "the lease is released");
    on.run(3, &["status"]).assert(
        0,
        "Version  Name   State    Applied at (UTC)\n\
         001      t01    applied  <TIME>\n\
         002      gated  applied  <TIME>\n\
         \n\
         Current version: 002 (gated)  | 2 applied, 0 pending\n",
        "",
    );
}

// ---------------------------------------------------------------------------
// A runner killed, or stalled, while it holds the lease.

/// The lease of these scenarios: short, so that the takeover comes soon.
const SHORT_LEASE: &str = "lock_lease = 3\n";

/// A runner through node 1 holding the lease, waiting at the gate in
/// migration 002 (of five), and a runner through node 2 waiting for it.
struct Takeover {
    on: OnCluster,
    gate: Conn,
    /// The runner holding the lease.
    holder_child: Child,
    /// How runners name it.
    holder: String,
    waiter: Child,
    /// The waiter's stderr: what came so far, and the rest to come.
    waiter_text: String,
    waiter_err: std::sync::mpsc::Receiver<String>,
}

/// Migrations 001, 002 (`up`, which waits at the gate) and 003 to 005; the
/// holder at the gate, and the waiter once it has said that it waits.
fn runner_waiting_behind_a_gated_holder(cluster: &Cluster, up: &str) -> Takeover {
    let on = OnCluster::new(cluster, SHORT_LEASE);
    table_migration(&on.project, 1);
    on.project.up_down("002_t02.sql", up, Some("DROP TABLE IF EXISTS t02;\nDELETE FROM events WHERE migration = 2;"));
    (3..=5).for_each(|n| table_migration(&on.project, n));
    let gate = close_gate(&on.db);
    let mut holder_child = on.spawn(1, &["up"]);
    wait_at_gate(&on.db, &mut holder_child);
    let (holder, pid) = on.lease_holder(2).expect("the runner at the gate holds the lease");
    assert_eq!(pid, holder_child.id());

    let mut waiter = on.spawn(2, &["up"]);
    let waiter_err = stream(waiter.stderr.take().unwrap());
    let mut waiter_text = String::new();
    let waiting = format!("Waiting for the lock on {}: held by {holder}; waiting up to 60 s...\n", on.shown(2));
    assert!(
        wait_for_text(&waiter_err, &mut waiter_text, &waiting, Duration::from_secs(30)),
        "the runner through node 2 says it waits:\n{waiter_text}"
    );
    Takeover { on, gate, holder_child, holder, waiter, waiter_text, waiter_err }
}

/// The waiter's run once it ended (its stderr complete).
fn waiter_run(waiter: Child, mut text: String, err: &std::sync::mpsc::Receiver<String>) -> Run {
    let output = wait_bounded(waiter, &["up"], Duration::from_secs(60));
    drain(err, &mut text);
    finished(Output { stderr: text.into_bytes(), ..output }, &["up"])
}

/// SIGKILLs the holder, lets the gate go (its server thread ends with its
/// connection), and returns the waiter's run.
fn kill_the_holder(takeover: Takeover) -> (OnCluster, Run, String) {
    let Takeover { on, gate, mut holder_child, holder, waiter, waiter_text, waiter_err } = takeover;
    holder_child.kill().expect("SIGKILL strata up");
    holder_child.wait().unwrap();
    drop(gate);
    (on, waiter_run(waiter, waiter_text, &waiter_err), holder)
}

/// Sends `signal` (`STOP`, `CONT`) to `child`.
fn signal(child: &Child, signal: &str) {
    let status = std::process::Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status();
    assert!(status.expect("run kill").success(), "kill -{signal} {}", child.id());
}

/// `up`'s refusal while 002 is interrupted.
const REFUSED_002: &str = "Error: history and migration files disagree; nothing was changed:\n\
                           \x20 002 t02: started outside a transaction and never finished: the database may hold \
                           part of it\n\
                           Hint: Finish or undo interrupted migration 002 by hand, then run `strata repair 002 \
                           --applied` (its changes are in the database) or `strata repair 002 --reverted` (they \
                           are not).\n";

/// What the runner that took over says first.
fn took_over(on: &OnCluster, node: usize, holder: &str) -> String {
    format!(
        "Waiting for the lock on {shown}: held by {holder}; waiting up to 60 s...\n\
         Took over the lock on {shown} from {holder}: its lease ran out (that run stopped renewing it: killed, or \
         cut off from the cluster); what it left unfinished shows as interrupted\n",
        shown = on.shown(node)
    )
}

/// Killed at the gate inside a DDL step (run recorded: its history row says
/// `applying` from before its first statement): once the lease ran out, the
/// runner through node 2 takes over, finds 002 interrupted and refuses
/// (exit 3); `repair` through node 3 records it applied (its table and
/// event are there), and a runner through node 2 applies the rest.
fn killed_in_a_ddl_step(cluster: &Cluster) {
    let up = format!(
        "CREATE TABLE t02 (id INTEGER PRIMARY KEY);\nINSERT INTO events (migration) VALUES (2);\n\
         DO GET_LOCK('{GATE}', 600);"
    );
    let takeover = runner_waiting_behind_a_gated_holder(cluster, &up);
    let (on, run, holder) = kill_the_holder(takeover);
    assert_eq!(run.code, 3, "{run}");
    assert_eq!(run.stdout, "", "{run}");
    assert_eq!(run.stderr, format!("{}{REFUSED_002}", took_over(&on, 2, &holder)), "{run}");
    let interrupted = vec![(1, "t01".to_owned(), "applied".to_owned()), (2, "t02".to_owned(), "applying".to_owned())];
    for node in 1..=3 {
        assert_eq!(on.history(node), interrupted, "node {node}");
        assert_eq!(on.events(node), [1, 2], "node {node}");
        assert!(on.tables(node).contains(&"t02".to_owned()), "node {node}");
    }
    assert_eq!(on.lease_holder(3), None, "the runner that took over released the lease");

    on.run(3, &["repair", "2", "--applied"]).assert(
        0,
        "Recorded 002 (t02) as applied (it was interrupted while applying).\n",
        "",
    );
    on.run(2, &["up"]).assert(0, &applied(3..=5), "");
    on.assert_all_applied(5, table_name);
}

/// Killed at the gate inside a DML step (one transaction with its history
/// row, never committed): the runner through node 2 takes over once the
/// lease ran out, finds 002 pending, and applies 002 to 005; 002's event is
/// written once, by that runner.
fn killed_in_a_dml_step(cluster: &Cluster) {
    let up = format!("INSERT INTO events (migration) VALUES (2);\nDO GET_LOCK('{GATE}', 600);");
    let takeover = runner_waiting_behind_a_gated_holder(cluster, &up);
    let (on, run, holder) = kill_the_holder(takeover);
    run.assert(0, &applied(2..=5), &normalize(&took_over(&on, 2, &holder)));
    assert!(run.stderr.contains(&holder), "{run}");
    on.assert_all_applied(5, table_name);
    assert_eq!(on.lease_holder(1), None, "the lease is released");
}

/// Stalled (SIGSTOP) at the gate inside a DDL step for longer than its
/// lease: the runner through node 2 takes over, finds 002 interrupted and
/// refuses (exit 3), releasing the lease. Resumed, the stalled runner
/// finishes 002 (it was under way) and, its renewal finding the lease gone,
/// stops before 003 (exit 5); a runner through node 3 applies the rest.
fn stalled_in_a_ddl_step(cluster: &Cluster) {
    let up = format!(
        "CREATE TABLE t02 (id INTEGER PRIMARY KEY);\nINSERT INTO events (migration) VALUES (2);\n\
                      DO GET_LOCK('{GATE}', 600);"
    );
    let Takeover { on, gate, holder_child, holder, waiter, waiter_text, waiter_err } =
        runner_waiting_behind_a_gated_holder(cluster, &up);
    signal(&holder_child, "STOP");
    let run = waiter_run(waiter, waiter_text, &waiter_err);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""), "{run}");
    assert_eq!(run.stderr, format!("{}{REFUSED_002}", took_over(&on, 2, &holder)), "{run}");

    signal(&holder_child, "CONT");
    drop(gate);
    let stalled = finished(wait_bounded(holder_child, &["up"], Duration::from_secs(60)), &["up"]);
    stalled.assert(5, "Applying 001 t01 ... ok (<DUR>)\nApplying 002 t02 ... ok (<DUR>)\n", &lock_lost(&on, 1));
    on.run(3, &["up"]).assert(0, &applied(3..=5), "");
    on.assert_all_applied(5, table_name);
}

/// Stalled (SIGSTOP) at the gate inside a DML step (one transaction with
/// its history row): the runner through node 2 takes over and applies 002
/// to 005. Resumed, the stalled runner's history row meets that runner's,
/// and it stops (exit 5) saying it lost the lock; its transaction rolls
/// back, so 002's event is there once.
fn stalled_in_a_dml_step(cluster: &Cluster) {
    let up = format!("INSERT INTO events (migration) VALUES (2);\nDO GET_LOCK('{GATE}', 600);");
    let Takeover { on, gate, holder_child, holder, waiter, waiter_text, waiter_err } =
        runner_waiting_behind_a_gated_holder(cluster, &up);
    signal(&holder_child, "STOP");
    let run = waiter_run(waiter, waiter_text, &waiter_err);
    run.assert(0, &applied(2..=5), &normalize(&took_over(&on, 2, &holder)));
    // Node 1 has applied that runner's writes before the stalled one goes on.
    assert_eq!(on.history(1).len(), 5);

    signal(&holder_child, "CONT");
    drop(gate);
    let stalled = finished(wait_bounded(holder_child, &["up"], Duration::from_secs(60)), &["up"]);
    stalled.assert(5, "Applying 001 t01 ... ok (<DUR>)\nApplying 002 t02 ... failed\n", &lock_lost(&on, 1));
    on.assert_all_applied(5, table_name);
}

/// What a runner that lost its lease through `node` says.
fn lock_lost(on: &OnCluster, node: usize) -> String {
    format!(
        "Error: the lock on {} is no longer this run's: it stalled for longer than its lease (3 s) and another \
         runner took the lock over, so this run stopped and recorded nothing more\n\
         Hint: the run that took the lock over goes on with the work; `strata status` shows where things stand. \
         If this happens without a frozen process or a network cut, raise `lock_lease` in strata.toml.\n",
        on.shown(node)
    )
}

// ---------------------------------------------------------------------------
// `reset`.

/// `reset` through node 2 drops the migrations' tables on every node, keeps
/// the history table (emptied) and the lock table, and a runner through node
/// 3 locks again and applies everything.
fn reset_keeps_the_lock_table_and_runners_lock_again(cluster: &Cluster) {
    let on = OnCluster::new(cluster, "");
    (1..=3).for_each(|n| table_migration(&on.project, n));
    on.run(1, &["up"]).assert(0, &applied(1..=3), "");
    on.run(2, &["reset", "--yes"]).assert(
        0,
        &format!("Reset {}: dropped 4 tables; migration_history is empty.\n", on.shown(2)),
        "",
    );
    for node in 1..=3 {
        assert_eq!(on.tables(node), ["migration_history", "migration_history_lock"], "node {node}");
        assert_eq!(on.history(node), [], "node {node}");
    }
    assert_eq!(on.lease_holder(1), None, "reset released the lease");
    on.run(3, &["up"]).assert(0, &applied(1..=3), "");
    on.assert_all_applied(3, table_name);
}

// ---------------------------------------------------------------------------
// Many runners at once.

/// Checks one runner of a round (through node `node`): exit 0 and its
/// output. Returns the `Applying` lines it printed.
fn check_runner(on: &OnCluster, node: usize, run: &Run) -> Vec<String> {
    children::check_fleet_runner(run, &on.shown(node), "strata up on ", |_| true)
}

/// Sixteen `strata up` started together, runner `i` through node `i % 3 + 1`,
/// on a fresh database each round: all exit 0, between them they apply each
/// migration once, and every node has the whole history, applied, every
/// table, and each migration's event once.
fn sixteen_runners_on_three_nodes(cluster: &Cluster) {
    const RUNNERS: usize = 16;
    const ROUNDS: usize = 10;
    const MIGRATIONS: u32 = 50;
    let project = Project::new();
    (1..=MIGRATIONS).for_each(|n| table_migration(&project, n));
    let expected: Vec<String> = (1..=MIGRATIONS).map(|n| format!("Applying {n:03} t{n:02} ... ok (<DUR>)")).collect();
    let mut tables: Vec<String> = (1..=MIGRATIONS).map(|n| format!("t{n:02}")).collect();
    tables.extend(["events", "migration_history", "migration_history_lock"].map(str::to_owned));
    tables.sort();
    let mut on = OnCluster::with(project, cluster, "");
    for round in 1..=ROUNDS {
        if round > 1 {
            // A fresh database: the first runner also creates the history and lock tables.
            on = OnCluster::with(on.project, cluster, "");
        }
        let started = Instant::now();
        let nodes: Vec<usize> = (0..RUNNERS).map(|i| i % 3 + 1).collect();
        let children: Vec<Child> = nodes.iter().map(|&node| on.spawn(node, &["up"])).collect();
        let pids: BTreeSet<u32> = children.iter().map(Child::id).collect();
        assert_eq!(pids.len(), RUNNERS);
        let runs: Vec<(usize, Run)> = nodes
            .iter()
            .zip(children)
            .map(|(&node, child)| (node, finished(wait_bounded(child, &["up"], Duration::from_secs(300)), &["up"])))
            .collect();
        let took = started.elapsed();
        let mut applied: Vec<String> = runs.iter().flat_map(|(node, run)| check_runner(&on, *node, run)).collect();
        applied.sort();
        assert_eq!(applied, expected, "round {round}: between them, the runners apply every migration once");
        on.assert_all_applied(i64::from(MIGRATIONS), table_name);
        for node in 1..=3 {
            assert_eq!(on.tables(node), tables, "round {round}, node {node}: every table once, nothing else");
        }
        assert_eq!(on.lease_holder(1), None, "round {round}: the last runner released the lease");
        println!("round {round}: {RUNNERS} runners in {:.2} s", took.as_secs_f64());
    }
}
