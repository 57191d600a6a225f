//! The mapping's settings, checked as `CreateEventSourceMapping` checks them, and the queue ARN
//! they name.

use std::time::Duration;

use thiserror::Error;

/// How the mapping polls and invokes (the event source mapping's and the function's settings).
#[derive(Debug, Clone)]
pub struct SqsSourceConfig {
    /// Messages per invocation, 1–10 (`BatchSize`; more needs a batching window, not emulated).
    pub batch_size: i32,
    /// The long-poll wait of each `ReceiveMessage`, whole seconds up to 20.
    pub receive_wait: Duration,
    /// The visibility timeout asked for on `ReceiveMessage`: how long a failed batch stays
    /// invisible before it is received again. Whole seconds.
    pub visibility_timeout: Duration,
    /// The function timeout; an invocation that runs longer fails the whole batch.
    pub function_timeout: Duration,
}

impl Default for SqsSourceConfig {
    /// Lambda's defaults: batch size 10, SQS's 30 s visibility timeout, a 30 s function timeout;
    /// a 1 s long poll so tests and `stop()` do not wait on an idle queue.
    fn default() -> Self {
        SqsSourceConfig {
            batch_size: 10,
            receive_wait: Duration::from_secs(1),
            visibility_timeout: Duration::from_secs(30),
            function_timeout: Duration::from_secs(30),
        }
    }
}

/// A configuration Lambda would refuse in `CreateEventSourceMapping`.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SqsSourceError {
    /// `batch_size` is not 1–10.
    #[error("batch size {0} is outside 1..=10")]
    BatchSize(i32),
    /// `receive_wait` is over 20 seconds.
    #[error("receive wait {0:?} is over SQS's 20 s maximum")]
    ReceiveWait(Duration),
    /// Lambda's own check: a shorter visibility timeout would let a message reappear (and run
    /// twice) while the first invocation is still working on it.
    #[error("visibility timeout {visibility:?} is shorter than the function timeout {function:?}")]
    VisibilityTimeout {
        /// The visibility timeout asked for.
        visibility: Duration,
        /// The function timeout it must cover.
        function: Duration,
    },
    /// The queue ARN is not `arn:aws:sqs:region:account:name`.
    #[error("{0:?} is not an SQS queue ARN (arn:aws:sqs:region:account:name)")]
    QueueArn(String),
}

/// Lambda's checks on a mapping's settings.
pub(super) fn validate(config: &SqsSourceConfig) -> Result<(), SqsSourceError> {
    if !(1..=10).contains(&config.batch_size) {
        return Err(SqsSourceError::BatchSize(config.batch_size));
    }
    if config.receive_wait > Duration::from_secs(20) {
        return Err(SqsSourceError::ReceiveWait(config.receive_wait));
    }
    if config.visibility_timeout < config.function_timeout {
        return Err(SqsSourceError::VisibilityTimeout {
            visibility: config.visibility_timeout,
            function: config.function_timeout,
        });
    }
    Ok(())
}

/// `arn:aws:sqs:{region}:{account}:{name}` → region.
pub(super) fn region_of(queue_arn: &str) -> Option<String> {
    let parts: Vec<&str> = queue_arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "sqs", region, _, name] if !region.is_empty() && !name.is_empty() => {
            Some((*region).to_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqs_source::fixtures::ARN;

    #[test]
    fn lambdas_configuration_checks() {
        let ok = SqsSourceConfig::default();
        assert_eq!(validate(&ok), Ok(()));
        let big = SqsSourceConfig {
            batch_size: 11,
            ..ok.clone()
        };
        assert_eq!(validate(&big), Err(SqsSourceError::BatchSize(11)));
        let short = SqsSourceConfig {
            visibility_timeout: Duration::from_secs(5),
            ..ok
        };
        assert!(matches!(
            validate(&short),
            Err(SqsSourceError::VisibilityTimeout { .. })
        ));
        assert_eq!(region_of(ARN).as_deref(), Some("us-west-2"));
        assert_eq!(region_of("https://sqs/queue"), None);
    }
}
