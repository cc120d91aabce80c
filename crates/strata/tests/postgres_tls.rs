//! TLS as `sslmode` says, against a throw-away server (the primary of
//! `pg_standby!()`, given a certificate from a test CA) and one without TLS
//! (its standby). One test, so that the servers start once.

#[macro_use]
#[path = "../../strata-cli/tests/common/postgres.rs"]
mod postgres;
#[path = "support/test_ca.rs"]
mod test_ca;

use std::time::{Duration, Instant};

use strata::history::Cell;
use strata::DatabaseUrl;

use test_ca::TestCa;

/// Whether a connection opened by Strata to `url` is encrypted, or why it failed.
fn encrypted(url: &str) -> Result<bool, String> {
    let mut db = strata::open(&DatabaseUrl::parse(url).unwrap()).map_err(|e| e.to_string())?;
    let rows = db.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).unwrap();
    Ok(rows[0][0] == Cell::Integer(1))
}

/// The port in `postgres://postgres@127.0.0.1:PORT/postgres`.
fn port(url: &str) -> u16 {
    let rest = url.strip_prefix("postgres://postgres@127.0.0.1:").unwrap();
    rest.split('/').next().unwrap().parse().unwrap()
}

/// Turns TLS on for the server at `url` (without a restart) and waits until it offers it.
fn turn_tls_on(url: &str, certs: &TestCa, client: &mut ::postgres::Client) {
    let set = |name: &str, value: &std::path::Path| format!("ALTER SYSTEM SET {name} = '{}'", value.display());
    // One statement at a time: ALTER SYSTEM cannot run in a transaction, nor in a multi-statement batch.
    for sql in [set("ssl_cert_file", &certs.server_cert), set("ssl_key_file", &certs.server_key)] {
        client.batch_execute(&sql).unwrap();
    }
    client.batch_execute("ALTER SYSTEM SET ssl = on").unwrap();
    client.batch_execute("SELECT pg_reload_conf()").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while encrypted(&format!("{url}?sslmode=require")).is_err() {
        assert!(Instant::now() < deadline, "the server did not offer TLS within 5 s of the reload");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn certificates_are_checked_as_sslmode_says_and_require_fails_without_tls() {
    let Some(pair) = pg_standby!() else { return };
    let certs = TestCa::make(pair.dir());
    turn_tls_on(pair.primary_url(), &certs, &mut pair.primary());
    let port = port(pair.primary_url());
    let at = |host: &str, query: &str| format!("postgres://postgres@{host}:{port}/postgres?{query}");
    let ca = certs.ca.display().to_string();
    let other = certs.other_ca.display().to_string();

    // Encrypted or not, as each mode says; the certificate checked only against a root given.
    assert_eq!(encrypted(&at("127.0.0.1", "sslmode=require")), Ok(true), "require: encrypted, nothing checked");
    assert_eq!(encrypted(&at("127.0.0.1", "sslmode=prefer")), Ok(true));
    assert_eq!(encrypted(&at("127.0.0.1", "sslmode=disable")), Ok(false));
    assert_eq!(encrypted(&at("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}"))), Ok(true));
    assert_eq!(encrypted(&at("localhost", &format!("sslmode=verify-full&sslrootcert={ca}"))), Ok(true));

    // A host name the certificate does not hold: verify-ca does not look, verify-full refuses.
    let misnamed = |mode: &str| at("wrong.invalid", &format!("hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={ca}"));
    assert_eq!(encrypted(&misnamed("verify-ca")), Ok(true));
    let names = "sslmode=verify-full checks that the server's certificate names the host connected to: use a name \
                 the certificate holds, or sslmode=verify-ca to check the signature only";
    for url in [misnamed("verify-full"), at("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}"))] {
        let error = encrypted(&url).unwrap_err();
        assert!(error.contains("invalid peer certificate: certificate not valid for name"), "{error}");
        assert!(error.ends_with(names), "{error}");
    }

    // Another CA's root: both verify modes refuse, and so does require with a root given (as libpq).
    for mode in ["verify-ca", "verify-full", "require"] {
        let error = encrypted(&at("localhost", &format!("sslmode={mode}&sslrootcert={other}"))).unwrap_err();
        assert!(
            error.ends_with(&format!(
                "no root certificate trusted here signed the server's certificate (sslmode={mode} checks it \
                 against the root certificates in {other}): set sslrootcert=FILE to the certificate of the CA that \
                 signed it"
            )),
            "{error}"
        );
    }
    // No root given: the system's roots do not hold the test CA.
    let error = encrypted(&at("localhost", "sslmode=verify-full")).unwrap_err();
    assert!(error.contains("(sslmode=verify-full checks it against the system's root certificates)"), "{error}");

    // A server without TLS (the standby): require fails saying so; prefer and disable connect in plain.
    let plain = |mode: &str| format!("{}?sslmode={mode}", pair.standby_url());
    let error = encrypted(&plain("require")).unwrap_err();
    assert!(
        error.starts_with(
            "database error: cannot connect: error performing TLS handshake: server does not support TLS; \
             the database is postgres://"
        ),
        "{error}"
    );
    assert!(
        error.ends_with(
            "; the server does not offer TLS and sslmode=require demands it: turn `ssl` on in the server's \
             settings, or use sslmode=prefer (encrypted when offered) or sslmode=disable"
        ),
        "{error}"
    );
    assert_eq!(encrypted(&plain("prefer")), Ok(false));
    assert_eq!(encrypted(&plain("disable")), Ok(false));
}
