//! Each source's write-back credentials at run time: given in the environment (local use), or
//! fetched from Secrets Manager / SSM on first use. A fetch that fails is retried by the next job
//! that needs it.

use std::collections::HashMap;

use ticket_prompt::Source;
use tokio::sync::OnceCell;

use crate::secrets::{SecretRef, SecretStore};
use crate::source_config::{SourceSettings, WriteBackSetting};
use crate::write_back::{Credentials, WriteBackError};

enum State {
    Ready(Credentials),
    Deferred {
        variable: &'static str,
        secret: SecretRef,
        credentials: OnceCell<Credentials>,
    },
}

pub struct WriteBackCredentials {
    states: HashMap<Source, State>,
    store: SecretStore,
}

impl WriteBackCredentials {
    pub fn new(sources: &HashMap<Source, SourceSettings>, store: SecretStore) -> Self {
        let states = sources
            .iter()
            .filter_map(|(source, settings)| {
                let state = match settings.write_back.as_ref()? {
                    // Validated when the configuration was read.
                    WriteBackSetting::Inline(json) => {
                        State::Ready(Credentials::parse(*source, json).ok()?)
                    }
                    WriteBackSetting::Ref { variable, secret } => State::Deferred {
                        variable,
                        secret: secret.clone(),
                        credentials: OnceCell::new(),
                    },
                };
                Some((*source, state))
            })
            .collect();
        WriteBackCredentials { states, store }
    }

    /// Whether write-back is configured for `source` (in this function: the worker).
    pub fn configured(&self, source: Source) -> bool {
        self.states.contains_key(&source)
    }

    /// The credentials for `source`. A secret that cannot be fetched is `Unreachable` (retried
    /// later); one that does not parse, or no configuration at all, is `Misconfigured`.
    pub async fn get(&self, source: Source) -> Result<&Credentials, WriteBackError> {
        match self.states.get(&source) {
            None => Err(WriteBackError::Misconfigured),
            Some(State::Ready(c)) => Ok(c),
            Some(State::Deferred {
                variable,
                secret,
                credentials,
            }) => {
                credentials
                    .get_or_try_init(|| async {
                        let json = self.store.fetch(secret).await.map_err(|problem| {
                            tracing::error!(variable, problem, "write-back secret unavailable");
                            WriteBackError::Unreachable
                        })?;
                        Credentials::parse(source, &json).map_err(|problem| {
                            tracing::error!(variable, problem, "write-back secret is not usable");
                            WriteBackError::Misconfigured
                        })
                    })
                    .await
            }
        }
    }
}
