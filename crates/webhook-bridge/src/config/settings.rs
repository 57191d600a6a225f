//! [`Config`]: everything the bridge reads from its environment, assembled from the other
//! loaders in this folder and checked as a whole (an async source needs a queue). See
//! docs/configuration.md (a test checks it against this code).

use std::collections::HashMap;
use std::time::Duration;

use ticket_prompt::{FieldLimits, Source};

use super::agents::{self, AgentEndpoint, AgentTarget, AgentsSource};
use super::endpoints::{self, EndpointUrls};
use super::integrations::{self, IntegrationsSource};
use super::jobs::{self, JobsConfig};
use super::metrics;
use super::policies::{
    self, ReleaseSessions, RetryMode, SessionPolicy, SessionSecret, UserIdSource,
};
use super::secret_ref::SecretFreshness;
use super::sources::{self, DeliveryMode, SourceSettings};
use super::tokens::{self, TokenSettings};
use super::vars::{ConfigError, Vars};
use crate::metrics::Metrics;

/// Everything the bridge reads from its environment. See docs/configuration.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `AGENT_RUNTIME_ARN`, or `AGENT_RUNTIME_ID` with `AGENT_ACCOUNT_ID`.
    pub target: AgentTarget,
    /// `AGENT_QUALIFIER`, the runtime endpoint; default `DEFAULT`.
    pub qualifier: String,
    /// `AGENT_TIMEOUT_SECONDS`: the most one request may spend on the agent, all retries and
    /// the answer's read included; default 25 s (API Gateway gives up at 29 s). The Lambda's
    /// own remaining time, less a margin, caps it further.
    pub agent_timeout: Duration,
    /// `AGENT_MAX_ATTEMPTS`: SDK attempts per request; default 3.
    pub max_attempts: u32,
    /// `AGENT_RETRY_MODE`: `standard` (default) or `adaptive`.
    pub retry_mode: RetryMode,
    /// `AGENT_RETRY_BACKOFF_MS`: the first retry's back-off ceiling (it doubles per attempt, with
    /// jitter); default 1,000 ms, the SDK's own.
    pub retry_initial_backoff: Duration,
    /// `MAX_BODY_BYTES`: largest accepted request body; default 262,144.
    pub max_body_bytes: usize,
    /// `MAX_ANSWER_BYTES`: largest agent answer read; default 1,048,576.
    pub max_answer_bytes: usize,
    /// `MAX_DESCRIPTION_CHARS`: description cap in the prompt; default 8,000.
    pub field_limits: FieldLimits,
    /// `SESSION_POLICY` (`delivery`, `ticket`, `caller`) and `SESSION_NAMESPACE`.
    pub session_policy: SessionPolicy,
    /// `RELEASE_SESSIONS` (`unused`, `always`, `never`): which sessions are stopped once their
    /// answer is in; default `unused`.
    pub release_sessions: ReleaseSessions,
    /// `SESSION_SECRET` or `SESSION_SECRET_REF`: keys session ids; unset, they are unkeyed.
    pub session_secret: Option<SessionSecret>,
    /// `AGENT_USER_ID_SOURCE`: `header:<name>`, `ticket:requester`, or unset (off).
    pub user_id_source: Option<UserIdSource>,
    /// `AGENT_WARM_UP`: open the connection to AgentCore at cold start; default true.
    pub warm_up: bool,
    /// `<SOURCE>_EVENTS`, `<SOURCE>_WEBHOOK_SECRET[_REF]` and the rest, for every source.
    pub sources: HashMap<Source, SourceSettings>,
    /// `REQUIRE_SIGNATURES`: refuse every unsigned delivery, whatever the source (set on the
    /// function behind the routes that need no API key); default false.
    pub require_signatures: bool,
    /// `AGENTS` (JSON) or `AGENTS_PARAMETER` (an SSM parameter holding it): the invoke API's
    /// named agents besides `default`.
    pub agents: AgentsSource,
    /// `STREAM_HEARTBEAT_SECONDS`: on the streaming entry point, a heartbeat frame after each
    /// stretch of agent silence this long; default 15 s.
    pub stream_heartbeat: Duration,
    /// `JOBS_TABLE` and friends: idempotent deliveries and, with a queue, asynchronous mode.
    pub jobs: Option<JobsConfig>,
    /// `METRICS_NAMESPACE` (unset or empty: off) and the function's name
    /// (`AWS_LAMBDA_FUNCTION_NAME`): the EMF metric documents each request writes.
    pub metrics: Metrics,
    /// `INTEGRATION_KEYS` and friends: who may call with an API key, and what for; `None` when
    /// no integrations are named (any caller may call any route).
    pub integrations: Option<IntegrationsSource>,
    /// `SECRET_TTL_SECONDS` and `SECRET_MAX_STALE_SECONDS`: how fetched secrets are refreshed.
    pub secret_freshness: SecretFreshness,
    /// `OIDC_ISSUER`, `CHAT_AUTH_SECRET[_REF]` and friends: users' bearer tokens on the invoke
    /// API; `None` when the deployment takes none.
    pub tokens: Option<TokenSettings>,
    /// `ENDPOINT_URLS`: local runs' endpoints per group of services (none when deployed).
    pub endpoint_urls: EndpointUrls,
    /// `CLOUDWATCH_TOPIC_ARNS`: the SNS topics whose CloudWatch alarms are accepted.
    pub cloudwatch_topics: Vec<String>,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let vars = Vars::new(&lookup);
        let qualifier = agents::qualifier(&vars)?;
        let retry_mode = policies::retry_mode(&vars)?;
        let warm_up = vars.flag("AGENT_WARM_UP", true)?;
        let require_signatures = vars.flag("REQUIRE_SIGNATURES", false)?;
        let agents = agents::agents_source(&vars, &qualifier)?;
        let jobs = jobs::load(&vars)?;
        let sources = sources::load(&vars)?;
        let has_queue = jobs.as_ref().is_some_and(|j| j.queue_url.is_some());
        if let Some(source) = Source::ALL
            .into_iter()
            .find(|s| sources[s].mode == DeliveryMode::Async)
            && !has_queue
        {
            return Err(ConfigError::new(
                "JOBS_QUEUE_URL",
                format!(
                    "is required: {} deliveries are asynchronous",
                    source.as_str()
                ),
            ));
        }
        let defaults = FieldLimits::default();
        Ok(Config {
            target: agents::agent_target(&vars)?,
            qualifier,
            agent_timeout: Duration::from_secs(vars.number("AGENT_TIMEOUT_SECONDS", 25, 1, 900)?),
            max_attempts: vars.number("AGENT_MAX_ATTEMPTS", 3, 1, 10)? as u32,
            retry_mode,
            retry_initial_backoff: Duration::from_millis(vars.number(
                "AGENT_RETRY_BACKOFF_MS",
                1_000,
                1,
                20_000,
            )?),
            // Lambda's synchronous payload limit is 6 MB; nothing larger can arrive anyway.
            max_body_bytes: vars.number("MAX_BODY_BYTES", 262_144, 1_024, 6_291_456)? as usize,
            // A Lambda's response is at most 6 MB, and an answer travels JSON-escaped.
            max_answer_bytes: vars.number("MAX_ANSWER_BYTES", 1_048_576, 1_024, 4_194_304)?
                as usize,
            field_limits: FieldLimits {
                description: vars.number(
                    "MAX_DESCRIPTION_CHARS",
                    defaults.description as u64,
                    100,
                    100_000,
                )? as usize,
                ..defaults
            },
            session_policy: policies::session_policy(&vars)?,
            release_sessions: policies::release_sessions(&vars)?,
            session_secret: policies::session_secret(&vars)?,
            user_id_source: policies::user_id_source(&vars)?,
            warm_up,
            sources,
            require_signatures,
            agents,
            stream_heartbeat: Duration::from_secs(vars.number(
                "STREAM_HEARTBEAT_SECONDS",
                15,
                1,
                300,
            )?),
            jobs,
            metrics: metrics::load(&vars)?,
            integrations: integrations::load(&vars)?,
            tokens: tokens::load(&vars)?,
            endpoint_urls: endpoints::load(&vars)?,
            cloudwatch_topics: sources::cloudwatch_topics(&vars)?,
            secret_freshness: SecretFreshness {
                ttl: Duration::from_secs(vars.number("SECRET_TTL_SECONDS", 300, 0, 86_400)?),
                max_stale: Duration::from_secs(vars.number(
                    "SECRET_MAX_STALE_SECONDS",
                    900,
                    0,
                    86_400,
                )?),
            },
        })
    }

    /// The runtime endpoint named `default`: the one the webhooks use.
    pub fn default_endpoint(&self) -> AgentEndpoint {
        AgentEndpoint {
            target: self.target.clone(),
            qualifier: self.qualifier.clone(),
        }
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
        assert_eq!(c.target, AgentTarget::Arn(ARN.into()));
        assert_eq!(c.qualifier, "DEFAULT");
        assert_eq!(c.retry_mode, RetryMode::Standard);
        assert_eq!(c.retry_initial_backoff, Duration::from_secs(1));
        assert_eq!(c.session_policy, SessionPolicy::PerDelivery);
        assert_eq!(c.user_id_source, None);
        assert!(c.warm_up);
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
            // More than a Lambda response can carry (6 MB, JSON-escaped).
            ("MAX_ANSWER_BYTES", "4194305"),
            ("SECRET_TTL_SECONDS", "-5"),
        ] {
            let err = load(&[("AGENT_RUNTIME_ARN", ARN), (k, v)]).unwrap_err();
            assert_eq!(err.variable, k);
        }
    }

    #[test]
    fn id_and_account_form() {
        let c = load(&[
            ("AGENT_RUNTIME_ID", "my_agent-AbCdEf1234"),
            ("AGENT_ACCOUNT_ID", "123456789012"),
        ])
        .unwrap();
        assert_eq!(c.target.identifier(), "my_agent-AbCdEf1234");
        assert_eq!(c.target.account_id(), Some("123456789012"));
        let err = load(&[("AGENT_RUNTIME_ID", "my_agent-AbCdEf1234")]).unwrap_err();
        assert_eq!(err.variable, "AGENT_ACCOUNT_ID");
        let err = load(&[
            ("AGENT_RUNTIME_ID", "my_agent-AbCdEf1234"),
            ("AGENT_RUNTIME_ARN", ARN),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "AGENT_RUNTIME_ID");
        let err = load(&[
            ("AGENT_RUNTIME_ID", "nope"),
            ("AGENT_ACCOUNT_ID", "123456789012"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "AGENT_RUNTIME_ID");
    }

    #[test]
    fn policies_and_sources() {
        let c = load(&[
            ("AGENT_RUNTIME_ARN", ARN),
            ("SESSION_POLICY", "ticket"),
            ("SESSION_NAMESPACE", "acme-prod"),
            ("AGENT_USER_ID_SOURCE", "header:X-Caller-Email"),
            ("AGENT_RETRY_MODE", "adaptive"),
            ("AGENT_WARM_UP", "false"),
        ])
        .unwrap();
        assert_eq!(
            c.session_policy,
            SessionPolicy::PerTicket {
                namespace: "acme-prod".into()
            }
        );
        assert_eq!(
            c.user_id_source,
            Some(UserIdSource::Header("x-caller-email".into()))
        );
        assert_eq!(c.retry_mode, RetryMode::Adaptive);
        assert!(!c.warm_up);
        let c = load(&[
            ("AGENT_RUNTIME_ARN", ARN),
            ("SESSION_POLICY", "caller"),
            ("AGENT_USER_ID_SOURCE", "ticket:requester"),
        ])
        .unwrap();
        assert_eq!(c.session_policy, SessionPolicy::CallerSupplied);
        assert_eq!(c.user_id_source, Some(UserIdSource::TicketRequester));
        for (k, v) in [
            ("SESSION_POLICY", "sticky"),
            ("AGENT_USER_ID_SOURCE", "cookie:x"),
            ("AGENT_USER_ID_SOURCE", "header:bad header"),
            ("AGENT_RETRY_MODE", "legacy"),
            ("AGENT_WARM_UP", "yes"),
            ("AGENT_RETRY_BACKOFF_MS", "0"),
        ] {
            assert_eq!(
                load(&[("AGENT_RUNTIME_ARN", ARN), (k, v)])
                    .unwrap_err()
                    .variable,
                k,
                "{k}={v}"
            );
        }
        let err = load(&[
            ("AGENT_RUNTIME_ARN", ARN),
            ("SESSION_POLICY", "ticket"),
            ("SESSION_NAMESPACE", "a b"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "SESSION_NAMESPACE");
    }

    #[test]
    fn accepts_other_partitions() {
        let arn =
            "arn:aws-us-gov:bedrock-agentcore:us-gov-west-1:123456789012:runtime/a-0123456789";
        assert!(load(&[("AGENT_RUNTIME_ARN", arn)]).is_ok());
    }
}
