//! Every way a request can fail, and the stable code of each (what callers and dashboards key
//! on). How each failure is shown to a caller (status, message, headers) is the response's.

use thiserror::Error;
use ticket_prompt::signature::SignatureError;
use ticket_prompt::{InvalidSessionId, TicketError};

use crate::agent::{AgentError, AgentFailure, DirectoryError};
use crate::integrations::DirectoryUnavailable;
use crate::secrets::SecretError;
use crate::tokens::TokenError;

/// Every way a request can fail.
#[derive(Debug, Error)]
pub enum BridgeError {
    /// The body is not a valid ticket or invoke request.
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// No route matches the path.
    #[error("no such route")]
    NotFound,
    /// `/webhook/{source}` with a source the bridge does not know.
    #[error("unsupported source '{0}'")]
    UnsupportedSource(String),
    /// A known path with the wrong method.
    #[error("method not allowed; use {allow}")]
    MethodNotAllowed {
        /// The method the path takes.
        allow: &'static str,
    },
    /// The caller's integration may not call this route (or its API key belongs to none).
    #[error("route not allowed for this caller")]
    RouteNotAllowed,
    /// The body is over `MAX_BODY_BYTES`.
    #[error("body of {size} bytes exceeds the limit of {limit}")]
    PayloadTooLarge {
        /// The body's size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The configuration, or a secret it names, is unusable.
    #[error("the bridge is misconfigured")]
    Configuration,
    /// `X-Agent-Session-Id` is not a valid AgentCore session id.
    #[error("invalid X-Agent-Session-Id: {0}")]
    InvalidSessionId(InvalidSessionId),
    /// The delivery's signature does not verify.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// An SNS delivery (CloudWatch alarms) failed its checks: not SNS's envelope, a topic the
    /// deployment does not list, a certificate URL that is not SNS's, or a bad signature.
    #[error("SNS message refused: {0}")]
    SnsRefused(&'static str),
    /// SNS could not be reached for its signing certificate or to confirm a subscription.
    #[error("SNS unavailable")]
    SnsUnavailable,
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
    /// The bearer token does not verify (signature, algorithm, issuer, audience, time, key id).
    #[error("invalid bearer token")]
    InvalidToken,
    /// `USER_TOKENS=required` and the request came without a bearer token.
    #[error("a bearer token is required")]
    TokenRequired,
    /// The token issuer's keys (or the shared secret) could not be fetched.
    #[error("token verification keys unavailable")]
    TokenKeysUnavailable,
    /// The caller named an end user without being trusted to (or, unsigned, a ticket requester).
    #[error("user assertion not allowed for this caller")]
    UserNotAllowed,
    /// `?mode=` asks for another mode than the configured one, from a caller that may not choose.
    #[error("mode not allowed for this caller")]
    ModeNotAllowed,
    /// `?mode=` is neither `sync` nor `async`.
    #[error("invalid mode '{0}'")]
    InvalidMode(String),
    /// The idempotency key (or delivery id) names a job of another request: the same key came with
    /// a different body. Nothing is answered from that job and the agent is not called.
    #[error("idempotency key reused for a different request")]
    IdempotencyKeyReused,
    /// The idempotency or delivery-id header is unusable (says why).
    #[error("invalid idempotency key: {0}")]
    InvalidIdempotencyKey(&'static str),
    /// The jobs table or queue failed: without it a delivery cannot be deduplicated or queued.
    #[error("job store or queue unavailable")]
    JobsUnavailable,
    /// The invoke API named an agent the configuration does not list.
    #[error("no agent named '{0}'")]
    UnknownAgent(String),
    /// The agent call failed.
    #[error(transparent)]
    Agent(#[from] AgentError),
}

impl From<DirectoryError> for BridgeError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::Unknown(name) => BridgeError::UnknownAgent(name),
            DirectoryError::Unavailable => BridgeError::Configuration,
        }
    }
}

impl From<DirectoryUnavailable> for BridgeError {
    fn from(_: DirectoryUnavailable) -> Self {
        BridgeError::Configuration
    }
}

impl From<TokenError> for BridgeError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Invalid(_) => BridgeError::InvalidToken,
            TokenError::KeysUnavailable => BridgeError::TokenKeysUnavailable,
        }
    }
}

impl From<SecretError> for BridgeError {
    fn from(_: SecretError) -> Self {
        BridgeError::Configuration
    }
}

impl BridgeError {
    /// How the agent failed, when this is an agent failure (for the metrics).
    pub fn agent_failure(&self) -> Option<AgentFailure> {
        match self {
            BridgeError::Agent(e) => Some(e.failure),
            _ => None,
        }
    }

    /// The stable UPPER_SNAKE code callers and dashboards key on.
    pub fn code(&self) -> &'static str {
        match self {
            BridgeError::Ticket(TicketError::InvalidJson(_) | TicketError::NotAnObject) => {
                "INVALID_JSON"
            }
            BridgeError::Ticket(TicketError::MissingField { .. }) => "MISSING_REQUIRED_FIELD",
            BridgeError::Ticket(TicketError::InvalidField { .. }) => "INVALID_FIELD",
            BridgeError::Ticket(TicketError::UnsupportedFileType { .. }) => "UNSUPPORTED_FILE_TYPE",
            BridgeError::Ticket(TicketError::FileTooLarge { .. }) => "PAYLOAD_TOO_LARGE",
            BridgeError::InvalidSessionId(_) => "INVALID_SESSION_ID",
            BridgeError::Signature(SignatureError::Expired) => "SIGNATURE_EXPIRED",
            BridgeError::Signature(_)
            | BridgeError::SigningRequired(_)
            | BridgeError::SnsRefused(_) => "INVALID_SIGNATURE",
            BridgeError::SnsUnavailable => "SNS_UNAVAILABLE",
            BridgeError::NotFound => "NOT_FOUND",
            BridgeError::UnsupportedSource(_) => "UNSUPPORTED_SOURCE",
            BridgeError::MethodNotAllowed { .. } => "METHOD_NOT_ALLOWED",
            BridgeError::RouteNotAllowed => "ROUTE_NOT_ALLOWED",
            BridgeError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            BridgeError::Configuration => "CONFIGURATION_ERROR",
            BridgeError::UnknownAgent(_) => "AGENT_NOT_FOUND",
            BridgeError::JobNotFound => "JOB_NOT_FOUND",
            BridgeError::DuplicateInProgress => "DUPLICATE_IN_PROGRESS",
            BridgeError::AsyncNotEnabled => "ASYNC_NOT_ENABLED",
            BridgeError::InvalidMode(_) => "INVALID_MODE",
            BridgeError::ModeNotAllowed => "MODE_NOT_ALLOWED",
            BridgeError::UserNotAllowed => "USER_NOT_ALLOWED",
            BridgeError::InvalidToken => "INVALID_TOKEN",
            BridgeError::TokenRequired => "TOKEN_REQUIRED",
            BridgeError::TokenKeysUnavailable => "TOKEN_KEYS_UNAVAILABLE",
            BridgeError::InvalidIdempotencyKey(_) => "INVALID_IDEMPOTENCY_KEY",
            BridgeError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            BridgeError::JobsUnavailable => "JOBS_UNAVAILABLE",
            BridgeError::Agent(e) => match e.failure {
                AgentFailure::RequestRejected => "AGENT_REQUEST_REJECTED",
                AgentFailure::AccessDenied => "AGENT_ACCESS_DENIED",
                AgentFailure::NotFound => "AGENT_NOT_FOUND",
                AgentFailure::SessionBusy => "SESSION_BUSY",
                AgentFailure::Throttled => "RATE_LIMIT_EXCEEDED",
                AgentFailure::RuntimeFailed | AgentFailure::InBandError => "AGENT_FAILED",
                AgentFailure::Unavailable => "AGENT_UNAVAILABLE",
                AgentFailure::StreamInterrupted => "AGENT_STREAM_INTERRUPTED",
                AgentFailure::AnswerTooLarge => "AGENT_ANSWER_TOO_LARGE",
                AgentFailure::EmptyAnswer | AgentFailure::Unknown => "AGENT_ERROR",
                AgentFailure::Timeout => "AGENT_TIMEOUT",
            },
        }
    }
}
