//! Whose API key admitted a request: the integration directory. From `INTEGRATION_KEYS` it is
//! fixed; from SSM parameters under `INTEGRATIONS_PARAMETER_PATH` it is read at cold start and
//! read again when a key it does not know arrives (an integration added since; API Gateway
//! admits only keys in this API's usage plans, so such a key is real). Reads an unknown key
//! causes happen at most once per [`REFRESH_INTERVAL`] once one succeeded, so a burst of unknown
//! keys costs one read; a failed read is retried by the next request. A directory that cannot be
//! read fails closed: callers get `CONFIGURATION_ERROR`, never another integration's rights.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::Mutex;

use crate::config::{Integration, IntegrationRules, Integrations, IntegrationsSource};
use crate::secrets::SecretStore;

/// The least time between two reads of the parameters (a read that failed included).
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// The directory could not be read and holds nothing to answer from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the integration directory is unavailable")]
pub struct DirectoryUnavailable;

/// Who holds the API key a request came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHolder {
    /// The deployment names no integrations: whoever API Gateway admitted.
    Anyone,
    /// The request came without an API key.
    NoKey,
    /// A key no integration holds.
    Unknown,
    /// This integration.
    Integration(Integration),
}

/// The integrations a running function knows, by API key id.
pub struct IntegrationDirectory {
    source: Source,
}

enum Source {
    None,
    Fixed(Integrations),
    Parameters(Parameters),
}

struct Parameters {
    path: String,
    rules: IntegrationRules,
    store: SecretStore,
    /// The last directory read, shared by concurrent requests.
    loaded: RwLock<Option<Arc<Integrations>>>,
    /// When an unknown key last made a successful read; held while reading, so one request
    /// reads at a time.
    last_reread: Mutex<Option<Instant>>,
}

impl IntegrationDirectory {
    /// The directory the configuration describes; parameters are read through `store`.
    pub fn new(source: Option<IntegrationsSource>, store: SecretStore) -> Self {
        let source = match source {
            None => Source::None,
            Some(IntegrationsSource::Keys(fixed)) => Source::Fixed(fixed),
            Some(IntegrationsSource::Parameters { path, rules }) => {
                Source::Parameters(Parameters {
                    path,
                    rules,
                    store,
                    loaded: RwLock::new(None),
                    last_reread: Mutex::new(None),
                })
            }
        };
        IntegrationDirectory { source }
    }

    /// Reads the parameters ahead of the first request (cold start); a failure is retried later.
    pub async fn prefetch(&self) {
        if let Source::Parameters(p) = &self.source {
            p.prefetch().await;
        }
    }

    /// Who holds the key with this id (`None`: the request had no key).
    pub async fn holder(
        &self,
        api_key_id: Option<&str>,
    ) -> Result<KeyHolder, DirectoryUnavailable> {
        let found = match (&self.source, api_key_id) {
            (Source::None, _) => return Ok(KeyHolder::Anyone),
            (_, None) => return Ok(KeyHolder::NoKey),
            (Source::Fixed(fixed), Some(id)) => fixed.by_key_id(id).cloned(),
            (Source::Parameters(p), Some(id)) => p.find(id).await?,
        };
        Ok(found.map_or(KeyHolder::Unknown, KeyHolder::Integration))
    }
}

impl Parameters {
    fn current(&self) -> Option<Arc<Integrations>> {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn prefetch(&self) {
        let _guard = self.last_reread.lock().await;
        self.read().await;
    }

    async fn find(&self, key_id: &str) -> Result<Option<Integration>, DirectoryUnavailable> {
        let known = |all: Option<Arc<Integrations>>| all.and_then(|a| a.by_key_id(key_id).cloned());
        if let Some(found) = known(self.current()) {
            return Ok(Some(found));
        }
        {
            // One request reads at a time; the others then find what it loaded.
            let mut last_reread = self.last_reread.lock().await;
            if let Some(found) = known(self.current()) {
                return Ok(Some(found));
            }
            let recently = last_reread.is_some_and(|at| at.elapsed() < REFRESH_INTERVAL);
            if !recently && self.read().await {
                *last_reread = Some(Instant::now());
            }
        }
        let all = self.current().ok_or(DirectoryUnavailable)?;
        Ok(all.by_key_id(key_id).cloned())
    }

    /// Reads the parameters; `false` (and the last good directory kept) when that fails.
    async fn read(&self) -> bool {
        let read = self
            .store
            .parameters_under(&self.path)
            .await
            .and_then(|pairs| {
                let count = pairs.len();
                Integrations::from_pairs(pairs, &self.rules).map(|all| (all, count))
            });
        match read {
            Ok((all, count)) => {
                tracing::info!(
                    variable = "INTEGRATIONS_PARAMETER_PATH",
                    integrations = count,
                    "integration directory read"
                );
                *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(all));
                true
            }
            Err(problem) => {
                // The problem names parameters, never a key's value.
                tracing::error!(
                    variable = "INTEGRATIONS_PARAMETER_PATH",
                    problem,
                    "integration directory could not be read"
                );
                false
            }
        }
    }
}
