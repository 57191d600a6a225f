//! The emulator's HTTPS identity: a certificate authority made at run time, a certificate it
//! issues for `127.0.0.1` and `localhost`, the rustls server settings that present it, and the
//! CA's PEM on disk for functions to trust.
//!
//! Why: a deployed bridge opens a TLS connection to AgentCore (its warm-up does so during init),
//! and a local run over plain HTTP measures none of that cost. A fresh CA per run keeps the
//! emulator offline and self-contained: nothing is installed in the machine's trust store, and a
//! client trusts the emulator only when it is given this CA (`SSL_CERT_FILE` for the bridge's
//! rustls-native-certs, `AWS_CA_BUNDLE` for boto3, [`LocalTls::trusting_http_client`] in-process).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the server certificate is valid for: what a client on this machine dials.
const SERVER_NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// Why the emulator's HTTPS identity could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// rcgen could not generate a key or sign a certificate.
    #[error("cannot generate the local CA or server certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the settings or the generated key.
    #[error("cannot build the TLS server settings: {0}")]
    Rustls(#[from] rustls::Error),
    /// The CA's PEM could not be written where functions read it.
    #[error("cannot write the CA certificate to {path}: {source}")]
    WriteCa {
        /// Where it was to be written.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The SDK's HTTP client refused the trust settings.
    #[error("cannot build an SDK HTTP client trusting the local CA: {0}")]
    Client(#[from] aws_smithy_http_client::HttpClientError),
}

/// A run's CA and the server certificate it issued, ready to serve (see
/// [`crate::LocalAgentCore::with_tls`]).
#[derive(Debug)]
pub struct LocalTls {
    ca_pem: String,
    ca_file: PathBuf,
    /// A file this value created in the temporary directory is removed with it; a path the
    /// caller chose is left in place.
    remove_ca_file: bool,
    server_config: Arc<ServerConfig>,
}

impl LocalTls {
    /// A new CA and server certificate, the CA's PEM written to a fresh file in the temporary
    /// directory that is removed when this value is dropped.
    pub fn generate() -> Result<Self, TlsError> {
        let path = std::env::temp_dir().join(format!(
            "local-agentcore-ca-{}.pem",
            uuid::Uuid::new_v4().simple()
        ));
        let mut tls = Self::generate_with_ca_file(path)?;
        tls.remove_ca_file = true;
        Ok(tls)
    }

    /// A new CA and server certificate, the CA's PEM written to `path` (kept after the run, so
    /// that a process started by hand can be pointed at it).
    pub fn generate_with_ca_file(path: impl Into<PathBuf>) -> Result<Self, TlsError> {
        let path = path.into();
        let (ca_pem, server_config) = issue()?;
        std::fs::write(&path, &ca_pem).map_err(|source| TlsError::WriteCa {
            path: path.clone(),
            source,
        })?;
        Ok(LocalTls {
            ca_pem,
            ca_file: path,
            remove_ca_file: false,
            server_config: Arc::new(server_config),
        })
    }

    /// The CA certificate, PEM: what a client must trust to reach the emulator.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The file holding [`LocalTls::ca_pem`] (for `SSL_CERT_FILE` and `AWS_CA_BUNDLE`).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// An SDK HTTP client (rustls on AWS-LC, as the SDK's default) that trusts this CA and
    /// nothing else: the platform's roots and `SSL_CERT_FILE` are ignored, so an in-process
    /// client needs no change to the process's environment and cannot reach another server by
    /// accident.
    pub fn trusting_http_client(&self) -> Result<SharedHttpClient, TlsError> {
        let trust = TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(self.ca_pem.as_bytes());
        let context = TlsContext::builder().with_trust_store(trust).build()?;
        Ok(aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context)
            .build_https())
    }

    /// The rustls settings the listener hands each connection.
    pub(crate) fn server_config(&self) -> Arc<ServerConfig> {
        self.server_config.clone()
    }
}

impl Drop for LocalTls {
    fn drop(&mut self) {
        if self.remove_ca_file {
            let _ = std::fs::remove_file(&self.ca_file);
        }
    }
}

/// Makes the CA and the server certificate; returns the CA's PEM and the server settings.
fn issue() -> Result<(String, ServerConfig), TlsError> {
    // The CA: basic constraints, key usages and a subject key identifier as OpenSSL's strict
    // chain checks (Python's ssl, under boto3) and webpki (the bridge) both expect of a root.
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // A name of its own per run: a client holding another run's CA then finds no issuer at all
    // (`UnknownIssuer`) instead of a namesake whose signature does not match.
    ca_params.distinguished_name.push(
        DnType::CommonName,
        format!("local-agentcore CA {}", uuid::Uuid::new_v4().simple()),
    );
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca = Issuer::new(ca_params, ca_key);

    let mut server_params = CertificateParams::new(SERVER_NAMES.map(str::to_owned).to_vec())?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "local-agentcore");
    server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.use_authority_key_identifier_extension = true;
    let server_key = KeyPair::generate()?;
    let server_cert = server_params.signed_by(&server_key, &ca)?;

    // The provider is named rather than taken from a process default: whichever other crate
    // installed one (or none) must not change what the emulator speaks.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )?;
    // The emulator's HTTP server speaks HTTP/1.1 only (axum's `http1` feature); advertising it
    // alone makes a client that offers h2 too (the SDK's) settle on HTTP/1.1 during the handshake.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((ca_cert.pem(), config))
}
