//! TLS as the `mysql` client's `--ssl-mode` says, through rustls (ring).
//!
//! - `DISABLED`: never encrypted.
//! - `PREFERRED` (the default, as for the `mysql` client): encrypted when the
//!   server offers TLS, else plain; the certificate is not checked (unless
//!   `ssl-ca` is given). When the server offers no TLS, the connection is
//!   made again without it, once per driver: the driver remembers.
//! - `REQUIRED`: encrypted, or no connection; the certificate is checked
//!   only when `ssl-ca` is given.
//! - `VERIFY_CA`: encrypted, the certificate signed by a trusted root
//!   (`ssl-ca`, and the Mozilla roots the client carries).
//! - `VERIFY_IDENTITY`: `VERIFY_CA`, and the certificate names the host.
//!
//! A Unix socket is never encrypted (the client does not, and needs not).

use std::path::Path;

use mysql::SslOpts;

use super::config::MyConfig;
use crate::error::{Error, Result};

/// How the connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disabled,
    Preferred,
    Required,
    VerifyCa,
    VerifyIdentity,
}

impl TlsMode {
    /// `ssl-mode`'s value, in any case.
    pub fn parse(value: &str) -> std::result::Result<Self, String> {
        Ok(match value.to_ascii_uppercase().as_str() {
            "DISABLED" => TlsMode::Disabled,
            "PREFERRED" => TlsMode::Preferred,
            "REQUIRED" => TlsMode::Required,
            "VERIFY_CA" => TlsMode::VerifyCa,
            "VERIFY_IDENTITY" => TlsMode::VerifyIdentity,
            _ => {
                return Err(format!(
                    "ssl-mode `{value}` is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
                ))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Disabled => "DISABLED",
            TlsMode::Preferred => "PREFERRED",
            TlsMode::Required => "REQUIRED",
            TlsMode::VerifyCa => "VERIFY_CA",
            TlsMode::VerifyIdentity => "VERIFY_IDENTITY",
        }
    }
}

/// The client's TLS options for `config`, `None` for a plain connection.
/// An `ssl-ca` file that cannot be read is a configuration error, named.
pub fn ssl_opts(config: &MyConfig) -> Result<Option<SslOpts>> {
    if let Some(ca) = &config.ca {
        check_readable(ca)?;
    }
    let opts = SslOpts::default().with_root_cert_path(config.ca.clone());
    let checked = config.ca.is_some();
    Ok(match config.tls {
        TlsMode::Disabled => None,
        TlsMode::Preferred | TlsMode::Required if !checked => {
            Some(opts.with_danger_accept_invalid_certs(true).with_danger_skip_domain_validation(true))
        }
        TlsMode::Preferred | TlsMode::Required | TlsMode::VerifyCa => {
            Some(opts.with_danger_skip_domain_validation(true))
        }
        TlsMode::VerifyIdentity => Some(opts),
    })
}

fn check_readable(path: &Path) -> Result<()> {
    match std::fs::File::open(path) {
        Ok(_) => Ok(()),
        Err(error) => Err(Error::Config(format!(
            "cannot read the ssl-ca file {}: {error}; ssl-ca names a PEM file of root certificates",
            path.display()
        ))),
    }
}

/// Whether `error` is the client's "the server offers no TLS".
pub fn not_offered(error: &mysql::Error) -> bool {
    matches!(error, mysql::Error::DriverError(mysql::DriverError::TlsNotSupported))
}

/// What to do about a failed connection, when TLS may be the cause.
pub fn advice(config: &MyConfig, error: &mysql::Error) -> Option<String> {
    if not_offered(error) {
        return Some(format!(
            "the server offers no TLS, and ssl-mode={} requires it: enable TLS on the server, \
             or connect with ?ssl-mode=PREFERRED (or DISABLED) where an unencrypted connection is acceptable",
            config.tls.as_str()
        ));
    }
    let text = error.to_string();
    if !(matches!(error, mysql::Error::TlsError(_)) || text.contains("certificate")) {
        return None;
    }
    Some(match config.tls {
        TlsMode::VerifyIdentity if text.contains("not valid for name") || text.contains("NotValidForName") => format!(
            "the server's certificate does not name the host {}: connect by the name it holds, \
             or use ssl-mode=VERIFY_CA to check only who signed it",
            config.host
        ),
        _ => "the server's certificate is not signed by a trusted root: give the CA's certificate with \
              ?ssl-ca=/path/to/ca.pem"
            .to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(query: &str) -> MyConfig {
        super::super::config::parse(&format!("mysql://u@h/app?{query}"), None).unwrap()
    }

    #[test]
    fn each_mode_checks_what_it_says() {
        assert_eq!(ssl_opts(&config("ssl-mode=DISABLED")).unwrap(), None);
        for query in ["ssl-mode=PREFERRED", "ssl-mode=REQUIRED"] {
            let opts = ssl_opts(&config(query)).unwrap().unwrap();
            assert!(opts.accept_invalid_certs() && opts.skip_domain_validation(), "{query}");
        }
        let ca = ssl_opts(&config("ssl-mode=VERIFY_CA&ssl-ca=/dev/null")).unwrap().unwrap();
        assert!(!ca.accept_invalid_certs() && ca.skip_domain_validation());
        assert_eq!(ca.root_cert_path(), Some(Path::new("/dev/null")));
        let full = ssl_opts(&config("ssl-mode=VERIFY_IDENTITY")).unwrap().unwrap();
        assert!(!full.accept_invalid_certs() && !full.skip_domain_validation());
        let required_with_ca = ssl_opts(&config("ssl-mode=REQUIRED&ssl-ca=/dev/null")).unwrap().unwrap();
        assert!(!required_with_ca.accept_invalid_certs(), "a CA given is a CA checked");
    }

    #[test]
    fn an_unreadable_ca_file_is_named() {
        let error = ssl_opts(&config("ssl-ca=/nonexistent/ca.pem")).unwrap_err().to_string();
        assert!(error.starts_with("cannot read the ssl-ca file /nonexistent/ca.pem: "), "{error}");
    }
}
