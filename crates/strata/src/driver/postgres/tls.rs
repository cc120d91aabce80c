//! TLS through rustls (with the `ring` provider: no OpenSSL, no cmake), with
//! libpq's meaning of each `sslmode`: `require` encrypts without checking the
//! certificate unless a root certificate is given, `verify-ca` checks that a
//! trusted root signed it, `verify-full` also that it names the host.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::config::{PgConfig, TlsMode};
use crate::error::{Error, Result};

/// The TLS connector for `config`.
pub fn connector(config: &PgConfig) -> Result<MakeRustlsConnect> {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| Error::Config(format!("TLS: {error}")))?;
    let root_file = config.root_cert.clone().or_else(default_root_file);
    let verifier: Arc<dyn ServerCertVerifier> = match (config.tls, &root_file) {
        (TlsMode::Disable | TlsMode::Prefer, None) | (TlsMode::Require, None) => {
            Arc::new(Unverified { provider: provider.clone() })
        }
        (TlsMode::Disable | TlsMode::Prefer | TlsMode::Require | TlsMode::VerifyCa, _) => {
            Arc::new(AnyName { inner: webpki(roots(root_file.as_deref())?, &provider)? })
        }
        (TlsMode::VerifyFull, _) => webpki(roots(root_file.as_deref())?, &provider)?,
    };
    let tls = builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth();
    Ok(MakeRustlsConnect::new(tls))
}

/// What to do about a connection that failed on TLS, when the failure says:
/// a certificate no trusted root signed, one that does not name the host, or
/// a server without TLS when `sslmode` demands it.
pub fn advice(config: &PgConfig, error: &postgres::Error) -> Option<String> {
    let mode = match config.tls {
        TlsMode::Disable | TlsMode::Prefer => "prefer",
        TlsMode::Require => "require",
        TlsMode::VerifyCa => "verify-ca",
        TlsMode::VerifyFull => "verify-full",
    };
    match certificate_error(error) {
        Some(CertificateError::UnknownIssuer) => {
            let roots = match config.root_cert.clone().or_else(default_root_file) {
                Some(file) => format!("the root certificates in {}", file.display()),
                None => "the system's root certificates".to_owned(),
            };
            return Some(format!(
                "no root certificate trusted here signed the server's certificate (sslmode={mode} checks it against \
                 {roots}): set sslrootcert=FILE to the certificate of the CA that signed it"
            ));
        }
        Some(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }) => {
            return Some(
                "sslmode=verify-full checks that the server's certificate names the host connected to: use a name \
                 the certificate holds, or sslmode=verify-ca to check the signature only"
                    .to_owned(),
            );
        }
        _ => {}
    }
    let no_tls = std::iter::successors(std::error::Error::source(error), |cause| cause.source())
        .any(|cause| cause.to_string().contains("server does not support TLS"));
    (no_tls && config.tls != TlsMode::Prefer).then(|| {
        format!(
            "the server does not offer TLS and sslmode={mode} demands it: turn `ssl` on in the server's settings, \
             or use sslmode=prefer (encrypted when offered) or sslmode=disable"
        )
    })
}

/// The certificate check that failed the handshake, found in `error`'s causes.
fn certificate_error(error: &postgres::Error) -> Option<CertificateError> {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        let rustls_error = current.downcast_ref::<rustls::Error>().or_else(|| {
            let io = current.downcast_ref::<std::io::Error>()?;
            io.get_ref()?.downcast_ref::<rustls::Error>()
        });
        if let Some(rustls::Error::InvalidCertificate(certificate)) = rustls_error {
            return Some(certificate.clone());
        }
        cause = current.source();
    }
    None
}

/// `~/.postgresql/root.crt`, where libpq looks, when it exists.
fn default_root_file() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os("HOME")?).join(".postgresql/root.crt");
    path.is_file().then_some(path)
}

/// The roots in `file` (PEM), else the platform's.
fn roots(file: Option<&Path>) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    let certificates: Vec<CertificateDer<'static>> = match file {
        Some(path) => CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<std::result::Result<_, _>>())
            .map_err(|error| Error::Config(format!("sslrootcert {}: {error}", path.display())))?,
        None => rustls_native_certs::load_native_certs().certs,
    };
    let (added, _) = store.add_parsable_certificates(certificates);
    if added == 0 {
        let from = file.map_or("the system's certificate store".to_owned(), |path| path.display().to_string());
        return Err(Error::Config(format!(
            "no root certificate found in {from} to verify the server with; set sslrootcert=FILE"
        )));
    }
    Ok(store)
}

fn webpki(roots: RootCertStore, provider: &Arc<CryptoProvider>) -> Result<Arc<WebPkiServerVerifier>> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|error| Error::Config(format!("TLS: {error}")))
}

/// `sslmode=require` without a root certificate: encrypted, certificate not checked (as libpq).
#[derive(Debug)]
struct Unverified {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the name is not checked.
#[derive(Debug)]
struct AnyName {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
