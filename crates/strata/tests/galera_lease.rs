//! The runners' lock on a MariaDB Galera cluster (`driver/mysql/lease.rs`),
//! on a throw-away three-node cluster (`scripts/galera.sh`, with
//! `STRATA_TEST_GALERA=1`): why a lease (GET_LOCK is node-local), one holder
//! at a time across nodes, a killed holder's lease taken over once expired,
//! a timeout naming the holder, and a stalled holder finding its lease lost.
//!
//! A cluster takes seconds to start, so one test starts it and runs every
//! scenario in it, each in its own database.

#![cfg(unix)]

#[macro_use]
#[path = "../../strata-cli/tests/common/galera.rs"]
mod galera;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use galera::{opts, Cluster, Scratch};
use mysql::prelude::Queryable;
use strata::driver::mysql::lease::{holder, Lease, LeaseConfig};
use strata::driver::{Holder, LockRequest, LockWait};
use strata::Error;

/// Set in the child process that takes a lease and waits to be killed:
/// `<url>\t<lock table>`.
const CHILD: &str = "STRATA_TEST_LEASE_CHILD";
/// What the child prints once it holds the lease.
const CHILD_HOLDS: &str = "lease-child: holds the lease";
/// The leases of these tests: short, so that expiry comes soon.
const LEASE: Duration = Duration::from_secs(2);

#[test]
fn the_lease_keeps_runners_apart_across_a_galera_cluster() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let started = Instant::now();
    let Some(cluster) = galera!() else { return };
    println!("cluster started in {:.1?}; memory: {}", started.elapsed(), memory(&cluster));

    let scenarios: [(&str, Scenario); 7] = [
        ("get_lock_is_granted_on_two_nodes_at_once", get_lock_is_granted_on_two_nodes_at_once),
        ("runners_on_three_nodes_create_the_lock_table_at_once", runners_on_three_nodes_create_the_lock_table_at_once),
        ("one_runner_at_a_time_holds_the_lease", one_runner_at_a_time_holds_the_lease),
        ("a_killed_holders_lease_is_taken_over_once_expired", a_killed_holders_lease_is_taken_over_once_expired),
        ("a_timeout_names_the_holder", a_timeout_names_the_holder),
        ("a_stalled_holder_finds_its_lease_taken_over", a_stalled_holder_finds_its_lease_taken_over),
        ("a_renewal_connection_killed_is_made_again", a_renewal_connection_killed_is_made_again),
    ];
    for (name, scenario) in scenarios {
        let started = Instant::now();
        scenario(&cluster);
        println!("{name}: ok in {:.1?}", started.elapsed());
    }

    let (dir, urls) = (cluster.dir().to_owned(), cluster.urls.clone());
    let stopping = Instant::now();
    drop(cluster);
    println!("cluster stopped in {:.1?}; whole test {:.1?}", stopping.elapsed(), started.elapsed());
    assert!(!dir.exists(), "{} is removed", dir.display());
    assert_eq!(processes_under(&dir), 0, "no server of {} is left", dir.display());
    for url in urls {
        let address = url.trim_start_matches("mysql://root@").trim_end_matches('/');
        assert!(std::net::TcpStream::connect(address).is_err(), "nothing listens on {address} any more");
    }
}

type Scenario = fn(&Cluster);

/// Why Strata does not use GET_LOCK on Galera: node 2 grants a lock node 1
/// holds (node 1 itself does refuse it to a second session).
fn get_lock_is_granted_on_two_nodes_at_once(cluster: &Cluster) {
    let get_lock = |conn: &mut mysql::Conn| -> i64 {
        conn.query_first("SELECT GET_LOCK('strata_galera_fact', 0)").unwrap().unwrap()
    };
    let (mut node1, mut also_node1, mut node2) = (cluster.connect(1), cluster.connect(1), cluster.connect(2));
    assert_eq!(get_lock(&mut node1), 1);
    assert_eq!(get_lock(&mut also_node1), 0, "refused on the same node");
    assert_eq!(get_lock(&mut node2), 1, "granted on another node while node 1 holds it");
}

/// Nine runners, three on each node, start at once on a database without a
/// lock table, five times: every one creates it or finds it (DDL from
/// several nodes meets with 1213), and each gets the lease.
fn runners_on_three_nodes_create_the_lock_table_at_once(cluster: &Cluster) {
    const RUNNERS: usize = 9;
    for _ in 0..5 {
        let db = cluster.scratch();
        let start = Arc::new(std::sync::Barrier::new(RUNNERS));
        let runners: Vec<_> = (0..RUNNERS)
            .map(|runner| {
                let (url, start) = (db.urls[runner % 3].clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    let request = request(&format!("runner {runner}"), Duration::from_secs(120));
                    start.wait();
                    let lease = Lease::acquire(opts(&url), &config(&url, LEASE), &request, &mut |_| {}, &mut |_| {});
                    lease.unwrap().release().unwrap();
                })
            })
            .collect();
        for runner in runners {
            runner.join().expect("a runner failed");
        }
    }
}

/// Six runners, two on each node, ten rounds each: each holder does a
/// read-modify-write of a counter (read with wsrep_sync_wait), so two holders
/// at once would lose an increment; and no two are ever inside at once.
fn one_runner_at_a_time_holds_the_lease(cluster: &Cluster) {
    const RUNNERS: usize = 6;
    const ROUNDS: usize = 10;
    let db = cluster.scratch();
    db.connect(1).query_drop("CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB").unwrap();
    db.connect(1).query_drop("INSERT INTO counter VALUES (1, 0)").unwrap();
    let inside = Arc::new(AtomicUsize::new(0));
    let runners: Vec<_> = (0..RUNNERS)
        .map(|runner| {
            let (url, inside) = (db.urls[runner % 3].clone(), Arc::clone(&inside));
            std::thread::spawn(move || {
                let config = config(&url, Duration::from_secs(3));
                let mut conn = galera::connect(&url);
                conn.query_drop("SET SESSION wsrep_sync_wait = 1").unwrap();
                for _ in 0..ROUNDS {
                    let request = request(&format!("runner {runner}"), Duration::from_secs(120));
                    let lease = Lease::acquire(opts(&url), &config, &request, &mut |_| {}, &mut |_| {}).unwrap();
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "runner {runner} is alone");
                    let n: i64 = conn.query_first("SELECT n FROM counter WHERE id = 1").unwrap().unwrap();
                    std::thread::sleep(Duration::from_millis(20));
                    conn.exec_drop("UPDATE counter SET n = ? WHERE id = 1", (n + 1,)).unwrap();
                    assert!(!lease.is_lost());
                    inside.fetch_sub(1, Ordering::SeqCst);
                    lease.release().unwrap();
                }
            })
        })
        .collect();
    for runner in runners {
        runner.join().expect("a runner failed");
    }
    assert_eq!(read_on_node3(&db, "SELECT n FROM counter WHERE id = 1"), (RUNNERS * ROUNDS) as i64);
    assert_eq!(read_on_node3(&db, "SELECT COUNT(*) FROM migration_history_lock"), 0, "every lease released");
}

/// A child process takes the lease on node 1 and is killed with SIGKILL;
/// a runner on node 2 waits for the lease to expire, takes it over, and is
/// told whose it was.
fn a_killed_holders_lease_is_taken_over_once_expired(cluster: &Cluster) {
    let db = cluster.scratch();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--exact", "lease_holder_child", "--nocapture", "--test-threads=1"])
        .env(CHILD, &db.urls[0])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap());
    let (sender, holds) = mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.lines().map_while(Result::ok) {
            if line.contains(CHILD_HOLDS) {
                let _ = sender.send(());
            }
        }
    });
    if holds.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.kill();
        panic!("the child did not take the lease within 60 s");
    }
    let config = config(&db.urls[1], LEASE);
    let (held, expired) = holder(&mut db.synced(2), &config).unwrap().expect("the child holds the lease");
    assert_eq!((held.pid, expired), (Some(child.id()), false));
    child.kill().unwrap();
    child.wait().unwrap();

    let mut previous = Vec::new();
    let request = request("strata up", Duration::from_secs(60));
    let lease =
        Lease::acquire(opts(&db.urls[1]), &config, &request, &mut |_| {}, &mut |h| previous.push(h.clone())).unwrap();
    assert_eq!(previous, [held], "the takeover names the dead holder");
    assert_eq!(previous[0].command.as_deref(), Some(format!("lease child on {}", host()).as_str()));
    let (now, _) = holder(&mut db.synced(3), &config).unwrap().unwrap();
    assert_eq!(now.pid, Some(std::process::id()));
    lease.release().unwrap();
}

/// The child of `a_killed_holders_lease_is_taken_over_once_expired`: takes
/// the lease, says so, and waits to be killed (at most 10 minutes).
#[test]
fn lease_holder_child() {
    let Some(url) = std::env::var_os(CHILD) else { return };
    let url = url.into_string().unwrap();
    let request = request("lease child", Duration::from_secs(60));
    let lease = Lease::acquire(opts(&url), &config(&url, LEASE), &request, &mut |_| {}, &mut |_| {}).unwrap();
    println!("{CHILD_HOLDS}");
    // Killed by the parent; should the parent die first, end within a second.
    let parent = std::os::unix::process::parent_id();
    for _ in 0..600 {
        if std::os::unix::process::parent_id() != parent {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    drop(lease);
}

/// A runner on node 3 gives up after its timeout, naming the holder on
/// node 1, after saying once that it waits; with no timeout it gives up at
/// once, and once released the lease is free at once.
fn a_timeout_names_the_holder(cluster: &Cluster) {
    let db = cluster.scratch();
    let config = config(&db.urls[0], LEASE);
    let first = request("strata up --first", Duration::ZERO);
    let held =
        Lease::acquire(opts(&db.urls[0]), &config, &first, &mut |_| panic!("free"), &mut |_| panic!("free")).unwrap();
    let (holder_now, expired) = holder(&mut db.synced(3), &config).unwrap().unwrap();
    let expected = Holder {
        pid: Some(std::process::id()),
        command: Some(format!("strata up --first on {}", host())),
        since: holder_now.since.clone(),
    };
    assert_eq!((&holder_now, expired), (&expected, false));

    let mut told: Vec<LockWait> = Vec::new();
    let second = request("strata up --second", Duration::from_secs(1));
    let error =
        Lease::acquire(opts(&db.urls[2]), &config, &second, &mut |w| told.push(w.clone()), &mut |_| {}).unwrap_err();
    assert!(matches!(&error, Error::LockTimeout { holder, .. } if *holder == expected), "{error:?}");
    assert_eq!(told.len(), 1, "told once that it waits");
    assert_eq!((&told[0].holder, told[0].timeout, &told[0].database), (&expected, second.timeout, &config.database));

    let at_once = request("strata up --third", Duration::ZERO);
    let error =
        Lease::acquire(opts(&db.urls[1]), &config, &at_once, &mut |_| panic!("no wait"), &mut |_| {}).unwrap_err();
    assert!(matches!(&error, Error::LockTimeout { holder, .. } if *holder == expected), "{error:?}");
    assert!(error.to_string().contains(&format!("held by strata up --first on {} (pid", host())), "{error}");

    held.release().unwrap();
    assert_eq!(holder(&mut db.synced(2), &config).unwrap(), None);
    // Node 3 may take a moment to apply the release: no expiry to wait for, though.
    let after = request("strata up --fourth", Duration::from_secs(10));
    let free =
        Lease::acquire(opts(&db.urls[2]), &config, &after, &mut |_| {}, &mut |_| panic!("released, not taken over"));
    free.unwrap().release().unwrap();
}

/// A holder on node 1 whose renewals are stalled (a session on node 1 holds
/// its row with SELECT … FOR UPDATE, which only node 1 knows of) loses its
/// lease to a runner on node 2 once it expires, finds it lost, and its
/// release leaves the new holder's row alone.
fn a_stalled_holder_finds_its_lease_taken_over(cluster: &Cluster) {
    let db = cluster.scratch();
    let config = config(&db.urls[0], LEASE);
    let stalled = request("stalled holder", Duration::ZERO);
    let first = Lease::acquire(opts(&db.urls[0]), &config, &stalled, &mut |_| {}, &mut |_| {}).unwrap();
    let mut blocker = db.connect(1);
    blocker.query_drop("START TRANSACTION").unwrap();
    blocker.query_drop(format!("SELECT * FROM {} WHERE name = 'migration_history' FOR UPDATE", config.table)).unwrap();

    let mut previous = Vec::new();
    let second = request("strata up", Duration::from_secs(60));
    let lease =
        Lease::acquire(opts(&db.urls[1]), &config, &second, &mut |_| {}, &mut |h| previous.push(h.clone())).unwrap();
    assert_eq!(previous.len(), 1);
    assert_eq!(previous[0].command.as_deref(), Some(format!("stalled holder on {}", host()).as_str()));
    // Galera aborted the blocking transaction to apply the takeover on node 1.
    let _ = blocker.query_drop("ROLLBACK");

    assert!(first.is_lost(), "the stalled holder's renewal finds the row taken over");
    first.release().unwrap();
    let (now, _) = holder(&mut db.synced(3), &config).unwrap().expect("the new holder keeps it");
    assert_eq!(now.command.as_deref(), Some(format!("strata up on {}", host()).as_str()));
    assert!(!lease.is_lost());
    lease.release().unwrap();
}

/// The server closes the holder's renewal connection: the next renewal
/// connects again, and the lease stays held.
fn a_renewal_connection_killed_is_made_again(cluster: &Cluster) {
    let db = cluster.scratch();
    let config = config(&db.urls[0], LEASE);
    let lease =
        Lease::acquire(opts(&db.urls[0]), &config, &request("strata up", Duration::ZERO), &mut |_| {}, &mut |_| {})
            .unwrap();
    let mut admin = db.connect(1);
    let others = "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()";
    let ids: Vec<u64> = admin.query(others).unwrap();
    assert_eq!(ids.len(), 1, "the renewal connection");
    admin.query_drop(format!("KILL CONNECTION {}", ids[0])).unwrap();
    std::thread::sleep(LEASE + LEASE / 2);
    assert!(!lease.is_lost(), "renewed on a new connection");
    let (now, expired) = holder(&mut db.synced(2), &config).unwrap().unwrap();
    assert_eq!((now.pid, expired), (Some(std::process::id()), false));
    lease.release().unwrap();
    assert_eq!(holder(&mut db.synced(3), &config).unwrap(), None);
}

fn config(url: &str, duration: Duration) -> LeaseConfig {
    LeaseConfig { duration, ..LeaseConfig::for_history("migration_history", url) }
}

fn request(command: &str, timeout: Duration) -> LockRequest {
    LockRequest { timeout, command: command.to_owned() }
}

/// One value, read on node 3 once it has applied everything committed before.
fn read_on_node3(db: &Scratch, sql: &str) -> i64 {
    db.synced(3).query_first(sql).unwrap().unwrap()
}

/// This machine's name, as the lease records it.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned()
}

/// The processes whose command line names `dir` (the nodes, their helpers).
fn processes_under(dir: &std::path::Path) -> usize {
    let needle = dir.to_string_lossy().into_owned();
    let procs = std::fs::read_dir("/proc").unwrap().filter_map(Result::ok);
    procs.filter(|entry| std::fs::read(entry.path().join("cmdline")).is_ok_and(|c| contains(&c, &needle))).count()
}

fn contains(cmdline: &[u8], needle: &str) -> bool {
    String::from_utf8_lossy(cmdline).contains(needle)
}

/// The nodes' resident memory, e.g. `3 nodes, 246 MB resident, 190 MB of files`.
fn memory(cluster: &Cluster) -> String {
    let needle = cluster.dir().to_string_lossy().into_owned();
    let mut resident_kb = 0u64;
    let mut nodes = 0;
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        if !contains(&cmdline, &needle) || !String::from_utf8_lossy(&cmdline).starts_with("/usr/sbin/mariadbd") {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let rss = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().strip_suffix(" kB"));
        resident_kb += rss.and_then(|kb| kb.trim().parse::<u64>().ok()).unwrap_or(0);
        nodes += 1;
    }
    let files = Command::new("du").args(["-sk"]).arg(cluster.dir()).output().ok();
    let files_kb =
        files.and_then(|o| String::from_utf8_lossy(&o.stdout).split_whitespace().next()?.parse::<u64>().ok());
    format!("{nodes} nodes, {} MB resident, {} MB of files", resident_kb / 1024, files_kb.unwrap_or(0) / 1024)
}
