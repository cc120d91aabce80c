//! How fast each dialect splits a big script: a bench note, not a test.
//!
//! ```sh
//! cargo run --release -p strata --example split_speed [MEGABYTES]   # default 10
//! ```
//!
//! Builds scripts of MEGABYTES and of twice that: one-line `INSERT`s (seed
//! data), and PL/pgSQL functions whose `$$` bodies hold `;`. Splits each with
//! SQLite's and PostgreSQL's dialects, best of 3, and prints the time, the
//! throughput and the ratio between the two sizes (about 2 when splitting is
//! linear in the script's size).

use std::fmt::Write;
use std::time::{Duration, Instant};

use strata::dialect::{Dialect, POSTGRES, SQLITE};

fn main() {
    let megabytes: usize = std::env::args().nth(1).map_or(10, |arg| arg.parse().expect("MEGABYTES is a whole number"));
    for (kind, build) in [("INSERTs", inserts as Build), ("$$ functions", functions)] {
        let (small, large) = (build(megabytes * 1_000_000), build(2 * megabytes * 1_000_000));
        for dialect in [&SQLITE as &dyn Dialect, &POSTGRES] {
            let (count, once) = best_of_3(dialect, &small);
            let (_, twice) = best_of_3(dialect, &large);
            println!(
                "{:<10} {kind:<12} {count:>7} statements, {:.1} MB: {:>6.1} ms ({:.0} MB/s); twice the size: {:.2}x the time",
                dialect.name(),
                small.len() as f64 / 1e6,
                once.as_secs_f64() * 1e3,
                small.len() as f64 / 1e6 / once.as_secs_f64(),
                twice.as_secs_f64() / once.as_secs_f64(),
            );
        }
    }
}

/// Builds a script of about that many bytes.
type Build = fn(usize) -> String;

/// The statements in `script` and the shortest of three splits.
fn best_of_3(dialect: &dyn Dialect, script: &str) -> (usize, Duration) {
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..3 {
        let start = Instant::now();
        count = 0;
        for statement in dialect.statements(script) {
            std::hint::black_box(statement.line);
            count += 1;
        }
        best = best.min(start.elapsed());
    }
    (count, best)
}

fn inserts(bytes: usize) -> String {
    let mut script = String::with_capacity(bytes + 100);
    for i in 1.. {
        if script.len() >= bytes {
            break;
        }
        let _ = writeln!(script, "INSERT INTO seed (id, name, value) VALUES ({i}, 'name {i}', {});", i * 7);
    }
    script
}

fn functions(bytes: usize) -> String {
    let mut script = String::with_capacity(bytes + 200);
    for i in 1.. {
        if script.len() >= bytes {
            break;
        }
        let _ = writeln!(
            script,
            "CREATE FUNCTION f{i}() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 'x; {i}';\n  RETURN {i};\nEND;\n$$;"
        );
    }
    script
}
