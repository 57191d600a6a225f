//! Why a write-back failed, as a stable code for the job record.

/// Why a write-back failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteBackError {
    /// 401 or 403: the credentials are wrong or lack the permission.
    Unauthorized,
    /// 404: the ticket (or the API path) does not exist.
    NotFound,
    /// 429: the ticket system's rate limit (retried through the queue).
    Throttled,
    /// Another 4xx: the ticket system refused the note.
    Rejected,
    /// 5xx: the ticket system failed (retried through the queue).
    ServerError,
    /// No answer, or the credentials' secret could not be fetched (retried through the queue).
    Unreachable,
    /// No credentials for this source, or unusable ones.
    Misconfigured,
    /// The ticket's ids are not of the vendor's format (a dot segment, a slash): never sent.
    InvalidTarget,
}

impl WriteBackError {
    /// Every error, for tables and exhaustive checks.
    pub const ALL: [WriteBackError; 8] = [
        WriteBackError::Unauthorized,
        WriteBackError::NotFound,
        WriteBackError::Throttled,
        WriteBackError::Rejected,
        WriteBackError::ServerError,
        WriteBackError::Unreachable,
        WriteBackError::Misconfigured,
        WriteBackError::InvalidTarget,
    ];

    /// The stable code recorded on the job.
    pub fn code(self) -> &'static str {
        match self {
            WriteBackError::Unauthorized => "WRITE_BACK_UNAUTHORIZED",
            WriteBackError::NotFound => "WRITE_BACK_NOT_FOUND",
            WriteBackError::Throttled => "WRITE_BACK_THROTTLED",
            WriteBackError::Rejected => "WRITE_BACK_REJECTED",
            WriteBackError::ServerError => "WRITE_BACK_SERVER_ERROR",
            WriteBackError::Unreachable => "WRITE_BACK_UNREACHABLE",
            WriteBackError::Misconfigured => "WRITE_BACK_MISCONFIGURED",
            WriteBackError::InvalidTarget => "WRITE_BACK_INVALID_TARGET",
        }
    }

    /// Whether a later try may succeed.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            WriteBackError::ServerError | WriteBackError::Unreachable | WriteBackError::Throttled
        )
    }

    pub(super) fn from_status(status: u16) -> WriteBackError {
        match status {
            401 | 403 => WriteBackError::Unauthorized,
            404 => WriteBackError::NotFound,
            429 => WriteBackError::Throttled,
            400..=499 => WriteBackError::Rejected,
            _ => WriteBackError::ServerError,
        }
    }
}
