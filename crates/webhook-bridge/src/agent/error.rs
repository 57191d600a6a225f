//! A failed agent call: what went wrong, sorted by what the operator should do about it, with
//! the service's own words kept for the logs only.

use thiserror::Error;

use crate::answer::AnswerError;

/// What went wrong calling the agent, by what the operator should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgentFailure {
    /// AgentCore refused the request as invalid (`ValidationException`).
    RequestRejected,
    /// The function's role may not invoke the runtime (`AccessDeniedException`).
    AccessDenied,
    /// The runtime or endpoint does not exist (`ResourceNotFoundException`).
    NotFound,
    /// The session is busy with another request (`RetryableConflictException`).
    SessionBusy,
    /// Throttled or over quota, after the SDK's retries.
    Throttled,
    /// The agent container failed (`RuntimeClientError`, 424).
    RuntimeFailed,
    /// AgentCore itself failed or could not be reached, after retries.
    Unavailable,
    /// The answer's body broke off before its end.
    StreamInterrupted,
    /// The answer was larger than `MAX_ANSWER_BYTES`.
    AnswerTooLarge,
    /// The agent reported an error inside its stream.
    InBandError,
    /// The agent answered with no text.
    EmptyAnswer,
    /// The deadline passed.
    Timeout,
    /// Anything else (an unknown error type, an unreadable error body).
    Unknown,
}

impl AgentFailure {
    /// Every failure, for tables and exhaustive checks.
    pub const ALL: [AgentFailure; 13] = [
        AgentFailure::RequestRejected,
        AgentFailure::AccessDenied,
        AgentFailure::NotFound,
        AgentFailure::SessionBusy,
        AgentFailure::Throttled,
        AgentFailure::RuntimeFailed,
        AgentFailure::Unavailable,
        AgentFailure::StreamInterrupted,
        AgentFailure::AnswerTooLarge,
        AgentFailure::InBandError,
        AgentFailure::EmptyAnswer,
        AgentFailure::Timeout,
        AgentFailure::Unknown,
    ];

    /// Whether a later try may succeed (a worker hands such a job back instead of failing it).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            AgentFailure::Throttled
                | AgentFailure::Unavailable
                | AgentFailure::SessionBusy
                | AgentFailure::StreamInterrupted
                | AgentFailure::RuntimeFailed
                | AgentFailure::Timeout
        )
    }
}

impl AgentFailure {
    /// Whether the call may have left a session running on AgentCore (it reached the agent, or
    /// the service failed after admitting it). A refused, throttled or busy call did not (a busy
    /// session belongs to another request); a timed-out one was stopped already.
    pub fn may_leave_a_session(self) -> bool {
        matches!(
            self,
            AgentFailure::RuntimeFailed
                | AgentFailure::Unavailable
                | AgentFailure::StreamInterrupted
                | AgentFailure::AnswerTooLarge
                | AgentFailure::InBandError
                | AgentFailure::EmptyAnswer
                | AgentFailure::Unknown
        )
    }
}

/// A failed agent call. `detail` may contain SDK and agent text and goes to logs only.
#[derive(Debug, Clone, Error)]
#[error("{failure:?} ({error_type:?}): {detail}")]
pub struct AgentError {
    /// What kind of failure.
    pub failure: AgentFailure,
    /// AgentCore's error type (`ThrottlingException`, …), when it sent one.
    pub error_type: Option<String>,
    /// AgentCore's request id, for support cases and log correlation.
    pub aws_request_id: Option<String>,
    /// The SDK's or agent's description, for logs.
    pub detail: String,
}

impl AgentError {
    /// A failure found by the bridge itself (no AgentCore error type or request id).
    pub fn new(failure: AgentFailure, detail: impl Into<String>) -> Self {
        AgentError {
            failure,
            error_type: None,
            aws_request_id: None,
            detail: detail.into(),
        }
    }

    /// The operator's view of the failure: SDK and agent text stay in the logs.
    pub fn log(&self) {
        tracing::warn!(
            failure = ?self.failure,
            error_type = self.error_type.as_deref().unwrap_or(""),
            aws_request_id = self.aws_request_id.as_deref().unwrap_or(""),
            detail = %self.detail,
            "agent call failed"
        );
    }
}

impl From<AnswerError> for AgentError {
    fn from(e: AnswerError) -> Self {
        let failure = match e {
            AnswerError::TooLarge { .. } => AgentFailure::AnswerTooLarge,
            AnswerError::AgentReported(_) => AgentFailure::InBandError,
            AnswerError::Empty => AgentFailure::EmptyAnswer,
        };
        AgentError::new(failure, e.to_string())
    }
}
