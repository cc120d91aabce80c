//! The Galera cluster helper both crates' cluster tests use
//! (`common/galera.rs`, over `scripts/galera.sh`): the rule of
//! `STRATA_TEST_GALERA` (the cluster itself is exercised by
//! `crates/strata/tests/galera_lease.rs`, which starts one).

#[macro_use]
#[path = "common/galera.rs"]
mod galera;

use std::ffi::OsString;

use galera::{setting, Cluster, Skipped, ENV};

#[test]
fn unset_or_zero_skips_and_one_runs() {
    assert_eq!(setting(None), Ok(false));
    assert_eq!(setting(Some(OsString::from("0"))), Ok(false));
    assert_eq!(setting(Some(OsString::from("1"))), Ok(true));
}

#[test]
fn any_other_value_fails_rather_than_skips() {
    for value in ["", "yes", "true", " 1"] {
        let message = setting(Some(OsString::from(value))).unwrap_err();
        assert!(message.starts_with(&format!("{ENV} must be 1 (run the Galera cluster tests) or 0")), "{message}");
    }
}

#[test]
fn without_the_variable_no_cluster_starts() {
    if std::env::var_os(ENV).is_some() {
        return;
    }
    assert!(matches!(Cluster::start(), Err(Skipped)));
    assert!(galera!().is_none());
}
