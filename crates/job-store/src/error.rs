//! Typed errors for the store and the queue, and the one place SDK errors are classified.
//!
//! The SDK's error text can name tables, queues and account ids; it is logged here, once, and the
//! typed error carries only the operation and the service's error code.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use thiserror::Error;

/// Why a jobs-table operation failed. `op` is always the store's own operation name (`claim`,
/// `start_attempt`, `succeed`, …), never a table name or an SDK message.
#[derive(Debug, Error)]
pub enum StoreError {
    /// DynamoDB throttled the request even after the SDK's own retries. Retryable.
    #[error("job store throttled ({op})")]
    Throttled {
        /// The store operation.
        op: &'static str,
    },
    /// Timeout, connection failure or a 5xx. Retryable.
    #[error("job store unavailable ({op})")]
    Unavailable {
        /// The store operation.
        op: &'static str,
    },
    /// The job is missing or not in the state the operation requires: another worker holds or
    /// finished it, or this worker's lease was taken over.
    #[error("job {job_id} is not in a state that allows {op}")]
    Conflict {
        /// The store operation.
        op: &'static str,
        /// The job it was refused for.
        job_id: String,
    },
    /// A live job exists under the key, for another request (its fingerprint differs): the key
    /// was reused, by mistake or to claim it ahead of the real delivery. Nothing was written.
    #[error("job {job_id} belongs to another request under the same key")]
    KeyReused {
        /// The job the key already names.
        job_id: String,
    },
    /// A value too large for one item (DynamoDB's limit is 400 KB per item).
    #[error("{what} is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// Which value (`analysis`).
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The most this crate stores, in bytes.
        limit: usize,
    },
    /// An item that does not have the shape this crate writes (names the attribute, not its value).
    #[error("stored job record is malformed: {0}")]
    Malformed(String),
    /// Anything else, e.g. a missing table or denied permission: the service's error code only.
    #[error("job store request failed ({op}): {code}")]
    Other {
        /// The store operation.
        op: &'static str,
        /// The service's error code, e.g. `ResourceNotFoundException`.
        code: String,
    },
}

impl StoreError {
    /// Worth retrying later (the SQS redelivery, or the sender's retry after a 503).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Throttled { .. } | StoreError::Unavailable { .. }
        )
    }
}

/// Why a job could not be enqueued.
#[derive(Debug, Error)]
pub enum QueueError {
    /// Refused before sending. The limit is this crate's, not SQS's: see `MAX_MESSAGE_BYTES`.
    #[error("job message is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// The encoded message's size in bytes.
        size: usize,
        /// The most this crate sends, in bytes.
        limit: usize,
    },
    /// The message could not be serialised (a payload JSON cannot represent).
    #[error("job message could not be encoded")]
    Encode(#[source] serde_json::Error),
    /// SQS throttled the request even after the SDK's own retries. Retryable.
    #[error("job queue throttled")]
    Throttled,
    /// Timeout, connection failure or a 5xx. Retryable.
    #[error("job queue unavailable")]
    Unavailable,
    /// Anything else, e.g. a missing queue or denied permission: the service's error code only.
    #[error("job queue request failed: {code}")]
    Other {
        /// The service's error code, e.g. `AWS.SimpleQueueService.NonExistentQueue`.
        code: String,
    },
}

impl QueueError {
    /// Worth retrying later (the sender's retry after a 503).
    pub fn is_retryable(&self) -> bool {
        matches!(self, QueueError::Throttled | QueueError::Unavailable)
    }
}

/// A job message body the worker cannot use: report it as a batch item failure so it reaches the
/// dead-letter queue. The display never quotes the body (it holds ticket text).
#[derive(Debug, Error)]
pub enum MessageError {
    /// The body is not JSON.
    #[error("job message is not valid JSON (line {line}, column {column})")]
    Syntax {
        /// Where parsing stopped (1-based).
        line: usize,
        /// Where parsing stopped (1-based).
        column: usize,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// JSON, but not a `JobMessage` (a field missing or of the wrong type).
    #[error("job message does not match the schema (line {line}, column {column})")]
    Schema {
        /// Where the mismatch was found (1-based).
        line: usize,
        /// Where the mismatch was found (1-based).
        column: usize,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The job id does not have the shape of one this crate derives.
    #[error("job message has a malformed job id")]
    BadJobId,
}

impl From<serde_json::Error> for MessageError {
    fn from(source: serde_json::Error) -> Self {
        let (line, column) = (source.line(), source.column());
        if source.is_data() {
            MessageError::Schema {
                line,
                column,
                source,
            }
        } else {
            MessageError::Syntax {
                line,
                column,
                source,
            }
        }
    }
}

/// How an SDK failure should be treated, after the SDK's own retries.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Throttled: retry later.
    Throttled,
    /// Timeout, no connection or a 5xx: retry later.
    Unavailable,
    /// Anything else, with the service's error code.
    Other(String),
}

/// Throttling codes of DynamoDB and SQS (JSON and query-compatible spellings).
const THROTTLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "KmsThrottled",
];

/// Classifies `err` from `service`'s operation `op`, logging its full detail once.
pub(crate) fn classify<E>(
    service: &'static str,
    op: &'static str,
    err: &SdkError<E, HttpResponse>,
) -> Class
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    // Full detail for operators, once; never in the returned error.
    tracing::warn!(service, op, error = %DisplayErrorContext(err), "AWS request failed");
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.code();
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => return Class::Unavailable,
        SdkError::ConstructionFailure(_) => {
            return Class::Other("request construction failed".into());
        }
        _ => {}
    }
    if code.is_some_and(|c| THROTTLE_CODES.contains(&c)) || status == Some(429) {
        Class::Throttled
    } else if status.is_some_and(|s| s >= 500) {
        Class::Unavailable
    } else {
        Class::Other(code.unwrap_or("unrecognised response").to_owned())
    }
}

impl StoreError {
    /// The typed error for a DynamoDB failure of `op`.
    pub(crate) fn from_sdk<E>(op: &'static str, err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match classify("dynamodb", op, err) {
            Class::Throttled => StoreError::Throttled { op },
            Class::Unavailable => StoreError::Unavailable { op },
            Class::Other(code) => StoreError::Other { op, code },
        }
    }
}

impl QueueError {
    /// The typed error for an SQS failure of `op`.
    pub(crate) fn from_sdk<E>(op: &'static str, err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match classify("sqs", op, err) {
            Class::Throttled => QueueError::Throttled,
            Class::Unavailable => QueueError::Unavailable,
            Class::Other(code) => QueueError::Other { code },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_errors_do_not_quote_the_body() {
        let err: MessageError = serde_json::from_str::<u32>("\"secret ticket text\"")
            .unwrap_err()
            .into();
        assert!(matches!(err, MessageError::Schema { .. }));
        assert!(!err.to_string().contains("secret"), "{err}");
        let err: MessageError = serde_json::from_str::<serde_json::Value>("{secret")
            .unwrap_err()
            .into();
        assert!(matches!(err, MessageError::Syntax { .. }));
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}
