//! Named agents for the invoke API: `default` is `AGENT_RUNTIME_ARN` (or the id form), others come
//! from `AGENTS` (inline JSON) or `AGENTS_PARAMETER` (the same JSON in SSM Parameter Store,
//! fetched at cold start; a failed fetch is retried by the next request that needs it).
//!
//! The JSON maps a name to a runtime ARN, or to `{"arn": …, "qualifier": …}` to pick an endpoint:
//! `{"triage": "arn:aws:bedrock-agentcore:…:runtime/triage-AbCdEf1234",
//!   "research": {"arn": "arn:…:runtime/research-XyZ0123456", "qualifier": "canary"}}`.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex_lite::Regex;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::config::{AgentTarget, QUALIFIER, RUNTIME_ARN};
use crate::error::BridgeError;
use crate::secrets::{SecretRef, SecretStore};

/// The name that always means the function's own runtime.
pub const DEFAULT_AGENT: &str = "default";

/// Agent names: short, lower-case, safe in URLs and logs.
static AGENT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9_-]{0,63}$").unwrap());

/// One runtime endpoint the bridge may invoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEndpoint {
    pub target: AgentTarget,
    pub qualifier: String,
}

/// Where the named agents come from (configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentsSource {
    /// Only `default`.
    None,
    /// `AGENTS`: parsed at configuration time.
    Inline(HashMap<String, AgentEndpoint>),
    /// `AGENTS_PARAMETER`: an SSM parameter name or ARN.
    Parameter(SecretRef),
}

/// Parses the agents JSON. Endpoints without a qualifier use `default_qualifier`.
pub fn parse_agents(
    json: &str,
    default_qualifier: &str,
) -> Result<HashMap<String, AgentEndpoint>, String> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(json) else {
        return Err("must be a JSON object mapping agent names to runtime ARNs".into());
    };
    let mut agents = HashMap::new();
    for (name, value) in map {
        if name == DEFAULT_AGENT {
            return Err(
                "must not name 'default': that is AGENT_RUNTIME_ARN, the function's own agent"
                    .into(),
            );
        }
        if !AGENT_NAME.is_match(&name) {
            return Err(format!(
                "agent name {name:?} must be 1-64 lower-case letters, digits, '_' or '-'"
            ));
        }
        let (arn, qualifier) = match &value {
            Value::String(arn) => (arn.as_str(), default_qualifier),
            Value::Object(o) => (
                o.get("arn").and_then(Value::as_str).unwrap_or(""),
                o.get("qualifier")
                    .and_then(Value::as_str)
                    .unwrap_or(default_qualifier),
            ),
            _ => ("", default_qualifier),
        };
        if !RUNTIME_ARN.is_match(arn) {
            return Err(format!(
                "agent {name:?} needs a runtime ARN (a string, or {{\"arn\", \"qualifier\"}})"
            ));
        }
        if !QUALIFIER.is_match(qualifier) {
            return Err(format!("agent {name:?} has an invalid qualifier"));
        }
        agents.insert(
            name,
            AgentEndpoint {
                target: AgentTarget::Arn(arn.to_owned()),
                qualifier: qualifier.to_owned(),
            },
        );
    }
    Ok(agents)
}

/// The agents a running function can reach, by name.
pub struct AgentDirectory {
    default: AgentEndpoint,
    source: AgentsSource,
    fetched: OnceCell<HashMap<String, AgentEndpoint>>,
    store: SecretStore,
}

impl AgentDirectory {
    pub fn new(default: AgentEndpoint, source: AgentsSource, store: SecretStore) -> Self {
        AgentDirectory {
            default,
            source,
            fetched: OnceCell::new(),
            store,
        }
    }

    pub fn default_endpoint(&self) -> &AgentEndpoint {
        &self.default
    }

    /// Loads `AGENTS_PARAMETER` ahead of the first request (cold start).
    pub async fn prefetch(&self) {
        if matches!(self.source, AgentsSource::Parameter(_)) {
            let _ = self.named().await;
        }
    }

    /// The endpoint called `name`; unknown names are `AGENT_NOT_FOUND`.
    pub async fn resolve(&self, name: &str) -> Result<AgentEndpoint, BridgeError> {
        if name == DEFAULT_AGENT {
            return Ok(self.default.clone());
        }
        let unknown = || BridgeError::UnknownAgent(name.to_owned());
        if !AGENT_NAME.is_match(name) {
            return Err(unknown());
        }
        self.named().await?.get(name).cloned().ok_or_else(unknown)
    }

    async fn named(&self) -> Result<&HashMap<String, AgentEndpoint>, BridgeError> {
        static EMPTY: LazyLock<HashMap<String, AgentEndpoint>> = LazyLock::new(HashMap::new);
        match &self.source {
            AgentsSource::None => Ok(&EMPTY),
            AgentsSource::Inline(map) => Ok(map),
            AgentsSource::Parameter(reference) => self
                .fetched
                .get_or_try_init(|| async {
                    let json = self.store.fetch(reference).await?;
                    parse_agents(&json, &self.default.qualifier)
                })
                .await
                .map_err(|problem| {
                    tracing::error!(
                        variable = "AGENTS_PARAMETER",
                        problem,
                        "agent directory unavailable: named agents get CONFIGURATION_ERROR"
                    );
                    BridgeError::Configuration
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/triage-AbCdEf1234";

    #[test]
    fn names_map_to_arns_with_optional_qualifiers() {
        let json =
            format!(r#"{{"triage": "{ARN}", "canary": {{"arn": "{ARN}", "qualifier": "beta"}}}}"#);
        let agents = parse_agents(&json, "DEFAULT").unwrap();
        assert_eq!(agents["triage"].qualifier, "DEFAULT");
        assert_eq!(agents["triage"].target, AgentTarget::Arn(ARN.into()));
        assert_eq!(agents["canary"].qualifier, "beta");
    }

    #[test]
    fn bad_directories_say_what_is_wrong() {
        for (json, needle) in [
            ("[]", "JSON object"),
            ("not json", "JSON object"),
            (r#"{"default": "x"}"#, "must not name 'default'"),
            (r#"{"Bad Name": "x"}"#, "agent name"),
            (r#"{"a": "arn:aws:s3:::bucket"}"#, "runtime ARN"),
            (r#"{"a": 5}"#, "runtime ARN"),
        ] {
            let err = parse_agents(json, "DEFAULT").unwrap_err();
            assert!(err.contains(needle), "{json}: {err}");
        }
        let json = format!(r#"{{"a": {{"arn": "{ARN}", "qualifier": "1bad"}}}}"#);
        assert!(
            parse_agents(&json, "DEFAULT")
                .unwrap_err()
                .contains("qualifier")
        );
    }
}
