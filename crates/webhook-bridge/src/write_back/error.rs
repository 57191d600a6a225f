//! Why a write-back failed, as a stable code for the job record.

/// Why a write-back failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteBackError {
    /// 401 or 403: the credentials are wrong or lack the permission.
    Unauthorized,
    /// 404: the ticket (or the API path) does not exist.
    NotFound,
    /// Another 4xx: the ticket system refused the note.
    Rejected,
    /// 5xx: the ticket system failed (retried through the queue).
    ServerError,
    /// No answer, or the credentials' secret could not be fetched (retried through the queue).
    Unreachable,
    /// No credentials for this source, or unusable ones.
    Misconfigured,
}

impl WriteBackError {
    /// Every error, for tables and exhaustive checks.
    pub const ALL: [WriteBackError; 6] = [
        WriteBackError::Unauthorized,
        WriteBackError::NotFound,
        WriteBackError::Rejected,
        WriteBackError::ServerError,
        WriteBackError::Unreachable,
        WriteBackError::Misconfigured,
    ];

    /// The stable code recorded on the job.
    pub fn code(self) -> &'static str {
        match self {
            WriteBackError::Unauthorized => "WRITE_BACK_UNAUTHORIZED",
            WriteBackError::NotFound => "WRITE_BACK_NOT_FOUND",
            WriteBackError::Rejected => "WRITE_BACK_REJECTED",
            WriteBackError::ServerError => "WRITE_BACK_SERVER_ERROR",
            WriteBackError::Unreachable => "WRITE_BACK_UNREACHABLE",
            WriteBackError::Misconfigured => "WRITE_BACK_MISCONFIGURED",
        }
    }

    /// Whether a later try may succeed.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            WriteBackError::ServerError | WriteBackError::Unreachable
        )
    }

    pub(super) fn from_status(status: u16) -> WriteBackError {
        match status {
            401 | 403 => WriteBackError::Unauthorized,
            404 => WriteBackError::NotFound,
            400..=499 => WriteBackError::Rejected,
            _ => WriteBackError::ServerError,
        }
    }
}
