//! Each source's write-back credentials at run time: given in the environment (local use), or
//! fetched from Secrets Manager / SSM on first use (a failed fetch is retried by the next job).

use std::collections::HashMap;
use std::sync::Arc;

use ticket_prompt::Source;

use super::error::WriteBackError;
use crate::config::{Credentials, SourceSettings, WriteBackSetting};
use crate::secrets::{Secret, SecretError, SecretStore};

/// The credentials of every source with write-back configured.
pub struct WriteBackCredentials {
    sources: HashMap<Source, Secret<Credentials>>,
    store: SecretStore,
}

impl WriteBackCredentials {
    /// The credentials configured in `sources`.
    pub fn new(sources: &HashMap<Source, SourceSettings>, store: SecretStore) -> Self {
        let sources = sources
            .iter()
            .filter_map(|(source, settings)| {
                let credentials = match settings.write_back.as_ref()? {
                    WriteBackSetting::Inline(credentials) => Secret::given(credentials.clone()),
                    WriteBackSetting::Ref { variable, secret } => {
                        Secret::fetched(variable, secret.clone())
                    }
                };
                Some((*source, credentials))
            })
            .collect();
        WriteBackCredentials { sources, store }
    }

    /// Whether write-back is configured for `source` (in this function).
    pub fn configured(&self, source: Source) -> bool {
        self.sources.contains_key(&source)
    }

    /// The credentials for `source`. A secret that cannot be fetched is `Unreachable` (retried
    /// later); one that does not parse, or no configuration at all, is `Misconfigured`.
    pub async fn get(&self, source: Source) -> Result<Arc<Credentials>, WriteBackError> {
        let credentials = self
            .sources
            .get(&source)
            .ok_or(WriteBackError::Misconfigured)?;
        credentials
            .get(&self.store, |json| Credentials::parse(source, json))
            .await
            .map_err(|e| match e {
                SecretError::Unreachable => WriteBackError::Unreachable,
                SecretError::Unusable => WriteBackError::Misconfigured,
            })
    }
}
