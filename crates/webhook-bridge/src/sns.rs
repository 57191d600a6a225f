//! CloudWatch alarms arrive as SNS HTTP/S deliveries, which carry no API key and no shared
//! secret: SNS signs each message with AWS's key. Checked here, before anything is parsed as a
//! ticket:
//! 1. the topic is one this deployment lists (`CLOUDWATCH_TOPIC_ARNS`): anyone can create a
//!    topic and subscribe the bridge to it, and SNS would sign their messages too;
//! 2. the signing certificate's URL is SNS's own (`ticket_prompt::sns`), and the certificate is
//!    fetched from there once and cached;
//! 3. the RSA signature (SHA1 for `SignatureVersion` 1, SHA256 for 2) over SNS's string to sign.
//!
//! A subscription confirmation that passes these is confirmed by visiting its `SubscribeURL`
//! (again only an SNS URL). In local runs `ENDPOINT_URLS`' `sns=` sends both requests to a
//! stand-in, keeping the path and query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use reqwest::Url;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{AlgorithmIdentifier, CertificateDer, InvalidSignature};
use rustls_pki_types::{SignatureVerificationAlgorithm, alg_id};
use ticket_prompt::sns::{SnsDigest, SnsEnvelope};

use crate::error::BridgeError;

/// How long one request to SNS may take (SNS itself waits 15 s for the bridge's answer).
const SNS_TIMEOUT: Duration = Duration::from_secs(5);
/// Certificates kept: SNS signs with a handful per region.
const CACHED_CERTIFICATES: usize = 32;

/// Checks SNS deliveries and confirms subscriptions.
pub struct SnsVerifier {
    topics: Vec<String>,
    http: reqwest::Client,
    /// `ENDPOINT_URLS`' `sns=`: the stand-in SNS host of local runs.
    local_base: Option<Url>,
    certificates: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl SnsVerifier {
    /// A verifier accepting messages from `topics`.
    pub fn new(topics: Vec<String>, local_base: Option<&str>) -> Self {
        SnsVerifier {
            topics,
            http: reqwest::Client::builder()
                .timeout(SNS_TIMEOUT)
                // SNS's URLs never redirect; a redirect would leave the checked host.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            local_base: local_base.and_then(|u| Url::parse(u).ok()),
            certificates: Mutex::new(HashMap::new()),
        }
    }

    /// The envelope of a delivery whose topic is listed and whose SNS signature verifies.
    pub async fn verify(&self, body: &[u8]) -> Result<SnsEnvelope, BridgeError> {
        let envelope = SnsEnvelope::parse(body).map_err(|_| refused("not an SNS message"))?;
        if !self.topics.iter().any(|t| t == &envelope.topic_arn) {
            return Err(refused("the topic is not one this deployment accepts"));
        }
        let digest = envelope
            .digest()
            .map_err(|_| refused("unsupported SignatureVersion"))?;
        let url = envelope
            .signing_cert_url()
            .map_err(|_| refused("SigningCertURL is not an SNS certificate URL"))?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(envelope.signature())
            .map_err(|_| refused("Signature is not base64"))?;
        let pem = self.certificate(&url).await?;
        verify_rsa(
            &pem,
            digest,
            envelope.string_to_sign().as_bytes(),
            &signature,
        )?;
        Ok(envelope)
    }

    /// Confirms the subscription `envelope` asks for (a verified `SubscriptionConfirmation`).
    pub async fn confirm(&self, envelope: &SnsEnvelope) -> Result<(), BridgeError> {
        let url = envelope
            .subscribe_url()
            .map_err(|_| refused("SubscribeURL is not SNS's ConfirmSubscription"))?;
        let resp = self
            .http
            .get(self.reach(&url))
            .send()
            .await
            .map_err(|e| unavailable("subscription confirmation", e))?;
        if resp.status().is_success() {
            tracing::info!(topic = envelope.topic_arn, "SNS subscription confirmed");
            Ok(())
        } else {
            tracing::warn!(
                status = resp.status().as_u16(),
                "SNS refused the confirmation"
            );
            Err(BridgeError::SnsUnavailable)
        }
    }

    /// The certificate at `url` (PEM), from the cache or fetched.
    async fn certificate(&self, url: &Url) -> Result<Arc<Vec<u8>>, BridgeError> {
        let key = url.as_str().to_owned();
        if let Some(pem) = self.lock().get(&key) {
            return Ok(pem.clone());
        }
        let resp = self
            .http
            .get(self.reach(url))
            .send()
            .await
            .map_err(|e| unavailable("signing certificate", e))?;
        if !resp.status().is_success() {
            tracing::warn!(
                status = resp.status().as_u16(),
                "SNS signing certificate refused"
            );
            return Err(BridgeError::SnsUnavailable);
        }
        let pem = Arc::new(
            resp.bytes()
                .await
                .map_err(|e| unavailable("signing certificate", e))?
                .to_vec(),
        );
        let mut cache = self.lock();
        if cache.len() >= CACHED_CERTIFICATES {
            cache.clear();
        }
        cache.insert(key, pem.clone());
        Ok(pem)
    }

    /// `url` itself, or in local runs the same path and query on the stand-in.
    fn reach(&self, url: &Url) -> Url {
        match &self.local_base {
            Some(base) => {
                let mut local = base.clone();
                local.set_path(url.path());
                local.set_query(url.query());
                local
            }
            None => url.clone(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Vec<u8>>>> {
        self.certificates
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn refused(why: &'static str) -> BridgeError {
    BridgeError::SnsRefused(why)
}

fn unavailable(what: &str, e: reqwest::Error) -> BridgeError {
    tracing::warn!(what, error = %e.without_url(), "SNS unreachable");
    BridgeError::SnsUnavailable
}

/// The RSA PKCS#1 v1.5 check of `signature` over `message` with the certificate's key.
fn verify_rsa(
    pem: &[u8],
    digest: SnsDigest,
    message: &[u8],
    signature: &[u8],
) -> Result<(), BridgeError> {
    let der = CertificateDer::from_pem_slice(pem)
        .map_err(|_| refused("the signing certificate is not a PEM certificate"))?;
    let cert = webpki::EndEntityCert::try_from(&der)
        .map_err(|_| refused("the signing certificate does not parse"))?;
    let algorithm = RsaPkcs1(digest);
    cert.verify_signature(&algorithm, message, signature)
        .map_err(|_| refused("the SNS signature does not verify"))
}

/// RSA PKCS#1 v1.5 with SNS's digest, as webpki verifies with. webpki ships SHA256 but not
/// SHA1, which SNS still uses by default (`SignatureVersion` 1); aws-lc-rs has both.
#[derive(Debug)]
struct RsaPkcs1(SnsDigest);

/// `sha1WithRSAEncryption` (1.2.840.113549.1.1.5) with NULL parameters, DER without the outer
/// sequence, as `AlgorithmIdentifier` holds it.
const RSA_PKCS1_SHA1: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
]);

impl SignatureVerificationAlgorithm for RsaPkcs1 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use aws_lc_rs::signature::{
            RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256,
            UnparsedPublicKey,
        };
        let params = match self.0 {
            SnsDigest::Sha1 => &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            SnsDigest::Sha256 => &RSA_PKCS1_2048_8192_SHA256,
        };
        UnparsedPublicKey::new(params, public_key)
            .verify(message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match self.0 {
            SnsDigest::Sha1 => RSA_PKCS1_SHA1,
            SnsDigest::Sha256 => alg_id::RSA_PKCS1_SHA256,
        }
    }
}
