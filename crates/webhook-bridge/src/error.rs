//! Every way a request can fail, and the stable code, status and caller-safe message of each.

use http::StatusCode;
use thiserror::Error;
use ticket_prompt::TicketError;
use ticket_prompt::signature::SignatureError;

use crate::agent::{AgentError, AgentFailure};

/// Seconds a caller should wait before retrying a throttled or busy request.
const RATE_LIMIT_RETRY_AFTER: u64 = 5;
const SESSION_BUSY_RETRY_AFTER: u64 = 2;
/// A duplicate arrived while the first delivery runs: by then the answer is usually stored.
const DUPLICATE_RETRY_AFTER: u64 = 10;

#[derive(Debug, Error)]
pub enum BridgeError {
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error("no such route")]
    NotFound,
    #[error("unsupported source '{0}'")]
    UnsupportedSource(String),
    #[error("method not allowed; use {allow}")]
    MethodNotAllowed { allow: &'static str },
    #[error("body of {size} bytes exceeds the limit of {limit}")]
    PayloadTooLarge { size: usize, limit: usize },
    #[error("the bridge is misconfigured")]
    Configuration,
    #[error("invalid X-Agent-Session-Id: {0}")]
    InvalidSessionId(ticket_prompt::InvalidSessionId),
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// An endpoint that needs no API key got a delivery for a source with no signing secret.
    #[error("no signing secret configured for {0}")]
    SigningRequired(&'static str),
    /// `GET /jobs/{id}` for a job that does not exist (or has expired).
    #[error("no such job")]
    JobNotFound,
    /// A retried delivery while the first is still being analysed.
    #[error("the same delivery is still in progress")]
    DuplicateInProgress,
    /// `?mode=async` (or `Prefer: respond-async`) without a job queue.
    #[error("asynchronous mode is not enabled")]
    AsyncNotEnabled,
    #[error("invalid mode '{0}'")]
    InvalidMode(String),
    #[error("invalid idempotency key: {0}")]
    InvalidIdempotencyKey(&'static str),
    /// The jobs table or queue failed: without it a delivery cannot be deduplicated or queued.
    #[error("job store or queue unavailable")]
    JobsUnavailable,
    /// The invoke API named an agent the configuration does not list.
    #[error("no agent named '{0}'")]
    UnknownAgent(String),
    #[error(transparent)]
    Agent(#[from] AgentError),
}

impl BridgeError {
    /// The stable UPPER_SNAKE code callers and dashboards key on.
    pub fn code(&self) -> &'static str {
        match self {
            BridgeError::Ticket(TicketError::InvalidJson(_) | TicketError::NotAnObject) => {
                "INVALID_JSON"
            }
            BridgeError::Ticket(TicketError::MissingField { .. }) => "MISSING_REQUIRED_FIELD",
            BridgeError::Ticket(TicketError::InvalidField { .. }) => "INVALID_FIELD",
            BridgeError::InvalidSessionId(_) => "INVALID_SESSION_ID",
            BridgeError::Signature(SignatureError::Expired) => "SIGNATURE_EXPIRED",
            BridgeError::Signature(_) | BridgeError::SigningRequired(_) => "INVALID_SIGNATURE",
            BridgeError::NotFound => "NOT_FOUND",
            BridgeError::UnsupportedSource(_) => "UNSUPPORTED_SOURCE",
            BridgeError::MethodNotAllowed { .. } => "METHOD_NOT_ALLOWED",
            BridgeError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            BridgeError::Configuration => "CONFIGURATION_ERROR",
            BridgeError::UnknownAgent(_) => "AGENT_NOT_FOUND",
            BridgeError::JobNotFound => "JOB_NOT_FOUND",
            BridgeError::DuplicateInProgress => "DUPLICATE_IN_PROGRESS",
            BridgeError::AsyncNotEnabled => "ASYNC_NOT_ENABLED",
            BridgeError::InvalidMode(_) => "INVALID_MODE",
            BridgeError::InvalidIdempotencyKey(_) => "INVALID_IDEMPOTENCY_KEY",
            BridgeError::JobsUnavailable => "JOBS_UNAVAILABLE",
            BridgeError::Agent(e) => match e.failure {
                AgentFailure::RequestRejected => "AGENT_REQUEST_REJECTED",
                AgentFailure::AccessDenied => "AGENT_ACCESS_DENIED",
                AgentFailure::NotFound => "AGENT_NOT_FOUND",
                AgentFailure::SessionBusy => "SESSION_BUSY",
                AgentFailure::Throttled => "RATE_LIMITED",
                AgentFailure::RuntimeFailed | AgentFailure::InBandError => "AGENT_FAILED",
                AgentFailure::Unavailable => "AGENT_UNAVAILABLE",
                AgentFailure::StreamInterrupted => "AGENT_STREAM_INTERRUPTED",
                AgentFailure::AnswerTooLarge => "AGENT_ANSWER_TOO_LARGE",
                AgentFailure::EmptyAnswer | AgentFailure::Unknown => "AGENT_ERROR",
                AgentFailure::Timeout => "AGENT_TIMEOUT",
            },
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            BridgeError::Ticket(_)
            | BridgeError::InvalidSessionId(_)
            | BridgeError::AsyncNotEnabled
            | BridgeError::InvalidMode(_)
            | BridgeError::InvalidIdempotencyKey(_) => StatusCode::BAD_REQUEST,
            BridgeError::JobNotFound => StatusCode::NOT_FOUND,
            BridgeError::DuplicateInProgress => StatusCode::CONFLICT,
            BridgeError::JobsUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            BridgeError::Signature(_) | BridgeError::SigningRequired(_) => StatusCode::UNAUTHORIZED,
            BridgeError::NotFound
            | BridgeError::UnsupportedSource(_)
            | BridgeError::UnknownAgent(_) => StatusCode::NOT_FOUND,
            BridgeError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            BridgeError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BridgeError::Configuration => StatusCode::INTERNAL_SERVER_ERROR,
            BridgeError::Agent(e) => match e.failure {
                AgentFailure::SessionBusy => StatusCode::CONFLICT,
                AgentFailure::Throttled => StatusCode::TOO_MANY_REQUESTS,
                AgentFailure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                AgentFailure::Timeout => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::BAD_GATEWAY,
            },
        }
    }

    /// Text for the caller: says what happened without ARNs, SDK text or agent internals.
    pub fn public_message(&self) -> String {
        match self {
            BridgeError::Ticket(e) => e.to_string(),
            BridgeError::InvalidSessionId(e) => format!("invalid X-Agent-Session-Id header: {e}"),
            BridgeError::Signature(e) => format!("webhook signature rejected: {e}"),
            BridgeError::SigningRequired(source) => format!(
                "this endpoint accepts only signed deliveries, and no signing secret is configured for {source}"
            ),
            BridgeError::NotFound => {
                "no such endpoint; POST tickets to /webhook/{source}, queries to /v1/agents/{agent}/invoke".into()
            }
            BridgeError::JobNotFound => "no such job; job ids come from 202 answers and expire".into(),
            BridgeError::DuplicateInProgress => {
                "this delivery is already being analysed; retry later for its answer".into()
            }
            BridgeError::AsyncNotEnabled => {
                "asynchronous mode is not enabled on this deployment (no job queue); deliver synchronously".into()
            }
            BridgeError::InvalidMode(m) => {
                let shown: String = m.chars().filter(char::is_ascii_alphanumeric).take(20).collect();
                format!("invalid mode '{shown}'; use sync or async")
            }
            BridgeError::InvalidIdempotencyKey(why) => format!("invalid idempotency key: {why}"),
            BridgeError::JobsUnavailable => {
                "the job store is unavailable; retry later".into()
            }
            BridgeError::UnknownAgent(name) => {
                let shown: String = name
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                    .take(64)
                    .collect();
                format!("no agent named '{shown}'; the default agent is 'default'")
            }
            BridgeError::UnsupportedSource(s) => {
                let known: Vec<&str> = ticket_prompt::Source::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect();
                let shown: String = s
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(40)
                    .collect();
                format!(
                    "unsupported source '{shown}'; supported: {}",
                    known.join(", ")
                )
            }
            BridgeError::MethodNotAllowed { allow } => format!("method not allowed; use {allow}"),
            BridgeError::PayloadTooLarge { size, limit } => {
                format!("request body of {size} bytes exceeds the limit of {limit} bytes")
            }
            BridgeError::Configuration => {
                "the bridge is misconfigured; the operator should check the function's logs".into()
            }
            BridgeError::Agent(e) => match e.failure {
                AgentFailure::RequestRejected => "the agent service rejected the request",
                AgentFailure::AccessDenied => "the bridge is not allowed to invoke the agent",
                AgentFailure::NotFound => "the configured agent runtime or endpoint does not exist",
                AgentFailure::SessionBusy => "the agent session is busy; retry later",
                AgentFailure::Throttled => "the agent is receiving too many requests; retry later",
                AgentFailure::RuntimeFailed => "the agent failed while handling the request",
                AgentFailure::InBandError => "the agent reported an error while answering",
                AgentFailure::Unavailable => "the agent service is unavailable; retry later",
                AgentFailure::StreamInterrupted => "the agent's answer was interrupted",
                AgentFailure::AnswerTooLarge => {
                    "the agent's answer exceeds the configured size limit"
                }
                AgentFailure::EmptyAnswer => "the agent returned an empty answer",
                AgentFailure::Unknown => "the agent call failed",
                AgentFailure::Timeout => "the agent did not answer in time",
            }
            .into(),
        }
    }

    /// `Retry-After` seconds, for the errors a caller should retry later.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            BridgeError::Agent(e) => match e.failure {
                AgentFailure::Throttled => Some(RATE_LIMIT_RETRY_AFTER),
                AgentFailure::SessionBusy => Some(SESSION_BUSY_RETRY_AFTER),
                _ => None,
            },
            BridgeError::DuplicateInProgress => Some(DUPLICATE_RETRY_AFTER),
            BridgeError::JobsUnavailable => Some(RATE_LIMIT_RETRY_AFTER),
            _ => None,
        }
    }

    /// The `Allow` header for 405s.
    pub fn allow(&self) -> Option<&'static str> {
        match self {
            BridgeError::MethodNotAllowed { allow } => Some(allow),
            _ => None,
        }
    }
}
