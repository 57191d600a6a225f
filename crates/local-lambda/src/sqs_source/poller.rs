//! The poller behind a mapping: long-poll the queue, invoke the function with each batch, delete
//! what it processed, and count what happened.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use bytes::Bytes;
use tokio::sync::watch;

use super::batch_response::{Failed, failed_items, response_body, to_delete};
use super::config::SqsSourceConfig;
use super::event::sqs_event;
use crate::runtime_api::RuntimeApi;

/// What the poller has done so far, for tests and logs.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) invocations: AtomicU64,
    pub(super) deleted: AtomicU64,
    pub(super) failed_items: AtomicU64,
}

/// Everything the poller needs.
pub(super) struct Poller {
    pub(super) client: aws_sdk_sqs::Client,
    pub(super) queue_url: String,
    pub(super) queue_arn: String,
    pub(super) region: String,
    pub(super) runtime: Arc<RuntimeApi>,
    pub(super) config: SqsSourceConfig,
    pub(super) counters: Arc<Counters>,
}

impl Poller {
    /// Polls until `stopped` says so.
    pub(super) async fn run(self, mut stopped: watch::Receiver<bool>) {
        loop {
            let received = tokio::select! {
                _ = stopped.changed() => return,
                received = self.receive() => received,
            };
            match received {
                Ok(messages) if messages.is_empty() => {}
                Ok(messages) => self.process(&messages).await,
                Err(e) => {
                    // Lambda's poller backs off and retries; so do we.
                    tracing::warn!(queue = %self.queue_url, error = %e, "ReceiveMessage failed");
                    tokio::select! {
                        _ = stopped.changed() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
            if *stopped.borrow() {
                return;
            }
        }
    }

    async fn receive(&self) -> Result<Vec<Message>, aws_sdk_sqs::Error> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.config.batch_size)
            .wait_time_seconds(self.config.receive_wait.as_secs() as i32)
            .visibility_timeout(self.config.visibility_timeout.as_secs() as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await?;
        Ok(output.messages.unwrap_or_default())
    }

    /// One invocation for one batch, then the deletes its result calls for.
    async fn process(&self, messages: &[Message]) {
        let event = sqs_event(messages, &self.queue_arn, &self.region);
        self.counters.invocations.fetch_add(1, Ordering::SeqCst);
        let result = self
            .runtime
            .invoke(Bytes::from(event.to_string()), self.config.function_timeout)
            .await;
        let failed = match response_body(result).await {
            Ok(body) => failed_items(&body, messages),
            Err(reason) => {
                tracing::warn!(queue = %self.queue_url, %reason, batch = messages.len(), "invocation failed; the whole batch will be retried");
                Failed::All
            }
        };
        let delete = to_delete(messages, &failed);
        let kept = messages.len() - delete.len();
        self.counters
            .failed_items
            .fetch_add(kept as u64, Ordering::SeqCst);
        self.delete(delete).await;
    }

    async fn delete(&self, receipts: Vec<String>) {
        // DeleteMessageBatch takes at most 10 entries; a batch never holds more.
        for chunk in receipts.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, receipt)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(receipt)
                        .build()
                        .ok()
                })
                .collect();
            match self
                .client
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(out) => {
                    self.counters
                        .deleted
                        .fetch_add(out.successful().len() as u64, Ordering::SeqCst);
                    for f in out.failed() {
                        tracing::warn!(queue = %self.queue_url, code = f.code(), "DeleteMessageBatch entry failed");
                    }
                }
                Err(e) => {
                    tracing::warn!(queue = %self.queue_url, error = %e, "DeleteMessageBatch failed")
                }
            }
        }
    }
}
