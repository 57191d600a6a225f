//! Which runtime endpoints the bridge may invoke: the function's own (`AGENT_RUNTIME_ARN`, or
//! `AGENT_RUNTIME_ID` with `AGENT_ACCOUNT_ID`, at `AGENT_QUALIFIER`) and the invoke API's named
//! agents (`AGENTS` inline, or `AGENTS_PARAMETER` in SSM).
//!
//! The agents JSON maps a name to a runtime ARN, or to `{"arn": …, "qualifier": …}` to pick an
//! endpoint: `{"triage": "arn:aws:bedrock-agentcore:…:runtime/triage-AbCdEf1234",
//! "research": {"arn": "arn:…:runtime/research-XyZ0123456", "qualifier": "canary"}}`.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex_lite::Regex;
use serde_json::Value;

use super::secret_ref::SecretRef;
use super::vars::{ConfigError, Vars};

/// Runtime ARN pattern from the AgentCore control-plane model.
static RUNTIME_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws(-[^:]+)?:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[a-zA-Z][a-zA-Z0-9_]{0,47}-[a-zA-Z0-9]{10}$").unwrap()
});
static RUNTIME_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9_]{0,99}-[a-zA-Z0-9]{10}$").unwrap());
static ACCOUNT_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9]{12}$").unwrap());
/// Endpoint (qualifier) name pattern.
static QUALIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$").unwrap());
/// Agent names: short, lower-case, safe in URLs and logs.
static AGENT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9_-]{0,63}$").unwrap());

/// The name that always means the function's own runtime.
pub const DEFAULT_AGENT: &str = "default";

/// Which runtime to invoke: its ARN, or its id plus the owning account (the service's two forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentTarget {
    /// `AGENT_RUNTIME_ARN`.
    Arn(String),
    /// `AGENT_RUNTIME_ID` with `AGENT_ACCOUNT_ID`.
    Id {
        /// The runtime's id (`<name>-<10 letters or digits>`).
        runtime_id: String,
        /// The account that owns it (12 digits).
        account_id: String,
    },
}

impl AgentTarget {
    /// The value of the request's `agentRuntimeArn` path label.
    pub fn identifier(&self) -> &str {
        match self {
            AgentTarget::Arn(arn) => arn,
            AgentTarget::Id { runtime_id, .. } => runtime_id,
        }
    }

    /// The runtime's ARN in `region`: the id form spelt out (`StopRuntimeSession` takes no
    /// `accountId`, so it needs the ARN), the ARN form as configured.
    pub fn arn_in(&self, region: &str) -> String {
        match self {
            AgentTarget::Arn(arn) => arn.clone(),
            AgentTarget::Id {
                runtime_id,
                account_id,
            } => {
                let partition = if region.starts_with("cn-") {
                    "aws-cn"
                } else if region.starts_with("us-gov-") {
                    "aws-us-gov"
                } else {
                    "aws"
                };
                format!(
                    "arn:{partition}:bedrock-agentcore:{region}:{account_id}:runtime/{runtime_id}"
                )
            }
        }
    }

    /// `?accountId=`, sent only with the id form.
    pub fn account_id(&self) -> Option<&str> {
        match self {
            AgentTarget::Arn(_) => None,
            AgentTarget::Id { account_id, .. } => Some(account_id),
        }
    }
}

/// One runtime endpoint the bridge may invoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEndpoint {
    /// The runtime.
    pub target: AgentTarget,
    /// Its endpoint (`DEFAULT` unless configured).
    pub qualifier: String,
}

/// Where the named agents come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentsSource {
    /// Only `default`.
    None,
    /// `AGENTS`: parsed at configuration time.
    Inline(HashMap<String, AgentEndpoint>),
    /// `AGENTS_PARAMETER`: an SSM parameter holding the same JSON, fetched at run time.
    Parameter(SecretRef),
}

/// Whether `name` can name an agent (checked before any lookup, so no odd name reaches a log).
pub fn is_agent_name(name: &str) -> bool {
    AGENT_NAME.is_match(name)
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
        if !is_agent_name(&name) {
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

/// `AGENT_QUALIFIER`: the default endpoint name.
pub(super) fn qualifier(vars: &Vars) -> Result<String, ConfigError> {
    let qualifier = vars
        .get("AGENT_QUALIFIER")
        .unwrap_or_else(|| "DEFAULT".into());
    if !QUALIFIER.is_match(&qualifier) {
        return Err(ConfigError::new(
            "AGENT_QUALIFIER",
            "must be an endpoint name: a letter, then up to 47 letters, digits or '_'",
        ));
    }
    Ok(qualifier)
}

/// `AGENTS` or `AGENTS_PARAMETER`.
pub(super) fn agents_source(vars: &Vars, qualifier: &str) -> Result<AgentsSource, ConfigError> {
    match (vars.get("AGENTS"), vars.get("AGENTS_PARAMETER")) {
        (Some(_), Some(_)) => Err(ConfigError::new(
            "AGENTS_PARAMETER",
            "set either AGENTS or AGENTS_PARAMETER, not both",
        )),
        (Some(json), None) => parse_agents(&json, qualifier)
            .map(AgentsSource::Inline)
            .map_err(|p| ConfigError::new("AGENTS", p)),
        (None, Some(name)) => match SecretRef::parse(&name) {
            Ok(r @ SecretRef::Ssm(_)) => Ok(AgentsSource::Parameter(r)),
            _ => Err(ConfigError::new(
                "AGENTS_PARAMETER",
                "must be an SSM parameter name starting with / or an SSM parameter ARN",
            )),
        },
        (None, None) => Ok(AgentsSource::None),
    }
}

/// `AGENT_RUNTIME_ARN`, or `AGENT_RUNTIME_ID` with `AGENT_ACCOUNT_ID`.
pub(super) fn agent_target(vars: &Vars) -> Result<AgentTarget, ConfigError> {
    match (
        vars.get("AGENT_RUNTIME_ARN"),
        vars.get("AGENT_RUNTIME_ID"),
        vars.get("AGENT_ACCOUNT_ID"),
    ) {
        (Some(_), Some(_), _) => Err(ConfigError::new(
            "AGENT_RUNTIME_ID",
            "set either AGENT_RUNTIME_ARN, or AGENT_RUNTIME_ID with AGENT_ACCOUNT_ID, not both",
        )),
        (Some(arn), None, _) if RUNTIME_ARN.is_match(&arn) => Ok(AgentTarget::Arn(arn)),
        (Some(_), None, _) => Err(ConfigError::new(
            "AGENT_RUNTIME_ARN",
            "is not an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<name>-<10 chars>)",
        )),
        (None, Some(id), account) => {
            if !RUNTIME_ID.is_match(&id) {
                return Err(ConfigError::new(
                    "AGENT_RUNTIME_ID",
                    "is not a runtime id (<name>-<10 letters or digits>)",
                ));
            }
            match account {
                Some(a) if ACCOUNT_ID.is_match(&a) => Ok(AgentTarget::Id {
                    runtime_id: id,
                    account_id: a,
                }),
                Some(_) => Err(ConfigError::new("AGENT_ACCOUNT_ID", "must be 12 digits")),
                None => Err(ConfigError::new(
                    "AGENT_ACCOUNT_ID",
                    "is required with AGENT_RUNTIME_ID",
                )),
            }
        }
        (None, None, _) => Err(ConfigError::new(
            "AGENT_RUNTIME_ARN",
            "is not set; set it to the agent runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)",
        )),
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

    #[test]
    fn a_runtime_named_by_id_has_the_arn_of_its_region_and_partition() {
        let id = AgentTarget::Id {
            runtime_id: "triage-AbCdEf1234".into(),
            account_id: "123456789012".into(),
        };
        assert_eq!(id.arn_in("us-east-1"), ARN);
        assert!(
            id.arn_in("cn-north-1")
                .starts_with("arn:aws-cn:bedrock-agentcore:cn-north-1:")
        );
        assert!(id.arn_in("us-gov-west-1").starts_with("arn:aws-us-gov:"));
        assert_eq!(AgentTarget::Arn(ARN.into()).arn_in("eu-west-1"), ARN);
    }
}
