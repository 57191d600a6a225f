//! Configuration, read and validated once at cold start.

use std::sync::LazyLock;
use std::time::Duration;

use regex_lite::Regex;
use thiserror::Error;
use ticket_prompt::FieldLimits;

/// Runtime ARN pattern from the AgentCore control-plane model.
static RUNTIME_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws(-[^:]+)?:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[a-zA-Z][a-zA-Z0-9_]{0,47}-[a-zA-Z0-9]{10}$").unwrap()
});
/// Endpoint (qualifier) name pattern.
static QUALIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$").unwrap());

/// Everything the bridge reads from its environment. See the README's configuration table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `AGENT_RUNTIME_ARN` (required).
    pub agent_runtime_arn: String,
    /// `AGENT_QUALIFIER`, the runtime endpoint; default `DEFAULT`.
    pub qualifier: String,
    /// `AGENT_TIMEOUT_SECONDS`: the most one request may spend on the agent, all retries and
    /// the answer's read included; default 25 s (API Gateway gives up at 29 s). The Lambda's
    /// own remaining time, less a margin, caps it further.
    pub agent_timeout: Duration,
    /// `AGENT_MAX_ATTEMPTS`: SDK attempts per request (standard retry mode); default 3.
    pub max_attempts: u32,
    /// `MAX_BODY_BYTES`: largest accepted webhook body; default 262,144.
    pub max_body_bytes: usize,
    /// `MAX_ANSWER_BYTES`: largest agent answer read; default 1,048,576.
    pub max_answer_bytes: usize,
    /// `MAX_DESCRIPTION_CHARS`: description cap in the prompt; default 8,000.
    pub field_limits: FieldLimits,
}

/// A configuration problem, naming the variable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let agent_runtime_arn = get("AGENT_RUNTIME_ARN").ok_or_else(|| ConfigError {
            variable: "AGENT_RUNTIME_ARN",
            problem: "is not set; set it to the agent runtime ARN \
                      (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)"
                .into(),
        })?;
        if !RUNTIME_ARN.is_match(&agent_runtime_arn) {
            return Err(ConfigError {
                variable: "AGENT_RUNTIME_ARN",
                problem: "is not an AgentCore runtime ARN \
                          (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<name>-<10 chars>)"
                    .into(),
            });
        }
        let qualifier = get("AGENT_QUALIFIER").unwrap_or_else(|| "DEFAULT".into());
        if !QUALIFIER.is_match(&qualifier) {
            return Err(ConfigError {
                variable: "AGENT_QUALIFIER",
                problem: "must be an endpoint name: a letter, then up to 47 letters, digits or '_'"
                    .into(),
            });
        }
        let number =
            |name: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
                match get(name) {
                    None => Ok(default),
                    Some(raw) => raw
                        .parse::<u64>()
                        .ok()
                        .filter(|n| (min..=max).contains(n))
                        .ok_or_else(|| ConfigError {
                            variable: name,
                            problem: format!(
                                "must be a whole number from {min} to {max}, got {raw:?}"
                            ),
                        }),
                }
            };
        let defaults = FieldLimits::default();
        Ok(Config {
            agent_runtime_arn,
            qualifier,
            agent_timeout: Duration::from_secs(number("AGENT_TIMEOUT_SECONDS", 25, 1, 900)?),
            max_attempts: number("AGENT_MAX_ATTEMPTS", 3, 1, 10)? as u32,
            // Lambda's synchronous payload limit is 6 MB; nothing larger can arrive anyway.
            max_body_bytes: number("MAX_BODY_BYTES", 262_144, 1_024, 6_291_456)? as usize,
            max_answer_bytes: number("MAX_ANSWER_BYTES", 1_048_576, 1_024, 100_000_000)? as usize,
            field_limits: FieldLimits {
                description: number(
                    "MAX_DESCRIPTION_CHARS",
                    defaults.description as u64,
                    100,
                    100_000,
                )? as usize,
                ..defaults
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ARN: &str =
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234";

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_only_the_arn_is_set() {
        let c = load(&[("AGENT_RUNTIME_ARN", ARN)]).unwrap();
        assert_eq!(c.qualifier, "DEFAULT");
        assert_eq!(c.agent_timeout, Duration::from_secs(25));
        assert_eq!(c.max_attempts, 3);
        assert_eq!(c.max_body_bytes, 262_144);
        assert_eq!(c.max_answer_bytes, 1_048_576);
        assert_eq!(c.field_limits.description, 8_000);
    }

    #[test]
    fn every_variable_is_read() {
        let c = load(&[
            ("AGENT_RUNTIME_ARN", ARN),
            ("AGENT_QUALIFIER", "prod_v2"),
            ("AGENT_TIMEOUT_SECONDS", "120"),
            ("AGENT_MAX_ATTEMPTS", "5"),
            ("MAX_BODY_BYTES", "2048"),
            ("MAX_ANSWER_BYTES", "4096"),
            ("MAX_DESCRIPTION_CHARS", "500"),
        ])
        .unwrap();
        assert_eq!(
            (
                c.qualifier.as_str(),
                c.agent_timeout.as_secs(),
                c.max_attempts,
                c.max_body_bytes,
                c.max_answer_bytes,
                c.field_limits.description
            ),
            ("prod_v2", 120, 5, 2048, 4096, 500)
        );
    }

    #[test]
    fn missing_or_malformed_arn_names_the_variable() {
        for pairs in [
            vec![],
            vec![("AGENT_RUNTIME_ARN", "  ")],
            vec![(
                "AGENT_RUNTIME_ARN",
                "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/*",
            )],
            vec![(
                "AGENT_RUNTIME_ARN",
                "arn:aws:bedrock:us-east-1:123456789012:agent/ABC",
            )],
        ] {
            assert_eq!(load(&pairs).unwrap_err().variable, "AGENT_RUNTIME_ARN");
        }
    }

    #[test]
    fn bad_numbers_and_qualifiers_name_the_variable() {
        for (k, v) in [
            ("AGENT_TIMEOUT_SECONDS", "0"),
            ("AGENT_TIMEOUT_SECONDS", "abc"),
            ("AGENT_MAX_ATTEMPTS", "11"),
            ("MAX_BODY_BYTES", "-1"),
            ("AGENT_QUALIFIER", "1bad"),
        ] {
            let err = load(&[("AGENT_RUNTIME_ARN", ARN), (k, v)]).unwrap_err();
            assert_eq!(err.variable, k);
        }
    }

    #[test]
    fn accepts_other_partitions() {
        let arn =
            "arn:aws-us-gov:bedrock-agentcore:us-gov-west-1:123456789012:runtime/a-0123456789";
        assert!(load(&[("AGENT_RUNTIME_ARN", arn)]).is_ok());
    }
}
