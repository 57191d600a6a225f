//! A running event source mapping: started from its settings, observed through its counters,
//! stopped on request or when dropped.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::watch;

use super::config::{SqsSourceConfig, SqsSourceError, region_of, validate};
use super::poller::{Counters, Poller};
use crate::runtime_api::RuntimeApi;
use crate::task::OwnedTask;

/// A running event source mapping; its poller stops when this is dropped (an invocation in
/// progress is abandoned, its messages reappear after the visibility timeout).
pub struct SqsEventSource {
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
    task: OwnedTask,
}

impl SqsEventSource {
    /// Starts polling `queue_url` (whose ARN, `queue_arn`, goes into each record's
    /// `eventSourceARN` and region) and invoking the function behind `runtime`.
    pub fn start(
        client: aws_sdk_sqs::Client,
        queue_url: String,
        queue_arn: String,
        runtime: Arc<RuntimeApi>,
        config: SqsSourceConfig,
    ) -> Result<SqsEventSource, SqsSourceError> {
        validate(&config)?;
        let region =
            region_of(&queue_arn).ok_or_else(|| SqsSourceError::QueueArn(queue_arn.clone()))?;
        let counters = Arc::new(Counters::default());
        let (stop, stopped) = watch::channel(false);
        let poller = Poller {
            client,
            queue_url,
            queue_arn,
            region,
            runtime,
            config,
            counters: counters.clone(),
        };
        let task = tokio::spawn(poller.run(stopped));
        Ok(SqsEventSource {
            counters,
            stop,
            task: OwnedTask::new(task),
        })
    }

    /// Invocations made (each one batch).
    pub fn invocations(&self) -> u64 {
        self.counters.invocations.load(Ordering::SeqCst)
    }

    /// Messages deleted after the function processed them.
    pub fn deleted(&self) -> u64 {
        self.counters.deleted.load(Ordering::SeqCst)
    }

    /// Messages left on the queue after an invocation (reported item failures, and every
    /// message of a batch that failed as a whole).
    pub fn failed_items(&self) -> u64 {
        self.counters.failed_items.load(Ordering::SeqCst)
    }

    /// Stops polling after the batch in progress, if any, has been invoked and settled (at most
    /// the function timeout).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.task.join().await;
    }
}
