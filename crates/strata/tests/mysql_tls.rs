//! TLS as `ssl-mode` says, against a throw-away MariaDB server given a
//! certificate from a test CA (`scripts/mariadb-tls.sh`), for the DNS name
//! `localhost` only. One test, so that the server starts once. It runs when
//! `STRATA_TEST_MYSQL_URL` is set (the machine has MariaDB), and never
//! touches that server.

#[path = "support/test_ca.rs"]
mod test_ca;

use std::path::Path;
use std::process::{Command, Output};

use strata::history::Cell;
use strata::DatabaseUrl;
use test_ca::TestCa;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/mariadb-tls.sh");

/// The throw-away server, stopped and removed when dropped.
struct Server {
    dir: tempfile::TempDir,
    port: u16,
}

impl Server {
    fn start(certs: &TestCa) -> Server {
        for _ in 0..3 {
            let dir = tempfile::Builder::new().prefix("strata-mariadb-tls-").tempdir().unwrap();
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let server = Server { dir, port };
            let output = script(&[
                "start",
                path(&server.dir.path().join("server")),
                &port.to_string(),
                path(&certs.server_cert),
                path(&certs.server_key),
            ]);
            if output.status.success() {
                return server;
            }
            if !text(&output).contains("in use") {
                panic!("scripts/mariadb-tls.sh start failed ({}):\n{}", output.status, text(&output));
            }
        }
        panic!("scripts/mariadb-tls.sh found its port taken three times");
    }

    /// The URL of database `strata` on `host` with `query`.
    fn url(&self, host: &str, query: &str) -> String {
        format!("mysql://root@{host}:{}/strata?{query}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let output = script(&["stop", path(&self.dir.path().join("server"))]);
        if !output.status.success() && !std::thread::panicking() {
            panic!("scripts/mariadb-tls.sh stop failed: {}", text(&output));
        }
    }
}

fn script(args: &[&str]) -> Output {
    Command::new("bash").arg(SCRIPT).args(args).output().unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"))
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Whether a connection Strata opens to `url` is encrypted, or why it failed.
fn encrypted(url: &str) -> Result<bool, String> {
    let mut db = strata::open(&DatabaseUrl::parse(url).unwrap()).map_err(|e| e.to_string())?;
    let rows = db.query("SHOW SESSION STATUS LIKE 'Ssl_version'", &[]).unwrap();
    Ok(!matches!(&rows[0][1], Cell::Text(version) if version.is_empty()))
}

#[test]
fn certificates_are_checked_as_ssl_mode_says() {
    if std::env::var_os("STRATA_TEST_MYSQL_URL").is_none() {
        println!("skipped: STRATA_TEST_MYSQL_URL is not set");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let certs = TestCa::make(dir.path());
    let server = Server::start(&certs);
    let ca = format!("ssl-ca={}", certs.ca.display());
    let other = format!("ssl-ca={}", certs.other_ca.display());
    for (host, query) in [
        ("127.0.0.1", String::new()),
        ("127.0.0.1", "ssl-mode=REQUIRED".to_owned()),
        ("127.0.0.1", format!("ssl-mode=VERIFY_CA&{ca}")),
        ("127.0.0.1", ca.clone()),
        ("localhost", format!("ssl-mode=VERIFY_IDENTITY&{ca}")),
    ] {
        assert_eq!(encrypted(&server.url(host, &query)), Ok(true), "{host} {query}");
    }
    assert_eq!(encrypted(&server.url("127.0.0.1", "ssl-mode=DISABLED")), Ok(false));

    let unsigned = "; the server's certificate is not signed by a trusted root: give the CA's certificate with \
                    ?ssl-ca=/path/to/ca.pem";
    for query in [
        "ssl-mode=VERIFY_CA".to_owned(),
        format!("ssl-mode=VERIFY_CA&{other}"),
        format!("ssl-mode=REQUIRED&{other}"),
        format!("ssl-mode=VERIFY_IDENTITY&{other}"),
    ] {
        let error = encrypted(&server.url("localhost", &query)).unwrap_err();
        assert!(error.starts_with("database error: cannot connect: "), "{query}: {error}");
        assert!(error.ends_with(unsigned), "{query}: {error}");
    }
    let error = encrypted(&server.url("127.0.0.1", &format!("ssl-mode=VERIFY_IDENTITY&{ca}"))).unwrap_err();
    assert!(
        error.ends_with(
            "; the server's certificate does not name the host 127.0.0.1: connect by the name it holds, \
             or use ssl-mode=VERIFY_CA to check only who signed it"
        ),
        "{error}"
    );
}
