//! The agents a running function can reach, by name: `default` is the function's own runtime;
//! others come from `AGENTS` or from the SSM parameter `AGENTS_PARAMETER` (fetched at cold start,
//! a failed fetch retried by the next request that needs it).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use thiserror::Error;

use crate::config::{AgentEndpoint, AgentsSource, DEFAULT_AGENT, is_agent_name, parse_agents};
use crate::secrets::{Secret, SecretStore};

/// Why a name does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DirectoryError {
    /// No agent by that name.
    #[error("no agent named '{0}'")]
    Unknown(String),
    /// The directory itself could not be read (the parameter is missing or malformed).
    #[error("the agent directory is unavailable")]
    Unavailable,
}

/// The agents a running function can reach, by name.
pub struct AgentDirectory {
    default: AgentEndpoint,
    named: Option<Secret<HashMap<String, AgentEndpoint>>>,
    store: SecretStore,
}

impl AgentDirectory {
    /// The directory for `source`, `default` being the function's own endpoint.
    pub fn new(default: AgentEndpoint, source: AgentsSource, store: SecretStore) -> Self {
        let named = match source {
            AgentsSource::None => None,
            AgentsSource::Inline(map) => Some(Secret::given(map)),
            AgentsSource::Parameter(reference) => {
                Some(Secret::fetched("AGENTS_PARAMETER", reference))
            }
        };
        AgentDirectory {
            default,
            named,
            store,
        }
    }

    /// Loads `AGENTS_PARAMETER` ahead of the first request (cold start).
    pub async fn prefetch(&self) {
        if matches!(self.named, Some(Secret::Fetched { .. })) {
            let _ = self.named().await;
        }
    }

    /// The endpoint called `name`.
    pub async fn resolve(&self, name: &str) -> Result<AgentEndpoint, DirectoryError> {
        if name == DEFAULT_AGENT {
            return Ok(self.default.clone());
        }
        let unknown = || DirectoryError::Unknown(name.to_owned());
        if !is_agent_name(name) {
            return Err(unknown());
        }
        self.named().await?.get(name).cloned().ok_or_else(unknown)
    }

    async fn named(&self) -> Result<Arc<HashMap<String, AgentEndpoint>>, DirectoryError> {
        static EMPTY: LazyLock<Arc<HashMap<String, AgentEndpoint>>> = LazyLock::new(Arc::default);
        let Some(named) = &self.named else {
            return Ok(EMPTY.clone());
        };
        named
            .get(&self.store, |json| {
                parse_agents(json, &self.default.qualifier)
            })
            .await
            .map_err(|_| {
                tracing::error!(
                    variable = "AGENTS_PARAMETER",
                    "agent directory unavailable: named agents get CONFIGURATION_ERROR"
                );
                DirectoryError::Unavailable
            })
    }
}
