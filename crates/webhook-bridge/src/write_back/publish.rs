//! Publishing an alert's analysis to an Amazon SNS topic with the worker's role, and sorting
//! SNS's answer into a [`WriteBackError`] like the HTTP sinks' answers.

use aws_config::SdkConfig;
use aws_sdk_sns::config::Region;
use aws_sdk_sns::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sns::types::MessageAttributeValue;
use sha2::{Digest, Sha256};
use ticket_prompt::SnsNotification;

use super::error::WriteBackError;
use crate::invocation_trace::traced_client;

/// Publishes to SNS topics; one client per cold start.
#[derive(Debug, Clone)]
pub struct SnsPublisher {
    client: aws_sdk_sns::Client,
}

impl SnsPublisher {
    /// A publisher through `sdk` (the jobs group: in AWS, the same as every other service).
    pub fn new(sdk: &SdkConfig) -> Self {
        SnsPublisher {
            client: traced_client!(aws_sdk_sns, sdk),
        }
    }

    /// Publishes `notification` of job `job_id` to `topic_arn`. A FIFO topic gets the job as
    /// its deduplication id, so a retried publish within SNS's five-minute window is dropped.
    pub async fn publish(
        &self,
        topic_arn: &str,
        notification: &SnsNotification,
        job_id: &str,
    ) -> Result<(), WriteBackError> {
        let job = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(job_id)
            .build()
            .map_err(|_| WriteBackError::Rejected)?;
        let mut publish = self
            .client
            .publish()
            .topic_arn(topic_arn)
            .subject(&notification.subject)
            .message(&notification.message)
            .message_structure("json")
            // Subscribers may filter on it, and it names the job that holds the whole analysis.
            .message_attributes("job_id", job);
        if topic_arn.ends_with(".fifo") {
            publish = publish
                .message_group_id("agentcore-bridge")
                .message_deduplication_id(deduplication_id(job_id));
        }
        // The topic's own region (its ARN's fourth part), whatever the function's is.
        let region = topic_arn.split(':').nth(3).unwrap_or_default().to_owned();
        publish
            .customize()
            .config_override(aws_sdk_sns::config::Builder::default().region(Region::new(region)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let error = publish_error(&e);
                tracing::warn!(code = e.code().unwrap_or(""), "sns publish failed");
                error
            })
    }
}

/// SNS takes up to 128 characters of letters, digits and punctuation: a hash of the job id.
fn deduplication_id(job_id: &str) -> String {
    hex::encode(Sha256::digest(format!("sns-sink:{job_id}").as_bytes()))
}

/// SNS's error codes as write-back errors: permissions and keys are the configuration's to fix,
/// throttling and SNS's own failures are retried, no answer at all is `Unreachable`.
fn publish_error<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> WriteBackError {
    match e {
        SdkError::ServiceError(service) => match service.err().code().unwrap_or("") {
            "AuthorizationError"
            | "KMSAccessDenied"
            | "KMSDisabled"
            | "KMSInvalidState"
            | "KMSNotFound"
            | "KMSOptInRequired"
            | "InvalidSecurity"
            | "AccessDenied"
            | "AccessDeniedException" => WriteBackError::Unauthorized,
            "NotFound" => WriteBackError::NotFound,
            "Throttled" | "Throttling" | "ThrottlingException" | "KMSThrottling" => {
                WriteBackError::Throttled
            }
            "InternalError" | "InternalFailure" | "ServiceUnavailable" => {
                WriteBackError::ServerError
            }
            _ => WriteBackError::Rejected,
        },
        _ => WriteBackError::Unreachable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deduplication_ids_are_stable_hex_within_snss_limit() {
        let id = deduplication_id("job_01HF");
        assert_eq!(id, deduplication_id("job_01HF"));
        assert_ne!(id, deduplication_id("job_01HG"));
        assert!(id.len() <= 128 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
