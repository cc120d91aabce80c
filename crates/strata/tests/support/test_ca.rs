//! Certificates for TLS tests, made with the `openssl` command: a test CA,
//! a server certificate it signed (for the DNS name `localhost` only), and
//! a second CA that signed nothing the server uses.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files, in the folder given to [`TestCa::make`].
pub struct TestCa {
    /// The CA that signed the server's certificate.
    pub ca: PathBuf,
    /// A CA that signed nothing the server uses.
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    /// The server's key, readable by its owner only (as PostgreSQL demands).
    pub server_key: PathBuf,
}

impl TestCa {
    /// Makes the files in `dir`; the server's key is given to user
    /// `postgres` when this process is root (the server runs as `postgres`).
    pub fn make(dir: &Path) -> TestCa {
        let file = |name: &str| dir.join(name);
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        for name in ["ca", "other_ca"] {
            let subject = format!("/CN=strata test {name}");
            let mut args = vec!["req", "-x509", "-days", "2", "-subj", &subject];
            args.extend(ec);
            args.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]);
            openssl(&args, &[("-keyout", &file(&format!("{name}.key"))), ("-out", &file(&format!("{name}.crt")))]);
        }
        let ext = file("server.ext");
        let extensions = "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
                          keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n";
        std::fs::write(&ext, extensions).unwrap();
        let mut args = vec!["req", "-subj", "/CN=localhost"];
        args.extend(ec);
        openssl(&args, &[("-keyout", &file("server.key")), ("-out", &file("server.csr"))]);
        openssl(
            &["x509", "-req", "-days", "2", "-CAcreateserial"],
            &[
                ("-in", &file("server.csr")),
                ("-CA", &file("ca.crt")),
                ("-CAkey", &file("ca.key")),
                ("-out", &file("server.crt")),
                ("-extfile", &ext),
            ],
        );
        let key = file("server.key");
        run(Command::new("chmod").arg("600").arg(&key));
        if is_root() {
            run(Command::new("chown").arg("postgres").arg(&key));
        }
        TestCa { ca: file("ca.crt"), other_ca: file("other_ca.crt"), server_cert: file("server.crt"), server_key: key }
    }
}

fn openssl(args: &[&str], paths: &[(&str, &Path)]) {
    let mut command = Command::new("openssl");
    command.args(args);
    for (flag, path) in paths {
        command.arg(flag).arg(path);
    }
    run(&mut command);
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e} (the TLS tests need openssl)"));
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|output| output.stdout == b"0\n")
}
