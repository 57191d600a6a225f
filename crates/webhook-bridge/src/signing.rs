//! Each source's signing keys at run time: none, given in the environment, or fetched from a
//! secret store. A fetch that fails at cold start is retried by the next delivery for that
//! source; until one succeeds the source answers CONFIGURATION_ERROR, it never skips the check.

use std::collections::HashMap;

use ticket_prompt::Source;
use ticket_prompt::signature::SigningKey;
use tokio::sync::OnceCell;

use crate::error::BridgeError;
use crate::secrets::{SecretRef, SecretStore};
use crate::source_config::{Signing, SourceSettings, signing_keys};

enum State {
    Off,
    Ready(Vec<SigningKey>),
    Deferred {
        variable: &'static str,
        secret: SecretRef,
        keys: OnceCell<Vec<SigningKey>>,
    },
}

pub struct Signers {
    states: HashMap<Source, State>,
    store: SecretStore,
}

impl Signers {
    pub fn new(sources: &HashMap<Source, SourceSettings>, store: SecretStore) -> Self {
        let states = sources
            .iter()
            .map(|(source, settings)| {
                let state = match &settings.signing {
                    Signing::Off => State::Off,
                    Signing::Keys(keys) => State::Ready(keys.clone()),
                    Signing::Ref { variable, secret } => State::Deferred {
                        variable,
                        secret: secret.clone(),
                        keys: OnceCell::new(),
                    },
                };
                (*source, state)
            })
            .collect();
        Signers { states, store }
    }

    /// Fetches every referenced secret (cold start); failures are logged and retried later.
    pub async fn prefetch(&self) {
        for source in Source::ALL {
            let _ = self.keys(source).await;
        }
    }

    /// The keys a delivery from `source` must be signed with; `None` when it is not signed.
    pub async fn keys(&self, source: Source) -> Result<Option<&[SigningKey]>, BridgeError> {
        match self.states.get(&source) {
            None | Some(State::Off) => Ok(None),
            Some(State::Ready(keys)) => Ok(Some(keys)),
            Some(State::Deferred { variable, secret, keys }) => keys
                .get_or_try_init(|| async {
                    let value = self.store.fetch(secret).await?;
                    signing_keys(source, &value).map_err(str::to_owned)
                })
                .await
                .map(|k| Some(k.as_slice()))
                .map_err(|problem| {
                    tracing::error!(variable, problem, "signing secret unavailable: deliveries for this source get CONFIGURATION_ERROR");
                    BridgeError::Configuration
                }),
        }
    }
}
