//! Configuration, read and validated once at cold start.

use std::sync::LazyLock;
use std::time::Duration;

use std::collections::HashMap;

use regex_lite::Regex;
use thiserror::Error;
use ticket_prompt::{FieldLimits, Source};

use crate::agents::{AgentEndpoint, AgentsSource, parse_agents};
use crate::secrets::SecretRef;
use crate::source_config::{DeliveryMode, SourceSettings};

/// Runtime ARN pattern from the AgentCore control-plane model.
pub(crate) static RUNTIME_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws(-[^:]+)?:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[a-zA-Z][a-zA-Z0-9_]{0,47}-[a-zA-Z0-9]{10}$").unwrap()
});
static RUNTIME_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9_]{0,99}-[a-zA-Z0-9]{10}$").unwrap());
static ACCOUNT_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9]{12}$").unwrap());
static NAMESPACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9._-]{1,64}$").unwrap());
/// Endpoint (qualifier) name pattern.
pub(crate) static QUALIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$").unwrap());

/// Which runtime to invoke: its ARN, or its id plus the owning account (the service's two forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentTarget {
    Arn(String),
    Id {
        runtime_id: String,
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

    /// `?accountId=`, sent only with the id form.
    pub fn account_id(&self) -> Option<&str> {
        match self {
            AgentTarget::Arn(_) => None,
            AgentTarget::Id { account_id, .. } => Some(account_id),
        }
    }
}

/// The SDK's retry strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// Exponential back-off with jitter on throttling, 5xx and connection errors.
    Standard,
    /// Standard plus client-side rate limiting that slows down after throttling.
    Adaptive,
}

/// How deliveries map to AgentCore sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionPolicy {
    /// A fresh session per delivery (the default): retries never share a session.
    PerDelivery,
    /// One session per ticket (source + namespace + ticket id), so follow-ups keep the agent's memory.
    PerTicket { namespace: String },
    /// The caller's `X-Agent-Session-Id` header when present, else a fresh session.
    CallerSupplied,
}

/// Where the optional `runtimeUserId` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserIdSource {
    /// A request header (name stored lower-case).
    Header(String),
    /// The ticket's requester (ServiceNow `caller_id`).
    TicketRequester,
}

/// Everything the bridge reads from its environment. See the README's configuration table.
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
    /// `MAX_BODY_BYTES`: largest accepted webhook body; default 262,144.
    pub max_body_bytes: usize,
    /// `MAX_ANSWER_BYTES`: largest agent answer read; default 1,048,576.
    pub max_answer_bytes: usize,
    /// `MAX_DESCRIPTION_CHARS`: description cap in the prompt; default 8,000.
    pub field_limits: FieldLimits,
    /// `SESSION_POLICY` (`delivery`, `ticket`, `caller`) and `SESSION_NAMESPACE`.
    pub session_policy: SessionPolicy,
    /// `AGENT_USER_ID_SOURCE`: `header:<name>`, `ticket:requester`, or unset (off).
    pub user_id_source: Option<UserIdSource>,
    /// `AGENT_WARM_UP`: open the connection to AgentCore at cold start; default true.
    pub warm_up: bool,
    /// `<SOURCE>_EVENTS` and `<SOURCE>_WEBHOOK_SECRET[_REF]`, for every source.
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
}

/// The jobs table and queue (see the README's asynchronous mode section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsConfig {
    /// `JOBS_TABLE`: the DynamoDB table holding one record per delivery.
    pub table: String,
    /// `JOBS_QUEUE_URL`: the SQS queue the worker consumes; without it only `sync` mode exists.
    pub queue_url: Option<String>,
    /// `JOB_TTL_SECONDS`: how long a delivery is remembered (retries within it are answered from
    /// the record); default 24 h.
    pub ttl: Duration,
    /// `JOB_LEASE_SECONDS`: how long a running job is considered alive before another attempt
    /// may take it over (set it to the worker's timeout); default 900 s.
    pub lease: Duration,
    /// `JOB_MAX_RECEIVES`: the queue's maxReceiveCount; the worker's last try records a failure
    /// instead of handing the job back; default 3.
    pub max_receives: u32,
}

/// A configuration problem, naming the variable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
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
        let number =
            |name: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
                match get(name) {
                    None => Ok(default),
                    Some(raw) => raw
                        .parse::<u64>()
                        .ok()
                        .filter(|n| (min..=max).contains(n))
                        .ok_or_else(|| {
                            problem(
                                name,
                                format!("must be a whole number from {min} to {max}, got {raw:?}"),
                            )
                        }),
                }
            };

        let qualifier = get("AGENT_QUALIFIER").unwrap_or_else(|| "DEFAULT".into());
        if !QUALIFIER.is_match(&qualifier) {
            return Err(problem(
                "AGENT_QUALIFIER",
                "must be an endpoint name: a letter, then up to 47 letters, digits or '_'",
            ));
        }
        let retry_mode = match get("AGENT_RETRY_MODE").as_deref() {
            None | Some("standard") => RetryMode::Standard,
            Some("adaptive") => RetryMode::Adaptive,
            Some(other) => {
                return Err(problem(
                    "AGENT_RETRY_MODE",
                    format!("must be standard or adaptive, got {other:?}"),
                ));
            }
        };
        let flag = |name: &'static str, default: bool| match get(name).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(problem(
                name,
                format!("must be true or false, got {other:?}"),
            )),
        };
        let warm_up = flag("AGENT_WARM_UP", true)?;
        let require_signatures = flag("REQUIRE_SIGNATURES", false)?;
        let defaults = FieldLimits::default();
        let agents = agents_source(&get, &qualifier)?;
        let jobs = match (get("JOBS_TABLE"), get("JOBS_QUEUE_URL")) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(problem(
                    "JOBS_TABLE",
                    "is required with JOBS_QUEUE_URL (the queue's jobs are recorded there)",
                ));
            }
            (Some(table), queue_url) => Some(JobsConfig {
                table,
                queue_url,
                ttl: Duration::from_secs(number("JOB_TTL_SECONDS", 86_400, 60, 2_592_000)?),
                lease: Duration::from_secs(number("JOB_LEASE_SECONDS", 900, 1, 43_200)?),
                max_receives: number("JOB_MAX_RECEIVES", 3, 1, 1_000)? as u32,
            }),
        };
        let sources = crate::source_config::load(&get)?;
        let has_queue = jobs.as_ref().is_some_and(|j| j.queue_url.is_some());
        if let Some(source) = Source::ALL
            .into_iter()
            .find(|s| sources[s].mode == DeliveryMode::Async)
            && !has_queue
        {
            return Err(problem(
                "JOBS_QUEUE_URL",
                format!(
                    "is required: {} deliveries are asynchronous",
                    source.as_str()
                ),
            ));
        }
        Ok(Config {
            target: agent_target(&get)?,
            qualifier,
            agent_timeout: Duration::from_secs(number("AGENT_TIMEOUT_SECONDS", 25, 1, 900)?),
            max_attempts: number("AGENT_MAX_ATTEMPTS", 3, 1, 10)? as u32,
            retry_mode,
            retry_initial_backoff: Duration::from_millis(number(
                "AGENT_RETRY_BACKOFF_MS",
                1_000,
                1,
                20_000,
            )?),
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
            session_policy: session_policy(&get)?,
            user_id_source: user_id_source(&get)?,
            warm_up,
            sources,
            require_signatures,
            agents,
            stream_heartbeat: Duration::from_secs(number("STREAM_HEARTBEAT_SECONDS", 15, 1, 300)?),
            jobs,
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

fn agents_source(
    get: &impl Fn(&str) -> Option<String>,
    qualifier: &str,
) -> Result<AgentsSource, ConfigError> {
    match (get("AGENTS"), get("AGENTS_PARAMETER")) {
        (Some(_), Some(_)) => Err(problem(
            "AGENTS_PARAMETER",
            "set either AGENTS or AGENTS_PARAMETER, not both",
        )),
        (Some(json), None) => parse_agents(&json, qualifier)
            .map(AgentsSource::Inline)
            .map_err(|p| problem("AGENTS", p)),
        (None, Some(name)) => match SecretRef::parse(&name) {
            Ok(r @ SecretRef::Ssm(_)) => Ok(AgentsSource::Parameter(r)),
            _ => Err(problem(
                "AGENTS_PARAMETER",
                "must be an SSM parameter name starting with / or an SSM parameter ARN",
            )),
        },
        (None, None) => Ok(AgentsSource::None),
    }
}

fn agent_target(get: &impl Fn(&str) -> Option<String>) -> Result<AgentTarget, ConfigError> {
    match (
        get("AGENT_RUNTIME_ARN"),
        get("AGENT_RUNTIME_ID"),
        get("AGENT_ACCOUNT_ID"),
    ) {
        (Some(_), Some(_), _) => Err(problem(
            "AGENT_RUNTIME_ID",
            "set either AGENT_RUNTIME_ARN, or AGENT_RUNTIME_ID with AGENT_ACCOUNT_ID, not both",
        )),
        (Some(arn), None, _) if RUNTIME_ARN.is_match(&arn) => Ok(AgentTarget::Arn(arn)),
        (Some(_), None, _) => Err(problem(
            "AGENT_RUNTIME_ARN",
            "is not an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<name>-<10 chars>)",
        )),
        (None, Some(id), account) => {
            if !RUNTIME_ID.is_match(&id) {
                return Err(problem(
                    "AGENT_RUNTIME_ID",
                    "is not a runtime id (<name>-<10 letters or digits>)",
                ));
            }
            match account {
                Some(a) if ACCOUNT_ID.is_match(&a) => Ok(AgentTarget::Id {
                    runtime_id: id,
                    account_id: a,
                }),
                Some(_) => Err(problem("AGENT_ACCOUNT_ID", "must be 12 digits")),
                None => Err(problem(
                    "AGENT_ACCOUNT_ID",
                    "is required with AGENT_RUNTIME_ID",
                )),
            }
        }
        (None, None, _) => Err(problem(
            "AGENT_RUNTIME_ARN",
            "is not set; set it to the agent runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)",
        )),
    }
}

fn session_policy(get: &impl Fn(&str) -> Option<String>) -> Result<SessionPolicy, ConfigError> {
    match get("SESSION_POLICY").as_deref() {
        None | Some("delivery") => Ok(SessionPolicy::PerDelivery),
        Some("caller") => Ok(SessionPolicy::CallerSupplied),
        Some("ticket") => {
            let namespace = get("SESSION_NAMESPACE").unwrap_or_else(|| "default".into());
            if !NAMESPACE.is_match(&namespace) {
                return Err(problem(
                    "SESSION_NAMESPACE",
                    "must be 1-64 letters, digits, '.', '_' or '-'",
                ));
            }
            Ok(SessionPolicy::PerTicket { namespace })
        }
        Some(other) => Err(problem(
            "SESSION_POLICY",
            format!("must be delivery, ticket or caller, got {other:?}"),
        )),
    }
}

fn user_id_source(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<UserIdSource>, ConfigError> {
    let Some(raw) = get("AGENT_USER_ID_SOURCE") else {
        return Ok(None);
    };
    match raw.split_once(':') {
        Some(("header", name)) if http::HeaderName::from_bytes(name.as_bytes()).is_ok() => {
            Ok(Some(UserIdSource::Header(name.to_ascii_lowercase())))
        }
        Some(("ticket", "requester")) => Ok(Some(UserIdSource::TicketRequester)),
        _ => Err(problem(
            "AGENT_USER_ID_SOURCE",
            format!("must be header:<header name> or ticket:requester, got {raw:?}"),
        )),
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
