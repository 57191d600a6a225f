//! Is the delivery from whom it claims? The source's signature over the raw body bytes, checked
//! before anything is parsed, with the source's keys: none, given in the environment, or fetched
//! from a secret store. A key that cannot be fetched fails closed (`CONFIGURATION_ERROR` for that
//! source only) and is fetched again by the next delivery; the check is never skipped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use ticket_prompt::Source;
use ticket_prompt::signature::{self, Presented, SigningKey};

use crate::config::{Signing, SourceSettings, signing_keys};
use crate::error::BridgeError;
use crate::request::DeliveryHeaders;
use crate::secrets::{Secret, SecretStore};
use crate::sns::SnsVerifier;

/// What the signature check proved about a delivery's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Signed with one of the source's keys.
    Signed,
    /// The source is not signed here; only the API key vouches for the caller.
    Unsigned,
}

/// Each signed source's keys, and the SNS check (CloudWatch alarms are signed by SNS).
pub struct Signers {
    keys: HashMap<Source, Secret<Vec<SigningKey>>>,
    store: SecretStore,
    sns: SnsVerifier,
}

impl Signers {
    /// The keys of every source that has signing configured, and the SNS check.
    pub fn new(
        sources: &HashMap<Source, SourceSettings>,
        store: SecretStore,
        sns: SnsVerifier,
    ) -> Self {
        let keys = sources
            .iter()
            .filter_map(|(source, settings)| {
                let keys = match &settings.signing {
                    Signing::Off => return None,
                    Signing::Keys(keys) => Secret::given(keys.clone()),
                    Signing::Ref { variable, secret } => Secret::fetched(variable, secret.clone()),
                };
                Some((*source, keys))
            })
            .collect();
        Signers { keys, store, sns }
    }

    /// The SNS check, for confirming the subscriptions it verified.
    pub fn sns(&self) -> &SnsVerifier {
        &self.sns
    }

    /// Fetches every referenced secret (cold start); failures are logged and retried later.
    pub async fn prefetch(&self) {
        for source in Source::ALL {
            let _ = self.keys(source).await;
        }
    }

    /// Checks a delivery from `source`: its signature when the source is signed; when it is not,
    /// a refusal if every delivery must be signed (the API without keys).
    pub async fn verify(
        &self,
        source: Source,
        require_signatures: bool,
        body: &[u8],
        headers: &DeliveryHeaders,
        now: SystemTime,
    ) -> Result<Origin, BridgeError> {
        // SNS's signature is always checked: it is the only thing that vouches for the sender.
        if source == Source::CloudWatch {
            self.sns.verify(body).await?;
            return Ok(Origin::Signed);
        }
        let Some(keys) = self.keys(source).await? else {
            return if require_signatures {
                Err(BridgeError::SigningRequired(source.as_str()))
            } else {
                Ok(Origin::Unsigned)
            };
        };
        let presented = Presented {
            signature: headers.signature.as_deref(),
            timestamp: headers.timestamp.as_deref(),
        };
        // Over the raw bytes, before anything is parsed: re-serialised JSON would not verify.
        signature::verify(source, &keys, body, presented, now)?;
        Ok(Origin::Signed)
    }

    /// The keys a delivery from `source` must be signed with; `None` when it is not signed.
    async fn keys(&self, source: Source) -> Result<Option<Arc<Vec<SigningKey>>>, BridgeError> {
        let Some(keys) = self.keys.get(&source) else {
            return Ok(None);
        };
        let keys = keys
            .get(&self.store, |value| {
                signing_keys(source, value).map_err(str::to_owned)
            })
            .await
            .inspect_err(|_| {
                tracing::error!(
                    source = source.as_str(),
                    "signing secret unavailable: deliveries for this source get CONFIGURATION_ERROR"
                );
            })?;
        Ok(Some(keys))
    }
}
