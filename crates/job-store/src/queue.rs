//! The job queue: SQS, with a dead-letter queue configured on the queue itself (RedrivePolicy).

use std::time::Duration;

use aws_sdk_sqs::Client;

use crate::error::QueueError;
use crate::message::JobMessage;

/// Largest body sent, in bytes. SQS accepts up to 1 MiB since 2025, but the worker Lambda receives
/// up to 10 messages in one synchronous invocation whose payload is capped at 6 MB; 256 KiB (the
/// long-standing SQS limit) keeps a full batch well inside it.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// SQS's longest `DelaySeconds`.
pub const MAX_DELAY: Duration = Duration::from_secs(900);

/// The job queue: where the webhook Lambda hands async jobs to the worker.
#[derive(Debug, Clone)]
pub struct JobQueue {
    client: Client,
    queue_url: String,
}

impl JobQueue {
    /// The queue at `queue_url`, reached with `client`.
    pub fn new(client: Client, queue_url: String) -> Self {
        Self { client, queue_url }
    }

    /// Sends one job as a JSON body and returns the SQS message id. Oversize messages are refused
    /// before any request is made.
    ///
    /// Duplicate messages for one job are harmless (`JobStore::start_attempt` lets only one run),
    /// so re-enqueueing a job found `queued` is a safe recovery from a crash between claim and
    /// enqueue.
    pub async fn enqueue(&self, message: &JobMessage) -> Result<String, QueueError> {
        self.enqueue_after(message, Duration::ZERO).await
    }

    /// Sends one job that becomes visible only after `delay` (SQS `DelaySeconds`, whole seconds,
    /// at most 15 minutes: longer delays are capped). A worker puts a throttled job back this way.
    pub async fn enqueue_after(
        &self,
        message: &JobMessage,
        delay: Duration,
    ) -> Result<String, QueueError> {
        let body = message.to_sqs_body().map_err(QueueError::Encode)?;
        if body.len() > MAX_MESSAGE_BYTES {
            return Err(QueueError::TooLarge {
                size: body.len(),
                limit: MAX_MESSAGE_BYTES,
            });
        }
        let out = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .delay_seconds(delay.min(MAX_DELAY).as_secs() as i32)
            .send()
            .await
            .map_err(|err| QueueError::from_sdk("enqueue", &err))?;
        tracing::debug!(job_id = %message.job_id, ?delay, "job enqueued");
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}
